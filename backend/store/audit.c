/* audit.c: the audit trail, a hash-chained table in the store's database.
 *
 * An entry's hash is the SHA-256 of its fields (id, time, actor, action,
 * target, detail, prev_hash), each written as "LENGTH:BYTES," (a netstring:
 * the byte length in decimal, a colon, the bytes, a comma), so that no two
 * different entries serialize the same.  prev_hash is the hash of the entry
 * before, 64 zeros for the first.  Appending reads the last entry and
 * inserts the next one inside one BEGIN IMMEDIATE transaction, so that
 * processes appending at once form one chain.  The table is created on
 * first use; doc/audit.md describes it for auditors.
 *
 * With audit.signer configured (audit_configure), each entry is also
 * signed, inside the same transaction, by the signer (audit-signer.c),
 * which never lets the writer see its key; the signature goes in the
 * column sig (NULL for entries written before signing, or by a database
 * older than it, which gets the column on first append).  An entry that
 * cannot be signed is not written.  audit_verify_signed checks the
 * signatures with the public key and the chain against the signer's last
 * checkpoint. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "backend/store/audit.h"
#include "backend/store/audit-sign.h"
#include "backend/store/store.h"

#ifdef UNITTEST
#define STATIC
#else
#define STATIC static
#endif

#define AUDIT_NFIELDS 7

static const char audit_zero_hash[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* AUTOINCREMENT: sqlite_sequence remembers the highest id ever written, so
 * that removing the newest entries shows too. */
static const char audit_schema[] =
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  sig TEXT);"
	"CREATE INDEX IF NOT EXISTS audit_time ON audit (time);";

/* The process's audit: settings (one inventory per process). */
static pthread_mutex_t audit_cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct audit_config audit_cfg;

void
audit_configure(const struct audit_config *cfg)
{
	pthread_mutex_lock(&audit_cfg_lock);
	if (cfg != NULL)
		audit_cfg = *cfg;
	else
		memset(&audit_cfg, 0, sizeof(audit_cfg));
	pthread_mutex_unlock(&audit_cfg_lock);
}

void
audit_config_get(struct audit_config *out)
{
	pthread_mutex_lock(&audit_cfg_lock);
	*out = audit_cfg;
	pthread_mutex_unlock(&audit_cfg_lock);
}

int
audit_required(void)
{
	int r;

	pthread_mutex_lock(&audit_cfg_lock);
	r = audit_cfg.require;
	pthread_mutex_unlock(&audit_cfg_lock);
	return r;
}

static const char *const audit_field_names[AUDIT_NFIELDS] = {
	"id", "time", "actor", "action", "target", "detail", "prev_hash",
};

