/* store-heal.c: the self-healer's tables (store-heal.h) — their schema,
 * their queries and the detectors' lease.
 *
 * The healer (backend/heal/) keeps its state in memory while it runs and
 * writes every change here first, so that any process lists, approves and
 * rejects its proposals, and the next holder of the lease takes over what
 * the last one left.  Rows carry names, not numbers, for their kinds,
 * actions and states (pd_*_name); a name this plantdeck does not know
 * reads back as the first of its enum. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "backend/base/log.h"
#include "backend/store/store.h"
#include "backend/store/store-heal.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char store_heal_schema[] =
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
	"  evidence TEXT,"
	"  reason TEXT NOT NULL DEFAULT '');"
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

#define STORE_HEAL_PROPOSAL_COLS \
	"id, finding, kind, stage, action, state, node, container, stack, to_node," \
	" to_revision, memory_from, memory_to, COALESCE(reason, ''), COALESCE(evidence, '')," \
	" COALESCE(expected, ''), COALESCE(result, ''), automatic, COALESCE(decided_by, '')," \
	" COALESCE(reject_reason, ''), created, updated, decided, snapshot"

int
store_heal_init(struct store *st, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = 0;

	store_lock(st);
	if (sqlite3_exec(store_sqlite(st), store_heal_schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create the heal tables: %s", store_path(st),
		    msg ? msg : "?");
		rc = -1;
	}
	sqlite3_free(msg);
	/* A database from before quarantine proposals lacks the column;
	 * where it has it, this fails harmlessly. */
	if (rc == 0)
		sqlite3_exec(store_sqlite(st), "ALTER TABLE heal_proposals ADD COLUMN"
		    " snapshot TEXT NOT NULL DEFAULT ''", NULL, NULL, NULL);
	/* Nor, from before findings said why they have no proposal, this one. */
	if (rc == 0)
		sqlite3_exec(store_sqlite(st), "ALTER TABLE heal_findings ADD COLUMN"
		    " reason TEXT NOT NULL DEFAULT ''", NULL, NULL, NULL);
	store_unlock(st);
	return rc;
}

/* SQL prepared on the store, kept for the next tick (its lock held by the
 * caller; store_stmt_done after use); NULL with ERR. */
static sqlite3_stmt *
store_heal_prepare(struct store *st, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *q = store_stmt(st, sql);

	if (q == NULL)
		snprintf(err, errlen, "%s: %s", store_path(st), sqlite3_errmsg(store_sqlite(st)));
	return q;
}

/* Column I of the current row as text, "" for NULL. */
static const char *
store_heal_col(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);

	return s != NULL ? (const char *)s : "";
}

/* Whether SQL failed only because the tables were never created (a
 * read-only process on a database no healer has used yet). */
static int
store_heal_no_tables(struct store *st)
{
	return strstr(sqlite3_errmsg(store_sqlite(st)), "no such table") != NULL;
}

/* Run one statement with text/integer parameters ("t" or "i" per char of
 * TYPES); returns the rows changed, or -1. */
