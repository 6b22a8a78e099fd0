/* swarm.h: Docker Swarm through its managers: which one to ask, and what
 * its lists say.
 *
 * A swarm is reached through the inventory nodes that manage it: those
 * marked "swarm: manager", then those whose GET /info says
 * Swarm.ControlAvailable.  One of them is in use; when it does not answer
 * (no connection, a timeout) or answers that it cannot serve (HTTP 503: not
 * a manager, no swarm; or no quorum leader), the next is tried, and the one
 * that worked is remembered for every caller: the fleet's io thread, which
 * reads the lists without blocking, and worker threads (deploys, heal
 * actions), which call swarm_call().
 *
 * The parsers turn GET /nodes, /services and /tasks bodies into the
 * snapshot's structs; every string in them is untrusted (sanitise before
 * display).
 *
 * Every function may be called from any thread.  Backend code gets the
 * fleet's list with fleet_swarm(); the io thread keeps it current (it
 * detects managers, and gives up those that stop answering). */
#ifndef PLANTDECK_SWARM_H
#define PLANTDECK_SWARM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"
#include "backend/engine/engine.h"

struct inventory;
struct swarm;

/* What a node's GET /info says about its swarm membership. */
struct swarm_info {
	char state[PD_STATE_LEN];        /* Swarm.LocalNodeState: inactive, pending, active,
	                                    error, locked ("" when absent) */
	char node_id[PD_SWARM_ID_LEN];   /* Swarm.NodeID, "" when in no swarm */
	char cluster_id[PD_SWARM_ID_LEN];  /* Swarm.Cluster.ID, "" unless a manager */
	int manager;                     /* Swarm.ControlAvailable */
};

/* The failover list of INV's nodes (which must outlive it): the marked
 * managers are candidates from the start.  READ_ONLY: swarm_call refuses
 * every method but GET and HEAD.  NULL on allocation failure. */
struct swarm *swarm_new(const struct inventory *inv, int read_only);
void swarm_free(struct swarm *s);

/* Inventory node INDEX's GET /info said MANAGER (Swarm.ControlAvailable)
 * or not: a detected manager becomes a candidate after the marked ones. */
void swarm_set_detected(struct swarm *s, size_t index, int manager);

/* Whether any inventory node is a candidate (marked or detected). */
int swarm_has_managers(struct swarm *s);

/* The candidates in the order they are asked (marked first, then detected,
 * each in inventory order): up to MAX inventory indexes into OUT; returns
 * how many there are. */
size_t swarm_candidates(struct swarm *s, size_t *out, size_t max);

/* The inventory index of the manager in use, or -1 when none answered yet
 * (or every one failed). */
int swarm_current(struct swarm *s);

/* Candidate INDEX answered as a manager: it becomes (or stays) the one in
 * use. */
void swarm_mark_ok(struct swarm *s, size_t index);

/* Candidate INDEX failed as a manager (WHY: "lab-01: GET /nodes: ..."): it
 * is given up for 5 s, and if it was the one in use (or none was), the next
 * candidate after it that is not given up becomes the one in use.  Returns
 * the one in use now, or -1 when none is left to try now. */
int swarm_mark_failed(struct swarm *s, size_t index, const char *why);

/* The next candidate to try after INDEX (-1: from the first), wrapping
 * round to INDEX itself last, skipping those given up less than 5 s ago;
 * -1 when none may be tried now. */
int swarm_next(struct swarm *s, int index);

/* The managers for a snapshot: up to PD_SWARM_MANAGERS into OUT, in order;
 * returns how many. */
size_t swarm_managers(struct swarm *s, struct pd_swarm_manager *out);

/* Whether a reply means "ask another manager": no HTTP answer at all (no
 * connection, a timeout), 503 (not a manager, not in a swarm), or a 500
 * saying the swarm has no leader (lost quorum). */
int swarm_should_failover(const struct engine_reply *reply);

