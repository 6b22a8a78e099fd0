/* backend.c: the backend's entry points that the front ends call, and
 * nothing else (backend.h).
 *
 * A struct backend owns the inventory a configuration names
 * (inventory_for_config), the fleet, the deploys and the healer, and wires
 * them together; every entry point forwards to the module that does the
 * work.  The model (backend/model/) and the node-local entry points
 * (backend/node/node.h) are implemented below it. */
#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>                  /* mallopt */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backend/store/audit.h"
#include "backend/store/audit-sign.h"
#include "backend/store/store.h"
#include "backend/backend.h"
#include "backend/engine/fleet.h"
#include "backend/heal/heal.h"
#include "backend/engine/inventory.h"
#include "backend/engine/roles.h"
#include "backend/engine/logs.h"
#include "backend/base/log.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/rollout.h"
#include "backend/reader.h"
#include "backend/commands.h"
#include "backend/foureyes.h"
#include "backend/store/store-approval.h"
#include "backend/store/store-serve.h"
#include "backend/metrics.h"
#include "backend/node/agent-feed.h"

#define BACKEND_LOCKED_MAX 60.0  /* s a container action waits for a locked database */

struct backend {
	struct backend_config cfg;
	struct inventory *inv;
	struct fleet *fleet;
	struct rollouts *rollouts;
	struct heal *heal;
	struct reader *reader;          /* the cockpit's store reader, started on first use */
	struct commands *commands;      /* the front end's commands, on a thread of their own */
	char role[160];                 /* "alice: operator", or "" without roles */
	struct foureyes *foureyes;      /* actions held for a second person's approval */
	struct metrics_http *metrics;   /* GET /metrics (backend_metrics_listen), or NULL */
	struct agent_feed *agent_feed;  /* manifests for the nodes' agents (agent-feed.h) */
	time_t audit_checked;           /* the metrics' last audit check (its thread only) */
	int audit_state;
	size_t audit_count;
	struct metrics_tally tally;     /* the agents' events (the metrics' thread only) */
};

const char *
backend_version(void)
{
	return pd_version();
}

int
backend_log_open(const char *path)
{
	return log_open(path);
}

void
backend_log_quiet(int quiet)
{
	log_quiet(quiet);
}

void
backend_log_close(void)
{
	log_close();
}

/* Wake the front end: log lines came, or the store reader has a reading.
 * (The fleet's wakeup fd is an eventfd; any write makes it readable.) */
static void
backend_wake(void *ctx)
{
	struct backend *b = ctx;
	uint64_t one = 1;
	int fd = b->fleet != NULL ? fleet_wakeup_fd(b->fleet) : -1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* Full or closed: the front end wakes up anyway. */
	}
}

/* A deploy changed: the store reader reads it again (it wakes the front
 * end when what it read differs); with no reader, wake the front end. */
static void
backend_poke(void *ctx)
{
	struct backend *b = ctx;

	if (b->reader != NULL)
		reader_poke(b->reader);
	else
		backend_wake(b);
}

/* Whether the caller may do WHAT, which needs role NEED: the one check of
 * roles (roles.h) every changing entry point makes; 0, or -1 with ERR
 * naming the user, the role and its group. */
static int
backend_may(struct backend *b, enum roles_role need, const char *what, char *err,
    size_t errlen)
{
	return roles_check(&b->inv->roles, need, what, err, errlen);
}

/* Seconds on the monotonic clock. */
static double
backend_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run command C on the command thread, with the entry point its kind
 * names; its result into C. */
