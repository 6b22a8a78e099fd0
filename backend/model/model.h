/* model.h: the model — the data every layer of plantdeck shares.
 *
 * The pd_* types (the fleet, its snapshots and details, tune results,
 * deploys and plans, revisions, audit entries, heal findings and
 * proposals), their constants, the names of their enums, the functions that
 * free them, the sanitiser and the display formatters, and the
 * configuration a front end hands the backend.  It is the bottom of
 * backend/: every other backend file may include it, and it includes no
 * other backend file.  The front ends get it through backend/backend.h.
 *
 * Errors follow the one rule written at the top of backend/backend.h.
 *
 * Every string in these types came from a node, or from a file a user
 * wrote: it is untrusted, and must be sanitised before it reaches a
 * terminal. */
#ifndef PLANTDECK_MODEL_H
#define PLANTDECK_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/sanitize.h"

/* The program's version string, e.g. "0.1.0". */
const char *pd_version(void);

/* ------------------------------------------------------------ text for a terminal */

/* An age for display: "3s", "4m", "2h", "5d", or "-" when THEN is 0. */
void pd_format_age(char *out, size_t len, time_t now, time_t then);

/* A size for display: "512B", "1.5M", "24G". */
void pd_format_bytes(char *out, size_t len, uint64_t v);

/* ------------------------------------------------------------ configuration */

/* What a front end asks of the backend: where the inventory comes from, how
 * often to look, the database, and whether anything may change.  The
 * modules below the facade that load an inventory or open the database
 * themselves (tune, the agent, heal) take it too. */
struct backend_config {
	const char *inventory_path;   /* NULL: contexts, or the environment */
	const char *context;          /* a Docker context name, "*" for all, or NULL */
	const char *selector;         /* --nodes: "line=A,cell=3" or names; NULL all */
	int read_only;                /* refuse every changing command */
	double ping_interval;         /* seconds between liveness pings (0: default) */
	double reconcile_interval;    /* seconds between full container lists */
	double stats_interval;        /* seconds between resource samples per container */
	double swarm_interval;        /* seconds between reads of a Swarm manager's nodes,
	                                 services and tasks (0: default, 3) */
	unsigned stats_budget;        /* stats calls in flight, fleet-wide */
	unsigned event_history;       /* events kept per node */
	int one_snapshot;             /* the front end takes one snapshot and ends (status
	                                 without --watch): no node's event stream is
	                                 opened, as nothing would read it */
	const char *db_path;          /* the database (deploys, revisions, journal); NULL:
	                                 $PLANTDECK_DB, else $XDG_STATE_HOME/plantdeck/plantdeck.db,
	                                 else /var/lib/plantdeck/plantdeck.db when that
	                                 directory exists, else
	                                 ~/.local/state/plantdeck/plantdeck.db */
	int heal;                     /* backend_start also runs the heal detectors and
	                                 executor (not under read_only); see "heal" in
	                                 backend/backend.h */
};

/* ------------------------------------------------------------ the fleet */

enum pd_reach {
	PD_REACH_CONNECTING,   /* never answered yet */
	PD_REACH_UP,           /* answering */
	PD_REACH_STALE,        /* was answering; no answer for a while (hung?) */
	PD_REACH_DOWN,         /* refused, failed or timed out */
};

enum pd_health {
	PD_HEALTH_NONE,        /* no healthcheck */
	PD_HEALTH_STARTING,
	PD_HEALTH_HEALTHY,
	PD_HEALTH_UNHEALTHY,
};

#define PD_ID_LEN 65
#define PD_NAME_LEN 128
#define PD_IMAGE_LEN 256
#define PD_STATE_LEN 16
#define PD_LABEL_LEN 64
#define PD_ERROR_LEN 256
#define PD_EVENT_TEXT_LEN 160
#define PD_MAX_LABELS 16
/* The containers of one node the live model keeps: a longer list is cut
 * (the first ones, in the engine's order) and the node marked. */
#define PD_MAX_CONTAINERS 5000
#define PD_SWARM_ID_LEN 32               /* swarm object ids are 25 characters */

struct pd_label {
	char key[PD_LABEL_LEN];
	char value[PD_LABEL_LEN];
};

/* A container's strings (id, name, image, networks, stack, ports) are
 * stored by length, not in arrays of their caps: never NULL, "" when
 * empty, each at most its cap minus one bytes (PD_ID_LEN ... : what came
 * from the node is cut there).  In a snapshot they point into its string
 * block (pd_snapshot.strings), so they live as long as the snapshot; a
 * container built by hand may point anywhere that outlives it.  At 1,000
 * nodes × 10 the arrays were 785 bytes a container, twice (the io
 * thread's model and the snapshot), for 10-60 bytes of text each. */
#define PD_PORTS_LEN 64
struct pd_container {
	const char *id;                  /* < PD_ID_LEN */
	const char *name;                /* without the leading '/'; < PD_NAME_LEN */
	const char *image;               /* < PD_IMAGE_LEN */
	char state[PD_STATE_LEN];        /* created running paused restarting exited dead */
	enum pd_health health;
	int restart_count;
	int exit_code;
	int oom_killed;                  /* the engine said OOMKilled, or sent an oom event */
	time_t created, started_at, finished_at;  /* 0 when unknown */
	double cpu_pct;                  /* of one CPU; < 0 when not sampled yet */
	uint64_t mem_usage, mem_limit;   /* bytes; 0 when not sampled yet */
	time_t sampled_at;               /* when cpu/mem were sampled; 0 never */
	int inspected;                   /* details above come from an inspect */
	const char *networks;            /* "plc_default,plant-bus": the networks it is
	                                    attached to, from NetworkSettings.Networks
	                                    (host, none or bridge for those modes), or "";
	                                    < PD_NAME_LEN */
	const char *stack;               /* its stack: label io.plantdeck.stack,
	                                    com.docker.stack.namespace or
	                                    com.docker.compose.project, or ""; < PD_NAME_LEN */
	const char *ports;               /* "8080->80/tcp,9000/udp" from the list's Ports
	                                    (whole entries that fit), or ""; < PD_PORTS_LEN */
};

