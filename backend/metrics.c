/* metrics.c: the fleet model as Prometheus metrics (text format 0.0.4).
 *
 * A pure function of what one scrape gathered (struct metrics_input):
 * the snapshot, the deploys, the heal queue and the audit chain's last
 * check.  Cardinality stays low on purpose: labels are node, stack, kind,
 * state and phase names, never a container's id or name; containers are
 * counted per node and stack.  Every label value came from a node or a
 * file a user wrote: it is made valid UTF-8, control characters become
 * '?', and backslash, quote and newline are escaped as the format wants.
 * A family's HELP and TYPE come once, with all its samples after them.
 * The text is written into one buffer sized from the fleet up front, label
 * values that need no escape copied as they are, numbers formatted by hand:
 * a scrape of 270 nodes is a megabyte.
 * The names are listed in doc/prometheus.md. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/sanitize.h"
#include "backend/metrics.h"

#define N_REACH 4
#define N_HEALTH 4
#define N_DEPLOY_STATES 8
#define N_PHASES 11
#define N_FIND_KINDS 10
#define N_PROP_STATES 8
#define N_ALARM_KINDS 6

const char *const metrics_agent_kinds[METRICS_AGENT_KINDS] = {
	"signal", "exec", "ptrace", "oom", "drift", "drift_resolved", "overrun", "capture", "other",
};

static const char *const ctr_states[] = {
	"created", "running", "paused", "restarting", "exited", "dead",
};
#define N_CTR_STATES (sizeof(ctr_states) / sizeof(ctr_states[0]))

/* The containers of one stack on one node, summed. */
struct mgroup {
	const char *node;
	const char *stack;
	unsigned states[N_CTR_STATES + 1];   /* the last: any other state */
	unsigned health[N_HEALTH];
	long restarts;
	unsigned oom;
	unsigned sampled;
	double cpu_pct;
	double mem, mem_limit;
	unsigned alarms[N_ALARM_KINDS];
};

/* The text being written: one buffer grown by doubling, no stdio (a scrape
 * of 270 nodes is a megabyte in 16,000 lines; fprintf per line was most of
 * its time).  OOM: a write failed, the scrape gets nothing. */
struct mout {
	char *p;
	size_t len, cap;
	int oom;
};

/* Append N bytes at S. */
static void
m_put(struct mout *f, const char *s, size_t n)
{
	if (f->oom)
		return;
	if (f->len + n + 1 > f->cap) {
		size_t nc = f->cap ? f->cap : 4096;
		char *np;

		while (f->len + n + 1 > nc)
			nc *= 2;
		if ((np = realloc(f->p, nc)) == NULL) {
			f->oom = 1;
			return;
		}
		f->p = np;
		f->cap = nc;
	}
	memcpy(f->p + f->len, s, n);
	f->len += n;
	f->p[f->len] = '\0';
}

/* Append the string S. */
static void
m_puts(struct mout *f, const char *s)
{
	m_put(f, s, strlen(s));
}

/* Append V in decimal. */
static void
m_int(struct mout *f, long long v)
{
	char b[24];
	int i = (int)sizeof(b);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		b[--i] = '-';
	m_put(f, b + i, sizeof(b) - (size_t)i);
}

/* Whether S (LEN bytes) goes into a label value as it is: printable ASCII
 * without quote or backslash, short enough not to be cut (the usual case). */
static int
m_plain(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\' ||
		    s[i] == '"')
			return 0;
	*len = i;
	return i < PD_IMAGE_LEN * 2;
}

/* Write S as a label value: valid UTF-8, no control characters, escaped. */
static void
m_value(struct mout *f, const char *s)
{
	char buf[PD_IMAGE_LEN * 2];
	size_t n;

	if (s == NULL)
		s = "";
	if (m_plain(s, &n)) {
		m_put(f, s, n);
		return;
	}
	pd_copy_text(buf, sizeof(buf), s);
	pd_utf8_fix(buf);
	for (const char *p = buf; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\')
			m_puts(f, "\\\\");
		else if (c == '"')
			m_puts(f, "\\\"");
		else if (c == '\n')
			m_puts(f, "\\n");
		else if (c < 0x20 || c == 0x7f)
			m_put(f, "?", 1);
		else
			m_put(f, p, 1);
	}
}

