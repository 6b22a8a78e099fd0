/* backend.h: the backend's public face, the only backend header tui/ and
 * cli/ include.
 *
 * The backend owns every thread, socket, file and database handle.  Readers
 * take snapshots: consistent copies of the fleet model that they own and
 * free; a wakeup fd becomes readable when the model changed.  Commands that
 * change anything are checked here, so that a read-only (kiosk) front end
 * cannot be talked into changing a node.
 *
 * Every string in a snapshot came from a node, or from a file a user wrote:
 * it is untrusted, and must be sanitised before it reaches a terminal. */
#ifndef PLANTDECK_BACKEND_H
#define PLANTDECK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The program's version string, e.g. "0.1.0". */
const char *backend_version(void);

/* Diagnostics while a screen is up: append them to PATH (0 or -errno),
 * keep them off stderr (QUIET), and close the file. */
int backend_log_open(const char *path);
void backend_log_quiet(int quiet);
void backend_log_close(void);

/* Whether node-local eBPF capture can run here; if not, REASON says why. */
int backend_capture_available(char *reason, size_t reasonlen);

/* Copy untrusted SRC into DST (DSTLEN bytes, always terminated) with
 * control characters, escape sequences and invalid UTF-8 made visible
 * ("\e", "\x07", "\xff"); with ASCII, non-ASCII characters become "\uXXXX"
 * too.  Returns the length written. */
size_t pd_sanitize(char *dst, size_t dstlen, const char *src, int ascii);

/* An age for display: "3s", "4m", "2h", "5d", or "-" when THEN is 0. */
void pd_format_age(char *out, size_t len, time_t now, time_t then);

/* A size for display: "512B", "1.5M", "24G". */
void pd_format_bytes(char *out, size_t len, uint64_t v);

/* ------------------------------------------------------------ the model */

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
#define PD_SWARM_ID_LEN 32               /* swarm object ids are 25 characters */

struct pd_label {
	char key[PD_LABEL_LEN];
	char value[PD_LABEL_LEN];
};

struct pd_container {
	char id[PD_ID_LEN];
	char name[PD_NAME_LEN];          /* without the leading '/' */
	char image[PD_IMAGE_LEN];
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
};

struct pd_node {
	char name[PD_NAME_LEN];
	char endpoint[PD_IMAGE_LEN];
	enum pd_reach reach;
	char error[PD_ERROR_LEN];        /* the last failure, or "" */
	time_t last_seen;                /* last answer; 0 never */
	double rtt_ms;                   /* round trip of the last /_ping; < 0 unknown */
	char engine_version[32];
	char api_version[16];
	char os[64];
	int ncpu;
	uint64_t mem_total;
	int events_connected;            /* the /events stream is open */
	struct pd_label labels[PD_MAX_LABELS];
	int nlabels;
	int running, total;              /* container counts */
	size_t first_container;          /* index into the snapshot's containers */
	size_t ncontainers;
	char agent[PD_ID_LEN];           /* the node's agent container (label
	                                    io.plantdeck.agent=1), or "" */
	int agent_connected;             /* its logs stream is open */
	/* Docker Swarm (all "" when the engine is in no swarm).  From its
	 * GET /info, and from the swarm's node list once a manager answered. */
	char swarm_node_id[PD_SWARM_ID_LEN];  /* Swarm.NodeID: links it to a pd_swarm_node */
	char swarm_role[PD_STATE_LEN];        /* manager, worker */
	char swarm_availability[PD_STATE_LEN]; /* active, pause, drain ("" until listed) */
	char swarm_state[PD_STATE_LEN];       /* ready, down, unknown, disconnected ("" until listed) */
	int swarm_manager;               /* a manager to ask: marked in the inventory, or its
	                                    /info says Swarm.ControlAvailable */
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
	size_t ncontainers;
	struct pd_event *events;         /* fleet-wide, newest first, bounded */
	size_t nevents;
	int complete;                    /* every node answered or failed once (and the
	                                    swarm, if any, see pd_swarm.complete) */
	struct pd_swarm swarm;
};

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

