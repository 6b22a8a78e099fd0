/* tune.c: the tuner — applies resource limits, remembers them, finds drift.
 *
 * Also the tune entry points of node.h (backend_tune, backend_tune_check):
 * they load the inventory the way backend_open does, find the node that has
 * the container, and refuse to change anything in read-only mode — here, in
 * the backend, not only in the front end that called them. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/store/audit.h"
#include "backend/store/audit-sign.h"
#include "backend/node/cgroup.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/model/model.h"
#include "backend/node/node.h"
#include "backend/store/store.h"
#include "backend/node/tune.h"

#define TUNE_NANO 1000000000ll

/* snprintf for texts that may be cut (notes, file names shown to users). */
static void
tune_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tune_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ keys */

static const struct {
	const char *name;
	enum tune_key key;
} tune_keys[] = {
	{ "memory", TUNE_MEMORY },
	{ "memory.max", TUNE_MEMORY },
	{ "memory.high", TUNE_MEMORY_HIGH },
	{ "memory.low", TUNE_MEMORY_LOW },
	{ "memory.reservation", TUNE_MEMORY_LOW },
	{ "cpus", TUNE_CPUS },
	{ "cpu.max", TUNE_CPU_MAX },
	{ "cpu.weight", TUNE_CPU_WEIGHT },
};

const char *
tune_key_name(enum tune_key key)
{
	switch (key) {
	case TUNE_MEMORY: return "memory";
	case TUNE_MEMORY_HIGH: return "memory.high";
	case TUNE_MEMORY_LOW: return "memory.low";
	case TUNE_CPUS: return "cpus";
	case TUNE_CPU_MAX: return "cpu.max";
	case TUNE_CPU_WEIGHT: return "cpu.weight";
	case TUNE_NKEYS: break;
	}
	return "?";
}

/* The user-facing name of a cgroup setting (drift checks). */
static const char *
tune_cgroup_key_name(enum cgroup_key key)
{
	return key == CGROUP_MEMORY_MAX ? "memory" : cgroup_key_name(key);
}

/* Copy untrusted S into OUT, printable ASCII only. */
static void
tune_printable(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < outlen; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[n] = '\0';
}

int
tune_parse(const char *kv, struct tune_request *out, char *err, size_t errlen)
{
	char key[32], perr[256], shown[64];
	const char *eq, *val;
	size_t klen, i;
	int found = 0;

	memset(out, 0, sizeof(*out));
	eq = kv != NULL ? strchr(kv, '=') : NULL;
	if (eq == NULL) {
		tune_printable(shown, sizeof(shown), kv ? kv : "");
		snprintf(err, errlen, "'%s': want KEY=VALUE (memory=256M, cpus=0.5 ...)", shown);
		return -1;
	}
	klen = (size_t)(eq - kv);
	tune_printable(shown, sizeof(shown), kv);
	if (klen == 0 || klen >= sizeof(key)) {
		snprintf(err, errlen, "'%s': unknown key", shown);
		return -1;
	}
	memcpy(key, kv, klen);
	key[klen] = '\0';
	for (i = 0; i < sizeof(tune_keys) / sizeof(tune_keys[0]); i++)
		if (strcmp(key, tune_keys[i].name) == 0) {
			out->key = tune_keys[i].key;
			found = 1;
			break;
		}
	if (!found) {
		tune_printable(shown, sizeof(shown), key);
		snprintf(err, errlen, "unknown key '%s' (memory, memory.high, memory.low, cpus, "
		    "cpu.max, cpu.weight)", shown);
		return -1;
	}
	val = eq + 1;
	tune_printable(out->text, sizeof(out->text), val);
	switch (out->key) {
	case TUNE_MEMORY:
	case TUNE_MEMORY_HIGH:
	case TUNE_MEMORY_LOW:
		out->set.key = out->key == TUNE_MEMORY ? CGROUP_MEMORY_MAX :
		    out->key == TUNE_MEMORY_HIGH ? CGROUP_MEMORY_HIGH : CGROUP_MEMORY_LOW;
		if (cgroup_parse_bytes(val, &out->set.bytes, perr, sizeof(perr)) != 0)
			goto bad;
		if (out->set.bytes == CGROUP_UNLIMITED && out->key != TUNE_MEMORY_HIGH) {
			snprintf(err, errlen, "%s=max: the Engine API cannot lift this limit "
			    "(docker update treats 0 as unchanged); give a large value instead", key);
			return -1;
		}
		if (out->key != TUNE_MEMORY_LOW && out->set.bytes != CGROUP_UNLIMITED &&
		    out->set.bytes < CGROUP_MEMORY_MIN) {
			snprintf(err, errlen, "%s=%s: below 6M, the engine's minimum", key, out->text);
			return -1;
		}
		return 0;
	case TUNE_CPUS:
		out->set.key = CGROUP_CPU_MAX;
		if (cgroup_parse_cpus(val, &out->nanocpus, perr, sizeof(perr)) != 0)
			goto bad;
		out->set.period = CGROUP_PERIOD_DEFAULT;
		out->set.quota = (int64_t)(out->nanocpus * CGROUP_PERIOD_DEFAULT / TUNE_NANO);
		if (out->set.quota < 1000)
			out->set.quota = 1000;
		return 0;
	case TUNE_CPU_MAX:
		out->set.key = CGROUP_CPU_MAX;
		if (cgroup_parse_cpu_max(val, &out->set.quota, &out->set.period, perr,
		    sizeof(perr)) != 0)
			goto bad;
		return 0;
	case TUNE_CPU_WEIGHT:
		out->set.key = CGROUP_CPU_WEIGHT;
		if (cgroup_parse_weight(val, &out->set.weight, perr, sizeof(perr)) != 0)
			goto bad;
		return 0;
	case TUNE_NKEYS:
		break;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
bad:
	snprintf(err, errlen, "%s: %s", key, perr);
	return -1;
}

/* ------------------------------------------------------------ the engine's view */

/* A number member of O, or 0. */
static int64_t
tune_json_int(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (int64_t)pd_json_int(v, LLONG_MIN, LLONG_MAX, 0);
}

int
tune_container_from_json(const char *json, struct tune_container *c)
{
	cJSON *j = cJSON_Parse(json);
	const cJSON *id, *name, *state, *hc;

	memset(c, 0, sizeof(*c));
	if (j == NULL)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(j, "Id");
	name = cJSON_GetObjectItemCaseSensitive(j, "Name");
	state = cJSON_GetObjectItemCaseSensitive(j, "State");
	hc = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
	if (!cJSON_IsString(id) || cgroup_container_id_from_name(id->valuestring, c->id) != 0 ||
	    strlen(id->valuestring) != 64) {
		cJSON_Delete(j);
		return -1;
	}
	if (cJSON_IsString(name))
		snprintf(c->name, sizeof(c->name), "%s",
		    name->valuestring[0] == '/' ? name->valuestring + 1 : name->valuestring);
	c->running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "Running"));
	c->pid = (int)tune_json_int(state, "Pid");
	c->memory = tune_json_int(hc, "Memory");
	c->memory_swap = tune_json_int(hc, "MemorySwap");
	c->memory_reservation = tune_json_int(hc, "MemoryReservation");
	c->nano_cpus = tune_json_int(hc, "NanoCpus");
	c->cpu_quota = tune_json_int(hc, "CpuQuota");
	c->cpu_period = tune_json_int(hc, "CpuPeriod");
	c->cpu_shares = tune_json_int(hc, "CpuShares");
	cJSON_Delete(j);
	return 0;
}

