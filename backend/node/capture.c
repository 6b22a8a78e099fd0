/* capture.c: loads eBPF programs and reads their ring buffers.
 *
 * The pattern is libbpf-bootstrap's: open, set const volatile rodata, load,
 * attach, ring_buffer__poll(), and one cleanup label that destroys the
 * skeleton.  libbpf's own messages go to the log file, never the screen.
 *
 * Two probe sets live here: the smoke probe (bpf/smoke.bpf.c), which proves
 * the chain, and the anomaly capture (bpf/capture.bpf.c).  The capture has
 * one thread of its own: it waits in poll() on the ring buffer's epoll fd
 * and an eventfd that capture_stop() writes, reads events, maps them to
 * containers (in the kernel already, or here through /proc on the fallback
 * programs), asks the local engines for names and allow lists (cached; an
 * agent with no engine asks its manifest instead, capture_config.lookup), and
 * applies the rules.  Before load it reads the kernel's BTF to pick the
 * programs this kernel can run: the BTF tracepoints that map a target in
 * the kernel, or the classic tracepoints that hand over a pid. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <linux/types.h>
#include <cjson/cJSON.h>

#include "backend/node/capture.h"
#include "backend/node/cgroup.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "bpf/capture.h"

#ifdef HAVE_BPF
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include "bpf/smoke.h"
#include "bpf/smoke.skel.h"
#include "bpf/capture.skel.h"
#endif

int
capture_available(char *reason, size_t reasonlen)
{
#ifndef HAVE_BPF
	snprintf(reason, reasonlen, "built with --disable-bpf");
	return 0;
#else
	struct stat st;

	if (geteuid() != 0) {
		snprintf(reason, reasonlen, "needs root (CAP_BPF and CAP_PERFMON)");
		return 0;
	}
	if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
		snprintf(reason, reasonlen, "kernel has no BTF (/sys/kernel/btf/vmlinux: %s)",
		    strerror(errno));
		return 0;
	}
	if (reasonlen > 0)
		reason[0] = '\0';
	return 1;
#endif
}

#ifdef HAVE_BPF
/* Tracepoints are found through tracefs; mount it when nobody has (as the
 * kernel documentation suggests, at /sys/kernel/tracing).  0 or -errno. */
static int
capture_ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -errno;
	log_msg(LOG_INFO, "capture: mounted tracefs on /sys/kernel/tracing");
	return 0;
}

/* libbpf print callback: everything goes to the log file. */
static int
capture_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';
	log_msg(level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG, "%s", line);
	return 0;
}

/* Ring buffer callback for the smoke probe. */
static int
capture_smoke_event(void *ctx, void *data, size_t size)
{
	struct capture_smoke_result *res = ctx;
	const struct smoke_event *e = data;

	if (size < sizeof(*e))
		return 0;
	res->events++;
	res->last_tgid = e->tgid;
	res->last_sig = e->sig;
	memcpy(res->last_comm, e->comm, sizeof(res->last_comm));
	res->last_comm[sizeof(res->last_comm) - 1] = '\0';
	return 0;
}
#endif

