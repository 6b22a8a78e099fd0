/* store-heal.h: the self-healer's tables in the store's database —
 * findings, proposals, cleanups and the detectors' lease (doc/heal.md).
 *
 * heal_findings   what the detectors saw, one row per finding (open until
 *                 its situation stayed resolved);
 * heal_proposals  one proposed action for a finding, through its states
 *                 (pending, approved, executing, verifying, and an end);
 * heal_cleanups   stacks a reschedule moved off an unreachable node, to be
 *                 removed from it when it answers again;
 * heal_lease      one row: the process that runs the detectors, and when
 *                 it last said so.
 *
 * The tables are created by store_heal_init(), not by store_open(): a
 * database no healer has used has none, and the readers below then answer
 * "nothing".  Every call takes the store's lock; those that change rows
 * log what failed ("heal: ...") and return the rows changed, or -1. */
#ifndef PLANTDECK_STORE_HEAL_H
#define PLANTDECK_STORE_HEAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"

struct store;

/* Create the heal tables, and add the columns a database from an older
 * plantdeck lacks; 0, or -1 with ERR naming the database. */
int store_heal_init(struct store *st, char *err, size_t errlen);

/* ---- the lease */

/* Take or renew the lease for HOLDER at NOW: it is HOLDER's already, or
 * its holder has not renewed it for more than DEAD seconds.  1 when
 * HOLDER holds it now, else 0. */
int store_heal_lease(struct store *st, const char *holder, time_t now, int dead);
/* Give HOLDER's lease back. */
void store_heal_lease_release(struct store *st, const char *holder);
/* Whether someone holds the lease (renewed within DEAD seconds), WHO
 * naming it; 1, 0 (none, or no tables yet), or -1 with WHO the error. */
int store_heal_runner(struct store *st, int dead, char *who, size_t wholen);

/* ---- findings */

/* Record a new open finding seen at NOW; its id, or 0 when it cannot be. */
int64_t store_heal_finding_add(struct store *st, enum pd_finding_kind kind, const char *node,
    const char *container, const char *stack, const char *evidence, time_t now);
/* Write finding ID's evidence, count, node and last_seen (NOW). */
int store_heal_finding_save(struct store *st, int64_t id, const char *node, int count,
    const char *evidence, time_t now);
/* Set finding ID's REASON: why it has no live proposal, and what the
 * engineer can do ("" while one is live). */
int store_heal_finding_reason(struct store *st, int64_t id, const char *reason);
/* Close finding ID, resolved at NOW. */
int store_heal_finding_close(struct store *st, int64_t id, time_t now);

/* Findings (ALL: the newest 500, resolved ones too; else the open ones),
 * newest first, in a new array; 0 (none when there are no tables yet),
 * or -1 with ERR. */
int store_heal_findings(struct store *st, int all, struct pd_finding **out, size_t *n,
    char *err, size_t errlen);

/* An open finding as the detectors take it back over: with the highest
 * stage proposed for it (expired ones aside), its proposal still pending
 * or approved (0 none), and whether one of its proposals was rejected. */
struct store_heal_open {
	struct pd_finding f;
	int stage;
	int64_t live;
	int blocked;
};
/* The open findings, oldest first, in a new array (what could be read
 * when memory runs out); 0, or -1 when they cannot be read. */
int store_heal_open_findings(struct store *st, struct store_heal_open **out, size_t *n);
/* When the newest pull_failed finding was first seen (0: none) into
 * *SEEN; 0, or -1 (*SEEN unchanged). */
int store_heal_pulls_seen(struct store *st, time_t *seen);

/* ---- proposals */

/* Record proposal P (its finding, kind, stage, action, state, target,
 * texts, automatic, decided_by when automatic, decided, created); its id,
 * or 0 when it cannot be. */
int64_t store_heal_proposal_add(struct store *st, const struct pd_proposal *p);
/* Proposal ID; 0, 1 when there is none, -1 with ERR. */
int store_heal_proposal_get(struct store *st, int64_t id, struct pd_proposal *p, char *err,
    size_t errlen);
/* Proposals (ALL: the newest 500; else those not over yet), newest first,
 * in a new array; 0 (none when there are no tables yet), or -1 with ERR. */
int store_heal_proposals(struct store *st, int all, struct pd_proposal **out, size_t *n,
    char *err, size_t errlen);

/* Expire proposal ID, if still pending, with RESULT. */
int store_heal_proposal_expire(struct store *st, int64_t id, const char *result, time_t now);
/* Expire every pending proposal of finding FINDING with RESULT. */
int store_heal_finding_expire(struct store *st, int64_t finding, const char *result,
    time_t now);
/* Approve (REASON unused) or reject pending proposal ID as ACTOR. */
int store_heal_proposal_decide(struct store *st, int64_t id, int approve, const char *actor,
    const char *reason, time_t now);
/* Set proposal ID's STATE ("verifying", "succeeded", "failed") and RESULT. */
int store_heal_proposal_set(struct store *st, int64_t id, const char *state,
    const char *result, time_t now);

/* The oldest approved proposals, at most MAX of them, into IDS; how many. */
size_t store_heal_approved(struct store *st, int64_t *ids, size_t max);
/* Claim approved proposal ID for OWNER (executing); 1 when this call won it. */
int store_heal_proposal_claim(struct store *st, int64_t id, const char *owner, time_t now);
/* Fail what a dead holder of the lease left executing or verifying. */
int store_heal_interrupted(struct store *st, time_t now);

/* ---- cleanups */

/* Remember to remove STACK from NODE (moved away by PROPOSAL) when it answers. */
int store_heal_cleanup_add(struct store *st, int64_t proposal, const char *node,
    const char *stack, time_t now);

/* A removal still to do. */
struct store_heal_cleanup {
	int64_t id, proposal;
	char node[PD_NAME_LEN], stack[PD_NAME_LEN];
	time_t created;
};
/* The oldest removals still to do, at most MAX of them; how many. */
size_t store_heal_cleanups(struct store *st, struct store_heal_cleanup *out, size_t max);
/* Removal ID is done (at NOW), with RESULT. */
int store_heal_cleanup_done(struct store *st, int64_t id, time_t now, const char *result);

/* ---- what the healer reads of the deploys' tables */

/* The stacks' names, sorted, in a new array of new strings; 0, or -1
 * (nothing in *OUT). */
int store_heal_stack_names(struct store *st, char ***out, size_t *n);

/* A node whose pull failed in a deploy. */
struct store_heal_pull {
	int64_t deploy;
	char stack[PD_NAME_LEN], node[PD_NAME_LEN], error[PD_ERROR_LEN];
	time_t updated;
};
/* The deploy nodes whose pull failed after SINCE, newest deploy first, at
 * most MAX of them; how many. */
size_t store_heal_failed_pulls(struct store *st, time_t since, struct store_heal_pull *out,
    size_t max);

/* The newest deploy of STACK that touched NODE (switched it, or is doing
 * so), updated at or after SINCE, in any state: its id, kind, revision,
 * state and updated into OUT (no nodes); 1, or 0 when none. */
int store_heal_stack_settled(struct store *st, const char *stack, const char *node,
    time_t since, struct pd_deploy *out);

#endif
