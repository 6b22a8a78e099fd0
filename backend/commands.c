/* commands.c: the command thread — the front end's commands, run off its
 * UI thread.
 *
 * The cockpit used to run its commands on the UI thread: a container
 * action writes an audit entry, a heal decision and a deploy command write
 * the database, a plan reads it, a deploy start journals the plan.  Each
 * can wait up to the store's busy timeout (5 s) behind another process's
 * write, then an fsync; the screen froze meanwhile.  Now the front end
 * hands a struct pd_command to this queue and goes on; one thread runs the
 * commands in the order they came (a command may depend on the one before
 * it: start, then pause), with the backend's own entry points (RUN, in
 * backend.c), and hands each back done through a second list under the
 * same short lock.  WAKE tells the front end (the fleet's wakeup fd).
 *
 * The thread starts with the first command and ends at commands_stop,
 * after running what was queued: the engineer said yes to each. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "backend/commands.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"

struct commands {
	void (*run)(void *ctx, struct pd_command *c);
	void (*wake)(void *ctx);
	void *ctx;

	pthread_mutex_t lock;           /* guards what follows */
	pthread_cond_t cond;
	pthread_t th;
	int started, stop;
	uint64_t seq;                   /* the last one given */
	struct pd_command *todo, **todo_tail;   /* sent, oldest first */
	struct pd_command *done, **done_tail;   /* run, not taken yet */
	size_t pending;                 /* sent and not done (todo and running) */
};

/* The thread: take the oldest command, run it, hand it back. */
static void *
commands_main(void *arg)
{
	struct commands *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct pd_command *c;

		while (q->todo == NULL && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->todo == NULL)
			break;          /* stopped, and nothing is left */
		c = q->todo;
		q->todo = c->next;
		if (q->todo == NULL)
			q->todo_tail = &q->todo;
		c->next = NULL;
		pthread_mutex_unlock(&q->lock);

		q->run(q->ctx, c);

		pthread_mutex_lock(&q->lock);
		*q->done_tail = c;
		q->done_tail = &c->next;
		q->pending--;
		pthread_mutex_unlock(&q->lock);
		if (q->wake != NULL)
			q->wake(q->ctx);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct commands *
commands_new(void (*run)(void *ctx, struct pd_command *c), void (*wake)(void *ctx), void *ctx)
{
	struct commands *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->run = run;
	q->wake = wake;
	q->ctx = ctx;
	q->todo_tail = &q->todo;
	q->done_tail = &q->done;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	return q;
}

int
commands_send(struct commands *q, struct pd_command *c, uint64_t *seq)
{
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->stop)
		rc = -1;
	else if (!q->started) {
		rc = pd_thread_start(&q->th, commands_main, q) == 0 ? 0 : -1;
		q->started = rc == 0;
	}
	if (rc == 0) {
		c->seq = ++q->seq;
		if (seq != NULL)
			*seq = c->seq;
		c->next = NULL;
		*q->todo_tail = c;
		q->todo_tail = &c->next;
		q->pending++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

struct pd_command *
commands_take(struct commands *q)
{
	struct pd_command *c;

	pthread_mutex_lock(&q->lock);
	c = q->done;
	if (c != NULL) {
		q->done = c->next;
		if (q->done == NULL)
			q->done_tail = &q->done;
		c->next = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	return c;
}

int
commands_stopping(struct commands *q)
{
	int stop;

	pthread_mutex_lock(&q->lock);
	stop = q->stop;
	pthread_mutex_unlock(&q->lock);
	return stop;
}

size_t
commands_pending(struct commands *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->pending;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
commands_stop(struct commands *q)
{
	int join;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	join = q->started;
	q->started = 0;
	if (join && q->pending > 0)
		log_msg(LOG_INFO, "commands: running the %zu still queued before closing",
		    q->pending);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	if (join)
		pthread_join(q->th, NULL);
}

void
commands_free(struct commands *q)
{
	struct pd_command *c;

	if (q == NULL)
		return;
	commands_stop(q);
	while ((c = commands_take(q)) != NULL)
		pd_command_free(c);
	while ((c = q->todo) != NULL) {         /* never started: nothing ran */
		q->todo = c->next;
		pd_command_free(c);
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
