/* heal.c: self-healing — detectors, the approval queue, the executor.
 *
 * One thread, started by backend_start when backend_config.heal is set,
 * ticks once a second:
 *
 *   lease      only one process per database runs the detectors; it holds
 *              the row of heal_lease and renews it each tick, another one
 *              takes it over once it is HEAL_LEASE_DEAD seconds old;
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
 * rejection, automatic approval and executed action is audited. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "backend/store/audit.h"
#include "backend/deploy/compose.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/heal/heal.h"
#include "backend/engine/inventory.h"
#include "backend/base/log.h"
#include "backend/model/model.h"
#include "backend/node/node.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/store/store.h"
#include "backend/engine/swarm.h"
#include "backend/node/tune.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#ifdef UNITTEST
#define STATIC
#else
#define STATIC static
#define HEAL_RING 32
struct heal_ring {
	time_t t[HEAL_RING];
	size_t n, head;
};
struct heal_hyst {
	int open;
	int quiet;
	time_t quiet_since;
};
enum heal_edge { HEAL_NONE, HEAL_OPENED, HEAL_RETURNED, HEAL_QUIETED, HEAL_CLOSED };
#endif

#define HEAL_TICK_MS 1000
#define HEAL_LEASE_DEAD 10          /* s: a lease not renewed for longer is free */
#define HEAL_MAX_JOBS 8
#define HEAL_EXITED_GRACE 10        /* s exited before "exited non-zero" is a finding */
#define HEAL_PULL_RECENT 600        /* s a failed pull stays a finding's evidence */
#define HEAL_LABEL_STACK "io.plantdeck.stack"

/* A container the detectors follow. */
struct heal_track {
	char node[PD_NAME_LEN];
	char name[PD_NAME_LEN];
	struct heal_ring dies, ooms;
	int last_exit;
	time_t exited_since;
	time_t seen;
	/* From the node's agent: anomalies since the last anomaly finding closed. */
	time_t anomaly_first, anomaly_last;
	int anomalies;
	char anomaly_sev[12];          /* the worst seen */
	char anomaly_text[PD_EVENT_TEXT_LEN];
	/* From the node's agent: a limit drifted (until drift_resolved). */
	int drifting;
	time_t drift_since;
	char drift_text[PD_EVENT_TEXT_LEN];
	int seeded;                    /* set from the database, no event since */
};

/* An open finding, as the detector thread keeps it. */
struct heal_fnd {
	int64_t id;
	enum pd_finding_kind kind;
	char node[PD_NAME_LEN];
	char container[PD_NAME_LEN];
	char stack[PD_NAME_LEN];
	char service[PD_NAME_LEN];
	struct heal_hyst hy;
	int active;                  /* this tick */
	int count;
	int stage;                   /* ladder index of the next proposal */
	int64_t live;                /* its proposal that is not over, 0 none */
	int blocked;                 /* rejected, or no stage left: nothing until it closes */
	char evidence[PD_ERROR_LEN];
};

/* An approved proposal being carried out and verified. */
struct heal_job {
	struct heal *h;
	struct pd_proposal p;        /* as claimed */
	pthread_t th;
	int done, ok;                /* under h->lock */
	char result[PD_ERROR_LEN];
	char node_after[PD_NAME_LEN];
	int verifying;
	time_t done_at, until;
	int failed_early;
	char fail_text[PD_ERROR_LEN];
};

struct heal {
	struct backend_config cfg;
	char db_path[4096];
	const struct inventory *inv;
	struct fleet *fleet;
	struct rollouts *ro;
	struct heal_timing tm;
	struct store *st;
	pthread_mutex_t lock;
	pthread_t th;
	int running, stop;
	char me[192];                /* the lease holder's name: "HOST pid N" */
	char actor[224];             /* for the audit: "heal on HOST pid N" */
	int leader;
	uint64_t last_seq;
	struct heal_track *tracks;
	size_t ntracks;
	struct heal_fnd *fnds;
	size_t nfnds;
	time_t *down_since;          /* per inventory node */
	struct engine **engines;     /* per inventory node, for the detector thread */
	char **stacks;
	size_t nstacks;
	time_t stacks_at, pulls_at;
	time_t pulls_seen;           /* failed pulls up to here are findings already */
	struct heal_job *jobs[HEAL_MAX_JOBS];
};

#define HEAL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- pure logic */

STATIC void
heal_ring_push(struct heal_ring *r, time_t t)
{
	r->t[(r->head + r->n) % HEAL_RING] = t;
	if (r->n == HEAL_RING)
		r->head = (r->head + 1) % HEAL_RING;
	else
		r->n++;
}

STATIC int
heal_ring_count(const struct heal_ring *r, time_t now, double window)
{
	int c = 0;

	for (size_t i = 0; i < r->n; i++) {
		time_t t = r->t[(r->head + i) % HEAL_RING];

		if (t <= now && (double)(now - t) < window)
			c++;
	}
	return c;
}

STATIC time_t
heal_ring_last(const struct heal_ring *r)
{
	time_t last = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->t[(r->head + i) % HEAL_RING] > last)
			last = r->t[(r->head + i) % HEAL_RING];
	return last;
}

/* One tick of a finding's hysteresis.  ACTIVE: the detector sees the
 * situation now; RESOLVED: it looks over (the two may both be false, e.g. a
 * container still starting).  A closed finding opens when active; an open
 * one goes quiet when resolved, closes after CLEAR_AFTER seconds of quiet,
 * and "returns" (counts up, stays one finding) when active again before. */
STATIC enum heal_edge
heal_hyst_step(struct heal_hyst *h, int active, int resolved, time_t now, double clear_after)
{
	if (!h->open) {
		if (!active)
			return HEAL_NONE;
		h->open = 1;
		h->quiet = 0;
		h->quiet_since = 0;
		return HEAL_OPENED;
	}
	if (active) {
		if (h->quiet) {
			h->quiet = 0;
			h->quiet_since = 0;
			return HEAL_RETURNED;
		}
		return HEAL_NONE;
	}
	if (!resolved) {
		/* Neither: keep the state (a quiet spell is not broken by "starting"). */
		return HEAL_NONE;
	}
	if (!h->quiet) {
		h->quiet = 1;
		h->quiet_since = now;
		return clear_after <= 0 ? (h->open = 0, HEAL_CLOSED) : HEAL_QUIETED;
	}
	if ((double)(now - h->quiet_since) >= clear_after) {
		h->open = 0;
		h->quiet = 0;
		return HEAL_CLOSED;
	}
	return HEAL_NONE;
}

STATIC uint64_t
heal_memory_next(uint64_t cur, int headroom, uint64_t max)
{
	const uint64_t mib = 1u << 20;
	uint64_t next;

	if (cur == 0 || headroom <= 0 || max == 0 || cur >= max)
		return 0;
	if (cur > UINT64_MAX / (uint64_t)(100 + headroom))
		return 0;
	next = cur * (uint64_t)(100 + headroom) / 100;
	next = (next + mib - 1) / mib * mib;
	if (next > max)
		next = max;
	return next > cur ? next : 0;
}

STATIC int
heal_split_name(const char *name, char *const *stacks, size_t n, char *stack, size_t stacklen,
    char *service, size_t servicelen)
{
	size_t best = 0, len;
	const char *svc, *dot;

	for (size_t i = 0; i < n; i++) {
		len = strlen(stacks[i]);
		if (len > best && strncmp(name, stacks[i], len) == 0 && name[len] == '-' &&
		    name[len + 1] != '\0')
			best = len;
	}
	if (best == 0)
		return 0;
	svc = name + best + 1;
	/* "STACK-SVC.rREV" is a set-aside container, not the current one. */
	dot = strrchr(svc, '.');
	if (dot != NULL && dot[1] == 'r' && dot[2] != '\0' &&
	    strspn(dot + 2, "0123456789") == strlen(dot + 2))
		return 0;
	snprintf(stack, stacklen, "%.*s", (int)best, name);
	snprintf(service, servicelen, "%s", svc);
	return 1;
}

STATIC int
heal_ladder(enum pd_finding_kind kind, int stage)
{
	static const int restart_ladder[] = { PD_HEAL_RESTART, PD_HEAL_RESCHEDULE,
	    PD_HEAL_ROLLBACK };
	static const int oom_ladder[] = { PD_HEAL_MEMORY, PD_HEAL_ROLLBACK };
	static const int anomaly_ladder[] = { PD_HEAL_QUARANTINE };
	static const int drift_ladder[] = { PD_HEAL_REAPPLY, PD_HEAL_RESTART };
	static const int stranded_ladder[] = { PD_HEAL_RESCHEDULE };

	if (stage < 0)
		return -1;
	switch (kind) {
	case PD_FIND_CRASH_LOOP:
	case PD_FIND_EXITED:
	case PD_FIND_UNHEALTHY:
	case PD_FIND_TASK_FAILING:
		return (size_t)stage < HEAL_NELEM(restart_ladder) ? restart_ladder[stage] : -1;
	case PD_FIND_OOM:
		return (size_t)stage < HEAL_NELEM(oom_ladder) ? oom_ladder[stage] : -1;
	case PD_FIND_ANOMALY:
		return (size_t)stage < HEAL_NELEM(anomaly_ladder) ? anomaly_ladder[stage] : -1;
	case PD_FIND_DRIFT:
		return (size_t)stage < HEAL_NELEM(drift_ladder) ? drift_ladder[stage] : -1;
	case PD_FIND_STRANDED:
		return (size_t)stage < HEAL_NELEM(stranded_ladder) ? stranded_ladder[stage] : -1;
	case PD_FIND_NODE_DOWN:
	case PD_FIND_PULL_FAILED:
		/* Reported: a node's own outage moves its stacks through their
		 * stranded findings; a failed pull is its deploy's to handle. */
		break;
	}
	return -1;
}

STATIC void
heal_snapshot_ref(const char *name, int64_t finding, char *out, size_t len)
{
	char repo[PD_NAME_LEN];
	size_t k = 0;

	/* A repository path component is [a-z0-9]+ joined by single '.', '_'
	 * or '-': lower-case the name, turn anything else into '-', and never
	 * start, end or double a separator. */
	for (const char *p = name; *p != '\0' && k + 1 < sizeof(repo) && k < 80; p++) {
		char ch = *p;
		int sep;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		sep = !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
		if (sep && (k == 0 || repo[k - 1] == '-' || repo[k - 1] == '.' || repo[k - 1] == '_'))
			continue;
		repo[k++] = sep ? (ch == '.' || ch == '_' ? ch : '-') : ch;
	}
	while (k > 0 && (repo[k - 1] == '-' || repo[k - 1] == '.' || repo[k - 1] == '_'))
		k--;
	repo[k] = '\0';
	snprintf(out, len, "plantdeck-quarantine/%s:finding-%lld", k ? repo : "container",
	    (long long)finding);
}

/* ---------------------------------------------------------------- database */

static const char heal_schema[] =
	"CREATE TABLE IF NOT EXISTS heal_findings ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL,"
	"  node TEXT NOT NULL,"
	"  container TEXT NOT NULL DEFAULT '',"
	"  stack TEXT NOT NULL DEFAULT '',"
	"  open INTEGER NOT NULL DEFAULT 1,"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  resolved INTEGER NOT NULL DEFAULT 0,"
	"  evidence TEXT);"
	"CREATE TABLE IF NOT EXISTS heal_proposals ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  finding INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  stage INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  node TEXT NOT NULL,"
	"  container TEXT NOT NULL DEFAULT '',"
	"  stack TEXT NOT NULL DEFAULT '',"
	"  to_node TEXT NOT NULL DEFAULT '',"
	"  to_revision INTEGER NOT NULL DEFAULT 0,"
	"  memory_from INTEGER NOT NULL DEFAULT 0,"
	"  memory_to INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT, evidence TEXT, expected TEXT, result TEXT,"
	"  automatic INTEGER NOT NULL DEFAULT 0,"
	"  decided_by TEXT, reject_reason TEXT, owner TEXT,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  decided INTEGER NOT NULL DEFAULT 0,"
	"  snapshot TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS heal_proposals_state ON heal_proposals (state, id);"
	"CREATE TABLE IF NOT EXISTS heal_cleanups ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  proposal INTEGER NOT NULL,"
	"  node TEXT NOT NULL,"
	"  stack TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  done INTEGER NOT NULL DEFAULT 0,"
	"  result TEXT);"
	"CREATE TABLE IF NOT EXISTS heal_lease ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  holder TEXT NOT NULL,"
	"  heartbeat INTEGER NOT NULL);";

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
			char *msg = NULL;

			store_lock(h->st);
			if (sqlite3_exec(store_sqlite(h->st), heal_schema, NULL, NULL, &msg) !=
			    SQLITE_OK) {
				snprintf(err, errlen, "%s: cannot create the heal tables: %s", path,
				    msg ? msg : "?");
				rc = -1;
			}
			sqlite3_free(msg);
			/* A database from before quarantine proposals lacks the column;
			 * where it has it, this fails harmlessly. */
			if (rc == 0)
				sqlite3_exec(store_sqlite(h->st), "ALTER TABLE heal_proposals ADD COLUMN"
				    " snapshot TEXT NOT NULL DEFAULT ''", NULL, NULL, NULL);
			store_unlock(h->st);
			if (rc != 0) {
				store_close(h->st);
				h->st = NULL;
			}
		}
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* Prepare SQL on the store (its lock held by the caller); NULL with ERR. */
static sqlite3_stmt *
heal_prepare(struct heal *h, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(store_sqlite(h->st), sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", store_path(h->st),
		    sqlite3_errmsg(store_sqlite(h->st)));
		return NULL;
	}
	return q;
}

static const char *
heal_col(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);

	return s != NULL ? (const char *)s : "";
}

/* Run one statement with text/integer parameters ("t" or "i" per char of
 * TYPES); returns the rows changed, or -1. */
static int
heal_exec(struct heal *h, const char *sql, const char *types, ...)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	va_list ap;
	int rc;

	store_lock(h->st);
	q = heal_prepare(h, sql, err, sizeof(err));
	if (q == NULL) {
		store_unlock(h->st);
		log_msg(LOG_ERROR, "heal: %s", err);
		return -1;
	}
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(q, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
	}
	va_end(ap);
	rc = sqlite3_step(q) == SQLITE_DONE ? sqlite3_changes(store_sqlite(h->st)) : -1;
	if (rc < 0)
		log_msg(LOG_ERROR, "heal: %s", sqlite3_errmsg(store_sqlite(h->st)));
	sqlite3_finalize(q);
	store_unlock(h->st);
	return rc;
}

