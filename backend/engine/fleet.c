/* fleet.c: the live fleet model and the io thread that keeps it.
 *
 * Per node, a small state machine:
 *
 *   (connect) GET /_ping ──ok──> GET /info, GET /containers/json?all=1,
 *        ^        │               GET /events (a stream that stays open)
 *        │      fail                   │
 *        └─ backoff with jitter <──────┘ ping fails / stream ends
 *
 * (For a reader of one snapshot, `status`, the stream waits for the
 * node's first snapshot: fl_events_due.)
 *
 * While a node is up it is pinged every ping_interval (a hung engine keeps
 * its TCP socket open, so only an answer proves it alive), its container
 * list is reconciled every reconcile_interval as a safety net, containers
 * are inspected when an event or the list says they changed, and running
 * containers are sampled with one-shot stats, at most stats_budget calls in
 * flight for the whole fleet, as often as what the front end shows of them
 * asks (sampling.c).  What changes nothing a reader sees (a ping's answer
 * from a node that is up, a list or /info that says what the model says, a
 * sample of a container nothing shows) wakes no reader.  Everything runs
 * in one thread on one curl multi handle, driven by curl_multi_socket_action
 * over epoll, so that a turn costs the sockets that have something rather
 * than every transfer in flight; the model is guarded by one mutex that is
 * never held across I/O. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>                  /* malloc_trim */
#endif
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "backend/engine/cindex.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "backend/engine/sampling.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/engine/swarm.h"
#include "backend/node/agent-trust.h"

#ifdef UNITTEST
#define FLEET_STATIC
#else
#define FLEET_STATIC static
#endif

#define FLEET_INSPECTS_PER_NODE 2
#define FLEET_INSPECTS_FIRST 4   /* in flight per node until its first snapshot is done */
#define FLEET_RING_FIRST 4       /* events a node's ring holds at first; it doubles up to
                                    the configured history as events come */
#define FLEET_STREAM_BUFFER 4096 /* curl's receive buffer of a long-lived stream (events,
                                    agent logs), bytes; curl's default is 16 KiB a handle */
#define FLEET_SMALL_BUFFER 4096  /* the same for a ping, /info, an inspect, stats, an
                                    action: their replies are a few KiB */
#define FLEET_STATS_SCAN 64      /* containers a node's stats turn looks at, at most */
#define FLEET_SHARE_NODES 16     /* nodes that share a connection cache: its walk on each
                                    answer stays short, and a cache (curl gives each an
                                    easy handle of its own) is not paid for every node */

/* What one reply may weigh, by kind (engine.c stops a transfer over its
 * cap, and says so).  A container list is read as it streams in
 * (struct fl_list): the whole of it is bounded, and each entry. */
#define FLEET_MAX_LIST (64u << 20)
#define FLEET_MAX_LIST_ENTRY (256u << 10)
#define FLEET_MAX_INSPECT (1u << 20)
#define FLEET_MAX_STATS (256u << 10)
#define FLEET_MAX_EVENT_LINE (64u << 10)
#define FLEET_MAX_SMALL (1u << 20)      /* /_ping, /info, an action's answer */
#define FLEET_MAX_LOGS (4u << 20)       /* the watched container's log tail */

enum fl_kind { FL_PING, FL_INFO, FL_LIST, FL_INSPECT, FL_STATS, FL_EVENTS,
	FL_DETAILS, FL_LOGS, FL_AGENT,
	FL_ACTION,                       /* an engineer's container action */
	/* To the swarm manager in use: */
	FL_SW_NODES, FL_SW_SERVICES, FL_SW_TASKS, FL_SW_EVENTS };

/* The label that marks a node's plantdeck agent container (doc/agent.md). */
#define FLEET_AGENT_LABEL "io.plantdeck.agent"

#define FLEET_DETAILS_EVERY 3.0  /* s between refreshes of the watched container */
#define FLEET_INFO_EVERY 30.0    /* s between GET /info of a node (swarm membership) */
#define FLEET_EVENTS_WAIT 5.0    /* s at most that a node's event stream waits for its
                                    first snapshot (fl_events_due) */
#define FLEET_SWARM_TIMEOUT 5.0  /* s for one list from a swarm manager */
#define FLEET_SWARM_DEBOUNCE 0.2 /* s from a swarm event to the lists it makes stale */
#define FLEET_TRIM_EVERY 10.0    /* s between two malloc_trim(0)s once settled (fl_thread) */
#define FLEET_TURN_GAP 0.05      /* s between two turns of the io loop once settled */
#define FLEET_PING_EVERY 2.0     /* s, the default ping interval ... */
#define FLEET_PINGS_PER_SEC 250.0 /* ... up to the fleet size that makes this many */
#define FLEET_SAMPLES_WAKE 1.0   /* s: shown samples wake readers at most this often */

struct fl_node;
struct fl_list;
FLEET_STATIC struct fl_list *fleet_list_new(size_t max);
static void fl_list_for(struct fl_list *l, struct fl_node *n);
FLEET_STATIC int fleet_list_feed(struct fl_list *l, const char *data, size_t len);
FLEET_STATIC int fleet_list_end(struct fl_list *l);
FLEET_STATIC void fleet_list_free(struct fl_list *l);

/* One request in flight. */
struct fl_req {
	struct fl_node *node;
	enum fl_kind kind;
	char id[PD_ID_LEN];
	char method[8];
	char path[256];
	double started;
	CURL *h;
	struct engine_reply reply;
	struct fl_list *list;            /* FL_LIST: the entries as they stream in */
	/* A swarm list or /info, parsed before the model lock is taken. */
	void *sw_v;                      /* pd_swarm_node, _service or _task array */
	size_t sw_n;
	int sw_rc;                       /* of swarm_parse_*(); -1 with sw_err */
	char sw_err[PD_ERROR_LEN];
	struct swarm_info si;            /* FL_INFO */
	int si_rc;
	/* FL_ACTION: what, on which container, asked for by whom. */
	enum pd_container_action action;
	char name[PD_NAME_LEN];
	char actor[128];
	struct fl_req *next, *prev;      /* the in-flight list, newest first */
};

/* A container action waiting for the io thread (fleet_container_action). */
struct fl_action {
	char node[PD_NAME_LEN];
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	char actor[128];
	enum pd_container_action action;
	struct fl_action *next;
};

struct fl_container {
	struct pd_container pub;
	double prev_cpu, prev_system;    /* last stats sample, for CPU % */
	int have_prev;
	int samples;                     /* stats samples applied, up to 2 */
	double last_stats;               /* monotonic time of the last stats call; 0 never */
	int want_inspect, inspecting;
	double stop_timeout;             /* s, Config.StopTimeout; < 0 the engine's default */
	int seen;                        /* mark for reconcile */
	/* A hash of the raw list entry last taken (fl_take_listed), 0 none:
	 * the same bytes in the next list are not parsed again. */
	uint64_t list_hash;
};

struct fl_node {
	struct fleet *fleet;
	struct engine *engine;
	/* The cache of idle connections of the node's group (FLEET_SHARE_NODES
	 * nodes; the first one's owns it): curl 7.88 walks the whole cache a
	 * handle used each time one is removed from the multi (to close
	 * CONNECT_ONLY connections), which at one cache for the fleet cost
	 * every answer the fleet's size. */
	CURLSH *share;
	/* The easy handle of the node's last small GET (a ping, /info, an
	 * inspect, a sample: fl_small), kept for the next one: a ping every
	 * ping_interval is three quarters of an idle fleet's requests, and
	 * the ten inspects of a node's first snapshot each made, set up and
	 * freed a handle (~8 % of `status`'s time at 270 nodes).  SMALL_PING:
	 * its URL is the ping's, which a ping need not set again. */
	CURL *small_h;
	int small_ping;
	struct pd_node pub;
	struct fl_container *c;
	size_t nc, capc;
	struct cindex ix;                /* c by id */
	int want_any;                    /* some container may want an inspect */
	size_t inspect_cursor, stats_cursor;  /* where the next turn looks first */
	int connected;                   /* negotiated and answering */
	int ever_answered;
	int first_done;                  /* first list and inspects finished, or failed */
	int listed, info_done;
	double next_ping, next_reconcile, next_connect, last_ok;
	int ping_now;                    /* ping at next_ping whatever answered since */
	int backoff_step;
	int ping_inflight, info_inflight, list_inflight, inspect_inflight, stats_inflight;
	enum sampling_tier show;         /* what the front end shows of it (fleet_show) */
	struct fl_req *events;           /* the open /events stream, or NULL */
	struct engine_buf evline;        /* partial event line */
	struct pd_event *ring;           /* event history, grown on demand (fl_event_slot) */
	size_t ring_head, ring_len, ring_cap;
	/* The agent container's logs stream (its id is pub.agent). */
	struct fl_req *agent;            /* the open stream, or NULL */
	struct fleet_demux agdemux;
	struct engine_buf agline;        /* partial agent line */
	long long ag_sec;                /* timestamp of the last line taken, */
	long ag_nsec;                    /* to resume after it (0: none yet) */
	double agent_next;               /* no new stream before this */
	int agent_step;                  /* backoff step */
	struct agent_trust_record trust; /* the record of pub.agent (its key) */
	unsigned long long ag_seq;       /* counter of the last verified line */
	double next_info;                /* GET /info again (swarm membership) */
	double events_after;             /* the stream waits for the first snapshot until then */
	/* No turn looks at the node before TICK_AT (fl_node_tick), nor at its
	 * stats before STATS_AT (fl_stats_tick), unless something of it
	 * changed (fl_poke) or another thread kicked the loop: a settled
	 * fleet's turn costs the nodes that have something to do, not N. */
	double tick_at, stats_at;
};

/* The container the UI looks at, refreshed while it is watched. */
struct fl_watch {
	int active;
	char node[PD_NAME_LEN];
	char id[PD_ID_LEN];
	double next;
	int inflight;
	struct pd_details pub;
};

/* The swarm as the manager in use lists it (see fl_swarm_tick). */
struct fl_swarm {
	struct swarm *sw;                /* the failover list, shared with worker threads */
	int cur;                         /* the node whose lists are asked for, -1 none */
	double next_poll, events_next;
	int inflight;                    /* list requests in flight */
	struct fl_req *events;           /* the manager's /events stream, or NULL */
	int relink;                      /* lists or /info changed: link them again */
	struct pd_swarm_node *nodes;
	size_t nnodes;
	struct pd_swarm_service *services;
	size_t nservices;
	struct pd_swarm_task *tasks;
	size_t ntasks;
	double read_at[3];               /* monotonic time each list was last read; 0 never */
	time_t read_wall[3];             /* the same, wall clock */
	int answered;                    /* lists the manager in use gave: bits 1 2 4 */
	int complete;
	int stale;
	char manager[PD_NAME_LEN];
	char error[PD_ERROR_LEN];
};

struct fleet {
	struct fleet_config cfg;
	struct fl_swarm sw;
	struct fl_watch watch;
	char site[PD_NAME_LEN];
	struct fl_node *nodes;
	size_t nnodes;
	pthread_mutex_t lock;            /* guards the model: nodes' pub, c, ring */
	pthread_t thread;
	int running;
	volatile int stop;
	int wakefd;                      /* readers' wakeup (eventfd) */
	CURLM *multi;
	/* The io loop waits on curl's sockets in epoll and hands curl only the
	 * sockets that have something (curl_multi_socket_action): a turn costs
	 * what happened, not every transfer in flight (an /events stream per
	 * node).  kickfd wakes it from other threads. */
	int epfd;
	int kickfd;                      /* the io thread's wakeup (eventfd) */
	double curl_due;                 /* when curl wants CURL_SOCKET_TIMEOUT; < 0 never */
	struct fl_req *inflight;
	struct fl_action *actions;       /* container actions to send, oldest first */
	unsigned stats_inflight;
	size_t stats_cursor;
	int tick_all;                    /* kicked: poke every node (fl_poke) */
	size_t test_reused;              /* fleet_test_apply_list's last list: entries reused */
	int show_declared;               /* a front end said what it shows (fleet_show) */
	uint64_t generation;
	uint64_t event_seq;
	time_t started;                  /* wall clock at start: agent lines since then */
	char agent_image[PD_IMAGE_LEN];  /* agent: image: (pinned by digest), or "" */
	char agent_dir[4096];            /* where agent --start records its containers */
	int dirty;
	unsigned rand_state;
	size_t first_left;               /* nodes whose first snapshot is not done yet */
	struct pd_snapshot *shared;      /* fleet_snapshot_recent's copy, or NULL */
	double shared_at;                /* when it was taken (monotonic) */
	int trim;                        /* give freed memory back (fl_thread) */
	double trim_at;                  /* and again at this time; 0 not before trim */
	int samples_pending;             /* shown figures changed since readers last woke */
	double samples_wake_at;          /* when they may wake readers next (monotonic) */
};

/* ------------------------------------------------------------ helpers */

/* Seconds on the monotonic clock. */
static double
fl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copy a JSON string member into a fixed buffer ("" when absent), cut
 * between characters when it does not fit. */
static void
fl_copy_str(char *dst, size_t len, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	pd_copy_text(dst, len, cJSON_IsString(v) ? v->valuestring : "");
}

/* A JSON integer member in [LO, HI], or DEF (absent, not a number, out of
 * range: an engine's number never overflows a cast). */
static long long
fl_int(const cJSON *obj, const char *key, long long lo, long long hi, long long def)
{
	return pd_json_int(cJSON_GetObjectItemCaseSensitive(obj, key), lo, hi, def);
}

/* A JSON number member, or DEF. */
static double
fl_num(const cJSON *obj, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Mark the model changed; the io loop wakes readers once per turn. */
static void
fl_touch(struct fleet *f)
{
	f->generation++;
	f->dirty = 1;
}

/* An engine's RFC 3339 time as a time_t; 0 when unknown. */
time_t
fleet_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	time_t t;

	if (s == NULL || strncmp(s, "0001-", 5) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	/* Skip fractional seconds, then apply a numeric zone offset. */
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int hh = (p[1] - '0') * 10 + (p[2] - '0');
		int mm = (p[4] - '0') * 10 + (p[5] - '0');
		long off = (long)hh * 3600 + (long)mm * 60;

		t += (*p == '+') ? -off : off;
	}
	return t;
}

FLEET_STATIC enum pd_health
fleet_parse_health_status(const char *s)
{
	if (s == NULL)
		return PD_HEALTH_NONE;
	if (strcmp(s, "healthy") == 0)
		return PD_HEALTH_HEALTHY;
	if (strcmp(s, "unhealthy") == 0)
		return PD_HEALTH_UNHEALTHY;
	if (strcmp(s, "starting") == 0)
		return PD_HEALTH_STARTING;
	return PD_HEALTH_NONE;
}

/* Health from the list's Status text: "Up 3 minutes (healthy)". */
static enum pd_health
fl_health_from_status_text(const char *s)
{
	if (strstr(s, "(healthy)") != NULL)
		return PD_HEALTH_HEALTHY;
	if (strstr(s, "(unhealthy)") != NULL)
		return PD_HEALTH_UNHEALTHY;
	if (strstr(s, "(health: starting)") != NULL)
		return PD_HEALTH_STARTING;
	return PD_HEALTH_NONE;
}

FLEET_STATIC double
fleet_cpu_percent(double cpu_delta, double system_delta, int ncpu)
{
	if (cpu_delta < 0 || system_delta <= 0 || ncpu <= 0)
		return 0.0;
	return cpu_delta / system_delta * (double)ncpu * 100.0;
}

FLEET_STATIC uint64_t
fleet_mem_usage(const cJSON *ms)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ms, "stats");
	double usage = fl_num(ms, "usage", 0), cache;

	/* As the docker CLI does: cgroup v1 total_inactive_file, v2 inactive_file. */
	cache = fl_num(st, "total_inactive_file", -1);
	if (cache < 0)
		cache = fl_num(st, "inactive_file", 0);
	/* Numbers from a node: nothing a cast cannot hold (2^63 and more, NaN). */
	if (!(usage > 0 && usage < 9.2e18))
		return 0;
	if (!(cache >= 0) || cache > usage)
		cache = 0;
	return (uint64_t)(usage - cache);
}

/* Append one log line to D, keeping the last PD_LOG_LINES. */
static void
fl_log_line(struct pd_details *d, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (d->nlogs == PD_LOG_LINES) {
		memmove(d->logs[0], d->logs[1], sizeof(d->logs[0]) * (PD_LOG_LINES - 1));
		d->nlogs--;
	}
	if (len >= PD_LINE_LEN)
		len = PD_LINE_LEN - 1;
	memcpy(d->logs[d->nlogs], line, len);
	d->logs[d->nlogs][len] = '\0';
	d->nlogs++;
}

/* Split text into lines for D. */
static void
fl_log_text(struct pd_details *d, const char *p, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;

		fl_log_line(d, p, n);
		if (nl == NULL)
			break;
		len -= n + 1;
		p = nl + 1;
	}
}

FLEET_STATIC int
fleet_parse_logs(const char *data, size_t len, struct pd_details *d)
{
	const unsigned char *u = (const unsigned char *)data;

	d->nlogs = 0;
	if (data == NULL || len == 0)
		return 0;
	/* Without a TTY the engine multiplexes: [stream 0 0 0 size32be] payload. */
	if (len >= 8 && u[0] <= 2 && u[1] == 0 && u[2] == 0 && u[3] == 0) {
		size_t off = 0;

		while (off + 8 <= len) {
			size_t n = ((size_t)u[off + 4] << 24) | ((size_t)u[off + 5] << 16) |
			    ((size_t)u[off + 6] << 8) | (size_t)u[off + 7];

			if (u[off] > 2 || n > len - off - 8)
				return -1;
			fl_log_text(d, data + off + 8, n);
			off += 8 + n;
		}
		return off == len ? 0 : -1;
	}
	fl_log_text(d, data, len);
	return 0;
}

