/* store-serve.c: the heartbeat of each `plantdeck serve` (store-serve.h).
 *
 * A serve writes its row (host, pid, start, beat, whether it runs the heal
 * detectors, its metrics address) every STORE_SERVE_BEAT seconds and
 * deletes it when it stops; a cockpit's store reader reads the rows and
 * shows SERVE in the header while one is live.  A serve killed without its
 * goodbye leaves a row that goes stale (no beat for STORE_SERVE_LIVE s, or
 * its pid gone on this host) and is forgotten after STORE_SERVE_FORGET s.
 * The table is made by the first beat: a database no serve used has none,
 * which reads as no serve. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backend/store/store.h"
#include "backend/store/store-serve.h"

/* Host names and errors are cut to their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char store_serve_schema[] =
	"CREATE TABLE IF NOT EXISTS serve_beats ("
	"  host TEXT NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  beat INTEGER NOT NULL,"
	"  heal INTEGER NOT NULL DEFAULT 0,"
	"  metrics TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (host, pid));";

/* This host's name, as store.c finds it. */
static void
store_serve_host(char *out, size_t len)
{
	if (gethostname(out, len) != 0)
		snprintf(out, len, "localhost");
	out[len - 1] = '\0';
}

/* Fill ERR from the connection (the store's lock held). */
static int
store_serve_fail(struct store *st, const char *what, char *err, size_t errlen)
{
	if (err != NULL)
		snprintf(err, errlen, "%s: %s: %s", store_path(st), what,
		    sqlite3_errmsg(store_sqlite(st)));
	return -1;
}

int
store_serve_beat(struct store *st, time_t started, int heal, const char *metrics,
    time_t now, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	char host[128], *msg = NULL;
	int rc = -1;

	store_serve_host(host, sizeof(host));
	store_lock(st);
	if (sqlite3_exec(store_sqlite(st), store_serve_schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create serve_beats: %s", store_path(st),
		    msg != NULL ? msg : sqlite3_errmsg(store_sqlite(st)));
		sqlite3_free(msg);
		store_unlock(st);
		return -1;
	}
	if (sqlite3_prepare_v2(store_sqlite(st), "INSERT INTO serve_beats (host, pid, started,"
	    " beat, heal, metrics) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (host, pid) DO"
	    " UPDATE SET started = ?3, beat = ?4, heal = ?5, metrics = ?6", -1, &q,
	    NULL) != SQLITE_OK) {
		store_serve_fail(st, "serve beat", err, errlen);
		goto out;
	}
	sqlite3_bind_text(q, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)getpid());
	sqlite3_bind_int64(q, 3, (sqlite3_int64)started);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)now);
	sqlite3_bind_int(q, 5, heal != 0);
	sqlite3_bind_text(q, 6, metrics != NULL ? metrics : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) != SQLITE_DONE) {
		store_serve_fail(st, "serve beat", err, errlen);
		goto out;
	}
	sqlite3_finalize(q);
	q = NULL;
	/* Serves forgotten long ago (killed without their goodbye). */
	if (sqlite3_prepare_v2(store_sqlite(st), "DELETE FROM serve_beats WHERE beat < ?1", -1,
	    &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)(now - STORE_SERVE_FORGET));
		sqlite3_step(q);
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	store_unlock(st);
	return rc;
}

void
store_serve_gone(struct store *st)
{
	sqlite3_stmt *q;
	char host[128];

	store_serve_host(host, sizeof(host));
	store_lock(st);
	if (sqlite3_prepare_v2(store_sqlite(st), "DELETE FROM serve_beats WHERE host = ?1 AND"
	    " pid = ?2", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)getpid());
		sqlite3_step(q);
		sqlite3_finalize(q);
	}
	store_unlock(st);
}

/* Whether the serve of row Q (read at NOW, on host ME) beats. */
static int
store_serve_live(sqlite3_stmt *q, const char *me, time_t now)
{
	const unsigned char *host = sqlite3_column_text(q, 0);
	sqlite3_int64 pid = sqlite3_column_int64(q, 1);

	if (now - (time_t)sqlite3_column_int64(q, 3) > STORE_SERVE_LIVE)
		return 0;
	if (host != NULL && strcmp((const char *)host, me) == 0 &&
	    (pid <= 0 || pid > INT_MAX || (kill((pid_t)pid, 0) != 0 && errno != EPERM)))
		return 0;
	return 1;
}

int
store_serve_read(struct store *st, time_t now, struct pd_serve *out, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	char me[128];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	store_serve_host(me, sizeof(me));
	store_lock(st);
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT host, pid, started, beat, heal, metrics"
	    " FROM serve_beats WHERE beat >= ?1 ORDER BY beat DESC, pid", -1, &q,
	    NULL) != SQLITE_OK) {
		/* No serve ever beat here: no table, no serve. */
		if (strstr(sqlite3_errmsg(store_sqlite(st)), "no such table") == NULL)
			rc = store_serve_fail(st, "serve beats", err, errlen);
		store_unlock(st);
		return rc;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)(now - STORE_SERVE_FORGET));
	while (sqlite3_step(q) == SQLITE_ROW) {
		int live = store_serve_live(q, me, now);
		const unsigned char *host = sqlite3_column_text(q, 0);
		const unsigned char *metrics = sqlite3_column_text(q, 5);

		out->live += live;
		/* The newest live one, else the newest one. */
		if (out->state == PD_SERVE_LIVE || (out->state == PD_SERVE_STALE && !live))
			continue;
		out->state = live ? PD_SERVE_LIVE : PD_SERVE_STALE;
		snprintf(out->host, sizeof(out->host), "%s", host != NULL ? (const char *)host : "");
		out->pid = (long)sqlite3_column_int64(q, 1);
		out->started = (time_t)sqlite3_column_int64(q, 2);
		out->beat = (time_t)sqlite3_column_int64(q, 3);
		out->heal = sqlite3_column_int(q, 4) != 0;
		snprintf(out->metrics, sizeof(out->metrics), "%s",
		    metrics != NULL ? (const char *)metrics : "");
	}
	sqlite3_finalize(q);
	store_unlock(st);
	return 0;
}