#define HEAL_PROPOSAL_COLS \
	"id, finding, kind, stage, action, state, node, container, stack, to_node," \
	" to_revision, memory_from, memory_to, COALESCE(reason, ''), COALESCE(evidence, '')," \
	" COALESCE(expected, ''), COALESCE(result, ''), automatic, COALESCE(decided_by, '')," \
	" COALESCE(reject_reason, ''), created, updated, decided, snapshot"

static void
heal_proposal_row(sqlite3_stmt *q, struct pd_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(q, 0);
	p->finding = sqlite3_column_int64(q, 1);
	p->kind = pd_finding_kind_from_name(heal_col(q, 2));
	p->stage = sqlite3_column_int(q, 3);
	p->action = pd_heal_action_from_name(heal_col(q, 4));
	p->state = pd_proposal_state_from_name(heal_col(q, 5));
	snprintf(p->node, sizeof(p->node), "%s", heal_col(q, 6));
	snprintf(p->container, sizeof(p->container), "%s", heal_col(q, 7));
	snprintf(p->stack, sizeof(p->stack), "%s", heal_col(q, 8));
	snprintf(p->to_node, sizeof(p->to_node), "%s", heal_col(q, 9));
	p->to_revision = sqlite3_column_int(q, 10);
	p->memory_from = (uint64_t)sqlite3_column_int64(q, 11);
	p->memory_to = (uint64_t)sqlite3_column_int64(q, 12);
	snprintf(p->reason, sizeof(p->reason), "%s", heal_col(q, 13));
	snprintf(p->evidence, sizeof(p->evidence), "%s", heal_col(q, 14));
	snprintf(p->expected, sizeof(p->expected), "%s", heal_col(q, 15));
	snprintf(p->result, sizeof(p->result), "%s", heal_col(q, 16));
	p->automatic = sqlite3_column_int(q, 17);
	snprintf(p->decided_by, sizeof(p->decided_by), "%s", heal_col(q, 18));
	snprintf(p->reject_reason, sizeof(p->reject_reason), "%s", heal_col(q, 19));
	p->created = (time_t)sqlite3_column_int64(q, 20);
	p->updated = (time_t)sqlite3_column_int64(q, 21);
	p->decided = (time_t)sqlite3_column_int64(q, 22);
	snprintf(p->snapshot, sizeof(p->snapshot), "%s", heal_col(q, 23));
}

/* Proposal ID; 0, 1 when there is none, -1 with ERR. */
static int
heal_proposal_get(struct heal *h, int64_t id, struct pd_proposal *p, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	store_lock(h->st);
	q = heal_prepare(h, "SELECT " HEAL_PROPOSAL_COLS " FROM heal_proposals WHERE id = ?1",
	    err, errlen);
	if (q == NULL) {
		store_unlock(h->st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		heal_proposal_row(q, p);
	sqlite3_finalize(q);
	store_unlock(h->st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	snprintf(err, errlen, "%s: reading proposal #%lld failed", store_path(h->st),
	    (long long)id);
	return -1;
}

/* One line naming a proposal's target, for the audit and the log. */
static void
heal_target(const struct pd_proposal *p, char *out, size_t len)
{
	char what[160] = "";

	switch (p->action) {
	case PD_HEAL_RESCHEDULE:
		snprintf(what, sizeof(what), " to %s", p->to_node);
		break;
	case PD_HEAL_ROLLBACK:
		snprintf(what, sizeof(what), " to revision %d", p->to_revision);
		break;
	case PD_HEAL_MEMORY:
		snprintf(what, sizeof(what), " to %llu bytes", (unsigned long long)p->memory_to);
		break;
	case PD_HEAL_QUARANTINE:
		snprintf(what, sizeof(what), ", snapshot %s", p->snapshot);
		break;
	case PD_HEAL_RESTART:
	case PD_HEAL_REAPPLY:
		break;
	}
	/* Through Swarm; a stack revision (rollback) keeps its " to revision N". */
	if (p->kind == PD_FIND_TASK_FAILING && p->action == PD_HEAL_ROLLBACK)
		snprintf(what, sizeof(what), p->to_revision > 0 ? " to revision %d (through Swarm)" :
		    " (to its previous spec)", p->to_revision);
	else if (p->kind == PD_FIND_TASK_FAILING)
		snprintf(what, sizeof(what), "%s", p->action == PD_HEAL_RESTART ? " (force-update)" :
		    p->action == PD_HEAL_RESCHEDULE ? " (drain the node)" : "");
	snprintf(out, len, "proposal #%lld: %s node %s %s %s%s%s%s", (long long)p->id,
	    pd_heal_action_name(p->action), p->node,
	    p->kind == PD_FIND_TASK_FAILING ? "service" : "container", p->container,
	    p->stack[0] ? " (stack " : "", p->stack, p->stack[0] ? ")" : "");
	snprintf(out + strlen(out), len - strlen(out), "%s", what);
}

/* ---------------------------------------------------------------- lease */

/* Take or renew the lease; 1 when this process runs the detectors. */
static int
heal_lease(struct heal *h, time_t now)
{
	int rc = heal_exec(h, "INSERT INTO heal_lease (id, holder, heartbeat) VALUES (1, ?1, ?2)"
	    " ON CONFLICT (id) DO UPDATE SET holder = ?1, heartbeat = ?2"
	    " WHERE heal_lease.holder = ?1 OR heal_lease.heartbeat < ?2 - ?3",
	    "tii", h->me, (int64_t)now, (int64_t)HEAL_LEASE_DEAD);

	return rc == 1;
}

/* ---------------------------------------------------------------- the model */

static struct heal_track *
heal_track_get(struct heal *h, const char *node, const char *name, int create)
{
	struct heal_track *t;

	for (size_t i = 0; i < h->ntracks; i++)
		if (strcmp(h->tracks[i].node, node) == 0 && strcmp(h->tracks[i].name, name) == 0)
			return &h->tracks[i];
	if (!create)
		return NULL;
	t = realloc(h->tracks, (h->ntracks + 1) * sizeof(*t));
	if (t == NULL)
		return NULL;
	h->tracks = t;
	t = &h->tracks[h->ntracks++];
	memset(t, 0, sizeof(*t));
	snprintf(t->node, sizeof(t->node), "%s", node);
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->last_exit = -1;
	return t;
}

static struct heal_fnd *
heal_fnd_find(struct heal *h, enum pd_finding_kind kind, const char *node, const char *container)
{
	for (size_t i = 0; i < h->nfnds; i++)
		if (h->fnds[i].kind == kind && strcmp(h->fnds[i].node, node) == 0 &&
		    strcmp(h->fnds[i].container, container) == 0)
			return &h->fnds[i];
	return NULL;
}

static struct heal_fnd *
heal_fnd_by_id(struct heal *h, int64_t id)
{
	for (size_t i = 0; i < h->nfnds; i++)
		if (h->fnds[i].id == id)
			return &h->fnds[i];
	return NULL;
}

/* The container NAME of NODE in S, or NULL. */
static const struct pd_container *
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

static const struct pd_node *
heal_node(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].name, name) == 0)
			return &s->nodes[i];
	return NULL;
}

/* "12:03:04Z" */
static void
heal_hms(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%H:%M:%SZ", &tm);
}

/* The inventory index of NODE, or -1. */
static int
heal_inv_index(const struct heal *h, const char *node)
{
	for (size_t i = 0; i < h->inv->nnodes; i++)
		if (strcmp(h->inv->nodes[i].name, node) == 0)
			return (int)i;
	return -1;
}

/* An engine for NODE (created on first use), or NULL.  Detector thread only. */
static struct engine *
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

/* The last output of container NAME's healthcheck (inspect), made one line. */
static void
heal_health_output(struct engine *e, const char *name, char *out, size_t len)
{
	struct engine_reply rep;
	char path[400], *enc;
	cJSON *j, *log, *last, *o;

	out[0] = '\0';
	if (e == NULL)
		return;
	enc = curl_easy_escape(NULL, name, 0);
	snprintf(path, sizeof(path), "/containers/%s/json", enc != NULL ? enc : "");
	curl_free(enc);
	if (engine_call(e, "GET", path, NULL, &rep) == 0 && rep.body.data != NULL &&
	    (j = cJSON_Parse(rep.body.data)) != NULL) {
		log = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "State"), "Health"), "Log");
		last = cJSON_GetArrayItem(log, cJSON_GetArraySize(log) - 1);
		o = cJSON_GetObjectItemCaseSensitive(last, "Output");
		if (cJSON_IsString(o)) {
			size_t k = 0;

			/* Keep it one line; pd_sanitize makes the rest safe on output. */
			for (const char *p = o->valuestring; *p != '\0' && k + 1 < len; p++)
				out[k++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
			while (k > 0 && out[k - 1] == ' ')
				k--;
			out[k] = '\0';
		}
		cJSON_Delete(j);
	}
	engine_reply_free(&rep);
}

/* Re-read the stacks' names every 10 s. */
static void
heal_refresh_stacks(struct heal *h, time_t now)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	char **v = NULL;
	size_t n = 0;

	if (h->stacks != NULL && now - h->stacks_at < 10)
		return;
	h->stacks_at = now;
	store_lock(h->st);
	q = heal_prepare(h, "SELECT name FROM stacks ORDER BY name", err, sizeof(err));
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		char **nv = realloc(v, (n + 1) * sizeof(*v));

		if (nv == NULL)
			break;
		v = nv;
		if ((v[n] = strdup(heal_col(q, 0))) != NULL)
			n++;
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	for (size_t i = 0; i < h->nstacks; i++)
		free(h->stacks[i]);
	free(h->stacks);
	h->stacks = v != NULL ? v : calloc(1, sizeof(*v));
	h->nstacks = n;
}

/* ---------------------------------------------------------------- swarm */

static struct heal_fnd *heal_fnd_open(struct heal *h, enum pd_finding_kind kind,
    const char *node, const char *container, const char *stack, const char *service,
    const char *evidence, time_t now);
static void heal_fnd_supersede(struct heal *h, struct heal_fnd *f, int64_t by, time_t now);

/* Whether container C is a Swarm task's: Swarm restarts and replaces those
 * itself, so its service is what the detectors judge, not the container. */
static int
heal_is_task(const struct pd_snapshot *s, const struct pd_container *c)
{
	const char *dot = strrchr(c->name, '.');

	for (size_t i = 0; i < s->swarm.ntasks; i++)
		if (s->swarm.tasks[i].container_id[0] != '\0' &&
		    strcmp(s->swarm.tasks[i].container_id, c->id) == 0)
			return 1;
	/* Swarm names them SERVICE.SLOT.TASK or SERVICE.NODE.TASK, TASK being
	 * 25 lower-case letters and digits: one the task list no longer has. */
	return dot != NULL && dot != c->name && memchr(c->name, '.', (size_t)(dot - c->name)) &&
	    strlen(dot + 1) == 25 && strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz0123456789") == 25;
}

/* The swarm node the snapshot calls NAME (its inventory name, else its
 * hostname), or NULL. */
static const struct pd_swarm_node *
heal_swarm_node(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->swarm.nnodes; i++) {
		const struct pd_swarm_node *n = &s->swarm.nodes[i];

		if (strcmp(n->inventory[0] ? n->inventory : n->hostname, name) == 0)
			return n;
	}
	return NULL;
}

static const struct pd_swarm_service *
heal_swarm_service(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->swarm.nservices; i++)
		if (strcmp(s->swarm.services[i].name, name) == 0)
			return &s->swarm.services[i];
	return NULL;
}

/* Tasks of service SVC that failed on NODE ("": anywhere) after SINCE
 * (failed, rejected); the newest in *LAST (NULL when none). */
static int
heal_task_failures(const struct pd_snapshot *s, const char *svc, const char *node,
    time_t since, const struct pd_swarm_task **last)
{
	int n = 0;

	*last = NULL;
	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) != 0 || (node[0] != '\0' && strcmp(t->node, node) != 0) ||
		    (strcmp(t->state, "failed") != 0 && strcmp(t->state, "rejected") != 0) ||
		    t->since <= since)
			continue;
		n++;
		if (*last == NULL || t->since > (*last)->since)
			*last = t;
	}
	return n;
}

/* Tasks of service SVC meant to run and running: on NODE (NULL: anywhere). */
static int
heal_tasks_running(const struct pd_snapshot *s, const char *svc, const char *node)
{
	int n = 0;

	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) == 0 && (node == NULL || strcmp(t->node, node) == 0) &&
		    strcmp(t->desired_state, "running") == 0 && strcmp(t->state, "running") == 0)
			n++;
	}
	return n;
}

/* How many nodes other than the first failing one (FIRST) saw tasks of
 * SVC fail since SINCE. */
static int
heal_task_other_nodes(const struct pd_snapshot *s, const char *svc, time_t since,
    char *first, size_t firstlen)
{
	int others = 0;

	first[0] = '\0';
	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) != 0 || t->node[0] == '\0' || t->since <= since ||
		    (strcmp(t->state, "failed") != 0 && strcmp(t->state, "rejected") != 0))
			continue;
		if (first[0] == '\0')
			snprintf(first, firstlen, "%s", t->node);
		else if (strcmp(first, t->node) != 0)
			others++;
	}
	return others;
}

/* Open task_failing findings: a service's tasks failing on one node (that
 * node's finding), or on several (one finding of the service, node ""). */
static void
heal_detect_swarm(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	time_t since = now - (time_t)h->tm.crash_window;

	if (!s->swarm.active || !s->swarm.complete || s->swarm.stale)
		return;
	for (size_t i = 0; i < s->swarm.nservices; i++) {
		const struct pd_swarm_service *svc = &s->swarm.services[i];
		const struct pd_swarm_task *last;
		const struct pd_swarm_node *sn;
		struct heal_fnd *wide, *one;
		char node[PD_NAME_LEN];
		int others;

		if (heal_task_failures(s, svc->name, "", since, &last) < h->tm.crash_restarts)
			continue;
		others = heal_task_other_nodes(s, svc->name, since, node, sizeof(node));
		wide = heal_fnd_find(h, PD_FIND_TASK_FAILING, "", svc->name);
		if (others > 0) {
			if (wide != NULL)
				continue;
			wide = heal_fnd_open(h, PD_FIND_TASK_FAILING, "", svc->name, svc->stack, "",
			    "tasks failing on several nodes", now);
			if (wide == NULL)
				continue;
			/* One node's finding of it was the start of the same trouble. */
			for (size_t k = 0, wid = (size_t)wide->id; k < h->nfnds; k++)
				if (h->fnds[k].kind == PD_FIND_TASK_FAILING &&
				    strcmp(h->fnds[k].container, svc->name) == 0 &&
				    h->fnds[k].node[0] != '\0') {
					heal_fnd_supersede(h, &h->fnds[k], (int64_t)wid, now);
					break;
				}
			continue;
		}
		one = heal_fnd_find(h, PD_FIND_TASK_FAILING, node, svc->name);
		sn = heal_swarm_node(s, node);
		if (wide != NULL || one != NULL || sn == NULL ||
		    strcmp(sn->availability, "active") != 0 ||
		    heal_task_failures(s, svc->name, node, since, &last) < h->tm.crash_restarts)
			continue;
		heal_fnd_open(h, PD_FIND_TASK_FAILING, node, svc->name, svc->stack, "",
		    "tasks failing", now);
	}
}

