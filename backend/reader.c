/* reader.c: the store reader — the cockpit's deploys and heal proposals,
 * read from the database on a thread of their own.
 *
 * The cockpit used to read them on its UI thread once a second; a database
 * locked by another process (or a busy timeout of 5 s behind a long write)
 * froze the screen.  This thread reads them instead and hands the UI a new
 * reading (struct pd_records) through a slot under a short lock: the UI
 * takes it or finds nothing, and never waits on SQLite.
 *
 * It reads only when the records may have changed: when this process
 * changed them (reader_poke: a deploy step, a command), when the cockpit
 * asks for another deploy or for every finding (reader_watch), when the
 * database's PRAGMA data_version moved (another process, or the healer's
 * own connection, committed: asked once a second, with a short busy
 * timeout), and every READER_FULL seconds anyway, for what ages without a
 * write (a dead executor's heartbeat, the healer's lease).  A reading that
 * is the same as the last one handed over (a hash of its bytes) is dropped:
 * no wakeup, no redraw.  When the database is locked by another process,
 * the UI is handed a reading that says so and keeps what it had. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/reader.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/heal/heal.h"
#include "backend/store/store.h"
#include "backend/store/store-approval.h"
#include "backend/store/store-serve.h"

#define READER_TICK 1.0         /* s between looks at data_version */
#define READER_FULL 5.0         /* s between readings when nothing said they changed */
#define READER_GAP 0.25         /* s at least between two readings */
#define READER_DEPLOYS 50       /* the newest deploys read */

struct reader {
	struct rollouts *ro;
	struct heal *heal;
	void (*wake)(void *ctx);
	void *ctx;
	uint64_t last_hash;             /* of the last reading handed over (the */
	int have_hash;                  /* reader thread's own: no lock) */

	pthread_mutex_t lock;           /* guards what follows */
	pthread_cond_t cond;
	pthread_t th;
	int started, stop;
	int poked;                      /* read soon */
	int64_t watch_deploy;           /* -1: none */
	int all_findings;
	struct pd_records *pending;     /* the newest reading, not taken yet */
};

/* Seconds on the monotonic clock. */
static double
reader_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a over LEN bytes at P, on top of H. */
static uint64_t
hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The hash of deploy D with its nodes (the pointer left out). */
static uint64_t
hash_deploy(uint64_t h, const struct pd_deploy *d)
{
	struct pd_deploy tmp = *d;

	tmp.nodes = NULL;
	h = hash_bytes(h, &tmp, sizeof(tmp));
	return d->nodes != NULL ? hash_bytes(h, d->nodes, d->nnodes * sizeof(*d->nodes)) : h;
}

/* The hash of what R shows: the same hash, the same screen.  (The store
 * zeroes every row before it fills it, so equal rows are equal bytes.) */
static uint64_t
hash_records(const struct pd_records *r)
{
	uint64_t h = 14695981039346656037ULL;

	h = hash_bytes(h, &r->locked, sizeof(r->locked));
	h = hash_bytes(h, r->locked_err, strnlen(r->locked_err, sizeof(r->locked_err)));
	if (r->locked)
		return h;
	for (size_t i = 0; i < r->ndeploys; i++)
		h = hash_deploy(h, &r->deploys[i]);
	h = hash_bytes(h, r->deploys_err, sizeof(r->deploys_err));
	for (size_t i = 0; i < r->nrunning; i++)
		h = hash_deploy(h, &r->running[i]);
	h = hash_bytes(h, &r->watched_id, sizeof(r->watched_id));
	h = hash_bytes(h, &r->watched_ok, sizeof(r->watched_ok));
	if (r->watched_ok)
		h = hash_deploy(h, &r->watched);
	h = hash_bytes(h, r->watched_err, sizeof(r->watched_err));
	h = hash_bytes(h, r->proposals, r->nproposals * sizeof(*r->proposals));
	h = hash_bytes(h, r->heals_err, sizeof(r->heals_err));
	h = hash_bytes(h, r->findings, r->nfindings * sizeof(*r->findings));
	h = hash_bytes(h, &r->all_findings, sizeof(r->all_findings));
	h = hash_bytes(h, &r->heal_runner, sizeof(r->heal_runner));
	h = hash_bytes(h, r->approvals, r->napprovals * sizeof(*r->approvals));
	h = hash_bytes(h, r->heal_who, sizeof(r->heal_who));
	/* A serve's beat moves every few seconds and shows nothing new. */
	h = hash_bytes(h, &r->serve.state, sizeof(r->serve.state));
	h = hash_bytes(h, &r->serve.live, sizeof(r->serve.live));
	h = hash_bytes(h, r->serve.host, strnlen(r->serve.host, sizeof(r->serve.host)));
	h = hash_bytes(h, &r->serve.pid, sizeof(r->serve.pid));
	h = hash_bytes(h, &r->serve.started, sizeof(r->serve.started));
	h = hash_bytes(h, &r->serve.heal, sizeof(r->serve.heal));
	return hash_bytes(h, r->serve.metrics, strnlen(r->serve.metrics, sizeof(r->serve.metrics)));
}

