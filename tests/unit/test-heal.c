/* test-heal.c: the detectors' windows and hysteresis, the memory step, the
 * names of stacks' containers and the escalation ladders (built from heal.c
 * with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backend/heal/heal.h"
#include "backend/heal/heal-int.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_window),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_hysteresis_flapping),
		cmocka_unit_test(test_hysteresis_undecided),
		cmocka_unit_test(test_memory_next),
		cmocka_unit_test(test_split_name),
		cmocka_unit_test(test_ladder),
		cmocka_unit_test(test_snapshot_ref),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_swarm_verify_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