/* ---------------------------------------------------------------- findings */

/* Record a new open finding; NULL when it cannot be. */
static struct heal_fnd *
heal_fnd_open(struct heal *h, enum pd_finding_kind kind, const char *node, const char *container,
    const char *stack, const char *service, const char *evidence, time_t now)
{
	struct heal_fnd *f;
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	int64_t id = 0;

	store_lock(h->st);
	q = heal_prepare(h, "INSERT INTO heal_findings (kind, node, container, stack, open, count,"
	    " first_seen, last_seen, evidence) VALUES (?1, ?2, ?3, ?4, 1, 1, ?5, ?5, ?6)",
	    err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_text(q, 1, pd_finding_kind_name(kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, container, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 4, stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 5, (int64_t)now);
		sqlite3_bind_text(q, 6, evidence, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(store_sqlite(h->st));
		sqlite3_finalize(q);
	}
	store_unlock(h->st);
	if (id == 0) {
		log_msg(LOG_ERROR, "heal: cannot record a finding");
		return NULL;
	}
	f = realloc(h->fnds, (h->nfnds + 1) * sizeof(*f));
	if (f == NULL)
		return NULL;
	h->fnds = f;
	f = &h->fnds[h->nfnds++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->kind = kind;
	snprintf(f->node, sizeof(f->node), "%s", node);
	snprintf(f->container, sizeof(f->container), "%s", container);
	snprintf(f->stack, sizeof(f->stack), "%s", stack);
	snprintf(f->service, sizeof(f->service), "%s", service);
	snprintf(f->evidence, sizeof(f->evidence), "%s", evidence);
	f->count = 1;
	f->hy.open = 1;
	f->active = 1;
	log_msg(LOG_INFO, "heal: finding #%lld: %s on %s %s", (long long)id,
	    pd_finding_kind_name(kind), node, container);
	return f;
}

/* Write F's evidence, count and last_seen. */
static void
heal_fnd_save(struct heal *h, const struct heal_fnd *f, time_t now)
{
	heal_exec(h, "UPDATE heal_findings SET evidence = ?1, count = ?2, last_seen = ?3,"
	    " node = ?4 WHERE id = ?5", "tiiti", f->evidence, (int64_t)f->count, (int64_t)now,
	    f->node, f->id);
}

/* Close finding F (it stayed resolved), expiring a pending proposal. */
static void
heal_fnd_close(struct heal *h, struct heal_fnd *f, time_t now)
{
	heal_exec(h, "UPDATE heal_findings SET open = 0, resolved = ?1 WHERE id = ?2", "ii",
	    (int64_t)now, f->id);
	if (f->live != 0)
		heal_exec(h, "UPDATE heal_proposals SET state = 'expired', updated = ?1,"
		    " result = 'expired: the finding resolved' WHERE id = ?2 AND state = 'pending'",
		    "ii", (int64_t)now, f->live);
	log_msg(LOG_INFO, "heal: finding #%lld resolved", (long long)f->id);
	if (f->kind == PD_FIND_ANOMALY) {
		struct heal_track *t = heal_track_get(h, f->node, f->container, 0);

		/* What comes after this finding is a new one. */
		if (t != NULL) {
			t->anomalies = 0;
			t->anomaly_first = t->anomaly_last = 0;
			t->anomaly_sev[0] = t->anomaly_text[0] = '\0';
		}
	}
	*f = h->fnds[--h->nfnds];
}

/* Close finding F because finding BY (of the same container) covers it; a
 * pending proposal of F expires, one in flight carries on. */
static void
heal_fnd_supersede(struct heal *h, struct heal_fnd *f, int64_t by, time_t now)
{
	char why[96];

	for (size_t j = 0; j < HEAL_MAX_JOBS; j++)
		if (h->jobs[j] != NULL && h->jobs[j]->p.finding == f->id)
			return;
	snprintf(why, sizeof(why), "expired: superseded by finding #%lld", (long long)by);
	heal_exec(h, "UPDATE heal_proposals SET state = 'expired', updated = ?1, result = ?2"
	    " WHERE finding = ?3 AND state = 'pending'", "iti", (int64_t)now, why, f->id);
	heal_exec(h, "UPDATE heal_findings SET open = 0, resolved = ?1 WHERE id = ?2", "ii",
	    (int64_t)now, f->id);
	log_msg(LOG_INFO, "heal: finding #%lld superseded by #%lld", (long long)f->id,
	    (long long)by);
	*f = h->fnds[--h->nfnds];
}

/* Whether a container counts as crash-looping, and as over it. */
static void
heal_cond_crash(const struct heal *h, const struct pd_container *c, const struct heal_track *t,
    time_t now, int *active, int *resolved)
{
	int n = t != NULL ? heal_ring_count(&t->dies, now, h->tm.crash_window) : 0;

	/* The engine's restart backoff doubles up to a minute: a container
	 * that has looped for a while exits less often than the window sees,
	 * but the engine says it is restarting and has restarted N times. */
	*active = c != NULL && (n >= h->tm.crash_restarts ||
	    (c->restart_count >= h->tm.crash_restarts && strcmp(c->state, "restarting") == 0));
	*resolved = c == NULL || (strcmp(c->state, "running") == 0 && n == 0);
}

/* Since when node N has been unreachable, when that is past node_grace;
 * else 0. */
static time_t
heal_down_since(const struct heal *h, const struct pd_node *n, time_t now)
{
	int i = n != NULL ? heal_inv_index(h, n->name) : -1;

	if (i < 0 || h->down_since[i] == 0 || (double)(now - h->down_since[i]) < h->tm.node_grace)
		return 0;
	return h->down_since[i];
}

/* Evaluate finding F on snapshot S: active/resolved, and its evidence. */
static void
heal_evaluate(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now,
    int *active, int *resolved)
{
	const struct pd_container *c = f->container[0] ?
	    heal_container(s, f->node, f->container) : NULL;
	struct heal_track *t = f->container[0] ?
	    heal_track_get(h, f->node, f->container, 0) : NULL;
	char at[16], lim[16], use[16];

	*active = *resolved = 0;
	switch (f->kind) {
	case PD_FIND_CRASH_LOOP: {
		int n = t != NULL ? heal_ring_count(&t->dies, now, h->tm.crash_window) : 0;

		heal_cond_crash(h, c, t, now, active, resolved);
		if (*active) {
			if (t != NULL && t->dies.n > 0) {
				heal_hms(heal_ring_last(&t->dies), at, sizeof(at));
				snprintf(f->evidence, sizeof(f->evidence), "%d exits in the last %.0fs, "
				    "the last at %s with exit code %d; state %s, restart count %d", n,
				    h->tm.crash_window, at, t->last_exit, c->state, c->restart_count);
			} else {
				snprintf(f->evidence, sizeof(f->evidence), "%d exits in the last %.0fs; "
				    "state %s, restart count %d, exit code %d", n, h->tm.crash_window,
				    c->state, c->restart_count, c->exit_code);
			}
		}
		break;
	}
	case PD_FIND_EXITED:
		*active = c != NULL && strcmp(c->state, "exited") == 0 && c->exit_code != 0 &&
		    t != NULL && t->exited_since != 0 && now - t->exited_since >= HEAL_EXITED_GRACE;
		*resolved = c == NULL || strcmp(c->state, "running") == 0;
		if (*active) {
			heal_hms(c->finished_at ? c->finished_at : t->exited_since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "exited with code %d at %s and "
			    "was not restarted", c->exit_code, at);
		}
		break;
	case PD_FIND_OOM: {
		time_t last = t != NULL ? heal_ring_last(&t->ooms) : 0;
		int n = t != NULL ? heal_ring_count(&t->ooms, now, h->tm.oom_window) : 0;

		*active = c != NULL && last != 0 && (double)(now - last) < h->tm.oom_window;
		*resolved = c == NULL || (strcmp(c->state, "running") == 0 && !*active);
		if (*active) {
			heal_hms(last, at, sizeof(at));
			pd_format_bytes(lim, sizeof(lim), c->mem_limit);
			pd_format_bytes(use, sizeof(use), c->mem_usage);
			snprintf(f->evidence, sizeof(f->evidence), "%d oom event%s in the last %.0fs, "
			    "the last at %s; state %s; memory limit %s, usage %s (last sample)", n,
			    n == 1 ? "" : "s", h->tm.oom_window, at, c->state,
			    c->mem_limit ? lim : "-", c->mem_usage ? use : "-");
		}
		break;
	}
	case PD_FIND_UNHEALTHY:
		/* Unhealthy while running; a container that exits is another finding's. */
		*active = c != NULL && c->health == PD_HEALTH_UNHEALTHY &&
		    strcmp(c->state, "running") == 0;
		*resolved = c == NULL || c->health == PD_HEALTH_HEALTHY ||
		    c->health == PD_HEALTH_NONE || strcmp(c->state, "running") != 0;
		break;
	case PD_FIND_NODE_DOWN: {
		const struct pd_node *n = heal_node(s, f->node);
		time_t since = heal_down_since(h, n, now);

		*active = since != 0;
		*resolved = n == NULL || n->reach == PD_REACH_UP;
		if (*active) {
			heal_hms(since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "unreachable (%s) since %s: %s",
			    pd_reach_name(n->reach), at, n->error);
		}
		break;
	}
	case PD_FIND_PULL_FAILED:
		/* Opened from the deploy records; it closes after clear_after. */
		*active = 0;
		*resolved = 1;
		break;
	case PD_FIND_ANOMALY:
		/* A security finding does not resolve by itself when the intruder
		 * goes quiet: only quarantine (paused) or the container's removal
		 * ends it, or an engineer's rejection stops its proposals. */
		*active = c != NULL && t != NULL && t->anomalies > 0 &&
		    strcmp(c->state, "paused") != 0;
		*resolved = c == NULL || strcmp(c->state, "paused") == 0;
		if (*active && !t->seeded) {
			char first[16];

			heal_hms(t->anomaly_first, first, sizeof(first));
			heal_hms(t->anomaly_last, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "%d anomal%s caught by the agent on "
			    "%s since %s, the last at %s; the worst (%s): %s", t->anomalies,
			    t->anomalies == 1 ? "y" : "ies", f->node, first, at, t->anomaly_sev,
			    t->anomaly_text);
			if (t->anomalies > f->count)
				f->count = t->anomalies;
		}
		break;
	case PD_FIND_DRIFT:
		*active = c != NULL && t != NULL && t->drifting && strcmp(c->state, "running") == 0;
		*resolved = c == NULL || (t != NULL && !t->drifting);
		if (*active && !t->seeded) {
			heal_hms(t->drift_since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "the agent on %s reports since %s: %s",
			    f->node, at, t->drift_text);
		}
		break;
	case PD_FIND_TASK_FAILING: {
		const struct pd_swarm_node *sn = heal_swarm_node(s, f->node);
		const struct pd_swarm_task *last;
		int k;

		if (!s->swarm.complete || s->swarm.stale)
			break;              /* no fresh word from a manager: keep the state */
		k = heal_task_failures(s, f->container, f->node, now - (time_t)h->tm.crash_window,
		    &last);
		if (f->node[0] == '\0') {
			/* The service's: over when it fails nowhere and runs. */
			*active = k >= h->tm.crash_restarts;
			*resolved = heal_swarm_service(s, f->container) == NULL ||
			    (k == 0 && heal_tasks_running(s, f->container, NULL) > 0);
		} else {
			*active = k >= h->tm.crash_restarts && sn != NULL &&
			    strcmp(sn->availability, "active") == 0;
			/* Over when it runs there again, or no longer can (drained, gone). */
			*resolved = heal_swarm_service(s, f->container) == NULL || sn == NULL ||
			    strcmp(sn->availability, "active") != 0 ||
			    (k == 0 && heal_tasks_running(s, f->container, f->node) > 0);
		}
		if (*active && last != NULL) {
			heal_hms(last->since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "%d tasks of service %s failed on "
			    "%s in the last %.0fs, the last at %s on %s (%s, exit code %d): %s", k,
			    f->container, f->node[0] ? f->node : "several nodes", h->tm.crash_window,
			    at, last->node, last->state, last->exit_code,
			    last->error[0] ? last->error : last->message);
			if (k > f->count)
				f->count = k;
		}
		break;
	}
	case PD_FIND_STRANDED: {
		const struct pd_node *n = heal_node(s, f->node);
		time_t since = heal_down_since(h, n, now);

		*active = c != NULL && since != 0;
		*resolved = c == NULL || n == NULL || n->reach == PD_REACH_UP;
		if (*active) {
			heal_hms(since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "node %s unreachable (%s) since %s: "
			    "%s; %s of stack %s was %s there when last seen", f->node,
			    pd_reach_name(n->reach), at, n->error, f->container, f->stack, c->state);
		}
		break;
	}
	}
}

/* The name of event E's container: an agent names one that its engine did
 * not know by its short id, which the snapshot may know by name. */
static const char *
heal_event_container(const struct pd_snapshot *s, const struct pd_event *e)
{
	size_t len = strlen(e->container);

	if (e->kind != PD_EV_ANOMALY || len != 12 ||
	    strspn(e->container, "0123456789abcdef") != len)
		return e->container;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (strcmp(n->name, e->node) != 0)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			if (strncmp(c->id, e->container, len) == 0 && c->name[0] != '\0')
				return c->name;
		}
	}
	return e->container;
}

/* Whether agent event E is an anomaly that the policy makes a finding of. */
static int
heal_is_anomaly(const struct heal *h, const struct pd_event *e)
{
	if (e->kind != PD_EV_ANOMALY || (strcmp(e->action, "signal") != 0 &&
	    strcmp(e->action, "exec") != 0 && strcmp(e->action, "ptrace") != 0))
		return 0;
	if (strcmp(e->severity, "critical") == 0)
		return 1;
	return strcmp(e->severity, "warning") == 0 && !h->inv->heal.anomaly_critical_only;
}

/* Feed agent event E (anomaly, drift) to track T. */
static void
heal_agent_event(struct heal *h, struct heal_track *t, const struct pd_event *e)
{
	if (t->seeded) {
		t->seeded = 0;
		t->anomaly_sev[0] = '\0';
	}
	if (heal_is_anomaly(h, e)) {
		if (t->anomalies == 0)
			t->anomaly_first = e->time;
		t->anomalies++;
		if (e->time >= t->anomaly_last)
			t->anomaly_last = e->time;
		if (t->anomaly_sev[0] == '\0' || strcmp(e->severity, "critical") == 0) {
			snprintf(t->anomaly_sev, sizeof(t->anomaly_sev), "%s", e->severity);
			snprintf(t->anomaly_text, sizeof(t->anomaly_text), "%s", e->text);
		}
	} else if (e->kind == PD_EV_ANOMALY && strcmp(e->action, "drift") == 0) {
		if (!t->drifting)
			t->drift_since = e->time;
		t->drifting = 1;
		snprintf(t->drift_text, sizeof(t->drift_text), "%s", e->text);
	} else if (e->kind == PD_EV_ANOMALY && strcmp(e->action, "drift_resolved") == 0) {
		t->drifting = 0;
	}
}

/* Whether event E, seen while verifying JOB, shows that its action did not help. */
static int
heal_event_fails(const struct heal_job *job, const struct pd_event *e)
{
	switch (job->p.action) {
	case PD_HEAL_QUARANTINE:
		/* Someone let it run again, or it went while it was to be kept. */
		return e->kind == PD_EV_CONTAINER && (strcmp(e->action, "unpause") == 0 ||
		    strcmp(e->action, "destroy") == 0);
	case PD_HEAL_REAPPLY:
		if (e->kind == PD_EV_ANOMALY)
			return strcmp(e->action, "drift") == 0;
		break;
	case PD_HEAL_MEMORY:
		return e->kind == PD_EV_CONTAINER && strcmp(e->action, "oom") == 0;
	case PD_HEAL_RESTART:
	case PD_HEAL_RESCHEDULE:
	case PD_HEAL_ROLLBACK:
		if (job->p.kind == PD_FIND_OOM)
			return e->kind == PD_EV_CONTAINER && strcmp(e->action, "oom") == 0;
		break;
	}
	return e->kind == PD_EV_CONTAINER && (strcmp(e->action, "die") == 0 ||
	    strcmp(e->action, "oom") == 0 ||
	    (strcmp(e->action, "health") == 0 && strcmp(e->text, "unhealthy") == 0));
}

/* Feed the events newer than the last tick to the tracks and the jobs. */
static void
heal_events(struct heal *h, const struct pd_snapshot *s)
{
	uint64_t top = h->last_seq;

	for (size_t k = s->nevents; k-- > 0;) {
		const struct pd_event *e = &s->events[k];
		struct heal_track *t;
		const char *name;

		if (e->seq <= h->last_seq || e->kind == PD_EV_NODE || e->container[0] == '\0') {
			if (e->seq > top)
				top = e->seq;
			continue;
		}
		if (e->seq > top)
			top = e->seq;
		name = heal_event_container(s, e);
		t = heal_track_get(h, e->node, name, 1);
		if (t != NULL && e->kind == PD_EV_ANOMALY) {
			heal_agent_event(h, t, e);
		} else if (t != NULL && strcmp(e->action, "die") == 0) {
			heal_ring_push(&t->dies, e->time);
			if (strncmp(e->text, "exit code ", 10) == 0)
				t->last_exit = (int)strtol(e->text + 10, NULL, 10);
		} else if (t != NULL && strcmp(e->action, "oom") == 0) {
			heal_ring_push(&t->ooms, e->time);
		}
		for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
			struct heal_job *job = h->jobs[j];
			const char *node;
			int bad;

			if (job == NULL || !job->verifying || job->failed_early || e->time <= job->done_at)
				continue;
			node = job->node_after[0] ? job->node_after : job->p.node;
			if (strcmp(node, e->node) != 0 || strcmp(job->p.container, name) != 0)
				continue;
			bad = heal_event_fails(job, e);
			if (bad) {
				char at[16];

				heal_hms(e->time, at, sizeof(at));
				job->failed_early = 1;
				snprintf(job->fail_text, sizeof(job->fail_text), "%s (%s) at %s",
				    e->action, e->text, at);
			}
		}
	}
	h->last_seq = top;
}