/* pd_node.insecure: how a node is reached without an authenticated engine. */
#define PD_INSECURE_PLAIN 1              /* plaintext tcp:// */
#define PD_INSECURE_NOVERIFY 2           /* TLS, the engine's certificate not verified */

/* plantdeck's own requests to one engine (not the event and log streams),
 * since the start: how many, how many failed (no answer, or an HTTP error),
 * and their durations as a histogram (the metrics of plantdeck serve). */
#define PD_REQ_BUCKETS 9
extern const double pd_req_bounds[PD_REQ_BUCKETS];  /* seconds: 0.005 ... 10 */
struct pd_req_stats {
	uint64_t count, errors;
	double seconds;                  /* the durations summed */
	uint64_t le[PD_REQ_BUCKETS];     /* requests of at most pd_req_bounds[i] s, each
	                                    bucket counted alone (not cumulative) */
};

struct pd_node {
	const char *name;                /* < PD_NAME_LEN, and */
	const char *endpoint;            /* < PD_IMAGE_LEN: the inventory's, made once by the
	                                    fleet in one block the model and every snapshot
	                                    point into (as labels), so valid while the
	                                    backend is open; never NULL */
	int insecure;                    /* reached without an authenticated engine, which
	                                    the inventory's insecure: true allowed:
	                                    PD_INSECURE_PLAIN or _NOVERIFY; 0 when not */
	enum pd_reach reach;
	char error[PD_ERROR_LEN];        /* the last failure, or "" */
	int tls_refused;                 /* down because TLS failed: the engine's certificate
	                                    is not from the inventory's CA, or it refused ours */
	time_t last_seen;                /* last answer; 0 never */
	double rtt_ms;                   /* round trip of the last /_ping; < 0 unknown */
	char engine_version[32];
	char api_version[16];
	char os[64];
	int ncpu;
	uint64_t mem_total;
	int events_connected;            /* the /events stream is open */
	const struct pd_label *labels;   /* the inventory's, at most PD_MAX_LABELS: made
	                                    once by the fleet and shared by every snapshot
	                                    (2 KiB a node copied each time before), so
	                                    valid while the backend is open */
	int nlabels;
	int running, total;              /* container counts */
	size_t listed;                   /* containers in the engine's last list: more than
	                                    total when the list was cut at the cap */
	char warning[PD_ERROR_LEN];      /* while it answers: "list truncated: 50000
	                                    containers, 5000 shown", a reply over its cap;
	                                    or "" */
	size_t first_container;          /* index into the snapshot's containers */
	size_t ncontainers;
	char agent[PD_ID_LEN];           /* the node's trusted agent container, or "" */
	int agent_connected;             /* its logs stream is open */
	int agent_verified;              /* agent is the container agent --start recorded,
	                                    from the pinned image (doc/agent.md) */
	char agent_untrusted[PD_ID_LEN]; /* a running container labelled io.plantdeck.agent=1
	                                    that is not the pinned agent (ignored), or "" */
	unsigned agent_rejected;         /* agent lines that did not verify (dropped) */
	/* Docker Swarm (all "" when the engine is in no swarm).  From its
	 * GET /info, and from the swarm's node list once a manager answered. */
	char swarm_node_id[PD_SWARM_ID_LEN];  /* Swarm.NodeID: links it to a pd_swarm_node */
	char swarm_role[PD_STATE_LEN];        /* manager, worker */
	char swarm_availability[PD_STATE_LEN]; /* active, pause, drain ("" until listed) */
	char swarm_state[PD_STATE_LEN];       /* ready, down, unknown, disconnected ("" until listed) */
	int swarm_manager;               /* a manager to ask: marked in the inventory, or its
	                                    /info says Swarm.ControlAvailable */	struct pd_req_stats req;         /* plantdeck's requests to it */
};

/* ---- Docker Swarm, as its managers see it */

/* One node of the swarm (GET /nodes), as `docker node ls` shows it. */
struct pd_swarm_node {
	char id[PD_SWARM_ID_LEN];
	uint64_t version;                /* Version.Index: what POST /nodes/{id}/update needs */
	char hostname[PD_NAME_LEN];      /* Description.Hostname */
	char role[PD_STATE_LEN];         /* Spec.Role: manager, worker */
	char availability[PD_STATE_LEN]; /* Spec.Availability: active, pause, drain */
	char state[PD_STATE_LEN];        /* Status.State: ready, down, unknown, disconnected */
	char message[PD_ERROR_LEN];      /* Status.Message, or "" */
	char addr[64];                   /* Status.Addr */
	int leader;                      /* ManagerStatus.Leader */
	char reachability[PD_STATE_LEN]; /* ManagerStatus.Reachability: reachable, unreachable,
	                                    unknown; "" for a worker */
	char manager_addr[64];           /* ManagerStatus.Addr ("ip:2377"), or "" */
	char engine_version[32];         /* Description.Engine.EngineVersion */
	struct pd_label labels[PD_MAX_LABELS];  /* Spec.Labels (placement constraints) */
	int nlabels;
	char inventory[PD_NAME_LEN];     /* the inventory node it is (same Swarm.NodeID), or "" */
};

