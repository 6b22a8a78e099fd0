/* store.h: the database — one SQLite file that holds deploys, their
 * journal and the stacks' revisions.
 *
 * Every change is written here before an action is taken and after it
 * completed, so that a process killed mid-deploy leaves nothing the next
 * one does not know about.  A store is one connection, safe to share
 * between threads (its calls are serialised by a lock of its own); other
 * processes use the same file at the same time (WAL mode, busy timeout). */
#ifndef PLANTDECK_STORE_H
#define PLANTDECK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"

struct store;

/* The database path a configuration names (see backend_config.db_path);
 * 0, or -1 with ERR when no path can be made (no HOME). */
int store_default_path(const char *configured, char *out, size_t outlen,
    char *err, size_t errlen);

/* Open (creating it and its directory when not READ_ONLY) the database at
 * PATH and bring its schema up to date; 0, or -1 with ERR naming PATH. */
int store_open(const char *path, int read_only, struct store **out, char *err, size_t errlen);
void store_close(struct store *st);

/* The connection's PRAGMA data_version in *OUT: it changes when another
 * connection (another process, or another store of this one) committed;
 * this connection's own commits leave it alone.  0; 1 when the database is
 * locked by another process (ERR says so); -1 with ERR. */
int store_data_version(struct store *st, int64_t *out, char *err, size_t errlen);

/* ---- stacks and revisions */

/* The stack's current revision (0 when never deployed). */
int store_stack_current(struct store *st, const char *stack, int *rev, char *err, size_t errlen);
/* The number the next revision of STACK would get. */
int store_stack_next(struct store *st, const char *stack, int *rev, char *err, size_t errlen);
int store_stack_set_current(struct store *st, const char *stack, int rev, char *err, size_t errlen);

/* The spec (canonical JSON) of a revision; a new string in *SPEC. */
int store_revision_spec(struct store *st, const char *stack, int rev, char **spec,
    char *err, size_t errlen);
/* Keep the newest KEEP revisions of STACK, its current one, and those
 * running deploys need; delete the rest. */
int store_revision_prune(struct store *st, const char *stack, int keep, char *err, size_t errlen);
int store_revisions(struct store *st, const char *stack, struct pd_revision **out, size_t *n,
    char *err, size_t errlen);

/* ---- deploys */

/* What a new deploy record holds. */
struct store_deploy_new {
	const char *stack;
	const char *kind;             /* "deploy" or "rollback" */
	int64_t parent;
	int revision;                 /* for a deploy: created here with SPEC */
	int from_revision;
	const char *spec;             /* a deploy: the new revision's spec; a rollback: NULL */
	const char *file;
	const char *failure_action;
	double max_failure_ratio;
	const char *policy;           /* the policy as JSON */
	const char *user;
	const struct pd_plan_node *nodes;
	size_t nnodes;
};

/* Create a deploy (state running, owned by this process) and, for a
 * deploy, its revision, in one transaction; refused (-1, ERR) while the
 * stack has another deploy running, paused or interrupted. */
int store_deploy_create(struct store *st, const struct store_deploy_new *d, int64_t *id,
    char *err, size_t errlen);

/* Take over deploy ID for this process (resume, or a rollback of an
 * interrupted one): refused when a live process owns it. */
int store_deploy_claim(struct store *st, int64_t id, char *err, size_t errlen);

/* Set the state (and message, which may be NULL) of deploy ID. */
int store_deploy_set_state(struct store *st, int64_t id, enum pd_deploy_state state,
    const char *message, char *err, size_t errlen);
/* Ask the executor of ID to pause or abort ("pause", "abort", NULL clears). */
int store_deploy_request(struct store *st, int64_t id, const char *request,
    char *err, size_t errlen);
/* The pending request of ID, copied into REQ ("" none), and refresh the
 * heartbeat that tells other processes this executor is alive. */
int store_deploy_heartbeat(struct store *st, int64_t id, char *req, size_t reqlen);
/* The policy JSON and file of a deploy (new strings). */
int store_deploy_policy(struct store *st, int64_t id, char **policy, char **file,
    char *err, size_t errlen);

/* store_node_set and store_journal return once their row is committed;
 * those that arrive while another is being written are written together,
 * in one transaction (a group commit). */

/* A node's phase and step; ERROR may be NULL (kept) or "" (cleared). */
int store_node_set(struct store *st, int64_t id, const char *node, enum pd_phase phase,
    const char *step, const char *error);

/* Append a journal line: STATUS is "begin", "ok" or "fail". */
int store_journal(struct store *st, int64_t id, const char *node, const char *step,
    const char *status, const char *detail);

/* Since the store was opened: the transactions of journal lines and node
 * phases written (*BATCHES) and the lines they held (*OPS). */
void store_write_stats(struct store *st, unsigned long *batches, unsigned long *ops);

/* The newest LIMIT deploys (without nodes), or one (ID 0: the newest) with
 * its nodes.  Deploys whose process is gone show as interrupted. */
int store_deploys(struct store *st, size_t limit, struct pd_deploy **out, size_t *n,
    char *err, size_t errlen);
int store_deploy_get(struct store *st, int64_t id, struct pd_deploy *out, char *err,
    size_t errlen);

/* The journal of deploy ID, oldest first, as lines "TIME NODE STEP STATUS
 * DETAIL" written to CB. */
int store_journal_each(struct store *st, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen);

/* Who acts, for the record: "user@/dev/pts/3 from 10.1.2.3" (the terminal
 * and the SSH client address when there are). */
void store_actor(char *out, size_t len);

/* For other modules that keep tables in the same database (audit, heal):
 * the connection, and the lock every use of it must hold. */
struct sqlite3;
struct sqlite3 *store_sqlite(struct store *st);
void store_lock(struct store *st);
void store_unlock(struct store *st);
const char *store_path(const struct store *st);

/* SQL prepared once on the connection and kept for the next use (its
 * lock held; NULL when it does not prepare, sqlite3_errmsg says why);
 * store_stmt_done after each use resets it and clears its bindings.  For
 * statements run again and again: a tick's, a reader's. */
struct sqlite3_stmt;
struct sqlite3_stmt *store_stmt(struct store *st, const char *sql);
void store_stmt_done(struct store *st, struct sqlite3_stmt *q);

#endif
