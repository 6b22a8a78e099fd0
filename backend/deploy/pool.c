/* pool.c: the pool that runs a deploy's node steps (moved out of
 * rollout.c).  At most RO_WORKERS_MAX threads (PLANTDECK_DEPLOY_WORKERS may
 * ask for fewer) take the node whose step is due, run that one step
 * (ro_node_step in rollout.c) and go back for the next; a node waiting
 * between health or monitor checks holds no thread. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"

/* ---------------------------------------------------------------- the pool */

/* How many workers a rollout's pool may have: RO_WORKERS_MAX, or fewer
 * with PLANTDECK_DEPLOY_WORKERS (1 to RO_WORKERS_MAX). */
static int
ro_pool_size(void)
{
	const char *s = getenv("PLANTDECK_DEPLOY_WORKERS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return RO_WORKERS_MAX;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		return RO_WORKERS_MAX;
	return v > RO_WORKERS_MAX ? RO_WORKERS_MAX : (int)v;
}

/* A worker: runs due steps until the pool stops.  One idle worker at a
 * time (the timer) sleeps until the earliest due step; the others sleep
 * until woken, so a due step wakes one thread, not the whole pool. */
void *
ro_worker(void *arg)
{
	struct rollout *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->pool_stop) {
		struct ro_node *best = NULL;
		double now = ro_now();
		int more = 0;

		for (size_t i = 0; i < r->nnodes; i++) {
			struct ro_node *c = &r->nodes[i];

			if (!c->queued)
				continue;
			more += best != NULL;
			if (best == NULL || c->due < best->due)
				best = c;
		}
		if (best != NULL && best->due <= now) {
			best->queued = 0;
			/* Someone else watches the clock for the rest meanwhile. */
			if (more)
				pthread_cond_signal(&r->pool_cond);
			pthread_mutex_unlock(&r->lock);
			ro_node_step(best);
			pthread_mutex_lock(&r->lock);
			continue;
		}
		if (best != NULL && !r->pool_timer) {
			struct timespec ts;
			double until;

			r->pool_timer = 1;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (best->due - now);
			ts.tv_sec = (time_t)until;
			ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
			pthread_cond_timedwait(&r->pool_cond, &r->lock, &ts);
			r->pool_timer = 0;
		} else {
			pthread_cond_wait(&r->pool_cond, &r->lock);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Stop and join R's workers (every launched node has finished). */
void
ro_pool_stop(struct rollout *r)
{
	int n;

	pthread_mutex_lock(&r->lock);
	r->pool_stop = 1;
	pthread_cond_broadcast(&r->pool_cond);
	n = r->nworkers;
	pthread_mutex_unlock(&r->lock);
	for (int i = 0; i < n; i++)
		pthread_join(r->workers[i], NULL);
	pthread_mutex_lock(&r->lock);
	r->nworkers = 0;
	r->pool_stop = 0;
	pthread_mutex_unlock(&r->lock);
}

/* The pool of a new rollout R: no worker yet, its condition on the
 * monotonic clock. */
void
ro_pool_init(struct rollout *r)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&r->pool_cond, &a);
	pthread_condattr_destroy(&a);
	r->pool_max = ro_pool_size();
}