/* One service (GET /services), as `docker service ls` shows it. */
struct pd_swarm_service {
	char id[PD_SWARM_ID_LEN];
	uint64_t version;                /* Version.Index: what POST /services/{id}/update needs */
	char name[PD_NAME_LEN];
	uint64_t force_update;           /* Spec.TaskTemplate.ForceUpdate: with the image, which
	                                    spec a task was made from (see pd_swarm_task) */
	char image[PD_IMAGE_LEN];        /* Spec.TaskTemplate.ContainerSpec.Image (with @digest
	                                    when Swarm pinned one) */
	char mode[PD_STATE_LEN];         /* replicated, global, replicated-job, global-job */
	int desired;                     /* tasks wanted: replicas, or (global) one per node */
	int running;                     /* tasks running that are meant to run */
	char stack[PD_NAME_LEN];         /* label com.docker.stack.namespace, or "" */
	char update_state[24];           /* UpdateStatus.State: updating, paused, completed,
	                                    rollback_started, rollback_paused,
	                                    rollback_completed; "" when never updated */
	char update_message[PD_ERROR_LEN];
	time_t update_started, update_completed;  /* 0 when unknown */
	time_t created, updated;
};

/* One task (GET /tasks), as `docker service ps` shows it. */
struct pd_swarm_task {
	char id[PD_SWARM_ID_LEN];
	char service_id[PD_SWARM_ID_LEN];
	char service[PD_NAME_LEN];       /* its service's name, "" when not listed */
	int slot;                        /* replicated: 1..; global: 0 */
	char node_id[PD_SWARM_ID_LEN];   /* "" while not scheduled */
	char node[PD_NAME_LEN];          /* the inventory node it runs on, else the swarm
	                                    node's hostname, else "" */
	char desired_state[PD_STATE_LEN];  /* running, shutdown, accepted... */
	char state[PD_STATE_LEN];        /* Status.State: new ... running, complete, failed,
	                                    shutdown, rejected, orphaned, remove */
	char message[PD_EVENT_TEXT_LEN]; /* Status.Message */
	char error[PD_ERROR_LEN];        /* Status.Err, or "" */
	time_t since;                    /* Status.Timestamp: when it entered its state */
	time_t created;                  /* Meta.CreatedAt (with its nanoseconds below): */
	long created_nsec;               /* a slot's newest task is its current one */
	char image[PD_IMAGE_LEN];        /* Spec.ContainerSpec.Image */
	uint64_t force_update;           /* Spec.ForceUpdate: a task was made from its service's
	                                    spec when both this and the image are the spec's
	                                    (the API gives a task no spec version) */
	char container_id[PD_ID_LEN];    /* Status.ContainerStatus.ContainerID, or "" */
	int exit_code;                   /* Status.ContainerStatus.ExitCode */
};

/* A manager that plantdeck may ask, in the order it asks them. */
struct pd_swarm_manager {
	char node[PD_NAME_LEN];          /* the inventory node */
	int marked;                      /* "swarm: manager" in the inventory */
	int detected;                    /* its GET /info says Swarm.ControlAvailable */
	int current;                     /* the one in use */
	char error[PD_ERROR_LEN];        /* why it was last given up, or "" */
	time_t failed;                   /* when; 0 never */
};

#define PD_SWARM_MANAGERS 16             /* managers kept in a snapshot (Swarm
                                            advises at most 7) */

/* The swarm part of a snapshot.  All empty when no inventory node is a
 * manager.  The lists are the last ones a manager gave; while no manager
 * answers they are kept, and STALE says so. */
struct pd_swarm {
	int active;                      /* some inventory node is a manager */
	char manager[PD_NAME_LEN];       /* the manager in use, "" while none answers */
	char error[PD_ERROR_LEN];        /* the last manager failure, or "" */
	int stale;                       /* the lists are not fresh: no manager answers, or
	                                    the last answer is old */
	time_t updated;                  /* when the oldest of the three lists was read;
	                                    0 never */
	int events_connected;            /* the manager's /events stream is open */
	int complete;                    /* the lists were read once, or every manager failed */
	struct pd_swarm_manager managers[PD_SWARM_MANAGERS];
	size_t nmanagers;
	struct pd_swarm_node *nodes;     /* by name (inventory name, else hostname), then id */
	size_t nnodes;
	struct pd_swarm_service *services;  /* by name */
	size_t nservices;
	struct pd_swarm_task *tasks;     /* by service name, slot (node for global), newest
	                                    created first: as `docker service ps` */
	size_t ntasks;
};

enum pd_event_kind {
	PD_EV_CONTAINER,                 /* an engine's container event */
	PD_EV_NODE,                      /* a node went up, down, stale */
	PD_EV_ANOMALY,                   /* a line of the node's plantdeck agent container:
	                                    anomaly, oom, drift, overrun (doc/agent.md) */
};

struct pd_event {
	time_t time;
	uint64_t seq;                    /* grows with every event: orders them */
	enum pd_event_kind kind;
	char node[PD_NAME_LEN];
	char container[PD_NAME_LEN];     /* name, or "" */
	char id[PD_ID_LEN];              /* PD_EV_CONTAINER: the container's id, from the
	                                    engine's event; else "" */
	char action[32];                 /* start, die, oom, health_status, up, down… */
	char text[PD_EVENT_TEXT_LEN];    /* details, e.g. "exit code 137" */
	char severity[12];               /* PD_EV_ANOMALY: info, warning, critical; else "" */
};