/* A family's HELP and TYPE lines. */
static void
m_family(struct mout *f, const char *name, const char *type, const char *help)
{
	m_puts(f, "# HELP ");
	m_puts(f, name);
	m_put(f, " ", 1);
	m_puts(f, help);
	m_puts(f, "\n# TYPE ");
	m_puts(f, name);
	m_put(f, " ", 1);
	m_puts(f, type);
	m_put(f, "\n", 1);
}

/* One sample NAME{K1="V1",...} VALUE; labels end at the first NULL key. */
static void
m_sample(struct mout *f, const char *name, double value, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *k3, const char *v3)
{
	const char *k[3] = { k1, k2, k3 }, *v[3] = { v1, v2, v3 };

	m_puts(f, name);
	for (int i = 0; i < 3 && k[i] != NULL; i++) {
		m_put(f, i == 0 ? "{" : ",", 1);
		m_puts(f, k[i]);
		m_put(f, "=\"", 2);
		m_value(f, v[i]);
		m_put(f, "\"", 1);
		if (i == 2 || k[i + 1] == NULL)
			m_put(f, "}", 1);
	}
	m_put(f, " ", 1);
	if (value == (double)(long long)value && value < 1e15 && value > -1e15) {
		m_int(f, (long long)value);
	} else {
		char b[40];
		int n = snprintf(b, sizeof(b), "%.6g", value);

		m_put(f, b, n > 0 && (size_t)n < sizeof(b) ? (size_t)n : 0);
	}
	m_put(f, "\n", 1);
}

/* The group of NODE and STACK in G (N of them), added when missing. */
static struct mgroup *
m_group(struct mgroup **g, size_t *n, size_t *cap, const char *node, const char *stack)
{
	for (size_t i = *n; i-- > 0;) {
		if ((*g)[i].node != node)
			break;
		if (strcmp((*g)[i].stack, stack) == 0)
			return &(*g)[i];
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct mgroup *ng = realloc(*g, nc * sizeof(*ng));

		if (ng == NULL)
			return NULL;
		*g = ng;
		*cap = nc;
	}
	memset(&(*g)[*n], 0, sizeof(**g));
	(*g)[*n].node = node;
	(*g)[*n].stack = stack;
	return &(*g)[(*n)++];
}

/* The containers of snapshot S summed per node and stack, with the alarms
 * of A (NA) on them; NULL with *N 0 when there are none or no memory. */
static struct mgroup *
m_groups(const struct pd_snapshot *s, const struct pd_alarm *a, size_t na, size_t *n)
{
	struct mgroup *g = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *nd = &s->nodes[i];

		for (size_t j = 0; j < nd->ncontainers; j++) {
			const struct pd_container *c = &s->containers[nd->first_container + j];
			struct mgroup *m = m_group(&g, n, &cap, nd->name, c->stack);
			size_t k;

			if (m == NULL)
				return g;
			for (k = 0; k < N_CTR_STATES && strcmp(c->state, ctr_states[k]) != 0; k++)
				;
			m->states[k]++;
			if ((unsigned)c->health < N_HEALTH)
				m->health[c->health]++;
			m->restarts += c->restart_count > 0 ? c->restart_count : 0;
			m->oom += c->oom_killed != 0;
			if (c->sampled_at != 0 && c->cpu_pct >= 0) {
				m->sampled++;
				m->cpu_pct += c->cpu_pct;
				m->mem += (double)c->mem_usage;
				m->mem_limit += (double)c->mem_limit;
			}
			for (size_t x = 0; x < na; x++)
				if (a[x].id[0] != '\0' && (unsigned)a[x].kind < N_ALARM_KINDS &&
				    strcmp(a[x].id, c->id) == 0 && strcmp(a[x].node, nd->name) == 0)
					m->alarms[a[x].kind]++;
		}
	}
	return g;
}

