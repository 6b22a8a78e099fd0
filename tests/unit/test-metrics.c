/* test-metrics.c: the Prometheus text of hand-made inputs (backend/metrics.c):
 * label values from hostile node and stack names are escaped and valid
 * UTF-8, containers are summed per node and stack with no container id or
 * name in the text, each family's HELP and TYPE come once, and the deploy,
 * heal and audit families say what the inputs say; the node agents' events
 * are counted per node and kind across scrapes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/metrics.h"

#define NOW ((time_t)1700000000)

/* How often NEEDLE occurs in HAY. */
static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A snapshot of two nodes: one up with 3 containers (two of stack plc, one
 * of none), one down whose name carries a quote, a backslash, a newline,
 * an escape and a broken UTF-8 byte. */
static void
test_nodes_containers(void **state)
{
	struct pd_node nodes[2];
	struct pd_container cs[3];
	char ids[3][PD_ID_LEN], names[3][PD_NAME_LEN];
	struct pd_snapshot s;
	struct metrics_input in;
	size_t len = 0;
	char *text;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	memset(cs, 0, sizeof(cs));
	memset(&s, 0, sizeof(s));
	nodes[0].name = "press-01";
	nodes[0].endpoint = nodes[1].endpoint = "";
	nodes[0].reach = PD_REACH_UP;
	nodes[0].last_seen = NOW - 3;
	nodes[0].rtt_ms = 2.5;
	snprintf(nodes[0].engine_version, sizeof(nodes[0].engine_version), "20.10.24");
	snprintf(nodes[0].api_version, sizeof(nodes[0].api_version), "1.41");
	nodes[0].first_container = 0;
	nodes[0].ncontainers = 3;
	nodes[1].name = "ev\"il\\x\ny\x1b[31m\xff";
	nodes[1].reach = PD_REACH_DOWN;
	nodes[1].rtt_ms = -1;
	for (int i = 0; i < 3; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%064d", i + 7);
		snprintf(names[i], sizeof(names[i]), "secret-name-%d", i);
		cs[i].id = ids[i];
		cs[i].name = names[i];
		cs[i].image = cs[i].networks = cs[i].ports = "";
		snprintf(cs[i].state, sizeof(cs[i].state), "%s", i == 2 ? "exited" : "running");
		cs[i].stack = i < 2 ? "plc" : "";
		cs[i].restart_count = 2;
		cs[i].cpu_pct = -1;
	}
	nodes[0].req.count = 5;
	nodes[0].req.errors = 1;
	nodes[0].req.seconds = 0.75;
	nodes[0].req.le[0] = 3;          /* <= 5 ms */
	nodes[0].req.le[5] = 1;          /* <= 250 ms */
	nodes[0].req.le[8] = 1;          /* <= 10 s */
	cs[1].oom_killed = 1;
	cs[0].sampled_at = NOW;
	cs[0].cpu_pct = 50;
	cs[0].mem_usage = 1024;
	cs[0].mem_limit = 4096;
	s.nodes = nodes;
	s.nnodes = 2;
	s.containers = cs;
	s.ncontainers = 3;
	s.complete = 1;
	memset(&in, 0, sizeof(in));
	in.version = "0.1.0";
	in.now = NOW;
	in.snap = &s;
	in.heal_runner = 1;
	text = metrics_render(&in, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "plantdeck_node_up{node=\"press-01\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_node_up{node=\"ev\\\"il\\\\x\\ny?[31m?\"} 0\n"));
	assert_non_null(strstr(text, "plantdeck_node_seconds_since_seen{node=\"press-01\"} 3\n"));
	assert_int_equal(count(text, "plantdeck_node_seconds_since_seen{"), 1);
	assert_non_null(strstr(text, "plantdeck_node_ping_rtt_seconds{node=\"press-01\"} 0.0025\n"));
	assert_non_null(strstr(text, "plantdeck_node_engine_info{node=\"press-01\","
	    "engine_version=\"20.10.24\",api_version=\"1.41\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_containers{node=\"press-01\",stack=\"plc\",state=\"running\"} 2\n"));
	assert_non_null(strstr(text,
	    "plantdeck_containers{node=\"press-01\",stack=\"\",state=\"exited\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_container_restarts{node=\"press-01\",stack=\"plc\"} 4\n"));
	assert_non_null(strstr(text,
	    "plantdeck_container_oom_killed{node=\"press-01\",stack=\"plc\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_container_cpu_ratio{node=\"press-01\",stack=\"plc\"} 0.5\n"));
	assert_non_null(strstr(text,
	    "plantdeck_container_memory_bytes{node=\"press-01\",stack=\"plc\"} 1024\n"));
	assert_int_equal(count(text, "plantdeck_container_cpu_ratio{"), 1);
	assert_non_null(strstr(text, "plantdeck_node_alarms{node=\"press-01\",kind=\"down\"} 0\n"));
	assert_non_null(strstr(text, "plantdeck_heal_runner 1\n"));
	assert_non_null(strstr(text, "# TYPE plantdeck_request_duration_seconds histogram\n"));
	assert_non_null(strstr(text,
	    "plantdeck_request_duration_seconds_bucket{node=\"press-01\",le=\"0.005\"} 3\n"));
	assert_non_null(strstr(text,
	    "plantdeck_request_duration_seconds_bucket{node=\"press-01\",le=\"0.1\"} 3\n"));
	assert_non_null(strstr(text,
	    "plantdeck_request_duration_seconds_bucket{node=\"press-01\",le=\"0.25\"} 4\n"));
	assert_non_null(strstr(text,
	    "plantdeck_request_duration_seconds_bucket{node=\"press-01\",le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(text, "plantdeck_request_duration_seconds_sum{node=\"press-01\"} 0.75\n"));
	assert_non_null(strstr(text, "plantdeck_request_duration_seconds_count{node=\"press-01\"} 5\n"));
	assert_non_null(strstr(text, "plantdeck_requests_total{node=\"press-01\"} 5\n"));
	assert_non_null(strstr(text, "plantdeck_request_errors_total{node=\"press-01\"} 1\n"));
	assert_null(strstr(text, "secret-name"));
	assert_null(strstr(text, "0000007"));
	assert_null(strstr(text, "\x1b"));
	assert_int_equal(count(text, "# TYPE plantdeck_node_up gauge\n"), 1);
	assert_int_equal(count(text, "# TYPE plantdeck_containers gauge\n"), 1);
	assert_null(strstr(text, "plantdeck_deploys{"));      /* not read: not shown */
	assert_null(strstr(text, "plantdeck_audit_chain_ok")); /* not checked yet */
	free(text);
}

