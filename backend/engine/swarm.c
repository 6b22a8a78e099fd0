/* swarm.c: Docker Swarm through its managers: the failover list, blocking
 * calls for worker threads, and the parsers of the managers' lists.
 *
 * The failover list has one member per inventory node.  A member is a
 * candidate when the inventory marks it (swarm: manager) or its GET /info
 * said Swarm.ControlAvailable; candidates are asked marked first, then
 * detected, each in inventory order.  "current" is the one that answered
 * last; a candidate that failed is given up for SWARM_GIVE_UP_S, so that a
 * dead manager is not asked again at once while another one may answer.
 * One mutex guards the list; it is never held across I/O.  The fleet's io
 * thread and worker threads share the list, so whichever of them finds a
 * manager dead, the others start with the next one.
 *
 * The parsers never trust a manager: ids must be letters and digits (they
 * go into URL paths), every string is cut to its field, numbers are
 * clamped, and an item that is not an object is skipped. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/engine/swarm.h"

#define SWARM_GIVE_UP_S 5.0           /* a failed manager is skipped this long */
#define SWARM_PING_TIMEOUT_MS 2000    /* swarm_call's /_ping before a call */
#define SWARM_FRESH_S 5.0             /* a manager that answered this recently is not pinged */
#define SWARM_STACK_LABEL "com.docker.stack.namespace"

/* One inventory node in the failover list. */
struct sw_member {
	const struct inv_node *node;
	int marked, detected;
	int down;                         /* given up at given_up */
	double given_up;
	time_t failed;
	char error[PD_ERROR_LEN];
	char api_version[16];             /* negotiated by swarm_call, "" before */
	double last_ok;                   /* when it last answered swarm_call; 0 never */
};

struct swarm {
	pthread_mutex_t lock;
	struct sw_member *m;
	size_t n;
	int current;
	int read_only;
	double (*now)(void);
	long ping_timeout_ms;
};

/* ------------------------------------------------------------ the failover list */

/* Seconds on the monotonic clock. */
static double
sw_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct swarm *
swarm_new(const struct inventory *inv, int read_only)
{
	struct swarm *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->m = calloc(inv->nnodes ? inv->nnodes : 1, sizeof(*s->m));
	if (s->m == NULL) {
		free(s);
		return NULL;
	}
	s->n = inv->nnodes;
	for (size_t i = 0; i < s->n; i++) {
		s->m[i].node = &inv->nodes[i];
		s->m[i].marked = inv->nodes[i].swarm_manager;
	}
	s->current = -1;
	s->read_only = read_only;
	s->now = sw_clock;
	s->ping_timeout_ms = SWARM_PING_TIMEOUT_MS;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void
swarm_free(struct swarm *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->m);
	free(s);
}

#ifdef UNITTEST
/* Test hooks: the clock and the ping timeout. */
void
swarm_test_hooks(struct swarm *s, double (*now)(void), long ping_timeout_ms)
{
	s->now = now != NULL ? now : sw_clock;
	s->ping_timeout_ms = ping_timeout_ms > 0 ? ping_timeout_ms : SWARM_PING_TIMEOUT_MS;
}
#endif

/* The candidates in asking order into OUT (room for s->n); how many.
 * Called with the lock held. */
static size_t
sw_order(const struct swarm *s, size_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].marked)
			out[k++] = i;
	for (size_t i = 0; i < s->n; i++)
		if (!s->m[i].marked && s->m[i].detected)
			out[k++] = i;
	return k;
}

/* Whether member I may be tried now.  Called with the lock held. */
static int
sw_usable(const struct swarm *s, size_t i, double now)
{
	return !s->m[i].down || now - s->m[i].given_up >= SWARM_GIVE_UP_S;
}