/* The node metrics of snapshot S at NOW. */
static void
m_nodes(struct mout *f, const struct pd_snapshot *s, const struct pd_alarm *a, size_t na, time_t now)
{
	char le[PD_REQ_BUCKETS][32];

	m_family(f, "plantdeck_node_up", "gauge",
	    "Whether the node's engine answers (1) or not (0).");
	for (size_t i = 0; i < s->nnodes; i++)
		m_sample(f, "plantdeck_node_up", s->nodes[i].reach == PD_REACH_UP,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_node_state", "gauge",
	    "The node's reachability: 1 for its state (connecting, up, stale, down), 0 for the others.");
	for (size_t i = 0; i < s->nnodes; i++)
		for (int r = 0; r < N_REACH; r++)
			m_sample(f, "plantdeck_node_state", s->nodes[i].reach == (enum pd_reach)r,
			    "node", s->nodes[i].name, "state", pd_reach_name((enum pd_reach)r),
			    NULL, NULL);
	m_family(f, "plantdeck_node_seconds_since_seen", "gauge",
	    "Seconds since the node's engine last answered (absent: never).");
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].last_seen != 0)
			m_sample(f, "plantdeck_node_seconds_since_seen",
			    now > s->nodes[i].last_seen ? (double)(now - s->nodes[i].last_seen) : 0,
			    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_node_ping_rtt_seconds", "gauge",
	    "Round trip of the node's last /_ping.");
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].rtt_ms >= 0)
			m_sample(f, "plantdeck_node_ping_rtt_seconds", s->nodes[i].rtt_ms / 1000.0,
			    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_node_engine_info", "gauge",
	    "The node's engine version (1; labels engine_version, api_version).");
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].engine_version[0] != '\0')
			m_sample(f, "plantdeck_node_engine_info", 1, "node", s->nodes[i].name,
			    "engine_version", s->nodes[i].engine_version,
			    "api_version", s->nodes[i].api_version);
	m_family(f, "plantdeck_node_insecure", "gauge",
	    "Whether the node is reached without an authenticated engine (insecure: true).");
	for (size_t i = 0; i < s->nnodes; i++)
		m_sample(f, "plantdeck_node_insecure", s->nodes[i].insecure != 0,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_node_events_connected", "gauge",
	    "Whether the node's /events stream is open.");
	for (size_t i = 0; i < s->nnodes; i++)
		m_sample(f, "plantdeck_node_events_connected", s->nodes[i].events_connected != 0,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_requests_total", "counter",
	    "plantdeck's requests to the node's engine (not its event and log streams).");
	for (size_t i = 0; i < s->nnodes; i++)
		m_sample(f, "plantdeck_requests_total", (double)s->nodes[i].req.count,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_request_errors_total", "counter",
	    "plantdeck's requests to the node's engine that failed (no answer, or an HTTP error).");
	for (size_t i = 0; i < s->nnodes; i++)
		m_sample(f, "plantdeck_request_errors_total", (double)s->nodes[i].req.errors,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_request_duration_seconds", "histogram",
	    "How long plantdeck's requests to the node's engine took.");
	for (int b = 0; b < PD_REQ_BUCKETS; b++)
		snprintf(le[b], sizeof(le[b]), "%g", pd_req_bounds[b]);
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_req_stats *st = &s->nodes[i].req;
		uint64_t cum = 0;

		for (int b = 0; b < PD_REQ_BUCKETS; b++) {
			cum += st->le[b];
			m_sample(f, "plantdeck_request_duration_seconds_bucket", (double)cum,
			    "node", s->nodes[i].name, "le", le[b], NULL, NULL);
		}
		m_sample(f, "plantdeck_request_duration_seconds_bucket", (double)st->count,
		    "node", s->nodes[i].name, "le", "+Inf", NULL, NULL);
		m_sample(f, "plantdeck_request_duration_seconds_sum", st->seconds,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
		m_sample(f, "plantdeck_request_duration_seconds_count", (double)st->count,
		    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	}
	m_family(f, "plantdeck_node_alarms", "gauge",
	    "The node's own alarm (kind down or stale): 1 while raised.");
	for (size_t i = 0; i < s->nnodes; i++)
		for (int k = PD_ALARM_NODE_DOWN; k <= PD_ALARM_NODE_STALE; k++) {
			int on = 0;

			for (size_t x = 0; x < na; x++)
				on |= a[x].kind == (enum pd_alarm_kind)k && a[x].id[0] == '\0' &&
				    strcmp(a[x].node, s->nodes[i].name) == 0;
			m_sample(f, "plantdeck_node_alarms", on, "node", s->nodes[i].name,
			    "kind", pd_alarm_kind_name((enum pd_alarm_kind)k), NULL, NULL);
		}
}