/* Whether an action in flight moves container NAME onto NODE (a
 * reschedule): what it sees there is its finding's, not a new one. */
static int
heal_moving_to(const struct heal *h, const char *node, const char *name)
{
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		const struct heal_job *job = h->jobs[j];

		if (job != NULL && strcmp(job->p.container, name) == 0 &&
		    job->p.action == PD_HEAL_RESCHEDULE && strcmp(job->p.to_node, node) == 0)
			return 1;
	}
	return 0;
}

/* Open findings for what the snapshot shows now. */
static void
heal_detect(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	char stack[PD_NAME_LEN], service[PD_NAME_LEN], out[PD_LINE_LEN], ev[PD_ERROR_LEN];

	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];
		int ix = heal_inv_index(h, n->name);

		if (ix >= 0) {
			if (n->reach == PD_REACH_DOWN || n->reach == PD_REACH_STALE) {
				if (h->down_since[ix] == 0)
					h->down_since[ix] = now;
			} else {
				h->down_since[ix] = 0;
			}
			if (heal_down_since(h, n, now) != 0 &&
			    heal_fnd_find(h, PD_FIND_NODE_DOWN, n->name, "") == NULL)
				heal_fnd_open(h, PD_FIND_NODE_DOWN, n->name, "", "", "",
				    "unreachable", now);
		}
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];
			struct heal_track *t;
			int is_stack, active, resolved;

			if (c->name[0] == '\0' || strcmp(c->id, n->agent) == 0)
				continue;
			is_stack = heal_split_name(c->name, h->stacks, h->nstacks, stack,
			    sizeof(stack), service, sizeof(service));
			if (!is_stack) {
				char base[PD_NAME_LEN], *dot;

				stack[0] = service[0] = '\0';
				/* A stack's set-aside container ("NAME.rREV") is none of ours. */
				snprintf(base, sizeof(base), "%s", c->name);
				dot = strrchr(base, '.');
				if (dot != NULL && dot[1] == 'r') {
					*dot = '\0';
					if (heal_split_name(base, h->stacks, h->nstacks, ev, sizeof(ev), out,
					    sizeof(out)))
						continue;
				}
			}
			t = heal_track_get(h, n->name, c->name, 1);
			if (t == NULL || heal_moving_to(h, n->name, c->name))
				continue;
			t->seen = now;
			if (strcmp(c->state, "exited") == 0) {
				if (t->exited_since == 0)
					t->exited_since = now;
			} else {
				t->exited_since = 0;
			}
			if (heal_is_task(s, c))
				goto agent_findings;
			heal_cond_crash(h, c, t, now, &active, &resolved);
			if (active && heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL) {
				struct heal_fnd *cl = heal_fnd_open(h, PD_FIND_CRASH_LOOP, n->name,
				    c->name, stack, service, "crash loop", now);
				struct heal_fnd *uh = heal_fnd_find(h, PD_FIND_UNHEALTHY, n->name, c->name);

				/* Failing checks before the exits were the same trouble. */
				if (cl != NULL && uh != NULL)
					heal_fnd_supersede(h, uh, cl->id, now);
			}
			if (is_stack && strcmp(c->state, "exited") == 0 && c->exit_code != 0 &&
			    now - t->exited_since >= HEAL_EXITED_GRACE &&
			    heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_OOM, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_EXITED, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_EXITED, n->name, c->name, stack, service,
				    "exited", now);
			if (heal_ring_last(&t->ooms) != 0 &&
			    (double)(now - heal_ring_last(&t->ooms)) < h->tm.oom_window &&
			    heal_fnd_find(h, PD_FIND_OOM, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_OOM, n->name, c->name, stack, service, "oom", now);
			if (c->health == PD_HEALTH_UNHEALTHY && strcmp(c->state, "running") == 0 &&
			    heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_UNHEALTHY, n->name, c->name) == NULL) {
				char at[16];

				heal_health_output(heal_engine(h, n->name), c->name, out, sizeof(out));
				heal_hms(now, at, sizeof(at));
				snprintf(ev, sizeof(ev), "unhealthy since %s; last check: %s", at,
				    out[0] ? out : "(no output)");
				heal_fnd_open(h, PD_FIND_UNHEALTHY, n->name, c->name, stack, service, ev,
				    now);
			}
agent_findings:
			if (t->anomalies > 0 && strcmp(c->state, "paused") != 0 &&
			    heal_fnd_find(h, PD_FIND_ANOMALY, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_ANOMALY, n->name, c->name, stack, service,
				    t->anomaly_text, now);
			if (t->drifting && heal_fnd_find(h, PD_FIND_DRIFT, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_DRIFT, n->name, c->name, stack, service,
				    t->drift_text, now);
			if (is_stack && heal_down_since(h, n, now) != 0 &&
			    heal_fnd_find(h, PD_FIND_STRANDED, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_STRANDED, n->name, c->name, stack, service,
				    "its node is unreachable", now);
		}
	}
}

/* Findings from the deploy records: nodes whose pull failed lately. */
static void
heal_detect_pulls(struct heal *h, time_t now)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	struct {
		char node[PD_NAME_LEN], stack[PD_NAME_LEN], ev[PD_ERROR_LEN];
	} found[16];
	size_t n = 0;

	if (now - h->pulls_at < 10)
		return;
	h->pulls_at = now;
	store_lock(h->st);
	q = heal_prepare(h, "SELECT d.id, d.stack, n.node, COALESCE(n.error, ''), n.updated"
	    " FROM deploy_nodes n JOIN deploys d ON d.id = n.deploy WHERE n.phase = 'failed'"
	    " AND n.step LIKE 'pull%' AND n.updated > ?1 ORDER BY d.id DESC LIMIT 16",
	    err, sizeof(err));
	/* Each failed pull makes one finding: one that closed does not come back. */
	if (q != NULL)
		sqlite3_bind_int64(q, 1, (int64_t)(h->pulls_seen > now - HEAL_PULL_RECENT ?
		    h->pulls_seen : now - HEAL_PULL_RECENT));
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && n < 16) {
		char at[16];

		if ((time_t)sqlite3_column_int64(q, 4) > h->pulls_seen)
			h->pulls_seen = (time_t)sqlite3_column_int64(q, 4);

		heal_hms((time_t)sqlite3_column_int64(q, 4), at, sizeof(at));
		snprintf(found[n].stack, sizeof(found[n].stack), "%s", heal_col(q, 1));
		snprintf(found[n].node, sizeof(found[n].node), "%s", heal_col(q, 2));
		snprintf(found[n].ev, sizeof(found[n].ev), "deploy #%lld of stack %s could not "
		    "pull at %s: %s", (long long)sqlite3_column_int64(q, 0), heal_col(q, 1), at,
		    heal_col(q, 3));
		n++;
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	for (size_t i = 0; i < n; i++) {
		int seen = 0;

		for (size_t k = 0; k < h->nfnds; k++)
			seen |= h->fnds[k].kind == PD_FIND_PULL_FAILED &&
			    strcmp(h->fnds[k].node, found[i].node) == 0 &&
			    strcmp(h->fnds[k].stack, found[i].stack) == 0;
		if (!seen)
			heal_fnd_open(h, PD_FIND_PULL_FAILED, found[i].node, "", found[i].stack, "",
			    found[i].ev, now);
	}
}

/* ---------------------------------------------------------------- proposals */

/* The kept revision of STACK before its current one; 0 when there is none. */
static int
heal_previous_revision(struct heal *h, const char *stack, int *current)
{
	struct pd_revision *v = NULL;
	size_t n = 0;
	char err[PD_ERROR_LEN];
	int cur = 0, prev = 0;

	*current = 0;
	if (store_stack_current(h->st, stack, &cur, err, sizeof(err)) != 0 || cur == 0)
		return 0;
	if (store_revisions(h->st, stack, &v, &n, err, sizeof(err)) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].revision < cur && v[i].revision > prev)
			prev = v[i].revision;
	free(v);
	*current = cur;
	return prev;
}

/* A node for STACK other than FROM: it matches the stack's placement, is up,
 * does not run the stack's container NAME yet, and has memory for NEED
 * bytes; the one running the fewest containers.  1 with OUT, else 0. */
static int
heal_pick_node(struct heal *h, const struct pd_snapshot *s, const char *stack,
    const char *from, const char *name, uint64_t need, char *out, size_t outlen)
{
	struct compose_stack *spec = NULL;
	struct inv_selector *place = NULL;
	char err[PD_ERROR_LEN], *json = NULL;
	int cur = 0, best = -1, found = 0;

	if (store_stack_current(h->st, stack, &cur, err, sizeof(err)) != 0 || cur == 0 ||
	    store_revision_spec(h->st, stack, cur, &json, err, sizeof(err)) != 0)
		return 0;
	if (compose_from_json(json, &spec, err, sizeof(err)) != 0) {
		free(json);
		return 0;
	}
	free(json);
	if (spec->placement != NULL &&
	    inventory_selector_parse(spec->placement, &place, err, sizeof(err)) != 0) {
		compose_free(spec);
		return 0;
	}
	for (size_t i = 0; i < h->inv->nnodes; i++) {
		const struct inv_node *in = &h->inv->nodes[i];
		const struct pd_node *n = heal_node(s, in->name);
		uint64_t used = 0;

		if (strcmp(in->name, from) == 0 || n == NULL || n->reach != PD_REACH_UP ||
		    (place != NULL && !inventory_selector_match(place, in)) ||
		    heal_container(s, in->name, name) != NULL)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++)
			used += s->containers[n->first_container + k].mem_usage;
		if (n->mem_total != 0 && used + need > n->mem_total)
			continue;
		if (best < 0 || n->total < best) {
			best = n->total;
			snprintf(out, outlen, "%s", in->name);
			found = 1;
		}
	}
	inventory_selector_free(place);
	compose_free(spec);
	return found;
}

/* Whether heal.auto approves ACTION for STACK. */
static int
heal_auto(const struct heal *h, const char *stack, enum pd_heal_action action)
{
	static const unsigned bits[] = {
		[PD_HEAL_RESTART] = INV_HEAL_RESTART,
		[PD_HEAL_RESCHEDULE] = INV_HEAL_RESCHEDULE,
		[PD_HEAL_ROLLBACK] = INV_HEAL_ROLLBACK,
		[PD_HEAL_MEMORY] = INV_HEAL_MEMORY,
		[PD_HEAL_QUARANTINE] = INV_HEAL_QUARANTINE,
		[PD_HEAL_REAPPLY] = INV_HEAL_REAPPLY,
	};

	if (stack[0] == '\0')
		return 0;
	for (size_t i = 0; i < h->inv->heal.nautos; i++)
		if (strcmp(h->inv->heal.autos[i].stack, stack) == 0 &&
		    (h->inv->heal.autos[i].actions & bits[action]) != 0)
			return 1;
	return 0;
}