static int
store_heal_exec(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	va_list ap;
	int rc;

	store_lock(st);
	q = store_heal_prepare(st, sql, err, sizeof(err));
	if (q == NULL) {
		store_unlock(st);
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
	rc = sqlite3_step(q) == SQLITE_DONE ? sqlite3_changes(store_sqlite(st)) : -1;
	if (rc < 0)
		log_msg(LOG_ERROR, "heal: %s", sqlite3_errmsg(store_sqlite(st)));
	store_stmt_done(st, q);
	store_unlock(st);
	return rc;
}

/* ---------------------------------------------------------------- lease */

int
store_heal_lease(struct store *st, const char *holder, time_t now, int dead)
{
	int rc = store_heal_exec(st, "INSERT INTO heal_lease (id, holder, heartbeat)"
	    " VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET holder = ?1, heartbeat = ?2"
	    " WHERE heal_lease.holder = ?1 OR heal_lease.heartbeat < ?2 - ?3",
	    "tii", holder, (int64_t)now, (int64_t)dead);

	return rc == 1;
}

void
store_heal_lease_release(struct store *st, const char *holder)
{
	store_heal_exec(st, "DELETE FROM heal_lease WHERE holder = ?1", "t", holder);
}

int
store_heal_runner(struct store *st, int dead, char *who, size_t wholen)
{
	sqlite3_stmt *q;
	int alive = 0;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT holder, heartbeat FROM heal_lease WHERE id = 1", who,
	    wholen);
	if (q == NULL) {
		alive = store_heal_no_tables(st) ? 0 : -1;
		if (alive == 0)
			who[0] = '\0';
		store_unlock(st);
		return alive;
	}
	if (sqlite3_step(q) == SQLITE_ROW && time(NULL) - sqlite3_column_int64(q, 1) <= dead) {
		snprintf(who, wholen, "%s", store_heal_col(q, 0));
		alive = 1;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	return alive;
}

/* ---------------------------------------------------------------- findings */

int64_t
store_heal_finding_add(struct store *st, enum pd_finding_kind kind, const char *node,
    const char *container, const char *stack, const char *evidence, time_t now)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	int64_t id = 0;

	store_lock(st);
	q = store_heal_prepare(st, "INSERT INTO heal_findings (kind, node, container, stack, open,"
	    " count, first_seen, last_seen, evidence) VALUES (?1, ?2, ?3, ?4, 1, 1, ?5, ?5, ?6)",
	    err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_text(q, 1, pd_finding_kind_name(kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, container, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 4, stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 5, (int64_t)now);
		sqlite3_bind_text(q, 6, evidence, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(store_sqlite(st));
		store_stmt_done(st, q);
	}
	store_unlock(st);
	return id;
}

int
store_heal_finding_save(struct store *st, int64_t id, const char *node, int count,
    const char *evidence, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_findings SET evidence = ?1, count = ?2,"
	    " last_seen = ?3, node = ?4 WHERE id = ?5", "tiiti", evidence, (int64_t)count,
	    (int64_t)now, node, id);
}

int
store_heal_finding_reason(struct store *st, int64_t id, const char *reason)
{
	return store_heal_exec(st, "UPDATE heal_findings SET reason = ?1 WHERE id = ?2", "ti",
	    reason, id);
}

int
store_heal_finding_close(struct store *st, int64_t id, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_findings SET open = 0, resolved = ?1 WHERE id = ?2",
	    "ii", (int64_t)now, id);
}