/* The container metrics, per node and stack, of the groups G (N). */
static void
m_containers(struct mout *f, const struct mgroup *g, size_t n)
{
	m_family(f, "plantdeck_containers", "gauge",
	    "Containers per node, stack and state (stack \"\": not a stack's).");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < N_CTR_STATES; k++)
			m_sample(f, "plantdeck_containers", g[i].states[k], "node", g[i].node,
			    "stack", g[i].stack, "state", ctr_states[k]);
		if (g[i].states[N_CTR_STATES] != 0)
			m_sample(f, "plantdeck_containers", g[i].states[N_CTR_STATES], "node",
			    g[i].node, "stack", g[i].stack, "state", "other");
	}
	m_family(f, "plantdeck_containers_health", "gauge",
	    "Containers per node, stack and health (none, starting, healthy, unhealthy).");
	for (size_t i = 0; i < n; i++)
		for (int h = 0; h < N_HEALTH; h++)
			m_sample(f, "plantdeck_containers_health", g[i].health[h], "node", g[i].node,
			    "stack", g[i].stack, "health", pd_health_name((enum pd_health)h));
	m_family(f, "plantdeck_container_restarts", "gauge",
	    "The engine's restart counts of the containers of a node and stack, summed.");
	for (size_t i = 0; i < n; i++)
		m_sample(f, "plantdeck_container_restarts", (double)g[i].restarts, "node", g[i].node,
		    "stack", g[i].stack, NULL, NULL);
	m_family(f, "plantdeck_container_oom_killed", "gauge",
	    "Containers of a node and stack that the kernel killed for memory (OOMKilled).");
	for (size_t i = 0; i < n; i++)
		m_sample(f, "plantdeck_container_oom_killed", g[i].oom, "node", g[i].node,
		    "stack", g[i].stack, NULL, NULL);
	m_family(f, "plantdeck_container_alarms", "gauge",
	    "Containers of a node and stack with an alarm of a kind (oom, restarting, unhealthy, exited).");
	for (size_t i = 0; i < n; i++)
		for (int k = PD_ALARM_OOM; k < N_ALARM_KINDS; k++)
			m_sample(f, "plantdeck_container_alarms", g[i].alarms[k], "node", g[i].node,
			    "stack", g[i].stack, "kind", pd_alarm_kind_name((enum pd_alarm_kind)k));
	m_family(f, "plantdeck_containers_sampled", "gauge",
	    "Containers of a node and stack whose CPU and memory were sampled.");
	for (size_t i = 0; i < n; i++)
		m_sample(f, "plantdeck_containers_sampled", g[i].sampled, "node", g[i].node,
		    "stack", g[i].stack, NULL, NULL);
	m_family(f, "plantdeck_container_cpu_ratio", "gauge",
	    "CPU of the sampled containers of a node and stack, summed (1 is one CPU).");
	for (size_t i = 0; i < n; i++)
		if (g[i].sampled != 0)
			m_sample(f, "plantdeck_container_cpu_ratio", g[i].cpu_pct / 100.0, "node",
			    g[i].node, "stack", g[i].stack, NULL, NULL);
	m_family(f, "plantdeck_container_memory_bytes", "gauge",
	    "Memory used by the sampled containers of a node and stack, summed.");
	for (size_t i = 0; i < n; i++)
		if (g[i].sampled != 0)
			m_sample(f, "plantdeck_container_memory_bytes", g[i].mem, "node", g[i].node,
			    "stack", g[i].stack, NULL, NULL);
	m_family(f, "plantdeck_container_memory_limit_bytes", "gauge",
	    "Memory limits of the sampled containers of a node and stack, summed.");
	for (size_t i = 0; i < n; i++)
		if (g[i].sampled != 0)
			m_sample(f, "plantdeck_container_memory_limit_bytes", g[i].mem_limit, "node",
			    g[i].node, "stack", g[i].stack, NULL, NULL);
}

