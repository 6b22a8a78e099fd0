/* test-audit.c: the audit chain — entries appended to a store in a
 * temporary file verify; each kind of tampering done behind its back with
 * the SQLite API (alter, remove, insert, swap, rehash) makes audit_verify
 * fail and name the first entry it touched.  Then the signatures
 * (audit-sign.c): Ed25519 round trips, checkpoint lines, and a signer on a
 * socket in a thread: a re-chained rewrite, a removed signature and a
 * truncated tail fail audit_verify_signed, entries from before signing
 * are counted unsigned, and the signer refuses to sign out of order. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sqlite3.h>

#include "backend/store/audit.h"
#include "backend/store/audit-sign.h"
#include "backend/store/store.h"

#define NENTRIES 6

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
};

static void
fx_append(struct store *st, int i)
{
	char target[64], detail[64], err[512] = "";

	snprintf(target, sizeof(target), "stack web revision %d", i);
	snprintf(detail, sizeof(detail), "deploy #%d started, 2 nodes: a b", i);
	if (audit_append(st, i % 2 ? "deploy-start" : "deploy-end", target, detail, err,
	    sizeof(err)) != 0)
		fail_msg("audit_append: %s", err);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-audit.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/plantdeck.db", fx->dir);
	if (store_open(fx->path, 0, &fx->st, err, sizeof(err)) != 0)
		fail_msg("store_open: %s", err);
	for (int i = 1; i <= NENTRIES; i++)
		fx_append(fx->st, i);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char p[160];

	store_close(fx->st);
	unlink(fx->path);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The teardown of a test that made keys and a checkpoint file. */
static int
teardown_keys(void **state)
{
	struct fixture *fx = *state;
	const char *names[] = { "key.pem", "pub.pem", "cp", "signer.sock" };
	char p[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, names[i]);
		unlink(p);
	}
	return teardown(state);
}

