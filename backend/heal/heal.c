/* heal.c: self-healing — the thread, the lease and the public heal_* calls.
 *
 * One thread, started by backend_start when backend_config.heal is set,
 * ticks once a second:
 *
 *   lease      only one process per database runs the detectors; it holds
 *              the row of heal_lease and renews it every HEAL_LEASE_RENEW
 *              seconds, another one takes it over once it is
 *              HEAL_LEASE_DEAD seconds old;
 *   events     the fleet snapshot's events newer than the last tick feed
 *              per-container rings of die and oom times, and end the
 *              verification of an action that did not help;
 *   detectors  turn those and the containers' and nodes' states into
 *              findings (crash loop, exited non-zero, OOM, unhealthy, node
 *              unreachable, pull failure), one per kind and target, with a
 *              hysteresis: a finding closes only after its situation looked
 *              resolved for clear_after seconds, and one that comes back
 *              before that counts up instead of opening another;
 *   proposals  an active finding without a live proposal gets the next
 *              applicable stage of its ladder (restart -> reschedule ->
 *              rollback; an OOM raises the memory limit first); a pending
 *              proposal whose situation resolved itself expires;
 *   executor   approved proposals are claimed (an UPDATE that only one
 *              process wins) and carried out in worker threads, through
 *              the Engine API, the rollout engine or the tuner; then their
 *              target is watched for verify_window seconds, and a proposal
 *              that did not help is failed, which lets the next stage come.
 *
 * Approvals come from any process (backend_heal_approve writes the row);
 * the process that holds the lease carries them out.  Every approval,
 * rejection, automatic approval and executed action is audited.
 *
 * The stages live in files of their own (heal-int.h): detect.c (events
 * and detectors), propose.c (proposals and their ladders), execute.c (the
 * executor and its verification), heal-swarm.c (the same for Swarm
 * services); the tables are the store's (backend/store/store-heal.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/store/audit.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/heal/heal.h"
#include "backend/heal/heal-int.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/store/store.h"
#include "backend/store/store-heal.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- lookups */

/* The container NAME of NODE in S, or NULL. */
const struct pd_container *
heal_container(const struct pd_snapshot *s, const char *node, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (strcmp(n->name, node) != 0)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			if (strcmp(c->name, name) == 0)
				return c;
		}
	}
	return NULL;
}

/* The node NAME in S, or NULL. */
const struct pd_node *
heal_node(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].name, name) == 0)
			return &s->nodes[i];
	return NULL;
}

/* T as "12:03:04Z". */
void
heal_hms(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%H:%M:%SZ", &tm);
}

/* The inventory index of NODE, or -1; GUESS first (a snapshot's index:
 * the fleet keeps the inventory's order). */
int
heal_inv_index_at(const struct heal *h, const char *node, size_t guess)
{
	if (guess < h->inv->nnodes && strcmp(h->inv->nodes[guess].name, node) == 0)
		return (int)guess;
	return heal_inv_index(h, node);
}

/* The inventory index of NODE, or -1. */
int
heal_inv_index(const struct heal *h, const char *node)
{
	for (size_t i = 0; i < h->inv->nnodes; i++)
		if (strcmp(h->inv->nodes[i].name, node) == 0)
			return (int)i;
	return -1;
}

/* An engine for NODE (created on first use), or NULL.  Detector thread only. */
struct engine *
heal_engine(struct heal *h, const char *node)
{
	int i = heal_inv_index(h, node);
	struct engine_reply rep;

	if (i < 0)
		return NULL;
	if (h->engines[i] == NULL) {
		h->engines[i] = engine_new(&h->inv->nodes[i]);
		if (h->engines[i] == NULL)
			return NULL;
		h->engines[i]->timeout_ms = 10000;
		if (engine_negotiate(h->engines[i], &rep) != 0)
			engine_set_version(h->engines[i], "1.41");
		engine_reply_free(&rep);
	}
	return h->engines[i];
}

/* ---------------------------------------------------------------- database */