/* swarm_next with the lock held; ORDER has room for s->n. */
static int
sw_next_locked(const struct swarm *s, int index, size_t *order)
{
	size_t k = sw_order(s, order), pos = 0;
	double now = s->now();
	int found = 0;

	for (size_t i = 0; index >= 0 && i < k; i++)
		if (order[i] == (size_t)index) {
			pos = i;
			found = 1;
		}
	if (!found) {
		for (size_t i = 0; i < k; i++)
			if (sw_usable(s, order[i], now))
				return (int)order[i];
		return -1;
	}
	/* After INDEX, wrapping round to INDEX itself last. */
	for (size_t step = 1; step <= k; step++) {
		size_t c = order[(pos + step) % k];

		if (sw_usable(s, c, now))
			return (int)c;
	}
	return -1;
}

void
swarm_set_detected(struct swarm *s, size_t index, int manager)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->n) {
		s->m[index].detected = manager != 0;
		if (!manager && !s->m[index].marked && s->current == (int)index)
			s->current = -1;
	}
	pthread_mutex_unlock(&s->lock);
}

int
swarm_has_managers(struct swarm *s)
{
	int any = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n && !any; i++)
		any = s->m[i].marked || s->m[i].detected;
	pthread_mutex_unlock(&s->lock);
	return any;
}

size_t
swarm_candidates(struct swarm *s, size_t *out, size_t max)
{
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order)), k;

	if (order == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	k = sw_order(s, order);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < k && i < max; i++)
		out[i] = order[i];
	free(order);
	return k;
}

int
swarm_current(struct swarm *s)
{
	int c;

	pthread_mutex_lock(&s->lock);
	c = s->current;
	pthread_mutex_unlock(&s->lock);
	return c;
}

int
swarm_next(struct swarm *s, int index)
{
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order));
	int c;

	if (order == NULL)
		return -1;
	pthread_mutex_lock(&s->lock);
	c = sw_next_locked(s, index, order);
	pthread_mutex_unlock(&s->lock);
	free(order);
	return c;
}

void
swarm_mark_ok(struct swarm *s, size_t index)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->n) {
		s->m[index].down = 0;
		s->current = (int)index;
	}
	pthread_mutex_unlock(&s->lock);
}

int
swarm_mark_failed(struct swarm *s, size_t index, const char *why)
{
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order));
	int c;

	pthread_mutex_lock(&s->lock);
	if (index < s->n) {
		struct sw_member *m = &s->m[index];

		m->down = 1;
		m->given_up = s->now();
		m->failed = time(NULL);
		snprintf(m->error, sizeof(m->error), "%s", why != NULL ? why : "failed");
		m->api_version[0] = '\0';
		if (s->current == (int)index || s->current < 0)
			s->current = order != NULL ? sw_next_locked(s, (int)index, order) : -1;
	}
	c = s->current;
	pthread_mutex_unlock(&s->lock);
	free(order);
	return c;
}

size_t
swarm_managers(struct swarm *s, struct pd_swarm_manager *out)
{
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order)), k, i;

	if (order == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	k = sw_order(s, order);
	for (i = 0; i < k && i < PD_SWARM_MANAGERS; i++) {
		const struct sw_member *m = &s->m[order[i]];

		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].node, sizeof(out[i].node), "%s", m->node->name);
		out[i].marked = m->marked;
		out[i].detected = m->detected;
		out[i].current = s->current == (int)order[i];
		snprintf(out[i].error, sizeof(out[i].error), "%s", m->error);
		out[i].failed = m->failed;
	}
	pthread_mutex_unlock(&s->lock);
	free(order);
	return i;
}

int
swarm_should_failover(const struct engine_reply *r)
{
	const char *body = r->body.data != NULL ? r->body.data : "";

	if (r->status == 0 || r->status == 503)
		return 1;
	/* A manager without a leader (lost quorum, or an election under way)
	 * says so in a 500 that swarmkit's gRPC status shaped. */
	return r->status == 500 && (strstr(body, "does not have a leader") != NULL ||
	    strstr(body, "code = Unavailable") != NULL ||
	    strstr(body, "code = DeadlineExceeded") != NULL);
}

