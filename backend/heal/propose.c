/* propose.c: the self-healer's proposals — what to do about a finding.
 *
 * Each tick heal_findings_tick() walks the open findings: it judges each
 * (detect.c), closes those that stayed resolved, expires a pending
 * proposal whose situation resolved itself, and gives an active finding
 * without a live proposal the next applicable stage of its ladder
 * (heal_ladder): restart -> reschedule -> rollback for a crash loop, an
 * exit or an unhealthy check; memory -> rollback for an OOM; quarantine
 * for a security anomaly; reapply -> restart for a drifted limit;
 * reschedule for a stack stranded on an unreachable node.  A stage that
 * does not apply (no stack, no other node, no earlier revision) is
 * skipped; past the last one the finding waits to close.
 *
 * A proposal is written pending, or approved when the inventory's
 * heal.auto allows its action for its stack (audited as such); the
 * executor (execute.c) carries out the approved ones.  Swarm services'
 * proposals are filled by heal-swarm.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/base/log.h"
#include "backend/deploy/compose.h"
#include "backend/engine/inventory.h"
#include "backend/heal/heal-int.h"
#include "backend/node/tune.h"
#include "backend/store/audit.h"
#include "backend/store/store.h"
#include "backend/store/store-heal.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- pure logic */

/* The limit an OOM proposal raises CUR to (heal.h); 0 when it cannot grow. */
STATIC uint64_t
heal_memory_next(uint64_t cur, int headroom, uint64_t max)
{
	const uint64_t mib = 1u << 20;
	uint64_t next;

	if (cur == 0 || headroom <= 0 || max == 0 || cur >= max)
		return 0;
	if (cur > UINT64_MAX / (uint64_t)(100 + headroom))
		return 0;
	next = cur * (uint64_t)(100 + headroom) / 100;
	next = (next + mib - 1) / mib * mib;
	if (next > max)
		next = max;
	return next > cur ? next : 0;
}

/* The most an OOM proposal raises a limit to (heal.h): heal.memory_max
 * when set, else half of the node's memory, else HEAL_MEMORY_MAX_DEFAULT. */
STATIC uint64_t
heal_memory_cap(uint64_t configured, uint64_t node_total)
{
	if (configured != 0)
		return configured;
	if (node_total != 0)
		return node_total / 2;
	return HEAL_MEMORY_MAX_DEFAULT;
}

/* What the engineer can do about a finding of KIND that plantdeck will not
 * heal further (heal.h); STACKED: its container belongs to a stack. */
STATIC const char *
heal_advice(enum pd_finding_kind kind, int stacked)
{
	switch (kind) {
	case PD_FIND_CRASH_LOOP:
	case PD_FIND_EXITED:
	case PD_FIND_UNHEALTHY:
		return stacked ? "look at its logs, fix the image or its configuration and "
		    "deploy the stack again" : "look at its logs; restart it by hand, or "
		    "deploy it as a stack so that plantdeck can roll it back";
	case PD_FIND_OOM:
		return "look at its logs for a leak, or raise its limit: plantdeck tune "
		    "CONTAINER memory=SIZE";
	case PD_FIND_NODE_DOWN:
		return "reported only: check the node, its network and its engine; its "
		    "stacks move through their stranded findings";
	case PD_FIND_PULL_FAILED:
		return "reported only: check the image name, the registry and its "
		    "credentials, then deploy again";
	case PD_FIND_ANOMALY:
		return "inspect the container and its snapshot image; then unpause or remove it";
	case PD_FIND_DRIFT:
		return "find what rewrites its limits; set them again with plantdeck tune";
	case PD_FIND_STRANDED:
		return "bring the node back, or deploy the stack with a placement that has a "
		    "node up";
	case PD_FIND_TASK_FAILING:
		return "look at the service's tasks and logs, fix its image or configuration "
		    "and deploy again";
	}
	return "look at its logs";
}