/* One call to the swarm through its managers; the reply's JSON in *JSON
 * (may be NULL).  0, or -1 with ERR. */
static int
heal_swarm_call(struct heal *h, const char *method, const char *path, const char *body,
    cJSON **json, char *err, size_t errlen)
{
	struct swarm *sw = fleet_swarm(h->fleet);
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (sw == NULL) {
		snprintf(err, errlen, "no swarm manager in the inventory");
		return -1;
	}
	rc = swarm_call(sw, method, path, body, 30000, &rep, NULL, 0);
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL)
		*json = cJSON_Parse(rep.body.data);
	engine_reply_free(&rep);
	return rc;
}

/* The image of a service Spec, or "". */
static const char *
heal_spec_image(const cJSON *spec)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate"), "ContainerSpec"), "Image");

	return cJSON_IsString(i) ? i->valuestring : "";
}

/* The Spec of service NAME (a new object) and its version; whether its
 * PreviousSpec runs another image (what a rollback would change) in
 * *HAS_PREVIOUS.  NULL with ERR. */
static cJSON *
heal_service_spec(struct heal *h, const char *name, uint64_t *version, int *has_previous,
    char *err, size_t errlen)
{
	char path[400], *enc = curl_easy_escape(NULL, name, 0);
	cJSON *j = NULL, *spec, *v;

	snprintf(path, sizeof(path), "/services/%s", enc != NULL ? enc : "");
	curl_free(enc);
	if (heal_swarm_call(h, "GET", path, NULL, &j, err, errlen) != 0)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Version"),
	    "Index");
	spec = cJSON_DetachItemFromObjectCaseSensitive(j, "Spec");
	if (!cJSON_IsNumber(v) || !cJSON_IsObject(spec)) {
		snprintf(err, errlen, "service %s: the manager's answer has no Spec or Version", name);
		cJSON_Delete(spec);
		cJSON_Delete(j);
		return NULL;
	}
	*version = (uint64_t)v->valuedouble;
	if (has_previous != NULL) {
		const cJSON *prev = cJSON_GetObjectItemCaseSensitive(j, "PreviousSpec");

		/* A force-update (a heal restart) is a previous spec too: rolling
		 * back to the same image would change nothing. */
		*has_previous = cJSON_IsObject(prev) &&
		    strcmp(heal_spec_image(prev), heal_spec_image(spec)) != 0;
	}
	cJSON_Delete(j);
	return spec;
}

/* P for ACTION on finding F: its target and evidence, the rest empty. */
static void
heal_proposal_init(const struct heal_fnd *f, enum pd_heal_action action, struct pd_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->action = action;
	p->kind = f->kind;
	snprintf(p->node, sizeof(p->node), "%s", f->node);
	snprintf(p->container, sizeof(p->container), "%s", f->container);
	snprintf(p->stack, sizeof(p->stack), "%s", f->stack);
	snprintf(p->evidence, sizeof(p->evidence), "%s", f->evidence);
}

/* Fill P for ACTION on task_failing finding F (a Swarm service on a node):
 * restart is a force-update, reschedule a drain of the node, rollback the
 * service's own rollback.  1 when it applies now, else 0. */
static int
heal_prepare_swarm(struct heal *h, const struct heal_fnd *f, const struct pd_snapshot *s,
    enum pd_heal_action action, struct pd_proposal *p)
{
	const struct pd_swarm_service *svc = heal_swarm_service(s, f->container);
	double w = h->tm.verify_window;
	const char *where = f->node[0] ? f->node : "several nodes";
	int others = 0, elsewhere;

	if (svc == NULL || (f->node[0] != '\0' && heal_swarm_node(s, f->node) == NULL))
		return 0;
	heal_proposal_init(f, action, p);
	elsewhere = f->node[0] == '\0' ? 0 : heal_tasks_running(s, f->container, NULL) -
	    heal_tasks_running(s, f->container, f->node);
	switch (action) {
	case PD_HEAL_RESTART:
		if (f->node[0] == '\0')
			return 0;     /* failing everywhere: its spec, not a task, is at fault */
		snprintf(p->reason, sizeof(p->reason), "tasks of service %s keep failing on %s: a "
		    "force-update replaces every task of it (Swarm's own restart), which clears "
		    "what a task carries", f->container, where);
		snprintf(p->expected, sizeof(p->expected), "service %s's tasks are replaced, and "
		    "none fails on %s within %.0fs", f->container, f->node[0] ? f->node : "any node",
		    w);
		return 1;
	case PD_HEAL_RESCHEDULE:
		if (f->node[0] == '\0')
			return 0;     /* it fails on several nodes: no node is to blame */
		for (size_t i = 0; i < s->swarm.nnodes; i++) {
			const struct pd_swarm_node *n = &s->swarm.nodes[i];

			others += strcmp(n->inventory[0] ? n->inventory : n->hostname, f->node) != 0 &&
			    strcmp(n->state, "ready") == 0 && strcmp(n->availability, "active") == 0;
		}
		if (others == 0)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "tasks of service %s still fail on %s after "
		    "a restart%s: the node itself may be at fault; draining it makes Swarm move "
		    "every task off it (undone with docker node update --availability active)",
		    f->container, f->node, elsewhere > 0 ? ", and run elsewhere" : "");
		snprintf(p->expected, sizeof(p->expected), "%s is drained, no task of %s runs "
		    "there, and %s runs its tasks on the %d other ready node%s within %.0fs",
		    f->node, f->container, f->container, others, others == 1 ? "" : "s", w);
		return 1;
	case PD_HEAL_ROLLBACK: {
		char err[PD_ERROR_LEN];
		uint64_t version;
		int prev = 0, cur;
		cJSON *spec;

		/* A stack plantdeck deployed goes back by its own revisions (so its
		 * records stay true); any other service by Swarm's rollback. */
		if (f->stack[0] != '\0' &&
		    (p->to_revision = heal_previous_revision(h, f->stack, &cur)) > 0) {
			snprintf(p->reason, sizeof(p->reason), "service %s fails %s: revision %d of "
			    "stack %s is likely at fault", f->container, f->node[0] ?
			    "after a restart and on another node" : "on several nodes", cur, f->stack);
			snprintf(p->expected, sizeof(p->expected), "stack %s runs revision %d again "
			    "through Swarm (plantdeck rollout, its placement kept) and the tasks of %s "
			    "run without failing within %.0fs", f->stack, p->to_revision, f->container,
			    w);
			return 1;
		}
		spec = heal_service_spec(h, f->container, &version, &prev, err, sizeof(err));
		cJSON_Delete(spec);
		if (spec == NULL || !prev)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "service %s fails %s: its current spec "
		    "(image %s) is likely at fault, and its previous one ran another image",
		    f->container, f->node[0] ? "after a restart and on another node" :
		    "on several nodes", svc->image);
		snprintf(p->expected, sizeof(p->expected), "service %s is back on its previous "
		    "spec (Swarm's rollback) and its tasks run without failing within %.0fs",
		    f->container, w);
		return 1;
	}
	default:
		return 0;
	}
}

/* Fill P for ACTION on finding F when it applies now; 1, else 0. */
static int
heal_prepare_action(struct heal *h, const struct heal_fnd *f, const struct pd_snapshot *s,
    enum pd_heal_action action, struct pd_proposal *p)
{
	const struct pd_container *c = heal_container(s, f->node, f->container);
	char a[16], b[16];
	double w = h->tm.verify_window;

	if (f->kind == PD_FIND_TASK_FAILING)
		return heal_prepare_swarm(h, f, s, action, p);
	if (c == NULL)
		return 0;
	heal_proposal_init(f, action, p);
	switch (action) {
	case PD_HEAL_RESTART:
		snprintf(p->reason, sizeof(p->reason), "%s: a restart clears a stuck process or a "
		    "transient fault, and costs the least", pd_finding_kind_name(f->kind));
		snprintf(p->expected, sizeof(p->expected), "%s runs%s and does not exit again "
		    "within %.0fs", f->container, f->kind == PD_FIND_UNHEALTHY ? ", healthy," : "", w);
		return 1;
	case PD_HEAL_RESCHEDULE: {
		uint64_t need = c->mem_usage > (64u << 20) ? c->mem_usage : (64u << 20);

		if (f->stack[0] == '\0' || !heal_pick_node(h, s, f->stack, f->node, f->container,
		    need, p->to_node, sizeof(p->to_node)))
			return 0;
		if (f->kind == PD_FIND_STRANDED) {
			snprintf(p->reason, sizeof(p->reason), "node %s has been unreachable for more "
			    "than %.0fs: stack %s no longer runs anywhere plantdeck can see",
			    f->node, h->tm.node_grace, f->stack);
			snprintf(p->expected, sizeof(p->expected), "stack %s runs on %s (its placement, "
			    "fewest containers, memory to spare) and %s does not exit within %.0fs; "
			    "its containers on %s are removed when that node answers again",
			    f->stack, p->to_node, f->container, w, f->node);
			return 1;
		}
		snprintf(p->reason, sizeof(p->reason), "%s persists on %s after a restart: the "
		    "node itself may be at fault (devices, disk, network, kernel)",
		    pd_finding_kind_name(f->kind), f->node);
		snprintf(p->expected, sizeof(p->expected), "stack %s runs on %s (its placement, "
		    "fewest containers, memory to spare) and %s does not exit within %.0fs; "
		    "its containers on %s are removed", f->stack, p->to_node, f->container, w,
		    f->node);
		return 1;
	}
	case PD_HEAL_ROLLBACK: {
		int cur;

		if (f->stack[0] == '\0')
			return 0;
		p->to_revision = heal_previous_revision(h, f->stack, &cur);
		if (p->to_revision == 0)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "%s persists after a restart and on "
		    "another node: revision %d of stack %s itself is likely at fault",
		    pd_finding_kind_name(f->kind), cur, f->stack);
		snprintf(p->expected, sizeof(p->expected), "%s on %s runs revision %d again and "
		    "does not exit within %.0fs", f->container, f->node, p->to_revision, w);
		return 1;
	}
	case PD_HEAL_MEMORY: {
		struct tune_container tc;
		char err[PD_ERROR_LEN];
		struct engine *e = heal_engine(h, f->node);

		if (h->inv->heal.memory_headroom <= 0 || e == NULL ||
		    tune_inspect(e, f->container, &tc, err, sizeof(err)) != 0 || tc.memory <= 0)
			return 0;
		p->memory_from = (uint64_t)tc.memory;
		p->memory_to = heal_memory_next(p->memory_from, h->inv->heal.memory_headroom,
		    h->inv->heal.memory_max);
		if (p->memory_to == 0)
			return 0;
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(b, sizeof(b), p->memory_to);
		snprintf(p->reason, sizeof(p->reason), "the kernel killed it for memory at its "
		    "limit of %s; heal.memory_headroom allows %d%% more, up to heal.memory_max",
		    a, h->inv->heal.memory_headroom);
		snprintf(p->expected, sizeof(p->expected), "memory limit %s -> %s (read back from "
		    "the engine), started if it was stopped, and no oom event within %.0fs",
		    a, b, w);
		return 1;
	}
	case PD_HEAL_QUARANTINE: {
		int running = strcmp(c->state, "running") == 0 || strcmp(c->state, "restarting") == 0;

		heal_snapshot_ref(f->container, f->id, p->snapshot, sizeof(p->snapshot));
		snprintf(p->reason, sizeof(p->reason), "a security anomaly: a container that "
		    "something outside it signals, enters or traces is kept for analysis, not "
		    "restarted (restarting would destroy the evidence)");
		if (running)
			snprintf(p->expected, sizeof(p->expected), "%s on %s is paused (its memory and "
			    "processes kept, nothing of it runs) and its files are committed to image "
			    "%s on %s; it stays paused until an engineer unpauses or removes it",
			    f->container, f->node, p->snapshot, f->node);
		else
			snprintf(p->expected, sizeof(p->expected), "%s on %s is %s, so there is nothing "
			    "to pause: its files are committed to image %s on %s", f->container,
			    f->node, c->state, p->snapshot, f->node);
		return 1;
	}
	case PD_HEAL_REAPPLY: {
		const struct pd_node *n = heal_node(s, f->node);

		if (n == NULL || n->agent[0] == '\0' || strcmp(c->state, "running") != 0)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "a cgroup limit of %s is no longer what was "
		    "set (the runtime, or someone, rewrote it); re-applying costs nothing and "
		    "restarts nothing", f->container);
		snprintf(p->expected, sizeof(p->expected), "the agent on %s re-applies the desired "
		    "values (through the engine, then the cgroup files), reports them set again, "
		    "and no new drift within %.0fs", f->node, w);
		return 1;
	}
	}
	return 0;
}