static void
backend_command_run(void *ctx, struct pd_command *c)
{
	struct backend *b = ctx;
	struct timespec pause = { 0, 200 * 1000000L };
	struct pd_plan *p;
	double start;

	c->err[0] = '\0';
	switch (c->kind) {
	case PD_COMMAND_CONTAINER:
		/* Its audit entry is one transaction, and nothing is sent without
		 * it: while another process holds the database, try again, until
		 * it lets go or BACKEND_LOCKED_MAX passed. */
		start = backend_now();
		for (;;) {
			c->rc = backend_container_action(b, c->node, c->ref,
			    (enum pd_container_action)c->action, c->err, sizeof(c->err));
			if (c->rc == 0 || strstr(c->err, "database is locked") == NULL ||
			    backend_now() - start >= BACKEND_LOCKED_MAX ||
			    commands_stopping(b->commands))
				break;
			nanosleep(&pause, NULL);
		}
		break;
	case PD_COMMAND_HEAL_APPROVE:
		c->rc = backend_heal_approve(b, c->id, c->err, sizeof(c->err));
		break;
	case PD_COMMAND_HEAL_REJECT:
		c->rc = backend_heal_reject(b, c->id, c->text != NULL ? c->text : "", c->err,
		    sizeof(c->err));
		break;
	case PD_COMMAND_DEPLOY:
		c->rc = backend_deploy_command(b, c->id, (enum pd_deploy_cmd)c->action, 0,
		    &c->newid, c->err, sizeof(c->err));
		break;
	case PD_COMMAND_DEPLOY_START:
		p = c->plan;
		c->plan = NULL;                 /* the deploy's now, whatever happens */
		c->rc = p == NULL ? -1 : backend_deploy_start(b, p, &c->newid, c->err,
		    sizeof(c->err));
		if (p == NULL)
			snprintf(c->err, sizeof(c->err), "no plan to start");
		break;
	case PD_COMMAND_APPROVAL_APPROVE:
	case PD_COMMAND_APPROVAL_REJECT:
		c->rc = backend_approval_decide(b, c->id, c->kind == PD_COMMAND_APPROVAL_APPROVE,
		    c->text, c->err, sizeof(c->err));
		break;
	case PD_COMMAND_PLAN:
		c->rc = backend_deploy_plan_vars(b, c->text != NULL ? c->text : "", c->selector,
		    (const char *const *)c->vars, c->nvars, &c->plan, c->err, sizeof(c->err));
		break;
	default:
		c->rc = -1;
		snprintf(c->err, sizeof(c->err), "no such command");
		break;
	}
	/* What a command changed, the store reader reads again. */
	if (c->kind != PD_COMMAND_PLAN && c->kind != PD_COMMAND_CONTAINER)
		reader_poke(b->reader);
}

/* Hand the inventory's audit: section to the audit trail (audit.c). */
static void
backend_audit_configure(const struct inventory *inv)
{
	struct audit_config ac;

	audit_config_fill(&ac, inv->audit.require, inv->audit.signer, inv->audit.public_key,
	    inv->audit.checkpoints);
	audit_configure(&ac);
}

/* Where glibc's malloc gives a block its own mapping.  By default it
 * raises that threshold to the size of any mapped block freed (up to 32
 * MiB): after the first fleet snapshot was freed, every later copy (at
 * 1,000 nodes x 10, 9 MB of containers and 3 MB of nodes, taken several
 * times a second) came from the arenas, between the small blocks of every
 * request, and the arenas kept the holes (issue 16: 175 MiB RSS, ~70 MB of
 * it free memory glibc kept).  A fixed threshold keeps every block of
 * BACKEND_MMAP_MIN or more in a mapping of its own, given back when freed.
 * An operator's MALLOC_MMAP_THRESHOLD_ (or GLIBC_TUNABLES) wins. */
#define BACKEND_MMAP_MIN (256 * 1024)
static void
backend_malloc_tune(void)
{
#ifdef __GLIBC__
	if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL && getenv("GLIBC_TUNABLES") == NULL)
		mallopt(M_MMAP_THRESHOLD, BACKEND_MMAP_MIN);
#endif
}

