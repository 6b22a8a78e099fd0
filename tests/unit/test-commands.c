/* test-commands.c: the command thread (backend/commands.c) runs commands in
 * the order sent, off the sender's thread, hands each back done, and runs
 * what is queued before it stops.  Conditions, no timing: the run
 * callback holds the first command until the test lets it go. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backend/commands.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int gate_open, running, ran, wakes;
static int64_t order[16];

/* The command: wait at the gate, then say which one ran. */
static void
run(void *ctx, struct pd_command *c)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	running = 1;
	pthread_cond_broadcast(&cond);
	while (!gate_open)
		pthread_cond_wait(&cond, &lock);
	if (ran < 16)
		order[ran] = c->id;
	ran++;
	pthread_mutex_unlock(&lock);
	c->rc = (int)c->id;
	snprintf(c->err, sizeof(c->err), "ran %lld", (long long)c->id);
}

/* One command done: count it. */
static void
wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	wakes++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static struct pd_command *
cmd(int64_t id)
{
	struct pd_command *c = pd_command_new(PD_COMMAND_HEAL_APPROVE);

	assert_non_null(c);
	c->id = id;
	return c;
}

static void
test_order_and_results(void **state)
{
	struct commands *q = commands_new(run, wake, NULL);
	struct pd_command *c;
	uint64_t seq[3];

	(void)state;
	assert_non_null(q);
	gate_open = running = ran = wakes = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(commands_send(q, cmd(i + 1), &seq[i]), 0);
	assert_true(seq[0] == 1 && seq[1] == 2 && seq[2] == 3);
	/* The first one runs (and waits at the gate): the sender goes on. */
	pthread_mutex_lock(&lock);
	while (!running)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_equal(commands_pending(q), 3);
	assert_null(commands_take(q));
	pthread_mutex_lock(&lock);
	gate_open = 1;
	pthread_cond_broadcast(&cond);
	while (wakes < 3)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	assert_int_equal(commands_pending(q), 0);
	for (int i = 0; i < 3; i++) {
		c = commands_take(q);
		assert_non_null(c);
		assert_int_equal(c->id, i + 1);
		assert_int_equal(c->seq, (uint64_t)i + 1);
		assert_int_equal(c->rc, i + 1);
		assert_string_equal(c->err, i == 0 ? "ran 1" : i == 1 ? "ran 2" : "ran 3");
		assert_int_equal(order[i], i + 1);
		pd_command_free(c);
	}
	assert_null(commands_take(q));
	commands_free(q);
}

static void
test_stop_runs_the_queue(void **state)
{
	struct commands *q = commands_new(run, wake, NULL);
	struct pd_command *c = cmd(9);
	int n = 0;

	(void)state;
	gate_open = 0;
	running = ran = wakes = 0;
	for (int i = 0; i < 4; i++)
		assert_int_equal(commands_send(q, cmd(i + 1), NULL), 0);
	pthread_mutex_lock(&lock);
	gate_open = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	commands_stop(q);               /* runs the four, then ends */
	assert_int_equal(ran, 4);
	assert_int_equal(commands_send(q, c, NULL), -1);   /* refused: still ours */
	pd_command_free(c);
	while ((c = commands_take(q)) != NULL) {
		n++;
		pd_command_free(c);
	}
	assert_int_equal(n, 4);
	commands_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_results),
		cmocka_unit_test(test_stop_runs_the_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
