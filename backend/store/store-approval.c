/* store-approval.c: the four-eyes requests (store-approval.h) — one table,
 * approvals, created on first use like the audit table.
 *
 * Who is who comes from the OS: the real uid and the kernel's login uid
 * (/proc/self/loginuid, which pam_loginuid sets at login and sudo keeps),
 * both stored with the request; a decider whose uid or login uid is either
 * of the requester's is the same person (root via sudo included).  Where
 * the requesting process runs is stored too (host, pid): a request whose
 * process is gone is refused, since nothing would run it. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backend/store/audit.h"
#include "backend/store/store.h"
#include "backend/store/store-approval.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char store_approval_schema[] =
	"CREATE TABLE IF NOT EXISTS approvals ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" created INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '', nodes INTEGER NOT NULL DEFAULT 0,"
	" state TEXT NOT NULL DEFAULT 'pending',"
	" requester TEXT NOT NULL, req_uid INTEGER NOT NULL, req_login INTEGER NOT NULL,"
	" host TEXT NOT NULL, pid INTEGER NOT NULL,"
	" decider TEXT NOT NULL DEFAULT '', dec_uid INTEGER NOT NULL DEFAULT -1,"
	" decided INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',"
	" result TEXT NOT NULL DEFAULT '');";

#define STORE_APPROVAL_COLS \
	"id, kind, target, detail, nodes, state, requester, decider, reason, result," \
	" created, decided, req_uid, req_login, host, pid"

/* The session's login uid, or -1 when it has none. */
static long
store_approval_login(void)
{
	FILE *f = fopen("/proc/self/loginuid", "re");
	unsigned long v;
	long rc = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lu", &v) == 1 && v != 4294967295UL)
		rc = (long)v;
	fclose(f);
	return rc;
}

#ifndef UNITTEST
static
#endif
int
store_approval_same(long du, long dl, long ru, long rl)
{
	return du == ru || (dl >= 0 && (dl == ru || dl == rl)) || (rl >= 0 && du == rl);
}

/* Make the table (the store's lock held); 0, or -1 with ERR. */
static int
store_approval_init(struct store *st, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = 0;

	if (sqlite3_exec(store_sqlite(st), store_approval_schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create the approvals table: %s", store_path(st),
		    msg != NULL ? msg : "?");
		rc = -1;
	}
	sqlite3_free(msg);
	return rc;
}

/* Column I of the current row as text, "" for NULL. */
static const char *
store_approval_col(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);

	return s != NULL ? (const char *)s : "";
}

/* The row of Q (STORE_APPROVAL_COLS) into A. */
static void
store_approval_row(sqlite3_stmt *q, struct pd_approval *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(q, 0);
	snprintf(a->kind, sizeof(a->kind), "%s", store_approval_col(q, 1));
	snprintf(a->target, sizeof(a->target), "%s", store_approval_col(q, 2));
	snprintf(a->detail, sizeof(a->detail), "%s", store_approval_col(q, 3));
	a->nodes = sqlite3_column_int(q, 4);
	snprintf(a->state, sizeof(a->state), "%s", store_approval_col(q, 5));
	snprintf(a->requester, sizeof(a->requester), "%s", store_approval_col(q, 6));
	snprintf(a->decider, sizeof(a->decider), "%s", store_approval_col(q, 7));
	snprintf(a->reason, sizeof(a->reason), "%s", store_approval_col(q, 8));
	snprintf(a->result, sizeof(a->result), "%s", store_approval_col(q, 9));
	a->created = (time_t)sqlite3_column_int64(q, 10);
	a->decided = (time_t)sqlite3_column_int64(q, 11);
}

/* Run SQL with text (t) and integer (i) parameters, the store's lock held;
 * the rows changed, or -1 with ERR. */