int
backend_open(const struct backend_config *cfg, struct backend **out, char *err, size_t errlen)
{
	struct backend *b;
	int rc;

	*out = NULL;
	backend_malloc_tune();      /* before the first thread and the first snapshot */
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->cfg = *cfg;
	rc = inventory_for_config(cfg, &b->inv, err, errlen);
	if (rc == 0)
		rc = roles_check(&b->inv->roles, ROLES_VIEWER, "view the plant", err, errlen);
	if (rc != 0) {
		backend_close(b);
		return -1;
	}
	backend_audit_configure(b->inv);
	roles_label(&b->inv->roles, b->role, sizeof(b->role));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct fleet_config fc = {
		.ping_interval = cfg->ping_interval,
		.reconcile_interval = cfg->reconcile_interval,
		.stats_interval = cfg->stats_interval,
		.swarm_interval = cfg->swarm_interval,
		.stats_budget = cfg->stats_budget,
		.event_history = cfg->event_history,
		.read_only = cfg->read_only,
		.one_snapshot = cfg->one_snapshot,
	};
	if (b->inv->agent.image != NULL && !cfg->read_only &&
	    (b->agent_feed = agent_feed_new(b->inv, cfg->read_only)) != NULL) {
		fc.agent_kick = agent_feed_kick;
		fc.agent_kick_arg = b->agent_feed;
	}
	b->fleet = fleet_new(b->inv, &fc);
	if (b->fleet == NULL) {
		snprintf(err, errlen, "cannot set up the fleet: %s", strerror(errno ? errno : ENOMEM));
		backend_close(b);
		return -1;
	}
	b->rollouts = rollouts_new(b->inv, fleet_swarm(b->fleet), cfg->db_path, cfg->read_only,
	    backend_poke, b);
	if (b->rollouts != NULL)
		b->heal = heal_new(cfg, b->inv, b->fleet, b->rollouts);
	if (b->heal != NULL)
		b->reader = reader_new(b->rollouts, b->heal, backend_wake, b);
	if (b->reader != NULL)
		b->commands = commands_new(backend_command_run, backend_wake, b);
	if (b->commands != NULL)
		b->foureyes = foureyes_new(b->rollouts, b->heal, backend_poke, b);
	if (b->rollouts == NULL || b->heal == NULL || b->reader == NULL || b->commands == NULL ||
	    b->foureyes == NULL) {
		snprintf(err, errlen, "out of memory");
		backend_close(b);
		return -1;
	}
	*out = b;
	return 0;
}

int
backend_start(struct backend *b, char *err, size_t errlen)
{
	int rc = fleet_start(b->fleet);

	/* The executor changes nodes: only an operator's process runs it (a
	 * viewer's cockpit shows the queue, as a read-only one does). */
	if (rc == 0 && b->cfg.heal) {
		char why[PD_ERROR_LEN];

		if (backend_may(b, ROLES_OPERATOR, "heal detectors and executor", why,
		    sizeof(why)) == 0)
			rc = heal_start(b->heal);
		else
			log_msg(LOG_WARN, "%s", why);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s", strerror(-rc));
		return -1;
	}
	return 0;
}

int
backend_wakeup_fd(const struct backend *b)
{
	return fleet_wakeup_fd(b->fleet);
}

void
backend_wakeup_ack(struct backend *b)
{
	fleet_wakeup_ack(b->fleet);
}

struct pd_snapshot *
backend_snapshot(struct backend *b)
{
	return fleet_snapshot(b->fleet);
}

struct pd_snapshot *
backend_snapshot_shared(struct backend *b)
{
	return fleet_snapshot_recent(b->fleet, FLEET_SHARED_AGE);
}

int
backend_complete(struct backend *b)
{
	return fleet_complete(b->fleet);
}

void
backend_stop(struct backend *b)
{
	fleet_stop(b->fleet);
}

void
backend_watch_container(struct backend *b, const char *node, const char *id)
{
	fleet_watch_container(b->fleet, node, id);
}

uint64_t
backend_generation(struct backend *b)
{
	return fleet_generation(b->fleet);
}

void
backend_show(struct backend *b, const char *const *sums, size_t nsums, const char *each)
{
	fleet_show(b->fleet, sums, nsums, each);
}

int
backend_details(struct backend *b, struct pd_details *out)
{
	return fleet_details(b->fleet, out);
}

const char *
backend_kiosk_exit_chord(const struct backend *b)
{
	return b->inv->kiosk_exit_chord;
}

int
backend_read_only(const struct backend *b)
{
	return b->cfg.read_only;
}

const char *
backend_role(const struct backend *b)
{
	return b->role;
}


void
backend_close(struct backend *b)
{
	if (b == NULL)
		return;
	/* The reader's thread first: it reads through the healer and the
	 * deploys; then the healer: its workers wait on deploys and use the
	 * fleet. The reader itself goes last: deploy workers finishing inside
	 * rollouts_free still poke it (backend_poke).  The commands before all:
	 * they run through every module. */
	metrics_http_stop(b->metrics);  /* its thread gathers through every module */
	b->metrics = NULL;
	metrics_tally_free(&b->tally);
	commands_free(b->commands);
	b->commands = NULL;
	foureyes_free(b->foureyes);     /* its thread runs through the modules too */
	b->foureyes = NULL;
	reader_stop(b->reader);
	heal_free(b->heal);
	rollouts_free(b->rollouts);
	reader_free(b->reader);
	b->reader = NULL;
	fleet_free(b->fleet);
	agent_feed_free(b->agent_feed);
	inventory_free(b->inv);
	free(b);
}