int
capture_smoke(unsigned n, struct capture_smoke_result *res, char *err, size_t errlen)
{
	char reason[256];

	memset(res, 0, sizeof(*res));
	if (!capture_available(reason, sizeof(reason))) {
		snprintf(err, errlen, "unavailable: %s", reason);
		return -ENOTSUP;
	}
#ifdef HAVE_BPF
	struct smoke_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int rc = 0, tries;

	libbpf_set_print(capture_libbpf_print);
	rc = capture_ensure_tracefs();
	if (rc != 0) {
		snprintf(err, errlen, "unavailable: cannot mount tracefs on /sys/kernel/tracing: %s",
		    strerror(-rc));
		goto cleanup;
	}
	skel = smoke_bpf__open();
	if (skel == NULL) {
		rc = -errno;
		snprintf(err, errlen, "smoke: open: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->filter_tgid = (__u32)getpid();
	skel->rodata->filter_sig = 0;
	rc = smoke_bpf__load(skel);
	if (rc != 0) {
		snprintf(err, errlen, "smoke: load: %s", strerror(-rc));
		goto cleanup;
	}
	rc = smoke_bpf__attach(skel);
	if (rc != 0) {
		snprintf(err, errlen, "smoke: attach to syscalls:sys_enter_kill: %s",
		    strerror(-rc));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), capture_smoke_event, res, NULL);
	if (rb == NULL) {
		rc = -errno;
		snprintf(err, errlen, "smoke: ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	for (unsigned i = 0; i < n; i++)
		kill(getpid(), 0);
	for (tries = 0; tries < 20 && res->events < n; tries++) {
		rc = ring_buffer__poll(rb, 50);
		if (rc < 0 && rc != -EINTR) {
			snprintf(err, errlen, "smoke: ring buffer poll: %s", strerror(-rc));
			goto cleanup;
		}
	}
	rc = 0;
	res->hits = skel->bss->hits;
	res->dropped = skel->bss->dropped;
cleanup:
	ring_buffer__free(rb);
	smoke_bpf__destroy(skel);
	return rc;
#else
	return -ENOTSUP;
#endif
}

/* ================================================================ anomaly capture */

#define CAPTURE_CACHE 256             /* containers remembered */
#define CAPTURE_ALLOW 8               /* allow-list entries per container */
#define CAPTURE_KNOWN_TTL 300         /* seconds a known container is trusted */
#define CAPTURE_UNKNOWN_TTL 10        /* seconds before asking again about an unknown one */
#define CAPTURE_ENGINE_RETRY 30       /* seconds before retrying an engine that failed */

/* What the engines told us about one container. */
struct capture_cinfo {
	char id[65];
	char name[128];
	char node[128];
	char allow[CAPTURE_ALLOW][128];   /* entrypoint, healthcheck, label entries */
	size_t nallow;
	int known;
	double fetched;                   /* monotonic seconds */
	uint64_t used;                    /* for eviction */
};

/* A local engine. */
struct capture_engine {
	struct engine *e;
	int negotiated;
	double failed_at;                 /* monotonic seconds of the last failure */
};

struct capture {
	struct capture_config cfg;
	char **allow;                     /* copies of cfg.allow */
	struct capture_engine *engines;
	size_t nengines, last_engine;
	struct capture_cinfo cache[CAPTURE_CACHE];
	uint64_t tick;
	char proc_root[CGROUP_PATH_LEN];
	pthread_t thread;
	int running;                      /* the thread was started */
	volatile int stop;
	int wake_fd;
	pthread_mutex_t lock;             /* guards stats */
	struct capture_stats stats;
	uint64_t dropped_reported;
#ifdef HAVE_BPF
	struct capture_bpf *skel;
	struct ring_buffer *rb;
#endif
};

const char *
capture_signal_name(int sig, char *buf, size_t buflen)
{
	static const char *const names[] = {
		NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])))
		return names[sig];
	snprintf(buf, buflen, "SIG%d", sig);
	return buf;
}

int
capture_engine_comm(const char *comm)
{
	static const char *const exact[] = {
		"dockerd", "containerd", "runc", "docker-init", "docker-proxy", NULL,
	};

	for (int i = 0; exact[i] != NULL; i++)
		if (strcmp(comm, exact[i]) == 0)
			return 1;
	/* containerd-shim, containerd-shim-runc-v2 (cut to 15), runc:[2:INIT] */
	return strncmp(comm, "containerd-shim", 15) == 0 || strncmp(comm, "runc:[", 6) == 0;
}

int
capture_allowed(const char *filename, const char *const *allow, size_t n)
{
	const char *base = strrchr(filename, '/');

	base = base != NULL ? base + 1 : filename;
	for (size_t i = 0; i < n; i++) {
		if (allow[i] == NULL || allow[i][0] == '\0')
			continue;
		if (strchr(allow[i], '/') != NULL ? strcmp(filename, allow[i]) == 0 :
		    strcmp(base, allow[i]) == 0)
			return 1;
	}
	return 0;
}

#ifdef HAVE_BPF
/* The rules and the engine lookups run on the capture thread only. */

/* Seconds on the monotonic clock. */
static double
capture_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* snprintf for texts that may be cut (one line for humans). */
static void
capture_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
capture_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Signals whose default action ends the process (bit sig - 1). */
static uint64_t
capture_terminating_mask(void)
{
	static const int keep[] = { 17, 18, 19, 20, 21, 22, 23, 28 }; /* CHLD CONT STOP TSTP TTIN TTOU URG WINCH */
	uint64_t m = ~0ull;

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		m &= ~(1ull << (keep[i] - 1));
	return m;
}

/* Add STR to INFO's allow list (ignoring empties and overflow). */
static void
capture_add_allow(struct capture_cinfo *info, const char *str)
{
	if (str == NULL || str[0] == '\0' || info->nallow >= CAPTURE_ALLOW)
		return;
	for (size_t i = 0; i < info->nallow; i++)
		if (strcmp(info->allow[i], str) == 0)
			return;
	snprintf(info->allow[info->nallow++], sizeof(info->allow[0]), "%s", str);
}

