/* agent-trust.c: the agent's key, records and sealed lines (agent-trust.h).
 *
 * A sealed line is the agent's JSON object with two members appended:
 * {...,"seq":N,"mac":"<64 hex>"}; the MAC is HMAC-SHA256 with the agent's
 * key over "plantdeck-agent-line-v1", the container id, N and the object
 * as it was before sealing, NUL-separated.  Binding the container id means
 * a line copied into another container's output does not verify; the
 * counter, strictly increasing, means a line replayed does not either.
 * Records are small text files ("id", "image", "key" lines) that only their
 * owner reads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "backend/engine/inventory.h"
#include "backend/node/agent-trust.h"
#include "backend/store/store.h"

#define AT_DOMAIN AGENT_TRUST_DOMAIN_LINE
#define AT_MAC_HEX 64
/* ,"mac":"<64 hex>"} */
#define AT_MAC_TAIL (8 + AT_MAC_HEX + 2)

/* Whether S is N lowercase hex digits and nothing else. */
static int
at_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* LEN bytes of B as lowercase hex into OUT (2*LEN+1 bytes). */
static void
at_hex(const unsigned char *b, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * len] = '\0';
}

/* 2*LEN hex digits of S into B; 0, or -1 when they are not. */
static int
at_unhex(const char *s, unsigned char *b, size_t len)
{
	for (size_t i = 0; i < 2 * len; i++) {
		int c = s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		b[i / 2] = (unsigned char)(i % 2 ? (b[i / 2] | v) : v << 4);
	}
	return 0;
}

int
agent_trust_pin_valid(const char *ref, char *why, size_t whylen)
{
	const char *at = strrchr(ref, '@');

	if (at == NULL || at == ref) {
		snprintf(why, whylen, "'%.200s' is not pinned by digest: use NAME@sha256:<64 hex "
		    "digits> (docker inspect -f '{{index .RepoDigests 0}}' IMAGE)", ref);
		return 0;
	}
	if (strncmp(at + 1, "sha256:", 7) != 0 || !at_is_hex(at + 8, 64)) {
		snprintf(why, whylen, "'%.200s': the digest must be sha256: and 64 lowercase hex "
		    "digits", ref);
		return 0;
	}
	for (const char *p = ref; p < at; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:",
		    *p) == NULL) {
			snprintf(why, whylen, "the image name may hold only letters, digits and . _ - / :");
			return 0;
		}
	return 1;
}

int
agent_trust_dir(const struct inventory *inv, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char db[PATH_MAX];
	char *slash;
	int n;

	if (inv != NULL && inv->agent.records != NULL) {
		n = snprintf(out, outlen, "%s", inv->agent.records);
	} else {
		if (store_default_path(NULL, db, sizeof(db), err, errlen) != 0)
			return -1;
		slash = strrchr(db, '/');
		if (slash == NULL)
			n = snprintf(out, outlen, "agents");
		else
			n = snprintf(out, outlen, "%.*s/agents", (int)(slash - db), db);
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "the agent records directory's path is too long");
		return -1;
	}
	return 0;
}

/* DIR and parents, each 0700 when made here; 0, or -1 with errno. */
static int
at_mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		p[i] = i < len ? '/' : '\0';
	}
	return 0;
}

