/* foureyes.c: actions held for a second person's approval (foureyes.h).
 *
 * Each held action is an item: what to run (the plan itself, so that what
 * the approver read is what runs; a deploy and revision to roll back to; a
 * proposal) and the number of its request in the store.  One thread,
 * started with the first item, reads the requests of the items still held
 * a few times a second (a row each: cheap), runs an approved one with the
 * same module calls the facade makes, and drops a rejected or cancelled
 * one; the request's row then says how it ended ("done", "failed").  The
 * thread never holds the lock while it reads the store or runs an action. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/foureyes.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/heal/heal.h"
#include "backend/store/store.h"
#include "backend/store/store-approval.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define FE_POLL_MS 250          /* between two reads of the held requests */

enum fe_kind { FE_DEPLOY, FE_ROLLBACK, FE_QUARANTINE };
enum fe_state { FE_HELD, FE_RAN, FE_ENDED };

struct fe_item {
	int64_t req;
	enum fe_kind kind;
	struct pd_plan *plan;           /* FE_DEPLOY's, until it runs */
	int64_t deploy, proposal;
	int to_revision;
	enum fe_state state;
	int64_t result;
	char msg[PD_ERROR_LEN];         /* why it ended without running */
	struct fe_item *next;
};

struct foureyes {
	struct rollouts *ro;
	struct heal *heal;
	void (*wake)(void *ctx);
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* an item ended, or stop */
	pthread_t thread;
	int started, stop;
	struct fe_item *items;          /* newest first */
};

struct foureyes *
foureyes_new(struct rollouts *ro, struct heal *h, void (*wake)(void *ctx), void *ctx)
{
	struct foureyes *fe = calloc(1, sizeof(*fe));

	if (fe == NULL)
		return NULL;
	fe->ro = ro;
	fe->heal = h;
	fe->wake = wake;
	fe->ctx = ctx;
	pthread_mutex_init(&fe->lock, NULL);
	pthread_cond_init(&fe->cond, NULL);
	return fe;
}

/* Run approved item IT (no lock held); its result into IT and the store. */
static void
fe_run(struct foureyes *fe, struct store *st, struct fe_item *it)
{
	char err[PD_ERROR_LEN], res[PD_ERROR_LEN + 32];
	struct pd_plan *plan;
	int64_t id = 0;
	int rc = -1;

	err[0] = '\0';
	switch (it->kind) {
	case FE_DEPLOY:
		pthread_mutex_lock(&fe->lock);
		plan = it->plan;
		it->plan = NULL;
		pthread_mutex_unlock(&fe->lock);
		rc = rollout_start(fe->ro, plan, &id, err, sizeof(err));
		if (rc == 0)
			snprintf(res, sizeof(res), "deploy #%lld started", (long long)id);
		break;
	case FE_ROLLBACK:
		rc = rollout_command(fe->ro, it->deploy, PD_CMD_ROLLBACK, it->to_revision, &id, err,
		    sizeof(err));
		if (rc == 0)
			snprintf(res, sizeof(res), "rollback deploy #%lld started", (long long)id);
		break;
	case FE_QUARANTINE:
		rc = heal_approve(fe->heal, it->proposal, err, sizeof(err));
		id = it->proposal;
		if (rc == 0)
			snprintf(res, sizeof(res), "proposal #%lld approved", (long long)id);
		break;
	}
	if (rc != 0)
		snprintf(res, sizeof(res), "not run: %s", err);
	store_approval_finish(st, it->req, rc == 0 ? "done" : "failed", res);
	log_msg(rc == 0 ? LOG_INFO : LOG_WARN, "four eyes: request #%lld: %s",
	    (long long)it->req, res);
	pthread_mutex_lock(&fe->lock);
	it->state = rc == 0 ? FE_RAN : FE_ENDED;
	it->result = id;
	snprintf(it->msg, sizeof(it->msg), "%s", res);
	pthread_cond_broadcast(&fe->cond);
	pthread_mutex_unlock(&fe->lock);
}

/* End item IT without running it: its request was rejected or cancelled. */
static void
fe_drop(struct foureyes *fe, struct fe_item *it, const struct pd_approval *a)
{
	pthread_mutex_lock(&fe->lock);
	it->state = FE_ENDED;
	snprintf(it->msg, sizeof(it->msg), "request #%lld %s%s%s%s%s", (long long)it->req,
	    a->state, a->decider[0] ? " by " : "", a->decider, a->reason[0] ? ": " : "",
	    a->reason[0] ? a->reason : a->result);
	pd_plan_free(it->plan);
	it->plan = NULL;
	pthread_cond_broadcast(&fe->cond);
	pthread_mutex_unlock(&fe->lock);
}