/* Fill INFO from an inspect body; 0 or -1. */
static int
capture_parse_inspect(const char *json, struct capture_cinfo *info)
{
	cJSON *j = cJSON_Parse(json);
	const cJSON *name, *path, *config, *hc, *test, *labels, *allow, *t0, *t1;
	char buf[512], *tok, *save = NULL;

	if (j == NULL)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(j, "Name");
	path = cJSON_GetObjectItemCaseSensitive(j, "Path");
	config = cJSON_GetObjectItemCaseSensitive(j, "Config");
	hc = cJSON_GetObjectItemCaseSensitive(config, "Healthcheck");
	test = cJSON_GetObjectItemCaseSensitive(hc, "Test");
	labels = cJSON_GetObjectItemCaseSensitive(config, "Labels");
	allow = cJSON_GetObjectItemCaseSensitive(labels, "org.plantdeck.exec-allow");
	if (cJSON_IsString(name))
		snprintf(info->name, sizeof(info->name), "%s",
		    name->valuestring[0] == '/' ? name->valuestring + 1 : name->valuestring);
	info->nallow = 0;
	if (cJSON_IsString(path))
		capture_add_allow(info, path->valuestring);
	/* Healthcheck: ["CMD", prog, args...] or ["CMD-SHELL", "cmd"] (sh -c). */
	t0 = cJSON_GetArrayItem(test, 0);
	t1 = cJSON_GetArrayItem(test, 1);
	if (cJSON_IsString(t0) && strcmp(t0->valuestring, "CMD") == 0 && cJSON_IsString(t1))
		capture_add_allow(info, t1->valuestring);
	else if (cJSON_IsString(t0) && strcmp(t0->valuestring, "CMD-SHELL") == 0)
		capture_add_allow(info, "/bin/sh");
	if (cJSON_IsString(allow)) {
		snprintf(buf, sizeof(buf), "%s", allow->valuestring);
		for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save))
			capture_add_allow(info, tok);
	}
	cJSON_Delete(j);
	return 0;
}

/* Ask engine CE about container ID; 0 found, 1 not there, -1 failed. */
static int
capture_ask(struct capture_engine *ce, const char *id, struct capture_cinfo *info)
{
	struct engine_reply r;
	char path[128];
	double now = capture_mono();
	int rc;

	if (!ce->negotiated) {
		if (ce->failed_at > 0 && now - ce->failed_at < CAPTURE_ENGINE_RETRY)
			return -1;
		if (engine_negotiate(ce->e, &r) != 0) {
			log_msg(LOG_WARN, "capture: %s", r.error);
			engine_reply_free(&r);
			ce->failed_at = now;
			return -1;
		}
		engine_reply_free(&r);
		ce->negotiated = 1;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	rc = engine_call(ce->e, "GET", path, NULL, &r);
	if (rc != 0) {
		rc = r.status == 404 ? 1 : -1;
		if (rc < 0) {
			log_msg(LOG_WARN, "capture: %s", r.error);
			ce->failed_at = now;
			ce->negotiated = 0;
		}
		engine_reply_free(&r);
		return rc;
	}
	rc = capture_parse_inspect(r.body.data, info);
	engine_reply_free(&r);
	if (rc == 0)
		snprintf(info->node, sizeof(info->node), "%s", ce->e->name);
	return rc;
}

/* What the engines know about container ID (cached); never NULL. */
static const struct capture_cinfo *
capture_lookup(struct capture *c, const char *id)
{
	struct capture_cinfo *slot = NULL, *oldest = &c->cache[0];
	double now = capture_mono();
	int failed = 0;

	for (size_t i = 0; i < CAPTURE_CACHE; i++) {
		struct capture_cinfo *ci = &c->cache[i];

		if (strcmp(ci->id, id) == 0) {
			ci->used = ++c->tick;
			if (c->cfg.lookup == NULL &&
			    now - ci->fetched < (ci->known ? CAPTURE_KNOWN_TTL : CAPTURE_UNKNOWN_TTL))
				return ci;
			slot = ci;
			break;
		}
		if (ci->used < oldest->used)
			oldest = ci;
	}
	if (slot == NULL)
		slot = oldest;
	memset(slot, 0, sizeof(*slot));
	snprintf(slot->id, sizeof(slot->id), "%s", id);
	slot->used = ++c->tick;
	slot->fetched = now;
	/* No engine: what the lookup (the agent's manifest) says, every time. */
	if (c->cfg.lookup != NULL) {
		char *json = NULL;

		pthread_mutex_lock(&c->lock);
		c->stats.lookups++;
		pthread_mutex_unlock(&c->lock);
		if (c->cfg.lookup(c->cfg.arg, id, &json, slot->node, sizeof(slot->node)) == 0 &&
		    capture_parse_inspect(json, slot) == 0)
			slot->known = 1;
		else
			slot->node[0] = '\0';
		free(json);
	}
	/* The engine that knew the last container first, then the others. */
	for (size_t k = 0; k < c->nengines; k++) {
		size_t i = (c->last_engine + k) % c->nengines;
		int rc;

		pthread_mutex_lock(&c->lock);
		c->stats.lookups++;
		pthread_mutex_unlock(&c->lock);
		rc = capture_ask(&c->engines[i], id, slot);
		if (rc == 0) {
			slot->known = 1;
			c->last_engine = i;
			break;
		}
		failed |= rc < 0;
	}
	if (!slot->known) {
		slot->name[0] = '\0';
		slot->nallow = 0;
		pthread_mutex_lock(&c->lock);
		c->stats.lookup_failures++;
		pthread_mutex_unlock(&c->lock);
		if (failed)
			slot->fetched = now - CAPTURE_UNKNOWN_TTL + 2;   /* retry soon */
	}
	return slot;
}

/* Fill W from a pid, comm and cgroup name (the container id from it). */
static void
capture_who(struct capture *c, struct capture_who *w, uint32_t pid, uint32_t tgid,
    const char *comm, const char *cgroup)
{
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->tgid = tgid;
	snprintf(w->comm, sizeof(w->comm), "%.15s", comm);
	if (cgroup != NULL && cgroup_container_id_from_name(cgroup, w->container_id) == 0)
		snprintf(w->container_name, sizeof(w->container_name), "%s",
		    capture_lookup(c, w->container_id)->name);
}

/* "container NAME (ID12)" or "the host". */
static void
capture_where(const struct capture_who *w, char *out, size_t len)
{
	if (w->container_id[0] == '\0')
		snprintf(out, len, "on the host");
	else
		snprintf(out, len, "in container %s (%.12s)",
		    w->container_name[0] ? w->container_name : "?", w->container_id);
}

/* Hand R to the callback and count it. */
static void
capture_emit(struct capture *c, struct capture_report *r)
{
	pthread_mutex_lock(&c->lock);
	if (r->type == CAPTURE_R_ANOMALY)
		c->stats.anomalies++;
	else if (r->type == CAPTURE_R_OOM)
		c->stats.ooms++;
	pthread_mutex_unlock(&c->lock);
	if (c->cfg.report != NULL)
		c->cfg.report(r, c->cfg.arg);
}

/* Count an event that no rule fired on. */
static void
capture_ignore(struct capture *c)
{
	pthread_mutex_lock(&c->lock);
	c->stats.ignored++;
	pthread_mutex_unlock(&c->lock);
}

/* Map a target the kernel could not (fallback programs) through /proc. */
static void
capture_map_target(struct capture *c, const struct capture_event *e, struct capture_who *t)
{
	char id[CGROUP_ID_LEN], comm[64], path[CGROUP_PATH_LEN];
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->pid = e->target_pid;
	t->tgid = e->target_pid;
	capture_fmt(path, sizeof(path), "%s/%u/comm", c->proc_root, e->target_pid);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL) {
			comm[strcspn(comm, "\n")] = '\0';
			snprintf(t->comm, sizeof(t->comm), "%.15s", comm);
		}
		fclose(f);
	}
	if (cgroup_container_of_pid(c->proc_root, (int)e->target_pid, id, NULL, 0) == 0) {
		snprintf(t->container_id, sizeof(t->container_id), "%s", id);
		snprintf(t->container_name, sizeof(t->container_name), "%s",
		    capture_lookup(c, id)->name);
	}
}