/* Deploys, the heal queue and the audit chain. */
static void
test_deploys_heal_audit(void **state)
{
	struct pd_deploy d[3], live;
	struct pd_deploy_node dn[2];
	struct pd_finding f[2];
	struct pd_proposal p[1];
	struct metrics_input in;
	size_t len;
	char *text;

	(void)state;
	memset(d, 0, sizeof(d));
	memset(&live, 0, sizeof(live));
	memset(dn, 0, sizeof(dn));
	memset(f, 0, sizeof(f));
	memset(p, 0, sizeof(p));
	snprintf(d[0].stack, sizeof(d[0].stack), "plc");      /* newest first */
	d[0].state = PD_DEPLOY_PAUSED;
	snprintf(d[0].message, sizeof(d[0].message), "breaker: 2 of 3 nodes failed (67%% > 30%%)");
	snprintf(d[1].stack, sizeof(d[1].stack), "plc");
	d[1].state = PD_DEPLOY_COMPLETED;
	snprintf(d[2].stack, sizeof(d[2].stack), "hmi");
	d[2].state = PD_DEPLOY_COMPLETED;
	live = d[0];
	dn[0].phase = PD_PHASE_FAILED;
	dn[1].phase = PD_PHASE_SKIPPED;
	live.nodes = dn;
	live.nnodes = 2;
	f[0].kind = PD_FIND_ANOMALY;
	f[0].open = 1;
	f[1].kind = PD_FIND_OOM;
	p[0].kind = PD_FIND_ANOMALY;
	p[0].state = PD_PROP_PENDING;
	memset(&in, 0, sizeof(in));
	in.version = "0.1.0";
	in.now = NOW;
	in.deploys = d;
	in.ndeploys = 3;
	in.deploys_ok = 1;
	in.live = &live;
	in.nlive = 1;
	in.findings = f;
	in.nfindings = 2;
	in.proposals = p;
	in.nproposals = 1;
	in.heal_ok = 1;
	in.audit_state = 1;
	in.audit_count = 42;
	in.audit_verified = NOW;
	text = metrics_render(&in, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "plantdeck_deploys{state=\"completed\"} 2\n"));
	assert_non_null(strstr(text, "plantdeck_deploys{state=\"paused\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_stack_deploy_state{stack=\"plc\",state=\"paused\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_stack_deploy_state{stack=\"plc\",state=\"completed\"} 0\n"));
	assert_non_null(strstr(text,
	    "plantdeck_stack_deploy_state{stack=\"hmi\",state=\"completed\"} 1\n"));
	assert_int_equal(count(text, "plantdeck_stack_deploy_state{stack=\"plc\",state=\"running\"}"), 1);
	assert_non_null(strstr(text, "plantdeck_stack_breaker_tripped{stack=\"plc\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_stack_breaker_tripped{stack=\"hmi\"} 0\n"));
	assert_non_null(strstr(text, "plantdeck_deploy_nodes{stack=\"plc\",phase=\"failed\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_heal_findings{kind=\"anomaly\",state=\"open\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_heal_findings{kind=\"oom\",state=\"resolved\"} 1\n"));
	assert_non_null(strstr(text,
	    "plantdeck_heal_proposals{kind=\"anomaly\",state=\"pending\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_heal_runner 0\n"));
	assert_non_null(strstr(text, "plantdeck_audit_entries 42\n"));
	assert_non_null(strstr(text, "plantdeck_audit_chain_ok 0\n"));
	assert_non_null(strstr(text, "plantdeck_audit_last_verify_timestamp_seconds 1700000000\n"));
	assert_null(strstr(text, "plantdeck_node_up"));        /* no snapshot */
	free(text);
}

