/* agent.c: `plantdeck agent`, the node-local backend run headless.
 *
 * It owns the capture (capture.c, its own thread) and one housekeeping
 * thread that checks the local containers for drift every few seconds and
 * writes a "stats" line now and then.  Both turn what they find into JSON
 * lines (doc/agent.md) on an output queue and wake the front end through an
 * eventfd; the front end takes the lines with agent_next().  Requests
 * ("tune", "check", "fix") run on the caller's thread against the agent's
 * own desired-value store, so that the drift checker then holds the
 * container to them.
 *
 * The local engines are the inventory's nodes reached through a unix socket
 * or a loopback address; the agent of a remote node runs on that node in
 * a container with no engine at all (--manifest): its node's containers,
 * their allow lists and engine records come from the manifest the backend
 * puts into its volume (agent-manifest.h), and agent-client.c sends it
 * requests that carry the container's engine record ("cgroup JSON").
 * Shutdown: stop flag, wake (condition variable, capture's eventfd), join,
 * destroy the skeleton. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/node/agent-manifest.h"
#include "backend/node/capture.h"
#include "backend/node/cgroup.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/model/model.h"
#include "backend/node/node.h"
#include "backend/base/thread.h"
#include "backend/node/tune.h"

#define AGENT_QUEUE_MAX 10000           /* lines waiting for the front end */
#define AGENT_DRIFT_DEFAULT 10.0
#define AGENT_STATS_DEFAULT 60.0
#define AGENT_MAX_ARGS 12

/* One line waiting to be taken. */
struct agent_line {
	struct agent_line *next;
	char *text;
};

/* A drift that was reported, so that it is reported once until it changes. */
struct agent_drift {
	char id[CGROUP_ID_LEN];
	char key[24];
	char actual[PD_TUNE_VALUE_LEN];
	int seen;                        /* still drifted in the current round */
};

struct agent {
	struct backend_config cfg;
	struct agent_options opt;
	char **allow;
	struct inventory *inv;           /* local nodes only */
	struct engine **engines;         /* for requests (caller's thread) */
	struct engine **hk_engines;      /* for the housekeeping thread */
	int *hk_ready;                   /* per engine: 1 negotiated, -1 failing */
	int *req_ready;
	size_t nengines;
	struct cgroup_fs fs;
	int have_fs;
	struct tune_store *store;
	struct capture *cap;
	struct agent_manifest *manifest; /* --manifest: no engine */

	pthread_mutex_t lock;            /* queue, drift table, stop */
	pthread_cond_t cond;             /* wakes the housekeeping thread */
	struct agent_line *head, *tail;
	size_t queued;
	uint64_t lines_dropped;
	uint64_t foreign;                /* reports dropped by own_containers */
	int wake_fd;
	int stop;
	pthread_t hk;
	int hk_running;
	int stopped;

	struct agent_drift *drifts;
	size_t ndrifts, capdrifts;
};

/* ------------------------------------------------------------ output */

