/* registry-auth.c: registry credentials, looked up as the docker CLI looks
 * them up, and the X-Registry-Auth header made of them.
 *
 * A lookup for host H: the inventory's `registries:` entry for H when it
 * has one (its config file read by the rules below, or its helper run), and
 * nothing else then (an entry that yields nothing is reported, not passed
 * over); else $DOCKER_CONFIG/config.json, default ~/.docker/config.json:
 *
 *   credHelpers[H]   run docker-credential-NAME;
 *   auths[H]         "auth" (base64 of user:password), or "username" and
 *                    "password", or "identitytoken" (an entry without any,
 *                    as `docker login` leaves beside a credsStore, is no
 *                    credentials);
 *   credsStore       run docker-credential-NAME.
 *
 * Keys are matched by the host they name (registry_auth_host): "https://H",
 * "http://H/v1/" and "H" are one registry, and Docker Hub's spellings are
 * docker.io.  A missing config file is no credentials, not an error.
 *
 * A helper is started with posix_spawnp (no shell; descriptors above 2
 * closed), gets the server URL on its stdin (a socket, so that a helper that
 * exits early cannot raise SIGPIPE here) and has REGISTRY_AUTH_HELPER_MS to
 * answer {ServerURL, Username, Secret} on stdout; Username "<token>" makes
 * Secret an identity token.  "credentials not found" from it is no
 * credentials; any other failure is an error with its exit status and the
 * first line of its stderr.
 *
 * Every buffer that held a secret (the file, the helper's output, decoded
 * auth, the JSON trees and texts) is zeroed before it is freed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/base/yamlfile.h"
#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"

extern char **environ;

#define RA_MAX_CONFIG (1024 * 1024)  /* bytes of one config.json */
#define RA_MAX_OUT (64 * 1024)       /* bytes of a helper's stdout */
#define RA_MAX_ERR 4096              /* bytes of a helper's stderr kept */
#define RA_HEADER "X-Registry-Auth: "

/* A helper's time to answer (tests make it short). */
static long ra_helper_ms = REGISTRY_AUTH_HELPER_MS;

#ifdef UNITTEST
/* Give helpers MS to answer. */
void
registry_auth_test_timeout(long ms)
{
	ra_helper_ms = ms;
}
#endif

/* Credentials on their way to a header. */
struct ra_creds {
	char *user, *secret, *token;
};

/* ---------------------------------------------------------------- wiping */

/* Zero LEN bytes at P where the compiler cannot drop it. */
static void
ra_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

/* Zero and free string S. */
static void
ra_free_str(char *s)
{
	if (s != NULL) {
		ra_wipe(s, strlen(s));
		free(s);
	}
}

/* Zero the strings of JSON items J, its siblings after it and their children. */
static void
ra_json_wipe(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			ra_wipe(j->valuestring, strlen(j->valuestring));
		ra_json_wipe(j->child);
	}
}

/* Zero every string of JSON tree J, then free it. */
static void
ra_json_free(cJSON *j)
{
	if (j != NULL) {
		if (j->valuestring != NULL)
			ra_wipe(j->valuestring, strlen(j->valuestring));
		ra_json_wipe(j->child);
	}
	cJSON_Delete(j);
}

/* Zero and free credentials C. */
static void
ra_creds_clear(struct ra_creds *c)
{
	ra_free_str(c->user);
	ra_free_str(c->secret);
	ra_free_str(c->token);
	memset(c, 0, sizeof(*c));
}

/* Zero and free what a lookup left in A. */
void
registry_auth_clear(struct registry_auth *a)
{
	if (a == NULL)
		return;
	ra_free_str(a->header);
	memset(a, 0, sizeof(*a));
}

/* ---------------------------------------------------------------- names */

/* The registry host a key of auths, credHelpers or the inventory names. */
int
registry_auth_host(const char *key, char *out, size_t outlen)
{
	const char *p = key;
	size_t n;

	if (key == NULL)
		return -1;
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	n = strcspn(p, "/");
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	for (char *c = out; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0 ||
	    strcmp(out, "registry.hub.docker.com") == 0)
		snprintf(out, outlen, "%s", REGISTRY_AUTH_HUB);
	return 0;
}

/* The server address Docker uses for HOST. */
const char *
registry_auth_server(const char *host)
{
	return strcmp(host, REGISTRY_AUTH_HUB) == 0 ? REGISTRY_AUTH_HUB_URL : host;
}