/* Start a report of TYPE for event E. */
static void
capture_report_init(struct capture_report *r, enum capture_report_type type,
    const struct capture_event *e)
{
	struct timespec now_mono, now_real;
	int64_t d, ev;

	memset(r, 0, sizeof(*r));
	r->type = type;
	clock_gettime(CLOCK_MONOTONIC, &now_mono);
	clock_gettime(CLOCK_REALTIME, &now_real);
	d = (int64_t)now_mono.tv_sec * 1000000000 + now_mono.tv_nsec - (int64_t)e->ts_ns;
	if (d < 0)
		d = 0;
	r->delay_ms = (double)d / 1e6;
	ev = (int64_t)now_real.tv_sec * 1000000000 + now_real.tv_nsec - d;
	r->when.tv_sec = (time_t)(ev / 1000000000);
	r->when.tv_nsec = (long)(ev % 1000000000);
	r->actor_ppid = e->ppid;
	r->actor_uid = e->uid;
	r->mapped_in_kernel = (e->flags & CAPTURE_F_TARGET_MAPPED) != 0;
}

/* Set R's container to W's. */
static void
capture_report_container(struct capture *c, struct capture_report *r, const struct capture_who *w)
{
	const struct capture_cinfo *ci = capture_lookup(c, w->container_id);

	snprintf(r->container_id, sizeof(r->container_id), "%s", w->container_id);
	snprintf(r->container_name, sizeof(r->container_name), "%s", ci->name);
	snprintf(r->node, sizeof(r->node), "%s", ci->node);
}

