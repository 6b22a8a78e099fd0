/* registry-auth.h: the credentials of an image registry, found where Docker
 * users keep them, and the X-Registry-Auth header that hands them to an
 * engine for one pull (or to a Swarm manager for a service).
 *
 * For a registry host, the inventory's `registries:` entry decides when
 * there is one (a docker config.json it names, or a credential helper);
 * else $DOCKER_CONFIG/config.json (~/.docker/config.json) is read as the
 * docker CLI reads it: credHelpers[host], then auths[host], then
 * credsStore.  A helper is run as the CLI runs it: `docker-credential-NAME
 * get`, the server URL on its stdin, JSON on its stdout.
 *
 * Secrets live only in the header text a lookup returns, and only until
 * registry_auth_clear(), which zeroes it; every buffer that held one on the
 * way (the file, the helper's output, the JSON) is zeroed before it is
 * freed.  Nothing here logs, and no message quotes a secret. */
#ifndef PLANTDECK_REGISTRY_AUTH_H
#define PLANTDECK_REGISTRY_AUTH_H

#include <stddef.h>

struct inventory;

#define REGISTRY_AUTH_HUB "docker.io"                       /* Docker Hub's host */
#define REGISTRY_AUTH_HUB_URL "https://index.docker.io/v1/" /* its key and server URL */
#define REGISTRY_AUTH_HELPER_MS 10000                       /* a helper's time to answer */

/* What a lookup found for one registry. */
struct registry_auth {
	char host[256];      /* the registry, normalised ("docker.io" for Docker Hub) */
	char source[768];    /* where the credentials came from ("/root/.docker/config.json
	                        (auths)"), or where they were looked for when none were
	                        found ("/root/.docker/config.json") */
	int found;           /* credentials were found: HEADER is set */
	char *header;        /* "X-Registry-Auth: <base64url JSON>", or NULL */
};

/* Credentials for registry HOST (as rollout_image_split gives it) from
 * INV's registries entry (INV may be NULL) or the docker config.  0 with
 * OUT filled (OUT->found 0 when there are none: OUT->source says where
 * they were looked for), or -1 with ERR when they could not be read (a
 * config that is not JSON, a helper that failed); OUT->source is set then
 * too.  Clear OUT with registry_auth_clear in every case. */
int registry_auth_lookup(const struct inventory *inv, const char *host,
    struct registry_auth *out, char *err, size_t errlen);

/* Zero and free what a lookup left in A. */
void registry_auth_clear(struct registry_auth *a);

/* The lookups of one deploy: each registry host is looked up once (a
 * helper runs once, a failure is not retried for every node), and the
 * credentials are kept in memory until registry_auth_cache_free zeroes
 * them.  Thread-safe. */
struct registry_auth_cache;

/* A new empty cache, or NULL (then lookups go uncached). */
struct registry_auth_cache *registry_auth_cache_new(void);

/* registry_auth_lookup through cache C (NULL: none): OUT gets its own copy
 * (clear it as usual); *FRESH (if not NULL) says whether this call did the
 * lookup rather than finding it in C. */
int registry_auth_cached(struct registry_auth_cache *c, const struct inventory *inv,
    const char *host, struct registry_auth *out, int *fresh, char *err, size_t errlen);

/* Zero and free every credential in C, and C. */
void registry_auth_cache_free(struct registry_auth_cache *c);

/* The registry host a key of `auths`, `credHelpers` or the inventory names:
 * "https://host/v1/", "http://host" and "host" are all "host"; Docker Hub's
 * spellings (index.docker.io, registry-1.docker.io, its v1 URL) are
 * "docker.io".  0, or -1 when KEY is empty or too long for OUT. */
int registry_auth_host(const char *key, char *out, size_t outlen);

/* The server address Docker uses for HOST: Docker Hub's v1 URL, else HOST. */
const char *registry_auth_server(const char *host);

/* The header value (base64url of the JSON the Engine API documents:
 * {username, password, serveraddress}, or {identitytoken, serveraddress}
 * when IDENTITYTOKEN is not NULL).  A new string, or NULL. */
char *registry_auth_encode(const char *username, const char *password,
    const char *identitytoken, const char *serveraddress);

/* Whether a pull error MESSAGE means the registry wants credentials, or
 * other ones: 401, "unauthorized", "no basic auth credentials", ... */
int registry_auth_refused(const char *message);

/* The error of a pull from A->host that the registry refused (its words in
 * MESSAGE), saying what was tried: "no credentials for HOST in SOURCE", or
 * "HOST refused the credentials from SOURCE"; LOOKUP_ERR (or NULL) is why
 * the credentials could not be read. */
void registry_auth_explain(const struct registry_auth *a, const char *lookup_err,
    const char *message, char *out, size_t outlen);

#ifdef UNITTEST
/* Give credential helpers MS to answer (REGISTRY_AUTH_HELPER_MS otherwise). */
void registry_auth_test_timeout(long ms);
/* A credential helper's ANSWER read as its stdout is: 0 with *FOUND when
 * it holds credentials, or -1 with ERR. */
int registry_auth_test_answer(const char *answer, int *found, char *err, size_t errlen);
#endif

/* Whether NAME may follow "docker-credential-": 1 to 64 of A-Z a-z 0-9 . _ - */
int registry_auth_helper_valid(const char *name);

#endif