/* The action of STAGE (0-based) on KIND's ladder, or -1 past its end. */
STATIC int
heal_ladder(enum pd_finding_kind kind, int stage)
{
	static const int restart_ladder[] = { PD_HEAL_RESTART, PD_HEAL_RESCHEDULE,
	    PD_HEAL_ROLLBACK };
	static const int oom_ladder[] = { PD_HEAL_MEMORY, PD_HEAL_ROLLBACK };
	static const int anomaly_ladder[] = { PD_HEAL_QUARANTINE };
	static const int drift_ladder[] = { PD_HEAL_REAPPLY, PD_HEAL_RESTART };
	static const int stranded_ladder[] = { PD_HEAL_RESCHEDULE };

	if (stage < 0)
		return -1;
	switch (kind) {
	case PD_FIND_CRASH_LOOP:
	case PD_FIND_EXITED:
	case PD_FIND_UNHEALTHY:
	case PD_FIND_TASK_FAILING:
		return (size_t)stage < HEAL_NELEM(restart_ladder) ? restart_ladder[stage] : -1;
	case PD_FIND_OOM:
		return (size_t)stage < HEAL_NELEM(oom_ladder) ? oom_ladder[stage] : -1;
	case PD_FIND_ANOMALY:
		return (size_t)stage < HEAL_NELEM(anomaly_ladder) ? anomaly_ladder[stage] : -1;
	case PD_FIND_DRIFT:
		return (size_t)stage < HEAL_NELEM(drift_ladder) ? drift_ladder[stage] : -1;
	case PD_FIND_STRANDED:
		return (size_t)stage < HEAL_NELEM(stranded_ladder) ? stranded_ladder[stage] : -1;
	case PD_FIND_NODE_DOWN:
	case PD_FIND_PULL_FAILED:
		/* Reported: a node's own outage moves its stacks through their
		 * stranded findings; a failed pull is its deploy's to handle. */
		break;
	}
	return -1;
}

/* The image REPO:TAG a quarantine of container NAME for finding FINDING
 * commits its files to (heal.h). */
STATIC void
heal_snapshot_ref(const char *name, int64_t finding, char *out, size_t len)
{
	char repo[PD_NAME_LEN];
	size_t k = 0;

	/* A repository path component is [a-z0-9]+ joined by single '.', '_'
	 * or '-': lower-case the name, turn anything else into '-', and never
	 * start, end or double a separator. */
	for (const char *p = name; *p != '\0' && k + 1 < sizeof(repo) && k < 80; p++) {
		char ch = *p;
		int sep;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		sep = !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
		if (sep && (k == 0 || repo[k - 1] == '-' || repo[k - 1] == '.' || repo[k - 1] == '_'))
			continue;
		repo[k++] = sep ? (ch == '.' || ch == '_' ? ch : '-') : ch;
	}
	while (k > 0 && (repo[k - 1] == '-' || repo[k - 1] == '.' || repo[k - 1] == '_'))
		k--;
	repo[k] = '\0';
	snprintf(out, len, "plantdeck-quarantine/%s:finding-%lld", k ? repo : "container",
	    (long long)finding);
}

/* ---------------------------------------------------------------- proposals */

/* One line naming a proposal's target, for the audit and the log. */
void
heal_target(const struct pd_proposal *p, char *out, size_t len)
{
	char what[160] = "";

	switch (p->action) {
	case PD_HEAL_RESCHEDULE:
		snprintf(what, sizeof(what), " to %s", p->to_node);
		break;
	case PD_HEAL_ROLLBACK:
		snprintf(what, sizeof(what), " to revision %d", p->to_revision);
		break;
	case PD_HEAL_MEMORY:
		snprintf(what, sizeof(what), " to %llu bytes", (unsigned long long)p->memory_to);
		break;
	case PD_HEAL_QUARANTINE:
		snprintf(what, sizeof(what), ", snapshot %s", p->snapshot);
		break;
	case PD_HEAL_RESTART:
	case PD_HEAL_REAPPLY:
		break;
	}
	/* Through Swarm; a stack revision (rollback) keeps its " to revision N". */
	if (p->kind == PD_FIND_TASK_FAILING && p->action == PD_HEAL_ROLLBACK)
		snprintf(what, sizeof(what), p->to_revision > 0 ? " to revision %d (through Swarm)" :
		    " (to its previous spec)", p->to_revision);
	else if (p->kind == PD_FIND_TASK_FAILING)
		snprintf(what, sizeof(what), "%s", p->action == PD_HEAL_RESTART ? " (force-update)" :
		    p->action == PD_HEAL_RESCHEDULE ? " (drain the node)" : "");
	snprintf(out, len, "proposal #%lld: %s node %s %s %s%s%s%s", (long long)p->id,
	    pd_heal_action_name(p->action), p->node,
	    p->kind == PD_FIND_TASK_FAILING ? "service" : "container", p->container,
	    p->stack[0] ? " (stack " : "", p->stack, p->stack[0] ? ")" : "");
	snprintf(out + strlen(out), len - strlen(out), "%s", what);
}

