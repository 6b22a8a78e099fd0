/* test-alarm.c: the fleet's alarms from hand-made snapshots: which, in what
 * order, for how long, and the alarm line that names them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/model/model.h"

#define NOW ((time_t)1700000000)

/* A snapshot of up to 4 nodes and 16 containers, all well. */
struct fixture {
	struct pd_snapshot s;
	struct pd_node nodes[4];
	struct pd_container cs[16];
	char names[16][PD_NAME_LEN];     /* the containers' strings */
	char node_names[4][PD_NAME_LEN];
	char ids[16][PD_ID_LEN];
};

/* Start F with NNODES nodes lab-01.. up and no containers. */
static void
fx_init(struct fixture *f, size_t nnodes)
{
	memset(f, 0, sizeof(*f));
	f->s.taken = NOW;
	f->s.nodes = f->nodes;
	f->s.nnodes = nnodes;
	f->s.containers = f->cs;
	for (size_t i = 0; i < nnodes; i++) {
		snprintf(f->node_names[i], sizeof(f->node_names[i]), "lab-%02zu", i + 1);
		f->nodes[i].name = f->node_names[i];
		f->nodes[i].endpoint = "";
		f->nodes[i].reach = PD_REACH_UP;
		f->nodes[i].last_seen = NOW;
	}
}

/* Add a running, healthy container NAME to node NODE (0-based; containers
 * must be added node by node). */
static struct pd_container *
fx_add(struct fixture *f, size_t node, const char *name)
{
	struct pd_container *c = &f->cs[f->s.ncontainers];
	struct pd_node *n = &f->nodes[node];

	if (n->ncontainers == 0)
		n->first_container = f->s.ncontainers;
	n->ncontainers++;
	f->s.ncontainers++;
	snprintf(f->names[c - f->cs], sizeof(f->names[0]), "%s", name);
	snprintf(f->ids[c - f->cs], sizeof(f->ids[0]), "id-%s", name);
	c->name = f->names[c - f->cs];
	c->id = f->ids[c - f->cs];
	c->image = c->networks = c->stack = c->ports = "";
	snprintf(c->state, sizeof(c->state), "running");
	c->health = PD_HEALTH_HEALTHY;
	c->started_at = NOW - 3600;
	return c;
}

/* The alarm line of F at WIDTH columns. */
static void
fx_line(struct fixture *f, int width, int ascii, char *out, size_t len)
{
	size_t n;
	struct pd_alarm *a = pd_alarms(&f->s, &n);

	pd_alarm_line(out, len, a, n, width, ascii);
	free(a);
}

static void
test_nothing_when_well(void **state)
{
	struct fixture f;
	struct pd_container *c;
	size_t n = 99;
	char line[256];

	(void)state;
	fx_init(&f, 2);
	fx_add(&f, 0, "plc");
	c = fx_add(&f, 1, "job");
	snprintf(c->state, sizeof(c->state), "exited");          /* a job that ended well */
	c = fx_add(&f, 1, "stopped");
	snprintf(c->state, sizeof(c->state), "exited");          /* docker stop */
	c->exit_code = 143;
	c = fx_add(&f, 1, "killed");
	snprintf(c->state, sizeof(c->state), "exited");          /* docker kill */
	c->exit_code = 137;
	c = fx_add(&f, 1, "old-restarts");                       /* crashed an hour ago, fine since */
	c->restart_count = 4;
	c->finished_at = NOW - 3600;
	c = fx_add(&f, 1, "old-oom");                            /* OOM an hour ago, runs again */
	c->oom_killed = 1;
	c->finished_at = NOW - 3600;
	f.nodes[1].reach = PD_REACH_CONNECTING;                  /* not an alarm yet */
	assert_null(pd_alarms(&f.s, &n));
	assert_int_equal(n, 0);
	f.nodes[1].reach = PD_REACH_UP;
	assert_null(pd_alarms(&f.s, &n));
	assert_int_equal(n, 0);
	fx_line(&f, 80, 0, line, sizeof(line));
	assert_string_equal(line, "");
	fx_init(&f, 0);
	assert_null(pd_alarms(&f.s, &n));
}

