/* backend.h: the backend's public face, the only backend header tui/ and
 * cli/ include.
 *
 * The backend owns every thread, socket, file and database handle.  Readers
 * take snapshots: consistent copies of the fleet model that they own and
 * free; a wakeup fd becomes readable when the model changed.  Commands that
 * change anything are checked here, so that a read-only (kiosk) front end
 * cannot be talked into changing a node.
 *
 * This header holds only the entry points the front ends call.  The data
 * they hand out and take (struct backend_config, snapshots, details,
 * deploys, plans, revisions, audit entries, findings, proposals), the names
 * of its enums, the functions that free it, the sanitiser and the
 * formatters are the model, backend/model/model.h; the node-local entry
 * points (tune, drift check, the agent) are in backend/node/node.h.  This
 * header includes both.  backend.c implements the entry points below by
 * forwarding to the modules under it; no backend file but backend.c
 * includes this header: the facade sits on the modules, and they on the
 * model and base/.
 *
 * Every string in a snapshot came from a node, or from a file a user wrote:
 * it is untrusted, and must be sanitised before it reaches a terminal.
 *
 * Errors: one rule for the whole backend.
 * - A function that can fail for a reason a person must read takes
 *   (char *err, size_t errlen) as its last parameters and returns 0, or -1
 *   with ERR set; one that returns a pointer returns NULL instead of -1.
 *   ERR is one sentence, without "plantdeck:" or a newline, that names what
 *   is at fault: "FILE:LINE:COL: message" for a file a user wrote, else the
 *   node, container, stack, deploy or proposal.  The caller adds where it
 *   comes from ("plantdeck: deploy: ") and prints it as it is.
 * - When success has more than one outcome, the others are positive
 *   (backend_tune: 1, something reads back differently; backend_audit_verify:
 *   1, the chain is broken); -1 is still the failure.  The buffer may then
 *   carry a reason for the positive outcome too, and is named for it (WHY,
 *   WHO).
 * - A function whose only failure is running out of memory returns NULL
 *   (or -1) and takes no ERR; one that answers a question (whether, how
 *   many, the next line) says in its comment what it returns.
 * - Only thin wrappers of the system return 0 or -errno, and their caller
 *   writes the sentence: opening the log file (backend_log_open, log_open)
 *   and starting a module's thread (fleet_start, heal_start). */
#ifndef PLANTDECK_BACKEND_H
#define PLANTDECK_BACKEND_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"
#include "backend/node/node.h"

/* The program's version string, e.g. "0.1.0" (pd_version()). */
const char *backend_version(void);

/* Diagnostics while a screen is up: append them to PATH (0 or -errno, a
 * thin wrapper: errno says why), keep them off stderr (QUIET), and close
 * the file. */
int backend_log_open(const char *path);
void backend_log_quiet(int quiet);
void backend_log_close(void);

/* ------------------------------------------------------------ the backend */

struct backend;

/* Load the inventory and prepare the nodes; nothing is started.  On a bad
 * inventory returns -1 with ERR ("FILE:LINE:COL: message"). */
int backend_open(const struct backend_config *cfg, struct backend **out,
    char *err, size_t errlen);

/* Start the io thread (and, with CFG->heal, the heal detectors); 0, or -1
 * with ERR (the system's reason, e.g. "Resource temporarily unavailable"). */
int backend_start(struct backend *b, char *err, size_t errlen);

/* A file descriptor that becomes readable when the model changed. */
int backend_wakeup_fd(const struct backend *b);

/* Consume pending wakeups (call after poll() said the fd is readable). */
void backend_wakeup_ack(struct backend *b);

/* A consistent copy of the model; NULL on allocation failure. */
struct pd_snapshot *backend_snapshot(struct backend *b);
/* The same, shared with the backend's other readers (heal's detectors):
 * read only, and quiet changes (see backend_generation) may show up to
 * FLEET_SHARED_AGE s late.  For the cockpit, which holds one for long. */
struct pd_snapshot *backend_snapshot_shared(struct backend *b);

/* The generation a snapshot taken now would carry (pd_snapshot.generation):
 * while it equals the one a reader holds, a new copy would show nothing
 * new but round trips, last answers and samples of what is not shown. */
uint64_t backend_generation(struct backend *b);