/* The kept revision of STACK before its current one; 0 when there is none. */
int
heal_previous_revision(struct heal *h, const char *stack, int *current)
{
	struct pd_revision *v = NULL;
	size_t n = 0;
	char err[PD_ERROR_LEN];
	int cur = 0, prev = 0;

	*current = 0;
	if (store_stack_current(h->st, stack, &cur, err, sizeof(err)) != 0 || cur == 0)
		return 0;
	if (store_revisions(h->st, stack, &v, &n, err, sizeof(err)) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].revision < cur && v[i].revision > prev)
			prev = v[i].revision;
	free(v);
	*current = cur;
	return prev;
}

/* A node for STACK other than FROM: it matches the stack's placement, is up,
 * does not run the stack's container NAME yet, and has memory for NEED
 * bytes; the one running the fewest containers.  1 with OUT, else 0. */
static int
heal_pick_node(struct heal *h, const struct pd_snapshot *s, const char *stack,
    const char *from, const char *name, uint64_t need, char *out, size_t outlen)
{
	struct compose_stack *spec = NULL;
	struct inv_selector *place = NULL;
	char err[PD_ERROR_LEN], *json = NULL;
	int cur = 0, best = -1, found = 0;

	if (store_stack_current(h->st, stack, &cur, err, sizeof(err)) != 0 || cur == 0 ||
	    store_revision_spec(h->st, stack, cur, &json, err, sizeof(err)) != 0)
		return 0;
	if (compose_from_json(json, &spec, err, sizeof(err)) != 0) {
		free(json);
		return 0;
	}
	free(json);
	if (spec->placement != NULL &&
	    inventory_selector_parse(spec->placement, &place, err, sizeof(err)) != 0) {
		compose_free(spec);
		return 0;
	}
	for (size_t i = 0; i < h->inv->nnodes; i++) {
		const struct inv_node *in = &h->inv->nodes[i];
		const struct pd_node *n = heal_node(s, in->name);
		uint64_t used = 0;

		if (strcmp(in->name, from) == 0 || n == NULL || n->reach != PD_REACH_UP ||
		    (place != NULL && !inventory_selector_match(place, in)) ||
		    heal_container(s, in->name, name) != NULL)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++)
			used += s->containers[n->first_container + k].mem_usage;
		if (n->mem_total != 0 && used + need > n->mem_total)
			continue;
		if (best < 0 || n->total < best) {
			best = n->total;
			snprintf(out, outlen, "%s", in->name);
			found = 1;
		}
	}
	inventory_selector_free(place);
	compose_free(spec);
	return found;
}

/* Whether heal.auto in INV approves ACTION for STACK on NODE, as S shows it
 * now: a quarantine only while NODE's agent is verified (the container
 * agent --start recorded, from the pinned image, its lines verifying), so
 * that no automatic quarantine ever follows an unverified agent. */
STATIC int
heal_auto_approves(const struct inventory *inv, const char *stack, const char *node,
    enum pd_heal_action action, const struct pd_snapshot *s)
{
	static const unsigned bits[] = {
		[PD_HEAL_RESTART] = INV_HEAL_RESTART,
		[PD_HEAL_RESCHEDULE] = INV_HEAL_RESCHEDULE,
		[PD_HEAL_ROLLBACK] = INV_HEAL_ROLLBACK,
		[PD_HEAL_MEMORY] = INV_HEAL_MEMORY,
		[PD_HEAL_QUARANTINE] = INV_HEAL_QUARANTINE,
		[PD_HEAL_REAPPLY] = INV_HEAL_REAPPLY,
	};
	int on = 0;