int
store_heal_findings(struct store *st, int all, struct pd_finding **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_finding *v = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	store_lock(st);
	q = store_heal_prepare(st, all ?
	    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
	    " resolved, COALESCE(evidence, ''), reason FROM heal_findings"
	    " ORDER BY id DESC LIMIT 500" :
	    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
	    " resolved, COALESCE(evidence, ''), reason FROM heal_findings WHERE open = 1"
	    " ORDER BY id DESC", err, errlen);
	/* A read-only process on a database no newer healer has upgraded. */
	if (q == NULL && strstr(sqlite3_errmsg(store_sqlite(st)), "no such column") != NULL)
		q = store_heal_prepare(st, all ?
		    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
		    " resolved, COALESCE(evidence, ''), '' FROM heal_findings"
		    " ORDER BY id DESC LIMIT 500" :
		    "SELECT id, kind, node, container, stack, open, count, first_seen, last_seen,"
		    " resolved, COALESCE(evidence, ''), '' FROM heal_findings WHERE open = 1"
		    " ORDER BY id DESC", err, errlen);
	if (q == NULL) {
		rc = store_heal_no_tables(st) ? 0 : -1;
		store_unlock(st);
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
		f->kind = pd_finding_kind_from_name(store_heal_col(q, 1));
		snprintf(f->node, sizeof(f->node), "%s", store_heal_col(q, 2));
		snprintf(f->container, sizeof(f->container), "%s", store_heal_col(q, 3));
		snprintf(f->stack, sizeof(f->stack), "%s", store_heal_col(q, 4));
		f->open = sqlite3_column_int(q, 5);
		f->count = sqlite3_column_int(q, 6);
		f->first_seen = (time_t)sqlite3_column_int64(q, 7);
		f->last_seen = (time_t)sqlite3_column_int64(q, 8);
		f->resolved = (time_t)sqlite3_column_int64(q, 9);
		snprintf(f->evidence, sizeof(f->evidence), "%s", store_heal_col(q, 10));
		snprintf(f->reason, sizeof(f->reason), "%s", store_heal_col(q, 11));
	}
	store_stmt_done(st, q);
	store_unlock(st);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_heal_open_findings(struct store *st, struct store_heal_open **out, size_t *n)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	struct store_heal_open *v = NULL;
	size_t len = 0;

	*out = NULL;
	*n = 0;
	store_lock(st);
	q = store_heal_prepare(st, "SELECT f.id, f.kind, f.node, f.container, f.stack, f.count,"
	    " COALESCE(f.evidence, ''), f.reason,"
	    " (SELECT MAX(stage) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state != 'expired'),"
	    " (SELECT MAX(id) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state IN ('pending', 'approved')),"
	    " (SELECT COUNT(*) FROM heal_proposals p WHERE p.finding = f.id AND"
	    "  p.state = 'rejected')"
	    " FROM heal_findings f WHERE f.open = 1 ORDER BY f.id", err, sizeof(err));
	if (q == NULL) {
		store_unlock(st);
		return -1;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct store_heal_open *nv = realloc(v, (len + 1) * sizeof(*v)), *o;

		if (nv == NULL)
			break;
		v = nv;
		o = &v[len++];
		memset(o, 0, sizeof(*o));
		o->f.id = sqlite3_column_int64(q, 0);
		o->f.kind = pd_finding_kind_from_name(store_heal_col(q, 1));
		snprintf(o->f.node, sizeof(o->f.node), "%s", store_heal_col(q, 2));
		snprintf(o->f.container, sizeof(o->f.container), "%s", store_heal_col(q, 3));
		snprintf(o->f.stack, sizeof(o->f.stack), "%s", store_heal_col(q, 4));
		o->f.count = sqlite3_column_int(q, 5);
		o->f.open = 1;
		snprintf(o->f.evidence, sizeof(o->f.evidence), "%s", store_heal_col(q, 6));
		snprintf(o->f.reason, sizeof(o->f.reason), "%s", store_heal_col(q, 7));
		o->stage = sqlite3_column_int(q, 8);
		o->live = sqlite3_column_int64(q, 9);
		o->blocked = sqlite3_column_int(q, 10) > 0;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	*out = v;
	*n = len;
	return 0;
}

int
store_heal_pulls_seen(struct store *st, time_t *seen)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	int rc = -1;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT COALESCE(MAX(first_seen), 0) FROM heal_findings WHERE"
	    " kind = 'pull_failed'", err, sizeof(err));
	if (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		*seen = (time_t)sqlite3_column_int64(q, 0);
		rc = 0;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	return rc;
}

/* ---------------------------------------------------------------- proposals */