/* Whether REF can be a container name or id (and so a URL path part). */
static int
tune_ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)ref[i]) && ref[i] != '_' && ref[i] != '.' &&
		    ref[i] != '-')
			return 0;
	return 1;
}

int
tune_inspect(struct engine *e, const char *ref, struct tune_container *c, char *err,
    size_t errlen)
{
	struct engine_reply r;
	char path[192], shown[64];

	if (!tune_ref_ok(ref)) {
		tune_printable(shown, sizeof(shown), ref);
		snprintf(err, errlen, "'%s': not a container name or id", shown);
		return -1;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", ref);
	if (engine_call(e, "GET", path, NULL, &r) != 0) {
		int missing = r.status == 404;

		if (!missing)
			snprintf(err, errlen, "%s", r.error);
		engine_reply_free(&r);
		return missing ? 1 : -1;
	}
	if (tune_container_from_json(r.body.data, c) != 0) {
		snprintf(err, errlen, "%s: GET %s: not a container (bad JSON)", e->name, path);
		engine_reply_free(&r);
		return -1;
	}
	engine_reply_free(&r);
	return 0;
}

int
tune_engine_setting(const struct tune_container *c, enum cgroup_key key,
    struct cgroup_setting *out)
{
	memset(out, 0, sizeof(*out));
	out->key = key;
	switch (key) {
	case CGROUP_MEMORY_MAX:
		out->bytes = (uint64_t)c->memory;
		return c->memory > 0;
	case CGROUP_MEMORY_LOW:
		out->bytes = (uint64_t)c->memory_reservation;
		return c->memory_reservation > 0;
	case CGROUP_CPU_MAX:
		if (c->nano_cpus > 0) {
			out->period = CGROUP_PERIOD_DEFAULT;
			out->quota = c->nano_cpus * CGROUP_PERIOD_DEFAULT / TUNE_NANO;
			return 1;
		}
		if (c->cpu_quota != 0) {
			out->period = c->cpu_period > 0 ? (uint64_t)c->cpu_period : CGROUP_PERIOD_DEFAULT;
			out->quota = c->cpu_quota > 0 ? c->cpu_quota : -1;
			return c->cpu_quota > 0;
		}
		return 0;
	case CGROUP_CPU_WEIGHT:
		out->weight = cgroup_shares_to_weight((uint64_t)c->cpu_shares);
		return c->cpu_shares > 0;
	case CGROUP_MEMORY_HIGH:
	case CGROUP_NKEYS:
		break;
	}
	return 0;
}

/* Whether the engine has a field for KEY at all. */
static int
tune_engine_has_field(enum cgroup_key key)
{
	return key != CGROUP_MEMORY_HIGH;
}

/* Add the engine fields that set S on C to BODY; 0, 1 when the engine has
 * no field for it, -1 with ERR when it cannot be expressed. */
static int
tune_engine_body(cJSON *body, const struct tune_container *c, const struct cgroup_setting *s,
    char *err, size_t errlen)
{
	int64_t swap;

	switch (s->key) {
	case CGROUP_MEMORY_MAX:
		cJSON_AddNumberToObject(body, "Memory", (double)s->bytes);
		/* The engine wants MemorySwap along whenever Memory would exceed the
		 * recorded one.  Keep the swap allowance: unlimited stays
		 * unlimited, equal stays equal, a margin stays; none recorded
		 * becomes what the engine gives a new container (as much swap as
		 * memory). */
		if (c->memory_swap < 0)
			swap = -1;
		else if (c->memory_swap == 0)
			swap = 2 * (int64_t)s->bytes;
		else if (c->memory > 0 && c->memory_swap > c->memory)
			swap = (int64_t)s->bytes + (c->memory_swap - c->memory);
		else
			swap = (int64_t)s->bytes;
		cJSON_AddNumberToObject(body, "MemorySwap", (double)swap);
		return 0;
	case CGROUP_MEMORY_LOW:
		cJSON_AddNumberToObject(body, "MemoryReservation", (double)s->bytes);
		return 0;
	case CGROUP_CPU_MAX:
		if (s->quota < 0) {
			if (c->nano_cpus > 0) {
				snprintf(err, errlen, "cpu.max=max: the container's CPU limit was set as "
				    "CPUs (NanoCpus), which the Engine API cannot lift; set cpus= instead");
				return -1;
			}
			cJSON_AddNumberToObject(body, "CpuQuota", -1);
			return 0;
		}
		if (c->cpu_quota > 0 && c->nano_cpus == 0) {
			cJSON_AddNumberToObject(body, "CpuQuota", (double)s->quota);
			cJSON_AddNumberToObject(body, "CpuPeriod", (double)s->period);
			return 0;
		}
		if (s->period == CGROUP_PERIOD_DEFAULT) {
			cJSON_AddNumberToObject(body, "NanoCpus",
			    (double)(s->quota * TUNE_NANO / CGROUP_PERIOD_DEFAULT));
			return 0;
		}
		if (c->nano_cpus > 0) {
			snprintf(err, errlen, "cpu.max: the container's CPU limit was set as CPUs "
			    "(NanoCpus, period 100000 us); a period of %llu us cannot be expressed "
			    "that way: set cpus= instead", (unsigned long long)s->period);
			return -1;
		}
		cJSON_AddNumberToObject(body, "CpuQuota", (double)s->quota);
		cJSON_AddNumberToObject(body, "CpuPeriod", (double)s->period);
		return 0;
	case CGROUP_CPU_WEIGHT:
		cJSON_AddNumberToObject(body, "CpuShares", (double)cgroup_weight_to_shares(s->weight));
		return 0;
	case CGROUP_MEMORY_HIGH:
	case CGROUP_NKEYS:
		break;
	}
	return 1;
}

/* POST /containers/ID/update with BODY; warnings go to WARN.  0 or -1. */
static int
tune_engine_update(struct engine *e, const char *id, cJSON *body, char *warn, size_t warnlen,
    char *err, size_t errlen)
{
	struct engine_reply r;
	char path[128], *text;
	const cJSON *w, *item;
	cJSON *j;
	size_t n = 0;
	int rc;

	text = cJSON_PrintUnformatted(body);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "/containers/%s/update", id);
	rc = engine_call(e, "POST", path, text, &r);
	free(text);
	if (rc != 0) {
		snprintf(err, errlen, "%s", r.error);
		engine_reply_free(&r);
		return -1;
	}
	j = cJSON_Parse(r.body.data ? r.body.data : "");
	w = cJSON_GetObjectItemCaseSensitive(j, "Warnings");
	cJSON_ArrayForEach(item, w) {
		if (cJSON_IsString(item) && n + 3 < warnlen)
			n += (size_t)snprintf(warn + n, warnlen - n, "%s%s", n ? "; " : "",
			    item->valuestring);
		if (n >= warnlen)
			n = warnlen - 1;
	}
	cJSON_Delete(j);
	engine_reply_free(&r);
	return 0;
}

