/* test-heal.c: the detectors' windows and hysteresis, the memory step and
 * its default bound, the advice of a finding without a proposal, the names
 * of stacks' containers and the escalation ladders (built from heal.c with
 * -DUNITTEST); and, on a database in /tmp, a finding's stored reason, the
 * deploy that supersedes a pending proposal, and the statements a tick
 * keeps prepared. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backend/engine/inventory.h"
#include "backend/heal/heal.h"
#include "backend/heal/heal-int.h"
#include "backend/store/store.h"
#include "backend/store/store-heal.h"

/* A crash loop is N exits inside the window: old ones fall out of it. */
static void
test_ring_window(void **state)
{
	struct heal_ring r = { 0 };

	(void)state;
	assert_int_equal(heal_ring_count(&r, 1000, 60), 0);
	assert_int_equal(heal_ring_last(&r), 0);
	heal_ring_push(&r, 900);
	heal_ring_push(&r, 950);
	heal_ring_push(&r, 990);
	heal_ring_push(&r, 1000);
	assert_int_equal(heal_ring_count(&r, 1000, 60), 3);    /* 900 is 100 s old */
	assert_int_equal(heal_ring_count(&r, 1000, 11), 2);    /* 990, 1000 */
	assert_int_equal(heal_ring_count(&r, 1049, 60), 2);    /* 1000, 990; 950 is 99 s old */
	assert_int_equal(heal_ring_count(&r, 1100, 60), 0);
	/* Times after NOW (a clock step) are not counted; 900 is exactly 60 s
	 * old at 960, out of the window. */
	assert_int_equal(heal_ring_count(&r, 960, 60), 1);
	assert_int_equal(heal_ring_last(&r), 1000);
}

/* The ring keeps the newest HEAL_RING times. */
static void
test_ring_wraps(void **state)
{
	struct heal_ring r = { 0 };

	(void)state;
	for (int i = 0; i < 3 * HEAL_RING; i++)
		heal_ring_push(&r, 1000 + i);
	assert_int_equal(r.n, HEAL_RING);
	assert_int_equal(heal_ring_last(&r), 1000 + 3 * HEAL_RING - 1);
	assert_int_equal(heal_ring_count(&r, 1000 + 3 * HEAL_RING - 1, 1e9), HEAL_RING);
	assert_int_equal(heal_ring_count(&r, 1000 + 3 * HEAL_RING - 1, 5), 5);
}

/* A flapping container is one finding: it goes quiet and comes back,
 * many times, and closes only after a whole quiet period. */
static void
test_hysteresis_flapping(void **state)
{
	struct heal_hyst h = { 0 };
	int returned = 0, opened = 0;

	(void)state;
	assert_int_equal(heal_hyst_step(&h, 0, 1, 100, 60), HEAL_NONE);
	assert_int_equal(heal_hyst_step(&h, 1, 0, 101, 60), HEAL_OPENED);
	for (int i = 0; i < 50; i++) {
		time_t t = 110 + i * 20;
		enum heal_edge e;

		/* 10 s bad, 10 s good. */
		e = heal_hyst_step(&h, 1, 0, t, 60);
		returned += e == HEAL_RETURNED;
		opened += e == HEAL_OPENED;
		assert_true(e != HEAL_CLOSED);
		e = heal_hyst_step(&h, 0, 1, t + 10, 60);
		assert_true(e == HEAL_QUIETED);
	}
	assert_int_equal(opened, 0);
	assert_int_equal(returned, 49);
	assert_true(h.open);
	/* Quiet from 1100 on: still open at 1159, closed at 1160. */
	assert_int_equal(heal_hyst_step(&h, 0, 1, 1159, 60), HEAL_NONE);
	assert_int_equal(heal_hyst_step(&h, 0, 1, 1160, 60), HEAL_CLOSED);
	assert_false(h.open);
	/* After it closed, the next one is a new finding. */
	assert_int_equal(heal_hyst_step(&h, 1, 0, 1200, 60), HEAL_OPENED);
}

/* Neither active nor resolved (a container starting) keeps the state. */
static void
test_hysteresis_undecided(void **state)
{
	struct heal_hyst h = { 0 };

	(void)state;
	assert_int_equal(heal_hyst_step(&h, 0, 0, 100, 60), HEAL_NONE);
	assert_false(h.open);
	assert_int_equal(heal_hyst_step(&h, 1, 0, 100, 60), HEAL_OPENED);
	assert_int_equal(heal_hyst_step(&h, 0, 0, 200, 60), HEAL_NONE);
	assert_true(h.open);
	assert_false(h.quiet);
	assert_int_equal(heal_hyst_step(&h, 0, 1, 210, 60), HEAL_QUIETED);
	/* Starting again does not restart the quiet period... */
	assert_int_equal(heal_hyst_step(&h, 0, 0, 250, 60), HEAL_NONE);
	/* ...and it closes 60 s after it went quiet. */
	assert_int_equal(heal_hyst_step(&h, 0, 1, 270, 60), HEAL_CLOSED);
	/* clear_after 0: closes as soon as it is resolved. */
	assert_int_equal(heal_hyst_step(&h, 1, 0, 300, 0), HEAL_OPENED);
	assert_int_equal(heal_hyst_step(&h, 0, 1, 301, 0), HEAL_CLOSED);
}