/* Names of the enums, for display and JSON. */
const char *pd_reach_name(enum pd_reach r);
const char *pd_health_name(enum pd_health h);

/* ------------------------------------------------------------ the backend */

struct backend;

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
	const char *db_path;          /* the database (deploys, revisions, journal); NULL:
	                                 $PLANTDECK_DB, else $XDG_STATE_HOME/plantdeck/plantdeck.db,
	                                 else ~/.local/state/plantdeck/plantdeck.db */
	int heal;                     /* backend_start also runs the heal detectors and
	                                 executor (not under read_only); see "heal" below */
};

/* Load the inventory and prepare the nodes; nothing is started.  On a bad
 * inventory returns -1 with ERR ("FILE:LINE:COL: message"). */
int backend_open(const struct backend_config *cfg, struct backend **out,
    char *err, size_t errlen);

/* How many nodes the inventory (after the selector) has. */
size_t backend_node_count(const struct backend *b);

/* Start the io thread; 0 or -errno. */
int backend_start(struct backend *b);

/* A file descriptor that becomes readable when the model changed. */
int backend_wakeup_fd(const struct backend *b);

/* Consume pending wakeups (call after poll() said the fd is readable). */
void backend_wakeup_ack(struct backend *b);

/* A consistent copy of the model; NULL on allocation failure. */
struct pd_snapshot *backend_snapshot(struct backend *b);

/* Keep fetching details (inspect, health log, last log lines) of container
 * ID on NODE, now and every few seconds; NULL NODE stops it. */
void backend_watch_container(struct backend *b, const char *node, const char *id);

/* Copy the watched container's details; 0, or -1 when nothing is watched. */
int backend_details(struct backend *b, struct pd_details *out);

/* The key chord that ends a kiosk screen (inventory kiosk.exit_chord, e.g.
 * "C-x C-q"), or NULL: then only SIGTERM/SIGINT end it. */
const char *backend_kiosk_exit_chord(const struct backend *b);

/* Whether the backend refuses every changing command (--read-only, kiosk). */
int backend_read_only(const struct backend *b);

/* Stop the threads and free everything. */
void backend_close(struct backend *b);

/* ---- node-local: capture and cgroup tuning */
/* Implemented in backend/node/tune.c and backend/node/agent.c (doc/agent.md). */

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

/* Check one KEY=VALUE without applying it; 0, or -1 with ERR. */
int backend_tune_parse(const char *kv, char *err, size_t errlen);

/* Set KV[0..NKV) (KEY=VALUE) on CONTAINER (name or id) of the node named
 * NODE (NULL: the one node of CFG that has it), through the Engine API where
 * it has the field and the cgroup files where it has not, then read it back.
 * Refused under CFG->read_only.  0 when everything reads back as asked, 1
 * when something does not (see RES), -1 with ERR when it could not be done. */
int backend_tune(const struct backend_config *cfg, const char *node, const char *container,
    char *const *kv, size_t nkv, struct pd_tune_result *res, char *err, size_t errlen);

/* Compare CONTAINER's cgroup files (and engine) with its desired values;
 * with FIX (refused under CFG->read_only) re-apply what drifted.  0 when no
 * drift remains, 1 when some does, -1 with ERR. */
int backend_tune_check(const struct backend_config *cfg, const char *node,
    const char *container, int fix, struct pd_tune_result *res, char *err, size_t errlen);

/* The headless node agent: eBPF capture and the drift checker; its output
 * is JSON lines (doc/agent.md). */
struct agent;

struct agent_options {
	double drift_interval;           /* seconds between drift checks (0: 10) */
	double stats_interval;           /* seconds between "stats" lines (0: 60) */
	const char *const *allow;        /* exec allow list: paths or program names */
	size_t nallow;
	int all_signals;                 /* every signal, not only those that terminate */
	int no_capture;                  /* run the drift checker only */
	int no_drift;                    /* run the capture only */
	int own_containers;              /* report only containers a local engine knows
	                                    (an agent in a container, on a kernel that
	                                    other engines share) */
	const char *log_path;            /* diagnostics to this file (NULL: stderr) */
};