/* ------------------------------------------------------------ desired values */

struct tune_entry {
	char id[CGROUP_ID_LEN];
	struct cgroup_setting set[CGROUP_NKEYS];
	unsigned have;                  /* bit per cgroup_key */
};

struct tune_store {
	pthread_mutex_t lock;
	struct tune_entry *v;
	size_t n, cap;
};

struct tune_store *
tune_store_new(void)
{
	struct tune_store *st = calloc(1, sizeof(*st));

	if (st != NULL)
		pthread_mutex_init(&st->lock, NULL);
	return st;
}

void
tune_store_free(struct tune_store *st)
{
	if (st == NULL)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st->v);
	free(st);
}

/* The entry of ID, created when CREATE; the lock is held. */
static struct tune_entry *
tune_store_find(struct tune_store *st, const char *id, int create)
{
	struct tune_entry *v;

	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].id, id) == 0)
			return &st->v[i];
	if (!create)
		return NULL;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;

		v = realloc(st->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		st->v = v;
		st->cap = cap;
	}
	v = &st->v[st->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", id);
	return v;
}

void
tune_store_set(struct tune_store *st, const char *id, const struct cgroup_setting *s)
{
	struct tune_entry *v;

	if (st == NULL || s->key >= CGROUP_NKEYS)
		return;
	pthread_mutex_lock(&st->lock);
	v = tune_store_find(st, id, 1);
	if (v != NULL) {
		v->set[s->key] = *s;
		v->have |= 1u << s->key;
	}
	pthread_mutex_unlock(&st->lock);
}

int
tune_store_get(struct tune_store *st, const char *id, enum cgroup_key key,
    struct cgroup_setting *out)
{
	struct tune_entry *v;
	int found = 0;

	if (st == NULL || key >= CGROUP_NKEYS)
		return 0;
	pthread_mutex_lock(&st->lock);
	v = tune_store_find(st, id, 0);
	if (v != NULL && (v->have & (1u << key))) {
		*out = v->set[key];
		found = 1;
	}
	pthread_mutex_unlock(&st->lock);
	return found;
}

void
tune_store_forget(struct tune_store *st, const char *id)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].id, id) == 0) {
			st->v[i] = st->v[--st->n];
			break;
		}
	pthread_mutex_unlock(&st->lock);
}

/* ------------------------------------------------------------ formatting */

/* Nano-CPUs as "0.5". */
static void
tune_format_cpus(int64_t nano, char *out, size_t outlen)
{
	char frac[16];
	size_t n;

	snprintf(frac, sizeof(frac), "%09lld", (long long)(nano % TUNE_NANO));
	for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	snprintf(out, outlen, "%lld%s%s", (long long)(nano / TUNE_NANO), frac[0] ? "." : "", frac);
}