	if (stack[0] == '\0' || (size_t)action >= sizeof(bits) / sizeof(bits[0]))
		return 0;
	for (size_t i = 0; i < inv->heal.nautos && !on; i++)
		if (strcmp(inv->heal.autos[i].stack, stack) == 0 &&
		    (inv->heal.autos[i].actions & bits[action]) != 0)
			on = 1;
	if (on && action == PD_HEAL_QUARANTINE) {
		const struct pd_node *an = heal_node(s, node);

		if (an == NULL || !an->agent_verified)
			return -1;
	}
	return on;
}

/* P for ACTION on finding F: its target and evidence, the rest empty. */
void
heal_proposal_init(const struct heal_fnd *f, enum pd_heal_action action, struct pd_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->action = action;
	p->kind = f->kind;
	snprintf(p->node, sizeof(p->node), "%s", f->node);
	snprintf(p->container, sizeof(p->container), "%s", f->container);
	snprintf(p->stack, sizeof(p->stack), "%s", f->stack);
	snprintf(p->evidence, sizeof(p->evidence), "%s", f->evidence);
}

/* Why ACTION does not apply to Swarm finding F, into WHY. */
static void
heal_swarm_why(const struct heal_fnd *f, enum pd_heal_action action, char *why, size_t len)
{
	switch (action) {
	case PD_HEAL_RESTART:
		snprintf(why, len, "%s", f->node[0] ? "its service cannot be force-updated now" :
		    "it fails on every node: its spec, not a task, is at fault");
		break;
	case PD_HEAL_RESCHEDULE:
		snprintf(why, len, "%s", f->node[0] ? "no other node to move its tasks to" :
		    "it fails on several nodes: no node is to blame");
		break;
	default:
		snprintf(why, len, "no previous spec or revision to roll back to");
		break;
	}
}

/* Fill P for ACTION on finding F when it applies now; 1, else 0 with WHY
 * saying why it does not. */
static int
heal_prepare_action(struct heal *h, const struct heal_fnd *f, const struct pd_snapshot *s,
    enum pd_heal_action action, struct pd_proposal *p, char *why, size_t whylen)
{
	const struct pd_container *c = heal_container(s, f->node, f->container);
	char a[16], b[16];
	double w = h->tm.verify_window;