/* Feed a logs stream through D (fleet.h). */
int
fleet_demux_feed(struct fleet_demux *d, const char *data, size_t len,
    void (*out)(void *arg, int stream, const char *p, size_t n), void *arg)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t off = 0, n;

	if (len > 0 && d->mode == 0)
		d->mode = u[0] <= 2 ? 1 : 2;
	if (d->mode == 2) {
		if (len > 0)
			out(arg, 1, data, len);
		return 0;
	}
	while (off < len) {
		if (d->left == 0 && d->hdrlen < 8) {
			n = 8 - d->hdrlen < len - off ? 8 - d->hdrlen : len - off;
			memcpy(d->hdr + d->hdrlen, u + off, n);
			d->hdrlen += n;
			off += n;
			if (d->hdrlen < 8)
				break;
			if (d->hdr[0] > 2 || d->hdr[1] != 0 || d->hdr[2] != 0 || d->hdr[3] != 0)
				return -1;
			d->stream = d->hdr[0];
			d->left = ((size_t)d->hdr[4] << 24) | ((size_t)d->hdr[5] << 16) |
			    ((size_t)d->hdr[6] << 8) | (size_t)d->hdr[7];
			d->hdrlen = d->left == 0 ? 0 : 8;
			continue;
		}
		n = d->left < len - off ? d->left : len - off;
		out(arg, d->stream == 2 ? 2 : 1, data + off, n);
		off += n;
		d->left -= n;
		if (d->left == 0)
			d->hdrlen = 0;
	}
	return 0;
}

/* Copy untrusted S into DST, with control characters made visible. */
static void
fl_clean(char *dst, size_t len, const char *s)
{
	pd_sanitize(dst, len, s != NULL ? s : "", 0);
}

/* The engine's RFC 3339 timestamp at the start of *P ("2026-11-29T13:25:48.414123456Z "),
 * moved past; 0, or -1 when there is none. */
static int
fl_parse_stamp(const char **p, long long *sec, long *nsec)
{
	struct tm tm;
	const char *q;
	long ns = 0;
	int digits = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	q = strptime(*p, "%Y-%m-%dT%H:%M:%S", &tm);
	if (q == NULL)
		return -1;
	if (*q == '.')
		for (q++; *q >= '0' && *q <= '9'; q++)
			if (digits < 9) {
				ns = ns * 10 + (*q - '0');
				digits++;
			}
	for (; digits < 9; digits++)
		ns *= 10;
	if (*q != 'Z' || q[1] != ' ')
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*sec = (long long)t;
	*nsec = ns;
	*p = q + 2;
	return 0;
}

FLEET_STATIC int
fleet_parse_agent_line(const char *line, int ts, struct pd_event *e, long long *sec,
    long *nsec)
{
	static const char *const sevs[] = { "info", "warning", "critical" };
	const cJSON *c, *v;
	char type[24], buf[PD_EVENT_TEXT_LEN], cname[PD_NAME_LEN], key[32];
	const char *sev = NULL;
	cJSON *j;
	int rc = 1;

	*sec = 0;
	*nsec = 0;
	if (ts && fl_parse_stamp(&line, sec, nsec) != 0)
		return -1;
	j = cJSON_Parse(line);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -1;
	}
	fl_copy_str(type, sizeof(type), j, "type");
	memset(e, 0, sizeof(*e));
	e->kind = PD_EV_ANOMALY;
	/* The container: its name, else its short id. */
	c = cJSON_GetObjectItemCaseSensitive(j, "container");
	fl_copy_str(cname, sizeof(cname), c, "name");
	if (cname[0] == '\0') {
		fl_copy_str(buf, sizeof(buf), c, "id");
		snprintf(cname, sizeof(cname), "%.12s", buf);
	}
	fl_clean(e->container, sizeof(e->container), cname);
	v = cJSON_GetObjectItemCaseSensitive(j, "severity");
	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (cJSON_IsString(v) && strcmp(v->valuestring, sevs[i]) == 0)
			sev = sevs[i];
	fl_copy_str(buf, sizeof(buf), j, "text");
	if (strcmp(type, "anomaly") == 0) {
		fl_copy_str(key, sizeof(key), j, "rule");
		fl_clean(e->action, sizeof(e->action), key[0] ? key : "anomaly");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = sev != NULL ? sev : "warning";
	} else if (strcmp(type, "oom") == 0) {
		snprintf(e->action, sizeof(e->action), "oom");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = sev != NULL ? sev : "warning";
	} else if (strcmp(type, "drift") == 0 || strcmp(type, "drift_resolved") == 0) {
		char desired[PD_TUNE_VALUE_LEN], actual[PD_TUNE_VALUE_LEN], t[2 * PD_EVENT_TEXT_LEN];
		int drift = strcmp(type, "drift") == 0;

		snprintf(e->action, sizeof(e->action), "%s", type);
		fl_copy_str(key, sizeof(key), j, "key");
		fl_copy_str(desired, sizeof(desired), j, "desired");
		fl_copy_str(actual, sizeof(actual), j, "actual");
		if (drift)
			snprintf(t, sizeof(t), "%s is %s, want %s%s%s", key, actual[0] ? actual : "?",
			    desired, buf[0] ? ": " : "", buf);
		else
			snprintf(t, sizeof(t), "%s is %s again", key, desired);
		fl_clean(e->text, sizeof(e->text), t);
		sev = drift ? "warning" : "info";
	} else if (strcmp(type, "overrun") == 0) {
		snprintf(e->action, sizeof(e->action), "overrun");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = "warning";
	} else if (strcmp(type, "capture") == 0) {
		snprintf(e->action, sizeof(e->action), "capture");
		fl_copy_str(buf, sizeof(buf), j, "status");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "available")) ? "info" :
		    "warning";
	} else {
		rc = 0;            /* agent, stats, tune, check, error: not events */
	}
	if (rc == 1) {
		snprintf(e->severity, sizeof(e->severity), "%s", sev);
		fl_copy_str(buf, sizeof(buf), j, "time");
		e->time = fleet_parse_time(buf);
		if (e->time == 0)
			e->time = time(NULL);
	}
	cJSON_Delete(j);
	return rc;
}

/* ------------------------------------------------------------ the model */

#ifdef UNITTEST
int fleet_test_linear;
#endif

/* The id of container POS of node ARG, for its index. */
static const char *
fl_key(const void *arg, size_t pos)
{
	return ((const struct fl_node *)arg)->c[pos].pub.id;
}

/* The container with ID on node N, or NULL. */
static struct fl_container *
fl_find(struct fl_node *n, const char *id)
{
	long pos;

#ifdef UNITTEST
	if (fleet_test_linear) {
		for (size_t i = 0; i < n->nc; i++)
			if (strcmp(n->c[i].pub.id, id) == 0)
				return &n->c[i];
		return NULL;
	}
#endif
	pos = cindex_find(&n->ix, id);
	return pos < 0 ? NULL : &n->c[pos];
}

/* Something of node N changed (an answer, an event): its next turn and
 * its stats are due at once. */
static void
fl_poke(struct fl_node *n)
{
	n->tick_at = 0;
	n->stats_at = 0;
}

/* Container C wants an inspect. */
static void
fl_want(struct fl_node *n, struct fl_container *c)
{
	c->want_inspect = 1;
	n->want_any = 1;
	fl_poke(n);
}

/* The container with ID, added if new and there is room (NULL when not). */
static struct fl_container *
fl_get(struct fl_node *n, const char *id)
{
	struct fl_container *c = fl_find(n, id), *p;

	if (c != NULL)
		return c;
	if (strlen(id) >= PD_ID_LEN || id[0] == '\0' || n->nc >= n->fleet->cfg.max_containers)
		return NULL;
	if (n->nc == n->capc) {
		size_t cap = n->capc ? n->capc * 2 : 4;

		p = realloc(n->c, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		n->c = p;
		n->capc = cap;
	}
	c = &n->c[n->nc];
	memset(c, 0, sizeof(*c));
	snprintf(c->pub.id, sizeof(c->pub.id), "%s", id);
	if (cindex_insert(&n->ix, id, n->nc) != 0)
		return NULL;
	n->nc++;
	c->pub.cpu_pct = -1;
	c->stop_timeout = -1;
	fl_want(n, c);
	return c;
}

/* Forget container C of node N; the others keep their order. */
static void
fl_remove(struct fl_node *n, struct fl_container *c)
{
	size_t i = (size_t)(c - n->c);

	cindex_remove(&n->ix, c->pub.id);
	n->pub.running -= strcmp(c->pub.state, "running") == 0;
	memmove(&n->c[i], &n->c[i + 1], (n->nc - i - 1) * sizeof(*c));
	n->nc--;
	for (size_t k = i; k < n->nc; k++)
		cindex_move(&n->ix, n->c[k].pub.id, k + 1, k);
}

/* Set container C's STATE, keeping the node's running count (no recount:
 * an event or an inspect costs O(1), not the node's size). */
static void
fl_set_state(struct fl_node *n, struct fl_container *c, const char *state)
{
	int was = strcmp(c->pub.state, "running") == 0;

	snprintf(c->pub.state, sizeof(c->pub.state), "%.*s", (int)sizeof(c->pub.state) - 1,
	    state);
	n->pub.running += (strcmp(c->pub.state, "running") == 0) - was;
}

/* Recount running/total. */
static void
fl_count(struct fl_node *n)
{
	int running = 0;

	for (size_t i = 0; i < n->nc; i++)
		if (strcmp(n->c[i].pub.state, "running") == 0)
			running++;
	n->pub.running = running;
	n->pub.total = (int)n->nc;
}

/* Append an event to the node's bounded history. */
static void
fl_event(struct fl_node *n, enum pd_event_kind kind, const char *container,
    const char *action, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void
fl_cevent(struct fl_node *n, const char *id, const char *name, const char *action,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void
fl_vevent(struct fl_node *n, enum pd_event_kind kind, const char *id, const char *container,
    const char *action, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* A new event at the end of the node's history (the oldest goes when it is
 * full), stamped now; NULL when no history is kept. */
static struct pd_event *
fl_event_slot(struct fl_node *n)
{
	size_t cap = n->fleet->cfg.event_history;
	struct pd_event *e;

	/* Grow while the ring has not wrapped yet: most nodes only ever
	 * record a few events, and a full ring costs event_history x 552
	 * bytes a node. */
	if (n->ring_len == n->ring_cap && n->ring_cap < cap && n->ring_head == 0) {
		size_t want = n->ring_cap ? n->ring_cap * 2 : FLEET_RING_FIRST;
		struct pd_event *grown;

		if (want > cap)
			want = cap;
		grown = realloc(n->ring, want * sizeof(*grown));
		if (grown != NULL) {
			n->ring = grown;
			n->ring_cap = want;
		}
	}
	cap = n->ring_cap;
	if (cap == 0 || n->ring == NULL)
		return NULL;
	e = &n->ring[(n->ring_head + n->ring_len) % cap];
	if (n->ring_len == cap)
		n->ring_head = (n->ring_head + 1) % cap;
	else
		n->ring_len++;
	memset(e, 0, sizeof(*e));
	e->time = time(NULL);
	e->seq = ++n->fleet->event_seq;
	snprintf(e->node, sizeof(e->node), "%s", n->pub.name);
	return e;
}

/* Record an event of NODE; ID is the container's id (NULL: none). */
static void
fl_vevent(struct fl_node *n, enum pd_event_kind kind, const char *id, const char *container,
    const char *action, const char *fmt, va_list ap)
{
	struct pd_event *e = fl_event_slot(n);

	if (e == NULL)
		return;
	e->kind = kind;
	snprintf(e->id, sizeof(e->id), "%s", id ? id : "");
	snprintf(e->container, sizeof(e->container), "%s", container ? container : "");
	snprintf(e->action, sizeof(e->action), "%s", action);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
}

static void
fl_event(struct fl_node *n, enum pd_event_kind kind, const char *container,
    const char *action, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fl_vevent(n, kind, NULL, container, action, fmt, ap);
	va_end(ap);
}

/* Record an event of container ID (named NAME) on node N. */
static void
fl_cevent(struct fl_node *n, const char *id, const char *name, const char *action,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fl_vevent(n, PD_EV_CONTAINER, id, name, action, fmt, ap);
	va_end(ap);
}

/* Set the node's reachability, recording a change as an event. */
static void
fl_set_reach(struct fl_node *n, enum pd_reach r, const char *error)
{
	if (error != NULL)
		snprintf(n->pub.error, sizeof(n->pub.error), "%s", error);
	else if (r == PD_REACH_UP)
		n->pub.error[0] = '\0';
	if (r == PD_REACH_UP)
		n->pub.tls_refused = 0;
	if (n->pub.reach == r)
		return;
	if (r == PD_REACH_UP)
		fl_event(n, PD_EV_NODE, NULL, "up", "answering, API %s", n->pub.api_version);
	else if (r == PD_REACH_DOWN)
		fl_event(n, PD_EV_NODE, NULL, "down", "%s", n->pub.error);
	n->pub.reach = r;
	fl_touch(n->fleet);
}

/* ------------------------------------------------------------ requests */

static void fl_events_apply(struct fl_node *n, cJSON *j);

/* Write callback of the /events stream: split into lines, apply each. */
static size_t
fl_on_events(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fl_node *n = r->node;
	size_t len = size * nmemb;
	char *nl;

	if (engine_buf_append(&n->evline, data, len) != len) {
		log_msg(LOG_WARN, "%s: event line longer than %zu bytes, dropped",
		    n->pub.name, n->evline.max);
		engine_buf_free(&n->evline);
		n->evline.max = FLEET_MAX_EVENT_LINE;
		return len;
	}
	while (n->evline.data != NULL && (nl = memchr(n->evline.data, '\n', n->evline.len)) != NULL) {
		size_t used = (size_t)(nl - n->evline.data) + 1;
		cJSON *j;

		*nl = '\0';
		/* Parsed before the lock is taken; only the change is made under it. */
		j = cJSON_Parse(n->evline.data);
		if (j == NULL && n->evline.data[0] != '\0')
			log_msg(LOG_DEBUG, "%s: unparsable event line", n->pub.name);
		if (j != NULL) {
			pthread_mutex_lock(&n->fleet->lock);
			fl_events_apply(n, j);
			fl_poke(n);              /* an agent adopted, an inspect wished */
			pthread_mutex_unlock(&n->fleet->lock);
			cJSON_Delete(j);
		}
		memmove(n->evline.data, n->evline.data + used, n->evline.len - used + 1);
		n->evline.len -= used;
	}
	return len;
}

/* Verify agent line LINE ("STAMP {...}" as the engine sends it) of N's
 * trusted agent: 0 when it verifies (LINE is cut back to what the agent
 * sealed), 2 when it is a repeat of a line already taken (a reconnect), 1
 * when it does not verify: counted on the node, the first one an event. */
static int
fl_agent_verify(struct fl_node *n, char *line, long long *sec, long *nsec)
{
	const char *p = line;
	int rc;

	if (fl_parse_stamp(&p, sec, nsec) != 0)
		return 1;
	if (*sec < n->ag_sec || (*sec == n->ag_sec && *nsec <= n->ag_nsec))
		return 2;
	rc = n->pub.agent_verified ? agent_trust_open(n->trust.key, n->trust.id, &n->ag_seq,
	    line + (p - line)) : AGENT_TRUST_UNSEALED;
	if (rc == AGENT_TRUST_OK)
		return 0;
	pthread_mutex_lock(&n->fleet->lock);
	if (n->pub.agent_rejected++ == 0) {
		log_msg(LOG_WARN, "%s: a line of agent container %.12s did not verify (%s): "
		    "dropped", n->pub.name, n->pub.agent, agent_trust_why(rc));
		fl_event(n, PD_EV_NODE, NULL, "agent_untrusted", "a line of agent container "
		    "%.12s did not verify (%s): dropped, and every other one that does not",
		    n->pub.agent, agent_trust_why(rc));
	}
	fl_touch(n->fleet);
	pthread_mutex_unlock(&n->fleet->lock);
	return 1;
}

/* Payload of the agent's logs stream: split into lines, apply each (its
 * stdout: stderr holds the agent's diagnostics, not events). */
static void
fl_agent_payload(void *arg, int stream, const char *data, size_t len)
{
	struct fl_node *n = arg;
	struct fleet *f = n->fleet;
	struct pd_event ev, *e;
	long long sec;
	long nsec;
	char *nl;
	int rc;

	if (stream == 2)
		return;
	if (engine_buf_append(&n->agline, data, len) != len) {
		log_msg(LOG_WARN, "%s: agent line longer than %zu bytes, dropped",
		    n->pub.name, n->agline.max);
		engine_buf_free(&n->agline);
		n->agline.max = 1u << 20;
		return;
	}
	while (n->agline.data != NULL &&
	    (nl = memchr(n->agline.data, '\n', n->agline.len)) != NULL) {
		size_t used = (size_t)(nl - n->agline.data) + 1;

		*nl = '\0';
		rc = fl_agent_verify(n, n->agline.data, &sec, &nsec);
		if (rc == 0)
			rc = fleet_parse_agent_line(n->agline.data, 1, &ev, &sec, &nsec);
		else
			rc = rc == 1 ? -2 : -3;
		memmove(n->agline.data, n->agline.data + used, n->agline.len - used + 1);
		n->agline.len -= used;
		if (rc == -3)
			continue;          /* a repeat after a reconnect */
		if (rc == -2)
			continue;          /* did not verify: counted, never an event */
		if (rc < 0) {
			log_msg(LOG_DEBUG, "%s: unparsable agent line", n->pub.name);
			continue;
		}
		/* After a reconnect the engine repeats what came at the second
		 * resumed from: take only lines newer than the last one taken. */
		if (sec < n->ag_sec || (sec == n->ag_sec && nsec <= n->ag_nsec))
			continue;
		n->ag_sec = sec;
		n->ag_nsec = nsec;
		n->agent_step = 0;
		if (rc == 0)
			continue;
		pthread_mutex_lock(&f->lock);
		e = fl_event_slot(n);
		if (e != NULL) {
			uint64_t seq = e->seq;

			snprintf(ev.node, sizeof(ev.node), "%s", n->pub.name);
			*e = ev;
			e->seq = seq;
		}
		fl_touch(f);
		pthread_mutex_unlock(&f->lock);
	}
}

/* Write callback of the agent's logs stream. */
static size_t
fl_on_agent(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fl_node *n = r->node;
	size_t len = size * nmemb;

	if (fleet_demux_feed(&n->agdemux, data, len, fl_agent_payload, n) != 0) {
		log_msg(LOG_WARN, "%s: the agent's logs stream is malformed", n->pub.name);
		return 0;  /* ends the transfer; it is opened again after a backoff */
	}
	return len;
}

/* Write callback of the swarm manager's /events stream: any event of a
 * service or node makes the lists stale, so read them again soon (a burst
 * of events is one read). */
static size_t
fl_on_swarm_events(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fleet *f = r->node->fleet;
	size_t len = size * nmemb;
	double soon = fl_now() + FLEET_SWARM_DEBOUNCE;

	if (memchr(data, '\n', len) == NULL)
		return len;
	pthread_mutex_lock(&f->lock);
	if (f->sw.next_poll > soon)
		f->sw.next_poll = soon;
	pthread_mutex_unlock(&f->lock);
	return len;
}

/* Write callback of a container list: a 2xx body goes entry by entry to
 * the request's list (outside the model lock), an error body to the reply
 * for its message. */
static size_t
fl_on_list(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	size_t len = size * nmemb;
	long status = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return engine_buf_append(&r->reply.body, data, len);
	return fleet_list_feed(r->list, data, len) == 0 ? len : 0;
}

/* The most a reply of KIND may weigh. */
static size_t
fl_body_max(enum fl_kind kind)
{
	switch (kind) {
	case FL_INSPECT: case FL_DETAILS: return FLEET_MAX_INSPECT;
	case FL_STATS: return FLEET_MAX_STATS;
	case FL_LOGS: return FLEET_MAX_LOGS;
	case FL_PING: case FL_INFO: case FL_ACTION: return FLEET_MAX_SMALL;
	case FL_LIST: return FLEET_MAX_SMALL;    /* an error body; the list has its own */
	default: return ENGINE_MAX_BODY_DEFAULT;
	}
}

/* Whether a request of KIND and METHOD is a small GET, whose easy handle
 * a node keeps for the next one (struct fl_node, small_h): engine_easy's
 * options, the default callbacks, FLEET_SMALL_BUFFER. */
static int
fl_small(enum fl_kind kind, const char *method)
{
	return (kind == FL_PING || kind == FL_INFO || kind == FL_INSPECT || kind == FL_STATS) &&
	    strcmp(method, "GET") == 0;
}

/* Start METHOD PATH of KIND on node N.  Returns the request or NULL. */
static struct fl_req *
fl_send_method(struct fl_node *n, enum fl_kind kind, const char *method, const char *path,
    const char *id, double timeout)
{
	struct fleet *f = n->fleet;
	struct fl_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->node = n;
	r->kind = kind;
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", path);
	if (id != NULL)
		snprintf(r->id, sizeof(r->id), "%s", id);
	r->started = fl_now();
	if (fl_small(kind, method) && n->small_h != NULL) {
		/* Its options are those of every small GET to the node: the
		 * URL (unless both are pings), the deadline and the reply are
		 * new. */
		r->h = n->small_h;
		n->small_h = NULL;
		if (kind != FL_PING || !n->small_ping) {
			char *url = engine_url(n->engine, path, kind != FL_PING);

			if (url == NULL) {
				curl_easy_cleanup(r->h);
				free(r);
				return NULL;
			}
			curl_easy_setopt(r->h, CURLOPT_URL, url);
			free(url);
		}
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->reply);
		curl_easy_setopt(r->h, CURLOPT_HEADERDATA, &r->reply);
		curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	} else {
		r->h = engine_easy(n->engine, method, path, kind != FL_PING, NULL,
		    (long)(timeout * 1000), &r->reply);
	}
	if (r->h == NULL) {
		free(r);
		return NULL;
	}
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	if (n->share != NULL)
		curl_easy_setopt(r->h, CURLOPT_SHARE, n->share);
	r->reply.body.max = fl_body_max(kind);
	if (kind == FL_PING || kind == FL_INFO || kind == FL_INSPECT || kind == FL_STATS ||
	    kind == FL_ACTION)
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_SMALL_BUFFER);
	if (kind == FL_LIST) {
		r->list = fleet_list_new(f->cfg.max_containers);
		if (r->list == NULL) {
			curl_easy_cleanup(r->h);
			free(r);
			return NULL;
		}
		fl_list_for(r->list, n);
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_list);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	} else if (kind == FL_EVENTS) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_events);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_STREAM_BUFFER);
	} else if (kind == FL_AGENT) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_agent);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_STREAM_BUFFER);
	} else if (kind == FL_SW_EVENTS) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_swarm_events);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	}
	if (curl_multi_add_handle(f->multi, r->h) != CURLM_OK) {
		curl_easy_cleanup(r->h);
		fleet_list_free(r->list);
		free(r);
		return NULL;
	}
	r->prev = NULL;
	r->next = f->inflight;
	if (f->inflight != NULL)
		f->inflight->prev = r;
	f->inflight = r;
	switch (kind) {
	case FL_PING: n->ping_inflight++; break;
	case FL_INFO: n->info_inflight++; break;
	case FL_LIST: n->list_inflight++; break;
	case FL_INSPECT: n->inspect_inflight++; break;
	case FL_STATS: n->stats_inflight++; f->stats_inflight++; break;
	case FL_EVENTS: n->events = r; break;
	case FL_DETAILS: case FL_LOGS: f->watch.inflight++; break;
	case FL_AGENT: n->agent = r; break;
	case FL_ACTION: break;
	case FL_SW_NODES: case FL_SW_SERVICES: case FL_SW_TASKS: f->sw.inflight++; break;
	case FL_SW_EVENTS: f->sw.events = r; break;
	}
	return r;
}