static void
test_order_worst_first(void **state)
{
	struct fixture f;
	struct pd_container *c;
	struct pd_alarm *a;
	size_t n;
	char text[64];

	(void)state;
	fx_init(&f, 4);
	c = fx_add(&f, 0, "sick");
	c->health = PD_HEALTH_UNHEALTHY;
	c = fx_add(&f, 0, "crashy");
	snprintf(c->state, sizeof(c->state), "restarting");
	c->restart_count = 13;
	c->exit_code = 1;
	c->finished_at = NOW - 2;
	c = fx_add(&f, 0, "crashy2");
	snprintf(c->state, sizeof(c->state), "restarting");
	c->restart_count = 2;
	c = fx_add(&f, 1, "leaky");
	snprintf(c->state, sizeof(c->state), "exited");
	c->oom_killed = 1;
	c->exit_code = 137;
	c->finished_at = NOW - 5000;                             /* dead: stays an alarm */
	c = fx_add(&f, 1, "broken");
	snprintf(c->state, sizeof(c->state), "exited");
	c->exit_code = 1;
	c->restart_count = 3;
	f.nodes[2].reach = PD_REACH_STALE;
	fx_add(&f, 2, "ghost")->health = PD_HEALTH_UNHEALTHY;   /* old news from a stale node */
	f.nodes[3].reach = PD_REACH_DOWN;

	a = pd_alarms(&f.s, &n);
	assert_non_null(a);
	assert_int_equal(n, 7);
	assert_int_equal(a[0].kind, PD_ALARM_NODE_DOWN);
	assert_string_equal(a[0].node, "lab-04");
	assert_string_equal(a[0].container, "");
	assert_int_equal(a[1].kind, PD_ALARM_NODE_STALE);
	assert_string_equal(a[1].node, "lab-03");
	assert_int_equal(a[2].kind, PD_ALARM_OOM);
	assert_string_equal(a[2].container, "leaky");
	assert_string_equal(a[2].node, "lab-02");
	assert_int_equal(a[3].kind, PD_ALARM_RESTARTING);
	assert_string_equal(a[3].container, "crashy");           /* more restarts first */
	assert_int_equal(a[3].restarts, 13);
	assert_string_equal(a[3].id, "id-crashy");
	assert_int_equal(a[4].kind, PD_ALARM_RESTARTING);
	assert_string_equal(a[4].container, "crashy2");
	assert_int_equal(a[5].kind, PD_ALARM_UNHEALTHY);
	assert_string_equal(a[5].container, "sick");
	assert_int_equal(a[6].kind, PD_ALARM_EXITED);
	assert_string_equal(a[6].container, "broken");

	pd_alarm_text(text, sizeof(text), &a[3], 0);
	assert_string_equal(text, "restarting \u00d713");
	pd_alarm_text(text, sizeof(text), &a[3], 1);
	assert_string_equal(text, "restarting x13");
	pd_alarm_text(text, sizeof(text), &a[6], 1);
	assert_string_equal(text, "exited 1 after 3 restarts");
	pd_alarm_text(text, sizeof(text), &a[0], 1);
	assert_string_equal(text, "DOWN");
	assert_string_equal(pd_alarm_kind_name(a[2].kind), "oom");
	free(a);
}

static void
test_oom_lifetime(void **state)
{
	struct fixture f;
	struct pd_container *c;
	struct pd_alarm *a;
	size_t n;
	char text[64];

	(void)state;
	fx_init(&f, 1);
	c = fx_add(&f, 0, "leaky");
	c->oom_killed = 1;
	/* Killed and restarted by its policy: running again, a minute after the kill. */
	c->restart_count = 5;
	c->finished_at = NOW - 60;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_OOM);               /* OOM outranks the restarts */
	pd_alarm_text(text, sizeof(text), &a[0], 1);
	assert_string_equal(text, "OOM, restarts x5");
	free(a);
	/* Just inside, then just past the window. */
	c->finished_at = NOW - PD_ALARM_OOM_SECS + 1;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_OOM);
	free(a);
	c->finished_at = NOW - PD_ALARM_OOM_SECS;
	c->restart_count = 0;
	assert_null(pd_alarms(&f.s, &n));
	/* Running with the mark but no known kill time: none. */
	c->finished_at = 0;
	assert_null(pd_alarms(&f.s, &n));
	/* Dead after the kill: an alarm however long ago. */
	snprintf(c->state, sizeof(c->state), "exited");
	c->exit_code = 137;
	c->finished_at = NOW - 86400;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_OOM);
	pd_alarm_text(text, sizeof(text), &a[0], 0);
	assert_string_equal(text, "OOM");
	free(a);
}