/* Whether deploy D stopped on its breaker. */
static int
m_tripped(const struct pd_deploy *d)
{
	return strncmp(d->message, "breaker:", 8) == 0;
}

/* The deploy metrics. */
static void
m_deploys(struct mout *f, const struct metrics_input *in)
{
	unsigned by_state[N_DEPLOY_STATES] = { 0 };

	for (size_t i = 0; i < in->ndeploys; i++)
		if ((unsigned)in->deploys[i].state < N_DEPLOY_STATES)
			by_state[in->deploys[i].state]++;
	m_family(f, "plantdeck_deploys", "gauge",
	    "Deploys in the database (the newest 500) by state.");
	for (int k = 0; k < N_DEPLOY_STATES; k++)
		m_sample(f, "plantdeck_deploys", by_state[k], "state",
		    pd_deploy_state_name((enum pd_deploy_state)k), NULL, NULL, NULL, NULL);
	/* The newest deploy of each stack: deploys are newest first. */
	m_family(f, "plantdeck_stack_deploy_state", "gauge",
	    "The state of the newest deploy of a stack: 1 for its state, 0 for the others.");
	for (size_t i = 0; i < in->ndeploys; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(in->deploys[j].stack, in->deploys[i].stack) != 0; j++)
			;
		if (j < i)
			continue;
		for (int k = 0; k < N_DEPLOY_STATES; k++)
			m_sample(f, "plantdeck_stack_deploy_state", in->deploys[i].state ==
			    (enum pd_deploy_state)k, "stack", in->deploys[i].stack, "state",
			    pd_deploy_state_name((enum pd_deploy_state)k), NULL, NULL);
	}
	m_family(f, "plantdeck_stack_breaker_tripped", "gauge",
	    "Whether the newest deploy of a stack stopped on its breaker (max_failure_ratio).");
	for (size_t i = 0; i < in->ndeploys; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(in->deploys[j].stack, in->deploys[i].stack) != 0; j++)
			;
		if (j == i)
			m_sample(f, "plantdeck_stack_breaker_tripped", m_tripped(&in->deploys[i]),
			    "stack", in->deploys[i].stack, NULL, NULL, NULL, NULL);
	}
	m_family(f, "plantdeck_deploy_nodes", "gauge",
	    "Nodes of a stack's running, paused or interrupted deploy by phase.");
	for (size_t i = 0; i < in->nlive; i++) {
		unsigned by_phase[N_PHASES] = { 0 };

		for (size_t j = 0; j < in->live[i].nnodes; j++)
			if ((unsigned)in->live[i].nodes[j].phase < N_PHASES)
				by_phase[in->live[i].nodes[j].phase]++;
		for (int k = 0; k < N_PHASES; k++)
			m_sample(f, "plantdeck_deploy_nodes", by_phase[k], "stack", in->live[i].stack,
			    "phase", pd_phase_name((enum pd_phase)k), NULL, NULL);
	}
}

