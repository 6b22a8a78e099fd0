/* heal-int.h: what the self-healer's files share — the healer's state and
 * the calls one stage makes into another.
 *
 *   heal.c        the thread (lease, tick), the public heal_* calls, and
 *                 the lookups every stage uses;
 *   detect.c      events and samples -> findings with their evidence;
 *   propose.c     findings -> proposals along their ladders;
 *   execute.c     approved proposals -> actions -> verification;
 *   heal-swarm.c  the same three stages for Swarm services.
 *
 * Not a public header: only the files of backend/heal/ include it (the
 * unit tests reach the pure logic through heal.h).  Everything here runs
 * on the detector thread, except the workers of execute.c, which share
 * only struct heal_job's result fields with it, under heal.lock. */
#ifndef PLANTDECK_HEAL_INT_H
#define PLANTDECK_HEAL_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/engine/cindex.h"
#include "backend/model/model.h"
#include "backend/heal/heal.h"

struct engine;
struct store;

/* Built with -DUNITTEST, the pure logic is reachable from the tests (and
 * heal.h declares it); otherwise it is static and declared here. */
#ifdef UNITTEST
#define STATIC
#else
#define STATIC static
#define HEAL_RING 32
struct heal_ring {
	size_t n, head;          /* first: a tick reads only n of most rings */
	time_t t[HEAL_RING];
};
struct heal_hyst {
	int open;
	int quiet;
	time_t quiet_since;
};
enum heal_edge { HEAL_NONE, HEAL_OPENED, HEAL_RETURNED, HEAL_QUIETED, HEAL_CLOSED };
#endif

#define HEAL_TICK_MS 1000
#define HEAL_LEASE_DEAD 10          /* s: a lease not renewed for longer is free */
/* s between renewals of a lease held: each renewal is a write, and every
 * write moves data_version for the cockpit's store reader, which then reads
 * everything again; 3 s leaves a renewal that waited out the busy timeout
 * (5 s) and the next tick inside HEAL_LEASE_DEAD. */
#define HEAL_LEASE_RENEW 3
#define HEAL_MAX_JOBS 8
#define HEAL_EXITED_GRACE 10        /* s exited before "exited non-zero" is a finding */
#define HEAL_TRACK_SWEEP 60         /* s between looks for the tracks of gone containers */
#define HEAL_PULL_RECENT 600        /* s a failed pull stays a finding's evidence */
#define HEAL_SWARM_SETTLE 120       /* s past verify_window a Swarm verdict waits for the
                                       update or rollback its action started */
#define HEAL_LABEL_STACK "io.plantdeck.stack"
#define HEAL_HEADROOM_DEFAULT 50    /* % an OOM's limit grows by when heal.memory_headroom
                                       is not set */
#define HEAL_MEMORY_MAX_DEFAULT (1ull << 30)  /* bytes: the cap when neither heal.memory_max
                                                 nor the node's memory is known */
#define HEAL_WHY_NO_STACK "no stack to roll back (container not deployed by plantdeck)"

#define HEAL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "LEN:NODEname" of a track (heal_track_get). */
#define HEAL_TRACK_KEY_LEN (2 * PD_NAME_LEN + 8)

/* What exits, kills and the node's agent leave on a track.  Most containers
 * never die, are never killed and draw no agent report, and at 10,000
 * containers the rings and texts were 12 MB kept for nothing: a track gets
 * this on the first such event (heal_track_log), and one without it reads
 * as empty rings, no exit code and no text (heal_track_read). */
struct heal_track_log {
	struct heal_ring dies, ooms;
	int last_exit;                 /* -1 until a die event said it */
	char evid[PD_ID_LEN];          /* the container whose events the rings hold: when
	                                  the name is another container's now (a deploy
	                                  replaced it), they are forgotten */
	time_t anomaly_first, anomaly_last;
	char anomaly_sev[12];          /* the worst seen */
	char anomaly_text[PD_EVENT_TEXT_LEN];
	time_t drift_since;
	char drift_text[PD_EVENT_TEXT_LEN];
};

/* A container the detectors follow.  The detectors look at every track
 * every tick, and 10,000 of them do not stay in the cache: what a tick
 * reads of a track comes first, in as few cache lines as can be (the
 * key's first bytes, whether it has a log); what events fill is apart. */
struct heal_track {
	time_t seen;                   /* made, or last seen in a snapshot: a track unseen
	                                  for long is removed (heal_tracks_sweep) */
	time_t exited_since;
	struct heal_track_log *log;    /* NULL: no exit, kill or agent report yet */
	int anomalies;                 /* from the node's agent: anomalies since the last
	                                  anomaly finding closed */
	int drifting;                  /* from the node's agent: a limit drifted (until
	                                  drift_resolved) */
	int seeded;                    /* set from the database, no event since */
	char key[HEAL_TRACK_KEY_LEN];  /* its key in heal.track_ix */
};