/* The signal rule. */
static void
capture_on_signal(struct capture *c, const struct capture_event *e)
{
	struct capture_report r;
	char where_t[200], where_a[200], sb[16];

	capture_report_init(&r, CAPTURE_R_ANOMALY, e);
	capture_who(c, &r.actor, e->pid, e->tgid, e->comm, e->cgroup);
	if (e->flags & CAPTURE_F_TARGET_MAPPED)
		capture_who(c, &r.target, e->target_pid, e->target_tgid, e->target_comm,
		    e->target_cgroup);
	else if (e->flags & CAPTURE_F_ACTOR_NS)
		r.target = r.actor;      /* a pid of the sender's own namespace */
	else
		capture_map_target(c, e, &r.target);
	/* Not a container's process; its own container; its engine. */
	if (r.target.container_id[0] == '\0' ||
	    strcmp(r.target.container_id, r.actor.container_id) == 0 ||
	    (r.actor.container_id[0] == '\0' && capture_engine_comm(r.actor.comm))) {
		capture_ignore(c);
		return;
	}
	r.rule = "signal";
	r.severity = r.actor.container_id[0] ? CAPTURE_SEV_CRITICAL : CAPTURE_SEV_WARNING;
	r.sig = e->sig;
	r.si_code = e->code;
	r.result = e->result;
	r.group = (int)e->group;
	capture_report_container(c, &r, &r.target);
	capture_where(&r.target, where_t, sizeof(where_t));
	capture_where(&r.actor, where_a, sizeof(where_a));
	capture_fmt(r.text, sizeof(r.text), "%s to %s (pid %u) %s from %s (pid %u) %s",
	    capture_signal_name(e->sig, sb, sizeof(sb)), r.target.comm, r.target.pid, where_t,
	    r.actor.comm, r.actor.tgid, where_a);
	capture_emit(c, &r);
}

/* The exec rule. */
static void
capture_on_exec(struct capture *c, const struct capture_event *e)
{
	const char *list[CAPTURE_ALLOW + 1];
	const struct capture_cinfo *ci;
	struct capture_report r;
	char where_t[200], allowed[400];
	size_t n = 0, len = 0;

	capture_report_init(&r, CAPTURE_R_ANOMALY, e);
	capture_who(c, &r.actor, e->pid, e->tgid, e->comm, e->cgroup);
	capture_who(c, &r.target, e->target_pid, e->target_tgid, e->target_comm,
	    e->target_cgroup);
	if (r.actor.container_id[0] == '\0' ||
	    strcmp(r.actor.container_id, r.target.container_id) == 0) {
		capture_ignore(c);
		return;
	}
	/* runc re-executing itself to become the container's init. */
	if (strncmp(r.actor.comm, "runc", 4) == 0 && r.target.container_id[0] == '\0' &&
	    capture_engine_comm(r.target.comm)) {
		capture_ignore(c);
		return;
	}
	ci = capture_lookup(c, r.actor.container_id);
	for (size_t i = 0; i < ci->nallow; i++)
		list[n++] = ci->allow[i];
	list[n++] = "docker-init";
	if (capture_allowed(e->filename, list, n) ||
	    capture_allowed(e->filename, (const char *const *)c->allow, c->cfg.nallow)) {
		capture_ignore(c);
		return;
	}
	r.rule = "exec";
	r.severity = r.target.container_id[0] ? CAPTURE_SEV_CRITICAL : CAPTURE_SEV_WARNING;
	snprintf(r.filename, sizeof(r.filename), "%s", e->filename);
	capture_report_container(c, &r, &r.actor);
	capture_where(&r.actor, where_t, sizeof(where_t));
	allowed[0] = '\0';
	for (size_t i = 0; i < n && len + 2 < sizeof(allowed); i++) {
		len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%s", i ? ", " : "",
		    list[i]);
		if (len >= sizeof(allowed))
			len = sizeof(allowed) - 1;
	}
	capture_fmt(r.text, sizeof(r.text), "exec of %s %s by %s (pid %u)%s, not on the allow "
	    "list (%s)%s", e->filename, where_t, r.target.comm, r.target.tgid,
	    r.target.container_id[0] ? " from another container" : " from the host", allowed,
	    ci->known ? "" : "; no local engine knows this container");
	capture_emit(c, &r);
}

/* The ptrace rule. */
static void
capture_on_ptrace(struct capture *c, const struct capture_event *e)
{
	struct capture_report r;
	char where_t[200], where_a[200];

	capture_report_init(&r, CAPTURE_R_ANOMALY, e);
	capture_who(c, &r.actor, e->pid, e->tgid, e->comm, e->cgroup);
	if (e->flags & CAPTURE_F_TARGET_MAPPED)
		capture_who(c, &r.target, e->target_pid, e->target_tgid, e->target_comm,
		    e->target_cgroup);
	else if (e->flags & CAPTURE_F_ACTOR_NS)
		r.target = r.actor;
	else
		capture_map_target(c, e, &r.target);
	if (r.target.container_id[0] == '\0' ||
	    strcmp(r.target.container_id, r.actor.container_id) == 0) {
		capture_ignore(c);
		return;
	}
	r.rule = "ptrace";
	r.severity = CAPTURE_SEV_CRITICAL;
	r.request = e->code;
	capture_report_container(c, &r, &r.target);
	capture_where(&r.target, where_t, sizeof(where_t));
	capture_where(&r.actor, where_a, sizeof(where_a));
	capture_fmt(r.text, sizeof(r.text), "%s on %s (pid %u) %s by %s (pid %u) %s",
	    e->code == 0x4206 ? "PTRACE_SEIZE" : "PTRACE_ATTACH", r.target.comm, r.target.pid,
	    where_t, r.actor.comm, r.actor.tgid, where_a);
	capture_emit(c, &r);
}

