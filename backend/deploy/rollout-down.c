/* rollout-down.c: plantdeck down — a stack taken off its nodes, as docker
 * compose down and docker stack rm do.
 *
 * The stack's target comes from its current revision (else its newest
 * kept one; a stack the database does not know is looked for on the
 * engines).  On engines, every node of the inventory is asked for the
 * containers labelled io.plantdeck.stack=STACK: they are stopped (their
 * own stop timeout) and removed in reverse start order (dependents first,
 * by the revision's depends_on), then the networks that carry the label
 * (the ones plantdeck made: an external network never does), and with
 * --volumes the named volumes that carry it (the ones plantdeck made: an
 * external volume, or one that existed before, stays).  Under target
 * swarm: the services labelled com.docker.stack.namespace=STACK, the
 * placement labels of the swarm nodes, then the networks, secrets and
 * configs labelled io.plantdeck.stack (retried while tasks still hold
 * them), and with --volumes the volumes on each node once its tasks'
 * containers are gone.
 *
 * A down is a deploy record of kind "down" (no new revision; the kept ones
 * stay, history shows them), one row per inventory node, every removal
 * journaled before and after, and audited at its start and end.  A node
 * that cannot be reached fails with its error and the others are still
 * done; the record ends failed then (run down again).  A complete down
 * leaves the stack with no current revision.  Refused in read-only; a dry
 * run only lists, records nothing and also works read-only.  Runs in the
 * caller's thread. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/log.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/engine/swarm.h"
#include "backend/store/store.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define RD_STOP_MS 120000        /* a container's stop: its own grace period and more */
#define RD_RETRY_S 30.0          /* a swarm network or secret still held by a task */
#define RD_GONE_S 60.0           /* a node's swarm tasks' containers, before volumes */

/* One down in progress. */
struct rd_run {
	struct rollout *r;
	int dry, volumes;
	void (*cb)(void *ctx, const struct pd_down_item *it);
	void *ctx;
	size_t removed, failed;
	char first_err[PD_ERROR_LEN];
};

/* Tell the caller about one thing, and count it. */
static void
rd_tell(struct rd_run *x, const char *node, const char *kind, const char *name, int ok,
    const char *err)
{
	struct pd_down_item it = { .ok = ok };

	snprintf(it.node, sizeof(it.node), "%s", node != NULL ? node : "");
	snprintf(it.kind, sizeof(it.kind), "%s", kind);
	snprintf(it.name, sizeof(it.name), "%s", name);
	snprintf(it.error, sizeof(it.error), "%s", ok == 0 && err != NULL ? err : "");
	if (ok == 1)
		x->removed++;
	if (ok == 0) {
		if (x->failed++ == 0)
			snprintf(x->first_err, sizeof(x->first_err), "%s", it.error);
	}
	if (x->cb != NULL)
		x->cb(x->ctx, &it);
}

/* Journal the start of STEP (not in a dry run). */
static void
rd_begin(struct rd_run *x, struct ro_node *n, const char *step, const char *detail)
{
	if (!x->dry)
		ro_begin(x->r, n, step, detail);
}

/* Journal the end of STEP (not in a dry run). */
static void
rd_end(struct rd_run *x, struct ro_node *n, const char *step, int ok, const char *detail)
{
	if (!x->dry)
		ro_end(x->r, n, step, ok, detail);
}

/* A node's phase (not in a dry run). */
static void
rd_phase(struct rd_run *x, struct ro_node *n, enum pd_phase phase, const char *step,
    const char *error)
{
	if (!x->dry)
		ro_phase(n, phase, step, error);
}

/* PATH with the label filter LABEL=VALUE ("/containers/json?all=1&" ...). */
static void
rd_filter(char *out, size_t len, const char *base, const char *label, const char *value)
{
	char filt[512], enc[1024];

	snprintf(filt, sizeof(filt), "{\"label\":[\"%s=%s\"]}", label, value);
	ro_urlencode(filt, enc, sizeof(enc));
	snprintf(out, len, "%s%sfilters=%s", base, strchr(base, '?') != NULL ? "&" : "?", enc);
}