/* ------------------------------------------------------------ blocking calls */

/* A line callback that counts the lines it passes on. */
struct sw_stream {
	int (*line)(void *ctx, const char *line);
	void *ctx;
	int lines;
};

/* Pass a line to the caller's callback, counting it. */
static int
sw_on_line(void *arg, const char *line)
{
	struct sw_stream *st = arg;

	st->lines++;
	return st->line(st->ctx, line);
}

/* Append "; TEXT" to the summary SUM (LEN bytes). */
static void
sw_append(char *sum, size_t len, const char *text)
{
	size_t used = strlen(sum), n = strlen(text);

	if (used > 0 && used + 2 < len) {
		memcpy(sum + used, "; ", 2);
		used += 2;
	}
	if (used + n >= len)
		n = len - used - 1;    /* cut; the first managers tried matter most */
	memcpy(sum + used, text, n);
	sum[used + n] = '\0';
}

/* Who to ask, in order: the current manager, then the others after it that
 * are not given up, then those that are.  Returns how many, into TRY (room
 * for s->n), with their negotiated API versions and freshness. */
static size_t
sw_plan(struct swarm *s, size_t *try, char (*api)[16], int *fresh)
{
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order)), k, pos = 0, nt = 0;
	double now;

	if (order == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	now = s->now();
	k = sw_order(s, order);
	for (size_t i = 0; i < k; i++)
		if ((int)order[i] == s->current)
			pos = i;
	for (int pass = 0; pass < 2; pass++)
		for (size_t step = 0; step < k; step++) {
			size_t c = order[(pos + step) % k];
			int usable = sw_usable(s, c, now) || (int)c == s->current;

			if (usable != (pass == 0))
				continue;
			try[nt] = c;
			snprintf(api[nt], sizeof(api[nt]), "%s", s->m[c].api_version);
			fresh[nt] = s->m[c].last_ok > 0 && now - s->m[c].last_ok < SWARM_FRESH_S;
			nt++;
		}
	pthread_mutex_unlock(&s->lock);
	free(order);
	return nt;
}

/* Candidate INDEX answered swarm_call through engine E. */
static void
sw_answered(struct swarm *s, size_t index, const struct engine *e)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->m[index].api_version, sizeof(s->m[index].api_version), "%s", e->api_version);
	s->m[index].last_ok = s->now();
	s->m[index].down = 0;
	s->current = (int)index;
	pthread_mutex_unlock(&s->lock);
}

/* swarm_call and swarm_call_stream; DEFAULT_TIMEOUT: TIMEOUT_MS 0 means
 * the engine's default rather than none. */