/* Read everything the cockpit shows; NULL out of memory. */
static struct pd_records *
read_records(struct reader *r, int64_t deploy, int all_findings)
{
	struct pd_records *rec = calloc(1, sizeof(*rec));
	char err[PD_ERROR_LEN];

	if (rec == NULL)
		return NULL;
	rec->read_at = time(NULL);
	rec->watched_id = deploy;
	rec->all_findings = all_findings;
	if (rollout_list(r->ro, READER_DEPLOYS, &rec->deploys, &rec->ndeploys, rec->deploys_err,
	    sizeof(rec->deploys_err)) != 0) {
		rec->deploys = NULL;
		rec->ndeploys = 0;
	}
	for (size_t i = 0; i < rec->ndeploys; i++) {
		struct pd_deploy *nr, d;

		if (rec->deploys[i].state != PD_DEPLOY_RUNNING ||
		    rollout_get(r->ro, rec->deploys[i].id, &d, err, sizeof(err)) != 0)
			continue;
		nr = realloc(rec->running, (rec->nrunning + 1) * sizeof(*nr));
		if (nr == NULL) {
			pd_deploy_free(&d);
			break;
		}
		rec->running = nr;
		nr[rec->nrunning++] = d;
	}
	if (deploy >= 0)
		rec->watched_ok = rollout_get(r->ro, deploy, &rec->watched, rec->watched_err,
		    sizeof(rec->watched_err)) == 0;
	if (heal_list(r->heal, 1, &rec->proposals, &rec->nproposals, rec->heals_err,
	    sizeof(rec->heals_err)) != 0) {
		rec->proposals = NULL;
		rec->nproposals = 0;
	}
	if (heal_findings(r->heal, all_findings, &rec->findings, &rec->nfindings, err,
	    sizeof(err)) != 0) {
		rec->findings = NULL;
		rec->nfindings = 0;
	}
	rec->heal_runner = heal_runner(r->heal, rec->heal_who, sizeof(rec->heal_who));
	{
		struct store *st = rollout_store(r->ro, err, sizeof(err));

		if (st == NULL || store_approvals(st, 0, &rec->approvals, &rec->napprovals, err,
		    sizeof(err)) != 0) {
			rec->approvals = NULL;
			rec->napprovals = 0;
		}
		/* A plantdeck serve on this database: the header's SERVE mark. */
		if (st != NULL)
			store_serve_read(st, rec->read_at, &rec->serve, err, sizeof(err));
	}
	return rec;
}

/* Hand REC to the UI (the one it did not take yet is dropped), and wake it;
 * a reading that shows what the last one showed is dropped instead. */
static void
publish(struct reader *r, struct pd_records *rec)
{
	uint64_t h = hash_records(rec);

	if (r->have_hash && h == r->last_hash) {
		pd_records_free(rec);
		return;
	}
	r->last_hash = h;
	r->have_hash = 1;
	pthread_mutex_lock(&r->lock);
	pd_records_free(r->pending);
	r->pending = rec;
	pthread_mutex_unlock(&r->lock);
	if (r->wake != NULL)
		r->wake(r->ctx);
}