/* ---------------------------------------------------------------- commands */

int
backend_command_send(struct backend *b, struct pd_command *c, uint64_t *seq, char *err,
    size_t errlen)
{
	if (commands_send(b->commands, c, seq) != 0) {
		snprintf(err, errlen, "cannot start the command thread (or the backend is "
		    "closing)");
		return -1;
	}
	return 0;
}

struct pd_command *
backend_command_take(struct backend *b)
{
	return commands_take(b->commands);
}

size_t
backend_commands_pending(struct backend *b)
{
	return commands_pending(b->commands);
}

/* ---------------------------------------------------------------- containers */

int
backend_container_action(struct backend *b, const char *node, const char *ref,
    enum pd_container_action action, char *err, size_t errlen)
{
	struct fleet_found c;
	struct store *st;
	char actor[128], target[2 * PD_NAME_LEN + 32], detail[PD_ID_LEN + 96], kind[32];
	char aerr[PD_ERROR_LEN];
	const char *what = pd_container_action_name(action);
	int rc;

	if (b->cfg.read_only) {
		snprintf(err, errlen, "%s %s/%s: refused: read-only (kiosk or --read-only)", what,
		    node, ref);
		return -1;
	}
	{
		char w[PD_NAME_LEN * 2 + 32];

		snprintf(w, sizeof(w), "%s %s/%s", what, node, ref);
		if (backend_may(b, ROLES_OPERATOR, w, err, errlen) != 0)
			return -1;
	}
	if ((int)action < 0 || action >= PD_CACT_COUNT) {
		snprintf(err, errlen, "no such container action");
		return -1;
	}
	rc = fleet_container_find(b->fleet, node, ref, &c);
	if (rc != 0) {
		snprintf(err, errlen, rc == -1 ? "%s: no such node in the inventory" :
		    "%s: no container %s (not seen on the node)", node, ref);
		return -1;
	}
	/* The trail is the gate: no entry, no action. */
	st = rollout_store(b->rollouts, aerr, sizeof(aerr));
	store_actor(actor, sizeof(actor));
	snprintf(kind, sizeof(kind), "container-%s", what);
	snprintf(target, sizeof(target), "node %s container %s", node, c.name);
	snprintf(detail, sizeof(detail), "id %.12s, state %s%s", c.id,
	    c.state[0] ? c.state : "unknown", action == PD_CACT_REMOVE &&
	    strcmp(c.state, "running") == 0 ? ", forced (the running container is killed)" : "");
	if (st == NULL || audit_append(st, kind, target, detail, aerr, sizeof(aerr)) != 0) {
		snprintf(err, errlen, "%s %s/%s: not done: the audit trail cannot be written: %s",
		    what, node, c.name, aerr);
		return -1;
	}
	if (fleet_container_action(b->fleet, node, c.id, c.name, action, actor) != 0) {
		snprintf(err, errlen, "%s %s/%s: out of memory", what, node, c.name);
		return -1;
	}
	log_msg(LOG_INFO, "%s %s/%s by %s: sent", what, node, c.name, actor);
	return 0;
}

/* ------------------------------------------------------------------- logs */

struct backend_logs {
	struct logs *logs;
};