/* Open the database on first use (creating the tables unless read-only). */
static int
heal_store(struct heal *h, char *err, size_t errlen)
{
	char path[4096];
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (h->st == NULL) {
		rc = store_default_path(h->db_path[0] ? h->db_path : NULL, path, sizeof(path),
		    err, errlen);
		if (rc == 0)
			rc = store_open(path, h->cfg.read_only, &h->st, err, errlen);
		if (rc == 0 && !h->cfg.read_only) {
			rc = store_heal_init(h->st, err, errlen);
			if (rc != 0) {
				store_close(h->st);
				h->st = NULL;
			}
		}
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* Re-read the stacks' names every 10 s; with LABEL (a container's stack
 * label that names no known stack), at once, at most every 2 s, and not
 * again for a label an earlier look did not find (a compose project that
 * is not plantdeck's).  Returns 1 when it re-read them. */
int
heal_refresh_stacks(struct heal *h, time_t now, const char *label)
{
	char **v = NULL;
	size_t n = 0;

	if (label != NULL) {
		if (now - h->stacks_at < 2 || strcmp(label, h->stacks_miss) == 0)
			return 0;
		snprintf(h->stacks_miss, sizeof(h->stacks_miss), "%s", label);
	} else if (h->stacks != NULL && now - h->stacks_at < 10) {
		return 0;
	} else {
		h->stacks_miss[0] = '\0';
	}
	h->stacks_at = now;
	store_heal_stack_names(h->st, &v, &n);
	for (size_t i = 0; i < h->nstacks; i++)
		free(h->stacks[i]);
	free(h->stacks);
	h->stacks = v != NULL ? v : calloc(1, sizeof(*v));
	h->nstacks = n;
	return 1;
}

/* On taking the lease: open findings and their proposals from the
 * database; what a dead holder left executing or verifying failed. */
static void
heal_load(struct heal *h, time_t now)
{
	struct store_heal_open *rows = NULL;
	size_t nrows = 0;

	store_heal_interrupted(h->st, now);
	h->nfnds = 0;
	store_heal_open_findings(h->st, &rows, &nrows);
	for (size_t i = 0; i < nrows; i++) {
		struct heal_fnd *f = realloc(h->fnds, (h->nfnds + 1) * sizeof(*f));

		if (f == NULL)
			break;
		h->fnds = f;
		f = &h->fnds[h->nfnds++];
		memset(f, 0, sizeof(*f));
		f->id = rows[i].f.id;
		f->kind = rows[i].f.kind;
		snprintf(f->node, sizeof(f->node), "%s", rows[i].f.node);
		snprintf(f->container, sizeof(f->container), "%s", rows[i].f.container);
		snprintf(f->stack, sizeof(f->stack), "%s", rows[i].f.stack);
		f->count = rows[i].f.count;
		snprintf(f->evidence, sizeof(f->evidence), "%s", rows[i].f.evidence);
		snprintf(f->why, sizeof(f->why), "%s", rows[i].f.reason);
		f->stage = rows[i].stage;
		f->live = rows[i].live;
		f->blocked = rows[i].blocked;
		f->hy.open = 1;
	}
	free(rows);
	/* Failed pulls up to the newest pull finding were seen. */
	store_heal_pulls_seen(h->st, &h->pulls_seen);
	/* The agent reports an anomaly or a drift once: what the database says
	 * of them holds until an event or the container's state ends it. */
	for (size_t i = 0; i < h->nfnds; i++) {
		struct heal_fnd *f = &h->fnds[i];
		struct heal_track *t;
		struct heal_track_log *l;

		if (f->kind != PD_FIND_ANOMALY && f->kind != PD_FIND_DRIFT)
			continue;
		t = heal_track_get(h, f->node, f->container, 1);
		if (t == NULL || (l = heal_track_log(t)) == NULL)
			continue;
		t->seeded = 1;
		if (f->kind == PD_FIND_DRIFT) {
			t->drifting = 1;
			l->drift_since = now;
			snprintf(l->drift_text, sizeof(l->drift_text), "%s", f->evidence);
		} else if (t->anomalies == 0) {
			t->anomalies = f->count > 0 ? f->count : 1;
			l->anomaly_first = l->anomaly_last = now;
			snprintf(l->anomaly_text, sizeof(l->anomaly_text), "%s", f->evidence);
		}
	}
}

/* ---------------------------------------------------------------- the thread */

/* One tick: the lease, then each stage on a fresh fleet snapshot. */
static void
heal_tick(struct heal *h)
{
	time_t now = time(NULL);
	struct pd_snapshot *s;
	int lead = h->leader;

	/* Take the lease, or renew it every HEAL_LEASE_RENEW s; only its
	 * holder runs the detectors. */
	if (!h->leader || now - h->lease_at >= HEAL_LEASE_RENEW || now < h->lease_at) {
		lead = store_heal_lease(h->st, h->me, now, HEAL_LEASE_DEAD);
		if (lead)
			h->lease_at = now;
	}
	if (lead && !h->leader) {
		log_msg(LOG_INFO, "heal: %s runs the detectors", h->me);
		heal_load(h, now);
	}
	h->leader = lead;
	if (!lead)
		return;
	/* The cockpit's copy when the fleet has not changed since: a copy of
	 * the whole fleet every second was most of this thread's time. */
	s = fleet_snapshot_recent(h->fleet, FLEET_SHARED_AGE);
	if (s == NULL)
		return;
	heal_refresh_stacks(h, now, NULL);
	heal_events(h, s);
	if (s->complete) {
		heal_detect(h, s, now);
		heal_detect_swarm(h, s, now);
		heal_detect_pulls(h, now);
	}
	heal_jobs_tick(h, s, now);
	if (s->complete) {
		heal_findings_tick(h, s, now);
		heal_cleanups_tick(h, s, now);
		heal_tracks_sweep(h, now);
	}
	heal_claim(h, now);
	pd_snapshot_free(s);
}

/* Whether heal_free() asked the thread to end. */
static int
heal_stopping(struct heal *h)
{
	int stop;

	pthread_mutex_lock(&h->lock);
	stop = h->stop;
	pthread_mutex_unlock(&h->lock);
	return stop;
}

/* The detector thread: open the database, then tick until stopped. */
static void *
heal_main(void *arg)
{
	struct heal *h = arg;
	char err[PD_ERROR_LEN];

	if (heal_store(h, err, sizeof(err)) != 0) {
		log_msg(LOG_ERROR, "heal: %s", err);
		return NULL;
	}
	while (!heal_stopping(h)) {
		struct timespec ts;

		heal_tick(h);
		/* Until the next tick or heal_free's signal: one wakeup a tick
		 * (it was ten, looking at the stop flag every 100 ms). */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += HEAL_TICK_MS / 1000;
		ts.tv_nsec += (HEAL_TICK_MS % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&h->lock);
		while (!h->stop && pthread_cond_timedwait(&h->cond, &h->lock, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

/* ---------------------------------------------------------------- public */

struct heal *
heal_new(const struct backend_config *cfg, const struct inventory *inv, struct fleet *fleet,
    struct rollouts *ro)
{
	struct heal *h = calloc(1, sizeof(*h));
	char host[128] = "?";
	pthread_condattr_t ca;

	if (h == NULL)
		return NULL;
	h->cfg = *cfg;
	if (cfg->db_path != NULL)
		snprintf(h->db_path, sizeof(h->db_path), "%s", cfg->db_path);
	h->inv = inv;
	h->fleet = fleet;
	h->ro = ro;
	h->tm.crash_restarts = inv->heal.crash_restarts > 0 ? inv->heal.crash_restarts : 3;
	h->tm.crash_window = inv->heal.crash_window > 0 ? inv->heal.crash_window : 60;
	h->tm.oom_window = inv->heal.oom_window > 0 ? inv->heal.oom_window : 300;
	h->tm.clear_after = inv->heal.clear_after > 0 ? inv->heal.clear_after : 60;
	h->tm.node_grace = inv->heal.node_grace > 0 ? inv->heal.node_grace : 30;
	h->tm.verify_window = inv->heal.verify_window > 0 ? inv->heal.verify_window : 30;
	gethostname(host, sizeof(host) - 1);
	snprintf(h->me, sizeof(h->me), "%s pid %ld", host, (long)getpid());
	snprintf(h->actor, sizeof(h->actor), "heal on %s", h->me);
	h->down_since = calloc(inv->nnodes ? inv->nnodes : 1, sizeof(*h->down_since));
	h->engines = calloc(inv->nnodes ? inv->nnodes : 1, sizeof(*h->engines));
	if (h->down_since == NULL || h->engines == NULL) {
		free(h->down_since);
		free(h->engines);
		free(h);
		return NULL;
	}
	heal_tracks_init(h);
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	return h;
}

int
heal_start(struct heal *h)
{
	int rc;

	if (h->cfg.read_only)
		return 0;
	rc = pd_thread_start(&h->th, heal_main, h);
	if (rc != 0)
		return -rc;
	h->running = 1;
	return 0;
}

void
heal_free(struct heal *h)
{
	if (h == NULL)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		h->stop = 1;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->th, NULL);
	}
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		struct heal_job *job = h->jobs[j];

		if (job == NULL)
			continue;
		if (!job->verifying)
			pthread_join(job->th, NULL);
		store_heal_proposal_set(h->st, job->p.id, "failed", job->verifying ?
		    "interrupted while verifying: plantdeck was closed" : job->result, time(NULL));
		free(job);
	}
	if (h->st != NULL && h->leader)
		store_heal_lease_release(h->st, h->me);
	for (size_t i = 0; i < h->inv->nnodes; i++)
		engine_free(h->engines[i]);
	free(h->engines);
	free(h->down_since);
	for (size_t i = 0; i < h->nstacks; i++)
		free(h->stacks[i]);
	free(h->stacks);
	heal_tracks_free(h);
	free(h->fnds);
	store_close(h->st);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int
heal_findings(struct heal *h, int all, struct pd_finding **out, size_t *n, char *err,
    size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (heal_store(h, err, errlen) != 0)
		return -1;
	return store_heal_findings(h->st, all, out, n, err, errlen);
}

int
heal_list(struct heal *h, int all, struct pd_proposal **out, size_t *n, char *err,
    size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (heal_store(h, err, errlen) != 0)
		return -1;
	return store_heal_proposals(h->st, all, out, n, err, errlen);
}

/* Approve (REASON NULL) or reject proposal ID. */
static int
heal_decide(struct heal *h, int64_t id, int approve, const char *reason, char *err,
    size_t errlen)
{
	struct pd_proposal p;
	char actor[128], target[PD_ERROR_LEN], aerr[PD_ERROR_LEN];
	time_t now = time(NULL);
	int rc, changed, gated = 0;

	if (h->cfg.read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		return -1;
	}
	if (heal_store(h, err, errlen) != 0)
		return -1;
	store_actor(actor, sizeof(actor));
	/* audit.require: the entry first; no entry, no decision. */
	if (audit_required() && store_heal_proposal_get(h->st, id, &p, aerr, sizeof(aerr)) == 0 &&
	    p.state == PD_PROP_PENDING) {
		heal_target(&p, target, sizeof(target));
		if (audit_append(h->st, approve ? "approve" : "reject", target, approve ?
		    p.evidence : (reason != NULL && reason[0] ? reason : "(no reason given)"),
		    aerr, sizeof(aerr)) != 0) {
			snprintf(err, errlen, "proposal #%lld: not %s: the audit trail cannot be "
			    "written and audit.require is set: %s", (long long)id,
			    approve ? "approved" : "rejected", aerr);
			return -1;
		}
		gated = 1;
	}
	rc = store_heal_proposal_decide(h->st, id, approve, actor, reason, now);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot update proposal #%lld", store_path(h->st),
		    (long long)id);
		return -1;
	}
	changed = rc;
	rc = store_heal_proposal_get(h->st, id, &p, err, errlen);
	if (rc == 1) {
		snprintf(err, errlen, "no proposal #%lld", (long long)id);
		return -1;
	}
	if (rc != 0)
		return -1;
	if (changed != 1) {
		snprintf(err, errlen, "proposal #%lld is %s, not pending", (long long)id,
		    pd_proposal_state_name(p.state));
		return -1;
	}
	heal_target(&p, target, sizeof(target));
	if (!gated && audit_append(h->st, approve ? "approve" : "reject", target,
	    approve ? p.evidence : (reason != NULL && reason[0] ? reason : "(no reason given)"),
	    aerr, sizeof(aerr)) != 0)
		log_msg(LOG_ERROR, "heal: audit: %s", aerr);
	log_msg(LOG_INFO, "heal: proposal #%lld %s by %s", (long long)id,
	    approve ? "approved" : "rejected", actor);
	return 0;
}

int
heal_approve(struct heal *h, int64_t id, char *err, size_t errlen)
{
	return heal_decide(h, id, 1, NULL, err, errlen);
}

int
heal_reject(struct heal *h, int64_t id, const char *reason, char *err, size_t errlen)
{
	return heal_decide(h, id, 0, reason, err, errlen);
}

int
heal_runner(struct heal *h, char *who, size_t wholen)
{
	who[0] = '\0';
	if (heal_store(h, who, wholen) != 0)
		return -1;
	return store_heal_runner(h->st, HEAL_LEASE_DEAD, who, wholen);
}