/* The engine's value of KEY for C, for display ("" when it has no field). */
static void
tune_format_engine(const struct tune_container *c, enum tune_key key, char *out, size_t len)
{
	struct cgroup_setting s;
	char v[40];

	switch (key) {
	case TUNE_MEMORY_HIGH:
		out[0] = '\0';
		return;
	case TUNE_CPUS:
		if (c->nano_cpus > 0) {
			tune_format_cpus(c->nano_cpus, out, len);
			return;
		}
		break;
	case TUNE_CPU_WEIGHT:
		if (c->cpu_shares > 0) {
			snprintf(out, len, "%u (CpuShares %lld)",
			    cgroup_shares_to_weight((uint64_t)c->cpu_shares), (long long)c->cpu_shares);
			return;
		}
		break;
	default:
		break;
	}
	if (!tune_engine_setting(c, key == TUNE_MEMORY ? CGROUP_MEMORY_MAX :
	    key == TUNE_MEMORY_LOW ? CGROUP_MEMORY_LOW :
	    key == TUNE_CPU_WEIGHT ? CGROUP_CPU_WEIGHT : CGROUP_CPU_MAX, &s)) {
		snprintf(out, len, "none");
		return;
	}
	cgroup_format_setting(&s, v, sizeof(v));
	snprintf(out, len, "%s", v);
}

/* The cgroup key a tune key sets. */
static enum cgroup_key
tune_cgroup_key(enum tune_key key)
{
	switch (key) {
	case TUNE_MEMORY: return CGROUP_MEMORY_MAX;
	case TUNE_MEMORY_HIGH: return CGROUP_MEMORY_HIGH;
	case TUNE_MEMORY_LOW: return CGROUP_MEMORY_LOW;
	case TUNE_CPUS:
	case TUNE_CPU_MAX: return CGROUP_CPU_MAX;
	case TUNE_CPU_WEIGHT: return CGROUP_CPU_WEIGHT;
	case TUNE_NKEYS: break;
	}
	return CGROUP_NKEYS;
}

/* Read cgroup KEY of a local container into ITEM (value and file); 0 and
 * OUT, or -1 with the error in ITEM's note. */
static int
tune_read_item(const struct cgroup_fs *fs, const struct cgroup_dirs *dirs, enum cgroup_key key,
    struct pd_tune_item *item, struct cgroup_setting *out)
{
	const char *file = cgroup_key_file(fs, key);
	const char *dir = key == CGROUP_CPU_MAX || key == CGROUP_CPU_WEIGHT ? dirs->cpu :
	    dirs->memory;
	char e[256];

	if (file != NULL)
		tune_fmt(item->file, sizeof(item->file), "%s/%s", dir, file);
	if (cgroup_read(fs, dirs, key, out, e, sizeof(e)) != 0) {
		tune_fmt(item->note, sizeof(item->note), "cannot read: %s", e);
		return -1;
	}
	cgroup_format_setting(out, item->cgroup, sizeof(item->cgroup));
	return 0;
}

/* Find container C's cgroup directories under FS; 1 when it is local. */
static int
tune_local_dirs(const struct cgroup_fs *fs, const char *proc_root,
    const struct tune_container *c, struct cgroup_dirs *dirs)
{
	char e[256];

	if (fs == NULL || fs->version == CGROUP_NONE || !c->running)
		return 0;
	return cgroup_find_dirs(fs, c->id, proc_root, c->pid, dirs, e, sizeof(e)) == 0;
}

/* ------------------------------------------------------------ tune */

int
tune_apply(struct tune_store *st, struct engine *e, const struct cgroup_fs *fs,
    const char *proc_root, const char *ref, const struct tune_request *reqs, size_t n,
    struct pd_tune_result *res, char *err, size_t errlen)
{
	struct tune_container c, after;
	struct cgroup_setting want[PD_TUNE_ITEMS], eng, cur;
	struct cgroup_dirs dirs;
	int by_file[PD_TUNE_ITEMS] = { 0 }, by_engine[PD_TUNE_ITEMS] = { 0 };
	int failed[PD_TUNE_ITEMS] = { 0 };
	char shown[64], e2[256];
	unsigned seen = 0;
	cJSON *body = NULL;
	int rc, local, all_ok = 1;

	memset(res, 0, sizeof(*res));
	snprintf(res->node, sizeof(res->node), "%s", e->name);
	if (n == 0 || n > PD_TUNE_ITEMS) {
		snprintf(err, errlen, "give 1 to %d KEY=VALUE settings", PD_TUNE_ITEMS);
		return -1;
	}
	rc = tune_inspect(e, ref, &c, err, errlen);
	if (rc != 0) {
		if (rc == 1) {
			tune_printable(shown, sizeof(shown), ref);
			snprintf(err, errlen, "%s: no container '%s'", e->name, shown);
		}
		return -1;
	}
	snprintf(res->id, sizeof(res->id), "%s", c.id);
	snprintf(res->name, sizeof(res->name), "%s", c.name);
	local = tune_local_dirs(fs, proc_root, &c, &dirs);
	res->local = local;
	res->cgroup_version = local ? (int)fs->version : 0;