	why[0] = '\0';
	if (f->kind == PD_FIND_TASK_FAILING) {
		if (heal_prepare_swarm(h, f, s, action, p))
			return 1;
		heal_swarm_why(f, action, why, whylen);
		return 0;
	}
	if (c == NULL) {
		snprintf(why, whylen, "%s is not on %s now (removed or renamed)", f->container,
		    f->node);
		return 0;
	}
	heal_proposal_init(f, action, p);
	switch (action) {
	case PD_HEAL_RESTART:
		snprintf(p->reason, sizeof(p->reason), "%s: a restart clears a stuck process or a "
		    "transient fault, and costs the least", pd_finding_kind_name(f->kind));
		snprintf(p->expected, sizeof(p->expected), "%s runs%s and does not exit again "
		    "within %.0fs", f->container, f->kind == PD_FIND_UNHEALTHY ? ", healthy," : "", w);
		return 1;
	case PD_HEAL_RESCHEDULE: {
		uint64_t need = c->mem_usage > (64u << 20) ? c->mem_usage : (64u << 20);

		if (f->stack[0] == '\0') {
			snprintf(why, whylen, HEAL_WHY_NO_STACK);
			return 0;
		}
		if (!heal_pick_node(h, s, f->stack, f->node, f->container, need, p->to_node,
		    sizeof(p->to_node))) {
			snprintf(why, whylen, "no other node of stack %s's placement is up with "
			    "memory to spare", f->stack);
			return 0;
		}
		if (f->kind == PD_FIND_STRANDED) {
			snprintf(p->reason, sizeof(p->reason), "node %s has been unreachable for more "
			    "than %.0fs: stack %s no longer runs anywhere plantdeck can see",
			    f->node, h->tm.node_grace, f->stack);
			snprintf(p->expected, sizeof(p->expected), "stack %s runs on %s (its placement, "
			    "fewest containers, memory to spare) and %s does not exit within %.0fs; "
			    "its containers on %s are removed when that node answers again",
			    f->stack, p->to_node, f->container, w, f->node);
			return 1;
		}
		snprintf(p->reason, sizeof(p->reason), "%s persists on %s after a restart: the "
		    "node itself may be at fault (devices, disk, network, kernel)",
		    pd_finding_kind_name(f->kind), f->node);
		snprintf(p->expected, sizeof(p->expected), "stack %s runs on %s (its placement, "
		    "fewest containers, memory to spare) and %s does not exit within %.0fs; "
		    "its containers on %s are removed", f->stack, p->to_node, f->container, w,
		    f->node);
		return 1;
	}
	case PD_HEAL_ROLLBACK: {
		int cur;

		if (f->stack[0] == '\0') {
			snprintf(why, whylen, HEAL_WHY_NO_STACK);
			return 0;
		}
		p->to_revision = heal_previous_revision(h, f->stack, &cur);
		if (p->to_revision == 0) {
			snprintf(why, whylen, "stack %s has no earlier revision to roll back to",
			    f->stack);
			return 0;
		}
		snprintf(p->reason, sizeof(p->reason), "%s persists after a restart and on "
		    "another node: revision %d of stack %s itself is likely at fault",
		    pd_finding_kind_name(f->kind), cur, f->stack);
		snprintf(p->expected, sizeof(p->expected), "%s on %s runs revision %d again and "
		    "does not exit within %.0fs", f->container, f->node, p->to_revision, w);
		return 1;
	}
	case PD_HEAL_MEMORY: {
		struct tune_container tc;
		char err[PD_ERROR_LEN], m[16];
		struct engine *e = heal_engine(h, f->node);
		const struct pd_node *n = heal_node(s, f->node);
		int headroom = h->inv->heal.memory_headroom;
		uint64_t max = heal_memory_cap(h->inv->heal.memory_max, n != NULL ?
		    n->mem_total : 0);

		if (headroom < 0) {
			snprintf(why, whylen, "memory raises are off (heal.memory_headroom: off)");
			return 0;
		}
		if (headroom == 0)
			headroom = HEAL_HEADROOM_DEFAULT;
		if (e == NULL || tune_inspect(e, f->container, &tc, err, sizeof(err)) != 0) {
			snprintf(why, whylen, "cannot read its memory limit: %s", e == NULL ?
			    "no engine" : err);
			return 0;
		}
		if (tc.memory <= 0) {
			snprintf(why, whylen, "it has no memory limit to raise (the node itself "
			    "ran out of memory)");
			return 0;
		}
		p->memory_from = (uint64_t)tc.memory;
		p->memory_to = heal_memory_next(p->memory_from, headroom, max);
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(m, sizeof(m), max);
		if (p->memory_to == 0) {
			snprintf(why, whylen, "its limit of %s is at the most a raise allows (%s, "
			    "heal.memory_max%s)", a, m, h->inv->heal.memory_max ? "" :
			    " unset: half the node's memory");
			return 0;
		}
		pd_format_bytes(b, sizeof(b), p->memory_to);
		snprintf(p->reason, sizeof(p->reason), "the kernel killed it for memory at its "
		    "limit of %s; heal.memory_headroom allows %d%% more%s, up to %s%s",
		    a, headroom, h->inv->heal.memory_headroom ? "" : " (the default)", m,
		    h->inv->heal.memory_max ? " (heal.memory_max)" : " (half the node's memory)");
		snprintf(p->expected, sizeof(p->expected), "memory limit %s -> %s (read back from "
		    "the engine), started if it was stopped, and no oom event within %.0fs",
		    a, b, w);
		return 1;
	}
	case PD_HEAL_QUARANTINE: {
		int running = strcmp(c->state, "running") == 0 || strcmp(c->state, "restarting") == 0;

		heal_snapshot_ref(f->container, f->id, p->snapshot, sizeof(p->snapshot));
		snprintf(p->reason, sizeof(p->reason), "a security anomaly: a container that "
		    "something outside it signals, enters or traces is kept for analysis, not "
		    "restarted (restarting would destroy the evidence)");
		if (running)
			snprintf(p->expected, sizeof(p->expected), "%s on %s is paused (its memory and "
			    "processes kept, nothing of it runs) and its files are committed to image "
			    "%s on %s; it stays paused until an engineer unpauses or removes it",
			    f->container, f->node, p->snapshot, f->node);
		else
			snprintf(p->expected, sizeof(p->expected), "%s on %s is %s, so there is nothing "
			    "to pause: its files are committed to image %s on %s", f->container,
			    f->node, c->state, p->snapshot, f->node);
		return 1;
	}
	case PD_HEAL_REAPPLY: {
		const struct pd_node *n = heal_node(s, f->node);

		if (n == NULL || n->agent[0] == '\0' || strcmp(c->state, "running") != 0) {
			snprintf(why, whylen, "%s", n == NULL || n->agent[0] == '\0' ? "no plantdeck "
			    "agent runs on its node to re-apply the limits" : "it does not run, so "
			    "there is nothing to re-apply limits to");
			return 0;
		}
		snprintf(p->reason, sizeof(p->reason), "a cgroup limit of %s is no longer what was "
		    "set (the runtime, or someone, rewrote it); re-applying costs nothing and "
		    "restarts nothing", f->container);
		snprintf(p->expected, sizeof(p->expected), "the agent on %s re-applies the desired "
		    "values (through the engine, then the cgroup files), reports them set again, "
		    "and no new drift within %.0fs", f->node, w);
		return 1;
	}
	}
	return 0;
}

