/* store-approval.h: four eyes — the requests for a second person's approval
 * that fleet-wide actions wait on (doc/security.md, "Roles and four eyes").
 *
 * A request is written by the process that wants to act and that holds
 * what it will run (backend/foureyes.c); another person's process approves
 * or rejects it here; the requesting process then runs it, or drops it, and
 * says how it ended.  Every request and decision is audited; "no entry, no
 * action": a request or decision whose entry cannot be written is undone. */
#ifndef PLANTDECK_STORE_APPROVAL_H
#define PLANTDECK_STORE_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"

struct store;

/* Record a request by this process's user: KIND ("deploy", "rollback",
 * "quarantine"), TARGET and DETAIL (what would run, for the approver to
 * read), NODES it touches.  Audited as "four-eyes-request".  0 with *ID,
 * or -1 with ERR. */
int store_approval_request(struct store *st, const char *kind, const char *target,
    const char *detail, int nodes, int64_t *id, char *err, size_t errlen);

/* Approve (APPROVE 1) or reject request ID as this process's user, with
 * REASON (may be NULL).  Refused when ID is not pending, when this user is
 * the requester (same uid or login uid, either way round), and when the
 * requesting process is gone (nothing would run it).  Audited as
 * "four-eyes-approve" or "four-eyes-reject".  0, or -1 with ERR. */
int store_approval_decide(struct store *st, int64_t id, int approve, const char *reason,
    char *err, size_t errlen);

/* Request ID in *OUT; 0, or -1 with ERR. */
int store_approval_get(struct store *st, int64_t id, struct pd_approval *out, char *err,
    size_t errlen);

/* The requesting process says how ID ended: STATE "done", "failed" or
 * "cancelled", RESULT one line. */
int store_approval_finish(struct store *st, int64_t id, const char *state, const char *result);

/* Requests (ALL: every one, else the pending ones), newest first, in a new
 * array (free()); 0, or -1 with ERR. */
int store_approvals(struct store *st, int all, struct pd_approval **out, size_t *n,
    char *err, size_t errlen);

#ifdef UNITTEST
/* Whether a decider (uid DU, login uid DL) is the requester (RU, RL): a
 * login uid of -1 is none. */
int store_approval_same(long du, long dl, long ru, long rl);
#endif

#endif