static void
test_restart_window(void **state)
{
	struct fixture f;
	struct pd_container *c;
	struct pd_alarm *a;
	size_t n;

	(void)state;
	fx_init(&f, 1);
	c = fx_add(&f, 0, "crashy");
	/* Between two crashes, briefly running: still a crash loop. */
	c->restart_count = 7;
	c->finished_at = NOW - 1;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_RESTARTING);
	assert_int_equal(a[0].restarts, 7);
	free(a);
	/* Just died again, before the engine restarts it: no flicker to "exited". */
	snprintf(c->state, sizeof(c->state), "exited");
	c->exit_code = 1;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_RESTARTING);
	free(a);
	/* Long past: it gave up (on-failure:7), an exit with an error. */
	c->finished_at = NOW - PD_ALARM_RESTART_SECS;
	a = pd_alarms(&f.s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, PD_ALARM_EXITED);
	free(a);
	/* Stopped by docker stop, recently or not: none. */
	c->exit_code = 143;
	assert_null(pd_alarms(&f.s, &n));
	c->finished_at = NOW - 1;
	assert_null(pd_alarms(&f.s, &n));
	/* Running, long after the last death: none. */
	snprintf(c->state, sizeof(c->state), "running");
	c->finished_at = NOW - PD_ALARM_RESTART_SECS;
	assert_null(pd_alarms(&f.s, &n));
}

static void
test_line_names_and_counts(void **state)
{
	struct fixture f;
	struct pd_container *c;
	char line[512];

	(void)state;
	fx_init(&f, 2);
	c = fx_add(&f, 0, "crashy");
	snprintf(c->state, sizeof(c->state), "restarting");
	c->restart_count = 13;
	fx_add(&f, 0, "sick")->health = PD_HEALTH_UNHEALTHY;
	fx_add(&f, 0, "sick2")->health = PD_HEALTH_UNHEALTHY;
	c = fx_add(&f, 1, "leaky");
	snprintf(c->state, sizeof(c->state), "exited");
	c->oom_killed = 1;
	c->exit_code = 137;

	fx_line(&f, 200, 0, line, sizeof(line));
	assert_string_equal(line, "ALARM lab-02/leaky OOM \u00b7 lab-01/crashy restarting \u00d713 \u00b7 "
	    "lab-01/sick unhealthy \u00b7 lab-01/sick2 unhealthy");
	/* The example, at the width where two names and the count fit. */
	fx_line(&f, 66, 0, line, sizeof(line));
	assert_string_equal(line, "ALARM lab-02/leaky OOM \u00b7 lab-01/crashy restarting \u00d713 \u00b7 "
	    "+2 more");
	fx_line(&f, 66, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab-02/leaky OOM, lab-01/crashy restarting x13, +2 more");
	/* Narrow: one name and the count. */
	fx_line(&f, 40, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab-02/leaky OOM, +3 more");
	/* Every width fits. */
	for (int w = 6; w < 120; w++) {
		int cols = 0;

		fx_line(&f, w, 0, line, sizeof(line));
		for (const char *p = line; *p; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		assert_true(cols <= w);
		assert_true(strncmp(line, "ALARM", 5) == 0);
	}
}

static void
test_line_sanitises_evil_names(void **state)
{
	struct fixture f;
	struct pd_container *c;
	char line[2048], *name = f.names[0];

	(void)state;
	fx_init(&f, 1);
	snprintf(f.node_names[0], sizeof(f.node_names[0]), "lab\x1b]0;owned\x07");
	c = fx_add(&f, 0, "x");
	snprintf(name, sizeof(f.names[0]), "evil\x1b[2J\x9b" "31m\xc2\x9b");
	snprintf(c->state, sizeof(c->state), "restarting");
	c->restart_count = 1;
	fx_line(&f, 200, 0, line, sizeof(line));
	assert_string_equal(line, "ALARM lab\\e]0;owned\\x07/evil\\e[2J\\x9b31m\\u009b restarting \u00d71");
	for (const char *p = line; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* A name too long for the line is cut, never inside an escape. */
	memset(name, 'n', 100);
	name[100] = '\0';
	name[20] = '\x1b';
	fx_line(&f, 40, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab\\e]0;owned\\x07/nnnnnnnnnnnnnnn~");
	fx_line(&f, 45, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab\\e]0;owned\\x07/nnnnnnnnnnnnnnnnnnnn~");
	fx_line(&f, 46, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab\\e]0;owned\\x07/nnnnnnnnnnnnnnnnnnnn~");
	fx_line(&f, 47, 1, line, sizeof(line));
	assert_string_equal(line, "ALARM lab\\e]0;owned\\x07/nnnnnnnnnnnnnnnnnnnn\\e~");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_when_well),
		cmocka_unit_test(test_order_worst_first),
		cmocka_unit_test(test_oom_lifetime),
		cmocka_unit_test(test_restart_window),
		cmocka_unit_test(test_line_names_and_counts),
		cmocka_unit_test(test_line_sanitises_evil_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