/* Whether a snapshot taken now would be complete (every node answered or
 * failed once, the swarm's lists read): a check that copies nothing, for
 * a reader that waits for the first complete snapshot. */
int backend_complete(struct backend *b);

/* Stop asking the engines (the io thread ends after its turn) without
 * waiting: a front end that took the one snapshot it wanted (status
 * without --watch) prints while the io thread ends, instead of while it
 * opens the event streams and lists that follow a first snapshot.
 * backend_close still joins it. */
void backend_stop(struct backend *b);

/* Keep fetching details (inspect, health log, last log lines) of container
 * ID on NODE, now and every few seconds; NULL NODE stops it. */
void backend_watch_container(struct backend *b, const char *node, const char *id);

/* What this front end shows, so that the fleet samples CPU and memory for
 * it (backend/engine/sampling.c): the sums of nodes SUMS[0..NSUMS-1] (the
 * fleet table's lines on screen) and each container of node EACH (the node
 * screen; NULL none); the watched container (above) counts as shown.  A
 * front end that never calls it (plantdeck status) has every running
 * container sampled every stats interval; once called, what is not shown is
 * sampled every few minutes (for heal), alarmed containers as if shown.
 * Call it again when what is shown changes. */
void backend_show(struct backend *b, const char *const *sums, size_t nsums, const char *each);

/* Copy the watched container's details; 0, or -1 when nothing is watched. */
int backend_details(struct backend *b, struct pd_details *out);

/* The key chord that ends a kiosk screen (inventory kiosk.exit_chord, e.g.
 * "C-x C-q"), or NULL: then only SIGTERM/SIGINT end it. */
const char *backend_kiosk_exit_chord(const struct backend *b);

/* Whether the backend refuses every changing command (--read-only, kiosk). */
int backend_read_only(const struct backend *b);

/* Who this process acts as under the inventory's roles (doc/security.md):
 * "alice: operator" ("root" for uid 0), or "" when the inventory has no
 * roles.  Every changing entry point checks the role itself, and refuses
 * with an error that names the user, the role needed and its group. */
const char *backend_role(const struct backend *b);

/* Stop the threads and free everything. */
void backend_close(struct backend *b);

/* Serve GET /metrics in the Prometheus text format on ADDR ("HOST:PORT",
 * "[V6]:PORT", ":PORT"; port 0: any free one) until backend_close, on a
 * thread of its own (backend/metrics.c, metrics-http.c; the names are in
 * doc/prometheus.md).  *BOUND gets the address bound ("127.0.0.1:9464").
 * 0, or -1 with ERR naming ADDR. */
int backend_metrics_listen(struct backend *b, const char *addr, char *bound, size_t boundlen,
    char *err, size_t errlen);

/* plantdeck serve says it is alive (started at STARTED, serving metrics at
 * METRICS, "" none): its heartbeat in the database, which a cockpit on the
 * same database shows as SERVE (backend/store/store-serve.c); to be called
 * every BACKEND_SERVE_BEAT s.  0, or -1 with ERR (a read-only database). */
#define BACKEND_SERVE_BEAT 5
int backend_serve_beat(struct backend *b, time_t started, const char *metrics, char *err,
    size_t errlen);
/* plantdeck serve stops: its heartbeat deleted. */
void backend_serve_gone(struct backend *b);

/* ------------------------------------------------------------- commands */
/* A front end's UI thread runs no command itself: a container action, a
 * heal decision, a deploy command or start and a plan can each wait on the
 * database (its busy timeout: 5 s behind another process's write, then an
 * fsync) or on a lock a deploy holds.  backend_command_send hands C (struct
 * pd_command, model.h) to the backend's command thread (backend/commands.c),
 * which runs it with the entry point its kind names, in the order sent;
 * backend_command_take hands it back done, with the entry point's result;
 * the wakeup fd becomes readable when one is done. */

/* Queue C, taken over (its number in *SEQ); never waits on the database.
 * 0, or -1 with ERR (C is still the caller's). */
int backend_command_send(struct backend *b, struct pd_command *c, uint64_t *seq,
    char *err, size_t errlen);

/* The oldest command done and not taken yet (free with pd_command_free),
 * or NULL; never waits but on a short lock. */
struct pd_command *backend_command_take(struct backend *b);

