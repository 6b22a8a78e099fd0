/* test-plan-diff.c: the plan's diff against the running revision
 * (compose_diff, plan-diff.c) and variables set for one load
 * (compose_load_vars).
 *
 * Each case writes two stack files to a temporary directory, loads both
 * (the old one through its canonical JSON, as a revision keeps it) and
 * checks the lines: the image, the environment (a credential's value
 * never shown), ports, restart, the rollout policy, services and volumes
 * added and removed, "no change" for the same file. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/deploy/compose.h"

static char dir[PATH_MAX];

/* A fresh temporary directory. */
static int
setup(void **state)
{
	char tmpl[] = "/tmp/plantdeck-test-diff-XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	unsetenv("TAG");
	return 0;
}

/* Remove it (two stack files at most). */
static int
teardown(void **state)
{
	char path[PATH_MAX + 16];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Write TEXT as DIR/NAME and load it with VARS; canonical: through JSON. */
static struct compose_stack *
load(const char *name, const char *text, const char *const *vars, size_t nvars, int canonical)
{
	char path[PATH_MAX + 16], err[1024], *json;
	struct compose_stack *s = NULL, *back = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	if (compose_load_vars(path, vars, nvars, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (!canonical)
		return s;
	json = compose_to_json(s);
	assert_non_null(json);
	assert_int_equal(compose_from_json(json, &back, err, sizeof(err)), 0);
	free(json);
	compose_free(s);
	return back;
}

/* The diff of OLD and NEW (files), joined by newlines. */
static char *
diff(const char *old, const char *new, const char *const *vars, size_t nvars)
{
	struct compose_stack *a = load("a.yaml", old, NULL, 0, 1);
	struct compose_stack *b = load("b.yaml", new, vars, nvars, 1);
	char **lines, *out;
	size_t n, len = 1;

	assert_int_equal(compose_diff(a, b, &lines, &n), 0);
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	compose_diff_free(lines, n);
	compose_free(a);
	compose_free(b);
	return out;
}

#define HAS(s, x) do { if (strstr((s), (x)) == NULL) fail_msg("no '%s' in:\n%s", (x), (s)); } \
	while (0)
#define HASNT(s, x) do { if (strstr((s), (x)) != NULL) fail_msg("'%s' in:\n%s", (x), (s)); } \
	while (0)

static const char base[] =
	"x-plantdeck:\n  stack: d\n"
	"services:\n"
	"  plc:\n"
	"    image: reg/plc-sim:${TAG:-1}\n"
	"    restart: unless-stopped\n"
	"    ports: [\"8080:80\"]\n"
	"    environment:\n      PLC_TAG: ${TAG:-1}\n      DB_PASSWORD: hunter2\n"
	"      KEEP: same\n      GONE: x\n";

/* The same file: no change. */
static void
test_same(void **state)
{
	char *d = diff(base, base, NULL, 0);

	(void)state;
	assert_string_equal(d, "no change\n");
	free(d);
}

/* Image, env added/removed/changed, a credential hidden, ports, restart,
 * the policy, a service added and one removed, a volume added. */
static void
test_changes(void **state)
{
	static const char next[] =
		"x-plantdeck:\n  stack: d\n  rollout:\n    canary: 2\n"
		"services:\n"
		"  plc:\n"
		"    image: reg/plc-sim:bad\n"
		"    restart: always\n"
		"    ports: [\"8081:80\"]\n"
		"    environment:\n      PLC_TAG: bad\n      DB_PASSWORD: hunter3\n"
		"      KEEP: same\n      NEW: 1\n"
		"    volumes: [\"hist:/data\"]\n"
		"  hmi:\n    image: reg/hmi:1\n"
		"volumes:\n  hist: {}\n";
	static const char old2[] =
		"x-plantdeck:\n  stack: d\n"
		"services:\n"
		"  plc:\n"
		"    image: reg/plc-sim:1\n"
		"    restart: unless-stopped\n"
		"    ports: [\"8080:80\"]\n"
		"    environment:\n      PLC_TAG: 1\n      DB_PASSWORD: hunter2\n"
		"      KEEP: same\n      GONE: x\n"
		"  old:\n    image: reg/old:1\n";
	char *d = diff(old2, next, NULL, 0);

	(void)state;
	if (getenv("PLAN_DIFF_PRINT") != NULL)   /* to see the lines */
		fputs(d, stderr);
	HAS(d, "service plc: image reg/plc-sim:1 -> reg/plc-sim:bad\n");
	HAS(d, "service plc: env PLC_TAG 1 -> bad\n");
	HAS(d, "service plc: env DB_PASSWORD changed (values hidden)\n");
	HASNT(d, "hunter");
	HAS(d, "service plc: env NEW added = 1\n");
	HAS(d, "service plc: env GONE removed\n");
	HASNT(d, "KEEP");
	HAS(d, "service plc: ports 8080:80/tcp -> 8081:80/tcp\n");
	HAS(d, "service plc: restart unless-stopped -> always\n");
	HAS(d, "service hmi: added, image reg/hmi:1\n");
	HAS(d, "service old: removed (was image reg/old:1)\n");
	HAS(d, "rollout canary 1 -> 2\n");
	HAS(d, "volume d_hist added\n");
	free(d);
}

/* A variable set for the load wins over the environment and the default,
 * and shows in the diff; a bad one is refused. */
static void
test_vars(void **state)
{
	const char *vars[] = { "TAG=2" }, *bad[] = { "2TAG=x" };
	struct compose_stack *s = NULL;
	char path[PATH_MAX + 16], err[1024], *d;

	(void)state;
	setenv("TAG", "env", 1);
	d = diff(base, base, vars, 1);
	HAS(d, "service plc: image reg/plc-sim:env -> reg/plc-sim:2\n");
	HAS(d, "service plc: env PLC_TAG env -> 2\n");
	free(d);
	unsetenv("TAG");
	assert_int_equal(getenv("TAG") == NULL, 1);     /* nothing left in the environment */
	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	assert_int_equal(compose_load_vars(path, bad, 1, &s, err, sizeof(err)), -1);
	assert_null(s);
	HAS(err, "'2TAG=x'");
	assert_int_equal(compose_var_secret("api_token", 9), 1);
	assert_int_equal(compose_var_secret("PLC_TAG", 7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vars, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