void
metrics_tally_take(struct metrics_tally *t, const struct pd_snapshot *s)
{
	uint64_t newest = t->seq;

	/* Events are newest first. */
	for (size_t i = 0; i < s->nevents; i++) {
		const struct pd_event *e = &s->events[i];
		struct metrics_tally_node *tn = NULL;
		size_t k;

		if (e->seq > newest)
			newest = e->seq;
		if (!t->started || e->seq <= t->seq || e->kind != PD_EV_ANOMALY)
			continue;
		for (size_t j = 0; j < t->nnodes && tn == NULL; j++)
			if (strcmp(t->nodes[j].node, e->node) == 0)
				tn = &t->nodes[j];
		if (tn == NULL) {
			struct metrics_tally_node *nn = realloc(t->nodes, (t->nnodes + 1) *
			    sizeof(*nn));

			if (nn == NULL)
				continue;
			t->nodes = nn;
			tn = &nn[t->nnodes++];
			memset(tn, 0, sizeof(*tn));
			pd_copy_text(tn->node, sizeof(tn->node), e->node);
		}
		for (k = 0; k + 1 < METRICS_AGENT_KINDS &&
		    strcmp(e->action, metrics_agent_kinds[k]) != 0; k++)
			;
		tn->n[k]++;
	}
	t->seq = newest;
	t->started = 1;
}

void
metrics_tally_free(struct metrics_tally *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

/* The node agents: connected and trusted, impostors, their events. */
static void
m_agents(struct mout *f, const struct pd_snapshot *s, const struct metrics_tally *t)
{
	m_family(f, "plantdeck_node_agent", "gauge",
	    "Whether the node's trusted plantdeck agent runs and its stream is open (nodes with an agent).");
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].agent[0] != '\0' || s->nodes[i].agent_untrusted[0] != '\0')
			m_sample(f, "plantdeck_node_agent", s->nodes[i].agent[0] != '\0' &&
			    s->nodes[i].agent_verified && s->nodes[i].agent_connected,
			    "node", s->nodes[i].name, NULL, NULL, NULL, NULL);
	m_family(f, "plantdeck_node_agent_untrusted", "gauge",
	    "Whether a container labelled as the node's agent is not the pinned agent (ignored).");
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].agent[0] != '\0' || s->nodes[i].agent_untrusted[0] != '\0')
			m_sample(f, "plantdeck_node_agent_untrusted",
			    s->nodes[i].agent_untrusted[0] != '\0', "node", s->nodes[i].name,
			    NULL, NULL, NULL, NULL);
	if (t == NULL)
		return;
	m_family(f, "plantdeck_agent_events_total", "counter",
	    "The node agents' events since serve started, by kind (eBPF anomaly rules signal, exec, ptrace; oom; cgroup drift; capture overrun).");
	for (size_t i = 0; i < t->nnodes; i++)
		for (int k = 0; k < METRICS_AGENT_KINDS; k++)
			m_sample(f, "plantdeck_agent_events_total", (double)t->nodes[i].n[k], "node",
			    t->nodes[i].node, "kind", metrics_agent_kinds[k], NULL, NULL);
}

/* The heal metrics. */
static void
m_heal(struct mout *f, const struct metrics_input *in)
{
	unsigned fk[N_FIND_KINDS][2] = { { 0 } };
	unsigned pk[N_FIND_KINDS][N_PROP_STATES] = { { 0 } };

	for (size_t i = 0; i < in->nfindings; i++)
		if ((unsigned)in->findings[i].kind < N_FIND_KINDS)
			fk[in->findings[i].kind][in->findings[i].open != 0]++;
	for (size_t i = 0; i < in->nproposals; i++)
		if ((unsigned)in->proposals[i].kind < N_FIND_KINDS &&
		    (unsigned)in->proposals[i].state < N_PROP_STATES)
			pk[in->proposals[i].kind][in->proposals[i].state]++;
	m_family(f, "plantdeck_heal_findings", "gauge",
	    "The self-healer's findings by kind and state (open, resolved).");
	for (int k = 0; k < N_FIND_KINDS; k++) {
		const char *kn = pd_finding_kind_name((enum pd_finding_kind)k);

		m_sample(f, "plantdeck_heal_findings", fk[k][1], "kind", kn, "state", "open",
		    NULL, NULL);
		m_sample(f, "plantdeck_heal_findings", fk[k][0], "kind", kn, "state", "resolved",
		    NULL, NULL);
	}
	m_family(f, "plantdeck_heal_proposals", "gauge",
	    "The self-healer's proposals by the kind of their finding and by state.");
	for (int k = 0; k < N_FIND_KINDS; k++)
		for (int st = 0; st < N_PROP_STATES; st++)
			m_sample(f, "plantdeck_heal_proposals", pk[k][st], "kind",
			    pd_finding_kind_name((enum pd_finding_kind)k), "state",
			    pd_proposal_state_name((enum pd_proposal_state)st), NULL, NULL);
}