static int
sw_call(struct swarm *s, const char *method, const char *path, const char *body,
    const char *header, long timeout_ms, int default_timeout,
    int (*line)(void *ctx, const char *line),
    void *ctx, struct engine_reply *r, char *used, size_t usedlen)
{
	size_t *try = calloc(s->n ? s->n : 1, sizeof(*try)), nt;
	char (*api)[16] = calloc(s->n ? s->n : 1, sizeof(*api));
	int *fresh = calloc(s->n ? s->n : 1, sizeof(*fresh));
	char sum[sizeof(r->error)] = "", err[sizeof(r->error)];
	int rc = -1, n;

	memset(r, 0, sizeof(*r));
	if (used != NULL && usedlen > 0)
		used[0] = '\0';
	if (try == NULL || api == NULL || fresh == NULL) {
		snprintf(r->error, sizeof(r->error), "swarm: %s %s: out of memory", method, path);
		goto out;
	}
	if (s->read_only && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		snprintf(r->error, sizeof(r->error), "swarm: %s %s: refused: read-only", method,
		    path);
		goto out;
	}
	nt = sw_plan(s, try, api, fresh);
	if (nt == 0) {
		snprintf(r->error, sizeof(r->error), "swarm: %s %s: no Swarm manager: no inventory "
		    "node is marked 'swarm: manager' or reports Swarm.ControlAvailable", method, path);
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		const struct inv_node *node = s->m[try[i]].node;
		struct sw_stream st = { .line = line, .ctx = ctx };
		struct engine *e = engine_new(node);
		long call_timeout;

		if (e == NULL) {
			engine_reply_free(r);
			snprintf(r->error, sizeof(r->error), "swarm: %s %s: out of memory", method, path);
			goto out;
		}
		e->read_only = s->read_only;
		call_timeout = timeout_ms > 0 || !default_timeout ? timeout_ms : e->timeout_ms;
		engine_reply_free(r);
		if (!fresh[i] || engine_set_version(e, api[i]) != 0) {
			/* A short ping first: a frozen manager accepts connections and
			 * then says nothing, and should cost seconds, not the call's
			 * whole timeout. */
			e->timeout_ms = s->ping_timeout_ms;
			if (engine_negotiate(e, r) != 0) {
				snprintf(err, sizeof(err), "%s", r->error);
				sw_append(sum, sizeof(sum), err);
				swarm_mark_failed(s, try[i], err);
				engine_free(e);
				continue;
			}
			engine_reply_free(r);
		}
		rc = engine_call_stream_hdr(e, method, path, body, header, call_timeout,
		    line != NULL ? sw_on_line : NULL, &st, r);
		if (rc == 0 || st.lines > 0 || !swarm_should_failover(r)) {
			/* An answer, even a refusal, is the manager working. */
			sw_answered(s, try[i], e);
			if (used != NULL && usedlen > 0)
				snprintf(used, usedlen, "%s", node->name);
			engine_free(e);
			goto out;
		}
		snprintf(err, sizeof(err), "%s", r->error);
		sw_append(sum, sizeof(sum), err);
		swarm_mark_failed(s, try[i], err);
		engine_free(e);
	}
	rc = -1;
	/* The managers' answers after the request, cut to what fits. */
	n = snprintf(r->error, sizeof(r->error), "swarm: %s %s: no manager answers: ", method, path);
	if (n >= 0 && (size_t)n < sizeof(r->error))
		snprintf(r->error + n, sizeof(r->error) - (size_t)n, "%s", sum);
out:
	free(try);
	free(api);
	free(fresh);
	return rc;
}

int
swarm_call(struct swarm *s, const char *method, const char *path, const char *body,
    long timeout_ms, struct engine_reply *reply, char *used, size_t usedlen)
{
	return sw_call(s, method, path, body, NULL, timeout_ms, 1, NULL, NULL, reply, used,
	    usedlen);
}

/* swarm_call with one more request header (X-Registry-Auth for services). */
int
swarm_call_hdr(struct swarm *s, const char *method, const char *path, const char *body,
    const char *header, long timeout_ms, struct engine_reply *reply, char *used, size_t usedlen)
{
	return sw_call(s, method, path, body, header, timeout_ms, 1, NULL, NULL, reply, used,
	    usedlen);
}

int
swarm_call_stream(struct swarm *s, const char *method, const char *path, const char *body,
    long timeout_ms, int (*line)(void *ctx, const char *line), void *ctx,
    struct engine_reply *reply, char *used, size_t usedlen)
{
	return sw_call(s, method, path, body, NULL, timeout_ms, 0, line, ctx, reply, used,
	    usedlen);
}

/* ------------------------------------------------------------ parsers */

/* Member KEY of object O, or NULL. */
static const cJSON *
sw_get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* Copy string member KEY of O into DST ("" when absent or not a string). */
static void
sw_str(char *dst, size_t len, const cJSON *o, const char *key)
{
	const cJSON *v = sw_get(o, key);

	snprintf(dst, len, "%s", cJSON_IsString(v) && v->valuestring != NULL ?
	    v->valuestring : "");
}