/* Commands sent and not done yet. */
size_t backend_commands_pending(struct backend *b);

/* ------------------------------------------------------------- containers */

/* Restart, stop, start, pause, unpause or remove (forced: a running one is
 * killed) container REF (its name, or its id or a prefix of it) of NODE,
 * as the fleet last saw it.  Refused in read-only (kiosk, --read-only),
 * before anything is sent.  Written to the audit trail (action
 * "container-ACTION", the actor store_actor()'s) before it is sent; when
 * the entry cannot be written nothing is done.  Never waits for the node:
 * the io thread sends it (backend_start must have run), and its result
 * becomes an event of the container in the snapshot: action "action",
 * text "restart by ACTOR: done" or "...: failed: why".  0 when it was
 * queued, or -1 with ERR. */
int backend_container_action(struct backend *b, const char *node, const char *ref,
    enum pd_container_action action, char *err, size_t errlen);

/* ------------------------------------------------------------------- logs */

struct backend_logs;

/* Stream the log of container REF (its name or id) of NODE as Q says, on
 * a thread of its own (backend/engine/logs.c): lines with their engine
 * timestamps, stdout and stderr apart, the last PD_LOGS_RING kept.  The
 * wakeup fd becomes readable when lines came.  Viewing changes nothing, so
 * read-only allows it.  Never waits for the node.  NULL with ERR. */
struct backend_logs *backend_logs_open(struct backend *b, const char *node, const char *ref,
    const struct pd_logs_query *q, char *err, size_t errlen);

/* The lines after sequence number AFTER, oldest first, in a new array (free
 * with pd_log_lines_free), and where the stream is; 0, or -1 out of memory. */
int backend_logs_read(struct backend_logs *l, uint64_t after, struct pd_log_line **out,
    size_t *n, struct pd_logs_status *st);

/* Stop the stream (thread joined, connection closed) and free it; NULL: nothing. */
void backend_logs_close(struct backend_logs *l);

/* ---------------------------------------------------------------- deploys */
/* Stacks rolled out over the fleet: implemented in backend/deploy/rollout.c
 * and backend/store/store.c (doc/deploy.md).
 * A deploy is planned from a stack file, then run by an executor thread of
 * this process; every step is journaled in the database before and after it
 * runs, so another process (or this one, restarted) sees it, can pause or
 * abort it, and can resume or roll back one whose process died. */

/* Plan a deploy of the stack file FILE to the nodes its placement and
 * SELECTOR (NULL: all) match.  Changes nothing.  0, or -1 with ERR
 * ("FILE:LINE:COL: message" for a bad file). */
int backend_deploy_plan(struct backend *b, const char *file, const char *selector,
    struct pd_plan **out, char *err, size_t errlen);
/* The same with variables VARS ("NAME=VALUE", NVARS of them) set for this
 * plan alone: they win over the environment and the .env file, and the
 * plan (pd_plan.vars), the deploy's journal and the audit trail name them
 * (a credential's value hidden).  The plan's diff lines (pd_plan.diff) say
 * what changes against the stack's current revision. */
int backend_deploy_plan_vars(struct backend *b, const char *file, const char *selector,
    const char *const *vars, size_t nvars, struct pd_plan **out, char *err, size_t errlen);

/* The profiles enabled (none: COMPOSE_PROFILES) and the images given per
 * service ("SERVICE=REF") for every stack file planned from now on, as
 * `plantdeck deploy --profile --image` give them.  Call it before planning.
 * 0, or -1 with ERR naming a bad one. */
int backend_deploy_options(const char *const *profiles, size_t nprofiles,
    const char *const *images, size_t nimages, char *err, size_t errlen);

/* The warnings of stack file FILE, also when it has errors (which
 * backend_deploy_plan tells): *N new strings in *OUT, which
 * backend_stack_warnings_free frees. */
void backend_stack_warnings(const char *file, char ***out, size_t *n);
void backend_stack_warnings_free(char **warnings, size_t n);

/* Start PLAN in an executor thread of this process (the plan is taken over
 * and freed).  Refused in read-only, to a user without the operator role,
 * and while another deploy of the stack is running, paused or interrupted.
 * 0 with *ID, or -1 with ERR.  Under the inventory's four_eyes rule a
 * deploy to more nodes than it allows is held instead: 1, with *ID the
 * number of its four-eyes request and ERR saying so; this process starts
 * it when another approver approves the request (backend_approval_wait). */