/* An open finding, as the detector thread keeps it. */
struct heal_fnd {
	int64_t id;
	enum pd_finding_kind kind;
	char node[PD_NAME_LEN];
	char container[PD_NAME_LEN];
	char stack[PD_NAME_LEN];
	char service[PD_NAME_LEN];
	struct heal_hyst hy;
	int active;                  /* this tick */
	int count;
	int stage;                   /* ladder index of the next proposal */
	int64_t live;                /* its proposal that is not over, 0 none */
	int blocked;                 /* rejected, or no stage left: nothing until it closes */
	char evidence[PD_ERROR_LEN];
	char why[PD_ERROR_LEN];      /* no live proposal: why, and what to do (as stored) */
	unsigned tried;              /* 1u << action of each stage proposed (this process) */
};

/* An approved proposal being carried out and verified. */
struct heal_job {
	struct heal *h;
	struct pd_proposal p;        /* as claimed */
	pthread_t th;
	int done, ok;                /* under h->lock */
	char result[PD_ERROR_LEN];
	char node_after[PD_NAME_LEN];
	int verifying;
	time_t done_at, until;
	int failed_early;
	char fail_text[PD_ERROR_LEN];
	/* What the action left, so that verification judges only that: a
	 * Swarm action's service spec (image and ForceUpdate: tasks of an older
	 * spec may still be starting and fail after it), and the container an
	 * action on an engine replaced (its late events are not the new one's).
	 * Set by the worker before it sets done. */
	time_t issued_at;
	int spec_known;
	char spec_image[PD_IMAGE_LEN];
	uint64_t spec_force;
	char replaced_id[PD_ID_LEN];
};

struct heal {
	struct backend_config cfg;
	char db_path[4096];
	const struct inventory *inv;
	struct fleet *fleet;
	struct rollouts *ro;
	struct heal_timing tm;
	struct store *st;
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* heal_free's stop, for the tick's wait */
	pthread_t th;
	int running, stop;
	char me[192];                /* the lease holder's name: "HOST pid N" */
	char actor[224];             /* for the audit: "heal on HOST pid N" */
	int leader;
	time_t lease_at;             /* when the lease held was last renewed */
	uint64_t last_seq;
	struct heal_track *tracks;
	size_t ntracks;
	size_t track_next;           /* where heal_track_get() looks first */
	time_t swept;                /* the last heal_tracks_sweep() */
	struct cindex track_ix;      /* tracks by node and name, where the guess fails */
	struct heal_fnd *fnds;
	size_t nfnds;
	time_t *down_since;          /* per inventory node */
	struct engine **engines;     /* per inventory node, for the detector thread */
	char **stacks;
	size_t nstacks;
	time_t stacks_at, pulls_at;
	char stacks_miss[PD_NAME_LEN];  /* a label the last forced look did not find */
	time_t pulls_seen;           /* failed pulls up to here are findings already */
	struct heal_job *jobs[HEAL_MAX_JOBS];
};

/* ---- heal.c: lookups every stage uses */

/* The container NAME of NODE in S, or NULL. */
const struct pd_container *heal_container(const struct pd_snapshot *s, const char *node,
    const char *name);
/* The node NAME in S, or NULL. */
const struct pd_node *heal_node(const struct pd_snapshot *s, const char *name);
/* T as "12:03:04Z". */
void heal_hms(time_t t, char *out, size_t len);
/* Re-read the stacks' names: every 10 s, or now for LABEL, a container's
 * stack label that names no known stack (heal.c); 1 when re-read. */
int heal_refresh_stacks(struct heal *h, time_t now, const char *label);
/* The inventory index of NODE, or -1. */
int heal_inv_index(const struct heal *h, const char *node);
int heal_inv_index_at(const struct heal *h, const char *node, size_t guess);
/* An engine for NODE (created on first use), or NULL.  Detector thread only. */
struct engine *heal_engine(struct heal *h, const char *node);

/* ---- detect.c: events and samples -> findings */

/* How many of R's times lie in (NOW - WINDOW, NOW]. */
int heal_ring_count(const struct heal_ring *r, time_t now, double window);
/* One tick of a finding's hysteresis (see detect.c). */
enum heal_edge heal_hyst_step(struct heal_hyst *h, int active, int resolved, time_t now,
    double clear_after);
/* No tracks yet, and their index (heal_new). */
void heal_tracks_init(struct heal *h);
/* Forget every track (heal_free). */
void heal_tracks_free(struct heal *h);
/* The track of container NAME on NODE (made when CREATE), or NULL. */
struct heal_track *heal_track_get(struct heal *h, const char *node, const char *name,
    int create);
/* NODE and NAME back from a track's KEY; 0, or -1 when it is not a key. */
int heal_track_split(const char *key, char node[PD_NAME_LEN], char name[PD_NAME_LEN]);
/* T's log to read: its own, or an empty one when it has none. */
const struct heal_track_log *heal_track_read(const struct heal_track *t);
/* T's log to write, made on first use; NULL when out of memory. */
struct heal_track_log *heal_track_log(struct heal_track *t);
/* Forget T's exits and kills (another container has its name, or an action
 * helped). */
void heal_track_forget(struct heal_track *t);
/* Remove the tracks of containers gone for longer than any window reads
 * (none of them named by an open finding or a job), every so often. */