/* A string member KEY of O, or "". */
static const char *
rd_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Whether S is a plain engine object id or name (no '/', '?', '%'...). */
static int
rd_safe(const char *s)
{
	if (*s == '\0' || strlen(s) >= PD_NAME_LEN * 2)
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- engines */

/* A container of the stack on a node, with its place in the stop order. */
struct rd_ctr {
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	size_t rank;                 /* higher stops first */
};

/* Order of RD_CTR by rank, highest first. */
static int
rd_ctr_cmp(const void *a, const void *b)
{
	const struct rd_ctr *x = a, *y = b;

	return x->rank < y->rank ? 1 : x->rank > y->rank ? -1 : strcmp(x->name, y->name);
}

/* The rank of service SVC in the revision's start order: a container of a
 * service the revision does not have goes first. */
static size_t
rd_rank(const struct compose_stack *spec, const size_t *order, const char *svc)
{
	for (size_t k = 0; spec != NULL && order != NULL && k < spec->nservices; k++) {
		if (strcmp(spec->services[order[k]].name, svc) == 0)
			return k;
	}
	return spec != NULL ? spec->nservices : 0;
}

/* Remove the things of kind KIND (networks, volumes) labelled with the stack
 * on N: LIST is the list path, ARRAY the member that holds them ("" the
 * reply itself), KEY the member that names one to DELETE. */
static void
rd_node_labelled(struct rd_run *x, struct ro_node *n, const char *kind, const char *list,
    const char *array, const char *key)
{
	char path[1400], err[PD_ERROR_LEN];
	cJSON *reply = NULL;
	const cJSON *arr, *it;

	rd_filter(path, sizeof(path), list, RO_LABEL_STACK, x->r->stack);
	if (ro_call(n, "GET", path, NULL, 10000, &reply, err, sizeof(err)) != 0) {
		rd_tell(x, n->inv->name, kind, "(list)", 0, err);
		return;
	}
	arr = array[0] != '\0' ? cJSON_GetObjectItemCaseSensitive(reply, array) : reply;
	cJSON_ArrayForEach(it, arr) {
		const char *name = rd_str(it, key);
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(it, "Labels"), RO_LABEL_STACK);
		char step[PD_NAME_LEN + 32], enc[600], del[700];
		int rc;

		/* The engine filtered; check again, as for anything from a node. */
		if (!rd_safe(name) || !cJSON_IsString(lab) ||
		    strcmp(lab->valuestring, x->r->stack) != 0)
			continue;
		if (x->dry) {
			rd_tell(x, n->inv->name, kind, name, -1, NULL);
			continue;
		}
		snprintf(step, sizeof(step), "remove %s %.100s", kind, name);
		ro_urlencode(name, enc, sizeof(enc));
		snprintf(del, sizeof(del), "/%ss/%s", kind, enc);
		rd_begin(x, n, step, NULL);
		rc = ro_call(n, "DELETE", del, NULL, 30000, NULL, err, sizeof(err));
		if (rc != 0 && strstr(err, "HTTP 404") != NULL)
			rc = 0;
		rd_end(x, n, step, rc == 0, rc == 0 ? NULL : err);
		rd_tell(x, n->inv->name, kind, name, rc == 0, err);
	}
	cJSON_Delete(reply);
}

/* The stack's containers on N, in stop order, into *OUT; -1 with ERR. */
static int
rd_containers(struct rd_run *x, struct ro_node *n, const char *label, const size_t *order,
    struct rd_ctr **out, size_t *count, char *err, size_t errlen)
{
	const struct compose_stack *spec = x->r->spec;
	char path[1400];
	cJSON *arr = NULL;
	const cJSON *c;
	struct rd_ctr *v;
	size_t k = 0;