/* The hex SHA-256 of the netstrings of the N fields F (LEN bytes each). */
static int
audit_hash_fields(const char *const *f, const size_t *len, char out[AUDIT_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (size_t i = 0; ok && i < AUDIT_NFIELDS; i++) {
		char prefix[32];
		int n = snprintf(prefix, sizeof(prefix), "%zu:", len[i]);

		ok = EVP_DigestUpdate(ctx, prefix, (size_t)n) == 1 &&
		    (len[i] == 0 || EVP_DigestUpdate(ctx, f[i], len[i]) == 1) &&
		    EVP_DigestUpdate(ctx, ",", 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == AUDIT_HASH_LEN / 2;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[AUDIT_HASH_LEN] = '\0';
	return 0;
}

STATIC int
audit_hash(int64_t id, const char *time, const char *actor, const char *action,
    const char *target, const char *detail, const char *prev_hash,
    char out[AUDIT_HASH_LEN + 1])
{
	char ids[32];
	const char *f[AUDIT_NFIELDS];
	size_t len[AUDIT_NFIELDS];

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	f[0] = ids;
	f[1] = time;
	f[2] = actor;
	f[3] = action;
	f[4] = target;
	f[5] = detail != NULL ? detail : "";
	f[6] = prev_hash;
	for (size_t i = 0; i < AUDIT_NFIELDS; i++)
		len[i] = strlen(f[i]);
	return audit_hash_fields(f, len, out);
}

/* Now, as the entries record it: ISO 8601 UTC with milliseconds. */
static void
audit_now(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%03uZ", (unsigned)(ts.tv_nsec / 1000000L) % 1000u);
}

static int
audit_fail(struct store *st, const char *what, char *err, size_t errlen)
{
	if (err != NULL)
		snprintf(err, errlen, "%s: audit: %s: %s", store_path(st), what,
		    sqlite3_errmsg(store_sqlite(st)));
	return -1;
}

/* Whether the audit table exists (a read-only store cannot create it):
 * 1, 0, or -1. */
static int
audit_exists(sqlite3 *db)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND"
	    " name = 'audit'", -1, &q, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Whether the audit table has the column sig (older ones do not). */
static int
audit_has_sig(sqlite3 *db)
{
	sqlite3_stmt *q;
	int ok = sqlite3_prepare_v2(db, "SELECT sig FROM audit LIMIT 0", -1, &q, NULL) == SQLITE_OK;

	sqlite3_finalize(q);
	return ok;
}

int
audit_append(struct store *st, const char *action, const char *target, const char *detail,
    char *err, size_t errlen)
{
	char actor[256];

	store_actor(actor, sizeof(actor));
	return audit_append_as(st, actor, action, target, detail, err, errlen);
}

int
audit_append_as(struct store *st, const char *actor, const char *action, const char *target,
    const char *detail, char *err, size_t errlen)
{
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	char now[40], prev[AUDIT_HASH_LEN + 1], hash[AUDIT_HASH_LEN + 1];
	char sig[AUDIT_SIG_HEX + 1] = "", signer[sizeof(audit_cfg.signer)];
	int64_t id = 1;
	int rc;

	if (actor == NULL)
		actor = "";
	if (target == NULL)
		target = "";
	if (detail == NULL)
		detail = "";
	if (action == NULL || action[0] == '\0') {
		snprintf(err, errlen, "audit: an entry needs an action");
		return -1;
	}
	pthread_mutex_lock(&audit_cfg_lock);
	memcpy(signer, audit_cfg.signer, sizeof(signer));
	pthread_mutex_unlock(&audit_cfg_lock);
	store_lock(st);
	db = store_sqlite(st);
	if (sqlite3_db_readonly(db, "main") == 1) {
		store_unlock(st);
		snprintf(err, errlen, "%s: audit: the database is open read-only", store_path(st));
		return -1;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "begin", err, errlen);
		store_unlock(st);
		return -1;
	}
	if (sqlite3_exec(db, audit_schema, NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "create the table", err, errlen);
		goto fail;
	}
	if (!audit_has_sig(db) &&
	    sqlite3_exec(db, "ALTER TABLE audit ADD COLUMN sig TEXT", NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "add the column sig", err, errlen);
		goto fail;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", -1, &q,
	    NULL) != SQLITE_OK) {
		audit_fail(st, "prepare", err, errlen);
		goto fail;
	}
	snprintf(prev, sizeof(prev), "%s", audit_zero_hash);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(q, 1);

		id = sqlite3_column_int64(q, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", h != NULL ? (const char *)h : "");
	} else if (rc != SQLITE_DONE) {
		audit_fail(st, "read the last entry", err, errlen);
		goto fail;
	}
	sqlite3_finalize(q);
	q = NULL;
	audit_now(now, sizeof(now));
	if (audit_hash(id, now, actor, action, target, detail, prev, hash) != 0) {
		snprintf(err, errlen, "audit: SHA-256 failed (libcrypto)");
		goto fail;
	}
	/* Signed inside the transaction: no other writer can take this id. */
	if (signer[0] != '\0' && audit_signer_sign(signer, id, prev, hash, sig, err, errlen) != 0)
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO audit (id, time, actor, action, target, detail,"
	    " prev_hash, hash, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &q,
	    NULL) != SQLITE_OK) {
		audit_fail(st, "prepare", err, errlen);
		goto fail;
	}
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 6, detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, prev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 8, hash, -1, SQLITE_TRANSIENT);
	if (sig[0] != '\0')
		sqlite3_bind_text(q, 9, sig, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, 9);
	if (sqlite3_step(q) != SQLITE_DONE) {
		audit_fail(st, "append", err, errlen);
		goto fail;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "commit", err, errlen);
		goto fail;
	}
	store_unlock(st);
	return 0;
fail:
	sqlite3_finalize(q);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	store_unlock(st);
	return -1;
}

static char *
audit_dup(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return strdup(t != NULL ? (const char *)t : "");
}