/* Number member KEY of O clamped to 0..MAX; 0 when absent or not a number. */
static double
sw_num(const cJSON *o, const char *key, double max)
{
	const cJSON *v = sw_get(o, key);
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	if (!isfinite(d) || d < 0)
		return 0;
	return d > max ? max : d;
}

/* Whether S is a usable object id: 1 to LEN-1 letters and digits. */
static int
sw_valid_id(const char *s, size_t len)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z')))
			return 0;
	return n > 0 && n < len;
}

/* Copy id member KEY of O into DST; "" when it is not a valid id (one
 * that is longer than DST is not cut into another id). */
static void
sw_id(char *dst, size_t len, const cJSON *o, const char *key)
{
	const cJSON *v = sw_get(o, key);

	dst[0] = '\0';
	if (cJSON_IsString(v) && v->valuestring != NULL && strlen(v->valuestring) < len &&
	    sw_valid_id(v->valuestring, len))
		snprintf(dst, len, "%s", v->valuestring);
}

/* A time member KEY of O. */
static time_t
sw_time(const cJSON *o, const char *key)
{
	char buf[64];

	sw_str(buf, sizeof(buf), o, key);
	return fleet_parse_time(buf);
}

/* The nanoseconds of time member KEY of O ("...:05.123456789Z"); 0 without. */
static long
sw_nsec(const cJSON *o, const char *key)
{
	char buf[64];
	const char *p;
	long ns = 0;
	int digits = 0;

	sw_str(buf, sizeof(buf), o, key);
	p = strchr(buf, '.');
	if (p == NULL || fleet_parse_time(buf) == 0)
		return 0;
	for (p++; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
		ns = ns * 10 + (*p - '0');
	for (; digits < 9; digits++)
		ns *= 10;
	return ns;
}

/* Parse JSON as an array, or set ERR (WHAT names the list); NULL then. */
static cJSON *
sw_array(const char *json, size_t len, const char *what, char *err, size_t errlen)
{
	cJSON *j = json != NULL ? cJSON_ParseWithLength(json, len) : NULL;

	if (cJSON_IsArray(j))
		return j;
	snprintf(err, errlen, "%s: %s", what, j == NULL ? "not JSON" : "not a JSON array");
	cJSON_Delete(j);
	return NULL;
}

/* Room for the items of array J (at least 1), capped; NULL with ERR. */
static void *
sw_alloc(const cJSON *j, size_t size, const char *what, char *err, size_t errlen)
{
	size_t n = (size_t)cJSON_GetArraySize(j);
	void *p;

	if (n > SWARM_MAX_ITEMS)
		n = SWARM_MAX_ITEMS;
	p = calloc(n ? n : 1, size);
	if (p == NULL)
		snprintf(err, errlen, "%s: out of memory", what);
	return p;
}

/* Read the swarm part of an already parsed /info. */
static void
sw_info(const cJSON *j, struct swarm_info *out)
{
	const cJSON *sw = sw_get(j, "Swarm");

	memset(out, 0, sizeof(*out));
	sw_str(out->state, sizeof(out->state), sw, "LocalNodeState");
	sw_id(out->node_id, sizeof(out->node_id), sw, "NodeID");
	sw_id(out->cluster_id, sizeof(out->cluster_id), sw_get(sw, "Cluster"), "ID");
	out->manager = cJSON_IsTrue(sw_get(sw, "ControlAvailable"));
}

int
swarm_info_from_json(const cJSON *j, struct swarm_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(j))
		return -1;
	sw_info(j, out);
	return 0;
}

int
swarm_parse_info(const char *json, size_t len, struct swarm_info *out)
{
	cJSON *j = json != NULL ? cJSON_ParseWithLength(json, len) : NULL;
	int rc = swarm_info_from_json(j, out);

	cJSON_Delete(j);
	return rc;
}

