/* heal.h: self-healing — detectors, the approval queue, the executor.
 *
 * backend.c owns one `struct heal` and forwards the backend_heal_* calls of
 * backend.h to it.  With backend_config.heal set (and not read-only),
 * heal_start() runs a thread that takes fleet snapshots every second, turns
 * new events and container states into findings and proposals (the tables
 * heal_findings and heal_proposals of the database), and carries out the
 * approved proposals in worker threads of its own.  Only one process per
 * database runs the detectors at a time: it holds a lease row that it
 * renews every second (heal_lease); another one waits for it to lapse.
 * See doc/heal.md. */
#ifndef PLANTDECK_HEAL_H
#define PLANTDECK_HEAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"

struct fleet;
struct inventory;
struct rollouts;
struct heal;

/* The detectors' and the executor's timing; zero fields take defaults. */
struct heal_timing {
	int crash_restarts;      /* die events in crash_window that make a crash loop (3) */
	double crash_window;     /* s (60) */
	double oom_window;       /* s an oom event keeps its finding active (300) */
	double clear_after;      /* s a finding must stay resolved before it closes (60) */
	double node_grace;       /* s a node may be unreachable before it is a finding (30) */
	double verify_window;    /* s an action's outcome is watched (30; heal.verify_window) */
};

/* A healer for the nodes of INV, the fleet FLEET and the deploys RO (all
 * kept, not copied), with the database and read-only flag of CFG (copied).
 * Nothing runs until heal_start(). */
struct heal *heal_new(const struct backend_config *cfg, const struct inventory *inv,
    struct fleet *fleet, struct rollouts *ro);

/* Start the detector thread; 0 or -errno. */
int heal_start(struct heal *h);

/* Stop the thread (stop flag, join; workers in flight finish first), give
 * the lease back and free everything. */
void heal_free(struct heal *h);

/* The backend_heal_* calls (backend.h). */
int heal_findings(struct heal *h, int all, struct pd_finding **out, size_t *n,
    char *err, size_t errlen);
int heal_list(struct heal *h, int all, struct pd_proposal **out, size_t *n,
    char *err, size_t errlen);
int heal_approve(struct heal *h, int64_t id, char *err, size_t errlen);
int heal_reject(struct heal *h, int64_t id, const char *reason, char *err, size_t errlen);
int heal_runner(struct heal *h, char *who, size_t wholen);

#ifdef UNITTEST
struct inventory;
/* Whether heal.auto in INV approves ACTION for STACK on NODE of S: 1, 0
 * not set, -1 a quarantine refused because NODE's agent is not verified. */
int heal_auto_approves(const struct inventory *inv, const char *stack, const char *node,
    enum pd_heal_action action, const struct pd_snapshot *s);

/* Times of recent events of one container, oldest overwritten first. */
#define HEAL_RING 32
struct heal_ring {
	size_t n, head;          /* first: a tick reads only n of most rings */
	time_t t[HEAL_RING];
};
void heal_ring_push(struct heal_ring *r, time_t t);
/* How many of R's times lie in (NOW - WINDOW, NOW]. */
int heal_ring_count(const struct heal_ring *r, time_t now, double window);
/* The newest time in R, or 0. */
time_t heal_ring_last(const struct heal_ring *r);

/* Hysteresis of one finding: see detect.c. */
struct heal_hyst {
	int open;                /* a finding exists */
	int quiet;               /* the situation looks resolved */
	time_t quiet_since;
};
enum heal_edge { HEAL_NONE, HEAL_OPENED, HEAL_RETURNED, HEAL_QUIETED, HEAL_CLOSED };
enum heal_edge heal_hyst_step(struct heal_hyst *h, int active, int resolved, time_t now,
    double clear_after);

/* The limit an OOM proposal raises CUR to: CUR grown by HEADROOM percent
 * (rounded up to MiB), at most MAX; 0 when it cannot grow. */
uint64_t heal_memory_next(uint64_t cur, int headroom, uint64_t max);

/* Split container NAME "STACK-SERVICE" by the longest of STACKS (N) that
 * prefixes it followed by '-'; set-aside names ("NAME.rREV") are not a
 * stack's current container.  1 with STACK and SERVICE, else 0. */
int heal_split_name(const char *name, char *const *stacks, size_t n, char *stack,
    size_t stacklen, char *service, size_t servicelen);

/* The most an OOM proposal raises a limit to: CONFIGURED (heal.memory_max)
 * when not 0, else half of NODE_TOTAL (the node's memory), else 1 GiB. */
uint64_t heal_memory_cap(uint64_t configured, uint64_t node_total);

/* What the engineer can do about a finding of KIND that plantdeck will
 * not heal further; STACKED: its container belongs to a stack. */
const char *heal_advice(enum pd_finding_kind kind, int stacked);

/* The action of STAGE (0-based) on KIND's ladder, or -1 past its end. */
int heal_ladder(enum pd_finding_kind kind, int stage);

/* The image REPO:TAG a quarantine of container NAME for finding FINDING
 * commits its files to: "plantdeck-quarantine/NAME:finding-ID", NAME made a
 * valid repository path component. */
void heal_snapshot_ref(const char *name, int64_t finding, char *out, size_t len);
#endif

#endif