/* OOM kills. */
static void
capture_on_oom(struct capture *c, const struct capture_event *e)
{
	struct capture_report r;
	char where_t[200];

	capture_report_init(&r, CAPTURE_R_OOM, e);
	capture_who(c, &r.actor, e->pid, e->tgid, e->comm, e->cgroup);
	if (e->flags & CAPTURE_F_TARGET_MAPPED)
		capture_who(c, &r.target, e->target_pid, e->target_tgid, e->target_comm,
		    e->target_cgroup);
	else
		capture_map_target(c, e, &r.target);
	if (r.target.container_id[0] == '\0') {
		capture_ignore(c);
		return;
	}
	r.rule = "oom";
	r.severity = CAPTURE_SEV_WARNING;
	r.sig = 9;
	capture_report_container(c, &r, &r.target);
	capture_where(&r.target, where_t, sizeof(where_t));
	capture_fmt(r.text, sizeof(r.text), "the OOM killer killed %s (pid %u) %s", r.target.comm,
	    r.target.pid, where_t);
	capture_emit(c, &r);
}

/* Apply the rules to one event. */
static void
capture_handle(struct capture *c, const struct capture_event *e)
{
	pthread_mutex_lock(&c->lock);
	c->stats.events++;
	pthread_mutex_unlock(&c->lock);
	switch (e->kind) {
	case CAPTURE_EV_SIGNAL: capture_on_signal(c, e); break;
	case CAPTURE_EV_EXEC: capture_on_exec(c, e); break;
	case CAPTURE_EV_PTRACE: capture_on_ptrace(c, e); break;
	case CAPTURE_EV_OOM: capture_on_oom(c, e); break;
	default: capture_ignore(c); break;
	}
}

#endif

/* Report capture's state once. */
static void
capture_status(struct capture *c, int available, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
capture_status(struct capture *c, int available, const char *fmt, ...)
{
	struct capture_report r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	r.type = CAPTURE_R_STATUS;
	r.available = available;
	clock_gettime(CLOCK_REALTIME, &r.when);
	va_start(ap, fmt);
	vsnprintf(r.status, sizeof(r.status), fmt, ap);
	va_end(ap);
	/* The report is the user's message; the log keeps a copy. */
	log_msg(LOG_INFO, "capture: %s", r.status);
	if (c->cfg.report != NULL)
		c->cfg.report(&r, c->cfg.arg);
}

void
capture_get_stats(struct capture *c, struct capture_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->stats;
	pthread_mutex_unlock(&c->lock);
#ifdef HAVE_BPF
	if (c->skel != NULL)
		st->dropped = __atomic_load_n(&c->skel->bss->dropped, __ATOMIC_RELAXED);
#endif
}

#ifdef HAVE_BPF
/* Ring buffer callback: one event. */
static int
capture_on_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;

	if (size >= sizeof(struct capture_event))
		capture_handle(c, data);
	return 0;
}

/* Report events the kernel could not queue, never silently. */
static void
capture_check_overrun(struct capture *c)
{
	struct capture_report r;
	uint64_t d = __atomic_load_n(&c->skel->bss->dropped, __ATOMIC_RELAXED);

	if (d == c->dropped_reported)
		return;
	memset(&r, 0, sizeof(r));
	r.type = CAPTURE_R_OVERRUN;
	clock_gettime(CLOCK_REALTIME, &r.when);
	r.dropped = d - c->dropped_reported;
	r.dropped_total = d;
	capture_fmt(r.text, sizeof(r.text), "the ring buffer was full: %llu events lost "
	    "(%llu in all)", (unsigned long long)r.dropped, (unsigned long long)d);
	c->dropped_reported = d;
	log_msg(LOG_WARN, "capture: %s", r.text);
	if (c->cfg.report != NULL)
		c->cfg.report(&r, c->cfg.arg);
}

