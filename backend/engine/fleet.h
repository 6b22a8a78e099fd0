/* fleet.h: the live fleet model and the io thread that keeps it.
 *
 * One io thread drives every node's connections with the curl multi
 * interface: a /_ping liveness check, an /events stream, a container list
 * on connect and every few seconds, inspects when something changed, and
 * one-shot stats under a fleet-wide budget.  Where inventory nodes manage a
 * Docker Swarm, the manager in use is asked for the swarm's nodes, services
 * and tasks, on the same loop.  A node that hangs never blocks another.  Readers take snapshots under the model lock and are woken
 * through an eventfd. */
#ifndef PLANTDECK_FLEET_H
#define PLANTDECK_FLEET_H

#include <cjson/cJSON.h>

#include "backend/model/model.h"

struct inventory;
struct fleet;
struct swarm;

/* The state of a container logs stream being split into its payload: the
 * engine multiplexes stdout and stderr into frames [stream 0 0 0 size32be]
 * when the container has no TTY, and sends the bytes as they are when it
 * has one. */
struct fleet_demux {
	int mode;                   /* 0 not known yet, 1 frames, 2 raw */
	unsigned char hdr[8];
	size_t hdrlen;              /* header bytes of the current frame so far */
	size_t left;                /* payload bytes of the current frame to come */
	int stream;                 /* of the current frame: 1 stdout, 2 stderr */
};

struct fleet_config {
	double ping_interval;       /* s, default 2 */
	double ping_timeout;        /* s, default 2 */
	double reconcile_interval;  /* s, default 10, and 30 while a node's event stream
	                               is up; one set is kept either way */
	double stats_interval;      /* s, default 10 */
	unsigned stats_budget;      /* default 8 */
	double stats_background;    /* s between samples of a container nothing shows,
	                               default 300; < 0 never (sampling.c) */
	unsigned event_history;     /* per node, default 64 */
	double backoff_max;         /* s, default 30 */
	double swarm_interval;      /* s between a swarm manager's lists, default 3 */
	int read_only;              /* engines refuse every method but GET */
	unsigned max_containers;    /* kept per node, default PD_MAX_CONTAINERS */
	int one_snapshot;           /* a reader of one snapshot (status without --watch):
	                               no node's event stream is opened (fleet_events_due),
	                               and no trim follows the first snapshot (fl_first_done) */
	/* Called on the io thread (must not block) with agent_kick_arg and a
	 * node's name when the node's trusted agent is adopted and when a
	 * container of a node with one starts, dies, is updated or removed:
	 * the agent's manifest is due (agent-feed.h).  NULL: none. */
	void (*agent_kick)(void *arg, const char *node);
	void *agent_kick_arg;
};

/* A fleet for every node of INV (which it copies what it needs from). */
struct fleet *fleet_new(const struct inventory *inv, const struct fleet_config *cfg);
int fleet_start(struct fleet *f);
void fleet_free(struct fleet *f);     /* stops the thread first */
int fleet_wakeup_fd(const struct fleet *f);
void fleet_wakeup_ack(struct fleet *f);
struct pd_snapshot *fleet_snapshot(struct fleet *f);
/* A snapshot shared with other readers (read only; pd_snapshot_free lets
 * go of it): the last one handed out while the fleet's generation has not
 * moved and it is younger than MAX_AGE seconds, else a new one.  For
 * readers that may see quiet changes late (fleet_generation): the cockpit
 * and heal's detectors, which would otherwise each hold a copy of the
 * whole fleet, and heal would make one every second. */
struct pd_snapshot *fleet_snapshot_recent(struct fleet *f, double max_age);
/* How late a shared snapshot may show quiet changes, s: heal's background
 * memory samples are 300 s apart, and the cockpit draws none of them. */
#define FLEET_SHARED_AGE 10.0
/* The generation a snapshot taken now would carry: while it equals a
 * snapshot's, that snapshot shows what a new one would (but for what the
 * fleet changes quietly: round trips, last answers, background samples). */