/* One blocking call to the swarm, for worker threads: METHOD PATH (BODY
 * JSON or NULL) to the manager in use, and on failover replies (above) to
 * the next candidates in turn, each at most once.  TIMEOUT_MS 0: the
 * engine's default.  A changing call (POST, DELETE) that timed out may
 * have been applied by the manager that did not answer; Swarm refuses a
 * repeat cleanly (a service name is taken: 409; a versioned update is out
 * of sequence), so callers treat those answers after a failover as "look
 * again".  0 on a 2xx reply; -1 with REPLY->error, which names every
 * manager tried when none answered.  USED (if not NULL) gets the name of
 * the manager that gave the reply, "" when none did.  The caller frees
 * REPLY with engine_reply_free. */
int swarm_call(struct swarm *s, const char *method, const char *path, const char *body,
    long timeout_ms, struct engine_reply *reply, char *used, size_t usedlen);

/* As swarm_call, with one more request header HEADER ("Name: value", NULL:
 * none) on every manager tried: X-Registry-Auth for a service's create or
 * update (never logged, zeroed after each try). */
int swarm_call_hdr(struct swarm *s, const char *method, const char *path, const char *body,
    const char *header, long timeout_ms, struct engine_reply *reply, char *used,
    size_t usedlen);

/* As swarm_call, with the body handed to LINE one line at a time as it
 * arrives (see engine_call_stream); it fails over only while no line was
 * handed over yet. */
int swarm_call_stream(struct swarm *s, const char *method, const char *path,
    const char *body, long timeout_ms, int (*line)(void *ctx, const char *line), void *ctx,
    struct engine_reply *reply, char *used, size_t usedlen);

/* ---- parsers: 0 with a new array in *OUT (free() it) and its length in
 * *N, or -1 with ERR when JSON (LEN bytes) is not the expected array.
 * Items that are not objects are skipped; missing or mistyped members are
 * left empty; at most SWARM_MAX_ITEMS items are kept. */

#define SWARM_MAX_ITEMS 8192

#ifdef UNITTEST
/* Replace the monotonic clock (seconds) and the /_ping timeout of
 * swarm_call's negotiation, for tests. */
void swarm_test_hooks(struct swarm *s, double (*now)(void), long ping_timeout_ms);
#endif

/* The swarm membership in a GET /info body; 0, or -1 when it is not JSON. */
int swarm_parse_info(const char *json, size_t len, struct swarm_info *out);
/* The same from the body's cJSON tree J, for a caller that parsed it for
 * more than the swarm (the fleet's /info): 0, or -1 when J is no object. */
struct cJSON;
int swarm_info_from_json(const struct cJSON *j, struct swarm_info *out);

/* GET /nodes, in the order given (swarm_link sorts them). */
int swarm_parse_nodes(const char *json, size_t len, struct pd_swarm_node **out, size_t *n,
    char *err, size_t errlen);

/* GET /services, sorted by name.  The counts come from ServiceStatus
 * (GET /services?status=true, API 1.41+); without it they are -1 until
 * swarm_link counts the tasks. */
int swarm_parse_services(const char *json, size_t len, struct pd_swarm_service **out,
    size_t *n, char *err, size_t errlen);

/* GET /tasks, in the order given (swarm_link sorts them). */
int swarm_parse_tasks(const char *json, size_t len, struct pd_swarm_task **out, size_t *n,
    char *err, size_t errlen);

/* Fill in what the lists say of each other: a task's service name and its
 * node (the swarm node's inventory name when it has one, else its
 * hostname), and the desired/running counts of services that came without
 * ServiceStatus.  Sorts the nodes by that name (then id), and the tasks as
 * `docker service ps` does: by service name, slot (node for global
 * services), newest created first. */
void swarm_link(struct pd_swarm_node *nodes, size_t nnodes, struct pd_swarm_service *svcs,
    size_t nsvcs, struct pd_swarm_task *tasks, size_t ntasks);

#endif