int
audit_list(struct store *st, time_t since, struct pd_audit_entry **out, size_t *n,
    char *err, size_t errlen)
{
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	struct pd_audit_entry *v = NULL;
	size_t nv = 0, cap = 0;
	char from[40] = "";
	int rc, exists;

	*out = NULL;
	*n = 0;
	if (since > 0) {
		struct tm tm;

		gmtime_r(&since, &tm);
		strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	}
	store_lock(st);
	db = store_sqlite(st);
	exists = audit_exists(db);
	if (exists <= 0) {
		store_unlock(st);
		if (exists < 0)
			return audit_fail(st, "query", err, errlen);
		return 0;
	}
	if (sqlite3_prepare_v2(db, audit_has_sig(db) ?
	    "SELECT id, time, actor, action, target, detail, prev_hash, hash, sig FROM audit"
	    " WHERE time >= ?1 ORDER BY id" :
	    "SELECT id, time, actor, action, target, detail, prev_hash, hash, NULL FROM audit"
	    " WHERE time >= ?1 ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		audit_fail(st, "prepare", err, errlen);
		goto fail;
	}
	sqlite3_bind_text(q, 1, from, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct pd_audit_entry *e;
		const unsigned char *t;

		if (nv == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pd_audit_entry *nvp = realloc(v, ncap * sizeof(*v));

			if (nvp == NULL)
				goto oom;
			v = nvp;
			cap = ncap;
		}
		e = &v[nv];
		memset(e, 0, sizeof(*e));
		nv++;
		e->id = sqlite3_column_int64(q, 0);
		t = sqlite3_column_text(q, 1);
		snprintf(e->time, sizeof(e->time), "%s", t != NULL ? (const char *)t : "");
		e->actor = audit_dup(q, 2);
		e->action = audit_dup(q, 3);
		e->target = audit_dup(q, 4);
		e->detail = audit_dup(q, 5);
		if (e->actor == NULL || e->action == NULL || e->target == NULL || e->detail == NULL)
			goto oom;
		t = sqlite3_column_text(q, 6);
		snprintf(e->prev_hash, sizeof(e->prev_hash), "%s", t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(q, 7);
		snprintf(e->hash, sizeof(e->hash), "%s", t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(q, 8);
		snprintf(e->sig, sizeof(e->sig), "%s", t != NULL ? (const char *)t : "");
	}
	if (rc != SQLITE_DONE) {
		audit_fail(st, "read", err, errlen);
		goto fail;
	}
	sqlite3_finalize(q);
	store_unlock(st);
	*out = v;
	*n = nv;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sqlite3_finalize(q);
	store_unlock(st);
	pd_audit_free(v, nv);
	return -1;
}

/* The highest id the table ever had (sqlite_sequence), 0 when unknown. */
static int64_t
audit_high_water(sqlite3 *db)
{
	sqlite3_stmt *q;
	int64_t seq = 0;

	if (sqlite3_prepare_v2(db, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'", -1, &q,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		seq = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return seq;
}

/* The hash of row Q's fields (columns 1..6) with the id ID. */
static int
audit_row_hash(sqlite3_stmt *q, int64_t id, char out[AUDIT_HASH_LEN + 1])
{
	char ids[32];
	const char *f[AUDIT_NFIELDS];
	size_t len[AUDIT_NFIELDS];

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	f[0] = ids;
	len[0] = strlen(ids);
	for (int i = 1; i < AUDIT_NFIELDS; i++) {
		/* The bytes as stored (text, or a blob someone put there). */
		if (sqlite3_column_type(q, i) == SQLITE_BLOB) {
			f[i] = sqlite3_column_blob(q, i);
			len[i] = (size_t)sqlite3_column_bytes(q, i);
		} else {
			f[i] = (const char *)sqlite3_column_text(q, i);
			len[i] = (size_t)sqlite3_column_bytes(q, i);
		}
		if (f[i] == NULL)
			f[i] = "";
	}
	return audit_hash_fields(f, len, out);
}

/* Check entry ID's signature SIG (hash H) against KEY and the signed part
 * of the chain; 0 good or unsigned-before-signing (counted in R), 1 bad
 * with WHY. */
static int
audit_check_sig(EVP_PKEY *key, const struct audit_checkpoint *cp, int64_t id, const char *h,
    const char *sig, struct pd_audit_report *r, char *why, size_t whylen)
{
	char msg[256];

	if (sig == NULL || sig[0] == '\0') {
		if (r->nsigned > 0 || (cp->id != 0 && id >= cp->first)) {
			if (cp->id != 0 && id >= cp->first)
				snprintf(why, whylen, "entry %lld: unsigned, but the checkpoints say "
				    "entries from %lld on are signed (its signature was removed: "
				    "rewritten?)", (long long)id, (long long)cp->first);
			else
				snprintf(why, whylen, "entry %lld: unsigned, but entries before it are "
				    "signed (its signature was removed: rewritten?)", (long long)id);
			return 1;
		}
		if (r->unsigned_first == 0)
			r->unsigned_first = id;
		r->unsigned_last = id;
		return 0;
	}
	if (audit_entry_message(msg, sizeof(msg), id, h) < 0 || !audit_key_check(key, msg, sig)) {
		snprintf(why, whylen, "entry %lld: altered (its signature does not match: the entry "
		    "was rewritten and the chain re-hashed, or signed with another key)",
		    (long long)id);
		return 1;
	}
	if (cp->id != 0 && id > cp->id) {
		snprintf(why, whylen, "entry %lld: signed, but the last checkpoint is at entry %lld "
		    "(the checkpoint file lost its tail)", (long long)id, (long long)cp->id);
		return 1;
	}
	r->nsigned++;
	return 0;
}

int
audit_verify(struct store *st, int64_t *first_bad, size_t *count, char *why, size_t whylen)
{
	struct pd_audit_report r;
	int rc = audit_verify_signed(st, NULL, NULL, &r, first_bad, why, whylen);

	*count = r.count;
	return rc;
}

int
audit_verify_signed(struct store *st, const char *pubkey, const char *checkpoints,
    struct pd_audit_report *rep, int64_t *first_bad, char *why, size_t whylen)
{
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	char prev[AUDIT_HASH_LEN + 1], h[AUDIT_HASH_LEN + 1], cp_hash[AUDIT_HASH_LEN + 1] = "";
	struct audit_checkpoint cp;
	EVP_PKEY *key = NULL;
	int64_t expect = 1, last = 0, high;
	int rc = SQLITE_DONE, exists, result = 0;

	memset(rep, 0, sizeof(*rep));
	memset(&cp, 0, sizeof(cp));
	*first_bad = 0;
	why[0] = '\0';
	if (pubkey != NULL && pubkey[0] != '\0') {
		key = audit_key_load(pubkey, 0, why, whylen);
		if (key == NULL)
			return -1;
		rep->keyed = 1;
		if (checkpoints == NULL || checkpoints[0] == '\0')
			checkpoints = AUDIT_CHECKPOINTS_DEFAULT;
		snprintf(rep->cp_path, sizeof(rep->cp_path), "%s", checkpoints);
		rc = audit_checkpoint_last(checkpoints, key, &cp, why, whylen);
		if (rc < 0) {
			/* Unreadable is a failure; altered or malformed is a finding. */
			EVP_PKEY_free(key);
			return access(checkpoints, R_OK) == 0 ? 1 : -1;
		}
		if (rc == 1) {
			rep->checkpoint = 1;
			rep->cp_id = cp.id;
			rep->cp_line = cp.line;
			snprintf(rep->cp_time, sizeof(rep->cp_time), "%s", cp.time);
		}
		rc = SQLITE_DONE;
	}
	store_lock(st);
	db = store_sqlite(st);
	exists = audit_exists(db);
	if (exists < 0) {
		store_unlock(st);
		EVP_PKEY_free(key);
		return audit_fail(st, "query", why, whylen);
	}
	/* One read transaction: a consistent snapshot while others append. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "begin", why, whylen);
		store_unlock(st);
		EVP_PKEY_free(key);
		return -1;
	}
	if (exists && sqlite3_prepare_v2(db, audit_has_sig(db) ?
	    "SELECT id, time, actor, action, target, detail, prev_hash, hash, sig FROM audit"
	    " ORDER BY id" :
	    "SELECT id, time, actor, action, target, detail, prev_hash, hash, NULL FROM audit"
	    " ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		audit_fail(st, "prepare", why, whylen);
		result = -1;
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s", audit_zero_hash);
	while (exists && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		char stored[128], link[128];
		int null_col = 0;

		for (int i = 1; i < 8 && null_col == 0; i++)
			if (sqlite3_column_type(q, i) == SQLITE_NULL)
				null_col = i;
		if (id < expect) {
			*first_bad = id;
			snprintf(why, whylen, "entry %lld: inserted (ids start at 1)", (long long)id);
			result = 1;
			break;
		}
		if (id > expect) {
			*first_bad = expect;
			if (expect == 1)
				snprintf(why, whylen, "entry 1: removed (the first entry is %lld)",
				    (long long)id);
			else
				snprintf(why, whylen, "entry %lld: removed (ids jump from %lld to %lld)",
				    (long long)expect, (long long)expect - 1, (long long)id);
			result = 1;
			break;
		}
		if (null_col != 0) {
			*first_bad = id;
			snprintf(why, whylen, "entry %lld: altered (its %s is NULL)", (long long)id,
			    null_col == 7 ? "hash" : audit_field_names[null_col]);
			result = 1;
			break;
		}
		/* Copies: longer values than a hash are cut, and then differ. */
		snprintf(stored, sizeof(stored), "%s", (const char *)sqlite3_column_text(q, 7));
		snprintf(link, sizeof(link), "%s", (const char *)sqlite3_column_text(q, 6));
		if (audit_row_hash(q, id, h) != 0) {
			snprintf(why, whylen, "audit: SHA-256 failed (libcrypto)");
			result = -1;
			break;
		}
		if (strcmp(h, stored) != 0) {
			char h2[AUDIT_HASH_LEN + 1];

			/* Renumbered: written with another id, the rest moved up
			 * for an entry inserted before it, or down for one removed. */
			if (id > 1 && audit_row_hash(q, id - 1, h2) == 0 &&
			    strcmp(h2, stored) == 0) {
				*first_bad = id - 1;
				snprintf(why, whylen, "entry %lld: inserted (the entry after it was "
				    "written as entry %lld)", (long long)id - 1, (long long)id - 1);
			} else if (audit_row_hash(q, id + 1, h2) == 0 &&
			    strcmp(h2, stored) == 0) {
				*first_bad = id;
				snprintf(why, whylen, "entry %lld: the entry before it was removed (it "
				    "was written as entry %lld and renumbered)", (long long)id,
				    (long long)id + 1);
			} else {
				*first_bad = id;
				snprintf(why, whylen, "entry %lld: altered (its hash does not match its "
				    "content)", (long long)id);
			}
			result = 1;
			break;
		}
		if (strcmp(link, prev) != 0) {
			*first_bad = id;
			if (id == 1)
				snprintf(why, whylen, "entry 1: inserted, or the start of the chain "
				    "was altered (its prev_hash is not 64 zeros)");
			else
				snprintf(why, whylen, "entry %lld: the entry before it was removed or "
				    "altered (prev_hash does not match entry %lld)", (long long)id,
				    (long long)id - 1);
			result = 1;
			break;
		}
		if (key != NULL && audit_check_sig(key, &cp, id, h,
		    (const char *)sqlite3_column_text(q, 8), rep, why, whylen) != 0) {
			*first_bad = id;
			result = 1;
			break;
		}
		if (key == NULL && sqlite3_column_type(q, 8) == SQLITE_TEXT)
			rep->nsigned++;                  /* signed, not checked */
		if (id == cp.id)
			memcpy(cp_hash, h, sizeof(cp_hash));
		memcpy(prev, h, sizeof(prev));          /* equal to stored */
		last = id;
		expect = id + 1;
		rep->count++;
	}
	if (result == 0 && rc != SQLITE_DONE) {
		audit_fail(st, "read", why, whylen);
		result = -1;
	}
	if (result == 0) {
		high = audit_high_water(db);
		if (high > last) {
			*first_bad = last + 1;
			snprintf(why, whylen, "entry %lld: removed (the chain ends at entry %lld, but "
			    "entries up to %lld were written)", (long long)last + 1, (long long)last,
			    (long long)high);
			result = 1;
		}
	}
	/* Against the signer's last checkpoint: the tail, and its head. */
	if (result == 0 && cp.id != 0 && last < cp.id) {
		*first_bad = last + 1;
		snprintf(why, whylen, "entry %lld: removed (the chain ends at entry %lld, but the "
		    "last checkpoint, %s line %ld of %s, is at entry %lld)", (long long)last + 1,
		    (long long)last, checkpoints, cp.line, cp.time, (long long)cp.id);
		result = 1;
	} else if (result == 0 && cp.id != 0 && strcmp(cp_hash, cp.hash) != 0) {
		*first_bad = cp.id;
		snprintf(why, whylen, "entry %lld: altered (its hash is not the one of the "
		    "checkpoint, %s line %ld)", (long long)cp.id, checkpoints, cp.line);
		result = 1;
	} else if (result == 0 && key != NULL && cp.id == 0 && rep->nsigned > 0) {
		snprintf(why, whylen, "%zu entries are signed, but the checkpoint file %s has no "
		    "checkpoint (removed or emptied?)", rep->nsigned, checkpoints);
		result = 1;
	}
out:
	sqlite3_finalize(q);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	store_unlock(st);
	EVP_PKEY_free(key);
	return result;
}
