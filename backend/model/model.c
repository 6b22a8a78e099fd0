/* model.c: the model's functions — the version, the names of its enums
 * (one table per enum, read both ways: to display or store a value, and to
 * read a stored one back), and the functions that free its types.
 *
 * It includes no other backend file; the sanitiser and the formatters, the
 * rest of the model, are in sanitize.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/model/model.h"

#define MODEL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
pd_version(void)
{
	return PACKAGE_VERSION;
}

/* ---------------------------------------------------------------- names */

static const char *const model_deploy_state_names[] = {
	[PD_DEPLOY_RUNNING] = "running",
	[PD_DEPLOY_PAUSED] = "paused",
	[PD_DEPLOY_COMPLETED] = "completed",
	[PD_DEPLOY_FAILED] = "failed",
	[PD_DEPLOY_ROLLING_BACK] = "rolling_back",
	[PD_DEPLOY_ROLLED_BACK] = "rolled_back",
	[PD_DEPLOY_ABORTED] = "aborted",
	[PD_DEPLOY_INTERRUPTED] = "interrupted",
};

static const char *const model_phase_names[] = {
	[PD_PHASE_PENDING] = "pending",
	[PD_PHASE_PULLING] = "pulling",
	[PD_PHASE_PULLED] = "pulled",
	[PD_PHASE_SWITCHING] = "switching",
	[PD_PHASE_HEALTH] = "health",
	[PD_PHASE_MONITOR] = "monitor",
	[PD_PHASE_DONE] = "done",
	[PD_PHASE_FAILED] = "failed",
	[PD_PHASE_ROLLING_BACK] = "rolling_back",
	[PD_PHASE_ROLLED_BACK] = "rolled_back",
	[PD_PHASE_SKIPPED] = "skipped",
};

static const char *const model_finding_kind_names[] = {
	[PD_FIND_CRASH_LOOP] = "crash_loop",
	[PD_FIND_EXITED] = "exited",
	[PD_FIND_OOM] = "oom",
	[PD_FIND_UNHEALTHY] = "unhealthy",
	[PD_FIND_NODE_DOWN] = "node_down",
	[PD_FIND_PULL_FAILED] = "pull_failed",
	[PD_FIND_ANOMALY] = "anomaly",
	[PD_FIND_DRIFT] = "drift",
	[PD_FIND_STRANDED] = "stranded",
	[PD_FIND_TASK_FAILING] = "task_failing",
};

static const char *const model_heal_action_names[] = {
	[PD_HEAL_RESTART] = "restart",
	[PD_HEAL_RESCHEDULE] = "reschedule",
	[PD_HEAL_ROLLBACK] = "rollback",
	[PD_HEAL_MEMORY] = "memory",
	[PD_HEAL_QUARANTINE] = "quarantine",
	[PD_HEAL_REAPPLY] = "reapply",
};

static const char *const model_proposal_state_names[] = {
	[PD_PROP_PENDING] = "pending",
	[PD_PROP_APPROVED] = "approved",
	[PD_PROP_EXECUTING] = "executing",
	[PD_PROP_VERIFYING] = "verifying",
	[PD_PROP_SUCCEEDED] = "succeeded",
	[PD_PROP_FAILED] = "failed",
	[PD_PROP_REJECTED] = "rejected",
	[PD_PROP_EXPIRED] = "expired",
};

static const char *const model_container_action_names[] = {
	[PD_CACT_RESTART] = "restart",
	[PD_CACT_STOP] = "stop",
	[PD_CACT_START] = "start",
	[PD_CACT_PAUSE] = "pause",
	[PD_CACT_UNPAUSE] = "unpause",
	[PD_CACT_REMOVE] = "remove",
};

/* Entry I of the N NAMES, or "unknown". */
static const char *
model_name(const char *const *names, size_t n, size_t i)
{
	return i < n && names[i] != NULL ? names[i] : "unknown";
}

/* The index of NAME in the N NAMES, or 0. */
static size_t
model_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return 0;
}

const char *
pd_reach_name(enum pd_reach r)
{
	switch (r) {
	case PD_REACH_CONNECTING: return "connecting";
	case PD_REACH_UP: return "up";
	case PD_REACH_STALE: return "stale";
	case PD_REACH_DOWN: return "down";
	}
	return "unknown";
}

const char *
pd_health_name(enum pd_health h)
{
	switch (h) {
	case PD_HEALTH_NONE: return "none";
	case PD_HEALTH_STARTING: return "starting";
	case PD_HEALTH_HEALTHY: return "healthy";
	case PD_HEALTH_UNHEALTHY: return "unhealthy";
	}
	return "unknown";
}