static void
test_memory_next(void **state)
{
	const uint64_t m = 1u << 20;

	(void)state;
	assert_int_equal(heal_memory_next(32 * m, 50, 512 * m), 48 * m);
	assert_int_equal(heal_memory_next(400 * m, 50, 512 * m), 512 * m);   /* capped */
	assert_int_equal(heal_memory_next(512 * m, 50, 512 * m), 0);         /* at the bound */
	assert_int_equal(heal_memory_next(600 * m, 50, 512 * m), 0);         /* above it */
	assert_int_equal(heal_memory_next(0, 50, 512 * m), 0);               /* unlimited */
	assert_int_equal(heal_memory_next(32 * m, 0, 512 * m), 0);           /* no headroom */
	assert_int_equal(heal_memory_next(10 * m + 1, 10, 512 * m), 12 * m); /* rounded up */
	assert_int_equal(heal_memory_next(UINT64_MAX / 2, 50, UINT64_MAX), 0);
}

/* The default bound of a memory raise, and what a raise under it gives. */
static void
test_memory_cap(void **state)
{
	const uint64_t m = 1u << 20;

	(void)state;
	assert_true(heal_memory_cap(512 * m, 8192 * m) == 512 * m);   /* heal.memory_max */
	assert_true(heal_memory_cap(0, 8192 * m) == 4096 * m);        /* half the node */
	assert_true(heal_memory_cap(0, 0) == 1024 * m);               /* unknown node */
	/* plant/leaky under 32M with the defaults on a small node: 48M. */
	assert_true(heal_memory_next(32 * m, 50, heal_memory_cap(0, 1024 * m)) == 48 * m);
	assert_true(heal_memory_next(600 * m, 50, heal_memory_cap(0, 1024 * m)) == 0);
}

/* Every finding kind has advice, and a container outside a stack is told
 * how to get one. */
static void
test_advice(void **state)
{
	(void)state;
	for (int k = PD_FIND_CRASH_LOOP; k <= PD_FIND_TASK_FAILING; k++) {
		assert_non_null(heal_advice((enum pd_finding_kind)k, 0));
		assert_true(strlen(heal_advice((enum pd_finding_kind)k, 1)) > 10);
		/* It fits a finding's reason with room for the why. */
		assert_true(strlen(heal_advice((enum pd_finding_kind)k, 0)) < PD_ERROR_LEN / 2);
	}
	assert_non_null(strstr(heal_advice(PD_FIND_CRASH_LOOP, 0), "deploy it as a stack"));
	assert_null(strstr(heal_advice(PD_FIND_CRASH_LOOP, 1), "as a stack"));
	assert_non_null(strstr(heal_advice(PD_FIND_OOM, 0), "plantdeck tune"));
}

/* A finding's reason is stored and read back, also from a database made
 * before the column; a deploy of the finding's stack that touched its node
 * and ended after the proposal supersedes it, an earlier one does not. */