int
swarm_parse_nodes(const char *json, size_t len, struct pd_swarm_node **out, size_t *n,
    char *err, size_t errlen)
{
	cJSON *j = sw_array(json, len, "the node list", err, errlen);
	const cJSON *it, *kv;
	struct pd_swarm_node *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (j == NULL)
		return -1;
	v = sw_alloc(j, sizeof(*v), "the node list", err, errlen);
	if (v == NULL) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(it, j) {
		const cJSON *spec = sw_get(it, "Spec"), *st = sw_get(it, "Status");
		const cJSON *desc = sw_get(it, "Description"), *ms = sw_get(it, "ManagerStatus");
		struct pd_swarm_node *x = &v[k];

		if (k == SWARM_MAX_ITEMS)
			break;
		sw_id(x->id, sizeof(x->id), it, "ID");
		if (x->id[0] == '\0')
			continue;
		x->version = (uint64_t)sw_num(sw_get(it, "Version"), "Index", 9007199254740992.0);
		sw_str(x->hostname, sizeof(x->hostname), desc, "Hostname");
		sw_str(x->role, sizeof(x->role), spec, "Role");
		sw_str(x->availability, sizeof(x->availability), spec, "Availability");
		sw_str(x->state, sizeof(x->state), st, "State");
		sw_str(x->message, sizeof(x->message), st, "Message");
		sw_str(x->addr, sizeof(x->addr), st, "Addr");
		x->leader = cJSON_IsTrue(sw_get(ms, "Leader"));
		sw_str(x->reachability, sizeof(x->reachability), ms, "Reachability");
		sw_str(x->manager_addr, sizeof(x->manager_addr), ms, "Addr");
		sw_str(x->engine_version, sizeof(x->engine_version), sw_get(desc, "Engine"),
		    "EngineVersion");
		cJSON_ArrayForEach(kv, sw_get(spec, "Labels")) {
			if (x->nlabels == PD_MAX_LABELS || kv->string == NULL || !cJSON_IsString(kv))
				continue;
			snprintf(x->labels[x->nlabels].key, PD_LABEL_LEN, "%s", kv->string);
			snprintf(x->labels[x->nlabels].value, PD_LABEL_LEN, "%s", kv->valuestring);
			x->nlabels++;
		}
		k++;
	}
	cJSON_Delete(j);
	*out = v;
	*n = k;
	return 0;
}

/* Order services by name, then id. */
static int
sw_service_cmp(const void *a, const void *b)
{
	const struct pd_swarm_service *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->id, y->id);
}