void heal_tracks_sweep(struct heal *h, time_t now);
/* The open finding of KIND on NODE's CONTAINER, or NULL. */
struct heal_fnd *heal_fnd_find(struct heal *h, enum pd_finding_kind kind, const char *node,
    const char *container);
/* The open finding ID, or NULL. */
struct heal_fnd *heal_fnd_by_id(struct heal *h, int64_t id);
/* Record a new open finding; NULL when it cannot be. */
struct heal_fnd *heal_fnd_open(struct heal *h, enum pd_finding_kind kind, const char *node,
    const char *container, const char *stack, const char *service, const char *evidence,
    time_t now);
/* Write F's evidence, count and last_seen. */
void heal_fnd_save(struct heal *h, const struct heal_fnd *f, time_t now);
/* Close finding F (it stayed resolved), expiring a pending proposal; the
 * last finding moves to F's place. */
void heal_fnd_close(struct heal *h, struct heal_fnd *f, time_t now);
/* Close finding F because finding BY covers it (unless a job works on it). */
void heal_fnd_supersede(struct heal *h, struct heal_fnd *f, int64_t by, time_t now);
/* Evaluate finding F on snapshot S: active/resolved, and its evidence. */
void heal_evaluate(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now,
    int *active, int *resolved);
/* Feed the events newer than the last tick to the tracks and the jobs. */
void heal_events(struct heal *h, const struct pd_snapshot *s);
/* Open findings for what the snapshot shows now. */
void heal_detect(struct heal *h, const struct pd_snapshot *s, time_t now);
/* Findings from the deploy records: nodes whose pull failed lately. */
void heal_detect_pulls(struct heal *h, time_t now);

/* ---- propose.c: findings -> proposals */

/* One line naming a proposal's target, for the audit and the log. */
void heal_target(const struct pd_proposal *p, char *out, size_t len);
/* The kept revision of STACK before its current one (*CURRENT); 0 when none. */
int heal_previous_revision(struct heal *h, const char *stack, int *current);
/* P for ACTION on finding F: its target and evidence, the rest empty. */
void heal_proposal_init(const struct heal_fnd *f, enum pd_heal_action action,
    struct pd_proposal *p);
/* Set F's reason (why no live proposal, what the engineer can do; "" while
 * one is live), written to the database when it changed. */
void heal_fnd_why(struct heal *h, struct heal_fnd *f, const char *why);
/* Hysteresis, expiry and new proposals of every open finding. */
void heal_findings_tick(struct heal *h, const struct pd_snapshot *s, time_t now);

/* ---- execute.c: approved proposals -> actions -> verification */

/* Whether an action in flight moves container NAME onto NODE. */
int heal_moving_to(const struct heal *h, const char *node, const char *name);
/* Event E of container NAME, seen while jobs verify: fail those it shows did not help. */
void heal_jobs_event(struct heal *h, const struct pd_event *e, const char *name);
/* End job slot J with STATE and RESULT. */
void heal_job_end(struct heal *h, size_t j, const char *state, const char *result, time_t now);
/* Finished workers start verifying; verifications end. */
void heal_jobs_tick(struct heal *h, const struct pd_snapshot *s, time_t now);
/* Remove stacks moved off unreachable nodes once those answer again. */
void heal_cleanups_tick(struct heal *h, const struct pd_snapshot *s, time_t now);
/* Claim approved proposals and start their workers. */
void heal_claim(struct heal *h, time_t now);

/* ---- heal-swarm.c: the same stages for Swarm services */

/* Whether container C is a Swarm task's (its service is judged instead). */
int heal_is_task(const struct pd_snapshot *s, const struct pd_container *c);
/* Open task_failing findings. */
void heal_detect_swarm(struct heal *h, const struct pd_snapshot *s, time_t now);
/* heal_evaluate for a task_failing finding. */
void heal_evaluate_swarm(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s,
    time_t now, int *active, int *resolved);
/* Fill P for ACTION on task_failing finding F; 1 when it applies now, else 0. */
int heal_prepare_swarm(struct heal *h, const struct heal_fnd *f, const struct pd_snapshot *s,
    enum pd_heal_action action, struct pd_proposal *p);
/* Carry out P, a task_failing proposal, through the swarm's managers: 0
 * with RES, -1 with ERR. */
int heal_swarm_act(struct heal *h, const struct pd_proposal *p, char *res, size_t reslen,
    char *err, size_t errlen);
/* Verify the swarm action of job slot J (ends it when judged). */
void heal_verify_swarm(struct heal *h, size_t j, const struct pd_snapshot *s, time_t now);
/* Note in JOB the spec its Swarm action left the service on (worker). */
void heal_swarm_spec_after(struct heal *h, struct heal_job *job);
/* Tasks of JOB's service (on its node, if it has one) made from the spec
 * its action left, that failed after the action; the newest in *LAST. */
int heal_job_task_failures(const struct pd_snapshot *s, const struct heal_job *job,
    const struct pd_swarm_task **last);

#endif