	/* Plan everything before changing anything. */
	body = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++) {
		enum cgroup_key k = tune_cgroup_key(reqs[i].key);

		if (seen & (1u << k)) {
			snprintf(err, errlen, "%s: the same limit is given twice%s",
			    tune_key_name(reqs[i].key), k == CGROUP_CPU_MAX ?
			    " (cpus and cpu.max both set cpu.max)" : "");
			goto fail;
		}
		seen |= 1u << k;
		want[i] = reqs[i].set;
		/* cpus on a container limited by CpuQuota keeps its period. */
		if (reqs[i].key == TUNE_CPUS && c.cpu_quota > 0 && c.nano_cpus == 0 &&
		    c.cpu_period > 0) {
			want[i].period = (uint64_t)c.cpu_period;
			want[i].quota = (int64_t)(reqs[i].nanocpus * (uint64_t)c.cpu_period /
			    (uint64_t)TUNE_NANO);
		}
		if (local && cgroup_validate(fs, &want[i], err, errlen) != 0)
			goto fail;
		rc = tune_engine_body(body, &c, &want[i], err, errlen);
		if (rc < 0)
			goto fail;
		by_engine[i] = rc == 0;
		/* What the engine cannot say exactly is written to the files. */
		if (k == CGROUP_MEMORY_HIGH || (k == CGROUP_CPU_WEIGHT && local &&
		    fs->version == CGROUP_V2))
			by_file[i] = 1;
		if (by_file[i] && !local) {
			if (k == CGROUP_MEMORY_HIGH) {
				snprintf(err, errlen, "memory.high has no Engine API field: it is a "
				    "cgroup file on the container's node, and %s's cgroup is not on this "
				    "machine%s (run plantdeck there, or its agent)", c.name,
				    c.running ? "" : " (it is not running)");
				goto fail;
			}
			by_file[i] = 0;
		}
	}
	if (cJSON_GetArraySize(body) > 0 &&
	    tune_engine_update(e, c.id, body, res->warnings, sizeof(res->warnings), err,
	    errlen) != 0)
		goto fail;
	cJSON_Delete(body);
	body = NULL;
	for (size_t i = 0; i < n; i++) {
		if (by_file[i] && cgroup_write(fs, &dirs, &want[i], e2, sizeof(e2)) != 0) {
			failed[i] = 1;
			tune_fmt(res->items[i].note, sizeof(res->items[i].note), "%s", e2);
		}
		if (!failed[i])
			tune_store_set(st, c.id, &want[i]);
	}

	/* Read back what the engine and the kernel now say. */
	if (tune_inspect(e, c.id, &after, e2, sizeof(e2)) != 0)
		after = c;
	for (size_t i = 0; i < n; i++) {
		struct pd_tune_item *it = &res->items[i];
		enum cgroup_key k = tune_cgroup_key(reqs[i].key);
		int ok = !failed[i];

		snprintf(it->key, sizeof(it->key), "%s", tune_key_name(reqs[i].key));
		snprintf(it->want, sizeof(it->want), "%s", reqs[i].text);
		snprintf(it->via, sizeof(it->via), "%s", by_engine[i] && by_file[i] ?
		    "engine+cgroupfs" : by_engine[i] ? "engine" : "cgroupfs");
		tune_format_engine(&after, reqs[i].key, it->engine, sizeof(it->engine));
		if (by_engine[i] && !(tune_engine_setting(&after, k, &eng) &&
		    cgroup_setting_equal(&eng, &want[i]))) {
			ok = 0;
			if (it->note[0] == '\0')
				snprintf(it->note, sizeof(it->note), "the engine reads back %s",
				    it->engine);
		}
		if (local) {
			if (tune_read_item(fs, &dirs, k, it, &cur) != 0)
				ok = 0;
			else if (!cgroup_setting_equal(&cur, &want[i])) {
				ok = 0;
				if (it->note[0] == '\0')
					snprintf(it->note, sizeof(it->note), "the cgroup file reads %s",
					    it->cgroup);
			}
		}
		it->ok = ok;
		all_ok &= ok;
	}
	res->nitems = n;
	return all_ok ? 0 : 1;
fail:
	cJSON_Delete(body);
	return -1;
}

/* ------------------------------------------------------------ drift */

/* Whether cgroup weight ACTUAL matches the engine's CpuShares SHARES under
 * either of runc's conversions. */
static int
tune_weight_matches_shares(unsigned actual, int64_t shares)
{
	return actual == cgroup_shares_to_weight((uint64_t)shares) ||
	    actual == cgroup_shares_to_weight_log((uint64_t)shares);
}

int
tune_compare(struct tune_store *st, const struct cgroup_fs *fs, const struct cgroup_dirs *dirs,
    const struct tune_container *c, struct pd_tune_result *res)
{
	struct cgroup_setting want, eng, cur;
	int drifted = 0;

	res->nitems = 0;
	res->drifted = 0;
	for (int k = 0; k < CGROUP_NKEYS && res->nitems < PD_TUNE_ITEMS; k++) {
		struct pd_tune_item *it = &res->items[res->nitems];
		int from_store, has_eng, ok = 1;

		from_store = tune_store_get(st, c->id, (enum cgroup_key)k, &want);
		has_eng = tune_engine_setting(c, (enum cgroup_key)k, &eng);
		if (!from_store && !has_eng)
			continue;
		if (!from_store)
			want = eng;
		if (dirs == NULL && (!from_store || !tune_engine_has_field((enum cgroup_key)k)))
			continue;   /* nothing to compare it with */
		memset(it, 0, sizeof(*it));
		snprintf(it->key, sizeof(it->key), "%s", tune_cgroup_key_name((enum cgroup_key)k));
		cgroup_format_setting(&want, it->want, sizeof(it->want));
		snprintf(it->via, sizeof(it->via), "%s", from_store ? "plantdeck" : "engine");
		if (tune_engine_has_field((enum cgroup_key)k)) {
			if (has_eng)
				cgroup_format_setting(&eng, it->engine, sizeof(it->engine));
			else
				snprintf(it->engine, sizeof(it->engine), "none");
			if (from_store && !(has_eng && cgroup_setting_equal(&eng, &want))) {
				char now[sizeof(it->engine)];

				ok = 0;
				/* A copy: GCC cannot tell two members of *it apart. */
				memcpy(now, it->engine, sizeof(now));
				snprintf(it->note, sizeof(it->note), "the engine's record changed to %s",
				    now);
			}
		}
		if (dirs != NULL) {
			if (tune_read_item(fs, dirs, (enum cgroup_key)k, it, &cur) != 0) {
				/* Not compared (the note says why); not drift. */
			} else if (!cgroup_setting_equal(&cur, &want) &&
			    !(k == CGROUP_CPU_WEIGHT && !from_store && fs->version == CGROUP_V2 &&
			    tune_weight_matches_shares(cur.weight, c->cpu_shares))) {
				ok = 0;
				tune_fmt(it->note, sizeof(it->note), "%s reads %s, want %s",
				    cgroup_key_file(fs, (enum cgroup_key)k), it->cgroup, it->want);
			}
		}
		it->ok = ok;
		drifted += !ok;
		res->nitems++;
	}
	res->drifted = drifted;
	return drifted;
}