int
swarm_parse_services(const char *json, size_t len, struct pd_swarm_service **out,
    size_t *n, char *err, size_t errlen)
{
	cJSON *j = sw_array(json, len, "the service list", err, errlen);
	const cJSON *it;
	struct pd_swarm_service *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (j == NULL)
		return -1;
	v = sw_alloc(j, sizeof(*v), "the service list", err, errlen);
	if (v == NULL) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(it, j) {
		const cJSON *spec = sw_get(it, "Spec"), *mode = sw_get(spec, "Mode");
		const cJSON *us = sw_get(it, "UpdateStatus"), *ss = sw_get(it, "ServiceStatus");
		struct pd_swarm_service *x = &v[k];

		if (k == SWARM_MAX_ITEMS)
			break;
		sw_id(x->id, sizeof(x->id), it, "ID");
		if (x->id[0] == '\0')
			continue;
		x->version = (uint64_t)sw_num(sw_get(it, "Version"), "Index", 9007199254740992.0);
		sw_str(x->name, sizeof(x->name), spec, "Name");
		sw_str(x->image, sizeof(x->image),
		    sw_get(sw_get(spec, "TaskTemplate"), "ContainerSpec"), "Image");
		x->force_update = (uint64_t)sw_num(sw_get(spec, "TaskTemplate"), "ForceUpdate",
		    9007199254740992.0);
		x->desired = -1;
		x->running = -1;
		if (sw_get(mode, "Replicated") != NULL) {
			snprintf(x->mode, sizeof(x->mode), "replicated");
			x->desired = (int)sw_num(sw_get(mode, "Replicated"), "Replicas", INT_MAX);
		} else if (sw_get(mode, "Global") != NULL) {
			snprintf(x->mode, sizeof(x->mode), "global");
		} else if (sw_get(mode, "ReplicatedJob") != NULL) {
			snprintf(x->mode, sizeof(x->mode), "replicated-job");
		} else if (sw_get(mode, "GlobalJob") != NULL) {
			snprintf(x->mode, sizeof(x->mode), "global-job");
		}
		if (cJSON_IsNumber(sw_get(ss, "DesiredTasks")) &&
		    cJSON_IsNumber(sw_get(ss, "RunningTasks"))) {
			x->desired = (int)sw_num(ss, "DesiredTasks", INT_MAX);
			x->running = (int)sw_num(ss, "RunningTasks", INT_MAX);
		}
		sw_str(x->stack, sizeof(x->stack), sw_get(spec, "Labels"), SWARM_STACK_LABEL);
		sw_str(x->update_state, sizeof(x->update_state), us, "State");
		sw_str(x->update_message, sizeof(x->update_message), us, "Message");
		x->update_started = sw_time(us, "StartedAt");
		x->update_completed = sw_time(us, "CompletedAt");
		x->created = sw_time(it, "CreatedAt");
		x->updated = sw_time(it, "UpdatedAt");
		k++;
	}
	cJSON_Delete(j);
	qsort(v, k, sizeof(*v), sw_service_cmp);
	*out = v;
	*n = k;
	return 0;
}

int
swarm_parse_tasks(const char *json, size_t len, struct pd_swarm_task **out, size_t *n,
    char *err, size_t errlen)
{
	cJSON *j = sw_array(json, len, "the task list", err, errlen);
	const cJSON *it;
	struct pd_swarm_task *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (j == NULL)
		return -1;
	v = sw_alloc(j, sizeof(*v), "the task list", err, errlen);
	if (v == NULL) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(it, j) {
		const cJSON *st = sw_get(it, "Status"), *cs = sw_get(st, "ContainerStatus");
		struct pd_swarm_task *x = &v[k];

		if (k == SWARM_MAX_ITEMS)
			break;
		sw_id(x->id, sizeof(x->id), it, "ID");
		if (x->id[0] == '\0')
			continue;
		sw_id(x->service_id, sizeof(x->service_id), it, "ServiceID");
		x->slot = (int)sw_num(it, "Slot", INT_MAX);
		sw_id(x->node_id, sizeof(x->node_id), it, "NodeID");
		sw_str(x->desired_state, sizeof(x->desired_state), it, "DesiredState");
		sw_str(x->state, sizeof(x->state), st, "State");
		sw_str(x->message, sizeof(x->message), st, "Message");
		sw_str(x->error, sizeof(x->error), st, "Err");
		x->since = sw_time(st, "Timestamp");
		x->created = sw_time(it, "CreatedAt");
		x->created_nsec = sw_nsec(it, "CreatedAt");
		sw_str(x->image, sizeof(x->image), sw_get(sw_get(it, "Spec"), "ContainerSpec"),
		    "Image");
		x->force_update = (uint64_t)sw_num(sw_get(it, "Spec"), "ForceUpdate",
		    9007199254740992.0);
		sw_id(x->container_id, sizeof(x->container_id), cs, "ContainerID");
		{
			const cJSON *ec = sw_get(cs, "ExitCode");

			if (cJSON_IsNumber(ec) && isfinite(ec->valuedouble) &&
			    fabs(ec->valuedouble) < 1e9)
				x->exit_code = (int)ec->valuedouble;
		}
		k++;
	}
	cJSON_Delete(j);
	*out = v;
	*n = k;
	return 0;
}

