/* audit.c: the audit trail, a hash-chained table in the store's database.
 *
 * An entry's hash is the SHA-256 of its fields (id, time, actor, action,
 * target, detail, prev_hash), each written as "LENGTH:BYTES," (a netstring:
 * the byte length in decimal, a colon, the bytes, a comma), so that no two
 * different entries serialize the same.  prev_hash is the hash of the entry
 * before, 64 zeros for the first.  Appending reads the last entry and
 * inserts the next one inside one BEGIN IMMEDIATE transaction, so that
 * processes appending at once form one chain.  The table is created on
 * first use; doc/audit.md describes it for auditors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "backend/store/audit.h"
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
	"  hash TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS audit_time ON audit (time);";

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
	if (sqlite3_prepare_v2(db, "INSERT INTO audit (id, time, actor, action, target, detail,"
	    " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &q, NULL) != SQLITE_OK) {
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
	if (sqlite3_prepare_v2(db, "SELECT id, time, actor, action, target, detail, prev_hash,"
	    " hash FROM audit WHERE time >= ?1 ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
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

int
audit_verify(struct store *st, int64_t *first_bad, size_t *count, char *why, size_t whylen)
{
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	char prev[AUDIT_HASH_LEN + 1], h[AUDIT_HASH_LEN + 1];
	int64_t expect = 1, last = 0, high;
	int rc, exists, result = 0;

	*first_bad = 0;
	*count = 0;
	why[0] = '\0';
	store_lock(st);
	db = store_sqlite(st);
	exists = audit_exists(db);
	if (exists <= 0) {
		store_unlock(st);
		if (exists < 0)
			return audit_fail(st, "query", why, whylen);
		return 0;
	}
	/* One read transaction: a consistent snapshot while others append. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		audit_fail(st, "begin", why, whylen);
		store_unlock(st);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, time, actor, action, target, detail, prev_hash,"
	    " hash FROM audit ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		audit_fail(st, "prepare", why, whylen);
		result = -1;
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s", audit_zero_hash);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
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
		memcpy(prev, h, sizeof(prev));          /* equal to stored */
		last = id;
		expect = id + 1;
		(*count)++;
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
out:
	sqlite3_finalize(q);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	store_unlock(st);
	return result;
}