/* Prepare an agent for the local nodes of CFG's inventory; 0 or -1 with ERR. */
int agent_open(const struct backend_config *cfg, const struct agent_options *opt,
    struct agent **out, char *err, size_t errlen);

/* Start the capture and drift threads; the first lines say how capture
 * went ("unavailable: REASON" included).  0 or -errno. */
int agent_start(struct agent *a);

/* A file descriptor that becomes readable when output lines are pending. */
int agent_wakeup_fd(const struct agent *a);

/* The next output line (one JSON object, no newline), or NULL when none is
 * pending; the caller frees it. */
char *agent_next(struct agent *a);

/* Run one request line ("tune CONTAINER KEY=VALUE...", "check CONTAINER",
 * "fix CONTAINER"); its result is queued as an output line. */
void agent_command(struct agent *a, const char *line);

/* Stop the threads (stop flag, wake, join) and unload the probes; a last
 * "stats" line is queued, and agent_next() still returns what is pending. */
void agent_stop(struct agent *a);

/* Stop if needed, and free everything. */
void agent_close(struct agent *a);

/* Send request LINE (as agent_command takes it) to the agent container of
 * node NODE (NULL: the inventory's one node) through the Engine API: an exec
 * of `plantdeck agent --request LINE` in the container labelled
 * io.plantdeck.agent=1.  Refused under CFG->read_only.  0 with *OUT, the
 * answer line (JSON, to free), or -1 with ERR. */
int agent_remote_request(const struct backend_config *cfg, const char *node, const char *line,
    char **out, char *err, size_t errlen);

/* ---- deploys: stacks rolled out over the fleet */
/* Implemented in backend/deploy/rollout.c and backend/store/store.c (doc/deploy.md).
 * A deploy is planned from a stack file, then run by an executor thread of
 * this process; every step is journaled in the database before and after it
 * runs, so another process (or this one, restarted) sees it, can pause or
 * abort it, and can resume or roll back one whose process died. */

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
	struct pd_plan_service *services;
	size_t nservices;
	struct pd_plan_node *nodes;      /* the targets, in wave order */
	size_t nnodes;
	int nwaves;
	char **warnings;                 /* "FILE:LINE:COL: ..." */
	size_t nwarnings;
	void *priv;                      /* the parsed stack */
};

enum pd_deploy_cmd {
	PD_CMD_PAUSE,                    /* stop starting nodes; in-flight ones finish */
	PD_CMD_RESUME,                   /* a paused or interrupted deploy goes on */
	PD_CMD_ABORT,                    /* stop starting nodes, for good */
	PD_CMD_ROLLBACK,                 /* return its touched nodes to TO_REVISION
	                                    (0: the revision before it) */
};

/* Plan a deploy of the stack file FILE to the nodes its placement and
 * SELECTOR (NULL: all) match.  Changes nothing.  0, or -1 with ERR
 * ("FILE:LINE:COL: message" for a bad file). */
int backend_deploy_plan(struct backend *b, const char *file, const char *selector,
    struct pd_plan **out, char *err, size_t errlen);
void pd_plan_free(struct pd_plan *plan);

/* Start PLAN in an executor thread of this process (the plan is taken over
 * and freed).  Refused in read-only, and while another deploy of the stack
 * is running, paused or interrupted.  0 with *ID, or -1 with ERR. */
int backend_deploy_start(struct backend *b, struct pd_plan *plan, int64_t *id,
    char *err, size_t errlen);

/* Pause, resume, abort or roll back deploy ID (0: the newest).  Resume and
 * rollback start an executor in this process (a rollback is a new deploy,
 * its id in *NEWID).  Pause and abort reach an executor of another process
 * through the database.  Refused in read-only.  0, or -1 with ERR. */
int backend_deploy_command(struct backend *b, int64_t id, enum pd_deploy_cmd cmd,
    int to_revision, int64_t *newid, char *err, size_t errlen);

/* The newest LIMIT deploys, newest first, without nodes; 0 or -1 with ERR. */
int backend_deploys(struct backend *b, size_t limit, struct pd_deploy **out, size_t *n,
    char *err, size_t errlen);