/* The record file of NODE in DIR into OUT; 0, or -1 (too long). */
static int
at_record_path(const char *dir, const char *node, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s.agent", dir, node);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
agent_trust_record_write(const char *dir, const char *node,
    const struct agent_trust_record *r, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], key[2 * AGENT_TRUST_KEY_LEN + 1];
	FILE *fp;
	int fd, bad;

	if (at_record_path(dir, node, path, sizeof(path)) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%.200s: path too long", dir);
		return -1;
	}
	if (at_mkdirs(dir) != 0) {
		snprintf(err, errlen, "%.200s: %s", dir, strerror(errno));
		return -1;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%.200s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	at_hex(r->key, sizeof(r->key), key);
	fprintf(fp, "# the plantdeck agent container of node %s (agent --start)\n"
	    "id %s\nimage %s\nkey %s\n", node, r->id, r->image_id, key);
	OPENSSL_cleanse(key, sizeof(key));
	bad = fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
agent_trust_record_read(const char *dir, const char *node, struct agent_trust_record *r)
{
	char path[PATH_MAX], line[256];
	int have = 0;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	if (at_record_path(dir, node, path, sizeof(path)) != 0 ||
	    (fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "id ", 3) == 0 && at_is_hex(line + 3, 64)) {
			memcpy(r->id, line + 3, 65);
			have |= 1;
		} else if (strncmp(line, "image sha256:", 13) == 0 && at_is_hex(line + 13, 64)) {
			memcpy(r->image_id, line + 6, 7 + 64 + 1);
			have |= 2;
		} else if (strncmp(line, "key ", 4) == 0 && at_is_hex(line + 4, 64) &&
		    at_unhex(line + 4, r->key, sizeof(r->key)) == 0) {
			have |= 4;
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(fp);
	if (have != 7) {
		OPENSSL_cleanse(r, sizeof(*r));
		return -1;
	}
	return 0;
}

void
agent_trust_key_text(const struct agent_trust_record *r, char *out, size_t outlen)
{
	char key[2 * AGENT_TRUST_KEY_LEN + 1];

	at_hex(r->key, sizeof(r->key), key);
	snprintf(out, outlen, "%s %s\n", key, r->id);
	OPENSSL_cleanse(key, sizeof(key));
}

int
agent_trust_sealer_load(struct agent_trust_sealer *s, const char *path, char *err,
    size_t errlen)
{
	char text[256];
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--key-file %.200s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (unlink(path) != 0)
		fprintf(stderr, "plantdeck: agent: --key-file %.200s: cannot remove it: %s\n",
		    path, strerror(errno));
	if (n < 0)
		n = 0;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (strlen(text) != 64 + 1 + 64 || text[64] != ' ' || !at_is_hex(text + 65, 64) ||
	    at_unhex(text, s->key, sizeof(s->key)) != 0) {
		OPENSSL_cleanse(text, sizeof(text));
		snprintf(err, errlen, "--key-file %.200s: not a key and a container id", path);
		return -1;
	}
	memcpy(s->id, text + 65, 65);
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}

/* The MAC of object BODY (LEN bytes) with counter SEQ of container ID, in hex. */
static void
at_mac(const char *domain, const unsigned char *key, const char *id, unsigned long long seq,
    const char *body, size_t len, char hex[AT_MAC_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char num[24];
	HMAC_CTX *c;

	snprintf(num, sizeof(num), "%llu", seq);
	/* HMAC_CTX is deprecated in OpenSSL 3 but present in 1.1 and 3 alike. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	c = HMAC_CTX_new();
	if (c == NULL || HMAC_Init_ex(c, key, AGENT_TRUST_KEY_LEN, EVP_sha256(), NULL) != 1 ||
	    HMAC_Update(c, (const unsigned char *)domain, strlen(domain) + 1) != 1 ||
	    HMAC_Update(c, (const unsigned char *)id, strlen(id) + 1) != 1 ||
	    HMAC_Update(c, (const unsigned char *)num, strlen(num) + 1) != 1 ||
	    HMAC_Update(c, (const unsigned char *)body, len) != 1 ||
	    HMAC_Final(c, md, &mdlen) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));   /* a MAC of zeros verifies nothing */
	HMAC_CTX_free(c);
#pragma GCC diagnostic pop
	at_hex(md, 32, hex);
}

/* LINE sealed in DOMAIN with KEY, ID and counter SEQ (agent-trust.h). */
char *
agent_trust_seal_in(const char *domain, const unsigned char *key, const char *id,
    unsigned long long seq, const char *line)
{
	size_t len = strlen(line), outlen;
	char hex[AT_MAC_HEX + 1], *out;

	if (len < 3 || line[0] != '{' || line[len - 1] != '}' || seq == 0)
		return NULL;
	at_mac(domain, key, id, seq, line, len, hex);
	outlen = len + 40 + AT_MAC_TAIL;
	if ((out = malloc(outlen)) == NULL)
		return NULL;
	snprintf(out, outlen, "%.*s,\"seq\":%llu,\"mac\":\"%s\"}", (int)(len - 1), line,
	    seq, hex);
	return out;
}

char *
agent_trust_seal(struct agent_trust_sealer *s, const char *line)
{
	char *out;

	s->seq++;
	out = agent_trust_seal_in(AT_DOMAIN, s->key, s->id, s->seq, line);
	return out;
}

int
agent_trust_open(const unsigned char *key, const char *id, unsigned long long *last,
    char *line)
{
	return agent_trust_open_in(AT_DOMAIN, key, id, last, line);
}

/* Verify LINE sealed in DOMAIN (agent-trust.h). */
int
agent_trust_open_in(const char *domain, const unsigned char *key, const char *id,
    unsigned long long *last, char *line)
{
	size_t len = strlen(line), end, start;
	unsigned long long seq = 0;
	char hex[AT_MAC_HEX + 1], *body;
	int rc;

	/* ...,"seq":N,"mac":"<hex>"} at its very end. */
	if (len < 1 + 7 + 1 + AT_MAC_TAIL + 1 || line[0] != '{' ||
	    memcmp(line + len - AT_MAC_TAIL, ",\"mac\":\"", 8) != 0 ||
	    memcmp(line + len - 2, "\"}", 2) != 0)
		return AGENT_TRUST_UNSEALED;
	end = len - AT_MAC_TAIL;
	start = end;
	while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9')
		start--;
	if (start == end || end - start > 19 || start < 8 ||
	    memcmp(line + start - 7, ",\"seq\":", 7) != 0 || line[start] == '0')
		return AGENT_TRUST_UNSEALED;
	for (size_t i = start; i < end; i++)
		seq = seq * 10 + (unsigned long long)(line[i] - '0');
	memcpy(hex, line + end + 8, AT_MAC_HEX);
	hex[AT_MAC_HEX] = '\0';
	/* The object as sealed: everything before ,"seq", closed again. */
	body = line;
	start -= 7;
	{
		char save = body[start];
		char mac[AT_MAC_HEX + 1];

		body[start] = '}';
		at_mac(domain, key, id, seq, body, start + 1, mac);
		rc = CRYPTO_memcmp(mac, hex, AT_MAC_HEX) == 0 ? AGENT_TRUST_OK : AGENT_TRUST_BAD_MAC;
		if (rc != AGENT_TRUST_OK) {
			body[start] = save;
			return rc;
		}
	}
	if (seq <= *last) {
		body[start] = ',';
		return AGENT_TRUST_REPLAY;
	}
	*last = seq;
	body[start + 1] = '\0';
	return AGENT_TRUST_OK;
}

const char *
agent_trust_why(int rc)
{
	switch (rc) {
	case AGENT_TRUST_OK: return "verified";
	case AGENT_TRUST_UNSEALED: return "not sealed";
	case AGENT_TRUST_BAD_MAC: return "bad MAC";
	case AGENT_TRUST_REPLAY: return "replayed (counter not newer)";
	default: return "?";
	}
}