/* The thread: look, read when it may have changed, hand over what did. */
static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	double next = 0, last_read = -1e9;
	int64_t version = 0, v, deploy, seen_deploy = -2;
	int have_version = 0, want, all, seen_all = -1, rc;
	char err[PD_ERROR_LEN];

	for (;;) {
		struct pd_records *rec;
		struct store *st;
		double now;

		pthread_mutex_lock(&r->lock);
		while (!r->stop && !r->poked && r->watch_deploy == seen_deploy &&
		    r->all_findings == seen_all && (now = reader_now()) < next) {
			struct timespec ts;
			double until = next - now;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)until;
			ts.tv_nsec += (long)((until - (double)(time_t)until) * 1e9);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		want = r->poked || r->watch_deploy != seen_deploy || r->all_findings != seen_all;
		r->poked = 0;
		deploy = seen_deploy = r->watch_deploy;
		all = seen_all = r->all_findings;
		pthread_mutex_unlock(&r->lock);

		now = reader_now();
		if (want && now - last_read < READER_GAP) {
			/* At most four readings a second while a deploy pokes. */
			double rest = READER_GAP - (now - last_read);
			struct timespec ts = { 0, (long)(rest * 1e9) };

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
			now = reader_now();
		}
		next = now + READER_TICK;

		/* Did anything change?  A lock says so at once, and is shown. */
		st = rollout_store(r->ro, err, sizeof(err));
		rc = st != NULL ? store_data_version(st, &v, err, sizeof(err)) :
		    strstr(err, "database is locked") != NULL ? 1 : -1;  /* SQLITE_BUSY's words */
		if (rc == 1) {
			rec = calloc(1, sizeof(*rec));
			if (rec == NULL)
				continue;
			rec->locked = 1;
			rec->read_at = time(NULL);
			snprintf(rec->locked_err, sizeof(rec->locked_err), "%s", err);
			have_version = 0;       /* read everything once it is free */
			publish(r, rec);
			continue;
		}
		/* Unchanged, or unknown (no database yet): now and then anyway. */
		if (!want && now - last_read < READER_FULL &&
		    (rc != 0 || (have_version && v == version)))
			continue;
		version = v;
		have_version = rc == 0;

		rec = read_records(r, deploy, all);
		last_read = reader_now();
		if (rec == NULL)
			continue;
		publish(r, rec);
	}
	return NULL;
}

struct reader *
reader_new(struct rollouts *ro, struct heal *h, void (*wake)(void *ctx), void *ctx)
{
	struct reader *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (r == NULL)
		return NULL;
	r->ro = ro;
	r->heal = h;
	r->wake = wake;
	r->ctx = ctx;
	r->watch_deploy = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	return r;
}

int
reader_start(struct reader *r)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (r->stop)
		rc = -1;
	else if (!r->started) {
		rc = pd_thread_start(&r->th, reader_main, r);
		r->started = rc == 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void
reader_poke(struct reader *r)
{
	pthread_mutex_lock(&r->lock);
	r->poked = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void
reader_watch(struct reader *r, int64_t deploy, int all_findings)
{
	pthread_mutex_lock(&r->lock);
	if (r->watch_deploy != deploy || r->all_findings != (all_findings != 0)) {
		r->watch_deploy = deploy;
		r->all_findings = all_findings != 0;
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
}

struct pd_records *
reader_take(struct reader *r)
{
	struct pd_records *rec;

	pthread_mutex_lock(&r->lock);
	rec = r->pending;
	r->pending = NULL;
	pthread_mutex_unlock(&r->lock);
	return rec;
}

void
reader_stop(struct reader *r)
{
	int join;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	join = r->started;
	r->started = 0;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (join)
		pthread_join(r->th, NULL);
}

void
reader_free(struct reader *r)
{
	if (r == NULL)
		return;
	reader_stop(r);
	pd_records_free(r->pending);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