/* The proposal in the current row of Q (STORE_HEAL_PROPOSAL_COLS). */
static void
store_heal_proposal_row(sqlite3_stmt *q, struct pd_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(q, 0);
	p->finding = sqlite3_column_int64(q, 1);
	p->kind = pd_finding_kind_from_name(store_heal_col(q, 2));
	p->stage = sqlite3_column_int(q, 3);
	p->action = pd_heal_action_from_name(store_heal_col(q, 4));
	p->state = pd_proposal_state_from_name(store_heal_col(q, 5));
	snprintf(p->node, sizeof(p->node), "%s", store_heal_col(q, 6));
	snprintf(p->container, sizeof(p->container), "%s", store_heal_col(q, 7));
	snprintf(p->stack, sizeof(p->stack), "%s", store_heal_col(q, 8));
	snprintf(p->to_node, sizeof(p->to_node), "%s", store_heal_col(q, 9));
	p->to_revision = sqlite3_column_int(q, 10);
	p->memory_from = (uint64_t)sqlite3_column_int64(q, 11);
	p->memory_to = (uint64_t)sqlite3_column_int64(q, 12);
	snprintf(p->reason, sizeof(p->reason), "%s", store_heal_col(q, 13));
	snprintf(p->evidence, sizeof(p->evidence), "%s", store_heal_col(q, 14));
	snprintf(p->expected, sizeof(p->expected), "%s", store_heal_col(q, 15));
	snprintf(p->result, sizeof(p->result), "%s", store_heal_col(q, 16));
	p->automatic = sqlite3_column_int(q, 17);
	snprintf(p->decided_by, sizeof(p->decided_by), "%s", store_heal_col(q, 18));
	snprintf(p->reject_reason, sizeof(p->reject_reason), "%s", store_heal_col(q, 19));
	p->created = (time_t)sqlite3_column_int64(q, 20);
	p->updated = (time_t)sqlite3_column_int64(q, 21);
	p->decided = (time_t)sqlite3_column_int64(q, 22);
	snprintf(p->snapshot, sizeof(p->snapshot), "%s", store_heal_col(q, 23));
}