/* Set F's reason (heal-int.h), written to the database when it changed. */
void
heal_fnd_why(struct heal *h, struct heal_fnd *f, const char *why)
{
	if (strcmp(f->why, why) == 0)
		return;
	snprintf(f->why, sizeof(f->why), "%s", why);
	if (store_heal_finding_reason(h->st, f->id, f->why) < 0)
		return;
	if (why[0] != '\0')
		log_msg(LOG_INFO, "heal: finding #%lld: %s", (long long)f->id, why);
}

/* Append TEXT to the "; "-separated list OUT unless it is there already. */
static void
heal_why_add(char *out, size_t len, const char *text)
{
	if (text[0] == '\0' || strstr(out, text) != NULL)
		return;
	snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "; " : "", text);
}

/* Past the end of F's ladder: say why nothing more is proposed (SKIPPED:
 * why the stages just passed over did not apply) and what to do. */
static void
heal_exhausted(struct heal *h, struct heal_fnd *f, const char *skipped)
{
	char why[PD_ERROR_LEN] = "", tried[96] = "";

	if (heal_ladder(f->kind, 0) < 0) {
		heal_fnd_why(h, f, heal_advice(f->kind, f->stack[0] != '\0'));
		return;
	}
	for (int a = 0; a <= PD_HEAL_REAPPLY; a++)
		if (f->tried & (1u << a))
			snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s",
			    tried[0] ? " and " : "", a == PD_HEAL_MEMORY ? "memory raise" :
			    pd_heal_action_name((enum pd_heal_action)a));
	if (tried[0] != '\0')
		snprintf(why, sizeof(why), "ladder exhausted: %s did not help", tried);
	else if (f->stage > 0 && f->why[0] == '\0')
		snprintf(why, sizeof(why), "ladder exhausted: the earlier stages did not help");
	else
		snprintf(why, sizeof(why), "no proposal");
	if (skipped[0] != '\0')
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s",
		    strcmp(why, "no proposal") == 0 ? ": " : "; ", skipped);
	snprintf(why + strlen(why), sizeof(why) - strlen(why), "; %s",
	    heal_advice(f->kind, f->stack[0] != '\0'));
	heal_fnd_why(h, f, why);
}