/* Start GET PATH of KIND on node N.  Returns the request or NULL. */
static struct fl_req *
fl_send(struct fl_node *n, enum fl_kind kind, const char *path, const char *id, double timeout)
{
	return fl_send_method(n, kind, "GET", path, id, timeout);
}

/* Take R off the multi handle and the in-flight list, and free it. */
static void
fl_release(struct fleet *f, struct fl_req *r)
{
	struct fl_node *n = r->node;

	/* Unlinked in O(1): a walk of the list cost each answer the number of
	 * requests in flight (an /events stream per node). */
	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (f->inflight == r)
		f->inflight = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	switch (r->kind) {
	case FL_PING: n->ping_inflight--; break;
	case FL_INFO: n->info_inflight--; break;
	case FL_LIST: n->list_inflight--; break;
	case FL_INSPECT: n->inspect_inflight--; break;
	case FL_STATS: n->stats_inflight--; f->stats_inflight--; break;
	case FL_EVENTS: n->events = NULL; break;
	case FL_DETAILS: case FL_LOGS: f->watch.inflight--; break;
	case FL_AGENT: n->agent = NULL; break;
	case FL_ACTION: break;
	case FL_SW_NODES: case FL_SW_SERVICES: case FL_SW_TASKS: f->sw.inflight--; break;
	case FL_SW_EVENTS: f->sw.events = NULL; break;
	}
	curl_multi_remove_handle(f->multi, r->h);
	if (fl_small(r->kind, r->method) && n->small_h == NULL) {
		n->small_h = r->h;
		n->small_ping = r->kind == FL_PING;
	} else {
		curl_easy_cleanup(r->h);
	}
	engine_reply_free(&r->reply);
	fleet_list_free(r->list);
	free(r->sw_v);
	free(r);
}

/* Drop every request of node N (it went down): a hung engine must not keep
 * sockets and budget forever. */
static void
fl_cancel_node(struct fl_node *n)
{
	struct fleet *f = n->fleet;
	struct fl_req *r = f->inflight, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (r->node != n)
			continue;
		if (r->kind == FL_ACTION)
			fl_cevent(n, r->id, r->name, "action", "%s by %s: failed: the node went down "
			    "before it answered (it may have been done)",
			    pd_container_action_name(r->action), r->actor);
		fl_release(f, r);
	}
	engine_buf_free(&n->evline);
	n->evline.max = FLEET_MAX_EVENT_LINE;
	engine_buf_free(&n->agline);
	n->agline.max = 1u << 20;
	n->pub.agent_connected = 0;
	for (size_t i = 0; i < n->nc; i++)
		n->c[i].inspecting = 0;
}

/* Node N's first snapshot is done (or failed).  When it was the last one,
 * hand the first snapshot's peak back to the system: every node's list,
 * inspects and buffers were in flight at once, and malloc would keep the
 * freed pages (~90 KiB a node) for good. */
static void
fl_first_done(struct fl_node *n)
{
	struct fleet *f = n->fleet;

	if (n->first_done)
		return;
	n->first_done = 1;
	if (f->first_left > 0 && --f->first_left == 0)
		f->trim = 1;
}

/* The node failed: record it, cancel its requests, plan a reconnect.
 * ERROR may live in a request that is cancelled here: it is copied first. */
static void
fl_node_failed(struct fl_node *n, const char *why, double now)
{
	struct fleet *f = n->fleet;
	double delay = 0.5 * pow(2.0, n->backoff_step);
	double jitter;
	char error[PD_ERROR_LEN];

	snprintf(error, sizeof(error), "%s", why);

	if (delay > f->cfg.backoff_max)
		delay = f->cfg.backoff_max;
	else
		n->backoff_step++;
	f->rand_state = f->rand_state * 1103515245u + 12345u;
	jitter = delay * 0.25 * ((double)((f->rand_state >> 8) % 1000) / 1000.0);
	n->next_connect = now + delay + jitter;
	if (n->connected || !n->first_done)
		log_msg(LOG_WARN, "%s", error);
	n->connected = 0;
	fl_first_done(n);
	n->pub.events_connected = 0;
	fl_cancel_node(n);
	fl_set_reach(n, PD_REACH_DOWN, error);
}

/* ------------------------------------------------------------ replies */

/* Adopt ID (or "": none) as the node's agent container. */
static void
fl_agent_set(struct fl_node *n, const char *id)
{
	if (strcmp(n->pub.agent, id) == 0)
		return;
	if (id[0] != '\0')
		log_msg(LOG_INFO, "%s: agent container %.12s (verified: the one agent --start "
		    "recorded)", n->pub.name, id);
	else
		OPENSSL_cleanse(&n->trust, sizeof(n->trust));
	snprintf(n->pub.agent, sizeof(n->pub.agent), "%s", id);
	n->pub.agent_verified = id[0] != '\0';
	/* The agent has no engine: it gets its node's containers from us. */
	if (id[0] != '\0' && n->fleet->cfg.agent_kick != NULL)
		n->fleet->cfg.agent_kick(n->fleet->cfg.agent_kick_arg, n->pub.name);
	n->ag_seq = 0;
	n->agent_next = 0;
	fl_poke(n);
	n->agent_step = 0;
	fl_touch(n->fleet);
}

/* Whether container ID (created from IMAGE, image id IMAGE_ID; NULL: not
 * known here) is node N's trusted agent: the inventory pins an image, the
 * record agent --start wrote names ID, and it runs the pinned image.  Its
 * record (the key) is then in N->trust. */
static int
fl_agent_trusted(struct fl_node *n, const char *id, const char *image, const char *image_id)
{
	struct fleet *f = n->fleet;
	struct agent_trust_record rec;

	if (f->agent_image[0] == '\0' || f->agent_dir[0] == '\0' ||
	    agent_trust_record_read(f->agent_dir, n->pub.name, &rec) != 0)
		return 0;
	if (strcmp(rec.id, id) != 0 || (image != NULL && strcmp(image, f->agent_image) != 0) ||
	    (image_id != NULL && strcmp(image_id, rec.image_id) != 0)) {
		OPENSSL_cleanse(&rec, sizeof(rec));
		return 0;
	}
	n->trust = rec;
	OPENSSL_cleanse(&rec, sizeof(rec));
	return 1;
}

/* Note ID (or "": none) as a running container labelled as an agent that
 * is not node N's trusted one: shown on the node, never followed. */
static void
fl_agent_untrusted(struct fl_node *n, const char *id)
{
	if (strcmp(n->pub.agent_untrusted, id) == 0)
		return;
	snprintf(n->pub.agent_untrusted, sizeof(n->pub.agent_untrusted), "%s", id);
	if (id[0] != '\0') {
		log_msg(LOG_WARN, "%s: container %.12s is labelled %s=1 but is not the pinned "
		    "agent: ignored", n->pub.name, id, FLEET_AGENT_LABEL);
		fl_event(n, PD_EV_NODE, NULL, "agent_untrusted", "container %.12s is labelled "
		    "%s=1 but is not the agent plantdeck started from the pinned image: its "
		    "output is ignored", id, FLEET_AGENT_LABEL);
	}
	fl_touch(n->fleet);
}

/* The names of the networks in SETTINGS (a NetworkSettings object), joined
 * with ',' into OUT; "" when there are none.  A name too long for what is
 * left is not cut but left out, so OUT holds only whole names. */
static void
fl_networks(char *out, size_t len, const cJSON *settings)
{
	const cJSON *nets = cJSON_GetObjectItemCaseSensitive(settings, "Networks");
	const cJSON *it;
	size_t used = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, nets) {
		size_t k;

		if (it->string == NULL || it->string[0] == '\0')
			continue;
		k = strlen(it->string);
		if (used + (used > 0) + k + 1 > len)
			continue;
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, it->string, k + 1);
		used += k;
	}
}

/* The stack of a container with LABELS (its Labels object): the label
 * plantdeck sets, else Swarm's, else Compose's; "" for none. */
static void
fl_stack(char *out, size_t len, const cJSON *labels)
{
	static const char *const keys[] = {
		"io.plantdeck.stack", "com.docker.stack.namespace", "com.docker.compose.project",
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && out[0] == '\0'; i++)
		fl_copy_str(out, len, labels, keys[i]);
}

/* The ports of a list entry's PORTS array, joined with ',' into OUT:
 * "8080->80/tcp" when published, "80/tcp" when not, each once (the
 * engine lists a published port once per address family).  Whole
 * entries only: what does not fit is left out. */
FLEET_STATIC void
fleet_parse_ports(char *out, size_t len, const cJSON *ports)
{
	const cJSON *it;
	size_t used = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, ports) {
		char one[48], type[8];
		double pub = (double)fl_int(it, "PublicPort", 0, 65535, 0);
		double priv = (double)fl_int(it, "PrivatePort", 0, 65535, 0);
		size_t k;
		int dup = 0;

		fl_copy_str(type, sizeof(type), it, "Type");
		if (pub > 0)
			snprintf(one, sizeof(one), "%.0f->%.0f/%s", pub, priv, type);
		else
			snprintf(one, sizeof(one), "%.0f/%s", priv, type);
		k = strlen(one);
		/* Already there as a whole entry? */
		for (const char *p = out; !dup && (p = strstr(p, one)) != NULL; p += k)
			dup = (p == out || p[-1] == ',') && (p[k] == ',' || p[k] == '\0');
		if (dup || used + (used > 0) + k + 1 > len)
			continue;
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, one, k + 1);
		used += k;
	}
}

/* ------------------------------------------------------------ container lists */

/* One entry of a container list, as read outside the model lock. */
struct fl_listed {
	struct pd_container pub;
	int agent;                       /* labelled the agent, running, a full id */
	char image_id[AGENT_TRUST_IMAGE_LEN]; /* ImageID */
	int fresh;                       /* not in the model yet (fl_apply_list) */
	uint64_t hash;                   /* of the entry's raw bytes */
	int same;                        /* the bytes last taken for pub.id: only pub.id is set */
};

/* A GET /containers/json read as it streams in: entries are cut out of the
 * body one at a time and parsed on their own, so memory stays at the
 * entries kept (never a tree of the whole reply), entries past MAX are only
 * counted, and none of it holds the model lock. */
struct fl_list {
	struct fl_listed *v;
	size_t n, cap;                   /* entries parsed */
	size_t total;                    /* entries seen */
	size_t max;                      /* entries to parse */
	size_t bytes;                    /* of the body so far */
	int state;                       /* 0 before '[', 1 between entries, 2 in one,
	                                    3 after ']', -1 broken */
	int depth, in_str, esc, keep;
	struct engine_buf el;            /* the entry being read, when kept */
	char error[160];
	/* The node whose model the list is for, or NULL: an entry whose bytes
	 * are those its container last took is not parsed (fl_list_same).
	 * Read outside the model lock, by the io thread, its only writer. */
	struct fl_node *node;
	size_t reused;                   /* entries not parsed for that */
};