struct pd_snapshot {
	uint64_t generation;             /* grows with every change */
	time_t taken;
	char site[PD_NAME_LEN];
	struct pd_node *nodes;
	size_t nnodes;
	struct pd_container *containers; /* grouped by node, see pd_node */
	char *strings;                   /* the containers' strings point into it */
	size_t ncontainers;
	struct pd_event *events;         /* fleet-wide, newest first, bounded */
	size_t nevents;
	int complete;                    /* every node answered or failed once (and the
	                                    swarm, if any, see pd_swarm.complete) */
	struct pd_swarm swarm;
	int refs;                        /* 0: one reader's own copy; else the readers
	                                    sharing it (fleet_snapshot_recent): read only */
};

/* Free S (NULL: nothing) and every list in it; of a shared copy, this
 * reader's hold on it. */
void pd_snapshot_free(struct pd_snapshot *s);

#define PD_LOG_LINES 40
#define PD_LINE_LEN 240
#define PD_HEALTH_LOG 5

/* One container's details, fetched on demand for the container screen. */
struct pd_details {
	char node[PD_NAME_LEN];
	char id[PD_ID_LEN];
	int ready;                       /* fetched at least once */
	char error[PD_ERROR_LEN];        /* the last fetch's failure, or "" */
	time_t fetched;
	char command[PD_IMAGE_LEN];      /* entrypoint and command, joined */
	char restart_policy[32];
	int restart_max;
	uint64_t mem_limit, mem_reservation;
	double cpus;                     /* NanoCpus, or quota/period; 0 unlimited */
	char user[64];
	int privileged, read_only_rootfs;
	char health_log[PD_HEALTH_LOG][PD_LINE_LEN];  /* newest last */
	int health_exit[PD_HEALTH_LOG];
	int nhealth;
	char logs[PD_LOG_LINES][PD_LINE_LEN];          /* the last lines, oldest first */
	int nlogs;
};

/* ---- a container's log stream (backend_logs_*, backend/engine/logs.c) */

/* Which lines a log stream starts with, and whether it follows. */
struct pd_logs_query {
	int follow;                      /* keep streaming new lines */
	long tail;                       /* the last TAIL lines; -1 all */
	time_t since;                    /* only lines from then on; 0 any */
};

/* One line of a container's log, cut to PD_LOGS_LINE_MAX bytes.  TEXT came
 * from the container: untrusted, sanitise it before display. */
struct pd_log_line {
	uint64_t seq;                    /* 1, 2, ... in the order received */
	double time;                     /* the engine's timestamp (s, UTC); 0 none */
	int err;                         /* written to stderr */
	int cut;                         /* longer than PD_LOGS_LINE_MAX: the end dropped */
	char *text;                      /* without the newline */
};

#define PD_LOGS_LINE_MAX 2000            /* bytes kept of one line */
#define PD_LOGS_RING 10000               /* lines kept of one stream */

enum pd_logs_state { PD_LOGS_CONNECTING, PD_LOGS_STREAMING, PD_LOGS_ENDED, PD_LOGS_FAILED };

/* Where a log stream is. */
struct pd_logs_status {
	enum pd_logs_state state;
	char error[PD_ERROR_LEN];        /* PD_LOGS_FAILED: why, naming node and container */
	uint64_t received;               /* lines received (the ring keeps the last ones) */
};

void pd_log_lines_free(struct pd_log_line *l, size_t n);

/* Names of the enums, for display and JSON. */
const char *pd_reach_name(enum pd_reach r);
const char *pd_health_name(enum pd_health h);

/* ---- node-local: tune and drift results (backend/node/) */

#define PD_TUNE_ITEMS 8
#define PD_TUNE_VALUE_LEN 48

/* One key of a tune or a drift check. */
struct pd_tune_item {
	char key[24];                    /* memory, memory.high, memory.low, cpus, cpu.max, cpu.weight */
	char want[PD_TUNE_VALUE_LEN];    /* asked for (tune), desired (check) */
	char engine[PD_TUNE_VALUE_LEN];  /* the engine's view afterwards; "" when it has no field */
	char cgroup[PD_TUNE_VALUE_LEN];  /* the cgroup file's value; "" when not read */
	char file[224];                  /* the cgroup file read, or "" */
	char via[24];                    /* tune: "engine", "cgroupfs", "engine+cgroupfs";
	                                    check: where the desired value came from,
	                                    "plantdeck" (remembered) or "engine" */
	int ok;                          /* tune: read back as asked; check: no drift */
	char note[160];                  /* why not ok, or what --fix did */
};

/* What a tune or a drift check did and saw. */
struct pd_tune_result {
	char node[PD_NAME_LEN];
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];
	int local;                       /* its cgroup files are on this machine */
	int cgroup_version;              /* 1 or 2 when local, else 0 */
	char warnings[PD_ERROR_LEN];     /* the engine's warnings, if any */
	struct pd_tune_item items[PD_TUNE_ITEMS];
	size_t nitems;
	int drifted;                     /* check: items that drifted */
	int fixed;                       /* check --fix: items re-applied and now ok */
};


/* ---- deploys: stacks rolled out over the fleet (backend/deploy/, doc/deploy.md) */

enum pd_deploy_state {
	PD_DEPLOY_RUNNING,
	PD_DEPLOY_PAUSED,       /* failure_action pause, or a user: resume goes on */
	PD_DEPLOY_COMPLETED,    /* every target passed monitor on the new revision */
	PD_DEPLOY_FAILED,       /* ended with failures (continue), or a rollback failed */
	PD_DEPLOY_ROLLING_BACK, /* its touched nodes are being returned */
	PD_DEPLOY_ROLLED_BACK,  /* its touched nodes are back on the previous revision */
	PD_DEPLOY_ABORTED,      /* stopped by a user; touched nodes keep what they have */
	PD_DEPLOY_INTERRUPTED,  /* the process running it died: resume or roll back */
};

