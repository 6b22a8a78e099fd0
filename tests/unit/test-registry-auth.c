/* test-registry-auth.c: registry credentials as the docker CLI finds them
 * (config.json variants, credential helpers, the inventory's registries
 * entries and their errors), the X-Registry-Auth encoding, and the words
 * of a refused pull.
 *
 * Built from registry-auth.c with -DUNITTEST (a short helper timeout).
 * Every case writes its config.json, fake docker-credential-* scripts and
 * inventories into a temporary directory, which is first on PATH and is
 * DOCKER_CONFIG; fake helpers write what they read on stdin to a file, so
 * the protocol is checked too. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"

#define ERRLEN 1024
#define SECRET "s3cr3t-Pa55"          /* must never show in a message */

/* Fail, showing both, unless message ERR contains WANT. */
#define assert_has(err, want) do { \
	if (strstr((err), (want)) == NULL) \
		fail_msg("'%s' lacks '%s'", (err), (want)); \
} while (0)

static char tmpdir[256];
static char oldpath[8192];

/* ---------------------------------------------------------------- helpers */

/* Remove one entry, for nftw. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Write TEXT to TMPDIR/REL with MODE. */
static void
put(const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The contents of TMPDIR/REL into BUF ("" when absent). */
static const char *
get(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "r");
	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* A fresh temporary directory: DOCKER_CONFIG, and first on PATH. */
static int
setup(void **state)
{
	char tmpl[] = "/tmp/plantdeck-test-ra-XXXXXX", path[sizeof(oldpath) + 300];

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	setenv("DOCKER_CONFIG", tmpdir, 1);
	snprintf(path, sizeof(path), "%s:%s", tmpdir, oldpath);
	setenv("PATH", path, 1);
	return 0;
}

/* Remove it again. */
static int
teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	setenv("PATH", oldpath, 1);
	return 0;
}

/* Decode the header value of A (after "X-Registry-Auth: ") into JSON. */
static cJSON *
header_json(const struct registry_auth *a)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *v;
	char out[2048];
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	assert_non_null(a->header);
	assert_true(strncmp(a->header, "X-Registry-Auth: ", 17) == 0);
	v = a->header + 17;
	for (; *v != '\0' && *v != '='; v++) {
		const char *p = strchr(b64, *v);

		if (p == NULL)
			fail_msg("'%c' is not base64url", *v);
		acc = (acc << 6 | (unsigned)(p - b64)) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return cJSON_Parse(out);
}

