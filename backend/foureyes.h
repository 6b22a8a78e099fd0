/* foureyes.h: the fleet-wide actions this process holds until a second
 * person approves them (four eyes; doc/security.md).  The facade
 * (backend.c) hands an action here instead of running it; a thread of this
 * module watches the action's request in the store
 * (backend/store/store-approval.c) and runs exactly what was held once the
 * request is approved, drops it when it is rejected, and records how it
 * ended. */
#ifndef PLANTDECK_FOUREYES_H
#define PLANTDECK_FOUREYES_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"

struct foureyes;
struct rollouts;
struct heal;

/* Held actions run through RO and H; WAKE(CTX) when one ended.  NULL out
 * of memory. */
struct foureyes *foureyes_new(struct rollouts *ro, struct heal *h, void (*wake)(void *ctx),
    void *ctx);

/* Hold a deploy of PLAN (taken over, whatever happens) / a rollback of
 * deploy DEPLOY to TO_REVISION / the approval of quarantine proposal
 * PROPOSAL, behind a new request (KIND, TARGET, DETAIL, NODES: see
 * store_approval_request).  0 with *REQ, or -1 with ERR. */
int foureyes_hold_deploy(struct foureyes *fe, struct pd_plan *plan, const char *target,
    const char *detail, int64_t *req, char *err, size_t errlen);
int foureyes_hold_rollback(struct foureyes *fe, int64_t deploy, int to_revision, int nodes,
    const char *target, int64_t *req, char *err, size_t errlen);
int foureyes_hold_quarantine(struct foureyes *fe, int64_t proposal, const char *target,
    const char *detail, int64_t *req, char *err, size_t errlen);

/* Wait until held request REQ (0: the newest this process holds) ended or
 * TIMEOUT_MS passed (-1: forever): 0 when it ran (*RESULT: the deploy
 * started, the rollback's deploy, or the proposal), 1 when it was
 * rejected, cancelled or failed (ERR says why and by whom), 2 on timeout,
 * -1 when this process holds no such request (ERR). */
int foureyes_wait(struct foureyes *fe, int64_t req, int timeout_ms, int64_t *result,
    char *err, size_t errlen);

/* Stop the thread; requests still held are cancelled ("the requesting
 * process closed"), their plans freed. */
void foureyes_free(struct foureyes *fe);

#endif