	*out = NULL;
	*count = 0;
	rd_filter(path, sizeof(path), "/containers/json?all=1", label, x->r->stack);
	if (ro_call(n, "GET", path, NULL, 10000, &arr, err, errlen) != 0)
		return -1;
	if ((v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v))) == NULL) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(c, arr) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(c, "Labels");
		const char *id = rd_str(c, "Id"), *svc = rd_str(labels, RO_LABEL_SERVICE);
		const cJSON *name = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c,
		    "Names"), 0);

		if (strcmp(rd_str(labels, label), x->r->stack) != 0 || strlen(id) != 64 ||
		    strspn(id, "0123456789abcdef") != 64)
			continue;
		snprintf(v[k].id, sizeof(v[k].id), "%s", id);
		snprintf(v[k].name, sizeof(v[k].name), "%s", cJSON_IsString(name) ?
		    name->valuestring + (name->valuestring[0] == '/') : id);
		v[k].rank = rd_rank(spec, order, svc);
		k++;
	}
	cJSON_Delete(arr);
	qsort(v, k, sizeof(*v), rd_ctr_cmp);
	*out = v;
	*count = k;
	return 0;
}

/* The stack off engine node N: containers, networks, volumes. */
static void
rd_node(struct rd_run *x, struct ro_node *n, const size_t *order)
{
	char err[PD_ERROR_LEN], step[PD_NAME_LEN + 16], path[PD_ID_LEN + 64];
	struct rd_ctr *v;
	size_t nv, failed = x->failed;

	rd_phase(x, n, PD_PHASE_SWITCHING, "down", NULL);
	if (rd_containers(x, n, RO_LABEL_STACK, order, &v, &nv, err, sizeof(err)) != 0) {
		rd_tell(x, n->inv->name, "node", n->inv->name, 0, err);
		rd_phase(x, n, PD_PHASE_FAILED, "down", err);
		return;
	}
	for (size_t i = 0; i < nv; i++) {
		int rc;

		if (x->dry) {
			rd_tell(x, n->inv->name, "container", v[i].name, -1, NULL);
			continue;
		}
		snprintf(step, sizeof(step), "stop %s", v[i].name);
		snprintf(path, sizeof(path), "/containers/%s/stop", v[i].id);
		rd_begin(x, n, step, v[i].id);
		rc = ro_call(n, "POST", path, NULL, RD_STOP_MS, NULL, err, sizeof(err));
		if (rc != 0 && strstr(err, "HTTP 304") != NULL)
			rc = 0;                  /* not running */
		rd_end(x, n, step, rc == 0, rc == 0 ? NULL : err);
		snprintf(step, sizeof(step), "remove %s", v[i].name);
		snprintf(path, sizeof(path), "/containers/%s?force=1&v=%d", v[i].id, x->volumes);
		rd_begin(x, n, step, v[i].id);
		rc = ro_call(n, "DELETE", path, NULL, 30000, NULL, err, sizeof(err));
		if (rc != 0 && strstr(err, "HTTP 404") != NULL)
			rc = 0;
		rd_end(x, n, step, rc == 0, rc == 0 ? NULL : err);
		rd_tell(x, n->inv->name, "container", v[i].name, rc == 0, err);
	}
	free(v);
	rd_node_labelled(x, n, "network", "/networks", "", "Name");
	if (x->volumes)
		rd_node_labelled(x, n, "volume", "/volumes", "Volumes", "Name");
	if (x->failed > failed)
		rd_phase(x, n, PD_PHASE_FAILED, "down", x->first_err);
	else
		rd_phase(x, n, PD_PHASE_DONE, "removed", "");
}

/* ---------------------------------------------------------------- swarm */

/* One call to the swarm's managers: 0 with the body in *JSON, or -1 with
 * ERR; *STATUS gets the HTTP status. */
static int
rd_swarm_call(struct rollouts *ro, const char *method, const char *path, cJSON **json,
    long *status, char *err, size_t errlen)
{
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	*status = 0;
	if (ro->sw == NULL) {
		snprintf(err, errlen, "no swarm manager in the inventory");
		return -1;
	}
	rc = swarm_call(ro->sw, method, path, NULL, 30000, &rep, NULL, 0);
	*status = rep.status;
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL && rep.body.len > 0 &&
	    (*json = cJSON_Parse(rep.body.data)) == NULL) {
		snprintf(err, errlen, "swarm: %s %s: the reply is not JSON", method, path);
		rc = -1;
	}
	engine_reply_free(&rep);
	return rc;
}

/* Remove the swarm objects of KIND ("service", "network", "secret",
 * "config") labelled LABEL=STACK; RETRY: while one is still in use (a
 * task that is going away), try again for RD_RETRY_S. */
