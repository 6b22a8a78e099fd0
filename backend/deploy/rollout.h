/* rollout.h: the rollout engine — deploys of stacks over standalone
 * engines, run by executor threads, journaled in the store.
 *
 * backend.c owns one `struct rollouts` and forwards the backend_deploy_*
 * calls of backend.h to it; see there for what each does. */
#ifndef PLANTDECK_ROLLOUT_H
#define PLANTDECK_ROLLOUT_H

#include "backend/model/model.h"

struct inventory;
struct rollouts;
struct store;
struct swarm;

/* Deploys over the nodes of INV (kept, not copied: it must outlive the
 * rollouts), with the database DB_PATH (see backend_config.db_path).
 * SW: the swarm's managers (the fleet's, fleet_swarm(); kept) for stacks of
 * x-plantdeck target swarm, or NULL.  NOTIFY(CTX) is called from executor
 * threads when a deploy changed. */
struct rollouts *rollouts_new(const struct inventory *inv, struct swarm *sw,
    const char *db_path, int read_only, void (*notify)(void *ctx), void *ctx);

/* Pause every deploy an executor of this process runs ("plantdeck was
 * closed"), wait for in-flight nodes, and free everything. */
void rollouts_free(struct rollouts *ro);

/* VARS: NVARS "NAME=VALUE" set for this plan's stack file alone
 * (compose_load_vars). */
int rollout_plan(struct rollouts *ro, const char *file, const char *selector,
    const char *const *vars, size_t nvars, struct pd_plan **out, char *err, size_t errlen);
int rollout_start(struct rollouts *ro, struct pd_plan *plan, int64_t *id,
    char *err, size_t errlen);
int rollout_command(struct rollouts *ro, int64_t id, enum pd_deploy_cmd cmd,
    int to_revision, int64_t *newid, char *err, size_t errlen);
int rollout_list(struct rollouts *ro, size_t limit, struct pd_deploy **out, size_t *n,
    char *err, size_t errlen);
int rollout_get(struct rollouts *ro, int64_t id, struct pd_deploy *out, char *err,
    size_t errlen);
int rollout_wait(struct rollouts *ro, int64_t id, int timeout_ms);
int rollout_busy(struct rollouts *ro);
int rollout_history(struct rollouts *ro, const char *stack, struct pd_revision **out,
    size_t *n, char *err, size_t errlen);
/* Print the journal of deploy ID through CB; 0 or -1 with ERR. */
int rollout_journal(struct rollouts *ro, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen);

/* The database of deploys, opened on first use and owned by RO (other
 * modules keep tables in it: audit); NULL with ERR when it cannot be. */
struct store *rollout_store(struct rollouts *ro, char *err, size_t errlen);

/* Bring STACK to its kept revision REV (0: the current one) on NODE alone,
 * in an executor thread of this process: a deploy record (kind "deploy",
 * no new revision) with the revision's policy but no canary, failure_action
 * continue and monitor at most 5 s; FILE in its record says why ("heal
 * #12: reschedule"), USER who asked (NULL: store_actor()).  The self-healer
 * uses it to reschedule a stack and to roll one node back.
 *
 * For a stack of target swarm (the revision says so), NODE must be NULL:
 * the whole stack is brought to REV through Swarm, with the same placement
 * (the deploy's targets are the inventory nodes whose swarm node carries
 * the label io.plantdeck.placement.STACK=true now), the revision's Swarm
 * update pace (parallelism, delay, order) with failure_action continue and
 * monitor at most 5 s.  A NODE for a swarm stack, and no NODE for a stack
 * of standalone engines, are refused.
 *
 * Refused in read-only and while the stack has a deploy running.  0 with
 * *ID, or -1 with ERR. */
int rollout_place(struct rollouts *ro, const char *stack, int rev, const char *node,
    const char *file, const char *user, int64_t *id, char *err, size_t errlen);

/* plantdeck down (rollout-down.c): take STACK off its nodes; see
 * backend_stack_down in backend.h. */
int rollout_down(struct rollouts *ro, const char *stack, int volumes, int dry_run,
    void (*cb)(void *ctx, const struct pd_down_item *it), void *ctx, int64_t *id,
    char *err, size_t errlen);

/* Split an image reference into the repository and the tag or digest, and
 * give its registry host ("docker.io" when it names none): what pull slots
 * and registry credentials are kept by.  0, or -1 when REF is not one. */
int rollout_image_split(const char *ref, char *repo, size_t repolen, char *tag, size_t taglen,
    char *host, size_t hostlen);

#ifdef UNITTEST
/* Wave sizes for N targets under a policy: fills WAVES[i] for each target. */
int rollout_waves(size_t n, int canary, int parallelism, int grow, int *waves);
#endif

#endif