int backend_deploy_start(struct backend *b, struct pd_plan *plan, int64_t *id,
    char *err, size_t errlen);

/* Pause, resume, abort or roll back deploy ID (0: the newest).  Resume and
 * rollback start an executor in this process (a rollback is a new deploy,
 * its id in *NEWID).  Pause and abort reach an executor of another process
 * through the database.  Refused in read-only and to a user without the
 * operator role.  0, or -1 with ERR.  Under four_eyes, a rollback of more
 * nodes than it allows is held: 1, *NEWID the request (see
 * backend_deploy_start). */
int backend_deploy_command(struct backend *b, int64_t id, enum pd_deploy_cmd cmd,
    int to_revision, int64_t *newid, char *err, size_t errlen);

/* The newest LIMIT deploys, newest first, without nodes; 0 or -1 with ERR. */
int backend_deploys(struct backend *b, size_t limit, struct pd_deploy **out, size_t *n,
    char *err, size_t errlen);

/* The cockpit's view of the deploys and heal proposals, read by a backend
 * thread (backend/reader.c) so that the UI thread never waits on the
 * database: the newest reading not taken yet, the caller's to free with
 * pd_records_free, or NULL when nothing changed since the last one.  Never
 * waits on SQLite, only on a short lock.  The first call starts the
 * reader; the wakeup fd becomes readable when a reading waits.  A reading
 * with .locked set says the database is locked by another process. */
struct pd_records *backend_records_take(struct backend *b);

/* What the readings carry besides the list: deploy DEPLOY (-1: none) with
 * its nodes, and every finding rather than the open ones (ALL_FINDINGS).
 * A change is read at once. */
void backend_records_watch(struct backend *b, int64_t deploy, int all_findings);

/* Read again soon: this front end changed something (a command). */
void backend_records_reread(struct backend *b);

/* Deploy ID (0: the newest) with its nodes; 0 or -1 with ERR. */
int backend_deploy_get(struct backend *b, int64_t id, struct pd_deploy *out,
    char *err, size_t errlen);

/* Wait until no executor of this process runs deploy ID, or TIMEOUT_MS
 * passed (-1: forever); 0 when it ended, 1 on timeout. */
int backend_deploy_wait(struct backend *b, int64_t id, int timeout_ms);

/* Whether an executor of this process is running any deploy. */
int backend_deploy_busy(struct backend *b);

/* Deploy ID's journal, oldest first, one call of CB per line; 0, or -1
 * with ERR. */
int backend_deploy_journal(struct backend *b, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen);

/* The kept revisions of STACK (NULL: every stack), newest first, in a new
 * array; 0, or -1 with ERR (a STACK the database has no revision of is an
 * error: "no stack 'X' in DB"). */
int backend_history(struct backend *b, const char *stack, struct pd_revision **out,
    size_t *n, char *err, size_t errlen);

/* Take STACK off its nodes, as docker compose down / docker stack rm do
 * (plantdeck down; backend/deploy/rollout-down.c).  On engines: on every
 * node of the inventory, the containers labelled io.plantdeck.stack=STACK
 * stopped and removed in reverse depends_on order, then the networks
 * plantdeck made for it, and with VOLUMES its named volumes (never an
 * external one).  Under target swarm: its services, the nodes' placement
 * labels, its networks, secrets and configs (VOLUMES: and each node's
 * volumes once the tasks are gone).  CB(CTX, ITEM) is called in this
 * thread for each thing removed, failed or (DRY_RUN) that would be removed,
 * and for each node that could not be reached.  A deploy record of kind
 * "down" (*ID) journals every step; the kept revisions stay.  DRY_RUN
 * changes and records nothing.  Refused in read-only (not a dry run).
 * 0 all done, 1 some failed (the rest was still done), -1 refused with
 * ERR. */
int backend_stack_down(struct backend *b, const char *stack, int volumes, int dry_run,
    void (*cb)(void *ctx, const struct pd_down_item *it), void *ctx, int64_t *id,
    char *err, size_t errlen);

/* ---------------------------------------------------------------- audit */

