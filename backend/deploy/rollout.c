/* rollout.c: the rollout engine for standalone engines.
 *
 * A deploy brings its target nodes to one revision of a stack:
 *
 *   pre-pull   every image on every target, before anything is switched,
 *              at most max_pulls at a time per registry host;
 *   waves      a canary wave (which must also pass monitor), then waves
 *              that double up to parallelism; each node's steps run on
 *              the deploy's pool of at most 32 workers, as a state machine:
 *              switch (rename the old containers, create and start the new
 *              ones), wait until healthy or running (the progress deadline
 *              bounds it), monitor, then remove the old containers; a node
 *              waiting between health or monitor checks holds no thread;
 *   breaker    failures are counted against all targets; past
 *              max_failure_ratio the failure_action runs: pause, rollback
 *              (a new deploy of kind rollback over the touched nodes, which
 *              is never itself rolled back: it pauses) or continue.
 *
 * Every node's engine version is negotiated when the rollout is built, all
 * nodes at once.  Every step is journaled (store.c) before and after it
 * runs.  Converging
 * a node is idempotent — it looks at the containers the node has, by their
 * labels and names — so an interrupted deploy is resumed by running it
 * again, and a rollback finds the old containers where the switch left
 * them ("NAME.rREV", stopped) and switches back without a pull. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/store/audit.h"
#include "backend/deploy/compose.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"
#include "backend/store/store.h"
#include "backend/engine/swarm.h"

/* Messages are cut to their fixed-size buffers on purpose (they end up in
 * one-line fields of the journal and the screen). */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#ifdef UNITTEST
#define STATIC
#else
#define STATIC static
#endif

#define RO_STOP_TIMEOUT 10      /* s the engine waits before it kills */

static void *ro_executor(void *arg);

/* ---------------------------------------------------------------- helpers */

void
ro_notify(struct rollout *r)
{
	if (r->ro->notify != NULL)
		r->ro->notify(r->ro->notify_ctx);
}

double
ro_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
ro_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Guards the first opening of a rollouts' database: the UI, heal and store
 * reader threads may all be first (a lock of its own: callers may hold
 * ro->lock). */
static pthread_mutex_t ro_store_lock = PTHREAD_MUTEX_INITIALIZER;

/* Open the database on first use. */
static int
ro_store(struct rollouts *ro, char *err, size_t errlen)
{
	char path[4096];
	int rc = 0;

	pthread_mutex_lock(&ro_store_lock);
	if (ro->st == NULL) {
		rc = store_default_path(ro->db_path[0] ? ro->db_path : NULL, path, sizeof(path),
		    err, errlen);
		if (rc == 0)
			rc = store_open(path, ro->read_only, &ro->st, err, errlen);
	}
	pthread_mutex_unlock(&ro_store_lock);
	return rc;
}

struct store *
rollout_store(struct rollouts *ro, char *err, size_t errlen)
{
	return ro_store(ro, err, errlen) == 0 ? ro->st : NULL;
}

/* Append to the audit trail (audit.c), target "stack STACK revision REV";
 * a failure is logged (the change has happened); 0 or -1. */
int
ro_audit(struct rollouts *ro, const char *action, const char *stack, int rev,
    const char *detail)
{
	char target[PD_NAME_LEN + 48], err[PD_ERROR_LEN] = "no database";

	snprintf(target, sizeof(target), "stack %s revision %d", stack, rev);
	if (ro->st == NULL || audit_append(ro->st, action, target, detail, err, sizeof(err)) != 0) {
		log_msg(LOG_WARN, "audit: %s %s not recorded: %s", action, target, err);
		return -1;
	}
	return 0;
}

/* The same before a change: with audit.require, a failure refuses the
 * change (-1 with ERR); without, it is logged and the change goes on. */
int
ro_audit_gate(struct rollouts *ro, const char *action, const char *stack, int rev,
    const char *detail, char *err, size_t errlen)
{
	char target[PD_NAME_LEN + 48], aerr[PD_ERROR_LEN] = "no database";

	snprintf(target, sizeof(target), "stack %s revision %d", stack, rev);
	if (ro->st != NULL && audit_append(ro->st, action, target, detail, aerr,
	    sizeof(aerr)) == 0)
		return 0;
	if (!audit_required()) {
		log_msg(LOG_WARN, "audit: %s %s not recorded: %s", action, target, aerr);
		return 0;
	}
	snprintf(err, errlen, "%s %s: not done: the audit trail cannot be written and "
	    "audit.require is set: %s", action, target, aerr);
	return -1;
}

/* "deploy #ID WHAT, nodes a b c" for the audit trail; a new string. */
static char *
ro_audit_nodes(int64_t id, const char *what, const struct ro_node *nodes,
    const struct pd_plan_node *pnodes, size_t n)
{
	size_t len = 128 + strlen(what), at;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(nodes != NULL ? nodes[i].inv->name : pnodes[i].node) + 1;
	out = malloc(len);
	if (out == NULL)
		return NULL;
	at = (size_t)snprintf(out, len, "deploy #%lld %s, %zu node%s:", (long long)id, what, n,
	    n == 1 ? "" : "s");
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, " %s",
		    nodes != NULL ? nodes[i].inv->name : pnodes[i].node);
	return out;
}

int
rollout_image_split(const char *ref, char *repo, size_t repolen, char *tag, size_t taglen,
    char *host, size_t hostlen)
{
	const char *at = strchr(ref, '@');
	const char *slash = strchr(ref, '/');
	const char *colon;
	size_t n;

	if (ref[0] == '\0' || strlen(ref) >= repolen)
		return -1;
	if (at != NULL) {
		n = (size_t)(at - ref);
		snprintf(repo, repolen, "%.*s", (int)n, ref);
		snprintf(tag, taglen, "%s", at + 1);
	} else {
		colon = strrchr(ref, ':');
		if (colon != NULL && (slash == NULL || colon > strrchr(ref, '/'))) {
			n = (size_t)(colon - ref);
			snprintf(repo, repolen, "%.*s", (int)n, ref);
			snprintf(tag, taglen, "%s", colon + 1);
		} else {
			snprintf(repo, repolen, "%s", ref);
			snprintf(tag, taglen, "latest");
		}
	}
	if (repo[0] == '\0' || tag[0] == '\0')
		return -1;
	/* The registry host: a first component with a '.' or ':', or localhost. */
	slash = strchr(repo, '/');
	if (slash != NULL && (memchr(repo, '.', (size_t)(slash - repo)) != NULL ||
	    memchr(repo, ':', (size_t)(slash - repo)) != NULL ||
	    strncmp(repo, "localhost/", 10) == 0))
		snprintf(host, hostlen, "%.*s", (int)(slash - repo), repo);
	else
		snprintf(host, hostlen, "docker.io");
	return 0;
}

STATIC int
rollout_waves(size_t n, int canary, int parallelism, int grow, int *waves)
{
	size_t i = 0;
	int wave = 0;
	size_t size;

	if (canary > 0) {
		for (; i < n && i < (size_t)canary; i++)
			waves[i] = 0;
		wave = 1;
	}
	size = grow ? (size_t)(canary > 0 ? canary : 1) * 2 : 0;
	if (!grow || (parallelism > 0 && size > (size_t)parallelism))
		size = parallelism > 0 ? (size_t)parallelism : n;
	while (i < n) {
		for (size_t k = 0; k < size && i < n; k++)
			waves[i++] = wave;
		wave++;
		if (grow) {
			size *= 2;
			if (parallelism > 0 && size > (size_t)parallelism)
				size = (size_t)parallelism;
		}
	}
	return wave;
}

/* ---------------------------------------------------------------- journal */

/* Record a node's phase (and step, error) in the store and in memory. */
void
ro_phase(struct ro_node *n, enum pd_phase phase, const char *step, const char *error)
{
	struct rollout *r = n->r;

	pthread_mutex_lock(&r->lock);
	n->phase = phase;
	if (phase == PD_PHASE_MONITOR || phase == PD_PHASE_DONE || phase == PD_PHASE_FAILED)
		n->reached = 1;
	if (phase == PD_PHASE_SWITCHING)
		n->touched = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	store_node_set(r->ro->st, r->id, n->inv->name, phase, step, error);
	ro_notify(r);
}

/* Journal the start of STEP on N (NULL: the deploy itself). */
void
ro_begin(struct rollout *r, struct ro_node *n, const char *step, const char *detail)
{
	store_journal(r->ro->st, r->id, n ? n->inv->name : NULL, step, "begin", detail);
	if (n != NULL)
		store_node_set(r->ro->st, r->id, n->inv->name, n->phase, step, NULL);
}

void
ro_end(struct rollout *r, struct ro_node *n, const char *step, int ok, const char *detail)
{
	store_journal(r->ro->st, r->id, n ? n->inv->name : NULL, step, ok ? "ok" : "fail",
	    detail);
}

/* ---------------------------------------------------------------- engine calls */

/* A blocking call on N's engine; the body of a 2xx reply in *JSON (may be
 * NULL).  0, or -1 with ERR. */
int
ro_call(struct ro_node *n, const char *method, const char *path, const char *body,
    long timeout_ms, cJSON **json, char *err, size_t errlen)
{
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	rc = engine_call_stream(n->eng, method, path, body, timeout_ms, NULL, NULL, &rep);
	if (rc != 0) {
		snprintf(err, errlen, "%s", rep.error);
	} else if (json != NULL && rep.body.data != NULL) {
		*json = cJSON_Parse(rep.body.data);
		if (*json == NULL) {
			snprintf(err, errlen, "%s: %s %s: the reply is not JSON", n->inv->name,
			    method, path);
			rc = -1;
		}
	}
	engine_reply_free(&rep);
	return rc;
}

/* URL-encode S into OUT. */
void
ro_urlencode(const char *s, char *out, size_t len)
{
	char *e = curl_easy_escape(NULL, s, 0);

	snprintf(out, len, "%s", e != NULL ? e : "");
	curl_free(e);
}

/* Inspect the network or volume (KIND "networks", "volumes") NAME on N into
 * *OUT: 1 it exists, 0 it does not, -1 error (in ERR). */