/* Propose the next applicable stage for F. */
static void
heal_propose(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now)
{
	struct pd_proposal p;
	char err[PD_ERROR_LEN], target[PD_ERROR_LEN], detail[PD_ERROR_LEN];
	char skipped[PD_ERROR_LEN] = "", why[PD_ERROR_LEN];
	int action, automatic, gate;
	int64_t id = 0;

	for (;;) {
		action = heal_ladder(f->kind, f->stage);
		if (action < 0) {
			if (heal_ladder(f->kind, 0) >= 0)
				log_msg(LOG_INFO, "heal: finding #%lld: no further stage to propose",
				    (long long)f->id);
			f->blocked = 1;
			heal_exhausted(h, f, skipped);
			return;
		}
		if (heal_prepare_action(h, f, s, (enum pd_heal_action)action, &p, why, sizeof(why)))
			break;
		/* Not applicable here (no stack, no other node, no earlier revision). */
		heal_why_add(skipped, sizeof(skipped), why);
		f->stage++;
	}
	p.finding = f->id;
	p.stage = f->stage + 1;
	/* Automatic quarantine follows only a verified agent (-1: refused). */
	automatic = heal_auto_approves(h->inv, f->stack, f->node, p.action, s);
	if (automatic < 0) {
		automatic = 0;
		log_msg(LOG_WARN, "heal: finding #%lld: no automatic quarantine: the agent on "
		    "%s is not verified", (long long)f->id, f->node);
	}
	/* audit.require: recorded pending, approved only once the entry is written. */
	gate = automatic && audit_required();
	p.state = automatic && !gate ? PD_PROP_APPROVED : PD_PROP_PENDING;
	p.automatic = automatic;
	if (automatic)
		snprintf(p.decided_by, sizeof(p.decided_by), "%s", h->actor);
	p.decided = automatic ? now : 0;
	p.created = p.updated = now;
	id = store_heal_proposal_add(h->st, &p);
	if (id == 0) {
		log_msg(LOG_ERROR, "heal: cannot record a proposal for finding #%lld",
		    (long long)f->id);
		return;
	}
	p.id = id;
	f->live = id;
	f->stage++;
	f->tried |= 1u << p.action;
	heal_fnd_why(h, f, "");
	heal_target(&p, target, sizeof(target));
	log_msg(LOG_INFO, "heal: %s%s", target, automatic ? " (approved by heal.auto)" : "");
	if (automatic) {
		snprintf(detail, sizeof(detail), "automatic: heal.auto allows %s for stack %s; "
		    "evidence: %s", pd_heal_action_name(p.action), p.stack, p.evidence);
		if (audit_append_as(h->st, h->actor, "approve", target, detail, err,
		    sizeof(err)) != 0) {
			log_msg(LOG_ERROR, "heal: audit: %s%s", err, gate ? "; audit.require: "
			    "left pending for a person" : "");
			return;
		}
		if (gate && store_heal_proposal_decide(h->st, id, 1, h->actor, NULL, now) != 1)
			log_msg(LOG_ERROR, "heal: proposal #%lld: cannot approve it", (long long)id);
	}
}

/* F is not active and has no live proposal: say so, unless a reason of a
 * superseding deploy stands. */
static void
heal_quiet(struct heal *h, struct heal_fnd *f)
{
	char why[PD_ERROR_LEN];

	if (strncmp(f->why, "superseded", 10) == 0)
		return;
	snprintf(why, sizeof(why), "not seen now: nothing to do; it closes once it stays "
	    "resolved for %.0fs, and a return gets the next stage", h->tm.clear_after);
	heal_fnd_why(h, f, why);
}

/* Whether F's pending proposal was overtaken by a deploy of F's stack (a
 * rollback, or any newer deploy) that touched F's node after it was made
 * and removed F's container or replaced it with one that runs (not
 * unhealthy; the deploy may still be watching it): then the proposal
 * is expired, F's old exits and kills are forgotten (they were the old
 * container's) and its ladder starts afresh if it comes back. */
static int
heal_superseded(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now)
{
	struct pd_proposal p;
	struct pd_deploy d;
	const struct pd_container *c;
	struct heal_track *t;
	char err[PD_ERROR_LEN], why[PD_ERROR_LEN];

	if (f->stack[0] == '\0' || f->container[0] == '\0' || f->kind == PD_FIND_TASK_FAILING ||
	    f->kind == PD_FIND_STRANDED)
		return 0;
	c = heal_container(s, f->node, f->container);
	t = heal_track_get(h, f->node, f->container, 0);
	/* Gone, or another container under its name that runs (not unhealthy). */
	if (c != NULL && (t == NULL || heal_track_read(t)->evid[0] == '\0' ||
	    strcmp(heal_track_read(t)->evid, c->id) == 0 ||
	    strcmp(c->state, "running") != 0 || c->health == PD_HEALTH_UNHEALTHY))
		return 0;
	/* ...by a deploy still going on or updated after the proposal (a few
	 * seconds' slack: the detectors tick once a second). */
	if (store_heal_proposal_get(h->st, f->live, &p, err, sizeof(err)) != 0 ||
	    store_heal_stack_settled(h->st, f->stack, f->node, p.created - 10, &d) != 1)
		return 0;
	snprintf(why, sizeof(why), "superseded: deploy #%lld (%s of stack %s to revision %d, "
	    "%s) %s", (long long)d.id, d.kind, d.stack, d.revision, pd_deploy_state_name(d.state),
	    c == NULL ? "removed the container" : "replaced the container, which runs now");
	if (store_heal_proposal_expire(h->st, f->live, why, now) != 1)
		return 0;
	log_msg(LOG_INFO, "heal: proposal #%lld %s", (long long)f->live, why);
	if (t != NULL) {
		heal_track_forget(t);
		t->exited_since = 0;
	}
	f->live = 0;
	f->stage = 0;
	f->tried = 0;
	heal_fnd_why(h, f, why);
	return 1;
}