/* The audit entries written at or after SINCE (0: all), oldest first;
 * 0, or -1 with ERR. */
int backend_audit_list(struct backend *b, time_t since, struct pd_audit_entry **out,
    size_t *n, char *err, size_t errlen);

/* Check the audit chain, and with PUBLIC_KEY (NULL: the inventory's
 * audit.public_key; "": none) every entry's signature and the chain
 * against the last checkpoint of CHECKPOINTS (NULL: audit.checkpoints,
 * else the default): 0 intact (REP says what was checked), 1 broken
 * (*FIRST_BAD, WHY names it), -1 unreadable (WHY). */
int backend_audit_verify(struct backend *b, const char *public_key, const char *checkpoints,
    struct pd_audit_report *rep, int64_t *first_bad, char *why, size_t whylen);

/* Run the audit signer (`plantdeck audit-signer`, doc/audit.md) with the
 * private KEY on SOCKET (group GROUP, mode 0660; NULL: 0600), appending
 * to CHECKPOINTS (NULL: the default) and to syslog (unless NO_SYSLOG),
 * until *STOP is set; 0, or -1 with ERR. */
int backend_audit_signer(const char *key, const char *socket, const char *checkpoints,
    const char *group, int no_syslog, volatile sig_atomic_t *stop, char *err, size_t errlen);

/* ---------------------------------------------------------------- heal */
/* Implemented in backend/heal/ (doc/heal.md).  Detectors turn the fleet's
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

/* Findings (ALL: resolved ones too, else open ones), newest first, in a
 * new array; 0, or -1 with ERR. */
int backend_heal_findings(struct backend *b, int all, struct pd_finding **out, size_t *n,
    char *err, size_t errlen);

/* Proposals (ALL: every one, else those not yet over: pending, approved,
 * executing, verifying), newest first, in a new array; 0, or -1 with ERR. */
int backend_heal_list(struct backend *b, int all, struct pd_proposal **out, size_t *n,
    char *err, size_t errlen);

/* Approve or reject pending proposal ID, as store_actor(); audited.
 * Refused in read-only (kiosk, --read-only), to a user without the operator
 * role, and when ID is not pending (another process decided first).  Under
 * four_eyes, approving a quarantine is held for a second person: 1, with
 * ERR naming the request (see backend_deploy_start).  An approved proposal is carried out by
 * the process that runs the detectors, within a second or so.  0, or -1
 * with ERR. */
int backend_heal_approve(struct backend *b, int64_t id, char *err, size_t errlen);
int backend_heal_reject(struct backend *b, int64_t id, const char *reason, char *err,
    size_t errlen);

/* Whether a process runs the detectors and the executor for this database
 * now (WHO: "host pid N"); 1, 0, or -1 with WHO the error. */
int backend_heal_runner(struct backend *b, char *who, size_t wholen);

/* ---------------------------------------------------------------- four eyes */
/* The inventory's four_eyes rule (doc/security.md): a deploy or rollback
 * to more nodes than it allows, and every quarantine, wait for a second,
 * different person with the approver role.  The process that asked holds
 * the action; it runs it once the request is approved. */

/* Requests (ALL: every one, else those pending or approved), newest first,
 * in a new array (free()); 0, or -1 with ERR. */
int backend_approvals(struct backend *b, int all, struct pd_approval **out, size_t *n,
    char *err, size_t errlen);

/* Approve (APPROVE 1) or reject request ID with REASON (may be NULL), as
 * this process's user; audited.  Refused in read-only, to a user without
 * the approver role, to the requester (same uid or login uid), when ID is
 * not pending, and when the requesting process is gone.  0, or -1 with ERR. */
int backend_approval_decide(struct backend *b, int64_t id, int approve, const char *reason,
    char *err, size_t errlen);

/* Wait until request ID (0: this process's newest) that this process holds
 * ended, or TIMEOUT_MS passed (-1: forever): 0 when it ran (*RESULT: the
 * deploy started, the rollback's deploy, or the proposal approved), 1 when
 * it was rejected, cancelled or failed (ERR says why and by whom), 2 on
 * timeout, -1 when this process holds no such request. */
int backend_approval_wait(struct backend *b, int64_t id, int timeout_ms, int64_t *result,
    char *err, size_t errlen);

#endif