/* Whether NAME may follow "docker-credential-". */
int
registry_auth_helper_valid(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!yf_isalnum((unsigned char)name[i]) && strchr("._-", name[i]) == NULL)
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- base64 */

static const char ra_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of LEN bytes at IN, URL-safe (- and _) when URL, with padding (as
 * the docker CLI writes it).  A new string, or NULL. */
static char *
ra_b64_encode(const unsigned char *in, size_t len, int url)
{
	size_t olen = (len + 2) / 3 * 4 + 1, o = 0;
	char *out = malloc(olen);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
		    (i + 2 < len ? in[i + 2] : 0);

		out[o++] = ra_b64[v >> 18 & 63];
		out[o++] = ra_b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? ra_b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? ra_b64[v & 63] : '=';
	}
	out[o] = '\0';
	if (url) {
		for (size_t i = 0; i < o; i++)
			out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	return out;
}

/* The value of base64 digit C (either alphabet), or -1. */
static int
ra_b64_digit(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 text IN (padding optional) into a new NUL-terminated
 * string; NULL when it is not base64. */
static char *
ra_b64_decode(const char *in)
{
	size_t len = strlen(in), o = 0;
	unsigned acc = 0;
	int bits = 0;
	char *out;

	while (len > 0 && in[len - 1] == '=')
		len--;
	out = malloc(len * 3 / 4 + 2);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int d = ra_b64_digit((unsigned char)in[i]);

		if (d < 0) {
			ra_wipe(out, len * 3 / 4 + 2);
			free(out);
			return NULL;
		}
		acc = (acc << 6 | (unsigned)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	acc = 0;
	return out;
}

/* ---------------------------------------------------------------- header */

/* The X-Registry-Auth value for these credentials (base64url JSON). */
char *
registry_auth_encode(const char *username, const char *password, const char *identitytoken,
    const char *serveraddress)
{
	cJSON *j = cJSON_CreateObject();
	char *text = NULL, *out = NULL;

	if (j == NULL)
		return NULL;
	if (identitytoken != NULL) {
		if (cJSON_AddStringToObject(j, "identitytoken", identitytoken) == NULL)
			goto out;
	} else if (cJSON_AddStringToObject(j, "username", username != NULL ? username : "") ==
	    NULL || cJSON_AddStringToObject(j, "password", password != NULL ? password : "") ==
	    NULL) {
		goto out;
	}
	if (cJSON_AddStringToObject(j, "serveraddress", serveraddress) == NULL)
		goto out;
	text = cJSON_PrintUnformatted(j);
	if (text != NULL)
		out = ra_b64_encode((const unsigned char *)text, strlen(text), 1);
out:
	ra_free_str(text);
	ra_json_free(j);
	return out;
}

/* Put the header of credentials C for A->host into A. */
static int
ra_set_header(struct registry_auth *a, const struct ra_creds *c, char *err, size_t errlen)
{
	char *value = registry_auth_encode(c->user, c->secret, c->token,
	    registry_auth_server(a->host));
	size_t len;

	if (value == NULL)
		return yf_seterr(err, errlen, "credentials for %s: out of memory", a->host);
	len = strlen(RA_HEADER) + strlen(value) + 1;
	a->header = malloc(len);
	if (a->header == NULL) {
		ra_free_str(value);
		return yf_seterr(err, errlen, "credentials for %s: out of memory", a->host);
	}
	snprintf(a->header, len, "%s%s", RA_HEADER, value);
	ra_free_str(value);
	a->found = 1;
	return 0;
}

/* ---------------------------------------------------------------- helpers */

/* Text T (LEN bytes) cut to its first line, control characters made
 * spaces, into OUT. */
static void
ra_first_line(const char *t, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	while (len > 0 && (*t == '\n' || *t == '\r' || *t == ' ')) {
		t++;
		len--;
	}
	for (size_t i = 0; i < len && t[i] != '\n' && n + 1 < outlen; i++)
		out[n++] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? ' ' : t[i];
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Milliseconds on the monotonic clock. */
static long long
ra_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append what is readable on FD to BUF (LEN bytes of CAP, the rest
 * dropped); 0 at end of file, 1 while open. */
static int
ra_drain(int fd, char *buf, size_t *len, size_t cap)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (*len < cap) {
		size_t take = (size_t)n < cap - *len ? (size_t)n : cap - *len;

		memcpy(buf + *len, tmp, take);
		*len += take;
	}
	ra_wipe(tmp, sizeof(tmp));
	return 1;
}

/* A credential helper PROG's answer OUT ({ServerURL, Username, Secret}):
 * 0 with C filled, or empty when nothing is stored; -1 with ERR. */
static int
ra_helper_answer(const char *prog, const char *out, struct ra_creds *c, char *err,
    size_t errlen)
{
	cJSON *j, *u, *s;
	int rc = -1;

	j = cJSON_Parse(out);
	u = cJSON_GetObjectItemCaseSensitive(j, "Username");
	s = cJSON_GetObjectItemCaseSensitive(j, "Secret");
	if (!cJSON_IsString(u) || !cJSON_IsString(s)) {
		yf_seterr(err, errlen, "%s get: its answer is not {ServerURL, Username, Secret}",
		    prog);
		goto out;
	}
	if (s->valuestring[0] == '\0') {
		rc = 0;                  /* nothing stored */
		goto out;
	}
	if (strcmp(u->valuestring, "<token>") == 0)
		c->token = strdup(s->valuestring);
	else if ((c->user = strdup(u->valuestring)) != NULL)
		c->secret = strdup(s->valuestring);
	if (c->token == NULL && c->secret == NULL) {
		ra_creds_clear(c);
		yf_seterr(err, errlen, "%s: out of memory", prog);
		goto out;
	}
	rc = 0;
out:
	ra_json_free(j);
	return rc;
}

#ifdef UNITTEST
int
registry_auth_test_answer(const char *answer, int *found, char *err, size_t errlen)
{
	struct ra_creds c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = ra_helper_answer("docker-credential-test", answer, &c, err, errlen);
	*found = c.token != NULL || c.secret != NULL;
	ra_creds_clear(&c);
	return rc;
}
#endif

/* Run docker-credential-NAME get for SERVER: 0 with C filled, or with C
 * empty when it has no credentials for it; -1 with ERR. */
static int
ra_helper(const char *name, const char *server, struct ra_creds *c, char *err, size_t errlen)
{
	char prog[96], line[256], *argv[3];
	char *out = NULL, *errbuf = NULL;
	size_t outlen = 0, errn = 0;
	int in[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int rc = -1, status = 0, open_out = 1, open_err = 1, timed_out = 0, e;
	posix_spawn_file_actions_t fa;
	long long deadline;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	if (!registry_auth_helper_valid(name))
		return yf_seterr(err, errlen, "bad credential helper name (use 1 to 64 of "
		    "A-Z a-z 0-9 . _ -)");
	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	out = malloc(RA_MAX_OUT + 1);
	errbuf = malloc(RA_MAX_ERR + 1);
	if (out == NULL || errbuf == NULL) {
		yf_seterr(err, errlen, "%s: out of memory", prog);
		goto done;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		yf_seterr(err, errlen, "%s: %s", prog, strerror(errno));
		goto done;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		yf_seterr(err, errlen, "%s: out of memory", prog);
		goto done;
	}
	posix_spawn_file_actions_adddup2(&fa, in[1], 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	argv[0] = prog;
	argv[1] = (char *)"get";
	argv[2] = NULL;
	e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[1]);
	close(po[1]);
	close(pe[1]);
	in[1] = po[1] = pe[1] = -1;
	if (e != 0) {
		yf_seterr(err, errlen, "%s: %s", prog, e == ENOENT ? "not found in PATH" :
		    strerror(e));
		goto done;
	}
	/* The server URL, as the CLI writes it: no newline, then end of file. */
	(void)send(in[0], server, strlen(server), MSG_NOSIGNAL);
	shutdown(in[0], SHUT_WR);
	deadline = ra_ms() + ra_helper_ms;
	while (open_out || open_err) {
		struct pollfd pf[2] = { { .fd = open_out ? po[0] : -1, .events = POLLIN },
		    { .fd = open_err ? pe[0] : -1, .events = POLLIN } };
		long long left = deadline - ra_ms();
		int n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		n = poll(pf, 2, (int)left);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (pf[0].revents != 0)
			open_out = ra_drain(po[0], out, &outlen, RA_MAX_OUT);
		if (pf[1].revents != 0)
			open_err = ra_drain(pe[0], errbuf, &errn, RA_MAX_ERR);
	}
	if (timed_out || open_out || open_err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[outlen] = '\0';
	errbuf[errn] = '\0';
	if (timed_out) {
		yf_seterr(err, errlen, "%s get: no answer within %.1f s", prog,
		    (double)ra_helper_ms / 1000);
		goto done;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* The helpers' own words for "nothing stored for this server". */
		if (strstr(out, "credentials not found") != NULL ||
		    strstr(errbuf, "credentials not found") != NULL) {
			rc = 0;
			goto done;
		}
		/* 127 without a word: the exec failed in the child (some spawns
		 * report it so rather than from posix_spawnp). */
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && errn == 0 && outlen == 0) {
			yf_seterr(err, errlen, "%s: not found in PATH", prog);
			goto done;
		}
		ra_first_line(errn > 0 ? errbuf : out, errn > 0 ? errn : outlen, line,
		    sizeof(line));
		if (WIFEXITED(status))
			yf_seterr(err, errlen, "%s get: exit status %d%s%s", prog,
			    WEXITSTATUS(status), line[0] ? ": " : "", line);
		else
			yf_seterr(err, errlen, "%s get: killed by signal %d", prog,
			    WTERMSIG(status));
		goto done;
	}
	rc = ra_helper_answer(prog, out, c, err, errlen);
done:
	if (out != NULL) {
		ra_wipe(out, RA_MAX_OUT + 1);
		free(out);
	}
	if (errbuf != NULL) {
		ra_wipe(errbuf, RA_MAX_ERR + 1);
		free(errbuf);
	}
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

/* Run helper NAME for A->host, saying WHERE it was named: 0 (A->found or
 * not), or -1 with ERR. */
static int
ra_from_helper(struct registry_auth *a, const char *name, const char *where, char *err,
    size_t errlen)
{
	struct ra_creds c;
	char why[512];
	int rc;

	snprintf(a->source, sizeof(a->source), "docker-credential-%s (%s)", name, where);
	if (ra_helper(name, registry_auth_server(a->host), &c, why, sizeof(why)) != 0)
		return yf_seterr(err, errlen, "credentials for %s: %s", a->host, why);
	rc = c.token != NULL || c.secret != NULL ? ra_set_header(a, &c, err, errlen) : 0;
	ra_creds_clear(&c);
	return rc;
}

/* ---------------------------------------------------------------- config.json */

/* The member of object O whose key names HOST (registry_auth_host), the
 * first one with USABLE credentials when USABLE; NULL when none. */
static cJSON *
ra_member(const cJSON *o, const char *host, int (*usable)(const cJSON *))
{
	char h[256];
	cJSON *m;

	cJSON_ArrayForEach(m, o) {
		if (m->string != NULL && registry_auth_host(m->string, h, sizeof(h)) == 0 &&
		    strcmp(h, host) == 0 && (usable == NULL || usable(m)))
			return m;
	}
	return NULL;
}

/* Whether string member KEY of O is there and not empty. */
static int
ra_has(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

/* Whether auths entry E holds credentials (not the empty {} `docker login`
 * leaves beside a credsStore). */
static int
ra_auth_usable(const cJSON *e)
{
	return ra_has(e, "auth") || ra_has(e, "identitytoken") ||
	    (ra_has(e, "username") && ra_has(e, "password"));
}

/* Credentials of auths entry E into C; -1 with WHY when "auth" is bad. */
static int
ra_auth_entry(const cJSON *e, struct ra_creds *c, char *why, size_t whylen)
{
	const cJSON *v;
	char *plain, *colon;

	memset(c, 0, sizeof(*c));
	if (ra_has(e, "identitytoken")) {
		v = cJSON_GetObjectItemCaseSensitive(e, "identitytoken");
		c->token = strdup(v->valuestring);
		return c->token != NULL ? 0 : yf_seterr(why, whylen, "out of memory");
	}
	if (ra_has(e, "auth")) {
		v = cJSON_GetObjectItemCaseSensitive(e, "auth");
		plain = ra_b64_decode(v->valuestring);
		colon = plain != NULL ? strchr(plain, ':') : NULL;
		if (colon == NULL) {
			ra_free_str(plain);
			return yf_seterr(why, whylen, "its \"auth\" is not base64 of "
			    "user:password");
		}
		*colon = '\0';
		c->user = strdup(plain);
		c->secret = strdup(colon + 1);
		*colon = ':';
		ra_free_str(plain);
	} else {
		c->user = strdup(cJSON_GetObjectItemCaseSensitive(e, "username")->valuestring);
		c->secret = strdup(cJSON_GetObjectItemCaseSensitive(e, "password")->valuestring);
	}
	if (c->user == NULL || c->secret == NULL) {
		ra_creds_clear(c);
		return yf_seterr(why, whylen, "out of memory");
	}
	return 0;
}

/* Credentials for A->host from docker config file PATH; ORIGIN (or "")
 * follows the path in A->source ("the inventory's registries entry"). */
static int
ra_from_config(struct registry_auth *a, const char *path, const char *origin, char *err,
    size_t errlen)
{
	char where[700], why[256];
	size_t len = 0;
	char *buf;
	cJSON *j, *m, *store;
	struct ra_creds c;
	int rc = 0;

	snprintf(where, sizeof(where), "%s%s%s%s", path, origin[0] ? " (" : "", origin,
	    origin[0] ? ")" : "");
	snprintf(a->source, sizeof(a->source), "%s", where);
	buf = yf_read_file(path, RA_MAX_CONFIG, &len);
	if (buf == NULL) {
		if (errno == ENOENT)
			return 0;       /* no file: no credentials, as for the CLI */
		return yf_seterr(err, errlen, "credentials for %s: %s: cannot read: %s",
		    a->host, path, strerror(errno));
	}
	j = cJSON_ParseWithLength(buf, len);
	ra_wipe(buf, len);
	free(buf);
	if (!cJSON_IsObject(j)) {
		ra_json_free(j);
		return yf_seterr(err, errlen, "credentials for %s: %s: not a JSON object", a->host,
		    path);
	}
	m = ra_member(cJSON_GetObjectItemCaseSensitive(j, "credHelpers"), a->host, NULL);
	if (m != NULL) {
		char w[720];

		if (!cJSON_IsString(m) || !registry_auth_helper_valid(m->valuestring)) {
			rc = yf_seterr(err, errlen, "credentials for %s: %s: credHelpers: not a "
			    "helper name", a->host, path);
		} else {
			snprintf(w, sizeof(w), "credHelpers in %s", where);
			rc = ra_from_helper(a, m->valuestring, w, err, errlen);
		}
		goto out;
	}
	m = ra_member(cJSON_GetObjectItemCaseSensitive(j, "auths"), a->host, ra_auth_usable);
	if (m != NULL) {
		if (ra_auth_entry(m, &c, why, sizeof(why)) != 0) {
			rc = yf_seterr(err, errlen, "credentials for %s: %s: auths: %s", a->host, path,
			    why);
		} else {
			snprintf(a->source, sizeof(a->source), "%s (auths)", where);
			rc = ra_set_header(a, &c, err, errlen);
		}
		ra_creds_clear(&c);
		goto out;
	}
	store = cJSON_GetObjectItemCaseSensitive(j, "credsStore");
	if (cJSON_IsString(store) && store->valuestring[0] != '\0') {
		char w[720];

		if (!registry_auth_helper_valid(store->valuestring)) {
			rc = yf_seterr(err, errlen, "credentials for %s: %s: credsStore: not a "
			    "helper name", a->host, path);
		} else {
			snprintf(w, sizeof(w), "credsStore in %s", where);
			rc = ra_from_helper(a, store->valuestring, w, err, errlen);
		}
	}
out:
	ra_json_free(j);
	return rc;
}

/* The docker config file: $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json, into OUT. */
static void
ra_default_config(char *out, size_t outlen)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char pbuf[1024];

	if (dir != NULL && dir[0] != '\0') {
		snprintf(out, outlen, "%s/config.json", dir);
		return;
	}
	if ((home == NULL || home[0] == '\0') &&
	    getpwuid_r(getuid(), &pw, pbuf, sizeof(pbuf), &res) == 0 && res != NULL)
		home = res->pw_dir;
	snprintf(out, outlen, "%s/.docker/config.json", home != NULL ? home : "");
}

/* Credentials for registry HOST: the inventory's entry, else the docker config. */
int
registry_auth_lookup(const struct inventory *inv, const char *host, struct registry_auth *out,
    char *err, size_t errlen)
{
	char path[4096];

	memset(out, 0, sizeof(*out));
	if (registry_auth_host(host, out->host, sizeof(out->host)) != 0)
		return yf_seterr(err, errlen, "bad registry host");
	for (size_t i = 0; inv != NULL && i < inv->nregistries; i++) {
		const struct inv_registry *r = &inv->registries[i];

		if (strcmp(r->host, out->host) != 0)
			continue;
		if (r->helper != NULL)
			return ra_from_helper(out, r->helper, "the inventory's registries entry",
			    err, errlen);
		return ra_from_config(out, r->config, "the inventory's registries entry", err,
		    errlen);
	}
	ra_default_config(path, sizeof(path));
	return ra_from_config(out, path, "", err, errlen);
}

/* ---------------------------------------------------------------- the cache */

/* One host's lookup, as it came out. */
struct ra_entry {
	char host[256];
	struct registry_auth a;
	int rc;
	char err[512];
};

struct registry_auth_cache {
	pthread_mutex_t lock;
	struct ra_entry *v;
	size_t n, cap;
};

/* A new empty cache. */
struct registry_auth_cache *
registry_auth_cache_new(void)
{
	struct registry_auth_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* Zero and free every credential in C, and C. */
void
registry_auth_cache_free(struct registry_auth_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		registry_auth_clear(&c->v[i].a);
	ra_wipe(c->v, c->cap * sizeof(*c->v));
	free(c->v);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* registry_auth_lookup through cache C, each host looked up once. */
int
registry_auth_cached(struct registry_auth_cache *c, const struct inventory *inv, const char *host,
    struct registry_auth *out, int *fresh, char *err, size_t errlen)
{
	struct ra_entry *e = NULL;
	char h[256];
	int rc;

	if (fresh != NULL)
		*fresh = 1;
	if (c == NULL || registry_auth_host(host, h, sizeof(h)) != 0)
		return registry_auth_lookup(inv, host, out, err, errlen);
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n && e == NULL; i++)
		if (strcmp(c->v[i].host, h) == 0)
			e = &c->v[i];
	if (e != NULL) {
		if (fresh != NULL)
			*fresh = 0;
	} else {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 4;
			struct ra_entry *v = calloc(cap, sizeof(*v));

			if (v == NULL) {
				pthread_mutex_unlock(&c->lock);
				return registry_auth_lookup(inv, host, out, err, errlen);
			}
			if (c->n > 0)
				memcpy(v, c->v, c->n * sizeof(*v));
			ra_wipe(c->v, c->cap * sizeof(*c->v));
			free(c->v);
			c->v = v;
			c->cap = cap;
		}
		e = &c->v[c->n++];
		snprintf(e->host, sizeof(e->host), "%s", h);
		e->rc = registry_auth_lookup(inv, host, &e->a, e->err, sizeof(e->err));
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->host, sizeof(out->host), "%s", e->a.host);
	snprintf(out->source, sizeof(out->source), "%s", e->a.source);
	out->found = e->a.found;
	rc = e->rc;
	if (rc != 0)
		yf_seterr(err, errlen, "%s", e->err);
	else if (e->a.header != NULL && (out->header = strdup(e->a.header)) == NULL) {
		out->found = 0;
		rc = yf_seterr(err, errlen, "credentials for %s: out of memory", h);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ---------------------------------------------------------------- refusals */

/* Whether a pull error means the registry wants (other) credentials. */
int
registry_auth_refused(const char *m)
{
	static const char *const words[] = {
		"no basic auth credentials", "unauthorized", "authentication required",
		"pull access denied", "incorrect username or password",
		"denied: requested access",
	};

	if (m == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(m, words[i]) != NULL)
			return 1;
	return 0;
}

/* The error of a refused pull, saying what was tried. */
void
registry_auth_explain(const struct registry_auth *a, const char *lookup_err, const char *message,
    char *out, size_t outlen)
{
	if (lookup_err != NULL && lookup_err[0] != '\0')
		snprintf(out, outlen, "%s asks for a login, and its credentials could not be read "
		    "(%s); the registry says: %s", a->host, lookup_err, message);
	else if (a->found)
		snprintf(out, outlen, "%s refused the credentials from %s: %s", a->host, a->source,
		    message);
	else
		snprintf(out, outlen, "no credentials for %s in %s; the registry says: %s", a->host,
		    a->source, message);
}