/* The thread: read each held request, run or drop the decided ones. */
static void *
fe_thread(void *arg)
{
	struct foureyes *fe = arg;
	char err[PD_ERROR_LEN];

	pthread_mutex_lock(&fe->lock);
	while (!fe->stop) {
		struct timespec until;
		int64_t reqs[64];
		size_t n = 0;
		struct store *st;

		for (struct fe_item *it = fe->items; it != NULL && n < 64; it = it->next)
			if (it->state == FE_HELD)
				reqs[n++] = it->req;
		pthread_mutex_unlock(&fe->lock);
		st = n > 0 ? rollout_store(fe->ro, err, sizeof(err)) : NULL;
		for (size_t i = 0; i < n && st != NULL; i++) {
			struct pd_approval a;
			struct fe_item *it;

			if (store_approval_get(st, reqs[i], &a, err, sizeof(err)) != 0)
				continue;
			pthread_mutex_lock(&fe->lock);
			for (it = fe->items; it != NULL && it->req != reqs[i]; it = it->next)
				;
			pthread_mutex_unlock(&fe->lock);
			if (it == NULL)
				continue;
			/* Items are freed only by foureyes_free, after this thread. */
			if (strcmp(a.state, "approved") == 0)
				fe_run(fe, st, it);
			else if (strcmp(a.state, "pending") != 0)
				fe_drop(fe, it, &a);
			else
				continue;
			if (fe->wake != NULL)
				fe->wake(fe->ctx);
		}
		pthread_mutex_lock(&fe->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += FE_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (!fe->stop)
			pthread_cond_timedwait(&fe->cond, &fe->lock, &until);
	}
	pthread_mutex_unlock(&fe->lock);
	return NULL;
}

/* Write a request for IT (KIND, TARGET, DETAIL, NODES) and hold it. */
static int
fe_hold(struct foureyes *fe, struct fe_item *it, const char *kind, const char *target,
    const char *detail, int nodes, int64_t *req, char *err, size_t errlen)
{
	struct store *st = rollout_store(fe->ro, err, errlen);
	int rc;

	*req = 0;
	if (st == NULL || store_approval_request(st, kind, target, detail, nodes, &it->req, err,
	    errlen) != 0) {
		pd_plan_free(it->plan);
		free(it);
		return -1;
	}
	pthread_mutex_lock(&fe->lock);
	it->next = fe->items;
	fe->items = it;
	rc = 0;
	if (!fe->started) {
		rc = pd_thread_start(&fe->thread, fe_thread, fe);
		fe->started = rc == 0;
	}
	pthread_mutex_unlock(&fe->lock);
	if (rc != 0) {
		store_approval_finish(st, it->req, "cancelled", "the requesting process could not "
		    "start its waiter");
		snprintf(err, errlen, "cannot start the four-eyes waiter: %s", strerror(-rc));
		return -1;
	}
	*req = it->req;
	return 0;
}

int
foureyes_hold_deploy(struct foureyes *fe, struct pd_plan *plan, const char *target,
    const char *detail, int64_t *req, char *err, size_t errlen)
{
	struct fe_item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		pd_plan_free(plan);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	it->kind = FE_DEPLOY;
	it->plan = plan;
	return fe_hold(fe, it, "deploy", target, detail, (int)plan->nnodes, req, err, errlen);
}

int
foureyes_hold_rollback(struct foureyes *fe, int64_t deploy, int to_revision, int nodes,
    const char *target, int64_t *req, char *err, size_t errlen)
{
	struct fe_item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	it->kind = FE_ROLLBACK;
	it->deploy = deploy;
	it->to_revision = to_revision;
	return fe_hold(fe, it, "rollback", target, NULL, nodes, req, err, errlen);
}

int
foureyes_hold_quarantine(struct foureyes *fe, int64_t proposal, const char *target,
    const char *detail, int64_t *req, char *err, size_t errlen)
{
	struct fe_item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	it->kind = FE_QUARANTINE;
	it->proposal = proposal;
	return fe_hold(fe, it, "quarantine", target, detail, 1, req, err, errlen);
}

int
foureyes_wait(struct foureyes *fe, int64_t req, int timeout_ms, int64_t *result, char *err,
    size_t errlen)
{
	struct timespec until;
	struct fe_item *it;
	int rc = 0;

	*result = 0;
	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms >= 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&fe->lock);
	for (it = fe->items; it != NULL && req != 0 && it->req != req; it = it->next)
		;
	if (it == NULL) {
		pthread_mutex_unlock(&fe->lock);
		snprintf(err, errlen, "this process holds no four-eyes request #%lld",
		    (long long)req);
		return -1;
	}
	while (it->state == FE_HELD && rc != ETIMEDOUT && !fe->stop)
		rc = timeout_ms < 0 ? pthread_cond_wait(&fe->cond, &fe->lock) :
		    pthread_cond_timedwait(&fe->cond, &fe->lock, &until);
	*result = it->result;
	if (it->state != FE_RAN)
		snprintf(err, errlen, "%s", it->state == FE_HELD ? "still waiting for approval" :
		    it->msg);
	rc = it->state == FE_RAN ? 0 : it->state == FE_ENDED ? 1 : 2;
	pthread_mutex_unlock(&fe->lock);
	return rc;
}

void
foureyes_free(struct foureyes *fe)
{
	struct fe_item *it, *next;
	char err[PD_ERROR_LEN];
	struct store *st;

	if (fe == NULL)
		return;
	pthread_mutex_lock(&fe->lock);
	fe->stop = 1;
	pthread_cond_broadcast(&fe->cond);
	pthread_mutex_unlock(&fe->lock);
	if (fe->started)
		pthread_join(fe->thread, NULL);
	st = fe->items != NULL ? rollout_store(fe->ro, err, sizeof(err)) : NULL;
	for (it = fe->items; it != NULL; it = next) {
		next = it->next;
		if (it->state == FE_HELD && st != NULL)
			store_approval_finish(st, it->req, "cancelled", "the requesting process "
			    "closed before it was approved");
		pd_plan_free(it->plan);
		free(it);
	}
	pthread_mutex_destroy(&fe->lock);
	pthread_cond_destroy(&fe->cond);
	free(fe);
}