enum pd_phase {
	PD_PHASE_PENDING,       /* not touched yet */
	PD_PHASE_PULLING,
	PD_PHASE_PULLED,        /* every image is on the node; nothing switched */
	PD_PHASE_SWITCHING,     /* old containers renamed/stopped, new created/started */
	PD_PHASE_HEALTH,        /* waiting for healthy (or running), up to the deadline */
	PD_PHASE_MONITOR,       /* healthy; must stay so for monitor seconds */
	PD_PHASE_DONE,          /* passed monitor; old containers removed */
	PD_PHASE_FAILED,
	PD_PHASE_ROLLING_BACK,
	PD_PHASE_ROLLED_BACK,
	PD_PHASE_SKIPPED,       /* never touched: the deploy paused, aborted or rolled back */
};

struct pd_deploy_node {
	char node[PD_NAME_LEN];
	enum pd_phase phase;
	int wave;                        /* 0 is the canary wave */
	int pull_pct;                    /* 0..100 while pulling, -1 unknown */
	char step[64];                   /* the last journal step, e.g. "start plc" */
	char error[PD_ERROR_LEN];        /* why it failed, or "" */
	int failed;                      /* it failed in this deploy, also when a rollback
	                                    restored it since (what the breaker counted) */
	time_t updated;
};

struct pd_deploy {
	int64_t id;
	char stack[PD_NAME_LEN];
	char kind[16];                   /* "deploy" or "rollback" */
	char target[16];                 /* "engines" or "swarm": what switched its nodes */
	int64_t parent;                  /* a rollback: the deploy it undoes; else 0 */
	int revision;                    /* the revision it brings its nodes to */
	int from_revision;               /* the stack's revision before it; 0 none */
	enum pd_deploy_state state;
	char failure_action[16];         /* pause, rollback, continue */
	double max_failure_ratio;
	int total, done, failed, touched;  /* node counts */
	char message[PD_ERROR_LEN];      /* why it paused, failed or ended */
	char user[64];                   /* who started it */
	time_t started, updated;
	int live;                        /* run by an executor of this process */
	struct pd_deploy_node *nodes;    /* filled by backend_deploy_get() only */
	size_t nnodes;
};

/* One target of a plan. */
struct pd_plan_node {
	char node[PD_NAME_LEN];
	int wave;                        /* 0 is the canary wave */
};

struct pd_plan_service {
	char name[PD_NAME_LEN];
	char image[PD_IMAGE_LEN];
};

/* What a deploy would do, made from a stack file before anything changes. */
struct pd_plan {
	char file[512];
	char stack[PD_NAME_LEN];
	int revision;                    /* the revision this deploy would create */
	int from_revision;               /* the stack's current revision; 0 none */
	char target[16];                 /* "engines" or "swarm" (x-plantdeck.target) */
	char policy[PD_ERROR_LEN];       /* one line: "canary 1, waves x2 up to all, ..." */
	char networks[PD_ERROR_LEN];     /* "STACK_default, plant-bus (external)", or "" */
	char secrets[PD_ERROR_LEN];      /* "db_pw (secret, file /srv/pw, sha256 1a2b3c4d)",
	                                    or "": where each comes from, never its content */
	char volumes[PD_ERROR_LEN];      /* "STACK_data (local), hist (external)", or "" */
	char order[PD_ERROR_LEN];        /* start order when a service depends on another:
	                                    "plc, gateway (plc started), hmi (gateway
	                                    healthy)", or "" */
	struct pd_plan_service *services;
	size_t nservices;
	struct pd_plan_node *nodes;      /* the targets, in wave order */
	size_t nnodes;
	int nwaves;
	char **warnings;                 /* "FILE:LINE:COL: ..." */
	size_t nwarnings;
	char **diff;                     /* what changes against revision from_revision,
	                                    one line each ("service plc: image A -> B",
	                                    "no change"); none for a first revision */
	size_t ndiff;
	char vars[PD_ERROR_LEN];         /* the variables set for this plan alone,
	                                    "PLC_TAG=bad, DB_PASSWORD=(hidden)", or "" */
	void *priv;                      /* the parsed stack */
	void (*priv_free)(void *priv);   /* frees PRIV (set by whoever sets it) */
};

enum pd_deploy_cmd {
	PD_CMD_PAUSE,                    /* stop starting nodes; in-flight ones finish */
	PD_CMD_RESUME,                   /* a paused or interrupted deploy goes on */
	PD_CMD_ABORT,                    /* stop starting nodes, for good */
	PD_CMD_ROLLBACK,                 /* return its touched nodes to TO_REVISION
	                                    (0: the revision before it) */
};

/* One thing `plantdeck down` removed, failed to remove, or (a dry run)
 * would remove: a container, network or volume of a node, a Swarm
 * service, network, secret or config, a swarm node's placement label, or a
 * node that could not be reached (kind "node"). */
struct pd_down_item {
	char node[PD_NAME_LEN];          /* the inventory node; "" for the swarm's */
	char kind[16];                   /* container, network, volume, service, secret,
	                                    config, label, node */
	char name[PD_NAME_LEN * 2];      /* from a node: sanitise before printing */
	int ok;                          /* 1 removed, 0 failed (ERROR), -1 dry run */
	char error[PD_ERROR_LEN];
};

/* Free PLAN (NULL: nothing), its parsed stack with it. */
void pd_plan_free(struct pd_plan *plan);

/* Free D's nodes (not D); free an array of N deploys and their nodes. */
void pd_deploy_free(struct pd_deploy *d);          /* frees nodes, not D */
void pd_deploys_free(struct pd_deploy *d, size_t n);