static void
rd_swarm_kind(struct rd_run *x, const char *kind, const char *label, int retry)
{
	char path[1400], err[PD_ERROR_LEN], list[32];
	cJSON *arr = NULL;
	const cJSON *it;
	long status;

	snprintf(list, sizeof(list), "/%ss", kind);
	rd_filter(path, sizeof(path), list, label, x->r->stack);
	if (rd_swarm_call(x->r->ro, "GET", path, &arr, &status, err, sizeof(err)) != 0) {
		rd_tell(x, NULL, kind, "(list)", 0, err);
		return;
	}
	cJSON_ArrayForEach(it, arr) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(it, "Spec");
		const char *id = rd_str(it, "ID"), *name;
		char step[PD_NAME_LEN + 32], del[PD_NAME_LEN];
		double t0 = ro_now();
		int rc;

		if (id[0] == '\0')
			id = rd_str(it, "Id");          /* networks */
		name = rd_str(spec, "Name")[0] != '\0' ? rd_str(spec, "Name") : rd_str(it, "Name");
		if (!rd_safe(id) || !rd_safe(name) || strcmp(rd_str(cJSON_GetObjectItemCaseSensitive(
		    spec != NULL ? spec : it, "Labels"), label), x->r->stack) != 0)
			continue;
		if (x->dry) {
			rd_tell(x, NULL, kind, name, -1, NULL);
			continue;
		}
		snprintf(step, sizeof(step), "remove %s %.100s", kind, name);
		snprintf(del, sizeof(del), "/%ss/%s", kind, id);
		rd_begin(x, NULL, step, id);
		for (;;) {
			rc = rd_swarm_call(x->r->ro, "DELETE", del, NULL, &status, err, sizeof(err));
			if (rc != 0 && status == 404)
				rc = 0;
			if (rc == 0 || !retry || ro_now() - t0 > RD_RETRY_S || status == 0)
				break;
			ro_sleep_ms(1000);
		}
		rd_end(x, NULL, step, rc == 0, rc == 0 ? NULL : err);
		rd_tell(x, NULL, kind, name, rc == 0, err);
	}
	cJSON_Delete(arr);
}

/* A swarm node's placement label, as ro_swarm_unplace tells it. */
static void
rd_unplaced(void *ctx, const char *host, const char *id, int ok, const char *err)
{
	struct rd_run *x = ctx;
	char name[PD_NAME_LEN * 2];

	snprintf(name, sizeof(name), "%s%s on %s (%s)", RO_LABEL_PLACEMENT, x->r->stack, host,
	    id);
	rd_tell(x, NULL, "label", name, ok, err);
}

/* --volumes under swarm: on each node, once the stack's task containers
 * are gone, its labelled volumes. */
static void
rd_swarm_volumes(struct rd_run *x)
{
	for (size_t i = 0; i < x->r->nnodes; i++) {
		struct ro_node *n = &x->r->nodes[i];
		double t0 = ro_now();
		char err[PD_ERROR_LEN];
		struct rd_ctr *v = NULL;
		size_t nv = 0;

		while (!x->dry) {
			if (rd_containers(x, n, RO_LABEL_NAMESPACE, NULL, &v, &nv, err,
			    sizeof(err)) != 0 || nv == 0 || ro_now() - t0 > RD_GONE_S)
				break;
			free(v);
			v = NULL;
			ro_sleep_ms(1000);
		}
		free(v);
		if (!x->dry && nv > 0)
			rd_tell(x, n->inv->name, "volume", "(the stack's tasks are still there)", 0,
			    "its tasks' containers did not go within 60 s: volumes kept");
		else
			rd_node_labelled(x, n, "volume", "/volumes", "Volumes", "Name");
	}
}