/* The desired value of ITEM's key for C: remembered, else the engine's. */
static int
tune_desired(struct tune_store *st, const struct tune_container *c, enum cgroup_key k,
    struct cgroup_setting *out)
{
	return tune_store_get(st, c->id, k, out) || tune_engine_setting(c, k, out);
}

/* The cgroup key of a drift item, by its name. */
static enum cgroup_key
tune_item_key(const struct pd_tune_item *it)
{
	for (int k = 0; k < CGROUP_NKEYS; k++)
		if (strcmp(it->key, tune_cgroup_key_name((enum cgroup_key)k)) == 0)
			return (enum cgroup_key)k;
	return CGROUP_NKEYS;
}

int
tune_fix_files(struct tune_store *st, const struct cgroup_fs *fs, const struct cgroup_dirs *dirs,
    const struct tune_container *c, struct pd_tune_result *res)
{
	struct cgroup_setting want;
	char e[256];
	int written = 0;

	for (size_t i = 0; i < res->nitems; i++) {
		struct pd_tune_item *it = &res->items[i];
		enum cgroup_key k = tune_item_key(it);

		if (it->ok || k == CGROUP_NKEYS || !tune_desired(st, c, k, &want))
			continue;
		if (cgroup_write(fs, dirs, &want, e, sizeof(e)) != 0) {
			tune_fmt(it->note, sizeof(it->note), "re-writing failed: %s", e);
			continue;
		}
		written++;
	}
	return written;
}

int
tune_check(struct tune_store *st, struct engine *e, const struct cgroup_fs *fs,
    const char *proc_root, const char *ref, int fix, struct pd_tune_result *res, char *err,
    size_t errlen)
{
	struct tune_container c;
	struct cgroup_dirs dirs;
	struct cgroup_setting want;
	char shown[64], how[CGROUP_NKEYS][48];
	unsigned before = 0;
	cJSON *body;
	int rc, local, n;

	memset(res, 0, sizeof(*res));
	memset(how, 0, sizeof(how));
	snprintf(res->node, sizeof(res->node), "%s", e->name);
	rc = tune_inspect(e, ref, &c, err, errlen);
	if (rc != 0) {
		if (rc == 1) {
			tune_printable(shown, sizeof(shown), ref);
			snprintf(err, errlen, "%s: no container '%s'", e->name, shown);
		}
		return -1;
	}
	snprintf(res->id, sizeof(res->id), "%s", c.id);
	snprintf(res->name, sizeof(res->name), "%s", c.name);
	local = tune_local_dirs(fs, proc_root, &c, &dirs);
	res->local = local;
	res->cgroup_version = local ? (int)fs->version : 0;
	n = tune_compare(st, fs, local ? &dirs : NULL, &c, res);
	if (!fix || n == 0)
		return n > 0;

	/* First through the engine, so that its view stays true. */
	body = cJSON_CreateObject();
	for (size_t i = 0; i < res->nitems; i++) {
		enum cgroup_key k = tune_item_key(&res->items[i]);

		if (res->items[i].ok || k == CGROUP_NKEYS)
			continue;
		before |= 1u << k;
		if (tune_engine_has_field(k) && tune_desired(st, &c, k, &want) &&
		    tune_engine_body(body, &c, &want, err, errlen) == 0)
			snprintf(how[k], sizeof(how[k]), "re-applied through the engine");
	}
	if (cJSON_GetArraySize(body) > 0 &&
	    tune_engine_update(e, c.id, body, res->warnings, sizeof(res->warnings), err,
	    errlen) != 0) {
		cJSON_Delete(body);
		return -1;
	}
	cJSON_Delete(body);
	if (tune_inspect(e, c.id, &c, err, errlen) != 0)
		return -1;
	n = tune_compare(st, fs, local ? &dirs : NULL, &c, res);
	/* What the engine did not put right (or has no field for) is written. */
	if (n > 0 && local) {
		for (size_t i = 0; i < res->nitems; i++)
			if (!res->items[i].ok && tune_item_key(&res->items[i]) < CGROUP_NKEYS)
				snprintf(how[tune_item_key(&res->items[i])], sizeof(how[0]),
				    "re-written in the cgroup file");
		tune_fix_files(st, fs, &dirs, &c, res);
		n = tune_compare(st, fs, &dirs, &c, res);
	}
	for (size_t i = 0; i < res->nitems; i++) {
		enum cgroup_key k = tune_item_key(&res->items[i]);

		if (k < CGROUP_NKEYS && (before & (1u << k)) && res->items[i].ok) {
			snprintf(res->items[i].note, sizeof(res->items[i].note), "fixed: %s", how[k]);
			res->fixed++;
		}
	}
	return n > 0;
}