/* Names of the enums, for display, JSON and the database. */
const char *pd_deploy_state_name(enum pd_deploy_state s);
const char *pd_phase_name(enum pd_phase p);

/* One revision of a stack. */
struct pd_revision {
	char stack[PD_NAME_LEN];
	int revision;
	int current;                     /* the stack's nodes were last brought to it */
	int64_t deploy;                  /* the deploy that created it */
	time_t created;
	char file[512];
	char images[PD_ERROR_LEN];       /* "plc=127.0.0.1:5000/plant/plc-sim:2, ..." */
};


/* ---------------------------------------------------------------- audit */

/* One entry of the audit trail (doc/audit.md), as it is stored. */
struct pd_audit_entry {
	int64_t id;
	char time[40];                   /* ISO 8601 UTC: "2025-03-01T12:00:00.123Z" */
	char *actor;                     /* "user@/dev/pts/3 from 10.1.2.3" */
	char *action;                    /* "deploy", "rollback", "tune", "approve", ... */
	char *target;
	char *detail;
	char prev_hash[65];              /* hex SHA-256 of the entry before */
	char hash[65];                   /* hex SHA-256 of this one */
	char sig[129];                   /* hex Ed25519 signature, "" when unsigned */
};

/* What `audit verify` found besides the first bad entry (doc/audit.md). */
struct pd_audit_report {
	size_t count;                    /* entries read */
	size_t nsigned;                  /* entries whose signature was checked good */
	int64_t unsigned_first;          /* entries written before signing started: */
	int64_t unsigned_last;           /*   ids FIRST..LAST (0: none) */
	int keyed;                       /* a public key was given: signatures checked */
	int checkpoint;                  /* the chain was checked against a checkpoint */
	int64_t cp_id;                   /* its head entry, time and line */
	char cp_time[40];
	long cp_line;
	char cp_path[512];               /* the checkpoint file looked at ("" none) */
};

/* Free the N entries of E, and E. */
void pd_audit_free(struct pd_audit_entry *e, size_t n);

/* ---------------------------------------------------------------- four eyes */

/* A request for a second person's approval of a fleet-wide action
 * (backend/store/store-approval.c, doc/security.md). */
struct pd_approval {
	int64_t id;
	char kind[16];                   /* "deploy", "rollback", "quarantine" */
	char target[PD_ERROR_LEN];       /* "stack web revision 4 on 5 nodes" */
	char detail[PD_ERROR_LEN];
	int nodes;                       /* the nodes it touches */
	char state[16];                  /* pending approved rejected cancelled done failed */
	char requester[128];             /* store_actor() of the requester */
	char decider[128];               /* of the approver or rejecter, or "" */
	char reason[PD_ERROR_LEN];       /* a rejection's reason, or "" */
	char result[PD_ERROR_LEN];       /* how it ended: "deploy #12 started", or "" */
	time_t created, decided;         /* 0: not yet */
};

/* ---------------------------------------------------------------- heal */
/* What the self-healer (backend/heal/, doc/heal.md) finds and proposes; see
 * "heal" in backend/backend.h for how a proposal is decided and carried out.
 * Every text in them that came from a node is untrusted. */

enum pd_finding_kind {
	PD_FIND_CRASH_LOOP,              /* N die events in a window */
	PD_FIND_EXITED,                  /* a stack's container exited non-zero */
	PD_FIND_OOM,                     /* the engine's oom event */
	PD_FIND_UNHEALTHY,               /* its healthcheck says unhealthy */
	PD_FIND_NODE_DOWN,               /* unreachable past a grace period */
	PD_FIND_PULL_FAILED,             /* a deploy could not pull an image */
	PD_FIND_ANOMALY,                 /* the node's agent caught an abnormal syscall
	                                    (signal, exec, ptrace) aimed at the container */
	PD_FIND_DRIFT,                   /* the node's agent: a cgroup limit is no longer
	                                    what was set (memory, memory.high, cpu...) */
	PD_FIND_STRANDED,                /* a stack's container on a node that has been
	                                    unreachable past the grace period */
	PD_FIND_TASK_FAILING,            /* a Swarm service's tasks keep failing on a node
	                                    (container: the service's name) */
};

enum pd_heal_action {
	PD_HEAL_RESTART,                 /* restart the container where it is (Swarm: force-
	                                    update the service, which replaces its tasks) */
	PD_HEAL_RESCHEDULE,              /* its stack onto another node of its placement
	                                    (Swarm: drain the node; Swarm moves its tasks) */
	PD_HEAL_ROLLBACK,                /* its stack to the previous revision, on its node
	                                    (Swarm: the service's rollback to its previous spec) */
	PD_HEAL_MEMORY,                  /* raise its memory limit (and start it if stopped) */
	PD_HEAL_QUARANTINE,              /* pause it (memory kept) and commit its files to a
	                                    snapshot image on its node, for analysis */
	PD_HEAL_REAPPLY,                 /* re-apply its desired limits through the node's agent */
};

enum pd_proposal_state {
	PD_PROP_PENDING,                 /* waits for approve or reject */
	PD_PROP_APPROVED,                /* waits for the executor */
	PD_PROP_EXECUTING,
	PD_PROP_VERIFYING,               /* done; watching whether it helped */
	PD_PROP_SUCCEEDED,               /* it helped */
	PD_PROP_FAILED,                  /* it could not be done or did not help */
	PD_PROP_REJECTED,
	PD_PROP_EXPIRED,                 /* the situation resolved itself first, or a deploy
	                                    of its stack (a rollback) fixed it: result says */
};