/* The stack off the swarm. */
static void
rd_swarm(struct rd_run *x)
{
	char err[PD_ERROR_LEN];
	size_t failed = x->failed;

	rd_swarm_kind(x, "service", RO_LABEL_NAMESPACE, 0);
	if (ro_swarm_unplace(x->r, x->dry, rd_unplaced, x, err, sizeof(err)) != 0 &&
	    x->failed == failed)
		rd_tell(x, NULL, "label", "(placement labels)", 0, err);
	rd_swarm_kind(x, "network", RO_LABEL_STACK, 1);
	rd_swarm_kind(x, "secret", RO_LABEL_STACK, 1);
	rd_swarm_kind(x, "config", RO_LABEL_STACK, 1);
	if (x->volumes)
		rd_swarm_volumes(x);
	for (size_t i = 0; i < x->r->nnodes; i++)
		rd_phase(x, &x->r->nodes[i], x->failed > failed ? PD_PHASE_FAILED : PD_PHASE_DONE,
		    "removed", x->failed > failed ? x->first_err : "");
}

/* ---------------------------------------------------------------- the run */

/* The revision that says the stack's target and start order: the current
 * one, else the newest kept; NULL (no error) when there is none. */
static struct compose_stack *
rd_spec(struct store *st, const char *stack, int *rev)
{
	struct compose_stack *spec = NULL;
	struct pd_revision *v = NULL;
	char err[PD_ERROR_LEN], *text = NULL;
	size_t n = 0;

	*rev = 0;
	if (st == NULL)
		return NULL;
	if (store_stack_current(st, stack, rev, err, sizeof(err)) != 0)
		*rev = 0;
	if (*rev == 0 && store_revisions(st, stack, &v, &n, err, sizeof(err)) == 0 && n > 0)
		*rev = v[0].revision;
	free(v);
	if (*rev > 0 && store_revision_spec(st, stack, *rev, &text, err, sizeof(err)) == 0 &&
	    compose_from_json(text, &spec, err, sizeof(err)) != 0)
		spec = NULL;
	free(text);
	return spec;
}

/* A rollout of deploy ID over every inventory node, for STACK (SPEC taken). */
static struct rollout *
rd_new(struct rollouts *ro, int64_t id, const char *stack, int rev, struct compose_stack *spec)
{
	struct rollout *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		compose_free(spec);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	ro_pool_init(r);
	r->ro = ro;
	r->id = id;
	snprintf(r->kind, sizeof(r->kind), "down");
	snprintf(r->stack, sizeof(r->stack), "%s", stack);
	r->revision = r->from_revision = rev;
	r->spec = spec;
	r->swarm = spec != NULL && spec->target == COMPOSE_TARGET_SWARM;
	compose_policy_defaults(&r->pol);
	if ((r->nodes = calloc(ro->inv->nnodes + 1, sizeof(*r->nodes))) == NULL) {
		ro_free(r);
		return NULL;
	}
	for (size_t i = 0; i < ro->inv->nnodes; i++) {
		struct ro_node *n = &r->nodes[i];

		n->r = r;
		n->inv = &ro->inv->nodes[i];
		n->phase = PD_PHASE_PENDING;
		if ((n->eng = engine_new(n->inv)) == NULL) {
			ro_free(r);
			return NULL;
		}
		r->nnodes = i + 1;
		n->eng->read_only = ro->read_only;
	}
	ro_negotiate(r);
	return r;
}

/* Whether S is a stack name ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63). */
static int
rd_stack_name(const char *s)
{
	return s != NULL && rd_safe(s) && strlen(s) <= 63 && s[0] != '_' && s[0] != '.' &&
	    s[0] != '-';
}