/* Propose the next applicable stage for F. */
static void
heal_propose(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now)
{
	struct pd_proposal p;
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN], target[PD_ERROR_LEN], detail[PD_ERROR_LEN];
	int action, automatic;
	int64_t id = 0;

	for (;;) {
		action = heal_ladder(f->kind, f->stage);
		if (action < 0) {
			if (heal_ladder(f->kind, 0) >= 0)
				log_msg(LOG_INFO, "heal: finding #%lld: no further stage to propose",
				    (long long)f->id);
			f->blocked = 1;
			return;
		}
		if (heal_prepare_action(h, f, s, (enum pd_heal_action)action, &p))
			break;
		/* Not applicable here (no stack, no other node, no earlier revision). */
		f->stage++;
	}
	p.finding = f->id;
	p.stage = f->stage + 1;
	automatic = heal_auto(h, f->stack, p.action);
	store_lock(h->st);
	q = heal_prepare(h, "INSERT INTO heal_proposals (finding, kind, stage, action, state, node,"
	    " container, stack, to_node, to_revision, memory_from, memory_to, reason, evidence,"
	    " expected, automatic, decided_by, decided, created, updated, snapshot) VALUES (?1,"
	    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	    " ?19, ?20)", err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, f->id);
		sqlite3_bind_text(q, 2, pd_finding_kind_name(f->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, p.stage);
		sqlite3_bind_text(q, 4, pd_heal_action_name(p.action), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, automatic ? "approved" : "pending", -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, p.node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 7, p.container, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 8, p.stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 9, p.to_node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 10, p.to_revision);
		sqlite3_bind_int64(q, 11, (int64_t)p.memory_from);
		sqlite3_bind_int64(q, 12, (int64_t)p.memory_to);
		sqlite3_bind_text(q, 13, p.reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 14, p.evidence, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 15, p.expected, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 16, automatic);
		if (automatic)
			sqlite3_bind_text(q, 17, h->actor, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(q, 17);
		sqlite3_bind_int64(q, 18, automatic ? (int64_t)now : 0);
		sqlite3_bind_int64(q, 19, (int64_t)now);
		sqlite3_bind_text(q, 20, p.snapshot, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(store_sqlite(h->st));
		sqlite3_finalize(q);
	}
	store_unlock(h->st);
	if (id == 0) {
		log_msg(LOG_ERROR, "heal: cannot record a proposal for finding #%lld",
		    (long long)f->id);
		return;
	}
	p.id = id;
	f->live = id;
	f->stage++;
	heal_target(&p, target, sizeof(target));
	log_msg(LOG_INFO, "heal: %s%s", target, automatic ? " (approved by heal.auto)" : "");
	if (automatic) {
		snprintf(detail, sizeof(detail), "automatic: heal.auto allows %s for stack %s; "
		    "evidence: %s", pd_heal_action_name(p.action), p.stack, p.evidence);
		if (audit_append_as(h->st, h->actor, "approve", target, detail, err,
		    sizeof(err)) != 0)
			log_msg(LOG_ERROR, "heal: audit: %s", err);
	}
}

/* The state of proposal ID from the database, or -1. */
static int
heal_state_of(struct heal *h, int64_t id)
{
	struct pd_proposal p;
	char err[PD_ERROR_LEN];

	if (heal_proposal_get(h, id, &p, err, sizeof(err)) != 0)
		return -1;
	return (int)p.state;
}

/* Hysteresis, expiry and new proposals of every open finding. */
static void
heal_findings_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	for (size_t i = 0; i < h->nfnds;) {
		struct heal_fnd *f = &h->fnds[i];
		int active, resolved, st;
		enum heal_edge edge;

		heal_evaluate(h, f, s, now, &active, &resolved);
		f->active = active;
		edge = heal_hyst_step(&f->hy, active, resolved, now, h->tm.clear_after);
		if (edge == HEAL_CLOSED) {
			int busy = 0;

			for (size_t j = 0; j < HEAL_MAX_JOBS; j++)
				busy |= h->jobs[j] != NULL && h->jobs[j]->p.finding == f->id;
			if (!busy) {
				heal_fnd_close(h, f, now);
				continue;     /* the last finding moved to I */
			}
			f->hy.open = 1;
		}
		if (edge == HEAL_RETURNED)
			f->count++;
		if (active || edge == HEAL_RETURNED)
			heal_fnd_save(h, f, now);
		if (f->kind == PD_FIND_CRASH_LOOP && active) {
			struct heal_track *t = heal_track_get(h, f->node, f->container, 0);

			if (t != NULL && t->dies.n > 0) {
				int n = heal_ring_count(&t->dies, now, h->tm.crash_window);

				if (n > f->count)
					f->count = n;
			}
		}
		if (f->live != 0) {
			st = heal_state_of(h, f->live);
			if (st == PD_PROP_PENDING && resolved) {
				char why[PD_ERROR_LEN];

				snprintf(why, sizeof(why), "expired: resolved by itself (%s)",
				    f->kind == PD_FIND_UNHEALTHY ? "healthy again" :
				    f->kind == PD_FIND_CRASH_LOOP ? "running, no exit lately" :
				    "running again, or gone");
				if (heal_exec(h, "UPDATE heal_proposals SET state = 'expired', result = ?1,"
				    " updated = ?2 WHERE id = ?3 AND state = 'pending'", "tii", why,
				    (int64_t)now, f->live) == 1) {
					log_msg(LOG_INFO, "heal: proposal #%lld %s", (long long)f->live, why);
					f->live = 0;
					f->stage--;   /* the same stage again if it comes back */
				}
			} else if (st == PD_PROP_REJECTED) {
				f->live = 0;
				f->blocked = 1;
			} else if (st == PD_PROP_EXPIRED) {
				f->live = 0;
			} else if (st < 0) {
				f->live = 0;
			}
		}
		if (f->live == 0 && !f->blocked && active)
			heal_propose(h, f, s, now);
		i++;
	}
}

/* ---------------------------------------------------------------- executor */

/* A blocking call on a fresh engine of NODE; 0, or -1 with ERR. */
static int
heal_call(struct heal *h, const char *node, const char *method, const char *path,
    long timeout_ms, cJSON **json, char *err, size_t errlen)
{
	int i = heal_inv_index(h, node);
	struct engine *e;
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (i < 0) {
		snprintf(err, errlen, "node %s is not in the inventory", node);
		return -1;
	}
	e = engine_new(&h->inv->nodes[i]);
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (engine_negotiate(e, &rep) != 0)
		engine_set_version(e, "1.41");
	engine_reply_free(&rep);
	rc = engine_call_stream(e, method, path, NULL, timeout_ms, NULL, NULL, &rep);
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL)
		*json = cJSON_Parse(rep.body.data);
	engine_reply_free(&rep);
	engine_free(e);
	return rc;
}

/* Remove every container of STACK from NODE (created before BEFORE, when
 * not 0); returns how many, or -1. */
static int
heal_remove_stack(struct heal *h, const char *node, const char *stack, time_t before,
    char *err, size_t errlen)
{
	char filt[300], path[1200], *enc;
	cJSON *arr = NULL, *c;
	int n = 0;

	snprintf(filt, sizeof(filt), "{\"label\":[\"" HEAL_LABEL_STACK "=%s\"]}", stack);
	enc = curl_easy_escape(NULL, filt, 0);
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", enc ? enc : "");
	curl_free(enc);
	if (heal_call(h, node, "GET", path, 15000, &arr, err, errlen) != 0)
		return -1;
	cJSON_ArrayForEach(c, arr) {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
		cJSON *created = cJSON_GetObjectItemCaseSensitive(c, "Created");

		if (!cJSON_IsString(id) || strspn(id->valuestring, "0123456789abcdef") !=
		    strlen(id->valuestring))
			continue;
		if (before != 0 && (!cJSON_IsNumber(created) || created->valuedouble >= (double)before))
			continue;
		snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", id->valuestring);
		if (heal_call(h, node, "DELETE", path, 30000, NULL, err, errlen) == 0)
			n++;
	}
	cJSON_Delete(arr);
	return n;
}

/* Run a placement of the stack and wait for it: 0 with D filled, -1. */
static int
heal_place(struct heal_job *job, int rev, const char *node, struct pd_deploy *d, char *err,
    size_t errlen)
{
	struct heal *h = job->h;
	char why[200];
	int64_t id;

	snprintf(why, sizeof(why), "heal #%lld: %s", (long long)job->p.id,
	    pd_heal_action_name(job->p.action));
	if (rollout_place(h->ro, job->p.stack, rev, node, why,
	    job->p.decided_by[0] ? job->p.decided_by : NULL, &id, err, errlen) != 0)
		return -1;
	rollout_wait(h->ro, id, 15 * 60 * 1000);
	if (rollout_get(h->ro, id, d, err, errlen) != 0)
		return -1;
	return 0;
}

/* Quarantine P's container (ENC: its name, URL-escaped): pause it when it
 * runs, then commit its files to P's snapshot image; 0 with RES, -1 with ERR. */
static int
heal_quarantine(struct heal *h, const struct pd_proposal *p, const char *enc, char *res,
    size_t reslen, char *err, size_t errlen)
{
	char path[1400], repo[PD_NAME_LEN], *tag, *erepo, *etag, *ecomment, comment[300];
	cJSON *j = NULL, *st, *img;
	int paused = 0, running = 0;

	snprintf(path, sizeof(path), "/containers/%s/json", enc);
	if (heal_call(h, p->node, "GET", path, 15000, &j, err, errlen) != 0)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(j, "State");
	paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"));
	running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running"));
	cJSON_Delete(j);
	j = NULL;
	if (running && !paused) {
		snprintf(path, sizeof(path), "/containers/%s/pause", enc);
		if (heal_call(h, p->node, "POST", path, 30000, NULL, err, errlen) != 0)
			return -1;
		paused = 1;
	}
	snprintf(repo, sizeof(repo), "%s", p->snapshot);
	tag = strrchr(repo, ':');
	if (tag == NULL) {
		snprintf(err, errlen, "the proposal names no snapshot image");
		return -1;
	}
	*tag++ = '\0';
	snprintf(comment, sizeof(comment), "plantdeck quarantine of %s on %s, proposal #%lld",
	    p->container, p->node, (long long)p->id);
	erepo = curl_easy_escape(NULL, repo, 0);
	etag = curl_easy_escape(NULL, tag, 0);
	ecomment = curl_easy_escape(NULL, comment, 0);
	/* pause=false: it is paused already, or stopped; a commit must not unpause it. */
	snprintf(path, sizeof(path), "/commit?container=%s&repo=%s&tag=%s&comment=%s&pause=false",
	    enc, erepo ? erepo : "", etag ? etag : "", ecomment ? ecomment : "");
	curl_free(erepo);
	curl_free(etag);
	curl_free(ecomment);
	if (heal_call(h, p->node, "POST", path, 120000, &j, err, errlen) != 0) {
		if (paused)
			snprintf(res, reslen, "paused %s on %s", p->container, p->node);
		snprintf(err + strlen(err), errlen - strlen(err), "%s%s", paused ? "; it stays "
		    "paused, but its files were not committed: " : "", paused ? res : "");
		return -1;
	}
	img = cJSON_GetObjectItemCaseSensitive(j, "Id");
	snprintf(res, reslen, "%s %s on %s; its files are image %s (%.19s)", paused ?
	    "paused" : "did not pause (not running)", p->container, p->node, p->snapshot,
	    cJSON_IsString(img) ? img->valuestring : "?");
	cJSON_Delete(j);
	return 0;
}

/* Member KEY of object J as a small whole number, or 0. */
static int
heal_json_int(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e6 ?
	    (int)v->valuedouble : 0;
}

/* Have the node's agent re-apply P's container's desired limits; 0 with
 * RES, -1 with ERR. */
static int
heal_reapply(struct heal *h, const struct pd_proposal *p, char *res, size_t reslen, char *err,
    size_t errlen)
{
	char line[PD_NAME_LEN + 8], *out = NULL;
	cJSON *j;
	int ok, drifted, fixed;

	snprintf(line, sizeof(line), "fix %s", p->container);
	if (agent_remote_request(&h->cfg, p->node, line, &out, err, errlen) != 0)
		return -1;
	j = cJSON_Parse(out);
	free(out);
	if (j == NULL) {
		snprintf(err, errlen, "the agent on %s answered no JSON", p->node);
		return -1;
	}
	ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
	drifted = heal_json_int(j, "drifted");
	fixed = heal_json_int(j, "fixed");
	if (!ok) {
		cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");

		snprintf(err, errlen, "the agent on %s could not re-apply: %s", p->node,
		    cJSON_IsString(e) ? e->valuestring : (drifted > fixed ? "still drifted after "
		    "the fix" : "not ok"));
		cJSON_Delete(j);
		return -1;
	}
	snprintf(res, reslen, "the agent on %s re-applied %d drifted limit%s of %s; none "
	    "drifts now", p->node, fixed, fixed == 1 ? "" : "s", p->container);
	cJSON_Delete(j);
	return 0;
}

/* Carry out P, a task_failing proposal, through the swarm's managers: 0
 * with RES, -1 with ERR. */
static int
heal_swarm_act(struct heal *h, const struct pd_proposal *p, char *res, size_t reslen,
    char *err, size_t errlen)
{
	char path[600], id[PD_SWARM_ID_LEN] = "", *body, *enc;
	uint64_t version;
	cJSON *spec, *j = NULL, *tt, *fu, *v;
	int rc;

	if (p->action == PD_HEAL_RESCHEDULE) {
		struct pd_snapshot *s = fleet_snapshot(h->fleet);
		const struct pd_swarm_node *sn = s != NULL ? heal_swarm_node(s, p->node) : NULL;

		if (sn != NULL)
			snprintf(id, sizeof(id), "%s", sn->id);
		pd_snapshot_free(s);
		if (id[0] == '\0') {
			snprintf(err, errlen, "the swarm does not list node %s", p->node);
			return -1;
		}
		snprintf(path, sizeof(path), "/nodes/%s", id);
		if (heal_swarm_call(h, "GET", path, NULL, &j, err, errlen) != 0)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Version"),
		    "Index");
		spec = cJSON_GetObjectItemCaseSensitive(j, "Spec");
		if (!cJSON_IsNumber(v) || !cJSON_IsObject(spec)) {
			snprintf(err, errlen, "node %s: the manager's answer has no Spec or Version",
			    p->node);
			cJSON_Delete(j);
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "Availability");
		cJSON_AddStringToObject(spec, "Availability", "drain");
		body = cJSON_PrintUnformatted(spec);
		snprintf(path, sizeof(path), "/nodes/%s/update?version=%llu", id,
		    (unsigned long long)v->valuedouble);
		cJSON_Delete(j);
		rc = body != NULL ? heal_swarm_call(h, "POST", path, body, NULL, err, errlen) : -1;
		free(body);
		if (rc == 0)
			snprintf(res, reslen, "drained %s (swarm node %.12s): Swarm moves its tasks",
			    p->node, id);
		return rc;
	}
	spec = heal_service_spec(h, p->container, &version, NULL, err, errlen);
	if (spec == NULL)
		return -1;
	enc = curl_easy_escape(NULL, p->container, 0);
	if (p->action == PD_HEAL_RESTART) {
		tt = cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate");
		fu = cJSON_GetObjectItemCaseSensitive(tt, "ForceUpdate");
		if (!cJSON_IsObject(tt)) {
			tt = cJSON_AddObjectToObject(spec, "TaskTemplate");
			fu = NULL;
		}
		v = cJSON_CreateNumber(cJSON_IsNumber(fu) ? fu->valuedouble + 1 : 1);
		if (fu != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(tt, "ForceUpdate", v);
		else
			cJSON_AddItemToObject(tt, "ForceUpdate", v);
		snprintf(path, sizeof(path), "/services/%s/update?version=%llu", enc ? enc : "",
		    (unsigned long long)version);
	} else {
		snprintf(path, sizeof(path), "/services/%s/update?version=%llu&rollback=previous",
		    enc ? enc : "", (unsigned long long)version);
	}
	curl_free(enc);
	body = cJSON_PrintUnformatted(spec);
	cJSON_Delete(spec);
	rc = body != NULL ? heal_swarm_call(h, "POST", path, body, NULL, err, errlen) : -1;
	free(body);
	if (rc == 0)
		snprintf(res, reslen, p->action == PD_HEAL_RESTART ? "force-updated service %s: "
		    "Swarm replaces its tasks" : "rolled service %s back to its previous spec",
		    p->container);
	return rc;
}