/* What a detector saw. */
struct pd_finding {
	int64_t id;
	enum pd_finding_kind kind;
	char node[PD_NAME_LEN];          /* where (moves with a reschedule) */
	char container[PD_NAME_LEN];     /* "" for a node's finding */
	char stack[PD_NAME_LEN];         /* "" when not a stack's container */
	int open;                        /* 0: resolved (quiet for a while) */
	int count;                       /* how often seen: events, or returns after a quiet spell */
	time_t first_seen, last_seen, resolved;
	char evidence[PD_ERROR_LEN];     /* what was seen, when, how often */
	char reason[PD_ERROR_LEN];       /* no live proposal: why, and what the engineer can
	                                    do; "" while one is live (doc/heal.md) */
};

/* One proposed action for a finding. */
struct pd_proposal {
	int64_t id;
	int64_t finding;
	enum pd_finding_kind kind;       /* of its finding */
	int stage;                       /* 1, 2, 3: its place on the escalation ladder */
	enum pd_heal_action action;
	enum pd_proposal_state state;
	char node[PD_NAME_LEN];          /* the target: a container of a node */
	char container[PD_NAME_LEN];
	char stack[PD_NAME_LEN];         /* "" when not a stack's container */
	char to_node[PD_NAME_LEN];       /* reschedule: where to */
	int to_revision;                 /* rollback: to which revision */
	uint64_t memory_from, memory_to; /* memory: the limit now and proposed, bytes */
	char snapshot[PD_NAME_LEN];      /* quarantine: the snapshot image (REPO:TAG) */
	char reason[PD_ERROR_LEN];       /* why this action */
	char evidence[PD_ERROR_LEN];     /* the finding's evidence when proposed */
	char expected[PD_ERROR_LEN];     /* what should be true afterwards */
	char result[PD_ERROR_LEN];       /* what was done and seen, or why it expired */
	int automatic;                   /* approved by the inventory's heal.auto */
	char decided_by[128];            /* who approved or rejected (store_actor) */
	char reject_reason[PD_ERROR_LEN];
	time_t created, updated, decided;
};

/* Names of the enums, for display, JSON and the database. */
const char *pd_finding_kind_name(enum pd_finding_kind k);
const char *pd_heal_action_name(enum pd_heal_action a);
const char *pd_proposal_state_name(enum pd_proposal_state s);

/* The value called NAME (as the *_name functions above give it), for
 * reading back what was stored; the first value (0) for NULL or an unknown
 * name, e.g. one a newer schema wrote. */
enum pd_deploy_state pd_deploy_state_from_name(const char *name);
enum pd_phase pd_phase_from_name(const char *name);
enum pd_finding_kind pd_finding_kind_from_name(const char *name);
enum pd_heal_action pd_heal_action_from_name(const char *name);
enum pd_proposal_state pd_proposal_state_from_name(const char *name);

/* ------------------------------------------------------------- serve */
/* A `plantdeck serve` on the same database, as its heartbeat says
 * (store/store-serve.c): the cockpit's SERVE mark. */
enum pd_serve_state { PD_SERVE_NONE, PD_SERVE_LIVE, PD_SERVE_STALE };

struct pd_serve {
	enum pd_serve_state state;
	int live;                        /* how many beat now */
	char host[128];                  /* the newest live one (else stale one): */
	long pid;
	time_t started, beat;
	int heal;                        /* it runs the heal detectors (not read-only) */
	char metrics[128];               /* where it serves /metrics, "" none */
};

/* ------------------------------------------------------------- records */
/* What the database says of deploys and heal, as a backend thread read it
 * for the cockpit (backend_records_take): the UI thread never waits on
 * the database.  Each array is the caller's once taken. */
struct pd_records {
	int locked;                      /* the database is locked by another process:
	                                    nothing else is filled; what was taken
	                                    before is still the newest known */
	char locked_err[PD_ERROR_LEN];   /* its words */
	time_t read_at;                  /* when this was read (wall clock) */
	struct pd_deploy *deploys;       /* the newest, without nodes */
	size_t ndeploys;
	char deploys_err[PD_ERROR_LEN];  /* "" when they were read */
	struct pd_deploy *running;       /* the running deploys, with their nodes */
	size_t nrunning;
	int64_t watched_id;              /* the deploy asked for (-1: none)... */
	struct pd_deploy watched;        /* ...with its nodes, when watched_ok */
	int watched_ok;
	char watched_err[PD_ERROR_LEN];
	struct pd_proposal *proposals;   /* every proposal, newest first */
	size_t nproposals;
	char heals_err[PD_ERROR_LEN];
	struct pd_finding *findings;     /* open findings, newest first; all of them
	                                    (the newest 500) when asked for */
	size_t nfindings;
	int all_findings;
	int heal_runner;                 /* backend_heal_runner(): 1, 0, -1 */
	char heal_who[PD_ERROR_LEN];
	struct pd_approval *approvals;   /* four-eyes requests pending or approved,
	                                    newest first */
	size_t napprovals;
	struct pd_serve serve;           /* a plantdeck serve on this database */
};

void pd_records_free(struct pd_records *r);     /* R and everything in it */

/* ------------------------------------------------------------- commands */
/* A command of a front end, run on the backend's command thread
 * (backend_command_send, backend/commands.c) so that the UI thread never
 * waits on the database (a busy timeout, an fsync) or on a lock a deploy
 * holds.  The front end fills the request, the thread fills the result, and
 * the same struct comes back done (backend_command_take).  Free it with
 * pd_command_free. */
