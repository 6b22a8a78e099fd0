/* audit-sign.c: Ed25519 keys, the signed messages of the audit trail and
 * the checkpoint file, with OpenSSL's libcrypto.
 *
 * An entry's signature covers "plantdeck-audit-entry v1 id=ID hash=HASH"
 * (the hash already covers every field and the hash before).  A checkpoint
 * is one line of text,
 *   plantdeck-audit-checkpoint v1 id=ID hash=HASH first=F time=T uid=U sig=SIG
 * whose signature covers everything before " sig=".  Signatures are 128
 * lower-case hex digits.  doc/audit.md has the same for auditors. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "backend/store/audit-sign.h"

#define AUDIT_CP_MAGIC "plantdeck-audit-checkpoint v1 "

void
audit_config_fill(struct audit_config *c, int require, const char *signer,
    const char *public_key, const char *checkpoints)
{
	memset(c, 0, sizeof(*c));
	c->require = require > 0;
	snprintf(c->signer, sizeof(c->signer), "%s", signer != NULL ? signer : "");
	snprintf(c->public_key, sizeof(c->public_key), "%s", public_key != NULL ? public_key : "");
	snprintf(c->checkpoints, sizeof(c->checkpoints), "%s",
	    checkpoints != NULL ? checkpoints : "");
}

EVP_PKEY *
audit_key_load(const char *path, int priv, char *err, size_t errlen)
{
	EVP_PKEY *k;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	k = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		snprintf(err, errlen, "%s: not a PEM %s key", path, priv ? "private" : "public");
		return NULL;
	}
	if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 key (make one with: openssl genpkey "
		    "-algorithm ed25519)", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int
audit_entry_message(char *out, size_t len, int64_t id, const char *hash)
{
	int n = snprintf(out, len, "plantdeck-audit-entry v1 id=%lld hash=%s", (long long)id, hash);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
audit_key_sign(EVP_PKEY *key, const char *msg, char sig[AUDIT_SIG_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[AUDIT_SIG_HEX / 2];
	size_t rawlen = sizeof(raw);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, raw, &rawlen, (const unsigned char *)msg, strlen(msg)) == 1 &&
	    rawlen == sizeof(raw);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (size_t i = 0; i < rawlen; i++) {
		sig[2 * i] = hex[raw[i] >> 4];
		sig[2 * i + 1] = hex[raw[i] & 0xf];
	}
	sig[AUDIT_SIG_HEX] = '\0';
	return 0;
}

/* The value of one lower-case hex digit, or -1. */
static int
audit_hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
audit_key_check(EVP_PKEY *key, const char *msg, const char *sig)
{
	unsigned char raw[AUDIT_SIG_HEX / 2];
	EVP_MD_CTX *ctx;
	int ok;

	if (sig == NULL || strlen(sig) != AUDIT_SIG_HEX)
		return 0;
	for (size_t i = 0; i < sizeof(raw); i++) {
		int hi = audit_hexval(sig[2 * i]), lo = audit_hexval(sig[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, raw, sizeof(raw), (const unsigned char *)msg, strlen(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Read "NAME=" then a value up to the next space (or the end) from *P into
 * OUT; 0, or -1 when absent, empty or too long. */
static int
audit_cp_field(const char **p, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name), vl;

	if (strncmp(*p, name, nl) != 0 || (*p)[nl] != '=')
		return -1;
	*p += nl + 1;
	vl = strcspn(*p, " ");
	if (vl == 0 || vl >= len)
		return -1;
	memcpy(out, *p, vl);
	out[vl] = '\0';
	*p += vl;
	if (**p == ' ')
		(*p)++;
	return 0;
}

/* A decimal int64 >= 1 from S; 0, or -1. */
static int
audit_cp_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || s[0] == '+' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* Parse and check one checkpoint LINE (no newline) into CP; 0, or -1
 * with WHY. */
static int
audit_cp_parse(const char *line, EVP_PKEY *key, struct audit_checkpoint *cp, char *why,
    size_t whylen)
{
	char id[32], first[32], uid[32], sig[AUDIT_SIG_HEX + 2], msg[512];
	const char *p = line, *sigat;
	char *end;

	memset(cp, 0, sizeof(*cp));
	if (strncmp(p, AUDIT_CP_MAGIC, strlen(AUDIT_CP_MAGIC)) != 0) {
		snprintf(why, whylen, "not a checkpoint (it does not start with '%s')",
		    AUDIT_CP_MAGIC);
		return -1;
	}
	p += strlen(AUDIT_CP_MAGIC);
	if (audit_cp_field(&p, "id", id, sizeof(id)) != 0 ||
	    audit_cp_field(&p, "hash", cp->hash, sizeof(cp->hash)) != 0 ||
	    audit_cp_field(&p, "first", first, sizeof(first)) != 0 ||
	    audit_cp_field(&p, "time", cp->time, sizeof(cp->time)) != 0 ||
	    audit_cp_field(&p, "uid", uid, sizeof(uid)) != 0) {
		snprintf(why, whylen, "malformed checkpoint (want id= hash= first= time= uid= sig=)");
		return -1;
	}
	sigat = p;
	if (audit_cp_field(&p, "sig", sig, sizeof(sig)) != 0 || *p != '\0') {
		snprintf(why, whylen, "malformed checkpoint (its sig= is missing or not last)");
		return -1;
	}
	errno = 0;
	cp->uid = strtoul(uid, &end, 10);
	if (audit_cp_id(id, &cp->id) != 0 || audit_cp_id(first, &cp->first) != 0 ||
	    cp->first > cp->id || errno != 0 || *end != '\0' || strlen(cp->hash) != 64) {
		snprintf(why, whylen, "malformed checkpoint (a bad id, first, uid or hash)");
		return -1;
	}
	/* The signed text: everything before " sig=". */
	if ((size_t)(sigat - line) > sizeof(msg)) {
		snprintf(why, whylen, "malformed checkpoint (too long)");
		return -1;
	}
	memcpy(msg, line, (size_t)(sigat - line) - 1);
	msg[sigat - line - 1] = '\0';
	if (!audit_key_check(key, msg, sig)) {
		snprintf(why, whylen, "its signature does not match (not written by the signer "
		    "of this key, or altered)");
		return -1;
	}
	return 0;
}

int
audit_checkpoint_last(const char *path, EVP_PKEY *key, struct audit_checkpoint *cp,
    char *why, size_t whylen)
{
	char line[1024], last[1024] = "", sub[256];
	long n = 0, lastn = 0;
	FILE *f = fopen(path, "r");

	memset(cp, 0, sizeof(*cp));
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		n++;
		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			fclose(f);
			snprintf(why, whylen, "%s line %ld: too long for a checkpoint", path, n);
			return -1;
		}
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		memcpy(last, line, sizeof(last));
		lastn = n;
	}
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (lastn == 0)
		return 0;
	if (audit_cp_parse(last, key, cp, sub, sizeof(sub)) != 0) {
		snprintf(why, whylen, "%s line %ld: %s", path, lastn, sub);
		return -1;
	}
	cp->line = lastn;
	return 1;
}
