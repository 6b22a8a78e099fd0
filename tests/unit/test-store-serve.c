/* test-store-serve.c: serve's heartbeat in the database (store-serve.c):
 * no table reads as no serve; a beat is live with this host and pid, stale
 * after STORE_SERVE_LIVE s of silence, forgotten after STORE_SERVE_FORGET s;
 * a row of a pid gone on this host is stale at once; a live row wins over
 * a newer stale one; the goodbye deletes the row; a beat refreshes a row
 * rather than adding one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backend/store/store.h"
#include "backend/store/store-serve.h"

#define NOW ((time_t)1700000000)

/* A pid that is gone: a child that exited and was reaped. */
static long
dead_pid(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (long)p;
}

static void
test_serve_beats(void **state)
{
	char dir[] = "/tmp/test-store-serve.XXXXXX", path[128], err[512] = "", host[128], sql[512];
	struct store *st;
	struct pd_serve sv;
	sqlite3_stmt *q;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pd.db", dir);
	assert_int_equal(store_open(path, 0, &st, err, sizeof(err)), 0);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");

	/* No serve ever beat: no table, no serve, no error. */
	assert_int_equal(store_serve_read(st, NOW, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_NONE);

	assert_int_equal(store_serve_beat(st, NOW - 100, 1, "127.0.0.1:9464", NOW, err,
	    sizeof(err)), 0);
	assert_int_equal(store_serve_read(st, NOW + STORE_SERVE_LIVE, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_LIVE);
	assert_int_equal(sv.live, 1);
	assert_string_equal(sv.host, host);
	assert_int_equal(sv.pid, (long)getpid());
	assert_int_equal(sv.started, NOW - 100);
	assert_int_equal(sv.beat, NOW);
	assert_int_equal(sv.heal, 1);
	assert_string_equal(sv.metrics, "127.0.0.1:9464");

	/* Silent too long: stale; much too long: forgotten. */
	assert_int_equal(store_serve_read(st, NOW + STORE_SERVE_LIVE + 1, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_STALE);
	assert_int_equal(sv.live, 0);
	assert_int_equal(store_serve_read(st, NOW + STORE_SERVE_FORGET + 1, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_NONE);

	/* The next beat refreshes the same row. */
	assert_int_equal(store_serve_beat(st, NOW - 100, 0, "", NOW + 5, err, sizeof(err)), 0);
	assert_int_equal(store_serve_read(st, NOW + 5, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_LIVE);
	assert_int_equal(sv.live, 1);
	assert_int_equal(sv.heal, 0);
	assert_string_equal(sv.metrics, "");

	/* A newer row of a pid gone on this host (a serve killed without its
	 * goodbye): stale at once, and the live one is shown, not it. */
	snprintf(sql, sizeof(sql), "INSERT INTO serve_beats (host, pid, started, beat) VALUES"
	    " (?1, %ld, %lld, %lld)", dead_pid(), (long long)NOW, (long long)NOW + 6);
	assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, host, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	assert_int_equal(store_serve_read(st, NOW + 6, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_LIVE);
	assert_int_equal(sv.live, 1);
	assert_int_equal(sv.pid, (long)getpid());

	/* The goodbye: this serve's row goes, the dead one's stays, stale. */
	store_serve_gone(st);
	assert_int_equal(store_serve_read(st, NOW + 6, &sv, err, sizeof(err)), 0);
	assert_int_equal(sv.state, PD_SERVE_STALE);
	assert_true(sv.pid != (long)getpid());

	store_close(st);
	snprintf(sql, sizeof(sql), "rm -rf '%s'", dir);
	assert_int_equal(system(sql), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_beats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