enum pd_command_kind {
	PD_COMMAND_CONTAINER,            /* node, ref, action: backend_container_action */
	PD_COMMAND_HEAL_APPROVE,         /* id: backend_heal_approve */
	PD_COMMAND_HEAL_REJECT,          /* id, text (the reason): backend_heal_reject */
	PD_COMMAND_DEPLOY,               /* id, action (enum pd_deploy_cmd): backend_deploy_command */
	PD_COMMAND_DEPLOY_START,         /* plan (taken over): backend_deploy_start; newid */
	PD_COMMAND_PLAN,                 /* text (the file), selector, vars: plan */
	PD_COMMAND_APPROVAL_APPROVE,     /* id: backend_approval_decide, approve */
	PD_COMMAND_APPROVAL_REJECT,      /* id, text (the reason): ..., reject */
};

struct pd_command {
	enum pd_command_kind kind;
	uint64_t seq;                    /* given by backend_command_send: 1, 2, ... */
	char node[PD_NAME_LEN];
	char ref[PD_ID_LEN];             /* a container's id or name */
	char label[PD_NAME_LEN];         /* the front end's own words for the target */
	int action;
	int64_t id;
	char *text;                      /* a reason or a file (malloc'd; may be NULL) */
	char *selector;                  /* malloc'd; NULL: none */
	char **vars;                     /* "NAME=VALUE", nvars of them, malloc'd */
	size_t nvars;
	struct pd_plan *plan;            /* DEPLOY_START's (taken over), PLAN's result */
	int rc;                          /* the entry point's return */
	char err[PD_ERROR_LEN];
	int64_t newid;                   /* the deploy started, or a rollback's */
	struct pd_command *next;         /* the backend's queue */
};

/* A new command of KIND, zeroed; NULL out of memory. */
struct pd_command *pd_command_new(enum pd_command_kind kind);
void pd_command_free(struct pd_command *c);     /* C and everything in it */

/* ---------------------------------------------------------------- alarms */
/* What is wrong in the fleet now, worst first, from one snapshot
 * (backend/model/alarm.c): the cockpit's alarm line, its jump key and the
 * kiosk's alarm page all read this one list. */

enum pd_alarm_kind {                 /* worst first */
	PD_ALARM_NODE_DOWN,              /* the node refuses or fails */
	PD_ALARM_NODE_STALE,             /* the node stopped answering (hung?) */
	PD_ALARM_OOM,                    /* the kernel killed it for memory: while it is
	                                    not running, and PD_ALARM_OOM_SECS after the
	                                    kill once it runs again */
	PD_ALARM_RESTARTING,             /* a crash loop: the engine restarts it, or it
	                                    has restarts and died within
	                                    PD_ALARM_RESTART_SECS */
	PD_ALARM_UNHEALTHY,              /* its healthcheck fails */
	PD_ALARM_EXITED,                 /* exited non-zero, not stopped by a signal
	                                    someone sent (SIGTERM, SIGKILL, SIGINT) */
};

#define PD_ALARM_OOM_SECS 600        /* an OOM alarm outlives the kill by this much
                                        once the container runs again */
#define PD_ALARM_RESTART_SECS 300    /* a running container that the engine restarted
                                        this recently is still a crash loop */

struct pd_alarm {
	enum pd_alarm_kind kind;
	char node[PD_NAME_LEN];
	char container[PD_NAME_LEN];     /* "" for a node's alarm */
	char id[PD_ID_LEN];              /* the container's id, "" for a node's */
	int restarts;                    /* the engine's RestartCount */
	int exit_code;
	time_t since;                    /* the node's last answer, the container's kill
	                                    or exit; 0 unknown */
};

/* The alarms of snapshot S, worst first (by kind; then the most restarts;
 * then node and container name), in *N; NULL (and 0) when there are none
 * or no memory.  One alarm per node or container, of its worst kind.  The
 * containers of a node that is not up raise none: what is known of them is
 * old, and the node's own alarm says so.  Free with free(). */
struct pd_alarm *pd_alarms(const struct pd_snapshot *s, size_t *n);

/* The name of an alarm's kind: "down", "stale", "oom", "restarting",
 * "unhealthy", "exited". */
const char *pd_alarm_kind_name(enum pd_alarm_kind k);

/* A's short text for a person, "restarting ×13", "OOM", "DOWN" (with
 * ASCII, "x13"); holds no text from a node. */
void pd_alarm_text(char *out, size_t len, const struct pd_alarm *a, int ascii);

/* The alarm line of the N alarms A in OUT, in at most WIDTH columns: the
 * worst culprits by name, the rest counted, names sanitised:
 * "ALARM lab-01/crashy restarting ×13 · lab-02/leaky OOM · +2 more"
 * (with ASCII: "x13", ", ").  "" when N is 0.  Returns how many it names. */
size_t pd_alarm_line(char *out, size_t len, const struct pd_alarm *a, size_t n, int width,
    int ascii);

/* ---------------------------------------------------------------- container actions */
/* What an engineer can do to one container from a front end
 * (backend_container_action): each is one engine call, audited first. */
enum pd_container_action {
	PD_CACT_RESTART,                 /* POST /containers/ID/restart */
	PD_CACT_STOP,                    /* POST /containers/ID/stop (its stop timeout) */
	PD_CACT_START,                   /* POST /containers/ID/start */
	PD_CACT_PAUSE,                   /* POST /containers/ID/pause */
	PD_CACT_UNPAUSE,                 /* POST /containers/ID/unpause */
	PD_CACT_REMOVE,                  /* DELETE /containers/ID?force=1: a running one is
	                                    killed first (the question says so) */
	PD_CACT_COUNT
};

/* "restart", "stop", "start", "pause", "unpause", "remove"; "unknown". */
const char *pd_container_action_name(enum pd_container_action a);
/* The action called NAME, or -1. */
int pd_container_action_from_name(const char *name);

#endif