static int
store_approval_exec(struct store *st, char *err, size_t errlen, const char *sql,
    const char *types, ...)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *q;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", store_path(st), sqlite3_errmsg(db));
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
	rc = sqlite3_step(q) == SQLITE_DONE ? sqlite3_changes(db) : -1;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", store_path(st), sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return rc;
}

int
store_approval_request(struct store *st, const char *kind, const char *target,
    const char *detail, int nodes, int64_t *id, char *err, size_t errlen)
{
	char actor[128], host[256], what[PD_ERROR_LEN + 32], aerr[PD_ERROR_LEN];
	int rc;

	*id = 0;
	store_actor(actor, sizeof(actor));
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	store_lock(st);
	rc = store_approval_init(st, err, errlen);
	if (rc == 0)
		rc = store_approval_exec(st, err, errlen, "INSERT INTO approvals (created, kind,"
		    " target, detail, nodes, requester, req_uid, req_login, host, pid) VALUES"
		    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "itttitiiti",
		    (int64_t)time(NULL), kind, target, detail != NULL ? detail : "", (int64_t)nodes,
		    actor, (int64_t)getuid(), (int64_t)store_approval_login(), host,
		    (int64_t)getpid());
	if (rc == 1)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	store_unlock(st);
	if (rc != 1)
		return -1;
	/* No entry, no request. */
	snprintf(what, sizeof(what), "request #%lld: %s %s", (long long)*id, kind, target);
	if (audit_append(st, "four-eyes-request", what, detail, aerr, sizeof(aerr)) != 0) {
		store_lock(st);
		store_approval_exec(st, aerr, 0, "DELETE FROM approvals WHERE id = ?1", "i", *id);
		store_unlock(st);
		snprintf(err, errlen, "%s %s: not requested: the audit trail cannot be written: %s",
		    kind, target, aerr);
		*id = 0;
		return -1;
	}
	return 0;
}

/* Whether process PID of HOST may still be running (unknown on another
 * host: yes). */
static int
store_approval_alive(const char *host, long pid)
{
	char me[256];

	if (gethostname(me, sizeof(me)) != 0)
		return 1;
	me[sizeof(me) - 1] = '\0';
	if (strcmp(me, host) != 0)
		return 1;
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int
store_approval_decide(struct store *st, int64_t id, int approve, const char *reason,
    char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	struct pd_approval a;
	char actor[128], host[256], what[PD_ERROR_LEN + 32], aerr[PD_ERROR_LEN];
	long ru, rl, pid, dl = store_approval_login();
	int rc;

	store_actor(actor, sizeof(actor));
	store_lock(st);
	if (store_approval_init(st, err, errlen) != 0)
		goto fail;
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT " STORE_APPROVAL_COLS " FROM approvals"
	    " WHERE id = ?1", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", store_path(st), sqlite3_errmsg(store_sqlite(st)));
		goto fail;
	}
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		snprintf(err, errlen, "no four-eyes request #%lld", (long long)id);
		goto fail;
	}
	store_approval_row(q, &a);
	ru = (long)sqlite3_column_int64(q, 12);
	rl = (long)sqlite3_column_int64(q, 13);
	snprintf(host, sizeof(host), "%s", store_approval_col(q, 14));
	pid = (long)sqlite3_column_int64(q, 15);
	sqlite3_finalize(q);
	q = NULL;
	if (strcmp(a.state, "pending") != 0) {
		snprintf(err, errlen, "request #%lld is %s%s%s%s, not pending", (long long)id,
		    a.state, a.decider[0] ? " (decided by " : "", a.decider, a.decider[0] ? ")" : "");
		goto fail;
	}
	if (store_approval_same((long)getuid(), dl, ru, rl)) {
		snprintf(err, errlen, "request #%lld: refused: %s asked for it; four eyes needs a "
		    "second, different person to %s it", (long long)id, a.requester,
		    approve ? "approve" : "reject");
		goto fail;
	}
	if (!store_approval_alive(host, pid)) {
		store_approval_exec(st, aerr, sizeof(aerr), "UPDATE approvals SET state ="
		    " 'cancelled', result = 'the requesting process is gone' WHERE id = ?1 AND"
		    " state = 'pending'", "i", id);
		snprintf(err, errlen, "request #%lld: its process (%s pid %ld) is gone: nothing "
		    "would run it; ask again", (long long)id, host, pid);
		goto fail;
	}
	rc = store_approval_exec(st, err, errlen, "UPDATE approvals SET state = ?2, decider = ?3,"
	    " dec_uid = ?4, decided = ?5, reason = ?6 WHERE id = ?1 AND state = 'pending'",
	    "ittiit", id, approve ? "approved" : "rejected", actor, (int64_t)getuid(),
	    (int64_t)time(NULL), reason != NULL ? reason : "");
	if (rc != 1) {
		if (rc == 0)
			snprintf(err, errlen, "request #%lld was decided meanwhile", (long long)id);
		goto fail;
	}
	store_unlock(st);
	snprintf(what, sizeof(what), "request #%lld: %s %s (asked by %s)", (long long)id, a.kind,
	    a.target, a.requester);
	if (audit_append(st, approve ? "four-eyes-approve" : "four-eyes-reject", what,
	    reason, aerr, sizeof(aerr)) != 0) {
		store_lock(st);
		store_approval_exec(st, what, sizeof(what), "UPDATE approvals SET state = 'pending',"
		    " decider = '', dec_uid = -1, decided = 0, reason = '' WHERE id = ?1", "i", id);
		store_unlock(st);
		snprintf(err, errlen, "request #%lld: not decided: the audit trail cannot be "
		    "written: %s", (long long)id, aerr);
		return -1;
	}
	return 0;