static uint64_t fl_hash(uint64_t h, const void *p, size_t len);

/* L is node N's list: its entries may be those N's containers last took. */
static void
fl_list_for(struct fl_list *l, struct fl_node *n)
{
	l->node = n;
}

FLEET_STATIC struct fl_list *
fleet_list_new(size_t max)
{
	struct fl_list *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->max = max;
	l->el.max = FLEET_MAX_LIST_ENTRY;
	return l;
}

FLEET_STATIC void
fleet_list_free(struct fl_list *l)
{
	if (l == NULL)
		return;
	engine_buf_free(&l->el);
	free(l->v);
	free(l);
}

#ifdef UNITTEST
FLEET_STATIC size_t
fleet_list_parsed(const struct fl_list *l)
{
	return l->n;
}

FLEET_STATIC size_t
fleet_list_total(const struct fl_list *l)
{
	return l->total;
}

FLEET_STATIC const char *
fleet_list_error(const struct fl_list *l)
{
	return l->error;
}
#endif

/* Mark L broken with a reason; returns -1. */
static int
fl_list_fail(struct fl_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
fl_list_fail(struct fl_list *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
	l->state = -1;
	return -1;
}

/* The next slot of L, or NULL (out of memory). */
static struct fl_listed *
fl_list_slot(struct fl_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct fl_listed *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return &l->v[l->n];
}

/* Whether the entry in L->el, of hash H, is byte for byte the one its
 * container last took (an engine lists in the same words what has not
 * changed: an idle fleet's reconcile lists are mostly that); if so it is
 * added as such, unparsed.  An engine's entries start with the Id; one
 * that does not is parsed. */
static int
fl_list_same(struct fl_list *l, uint64_t h)
{
	static const char pre[] = "{\"Id\":\"";
	const size_t np = sizeof(pre) - 1, nid = 64;
	struct fl_container *c;
	struct fl_listed *e;
	char id[PD_ID_LEN];

	if (l->node == NULL || l->el.len < np + nid + 1 || memcmp(l->el.data, pre, np) != 0 ||
	    l->el.data[np + nid] != '"' || nid >= sizeof(id))
		return 0;
	memcpy(id, l->el.data + np, nid);
	id[nid] = '\0';
	c = fl_find(l->node, id);
	if (c == NULL || c->list_hash != h || (e = fl_list_slot(l)) == NULL)
		return 0;
	memcpy(e->pub.id, id, nid + 1);
	e->hash = h;
	e->same = 1;
	l->n++;
	l->reused++;
	return 1;
}

/* Parse the entry in L->el into the next slot; an entry that is no
 * container (no usable Id) is left out. */
static int
fl_list_entry(struct fl_list *l)
{
	uint64_t h = fl_hash(1469598103934665603ull, l->el.data, l->el.len) | 1;
	cJSON *it;
	const cJSON *names, *first, *lab;
	struct fl_listed *e;
	char status[128];

	if (fl_list_same(l, h))
		return 0;
	it = cJSON_ParseWithLength(l->el.data, l->el.len);
	if (it == NULL)
		return fl_list_fail(l, "entry %zu of the list is not JSON", l->total + 1);
	e = fl_list_slot(l);
	if (e == NULL) {
		cJSON_Delete(it);
		return fl_list_fail(l, "out of memory");
	}
	e->hash = h;
	fl_copy_str(e->pub.id, sizeof(e->pub.id), it, "Id");
	{
		const cJSON *idv = cJSON_GetObjectItemCaseSensitive(it, "Id");

		if (!cJSON_IsString(idv) || idv->valuestring[0] == '\0' ||
		    strlen(idv->valuestring) >= PD_ID_LEN) {
			cJSON_Delete(it);
			return 0;
		}
	}
	names = cJSON_GetObjectItemCaseSensitive(it, "Names");
	first = cJSON_GetArrayItem(names, 0);
	if (cJSON_IsString(first))
		snprintf(e->pub.name, sizeof(e->pub.name), "%s",
		    first->valuestring + (first->valuestring[0] == '/'));
	fl_copy_str(e->pub.image, sizeof(e->pub.image), it, "Image");
	fl_copy_str(e->pub.state, sizeof(e->pub.state), it, "State");
	fl_copy_str(status, sizeof(status), it, "Status");
	e->pub.health = fl_health_from_status_text(status);
	e->pub.created = (time_t)fl_int(it, "Created", 0, (long long)1 << 40, 0);
	fl_networks(e->pub.networks, sizeof(e->pub.networks),
	    cJSON_GetObjectItemCaseSensitive(it, "NetworkSettings"));
	fl_stack(e->pub.stack, sizeof(e->pub.stack), cJSON_GetObjectItemCaseSensitive(it, "Labels"));
	fleet_parse_ports(e->pub.ports, sizeof(e->pub.ports),
	    cJSON_GetObjectItemCaseSensitive(it, "Ports"));
	lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "Labels"),
	    FLEET_AGENT_LABEL);
	fl_copy_str(e->image_id, sizeof(e->image_id), it, "ImageID");
	e->agent = cJSON_IsString(lab) && strcmp(lab->valuestring, "1") == 0 &&
	    strcmp(e->pub.state, "running") == 0 && strlen(e->pub.id) == 64;
	cJSON_Delete(it);
	l->n++;
	return 0;
}

FLEET_STATIC int
fleet_list_feed(struct fl_list *l, const char *data, size_t len)
{
	size_t i, seg = 0;
	unsigned char ch;

	if (l->state < 0)
		return -1;
	l->bytes += len;
	if (l->bytes > FLEET_MAX_LIST)
		return fl_list_fail(l, "response larger than %u bytes", FLEET_MAX_LIST);
	for (i = 0; i < len; i++) {
		ch = (unsigned char)data[i];
		switch (l->state) {
		case 0:
			if (ch == '[')
				l->state = 1;
			else if (!(ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
				return fl_list_fail(l, "not a JSON array");
			break;
		case 1:
			if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
			    (ch == ',' && l->total > 0))
				break;
			if (ch == ']') {
				l->state = 3;
				break;
			}
			if (ch != '{')
				return fl_list_fail(l, "entry %zu of the list is not an object",
				    l->total + 1);
			l->state = 2;
			l->depth = 1;
			l->in_str = l->esc = 0;
			l->keep = l->total < l->max;
			l->el.len = 0;
			seg = i;
			break;
		case 2:
			if (l->in_str) {
				if (l->esc)
					l->esc = 0;
				else if (ch == '\\')
					l->esc = 1;
				else if (ch == '"')
					l->in_str = 0;
				break;
			}
			if (ch == '"')
				l->in_str = 1;
			else if (ch == '{' || ch == '[')
				l->depth++;
			else if ((ch == '}' || ch == ']') && --l->depth == 0) {
				if (l->keep) {
					if (engine_buf_append(&l->el, data + seg, i + 1 - seg) != i + 1 - seg)
						return fl_list_fail(l, "entry %zu of the list is larger "
						    "than %zu bytes", l->total + 1, l->el.max);
					if (fl_list_entry(l) != 0)
						return -1;
				}
				l->total++;
				l->state = 1;
			}
			break;
		case 3:
			if (!(ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
				return fl_list_fail(l, "something after the list");
			break;
		default:
			return -1;
		}
	}
	if (l->state == 2 && l->keep && len > seg &&
	    engine_buf_append(&l->el, data + seg, len - seg) != len - seg)
		return fl_list_fail(l, "entry %zu of the list is larger than %zu bytes",
		    l->total + 1, l->el.max);
	return 0;
}

FLEET_STATIC int
fleet_list_end(struct fl_list *l)
{
	if (l->state == 3)
		return 0;
	if (l->state >= 0)
		fl_list_fail(l, "the list ended early");
	return -1;
}

/* What container C of N takes from its entry E of a container list. */
static void
fl_take_listed(struct fl_node *n, struct fl_container *c, const struct fl_listed *e)
{
	snprintf(c->pub.name, sizeof(c->pub.name), "%s", e->pub.name);
	snprintf(c->pub.image, sizeof(c->pub.image), "%s", e->pub.image);
	fl_set_state(n, c, e->pub.state);
	c->pub.health = e->pub.health;
	c->pub.created = e->pub.created;
	snprintf(c->pub.networks, sizeof(c->pub.networks), "%s", e->pub.networks);
	snprintf(c->pub.stack, sizeof(c->pub.stack), "%s", e->pub.stack);
	snprintf(c->pub.ports, sizeof(c->pub.ports), "%s", e->pub.ports);
	/* The agent's entry is read every time: fl_apply_list adopts it anew
	 * from each list. */
	c->list_hash = e->agent ? 0 : e->hash;
}

static void fl_reserve(struct fl_node *n, const struct fl_list *l);

/* Apply a container list read outside the lock (L): update, add up to the
 * cap, remove what is gone, and mark the node when the list was cut.  Each
 * entry costs one index lookup. */
static void
fl_apply_list(struct fl_node *n, struct fl_list *l)
{
	struct fl_container *c;
	size_t keep = 0, agent = (size_t)-1, untrusted = (size_t)-1;
	int removed = 0;

	for (size_t i = 0; i < n->nc; i++)
		n->c[i].seen = 0;
	/* Those known first, so that the ones gone make room for new ones. */
	for (size_t i = 0; i < l->n; i++) {
		struct fl_listed *e = &l->v[i];

		if (e->agent && agent == (size_t)-1 &&
		    fl_agent_trusted(n, e->pub.id, e->pub.image, e->image_id))
			agent = i;
		else if (e->agent && untrusted == (size_t)-1)
			untrusted = i;
		c = fl_find(n, e->pub.id);
		e->fresh = c == NULL && !e->same;
		if (c == NULL || c->seen)
			continue;
		c->seen = 1;
		/* What the engine said last time, word for word: the model has
		 * it, and whatever events and inspects told since. */
		if (e->same)
			continue;
		if (strcmp(e->pub.state, c->pub.state) != 0 || e->pub.health != c->pub.health)
			fl_want(n, c);
		fl_take_listed(n, c, e);
	}
	for (size_t i = 0; i < n->nc; i++) {
		if (!n->c[i].seen) {
			removed = 1;
			continue;
		}
		if (keep != i)
			n->c[keep] = n->c[i];
		keep++;
	}
	if (removed) {
		n->nc = keep;
		cindex_clear(&n->ix);
		for (size_t i = 0; i < n->nc; i++)
			cindex_insert(&n->ix, n->c[i].pub.id, i);  /* the table has room */
	}
	fl_reserve(n, l);
	for (size_t i = 0; i < l->n; i++) {
		struct fl_listed *e = &l->v[i];

		if (!e->fresh || fl_find(n, e->pub.id) != NULL)
			continue;
		c = fl_get(n, e->pub.id);
		if (c == NULL)
			continue;
		c->seen = 1;
		fl_take_listed(n, c, e);
	}
	/* The agent: only the trusted one (there is one record a node). */
	fl_agent_set(n, agent == (size_t)-1 ? "" : l->v[agent].pub.id);
	fl_agent_untrusted(n, untrusted == (size_t)-1 ? "" : l->v[untrusted].pub.id);
	n->pub.listed = l->total;
	if (l->total > l->max)
		snprintf(n->pub.warning, sizeof(n->pub.warning),
		    "list truncated: %zu containers, %zu shown", l->total, n->nc);
	else
		n->pub.warning[0] = '\0';
	fl_count(n);
	n->listed = 1;
	fl_touch(n->fleet);
}

/* Room in node N's container array for the fresh entries of list L, to the
 * entry: a node's array is its size, not the next power of two (a
 * container costs ~930 bytes). */
static void
fl_reserve(struct fl_node *n, const struct fl_list *l)
{
	size_t want = n->nc;
	struct fl_container *p;

	for (size_t i = 0; i < l->n; i++)
		want += l->v[i].fresh;
	if (want > n->fleet->cfg.max_containers)
		want = n->fleet->cfg.max_containers;
	if (want <= n->capc)
		return;
	p = realloc(n->c, want * sizeof(*p));
	if (p == NULL)
		return;                  /* fl_get grows it one by one */
	n->c = p;
	n->capc = want;
}

/* Apply a /containers/{id}/json inspect. */
static void
fl_apply_inspect(struct fl_node *n, const char *id, const cJSON *j)
{
	struct fl_container *c = fl_find(n, id);
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "State");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(j, "Config");
	const cJSON *health = cJSON_GetObjectItemCaseSensitive(state, "Health");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(health, "Status");
	const cJSON *oom = cJSON_GetObjectItemCaseSensitive(state, "OOMKilled");
	char name[PD_NAME_LEN], buf[64];

	if (c == NULL)
		return;
	fl_copy_str(name, sizeof(name), j, "Name");
	if (name[0] != '\0')
		snprintf(c->pub.name, sizeof(c->pub.name), "%s", name + (name[0] == '/'));
	fl_copy_str(c->pub.image, sizeof(c->pub.image), config, "Image");
	fl_copy_str(buf, sizeof(buf), state, "Status");
	fl_set_state(n, c, buf);
	c->pub.health = cJSON_IsString(hs) ? fleet_parse_health_status(hs->valuestring)
	    : PD_HEALTH_NONE;
	c->pub.restart_count = (int)fl_int(j, "RestartCount", 0, INT_MAX, 0);
	c->stop_timeout = fl_num(config, "StopTimeout", -1);
	fl_networks(c->pub.networks, sizeof(c->pub.networks),
	    cJSON_GetObjectItemCaseSensitive(j, "NetworkSettings"));
	fl_stack(c->pub.stack, sizeof(c->pub.stack),
	    cJSON_GetObjectItemCaseSensitive(config, "Labels"));
	c->pub.exit_code = (int)fl_int(state, "ExitCode", INT_MIN, INT_MAX, 0);
	/* OOMKilled is cleared on restart; an oom event seen earlier stays. */
	if (cJSON_IsTrue(oom))
		c->pub.oom_killed = 1;
	fl_copy_str(buf, sizeof(buf), state, "StartedAt");
	c->pub.started_at = fleet_parse_time(buf);
	fl_copy_str(buf, sizeof(buf), state, "FinishedAt");
	c->pub.finished_at = fleet_parse_time(buf);
	fl_copy_str(buf, sizeof(buf), j, "Created");
	if (fleet_parse_time(buf) != 0)
		c->pub.created = fleet_parse_time(buf);
	c->pub.inspected = 1;
	fl_touch(n->fleet);
}

/* A hash of LEN bytes at P into H, a word at a time. */
static uint64_t
fl_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* A hash of what readers see of node N: its facts and its containers,
 * but for what changes with every answer (last_seen, rtt_ms, req). */
static uint64_t
fl_node_hash(const struct fl_node *n)
{
	struct pd_node p;
	uint64_t h = 1469598103934665603ull ^ n->nc;

	memcpy(&p, &n->pub, sizeof(p));
	p.last_seen = 0;
	p.rtt_ms = 0;
	memset(&p.req, 0, sizeof(p.req));
	h = fl_hash(h, &p, sizeof(p));
	for (size_t k = 0; k < n->nc; k++)
		h = fl_hash(h, &n->c[k].pub, sizeof(n->c[k].pub));
	return h;
}

/* The sampling tier of container C of node N (sampling.c): every
 * container is SAMPLING_EACH until a front end says what it shows. */
static enum sampling_tier
fl_tier(const struct fl_node *n, const struct fl_container *c)
{
	const struct fleet *f = n->fleet;
	const struct fl_watch *w = &f->watch;

	if (!f->show_declared)
		return SAMPLING_EACH;
	return sampling_tier(n->show, &c->pub, w->active && strcmp(w->id, c->pub.id) == 0 &&
	    strcmp(w->node, n->pub.name) == 0);
}

/* Apply a one-shot stats sample. */
static void
fl_apply_stats(struct fl_node *n, const char *id, const cJSON *j)
{
	struct fl_container *c = fl_find(n, id);
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(j, "cpu_stats");
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(cpu, "cpu_usage");
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(j, "memory_stats");
	double total = fl_num(usage, "total_usage", -1);
	double system = fl_num(cpu, "system_cpu_usage", -1);
	int ncpu = (int)fl_int(cpu, "online_cpus", 0, 1 << 20, 0);

	if (c == NULL)
		return;
	if (ncpu <= 0)
		ncpu = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(usage, "percpu_usage"));
	if (ncpu <= 0)
		ncpu = n->pub.ncpu > 0 ? n->pub.ncpu : 1;
	if (total >= 0 && system > 0) {
		if (c->have_prev)
			c->pub.cpu_pct = fleet_cpu_percent(total - c->prev_cpu,
			    system - c->prev_system, ncpu);
		c->prev_cpu = total;
		c->prev_system = system;
		c->have_prev = 1;
	}
	if (cJSON_IsObject(mem)) {
		c->pub.mem_usage = fleet_mem_usage(mem);
		c->pub.mem_limit = (uint64_t)fl_int(mem, "limit", 0, LLONG_MAX, 0);
	}
	c->pub.sampled_at = time(NULL);
	if (c->samples < 2)
		c->samples++;
	/* A sample of what nothing shows is for the next snapshot, whoever
	 * takes it: it wakes no reader.  One that is shown wakes readers with
	 * the others of the same second (fleet_samples_wake). */
	if (fl_tier(n, c) != SAMPLING_BACKGROUND)
		n->fleet->samples_pending = 1;
}

/* Apply the watched container's inspect. */
static void
fl_apply_details(struct fleet *f, const cJSON *j)
{
	struct pd_details *d = &f->watch.pub;
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(j, "Config");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(host, "RestartPolicy");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "State");
	const cJSON *hlog = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(state, "Health"), "Log");
	const char *parts[] = { "Entrypoint", "Cmd" };
	const cJSON *it;
	size_t off = 0;
	double nano, quota, period;
	int n, first;

	d->command[0] = '\0';
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(config, parts[k])) {
			if (!cJSON_IsString(it) || off + 2 >= sizeof(d->command))
				continue;
			n = snprintf(d->command + off, sizeof(d->command) - off, "%s%s",
			    off ? " " : "", it->valuestring);
			off = n < 0 ? off : off + (size_t)n;
			if (off >= sizeof(d->command))
				off = sizeof(d->command) - 1;
		}
	}
	fl_copy_str(d->restart_policy, sizeof(d->restart_policy), rp, "Name");
	d->restart_max = (int)fl_int(rp, "MaximumRetryCount", 0, INT_MAX, 0);
	d->mem_limit = (uint64_t)fl_int(host, "Memory", 0, LLONG_MAX, 0);
	d->mem_reservation = (uint64_t)fl_int(host, "MemoryReservation", 0, LLONG_MAX, 0);
	nano = fl_num(host, "NanoCpus", 0);
	quota = fl_num(host, "CpuQuota", 0);
	period = fl_num(host, "CpuPeriod", 0);
	d->cpus = nano > 0 ? nano / 1e9 : (quota > 0 ? quota / (period > 0 ? period : 100000) : 0);
	fl_copy_str(d->user, sizeof(d->user), config, "User");
	d->privileged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(host, "Privileged"));
	d->read_only_rootfs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(host,
	    "ReadonlyRootfs"));
	n = cJSON_GetArraySize(hlog);
	first = n > PD_HEALTH_LOG ? n - PD_HEALTH_LOG : 0;
	d->nhealth = 0;
	for (int k = first; k < n; k++) {
		it = cJSON_GetArrayItem(hlog, k);
		fl_copy_str(d->health_log[d->nhealth], PD_LINE_LEN, it, "Output");
		d->health_exit[d->nhealth] = (int)fl_int(it, "ExitCode", INT_MIN, INT_MAX, 0);
		d->nhealth++;
	}
	d->ready = 1;
	d->error[0] = '\0';
	d->fetched = time(NULL);
	fl_touch(f);
}