/* Deploy ID (0: the newest) with its nodes; 0 or -1 with ERR. */
int backend_deploy_get(struct backend *b, int64_t id, struct pd_deploy *out,
    char *err, size_t errlen);

/* Wait until no executor of this process runs deploy ID, or TIMEOUT_MS
 * passed (-1: forever); 0 when it ended, 1 on timeout. */
int backend_deploy_wait(struct backend *b, int64_t id, int timeout_ms);

/* Whether an executor of this process is running any deploy. */
int backend_deploy_busy(struct backend *b);

void pd_deploy_free(struct pd_deploy *d);          /* frees nodes, not D */
void pd_deploys_free(struct pd_deploy *d, size_t n);

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

/* Deploy ID's journal, oldest first, one call of CB per line. */
int backend_deploy_journal(struct backend *b, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen);

/* The kept revisions of STACK (NULL: every stack), newest first. */
int backend_history(struct backend *b, const char *stack, struct pd_revision **out,
    size_t *n, char *err, size_t errlen);

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
};

void pd_audit_free(struct pd_audit_entry *e, size_t n);

/* The audit entries written at or after SINCE (0: all), oldest first;
 * 0, or -1 with ERR. */
int backend_audit_list(struct backend *b, time_t since, struct pd_audit_entry **out,
    size_t *n, char *err, size_t errlen);

/* Check the audit chain: 0 intact (*COUNT entries), 1 broken (*FIRST_BAD,
 * WHY names it), -1 unreadable (WHY). */
int backend_audit_verify(struct backend *b, int64_t *first_bad, size_t *count, char *why,
    size_t whylen);

/* ---------------------------------------------------------------- heal */
/* Implemented in backend/heal/heal.c (doc/heal.md).  Detectors turn the fleet's
 * events and samples into findings; a finding becomes a proposal, one at a
 * time, along an escalation ladder (restart -> reschedule -> roll back; an
 * OOM first raises the memory limit when heal.memory_headroom allows; a
 * security anomaly proposes quarantine, a drifted limit its re-application,
 * a stack stranded on an unreachable node a reschedule).  An
 * engineer approves or rejects each proposal (heal.auto may approve chosen
 * action classes of chosen stacks); the process that runs the detectors
 * (backend_config.heal: the cockpit, `plantdeck heal watch`) carries out
 * approved proposals, verifies the outcome, and proposes the next stage
 * when it did not help.  Findings and proposals live in the database, so
 * that any process lists, approves and rejects them.  Every text in them
 * that came from a node is untrusted: sanitise it before display. */

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
	PD_PROP_EXPIRED,                 /* the situation resolved itself first */
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

/* Findings (ALL: resolved ones too, else open ones), newest first, in a
 * new array; 0, or -1 with ERR. */
int backend_heal_findings(struct backend *b, int all, struct pd_finding **out, size_t *n,
    char *err, size_t errlen);

/* Proposals (ALL: every one, else those not yet over: pending, approved,
 * executing, verifying), newest first, in a new array; 0, or -1 with ERR. */
int backend_heal_list(struct backend *b, int all, struct pd_proposal **out, size_t *n,
    char *err, size_t errlen);

/* Approve or reject pending proposal ID, as store_actor(); audited.
 * Refused in read-only (kiosk, --read-only), and when ID is not pending
 * (another process decided first).  An approved proposal is carried out by
 * the process that runs the detectors, within a second or so.  0, or -1
 * with ERR. */
int backend_heal_approve(struct backend *b, int64_t id, char *err, size_t errlen);
int backend_heal_reject(struct backend *b, int64_t id, const char *reason, char *err,
    size_t errlen);

/* Whether a process runs the detectors and the executor for this database
 * now (WHO: "host pid N"); 1, 0, or -1 with WHO the error. */
int backend_heal_runner(struct backend *b, char *who, size_t wholen);

const char *pd_finding_kind_name(enum pd_finding_kind k);
const char *pd_heal_action_name(enum pd_heal_action a);
const char *pd_proposal_state_name(enum pd_proposal_state s);

#endif
