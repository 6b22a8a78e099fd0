/* agent-feed.c: the thread that pushes manifests to the nodes' agents
 * (agent-feed.h).  A pending flag per inventory node, a mutex and a
 * condition variable; the thread takes every pending node and pushes its
 * manifest (agent_manifest_push_node), outside the lock. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/engine/inventory.h"
#include "backend/node/agent-feed.h"
#include "backend/node/agent-manifest.h"

struct agent_feed {
	const struct inventory *inv;
	int read_only;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int running, stop;
	unsigned char *pending;          /* per inventory node */
	unsigned char *failing;          /* per node: the last push failed (said once) */
	unsigned long pushed, failed;
};

/* The thread: push every pending node's manifest until stopped. */
static void *
agent_feed_thread(void *arg)
{
	struct agent_feed *f = arg;
	char err[512];

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		size_t i;

		for (i = 0; i < f->inv->nnodes && !f->pending[i]; i++)
			;
		if (i == f->inv->nnodes) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		f->pending[i] = 0;
		pthread_mutex_unlock(&f->lock);
		if (agent_manifest_push_node(f->inv, &f->inv->nodes[i], err, sizeof(err)) == 0) {
			if (f->failing[i])
				log_msg(LOG_INFO, "agent: %s: its manifest is delivered again",
				    f->inv->nodes[i].name);
			pthread_mutex_lock(&f->lock);
			f->failing[i] = 0;
			f->pushed++;
		} else {
			if (!f->failing[i])
				log_msg(LOG_WARN, "agent: %s: cannot hand the agent its manifest: %s",
				    f->inv->nodes[i].name, err);
			pthread_mutex_lock(&f->lock);
			f->failing[i] = 1;
			f->failed++;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* A feed for INV (agent-feed.h). */
struct agent_feed *
agent_feed_new(const struct inventory *inv, int read_only)
{
	struct agent_feed *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->inv = inv;
	f->read_only = read_only;
	f->pending = calloc(inv->nnodes + 1, 1);
	f->failing = calloc(inv->nnodes + 1, 1);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (f->pending == NULL || f->failing == NULL ||
	    (!read_only && pd_thread_start(&f->thread, agent_feed_thread, f) != 0)) {
		agent_feed_free(f);
		return NULL;
	}
	f->running = !read_only;
	return f;
}

/* Ask for a push of NODE's manifest (agent-feed.h). */
void
agent_feed_kick(void *arg, const char *node)
{
	struct agent_feed *f = arg;

	if (f == NULL || f->read_only)
		return;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->inv->nnodes; i++)
		if (strcmp(f->inv->nodes[i].name, node) == 0) {
			f->pending[i] = 1;
			pthread_cond_signal(&f->cond);
			break;
		}
	pthread_mutex_unlock(&f->lock);
}

/* Counters (agent-feed.h). */
void
agent_feed_counts(struct agent_feed *f, unsigned long *pushed, unsigned long *failed)
{
	pthread_mutex_lock(&f->lock);
	*pushed = f->pushed;
	*failed = f->failed;
	pthread_mutex_unlock(&f->lock);
}

/* Stop and free (agent-feed.h). */
void
agent_feed_free(struct agent_feed *f)
{
	if (f == NULL)
		return;
	if (f->running) {
		pthread_mutex_lock(&f->lock);
		f->stop = 1;
		pthread_cond_signal(&f->cond);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	}
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f->pending);
	free(f->failing);
	free(f);
}