/* Apply /info. */
static void
fl_apply_info(struct fl_node *n, const cJSON *j)
{
	fl_copy_str(n->pub.engine_version, sizeof(n->pub.engine_version), j, "ServerVersion");
	fl_copy_str(n->pub.os, sizeof(n->pub.os), j, "OperatingSystem");
	n->pub.ncpu = (int)fl_int(j, "NCPU", 0, 1 << 20, 0);
	n->pub.mem_total = (uint64_t)fl_int(j, "MemTotal", 0, LLONG_MAX, 0);
	fl_touch(n->fleet);
}

/* Apply one line of the /events stream, parsed (J, which the caller frees). */
static void
fl_events_apply(struct fl_node *n, cJSON *j)
{
	const cJSON *actor, *attrs;
	char type[32], action[64], id[PD_ID_LEN], name[PD_NAME_LEN], image[PD_IMAGE_LEN];
	char exitcode[16];
	struct fl_container *c;

	actor = cJSON_GetObjectItemCaseSensitive(j, "Actor");
	attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	fl_copy_str(type, sizeof(type), j, "Type");
	fl_copy_str(action, sizeof(action), j, "Action");
	fl_copy_str(id, sizeof(id), actor, "ID");
	fl_copy_str(name, sizeof(name), attrs, "name");
	fl_copy_str(image, sizeof(image), attrs, "image");
	fl_copy_str(exitcode, sizeof(exitcode), attrs, "exitCode");
	if (strcmp(type, "container") != 0 || id[0] == '\0' ||
	    strncmp(action, "exec_", 5) == 0)
		return;

	{
		const cJSON *al = cJSON_GetObjectItemCaseSensitive(attrs, FLEET_AGENT_LABEL);

		if (cJSON_IsString(al) && strcmp(al->valuestring, "1") == 0) {
			if (strcmp(action, "start") == 0 && strlen(id) == 64 &&
			    fl_agent_trusted(n, id, NULL, NULL))
				fl_agent_set(n, id);
			else if (strcmp(action, "start") == 0 && strlen(id) == 64)
				fl_agent_untrusted(n, id);
			else if ((strcmp(action, "die") == 0 || strcmp(action, "destroy") == 0) &&
			    strcmp(id, n->pub.agent) == 0)
				fl_agent_set(n, "");
		}
	}
	if (n->pub.agent_verified && n->fleet->cfg.agent_kick != NULL &&
	    strcmp(id, n->pub.agent) != 0 && (strcmp(action, "start") == 0 ||
	    strcmp(action, "die") == 0 || strcmp(action, "destroy") == 0 ||
	    strcmp(action, "update") == 0))
		n->fleet->cfg.agent_kick(n->fleet->cfg.agent_kick_arg, n->pub.name);
	if (strcmp(action, "destroy") == 0) {
		c = fl_find(n, id);
		if (c != NULL)
			fl_remove(n, c);
		fl_cevent(n, id, name, "destroy", "removed");
		goto done;
	}
	c = fl_get(n, id);
	if (c == NULL)
		goto done;
	if (name[0] != '\0')
		snprintf(c->pub.name, sizeof(c->pub.name), "%s", name);
	if (image[0] != '\0' && c->pub.image[0] == '\0')
		snprintf(c->pub.image, sizeof(c->pub.image), "%s", image);
	fl_want(n, c);

	if (strcmp(action, "create") == 0) {
		fl_set_state(n, c, "created");
		fl_cevent(n, id, name, action, "image %s", image);
	} else if (strcmp(action, "start") == 0 || strcmp(action, "unpause") == 0) {
		fl_set_state(n, c, "running");
		c->pub.started_at = time(NULL);
		fl_cevent(n, id, name, action, "running");
	} else if (strcmp(action, "die") == 0) {
		char *end;
		long code = strtol(exitcode, &end, 10);

		fl_set_state(n, c, "exited");
		if (exitcode[0] != '\0' && *end == '\0')
			c->pub.exit_code = (int)code;
		c->pub.finished_at = time(NULL);
		c->pub.cpu_pct = -1;
		c->have_prev = 0;
		fl_cevent(n, id, name, action, "exit code %s", exitcode);
	} else if (strcmp(action, "pause") == 0) {
		fl_set_state(n, c, "paused");
		fl_cevent(n, id, name, action, "paused");
	} else if (strcmp(action, "oom") == 0) {
		c->pub.oom_killed = 1;
		fl_cevent(n, id, name, action, "out of memory: killed by the kernel");
	} else if (strncmp(action, "health_status", 13) == 0) {
		const char *st = strchr(action, ':');

		st = st != NULL ? st + 1 : "";
		while (*st == ' ')
			st++;
		c->pub.health = fleet_parse_health_status(st);
		fl_cevent(n, id, name, "health", "%s", st);
	} else {
		fl_cevent(n, id, name, action, "%s", "");
	}
done:
	n->pub.total = (int)n->nc;
	fl_touch(n->fleet);
}

/* ------------------------------------------------------------ swarm */

/* The /events path of a swarm manager: changes of services and nodes. */
static const char fl_swarm_events_path[] =
	"/events?filters=%7B%22type%22%3A%5B%22service%22%2C%22node%22%5D%7D";

/* The index of node N in its fleet (and in the inventory). */
static size_t
fl_index(const struct fl_node *n)
{
	return (size_t)(n - n->fleet->nodes);
}

/* Drop the swarm requests in flight but SKIP (one being finished). */
static void
fl_swarm_cancel(struct fleet *f, const struct fl_req *skip)
{
	struct fl_req *r = f->inflight, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (r != skip && r->kind >= FL_SW_NODES)
			fl_release(f, r);
	}
}

/* Give manager INDEX up (WHY may live in a request cancelled here): the
 * next tick asks the next one. */
static void
fl_swarm_failover(struct fleet *f, size_t index, const char *why, const struct fl_req *skip)
{
	struct fl_swarm *w = &f->sw;
	char error[PD_ERROR_LEN];

	snprintf(error, sizeof(error), "%s", why);
	log_msg(LOG_WARN, "swarm: manager %s given up: %s", f->nodes[index].pub.name, error);
	swarm_mark_failed(w->sw, index, error);
	if (w->cur == (int)index) {
		fl_swarm_cancel(f, skip);
		w->cur = -1;
		w->manager[0] = '\0';
	}
	snprintf(w->error, sizeof(w->error), "%s", error);
	w->stale = 1;
	fl_event(&f->nodes[index], PD_EV_NODE, NULL, "swarm", "manager given up: %s", error);
	fl_touch(f);
}

/* The id of swarm node POS of the array at ARG (fl_swarm_relink's index). */
static const char *
fl_swarm_node_key(const void *arg, size_t pos)
{
	return ((const struct pd_swarm_node *)arg)[pos].id;
}

/* Link the swarm's lists with each other and with the inventory nodes:
 * a swarm node whose ID an endpoint's /info gave is that inventory node.
 * The swarm nodes are indexed by id for it (the first of equal ids), so
 * that it costs nodes + swarm nodes, not their product. */
static void
fl_swarm_relink(struct fleet *f)
{
	struct fl_swarm *w = &f->sw;
	size_t *cand = calloc(f->nnodes ? f->nnodes : 1, sizeof(*cand)), nc = 0;
	struct cindex ix;
	int indexed = 1;

	w->relink = 0;
	if (cand != NULL)
		nc = swarm_candidates(w->sw, cand, f->nnodes);
	cindex_init(&ix, fl_swarm_node_key, w->nodes, f->rand_state);
	for (size_t k = 0; k < w->nnodes; k++) {
		w->nodes[k].inventory[0] = '\0';
		if (indexed && cindex_find(&ix, w->nodes[k].id) < 0 &&
		    cindex_insert(&ix, w->nodes[k].id, k) != 0)
			indexed = 0;    /* out of memory: look them up one by one */
	}
	for (size_t i = 0; i < f->nnodes; i++) {
		struct pd_node *p = &f->nodes[i].pub;

		p->swarm_availability[0] = '\0';
		p->swarm_state[0] = '\0';
		p->swarm_manager = 0;
	}
	for (size_t k = 0; k < nc && k < f->nnodes; k++)
		if (cand[k] < f->nnodes)
			f->nodes[cand[k]].pub.swarm_manager = 1;
	for (size_t i = 0; i < f->nnodes; i++) {
		struct pd_node *p = &f->nodes[i].pub;
		struct pd_swarm_node *sn = NULL;

		if (p->swarm_node_id[0] == '\0')
			continue;
		if (indexed) {
			long pos = cindex_find(&ix, p->swarm_node_id);

			sn = pos >= 0 && w->nodes[pos].inventory[0] == '\0' ? &w->nodes[pos] : NULL;
		} else {
			for (size_t k = 0; k < w->nnodes && sn == NULL; k++)
				if (strcmp(w->nodes[k].id, p->swarm_node_id) == 0 &&
				    w->nodes[k].inventory[0] == '\0')
					sn = &w->nodes[k];
		}
		if (sn == NULL)
			continue;
		snprintf(sn->inventory, sizeof(sn->inventory), "%s", p->name);
		snprintf(p->swarm_role, sizeof(p->swarm_role), "%s", sn->role);
		snprintf(p->swarm_availability, sizeof(p->swarm_availability), "%s",
		    sn->availability);
		snprintf(p->swarm_state, sizeof(p->swarm_state), "%s", sn->state);
	}
	cindex_free(&ix);
	free(cand);
	swarm_link(w->nodes, w->nnodes, w->services, w->nservices, w->tasks, w->ntasks);
	fl_touch(f);
}

/* Whether the swarm's lists are fresh: the manager in use gave all three,
 * none older than two intervals and a timeout; marks the model changed
 * when that turned. */
static void
fl_swarm_freshness(struct fleet *f, double now)
{
	struct fl_swarm *w = &f->sw;
	double limit = 2 * f->cfg.swarm_interval + FLEET_SWARM_TIMEOUT;
	int stale = w->cur < 0 || w->answered != 7;

	for (int k = 0; k < 3; k++)
		stale |= w->read_at[k] == 0 || now - w->read_at[k] > limit;
	if (stale != w->stale) {
		w->stale = stale;
		fl_touch(f);
	}
}

/* Apply the swarm part of node N's /info (SI, parsed already): its swarm
 * node ID, its role, and whether it is a manager to ask. */
static void
fl_apply_swarm_info(struct fl_node *n, const struct swarm_info *sip)
{
	struct fleet *f = n->fleet;
	struct swarm_info si = *sip;
	int active;

	active = strcmp(si.state, "active") == 0;
	snprintf(n->pub.swarm_node_id, sizeof(n->pub.swarm_node_id), "%s",
	    active ? si.node_id : "");
	snprintf(n->pub.swarm_role, sizeof(n->pub.swarm_role), "%s",
	    !active ? "" : si.manager ? "manager" : "worker");
	swarm_set_detected(f->sw.sw, fl_index(n), active && si.manager);
	/* Now, not at the next tick: a reader woken by this answer must not
	 * see the node unlinked from its swarm node. */
	fl_swarm_relink(f);
}

/* A request to the swarm manager finished: adopt its list, or fail over
 * when the manager could not serve it. */