/* The string member KEY of J, or NULL. */
static const char *
str(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Look up HOST with no inventory: 0 expected; the header checked against
 * USER/PASS (or TOKEN) and SERVER when USER or TOKEN is given, else none. */
static void
expect(const char *host, const char *user, const char *pass, const char *token,
    const char *server, const char *source)
{
	struct registry_auth a;
	char err[ERRLEN] = "";
	cJSON *j;

	if (registry_auth_lookup(NULL, host, &a, err, sizeof(err)) != 0)
		fail_msg("lookup %s: %s", host, err);
	if (source != NULL)
		assert_has(a.source, source);
	if (user == NULL && token == NULL) {
		assert_int_equal(a.found, 0);
		assert_null(a.header);
		registry_auth_clear(&a);
		return;
	}
	assert_int_equal(a.found, 1);
	j = header_json(&a);
	assert_non_null(j);
	if (token != NULL) {
		assert_string_equal(str(j, "identitytoken"), token);
		assert_null(str(j, "password"));
	} else {
		assert_string_equal(str(j, "username"), user);
		assert_string_equal(str(j, "password"), pass);
	}
	assert_string_equal(str(j, "serveraddress"), server);
	cJSON_Delete(j);
	registry_auth_clear(&a);
	assert_null(a.header);
}

/* Look up HOST and expect an error containing WANT, and no secret in it. */
static void
expect_error(const struct inventory *inv, const char *host, const char *want)
{
	struct registry_auth a;
	char err[ERRLEN] = "";

	assert_int_equal(registry_auth_lookup(inv, host, &a, err, sizeof(err)), -1);
	assert_has(err, want);
	assert_null(strstr(err, SECRET));
	assert_null(a.header);
	registry_auth_clear(&a);
}

/* ---------------------------------------------------------------- names and header */

static void
test_host(void **state)
{
	static const char *const cases[][2] = {
		{ "127.0.0.1:5001", "127.0.0.1:5001" },
		{ "https://127.0.0.1:5001", "127.0.0.1:5001" },
		{ "http://127.0.0.1:5001/v1/", "127.0.0.1:5001" },
		{ "HTTPS://Registry.Example.COM/", "registry.example.com" },
		{ "https://index.docker.io/v1/", "docker.io" },
		{ "index.docker.io", "docker.io" },
		{ "registry-1.docker.io", "docker.io" },
		{ "docker.io", "docker.io" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(registry_auth_host(cases[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(registry_auth_host("", out, sizeof(out)), -1);
	assert_int_equal(registry_auth_host("https://", out, sizeof(out)), -1);
	assert_string_equal(registry_auth_server("docker.io"), "https://index.docker.io/v1/");
	assert_string_equal(registry_auth_server("reg:5000"), "reg:5000");
	assert_true(registry_auth_helper_valid("pass"));
	assert_true(registry_auth_helper_valid("ecr-login"));
	assert_false(registry_auth_helper_valid("../bin/sh"));
	assert_false(registry_auth_helper_valid("a b"));
	assert_false(registry_auth_helper_valid(""));
}

static void
test_encode(void **state)
{
	struct registry_auth a = { .found = 1 };
	cJSON *j;

	(void)state;
	/* ">>>?" encodes to "Pj4+Pw==" in standard base64: URL-safe is "-". */
	a.header = NULL;
	{
		char *v = registry_auth_encode("u>>>?", "p\"\\x", NULL, "reg:5000");
		size_t len;

		assert_non_null(v);
		assert_null(strchr(v, '+'));
		assert_null(strchr(v, '/'));
		assert_int_equal(strlen(v) % 4, 0);          /* padded, as the CLI writes it */
		len = strlen(v) + 20;
		a.header = malloc(len);
		assert_non_null(a.header);
		snprintf(a.header, len, "X-Registry-Auth: %s", v);
		free(v);
	}
	j = header_json(&a);
	assert_non_null(j);
	assert_string_equal(str(j, "username"), "u>>>?");
	assert_string_equal(str(j, "password"), "p\"\\x");
	assert_string_equal(str(j, "serveraddress"), "reg:5000");
	assert_null(str(j, "identitytoken"));
	cJSON_Delete(j);
	registry_auth_clear(&a);

	a.header = registry_auth_encode(NULL, NULL, "tok-en", "https://index.docker.io/v1/");
	assert_non_null(a.header);
	{
		size_t len = strlen(a.header) + 20;
		char *h = malloc(len);

		assert_non_null(h);
		snprintf(h, len, "X-Registry-Auth: %s", a.header);
		free(a.header);
		a.header = h;
	}
	j = header_json(&a);
	assert_string_equal(str(j, "identitytoken"), "tok-en");
	assert_null(str(j, "username"));
	assert_null(str(j, "password"));
	assert_string_equal(str(j, "serveraddress"), "https://index.docker.io/v1/");
	cJSON_Delete(j);
	registry_auth_clear(&a);
}

/* ---------------------------------------------------------------- config.json */

static void
test_no_config(void **state)
{
	char want[600];

	(void)state;
	snprintf(want, sizeof(want), "%s/config.json", tmpdir);
	expect("127.0.0.1:5001", NULL, NULL, NULL, NULL, want);
}

static void
test_auths(void **state)
{
	char want[600];

	(void)state;
	/* plant:s3cr3t-Pa55, under a key written as a URL with a path */
	put("config.json", "{\"auths\": {\"http://127.0.0.1:5001/v1/\": "
	    "{\"auth\": \"cGxhbnQ6czNjcjN0LVBhNTU=\"}}}", 0600);
	snprintf(want, sizeof(want), "%s/config.json (auths)", tmpdir);
	expect("127.0.0.1:5001", "plant", SECRET, NULL, "127.0.0.1:5001", want);
	/* another registry: none, and the source is the file */
	snprintf(want, sizeof(want), "%s/config.json", tmpdir);
	expect("127.0.0.1:5000", NULL, NULL, NULL, NULL, want);

	/* username and password, a password with a colon in "auth" */
	put("config.json", "{\"auths\": {\"reg.example.com\": {\"username\": \"a\", "
	    "\"password\": \"b:c\"}, \"https://reg2.example.com\": "
	    "{\"auth\": \"dTpwOnE=\"}}}", 0600);
	expect("reg.example.com", "a", "b:c", NULL, "reg.example.com", "(auths)");
	expect("reg2.example.com", "u", "p:q", NULL, "reg2.example.com", "(auths)");

	/* an identity token; Docker Hub's key */
	put("config.json", "{\"auths\": {\"https://index.docker.io/v1/\": "
	    "{\"identitytoken\": \"idtok\"}}}", 0600);
	expect("docker.io", NULL, NULL, "idtok", "https://index.docker.io/v1/", "(auths)");

	/* the empty entry docker login leaves beside a credsStore: no credentials */
	put("config.json", "{\"auths\": {\"127.0.0.1:5001\": {}}}", 0600);
	expect("127.0.0.1:5001", NULL, NULL, NULL, NULL, "config.json");
}

static void
test_config_errors(void **state)
{
	(void)state;
	put("config.json", "{\"auths\": ", 0600);
	expect_error(NULL, "127.0.0.1:5001", "not a JSON object");
	put("config.json", "[]", 0600);
	expect_error(NULL, "127.0.0.1:5001", "not a JSON object");
	/* "auth" that is not base64 of user:password: said, the secret not quoted */
	put("config.json", "{\"auths\": {\"127.0.0.1:5001\": {\"auth\": \"" SECRET "\"}}}", 0600);
	expect_error(NULL, "127.0.0.1:5001", "is not base64 of user:password");
	put("config.json", "{\"credHelpers\": {\"127.0.0.1:5001\": \"../../bin/sh\"}}", 0600);
	expect_error(NULL, "127.0.0.1:5001", "credHelpers: not a helper name");
	put("config.json", "{}", 0000);
	if (geteuid() != 0)
		expect_error(NULL, "127.0.0.1:5001", "cannot read");
}

/* ---------------------------------------------------------------- helpers */

/* A fake docker-credential-NAME that saves its stdin and argv to
 * NAME.stdin and answers ANSWER with exit status CODE. */
static void
fake_helper(const char *name, const char *answer, int code)
{
	char rel[128], text[2048];

	snprintf(rel, sizeof(rel), "docker-credential-%s", name);
	snprintf(text, sizeof(text), "#!/bin/sh\n"
	    "cat > \"%s/%s.stdin\"\n"
	    "echo \"$#:$1\" > \"%s/%s.args\"\n"
	    "printf '%%s' '%s'\n"
	    "exit %d\n", tmpdir, name, tmpdir, name, answer, code);
	put(rel, text, 0700);
}

static void
test_cred_helpers(void **state)
{
	char buf[256], want[600];

	(void)state;
	fake_helper("fake", "{\"ServerURL\":\"127.0.0.1:5001\",\"Username\":\"plant\","
	    "\"Secret\":\"" SECRET "\"}", 0);
	/* credHelpers wins over auths */
	put("config.json", "{\"credHelpers\": {\"https://127.0.0.1:5001\": \"fake\"}, "
	    "\"auths\": {\"127.0.0.1:5001\": {\"auth\": \"dTpw\"}}}", 0600);
	snprintf(want, sizeof(want), "docker-credential-fake (credHelpers in %s/config.json)",
	    tmpdir);
	expect("127.0.0.1:5001", "plant", SECRET, NULL, "127.0.0.1:5001", want);
	/* as the CLI runs it: "get", the server URL on stdin, no newline */
	assert_string_equal(get("fake.args", buf, sizeof(buf)), "1:get\n");
	assert_string_equal(get("fake.stdin", buf, sizeof(buf)), "127.0.0.1:5001");

	/* Docker Hub: its URL on stdin; Username <token> is an identity token */
	fake_helper("hub", "{\"ServerURL\":\"https://index.docker.io/v1/\","
	    "\"Username\":\"<token>\",\"Secret\":\"refresh-tok\"}", 0);
	put("config.json", "{\"credHelpers\": {\"docker.io\": \"hub\"}}", 0600);
	expect("docker.io", NULL, NULL, "refresh-tok", "https://index.docker.io/v1/",
	    "docker-credential-hub");
	assert_string_equal(get("hub.stdin", buf, sizeof(buf)), "https://index.docker.io/v1/");
}

static void
test_creds_store(void **state)
{
	(void)state;
	fake_helper("store", "{\"ServerURL\":\"127.0.0.1:5001\",\"Username\":\"plant\","
	    "\"Secret\":\"" SECRET "\"}", 0);
	/* auths with credentials wins over credsStore */
	put("config.json", "{\"credsStore\": \"store\", \"auths\": {\"127.0.0.1:5001\": "
	    "{\"auth\": \"dTpw\"}}}", 0600);
	expect("127.0.0.1:5001", "u", "p", NULL, "127.0.0.1:5001", "(auths)");
	/* an empty auths entry goes on to the store */
	put("config.json", "{\"credsStore\": \"store\", \"auths\": {\"127.0.0.1:5001\": {}}}",
	    0600);
	expect("127.0.0.1:5001", "plant", SECRET, NULL, "127.0.0.1:5001",
	    "docker-credential-store (credsStore in ");
	/* the store has nothing for it: no credentials, and the message says where */
	fake_helper("store", "credentials not found in native keychain", 1);
	expect("127.0.0.1:5001", NULL, NULL, NULL, NULL, "docker-credential-store (credsStore");
}

static void
test_helper_errors(void **state)
{
	char path[PATH_MAX];

	(void)state;
	put("config.json", "{\"credsStore\": \"missing\"}", 0600);
	expect_error(NULL, "127.0.0.1:5001", "docker-credential-missing: not found in PATH");

	/* a failure: its exit status and the first line of its stderr */
	snprintf(path, sizeof(path), "#!/bin/sh\necho 'gpg: decryption failed\nmore' >&2\n"
	    "exit 3\n");
	put("docker-credential-broken", path, 0700);
	put("config.json", "{\"credsStore\": \"broken\"}", 0600);
	expect_error(NULL, "127.0.0.1:5001", "docker-credential-broken get: exit status 3: "
	    "gpg: decryption failed");

	/* an answer that is not the protocol's */
	fake_helper("junk", "hello", 0);
	put("config.json", "{\"credsStore\": \"junk\"}", 0600);
	expect_error(NULL, "127.0.0.1:5001", "is not {ServerURL, Username, Secret}");

	/* one that hangs is killed after the timeout */
	put("docker-credential-hang", "#!/bin/sh\nexec sleep 30\n", 0700);
	put("config.json", "{\"credsStore\": \"hang\"}", 0600);
	{
		time_t t0 = time(NULL);

		expect_error(NULL, "127.0.0.1:5001", "docker-credential-hang get: no answer "
		    "within 0.3 s");
		assert_true(time(NULL) - t0 < 5);
	}
}

/* A helper for the cache test: counts its runs in count.log. */
static void
counting_helper(const char *name, const char *answer, int code)
{
	char rel[128], text[1024];

	snprintf(rel, sizeof(rel), "docker-credential-%s", name);
	snprintf(text, sizeof(text), "#!/bin/sh\necho run >> \"%s/count.log\"\ncat >/dev/null\n"
	    "printf '%%s' '%s'\nexit %d\n", tmpdir, answer, code);
	put(rel, text, 0700);
}

static void
test_cache(void **state)
{
	struct registry_auth_cache *c = registry_auth_cache_new();
	struct registry_auth a, b;
	char err[ERRLEN], buf[256];
	int fresh;

	(void)state;
	assert_non_null(c);
	counting_helper("count", "{\"Username\":\"u\",\"Secret\":\"" SECRET "\"}", 0);
	put("config.json", "{\"credsStore\": \"count\", \"credHelpers\": "
	    "{\"bad.example\": \"fails\"}}", 0600);
	counting_helper("fails", "", 4);
	/* one helper run for the host, whatever its spelling; each copy its own header */
	assert_int_equal(registry_auth_cached(c, NULL, "127.0.0.1:5001", &a, &fresh, err,
	    sizeof(err)), 0);
	assert_int_equal(fresh, 1);
	assert_int_equal(registry_auth_cached(c, NULL, "https://127.0.0.1:5001/", &b, &fresh, err,
	    sizeof(err)), 0);
	assert_int_equal(fresh, 0);
	assert_int_equal(a.found, 1);
	assert_int_equal(b.found, 1);
	assert_non_null(a.header);
	assert_ptr_not_equal(a.header, b.header);
	assert_string_equal(a.header, b.header);
	assert_string_equal(a.source, b.source);
	registry_auth_clear(&a);
	registry_auth_clear(&b);
	assert_string_equal(get("count.log", buf, sizeof(buf)), "run\n");
	/* a failure is kept too: the failing helper runs once */
	assert_int_equal(registry_auth_cached(c, NULL, "bad.example", &a, &fresh, err,
	    sizeof(err)), -1);
	assert_has(err, "docker-credential-fails get: exit status 4");
	registry_auth_clear(&a);
	err[0] = '\0';
	assert_int_equal(registry_auth_cached(c, NULL, "bad.example", &a, &fresh, err,
	    sizeof(err)), -1);
	assert_int_equal(fresh, 0);
	assert_has(err, "docker-credential-fails get: exit status 4");
	registry_auth_clear(&a);
	assert_string_equal(get("count.log", buf, sizeof(buf)), "run\nrun\n");
	registry_auth_cache_free(c);
	/* no cache: a plain lookup */
	assert_int_equal(registry_auth_cached(NULL, NULL, "127.0.0.1:5001", &a, &fresh, err,
	    sizeof(err)), 0);
	assert_int_equal(fresh, 1);
	assert_int_equal(a.found, 1);
	registry_auth_clear(&a);
}

/* ---------------------------------------------------------------- the inventory */

/* Load inventory TEXT (written to TMPDIR/inv.yaml): 0 with *INV, or -1
 * with ERR. */
static int
load(const char *text, struct inventory **inv, char *err)
{
	char path[PATH_MAX];

	put("inv.yaml", text, 0600);
	snprintf(path, sizeof(path), "%s/inv.yaml", tmpdir);
	err[0] = '\0';
	return inventory_load(path, inv, err, ERRLEN);
}

#define NODES "nodes:\n  - {name: a, endpoint: tcp://10.0.0.1, insecure: true}\n"

static void
test_inventory_entry(void **state)
{
	struct inventory *inv = NULL;
	struct registry_auth a;
	char err[ERRLEN], want[600];
	cJSON *j;

	(void)state;
	/* DOCKER_CONFIG's file has other credentials: the entry decides */
	put("config.json", "{\"auths\": {\"127.0.0.1:5001\": {\"auth\": \"dTpw\"}}}", 0600);
	put("plant.json", "{\"auths\": {\"127.0.0.1:5001\": {\"auth\": "
	    "\"cGxhbnQ6czNjcjN0LVBhNTU=\"}}}", 0600);
	fake_helper("inv", "{\"Username\":\"h\",\"Secret\":\"hs\"}", 0);
	if (load("registries:\n"
	    "  https://127.0.0.1:5001/: {config: plant.json}\n"
	    "  reg.example.com:\n"
	    "    helper: inv\n"
	    "  other.example.com: {config: empty.json}\n" NODES, &inv, err) == 0)
		fail_msg("loaded without empty.json");
	assert_has(err, "inv.yaml:5:31: config '");
	assert_has(err, "empty.json': No such file or directory");
	put("empty.json", "{}", 0600);
	if (load("registries:\n"
	    "  https://127.0.0.1:5001/: {config: plant.json}\n"
	    "  reg.example.com:\n"
	    "    helper: inv\n"
	    "  other.example.com: {config: empty.json}\n" NODES, &inv, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(inv->nregistries, 3);
	assert_string_equal(inv->registries[0].host, "127.0.0.1:5001");
	assert_int_equal(inv->registries[0].line, 2);
	assert_string_equal(inv->registries[1].helper, "inv");

	assert_int_equal(registry_auth_lookup(inv, "127.0.0.1:5001", &a, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/plant.json (the inventory's registries entry) (auths)",
	    tmpdir);
	assert_string_equal(a.source, want);
	j = header_json(&a);
	assert_string_equal(str(j, "username"), "plant");
	assert_string_equal(str(j, "password"), SECRET);
	cJSON_Delete(j);
	registry_auth_clear(&a);

	assert_int_equal(registry_auth_lookup(inv, "reg.example.com", &a, err, sizeof(err)), 0);
	assert_string_equal(a.source, "docker-credential-inv (the inventory's registries entry)");
	j = header_json(&a);
	assert_string_equal(str(j, "username"), "h");
	cJSON_Delete(j);
	registry_auth_clear(&a);

	/* an entry without credentials is not passed over for DOCKER_CONFIG */
	assert_int_equal(registry_auth_lookup(inv, "other.example.com", &a, err, sizeof(err)), 0);
	assert_int_equal(a.found, 0);
	assert_has(a.source, "empty.json (the inventory's registries entry)");
	registry_auth_clear(&a);

	/* a registry it does not list: DOCKER_CONFIG */
	put("config.json", "{\"auths\": {\"127.0.0.1:5000\": {\"auth\": \"dTpw\"}}}", 0600);
	assert_int_equal(registry_auth_lookup(inv, "127.0.0.1:5000", &a, err, sizeof(err)), 0);
	assert_int_equal(a.found, 1);
	registry_auth_clear(&a);
	inventory_free(inv);
}

static void
test_inventory_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "registries:\n  reg:5000: {config: c.json, password: " SECRET "}\n",
		    "inv.yaml:2:30: 'password' does not belong in the inventory: it holds no "
		    "credentials" },
		{ "registries:\n  reg:5000:\n    auth: eDp5\n",
		    "inv.yaml:3:5: 'auth' does not belong in the inventory" },
		{ "registries:\n  reg:5000: {config: c.json, helper: pass}\n",
		    "inv.yaml:2:13: registry 'reg:5000' needs one of 'config'" },
		{ "registries:\n  reg:5000: {}\n", "inv.yaml:2:13: registry 'reg:5000' needs one" },
		{ "registries:\n  reg:5000: {helper: ../sh}\n", "inv.yaml:2:22: bad helper '../sh'" },
		{ "registries:\n  reg:5000: {helper: pass, user: x}\n",
		    "inv.yaml:2:28: unknown key 'user'" },
		{ "registries:\n  reg:5000: c.json\n", "inv.yaml:2:13: registry 'reg:5000' must be "
		    "a mapping" },
		{ "registries: [reg:5000]\n", "inv.yaml:1:13: 'registries' must be a mapping" },
		{ "registries:\n  reg:5000: {helper: pass}\n  https://reg:5000/v1/: {helper: x}\n",
		    "inv.yaml:3:3: registry 'https://reg:5000/v1/' is listed twice (first at line 2)" },
		{ "registries:\n  \"reg 5000\": {helper: pass}\n", "inv.yaml:2:3: bad registry "
		    "'reg 5000'" },
	};
	struct inventory *inv;
	char err[ERRLEN], text[1024];

	(void)state;
	put("c.json", "{}", 0600);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s" NODES, cases[i][0]);
		inv = (struct inventory *)1;
		if (load(text, &inv, err) == 0)
			fail_msg("case %zu loaded", i);
		assert_null(inv);
		assert_has(err, cases[i][1]);
		assert_null(strstr(err, SECRET));
	}
}

/* ---------------------------------------------------------------- refusals */

static void
test_refused(void **state)
{
	struct registry_auth a = { .host = "127.0.0.1:5001",
	    .source = "/root/.docker/config.json" };
	char out[1024];

	(void)state;
	assert_true(registry_auth_refused("lab-01: POST /images/create?fromImage=x: HTTP 500: "
	    "Head \"http://127.0.0.1:5001/v2/plant/plc-sim/manifests/1\": no basic auth "
	    "credentials"));
	assert_true(registry_auth_refused("unauthorized: authentication required"));
	assert_true(registry_auth_refused("pull access denied for x, repository does not exist "
	    "or may require 'docker login'"));
	assert_false(registry_auth_refused("manifest for x:9 not found: manifest unknown"));
	assert_false(registry_auth_refused("connection refused"));
	assert_false(registry_auth_refused(NULL));

	registry_auth_explain(&a, "", "no basic auth credentials", out, sizeof(out));
	assert_has(out, "no credentials for 127.0.0.1:5001 in /root/.docker/config.json");
	a.found = 1;
	snprintf(a.source, sizeof(a.source), "/root/.docker/config.json (auths)");
	registry_auth_explain(&a, NULL, "unauthorized", out, sizeof(out));
	assert_has(out, "127.0.0.1:5001 refused the credentials from /root/.docker/config.json "
	    "(auths): unauthorized");
	a.found = 0;
	registry_auth_explain(&a, "credentials for 127.0.0.1:5001: docker-credential-x: not "
	    "found in PATH", "unauthorized", out, sizeof(out));
	assert_has(out, "127.0.0.1:5001 asks for a login, and its credentials could not be "
	    "read (credentials for 127.0.0.1:5001: docker-credential-x: not found in PATH)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_encode),
		cmocka_unit_test_setup_teardown(test_no_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cred_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_errors, setup, teardown),
		cmocka_unit_test(test_refused),
	};
	const char *p = getenv("PATH");

	snprintf(oldpath, sizeof(oldpath), "%s", p != NULL ? p : "/usr/bin:/bin");
	registry_auth_test_timeout(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