uint64_t fleet_generation(struct fleet *f);

/* Whether fleet_snapshot would say complete now, without copying. */
int fleet_complete(struct fleet *f);
/* Ask the io thread to stop after its turn, without waiting for it
 * (fleet_free joins it): a reader that took its last snapshot. */
void fleet_stop(struct fleet *f);
void fleet_watch_container(struct fleet *f, const char *node, const char *id);
/* What the front end shows: the CPU and memory sums of nodes SUMS[0..NSUMS-1]
 * (fleet table lines) and each container of node EACH (NULL: none).  From
 * the first call on, containers are sampled as sampling.c says (what is
 * not shown rarely); before it, every running one every stats interval. */
void fleet_show(struct fleet *f, const char *const *sums, size_t nsums, const char *each);
int fleet_details(struct fleet *f, struct pd_details *out);
/* Container REF (its id, its name or a prefix of the id of 4 or more,
 * looked for in that order, as the engine does) of NODE as last seen, in
 * *OUT (a copy: the model's strings are the io thread's): 0; -1 no such node; -2 no such container. */
struct fleet_found {
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	char image[PD_IMAGE_LEN];
	char state[PD_STATE_LEN];
	int exit_code;
};
int fleet_container_find(struct fleet *f, const char *node, const char *ref,
    struct fleet_found *out);
/* Queue ACTION on container ID (named NAME) of NODE for the io thread,
 * asked for by ACTOR; it never waits for the node.  The result becomes an
 * event of the container (action "action", text "restart by ACTOR: done"
 * or ": failed: why").  0, or -1 out of memory. */
int fleet_container_action(struct fleet *f, const char *node, const char *id, const char *name,
    enum pd_container_action action, const char *actor);
/* The swarm's failover list (backend/engine/swarm.h), for worker threads'
 * swarm_call(); the fleet's io thread keeps it current. */
struct swarm *fleet_swarm(struct fleet *f);

/* An engine's RFC 3339 time ("2026-11-29T12:00:00.123456789Z", with a
 * zone offset too), or 0 when unknown ("0001-01-01T00:00:00Z", junk). */
time_t fleet_parse_time(const char *rfc3339);

/* Feed LEN bytes of a logs stream; each payload goes to OUT with its
 * stream (1 stdout, 2 stderr; raw mode: all of it as 1).  0, or -1 when the
 * framing is broken.  The agent's stream (fleet.c) and the log viewer's
 * (logs.c) both read through it. */
int fleet_demux_feed(struct fleet_demux *d, const char *data, size_t len,
    void (*out)(void *arg, int stream, const char *p, size_t n), void *arg);

/* What the fleet takes of a container's inspect reply, member by member
 * (fleet_parse_inspect): strings cut between characters to fit, "" when
 * absent or not strings; numbers as fl_int / fl_num read them. */
struct fleet_inspect {
	char name[PD_NAME_LEN];          /* Name, with its '/' */
	char image[PD_IMAGE_LEN];        /* Config.Image */
	char status[64];                 /* State.Status */
	enum pd_health health;           /* State.Health.Status */
	int restart_count;               /* RestartCount, 0 unless in 0..INT_MAX */
	int exit_code;                   /* State.ExitCode, 0 unless an int */
	int oom_killed;                  /* State.OOMKilled is true */
	double stop_timeout;             /* Config.StopTimeout, -1 when no number */
	char networks[PD_NAME_LEN];      /* NetworkSettings.Networks' names, "a,b" */
	char stack[PD_NAME_LEN];         /* Config.Labels: the stack (fl_stack) */
	time_t created, started_at, finished_at;  /* 0 when unknown */
};

/* Read an inspect reply (LEN bytes at DATA) into OUT without a parse tree:
 * 0, or -1 when it is not JSON (what cJSON_ParseWithLength refuses). */
