/* test-compose-secrets.c: secrets and configs of a stack file
 * (compose-secrets.c): the top-level definitions and the services' short
 * and long forms, the canonical text (references and digests, never a
 * secret's content), reading a source again against its digest, and every
 * error at FILE:LINE:COL.  Each test writes its stack into a temporary
 * directory of its own. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"

#define ERRLEN 1024

/* What the tests put in secrets: none of it may reach a canonical text. */
#define FILE_SECRET "file-secret-Zq9xP"
#define ENV_SECRET "env-secret-W7kLm"

static char dir[PATH_MAX];

/* Fail, showing both, unless ERR contains WANT. */
#define assert_has(err, want) do { \
	if (strstr((err), (want)) == NULL) \
		fail_msg("'%s' lacks '%s'", (err), (want)); \
} while (0)

/* Remove one entry, for nftw. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh temporary directory with the secret file pw.txt, and the
 * environment's secret set. */
static int
setup(void **state)
{
	char tmpl[] = "/tmp/plantdeck-test-secrets-XXXXXX", path[PATH_MAX + 16];
	char *real;
	FILE *f;

	(void)state;
	if (mkdtemp(tmpl) == NULL || (real = realpath(tmpl, NULL)) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s", real);
	free(real);
	snprintf(path, sizeof(path), "%s/pw.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(FILE_SECRET "\n", f);
	fclose(f);
	setenv("TEST_SECRET_VAR", ENV_SECRET, 1);
	unsetenv("TEST_SECRET_UNSET");
	setenv("TEST_LINE", "B", 1);
	return 0;
}

/* Remove the temporary directory. */
static int
teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Write TEXT as DIR/stack.yaml; its path into PATH. */
static const char *
write_stack(char *path, size_t len, const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/stack.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Load TEXT, which must work. */
static struct compose_stack *
load_ok(const char *text)
{
	struct compose_stack *s = NULL;
	char path[PATH_MAX + 16], err[ERRLEN] = "";

	if (compose_load(write_stack(path, sizeof(path), text), &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return s;
}

/* Load TEXT, which must fail with an error at LINE:COL holding WANT. */
static void
load_fails(const char *text, int line, int col, const char *want)
{
	struct compose_stack *s = NULL;
	char path[PATH_MAX + 16], err[ERRLEN] = "", pos[PATH_MAX + 64];

	assert_int_equal(compose_load(write_stack(path, sizeof(path), text), &s, err,
	    sizeof(err)), -1);
	assert_null(s);
	snprintf(pos, sizeof(pos), "%s:%d:%d: ", path, line, col);
	if (strncmp(err, pos, strlen(pos)) != 0)
		fail_msg("'%s' is not at %s", err, pos);
	assert_has(err, want);
}

static const char *const full =
	"x-plantdeck: {stack: sec}\n"
	"secrets:\n"
	"  db_pw:\n"
	"    file: ./pw.txt\n"
	"  api_key:\n"
	"    environment: TEST_SECRET_VAR\n"
	"configs:\n"
	"  plc_conf:\n"
	"    content: |\n"
	"      line=${TEST_LINE}\n"
	"  plc_file:\n"
	"    file: pw.txt\n"
	"services:\n"
	"  plc:\n"
	"    image: plc:1\n"
	"    secrets:\n"
	"      - db_pw\n"
	"      - source: api_key\n"
	"        target: keys/api.key\n"
	"        uid: \"1000\"\n"
	"        gid: 1001\n"
	"        mode: 0400\n"
	"    configs:\n"
	"      - plc_conf\n"
	"      - source: plc_file\n"
	"        target: /etc/plc/plc.conf\n"
	"        mode: 0o640\n";

/* The definitions and references of a full stack, and the text a revision
 * keeps: references and digests, no secret. */
static void
test_full(void **state)
{
	struct compose_stack *s = load_ok(full), *back = NULL;
	const cJSON *d, *r;
	char *text, *again, err[ERRLEN], want[PATH_MAX + 16];

	(void)state;
	assert_int_equal(cJSON_GetArraySize(s->secrets), 4);
	d = compose_secret_find(s, "secret", "db_pw");
	assert_non_null(d);
	snprintf(want, sizeof(want), "%s/pw.txt", dir);
	assert_string_equal(cJSON_GetObjectItem(d, "file")->valuestring, want);
	assert_int_equal(strlen(cJSON_GetObjectItem(d, "sha256")->valuestring), 64);
	d = compose_secret_find(s, "secret", "api_key");
	assert_string_equal(cJSON_GetObjectItem(d, "environment")->valuestring,
	    "TEST_SECRET_VAR");
	d = compose_secret_find(s, "config", "plc_conf");
	assert_string_equal(cJSON_GetObjectItem(d, "content")->valuestring, "line=B\n");
	assert_null(compose_secret_find(s, "config", "db_pw"));

	r = s->services[0].secrets;
	assert_int_equal(cJSON_GetArraySize(r), 4);
	text = cJSON_PrintUnformatted(r);
	assert_string_equal(text,
	    "[{\"kind\":\"secret\",\"source\":\"db_pw\",\"target\":\"/run/secrets/db_pw\","
	    "\"uid\":\"0\",\"gid\":\"0\",\"mode\":292},"
	    "{\"kind\":\"secret\",\"source\":\"api_key\",\"target\":\"/run/secrets/keys/api.key\","
	    "\"uid\":\"1000\",\"gid\":\"1001\",\"mode\":256},"
	    "{\"kind\":\"config\",\"source\":\"plc_conf\",\"target\":\"/plc_conf\","
	    "\"uid\":\"0\",\"gid\":\"0\",\"mode\":292},"
	    "{\"kind\":\"config\",\"source\":\"plc_file\",\"target\":\"/etc/plc/plc.conf\","
	    "\"uid\":\"0\",\"gid\":\"0\",\"mode\":416}]");
	free(text);

	/* The canonical text: no secret, and it reads back to itself. */
	text = compose_to_json(s);
	assert_non_null(text);
	assert_null(strstr(text, FILE_SECRET));
	assert_null(strstr(text, ENV_SECRET));
	assert_has(text, "\"sha256\":");
	assert_has(text, "line=B");        /* a config's content: is the file's own text */
	if (compose_from_json(text, &back, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	again = compose_to_json(back);
	assert_string_equal(text, again);
	free(again);
	free(text);
	compose_free(back);
	compose_free(s);
}

/* A source read again: the same content, then a changed one refused. */
static void
test_read_again(void **state)
{
	struct compose_stack *s = load_ok(full);
	const cJSON *d = compose_secret_find(s, "secret", "db_pw");
	char err[ERRLEN] = "", *data = NULL, path[PATH_MAX + 16];
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), 0);
	assert_int_equal(len, strlen(FILE_SECRET "\n"));
	assert_memory_equal(data, FILE_SECRET "\n", len);
	free(data);
	d = compose_secret_find(s, "secret", "api_key");
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), 0);
	assert_memory_equal(data, ENV_SECRET, len);
	free(data);

	/* Changed since: refused, saying which and how; the message holds no content. */
	setenv("TEST_SECRET_VAR", "another", 1);
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), -1);
	assert_null(data);
	assert_has(err, "secret 'api_key': the environment variable changed since the revision");
	assert_null(strstr(err, "another"));
	unsetenv("TEST_SECRET_VAR");
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), -1);
	assert_has(err, "the environment variable TEST_SECRET_VAR is not set");
	setenv("TEST_SECRET_VAR", ENV_SECRET, 1);

	snprintf(path, sizeof(path), "%s/pw.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("rotated\n", f);
	fclose(f);
	d = compose_secret_find(s, "secret", "db_pw");
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), -1);
	assert_has(err, "pw.txt changed since the revision was made (sha256 ");
	assert_null(strstr(err, "rotated"));
	remove(path);
	assert_int_equal(compose_secret_read(d, &data, &len, err, sizeof(err)), -1);
	assert_has(err, "cannot read");
	compose_free(s);
}