static void
fl_swarm_done(struct fleet *f, struct fl_req *r, int rc, double now)
{
	struct fl_swarm *w = &f->sw;
	struct fl_node *n = r->node;
	size_t idx = fl_index(n);
	int which, prc = r->sw_rc;

	if (r->kind == FL_SW_EVENTS) {
		log_msg(LOG_INFO, "%s: swarm event stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		if ((int)idx != w->cur)
			return;
		w->next_poll = now;          /* events may have been missed */
		w->events_next = now + 1.0;
		if (rc != 0 && r->reply.status != 0 && swarm_should_failover(&r->reply))
			fl_swarm_failover(f, idx, r->reply.error, r);
		fl_touch(f);
		return;
	}
	if ((int)idx != w->cur)
		return;                      /* from a manager given up since */
	if (rc != 0) {
		if (swarm_should_failover(&r->reply)) {
			fl_swarm_failover(f, idx, r->reply.error, r);
		} else {
			log_msg(LOG_WARN, "%s", r->reply.error);
			snprintf(w->error, sizeof(w->error), "%.*s", (int)sizeof(w->error) - 1,
			    r->reply.error);
			fl_touch(f);
		}
		return;
	}
	which = (int)(r->kind - FL_SW_NODES);
	/* Parsed before the lock was taken (fl_done): only adopted here. */
	if (prc == 0 && r->kind == FL_SW_NODES) {
		free(w->nodes);
		w->nodes = r->sw_v;
		w->nnodes = r->sw_n;
	} else if (prc == 0 && r->kind == FL_SW_SERVICES) {
		free(w->services);
		w->services = r->sw_v;
		w->nservices = r->sw_n;
	} else if (prc == 0) {
		free(w->tasks);
		w->tasks = r->sw_v;
		w->ntasks = r->sw_n;
	}
	if (prc == 0)
		r->sw_v = NULL;
	if (prc != 0) {
		snprintf(w->error, sizeof(w->error), "%.60s: GET %.60s: %.120s", n->pub.name,
		    r->path, r->sw_err);
		log_msg(LOG_WARN, "%s", w->error);
		fl_touch(f);
		return;
	}
	w->read_at[which] = now;
	w->read_wall[which] = time(NULL);
	w->answered |= 1 << which;
	if (w->answered == 7) {
		w->complete = 1;
		w->error[0] = '\0';
	}
	swarm_mark_ok(w->sw, idx);
	fl_swarm_relink(f);          /* now, not at the next tick: a reader woken by */
	fl_swarm_freshness(f, now);  /* this answer must not see it complete but
	                                unlinked, or stale */
	fl_touch(f);
}

/* Ask the manager in use for the swarm's lists when due (at once after an
 * event), and fail over from one that stopped answering.  Returns the
 * seconds until it next needs a turn. */
static double
fl_swarm_tick(struct fleet *f, double now)
{
	struct fl_swarm *w = &f->sw;
	struct fl_node *n;
	double wait;
	int cur;

	if (w->relink)
		fl_swarm_relink(f);
	if (!swarm_has_managers(w->sw)) {
		if (w->cur >= 0) {           /* the last one was demoted, or left */
			fl_swarm_cancel(f, NULL);
			w->cur = -1;
			w->manager[0] = '\0';
		}
		return 1.0;
	}
	cur = swarm_current(w->sw);
	if (cur < 0 || (size_t)cur >= f->nnodes)
		cur = swarm_next(w->sw, -1);
	if (cur < 0) {
		/* Every manager was given up a moment ago; they are asked again
		 * after a pause. */
		if (w->cur >= 0) {
			fl_swarm_cancel(f, NULL);
			w->cur = -1;
			w->manager[0] = '\0';
		}
		if (!w->complete || !w->stale) {
			w->complete = 1;
			w->stale = 1;
			fl_touch(f);
		}
		return 0.5;
	}
	n = &f->nodes[cur];
	if (!n->connected) {
		if (!n->ever_answered && n->pub.reach == PD_REACH_CONNECTING)
			return 0.1;  /* its first ping is under way */
		fl_swarm_failover(f, (size_t)cur, n->pub.error[0] != '\0' ? n->pub.error :
		    "not connected", NULL);
		return 0.01;
	}
	if (cur != w->cur) {
		fl_swarm_cancel(f, NULL);    /* whatever the previous one still owes */
		w->cur = cur;
		w->answered = 0;
		snprintf(w->manager, sizeof(w->manager), "%s", n->pub.name);
		w->next_poll = now;
		w->events_next = now;
		log_msg(LOG_INFO, "swarm: asking manager %s", n->pub.name);
		fl_event(n, PD_EV_NODE, NULL, "swarm", "manager in use");
		fl_touch(f);
	}
	if (w->events == NULL && now >= w->events_next) {
		if (fl_send(n, FL_SW_EVENTS, fl_swarm_events_path, NULL, 0) != NULL)
			fl_touch(f);
		w->events_next = now + 1.0;
		w->next_poll = now;          /* (re)opened: events may have been missed */
	}
	if (w->inflight == 0 && now >= w->next_poll) {
		fl_send(n, FL_SW_NODES, "/nodes", NULL, FLEET_SWARM_TIMEOUT);
		fl_send(n, FL_SW_SERVICES, "/services?status=true", NULL, FLEET_SWARM_TIMEOUT);
		fl_send(n, FL_SW_TASKS, "/tasks", NULL, FLEET_SWARM_TIMEOUT);
		w->next_poll = now + f->cfg.swarm_interval;
	}
	fl_swarm_freshness(f, now);
	wait = w->next_poll - now;
	return wait < 1.0 ? wait : 1.0;
}

/* ------------------------------------------------------------ container actions */

/* The engine call of ACTION on container ID: METHOD and PATH.  Remove is
 * forced: a running container is killed first (the front end's question
 * says so). */
FLEET_STATIC void
fleet_action_request(enum pd_container_action a, const char *id, char *method, size_t mlen,
    char *path, size_t plen)
{
	snprintf(method, mlen, "%s", a == PD_CACT_REMOVE ? "DELETE" : "POST");
	if (a == PD_CACT_REMOVE)
		snprintf(path, plen, "/containers/%s?force=1", id);
	else
		snprintf(path, plen, "/containers/%s/%s", id, pd_container_action_name(a));
}

/* Seconds to wait for the answer to ACTION: a stop or restart lasts up to
 * the container's stop timeout (STOP_TIMEOUT; < 0: the engine's default,
 * 10 s) before the engine kills it, plus a margin for a slow node. */
FLEET_STATIC double
fleet_action_timeout(enum pd_container_action a, double stop_timeout)
{
	if (stop_timeout < 0)
		stop_timeout = 10.0;
	switch (a) {
	case PD_CACT_STOP:
	case PD_CACT_RESTART:
		return stop_timeout + 20.0;
	case PD_CACT_REMOVE:
		return 30.0;
	default:
		return 20.0;
	}
}

/* Action R on node N was answered (RC from engine_finish): its result is
 * an event of the container. */
static void
fl_action_done(struct fl_node *n, struct fl_req *r, int rc)
{
	const char *what = pd_container_action_name(r->action);
	struct fl_container *c = fl_find(n, r->id);

	if (rc == 0)
		fl_cevent(n, r->id, r->name, "action", "%s by %s: done", what, r->actor);
	else if (r->reply.status == 304)
		fl_cevent(n, r->id, r->name, "action", "%s by %s: done, nothing to change "
		    "(the engine says it already was)", what, r->actor);
	else
		fl_cevent(n, r->id, r->name, "action", "%s by %s: failed: %s", what, r->actor,
		    r->reply.error);
	log_msg(rc == 0 || r->reply.status == 304 ? LOG_INFO : LOG_WARN,
	    "%s: %s %s by %s: %s", n->pub.name, what, r->name, r->actor,
	    rc == 0 || r->reply.status == 304 ? "done" : r->reply.error);
	if (c != NULL)
		fl_want(n, c);
	fl_touch(n->fleet);
}

/* Send the container actions that were queued (the model lock is held). */
static void
fl_action_tick(struct fleet *f)
{
	while (f->actions != NULL) {
		struct fl_action *a = f->actions;
		struct fl_node *n = NULL;
		struct fl_container *c;
		struct fl_req *r = NULL;
		char method[8], path[256];

		f->actions = a->next;
		for (size_t i = 0; i < f->nnodes; i++)
			if (strcmp(f->nodes[i].pub.name, a->node) == 0)
				n = &f->nodes[i];
		if (n == NULL) {
			free(a);
			continue;
		}
		if (!n->connected) {
			fl_cevent(n, a->id, a->name, "action", "%s by %s: failed: %s is not "
			    "connected: not sent", pd_container_action_name(a->action), a->actor,
			    n->pub.name);
			fl_touch(f);
			free(a);
			continue;
		}
		c = fl_find(n, a->id);
		fleet_action_request(a->action, a->id, method, sizeof(method), path, sizeof(path));
		r = fl_send_method(n, FL_ACTION, method, path, a->id,
		    fleet_action_timeout(a->action, c != NULL ? c->stop_timeout : -1));
		if (r == NULL) {
			fl_cevent(n, a->id, a->name, "action", "%s by %s: failed: %s",
			    pd_container_action_name(a->action), a->actor, n->engine->read_only ?
			    "refused: read-only" : "cannot start the request (out of memory?)");
			fl_touch(f);
		} else {
			r->action = a->action;
			snprintf(r->name, sizeof(r->name), "%s", a->name);
			snprintf(r->actor, sizeof(r->actor), "%s", a->actor);
		}
		free(a);
	}
}

/* Parse what R brought for the swarm (its lists, /info's Swarm part)
 * into R, before the model lock is taken. */
static void
fl_parse_swarm(struct fl_req *r)
{
	const char *body = r->reply.body.data ? r->reply.body.data : "";
	size_t len = r->reply.body.len;

	r->sw_err[0] = '\0';
	switch (r->kind) {
	case FL_INFO:
		r->si_rc = swarm_parse_info(body, len, &r->si);
		break;
	case FL_SW_NODES: {
		struct pd_swarm_node *v = NULL;

		r->sw_rc = swarm_parse_nodes(body, len, &v, &r->sw_n, r->sw_err, sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	case FL_SW_SERVICES: {
		struct pd_swarm_service *v = NULL;

		r->sw_rc = swarm_parse_services(body, len, &v, &r->sw_n, r->sw_err,
		    sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	case FL_SW_TASKS: {
		struct pd_swarm_task *v = NULL;

		r->sw_rc = swarm_parse_tasks(body, len, &v, &r->sw_n, r->sw_err, sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	default:
		break;
	}
	if (r->sw_rc != 0) {
		free(r->sw_v);
		r->sw_v = NULL;
	}
}

/* The /events path with its filters (container events that change state). */
static const char fl_events_path[] =
	"/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B"
	"%22create%22%2C%22start%22%2C%22die%22%2C%22destroy%22%2C%22stop%22%2C"
	"%22kill%22%2C%22oom%22%2C%22pause%22%2C%22unpause%22%2C%22rename%22%2C"
	"%22restart%22%2C%22update%22%2C%22health_status%22%5D%7D";

/* (Re)open node N's event stream, then list (RELIST): events may have
 * been missed. */
static void
fl_open_events(struct fl_node *n, double now, int relist)
{
	if (fl_send(n, FL_EVENTS, fl_events_path, NULL, 0) != NULL) {
		n->pub.events_connected = 1;
		if (relist)
			n->next_reconcile = now;
	}
}

/* Send node N's /info (swarm membership changes: a node joins, leaves, is
 * promoted) and its container list when they are due and not in flight. */
static void
fl_info_list_due(struct fl_node *n, double now)
{
	if (n->info_inflight == 0 && now >= n->next_info) {
		fl_send(n, FL_INFO, "/info", NULL, 10.0);
		n->next_info = now + FLEET_INFO_EVERY;
	}
	if (n->list_inflight == 0 && now >= n->next_reconcile) {
		fl_send(n, FL_LIST, "/containers/json?all=1", NULL, 10.0);
		n->next_reconcile = now + n->fleet->cfg.reconcile_interval;
	}
}

/* Node N just answered its first ping: /info, the list and the event
 * stream at once -- the stream first, so that the list sees what it may
 * have missed -- but for a reader of one snapshot (streams_late), whose
 * streams wait for their node's first snapshot (fl_events_due) unless it
 * had one before (a reconnect). */
static void
fl_first_requests(struct fl_node *n, double now)
{
	n->next_info = now;
	n->events_after = now + FLEET_EVENTS_WAIT;
	if (n->events == NULL && (n->first_done || !n->fleet->cfg.streams_late))
		fl_open_events(n, now, 1);
	fl_info_list_due(n, now);
}

/* Whether a node's event stream, not OPEN, is to be opened now: not while
 * a ping of it is PINGING (a reconnect opens it at the answer), and, for
 * a reader of one snapshot (struct fleet_config, streams_late), not while
 * the node's first snapshot is read (FIRST_DONE), for at most until AFTER
 * (FLEET_EVENTS_WAIT after its first answer): the stream held a
 * connection of its own beside the list, /info and the inspects, the
 * engine's and ours, for a reader that ends with the snapshot.  What
 * changes between the node's inspects and its stream's opening (the same
 * turn) waits for the next reconcile list; and the events of a node's
 * first snapshot are not seen, which is why the cockpit (and status
 * --watch) open their streams at once: a busy fleet can take seconds over
 * a node's first snapshot. */
FLEET_STATIC int
fleet_events_due(int open, int pinging, int first_done, double now, double after)
{
	return !open && !pinging && (first_done || now >= after);
}

/* fleet_events_due for node N. */
static int
fl_events_due(const struct fl_node *n, double now)
{
	return fleet_events_due(n->events != NULL, n->ping_inflight > 0,
	    n->first_done || !n->fleet->cfg.streams_late, now, n->events_after);
}

/* Inspects node N may have in flight: more while its first snapshot is
 * being read (the engine answers them side by side), fewer after. */
static int
fl_inspect_limit(const struct fl_node *n)
{
	return n->first_done ? FLEET_INSPECTS_PER_NODE : FLEET_INSPECTS_FIRST;
}

/* Count a request of SECS to a node in ST (FAILED: it failed). */
static void
fl_req_count(struct pd_req_stats *st, double secs, int failed)
{
	int i;

	st->count++;
	st->errors += failed != 0;
	st->seconds += secs > 0 ? secs : 0;
	for (i = 0; i < PD_REQ_BUCKETS && secs > pd_req_bounds[i]; i++)
		;
	if (i < PD_REQ_BUCKETS)
		st->le[i]++;
}

/* A request finished: apply its result to the model. */
static void
fl_done(struct fleet *f, struct fl_req *r, CURLcode code, double now)
{
	struct fl_node *n = r->node;
	cJSON *j = NULL;
	int rc, listbad = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->reply.status);
	rc = engine_finish(n->engine, r->method, r->path, code, &r->reply);
	/* A list has its own verdict: over its cap, cut short, not an array. */
	if (r->kind == FL_LIST && r->reply.status >= 200 && r->reply.status <= 299 &&
	    (r->list->state < 0 || (rc == 0 && fleet_list_end(r->list) != 0))) {
		snprintf(r->reply.error, sizeof(r->reply.error), "%.64s: %s %.200s: %.159s",
		    n->pub.name, r->method, r->path, r->list->error);
		rc = -1;
		listbad = 1;
	}
	/* Replies are parsed before the model lock is taken: a big one must
	 * not stall readers. */
	if (rc == 0 && (r->kind == FL_INFO || r->kind == FL_INSPECT || r->kind == FL_STATS ||
	    r->kind == FL_DETAILS))
		j = cJSON_ParseWithLength(r->reply.body.data ? r->reply.body.data : "",
		    r->reply.body.len);
	if (rc == 0)
		fl_parse_swarm(r);

	pthread_mutex_lock(&f->lock);
	fl_poke(n);
	if (r->kind != FL_EVENTS && r->kind != FL_AGENT && r->kind != FL_SW_EVENTS)
		fl_req_count(&n->pub.req, now - r->started, rc != 0);
	if (r->kind >= FL_SW_NODES) {
		fl_swarm_done(f, r, rc, now);
		goto out;
	}
	if (r->kind == FL_EVENTS) {
		/* The stream ended: an engine restart, a crash, or a cut link.
		 * Ping at once to learn which. */
		n->pub.events_connected = 0;
		n->next_ping = now;
		n->ping_now = 1;
		log_msg(LOG_INFO, "%s: event stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		fl_touch(f);
		goto out;
	}
	if (r->kind == FL_AGENT) {
		/* The stream ended: the agent stopped, the engine restarted, or the
		 * link broke.  Open it again after a backoff, from the last line. */
		double delay = 0.5 * pow(2.0, n->agent_step);

		if (delay > f->cfg.backoff_max)
			delay = f->cfg.backoff_max;
		else
			n->agent_step++;
		n->agent_next = now + delay;
		n->pub.agent_connected = 0;
		if (rc != 0 && r->reply.status == 404 && strcmp(r->id, n->pub.agent) == 0)
			fl_agent_set(n, "");     /* gone: the list finds the next one */
		log_msg(LOG_INFO, "%s: agent stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		fl_touch(f);
		goto out;
	}
	if (r->kind == FL_DETAILS || r->kind == FL_LOGS) {
		struct fl_watch *w = &f->watch;

		if (!w->active || strcmp(w->id, r->id) != 0 || strcmp(w->node, n->pub.name) != 0)
			goto out;  /* the UI looks at something else by now */
		if (rc != 0) {
			snprintf(w->pub.error, sizeof(w->pub.error), "%.*s", (int)sizeof(w->pub.error) - 1,
			    r->reply.error);
			fl_touch(f);
		} else if (r->kind == FL_LOGS) {
			if (fleet_parse_logs(r->reply.body.data, r->reply.body.len, &w->pub) != 0)
				snprintf(w->pub.error, sizeof(w->pub.error),
				    "%s: logs: the engine's stream is malformed", n->pub.name);
			fl_touch(f);
		} else if (j != NULL) {
			fl_apply_details(f, j);
		}
		goto out;
	}
	if (r->kind == FL_ACTION) {
		fl_action_done(n, r, rc);
		goto out;
	}
	if (rc != 0) {
		if (r->kind == FL_PING || !n->connected) {
			n->pub.tls_refused = r->reply.tls_refused;
			fl_node_failed(n, r->reply.error, now);
			r = NULL;  /* released with the node's requests */
			goto out;
		}
		if (r->kind == FL_INSPECT && r->reply.status == 404) {
			struct fl_container *c = fl_find(n, r->id);

			if (c != NULL)
				fl_remove(n, c);
			fl_count(n);
			fl_touch(f);
		} else {
			log_msg(LOG_WARN, "%s", r->reply.error);
			if (r->kind == FL_INFO)
				n->info_done = 1;  /* facts stay unknown; not worth waiting */
			if (listbad || (r->kind == FL_LIST && r->reply.body.overflow)) {
				/* Asking again gets the same: the node says so, and its
				 * first snapshot does not wait for it. */
				snprintf(n->pub.warning, sizeof(n->pub.warning), "%.*s",
				    (int)sizeof(n->pub.warning) - 1, r->reply.error);
				n->listed = 1;
				fl_touch(f);
			}
		}
		goto out;
	}
	n->last_ok = now;
	n->pub.last_seen = time(NULL);
	if (r->kind != FL_PING && r->kind != FL_LIST && j == NULL) {
		/* Stats of a container that just stopped come back empty. */
		log_msg(r->kind == FL_STATS ? LOG_DEBUG : LOG_WARN,
		    "%s: %s %s: the engine sent something that is not JSON",
		    n->pub.name, r->method, r->path);
		goto out;
	}
	switch (r->kind) {
	case FL_PING:
		n->pub.rtt_ms = (now - r->started) * 1000.0;
		/* The answer of a node that is up changes its round trip and
		 * last_seen alone: they go out with the next snapshot, whoever
		 * takes it, and wake no reader. */
		if (!n->connected || n->pub.error[0] != '\0')
			fl_touch(f);
		if (!n->connected) {
			if (engine_set_version(n->engine, r->reply.api_version) != 0) {
				char err[PD_ERROR_LEN];

				snprintf(err, sizeof(err),
				    "%s: GET /_ping: no usable Api-Version header (is this a Docker Engine?)",
				    n->pub.name);
				fl_node_failed(n, err, now);
				r = NULL;
				goto out;
			}
			snprintf(n->pub.api_version, sizeof(n->pub.api_version), "%s",
			    n->engine->api_version);
			n->connected = 1;
			n->ever_answered = 1;
			n->backoff_step = 0;
			n->next_reconcile = now;  /* list at once */
			/* Everything the first snapshot needs goes out now, side by
			 * side on their own connections: /info, the event stream and
			 * the list (fl_node_tick would send them a turn later). */
			fl_first_requests(n, now);
		}
		fl_set_reach(n, PD_REACH_UP, NULL);
		n->next_ping = now + f->cfg.ping_interval;
		break;
	case FL_INFO: {
		uint64_t gen = f->generation, was = fl_node_hash(n);
		int dirty = f->dirty;

		n->info_done = 1;
		fl_apply_info(n, j);
		if (r->si_rc == 0)
			fl_apply_swarm_info(n, &r->si);
		fl_set_reach(n, PD_REACH_UP, NULL);
		/* The same facts again (every FLEET_INFO_EVERY s) outside a
		 * swarm: nothing for readers to wake for. */
		if (!swarm_has_managers(f->sw.sw) && fl_node_hash(n) == was) {
			f->generation = gen;
			f->dirty = dirty;
		}
		break;
	}
	case FL_LIST: {
		uint64_t gen = f->generation, was = fl_node_hash(n);
		int dirty = f->dirty;

		fl_apply_list(n, r->list);
		/* The reconcile list (every reconcile_interval) says what the
		 * model says: no reader wakes for it. */
		if (n->first_done && fl_node_hash(n) == was) {
			f->generation = gen;
			f->dirty = dirty;
		}
		break;
	}
	case FL_INSPECT: {
		struct fl_container *c = fl_find(n, r->id);

		if (c != NULL)
			c->inspecting = 0;
		fl_apply_inspect(n, r->id, j);
		break;
	}
	case FL_STATS:
		fl_apply_stats(n, r->id, j);
		break;
	case FL_EVENTS:
	case FL_DETAILS:
	case FL_LOGS:
	case FL_AGENT:
	case FL_ACTION:
	case FL_SW_NODES:
	case FL_SW_SERVICES:
	case FL_SW_TASKS:
	case FL_SW_EVENTS:
		break;
	}
out:
	if (r != NULL && r->kind == FL_INSPECT) {
		struct fl_container *c = fl_find(n, r->id);

		if (c != NULL)
			c->inspecting = 0;
	}
	pthread_mutex_unlock(&f->lock);
	cJSON_Delete(j);
	if (r != NULL)
		fl_release(f, r);
}

/* ------------------------------------------------------------ scheduling */

/* When a node that is up (UP) and was to be pinged at NEXT is pinged:
 * only an answer proves an engine alive, and an answer to anything else
 * (a list, /info, an inspect, a sample) at LAST_OK proves it as well as a
 * ping would, so the ping waits for INTERVAL after it.  At 1,000 nodes the
 * pings were three quarters of the idle fleet's requests. */
FLEET_STATIC double
fleet_ping_due(double next, double last_ok, double interval, int up)
{
	if (up && last_ok + interval > next)
		return last_ok + interval;
	return next;
}

/* The ping interval when none is set, for a fleet of NNODES: every 2 s,
 * and beyond 500 nodes as often as keeps the fleet's pings at 250 a second
 * (4 s at 1,000), so that an idle fleet's cost stays flat as it grows.  A
 * node shows stale after the interval and the ping's timeout without an
 * answer: 4 s up to 500 nodes, 6 s at 1,000.  An interval set by the
 * user (status --ping-interval) is kept as it is. */
FLEET_STATIC double
fleet_ping_default(size_t nnodes)
{
	double every = (double)nnodes / FLEET_PINGS_PER_SEC;

	return every > FLEET_PING_EVERY ? every : FLEET_PING_EVERY;
}

/* Start what is due on node N; returns the seconds until it next needs a
 * turn. */
static double
fl_node_tick(struct fl_node *n, double now)
{
	struct fleet *f = n->fleet;
	double next = 1.0;
	char path[256];

	if (!n->connected) {
		if (n->ping_inflight == 0 && now >= n->next_connect)
			fl_send(n, FL_PING, "/_ping", NULL, f->cfg.ping_timeout);
		return n->next_connect > now ? n->next_connect - now : f->cfg.ping_timeout;
	}
	if (n->ping_inflight == 0 && now >= n->next_ping) {
		n->next_ping = fleet_ping_due(n->next_ping, n->last_ok, f->cfg.ping_interval,
		    n->pub.reach == PD_REACH_UP && !n->ping_now);
		if (now >= n->next_ping) {
			n->ping_now = 0;
			fl_send(n, FL_PING, "/_ping", NULL, f->cfg.ping_timeout);
		}
	}
	if (fl_events_due(n, now))
		fl_open_events(n, now, 1);
	if (n->pub.agent[0] != '\0' && n->agent == NULL && now >= n->agent_next) {
		/* Follow the agent's stdout from the last line taken, else from
		 * when this fleet started. */
		if (n->ag_sec > 0)
			snprintf(path, sizeof(path), "/containers/%s/logs?follow=1&stdout=1&"
			    "timestamps=1&since=%lld.%09ld", n->pub.agent, n->ag_sec, n->ag_nsec);
		else
			snprintf(path, sizeof(path), "/containers/%s/logs?follow=1&stdout=1&"
			    "timestamps=1&since=%lld", n->pub.agent, (long long)f->started);
		memset(&n->agdemux, 0, sizeof(n->agdemux));
		engine_buf_free(&n->agline);
		n->agline.max = 1u << 20;
		if (fl_send(n, FL_AGENT, path, n->pub.agent, 0) != NULL) {
			n->pub.agent_connected = 1;
			fl_touch(f);
		}
		n->agent_next = now + 1.0;
	}
	fl_info_list_due(n, now);
	/* Inspects: from where the last turn stopped, so that a turn costs
	 * what it sends, not the node's size; a whole round without a wish
	 * clears want_any. */
	if (n->want_any && n->inspect_inflight < fl_inspect_limit(n)) {
		int found = 0;
		size_t k;

		for (k = 0; k < n->nc; k++) {
			size_t i = (n->inspect_cursor + k) % n->nc;
			struct fl_container *c = &n->c[i];

			if (!c->want_inspect)
				continue;
			found = 1;
			if (c->inspecting)
				continue;
			if (n->inspect_inflight >= fl_inspect_limit(n))
				break;
			snprintf(path, sizeof(path), "/containers/%s/json", c->pub.id);
			if (fl_send(n, FL_INSPECT, path, c->pub.id, 10.0) != NULL) {
				c->want_inspect = 0;
				c->inspecting = 1;
			}
		}
		n->inspect_cursor = n->nc ? (n->inspect_cursor + k) % n->nc : 0;
		n->want_any = found;
	}
	if (!n->first_done && n->listed && n->info_done && n->inspect_inflight == 0 &&
	    !n->want_any) {
		fl_first_done(n);
		fl_touch(f);
		/* Its stream now (streams_late), in the snapshot that says the
		 * node is done.  The list it has was read a moment ago: the
		 * next is the regular reconcile, as a reader of one snapshot
		 * ends long before it (a list at once cost `status` a request
		 * a node). */
		if (fl_events_due(n, now))
			fl_open_events(n, now, !f->cfg.streams_late);
	}
	/* The node's next deadline: no turn looks at it before (fl_thread). */
	if (n->next_ping - now < next)
		next = n->next_ping - now;
	if (n->list_inflight == 0 && n->next_reconcile - now < next)
		next = n->next_reconcile - now;
	if (n->info_inflight == 0 && n->next_info - now < next)
		next = n->next_info - now;
	if (n->events == NULL && !n->first_done && f->cfg.streams_late &&
	    n->events_after - now < next)
		next = n->events_after - now;
	if (n->pub.agent[0] != '\0' && n->agent == NULL && n->agent_next - now < next)
		next = n->agent_next - now;
	return next;
}

/* Hand out stats calls to running containers that are due at their tier
 * (fl_tier), round robin over the nodes, never more than the fleet-wide
 * budget in flight, one per node. */
static void
fl_stats_tick(struct fleet *f, double now)
{
	char path[160];

	for (size_t k = 0; k < f->nnodes && f->stats_inflight < f->cfg.stats_budget; k++) {
		struct fl_node *n = &f->nodes[(f->stats_cursor + k) % f->nnodes];
		double due = 1e300;
		int sent = 0;

		if (!n->connected || n->stats_inflight > 0 || n->nc == 0 ||
		    now < n->stats_at)
			continue;
		/* Round robin over the node's containers from its cursor, looking
		 * at FLEET_STATS_SCAN of them at most: a turn's cost is flat. */
		for (size_t m = 0; m < n->nc && m < FLEET_STATS_SCAN; m++) {
			size_t i = (n->stats_cursor + m) % n->nc;
			struct fl_container *c = &n->c[i];
			double every;

			if (strcmp(c->pub.state, "running") != 0)
				continue;
			every = sampling_every(fl_tier(n, c), f->cfg.stats_interval,
			    f->cfg.stats_background, c->samples >= 2);
			if (every < 0)
				continue;
			if (c->last_stats > 0 && now < c->last_stats + every) {
				if (c->last_stats + every < due)
					due = c->last_stats + every;
				continue;
			}
			snprintf(path, sizeof(path),
			    "/containers/%s/stats?stream=false&one-shot=true", c->pub.id);
			if (fl_send(n, FL_STATS, path, c->pub.id, 10.0) != NULL)
				c->last_stats = now;
			n->stats_cursor = i + 1;
			sent = 1;
			break;
		}
		/* Every container looked at and none due: none will be before
		 * DUE unless something of the node changes (fl_poke) or what the
		 * front end shows does (a kick). */
		if (!sent && n->nc <= FLEET_STATS_SCAN)
			n->stats_at = due;
		if (n->nc > FLEET_STATS_SCAN && n->stats_inflight == 0)
			n->stats_cursor = (n->stats_cursor + FLEET_STATS_SCAN) % n->nc;
	}
	f->stats_cursor = f->nnodes ? (f->stats_cursor + 1) % f->nnodes : 0;
}

/* Refresh the watched container's details when due. */
static void
fl_watch_tick(struct fleet *f, double now)
{
	struct fl_watch *w = &f->watch;
	char path[200];

	if (!w->active || w->inflight > 0 || now < w->next)
		return;
	for (size_t i = 0; i < f->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];

		if (strcmp(n->pub.name, w->node) != 0)
			continue;
		w->next = now + FLEET_DETAILS_EVERY;
		if (!n->connected)
			return;
		snprintf(path, sizeof(path), "/containers/%s/json", w->id);
		fl_send(n, FL_DETAILS, path, w->id, 10.0);
		snprintf(path, sizeof(path),
		    "/containers/%s/logs?stdout=1&stderr=1&tail=%d", w->id, PD_LOG_LINES);
		fl_send(n, FL_LOGS, path, w->id, 10.0);
		return;
	}
}

/* Make the shown figures that samples changed since readers last woke a
 * new generation, at most once every FLEET_SAMPLES_WAKE s; returns the
 * seconds until the io loop must call it again.  On 27 real nodes the
 * fleet table's sums took 9 samples a second, each a wakeup, a copy of
 * the model and a redraw of the table in the cockpit that changed a
 * figure or none; a sample is 10 or 30 s apart from the one before, so a
 * second's delay shows nothing later that matters. */
FLEET_STATIC double
fleet_samples_wake(struct fleet *f, double now)
{
	if (!f->samples_pending)
		return FLEET_SAMPLES_WAKE;
	if (now < f->samples_wake_at)
		return f->samples_wake_at - now;
	f->samples_pending = 0;
	f->samples_wake_at = now + FLEET_SAMPLES_WAKE;
	fl_touch(f);
	return FLEET_SAMPLES_WAKE;
}

/* Wake readers if the model changed this turn. */
static void
fl_wake(struct fleet *f)
{
	uint64_t one = 1;

	if (!f->dirty)
		return;
	f->dirty = 0;
	if (write(f->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: readers are awake. */
	}
}

/* curl's socket callback: keep epoll's interest in socket S as curl
 * wants it.  SOCKP is what we assigned to the socket when we added it
 * (curl forgets it with CURL_POLL_REMOVE): a socket without is added, one
 * with is modified -- one epoll_ctl a change, where trying MOD first cost
 * a failed call for every connection a transfer took from the cache.  A
 * socket curl closed without saying so left epoll by itself (the kernel
 * drops a closed file), so each call falls back on the other. */
static int
fl_on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct fleet *f = arg;
	struct epoll_event ev = { 0 };
	int op = sockp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	ev.data.fd = s;
	if (epoll_ctl(f->epfd, op, s, &ev) != 0) {
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(f->epfd, op, s, &ev) != 0) {
			log_msg(LOG_WARN, "io loop: epoll_ctl(%d): %s", (int)s, strerror(errno));
			return 0;
		}
	}
	if (sockp == NULL)
		curl_multi_assign(f->multi, s, f);
	return 0;
}

/* curl's timer callback: when it wants CURL_SOCKET_TIMEOUT (timeouts,
 * and at once for a transfer just added). */
static int
fl_on_timer(CURLM *m, long ms, void *arg)
{
	struct fleet *f = arg;

	(void)m;
	f->curl_due = ms < 0 ? -1 : fl_now() + (double)ms / 1000.0;
	return 0;
}

/* Wake the io thread from another thread (a new action, watch or show). */
static void
fl_kick(struct fleet *f)
{
	uint64_t one = 1;

	if (write(f->kickfd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the io thread will wake. */
	}
}

#define FLEET_EPOLL_BATCH 256

/* Wait up to WAIT seconds for curl's sockets, its timer or a kick, and let
 * curl work on what is ready. */
static void
fl_wait_and_run(struct fleet *f, double wait)
{
	struct epoll_event ev[FLEET_EPOLL_BATCH];
	int nev, running, ms;
	double now = fl_now();

	if (f->curl_due >= 0 && f->curl_due - now < wait)
		wait = f->curl_due - now;
	ms = wait <= 0 ? 0 : (int)(wait * 1000 + 0.999);
	nev = epoll_wait(f->epfd, ev, FLEET_EPOLL_BATCH, ms);
	for (int i = 0; i < nev; i++) {
		int fd = ev[i].data.fd, mask = 0;

		if (fd == f->kickfd) {
			uint64_t v;

			if (read(f->kickfd, &v, sizeof(v)) < 0) {
				/* Nothing to read: another turn took it. */
			}
			/* Another thread changed something (what is shown, an
			 * action, the watch): every node's turn and stats are
			 * due. */
			f->tick_all = 1;
			continue;
		}
		if (ev[i].events & (EPOLLIN | EPOLLHUP))
			mask |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ev[i].events & EPOLLERR)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(f->multi, fd, mask, &running);
	}
	if (f->curl_due >= 0 && fl_now() >= f->curl_due) {
		f->curl_due = -1;
		curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

/* The io thread. */
static void *
fl_thread(void *arg)
{
	struct fleet *f = arg;
	CURLMsg *msg;
	int left, settled;
	double now, wait, w, turn = 0;

	while (!f->stop) {
		now = fl_now();
		wait = 1.0;
		settled = 1;
		pthread_mutex_lock(&f->lock);
		if (f->tick_all) {
			for (size_t i = 0; i < f->nnodes; i++)
				fl_poke(&f->nodes[i]);
			f->tick_all = 0;
		}
		for (size_t i = 0; i < f->nnodes; i++) {
			struct fl_node *n = &f->nodes[i];

			if (now >= n->tick_at) {
				w = fl_node_tick(n, now);
				n->tick_at = now + w;
			}
			w = n->tick_at - now;
			if (w < wait)
				wait = w;
			settled &= n->first_done;
		}
		fl_stats_tick(f, now);
		fl_watch_tick(f, now);
		fl_action_tick(f);
		w = fl_swarm_tick(f, now);
		if (w < wait)
			wait = w;
		w = fleet_samples_wake(f, now);
		if (w < wait)
			wait = w;
		fl_wake(f);
		pthread_mutex_unlock(&f->lock);

		if (f->stop)
			break;  /* a reader that took its last snapshot (fleet_stop) */
		if (wait < 0.01)
			wait = 0.01;
		/* Once every node has its first snapshot, answers that come
		 * within FLEET_TURN_GAP of each other are taken in one turn: a
		 * turn still walks every node (fl_node_tick), so at one turn per
		 * answer the idle cost grew as the square of the fleet
		 * (doc/benchmarks.md, "the idle cockpit at scale"). */
		if (settled && now - turn < FLEET_TURN_GAP) {
			double gap = FLEET_TURN_GAP - (now - turn);
			struct timespec ts = { 0, (long)(gap * 1e9) };

			nanosleep(&ts, NULL);
		}
		fl_wait_and_run(f, wait);
		turn = fl_now();
		now = turn;
		while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
			struct fl_req *r;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			fl_done(f, r, msg->data.result, now);
		}
		/* A hung node: its ping timed out inside curl and failed it above.
		 * Mark nodes stale when they have not answered for a while. */
		pthread_mutex_lock(&f->lock);
		for (size_t i = 0; i < f->nnodes; i++) {
			struct fl_node *n = &f->nodes[i];

			if (n->connected && n->pub.reach == PD_REACH_UP &&
			    now - n->last_ok > f->cfg.ping_interval + f->cfg.ping_timeout) {
				n->pub.reach = PD_REACH_STALE;
				fl_event(n, PD_EV_NODE, NULL, "stale", "no answer for %.0f s",
				    now - n->last_ok);
				fl_touch(f);
			}
		}
		fl_wake(f);
		pthread_mutex_unlock(&f->lock);
		/* Give freed memory back once every node's first snapshot is
		 * done, then every FLEET_TRIM_EVERY s: the blocks of each
		 * request (replies, parse trees, curl's handles) are freed into
		 * holes between the ones that live on, across 100 MB of arena at
		 * 1,000 nodes, and glibc keeps those pages resident until told
		 * (issue 16).  A trim walks the free lists, a few ms. */
		if (f->trim || (f->trim_at > 0 && now >= f->trim_at)) {
			f->trim = 0;
			f->trim_at = now + FLEET_TRIM_EVERY;
#ifdef __GLIBC__
			malloc_trim(0);
#endif
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ public */

/* Hand curl's sockets and timer to the io loop's epoll (fl_wait_and_run). */
static int
fl_epoll_setup(struct fleet *f)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = f->kickfd };

	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->kickfd, &ev) != 0)
		return -1;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fl_on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fl_on_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	return 0;
}

struct fleet *
fleet_new(const struct inventory *inv, const struct fleet_config *cfg)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	if (f->cfg.ping_interval <= 0)
		f->cfg.ping_interval = fleet_ping_default(inv->nnodes);
	if (f->cfg.ping_timeout <= 0)
		f->cfg.ping_timeout = 2.0;
	if (f->cfg.reconcile_interval <= 0)
		f->cfg.reconcile_interval = 10.0;
	if (f->cfg.stats_interval <= 0)
		f->cfg.stats_interval = 10.0;
	if (f->cfg.stats_budget == 0)
		f->cfg.stats_budget = 8;
	if (f->cfg.stats_background == 0)
		f->cfg.stats_background = 300.0;
	if (f->cfg.event_history == 0)
		f->cfg.event_history = 64;
	if (f->cfg.backoff_max <= 0)
		f->cfg.backoff_max = 30.0;
	if (f->cfg.swarm_interval <= 0)
		f->cfg.swarm_interval = 3.0;
	if (f->cfg.max_containers == 0)
		f->cfg.max_containers = PD_MAX_CONTAINERS;
	f->sw.cur = -1;
	snprintf(f->site, sizeof(f->site), "%s", inv->site ? inv->site : "");
	if (inv->agent.image != NULL) {
		char err[PD_ERROR_LEN];

		snprintf(f->agent_image, sizeof(f->agent_image), "%s", inv->agent.image);
		if (agent_trust_dir(inv, f->agent_dir, sizeof(f->agent_dir), err, sizeof(err)) != 0) {
			log_msg(LOG_WARN, "agent records: %s: no agent is trusted", err);
			f->agent_dir[0] = '\0';
		}
	}
	pthread_mutex_init(&f->lock, NULL);
	f->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->curl_due = -1;
	f->multi = curl_multi_init();
	f->nodes = calloc(inv->nnodes ? inv->nnodes : 1, sizeof(*f->nodes));
	f->rand_state = (unsigned)getpid() ^ (unsigned)time(NULL);
	f->sw.sw = swarm_new(inv, f->cfg.read_only);
	if (f->wakefd < 0 || f->kickfd < 0 || f->epfd < 0 || f->multi == NULL ||
	    f->nodes == NULL || f->sw.sw == NULL || fl_epoll_setup(f) != 0) {
		fleet_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	for (size_t i = 0; i < inv->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];
		const struct inv_node *in = &inv->nodes[i];

		n->fleet = f;
		f->rand_state = f->rand_state * 1103515245u + 12345u;
		cindex_init(&n->ix, fl_key, n, f->rand_state);
		n->engine = engine_new(in);
		if (n->engine == NULL) {
			f->nnodes = i + 1;
			fleet_free(f);
			return NULL;
		}
		n->engine->connect_timeout_ms = (long)(f->cfg.ping_timeout * 1000);
		/* Without a share the group's requests use the multi's cache:
		 * slower to release, as correct. */
		if (i % FLEET_SHARE_NODES != 0) {
			n->share = f->nodes[i - i % FLEET_SHARE_NODES].share;
		} else if ((n->share = curl_share_init()) != NULL &&
		    curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
			curl_share_cleanup(n->share);
			n->share = NULL;
		} else if (n->share != NULL) {
			/* TLS sessions as well: each request is an easy handle of
			 * its own, so without this every new connection to a TLS
			 * engine is a full handshake (certificates sent and
			 * verified both ways), and a first snapshot opens several
			 * a node.  Without it, only slower. */
			curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		}
		n->engine->read_only = f->cfg.read_only;
		n->evline.max = FLEET_MAX_EVENT_LINE;
		n->agline.max = 1u << 20;
		n->pub.rtt_ms = -1;
		snprintf(n->pub.name, sizeof(n->pub.name), "%s", in->name);
		snprintf(n->pub.endpoint, sizeof(n->pub.endpoint), "%s", in->endpoint);
		n->pub.insecure = in->insecure;
		for (size_t k = 0; k < in->nlabels && k < PD_MAX_LABELS; k++) {
			snprintf(n->pub.labels[k].key, PD_LABEL_LEN, "%s", in->labels[k].key);
			snprintf(n->pub.labels[k].value, PD_LABEL_LEN, "%s", in->labels[k].value);
			n->pub.nlabels++;
		}
	}
	f->nnodes = inv->nnodes;
	f->first_left = f->nnodes;
	return f;
}

int
fleet_start(struct fleet *f)
{
	int rc;

	f->started = time(NULL);
	rc = pd_thread_start(&f->thread, fl_thread, f);

	if (rc != 0)
		return -rc;
	f->running = 1;
	return 0;
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	if (f->running) {
		f->stop = 1;
		fl_kick(f);
		pthread_join(f->thread, NULL);
	}
	while (f->inflight != NULL)
		fl_release(f, f->inflight);
	while (f->actions != NULL) {
		struct fl_action *a = f->actions;

		f->actions = a->next;
		free(a);
	}
	/* The kept handles hold their group's share: they go first. */
	for (size_t i = 0; i < f->nnodes; i++)
		if (f->nodes[i].small_h != NULL)
			curl_easy_cleanup(f->nodes[i].small_h);
	for (size_t i = 0; i < f->nnodes; i++) {
		if (i % FLEET_SHARE_NODES == 0 && f->nodes[i].share != NULL)
			curl_share_cleanup(f->nodes[i].share);
		engine_free(f->nodes[i].engine);
		engine_buf_free(&f->nodes[i].evline);
		engine_buf_free(&f->nodes[i].agline);
		free(f->nodes[i].c);
		cindex_free(&f->nodes[i].ix);
		free(f->nodes[i].ring);
	}
	free(f->nodes);
	pd_snapshot_free(f->shared);
	free(f->sw.nodes);
	free(f->sw.services);
	free(f->sw.tasks);
	swarm_free(f->sw.sw);
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	if (f->wakefd >= 0)
		close(f->wakefd);
	if (f->kickfd >= 0)
		close(f->kickfd);
	if (f->epfd >= 0)
		close(f->epfd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

struct swarm *
fleet_swarm(struct fleet *f)
{
	return f->sw.sw;
}

int
fleet_wakeup_fd(const struct fleet *f)
{
	return f->wakefd;
}

void
fleet_wakeup_ack(struct fleet *f)
{
	uint64_t v;

	if (read(f->wakefd, &v, sizeof(v)) < 0) {
		/* Nothing pending. */
	}
}

/* Order events newest first. */
static int
fl_event_cmp(const void *a, const void *b)
{
	const struct pd_event *x = a, *y = b;

	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* A copy of N items of SIZE bytes at P (at least one byte), or NULL. */
static void *
fl_dup(const void *p, size_t n, size_t size)
{
	void *q = malloc(n ? n * size : 1);

	if (q != NULL && n > 0)
		memcpy(q, p, n * size);
	return q;
}

/* Copy the swarm part of the model into OUT; called with the lock held.
 * 0, or -1 when out of memory. */
static int
fl_swarm_snapshot(struct fleet *f, struct pd_swarm *out)
{
	struct fl_swarm *w = &f->sw;

	memset(out, 0, sizeof(*out));
	out->active = swarm_has_managers(w->sw);
	if (!out->active)
		return 0;
	snprintf(out->manager, sizeof(out->manager), "%s", w->manager);
	snprintf(out->error, sizeof(out->error), "%s", w->error);
	out->stale = w->stale;
	out->complete = w->complete;
	out->events_connected = w->events != NULL;
	for (int k = 0; k < 3; k++) {
		if (w->read_wall[k] == 0) {
			out->updated = 0;
			break;
		}
		if (out->updated == 0 || w->read_wall[k] < out->updated)
			out->updated = w->read_wall[k];
	}
	out->nmanagers = swarm_managers(w->sw, out->managers);
	out->nodes = fl_dup(w->nodes, w->nnodes, sizeof(*w->nodes));
	out->services = fl_dup(w->services, w->nservices, sizeof(*w->services));
	out->tasks = fl_dup(w->tasks, w->ntasks, sizeof(*w->tasks));
	if (out->nodes == NULL || out->services == NULL || out->tasks == NULL)
		return -1;
	out->nnodes = w->nnodes;
	out->nservices = w->nservices;
	out->ntasks = w->ntasks;
	return 0;
}

struct pd_snapshot *
fleet_snapshot(struct fleet *f)
{
	struct pd_snapshot *s = calloc(1, sizeof(*s));
	size_t nc = 0, ne = 0, ci = 0, ei = 0;
	int complete = 1;

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->nnodes; i++) {
		nc += f->nodes[i].nc;
		ne += f->nodes[i].ring_len;
	}
	/* Every element is written below: no zeroing first (at 1,000 nodes
	 * the containers alone are 9 MB, and the cockpit copies them up to
	 * ten times a second). */
	s->nodes = malloc((f->nnodes ? f->nnodes : 1) * sizeof(*s->nodes));
	s->containers = malloc((nc ? nc : 1) * sizeof(*s->containers));
	s->events = malloc((ne ? ne : 1) * sizeof(*s->events));
	if (s->nodes == NULL || s->containers == NULL || s->events == NULL) {
		pthread_mutex_unlock(&f->lock);
		pd_snapshot_free(s);
		return NULL;
	}
	s->generation = f->generation;
	s->taken = time(NULL);
	snprintf(s->site, sizeof(s->site), "%s", f->site);
	for (size_t i = 0; i < f->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];

		s->nodes[i] = n->pub;
		s->nodes[i].first_container = ci;
		s->nodes[i].ncontainers = n->nc;
		for (size_t k = 0; k < n->nc; k++)
			s->containers[ci++] = n->c[k].pub;
		for (size_t k = 0; k < n->ring_len; k++)
			s->events[ei++] = n->ring[(n->ring_head + k) % n->ring_cap];
		if (!n->first_done)
			complete = 0;
	}
	if (fl_swarm_snapshot(f, &s->swarm) != 0) {
		pthread_mutex_unlock(&f->lock);
		pd_snapshot_free(s);
		return NULL;
	}
	if (s->swarm.active && !s->swarm.complete)
		complete = 0;
	pthread_mutex_unlock(&f->lock);
	s->nnodes = f->nnodes;
	s->ncontainers = ci;
	s->nevents = ei;
	s->complete = complete;
	qsort(s->events, s->nevents, sizeof(*s->events), fl_event_cmp);
	return s;
}

struct pd_snapshot *
fleet_snapshot_recent(struct fleet *f, double max_age)
{
	struct pd_snapshot *s, *old = NULL;

	pthread_mutex_lock(&f->lock);
	s = f->shared;
	if (s != NULL && s->generation == f->generation && fl_now() - f->shared_at < max_age) {
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&f->lock);
		return s;
	}
	pthread_mutex_unlock(&f->lock);
	s = fleet_snapshot(f);
	if (s == NULL)
		return NULL;
	s->refs = 2;                     /* the caller's and the fleet's */
	pthread_mutex_lock(&f->lock);
	/* Another reader may have made one meanwhile: the newer one stays. */
	if (f->shared == NULL || f->shared->generation <= s->generation) {
		old = f->shared;
		f->shared = s;
		f->shared_at = fl_now();
	} else {
		s->refs = 1;
	}
	pthread_mutex_unlock(&f->lock);
	pd_snapshot_free(old);
	return s;
}

uint64_t
fleet_generation(struct fleet *f)
{
	uint64_t g;

	pthread_mutex_lock(&f->lock);
	g = f->generation;
	pthread_mutex_unlock(&f->lock);
	return g;
}

int
fleet_complete(struct fleet *f)
{
	int complete;

	pthread_mutex_lock(&f->lock);
	complete = f->first_left == 0;
	if (complete && swarm_has_managers(f->sw.sw) && !f->sw.complete)
		complete = 0;
	pthread_mutex_unlock(&f->lock);
	return complete;
}

void
fleet_stop(struct fleet *f)
{
	if (f == NULL || !f->running)
		return;
	f->stop = 1;
	fl_kick(f);
}

void
fleet_watch_container(struct fleet *f, const char *node, const char *id)
{
	struct fl_watch *w = &f->watch;

	pthread_mutex_lock(&f->lock);
	if (node == NULL || id == NULL) {
		w->active = 0;
	} else if (!w->active || strcmp(w->node, node) != 0 || strcmp(w->id, id) != 0) {
		memset(&w->pub, 0, sizeof(w->pub));
		snprintf(w->node, sizeof(w->node), "%s", node);
		snprintf(w->id, sizeof(w->id), "%s", id);
		snprintf(w->pub.node, sizeof(w->pub.node), "%s", node);
		snprintf(w->pub.id, sizeof(w->pub.id), "%s", id);
		w->active = 1;
		w->next = 0;
	}
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
}

void
fleet_show(struct fleet *f, const char *const *sums, size_t nsums, const char *each)
{
	pthread_mutex_lock(&f->lock);
	f->show_declared = 1;
	for (size_t i = 0; i < f->nnodes; i++)
		f->nodes[i].show = sampling_node_tier(f->nodes[i].pub.name, sums, nsums, each);
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
}

int
fleet_details(struct fleet *f, struct pd_details *out)
{
	int rc = -1;

	pthread_mutex_lock(&f->lock);
	if (f->watch.active) {
		*out = f->watch.pub;
		rc = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int
fleet_container_find(struct fleet *f, const char *node, const char *ref,
    struct pd_container *out)
{
	struct fl_container *c;
	int rc = -1;
	size_t len = strlen(ref);

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->nnodes && rc == -1; i++) {
		struct fl_node *n = &f->nodes[i];

		if (strcmp(n->pub.name, node) != 0)
			continue;
		rc = -2;
		/* As the engine resolves a reference: the full id first (the id
		 * index: what the cockpit sends), then the name, then an id
		 * prefix (these two scan the node's containers: the CLI's). */
		c = fl_find(n, ref);
		if (c != NULL) {
			*out = c->pub;
			rc = 0;
		}
		for (size_t k = 0; k < n->nc && rc == -2; k++)
			if (strcmp(n->c[k].pub.name, ref) == 0) {
				*out = n->c[k].pub;
				rc = 0;
			}
		for (size_t k = 0; k < n->nc && rc == -2 && len >= 4; k++)
			if (strncmp(n->c[k].pub.id, ref, len) == 0) {
				*out = n->c[k].pub;
				rc = 0;
			}
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int
fleet_container_action(struct fleet *f, const char *node, const char *id, const char *name,
    enum pd_container_action action, const char *actor)
{
	struct fl_action *a = calloc(1, sizeof(*a)), **pp;

	if (a == NULL)
		return -1;
	snprintf(a->node, sizeof(a->node), "%s", node);
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	a->action = action;
	pthread_mutex_lock(&f->lock);
	for (pp = &f->actions; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = a;
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
	return 0;
}

#ifdef UNITTEST
int
fleet_test_apply_list(struct fleet *f, size_t node, const char *body, size_t len)
{
	struct fl_list *l = fleet_list_new(f->cfg.max_containers);
	int rc = -1;

	if (l == NULL)
		return -1;
	fl_list_for(l, &f->nodes[node]);
	if (fleet_list_feed(l, body, len) == 0 && fleet_list_end(l) == 0) {
		f->test_reused = l->reused;
		pthread_mutex_lock(&f->lock);
		fl_apply_list(&f->nodes[node], l);
		pthread_mutex_unlock(&f->lock);
		rc = 0;
	}
	fleet_list_free(l);
	return rc;
}

size_t
fleet_test_list_reused(const struct fleet *f)
{
	return f->test_reused;
}

void
fleet_test_event(struct fleet *f, size_t node, const char *line)
{
	struct fl_node *n = &f->nodes[node];

	fl_on_events((char *)line, 1, strlen(line), &(struct fl_req){ .node = n });
}

/* Apply BODY as the reply of KIND ("inspect", "stats", "info", "details")
 * about container ID of node NODE, as fl_done would. */
int
fleet_test_reply(struct fleet *f, size_t node, const char *kind, const char *id,
    const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);

	if (j == NULL)
		return -1;
	pthread_mutex_lock(&f->lock);
	if (strcmp(kind, "inspect") == 0)
		fl_apply_inspect(&f->nodes[node], id, j);
	else if (strcmp(kind, "stats") == 0)
		fl_apply_stats(&f->nodes[node], id, j);
	else if (strcmp(kind, "info") == 0)
		fl_apply_info(&f->nodes[node], j);
	else if (strcmp(kind, "details") == 0)
		fl_apply_details(f, j);
	pthread_mutex_unlock(&f->lock);
	cJSON_Delete(j);
	return 0;
}

size_t
fleet_body_max(const char *kind)
{
	if (strcmp(kind, "list") == 0)
		return FLEET_MAX_LIST;
	if (strcmp(kind, "inspect") == 0)
		return fl_body_max(FL_INSPECT);
	if (strcmp(kind, "stats") == 0)
		return fl_body_max(FL_STATS);
	if (strcmp(kind, "events") == 0)
		return FLEET_MAX_EVENT_LINE;
	return 0;
}
#endif