int64_t
store_heal_proposal_add(struct store *st, const struct pd_proposal *p)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	int64_t id = 0;

	store_lock(st);
	q = store_heal_prepare(st, "INSERT INTO heal_proposals (finding, kind, stage, action,"
	    " state, node, container, stack, to_node, to_revision, memory_from, memory_to, reason,"
	    " evidence, expected, automatic, decided_by, decided, created, updated, snapshot)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19, ?19, ?20)", err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, p->finding);
		sqlite3_bind_text(q, 2, pd_finding_kind_name(p->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, p->stage);
		sqlite3_bind_text(q, 4, pd_heal_action_name(p->action), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, pd_proposal_state_name(p->state), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, p->node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 7, p->container, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 8, p->stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 9, p->to_node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 10, p->to_revision);
		sqlite3_bind_int64(q, 11, (int64_t)p->memory_from);
		sqlite3_bind_int64(q, 12, (int64_t)p->memory_to);
		sqlite3_bind_text(q, 13, p->reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 14, p->evidence, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 15, p->expected, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 16, p->automatic);
		if (p->automatic)
			sqlite3_bind_text(q, 17, p->decided_by, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(q, 17);
		sqlite3_bind_int64(q, 18, (int64_t)p->decided);
		sqlite3_bind_int64(q, 19, (int64_t)p->created);
		sqlite3_bind_text(q, 20, p->snapshot, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(store_sqlite(st));
		store_stmt_done(st, q);
	}
	store_unlock(st);
	return id;
}

int
store_heal_proposal_get(struct store *st, int64_t id, struct pd_proposal *p, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT " STORE_HEAL_PROPOSAL_COLS " FROM heal_proposals"
	    " WHERE id = ?1", err, errlen);
	if (q == NULL) {
		store_unlock(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		store_heal_proposal_row(q, p);
	store_stmt_done(st, q);
	store_unlock(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	snprintf(err, errlen, "%s: reading proposal #%lld failed", store_path(st), (long long)id);
	return -1;
}

int
store_heal_proposals(struct store *st, int all, struct pd_proposal **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_proposal *v = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	store_lock(st);
	q = store_heal_prepare(st, all ?
	    "SELECT " STORE_HEAL_PROPOSAL_COLS " FROM heal_proposals ORDER BY id DESC LIMIT 500" :
	    "SELECT " STORE_HEAL_PROPOSAL_COLS " FROM heal_proposals WHERE state IN ('pending',"
	    " 'approved', 'executing', 'verifying') ORDER BY id DESC", err, errlen);
	if (q == NULL) {
		rc = store_heal_no_tables(st) ? 0 : -1;
		store_unlock(st);
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
		store_heal_proposal_row(q, &v[len++]);
	}
	store_stmt_done(st, q);
	store_unlock(st);
	if (rc != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_heal_proposal_expire(struct store *st, int64_t id, const char *result, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_proposals SET state = 'expired', result = ?1,"
	    " updated = ?2 WHERE id = ?3 AND state = 'pending'", "tii", result, (int64_t)now, id);
}

int
store_heal_finding_expire(struct store *st, int64_t finding, const char *result, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_proposals SET state = 'expired', updated = ?1,"
	    " result = ?2 WHERE finding = ?3 AND state = 'pending'", "iti", (int64_t)now, result,
	    finding);
}

int
store_heal_proposal_decide(struct store *st, int64_t id, int approve, const char *actor,
    const char *reason, time_t now)
{
	if (approve)
		return store_heal_exec(st, "UPDATE heal_proposals SET state = 'approved',"
		    " decided_by = ?1, decided = ?2, updated = ?2 WHERE id = ?3 AND state = 'pending'",
		    "tii", actor, (int64_t)now, id);
	return store_heal_exec(st, "UPDATE heal_proposals SET state = 'rejected', decided_by = ?1,"
	    " decided = ?2, updated = ?2, reject_reason = ?3 WHERE id = ?4 AND"
	    " state = 'pending'", "titi", actor, (int64_t)now, reason ? reason : "", id);
}

int
store_heal_proposal_set(struct store *st, int64_t id, const char *state, const char *result,
    time_t now)
{
	return store_heal_exec(st, "UPDATE heal_proposals SET state = ?1, result = ?2, updated = ?3"
	    " WHERE id = ?4", "ttii", state, result, (int64_t)now, id);
}

size_t
store_heal_approved(struct store *st, int64_t *ids, size_t max)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	size_t n = 0;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT id FROM heal_proposals WHERE state = 'approved'"
	    " ORDER BY id LIMIT ?1", err, sizeof(err));
	if (q != NULL)
		sqlite3_bind_int64(q, 1, (int64_t)max);
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(q, 0);
	store_stmt_done(st, q);
	store_unlock(st);
	return n;
}

int
store_heal_proposal_claim(struct store *st, int64_t id, const char *owner, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_proposals SET state = 'executing', owner = ?1,"
	    " updated = ?2 WHERE id = ?3 AND state = 'approved'", "tii", owner, (int64_t)now,
	    id) == 1;
}

int
store_heal_interrupted(struct store *st, time_t now)
{
	return store_heal_exec(st, "UPDATE heal_proposals SET state = 'failed', updated = ?1,"
	    " result = COALESCE(result || '; ', '') || 'interrupted: the process carrying it out"
	    " ended' WHERE state IN ('executing', 'verifying')", "i", (int64_t)now);
}

/* ---------------------------------------------------------------- cleanups */

int
store_heal_cleanup_add(struct store *st, int64_t proposal, const char *node, const char *stack,
    time_t now)
{
	return store_heal_exec(st, "INSERT INTO heal_cleanups (proposal, node, stack, created)"
	    " VALUES (?1, ?2, ?3, ?4)", "itti", proposal, node, stack, (int64_t)now);
}

