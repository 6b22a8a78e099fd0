/* pool.c: the pool that runs a deploy's node steps (moved out of
 * rollout.c).  At most RO_WORKERS_MAX threads (PLANTDECK_DEPLOY_WORKERS may
 * ask for fewer) take the node whose step is due, run that one step
 * (ro_node_step in rollout.c) and go back for the next; a node waiting
 * between health or monitor checks holds no thread. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/base/thread.h"

/* Messages are cut to their fixed-size buffers on purpose (they end up in
 * one-line fields of the journal and the screen). */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- the pool */

static void ro_caller_stop(struct rollout *r);

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
	ro_caller_stop(r);
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

/* ---------------------------------------------------------------- the caller thread
 *
 * A node step that would wait long on one engine call (a container start:
 * the engine answers once the process runs) hands the call to the
 * rollout's caller thread instead: one thread, one curl multi, every such
 * call of the rollout in flight at once.  When the call ends, the node's
 * next step is queued on the pool with the result.  So 270 nodes starting
 * at once hold 270 transfers on one thread, not 270 / 32 rounds of the
 * pool. */

/* Calls in flight at once (sockets: a process has 1,024 by default); the
 * others wait for one to end. */
#define RO_CALL_FLIGHT 512

/* Queue N's STAGE now (its call ended). */
static void
ro_call_queue(struct ro_node *n)
{
	struct rollout *r = n->r;

	pthread_mutex_lock(&r->lock);
	n->acall = 0;
	n->stage = n->astage;
	n->due = ro_now();
	n->queued = 1;
	pthread_cond_signal(&r->pool_cond);
	pthread_mutex_unlock(&r->lock);
}

/* The caller thread of rollout ARG: adds the calls asked for, drives them,
 * queues their nodes as they end; returns once asked to stop. */
static void *
ro_caller(void *arg)
{
	struct rollout *r = arg;
	CURLM *m = r->cmulti;
	struct engine_reply *rep = calloc(r->nnodes ? r->nnodes : 1, sizeof(*rep));
	size_t flight = 0;

	for (;;) {
		CURLMsg *msg;
		int running, left, stop, ended = 0;

		pthread_mutex_lock(&r->lock);
		stop = r->caller_stop;
		for (size_t i = 0; i < r->nnodes; i++) {
			struct ro_node *n = &r->nodes[i];
			CURL *h;

			if (n->acall != 1 || flight >= RO_CALL_FLIGHT)
				continue;
			n->acall = 2;
			h = rep == NULL ? NULL : engine_easy(n->eng, n->amethod, n->apath, 1, NULL,
			    n->atimeout_ms, &rep[i]);
			if (h != NULL) {
				curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)n);
				if (curl_multi_add_handle(m, h) == CURLM_OK) {
					flight++;
					continue;
				}
				curl_easy_cleanup(h);
			}
			n->arc = -1;
			n->astatus = 0;
			snprintf(n->aerr, sizeof(n->aerr), "%s: %s %s: cannot start the call",
			    n->inv->name, n->amethod, n->apath);
			pthread_mutex_unlock(&r->lock);
			ro_call_queue(n);
			pthread_mutex_lock(&r->lock);
		}
		pthread_mutex_unlock(&r->lock);
		if (stop && flight == 0)
			break;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct ro_node *n;
			struct engine_reply *rp;
			char *priv = NULL;
			CURLcode code;

			if (msg->msg != CURLMSG_DONE)
				continue;
			code = msg->data.result;   /* MSG goes with its handle */
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			n = (struct ro_node *)(void *)priv;
			rp = &rep[n - r->nodes];
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &rp->status);
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			n->arc = engine_finish(n->eng, n->amethod, n->apath, code, rp);
			n->astatus = rp->status;
			snprintf(n->aerr, sizeof(n->aerr), "%s", rp->error);
			engine_reply_reset(rp);
			flight--;
			ended = 1;
			ro_call_queue(n);
		}
		/* A call that ended may make room for one that waits. */
		if (!ended)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	free(rep);
	return NULL;
}

void
ro_call_async(struct ro_node *n, const char *method, const char *path, long timeout_ms,
    int stage)
{
	struct rollout *r = n->r;
	int up;

	pthread_mutex_lock(&r->lock);
	snprintf(n->amethod, sizeof(n->amethod), "%s", method);
	snprintf(n->apath, sizeof(n->apath), "%s", path);
	n->atimeout_ms = timeout_ms;
	n->astage = stage;
	if (!r->caller_up) {
		if (r->cmulti == NULL)
			r->cmulti = curl_multi_init();
		r->caller_stop = 0;
		if (r->cmulti != NULL && pd_thread_start(&r->caller, ro_caller, r) == 0)
			r->caller_up = 1;
	}
	up = r->caller_up;
	if (up) {
		n->acall = 1;
		curl_multi_wakeup(r->cmulti);
	}
	pthread_mutex_unlock(&r->lock);
	if (!up) {
		/* No caller thread: the call here, as a blocking one. */
		struct engine_reply rep;

		n->arc = engine_call_stream(n->eng, method, path, NULL, timeout_ms, NULL, NULL,
		    &rep);
		n->astatus = rep.status;
		snprintf(n->aerr, sizeof(n->aerr), "%s", rep.error);
		engine_reply_free(&rep);
		ro_call_queue(n);
	}
}

/* Stop and join R's caller thread (no call is in flight any more), free its multi. */
static void
ro_caller_stop(struct rollout *r)
{
	int up;

	pthread_mutex_lock(&r->lock);
	up = r->caller_up;
	r->caller_stop = 1;
	if (up)
		curl_multi_wakeup(r->cmulti);
	pthread_mutex_unlock(&r->lock);
	if (up)
		pthread_join(r->caller, NULL);
	pthread_mutex_lock(&r->lock);
	r->caller_up = 0;
	if (r->cmulti != NULL)
		curl_multi_cleanup(r->cmulti);
	r->cmulti = NULL;
	pthread_mutex_unlock(&r->lock);
}