/* Queue TEXT (taken over) and wake the front end. */
static void
agent_push(struct agent *a, char *text)
{
	struct agent_line *l;
	uint64_t one = 1;

	if (text == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (a->queued >= AGENT_QUEUE_MAX || (l = malloc(sizeof(*l))) == NULL) {
		a->lines_dropped++;
		pthread_mutex_unlock(&a->lock);
		free(text);
		return;
	}
	l->next = NULL;
	l->text = text;
	if (a->tail != NULL)
		a->tail->next = l;
	else
		a->head = l;
	a->tail = l;
	a->queued++;
	pthread_mutex_unlock(&a->lock);
	if (write(a->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_msg(LOG_WARN, "agent: wake: %s", strerror(errno));
}

/* Queue J as one line and free it. */
static void
agent_push_json(struct agent *a, cJSON *j)
{
	agent_push(a, pd_json_print(j, 0));
	cJSON_Delete(j);
}

char *
agent_next(struct agent *a)
{
	struct agent_line *l;
	uint64_t v;
	char *text = NULL;

	pthread_mutex_lock(&a->lock);
	l = a->head;
	if (l != NULL) {
		a->head = l->next;
		if (a->head == NULL)
			a->tail = NULL;
		a->queued--;
		text = l->text;
		free(l);
	}
	if (a->head == NULL && read(a->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_msg(LOG_WARN, "agent: wake fd: %s", strerror(errno));
	pthread_mutex_unlock(&a->lock);
	return text;
}

int
agent_wakeup_fd(const struct agent *a)
{
	return a->wake_fd;
}

/* An ISO 8601 UTC time with milliseconds. */
static void
agent_time(const struct timespec *ts, char *out, size_t len)
{
	struct tm tm;
	char base[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%.20s.%03dZ", base, (int)(ts->tv_nsec / 1000000) % 1000);
}

/* A new line object of TYPE stamped with TS (NULL: now). */
static cJSON *
agent_line(const char *type, const struct timespec *ts)
{
	cJSON *j = cJSON_CreateObject();
	struct timespec now;
	char t[40];

	if (ts == NULL) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	agent_time(ts, t, sizeof(t));
	cJSON_AddStringToObject(j, "type", type);
	cJSON_AddStringToObject(j, "time", t);
	return j;
}

/* Add untrusted string S as NAME, with control characters and invalid
 * UTF-8 made visible. */
static void
agent_add_str(cJSON *o, const char *name, const char *s)
{
	char clean[1024];

	pd_sanitize(clean, sizeof(clean), s, 0);
	cJSON_AddStringToObject(o, name, clean);
}

/* {"id": ..., "name": ...} or null for no container. */
static cJSON *
agent_container(const char *id, const char *name)
{
	cJSON *o;

	if (id == NULL || id[0] == '\0')
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	if (name != NULL && name[0] != '\0')
		agent_add_str(o, "name", name);
	else
		cJSON_AddNullToObject(o, "name");
	return o;
}

/* A process object. */
static cJSON *
agent_who(const struct capture_who *w)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "pid", w->pid);
	cJSON_AddNumberToObject(o, "tgid", w->tgid);
	agent_add_str(o, "comm", w->comm);
	cJSON_AddItemToObject(o, "container", agent_container(w->container_id,
	    w->container_name));
	return o;
}

/* The name of a signal_generate result. */
static const char *
agent_signal_result(int result)
{
	switch (result) {
	case 0: return "delivered";
	case 1: return "ignored";
	case 2: return "already_pending";
	case 3: return "overflow_fail";
	case 4: return "lose_info";
	}
	return "unknown";
}

/* The name of a si_code a process can send. */
static const char *
agent_si_code(int code)
{
	switch (code) {
	case 0: return "SI_USER";
	case -1: return "SI_QUEUE";
	case -6: return "SI_TKILL";
	case 0x80: return "SI_KERNEL";
	}
	return "other";
}

static const char *const agent_severities[] = { "info", "warning", "critical" };

/* Capture callback (capture thread): one report becomes one line. */
static void
agent_on_report(const struct capture_report *r, void *arg)
{
	struct agent *a = arg;
	char sb[16];
	cJSON *j, *o;

	switch (r->type) {
	case CAPTURE_R_STATUS:
		j = agent_line("capture", &r->when);
		cJSON_AddBoolToObject(j, "available", r->available);
		cJSON_AddStringToObject(j, "status", r->status);
		agent_push_json(a, j);
		return;
	case CAPTURE_R_OVERRUN:
		j = agent_line("overrun", &r->when);
		cJSON_AddNumberToObject(j, "lost", (double)r->dropped);
		cJSON_AddNumberToObject(j, "lost_total", (double)r->dropped_total);
		cJSON_AddStringToObject(j, "text", r->text);
		agent_push_json(a, j);
		return;
	case CAPTURE_R_ANOMALY:
	case CAPTURE_R_OOM:
		break;
	}
	/* On a kernel that other engines share, their containers are theirs
	 * to report: no local engine knows them. */
	if (a->opt.own_containers && r->node[0] == '\0') {
		pthread_mutex_lock(&a->lock);
		a->foreign++;
		pthread_mutex_unlock(&a->lock);
		return;
	}
	j = agent_line(r->type == CAPTURE_R_OOM ? "oom" : "anomaly", &r->when);
	cJSON_AddStringToObject(j, "rule", r->rule);
	cJSON_AddStringToObject(j, "severity", agent_severities[r->severity]);
	if (r->node[0] != '\0')
		agent_add_str(j, "node", r->node);
	else
		cJSON_AddNullToObject(j, "node");
	cJSON_AddItemToObject(j, "container", agent_container(r->container_id, r->container_name));
	o = agent_who(&r->actor);
	cJSON_AddNumberToObject(o, "ppid", r->actor_ppid);
	cJSON_AddNumberToObject(o, "uid", r->actor_uid);
	cJSON_AddItemToObject(j, "actor", o);
	cJSON_AddItemToObject(j, "target", agent_who(&r->target));
	if (strcmp(r->rule, "signal") == 0) {
		o = cJSON_AddObjectToObject(j, "signal");
		cJSON_AddNumberToObject(o, "number", r->sig);
		cJSON_AddStringToObject(o, "name", capture_signal_name(r->sig, sb, sizeof(sb)));
		cJSON_AddStringToObject(o, "code", agent_si_code(r->si_code));
		cJSON_AddStringToObject(o, "result", r->mapped_in_kernel ?
		    agent_signal_result(r->result) : "unknown");
		cJSON_AddBoolToObject(o, "group", r->group);
	} else if (strcmp(r->rule, "exec") == 0) {
		o = cJSON_AddObjectToObject(j, "exec");
		agent_add_str(o, "filename", r->filename);
	} else if (strcmp(r->rule, "ptrace") == 0) {
		o = cJSON_AddObjectToObject(j, "ptrace");
		cJSON_AddStringToObject(o, "request", r->request == 0x4206 ? "PTRACE_SEIZE" :
		    "PTRACE_ATTACH");
	}
	cJSON_AddBoolToObject(j, "mapped_in_kernel", r->mapped_in_kernel);
	cJSON_AddNumberToObject(j, "delay_ms", (double)(long)(r->delay_ms * 1000) / 1000);
	agent_add_str(j, "text", r->text);
	agent_push_json(a, j);
}

/* The items of a tune or check result. */
static cJSON *
agent_items(const struct pd_tune_result *res)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < res->nitems; i++) {
		const struct pd_tune_item *it = &res->items[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "key", it->key);
		cJSON_AddStringToObject(o, "want", it->want);
		if (it->engine[0] != '\0')
			cJSON_AddStringToObject(o, "engine", it->engine);
		else
			cJSON_AddNullToObject(o, "engine");
		if (it->cgroup[0] != '\0')
			cJSON_AddStringToObject(o, "cgroup", it->cgroup);
		else
			cJSON_AddNullToObject(o, "cgroup");
		if (it->file[0] != '\0')
			cJSON_AddStringToObject(o, "file", it->file);
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddStringToObject(o, "via", it->via);
		cJSON_AddBoolToObject(o, "ok", it->ok);
		if (it->note[0] != '\0')
			agent_add_str(o, "note", it->note);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* ------------------------------------------------------------ engines */

/* Whether an endpoint is on this machine. */
static int
agent_endpoint_local(const char *ep)
{
	if (strncmp(ep, "unix://", 7) == 0)
		return 1;
	if (strncmp(ep, "tcp://", 6) != 0)
		return 0;
	ep += 6;
	return strncmp(ep, "127.", 4) == 0 || strncmp(ep, "localhost:", 10) == 0 ||
	    strncmp(ep, "[::1]:", 6) == 0;
}

/* Load CFG's inventory and keep its local nodes. */
static int
agent_inventory(const struct backend_config *cfg, struct inventory **out, size_t *nlocal,
    char *err, size_t errlen)
{
	struct inv_selector *sel = NULL;
	struct inventory *inv = NULL;
	char text[8192];
	size_t n = 0;
	int rc;

	rc = inventory_for_config(cfg, &inv, err, errlen);
	if (rc != 0)
		return -1;
	/* Keep the local nodes (by a selector of their names); with none, keep
	 * the inventory but use no engine. */
	text[0] = '\0';
	for (size_t i = 0; i < inv->nnodes; i++)
		if (agent_endpoint_local(inv->nodes[i].endpoint) &&
		    n + strlen(inv->nodes[i].name) + 2 < sizeof(text))
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", n ? "," : "",
			    inv->nodes[i].name);
	*nlocal = 0;
	if (n > 0 && inventory_selector_parse(text, &sel, err, errlen) == 0) {
		*nlocal = inventory_filter(inv, sel);
		inventory_selector_free(sel);
	}
	*out = inv;
	return 0;
}

/* The engine (of ENGINES) that has container REF; 0 and *IDX, 1 when none
 * has it, -1 with ERR. */
static int
agent_find(struct agent *a, struct engine **engines, int *ready, const char *ref, size_t *idx,
    char *err, size_t errlen)
{
	struct tune_container c;
	struct engine_reply r;
	int rc, failed = 0;

	for (size_t i = 0; i < a->nengines; i++) {
		if (!ready[i]) {
			if (engine_negotiate(engines[i], &r) != 0) {
				snprintf(err, errlen, "%s", r.error);
				engine_reply_free(&r);
				failed = 1;
				continue;
			}
			engine_reply_free(&r);
			ready[i] = 1;
		}
		rc = tune_inspect(engines[i], ref, &c, err, errlen);
		if (rc == 0) {
			*idx = i;
			return 0;
		}
		failed |= rc < 0;
	}
	if (!failed)
		snprintf(err, errlen, "no container '%.64s' on the %zu local engine%s", ref,
		    a->nengines, a->nengines == 1 ? "" : "s");
	return 1;
}

/* ------------------------------------------------------------ drift */

/* The reported drift of ID/KEY, or NULL. */
static struct agent_drift *
agent_drift_find(struct agent *a, const char *id, const char *key)
{
	for (size_t i = 0; i < a->ndrifts; i++)
		if (strcmp(a->drifts[i].id, id) == 0 && strcmp(a->drifts[i].key, key) == 0)
			return &a->drifts[i];
	return NULL;
}

/* Report a drift line (or its end) for one item. */
static void
agent_drift_line(struct agent *a, const char *type, const struct pd_tune_result *res,
    const struct pd_tune_item *it)
{
	cJSON *j = agent_line(type, NULL);

	agent_add_str(j, "node", res->node);
	cJSON_AddItemToObject(j, "container", agent_container(res->id, res->name));
	cJSON_AddStringToObject(j, "key", it->key);
	cJSON_AddStringToObject(j, "desired", it->want);
	cJSON_AddStringToObject(j, "source", it->via);
	if (it->cgroup[0] != '\0')
		cJSON_AddStringToObject(j, "actual", it->cgroup);
	else
		cJSON_AddNullToObject(j, "actual");
	if (it->engine[0] != '\0')
		cJSON_AddStringToObject(j, "engine", it->engine);
	else
		cJSON_AddNullToObject(j, "engine");
	if (it->file[0] != '\0')
		cJSON_AddStringToObject(j, "file", it->file);
	else
		cJSON_AddNullToObject(j, "file");
	if (it->note[0] != '\0')
		agent_add_str(j, "text", it->note);
	agent_push_json(a, j);
}

/* Check container C of node NODE; marks the drifts seen this round. */
static void
agent_check_record(struct agent *a, const char *node, const struct tune_container *cp)
{
	struct pd_tune_result res;
	struct tune_container c = *cp;
	struct cgroup_dirs dirs;
	struct agent_drift *d;
	char err[512];

	if (!c.running)
		return;
	if (cgroup_find_dirs(&a->fs, c.id, tune_proc_root(), c.pid, &dirs, err, sizeof(err)) != 0)
		return;
	memset(&res, 0, sizeof(res));
	snprintf(res.node, sizeof(res.node), "%s", node);
	snprintf(res.id, sizeof(res.id), "%s", c.id);
	snprintf(res.name, sizeof(res.name), "%s", c.name);
	tune_compare(a->store, &a->fs, &dirs, &c, &res);
	for (size_t i = 0; i < res.nitems; i++) {
		const struct pd_tune_item *it = &res.items[i];

		pthread_mutex_lock(&a->lock);
		d = agent_drift_find(a, c.id, it->key);
		if (it->ok) {
			pthread_mutex_unlock(&a->lock);
			continue;
		}
		if (d != NULL && strcmp(d->actual, it->cgroup) == 0) {
			d->seen = 1;
			pthread_mutex_unlock(&a->lock);
			continue;
		}
		if (d == NULL) {
			if (a->ndrifts == a->capdrifts) {
				size_t cap = a->capdrifts ? a->capdrifts * 2 : 16;
				struct agent_drift *v = realloc(a->drifts, cap * sizeof(*v));

				if (v == NULL) {
					pthread_mutex_unlock(&a->lock);
					continue;
				}
				a->drifts = v;
				a->capdrifts = cap;
			}
			d = &a->drifts[a->ndrifts++];
			memset(d, 0, sizeof(*d));
			snprintf(d->id, sizeof(d->id), "%s", c.id);
			snprintf(d->key, sizeof(d->key), "%s", it->key);
		}
		snprintf(d->actual, sizeof(d->actual), "%s", it->cgroup);
		d->seen = 1;
		pthread_mutex_unlock(&a->lock);
		agent_drift_line(a, "drift", &res, it);
	}
	/* Drifts of this container that are gone now. */
	for (size_t i = 0; i < res.nitems; i++) {
		if (!res.items[i].ok)
			continue;
		pthread_mutex_lock(&a->lock);
		d = agent_drift_find(a, c.id, res.items[i].key);
		if (d != NULL)
			*d = a->drifts[--a->ndrifts];
		pthread_mutex_unlock(&a->lock);
		if (d != NULL)
			agent_drift_line(a, "drift_resolved", &res, &res.items[i]);
	}
}

/* Check one container of engine E. */
static void
agent_check_container(struct agent *a, struct engine *e, const char *id)
{
	struct tune_container c;
	char err[512];

	if (tune_inspect(e, id, &c, err, sizeof(err)) != 0)
		return;
	agent_check_record(a, e->name, &c);
}

/* One round of drift checks over the manifest's containers (--manifest):
 * their engine record as the backend handed it. */
static void
agent_drift_round_manifest(struct agent *a)
{
	struct tune_container c;
	char node[PD_NAME_LEN], **jsons = NULL;
	size_t n = 0;

	if (agent_manifest_list(a->manifest, &jsons, &n, node, sizeof(node)) != 0)
		return;
	pthread_mutex_lock(&a->lock);
	for (size_t k = 0; k < a->ndrifts; k++)
		a->drifts[k].seen = 0;
	pthread_mutex_unlock(&a->lock);
	for (size_t i = 0; i < n; i++) {
		if (tune_container_from_json(jsons[i], &c) == 0)
			agent_check_record(a, node, &c);
		free(jsons[i]);
	}
	free(jsons);
	pthread_mutex_lock(&a->lock);
	for (size_t k = 0; k < a->ndrifts;)
		if (!a->drifts[k].seen)
			a->drifts[k] = a->drifts[--a->ndrifts];
		else
			k++;
	pthread_mutex_unlock(&a->lock);
}

/* One round of drift checks over every running container of the local
 * engines. */
static void
agent_drift_round(struct agent *a)
{
	struct engine_reply r;
	const cJSON *item, *id;
	cJSON *list;
	int complete = 1;

	if (a->manifest != NULL) {
		agent_drift_round_manifest(a);
		return;
	}
	pthread_mutex_lock(&a->lock);
	for (size_t k = 0; k < a->ndrifts; k++)
		a->drifts[k].seen = 0;
	pthread_mutex_unlock(&a->lock);
	for (size_t i = 0; i < a->nengines; i++) {
		struct engine *e = a->hk_engines[i];

		/* hk_ready: 0 not negotiated, 1 ready, -1 failed (said once). */
		if (a->hk_ready[i] <= 0) {
			if (engine_negotiate(e, &r) != 0) {
				if (a->hk_ready[i] == 0)
					log_msg(LOG_WARN, "agent: drift checks: %s", r.error);
				a->hk_ready[i] = -1;
				engine_reply_free(&r);
				complete = 0;
				continue;
			}
			engine_reply_free(&r);
			if (a->hk_ready[i] < 0)
				log_msg(LOG_INFO, "agent: drift checks: %s answers again", e->name);
			a->hk_ready[i] = 1;
		}
		if (engine_call(e, "GET", "/containers/json", NULL, &r) != 0) {
			log_msg(LOG_WARN, "agent: drift checks: %s", r.error);
			engine_reply_free(&r);
			a->hk_ready[i] = -1;
			complete = 0;
			continue;
		}
		list = cJSON_Parse(r.body.data ? r.body.data : "");
		engine_reply_free(&r);
		cJSON_ArrayForEach(item, list) {
			id = cJSON_GetObjectItemCaseSensitive(item, "Id");
			if (cJSON_IsString(id) && strlen(id->valuestring) == 64)
				agent_check_container(a, e, id->valuestring);
			pthread_mutex_lock(&a->lock);
			if (a->stop) {
				pthread_mutex_unlock(&a->lock);
				cJSON_Delete(list);
				return;
			}
			pthread_mutex_unlock(&a->lock);
		}
		cJSON_Delete(list);
	}
	/* Forget the drifts of containers that are gone (or stopped), once every
	 * engine has answered: they are not "resolved", just not there. */
	if (!complete)
		return;
	pthread_mutex_lock(&a->lock);
	for (size_t k = 0; k < a->ndrifts;)
		if (!a->drifts[k].seen)
			a->drifts[k] = a->drifts[--a->ndrifts];
		else
			k++;
	pthread_mutex_unlock(&a->lock);
}

/* Queue a "stats" line. */
static void
agent_stats_line(struct agent *a, int final)
{
	struct capture_stats st;
	cJSON *j = agent_line("stats", NULL);
	uint64_t dropped, foreign;

	memset(&st, 0, sizeof(st));
	if (a->cap != NULL)
		capture_get_stats(a->cap, &st);
	pthread_mutex_lock(&a->lock);
	dropped = a->lines_dropped;
	foreign = a->foreign;
	pthread_mutex_unlock(&a->lock);
	cJSON_AddBoolToObject(j, "final", final);
	cJSON_AddNumberToObject(j, "events", (double)st.events);
	cJSON_AddNumberToObject(j, "lost", (double)st.dropped);
	cJSON_AddNumberToObject(j, "anomalies", (double)st.anomalies);
	cJSON_AddNumberToObject(j, "ooms", (double)st.ooms);
	cJSON_AddNumberToObject(j, "ignored", (double)st.ignored);
	cJSON_AddNumberToObject(j, "lookups", (double)st.lookups);
	cJSON_AddNumberToObject(j, "lookup_failures", (double)st.lookup_failures);
	cJSON_AddNumberToObject(j, "lines_dropped", (double)dropped);
	if (a->opt.own_containers)
		cJSON_AddNumberToObject(j, "foreign", (double)foreign);
	agent_push_json(a, j);
}

/* Seconds on the monotonic clock. */
static double
agent_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The housekeeping thread: drift rounds and stats lines. */
static void *
agent_housekeeping(void *arg)
{
	struct agent *a = arg;
	double next_drift = agent_mono(), next_stats = agent_mono() + a->opt.stats_interval;
	double now, wake;
	struct timespec ts;

	for (;;) {
		now = agent_mono();
		if (!a->opt.no_drift && a->have_fs && now >= next_drift) {
			agent_drift_round(a);
			next_drift = agent_mono() + a->opt.drift_interval;
		}
		if (now >= next_stats) {
			agent_stats_line(a, 0);
			next_stats = now + a->opt.stats_interval;
		}
		wake = next_stats;
		if (!a->opt.no_drift && a->have_fs && next_drift < wake)
			wake = next_drift;
		pthread_mutex_lock(&a->lock);
		if (!a->stop) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			wake -= agent_mono();
			if (wake < 0.01)
				wake = 0.01;
			ts.tv_sec += (time_t)wake;
			ts.tv_nsec += (long)((wake - (double)(time_t)wake) * 1e9);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		}
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			break;
		}
		pthread_mutex_unlock(&a->lock);
	}
	return NULL;
}

/* ------------------------------------------------------------ requests */

/* Split LINE into at most MAX words (in BUF); returns the count, or -1. */
static int
agent_words(const char *line, char *buf, size_t buflen, char **argv, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	if (strlen(line) >= buflen)
		return -1;
	snprintf(buf, buflen, "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -1;
		argv[n++] = tok;
	}
	return n;
}

/* Queue the result of a request as a "tune" or "check" line. */
static void
agent_result_line(struct agent *a, const char *type, const char *request, int rc,
    const struct pd_tune_result *res, const char *err)
{
	cJSON *j = agent_line(type, NULL);

	agent_add_str(j, "request", request);
	cJSON_AddBoolToObject(j, "ok", rc == 0);
	if (rc < 0) {
		agent_add_str(j, "error", err);
		agent_push_json(a, j);
		return;
	}
	cJSON_AddNullToObject(j, "error");
	agent_add_str(j, "node", res->node);
	cJSON_AddItemToObject(j, "container", agent_container(res->id, res->name));
	cJSON_AddBoolToObject(j, "local", res->local);
	if (res->cgroup_version)
		cJSON_AddNumberToObject(j, "cgroup_version", res->cgroup_version);
	else
		cJSON_AddNullToObject(j, "cgroup_version");
	if (strcmp(type, "check") == 0) {
		cJSON_AddNumberToObject(j, "drifted", res->drifted);
		cJSON_AddNumberToObject(j, "fixed", res->fixed);
	}
	if (res->warnings[0] != '\0')
		agent_add_str(j, "warnings", res->warnings);
	cJSON_AddItemToObject(j, "items", agent_items(res));
	agent_push_json(a, j);
}

/* "cgroup JSON": the cgroup side of a request the backend sent with the
 * container's engine record (agent-client.c): {"node", "container" (its
 * inspect, reduced), "fix", "set" ["KEY=VALUE" for keys that have no
 * engine field]}.  Writes SET into the files, compares every limit with
 * its desired value (SET, else the record), and with FIX re-writes what
 * drifted.  0 no drift left, 1 drift, -1 with ERR. */
static int
agent_cgroup_request(struct agent *a, const char *json, struct pd_tune_result *res,
    char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(json);
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(j, "container");
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(j, "set");
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(j, "node"), *v;
	int fix = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "fix"));
	struct tune_store *st = NULL;
	struct tune_container c;
	struct cgroup_dirs dirs;
	struct tune_request req;
	unsigned before = 0;
	char *text = NULL, e2[256];
	int rc = -1, n;

	memset(res, 0, sizeof(*res));
	text = ct != NULL ? cJSON_PrintUnformatted(ct) : NULL;
	if (j == NULL || text == NULL || tune_container_from_json(text, &c) != 0 ||
	    (set != NULL && !cJSON_IsArray(set))) {
		snprintf(err, errlen, "cgroup: want {\"container\": its inspect, \"fix\", \"set\"}");
		goto out;
	}
	if ((fix || cJSON_GetArraySize(set) > 0) && a->cfg.read_only) {
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk): the request "
		    "would change container '%.64s'", c.name);
		goto out;
	}
	snprintf(res->node, sizeof(res->node), "%s", cJSON_IsString(node) ? node->valuestring : "");
	snprintf(res->id, sizeof(res->id), "%s", c.id);
	snprintf(res->name, sizeof(res->name), "%s", c.name);
	if (!a->have_fs) {
		snprintf(err, errlen, "no cgroup hierarchy under %s", tune_cgroup_root());
		goto out;
	}
	if (!c.running || cgroup_find_dirs(&a->fs, c.id, tune_proc_root(), c.pid, &dirs, e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "the cgroup of '%.64s' is not on this node%s", c.name,
		    c.running ? "" : " (it does not run)");
		goto out;
	}
	res->local = 1;
	res->cgroup_version = (int)a->fs.version;
	if ((st = tune_store_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(v, set) {
		if (!cJSON_IsString(v) || tune_parse(v->valuestring, &req, err, errlen) != 0 ||
		    cgroup_validate(&a->fs, &req.set, err, errlen) != 0)
			goto out;
		if (cgroup_write(&a->fs, &dirs, &req.set, err, errlen) != 0)
			goto out;
		tune_store_set(st, c.id, &req.set);
		tune_store_set(a->store, c.id, &req.set);
	}
	n = tune_compare(st, &a->fs, &dirs, &c, res);
	if (fix && n > 0) {
		for (size_t i = 0; i < res->nitems; i++)
			if (!res->items[i].ok)
				before |= 1u << i;
		tune_fix_files(st, &a->fs, &dirs, &c, res);
		n = tune_compare(st, &a->fs, &dirs, &c, res);
		for (size_t i = 0; i < res->nitems; i++)
			if ((before & (1u << i)) && res->items[i].ok) {
				snprintf(res->items[i].note, sizeof(res->items[i].note),
				    "fixed: re-written in the cgroup file");
				res->fixed++;
			}
	}
	rc = n > 0;
out:
	tune_store_free(st);
	free(text);
	cJSON_Delete(j);
	return rc;
}

void
agent_command(struct agent *a, const char *line)
{
	struct tune_request reqs[PD_TUNE_ITEMS];
	struct pd_tune_result res;
	char buf[2048], err[512], *argv[AGENT_MAX_ARGS];
	const char *type = "tune";
	int argc, rc = -1;
	size_t idx;

	memset(&res, 0, sizeof(res));
	if (strncmp(line, "cgroup ", 7) == 0) {
		rc = agent_cgroup_request(a, line + 7, &res, err, sizeof(err));
		agent_result_line(a, "check", "cgroup", rc, &res, err);
		return;
	}
	argc = agent_words(line, buf, sizeof(buf), argv, AGENT_MAX_ARGS);
	if (argc == 0)
		return;
	if (argc < 0) {
		snprintf(err, sizeof(err), "request too long");
		goto out;
	}
	if (strcmp(argv[0], "check") == 0 || strcmp(argv[0], "fix") == 0)
		type = "check";
	if (strcmp(argv[0], "tune") == 0) {
		if (argc < 3 || argc - 2 > PD_TUNE_ITEMS) {
			snprintf(err, sizeof(err), "usage: tune CONTAINER KEY=VALUE...");
			goto out;
		}
		if (a->cfg.read_only) {
			snprintf(err, sizeof(err), "refused: read-only mode (--read-only or --kiosk): "
			    "tune would change container '%.64s'", argv[1]);
			goto out;
		}
		for (int i = 2; i < argc; i++)
			if (tune_parse(argv[i], &reqs[i - 2], err, sizeof(err)) != 0)
				goto out;
		if (agent_find(a, a->engines, a->req_ready, argv[1], &idx, err, sizeof(err)) != 0)
			goto out;
		rc = tune_apply(a->store, a->engines[idx], a->have_fs ? &a->fs : NULL,
		    tune_proc_root(), argv[1], reqs, (size_t)(argc - 2), &res, err, sizeof(err));
	} else if (strcmp(type, "check") == 0) {
		int fix = strcmp(argv[0], "fix") == 0;

		if (argc != 2) {
			snprintf(err, sizeof(err), "usage: %s CONTAINER", argv[0]);
			goto out;
		}
		if (fix && a->cfg.read_only) {
			snprintf(err, sizeof(err), "refused: read-only mode (--read-only or --kiosk): "
			    "fix would change container '%.64s'", argv[1]);
			goto out;
		}
		if (agent_find(a, a->engines, a->req_ready, argv[1], &idx, err, sizeof(err)) != 0)
			goto out;
		rc = tune_check(a->store, a->engines[idx], a->have_fs ? &a->fs : NULL,
		    tune_proc_root(), argv[1], fix, &res, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "unknown request '%.32s' (tune, check, fix)", argv[0]);
		type = "error";
	}
out:
	agent_result_line(a, type, line, rc, &res, err);
}

/* ------------------------------------------------------------ life */

int
agent_open(const struct backend_config *cfg, const struct agent_options *opt,
    struct agent **out, char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	char e2[256];
	int rc;

	*out = NULL;
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->cfg = *cfg;
	a->opt = *opt;
	a->opt.log_path = NULL;
	a->wake_fd = -1;
	if (opt->log_path != NULL && (rc = log_open(opt->log_path)) != 0) {
		snprintf(err, errlen, "--log %s: %s", opt->log_path, strerror(-rc));
		free(a);
		return -1;
	}
	pthread_mutex_init(&a->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (a->opt.drift_interval <= 0)
		a->opt.drift_interval = AGENT_DRIFT_DEFAULT;
	if (a->opt.stats_interval <= 0)
		a->opt.stats_interval = AGENT_STATS_DEFAULT;
	a->allow = calloc(opt->nallow + 1, sizeof(char *));
	if (a->allow == NULL)
		goto oom;
	for (size_t i = 0; i < opt->nallow; i++)
		if ((a->allow[i] = strdup(opt->allow[i])) == NULL)
			goto oom;
	a->opt.allow = (const char *const *)a->allow;
	if (opt->manifest != NULL) {
		/* No engine at all: the manifest, verified with the agent's key. */
		if (opt->manifest_key == NULL || opt->manifest_id == NULL) {
			snprintf(err, errlen, "--manifest needs --key-file (the manifest is "
			    "verified with the agent's key)");
			goto fail;
		}
		a->manifest = agent_manifest_open(opt->manifest, opt->manifest_key,
		    opt->manifest_id);
		if (a->manifest == NULL)
			goto oom;
		a->opt.manifest_key = NULL;
		a->nengines = 0;
	} else if (agent_inventory(cfg, &a->inv, &a->nengines, err, errlen) != 0)
		goto fail;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	a->engines = calloc(a->nengines + 1, sizeof(*a->engines));
	a->hk_engines = calloc(a->nengines + 1, sizeof(*a->hk_engines));
	a->hk_ready = calloc(a->nengines + 1, sizeof(int));
	a->req_ready = calloc(a->nengines + 1, sizeof(int));
	if (a->engines == NULL || a->hk_engines == NULL || a->hk_ready == NULL ||
	    a->req_ready == NULL)
		goto oom;
	for (size_t i = 0; i < a->nengines; i++) {
		a->engines[i] = engine_new(&a->inv->nodes[i]);
		a->hk_engines[i] = engine_new(&a->inv->nodes[i]);
		if (a->engines[i] == NULL || a->hk_engines[i] == NULL)
			goto oom;
		a->engines[i]->read_only = cfg->read_only;      /* a second line of defence */
		a->hk_engines[i]->read_only = 1;               /* the drift checker only reads */
		a->hk_engines[i]->connect_timeout_ms = 1000;
		a->hk_engines[i]->timeout_ms = 5000;
	}
	a->have_fs = cgroup_fs_detect(tune_cgroup_root(), &a->fs, e2, sizeof(e2)) == 0;
	if (!a->have_fs)
		log_msg(LOG_WARN, "agent: no drift checks: %s", e2);
	a->store = tune_store_new();
	a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->store == NULL || a->wake_fd < 0)
		goto oom;
	*out = a;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	agent_close(a);
	return -1;
}

/* Capture's lookup with no engine: the manifest (capture thread). */
static int
agent_manifest_lookup(void *arg, const char *id, char **json, char *node, size_t nodelen)
{
	struct agent *a = arg;

	return agent_manifest_find(a->manifest, id, json, node, nodelen);
}

int
agent_start(struct agent *a, char *err, size_t errlen)
{
	struct capture_config cc;
	cJSON *j = agent_line("agent", NULL), *arr;
	int rc;

	cJSON_AddStringToObject(j, "version", pd_version());
	cJSON_AddNumberToObject(j, "pid", (double)getpid());
	cJSON_AddBoolToObject(j, "read_only", a->cfg.read_only);
	arr = cJSON_AddArrayToObject(j, "engines");
	for (size_t i = 0; i < a->nengines; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(a->inv->nodes[i].name));
	if (a->manifest != NULL) {
		char node[PD_NAME_LEN], **jsons = NULL;
		size_t n = 0;

		/* No engine: the node and its containers are the manifest's. */
		if (agent_manifest_list(a->manifest, &jsons, &n, node, sizeof(node)) == 0) {
			agent_add_str(j, "node", node);
			for (size_t i = 0; i < n; i++)
				free(jsons[i]);
			free(jsons);
		} else
			cJSON_AddStringToObject(j, "warning", "no verified manifest yet: containers "
			    "are not named, and no drift checks until one comes");
		cJSON_AddStringToObject(j, "manifest", a->opt.manifest);
	} else if (a->nengines == 0)
		cJSON_AddStringToObject(j, "warning", "no local engine in the inventory: containers "
		    "are not named, and no drift checks");
	if (a->have_fs)
		cJSON_AddStringToObject(j, "cgroup", a->fs.version == CGROUP_V2 ? "v2" : "v1");
	else
		cJSON_AddNullToObject(j, "cgroup");
	cJSON_AddStringToObject(j, "cgroup_root", a->fs.root[0] ? a->fs.root : tune_cgroup_root());
	cJSON_AddNumberToObject(j, "drift_interval", a->opt.no_drift || !a->have_fs ? 0 :
	    a->opt.drift_interval);
	cJSON_AddBoolToObject(j, "own_containers", a->opt.own_containers);
	agent_push_json(a, j);

	if (!a->opt.no_capture) {
		memset(&cc, 0, sizeof(cc));
		cc.nodes = a->inv != NULL ? a->inv->nodes : NULL;
		cc.nnodes = a->nengines;
		if (a->manifest != NULL)
			cc.lookup = agent_manifest_lookup;
		cc.allow = a->opt.allow;
		cc.nallow = a->opt.nallow;
		cc.all_signals = a->opt.all_signals;
		cc.report = agent_on_report;
		cc.arg = a;
		if (capture_start(&cc, &a->cap) != 0) {
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -1;
		}
	}
	rc = pd_thread_start(&a->hk, agent_housekeeping, a);
	if (rc != 0) {
		snprintf(err, errlen, "%s", strerror(rc));
		return -1;
	}
	a->hk_running = 1;
	return 0;
}

void
agent_stop(struct agent *a)
{
	if (a == NULL || a->stopped)
		return;
	a->stopped = 1;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (a->hk_running) {
		pthread_join(a->hk, NULL);
		a->hk_running = 0;
	}
	if (a->cap != NULL || a->wake_fd >= 0)
		agent_stats_line(a, 1);
	capture_stop(a->cap);
	a->cap = NULL;
}

void
agent_close(struct agent *a)
{
	char *line;

	if (a == NULL)
		return;
	if (a->wake_fd >= 0)
		agent_stop(a);
	while (a->wake_fd >= 0 && (line = agent_next(a)) != NULL)
		free(line);
	for (size_t i = 0; i < a->nengines; i++) {
		if (a->engines != NULL)
			engine_free(a->engines[i]);
		if (a->hk_engines != NULL)
			engine_free(a->hk_engines[i]);
	}
	free(a->engines);
	free(a->hk_engines);
	free(a->hk_ready);
	free(a->req_ready);
	tune_store_free(a->store);
	agent_manifest_close(a->manifest);
	inventory_free(a->inv);
	for (size_t i = 0; a->allow != NULL && i < a->opt.nallow; i++)
		free(a->allow[i]);
	free(a->allow);
	free(a->drifts);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