/* The capture thread. */
static void *
capture_thread(void *arg)
{
	struct capture *c = arg;
	struct pollfd pf[2];
	uint64_t v;

	pf[0].fd = ring_buffer__epoll_fd(c->rb);
	pf[0].events = POLLIN;
	pf[1].fd = c->wake_fd;
	pf[1].events = POLLIN;
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (poll(pf, 2, 1000) < 0 && errno != EINTR) {
			log_msg(LOG_ERROR, "capture: poll: %s", strerror(errno));
			break;
		}
		if (pf[1].revents & POLLIN) {
			if (read(c->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_msg(LOG_WARN, "capture: wake fd: %s", strerror(errno));
		}
		if (ring_buffer__consume(c->rb) < 0 && errno != EINTR)
			log_msg(LOG_WARN, "capture: ring buffer: %s", strerror(errno));
		capture_check_overrun(c);
	}
	return NULL;
}

/* Which programs this kernel can run. */
struct capture_plan {
	int signal_btf;      /* tp_btf/signal_generate */
	int oom_btf;         /* tp_btf/mark_victim with the victim task */
	int task_kfunc;      /* bpf_task_from_pid() for ptrace targets */
};

/* Read the kernel's BTF to fill PLAN; PLANTDECK_CAPTURE_FALLBACK=1 forces
 * the fallback programs (for tests and for odd kernels). */
static void
capture_probe(struct capture_plan *plan)
{
	const struct btf_type *t;
	const char *force = getenv("PLANTDECK_CAPTURE_FALLBACK");
	struct btf *btf;
	int id;

	memset(plan, 0, sizeof(*plan));
	if (force != NULL && strcmp(force, "1") == 0)
		return;
	btf = btf__load_vmlinux_btf();
	if (btf == NULL)
		return;
	plan->signal_btf = btf__find_by_name_kind(btf, "btf_trace_signal_generate",
	    BTF_KIND_TYPEDEF) > 0;
	plan->task_kfunc = btf__find_by_name_kind(btf, "bpf_task_from_pid", BTF_KIND_FUNC) > 0;
	/* btf_trace_mark_victim: void (*)(void *, struct task_struct *, ...) on
	 * newer kernels, void (*)(void *, int pid) on older ones. */
	id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	if (t != NULL)
		t = btf__type_by_id(btf, t->type);                  /* the pointer */
	if (t != NULL && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);                  /* the prototype */
	if (t != NULL && btf_is_func_proto(t) && btf_vlen(t) >= 2) {
		const struct btf_type *p = btf__type_by_id(btf, btf_params(t)[1].type);

		while (p != NULL && (btf_is_mod(p) || btf_is_typedef(p)))
			p = btf__type_by_id(btf, p->type);
		plan->oom_btf = p != NULL && btf_is_ptr(p);
	}
	btf__free(btf);
}

/* Open, configure, load and attach the capture programs per PLAN. */
static struct capture_bpf *
capture_load(struct capture *c, const struct capture_plan *plan, const struct cgroup_fs *fs,
    char *err, size_t errlen)
{
	struct capture_bpf *skel = capture_bpf__open();
	int rc;

	if (skel == NULL) {
		snprintf(err, errlen, "cannot open the probes: %s", strerror(errno));
		return NULL;
	}
	skel->rodata->kinds = (1u << CAPTURE_EV_SIGNAL) | (1u << CAPTURE_EV_OOM) |
	    (1u << CAPTURE_EV_EXEC) | (1u << CAPTURE_EV_PTRACE);
	skel->rodata->sig_mask = c->cfg.all_signals ? ~0ull : capture_terminating_mask();
	skel->rodata->user_signals_only = 1;
	skel->rodata->containers_only = 1;
	skel->rodata->skip_same_cgroup = 1;
	skel->rodata->exec_entering_only = 1;
	skel->rodata->cgroup_source = fs->version == CGROUP_V2 ? CAPTURE_CG_DFL :
	    fs->v1_memory ? CAPTURE_CG_MEMORY : CAPTURE_CG_CPU;
	skel->rodata->self_tgid = (__u32)getpid();
	bpf_program__set_autoload(skel->progs.pd_signal, plan->signal_btf);
	bpf_program__set_autoload(skel->progs.pd_kill, !plan->signal_btf);
	bpf_program__set_autoload(skel->progs.pd_tkill, !plan->signal_btf);
	bpf_program__set_autoload(skel->progs.pd_tgkill, !plan->signal_btf);
	bpf_program__set_autoload(skel->progs.pd_oom, plan->oom_btf);
	bpf_program__set_autoload(skel->progs.pd_oom_tp, !plan->oom_btf);
	bpf_program__set_autoload(skel->progs.pd_ptrace, plan->task_kfunc);
	bpf_program__set_autoload(skel->progs.pd_ptrace_nokf, !plan->task_kfunc);
	rc = capture_bpf__load(skel);
	if (rc != 0) {
		snprintf(err, errlen, "cannot load the probes: %s (details in the log)",
		    strerror(-rc));
		capture_bpf__destroy(skel);
		return NULL;
	}
	rc = capture_bpf__attach(skel);
	if (rc != 0) {
		snprintf(err, errlen, "cannot attach the probes: %s (details in the log)",
		    strerror(-rc));
		capture_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}
#endif

/* Free C's memory (the thread is not running). */
static void
capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nengines; i++)
		engine_free(c->engines[i].e);
	free(c->engines);
	for (size_t i = 0; c->allow != NULL && i < c->cfg.nallow; i++)
		free(c->allow[i]);
	free(c->allow);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int
capture_start(const struct capture_config *cfg, struct capture **out)
{
	struct capture *c = calloc(1, sizeof(*c));
	char reason[256];

	*out = NULL;
	if (c == NULL)
		return -1;
	c->cfg = *cfg;
	c->wake_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	snprintf(c->proc_root, sizeof(c->proc_root), "%s",
	    getenv("PLANTDECK_PROC_ROOT") && getenv("PLANTDECK_PROC_ROOT")[0] == '/' ?
	    getenv("PLANTDECK_PROC_ROOT") : "/proc");
	c->allow = calloc(cfg->nallow + 1, sizeof(char *));
	c->engines = calloc(cfg->nnodes + 1, sizeof(*c->engines));
	if (c->allow == NULL || c->engines == NULL)
		goto oom;
	for (size_t i = 0; i < cfg->nallow; i++)
		if ((c->allow[i] = strdup(cfg->allow[i])) == NULL)
			goto oom;
	c->cfg.allow = NULL;
	for (size_t i = 0; i < cfg->nnodes; i++) {
		struct engine *e = engine_new(&cfg->nodes[i]);

		if (e == NULL)
			goto oom;
		e->read_only = 1;                /* capture only asks */
		e->connect_timeout_ms = 500;
		e->timeout_ms = 1500;
		c->engines[c->nengines++].e = e;
	}
	c->cfg.nodes = NULL;
	*out = c;
	if (!capture_available(reason, sizeof(reason))) {
		capture_status(c, 0, "unavailable: %s", reason);
		return 0;
	}
#ifdef HAVE_BPF
	{
		struct capture_plan plan;
		struct cgroup_fs fs;
		char err[320];
		int rc;

		libbpf_set_print(capture_libbpf_print);
		rc = capture_ensure_tracefs();
		if (rc != 0) {
			capture_status(c, 0, "unavailable: cannot mount tracefs on "
			    "/sys/kernel/tracing: %s", strerror(-rc));
			return 0;
		}
		if (cgroup_fs_detect("/sys/fs/cgroup", &fs, err, sizeof(err)) != 0) {
			capture_status(c, 0, "unavailable: %s", err);
			return 0;
		}
		capture_probe(&plan);
		c->skel = capture_load(c, &plan, &fs, err, sizeof(err));
		if (c->skel == NULL && (plan.signal_btf || plan.oom_btf || plan.task_kfunc)) {
			log_msg(LOG_WARN, "capture: %s; trying the fallback programs", err);
			memset(&plan, 0, sizeof(plan));
			c->skel = capture_load(c, &plan, &fs, err, sizeof(err));
		}
		if (c->skel == NULL) {
			capture_status(c, 0, "unavailable: %s", err);
			return 0;
		}
		c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), capture_on_event, c, NULL);
		c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->rb == NULL || c->wake_fd < 0) {
			capture_status(c, 0, "unavailable: ring buffer: %s", strerror(errno));
			ring_buffer__free(c->rb);
			c->rb = NULL;
			capture_bpf__destroy(c->skel);
			c->skel = NULL;
			return 0;
		}
		rc = pd_thread_start(&c->thread, capture_thread, c);
		if (rc != 0) {
			capture_status(c, 0, "unavailable: cannot start the capture thread: %s",
			    strerror(rc));
			ring_buffer__free(c->rb);
			c->rb = NULL;
			capture_bpf__destroy(c->skel);
			c->skel = NULL;
			return 0;
		}
		c->running = 1;
		capture_status(c, 1, "running: signals via %s, OOM kills via %s, execs via "
		    "sched/sched_process_exec, ptrace via syscalls/sys_enter_ptrace (%s); "
		    "cgroup %s; %zu local engine%s%s",
		    plan.signal_btf ? "tp_btf/signal_generate (target mapped in the kernel)" :
		    "syscalls/sys_enter_kill,tkill,tgkill (target mapped through /proc)",
		    plan.oom_btf ? "tp_btf/mark_victim (victim mapped in the kernel)" :
		    "oom/mark_victim (victim mapped through /proc)",
		    plan.task_kfunc ? "target mapped in the kernel" : "target mapped through /proc",
		    fs.version == CGROUP_V2 ? "v2" : fs.v1_memory ? "v1 (memory hierarchy)" :
		    "v1 (cpu hierarchy)", c->nengines, c->nengines == 1 ? "" : "s",
		    c->cfg.lookup != NULL ? ", containers from the manifest" : "");
	}
#endif
	return 0;
oom:
	capture_free(c);
	return -1;
}

void
capture_stop(struct capture *c)
{
	uint64_t one = 1;

	if (c == NULL)
		return;
	if (c->running) {
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
		if (write(c->wake_fd, &one, sizeof(one)) < 0)
			log_msg(LOG_WARN, "capture: wake: %s", strerror(errno));
		pthread_join(c->thread, NULL);
		c->running = 0;
	}
#ifdef HAVE_BPF
	ring_buffer__free(c->rb);
	c->rb = NULL;
	capture_bpf__destroy(c->skel);
	c->skel = NULL;
#endif
	capture_free(c);
}