int
ro_inspect_named(struct ro_node *n, const char *kind, const char *name, cJSON **out,
    char *err, size_t errlen)
{
	char path[400], enc[300];
	const cJSON *got;

	*out = NULL;
	ro_urlencode(name, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/%s/%s", kind, enc);
	if (ro_call(n, "GET", path, NULL, 10000, out, err, errlen) != 0)
		return strstr(err, "HTTP 404") != NULL ? 0 : -1;
	/* The engine also matches an id prefix: only the same name counts. */
	got = cJSON_GetObjectItemCaseSensitive(*out, "Name");
	if (!cJSON_IsString(got) || strcmp(got->valuestring, name) != 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- switching */

/* A container of the stack on a node. */
struct ro_ctr {
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	char service[PD_NAME_LEN];
	int revision;
	int running;
};

/* The containers of the stack on N. */
static int
ro_list(struct ro_node *n, struct ro_ctr **out, size_t *count, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	char filt[512], enc[1024], path[1200];
	cJSON *arr = NULL, *c;
	struct ro_ctr *v = NULL;
	size_t len = 0;

	*out = NULL;
	*count = 0;
	snprintf(filt, sizeof(filt), "{\"label\":[\"" RO_LABEL_STACK "=%s\"]}", r->stack);
	ro_urlencode(filt, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", enc);
	if (ro_call(n, "GET", path, NULL, 10000, &arr, err, errlen) != 0)
		return -1;
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (v == NULL) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(c, arr) {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
		cJSON *names = cJSON_GetObjectItemCaseSensitive(c, "Names");
		cJSON *labels = cJSON_GetObjectItemCaseSensitive(c, "Labels");
		cJSON *state = cJSON_GetObjectItemCaseSensitive(c, "State");
		cJSON *svc = cJSON_GetObjectItemCaseSensitive(labels, RO_LABEL_SERVICE);
		cJSON *rev = cJSON_GetObjectItemCaseSensitive(labels, RO_LABEL_REVISION);
		cJSON *name = cJSON_GetArrayItem(names, 0);
		struct ro_ctr *x = &v[len];

		if (!cJSON_IsString(id) || !cJSON_IsString(name) || !cJSON_IsString(svc))
			continue;
		snprintf(x->id, sizeof(x->id), "%s", id->valuestring);
		snprintf(x->name, sizeof(x->name), "%s", name->valuestring +
		    (name->valuestring[0] == '/'));
		snprintf(x->service, sizeof(x->service), "%s", svc->valuestring);
		x->revision = cJSON_IsString(rev) ? (int)strtol(rev->valuestring, NULL, 10) : 0;
		x->running = cJSON_IsString(state) && (strcmp(state->valuestring, "running") == 0 ||
		    strcmp(state->valuestring, "restarting") == 0);
		len++;
	}
	cJSON_Delete(arr);
	*out = v;
	*count = len;
	return 0;
}

static struct ro_ctr *
ro_find(struct ro_ctr *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* A journaled engine call: STEP on N. */
static int
ro_step(struct ro_node *n, const char *step, const char *method, const char *path,
    const char *body, long timeout_ms, cJSON **json, char *err, size_t errlen)
{
	int rc;

	ro_begin(n->r, n, step, NULL);
	rc = ro_call(n, method, path, body, timeout_ms, json, err, errlen);
	ro_end(n->r, n, step, rc == 0, rc == 0 ? NULL : err);
	return rc;
}

static int
ro_stop(struct ro_node *n, const struct ro_ctr *c, char *err, size_t errlen)
{
	char path[200], step[64];

	snprintf(step, sizeof(step), "stop %.56s", c->name);
	snprintf(path, sizeof(path), "/containers/%s/stop?t=%d", c->id, RO_STOP_TIMEOUT);
	/* 304: it was not running, which is what we want. */
	if (ro_step(n, step, "POST", path, NULL, (RO_STOP_TIMEOUT + 15) * 1000L, NULL, err,
	    errlen) != 0 && strstr(err, "HTTP 304") == NULL)
		return -1;
	return 0;
}

/* Rename container ID to TO on N.  30 s, as create and remove: a rename
 * waits for the container's lock, which a busy engine (27 on 2 cores, at
 * load 12) held past 10 s in a suite run. */
static int
ro_rename(struct ro_node *n, const char *id, const char *to, char *err, size_t errlen)
{
	char path[400], enc[300], step[64];

	ro_urlencode(to, enc, sizeof(enc));
	snprintf(step, sizeof(step), "rename %.12s %.40s", id, to);
	snprintf(path, sizeof(path), "/containers/%s/rename?name=%s", id, enc);
	return ro_step(n, step, "POST", path, NULL, 30000, NULL, err, errlen);
}

static int
ro_remove(struct ro_node *n, const char *id, const char *name, char *err, size_t errlen)
{
	char path[200], step[64];

	snprintf(step, sizeof(step), "remove %.56s", name);
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", id);
	return ro_step(n, step, "DELETE", path, NULL, 30000, NULL, err, errlen);
}

static int
ro_start(struct ro_node *n, const char *id, const char *name, char *err, size_t errlen)
{
	char path[200], step[64];

	snprintf(step, sizeof(step), "start %.56s", name);
	snprintf(path, sizeof(path), "/containers/%s/start", id);
	if (ro_step(n, step, "POST", path, NULL, 30000, NULL, err, errlen) != 0 &&
	    strstr(err, "HTTP 304") == NULL)
		return -1;
	return 0;
}

/* Create the container NAME of service S at the target revision. */
static int
ro_create(struct ro_node *n, const struct compose_service *s, const char *name, char *id,
    size_t idlen, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	cJSON *body = cJSON_Duplicate(s->create, 1), *labels, *reply = NULL, *cid, *extra = NULL;
	char path[300], enc[300], step[64], num[32];
	char *text;
	int rc;

	if (body == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	labels = cJSON_GetObjectItemCaseSensitive(body, "Labels");
	if (!cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObjectCaseSensitive(body, "Labels");
		labels = cJSON_AddObjectToObject(body, "Labels");
	}
	snprintf(num, sizeof(num), "%d", r->revision);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, RO_LABEL_STACK);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, RO_LABEL_SERVICE);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, RO_LABEL_REVISION);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, RO_LABEL_DEPLOY);
	cJSON_AddStringToObject(labels, RO_LABEL_STACK, r->stack);
	cJSON_AddStringToObject(labels, RO_LABEL_SERVICE, s->name);
	cJSON_AddStringToObject(labels, RO_LABEL_REVISION, num);
	snprintf(num, sizeof(num), "%lld", (long long)r->id);
	cJSON_AddStringToObject(labels, RO_LABEL_DEPLOY, num);
	if (cJSON_GetObjectItemCaseSensitive(labels, "com.docker.compose.project") == NULL) {
		cJSON_AddStringToObject(labels, "com.docker.compose.project", r->stack);
		cJSON_AddStringToObject(labels, "com.docker.compose.service", s->name);
	}
	if (ro_net_prepare(n, s, body, &extra, err, errlen) != 0) {
		cJSON_Delete(body);
		return -1;
	}
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (text == NULL) {
		cJSON_Delete(extra);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ro_urlencode(name, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/containers/create?name=%s", enc);
	snprintf(step, sizeof(step), "create %.56s", name);
	rc = ro_step(n, step, "POST", path, text, 30000, &reply, err, errlen);
	free(text);
	cid = cJSON_GetObjectItemCaseSensitive(reply, "Id");
	if (rc == 0 && !cJSON_IsString(cid)) {
		snprintf(err, errlen, "%s: create %s: no Id in the reply", n->inv->name, name);
		rc = -1;
	}
	if (rc == 0)
		snprintf(id, idlen, "%s", cid->valuestring);
	cJSON_Delete(reply);
	/* The other networks before it starts, so that it starts on all. */
	if (rc == 0 && extra != NULL)
		rc = ro_net_connect(n, id, name, extra, err, errlen);
	cJSON_Delete(extra);
	/* Its secrets and configs too: an image reads them as it starts. */
	if (rc == 0)
		rc = ro_secrets_put(n, s, id, name, err, errlen);
	return rc;
}

/* The current name of service SVC, "STACK-SVC". */
static void
ro_name(const struct rollout *r, const char *svc, char *out, size_t len)
{
	snprintf(out, len, "%s-%s", r->stack, svc);
}

/* Whether NAME is the current name of a service of the target revision. */
static int
ro_is_current_name(const struct rollout *r, const char *name)
{
	char want[PD_NAME_LEN];

	for (size_t i = 0; r->spec != NULL && i < r->spec->nservices; i++) {
		ro_name(r, r->spec->services[i].name, want, sizeof(want));
		if (strcmp(want, name) == 0)
			return 1;
	}
	return 0;
}

/* Move container C out of the way: stop it (if STOP) and rename it to
 * NAME.rREV, removing what held that name before. */
static int
ro_set_aside(struct ro_node *n, struct ro_ctr *v, size_t nv, struct ro_ctr *c, int stop,
    char *err, size_t errlen)
{
	char aside[PD_NAME_LEN + 16];
	struct ro_ctr *old;

	if (stop && c->running && ro_stop(n, c, err, errlen) != 0)
		return -1;
	snprintf(aside, sizeof(aside), "%s.r%d", c->name, c->revision);
	old = ro_find(v, nv, aside);
	if (old != NULL && old != c && ro_remove(n, old->id, old->name, err, errlen) != 0)
		return -1;
	if (old != NULL)
		old->name[0] = '\0';
	if (ro_rename(n, c->id, aside, err, errlen) != 0)
		return -1;
	snprintf(c->name, sizeof(c->name), "%s", aside);
	return 0;
}

/* Start container ID (NAME) on N now, or, for the LAST service in start
 * order, leave its start to the caller (START_ID, START_NAME): nothing waits
 * on it within the switch, so it may run without holding a worker. */
static int
ro_start_or_defer(struct ro_node *n, int last, const char *id, const char *name,
    char *start_id, char *start_name, char *err, size_t errlen)
{
	if (!last)
		return ro_start(n, id, name, err, errlen);
	snprintf(start_id, PD_ID_LEN, "%s", id);
	snprintf(start_name, PD_NAME_LEN, "%s", name);
	return 0;
}

/* Bring N's containers to the target revision (idempotent): its networks
 * first, then the old containers stopped and set aside in reverse start
 * order, then each service started in start order once the ones it
 * depends on reached their condition (before DEADLINE).  Containers that
 * start-first leaves running until the new ones are healthy are recorded
 * in LATE (ids, in reverse start order). */
static int
ro_switch(struct ro_node *n, double deadline, char late[][PD_ID_LEN], size_t *nlate,
    char *start_id, char *start_name, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	struct ro_ctr *v = NULL;
	size_t nv, *order = NULL, ns = r->spec != NULL ? r->spec->nservices : 0;
	int start_first = r->pol.order == COMPOSE_START_FIRST;

	*nlate = 0;
	start_id[0] = start_name[0] = '\0';
	if (ro_net_ensure(n, err, errlen) != 0 || ro_vol_ensure(n, err, errlen) != 0)
		return -1;
	if (ns > 0) {
		if ((order = calloc(ns, sizeof(*order))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (compose_start_order(r->spec, order, err, errlen) != 0)
			goto fail;
	}
	if (ro_list(n, &v, &nv, err, errlen) != 0)
		goto fail;
	/* Containers of services the revision does not have go aside. */
	for (size_t i = 0; i < nv; i++) {
		char want[PD_NAME_LEN];

		ro_name(r, v[i].service, want, sizeof(want));
		if (strcmp(v[i].name, want) == 0 && !ro_is_current_name(r, v[i].name) &&
		    ro_set_aside(n, v, nv, &v[i], 1, err, errlen) != 0)
			goto fail;
	}
	/* The old containers of the revision's services, dependents first. */
	for (size_t k = ns; k-- > 0;) {
		const struct compose_service *s = &r->spec->services[order[k]];
		char name[PD_NAME_LEN], keepname[PD_NAME_LEN + 16];
		struct ro_ctr *cur;
		int stop_now;

		ro_name(r, s->name, name, sizeof(name));
		cur = ro_find(v, nv, name);
		if (cur == NULL || cur->revision == r->revision)
			continue;
		snprintf(keepname, sizeof(keepname), "%s.r%d", name, r->revision);
		stop_now = !start_first || ro_find(v, nv, keepname) != NULL;
		if (ro_set_aside(n, v, nv, cur, stop_now, err, errlen) != 0)
			goto fail;
		if (!stop_now && cur->running && *nlate < 16)
			snprintf(late[(*nlate)++], PD_ID_LEN, "%s", cur->id);
	}
	for (size_t k = 0; k < ns; k++) {
		const struct compose_service *s = &r->spec->services[order[k]];
		char name[PD_NAME_LEN], keepname[PD_NAME_LEN + 16], id[PD_ID_LEN];
		struct ro_ctr *cur, *keep;

		ro_name(r, s->name, name, sizeof(name));
		cur = ro_find(v, nv, name);
		if (cur != NULL && cur->revision == r->revision) {
			/* Already switched (a resumed deploy): make sure it runs. */
			if (!cur->running && (ro_dep_wait(n, s, deadline, err, errlen) != 0 ||
			    ro_start_or_defer(n, k + 1 == ns, cur->id, name, start_id, start_name,
			    err, errlen) != 0))
				goto fail;
			continue;
		}
		if (ro_dep_wait(n, s, deadline, err, errlen) != 0)
			goto fail;
		snprintf(keepname, sizeof(keepname), "%s.r%d", name, r->revision);
		keep = ro_find(v, nv, keepname);
		if (keep != NULL) {
			/* The container of this revision is still there: switch back to it. */
			if (ro_rename(n, keep->id, name, err, errlen) != 0 ||
			    ro_start_or_defer(n, k + 1 == ns, keep->id, name, start_id, start_name,
			    err, errlen) != 0)
				goto fail;
			snprintf(keep->name, sizeof(keep->name), "%s", name);
			continue;
		}
		if (ro_create(n, s, name, id, sizeof(id), err, errlen) != 0 ||
		    ro_start_or_defer(n, k + 1 == ns, id, name, start_id, start_name, err,
		    errlen) != 0)
			goto fail;
	}
	free(order);
	free(v);
	return 0;
fail:
	free(order);
	free(v);
	return -1;
}

/* The last line of a container's log, for a failure message. */
static void
ro_last_log(struct ro_node *n, const char *id, char *out, size_t len)
{
	char path[200], err[PD_ERROR_LEN];
	struct engine_reply rep;
	const char *p, *end, *best = NULL;
	size_t bestlen = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&tail=3", id);
	if (engine_call_stream(n->eng, "GET", path, NULL, 5000, NULL, NULL, &rep) != 0 ||
	    rep.body.data == NULL) {
		engine_reply_free(&rep);
		(void)err;
		return;
	}
	/* Multiplexed frames (8-byte headers) or raw text: keep the last line's
	 * printable part. */
	p = rep.body.data;
	end = p + rep.body.len;
	while (p < end) {
		const char *nl;

		if (end - p >= 8 && (p[0] == 1 || p[0] == 2) && p[1] == 0 && p[2] == 0 && p[3] == 0)
			p += 8;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p) {
			best = p;
			bestlen = (size_t)(nl - p);
		}
		p = nl + 1;
	}
	if (best != NULL) {
		size_t k = 0;

		for (size_t i = 0; i < bestlen && k + 1 < len; i++)
			out[k++] = isprint((unsigned char)best[i]) ? best[i] : '?';
		out[k] = '\0';
	}
	engine_reply_free(&rep);
}

/* How the services of the target revision are doing on N: 1 all healthy
 * (or running, without a healthcheck), 0 not yet, -1 failed (ERR says why). */
static int
ro_health(struct ro_node *n, int *restarts, char *err, size_t errlen)
{
	struct rollout *r = n->r;

	for (size_t i = 0; r->spec != NULL && i < r->spec->nservices; i++) {
		char name[PD_NAME_LEN], path[300], enc[300], logline[160];
		cJSON *j = NULL, *state, *status, *health, *hs, *rc, *code;
		int result;

		ro_name(r, r->spec->services[i].name, name, sizeof(name));
		ro_urlencode(name, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/containers/%s/json", enc);
		if (ro_call(n, "GET", path, NULL, 10000, &j, err, errlen) != 0)
			return -1;
		state = cJSON_GetObjectItemCaseSensitive(j, "State");
		status = cJSON_GetObjectItemCaseSensitive(state, "Status");
		health = cJSON_GetObjectItemCaseSensitive(state, "Health");
		hs = cJSON_GetObjectItemCaseSensitive(health, "Status");
		rc = cJSON_GetObjectItemCaseSensitive(j, "RestartCount");
		code = cJSON_GetObjectItemCaseSensitive(state, "ExitCode");
		result = 1;
		if (cJSON_IsNumber(rc) && restarts != NULL && restarts[i] >= 0 &&
		    rc->valueint > restarts[i]) {
			ro_last_log(n, name, logline, sizeof(logline));
			snprintf(err, errlen, "%s restarted (crash loop?)%s%s", name,
			    logline[0] ? ": " : "", logline);
			result = -1;
		} else if (!cJSON_IsString(status)) {
			snprintf(err, errlen, "%s: no state in its inspect", name);
			result = -1;
		} else if (strcmp(status->valuestring, "exited") == 0 && cJSON_IsNumber(code) &&
		    code->valueint == 0 && ro_completes(r->spec, r->spec->services[i].name)) {
			result = 1;	/* a one-shot another service waited to complete */
		} else if (strcmp(status->valuestring, "exited") == 0 ||
		    strcmp(status->valuestring, "dead") == 0 ||
		    strcmp(status->valuestring, "restarting") == 0) {
			ro_last_log(n, name, logline, sizeof(logline));
			snprintf(err, errlen, "%s %s (exit code %d)%s%s", name, status->valuestring,
			    cJSON_IsNumber(code) ? code->valueint : -1, logline[0] ? ": " : "",
			    logline);
			result = -1;
		} else if (strcmp(status->valuestring, "running") != 0) {
			result = 0;
		} else if (cJSON_IsString(hs) && strcmp(hs->valuestring, "unhealthy") == 0) {
			snprintf(err, errlen, "%s unhealthy", name);
			result = -1;
		} else if (cJSON_IsString(hs) && strcmp(hs->valuestring, "healthy") != 0) {
			result = 0;
		}
		if (restarts != NULL && restarts[i] < 0 && cJSON_IsNumber(rc))
			restarts[i] = rc->valueint;
		cJSON_Delete(j);
		if (result != 1)
			return result;
	}
	return 1;
}

/* Remove the containers of the stack that are not current (set aside). */
static int
ro_cleanup(struct ro_node *n, char *err, size_t errlen)
{
	struct ro_ctr *v;
	size_t nv;
	int rc = 0;

	if (ro_list(n, &v, &nv, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < nv; i++)
		if (!ro_is_current_name(n->r, v[i].name) &&
		    ro_remove(n, v[i].id, v[i].name, err, errlen) != 0)
			rc = -1;
	free(v);
	return rc;
}

/* Whether the executor wants monitors cut short. */
static int
ro_monitor_cut(struct rollout *r)
{
	int cut;

	pthread_mutex_lock(&r->lock);
	cut = r->stop_monitor;
	pthread_mutex_unlock(&r->lock);
	return cut;
}

/* ---------------------------------------------------------------- node steps
 *
 * A node's work is a state machine run by the rollout's pool: a worker
 * takes a node whose step is due, runs that one step (which may block on
 * its engine: a switch, one health check) and either queues it again with
 * a time (the next health or monitor poll) or ends it.  Waiting costs no
 * thread, so a wave of 270 nodes in health wait and monitor needs no more
 * workers than one of 27; a node beyond the pool's size waits in the queue
 * until a worker is free. */

enum {
	RO_ST_SWITCH,                /* switch its containers */
	RO_ST_HEALTH,                /* one health check while waiting for healthy */
	RO_ST_MONITOR,               /* one check of the monitor window */
	RO_ST_STARTED,               /* the switch's last start (ro_call_async) ended */
};

/* N is through (FAILED: its phase says so already): wake the executor. */
static void
ro_node_finish(struct ro_node *n)
{
	struct rollout *r = n->r;

	pthread_mutex_lock(&r->lock);
	n->finished = 1;
	n->queued = 0;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* Queue N's next STAGE on the pool, due in MS milliseconds. */
static void
ro_node_again(struct ro_node *n, int stage, long ms)
{
	struct rollout *r = n->r;

	pthread_mutex_lock(&r->lock);
	n->stage = stage;
	n->due = ro_now() + (double)ms / 1000.0;
	n->queued = 1;
	pthread_cond_signal(&r->pool_cond);
	pthread_mutex_unlock(&r->lock);
}

/* N failed with ERR. */
static void
ro_node_failed(struct ro_node *n, const char *err)
{
	log_msg(LOG_INFO, "deploy #%lld: %s: %s", (long long)n->r->id, n->inv->name, err);
	ro_phase(n, PD_PHASE_FAILED, NULL, err);
	ro_node_finish(n);
}

/* The end of monitor: remove what the switch set aside, done. */
static void
ro_node_done(struct ro_node *n)
{
	struct rollout *r = n->r;
	char err[PD_ERROR_LEN] = "";

	ro_end(r, n, "monitor", 1, NULL);
	ro_begin(r, n, "remove old", NULL);
	if (ro_cleanup(n, err, sizeof(err)) != 0) {
		/* The new containers run: a leftover is worth a line, not a failure. */
		ro_end(r, n, "remove old", 0, err);
	} else {
		ro_end(r, n, "remove old", 1, NULL);
	}
	ro_phase(n, PD_PHASE_DONE, "done", "");
	ro_node_finish(n);
}

/* Healthy: stop the late containers, start the monitor window. */
static void
ro_node_monitor(struct ro_node *n)
{
	struct rollout *r = n->r;
	char err[PD_ERROR_LEN] = "";

	/* LATE is in reverse start order: dependents stop first. */
	for (size_t i = 0; i < n->nlate; i++) {
		struct ro_ctr c = { .running = 1 };

		snprintf(c.id, sizeof(c.id), "%s", n->late[i]);
		snprintf(c.name, sizeof(c.name), "%.12s", n->late[i]);
		if (ro_stop(n, &c, err, sizeof(err)) != 0) {
			ro_node_failed(n, err);
			return;
		}
	}
	ro_phase(n, PD_PHASE_MONITOR, "monitor", NULL);
	ro_begin(r, n, "monitor", NULL);
	/* The restart counts at the start of monitor are the baseline. */
	if (ro_health(n, n->restarts, err, sizeof(err)) < 0) {
		ro_end(r, n, "monitor", 0, err);
		ro_node_failed(n, err);
		return;
	}
	n->t0 = ro_now();
	if (r->pol.monitor <= 0) {
		ro_node_done(n);
		return;
	}
	ro_node_again(n, RO_ST_MONITOR, RO_POLL_MS);
}

/* Run the step of N that is due: switch, a health check, a monitor check. */
void
ro_node_step(struct ro_node *n)
{
	struct rollout *r = n->r;
	char err[PD_ERROR_LEN] = "", detail[PD_ERROR_LEN];
	char sid[PD_ID_LEN], sname[PD_NAME_LEN];
	int h;

	switch (n->stage) {
	case RO_ST_SWITCH:
		for (size_t i = 0; i < 64; i++)
			n->restarts[i] = -1;
		n->nlate = 0;
		ro_phase(n, PD_PHASE_SWITCHING, "switch", NULL);
		ro_begin(r, n, "switch", NULL);
		/* Waits for depends_on conditions are bounded by the progress deadline. */
		if (ro_switch(n, ro_now() + r->pol.progress_deadline, n->late, &n->nlate, sid,
		    sname, err, sizeof(err)) != 0) {
			ro_end(r, n, "switch", 0, err);
			ro_node_failed(n, err);
			return;
		}
		if (sid[0] != '\0') {
			/* The last start runs without this worker; RO_ST_STARTED goes on. */
			char path[200];

			snprintf(n->astep, sizeof(n->astep), "start %.56s", sname);
			snprintf(path, sizeof(path), "/containers/%s/start", sid);
			ro_begin(r, n, n->astep, NULL);
			ro_call_async(n, "POST", path, 30000, RO_ST_STARTED);
			return;
		}
		/* FALLTHROUGH */
	case RO_ST_STARTED:
		if (n->stage == RO_ST_STARTED) {
			/* 304: it was running already, which is what we want. */
			if (n->arc != 0 && n->astatus != 304) {
				ro_end(r, n, n->astep, 0, n->aerr);
				ro_end(r, n, "switch", 0, n->aerr);
				ro_node_failed(n, n->aerr);
				return;
			}
			ro_end(r, n, n->astep, 1, NULL);
		}
		ro_end(r, n, "switch", 1, NULL);
		ro_phase(n, PD_PHASE_HEALTH, "health wait", NULL);
		ro_begin(r, n, "health wait", NULL);
		n->t0 = ro_now();
		n->deadline = n->t0 + r->pol.progress_deadline;
		/* FALLTHROUGH */
	case RO_ST_HEALTH:
		h = ro_health(n, NULL, err, sizeof(err));
		if (h == 0 && ro_now() > n->deadline) {
			snprintf(err, sizeof(err), "not healthy after %.0fs (progress_deadline)",
			    r->pol.progress_deadline);
			h = -1;
		}
		if (h == 0) {
			ro_node_again(n, RO_ST_HEALTH, RO_HEALTH_POLL_MS);
			return;
		}
		if (h < 0) {
			ro_end(r, n, "health wait", 0, err);
			ro_node_failed(n, err);
			return;
		}
		snprintf(detail, sizeof(detail), "healthy after %.1fs", ro_now() - n->t0);
		ro_end(r, n, "health wait", 1, detail);
		ro_node_monitor(n);
		return;
	case RO_ST_MONITOR:
		if (ro_monitor_cut(r)) {
			/* Its phase stays monitor: the rollback takes it from there. */
			ro_end(r, n, "monitor", 0, "cut short: the deploy is being rolled back");
			ro_node_finish(n);
			return;
		}
		if (ro_health(n, n->restarts, err, sizeof(err)) < 0) {
			ro_end(r, n, "monitor", 0, err);
			ro_node_failed(n, err);
			return;
		}
		if (ro_now() - n->t0 >= r->pol.monitor) {
			ro_node_done(n);
			return;
		}
		ro_node_again(n, RO_ST_MONITOR, RO_POLL_MS);
		return;
	default:
		ro_node_failed(n, "internal error: unknown step");
		return;
	}
}

/* ---------------------------------------------------------------- executor */

/* Wait (R's lock held) until a node of R changes (ro_phase, ro_node_finish
 * broadcast R->cond) or MS milliseconds pass. */
static void
ro_cond_wait_ms(struct rollout *r, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

/* Failures since the breaker's base, and whether they trip it. */
static int
ro_tripped(struct rollout *r, int *failed)
{
	int f = 0;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nnodes; i++)
		f += r->nodes[i].phase == PD_PHASE_FAILED;
	pthread_mutex_unlock(&r->lock);
	f -= r->fail_base;
	if (f < 0)
		f = 0;
	*failed = f;
	return r->nnodes > 0 && (double)f / (double)r->nnodes > r->pol.max_failure_ratio;
}

/* Poll the store for a request and beat the heart. */
void
ro_requests(struct rollout *r, int *pause, int *abort_)
{
	char req[32];

	store_deploy_heartbeat(r->ro->st, r->id, req, sizeof(req));
	if (r->beat_parent) {
		char preq[32];

		store_deploy_heartbeat(r->ro->st, r->parent, preq, sizeof(preq));
	}
	pthread_mutex_lock(&r->lock);
	if (r->closing)
		*pause = 1;
	pthread_mutex_unlock(&r->lock);
	if (strcmp(req, "pause") == 0)
		*pause = 1;
	else if (strcmp(req, "abort") == 0)
		*abort_ = 1;
}

/* Wait until every launched node has finished, beating the heart; then
 * the pool's workers end. */
static void
ro_wait_finished(struct rollout *r)
{
	double beat = 0;

	for (;;) {
		int busy = 0, p = 0, a = 0;

		if (ro_now() - beat >= 0.2) {
			ro_requests(r, &p, &a);
			beat = ro_now();
		}
		pthread_mutex_lock(&r->lock);
		for (size_t i = 0; i < r->nnodes; i++)
			busy |= r->nodes[i].thread && !r->nodes[i].finished;
		if (busy)
			ro_cond_wait_ms(r, 200);
		pthread_mutex_unlock(&r->lock);
		if (!busy)
			break;
	}
	ro_pool_stop(r);
	for (size_t i = 0; i < r->nnodes; i++)
		r->nodes[i].thread = 0;
}

/* Mark every node that was never touched as skipped. */
static void
ro_skip_rest(struct rollout *r)
{
	for (size_t i = 0; i < r->nnodes; i++) {
		enum pd_phase p = r->nodes[i].phase;

		if (p == PD_PHASE_PENDING || p == PD_PHASE_PULLING || p == PD_PHASE_PULLED)
			ro_phase(&r->nodes[i], PD_PHASE_SKIPPED, NULL, NULL);
	}
}

/* Queue N's switch on the pool, with one more worker while there are
 * fewer than nodes in flight and than the pool's size. */
static void
ro_launch(struct ro_node *n)
{
	struct rollout *r = n->r;
	size_t inflight = 0;
	int grow;

	pthread_mutex_lock(&r->lock);
	n->finished = 0;
	n->reached = 0;
	n->thread = 1;
	n->stage = RO_ST_SWITCH;
	n->due = ro_now();
	n->queued = 1;
	for (size_t i = 0; i < r->nnodes; i++)
		inflight += r->nodes[i].thread && !r->nodes[i].finished;
	grow = r->nworkers < r->pool_max && (size_t)r->nworkers < inflight;
	if (grow && pd_thread_start(&r->workers[r->nworkers], ro_worker, r) == 0)
		r->nworkers++;
	grow = r->nworkers == 0;
	pthread_cond_signal(&r->pool_cond);
	pthread_mutex_unlock(&r->lock);
	if (grow) {
		/* Not one worker: the node cannot be run. */
		pthread_mutex_lock(&r->lock);
		n->queued = 0;
		pthread_mutex_unlock(&r->lock);
		ro_phase(n, PD_PHASE_FAILED, NULL, "cannot start a thread");
		ro_node_finish(n);
	}
}

static struct rollout *ro_new_rollback(struct rollout *parent, int to_revision,
    char *err, size_t errlen);

/* What to do when the breaker trips or a request came; returns the final
 * state of R. */
static enum pd_deploy_state ro_run(struct rollout *r);

/* Roll back the touched nodes of R (which is over), in this thread. */
static enum pd_deploy_state
ro_rollback_inline(struct rollout *r, int to_revision, char *msg, size_t msglen)
{
	char err[PD_ERROR_LEN];
	struct rollout *child;
	enum pd_deploy_state s;

	store_deploy_set_state(r->ro->st, r->id, PD_DEPLOY_ROLLING_BACK, msg, err, sizeof(err));
	ro_notify(r);
	child = ro_new_rollback(r, to_revision, err, sizeof(err));
	if (child == NULL) {
		snprintf(msg, msglen, "rollback could not start: %s", err);
		return PD_DEPLOY_FAILED;
	}
	child->beat_parent = 1;
	{
		char what[PD_ERROR_LEN + 96], *detail;

		snprintf(what, sizeof(what), "started automatically (%s), undoes deploy #%lld",
		    msg, (long long)r->id);
		detail = ro_audit_nodes(child->id, what, child->nodes, NULL, child->nnodes);
		ro_audit(r->ro, "rollback-start", child->stack, child->revision, detail);
		free(detail);
	}
	s = ro_run(child);
	if (s == PD_DEPLOY_COMPLETED) {
		for (size_t i = 0; i < r->nnodes; i++)
			if (r->nodes[i].touched)
				ro_phase(&r->nodes[i], PD_PHASE_ROLLED_BACK, NULL, NULL);
		snprintf(msg + strlen(msg), msglen - strlen(msg), "; rolled back by deploy #%lld",
		    (long long)child->id);
		s = PD_DEPLOY_ROLLED_BACK;
	} else {
		snprintf(msg + strlen(msg), msglen - strlen(msg),
		    "; ALARM: rollback #%lld did not complete (%s): see plantdeck rollout status %lld",
		    (long long)child->id, pd_deploy_state_name(s), (long long)child->id);
		log_msg(LOG_ERROR, "deploy #%lld: %s", (long long)r->id, msg);
		s = PD_DEPLOY_FAILED;
	}
	ro_free(child);
	return s;
}

/* A rollback that ended settles the deploy it undid: rolled back, or
 * failed with an alarm. */
static void
ro_settle_parent(struct rollout *r, enum pd_deploy_state final)
{
	char msg[PD_ERROR_LEN], err[PD_ERROR_LEN];

	if (final == PD_DEPLOY_COMPLETED) {
		snprintf(msg, sizeof(msg), "rolled back to revision %d by deploy #%lld",
		    r->revision, (long long)r->id);
		for (size_t i = 0; i < r->nnodes; i++)
			if (r->nodes[i].phase == PD_PHASE_DONE)
				store_node_set(r->ro->st, r->parent, r->nodes[i].inv->name,
				    PD_PHASE_ROLLED_BACK, NULL, NULL);
	} else {
		snprintf(msg, sizeof(msg), "ALARM: rollback #%lld did not complete (%s)",
		    (long long)r->id, pd_deploy_state_name(final));
	}
	store_deploy_set_state(r->ro->st, r->parent, final == PD_DEPLOY_COMPLETED ?
	    PD_DEPLOY_ROLLED_BACK : PD_DEPLOY_FAILED, msg, err, sizeof(err));
}

static enum pd_deploy_state
ro_run(struct rollout *r)
{
	char msg[PD_ERROR_LEN] = "", err[PD_ERROR_LEN];
	int failed, pause = 0, abort_ = 0, tripped = 0, nwaves = 0;
	int is_rollback = strcmp(r->kind, "rollback") == 0;
	enum pd_deploy_state final;

	ro_begin(r, NULL, is_rollback ? "rollback" : "deploy", NULL);
	for (size_t i = 0; i < r->nnodes; i++)
		if (r->nodes[i].wave + 1 > nwaves)
			nwaves = r->nodes[i].wave + 1;

	/* A secret whose source moved since the revision was made: nothing is
	 * touched (Swarm checks its own as it makes them). */
	if (!r->swarm && r->spec != NULL && ro_secrets_check(r->spec, msg, sizeof(msg)) != 0) {
		ro_skip_rest(r);
		final = PD_DEPLOY_FAILED;
		goto end;
	}
	ro_prepull(r);
	ro_requests(r, &pause, &abort_);
	if (ro_tripped(r, &failed)) {
		snprintf(msg, sizeof(msg), "pre-pull failed on %d of %zu nodes: nothing was "
		    "switched", failed, r->nnodes);
		if (r->pol.failure_action == COMPOSE_FAIL_CONTINUE && !is_rollback) {
			msg[0] = '\0';
		} else if (r->pol.failure_action == COMPOSE_FAIL_PAUSE || is_rollback) {
			final = PD_DEPLOY_PAUSED;
			goto end;
		} else {
			ro_skip_rest(r);
			final = PD_DEPLOY_FAILED;
			goto end;
		}
	}
	if (r->swarm) {
		/* Swarm switches the nodes; the end is the same as ours. */
		final = ro_swarm_run(r, msg, sizeof(msg), &tripped);
		goto settle;
	}

	for (int w = 0; w < nwaves; w++) {
		double delay_end;
		int any = 0;

		ro_requests(r, &pause, &abort_);
		tripped = ro_tripped(r, &failed) && !(r->pol.failure_action ==
		    COMPOSE_FAIL_CONTINUE && !is_rollback);
		if (pause || abort_ || tripped)
			break;
		for (size_t i = 0; i < r->nnodes; i++) {
			struct ro_node *n = &r->nodes[i];

			if (n->wave != w || n->phase == PD_PHASE_FAILED || n->phase == PD_PHASE_DONE ||
			    n->phase == PD_PHASE_SKIPPED || n->phase == PD_PHASE_ROLLED_BACK)
				continue;
			ro_launch(n);
			any = 1;
		}
		if (!any)
			continue;
		/* The wave is through when each node is monitoring (or done); the
		 * canary wave must finish monitor too. */
		for (double beat = 0;;) {
			int waiting = 0;

			if (ro_now() - beat >= 0.1) {
				ro_requests(r, &pause, &abort_);
				beat = ro_now();
			}
			pthread_mutex_lock(&r->lock);
			for (size_t i = 0; i < r->nnodes; i++) {
				struct ro_node *n = &r->nodes[i];

				if (n->wave == w && n->thread && !(w == 0 && r->pol.canary > 0 ?
				    n->finished : (n->reached || n->finished)))
					waiting = 1;
			}
			/* Woken by a node's phase or end (or the heartbeat's turn). */
			if (waiting)
				ro_cond_wait_ms(r, 100);
			pthread_mutex_unlock(&r->lock);
			if (!waiting)
				break;
		}
		delay_end = ro_now() + r->pol.delay;
		while (w + 1 < nwaves && ro_now() < delay_end) {
			ro_requests(r, &pause, &abort_);
			if (pause || abort_)
				break;
			ro_sleep_ms(100);
		}
	}
	tripped = ro_tripped(r, &failed) && !(r->pol.failure_action == COMPOSE_FAIL_CONTINUE &&
	    !is_rollback);
	if (tripped && r->pol.failure_action == COMPOSE_FAIL_ROLLBACK && !is_rollback) {
		pthread_mutex_lock(&r->lock);
		r->stop_monitor = 1;
		pthread_mutex_unlock(&r->lock);
	}
	ro_wait_finished(r);
	tripped = ro_tripped(r, &failed) && !(r->pol.failure_action == COMPOSE_FAIL_CONTINUE &&
	    !is_rollback);

	if (tripped) {
		snprintf(msg, sizeof(msg), "breaker: %d of %zu nodes failed (%.0f%% > %.0f%%)",
		    failed, r->nnodes, 100.0 * failed / (double)r->nnodes,
		    100.0 * r->pol.max_failure_ratio);
		if (is_rollback || r->pol.failure_action == COMPOSE_FAIL_PAUSE) {
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), is_rollback ?
			    ": the rollback paused (ALARM)" : ": paused");
			final = PD_DEPLOY_PAUSED;
		} else {
			ro_skip_rest(r);
			final = ro_rollback_inline(r, r->from_revision, msg, sizeof(msg));
		}
	} else if (abort_) {
		snprintf(msg, sizeof(msg), "aborted by request");
		ro_skip_rest(r);
		final = PD_DEPLOY_ABORTED;
	} else if (pause) {
		int closing;

		pthread_mutex_lock(&r->lock);
		closing = r->closing;
		pthread_mutex_unlock(&r->lock);
		snprintf(msg, sizeof(msg), closing ? "paused: plantdeck was closed" :
		    "paused by request");
		final = PD_DEPLOY_PAUSED;
	} else if (failed > 0) {
		snprintf(msg, sizeof(msg), "%d of %zu nodes failed (failure_action continue)",
		    failed, r->nnodes);
		final = PD_DEPLOY_FAILED;
	} else {
		snprintf(msg, sizeof(msg), "%zu node%s on revision %d", r->nnodes,
		    r->nnodes == 1 ? "" : "s", r->revision);
		final = PD_DEPLOY_COMPLETED;
	}
settle:
	if ((final == PD_DEPLOY_COMPLETED || (final == PD_DEPLOY_FAILED && !tripped &&
	    !is_rollback)) && r->spec != NULL) {
		store_stack_set_current(r->ro->st, r->stack, r->revision, err, sizeof(err));
		store_revision_prune(r->ro->st, r->stack, r->pol.revisions, err, sizeof(err));
	} else if (final == PD_DEPLOY_COMPLETED && r->spec == NULL) {
		store_stack_set_current(r->ro->st, r->stack, r->revision, err, sizeof(err));
	}
	if (is_rollback && r->parent > 0)
		ro_settle_parent(r, final);
end:
	if (final == PD_DEPLOY_PAUSED)
		store_deploy_request(r->ro->st, r->id, NULL, err, sizeof(err));
	store_deploy_set_state(r->ro->st, r->id, final, msg, err, sizeof(err));
	{
		char detail[PD_ERROR_LEN + 64];

		snprintf(detail, sizeof(detail), "deploy #%lld %s: %s", (long long)r->id,
		    pd_deploy_state_name(final), msg);
		if (is_rollback && r->parent > 0)
			snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			    "; deploy #%lld %s", (long long)r->parent, final == PD_DEPLOY_COMPLETED ?
			    "rolled_back" : "failed");
		ro_audit(r->ro, is_rollback ? "rollback-end" : "deploy-end", r->stack, r->revision,
		    detail);
	}
	ro_end(r, NULL, is_rollback ? "rollback" : "deploy", final == PD_DEPLOY_COMPLETED, msg);
	log_msg(LOG_INFO, "deploy #%lld %s: %s", (long long)r->id, pd_deploy_state_name(final),
	    msg);
	ro_notify(r);
	return final;
}

static void *
ro_executor(void *arg)
{
	struct rollout *r = arg;
	struct rollouts *ro = r->ro;

	ro_run(r);
	pthread_mutex_lock(&ro->lock);
	r->ended = 1;
	pthread_cond_broadcast(&ro->cond);
	pthread_mutex_unlock(&ro->lock);
	ro_notify(r);
	return NULL;
}

/* ---------------------------------------------------------------- building */

/* Free R: its nodes' engines, its spec, its registry credentials. */
void
ro_free(struct rollout *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nnodes; i++)
		engine_free(r->nodes[i].eng);
	free(r->nodes);
	compose_free(r->spec);
	registry_auth_cache_free(r->auths);
	if (r->cmulti != NULL)
		curl_multi_cleanup(r->cmulti);   /* its caller thread was stopped */
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	pthread_cond_destroy(&r->pool_cond);
	free(r);
}

/* The inventory node called NAME, or NULL. */
const struct inv_node *
ro_inv_node(const struct rollouts *ro, const char *name)
{
	for (size_t i = 0; i < ro->inv->nnodes; i++)
		if (strcmp(ro->inv->nodes[i].name, name) == 0)
			return &ro->inv->nodes[i];
	return NULL;
}

/* Every node's engine version, all nodes at once: a dead or hanging node
 * costs one timeout for the whole deploy, not one each in turn.  An
 * unreachable node gets 1.41 and fails its first call with a clear error. */
void
ro_negotiate(struct rollout *r)
{
	struct engine **v = calloc(r->nnodes ? r->nnodes : 1, sizeof(*v));

	if (v == NULL) {
		for (size_t i = 0; i < r->nnodes; i++)
			engine_negotiate_all(&r->nodes[i].eng, 1, "1.41");
		return;
	}
	for (size_t i = 0; i < r->nnodes; i++)
		v[i] = r->nodes[i].eng;
	engine_negotiate_all(v, r->nnodes, "1.41");
	free(v);
}

/* A rollout of deploy ID over NAMES (with their waves and phases). */
static struct rollout *
ro_new(struct rollouts *ro, int64_t id, const struct pd_deploy *d, struct compose_stack *spec,
    const struct compose_policy *pol, char *err, size_t errlen)
{
	struct rollout *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		compose_free(spec);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	ro_pool_init(r);
	r->auths = registry_auth_cache_new();    /* NULL: lookups go uncached */
	r->ro = ro;
	r->id = id;
	r->parent = d->parent;
	snprintf(r->kind, sizeof(r->kind), "%s", d->kind);
	snprintf(r->stack, sizeof(r->stack), "%s", d->stack);
	r->revision = d->revision;
	r->from_revision = d->from_revision;
	r->spec = spec;
	r->pol = *pol;
	r->swarm = spec != NULL && spec->target == COMPOSE_TARGET_SWARM;
	r->nodes = calloc(d->nnodes ? d->nnodes : 1, sizeof(*r->nodes));
	if (r->nodes == NULL) {
		ro_free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < d->nnodes; i++) {
		struct ro_node *n = &r->nodes[i];

		n->r = r;
		n->inv = ro_inv_node(ro, d->nodes[i].node);
		if (n->inv == NULL) {
			snprintf(err, errlen, "deploy #%lld targets node %s, which the inventory "
			    "does not have (use the inventory it was started with)", (long long)id,
			    d->nodes[i].node);
			r->nnodes = i;
			ro_free(r);
			return NULL;
		}
		n->wave = d->nodes[i].wave;
		n->phase = d->nodes[i].phase;
		n->pull_pct = -1;
		n->touched = n->phase >= PD_PHASE_SWITCHING && n->phase != PD_PHASE_SKIPPED &&
		    !(n->phase == PD_PHASE_FAILED && strncmp(d->nodes[i].step, "pull", 4) == 0);
		n->eng = engine_new(n->inv);
		r->nnodes = i + 1;
		if (n->eng == NULL) {
			ro_free(r);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		n->eng->read_only = ro->read_only;
	}
	ro_negotiate(r);
	return r;
}

/* The stack of revision REV of STACK (NULL with no error for revision 0). */
static int
ro_load_revision(struct rollouts *ro, const char *stack, int rev, struct compose_stack **out,
    char *err, size_t errlen)
{
	char *spec;
	int rc;

	*out = NULL;
	if (rev == 0)
		return 0;
	if (store_revision_spec(ro->st, stack, rev, &spec, err, errlen) != 0)
		return -1;
	rc = compose_from_json(spec, out, err, errlen);
	free(spec);
	return rc;
}

/* Register R as live and start its executor. */
static int
ro_spawn(struct rollouts *ro, struct rollout *r, char *err, size_t errlen)
{
	pthread_mutex_lock(&ro->lock);
	r->next = ro->live;
	ro->live = r;
	pthread_mutex_unlock(&ro->lock);
	if (pd_thread_start(&r->th, ro_executor, r) != 0) {
		pthread_mutex_lock(&ro->lock);
		ro->live = r->next;
		pthread_mutex_unlock(&ro->lock);
		snprintf(err, errlen, "cannot start the executor thread");
		return -1;
	}
	return 0;
}

/* A rollback deploy of PARENT's touched nodes to TO_REVISION (0: the one
 * before PARENT), recorded and ready to run. */
static struct rollout *
ro_new_rollback(struct rollout *parent, int to_revision, char *err, size_t errlen)
{
	struct rollouts *ro = parent->ro;
	struct compose_stack *spec = NULL;
	struct compose_policy pol = parent->pol;
	struct pd_plan_node *targets;
	struct store_deploy_new nd = { 0 };
	struct pd_deploy d = { 0 };
	char user[64], *pj;
	size_t nt = 0;
	int64_t id;
	struct rollout *r;

	if (ro_load_revision(ro, parent->stack, to_revision, &spec, err, errlen) != 0)
		return NULL;
	targets = calloc(parent->nnodes ? parent->nnodes : 1, sizeof(*targets));
	if (targets == NULL) {
		compose_free(spec);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < parent->nnodes; i++) {
		/* Swarm returns a service on every node it runs on: a swarm
		 * rollback targets them all. */
		if (!parent->nodes[i].touched && !parent->swarm)
			continue;
		snprintf(targets[nt].node, sizeof(targets[nt].node), "%s",
		    parent->nodes[i].inv->name);
		targets[nt++].wave = 0;
	}
	/* A rollback: everything at once, no canary, and it never rolls back. */
	pol.canary = 0;
	pol.parallelism = 0;
	pol.grow = 0;
	pol.delay = 0;
	pol.failure_action = COMPOSE_FAIL_PAUSE;
	if (pol.monitor > 5)
		pol.monitor = 5;
	pj = compose_policy_to_json(&pol, parent->swarm ? COMPOSE_TARGET_SWARM :
	    COMPOSE_TARGET_ENGINES);
	store_actor(user, sizeof(user));
	nd.stack = parent->stack;
	nd.kind = "rollback";
	nd.parent = parent->id;
	nd.revision = to_revision;
	nd.from_revision = parent->revision;
	nd.failure_action = compose_failure_action_name(pol.failure_action);
	nd.max_failure_ratio = pol.max_failure_ratio;
	nd.policy = pj;
	nd.file = "revision";
	nd.user = user;
	nd.nodes = targets;
	nd.nnodes = nt;
	if (store_deploy_create(ro->st, &nd, &id, err, errlen) != 0) {
		free(pj);
		free(targets);
		compose_free(spec);
		return NULL;
	}
	free(pj);
	snprintf(d.stack, sizeof(d.stack), "%s", parent->stack);
	snprintf(d.kind, sizeof(d.kind), "rollback");
	d.parent = parent->id;
	d.revision = to_revision;
	d.from_revision = parent->revision;
	d.nnodes = nt;
	d.nodes = calloc(nt ? nt : 1, sizeof(*d.nodes));
	if (d.nodes == NULL) {
		free(targets);
		compose_free(spec);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nt; i++)
		snprintf(d.nodes[i].node, sizeof(d.nodes[i].node), "%s", targets[i].node);
	free(targets);
	r = ro_new(ro, id, &d, spec, &pol, err, errlen);
	free(d.nodes);
	if (r != NULL) {
		r->pull_if_missing = 1;
		r->swarm = parent->swarm;
	}
	return r;
}

/* ---------------------------------------------------------------- public */

struct rollouts *
rollouts_new(const struct inventory *inv, struct swarm *sw, const char *db_path, int read_only,
    void (*notify)(void *ctx), void *ctx)
{
	struct rollouts *ro = calloc(1, sizeof(*ro));

	if (ro == NULL)
		return NULL;
	ro->inv = inv;
	ro->sw = sw;
	if (db_path != NULL)
		snprintf(ro->db_path, sizeof(ro->db_path), "%s", db_path);
	ro->read_only = read_only;
	ro->notify = notify;
	ro->notify_ctx = ctx;
	pthread_mutex_init(&ro->lock, NULL);
	pthread_cond_init(&ro->cond, NULL);
	return ro;
}

void
rollouts_free(struct rollouts *ro)
{
	struct rollout *r, *next;

	if (ro == NULL)
		return;
	pthread_mutex_lock(&ro->lock);
	for (r = ro->live; r != NULL; r = r->next) {
		pthread_mutex_lock(&r->lock);
		r->closing = 1;
		pthread_mutex_unlock(&r->lock);
	}
	pthread_mutex_unlock(&ro->lock);
	for (r = ro->live; r != NULL; r = next) {
		next = r->next;
		pthread_join(r->th, NULL);
		ro_free(r);
	}
	store_close(ro->st);
	pthread_mutex_destroy(&ro->lock);
	pthread_cond_destroy(&ro->cond);
	free(ro);
}

/* What STACK changes against the current revision of P's stack, into
 * P->diff; both sides as a revision keeps them (canonical JSON), so that
 * only real changes show. */
static void
ro_plan_diff(struct pd_plan *p, const struct compose_stack *cur,
    const struct compose_stack *stack)
{
	struct compose_stack *canon = NULL;
	char *json = compose_to_json(stack), err[PD_ERROR_LEN];

	if (json != NULL && compose_from_json(json, &canon, err, sizeof(err)) == 0)
		compose_diff(cur, canon, &p->diff, &p->ndiff);
	compose_free(canon);
	free(json);
}

/* A stack keeps its target: the containers of one and the services of the
 * other would run side by side.  0, or -1 with ERR when the current
 * revision of P's stack has another target than STACK.  The diff against
 * that revision is made here too, into P. */
static int
ro_target_kept(struct rollouts *ro, struct pd_plan *p, const struct compose_stack *stack,
    char *err, size_t errlen)
{
	struct compose_stack *cur = NULL;
	char inner[PD_ERROR_LEN];
	int rc = 0;

	if (p->from_revision == 0 || ro->st == NULL)
		return 0;
	if (ro_load_revision(ro, p->stack, p->from_revision, &cur, inner, sizeof(inner)) != 0)
		return 0;      /* pruned or unreadable: nothing to compare with */
	if (cur != NULL)
		ro_plan_diff(p, cur, stack);
	if (cur != NULL && cur->target != stack->target) {
		snprintf(err, errlen, "%s: stack %s is deployed to target %s (revision %d); it "
		    "cannot move to target %s: remove it there first, or use another stack name",
		    p->file, p->stack, compose_target_name(cur->target), p->from_revision,
		    compose_target_name(stack->target));
		rc = -1;
	}
	compose_free(cur);
	return rc;
}

/* "2s", "1.5s", "2m". */
static void
ro_secs(char *out, size_t len, double s)
{
	if (s >= 120 && (long)s % 60 == 0)
		snprintf(out, len, "%ldm", (long)s / 60);
	else
		snprintf(out, len, "%gs", s);
}

/* Free a plan's parsed stack (its priv_free, called by pd_plan_free). */
static void
ro_plan_stack_free(void *priv)
{
	compose_free(priv);
}

/* The variables set for plan P, into P->vars: "NAME=VALUE, ...", the value
 * of one that looks like a credential hidden. */
static void
ro_plan_vars(struct pd_plan *p, const char *const *vars, size_t nvars)
{
	size_t o = 0;

	p->vars[0] = '\0';
	for (size_t i = 0; i < nvars && o < sizeof(p->vars); i++) {
		size_t len = strcspn(vars[i], "=");
		int n = compose_var_secret(vars[i], len) ?
		    snprintf(p->vars + o, sizeof(p->vars) - o, "%s%.*s=(hidden)", o ? ", " : "",
		    (int)len, vars[i]) :
		    snprintf(p->vars + o, sizeof(p->vars) - o, "%s%s", o ? ", " : "", vars[i]);

		o += n > 0 ? (size_t)n : 0;
	}
}

int
rollout_plan(struct rollouts *ro, const char *file, const char *selector,
    const char *const *vars, size_t nvars, struct pd_plan **out, char *err, size_t errlen)
{
	struct compose_stack *stack = NULL;
	struct inv_selector *place = NULL, *sel = NULL;
	struct pd_plan *p;
	int *waves = NULL;
	char mon[16], dl[16];

	*out = NULL;
	if (compose_load_vars(file, vars, nvars, &stack, err, errlen) != 0)
		return -1;
	if (stack->nservices == 0) {
		snprintf(err, errlen, "%s: no services to deploy", file);
		goto fail;
	}
	if (stack->placement != NULL &&
	    inventory_selector_parse(stack->placement, &place, err, errlen) != 0) {
		char inner[PD_ERROR_LEN];

		snprintf(inner, sizeof(inner), "%s", err);
		snprintf(err, errlen, "%s: x-plantdeck.placement: %s", file, inner);
		goto fail;
	}
	if (selector != NULL && inventory_selector_parse(selector, &sel, err, errlen) != 0)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto oom;
	*out = p;
	p->priv = stack;
	p->priv_free = ro_plan_stack_free;
	snprintf(p->file, sizeof(p->file), "%s", file);
	snprintf(p->stack, sizeof(p->stack), "%s", stack->name);
	ro_plan_vars(p, vars, nvars);
	p->services = calloc(stack->nservices, sizeof(*p->services));
	p->nodes = calloc(ro->inv->nnodes ? ro->inv->nnodes : 1, sizeof(*p->nodes));
	waves = calloc(ro->inv->nnodes ? ro->inv->nnodes : 1, sizeof(*waves));
	if (p->services == NULL || p->nodes == NULL || waves == NULL)
		goto oom;
	p->nservices = stack->nservices;
	for (size_t i = 0; i < stack->nservices; i++) {
		snprintf(p->services[i].name, sizeof(p->services[i].name), "%s",
		    stack->services[i].name);
		snprintf(p->services[i].image, sizeof(p->services[i].image), "%s",
		    stack->services[i].image);
	}
	for (size_t i = 0; i < ro->inv->nnodes; i++) {
		const struct inv_node *n = &ro->inv->nodes[i];

		if ((place == NULL || inventory_selector_match(place, n)) &&
		    (sel == NULL || inventory_selector_match(sel, n)))
			snprintf(p->nodes[p->nnodes++].node, sizeof(p->nodes[0].node), "%s", n->name);
	}
	if (p->nnodes == 0) {
		snprintf(err, errlen, "%s: no node of the inventory matches%s%s%s%s", file,
		    stack->placement ? " placement '" : "", stack->placement ? stack->placement : "",
		    stack->placement ? "'" : "", selector ? " and --nodes" : "");
		goto fail_plan;
	}
	p->nwaves = rollout_waves(p->nnodes, stack->policy.canary, stack->policy.parallelism,
	    stack->policy.grow, waves);
	for (size_t i = 0; i < p->nnodes; i++)
		p->nodes[i].wave = waves[i];
	free(waves);
	waves = NULL;
	if (stack->nwarnings > 0) {
		p->warnings = calloc(stack->nwarnings, sizeof(*p->warnings));
		if (p->warnings == NULL)
			goto oom;
		for (size_t i = 0; i < stack->nwarnings; i++)
			if ((p->warnings[p->nwarnings] = strdup(stack->warnings[i])) != NULL)
				p->nwarnings++;
	}
	ro_secs(mon, sizeof(mon), stack->policy.monitor);
	ro_secs(dl, sizeof(dl), stack->policy.progress_deadline);
	{
		char upto[32];

		if (stack->policy.parallelism > 0)
			snprintf(upto, sizeof(upto), "%d", stack->policy.parallelism);
		else
			snprintf(upto, sizeof(upto), "all");
		snprintf(p->policy, sizeof(p->policy), "canary %d, then %s%s; monitor %s, "
		    "deadline %s; max failure %g%% -> %s; %s; pulls <= %d per registry",
		    stack->policy.canary, stack->policy.grow ? "waves doubling up to " :
		    "waves of ", upto, mon, dl, 100 * stack->policy.max_failure_ratio,
		    compose_failure_action_name(stack->policy.failure_action),
		    compose_order_name(stack->policy.order), stack->policy.max_pulls);
	}
	if (ro_store(ro, err, errlen) == 0) {
		store_stack_current(ro->st, p->stack, &p->from_revision, err, errlen);
		store_stack_next(ro->st, p->stack, &p->revision, err, errlen);
	} else {
		/* Read-only with no database yet: the plan is still worth showing. */
		p->from_revision = 0;
		p->revision = 1;
	}
	err[0] = '\0';
	ro_plan_net(stack, p);
	ro_plan_secrets(stack, p);
	ro_plan_volumes(stack, p);
	snprintf(p->target, sizeof(p->target), "%s", compose_target_name(stack->target));
	if (ro_target_kept(ro, p, stack, err, errlen) != 0 ||
	    (stack->target == COMPOSE_TARGET_SWARM && ro_swarm_plan(ro, p, stack, err, errlen) != 0))
		goto fail_plan;
	inventory_selector_free(place);
	inventory_selector_free(sel);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail_plan:
	free(waves);
	pd_plan_free(*out);
	*out = NULL;
	inventory_selector_free(place);
	inventory_selector_free(sel);
	return -1;
fail:
	compose_free(stack);
	inventory_selector_free(place);
	inventory_selector_free(sel);
	return -1;
}

int
rollout_start(struct rollouts *ro, struct pd_plan *p, int64_t *id, char *err, size_t errlen)
{
	struct compose_stack *stack = p->priv;
	struct store_deploy_new nd = { 0 };
	struct pd_deploy d = { 0 };
	struct rollout *r;
	char user[64], *spec = NULL, *pj = NULL;
	int rc = -1;

	*id = 0;
	if (ro->read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		goto out;
	}
	if (ro_store(ro, err, errlen) != 0)
		goto out;
	/* The numbers may have moved since the plan was made. */
	if (store_stack_current(ro->st, p->stack, &p->from_revision, err, errlen) != 0 ||
	    store_stack_next(ro->st, p->stack, &p->revision, err, errlen) != 0)
		goto out;
	spec = compose_to_json(stack);
	pj = compose_policy_to_json(&stack->policy, stack->target);
	if (spec == NULL || pj == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	store_actor(user, sizeof(user));
	nd.stack = p->stack;
	nd.kind = "deploy";
	nd.revision = p->revision;
	nd.from_revision = p->from_revision;
	nd.spec = spec;
	nd.file = p->file;
	nd.failure_action = compose_failure_action_name(stack->policy.failure_action);
	nd.max_failure_ratio = stack->policy.max_failure_ratio;
	nd.policy = pj;
	nd.user = user;
	nd.nodes = p->nodes;
	nd.nnodes = p->nnodes;
	if (store_deploy_create(ro->st, &nd, id, err, errlen) != 0)
		goto out;
	{
		char what[600], *detail;

		snprintf(what, sizeof(what), "started from revision %d, file %s%s%s",
		    p->from_revision, p->file, p->vars[0] ? ", variables " : "", p->vars);
		detail = ro_audit_nodes(*id, what, NULL, p->nodes, p->nnodes);
		if (ro_audit_gate(ro, "deploy-start", p->stack, p->revision, detail, err,
		    errlen) != 0) {
			free(detail);
			store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
			goto out;
		}
		free(detail);
	}
	if (p->vars[0] != '\0')
		store_journal(ro->st, *id, NULL, "variables", "ok", p->vars);
	snprintf(d.stack, sizeof(d.stack), "%s", p->stack);
	snprintf(d.kind, sizeof(d.kind), "deploy");
	d.revision = p->revision;
	d.from_revision = p->from_revision;
	d.nnodes = p->nnodes;
	d.nodes = calloc(p->nnodes, sizeof(*d.nodes));
	if (d.nodes == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		snprintf(d.nodes[i].node, sizeof(d.nodes[i].node), "%s", p->nodes[i].node);
		d.nodes[i].wave = p->nodes[i].wave;
	}
	p->priv = NULL;
	r = ro_new(ro, *id, &d, stack, &stack->policy, err, errlen);
	free(d.nodes);
	if (r == NULL) {
		store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
		goto out;
	}
	if (ro_spawn(ro, r, err, errlen) != 0) {
		store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
		ro_free(r);
		goto out;
	}
	rc = 0;
out:
	free(spec);
	free(pj);
	pd_plan_free(p);
	return rc;
}

/* The live rollout of deploy ID, or NULL. */
static struct rollout *
ro_live(struct rollouts *ro, int64_t id)
{
	struct rollout *r;

	for (r = ro->live; r != NULL; r = r->next)
		if (r->id == id && !r->ended)
			return r;
	return NULL;
}

/* A rollout that continues deploy D (resume) from its record. */
static struct rollout *
ro_from_record(struct rollouts *ro, const struct pd_deploy *d, char *err, size_t errlen)
{
	struct compose_stack *spec = NULL;
	struct compose_policy pol;
	enum compose_target target;
	char *pj, *file;
	struct rollout *r;
	int rc;

	if (store_deploy_policy(ro->st, d->id, &pj, &file, err, errlen) != 0)
		return NULL;
	rc = compose_policy_from_json(pj, &pol, &target, err, errlen);
	free(pj);
	free(file);
	if (rc != 0 || ro_load_revision(ro, d->stack, d->revision, &spec, err, errlen) != 0)
		return NULL;
	r = ro_new(ro, d->id, d, spec, &pol, err, errlen);
	if (r != NULL && strcmp(d->kind, "rollback") == 0)
		r->pull_if_missing = 1;
	if (r != NULL)
		r->swarm |= target == COMPOSE_TARGET_SWARM;
	return r;
}

int
rollout_command(struct rollouts *ro, int64_t id, enum pd_deploy_cmd cmd, int to_revision,
    int64_t *newid, char *err, size_t errlen)
{
	struct pd_deploy d;
	struct rollout *r;
	int rc = -1;

	if (newid != NULL)
		*newid = 0;
	if (ro->read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		return -1;
	}
	if (ro_store(ro, err, errlen) != 0 || store_deploy_get(ro->st, id, &d, err, errlen) != 0)
		return -1;
	id = d.id;
	/* A down is not resumed nor rolled back: it is run again. */
	if (strcmp(d.kind, "down") == 0 && (cmd == PD_CMD_RESUME || cmd == PD_CMD_ROLLBACK)) {
		if (d.state == PD_DEPLOY_INTERRUPTED && store_deploy_claim(ro->st, id, err,
		    errlen) == 0)
			store_deploy_set_state(ro->st, id, PD_DEPLOY_ABORTED, "interrupted: run "
			    "plantdeck down again", NULL, 0);
		snprintf(err, errlen, "deploy #%lld takes stack %s down: it is not resumed nor "
		    "rolled back; run plantdeck down %s again", (long long)id, d.stack, d.stack);
		pd_deploy_free(&d);
		return -1;
	}
	switch (cmd) {
	case PD_CMD_PAUSE:
	case PD_CMD_ABORT:
		if (d.state == PD_DEPLOY_PAUSED && cmd == PD_CMD_ABORT) {
			rc = store_deploy_set_state(ro->st, id, PD_DEPLOY_ABORTED,
			    "aborted while paused", err, errlen);
			break;
		}
		if (d.state != PD_DEPLOY_RUNNING) {
			snprintf(err, errlen, "deploy #%lld is %s, not running", (long long)id,
			    pd_deploy_state_name(d.state));
			break;
		}
		rc = store_deploy_request(ro->st, id, cmd == PD_CMD_PAUSE ? "pause" : "abort",
		    err, errlen);
		break;
	case PD_CMD_RESUME:
		if (d.state != PD_DEPLOY_PAUSED && d.state != PD_DEPLOY_INTERRUPTED) {
			snprintf(err, errlen, "deploy #%lld is %s: only a paused or interrupted "
			    "deploy resumes", (long long)id, pd_deploy_state_name(d.state));
			break;
		}
		if (store_deploy_claim(ro->st, id, err, errlen) != 0)
			break;
		r = ro_from_record(ro, &d, err, errlen);
		if (r == NULL)
			break;
		/* Nodes whose pull failed nothing was switched on: they try again.
		 * The breaker counts failures from here on: the engineer saw the
		 * others. */
		r->fail_base = 0;
		for (size_t i = 0; i < r->nnodes; i++) {
			if (r->nodes[i].phase == PD_PHASE_FAILED && !r->nodes[i].touched) {
				r->nodes[i].phase = PD_PHASE_PENDING;
				store_node_set(ro->st, id, r->nodes[i].inv->name, PD_PHASE_PENDING,
				    "retry", "");
			}
			r->fail_base += r->nodes[i].phase == PD_PHASE_FAILED;
		}
		store_deploy_set_state(ro->st, id, PD_DEPLOY_RUNNING, "resumed", err, errlen);
		store_journal(ro->st, id, NULL, "resume", "ok", NULL);
		if (ro_spawn(ro, r, err, errlen) != 0) {
			ro_free(r);
			break;
		}
		if (newid != NULL)
			*newid = id;
		rc = 0;
		break;
	case PD_CMD_ROLLBACK:
		pthread_mutex_lock(&ro->lock);
		r = ro_live(ro, id);
		pthread_mutex_unlock(&ro->lock);
		if (r != NULL || (d.state == PD_DEPLOY_RUNNING || d.state == PD_DEPLOY_ROLLING_BACK)) {
			snprintf(err, errlen, "deploy #%lld is running: pause or abort it first",
			    (long long)id);
			break;
		}
		if (strcmp(d.kind, "rollback") == 0 && to_revision == 0) {
			snprintf(err, errlen, "deploy #%lld is a rollback, which is never itself "
			    "rolled back: deploy the revision you want (--to REV)", (long long)id);
			break;
		}
		/* This process now answers for the deploy (its heartbeat is kept by
		 * the rollback), so that it does not show as interrupted meanwhile. */
		if (store_deploy_claim(ro->st, id, err, errlen) != 0)
			break;
		r = ro_from_record(ro, &d, err, errlen);
		if (r == NULL)
			break;
		{
			struct rollout *child;

			/* The parent is over: it is settled as rolled back (or failed). */
			child = ro_new_rollback(r, to_revision > 0 ? to_revision : d.from_revision,
			    err, errlen);
			ro_free(r);
			if (child == NULL)
				break;
			child->beat_parent = 1;
			store_deploy_set_state(ro->st, id, PD_DEPLOY_ROLLING_BACK, NULL, err, errlen);
			store_journal(ro->st, id, NULL, "rollback", "begin", NULL);
			{
				char what[96], *detail;

				snprintf(what, sizeof(what), "requested, undoes deploy #%lld",
				    (long long)id);
				detail = ro_audit_nodes(child->id, what, child->nodes, NULL,
				    child->nnodes);
				ro_audit(ro, "rollback-start", child->stack, child->revision, detail);
				free(detail);
			}
			if (ro_spawn(ro, child, err, errlen) != 0) {
				ro_free(child);
				break;
			}
			if (newid != NULL)
				*newid = child->id;
		}
		rc = 0;
		break;
	}
	if (rc == 0) {
		char what[32], detail[96];

		snprintf(what, sizeof(what), "%s", cmd == PD_CMD_PAUSE ? "pause" :
		    cmd == PD_CMD_RESUME ? "resume" : cmd == PD_CMD_ABORT ? "abort" : "rollback");
		log_msg(LOG_INFO, "deploy #%lld: %s requested", (long long)id, what);
		snprintf(detail, sizeof(detail), "deploy #%lld (%s %s): %s requested",
		    (long long)id, d.kind, pd_deploy_state_name(d.state), what);
		if (cmd != PD_CMD_ROLLBACK)     /* recorded as rollback-start */
			ro_audit(ro, what, d.stack, d.revision, detail);
	}
	pd_deploy_free(&d);
	return rc;
}

int
rollout_list(struct rollouts *ro, size_t limit, struct pd_deploy **out, size_t *n, char *err,
    size_t errlen)
{
	struct rollout *r;

	*out = NULL;
	*n = 0;
	if (ro_store(ro, err, errlen) != 0)
		return -1;
	if (store_deploys(ro->st, limit, out, n, err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&ro->lock);
	for (size_t i = 0; i < *n; i++)
		for (r = ro->live; r != NULL; r = r->next)
			if (r->id == (*out)[i].id && !r->ended)
				(*out)[i].live = 1;
	pthread_mutex_unlock(&ro->lock);
	return 0;
}

int
rollout_get(struct rollouts *ro, int64_t id, struct pd_deploy *out, char *err, size_t errlen)
{
	struct rollout *r;

	if (ro_store(ro, err, errlen) != 0 || store_deploy_get(ro->st, id, out, err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&ro->lock);
	for (r = ro->live; r != NULL; r = r->next) {
		if (r->id != out->id || r->ended)
			continue;
		out->live = 1;
		pthread_mutex_lock(&r->lock);
		for (size_t i = 0; i < out->nnodes && i < r->nnodes; i++)
			for (size_t k = 0; k < r->nnodes; k++)
				if (strcmp(r->nodes[k].inv->name, out->nodes[i].node) == 0)
					out->nodes[i].pull_pct = r->nodes[k].pull_pct;
		pthread_mutex_unlock(&r->lock);
	}
	pthread_mutex_unlock(&ro->lock);
	return 0;
}

int
rollout_wait(struct rollouts *ro, int64_t id, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms >= 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ro->lock);
	while (ro_live(ro, id) != NULL) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ro->cond, &ro->lock);
		else if (pthread_cond_timedwait(&ro->cond, &ro->lock, &until) == ETIMEDOUT) {
			rc = ro_live(ro, id) != NULL;
			break;
		}
	}
	pthread_mutex_unlock(&ro->lock);
	return rc;
}

int
rollout_busy(struct rollouts *ro)
{
	struct rollout *r;
	int busy = 0;

	pthread_mutex_lock(&ro->lock);
	for (r = ro->live; r != NULL; r = r->next)
		busy |= !r->ended;
	pthread_mutex_unlock(&ro->lock);
	return busy;
}

int
rollout_history(struct rollouts *ro, const char *stack, struct pd_revision **out, size_t *n,
    char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (ro_store(ro, err, errlen) != 0 ||
	    store_revisions(ro->st, stack, out, n, err, errlen) != 0)
		return -1;
	if (stack != NULL && *n == 0) {
		/* A stack never deployed with this database is an error, not an
		 * empty list: a typo, or another --db. */
		snprintf(err, errlen, "no stack '%s' in %s", stack, store_path(ro->st));
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
rollout_journal(struct rollouts *ro, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen)
{
	struct pd_deploy d;

	if (ro_store(ro, err, errlen) != 0 || store_deploy_get(ro->st, id, &d, err, errlen) != 0)
		return -1;
	pd_deploy_free(&d);
	return store_journal_each(ro->st, d.id, cb, ctx, err, errlen);
}

int
rollout_place(struct rollouts *ro, const char *stack, int rev, const char *node,
    const char *file, const char *user, int64_t *id, char *err, size_t errlen)
{
	struct compose_stack *spec = NULL;
	struct compose_policy pol;
	struct pd_plan_node one = { .wave = 0 }, *targets = &one, *placed = NULL;
	struct store_deploy_new nd = { 0 };
	struct pd_deploy d = { 0 };
	struct rollout *r;
	char actor[64], *pj;
	size_t ntargets = 1;
	int cur = 0, swarm;

	*id = 0;
	if (ro->read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		return -1;
	}
	if (node != NULL && ro_inv_node(ro, node) == NULL) {
		snprintf(err, errlen, "node %s is not in the inventory", node);
		return -1;
	}
	if (ro_store(ro, err, errlen) != 0 ||
	    store_stack_current(ro->st, stack, &cur, err, errlen) != 0)
		return -1;
	if (rev == 0)
		rev = cur;
	if (rev == 0) {
		snprintf(err, errlen, "stack %s has no revision yet", stack);
		return -1;
	}
	if (ro_load_revision(ro, stack, rev, &spec, err, errlen) != 0)
		return -1;
	swarm = spec->target == COMPOSE_TARGET_SWARM;
	if (swarm && node != NULL) {
		snprintf(err, errlen, "stack %s runs on Swarm, which places its tasks itself: "
		    "bring the whole stack to a revision (no node), or drain the node", stack);
		compose_free(spec);
		return -1;
	}
	if (!swarm && node == NULL) {
		snprintf(err, errlen, "stack %s runs on standalone engines: name the node to "
		    "bring to revision %d", stack, rev);
		compose_free(spec);
		return -1;
	}
	pol = spec->policy;
	if (!swarm) {
		/* One node, at once. */
		pol.canary = 0;
		pol.parallelism = 0;
		pol.grow = 0;
		pol.delay = 0;
	} else if (ro_swarm_placed(ro, stack, &placed, &ntargets, err, errlen) != 0) {
		/* The whole stack keeps Swarm's update pace: no plant-wide restart. */
		compose_free(spec);
		return -1;
	} else {
		targets = placed;
	}
	pol.failure_action = COMPOSE_FAIL_CONTINUE;
	if (pol.monitor > 5)
		pol.monitor = 5;
	pj = compose_policy_to_json(&pol, swarm ? COMPOSE_TARGET_SWARM : COMPOSE_TARGET_ENGINES);
	if (pj == NULL) {
		compose_free(spec);
		free(placed);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (user == NULL) {
		store_actor(actor, sizeof(actor));
		user = actor;
	}
	if (node != NULL)
		snprintf(one.node, sizeof(one.node), "%s", node);
	nd.stack = stack;
	nd.kind = "deploy";
	nd.revision = rev;
	nd.from_revision = cur;
	nd.file = file;
	nd.failure_action = compose_failure_action_name(pol.failure_action);
	nd.max_failure_ratio = pol.max_failure_ratio;
	nd.policy = pj;
	nd.user = user;
	nd.nodes = targets;
	nd.nnodes = ntargets;
	if (store_deploy_create(ro->st, &nd, id, err, errlen) != 0) {
		free(pj);
		free(placed);
		compose_free(spec);
		return -1;
	}
	free(pj);
	snprintf(d.stack, sizeof(d.stack), "%s", stack);
	snprintf(d.kind, sizeof(d.kind), "deploy");
	d.revision = rev;
	d.from_revision = cur;
	d.nnodes = ntargets;
	d.nodes = calloc(ntargets, sizeof(*d.nodes));
	if (d.nodes == NULL) {
		free(placed);
		compose_free(spec);
		store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, "out of memory", NULL, 0);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ntargets; i++)
		snprintf(d.nodes[i].node, sizeof(d.nodes[i].node), "%s", targets[i].node);
	free(placed);
	r = ro_new(ro, *id, &d, spec, &pol, err, errlen);
	free(d.nodes);
	if (r == NULL) {
		store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
		return -1;
	}
	r->pull_if_missing = 1;
	if (ro_spawn(ro, r, err, errlen) != 0) {
		store_deploy_set_state(ro->st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
		ro_free(r);
		return -1;
	}
	log_msg(LOG_INFO, "deploy #%lld: stack %s revision %d onto %s (%s)", (long long)*id,
	    stack, rev, node != NULL ? node : "its swarm placement", file);
	return 0;
}