int fleet_parse_inspect(const char *data, size_t len, struct fleet_inspect *out);

#ifdef UNITTEST
/* A container list read as it streams in (fleet.c): at most MAX entries
 * parsed, every entry counted. */
struct fl_list;
struct fl_list *fleet_list_new(size_t max);
/* Feed LEN bytes; 0, or -1 with the reason in fleet_list_error(). */
int fleet_list_feed(struct fl_list *l, const char *data, size_t len);
/* The body ended: 0 when it was a whole JSON array. */
int fleet_list_end(struct fl_list *l);
size_t fleet_list_parsed(const struct fl_list *l);
size_t fleet_list_total(const struct fl_list *l);
const char *fleet_list_error(const struct fl_list *l);
void fleet_list_free(struct fl_list *l);
/* Apply BODY as node NODE's container list, as the io thread would (the
 * fleet need not be started); 0, or -1 when it is not a list. */
int fleet_test_apply_list(struct fleet *f, size_t node, const char *body, size_t len);
/* Entries of the last list fleet_test_apply_list applied that were taken
 * unparsed, as the bytes their containers last took. */
size_t fleet_test_list_reused(const struct fleet *f);
/* Feed one /events line to node NODE, as the stream would. */
void fleet_test_event(struct fleet *f, size_t node, const char *line);
/* Apply BODY as the reply of KIND ("inspect", "stats", "info", "details")
 * about container ID of node NODE; 0, or -1 when it is not JSON. */
int fleet_test_reply(struct fleet *f, size_t node, const char *kind, const char *id,
    const char *body, size_t len);
/* The request cap of a kind: "list", "inspect", "stats", "events"; 0 other. */
size_t fleet_body_max(const char *kind);
/* 1: look containers up by a linear search, as before the index (bench). */
extern int fleet_test_linear;

/* When a node that is up and due for a ping at NEXT is pinged, given its
 * last answer to anything at LAST_OK (fleet.c). */
double fleet_ping_due(double next, double last_ok, double interval, int up);
/* The ping interval of a fleet of NNODES when none is set. */
double fleet_ping_default(size_t nnodes);
/* Whether a node's event stream is opened now: not before its first
 * snapshot is done, unless that takes until AFTER (fleet.c). */
int fleet_events_due(int open, int pinging, int one_snapshot);
/* The seconds from a node's reconcile list to its next: INTERVAL, or
 * STREAMED while its event stream is up (fleet.c). */
double fleet_reconcile_every(double interval, double streamed, int stream_up);
/* Wake readers for the shown samples of the last second, if any and if due
 * at NOW; the seconds until it is due again (fleet.c). */
double fleet_samples_wake(struct fleet *f, double now);

/* Parsers the io thread uses, exposed for unit tests. */
enum pd_health fleet_parse_health_status(const char *status);
double fleet_cpu_percent(double cpu_delta, double system_delta, int ncpu);
uint64_t fleet_mem_usage(const cJSON *memory_stats);
/* A container list entry's Ports as "8080->80/tcp,80/tcp", each once. */
void fleet_parse_ports(char *out, size_t len, const cJSON *ports);
int fleet_parse_logs(const char *data, size_t len, struct pd_details *d);
/* The engine call of a container action, and how long to wait for it. */
void fleet_action_request(enum pd_container_action a, const char *id, char *method,
    size_t mlen, char *path, size_t plen);
double fleet_action_timeout(enum pd_container_action a, double stop_timeout);
/* One line of an agent's output, with the engine's timestamp prefix when
 * TS: 1 and E filled (kind, container, action, severity, text, time) for a
 * line that is an event, 0 for a line that is not one, -1 when unparsable.
 * *SEC and *NSEC get the engine's timestamp (0 without). */
int fleet_parse_agent_line(const char *line, int ts, struct pd_event *e, long long *sec,
    long *nsec);
#endif

#endif