/* Run SQL on the fixture's database, as someone tampering with it. */
static void
tamper(struct fixture *fx, const char *sql)
{
	char *msg = NULL;

	store_lock(fx->st);
	if (sqlite3_exec(store_sqlite(fx->st), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	store_unlock(fx->st);
}

/* Verify, expecting the chain broken at entry BAD with WHY containing TEXT. */
static void
expect_broken(struct fixture *fx, int64_t bad, const char *text)
{
	char why[512];
	int64_t first_bad = -1;
	size_t n = 99;

	assert_int_equal(audit_verify(fx->st, &first_bad, &n, why, sizeof(why)), 1);
	print_message("  verify: %s\n", why);
	assert_int_equal(first_bad, bad);
	if (strstr(why, text) == NULL)
		fail_msg("'%s' does not contain '%s'", why, text);
}

/* The hash definition of doc/audit.md, against a value computed apart
 * (python3 hashlib over the netstrings). */
static void
test_hash_definition(void **state)
{
	char h[AUDIT_HASH_LEN + 1];

	(void)state;
	assert_int_equal(audit_hash(1, "2025-01-01T00:00:00.000Z", "alice@/dev/pts/1",
	    "deploy-start", "stack web revision 1", "deploy #1 started",
	    "0000000000000000000000000000000000000000000000000000000000000000", h), 0);
	assert_string_equal(h, "d10d4c6f12d9139dbbe985f16ccc43a0c6b839fd9f46c496f7cd3a616b8f437c");
	/* Moving bytes from one field to the next changes the hash. */
	{
		char h2[AUDIT_HASH_LEN + 1];

		assert_int_equal(audit_hash(1, "t", "ab", "c", "", "", "", h), 0);
		assert_int_equal(audit_hash(1, "t", "a", "bc", "", "", "", h2), 0);
		assert_string_not_equal(h, h2);
	}
}

static void
test_intact(void **state)
{
	struct fixture *fx = *state;
	struct pd_audit_entry *e;
	char why[512], err[512];
	int64_t bad = -1;
	size_t n;

	assert_int_equal(audit_verify(fx->st, &bad, &n, why, sizeof(why)), 0);
	assert_int_equal(n, NENTRIES);
	assert_int_equal(bad, 0);
	assert_int_equal(audit_list(fx->st, 0, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(n, NENTRIES);
	assert_string_equal(e[0].prev_hash,
	    "0000000000000000000000000000000000000000000000000000000000000000");
	for (size_t i = 0; i < n; i++) {
		char h[AUDIT_HASH_LEN + 1];

		assert_int_equal(e[i].id, (int64_t)i + 1);
		if (i > 0)
			assert_string_equal(e[i].prev_hash, e[i - 1].hash);
		assert_int_equal(audit_hash(e[i].id, e[i].time, e[i].actor, e[i].action,
		    e[i].target, e[i].detail, e[i].prev_hash, h), 0);
		assert_string_equal(h, e[i].hash);
		assert_int_equal(strlen(e[i].time), 24);
		assert_true(e[i].actor[0] != '\0');
	}
	assert_string_equal(e[2].action, "deploy-start");
	assert_string_equal(e[2].target, "stack web revision 3");
	pd_audit_free(e, n);
	/* --since: nothing was written in the future. */
	assert_int_equal(audit_list(fx->st, time(NULL) + 3600, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	pd_audit_free(e, n);
	assert_int_equal(audit_list(fx->st, time(NULL) - 3600, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(n, NENTRIES);
	pd_audit_free(e, n);
}

static void
test_alter_detail(void **state)
{
	tamper(*state, "UPDATE audit SET detail = 'x' WHERE id = 3");
	expect_broken(*state, 3, "entry 3: altered (its hash does not match its content)");
}

static void
test_alter_actor(void **state)
{
	tamper(*state, "UPDATE audit SET actor = 'somebody else' WHERE id = 1");
	expect_broken(*state, 1, "entry 1: altered");
}

static void
test_alter_null(void **state)
{
	/* NOT NULL stops an UPDATE; a table rebuilt without it would not. */
	tamper(*state, "PRAGMA writable_schema = 1;"
	    "UPDATE sqlite_master SET sql = replace(sql, 'detail TEXT NOT NULL', 'detail TEXT')"
	    " WHERE name = 'audit'; PRAGMA writable_schema = 0;");
	store_close(((struct fixture *)*state)->st);
	{
		struct fixture *fx = *state;
		char err[512];

		if (store_open(fx->path, 0, &fx->st, err, sizeof(err)) != 0)
			fail_msg("store_open: %s", err);
	}
	tamper(*state, "UPDATE audit SET detail = NULL WHERE id = 2");
	expect_broken(*state, 2, "entry 2: altered (its detail is NULL)");
}

static void
test_remove(void **state)
{
	tamper(*state, "DELETE FROM audit WHERE id = 3");
	expect_broken(*state, 3, "entry 3: removed (ids jump from 2 to 4)");
}

static void
test_remove_first(void **state)
{
	tamper(*state, "DELETE FROM audit WHERE id = 1");
	expect_broken(*state, 1, "entry 1: removed");
}

static void
test_remove_last(void **state)
{
	tamper(*state, "DELETE FROM audit WHERE id >= 5");
	expect_broken(*state, 5, "entry 5: removed (the chain ends at entry 4");
}

/* Removed, the entries after it renumbered to close the gap. */
static void
test_remove_renumber(void **state)
{
	tamper(*state, "DELETE FROM audit WHERE id = 3;"
	    "UPDATE audit SET id = 3 WHERE id = 4; UPDATE audit SET id = 4 WHERE id = 5;"
	    "UPDATE audit SET id = 5 WHERE id = 6;");
	expect_broken(*state, 3, "entry 3: the entry before it was removed");
}

/* Make room at id 3 (the later entries move up by one). */
static void
make_room(struct fixture *fx)
{
	for (int id = NENTRIES; id >= 3; id--) {
		char sql[96];

		snprintf(sql, sizeof(sql), "UPDATE audit SET id = %d WHERE id = %d", id + 1, id);
		tamper(fx, sql);
	}
}

/* An entry inserted with a made-up hash. */
static void
test_insert_naive(void **state)
{
	make_room(*state);
	tamper(*state, "INSERT INTO audit (id, time, actor, action, target, detail, prev_hash, hash)"
	    " VALUES (3, '2025-01-01T00:00:00.000Z', 'mallory',"
	    " 'deploy-start', 'stack web revision 9', 'nothing to see', 'aa', 'bb')");
	expect_broken(*state, 3, "entry 3:");
}

/* An entry inserted by someone who knows the hash definition: it links
 * to entry 2 and its own hash is right; the one after it is not. */
static void
test_insert_forged(void **state)
{
	struct fixture *fx = *state;
	struct pd_audit_entry *e;
	char h[AUDIT_HASH_LEN + 1], err[512], sql[512];
	size_t n;

	assert_int_equal(audit_list(fx->st, 0, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(audit_hash(3, e[1].time, "mallory", "tune", "node x", "forged",
	    e[1].hash, h), 0);
	make_room(fx);
	snprintf(sql, sizeof(sql), "INSERT INTO audit (id, time, actor, action, target, detail, prev_hash, hash)"
	    " VALUES (3, '%s', 'mallory', 'tune',"
	    " 'node x', 'forged', '%s', '%s')", e[1].time, e[1].hash, h);
	pd_audit_free(e, n);
	tamper(fx, sql);
	expect_broken(fx, 3, "entry 3: inserted");
}

static void
test_swap(void **state)
{
	tamper(*state, "UPDATE audit SET id = 100 WHERE id = 2;"
	    "UPDATE audit SET id = 2 WHERE id = 4; UPDATE audit SET id = 4 WHERE id = 100;");
	expect_broken(*state, 2, "entry 2: altered");
}

static void
test_change_hash(void **state)
{
	tamper(*state, "UPDATE audit SET hash = "
	    "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' WHERE id = 4");
	expect_broken(*state, 4, "entry 4: altered");
}

/* Altered and its hash recomputed: the next entry's link shows it. */
static void
test_alter_rehash(void **state)
{
	struct fixture *fx = *state;
	struct pd_audit_entry *e;
	char h[AUDIT_HASH_LEN + 1], err[512], sql[256];
	size_t n;

	assert_int_equal(audit_list(fx->st, 0, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(audit_hash(3, e[2].time, e[2].actor, e[2].action, e[2].target,
	    "rewritten", e[2].prev_hash, h), 0);
	pd_audit_free(e, n);
	snprintf(sql, sizeof(sql), "UPDATE audit SET detail = 'rewritten', hash = '%s'"
	    " WHERE id = 3", h);
	tamper(fx, sql);
	expect_broken(fx, 4, "entry 4: the entry before it was removed or altered "
	    "(prev_hash does not match entry 3)");
}

/* Processes appending at once make one chain. */
static void
test_concurrent(void **state)
{
	struct fixture *fx = *state;
	char why[512];
	pid_t kids[3];
	int64_t bad;
	size_t n;

	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct store *st;
			char err[512];
			int rc = 0;

			if (store_open(fx->path, 0, &st, err, sizeof(err)) != 0)
				_exit(2);
			for (int i = 0; i < 20 && rc == 0; i++)
				rc = audit_append(st, "heal", "node x", "child", err, sizeof(err));
			store_close(st);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 20; i++)
		fx_append(fx->st, 100 + i);
	for (int k = 0; k < 3; k++) {
		int status;

		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(audit_verify(fx->st, &bad, &n, why, sizeof(why)), 0);
	assert_int_equal(n, NENTRIES + 80);
}

static void
test_read_only(void **state)
{
	struct fixture *fx = *state;
	struct store *ro;
	char err[512], why[512];
	int64_t bad;
	size_t n;

	if (store_open(fx->path, 1, &ro, err, sizeof(err)) != 0)
		fail_msg("store_open: %s", err);
	assert_int_equal(audit_append(ro, "deploy-start", "x", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read-only"));
	assert_int_equal(audit_verify(ro, &bad, &n, why, sizeof(why)), 0);
	assert_int_equal(n, NENTRIES);
	store_close(ro);
}

/* ---------------------------------------------------------------- signing */

/* An Ed25519 key pair in DIR/key.pem and DIR/pub.pem. */
static void
make_keys(const char *dir)
{
	char path[256];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f;

	assert_non_null(k);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);          /* the signer wants it private */
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

static void
test_sign_roundtrip(void **state)
{
	struct fixture *fx = *state;
	char path[256], err[256], msg[256], sig[AUDIT_SIG_HEX + 1];
	EVP_PKEY *priv, *pub;

	make_keys(fx->dir);
	snprintf(path, sizeof(path), "%s/key.pem", fx->dir);
	priv = audit_key_load(path, 1, err, sizeof(err));
	assert_non_null(priv);
	snprintf(path, sizeof(path), "%s/pub.pem", fx->dir);
	pub = audit_key_load(path, 0, err, sizeof(err));
	assert_non_null(pub);
	assert_null(audit_key_load(path, 1, err, sizeof(err)));   /* not a private key */
	assert_int_equal(audit_entry_message(msg, sizeof(msg), 7, "ab"), 37);
	assert_string_equal(msg, "plantdeck-audit-entry v1 id=7 hash=ab");
	assert_int_equal(audit_key_sign(priv, msg, sig), 0);
	assert_int_equal(strlen(sig), AUDIT_SIG_HEX);
	assert_int_equal(audit_key_check(pub, msg, sig), 1);
	assert_int_equal(audit_key_check(pub, "plantdeck-audit-entry v1 id=8 hash=ab", sig), 0);
	sig[5] = sig[5] == '0' ? '1' : '0';
	assert_int_equal(audit_key_check(pub, msg, sig), 0);
	assert_int_equal(audit_key_check(pub, msg, "zz"), 0);
	assert_int_equal(audit_key_check(pub, msg, NULL), 0);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
}

/* Write TEXT as the file DIR/NAME. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_checkpoint_lines(void **state)
{
	struct fixture *fx = *state;
	char path[256], cps[256], err[256], line[1024], sig[AUDIT_SIG_HEX + 1], why[512];
	const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct audit_checkpoint cp;
	EVP_PKEY *priv;

	make_keys(fx->dir);
	snprintf(path, sizeof(path), "%s/key.pem", fx->dir);
	priv = audit_key_load(path, 1, err, sizeof(err));
	assert_non_null(priv);
	snprintf(cps, sizeof(cps), "%s/cp", fx->dir);
	assert_int_equal(audit_checkpoint_last(cps, priv, &cp, why, sizeof(why)), 0);  /* none */
	snprintf(line, sizeof(line), "plantdeck-audit-checkpoint v1 id=9 hash=%s first=4 "
	    "time=2026-01-01T00:00:00Z uid=1000", h);
	assert_int_equal(audit_key_sign(priv, line, sig), 0);
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " sig=%s\n", sig);
	write_file(fx->dir, "cp", line);
	assert_int_equal(audit_checkpoint_last(cps, priv, &cp, why, sizeof(why)), 1);
	assert_int_equal(cp.id, 9);
	assert_int_equal(cp.first, 4);
	assert_int_equal(cp.uid, 1000);
	assert_int_equal(cp.line, 1);
	assert_string_equal(cp.hash, h);
	/* Altered: another id under the same signature. */
	line[strlen("plantdeck-audit-checkpoint v1 id=")] = '8';
	write_file(fx->dir, "cp", line);
	assert_int_equal(audit_checkpoint_last(cps, priv, &cp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "line 1: its signature does not match"));
	write_file(fx->dir, "cp", "plantdeck-audit-checkpoint v1 id=1 hash=x\n");
	assert_int_equal(audit_checkpoint_last(cps, priv, &cp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "malformed"));
	write_file(fx->dir, "cp", "\n\n");
	assert_int_equal(audit_checkpoint_last(cps, priv, &cp, why, sizeof(why)), 0);
	EVP_PKEY_free(priv);
}

/* A signer running in a thread. */
struct signer_thread {
	pthread_t t;
	struct audit_signer_opts o;
	volatile sig_atomic_t stop;
	char key[256], sock[256], cps[256], err[512];
	int rc;
	volatile int done;
};

static void *
signer_main(void *arg)
{
	struct signer_thread *s = arg;

	s->rc = audit_signer_run(&s->o, &s->stop, s->err, sizeof(s->err));
	s->done = 1;
	return NULL;
}

/* Start the signer of FX's keys; wait until it answers. */
static void
signer_start(struct fixture *fx, struct signer_thread *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s/key.pem", fx->dir);
	snprintf(s->sock, sizeof(s->sock), "%s/signer.sock", fx->dir);
	snprintf(s->cps, sizeof(s->cps), "%s/cp", fx->dir);
	s->o.key = s->key;
	s->o.socket = s->sock;
	s->o.checkpoints = s->cps;
	s->o.no_syslog = 1;
	assert_int_equal(pthread_create(&s->t, NULL, signer_main, s), 0);
	for (;;) {                                   /* until it listens */
		char err[256], sig[AUDIT_SIG_HEX + 1];

		if (audit_signer_sign(s->sock, 0, "x", "y", sig, err, sizeof(err)) != 0 &&
		    strstr(err, "refused") != NULL)
			break;
		if (s->done)
			fail_msg("the signer did not start: %s", s->err);
		usleep(10000);
	}
}

/* Stop it: set the flag, wake its poll with a connection. */
static void
signer_stop(struct signer_thread *s)
{
	char err[256], sig[AUDIT_SIG_HEX + 1];

	s->stop = 1;
	audit_signer_sign(s->sock, 0, "x", "y", sig, err, sizeof(err));
	pthread_join(s->t, NULL);
	assert_int_equal(s->rc, 0);
}

/* Verify with FX's public key; the result, with BAD and WHY. */
static int
verify_signed(struct fixture *fx, struct pd_audit_report *rep, int64_t *bad, char *why,
    size_t whylen)
{
	char pub[256], cps[256];
	int rc;

	snprintf(pub, sizeof(pub), "%s/pub.pem", fx->dir);
	snprintf(cps, sizeof(cps), "%s/cp", fx->dir);
	rc = audit_verify_signed(fx->st, pub, cps, rep, bad, why, whylen);
	print_message("  verify: %d %s\n", rc, why);
	return rc;
}

static void
test_signed_chain(void **state)
{
	struct fixture *fx = *state;
	struct signer_thread s;
	struct audit_config ac;
	struct pd_audit_report rep;
	struct pd_audit_entry *e;
	char why[1024], err[512], sql[1024], h8[AUDIT_HASH_LEN + 1], h9[AUDIT_HASH_LEN + 1];
	char sig[AUDIT_SIG_HEX + 1];
	int64_t bad;
	size_t n;

	make_keys(fx->dir);
	signer_start(fx, &s);
	audit_config_fill(&ac, 0, s.sock, NULL, NULL);
	audit_configure(&ac);
	for (int i = 7; i <= 9; i++)
		fx_append(fx->st, i);
	audit_configure(NULL);
	assert_int_equal(verify_signed(fx, &rep, &bad, why, sizeof(why)), 0);
	assert_int_equal(rep.count, NENTRIES + 3);
	assert_int_equal(rep.nsigned, 3);
	assert_int_equal(rep.unsigned_first, 1);
	assert_int_equal(rep.unsigned_last, NENTRIES);
	assert_int_equal(rep.checkpoint, 1);
	assert_int_equal(rep.cp_id, NENTRIES + 3);

	/* The signer signs only the entry after its head. */
	assert_int_equal(audit_list(fx->st, 0, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(audit_signer_sign(s.sock, 8, e[6].hash, e[7].hash, sig, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "head is entry 9"));

	/* Entry 8 rewritten and 8, 9 re-chained: its signature shows it. */
	assert_int_equal(audit_hash(8, e[7].time, "mallory", e[7].action, e[7].target, "none",
	    e[6].hash, h8), 0);
	assert_int_equal(audit_hash(9, e[8].time, e[8].actor, e[8].action, e[8].target,
	    e[8].detail, h8, h9), 0);
	snprintf(sql, sizeof(sql), "UPDATE audit SET actor = 'mallory', detail = 'none', hash = "
	    "'%s' WHERE id = 8; UPDATE audit SET prev_hash = '%s', hash = '%s' WHERE id = 9", h8,
	    h8, h9);
	pd_audit_free(e, n);
	tamper(fx, sql);
	assert_int_equal(audit_verify(fx->st, &bad, &n, why, sizeof(why)), 0);  /* unkeyed */
	assert_int_equal(verify_signed(fx, &rep, &bad, why, sizeof(why)), 1);
	assert_int_equal(bad, 8);
	assert_non_null(strstr(why, "entry 8: altered (its signature does not match"));
	tamper(fx, "UPDATE audit SET sig = NULL WHERE id >= 8");
	assert_int_equal(verify_signed(fx, &rep, &bad, why, sizeof(why)), 1);
	assert_int_equal(bad, 8);
	assert_non_null(strstr(why, "entry 8: unsigned"));

	/* The tail removed, sqlite_sequence too: the checkpoint shows it. */
	tamper(fx, "DELETE FROM audit WHERE id >= 8;"
	    "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'audit'");
	assert_int_equal(audit_verify(fx->st, &bad, &n, why, sizeof(why)), 0);  /* unkeyed */
	assert_int_equal(verify_signed(fx, &rep, &bad, why, sizeof(why)), 1);
	assert_int_equal(bad, 8);
	assert_non_null(strstr(why, "entry 8: removed"));
	assert_non_null(strstr(why, "last checkpoint"));
	signer_stop(&s);
}

/* With a signer configured and down, nothing is written. */
static void
test_signer_down(void **state)
{
	struct fixture *fx = *state;
	struct audit_config ac;
	char err[512], why[512], sock[256];
	int64_t bad;
	size_t n;

	snprintf(sock, sizeof(sock), "%s/nobody.sock", fx->dir);
	audit_config_fill(&ac, 1, sock, NULL, NULL);
	audit_configure(&ac);
	assert_int_equal(audit_required(), 1);
	assert_int_equal(audit_append(fx->st, "tune", "x", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nobody.sock"));
	audit_configure(NULL);
	assert_int_equal(audit_required(), 0);
	assert_int_equal(audit_verify(fx->st, &bad, &n, why, sizeof(why)), 0);
	assert_int_equal(n, NENTRIES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_definition),
		cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_actor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_renumber, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_naive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_rehash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_roundtrip, setup, teardown_keys),
		cmocka_unit_test_setup_teardown(test_checkpoint_lines, setup, teardown_keys),
		cmocka_unit_test_setup_teardown(test_signed_chain, setup, teardown_keys),
		cmocka_unit_test_setup_teardown(test_signer_down, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