/* ------------------------------------------------------------ roots */

const char *
tune_cgroup_root(void)
{
	const char *r = getenv("PLANTDECK_CGROUP_ROOT");

	return r != NULL && r[0] == '/' ? r : "/sys/fs/cgroup";
}

const char *
tune_proc_root(void)
{
	const char *r = getenv("PLANTDECK_PROC_ROOT");

	return r != NULL && r[0] == '/' ? r : "/proc";
}

/* ------------------------------------------------------------ node.h */

/* Load the inventory CFG names, narrowed by its selector and to NODE. */
static int
tune_inventory(const struct backend_config *cfg, const char *node, struct inventory **out,
    char *err, size_t errlen)
{
	struct inv_selector *sel = NULL;
	struct inventory *inv = NULL;
	struct audit_config ac;
	char shown[64];
	int rc;

	rc = inventory_for_config(cfg, &inv, err, errlen);
	if (rc != 0)
		return -1;
	audit_config_fill(&ac, inv->audit.require, inv->audit.signer, inv->audit.public_key,
	    inv->audit.checkpoints);
	audit_configure(&ac);
	if (node != NULL) {
		size_t k = 0;

		for (size_t i = 0; i < inv->nnodes; i++)
			if (strcmp(inv->nodes[i].name, node) == 0)
				k = i + 1;
		if (k == 0) {
			tune_printable(shown, sizeof(shown), node);
			snprintf(err, errlen, "--node '%s': no such node in %s", shown, inv->source);
			goto fail;
		}
		if (inventory_selector_parse(node, &sel, err, errlen) != 0)
			goto fail;
		inventory_filter(inv, sel);
		inventory_selector_free(sel);
	}
	if (inv->nnodes == 0) {
		snprintf(err, errlen, "no node selected in %s", inv->source);
		goto fail;
	}
	*out = inv;
	return 0;
fail:
	inventory_free(inv);
	return -1;
}

/* Find the one node of CFG (or NODE) that has CONTAINER, for a caller who
 * has role NEED under the inventory's roles (roles.h); returns a
 * negotiated engine or NULL with ERR. */
static struct engine *
tune_find_engine(const struct backend_config *cfg, const char *node, const char *container,
    enum roles_role need, char *err, size_t errlen)
{
	struct inventory *inv;
	struct engine *found = NULL, *e;
	struct engine_reply r;
	struct tune_container c;
	char names[256] = "", shown[64], e2[512];
	size_t nfound = 0, nl = 0, ndown = 0;
	int rc;

	if (tune_inventory(cfg, node, &inv, err, errlen) != 0)
		return NULL;
	tune_printable(shown, sizeof(shown), container);
	snprintf(e2, sizeof(e2), "%s container '%s'", need >= ROLES_OPERATOR ? "tune" :
	    "check", shown);
	if (roles_check(&inv->roles, need, e2, err, errlen) != 0) {
		inventory_free(inv);
		return NULL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < inv->nnodes; i++) {
		e = engine_new(&inv->nodes[i]);
		if (e == NULL)
			continue;
		e->read_only = cfg->read_only;   /* a second line of defence */
		if (engine_negotiate(e, &r) != 0) {
			snprintf(e2, sizeof(e2), "%s", r.error);
			engine_reply_free(&r);
			ndown++;
			if (inv->nnodes == 1) {
				snprintf(err, errlen, "%s", e2);
				engine_free(e);
				inventory_free(inv);
				return NULL;
			}
			engine_free(e);
			continue;
		}
		engine_reply_free(&r);
		rc = tune_inspect(e, container, &c, e2, sizeof(e2));
		if (rc < 0 && inv->nnodes == 1) {
			snprintf(err, errlen, "%s", e2);
			engine_free(e);
			inventory_free(inv);
			return NULL;
		}
		if (rc != 0) {
			engine_free(e);
			continue;
		}
		nfound++;
		if (nl < sizeof(names))
			nl += (size_t)snprintf(names + nl, sizeof(names) - nl, "%s%s", nl ? ", " : "",
			    inv->nodes[i].name);
		if (found == NULL)
			found = e;
		else
			engine_free(e);
	}
	tune_printable(shown, sizeof(shown), container);
	if (nfound == 0)
		snprintf(err, errlen, "no container '%s' on %s%zu node%s%s", shown,
		    inv->nnodes == 1 ? "the " : "", inv->nnodes, inv->nnodes == 1 ? "" : "s",
		    ndown ? " that answered" : "");
	else if (nfound > 1)
		snprintf(err, errlen, "'%s' exists on nodes %s: pick one with --node", shown, names);
	inventory_free(inv);
	if (nfound != 1) {
		engine_free(found);
		return NULL;
	}
	return found;
}

/* The local cgroup layout, or NULL when there is none here. */
static const struct cgroup_fs *
tune_local_fs(struct cgroup_fs *fs)
{
	char e[256];

	return cgroup_fs_detect(tune_cgroup_root(), fs, e, sizeof(e)) == 0 ? fs : NULL;
}

int
backend_tune_parse(const char *kv, char *err, size_t errlen)
{
	struct tune_request r;

	return tune_parse(kv, &r, err, errlen);
}

/* Record a change in the audit trail (audit.c): ACTION on RES's container,
 * each item with what became of it (ONLY_CHANGED: those --fix re-applied
 * or that still drift).  The change is made either way: when
 * the database cannot be written, a warning is logged. */