/* The worker: carry out one approved proposal. */
static void *
heal_worker(void *arg)
{
	struct heal_job *job = arg;
	struct heal *h = job->h;
	struct pd_proposal *p = &job->p;
	char err[PD_ERROR_LEN] = "", res[PD_ERROR_LEN] = "", path[400], *enc;
	char after[PD_NAME_LEN] = "";
	int ok = 0;

	if (p->kind == PD_FIND_TASK_FAILING && p->action == PD_HEAL_ROLLBACK &&
	    p->to_revision > 0) {
		struct pd_deploy d;

		/* A plantdeck stack on Swarm: the whole stack, its placement kept. */
		if (heal_place(job, p->to_revision, NULL, &d, err, sizeof(err)) == 0) {
			snprintf(res, sizeof(res), "deploy #%lld brought stack %s to revision %d "
			    "through Swarm: %s%s%s", (long long)d.id, d.stack, d.revision,
			    pd_deploy_state_name(d.state), d.message[0] ? ": " : "", d.message);
			ok = d.state == PD_DEPLOY_COMPLETED;
			if (!ok)
				snprintf(err, sizeof(err), "%s", res);
			pd_deploy_free(&d);
		}
		pthread_mutex_lock(&h->lock);
		job->ok = ok;
		snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
		job->done = 1;
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	if (p->kind == PD_FIND_TASK_FAILING) {
		ok = heal_swarm_act(h, p, res, sizeof(res), err, sizeof(err)) == 0;
		pthread_mutex_lock(&h->lock);
		job->ok = ok;
		snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
		job->done = 1;
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	enc = curl_easy_escape(NULL, p->container, 0);
	switch (p->action) {
	case PD_HEAL_RESTART:
		snprintf(path, sizeof(path), "/containers/%s/restart?t=10", enc ? enc : "");
		if (heal_call(h, p->node, "POST", path, 60000, NULL, err, sizeof(err)) == 0) {
			snprintf(res, sizeof(res), "restarted %s on %s", p->container, p->node);
			ok = 1;
		}
		break;
	case PD_HEAL_RESCHEDULE: {
		struct pd_deploy d;
		int created = 0;

		if (heal_place(job, 0, p->to_node, &d, err, sizeof(err)) != 0)
			break;
		if (d.nnodes == 1) {
			const struct pd_deploy_node *dn = &d.nodes[0];

			created = dn->phase == PD_PHASE_DONE || dn->phase == PD_PHASE_MONITOR ||
			    dn->phase == PD_PHASE_HEALTH || strncmp(dn->step, "health", 6) == 0 ||
			    strncmp(dn->step, "monitor", 7) == 0;
			snprintf(res, sizeof(res), "deploy #%lld put stack %s revision %d on %s "
			    "(%s%s%s)", (long long)d.id, d.stack, d.revision, p->to_node,
			    pd_phase_name(dn->phase), dn->error[0] ? ": " : "", dn->error);
		}
		if (!created) {
			snprintf(err, sizeof(err), "%s", res[0] ? res : "the deploy did not start it");
			pd_deploy_free(&d);
			break;
		}
		pd_deploy_free(&d);
		if (p->kind == PD_FIND_STRANDED) {
			/* Its node does not answer: remove the old containers when it does,
			 * or they would run twice. */
			if (heal_exec(h, "INSERT INTO heal_cleanups (proposal, node, stack, created)"
			    " VALUES (?1, ?2, ?3, ?4)", "itti", p->id, p->node, p->stack,
			    (int64_t)time(NULL)) == 1)
				snprintf(res + strlen(res), sizeof(res) - strlen(res), "; its containers "
				    "on %s are removed when that node answers again", p->node);
			else
				snprintf(res + strlen(res), sizeof(res) - strlen(res), "; ALARM: could "
				    "not record the removal from %s: remove stack %s there by hand",
				    p->node, p->stack);
		} else {
			int n = heal_remove_stack(h, p->node, p->stack, 0, err, sizeof(err));

			if (n >= 0)
				snprintf(res + strlen(res), sizeof(res) - strlen(res),
				    "; removed %d container%s of it from %s", n, n == 1 ? "" : "s",
				    p->node);
			else
				snprintf(res + strlen(res), sizeof(res) - strlen(res),
				    "; ALARM: could not remove it from %s: %s", p->node, err);
		}
		snprintf(after, sizeof(after), "%s", p->to_node);
		ok = 1;
		break;
	}
	case PD_HEAL_ROLLBACK: {
		struct pd_deploy d;

		if (heal_place(job, p->to_revision, p->node, &d, err, sizeof(err)) != 0)
			break;
		snprintf(res, sizeof(res), "deploy #%lld brought stack %s on %s to revision %d: "
		    "%s%s%s", (long long)d.id, d.stack, p->node, d.revision,
		    pd_deploy_state_name(d.state), d.message[0] ? ": " : "", d.message);
		ok = d.state == PD_DEPLOY_COMPLETED;
		if (!ok)
			snprintf(err, sizeof(err), "%s", res);
		pd_deploy_free(&d);
		break;
	}
	case PD_HEAL_MEMORY: {
		struct pd_tune_result tr;
		char kv[64], a[16], b[16];
		char *kvs[1] = { kv };
		int rc;

		snprintf(kv, sizeof(kv), "memory=%llu", (unsigned long long)p->memory_to);
		memset(&tr, 0, sizeof(tr));
		rc = backend_tune(&h->cfg, p->node, p->container, kvs, 1, &tr, err, sizeof(err));
		if (rc < 0)
			break;
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(b, sizeof(b), p->memory_to);
		snprintf(res, sizeof(res), "memory limit %s -> %s; the engine reads back %s%s", a, b,
		    tr.nitems > 0 && tr.items[0].engine[0] ? tr.items[0].engine : "?",
		    rc == 1 ? " (NOT as asked)" : "");
		if (rc == 1) {
			snprintf(err, sizeof(err), "%s", res);
			break;
		}
		/* A container the kernel killed stays stopped: start it on the new limit. */
		snprintf(path, sizeof(path), "/containers/%s/start", enc ? enc : "");
		if (heal_call(h, p->node, "POST", path, 30000, NULL, err, sizeof(err)) == 0)
			snprintf(res + strlen(res), sizeof(res) - strlen(res), "; started it");
		else if (strstr(err, "304") == NULL)
			snprintf(res + strlen(res), sizeof(res) - strlen(res), "; start: %s", err);
		ok = 1;
		break;
	}
	case PD_HEAL_QUARANTINE:
		ok = heal_quarantine(h, p, enc ? enc : "", res, sizeof(res), err, sizeof(err)) == 0;
		break;
	case PD_HEAL_REAPPLY:
		ok = heal_reapply(h, p, res, sizeof(res), err, sizeof(err)) == 0;
		break;
	}
	curl_free(enc);
	pthread_mutex_lock(&h->lock);
	job->ok = ok;
	snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
	snprintf(job->node_after, sizeof(job->node_after), "%s", after);
	job->done = 1;
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Audit what the executor did with P. */
static void
heal_audit_result(struct heal *h, const struct pd_proposal *p, const char *state,
    const char *result)
{
	char target[PD_ERROR_LEN], detail[PD_ERROR_LEN * 2], actor[PD_ERROR_LEN], err[PD_ERROR_LEN];

	heal_target(p, target, sizeof(target));
	snprintf(detail, sizeof(detail), "%s: %s", state, result);
	snprintf(actor, sizeof(actor), "%s, approved by %s", h->actor,
	    p->automatic ? "heal.auto" : p->decided_by);
	if (audit_append_as(h->st, actor, "heal", target, detail, err, sizeof(err)) != 0)
		log_msg(LOG_ERROR, "heal: audit: %s", err);
}

/* End job slot J with STATE and RESULT. */
static void
heal_job_end(struct heal *h, size_t j, const char *state, const char *result, time_t now)
{
	struct heal_job *job = h->jobs[j];
	struct heal_fnd *f = heal_fnd_by_id(h, job->p.finding);

	heal_exec(h, "UPDATE heal_proposals SET state = ?1, result = ?2, updated = ?3 WHERE id = ?4",
	    "ttii", state, result, (int64_t)now, job->p.id);
	log_msg(LOG_INFO, "heal: proposal #%lld %s: %s", (long long)job->p.id, state, result);
	heal_audit_result(h, &job->p, state, result);
	if (f != NULL && f->live == job->p.id)
		f->live = 0;    /* failed: the next stage comes while it persists */
	free(job);
	h->jobs[j] = NULL;
}

/* Verify the swarm action of job slot J: a restart or rollback fails when a
 * task of the service fails on the node again; at the end the service
 * must run tasks there (restart, rollback), or none there and every one it
 * wants elsewhere (drain). */
static void
heal_verify_swarm(struct heal *h, size_t j, const struct pd_snapshot *s, time_t now)
{
	struct heal_job *job = h->jobs[j];
	const struct pd_swarm_task *last;
	const struct pd_swarm_service *svc;
	char msg[PD_ERROR_LEN * 2], at[16];
	int failed, here, all, good;

	if (!s->swarm.complete || s->swarm.stale)
		return;             /* judge only on a fresh word from a manager */
	failed = heal_task_failures(s, job->p.container, job->p.node, job->done_at, &last);
	if (failed > 0 && job->p.action != PD_HEAL_RESCHEDULE) {
		heal_hms(last->since, at, sizeof(at));
		snprintf(msg, sizeof(msg), "%s; did not help: a task failed on %s again at %s: %s",
		    job->result, job->p.node, at, last->error[0] ? last->error : last->message);
		heal_job_end(h, j, "failed", msg, now);
		return;
	}
	if (now < job->until)
		return;
	svc = heal_swarm_service(s, job->p.container);
	here = heal_tasks_running(s, job->p.container, job->p.node[0] ? job->p.node : NULL);
	all = heal_tasks_running(s, job->p.container, NULL);
	if (job->p.action == PD_HEAL_RESCHEDULE)
		good = svc != NULL && here == 0 && all > 0 && (svc->desired <= 0 || all >= svc->desired);
	else if (job->p.node[0] == '\0')
		good = svc != NULL && all > 0 && (svc->desired <= 0 || all >= svc->desired);
	else
		good = svc != NULL && here > 0;
	snprintf(msg, sizeof(msg), "%s; %s: service %s runs %d task%s (%d wanted), %d on %s, "
	    "after %.0fs", job->result, good ? "verified" : "did not help", job->p.container, all,
	    all == 1 ? "" : "s", svc != NULL ? svc->desired : 0, here, job->p.node,
	    h->tm.verify_window);
	heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
}

/* Finished workers start verifying; verifications end. */
static void
heal_jobs_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		struct heal_job *job = h->jobs[j];
		char msg[PD_ERROR_LEN * 2];
		int done;

		if (job == NULL)
			continue;
		pthread_mutex_lock(&h->lock);
		done = job->done;
		pthread_mutex_unlock(&h->lock);
		if (!job->verifying) {
			struct heal_fnd *f;

			if (!done)
				continue;
			pthread_join(job->th, NULL);
			if (!job->ok) {
				heal_job_end(h, j, "failed", job->result, now);
				continue;
			}
			f = heal_fnd_by_id(h, job->p.finding);
			if (job->node_after[0] != '\0' && f != NULL) {
				snprintf(f->node, sizeof(f->node), "%s", job->node_after);
				heal_fnd_save(h, f, now);
			}
			job->verifying = 1;
			job->done_at = now;
			job->until = now + (time_t)h->tm.verify_window;
			snprintf(msg, sizeof(msg), "%s; verifying for %.0fs", job->result,
			    h->tm.verify_window);
			heal_exec(h, "UPDATE heal_proposals SET state = 'verifying', result = ?1,"
			    " updated = ?2 WHERE id = ?3", "tii", msg, (int64_t)now, job->p.id);
			log_msg(LOG_INFO, "heal: proposal #%lld: %s", (long long)job->p.id, msg);
			continue;
		}
		if (job->p.kind == PD_FIND_TASK_FAILING) {
			heal_verify_swarm(h, j, s, now);
			continue;
		}
		if (job->failed_early) {
			snprintf(msg, sizeof(msg), "%s; did not help: %s", job->result, job->fail_text);
			heal_job_end(h, j, "failed", msg, now);
		} else if (now >= job->until) {
			const char *node = job->node_after[0] ? job->node_after : job->p.node;
			const struct pd_container *c = heal_container(s, node, job->p.container);
			int good = c != NULL && strcmp(c->state, "running") == 0 &&
			    c->health != PD_HEALTH_UNHEALTHY;

			if (job->p.action == PD_HEAL_QUARANTINE) {
				good = c != NULL && strcmp(c->state, "running") != 0 &&
				    strcmp(c->state, "restarting") != 0;
				if (good)
					snprintf(msg, sizeof(msg), "%s; verified: %s on %s is %s (kept) "
					    "after %.0fs", job->result, job->p.container, node, c->state,
					    h->tm.verify_window);
				else
					snprintf(msg, sizeof(msg), "%s; did not hold: %s on %s is %s",
					    job->result, job->p.container, node, c != NULL ? c->state : "gone");
				heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
				continue;
			}
			if (job->p.action == PD_HEAL_REAPPLY) {
				struct heal_track *t = heal_track_get(h, node, job->p.container, 0);

				if (good && t != NULL && t->drifting) {
					good = 0;
					snprintf(msg, sizeof(msg), "%s; did not help: the agent still reports "
					    "%s", job->result, t->drift_text);
					heal_job_end(h, j, "failed", msg, now);
					continue;
				}
			}
			if (good)
				snprintf(msg, sizeof(msg), "%s; verified: %s on %s running%s for %.0fs",
				    job->result, job->p.container, node,
				    c->health == PD_HEALTH_HEALTHY ? " and healthy" : "",
				    h->tm.verify_window);
			else
				snprintf(msg, sizeof(msg), "%s; did not help: %s on %s is %s%s",
				    job->result, job->p.container, node, c != NULL ? c->state : "gone",
				    c != NULL && c->health == PD_HEALTH_UNHEALTHY ? " and unhealthy" : "");
			heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
		}
	}
}

/* Remove the stacks that reschedules moved off unreachable nodes from those
 * nodes once they answer again (only containers older than the move). */
static void
heal_cleanups_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	struct {
		int64_t id, proposal;
		char node[PD_NAME_LEN], stack[PD_NAME_LEN];
		time_t created;
	} todo[8];
	size_t n = 0;
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN], res[PD_ERROR_LEN], target[PD_ERROR_LEN], aerr[PD_ERROR_LEN];

	store_lock(h->st);
	q = heal_prepare(h, "SELECT id, proposal, node, stack, created FROM heal_cleanups"
	    " WHERE done = 0 ORDER BY id LIMIT 8", err, sizeof(err));
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && n < 8) {
		todo[n].id = sqlite3_column_int64(q, 0);
		todo[n].proposal = sqlite3_column_int64(q, 1);
		snprintf(todo[n].node, sizeof(todo[n].node), "%s", heal_col(q, 2));
		snprintf(todo[n].stack, sizeof(todo[n].stack), "%s", heal_col(q, 3));
		todo[n].created = (time_t)sqlite3_column_int64(q, 4);
		n++;
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	for (size_t i = 0; i < n; i++) {
		const struct pd_node *nd = heal_node(s, todo[i].node);
		int removed;

		if (nd == NULL || nd->reach != PD_REACH_UP)
			continue;
		removed = heal_remove_stack(h, todo[i].node, todo[i].stack, todo[i].created, err,
		    sizeof(err));
		if (removed < 0) {
			log_msg(LOG_WARN, "heal: cleanup of stack %s on %s: %s", todo[i].stack,
			    todo[i].node, err);
			continue;     /* again next tick */
		}
		snprintf(res, sizeof(res), "removed %d container%s of stack %s from %s, which "
		    "answers again (moved away by proposal #%lld)", removed, removed == 1 ? "" : "s",
		    todo[i].stack, todo[i].node, (long long)todo[i].proposal);
		heal_exec(h, "UPDATE heal_cleanups SET done = ?1, result = ?2 WHERE id = ?3", "iti",
		    (int64_t)now, res, todo[i].id);
		snprintf(target, sizeof(target), "proposal #%lld: cleanup node %s (stack %s)",
		    (long long)todo[i].proposal, todo[i].node, todo[i].stack);
		if (audit_append_as(h->st, h->actor, "heal", target, res, aerr, sizeof(aerr)) != 0)
			log_msg(LOG_ERROR, "heal: audit: %s", aerr);
		log_msg(LOG_INFO, "heal: %s", res);
	}
}