char *
metrics_render(const struct metrics_input *in, size_t *len)
{
	struct mout out = { NULL, 0, 0, 0 }, *f = &out;

	/* About what a scrape of this fleet takes, at once: few reallocs. */
	out.cap = 16384 + (in->snap != NULL ? in->snap->nnodes * 3072 +
	    in->snap->ncontainers * 256 : 0);
	if ((out.p = malloc(out.cap)) == NULL)
		return NULL;
	out.p[0] = '\0';
	m_family(f, "plantdeck_build_info", "gauge", "plantdeck's version (1).");
	m_sample(f, "plantdeck_build_info", 1, "version", in->version, NULL, NULL, NULL, NULL);
	if (in->snap != NULL) {
		size_t na = 0, ng = 0;
		struct pd_alarm *a = pd_alarms(in->snap, &na);
		struct mgroup *g = m_groups(in->snap, a, na, &ng);

		m_family(f, "plantdeck_model_complete", "gauge",
		    "Whether every node answered or failed once since the start.");
		m_sample(f, "plantdeck_model_complete", in->snap->complete != 0, NULL, NULL, NULL,
		    NULL, NULL, NULL);
		m_nodes(f, in->snap, a, na, in->now);
		m_agents(f, in->snap, in->tally);
		m_containers(f, g, ng);
		free(g);
		free(a);
	}
	if (in->deploys_ok)
		m_deploys(f, in);
	if (in->heal_ok)
		m_heal(f, in);
	m_family(f, "plantdeck_heal_runner", "gauge",
	    "Whether a process runs the heal detectors and executor for this database.");
	m_sample(f, "plantdeck_heal_runner", in->heal_runner == 1, NULL, NULL, NULL, NULL, NULL,
	    NULL);
	if (in->audit_verified != 0) {
		m_family(f, "plantdeck_audit_entries", "gauge",
		    "Entries in the audit chain when it was last verified.");
		m_sample(f, "plantdeck_audit_entries", (double)in->audit_count, NULL, NULL, NULL,
		    NULL, NULL, NULL);
		m_family(f, "plantdeck_audit_chain_ok", "gauge",
		    "Whether the audit chain verified intact (1), broken (0), unreadable (-1).");
		m_sample(f, "plantdeck_audit_chain_ok", in->audit_state == 0 ? 1 :
		    in->audit_state == 1 ? 0 : -1, NULL, NULL, NULL, NULL, NULL, NULL);
		m_family(f, "plantdeck_audit_last_verify_timestamp_seconds", "gauge",
		    "When the audit chain was last verified (Unix time).");
		m_sample(f, "plantdeck_audit_last_verify_timestamp_seconds",
		    (double)in->audit_verified, NULL, NULL, NULL, NULL, NULL, NULL);
	}
	m_family(f, "plantdeck_scrape_gather_seconds", "gauge",
	    "How long gathering this scrape's model, deploys, heal queue and audit check took.");
	m_sample(f, "plantdeck_scrape_gather_seconds", in->scrape_seconds, NULL, NULL, NULL,
	    NULL, NULL, NULL);
	if (out.oom) {
		free(out.p);
		return NULL;
	}
	*len = out.len;
	return out.p;
}