/* The state of proposal ID from the database, or -1. */
static int
heal_state_of(struct heal *h, int64_t id)
{
	struct pd_proposal p;
	char err[PD_ERROR_LEN];

	if (store_heal_proposal_get(h->st, id, &p, err, sizeof(err)) != 0)
		return -1;
	return (int)p.state;
}

/* Hysteresis, expiry and new proposals of every open finding. */
void
heal_findings_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	for (size_t i = 0; i < h->nfnds;) {
		struct heal_fnd *f = &h->fnds[i];
		int active, resolved, st;
		enum heal_edge edge;

		heal_evaluate(h, f, s, now, &active, &resolved);
		f->active = active;
		edge = heal_hyst_step(&f->hy, active, resolved, now, h->tm.clear_after);
		if (edge == HEAL_CLOSED) {
			int busy = 0;

			for (size_t j = 0; j < HEAL_MAX_JOBS; j++)
				busy |= h->jobs[j] != NULL && h->jobs[j]->p.finding == f->id;
			if (!busy) {
				heal_fnd_close(h, f, now);
				continue;     /* the last finding moved to I */
			}
			f->hy.open = 1;
		}
		if (edge == HEAL_RETURNED)
			f->count++;
		if (active || edge == HEAL_RETURNED)
			heal_fnd_save(h, f, now);
		if (f->kind == PD_FIND_CRASH_LOOP && active) {
			struct heal_track *t = heal_track_get(h, f->node, f->container, 0);

			if (t != NULL && t->log != NULL && t->log->dies.n > 0) {
				int n = heal_ring_count(&t->log->dies, now, h->tm.crash_window);

				if (n > f->count)
					f->count = n;
			}
		}
		if (f->live != 0) {
			st = heal_state_of(h, f->live);
			if (st == PD_PROP_PENDING && heal_superseded(h, f, s, now)) {
				/* A deploy of its stack (a rollback) fixed it: f->live is 0. */
				active = 0;
			} else if (st == PD_PROP_PENDING && resolved) {
				char why[PD_ERROR_LEN];

				snprintf(why, sizeof(why), "expired: resolved by itself (%s)",
				    f->kind == PD_FIND_UNHEALTHY ? "healthy again" :
				    f->kind == PD_FIND_CRASH_LOOP ? "running, no exit lately" :
				    "running again, or gone");
				if (store_heal_proposal_expire(h->st, f->live, why, now) == 1) {
					log_msg(LOG_INFO, "heal: proposal #%lld %s", (long long)f->live, why);
					f->live = 0;
					f->stage--;   /* the same stage again if it comes back */
				}
			} else if (st == PD_PROP_REJECTED) {
				char why[PD_ERROR_LEN];

				snprintf(why, sizeof(why), "proposal #%lld (%s) was rejected: nothing "
				    "more is proposed until the finding closes; %s", (long long)f->live,
				    pd_heal_action_name((enum pd_heal_action)heal_ladder(f->kind,
				    f->stage - 1)), heal_advice(f->kind, f->stack[0] != '\0'));
				heal_fnd_why(h, f, why);
				f->live = 0;
				f->blocked = 1;
			} else if (st == PD_PROP_EXPIRED) {
				f->live = 0;
			} else if (st < 0) {
				f->live = 0;
			}
		}
		if (f->live == 0 && !f->blocked && active)
			heal_propose(h, f, s, now);
		else if (f->live == 0 && f->blocked && f->why[0] == '\0')
			heal_exhausted(h, f, "");
		else if (f->live == 0 && !f->blocked && !active)
			heal_quiet(h, f);
		i++;
	}
}