static void
tune_audit(const struct backend_config *cfg, const char *action, const char *container,
    const struct pd_tune_result *res, int only_changed)
{
	char path[4096], err[PD_ERROR_LEN], target[PD_NAME_LEN * 2 + 48];
	char detail[PD_TUNE_ITEMS * (PD_TUNE_VALUE_LEN + 220) + 64];
	size_t at = 0;
	struct store *st;

	snprintf(target, sizeof(target), "node %s container %s", res->node,
	    res->name[0] != '\0' ? res->name : container);
	detail[0] = '\0';
	for (size_t i = 0; i < res->nitems && at < sizeof(detail); i++) {
		const struct pd_tune_item *it = &res->items[i];

		if (only_changed && it->ok && strncmp(it->note, "fixed", 5) != 0)
			continue;
		at += (size_t)snprintf(detail + at, sizeof(detail) - at, "%s%s=%s (%s%s%s)",
		    at ? "; " : "", it->key, it->want, it->ok ? "ok" : "NOT OK",
		    it->note[0] ? ": " : "", it->note);
	}
	if (store_default_path(cfg->db_path, path, sizeof(path), err, sizeof(err)) != 0 ||
	    store_open(path, 0, &st, err, sizeof(err)) != 0) {
		log_msg(LOG_WARN, "audit: %s %s not recorded: %s", action, target, err);
		return;
	}
	if (audit_append(st, action, target, detail, err, sizeof(err)) != 0)
		log_msg(LOG_WARN, "audit: %s %s not recorded: %s", action, target, err);
	store_close(st);
}

/* With audit.require, record ACTION's request (the settings KV, or WHAT)
 * on container CONTAINER of E before anything is changed: 0, or -1 with
 * ERR when the entry cannot be written (the change is refused).  Without
 * it, 0 at once: the result entry (tune_audit) is the record. */
static int
tune_audit_gate(const struct backend_config *cfg, const char *action, const struct engine *e,
    const char *container, char *const *kv, size_t nkv, const char *what, char *err,
    size_t errlen)
{
	char path[4096], aerr[PD_ERROR_LEN], target[PD_NAME_LEN * 2 + 48], detail[1024];
	size_t at = 0;
	struct store *st;
	int rc;

	if (!audit_required())
		return 0;
	snprintf(target, sizeof(target), "node %s container %s", e->name, container);
	snprintf(detail, sizeof(detail), "%s", what != NULL ? what : "");
	for (size_t i = 0; i < nkv && at < sizeof(detail); i++)
		at += (size_t)snprintf(detail + at, sizeof(detail) - at, "%s%s", at ? " " : "",
		    kv[i]);
	rc = store_default_path(cfg->db_path, path, sizeof(path), aerr, sizeof(aerr));
	if (rc == 0 && (rc = store_open(path, 0, &st, aerr, sizeof(aerr))) == 0) {
		rc = audit_append(st, action, target, detail, aerr, sizeof(aerr));
		store_close(st);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s %s: not done: the audit trail cannot be written and "
		    "audit.require is set: %s", action, target, aerr);
	return rc;
}

int
backend_tune(const struct backend_config *cfg, const char *node, const char *container,
    char *const *kv, size_t nkv, struct pd_tune_result *res, char *err, size_t errlen)
{
	struct tune_request reqs[PD_TUNE_ITEMS];
	struct tune_store *st;
	struct cgroup_fs fs;
	struct engine *e;
	char shown[64];
	int rc;

	memset(res, 0, sizeof(*res));
	if (cfg->read_only) {
		tune_printable(shown, sizeof(shown), container);
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk): tune "
		    "would change container '%s'", shown);
		return -1;
	}
	if (nkv == 0 || nkv > PD_TUNE_ITEMS) {
		snprintf(err, errlen, "give 1 to %d KEY=VALUE settings", PD_TUNE_ITEMS);
		return -1;
	}
	for (size_t i = 0; i < nkv; i++)
		if (tune_parse(kv[i], &reqs[i], err, errlen) != 0)
			return -1;
	e = tune_find_engine(cfg, node, container, ROLES_OPERATOR, err, errlen);
	if (e == NULL)
		return -1;
	if (tune_audit_gate(cfg, "tune-request", e, container, kv, nkv, NULL, err, errlen) != 0) {
		engine_free(e);
		return -1;
	}
	st = tune_store_new();
	rc = tune_apply(st, e, tune_local_fs(&fs), tune_proc_root(), container, reqs, nkv, res,
	    err, errlen);
	tune_store_free(st);
	if (res->nitems > 0)
		tune_audit(cfg, "tune", container, res, 0);
	engine_free(e);
	return rc;
}

int
backend_tune_check(const struct backend_config *cfg, const char *node, const char *container,
    int fix, struct pd_tune_result *res, char *err, size_t errlen)
{
	struct tune_store *st;
	struct cgroup_fs fs;
	struct engine *e;
	char shown[64];
	int rc;

	memset(res, 0, sizeof(*res));
	if (fix && cfg->read_only) {
		tune_printable(shown, sizeof(shown), container);
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk): --fix "
		    "would change container '%s'", shown);
		return -1;
	}
	e = tune_find_engine(cfg, node, container, fix ? ROLES_OPERATOR : ROLES_VIEWER, err,
	    errlen);
	if (e == NULL)
		return -1;
	if (fix && tune_audit_gate(cfg, "tune-fix-request", e, container, NULL, 0,
	    "re-apply drifted settings", err, errlen) != 0) {
		engine_free(e);
		return -1;
	}
	/* A fresh process remembers nothing: desired values are the engine's. */
	st = tune_store_new();
	rc = tune_check(st, e, tune_local_fs(&fs), tune_proc_root(), container, fix, res, err,
	    errlen);
	tune_store_free(st);
	if (fix && (res->fixed > 0 || rc == 1))      /* something was re-applied */
		tune_audit(cfg, "tune-fix", container, res, 1);
	engine_free(e);
	return rc;
}