fail:
	sqlite3_finalize(q);
	store_unlock(st);
	return -1;
}

int
store_approval_get(struct store *st, int64_t id, struct pd_approval *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	int rc = -1;

	store_lock(st);
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT " STORE_APPROVAL_COLS " FROM approvals"
	    " WHERE id = ?1", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", store_path(st), sqlite3_errmsg(store_sqlite(st)));
		store_unlock(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		store_approval_row(q, out);
		rc = 0;
	} else {
		snprintf(err, errlen, "no four-eyes request #%lld", (long long)id);
	}
	sqlite3_finalize(q);
	store_unlock(st);
	return rc;
}

int
store_approval_finish(struct store *st, int64_t id, const char *state, const char *result)
{
	char err[PD_ERROR_LEN];
	int rc;

	store_lock(st);
	rc = store_approval_exec(st, err, sizeof(err), "UPDATE approvals SET state = ?2,"
	    " result = ?3 WHERE id = ?1 AND state IN ('pending', 'approved')", "itt", id, state, result != NULL ? result : "");
	store_unlock(st);
	return rc == 1 ? 0 : -1;
}

int
store_approvals(struct store *st, int all, struct pd_approval **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_approval *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	store_lock(st);
	if (sqlite3_prepare_v2(store_sqlite(st), all ? "SELECT " STORE_APPROVAL_COLS " FROM"
	    " approvals ORDER BY id DESC LIMIT 200" : "SELECT " STORE_APPROVAL_COLS " FROM"
	    " approvals WHERE state IN ('pending', 'approved') ORDER BY id DESC", -1, &q,
	    NULL) != SQLITE_OK) {
		/* A database no request was ever written to has no table. */
		rc = strstr(sqlite3_errmsg(store_sqlite(st)), "no such table") != NULL ? 0 : -1;
		if (rc != 0)
			snprintf(err, errlen, "%s: %s", store_path(st),
			    sqlite3_errmsg(store_sqlite(st)));
		store_unlock(st);
		return rc;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		store_approval_row(q, &v[(*n)++]);
	}
	sqlite3_finalize(q);
	store_unlock(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: reading the approvals failed", store_path(st));
		free(v);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}