/* Claim approved proposals and start their workers. */
static void
heal_claim(struct heal *h, time_t now)
{
	int64_t ids[HEAL_MAX_JOBS];
	size_t nids = 0, slot;
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];

	store_lock(h->st);
	q = heal_prepare(h, "SELECT id FROM heal_proposals WHERE state = 'approved' ORDER BY id"
	    " LIMIT 8", err, sizeof(err));
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && nids < HEAL_MAX_JOBS)
		ids[nids++] = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	store_unlock(h->st);
	for (size_t i = 0; i < nids; i++) {
		struct heal_job *job;

		for (slot = 0; slot < HEAL_MAX_JOBS && h->jobs[slot] != NULL; slot++)
			;
		if (slot == HEAL_MAX_JOBS)
			return;
		if (heal_exec(h, "UPDATE heal_proposals SET state = 'executing', owner = ?1,"
		    " updated = ?2 WHERE id = ?3 AND state = 'approved'", "tii", h->me,
		    (int64_t)now, ids[i]) != 1)
			continue;     /* another process claimed it */
		job = calloc(1, sizeof(*job));
		if (job == NULL)
			return;
		job->h = h;
		if (heal_proposal_get(h, ids[i], &job->p, err, sizeof(err)) != 0) {
			free(job);
			continue;
		}
		log_msg(LOG_INFO, "heal: proposal #%lld: executing %s", (long long)ids[i],
		    pd_heal_action_name(job->p.action));
		if (pd_thread_start(&job->th, heal_worker, job) != 0) {
			heal_exec(h, "UPDATE heal_proposals SET state = 'failed', result = ?1,"
			    " updated = ?2 WHERE id = ?3", "tii", "cannot start a thread",
			    (int64_t)now, ids[i]);
			free(job);
			continue;
		}
		h->jobs[slot] = job;
	}
}

/* On taking the lease: open findings and their proposals from the
 * database; what a dead holder left executing or verifying failed. */
static void
heal_load(struct heal *h, time_t now)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];

	heal_exec(h, "UPDATE heal_proposals SET state = 'failed', updated = ?1, result ="
	    " COALESCE(result || '; ', '') || 'interrupted: the process carrying it out ended'"
	    " WHERE state IN ('executing', 'verifying')", "i", (int64_t)now);
	h->nfnds = 0;
	store_lock(h->st);
	q = heal_prepare(h, "SELECT f.id, f.kind, f.node, f.container, f.stack, f.count,"
	    " COALESCE(f.evidence, ''),"
	    " (SELECT MAX(stage) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state != 'expired'),"
	    " (SELECT MAX(id) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state IN ('pending', 'approved')),"
	    " (SELECT COUNT(*) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state = 'rejected')"
	    " FROM heal_findings f WHERE f.open = 1 ORDER BY f.id", err, sizeof(err));
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		struct heal_fnd *f = realloc(h->fnds, (h->nfnds + 1) * sizeof(*f));

		if (f == NULL)
			break;
		h->fnds = f;
		f = &h->fnds[h->nfnds++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(q, 0);
		f->kind = pd_finding_kind_from_name(heal_col(q, 1));
		snprintf(f->node, sizeof(f->node), "%s", heal_col(q, 2));
		snprintf(f->container, sizeof(f->container), "%s", heal_col(q, 3));
		snprintf(f->stack, sizeof(f->stack), "%s", heal_col(q, 4));
		f->count = sqlite3_column_int(q, 5);
		snprintf(f->evidence, sizeof(f->evidence), "%s", heal_col(q, 6));
		f->stage = sqlite3_column_int(q, 7);
		f->live = sqlite3_column_int64(q, 8);
		f->blocked = sqlite3_column_int(q, 9) > 0;
		f->hy.open = 1;
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	/* Failed pulls up to the newest pull finding were seen. */
	store_lock(h->st);
	q = heal_prepare(h, "SELECT COALESCE(MAX(first_seen), 0) FROM heal_findings WHERE"
	    " kind = 'pull_failed'", err, sizeof(err));
	if (q != NULL && sqlite3_step(q) == SQLITE_ROW)
		h->pulls_seen = (time_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	store_unlock(h->st);
	/* The agent reports an anomaly or a drift once: what the database says
	 * of them holds until an event or the container's state ends it. */
	for (size_t i = 0; i < h->nfnds; i++) {
		struct heal_fnd *f = &h->fnds[i];
		struct heal_track *t;

		if (f->kind != PD_FIND_ANOMALY && f->kind != PD_FIND_DRIFT)
			continue;
		t = heal_track_get(h, f->node, f->container, 1);
		if (t == NULL)
			continue;
		t->seeded = 1;
		if (f->kind == PD_FIND_DRIFT) {
			t->drifting = 1;
			t->drift_since = now;
			snprintf(t->drift_text, sizeof(t->drift_text), "%s", f->evidence);
		} else if (t->anomalies == 0) {
			t->anomalies = f->count > 0 ? f->count : 1;
			t->anomaly_first = t->anomaly_last = now;
			snprintf(t->anomaly_text, sizeof(t->anomaly_text), "%s", f->evidence);
		}
	}
}

/* ---------------------------------------------------------------- the thread */

static void
heal_tick(struct heal *h)
{
	time_t now = time(NULL);
	struct pd_snapshot *s;
	int lead = heal_lease(h, now);

	if (lead && !h->leader) {
		log_msg(LOG_INFO, "heal: %s runs the detectors", h->me);
		heal_load(h, now);
	}
	h->leader = lead;
	if (!lead)
		return;
	s = fleet_snapshot(h->fleet);
	if (s == NULL)
		return;
	heal_refresh_stacks(h, now);
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
	}
	heal_claim(h, now);
	pd_snapshot_free(s);
}

static int
heal_stopping(struct heal *h)
{
	int stop;

	pthread_mutex_lock(&h->lock);
	stop = h->stop;
	pthread_mutex_unlock(&h->lock);
	return stop;
}

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
		struct timespec ts = { HEAL_TICK_MS / 1000, (HEAL_TICK_MS % 1000) * 1000000L };

		heal_tick(h);
		for (int i = 0; i < 10 && !heal_stopping(h); i++) {
			ts.tv_sec = 0;
			ts.tv_nsec = HEAL_TICK_MS * 100000L;
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
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
	pthread_mutex_init(&h->lock, NULL);
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
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->th, NULL);
	}
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		struct heal_job *job = h->jobs[j];

		if (job == NULL)
			continue;
		if (!job->verifying)
			pthread_join(job->th, NULL);
		heal_exec(h, "UPDATE heal_proposals SET state = 'failed', updated = ?1, result = ?2"
		    " WHERE id = ?3", "iti", (int64_t)time(NULL), job->verifying ?
		    "interrupted while verifying: plantdeck was closed" : job->result, job->p.id);
		free(job);
	}
	if (h->st != NULL && h->leader)
		heal_exec(h, "DELETE FROM heal_lease WHERE holder = ?1", "t", h->me);
	for (size_t i = 0; i < h->inv->nnodes; i++)
		engine_free(h->engines[i]);
	free(h->engines);
	free(h->down_since);
	for (size_t i = 0; i < h->nstacks; i++)
		free(h->stacks[i]);
	free(h->stacks);
	free(h->tracks);
	free(h->fnds);
	store_close(h->st);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Whether SQL failed only because the tables were never created (a
 * read-only process on a database no healer has used yet). */
static int
heal_no_tables(struct heal *h)
{
	return strstr(sqlite3_errmsg(store_sqlite(h->st)), "no such table") != NULL;
}

int
heal_findings(struct heal *h, int all, struct pd_finding **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_finding *v = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (heal_store(h, err, errlen) != 0)
		return -1;
	store_lock(h->st);
	q = heal_prepare(h, all ?
	    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
	    " resolved, COALESCE(evidence, '') FROM heal_findings ORDER BY id DESC LIMIT 500" :
	    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
	    " resolved, COALESCE(evidence, '') FROM heal_findings WHERE open = 1"
	    " ORDER BY id DESC", err, errlen);
	if (q == NULL) {
		rc = heal_no_tables(h) ? 0 : -1;
		store_unlock(h->st);
		return rc;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct pd_finding *nv = realloc(v, (len + 1) * sizeof(*v)), *f;

		if (nv == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		v = nv;
		f = &v[len++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(q, 0);
		f->kind = pd_finding_kind_from_name(heal_col(q, 1));
		snprintf(f->node, sizeof(f->node), "%s", heal_col(q, 2));
		snprintf(f->container, sizeof(f->container), "%s", heal_col(q, 3));
		snprintf(f->stack, sizeof(f->stack), "%s", heal_col(q, 4));
		f->open = sqlite3_column_int(q, 5);
		f->count = sqlite3_column_int(q, 6);
		f->first_seen = (time_t)sqlite3_column_int64(q, 7);
		f->last_seen = (time_t)sqlite3_column_int64(q, 8);
		f->resolved = (time_t)sqlite3_column_int64(q, 9);
		snprintf(f->evidence, sizeof(f->evidence), "%s", heal_col(q, 10));
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
heal_list(struct heal *h, int all, struct pd_proposal **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_proposal *v = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (heal_store(h, err, errlen) != 0)
		return -1;
	store_lock(h->st);
	q = heal_prepare(h, all ?
	    "SELECT " HEAL_PROPOSAL_COLS " FROM heal_proposals ORDER BY id DESC LIMIT 500" :
	    "SELECT " HEAL_PROPOSAL_COLS " FROM heal_proposals WHERE state IN ('pending',"
	    " 'approved', 'executing', 'verifying') ORDER BY id DESC", err, errlen);
	if (q == NULL) {
		rc = heal_no_tables(h) ? 0 : -1;
		store_unlock(h->st);
		return rc;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct pd_proposal *nv = realloc(v, (len + 1) * sizeof(*v));

		if (nv == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		v = nv;
		heal_proposal_row(q, &v[len++]);
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

/* Approve (REASON NULL) or reject proposal ID. */
static int
heal_decide(struct heal *h, int64_t id, int approve, const char *reason, char *err,
    size_t errlen)
{
	struct pd_proposal p;
	char actor[128], target[PD_ERROR_LEN], aerr[PD_ERROR_LEN];
	time_t now = time(NULL);
	int rc, changed;

	if (h->cfg.read_only) {
		snprintf(err, errlen, "refused: read-only (kiosk or --read-only)");
		return -1;
	}
	if (heal_store(h, err, errlen) != 0)
		return -1;
	store_actor(actor, sizeof(actor));
	if (approve)
		rc = heal_exec(h, "UPDATE heal_proposals SET state = 'approved', decided_by = ?1,"
		    " decided = ?2, updated = ?2 WHERE id = ?3 AND state = 'pending'", "tii", actor,
		    (int64_t)now, id);
	else
		rc = heal_exec(h, "UPDATE heal_proposals SET state = 'rejected', decided_by = ?1,"
		    " decided = ?2, updated = ?2, reject_reason = ?3 WHERE id = ?4 AND"
		    " state = 'pending'", "titi", actor, (int64_t)now, reason ? reason : "", id);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot update proposal #%lld", store_path(h->st),
		    (long long)id);
		return -1;
	}
	changed = rc;
	rc = heal_proposal_get(h, id, &p, err, errlen);
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
	if (audit_append(h->st, approve ? "approve" : "reject", target,
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
	sqlite3_stmt *q;
	int alive = 0;

	who[0] = '\0';
	if (heal_store(h, who, wholen) != 0)
		return -1;
	store_lock(h->st);
	q = heal_prepare(h, "SELECT holder, heartbeat FROM heal_lease WHERE id = 1", who, wholen);
	if (q == NULL) {
		alive = heal_no_tables(h) ? 0 : -1;
		if (alive == 0)
			who[0] = '\0';
		store_unlock(h->st);
		return alive;
	}
	if (sqlite3_step(q) == SQLITE_ROW &&
	    time(NULL) - sqlite3_column_int64(q, 1) <= HEAL_LEASE_DEAD) {
		snprintf(who, wholen, "%s", heal_col(q, 0));
		alive = 1;
	}
	sqlite3_finalize(q);
	store_unlock(h->st);
	return alive;
}