size_t
store_heal_cleanups(struct store *st, struct store_heal_cleanup *out, size_t max)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	size_t n = 0;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT id, proposal, node, stack, created FROM heal_cleanups"
	    " WHERE done = 0 ORDER BY id LIMIT ?1", err, sizeof(err));
	if (q != NULL)
		sqlite3_bind_int64(q, 1, (int64_t)max);
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && n < max) {
		out[n].id = sqlite3_column_int64(q, 0);
		out[n].proposal = sqlite3_column_int64(q, 1);
		snprintf(out[n].node, sizeof(out[n].node), "%s", store_heal_col(q, 2));
		snprintf(out[n].stack, sizeof(out[n].stack), "%s", store_heal_col(q, 3));
		out[n].created = (time_t)sqlite3_column_int64(q, 4);
		n++;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	return n;
}

int
store_heal_cleanup_done(struct store *st, int64_t id, time_t now, const char *result)
{
	return store_heal_exec(st, "UPDATE heal_cleanups SET done = ?1, result = ?2 WHERE id = ?3",
	    "iti", (int64_t)now, result, id);
}

/* ---------------------------------------------------------------- the deploys' tables */

int
store_heal_stack_names(struct store *st, char ***out, size_t *n)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	char **v = NULL;
	size_t len = 0;
	int rc;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT name FROM stacks ORDER BY name", err, sizeof(err));
	rc = q != NULL ? 0 : -1;
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		char **nv = realloc(v, (len + 1) * sizeof(*v));

		if (nv == NULL)
			break;
		v = nv;
		if ((v[len] = strdup(store_heal_col(q, 0))) != NULL)
			len++;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	*out = v;
	*n = len;
	return rc;
}

size_t
store_heal_failed_pulls(struct store *st, time_t since, struct store_heal_pull *out, size_t max)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	size_t n = 0;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT d.id, d.stack, n.node, COALESCE(n.error, ''), n.updated"
	    " FROM deploy_nodes n JOIN deploys d ON d.id = n.deploy WHERE n.phase = 'failed'"
	    " AND n.step LIKE 'pull%' AND n.updated > ?1 ORDER BY d.id DESC LIMIT ?2",
	    err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, (int64_t)since);
		sqlite3_bind_int64(q, 2, (int64_t)max);
	}
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW && n < max) {
		out[n].deploy = sqlite3_column_int64(q, 0);
		snprintf(out[n].stack, sizeof(out[n].stack), "%s", store_heal_col(q, 1));
		snprintf(out[n].node, sizeof(out[n].node), "%s", store_heal_col(q, 2));
		snprintf(out[n].error, sizeof(out[n].error), "%s", store_heal_col(q, 3));
		out[n].updated = (time_t)sqlite3_column_int64(q, 4);
		n++;
	}
	store_stmt_done(st, q);
	store_unlock(st);
	return n;
}

int
store_heal_stack_settled(struct store *st, const char *stack, const char *node, time_t since,
    struct pd_deploy *out)
{
	sqlite3_stmt *q;
	char err[PD_ERROR_LEN];
	int rc = 0;

	store_lock(st);
	q = store_heal_prepare(st, "SELECT d.id, d.kind, d.revision, d.state, d.updated"
	    " FROM deploys d WHERE d.stack = ?1 AND d.updated >= ?2 AND EXISTS (SELECT 1 FROM"
	    " deploy_nodes n WHERE n.deploy = d.id AND n.node = ?3 AND n.phase NOT IN ('pending', 'skipped'))"
	    " ORDER BY d.id DESC LIMIT 1", err, sizeof(err));
	if (q != NULL) {
		sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, (int64_t)since);
		sqlite3_bind_text(q, 3, node, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_ROW) {
			memset(out, 0, sizeof(*out));
			out->id = sqlite3_column_int64(q, 0);
			snprintf(out->stack, sizeof(out->stack), "%s", stack);
			snprintf(out->kind, sizeof(out->kind), "%s", store_heal_col(q, 1));
			out->revision = sqlite3_column_int(q, 2);
			out->state = pd_deploy_state_from_name(store_heal_col(q, 3));
			out->updated = (time_t)sqlite3_column_int64(q, 4);
			rc = 1;
		}
	}
	store_stmt_done(st, q);
	store_unlock(st);
	return rc;
}