/* An agent event of KIND on NODE, number SEQ. */
static void
agent_event(struct pd_event *e, const char *node, const char *kind, uint64_t seq)
{
	memset(e, 0, sizeof(*e));
	e->kind = PD_EV_ANOMALY;
	e->seq = seq;
	snprintf(e->node, sizeof(e->node), "%s", node);
	snprintf(e->action, sizeof(e->action), "%s", kind);
}

/* The agents' events counted per node and kind across snapshots: those of
 * the first snapshot only set where counting starts, each later event is
 * counted once however many snapshots still hold it, an unknown rule
 * counts as other, an engine's events not at all; agent state per node. */
static void
test_agents(void **state)
{
	struct pd_node nodes[2];
	struct pd_event ev[6];
	struct pd_snapshot s;
	struct metrics_tally t;
	struct metrics_input in;
	size_t len = 0;
	char *text;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	nodes[0].name = "press-01";
	nodes[0].endpoint = nodes[1].endpoint = "";
	snprintf(nodes[0].agent, sizeof(nodes[0].agent), "%064d", 1);
	nodes[0].agent_verified = nodes[0].agent_connected = 1;
	nodes[1].name = "press-02";
	snprintf(nodes[1].agent_untrusted, sizeof(nodes[1].agent_untrusted), "%064d", 2);
	s.nodes = nodes;
	s.nnodes = 2;
	s.events = ev;
	/* Before serve's first look: not counted. */
	agent_event(&ev[0], "press-01", "signal", 3);
	s.nevents = 1;
	metrics_tally_take(&t, &s);
	assert_int_equal(t.nnodes, 0);
	/* Newest first: three new ones and the old one again. */
	agent_event(&ev[0], "press-01", "ptrace", 6);
	agent_event(&ev[1], "press-01", "no-such-rule\x1b", 5);
	agent_event(&ev[2], "press-01", "drift", 4);
	agent_event(&ev[3], "press-01", "signal", 3);
	s.nevents = 4;
	metrics_tally_take(&t, &s);
	/* Again, with one more, and a container event of the engine's. */
	memmove(&ev[2], &ev[0], 4 * sizeof(ev[0]));
	agent_event(&ev[0], "press-01", "signal", 8);
	agent_event(&ev[1], "press-01", "die", 7);
	ev[1].kind = PD_EV_CONTAINER;
	s.nevents = 6;
	metrics_tally_take(&t, &s);
	memset(&in, 0, sizeof(in));
	in.version = "0.1.0";
	in.now = NOW;
	in.snap = &s;
	in.tally = &t;
	text = metrics_render(&in, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "plantdeck_agent_events_total{node=\"press-01\",kind=\"signal\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_agent_events_total{node=\"press-01\",kind=\"ptrace\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_agent_events_total{node=\"press-01\",kind=\"drift\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_agent_events_total{node=\"press-01\",kind=\"other\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_agent_events_total{node=\"press-01\",kind=\"exec\"} 0\n"));
	assert_null(strstr(text, "plantdeck_agent_events_total{node=\"press-02\""));
	assert_int_equal(count(text, "# TYPE plantdeck_agent_events_total counter\n"), 1);
	assert_non_null(strstr(text, "plantdeck_node_agent{node=\"press-01\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_node_agent{node=\"press-02\"} 0\n"));
	assert_non_null(strstr(text, "plantdeck_node_agent_untrusted{node=\"press-02\"} 1\n"));
	assert_non_null(strstr(text, "plantdeck_node_agent_untrusted{node=\"press-01\"} 0\n"));
	free(text);
	metrics_tally_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes_containers),
		cmocka_unit_test(test_deploys_heal_audit),
		cmocka_unit_test(test_agents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