static void
test_store_reason_settled(void **state)
{
	char dir[] = "/tmp/test-heal.XXXXXX", path[64], err[512];
	struct store *st = NULL;
	struct pd_finding *f = NULL;
	struct pd_plan_node nodes[1] = { { "lab-01", 0 } };
	struct store_deploy_new dn = { .stack = "plc", .kind = "deploy", .revision = 1,
	    .spec = "{}", .file = "plc.yaml", .failure_action = "rollback",
	    .max_failure_ratio = 0, .policy = "{}", .user = "test", .nodes = nodes,
	    .nnodes = 1 };
	struct pd_deploy d;
	size_t n = 0;
	int64_t id, dep;
	time_t now = time(NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plantdeck.db", dir);
	assert_int_equal(store_open(path, 0, &st, err, sizeof(err)), 0);
	/* An older healer's table: no reason column; init adds it. */
	assert_int_equal(sqlite3_exec(store_sqlite(st), "CREATE TABLE heal_findings (id INTEGER "
	    "PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, node TEXT NOT NULL, container TEXT "
	    "NOT NULL DEFAULT '', stack TEXT NOT NULL DEFAULT '', open INTEGER NOT NULL DEFAULT "
	    "1, count INTEGER NOT NULL DEFAULT 1, first_seen INTEGER NOT NULL, last_seen INTEGER "
	    "NOT NULL, resolved INTEGER NOT NULL DEFAULT 0, evidence TEXT)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_heal_init(st, err, sizeof(err)), 0);
	id = store_heal_finding_add(st, PD_FIND_CRASH_LOOP, "lab-01", "plc-plc", "plc", "3 exits",
	    now);
	assert_true(id > 0);
	assert_int_equal(store_heal_finding_reason(st, id, HEAL_WHY_NO_STACK), 1);
	assert_int_equal(store_heal_findings(st, 0, &f, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].reason, HEAL_WHY_NO_STACK);
	free(f);

	/* No deploy yet; then one on lab-01: not before it switches the node. */
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-01", now - 5, &d), 0);
	assert_int_equal(store_deploy_create(st, &dn, &dep, err, sizeof(err)), 0);
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-01", now - 5, &d), 0);
	assert_int_equal(store_node_set(st, dep, "lab-01", PD_PHASE_SWITCHING, "switch", ""), 0);
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-01", now - 5, &d), 1);
	assert_int_equal(d.state, PD_DEPLOY_RUNNING);
	assert_int_equal(store_node_set(st, dep, "lab-01", PD_PHASE_ROLLED_BACK, "rolled back",
	    ""), 0);
	assert_int_equal(store_deploy_set_state(st, dep, PD_DEPLOY_ROLLED_BACK, "breaker", err,
	    sizeof(err)), 0);
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-01", now - 5, &d), 1);
	assert_true(d.id == dep);
	assert_int_equal(d.state, PD_DEPLOY_ROLLED_BACK);
	assert_int_equal(d.revision, 1);
	/* Not another node's, not another stack's, not one that ended before. */
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-02", now - 5, &d), 0);
	assert_int_equal(store_heal_stack_settled(st, "web", "lab-01", now - 5, &d), 0);
	assert_int_equal(store_heal_stack_settled(st, "plc", "lab-01", now + 3600, &d), 0);
	store_close(st);
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	assert_int_equal(system(err), 0);
}

static void
test_split_name(void **state)
{
	char *stacks[] = { "plc", "plc-line", "web" };
	char st[64], svc[64];

	(void)state;
	assert_int_equal(heal_split_name("plc-plc", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 1);
	assert_string_equal(st, "plc");
	assert_string_equal(svc, "plc");
	/* The longest stack name wins. */
	assert_int_equal(heal_split_name("plc-line-db", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 1);
	assert_string_equal(st, "plc-line");
	assert_string_equal(svc, "db");
	/* Set-aside containers and strangers are not a stack's current one. */
	assert_int_equal(heal_split_name("plc-plc.r2", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 0);
	assert_int_equal(heal_split_name("plc-", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 0);
	assert_int_equal(heal_split_name("plcx-a", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 0);
	assert_int_equal(heal_split_name("redis", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 0);
	assert_int_equal(heal_split_name("web-a.rx", stacks, 3, st, sizeof(st), svc,
	    sizeof(svc)), 1);
	assert_string_equal(svc, "a.rx");
}

static void
test_ladder(void **state)
{
	(void)state;
	assert_int_equal(heal_ladder(PD_FIND_CRASH_LOOP, 0), PD_HEAL_RESTART);
	assert_int_equal(heal_ladder(PD_FIND_CRASH_LOOP, 1), PD_HEAL_RESCHEDULE);
	assert_int_equal(heal_ladder(PD_FIND_CRASH_LOOP, 2), PD_HEAL_ROLLBACK);
	assert_int_equal(heal_ladder(PD_FIND_CRASH_LOOP, 3), -1);
	assert_int_equal(heal_ladder(PD_FIND_UNHEALTHY, 0), PD_HEAL_RESTART);
	assert_int_equal(heal_ladder(PD_FIND_EXITED, 2), PD_HEAL_ROLLBACK);
	assert_int_equal(heal_ladder(PD_FIND_OOM, 0), PD_HEAL_MEMORY);
	assert_int_equal(heal_ladder(PD_FIND_OOM, 1), PD_HEAL_ROLLBACK);
	assert_int_equal(heal_ladder(PD_FIND_OOM, 2), -1);
	assert_int_equal(heal_ladder(PD_FIND_NODE_DOWN, 0), -1);
	assert_int_equal(heal_ladder(PD_FIND_PULL_FAILED, 0), -1);
	assert_int_equal(heal_ladder(PD_FIND_CRASH_LOOP, -1), -1);
	/* A security anomaly is kept, never restarted. */
	assert_int_equal(heal_ladder(PD_FIND_ANOMALY, 0), PD_HEAL_QUARANTINE);
	assert_int_equal(heal_ladder(PD_FIND_ANOMALY, 1), -1);
	assert_int_equal(heal_ladder(PD_FIND_DRIFT, 0), PD_HEAL_REAPPLY);
	assert_int_equal(heal_ladder(PD_FIND_DRIFT, 1), PD_HEAL_RESTART);
	assert_int_equal(heal_ladder(PD_FIND_DRIFT, 2), -1);
	assert_int_equal(heal_ladder(PD_FIND_STRANDED, 0), PD_HEAL_RESCHEDULE);
	assert_int_equal(heal_ladder(PD_FIND_STRANDED, 1), -1);
}

/* Snapshot images are valid references whatever the container is called. */
static void
test_snapshot_ref(void **state)
{
	char ref[PD_NAME_LEN], name[200];

	(void)state;
	heal_snapshot_ref("plc-press-3", 12, ref, sizeof(ref));
	assert_string_equal(ref, "plantdeck-quarantine/plc-press-3:finding-12");
	heal_snapshot_ref("My_PLC.1", 7, ref, sizeof(ref));
	assert_string_equal(ref, "plantdeck-quarantine/my_plc.1:finding-7");
	/* Leading, trailing and doubled separators go; other bytes become one '-'. */
	heal_snapshot_ref("-_weird..name__\x1b[31m-", 1, ref, sizeof(ref));
	assert_string_equal(ref, "plantdeck-quarantine/weird.name_31m:finding-1");
	heal_snapshot_ref("___", 2, ref, sizeof(ref));
	assert_string_equal(ref, "plantdeck-quarantine/container:finding-2");
	heal_snapshot_ref("", 3, ref, sizeof(ref));
	assert_string_equal(ref, "plantdeck-quarantine/container:finding-3");
	/* A long name is cut to 80 characters, and the reference fits. */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	heal_snapshot_ref(name, 99, ref, sizeof(ref));
	assert_int_equal(strlen(ref), strlen("plantdeck-quarantine/") + 80 + strlen(":finding-99"));
	/* Each character is a valid one of a reference. */
	for (const char *p = ref; *p; p++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789-._/:", *p));
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(pd_finding_kind_name(PD_FIND_CRASH_LOOP), "crash_loop");
	assert_string_equal(pd_heal_action_name(PD_HEAL_MEMORY), "memory");
	assert_string_equal(pd_heal_action_name(PD_HEAL_QUARANTINE), "quarantine");
	assert_string_equal(pd_heal_action_name(PD_HEAL_REAPPLY), "reapply");
	assert_string_equal(pd_finding_kind_name(PD_FIND_ANOMALY), "anomaly");
	assert_string_equal(pd_finding_kind_name(PD_FIND_DRIFT), "drift");
	assert_string_equal(pd_finding_kind_name(PD_FIND_STRANDED), "stranded");
	assert_string_equal(pd_proposal_state_name(PD_PROP_EXPIRED), "expired");
	assert_string_equal(pd_proposal_state_name((enum pd_proposal_state)99), "unknown");
}

/* A task of SERVICE on NODE, made from IMAGE with FORCE, in STATE since SINCE. */
static struct pd_swarm_task
task(const char *node, const char *image, uint64_t force, const char *state, time_t since)
{
	struct pd_swarm_task t;

	memset(&t, 0, sizeof(t));
	snprintf(t.service, sizeof(t.service), "svc");
	snprintf(t.node, sizeof(t.node), "%s", node);
	snprintf(t.image, sizeof(t.image), "%s", image);
	t.force_update = force;
	snprintf(t.state, sizeof(t.state), "%s", state);
	snprintf(t.desired_state, sizeof(t.desired_state), "shutdown");
	t.since = since;
	return t;
}

/* The race of issue 14: when a rollback is issued, a task of the spec it
 * replaced is still starting, and fails a second later.  Verification
 * judges only tasks made from the spec the action left; a failure of one
 * of those counts, even before Swarm gave it a node. */
static void
test_swarm_verify_spec(void **state)
{
	struct pd_swarm_task v[5];
	struct pd_snapshot s;
	struct heal_job job;
	const struct pd_swarm_task *last;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&job, 0, sizeof(job));
	snprintf(job.p.container, sizeof(job.p.container), "svc");
	job.issued_at = 1000;
	job.done_at = 1001;
	job.spec_known = 1;
	snprintf(job.spec_image, sizeof(job.spec_image), "reg/plc:1");
	job.spec_force = 0;
	v[0] = task("lab-02", "reg/plc:bad", 0, "failed", 1002);   /* the old spec, late */
	v[1] = task("lab-03", "reg/plc:bad", 0, "rejected", 1003);
	v[2] = task("lab-02", "reg/plc:1", 0, "running", 1002);
	v[3] = task("lab-04", "reg/plc:1", 0, "failed", 990);      /* before the action */
	s.swarm.tasks = v;
	s.swarm.ntasks = 4;
	assert_int_equal(heal_job_task_failures(&s, &job, &last), 0);
	assert_null(last);
	/* Judged by time alone (the old way, now only when the spec could not
	 * be read), the late task of the old spec counts. */
	job.spec_known = 0;
	assert_int_equal(heal_job_task_failures(&s, &job, &last), 2);
	job.spec_known = 1;
	/* A task of the spec it left fails: that counts, nodeless or not. */
	v[4] = task("", "reg/plc:1", 0, "failed", 1005);
	s.swarm.ntasks = 5;
	assert_int_equal(heal_job_task_failures(&s, &job, &last), 1);
	assert_ptr_equal(last, &v[4]);
	assert_string_equal(last->node, "");

	/* A force-update on lab-03: the same image, ForceUpdate 2 -> 3.  A task
	 * of ForceUpdate 2 still restarting there is not the new spec's. */
	snprintf(job.p.node, sizeof(job.p.node), "lab-03");
	job.spec_force = 3;
	v[0] = task("lab-03", "reg/plc:1", 2, "failed", 1002);
	v[1] = task("lab-03", "reg/plc:1", 3, "failed", 1004);
	v[2] = task("lab-02", "reg/plc:1", 3, "failed", 1004);    /* another node */
	s.swarm.ntasks = 3;
	assert_int_equal(heal_job_task_failures(&s, &job, &last), 1);
	assert_ptr_equal(last, &v[1]);
}

/* heal.auto: quarantine approves nothing while the node's agent is not
 * verified (issue 17): not verified, or the node unknown, is -1 (left for
 * a person); verified is 1; other actions do not depend on the agent. */
static void
test_auto_quarantine_needs_verified_agent(void **state)
{
	struct inv_heal_auto autos[] = {
		{ .stack = "line1", .actions = INV_HEAL_QUARANTINE | INV_HEAL_RESTART },
	};
	struct inventory inv;
	struct pd_node nodes[2];
	struct pd_snapshot s;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	memset(nodes, 0, sizeof(nodes));
	memset(&s, 0, sizeof(s));
	inv.heal.autos = autos;
	inv.heal.nautos = 1;
	nodes[0].name = "lab-01";
	nodes[1].name = "lab-02";
	nodes[0].endpoint = nodes[1].endpoint = "";
	nodes[1].agent_verified = 1;
	s.nodes = nodes;
	s.nnodes = 2;
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-01", PD_HEAL_QUARANTINE, &s), -1);
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-09", PD_HEAL_QUARANTINE, &s), -1);
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-02", PD_HEAL_QUARANTINE, &s), 1);
	nodes[1].agent_verified = 0;   /* it was, and is no longer */
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-02", PD_HEAL_QUARANTINE, &s), -1);
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-01", PD_HEAL_RESTART, &s), 1);
	assert_int_equal(heal_auto_approves(&inv, "line2", "lab-02", PD_HEAL_QUARANTINE, &s), 0);
	assert_int_equal(heal_auto_approves(&inv, "", "lab-02", PD_HEAL_QUARANTINE, &s), 0);
	assert_int_equal(heal_auto_approves(&inv, "line1", "lab-01", PD_HEAL_ROLLBACK, &s), 0);
}

/* A node's inventory index: the guess when it names the node, the search
 * when it does not (another inventory order, a guess past the end). */
static void
test_inv_index_at(void **state)
{
	struct inv_node nodes[3] = { { .name = (char *)"a" }, { .name = (char *)"b" },
	    { .name = (char *)"c" } };
	struct inventory inv = { .nodes = nodes, .nnodes = 3 };
	struct heal h = { .inv = &inv };

	(void)state;
	assert_int_equal(heal_inv_index_at(&h, "b", 1), 1);
	assert_int_equal(heal_inv_index_at(&h, "c", 0), 2);
	assert_int_equal(heal_inv_index_at(&h, "a", 7), 0);
	assert_int_equal(heal_inv_index_at(&h, "z", 1), -1);
}

/* The stacks' names are re-read every 10 s, and at once (at most every
 * 2 s) for a container labelled with a stack they lack: a stack deployed
 * since the last read (its containers were taken for another stack's);
 * a label the re-read did not find (a compose project of someone else's)
 * does not force another until the 10 s read. */
static void
test_refresh_stacks_for_label(void **state)
{
	char dir[] = "/tmp/test-heal.XXXXXX", path[64], err[512];
	struct pd_plan_node nodes[1] = { { "lab-01", 0 } };
	struct store_deploy_new dn = { .stack = "plc", .kind = "deploy", .revision = 1,
	    .spec = "{}", .file = "plc.yaml", .failure_action = "rollback",
	    .max_failure_ratio = 0, .policy = "{}", .user = "test", .nodes = nodes,
	    .nnodes = 1 };
	struct heal h;
	int64_t dep;
	time_t now = time(NULL);
	char st_[64], svc[64];

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plantdeck.db", dir);
	assert_int_equal(store_open(path, 0, &h.st, err, sizeof(err)), 0);
	assert_int_equal(store_heal_init(h.st, err, sizeof(err)), 0);
	assert_int_equal(store_deploy_create(h.st, &dn, &dep, err, sizeof(err)), 0);
	assert_int_equal(heal_refresh_stacks(&h, now, NULL), 1);
	assert_int_equal(h.nstacks, 1);
	dn.stack = "plc-x";
	assert_int_equal(store_deploy_create(h.st, &dn, &dep, err, sizeof(err)), 0);
	/* "plc-x-plc" is service x-plc of plc while plc-x is not known */
	assert_int_equal(heal_split_name("plc-x-plc", h.stacks, h.nstacks, st_, sizeof(st_), svc,
	    sizeof(svc)), 1);
	assert_string_equal(st_, "plc");
	assert_int_equal(heal_refresh_stacks(&h, now + 1, NULL), 0);
	assert_int_equal(heal_refresh_stacks(&h, now + 1, "plc-x"), 0);      /* < 2 s */
	assert_int_equal(heal_refresh_stacks(&h, now + 2, "plc-x"), 1);
	assert_int_equal(h.nstacks, 2);
	assert_int_equal(heal_split_name("plc-x-plc", h.stacks, h.nstacks, st_, sizeof(st_), svc,
	    sizeof(svc)), 1);
	assert_string_equal(st_, "plc-x");
	assert_string_equal(svc, "plc");
	/* someone else's compose project: one look, not one every 2 s */
	assert_int_equal(heal_refresh_stacks(&h, now + 4, "web"), 1);
	assert_int_equal(heal_refresh_stacks(&h, now + 6, "web"), 0);
	assert_int_equal(heal_refresh_stacks(&h, now + 9, "web"), 0);
	assert_int_equal(heal_refresh_stacks(&h, now + 14, NULL), 1);
	assert_int_equal(heal_refresh_stacks(&h, now + 16, "web"), 1);
	for (size_t i = 0; i < h.nstacks; i++)
		free(h.stacks[i]);
	free(h.stacks);
	store_close(h.st);
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	assert_int_equal(system(err), 0);
}

/* The track of a container the slow way: every track compared. */
static struct heal_track *
linear_track(struct heal *h, const char *node, const char *name)
{
	char n[PD_NAME_LEN], c[PD_NAME_LEN];

	for (size_t i = 0; i < h->ntracks; i++)
		if (heal_track_split(h->tracks[i].key, n, c) == 0 && strcmp(n, node) == 0 &&
		    strcmp(c, name) == 0)
			return &h->tracks[i];
	return NULL;
}

/* The tracks' index finds what a comparison of every track finds, for
 * thousands made in an order that is not the one they are asked in (events
 * and deploys make them), the same name on many nodes, names whose node
 * and name run together alike ("a"+"bc", "ab"+"c"), long node names, and
 * names no track has; a track's state survives the array's moves; after the tracks are
 * forgotten none is found, and they are made afresh. */
static void
test_track_index(void **state)
{
	struct backend_config cfg;
	struct inventory inv;
	struct heal *h;
	struct heal_track *t, *u;
	char node[PD_NAME_LEN], name[PD_NAME_LEN], n2[PD_NAME_LEN], c2[PD_NAME_LEN];
	const size_t nodes = 40, names = 100, n = nodes * names;
	size_t made = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&inv, 0, sizeof(inv));
	h = heal_new(&cfg, &inv, NULL, NULL);
	assert_non_null(h);
	for (size_t k = 0; k < n; k++) {
		size_t i = (k * 7919) % n;      /* 7919 is prime: every i once, scattered */

		snprintf(node, sizeof(node), "n%zu", i % nodes);
		snprintf(name, sizeof(name), "stack-svc%zu", i / nodes);
		assert_null(heal_track_get(h, node, name, 0));
		t = heal_track_get(h, node, name, 1);
		assert_non_null(t);
		assert_int_equal(h->ntracks, k + 1);
		assert_int_equal(heal_track_split(t->key, n2, c2), 0);
		assert_string_equal(n2, node);
		assert_string_equal(c2, name);
		assert_null(t->log);         /* made when an event needs it */
		assert_int_equal(heal_track_read(t)->last_exit, -1);
		t->exited_since = (time_t)i;
	}
	for (size_t i = 0; i < n + 200; i++) {
		struct heal_track *slow;

		snprintf(node, sizeof(node), "n%zu", i % (nodes + 2));
		snprintf(name, sizeof(name), "stack-svc%zu", i / nodes);
		slow = linear_track(h, node, name);
		t = heal_track_get(h, node, name, 0);
		assert_ptr_equal(t, slow);
		if (i % (nodes + 2) < nodes && i / nodes < names) {
			assert_non_null(t);
			assert_int_equal(t->exited_since,
			    (time_t)((i / nodes) * nodes + i % (nodes + 2)));
		}
		if (slow == NULL)
			made++;
		t = heal_track_get(h, node, name, 1);
		assert_ptr_equal(t, linear_track(h, node, name));
	}
	assert_true(made > 0);
	assert_int_equal(h->ntracks, n + made);
	/* Asked in the order made (the guess), and every other one (the index). */
	for (size_t step = 1; step <= 2; step++)
		for (size_t i = 0; i < h->ntracks; i += step) {
			assert_int_equal(heal_track_split(h->tracks[i].key, node, name), 0);
			assert_ptr_equal(heal_track_get(h, node, name, 0), &h->tracks[i]);
		}
	t = heal_track_get(h, "a", "bc", 1);
	u = heal_track_get(h, "ab", "c", 1);
	assert_non_null(t);
	assert_non_null(u);
	assert_ptr_not_equal(t, u);
	assert_ptr_equal(heal_track_get(h, "a", "bc", 0), linear_track(h, "a", "bc"));
	assert_ptr_equal(heal_track_get(h, "ab", "c", 0), linear_track(h, "ab", "c"));
	assert_null(heal_track_get(h, "a", "b", 0));
	/* Node names of one, two and three digits' length. */
	for (size_t len = 9; len <= 101; len++) {
		char longnode[128];

		memset(longnode, 'n', len);
		longnode[len] = '\0';
		t = heal_track_get(h, longnode, "x", 1);
		assert_non_null(t);
		assert_ptr_equal(t, linear_track(h, longnode, "x"));
		assert_ptr_equal(heal_track_get(h, longnode, "x", 0), t);
		longnode[len - 1] = '\0';      /* the same bytes run together */
		assert_null(heal_track_get(h, longnode, "nx", 0));
	}
	assert_null(heal_track_get(h, "", "abc", 0));
	heal_tracks_free(h);
	assert_null(heal_track_get(h, "n1", "stack-svc1", 0));
	t = heal_track_get(h, "n1", "stack-svc1", 1);
	assert_non_null(t);
	assert_int_equal(heal_track_read(t)->last_exit, -1);
	assert_int_equal(h->ntracks, 1);
	heal_free(h);
}

/* A gone container's track is removed once it has been gone for longer
 * than any window reads, and only then; one a finding or a job in flight
 * still names stays, and so does one with the agent's report, until they
 * end; the tracks left keep their logs (a restarting container's crash
 * count), and the index finds each where the removals moved it. */
static void
test_track_sweep(void **state)
{
	struct backend_config cfg;
	struct inventory inv;
	struct heal *h;
	struct heal_track *t;
	struct heal_job *job;
	const time_t now = 1000000;
	const double keep = 300 + HEAL_TRACK_SWEEP;   /* the oom window is the longest */
	const char *names[] = { "gone", "restarting", "found", "moving", "agent", "recent" };
	char name[PD_NAME_LEN];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&inv, 0, sizeof(inv));
	h = heal_new(&cfg, &inv, NULL, NULL);
	assert_non_null(h);
	assert_true(h->tm.oom_window == 300);
	/* Many gone ones, so that removals move tracks into their holes. */
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "old%d", i);
		t = heal_track_get(h, "n1", name, 1);
		assert_non_null(t);
		t->seen = now - (time_t)keep - 1 - i;
	}
	for (size_t i = 0; i < HEAL_NELEM(names); i++) {
		t = heal_track_get(h, "n1", names[i], 1);
		assert_non_null(t);
		t->seen = now - (time_t)keep - 10;
	}
	heal_track_get(h, "n1", "recent", 0)->seen = now - (time_t)keep + 1;
	/* Restarting: in the snapshot every tick, three exits counted. */
	t = heal_track_get(h, "n1", "restarting", 0);
	t->seen = now;
	for (int i = 0; i < 3; i++)
		heal_ring_push(&heal_track_log(t)->dies, now - 10 + i);
	heal_track_get(h, "n1", "agent", 0)->anomalies = 2;
	h->fnds = calloc(1, sizeof(*h->fnds));
	assert_non_null(h->fnds);
	h->nfnds = 1;
	snprintf(h->fnds[0].node, sizeof(h->fnds[0].node), "n1");
	snprintf(h->fnds[0].container, sizeof(h->fnds[0].container), "found");
	job = calloc(1, sizeof(*job));
	assert_non_null(job);
	job->p.action = PD_HEAL_RESCHEDULE;
	snprintf(job->p.node, sizeof(job->p.node), "n0");
	snprintf(job->p.to_node, sizeof(job->p.to_node), "n1");
	snprintf(job->p.container, sizeof(job->p.container), "moving");
	h->jobs[0] = job;

	heal_tracks_sweep(h, now);
	assert_int_equal(h->ntracks, 5);
	assert_null(heal_track_get(h, "n1", "gone", 0));
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "old%d", i);
		assert_null(heal_track_get(h, "n1", name, 0));
	}
	for (size_t i = 1; i < HEAL_NELEM(names); i++) {
		t = heal_track_get(h, "n1", names[i], 0);
		assert_non_null(t);
		assert_ptr_equal(t, linear_track(h, "n1", names[i]));
	}
	t = heal_track_get(h, "n1", "restarting", 0);
	assert_int_equal(heal_ring_count(&heal_track_read(t)->dies, now, h->tm.crash_window), 3);

	/* Not again before HEAL_TRACK_SWEEP has passed. */
	h->nfnds = 0;
	h->jobs[0] = NULL;
	free(job);
	heal_track_get(h, "n1", "agent", 0)->anomalies = 0;
	heal_tracks_sweep(h, now + HEAL_TRACK_SWEEP - 1);
	assert_int_equal(h->ntracks, 5);
	/* The finding, the job and the report are over: only the one seen stays. */
	heal_tracks_sweep(h, now + HEAL_TRACK_SWEEP);
	assert_int_equal(h->ntracks, 1);
	t = heal_track_get(h, "n1", "restarting", 0);
	assert_ptr_equal(t, &h->tracks[0]);
	assert_int_equal(heal_ring_count(&heal_track_read(t)->dies, now, h->tm.crash_window), 3);
	/* A gone one that comes back starts afresh. */
	t = heal_track_get(h, "n1", "gone", 1);
	assert_non_null(t);
	assert_null(t->log);
	heal_free(h);
}

/* The statements a tick runs are kept prepared (store_stmt): the lease's
 * takes new bindings each time; a SELECT left mid-result (the approved
 * proposals, at most MAX) is reset, so this connection still sees what
 * another one commits after it; store_close finalizes them. */
static void
test_store_kept_statements(void **state)
{
	char dir[] = "/tmp/test-heal-kept.XXXXXX", path[128], err[512] = "";
	struct store *st, *other;
	struct pd_proposal p = { .state = PD_PROP_APPROVED, .node = "lab-01",
	    .container = "plc-plc", .created = 1700000000 };
	int64_t ids[4], v0, v1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plantdeck.db", dir);
	assert_int_equal(store_open(path, 0, &st, err, sizeof(err)), 0);
	assert_int_equal(store_heal_init(st, err, sizeof(err)), 0);
	assert_int_equal(store_open(path, 0, &other, err, sizeof(err)), 0);

	assert_true(store_heal_lease(st, "a", 1000, 10));
	assert_false(store_heal_lease(st, "b", 1005, 10));      /* held, 5 s old */
	assert_true(store_heal_lease(st, "a", 1008, 10));       /* renewed */
	assert_false(store_heal_lease(st, "b", 1017, 10));      /* 9 s old */
	assert_true(store_heal_lease(st, "b", 1019, 10));       /* 11 s: free */
	store_lock(st);
	assert_ptr_equal(store_stmt(st, "SELECT 1"), store_stmt(st, "SELECT 1"));
	store_unlock(st);

	assert_true(store_heal_proposal_add(other, &p) > 0);
	assert_true(store_heal_proposal_add(other, &p) > 0);
	assert_int_equal(store_heal_approved(st, ids, 1), 1);  /* one of two read */
	assert_int_equal(store_data_version(st, &v0, err, sizeof(err)), 0);
	assert_true(store_heal_proposal_add(other, &p) > 0);
	assert_int_equal(store_data_version(st, &v1, err, sizeof(err)), 0);
	assert_true(v1 != v0);
	assert_int_equal(store_heal_approved(st, ids, 4), 3);

	store_close(other);
	store_close(st);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_window),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_hysteresis_flapping),
		cmocka_unit_test(test_hysteresis_undecided),
		cmocka_unit_test(test_memory_next),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_advice),
		cmocka_unit_test(test_store_reason_settled),
		cmocka_unit_test(test_store_kept_statements),
		cmocka_unit_test(test_split_name),
		cmocka_unit_test(test_ladder),
		cmocka_unit_test(test_snapshot_ref),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_inv_index_at),
		cmocka_unit_test(test_track_index),
		cmocka_unit_test(test_track_sweep),
		cmocka_unit_test(test_refresh_stacks_for_label),
		cmocka_unit_test(test_swarm_verify_spec),
		cmocka_unit_test(test_auto_quarantine_needs_verified_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