/* Order swarm nodes by id (for bsearch). */
static int
sw_node_cmp(const void *a, const void *b)
{
	const struct pd_swarm_node *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* Order tasks as `docker service ps` does: service, slot (node for global
 * services), newest created first. */
static int
sw_task_cmp(const void *a, const void *b)
{
	const struct pd_swarm_task *x = a, *y = b;
	int c = strcmp(x->service, y->service);

	if (c == 0)
		c = strcmp(x->service_id, y->service_id);
	if (c == 0)
		c = (x->slot > y->slot) - (x->slot < y->slot);
	if (c == 0 && x->slot == 0)
		c = strcmp(x->node_id, y->node_id);
	if (c == 0)
		c = (x->created < y->created) - (x->created > y->created);
	if (c == 0)
		c = (x->created_nsec < y->created_nsec) - (x->created_nsec > y->created_nsec);
	if (c == 0)
		c = (x->since < y->since) - (x->since > y->since);
	return c != 0 ? c : strcmp(x->id, y->id);
}

/* The name a swarm node is shown by: its inventory name, else its hostname. */
static const char *
sw_node_name(const struct pd_swarm_node *n)
{
	return n->inventory[0] != '\0' ? n->inventory : n->hostname;
}

/* Order swarm nodes by the name they are shown by, then id. */
static int
sw_node_name_cmp(const void *a, const void *b)
{
	const struct pd_swarm_node *x = a, *y = b;
	int c = strcmp(sw_node_name(x), sw_node_name(y));

	return c != 0 ? c : strcmp(x->id, y->id);
}

void
swarm_link(struct pd_swarm_node *nodes, size_t nnodes, struct pd_swarm_service *svcs,
    size_t nsvcs, struct pd_swarm_task *tasks, size_t ntasks)
{
	const struct pd_swarm_node **byid;

	if (nnodes > 1)
		qsort(nodes, nnodes, sizeof(*nodes), sw_node_name_cmp);
	byid = calloc(nnodes ? nnodes : 1, sizeof(*byid));
	for (size_t i = 0; byid != NULL && i < nnodes; i++)
		byid[i] = &nodes[i];
	if (byid != NULL)
		qsort(byid, nnodes, sizeof(*byid), sw_node_cmp);
	for (size_t i = 0; i < ntasks; i++) {
		struct pd_swarm_task *t = &tasks[i];
		struct pd_swarm_node key, *kp = &key;
		const struct pd_swarm_node **hit = NULL;

		t->service[0] = '\0';
		for (size_t k = 0; k < nsvcs; k++)
			if (strcmp(svcs[k].id, t->service_id) == 0) {
				snprintf(t->service, sizeof(t->service), "%s", svcs[k].name);
				break;
			}
		t->node[0] = '\0';
		if (byid != NULL && t->node_id[0] != '\0') {
			snprintf(key.id, sizeof(key.id), "%s", t->node_id);
			hit = bsearch(&kp, byid, nnodes, sizeof(*byid), sw_node_cmp);
		}
		if (hit != NULL)
			snprintf(t->node, sizeof(t->node), "%s", (*hit)->inventory[0] != '\0' ?
			    (*hit)->inventory : (*hit)->hostname);
	}
	free(byid);
	/* Counts of services that came without ServiceStatus. */
	for (size_t k = 0; k < nsvcs; k++) {
		struct pd_swarm_service *v = &svcs[k];
		int want = 0, run = 0;

		if (v->running >= 0 && v->desired >= 0)
			continue;
		for (size_t i = 0; i < ntasks; i++) {
			if (strcmp(tasks[i].service_id, v->id) != 0 ||
			    strcmp(tasks[i].desired_state, "running") != 0)
				continue;
			want++;
			run += strcmp(tasks[i].state, "running") == 0;
		}
		if (v->running < 0)
			v->running = run;
		if (v->desired < 0)
			v->desired = want;
	}
	if (ntasks > 1)
		qsort(tasks, ntasks, sizeof(*tasks), sw_task_cmp);
}