struct backend_logs *
backend_logs_open(struct backend *b, const char *node, const char *ref,
    const struct pd_logs_query *q, char *err, size_t errlen)
{
	const struct inv_node *in = NULL;
	struct backend_logs *bl;

	for (size_t i = 0; i < b->inv->nnodes; i++)
		if (strcmp(b->inv->nodes[i].name, node) == 0)
			in = &b->inv->nodes[i];
	if (in == NULL) {
		snprintf(err, errlen, "%s: no such node in the inventory", node);
		return NULL;
	}
	bl = calloc(1, sizeof(*bl));
	if (bl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bl->logs = logs_open(in, ref, q, backend_wake, b, err, errlen);
	if (bl->logs == NULL) {
		free(bl);
		return NULL;
	}
	return bl;
}

int
backend_logs_read(struct backend_logs *l, uint64_t after, struct pd_log_line **out,
    size_t *n, struct pd_logs_status *st)
{
	return logs_read(l->logs, after, out, n, st);
}

void
backend_logs_close(struct backend_logs *l)
{
	if (l == NULL)
		return;
	logs_close(l->logs);
	free(l);
}

/* ---------------------------------------------------------------- deploys */

int
backend_deploy_plan(struct backend *b, const char *file, const char *selector,
    struct pd_plan **out, char *err, size_t errlen)
{
	return rollout_plan(b->rollouts, file, selector, NULL, 0, out, err, errlen);
}

int
backend_deploy_plan_vars(struct backend *b, const char *file, const char *selector,
    const char *const *vars, size_t nvars, struct pd_plan **out, char *err, size_t errlen)
{
	return rollout_plan(b->rollouts, file, selector, vars, nvars, out, err, errlen);
}

int
backend_deploy_options(const char *const *profiles, size_t nprofiles,
    const char *const *images, size_t nimages, char *err, size_t errlen)
{
	const struct compose_options o = {
		.profiles = (char **)(uintptr_t)profiles, .nprofiles = nprofiles,
		.images = (char **)(uintptr_t)images, .nimages = nimages,
	};

	return compose_set_options(&o, err, errlen);
}

void
backend_stack_warnings(const char *file, char ***out, size_t *n)
{
	compose_warnings(file, out, n);
}

void
backend_stack_warnings_free(char **warnings, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(warnings[i]);
	free(warnings);
}

int
backend_deploy_start(struct backend *b, struct pd_plan *plan, int64_t *id, char *err,
    size_t errlen)
{
	char w[PD_NAME_LEN + 16];

	const struct inv_roles *r = &b->inv->roles;

	*id = 0;
	snprintf(w, sizeof(w), "deploy %s", plan->stack);
	if (!b->cfg.read_only && backend_may(b, ROLES_OPERATOR, w, err, errlen) != 0) {
		pd_plan_free(plan);
		return -1;
	}
	if (!b->cfg.read_only && r->four_eyes && plan->nnodes > r->four_eyes_nodes) {
		char target[PD_NAME_LEN + 64], detail[PD_ERROR_LEN];
		size_t nn = plan->nnodes, off;
		struct store *st = rollout_store(b->rollouts, err, errlen);

		/* The approver reads the revisions as they are now (rollout_start
		 * reads them again when it runs). */
		if (st == NULL || store_stack_current(st, plan->stack, &plan->from_revision, err,
		    errlen) != 0 || store_stack_next(st, plan->stack, &plan->revision, err,
		    errlen) != 0) {
			pd_plan_free(plan);
			return -1;
		}
		snprintf(target, sizeof(target), "stack %s revision %d to %zu nodes", plan->stack,
		    plan->revision, nn);
		off = (size_t)snprintf(detail, sizeof(detail), "file %s, from revision %d%s%s; "
		    "nodes", plan->file, plan->from_revision, plan->vars[0] ? ", variables " : "",
		    plan->vars);
		for (size_t i = 0; i < nn && off < sizeof(detail); i++)
			off += (size_t)snprintf(detail + off, sizeof(detail) - off, " %s",
			    plan->nodes[i].node);
		if (foureyes_hold_deploy(b->foureyes, plan, target, detail, id, err, errlen) != 0)
			return -1;
		snprintf(err, errlen, "deploy %s: %s waits for a second person's approval (four "
		    "eyes: more than %u nodes): request #%lld; an approver runs: plantdeck approve "
		    "%lld", w + 7, target, r->four_eyes_nodes, (long long)*id, (long long)*id);
		return 1;
	}
	return rollout_start(b->rollouts, plan, id, err, errlen);
}

int
backend_deploy_command(struct backend *b, int64_t id, enum pd_deploy_cmd cmd, int to_revision,
    int64_t *newid, char *err, size_t errlen)
{
	char w[64];

	if (newid != NULL)
		*newid = 0;
	snprintf(w, sizeof(w), "%s deploy #%lld", cmd == PD_CMD_PAUSE ? "pause" :
	    cmd == PD_CMD_RESUME ? "resume" : cmd == PD_CMD_ABORT ? "abort" : "roll back",
	    (long long)id);
	if (!b->cfg.read_only && backend_may(b, ROLES_OPERATOR, w, err, errlen) != 0)
		return -1;
	if (!b->cfg.read_only && cmd == PD_CMD_ROLLBACK && b->inv->roles.four_eyes) {
		struct pd_deploy d;
		char target[PD_NAME_LEN + 96];
		int64_t req;

		if (rollout_get(b->rollouts, id, &d, err, errlen) != 0)
			return -1;
		snprintf(target, sizeof(target), "stack %s: deploy #%lld to revision %d on %zu "
		    "nodes", d.stack, (long long)d.id, to_revision > 0 ? to_revision :
		    d.from_revision, d.nnodes);
		/* A running deploy or a down is refused below, without a request. */
		if (d.nnodes > b->inv->roles.four_eyes_nodes && d.state != PD_DEPLOY_RUNNING &&
		    d.state != PD_DEPLOY_ROLLING_BACK && strcmp(d.kind, "down") != 0) {
			int rc = foureyes_hold_rollback(b->foureyes, d.id, to_revision, (int)d.nnodes,
			    target, &req, err, errlen);

			if (rc == 0) {
				snprintf(err, errlen, "roll back %s waits for a second person's "
				    "approval (four eyes: more than %u nodes): request #%lld; an "
				    "approver runs: plantdeck approve %lld", target,
				    b->inv->roles.four_eyes_nodes, (long long)req, (long long)req);
				if (newid != NULL)
					*newid = req;
			}
			pd_deploy_free(&d);
			return rc == 0 ? 1 : -1;
		}
		pd_deploy_free(&d);
	}
	return rollout_command(b->rollouts, id, cmd, to_revision, newid, err, errlen);
}

int
backend_deploys(struct backend *b, size_t limit, struct pd_deploy **out, size_t *n, char *err,
    size_t errlen)
{
	return rollout_list(b->rollouts, limit, out, n, err, errlen);
}

struct pd_records *
backend_records_take(struct backend *b)
{
	if (reader_start(b->reader) != 0)
		return NULL;
	return reader_take(b->reader);
}

void
backend_records_watch(struct backend *b, int64_t deploy, int all_findings)
{
	reader_watch(b->reader, deploy, all_findings);
}

void
backend_records_reread(struct backend *b)
{
	reader_poke(b->reader);
}

int
backend_deploy_get(struct backend *b, int64_t id, struct pd_deploy *out, char *err,
    size_t errlen)
{
	return rollout_get(b->rollouts, id, out, err, errlen);
}

int
backend_deploy_wait(struct backend *b, int64_t id, int timeout_ms)
{
	return rollout_wait(b->rollouts, id, timeout_ms);
}

int
backend_deploy_busy(struct backend *b)
{
	return rollout_busy(b->rollouts);
}

int
backend_history(struct backend *b, const char *stack, struct pd_revision **out, size_t *n,
    char *err, size_t errlen)
{
	return rollout_history(b->rollouts, stack, out, n, err, errlen);
}

int
backend_deploy_journal(struct backend *b, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen)
{
	return rollout_journal(b->rollouts, id, cb, ctx, err, errlen);
}

int
backend_stack_down(struct backend *b, const char *stack, int volumes, int dry_run,
    void (*cb)(void *ctx, const struct pd_down_item *it), void *ctx, int64_t *id,
    char *err, size_t errlen)
{
	char w[PD_NAME_LEN + 16];

	snprintf(w, sizeof(w), "down %s", stack);
	if (!dry_run && !b->cfg.read_only && backend_may(b, ROLES_OPERATOR, w, err,
	    errlen) != 0) {
		if (id != NULL)
			*id = 0;
		return -1;
	}
	return rollout_down(b->rollouts, stack, volumes, dry_run, cb, ctx, id, err, errlen);
}

int
backend_audit_list(struct backend *b, time_t since, struct pd_audit_entry **out, size_t *n,
    char *err, size_t errlen)
{
	struct store *st = rollout_store(b->rollouts, err, errlen);

	*out = NULL;
	*n = 0;
	return st != NULL ? audit_list(st, since, out, n, err, errlen) : -1;
}

int
backend_audit_verify(struct backend *b, const char *public_key, const char *checkpoints,
    struct pd_audit_report *rep, int64_t *first_bad, char *why, size_t whylen)
{
	struct store *st = rollout_store(b->rollouts, why, whylen);

	memset(rep, 0, sizeof(*rep));
	*first_bad = 0;
	if (public_key == NULL)
		public_key = b->inv->audit.public_key;
	if (checkpoints == NULL)
		checkpoints = b->inv->audit.checkpoints;
	return st != NULL ? audit_verify_signed(st, public_key, checkpoints, rep, first_bad, why,
	    whylen) : -1;
}

int
backend_audit_signer(const char *key, const char *socket, const char *checkpoints,
    const char *group, int no_syslog, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct audit_signer_opts o = {
		.key = key,
		.socket = socket,
		.checkpoints = checkpoints != NULL ? checkpoints : AUDIT_CHECKPOINTS_DEFAULT,
		.group = group,
		.no_syslog = no_syslog,
	};

	return audit_signer_run(&o, stop, err, errlen);
}

/* ---------------------------------------------------------------- heal */

int
backend_heal_findings(struct backend *b, int all, struct pd_finding **out, size_t *n,
    char *err, size_t errlen)
{
	return heal_findings(b->heal, all, out, n, err, errlen);
}

int
backend_heal_list(struct backend *b, int all, struct pd_proposal **out, size_t *n, char *err,
    size_t errlen)
{
	return heal_list(b->heal, all, out, n, err, errlen);
}

int
backend_heal_approve(struct backend *b, int64_t id, char *err, size_t errlen)
{
	char w[64];

	snprintf(w, sizeof(w), "approve proposal #%lld", (long long)id);
	if (!b->cfg.read_only && backend_may(b, ROLES_OPERATOR, w, err, errlen) != 0)
		return -1;
	if (!b->cfg.read_only && b->inv->roles.four_eyes) {
		struct pd_proposal *v;
		size_t n;
		int64_t req;
		int rc = 1;

		if (heal_list(b->heal, 0, &v, &n, err, errlen) != 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			char target[3 * PD_NAME_LEN + 64];

			if (v[i].id != id || v[i].action != PD_HEAL_QUARANTINE)
				continue;
			snprintf(target, sizeof(target), "proposal #%lld: pause node %s container %s",
			    (long long)id, v[i].node, v[i].container);
			rc = foureyes_hold_quarantine(b->foureyes, id, target, v[i].reason, &req, err,
			    errlen);
			if (rc == 0)
				snprintf(err, errlen, "quarantine %s/%s (proposal #%lld) waits for a "
				    "second person's approval (four eyes): request #%lld; an approver "
				    "runs: plantdeck approve %lld", v[i].node, v[i].container,
				    (long long)id, (long long)req, (long long)req);
			rc = rc == 0 ? 2 : -1;
		}
		free(v);
		if (rc != 1)
			return rc == 2 ? 1 : -1;
	}
	return heal_approve(b->heal, id, err, errlen);
}

int
backend_heal_reject(struct backend *b, int64_t id, const char *reason, char *err,
    size_t errlen)
{
	char w[64];

	snprintf(w, sizeof(w), "reject proposal #%lld", (long long)id);
	if (!b->cfg.read_only && backend_may(b, ROLES_OPERATOR, w, err, errlen) != 0)
		return -1;
	return heal_reject(b->heal, id, reason, err, errlen);
}

int
backend_heal_runner(struct backend *b, char *who, size_t wholen)
{
	return heal_runner(b->heal, who, wholen);
}

/* ---------------------------------------------------------------- four eyes */

int
backend_approvals(struct backend *b, int all, struct pd_approval **out, size_t *n, char *err,
    size_t errlen)
{
	struct store *st = rollout_store(b->rollouts, err, errlen);

	*out = NULL;
	*n = 0;
	return st != NULL ? store_approvals(st, all, out, n, err, errlen) : -1;
}

int
backend_approval_decide(struct backend *b, int64_t id, int approve, const char *reason,
    char *err, size_t errlen)
{
	struct store *st;
	char w[64];

	snprintf(w, sizeof(w), "%s request #%lld", approve ? "approve" : "reject", (long long)id);
	if (b->cfg.read_only) {
		snprintf(err, errlen, "%s: refused: read-only (kiosk or --read-only)", w);
		return -1;
	}
	if (backend_may(b, ROLES_APPROVER, w, err, errlen) != 0)
		return -1;
	st = rollout_store(b->rollouts, err, errlen);
	if (st == NULL || store_approval_decide(st, id, approve, reason, err, errlen) != 0)
		return -1;
	log_msg(LOG_INFO, "four eyes: request #%lld %s", (long long)id,
	    approve ? "approved" : "rejected");
	reader_poke(b->reader);
	return 0;
}

int
backend_approval_wait(struct backend *b, int64_t id, int timeout_ms, int64_t *result,
    char *err, size_t errlen)
{
	return foureyes_wait(b->foureyes, id, timeout_ms, result, err, errlen);
}

/* ---------------------------------------------------------------- metrics */

#define METRICS_DEPLOYS 500             /* deploys counted by state */
#define METRICS_AUDIT_EVERY 60          /* seconds between checks of the audit chain */

/* One scrape: the model, deploys, heal queue and audit check as
 * Prometheus text (metrics_gather_fn, on the HTTP thread). */
static char *
backend_metrics_gather(void *ctx, size_t *len)
{
	struct backend *b = ctx;
	struct metrics_input in;
	struct pd_deploy *d = NULL, *live = NULL;
	struct pd_finding *f = NULL;
	struct pd_proposal *p = NULL;
	struct timespec t0, t1;
	char err[PD_ERROR_LEN], who[PD_ERROR_LEN];
	size_t nd = 0, nf = 0, np = 0, nlive = 0;
	char *out;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&in, 0, sizeof(in));
	in.version = pd_version();
	in.now = time(NULL);
	in.snap = backend_snapshot(b);
	if (in.snap != NULL) {
		metrics_tally_take(&b->tally, in.snap);
		in.tally = &b->tally;
	}
	in.deploys_ok = backend_deploys(b, METRICS_DEPLOYS, &d, &nd, err, sizeof(err)) == 0;
	if (in.deploys_ok && nd > 0 && (live = calloc(nd, sizeof(*live))) != NULL) {
		for (size_t i = 0; i < nd; i++) {
			size_t j;

			if (d[i].state != PD_DEPLOY_RUNNING && d[i].state != PD_DEPLOY_PAUSED &&
			    d[i].state != PD_DEPLOY_INTERRUPTED)
				continue;
			for (j = 0; j < i && strcmp(d[j].stack, d[i].stack) != 0; j++)
				;
			if (j == i && backend_deploy_get(b, d[i].id, &live[nlive], err,
			    sizeof(err)) == 0)
				nlive++;
		}
	}
	in.deploys = d;
	in.ndeploys = nd;
	in.live = live;
	in.nlive = nlive;
	in.heal_ok = backend_heal_findings(b, 1, &f, &nf, err, sizeof(err)) == 0 &&
	    backend_heal_list(b, 1, &p, &np, err, sizeof(err)) == 0;
	in.findings = f;
	in.nfindings = nf;
	in.proposals = p;
	in.nproposals = np;
	in.heal_runner = backend_heal_runner(b, who, sizeof(who));
	if (b->audit_checked == 0 || in.now - b->audit_checked >= METRICS_AUDIT_EVERY ||
	    in.now < b->audit_checked) {
		struct pd_audit_report rep;
		int64_t bad;

		b->audit_state = backend_audit_verify(b, NULL, NULL, &rep, &bad, err, sizeof(err));
		b->audit_count = rep.count;
		b->audit_checked = in.now;
		if (b->audit_state != 0)
			log_msg(LOG_WARN, "metrics: audit chain: %s", err);
	}
	in.audit_state = b->audit_state;
	in.audit_count = b->audit_count;
	in.audit_verified = b->audit_checked;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	in.scrape_seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	out = metrics_render(&in, len);
	pd_snapshot_free((struct pd_snapshot *)in.snap);
	pd_deploys_free(d, nd);
	pd_deploys_free(live, nlive);
	free(f);
	free(p);
	return out;
}

_Static_assert(BACKEND_SERVE_BEAT == STORE_SERVE_BEAT, "one beat interval");

int
backend_serve_beat(struct backend *b, time_t started, const char *metrics, char *err,
    size_t errlen)
{
	struct store *st = rollout_store(b->rollouts, err, errlen);

	if (st == NULL)
		return -1;
	if (b->cfg.read_only) {
		snprintf(err, errlen, "read-only: no heartbeat is written");
		return -1;
	}
	return store_serve_beat(st, started, b->cfg.heal, metrics,
	    time(NULL), err, errlen);
}

void
backend_serve_gone(struct backend *b)
{
	char err[PD_ERROR_LEN];
	struct store *st = rollout_store(b->rollouts, err, sizeof(err));

	if (st != NULL && !b->cfg.read_only)
		store_serve_gone(st);
}

int
backend_metrics_listen(struct backend *b, const char *addr, char *bound, size_t boundlen,
    char *err, size_t errlen)
{
	if (b->metrics != NULL) {
		snprintf(err, errlen, "metrics are already served");
		return -1;
	}
	return metrics_http_start(addr, backend_metrics_gather, b, &b->metrics, bound, boundlen,
	    err, errlen);
}