/* external: under target swarm only. */
static void
test_external(void **state)
{
	struct compose_stack *s;
	const cJSON *d;
	char *text;

	(void)state;
	s = load_ok("x-plantdeck: {stack: sec, target: swarm}\n"
	    "secrets:\n  cert:\n    external: true\n    name: site_cert\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets: [cert]\n");
	d = compose_secret_find(s, "secret", "cert");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "external")));
	assert_string_equal(cJSON_GetObjectItem(d, "name")->valuestring, "site_cert");
	assert_null(cJSON_GetObjectItem(d, "sha256"));
	text = compose_to_json(s);
	assert_has(text, "\"external\":true");
	free(text);
	compose_free(s);
	load_fails("x-plantdeck: {stack: sec}\n"
	    "secrets:\n  cert:\n    external: true\n"
	    "services:\n  plc:\n    image: plc:1\n", 4, 5,
	    "external secret 'cert': only a swarm holds secrets");
}

/* Every error names its place. */
static void
test_errors(void **state)
{
	(void)state;
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: nope.txt\n"
	    "services:\n  plc:\n    image: plc:1\n", 4, 11, "secret 'pw': cannot read");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    environment: TEST_SECRET_UNSET\n"
	    "services:\n  plc:\n    image: plc:1\n", 4, 18,
	    "the environment variable TEST_SECRET_UNSET is not set");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets: [nope]\n", 8, 15,
	    "secret 'nope' is not defined under the top-level 'secrets'");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets:\n      - source: pw\n"
	    "        mode: 0999\n", 10, 15, "bad mode '0999'");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets:\n      - source: pw\n"
	    "        target: ../etc/passwd\n", 10, 17, "bad target '/run/secrets/../etc/passwd'");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    content: hunter2\n"
	    "services:\n  plc:\n    image: plc:1\n", 4, 5, "a secret has no 'content'");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "    environment: TEST_SECRET_VAR\nservices:\n  plc:\n    image: plc:1\n", 3, 3,
	    "secret 'pw' needs only one of file:, environment: or external: true");
	load_fails("x-plantdeck: {stack: sec}\nconfigs:\n  c: {}\n"
	    "services:\n  plc:\n    image: plc:1\n", 3, 3,
	    "config 'c' needs one of file:, environment:, content: or external: true");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets:\n      - target: x\n", 9, 9,
	    "a secret without 'source'");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "services:\n  plc:\n    image: plc:1\n    secrets:\n      - pw\n"
	    "      - {source: pw, target: pw}\n", 10, 9, "two secrets or configs at");
	load_fails("x-plantdeck: {stack: sec}\nsecrets:\n  pw:\n    file: pw.txt\n"
	    "    bogus: 1\nservices:\n  plc:\n    image: plc:1\n", 5, 5, "bogus");
}

/* A revision's text with a broken secrets member is refused. */
static void
test_from_json_bad(void **state)
{
	struct compose_stack *s = load_ok(full), *back = NULL;
	char *text = compose_to_json(s), *bad, err[ERRLEN];
	char *p;

	(void)state;
	/* A reference to a definition that is not there. */
	bad = strdup(text);
	p = strstr(bad, "\"source\":\"db_pw\"");
	assert_non_null(p);
	memcpy(p, "\"source\":\"db_px\"", 16);
	assert_int_equal(compose_from_json(bad, &back, err, sizeof(err)), -1);
	assert_has(err, "bad field 'secrets'");
	free(bad);
	/* A definition without its digest. */
	bad = strdup(text);
	p = strstr(bad, "\"sha256\":");
	assert_non_null(p);
	memcpy(p, "\"sha257\":", 9);
	assert_int_equal(compose_from_json(bad, &back, err, sizeof(err)), -1);
	assert_has(err, "bad field 'secrets'");
	free(bad);
	free(text);
	compose_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_json_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
