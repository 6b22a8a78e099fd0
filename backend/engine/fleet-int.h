/* fleet-int.h: what the files of the live fleet model share, and no one
 * else: its structures, its limits and the functions one file calls in
 * another.  fleet.c holds the model, the requests and what their
 * replies change; fleet-parse.c the parsers of engine replies (pure, and
 * fuzzed); fleet-swarm.c the swarm seen through its managers; fleet-io.c
 * the scheduling and the io loop.  Callers outside use fleet.h. */
#ifndef PD_FLEET_INT_H
#define PD_FLEET_INT_H

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
#define FLEET_STREAM_BUFFER 1024 /* curl's receive buffer of a long-lived stream (events,
                                    agent logs), bytes, its smallest: held as long as the
                                    stream is open, one a node (curl's default is 16 KiB),
                                    and a stream is idle nearly always; its lines are
                                    gathered in evline/agline whatever the chunks */
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
#define FLEET_RECONCILE_STREAMED 30.0 /* s between reconcile lists while a node's event
                                    stream is up (fleet_reconcile_every) */
#define FLEET_SWARM_TIMEOUT 5.0  /* s for one list from a swarm manager */
#define FLEET_SWARM_DEBOUNCE 0.2 /* s from a swarm event to the lists it makes stale */
#define FLEET_TRIM_EVERY 10.0    /* s between two malloc_trim(0)s once settled (fl_thread) */
#define FLEET_TURN_GAP 0.05      /* s between two turns of the io loop once settled */
#define FLEET_PING_EVERY 2.0     /* s, the default ping interval ... */
#define FLEET_PINGS_PER_SEC 250.0 /* ... up to the fleet size that makes this many */
#define FLEET_SAMPLES_WAKE 1.0   /* s: shown samples wake readers at most this often */

struct fl_node;
struct fl_list;

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

/* A container's strings as a reply gives them, each cut to its cap (the
 * parsers write them here, outside the model lock); the model keeps them
 * by length (fl_container.str). */
struct fl_cstrs {
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	char image[PD_IMAGE_LEN];
	char networks[PD_NAME_LEN];
	char stack[PD_NAME_LEN];
	char ports[PD_PORTS_LEN];
};

struct fl_container {
	struct pd_container pub;         /* its strings point into STR */
	/* id, name, image, networks, stack and ports one after the other,
	 * each with its '\0': one allocation a container (fl_cset), SLEN
	 * bytes, copied whole into a snapshot's string block. */
	char *str;
	size_t slen;
	double prev_cpu, prev_system;    /* last stats sample, for CPU % */
	int have_prev;
	int samples;                     /* stats samples applied, up to 2 */
	int steady;                      /* its last two samples agreed and nothing
	                                    happened to it since (sampling.c) */
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
	/* The cache of idle connections and TLS sessions of the node's group
	 * (up to FLEET_SHARE_NODES nodes of one client certificate,
	 * fl_share_join; the first one's owns it): curl 7.88 walks the whole cache a
	 * handle used each time one is removed from the multi (to close
	 * CONNECT_ONLY connections), which at one cache for the fleet cost
	 * every answer the fleet's size. */
	CURLSH *share;
	int share_own;                   /* made it (the group's first): frees it */
	int share_pos;                   /* place in its group, 0 first */
	/* The easy handle of the node's last small GET (a ping, /info, an
	 * inspect, a sample: fl_small), kept for the next one until the
	 * node's first snapshot is done (fl_first_done frees it): the ten
	 * inspects of a first snapshot each made, set up and freed a handle
	 * (~8 % of `status`'s time at 270 nodes).  Not after it: a handle
	 * that has done a transfer holds ~8.6 KiB (8.6 MB at 1,000 nodes),
	 * and a settled node's small GETs are a ping every few seconds.
	 * SMALL_PING: its URL is the ping's, which a ping need not set again. */
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
	struct pd_label *labels;         /* every node's inventory labels, the nodes' pub
	                                    and every snapshot point into it */
	char *names;                     /* every node's name and endpoint, the same way */
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
	double reconcile_streamed;       /* s between lists while a node's stream is up */
};

/* One entry of a container list, as read outside the model lock. */
struct fl_listed {
	struct pd_container pub;         /* its strings are unset: see S */
	struct fl_cstrs s;
	int agent;                       /* labelled the agent, running, a full id */
	char image_id[AGENT_TRUST_IMAGE_LEN]; /* ImageID */
	int fresh;                       /* not in the model yet (fl_apply_list) */
	uint64_t hash;                   /* of the entry's raw bytes */
	int same;                        /* the bytes last taken for s.id: only s.id is set */
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

/* Seconds on the monotonic clock. */
static inline double
fl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fleet.c: the model, requests and their replies */
void fl_touch(struct fleet *f);
struct fl_container *fl_find(struct fl_node *n, const char *id);
void fl_poke(struct fl_node *n);
/* Append an event to the node's bounded history. */
void fl_event(struct fl_node *n, enum pd_event_kind kind, const char *container,
    const char *action, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
struct fl_req *fl_send(struct fl_node *n, enum fl_kind kind, const char *path, const char *id, double timeout);
void fl_release(struct fleet *f, struct fl_req *r);
void fl_first_done(struct fl_node *n);
void fl_close_transfers(struct fleet *f);
enum sampling_tier fl_tier(const struct fl_node *n, const struct fl_container *c);
void fl_action_tick(struct fleet *f);
void fl_open_events(struct fl_node *n, double now, int relist);
void fl_info_list_due(struct fl_node *n, double now);
int fl_events_due(const struct fl_node *n);
int fl_inspect_limit(const struct fl_node *n);
void fl_done(struct fleet *f, struct fl_req *r, CURLcode code, double now);

/* fleet-parse.c: replies parsed */
void fl_copy_str(char *dst, size_t len, const cJSON *obj, const char *key);
long long fl_int(const cJSON *obj, const char *key, long long lo, long long hi, long long def);
double fl_num(const cJSON *obj, const char *key, double def);
enum pd_health fleet_parse_health_status(const char *s);
double fleet_cpu_percent(double cpu_delta, double system_delta, int ncpu);
uint64_t fleet_mem_usage(const cJSON *ms);
int fleet_parse_logs(const char *data, size_t len, struct pd_details *d);
int fl_parse_stamp(const char **p, long long *sec, long *nsec);
int fleet_parse_agent_line(const char *line, int ts, struct pd_event *e, long long *sec, long *nsec);
void fl_networks(char *out, size_t len, const cJSON *settings);
void fl_stack(char *out, size_t len, const cJSON *labels);
void fl_list_for(struct fl_list *l, struct fl_node *n);
struct fl_list *fleet_list_new(size_t max);
void fleet_list_free(struct fl_list *l);
int fleet_list_feed(struct fl_list *l, const char *data, size_t len);
int fleet_list_end(struct fl_list *l);
uint64_t fl_hash(uint64_t h, const void *p, size_t len);

/* fleet-swarm.c: the swarm */
void fl_apply_swarm_info(struct fl_node *n, const struct swarm_info *sip);
void fl_swarm_done(struct fleet *f, struct fl_req *r, int rc, double now);
double fl_swarm_tick(struct fleet *f, double now);
void fl_parse_swarm(struct fl_req *r, const cJSON *j);

/* fleet-io.c: scheduling and the loop */
double fleet_ping_default(size_t nnodes);
void fl_kick(struct fleet *f);
void *fl_thread(void *arg);
int fl_epoll_setup(struct fleet *f);

#endif