int
rollout_down(struct rollouts *ro, const char *stack, int volumes, int dry_run,
    void (*cb)(void *ctx, const struct pd_down_item *it), void *ctx, int64_t *id,
    char *err, size_t errlen)
{
	struct rd_run x = { .dry = dry_run, .volumes = volumes, .cb = cb, .ctx = ctx };
	struct compose_stack *spec;
	struct pd_plan_node *targets = NULL;
	struct store *st;
	char user[64], what[PD_ERROR_LEN + 64], msg[PD_ERROR_LEN];
	size_t *order = NULL;
	int rev;

	*id = 0;
	if (!rd_stack_name(stack)) {
		snprintf(err, errlen, "bad stack name '%.64s'", stack != NULL ? stack : "");
		return -1;
	}
	if (!dry_run && ro->read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		return -1;
	}
	st = rollout_store(ro, err, errlen);
	if (st == NULL && !dry_run)
		return -1;
	spec = rd_spec(st, stack, &rev);
	if (spec != NULL && spec->target == COMPOSE_TARGET_SWARM && ro->sw == NULL) {
		compose_free(spec);
		snprintf(err, errlen, "stack %s runs on Swarm (target swarm) and the inventory "
		    "has no swarm manager", stack);
		return -1;
	}
	if (!dry_run) {
		struct store_deploy_new nd = { 0 };
		struct compose_policy pol;
		char *pj;

		compose_policy_defaults(&pol);
		pj = compose_policy_to_json(spec != NULL ? &spec->policy : &pol,
		    spec != NULL ? spec->target : COMPOSE_TARGET_ENGINES);

		targets = calloc(ro->inv->nnodes + 1, sizeof(*targets));
		if (pj == NULL || targets == NULL) {
			free(pj);
			free(targets);
			compose_free(spec);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < ro->inv->nnodes; i++)
			snprintf(targets[i].node, sizeof(targets[i].node), "%s",
			    ro->inv->nodes[i].name);
		store_actor(user, sizeof(user));
		nd.stack = stack;
		nd.kind = "down";
		nd.revision = rev;
		nd.from_revision = rev;
		nd.file = volumes ? "plantdeck down --volumes" : "plantdeck down";
		nd.failure_action = "continue";
		nd.max_failure_ratio = 1;
		nd.policy = pj;
		nd.user = user;
		nd.nodes = targets;
		nd.nnodes = ro->inv->nnodes;
		if (store_deploy_create(st, &nd, id, err, errlen) != 0) {
			free(pj);
			free(targets);
			compose_free(spec);
			return -1;
		}
		free(pj);
		free(targets);
		snprintf(what, sizeof(what), "deploy #%lld: down%s, target %s, %zu node%s",
		    (long long)*id, volumes ? " --volumes" : "", spec != NULL ?
		    compose_target_name(spec->target) : "engines", ro->inv->nnodes,
		    ro->inv->nnodes == 1 ? "" : "s");
		if (ro_audit_gate(ro, "down-start", stack, rev, what, err, errlen) != 0) {
			store_deploy_set_state(st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
			compose_free(spec);
			return -1;
		}
	}
	if ((x.r = rd_new(ro, *id, stack, rev, spec)) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (*id != 0)
			store_deploy_set_state(st, *id, PD_DEPLOY_FAILED, err, NULL, 0);
		return -1;
	}
	if (x.r->spec != NULL && !x.r->swarm &&
	    (order = calloc(x.r->spec->nservices, sizeof(*order))) != NULL &&
	    compose_start_order(x.r->spec, order, msg, sizeof(msg)) != 0) {
		free(order);
		order = NULL;
	}
	rd_begin(&x, NULL, "down", volumes ? "with volumes" : NULL);
	if (x.r->swarm) {
		rd_swarm(&x);
	} else {
		for (size_t i = 0; i < x.r->nnodes; i++) {
			int p = 0, a = 0;

			if (!dry_run)
				ro_requests(x.r, &p, &a);        /* the heartbeat */
			rd_node(&x, &x.r->nodes[i], order);
		}
	}
	free(order);
	if (x.failed > 0)
		snprintf(msg, sizeof(msg), "down: %zu removed, %zu failed: %s", x.removed,
		    x.failed, x.first_err);
	else
		snprintf(msg, sizeof(msg), "down: %zu removed", x.removed);
	rd_end(&x, NULL, "down", x.failed == 0, msg);
	if (!dry_run) {
		/* Nothing of it runs now: no revision is current (history keeps them). */
		if (x.failed == 0 && rev > 0 &&
		    store_stack_set_current(st, stack, 0, what, sizeof(what)) != 0)
			log_msg(LOG_WARN, "down %s: %s", stack, what);
		store_deploy_set_state(st, *id, x.failed == 0 ? PD_DEPLOY_COMPLETED :
		    PD_DEPLOY_FAILED, msg, NULL, 0);
		snprintf(what, sizeof(what), "deploy #%lld: %s", (long long)*id, msg);
		ro_audit(ro, "down-end", stack, rev, what);
		ro_notify(x.r);
	}
	ro_free(x.r);
	return x.failed == 0 ? 0 : 1;
}