const char *
pd_deploy_state_name(enum pd_deploy_state s)
{
	return model_name(model_deploy_state_names, MODEL_NELEM(model_deploy_state_names),
	    (size_t)s);
}

enum pd_deploy_state
pd_deploy_state_from_name(const char *name)
{
	return (enum pd_deploy_state)model_index(model_deploy_state_names,
	    MODEL_NELEM(model_deploy_state_names), name);
}

const char *
pd_phase_name(enum pd_phase p)
{
	return model_name(model_phase_names, MODEL_NELEM(model_phase_names), (size_t)p);
}

enum pd_phase
pd_phase_from_name(const char *name)
{
	return (enum pd_phase)model_index(model_phase_names, MODEL_NELEM(model_phase_names),
	    name);
}

const char *
pd_finding_kind_name(enum pd_finding_kind k)
{
	return model_name(model_finding_kind_names, MODEL_NELEM(model_finding_kind_names),
	    (size_t)k);
}

enum pd_finding_kind
pd_finding_kind_from_name(const char *name)
{
	return (enum pd_finding_kind)model_index(model_finding_kind_names,
	    MODEL_NELEM(model_finding_kind_names), name);
}

const char *
pd_heal_action_name(enum pd_heal_action a)
{
	return model_name(model_heal_action_names, MODEL_NELEM(model_heal_action_names),
	    (size_t)a);
}

enum pd_heal_action
pd_heal_action_from_name(const char *name)
{
	return (enum pd_heal_action)model_index(model_heal_action_names,
	    MODEL_NELEM(model_heal_action_names), name);
}

const char *
pd_proposal_state_name(enum pd_proposal_state s)
{
	return model_name(model_proposal_state_names, MODEL_NELEM(model_proposal_state_names),
	    (size_t)s);
}

enum pd_proposal_state
pd_proposal_state_from_name(const char *name)
{
	return (enum pd_proposal_state)model_index(model_proposal_state_names,
	    MODEL_NELEM(model_proposal_state_names), name);
}

/* ---------------------------------------------------------------- frees */

void
pd_snapshot_free(struct pd_snapshot *s)
{
	if (s == NULL)
		return;
	if (__atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) > 0 &&
	    __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(s->nodes);
	free(s->containers);
	free(s->strings);
	free(s->events);
	free(s->swarm.nodes);
	free(s->swarm.services);
	free(s->swarm.tasks);
	free(s);
}

void
pd_log_lines_free(struct pd_log_line *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++)
		free(l[i].text);
	free(l);
}

void
pd_plan_free(struct pd_plan *p)
{
	if (p == NULL)
		return;
	if (p->priv_free != NULL)
		p->priv_free(p->priv);
	free(p->services);
	free(p->nodes);
	for (size_t i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	for (size_t i = 0; i < p->ndiff; i++)
		free(p->diff[i]);
	free(p->diff);
	free(p);
}

void
pd_deploy_free(struct pd_deploy *d)
{
	if (d == NULL)
		return;
	free(d->nodes);
	d->nodes = NULL;
	d->nnodes = 0;
}

void
pd_deploys_free(struct pd_deploy *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pd_deploy_free(&d[i]);
	free(d);
}

void
pd_records_free(struct pd_records *r)
{
	if (r == NULL)
		return;
	pd_deploys_free(r->deploys, r->ndeploys);
	pd_deploys_free(r->running, r->nrunning);
	if (r->watched_ok)
		pd_deploy_free(&r->watched);
	free(r->proposals);
	free(r->findings);
	free(r->approvals);
	free(r);
}

struct pd_command *
pd_command_new(enum pd_command_kind kind)
{
	struct pd_command *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->kind = kind;
	return c;
}

void
pd_command_free(struct pd_command *c)
{
	if (c == NULL)
		return;
	free(c->text);
	free(c->selector);
	for (size_t i = 0; i < c->nvars; i++)
		free(c->vars[i]);
	free(c->vars);
	pd_plan_free(c->plan);
	free(c);
}

void
pd_audit_free(struct pd_audit_entry *e, size_t n)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(e[i].actor);
		free(e[i].action);
		free(e[i].target);
		free(e[i].detail);
	}
	free(e);
}

const char *
pd_container_action_name(enum pd_container_action a)
{
	return model_name(model_container_action_names,
	    MODEL_NELEM(model_container_action_names), (size_t)a);
}

int
pd_container_action_from_name(const char *name)
{
	for (size_t i = 0; name != NULL && i < MODEL_NELEM(model_container_action_names); i++)
		if (strcmp(model_container_action_names[i], name) == 0)
			return (int)i;
	return -1;
}

const double pd_req_bounds[PD_REQ_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10,
};
