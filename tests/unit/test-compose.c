/* test-compose.c: stack files: every supported key, interpolation, every
 * error message and warning, hostile input, and the canonical JSON form
 * (built with -DUNITTEST, which exposes the number parsers).
 *
 * Fixtures live in tests/data/compose, found through $top_srcdir (set by
 * make check; "." otherwise).  Files that must be huge, deep or in an odd
 * directory are written to a temporary directory by the test itself. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"

/* Exposed by compose-values.c under UNITTEST. */
int compose_parse_size(const char *s, int64_t *bytes);
int compose_parse_duration(const char *s, int64_t *ns);
int compose_parse_cpus(const char *s, int64_t *nanocpus);
cJSON *compose_split_words(const char *s, const char **why);

#define ERRLEN 1024
#define DIRLEN 256

/* Variables the fixtures read, which the test sets itself. */
static const char *const fixture_vars[] = {
	"STACK_NAME", "APP_TAG", "LINE", "CELL", "GREETING", "FROM_DOTENV", "MEM",
	"NOT_SET_ANYWHERE", "PLC_TAG", "PLANT_TEST_UNSET_TAG", "PLANT_MODE", "TAG", NULL,
};

/* ---------------------------------------------------------------- helpers */

/* Fail, showing both, unless message ERR contains WANT. */
#define assert_has(err, want) do { \
	if (strstr((err), (want)) == NULL) \
		fail_msg("'%s' lacks '%s'", (err), (want)); \
} while (0)

/* The source tree's top directory. */
static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

/* The path of fixture NAME into BUF. */
static const char *
fixture(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/tests/data/compose/%s", srcdir(), name);
	return buf;
}

/* The absolute fixture directory into BUF. */
static const char *
fixture_dir(char *buf, size_t len)
{
	char rel[PATH_MAX], *real;

	fixture(rel, sizeof(rel), "");
	real = realpath(rel, NULL);
	assert_non_null(real);
	snprintf(buf, len, "%s", real);
	free(real);
	return buf;
}

/* Unset every variable the fixtures read. */
static void
clear_vars(void)
{
	for (size_t i = 0; fixture_vars[i] != NULL; i++)
		unsetenv(fixture_vars[i]);
}

/* A new temporary directory, by its real (absolute) name, into BUF. */
static const char *
make_tmpdir(char *buf, size_t len)
{
	char tmpl[] = "/tmp/plantdeck-test-compose-XXXXXX";
	char *real;

	assert_non_null(mkdtemp(tmpl));
	real = realpath(tmpl, NULL);
	assert_non_null(real);
	snprintf(buf, len, "%s", real);
	free(real);
	return buf;
}

/* Remove one entry, for nftw. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove directory DIR and everything in it. */
static void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write LEN bytes of DATA to DIR/REL, making the directories on the way. */
static void
write_bytes(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
		*p = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Write string TEXT to DIR/REL. */
static void
write_file(const char *dir, const char *rel, const char *text)
{
	write_bytes(dir, rel, text, strlen(text));
}

/* Whether ERR is one line of printable text. */
static int
one_printable_line(const char *err)
{
	for (const char *p = err; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* Load PATH, which must fail; the message is left in ERR. */
static void
load_fails(const char *path, char *err)
{
	struct compose_stack *s = (struct compose_stack *)1;

	err[0] = '\0';
	assert_int_equal(compose_load(path, &s, err, ERRLEN), -1);
	assert_null(s);
	assert_true(err[0] != '\0');
	if (!one_printable_line(err))
		fail_msg("not one printable line: '%s'", err);
}

/* Load PATH, which must work. */
static struct compose_stack *
load_ok(const char *path)
{
	struct compose_stack *s = NULL;
	char err[ERRLEN] = "";

	if (compose_load(path, &s, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	assert_non_null(s);
	return s;
}

/* The canonical text of S must survive from_json and back unchanged. */
static void
assert_round_trip(const struct compose_stack *s)
{
	struct compose_stack *back = NULL;
	char err[ERRLEN], *a, *b;

	a = compose_to_json(s);
	assert_non_null(a);
	if (compose_from_json(a, &back, err, sizeof(err)) != 0)
		fail_msg("from_json: %s\n%s", err, a);
	assert_string_equal(back->file, "revision");
	assert_int_equal(back->nwarnings, 0);
	b = compose_to_json(back);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	compose_free(back);
}

/* The create body of S's service I as unformatted JSON text. */
static char *
create_text(const struct compose_stack *s, size_t i)
{
	assert_true(i < s->nservices);
	return cJSON_PrintUnformatted(s->services[i].create);
}

/* ---------------------------------------------------------------- valid files */

static void
test_defaults(void **state)
{
	struct compose_policy p;

	(void)state;
	memset(&p, 0x55, sizeof(p));
	compose_policy_defaults(&p);
	assert_int_equal(p.canary, 1);
	assert_int_equal(p.parallelism, 0);
	assert_int_equal(p.grow, 1);
	assert_true(p.delay == 0);
	assert_true(p.monitor == 10);
	assert_true(p.progress_deadline == 120);
	assert_true(p.max_failure_ratio == 0.05);
	assert_int_equal(p.failure_action, COMPOSE_FAIL_PAUSE);
	assert_int_equal(p.order, COMPOSE_STOP_FIRST);
	assert_int_equal(p.revisions, 5);
	assert_int_equal(p.max_pulls, 8);
	compose_policy_defaults(NULL);
	assert_string_equal(compose_failure_action_name(COMPOSE_FAIL_PAUSE), "pause");
	assert_string_equal(compose_failure_action_name(COMPOSE_FAIL_ROLLBACK), "rollback");
	assert_string_equal(compose_failure_action_name(COMPOSE_FAIL_CONTINUE), "continue");
	assert_string_equal(compose_order_name(COMPOSE_STOP_FIRST), "stop-first");
	assert_string_equal(compose_order_name(COMPOSE_START_FIRST), "start-first");
}

static void
test_full(void **state)
{
	char path[PATH_MAX], dir[PATH_MAX], want[8192], *text;
	struct compose_stack *s;
	const struct compose_policy *p;

	(void)state;
	clear_vars();
	fixture(path, sizeof(path), "full.yaml");
	fixture_dir(dir, sizeof(dir));
	s = load_ok(path);
	assert_string_equal(s->file, path);
	assert_string_equal(s->name, "press-a");	/* x-plantdeck.stack wins over name: */
	assert_string_equal(s->placement, "line=A,cell=3");
	assert_int_equal(s->nwarnings, 0);
	p = &s->policy;
	assert_int_equal(p->canary, 2);
	assert_int_equal(p->parallelism, 8);
	assert_int_equal(p->grow, 0);
	assert_true(p->delay == 5);
	assert_true(p->monitor == 90);
	assert_true(p->progress_deadline == 120);
	assert_true(p->max_failure_ratio == 0.25);
	assert_int_equal(p->failure_action, COMPOSE_FAIL_ROLLBACK);
	assert_int_equal(p->order, COMPOSE_START_FIRST);
	assert_int_equal(p->revisions, 10);
	assert_int_equal(p->max_pulls, 4);

	assert_int_equal(s->nservices, 2);
	assert_string_equal(s->services[0].name, "plc");
	assert_string_equal(s->services[0].image, "127.0.0.1:5000/plant/plc-sim:1.4");
	assert_int_equal(s->services[0].has_healthcheck, 1);
	assert_int_equal(s->services[0].line, 22);
	assert_int_equal(s->services[0].column, 3);
	snprintf(want, sizeof(want),
	    "{\"Image\":\"127.0.0.1:5000/plant/plc-sim:1.4\","
	    "\"Cmd\":[\"plc-sim\",\"--cycle\",\"10ms\",\"--name\",\"press line A\"],"
	    "\"Entrypoint\":[\"/usr/bin/tini\",\"--\"],"
	    "\"Env\":[\"PLC_MODE=run\",\"PLC_CELL=3\"],"
	    "\"Labels\":{\"plant.role\":\"plc\",\"plant.cell\":\"3\"},"
	    "\"ExposedPorts\":{\"80/tcp\":{},\"502/udp\":{},\"9100/tcp\":{}},"
	    "\"Volumes\":{\"/scratch\":{}},"
	    "\"WorkingDir\":\"/opt/plc\",\"User\":\"1000:1000\",\"Hostname\":\"plc-a3\","
	    "\"Healthcheck\":{\"Test\":[\"CMD\",\"plc-sim\",\"--check\"],"
	    "\"Interval\":2000000000,\"Timeout\":500000000,\"StartPeriod\":90000000000,"
	    "\"Retries\":3},"
	    "\"StopSignal\":\"SIGINT\",\"StopTimeout\":2,"
	    "\"HostConfig\":{"
	    "\"Binds\":[\"%s/data:/data:ro\",\"press-a_plc-data:/var/lib/plc\",\"/srv/recipes:/recipes\"],"
	    "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
	    "\"502/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5020\"}],"
	    "\"9100/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]},"
	    "\"Devices\":[{\"PathOnHost\":\"/dev/ttyS0\",\"PathInContainer\":\"/dev/ttyS0\","
	    "\"CgroupPermissions\":\"rwm\"},{\"PathOnHost\":\"/dev/ttyUSB0\","
	    "\"PathInContainer\":\"/dev/ttyUSB0\",\"CgroupPermissions\":\"rwm\"}],"
	    "\"Memory\":268435456,\"MemoryReservation\":134217728,\"NanoCpus\":500000000,"
	    "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},"
	    "\"NetworkMode\":\"host\",\"CapAdd\":[\"SYS_NICE\",\"NET_ADMIN\"],"
	    "\"CapDrop\":[\"ALL\"],\"Privileged\":false,\"ReadonlyRootfs\":true}}", dir);
	text = create_text(s, 0);
	assert_string_equal(text, want);
	free(text);

	/* deploy.resources agrees with nothing else; a string test is CMD-SHELL. */
	assert_string_equal(s->services[1].name, "hmi");
	assert_int_equal(s->services[1].has_healthcheck, 1);
	assert_int_equal(s->services[1].line, 65);
	text = create_text(s, 1);
	assert_string_equal(text,
	    "{\"Image\":\"127.0.0.1:5000/plant/hmi:2\","
	    "\"Env\":[\"HMI_TITLE=Press line A\",\"HMI_PORT=8081\"],"
	    "\"Labels\":{\"plant.role\":\"hmi\"},"
	    "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\","
	    "\"curl -fsS http://localhost:8081/health || exit 1\"]},"
	    "\"HostConfig\":{\"Memory\":1073741824,\"MemoryReservation\":536870912,"
	    "\"NanoCpus\":1500000000,\"RestartPolicy\":{\"Name\":\"unless-stopped\"}}}");
	free(text);
	assert_round_trip(s);
	compose_free(s);
	compose_free(NULL);
}

static void
test_minimal(void **state)
{
	char path[PATH_MAX], *text;
	struct compose_stack *s;

	(void)state;
	fixture(path, sizeof(path), "minimal.yaml");
	s = load_ok(path);
	assert_string_equal(s->name, "compose");	/* the directory's name */
	assert_null(s->placement);
	assert_int_equal(s->policy.canary, 1);
	assert_int_equal(s->nservices, 1);
	assert_int_equal(s->services[0].has_healthcheck, 0);
	text = create_text(s, 0);
	assert_string_equal(text, "{\"Image\":\"nginx\",\"HostConfig\":{}}");
	free(text);
	text = compose_to_json(s);
	assert_string_equal(text,
	    "{\"name\":\"compose\",\"placement\":null,\"target\":\"engines\","
	    "\"policy\":{\"canary\":1,"
	    "\"parallelism\":0,\"grow\":true,\"delay\":0,\"monitor\":10,"
	    "\"progress_deadline\":120,\"max_failure_ratio\":0.05,"
	    "\"failure_action\":\"pause\",\"order\":\"stop-first\",\"revisions\":5,"
	    "\"max_pulls\":8},\"services\":[{\"name\":\"web\",\"image\":\"nginx\","
	    "\"has_healthcheck\":false,\"line\":2,\"column\":3,"
	    "\"create\":{\"Image\":\"nginx\",\"HostConfig\":{}},"
	    "\"endpoints\":{\"compose_default\":{\"Aliases\":[\"web\"]}}}],"
	    "\"networks\":[{\"key\":\"default\",\"name\":\"compose_default\","
	    "\"external\":false,\"create\":{\"Name\":\"compose_default\","
	    "\"CheckDuplicate\":true,\"Driver\":\"bridge\",\"Labels\":{"
	    "\"com.docker.compose.project\":\"compose\","
	    "\"com.docker.compose.network\":\"default\","
	    "\"io.plantdeck.stack\":\"compose\"}}}]}");
	free(text);
	assert_round_trip(s);
	compose_free(s);
}

static void
test_env(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128], *text;
	struct compose_stack *s;

	(void)state;
	clear_vars();
	fixture(path, sizeof(path), "envdir/docker-compose.yml");
	s = load_ok(path);
	assert_string_equal(s->name, "plantenv");	/* ${STACK_NAME:-plantenv} */
	assert_string_equal(s->services[0].image, "127.0.0.1:5000/plant/app:2.1");
	text = create_text(s, 0);
	/* env_file first, environment over it in place; .env fills unset
	 * variables; CELL is set (empty) in .env, so ${CELL-9} is empty. */
	assert_string_equal(text,
	    "{\"Image\":\"127.0.0.1:5000/plant/app:2.1\","
	    "\"Env\":[\"APP_MODE=production\",\"APP_OVERRIDE=from-environment-key\","
	    "\"QUOTED=a \\\"quoted\\\" value\",\"LINE=A\",\"CELL=\",\"PRICE=$5\","
	    "\"GREETING=hello world\",\"FROM_DOTENV=dot env\"],"
	    "\"Labels\":{\"plant.tag\":\"tagged\",\"plant.missing\":\"\"},"
	    "\"HostConfig\":{\"Memory\":134217728}}");
	free(text);
	assert_int_equal(s->nwarnings, 1);
	snprintf(want, sizeof(want), "%s:17:23: variable 'NOT_SET_ANYWHERE' is not set, "
	    "using an empty string", path);
	assert_string_equal(s->warnings[0], want);
	assert_round_trip(s);
	compose_free(s);

	/* The environment wins over .env. */
	setenv("STACK_NAME", "from-env", 1);
	setenv("APP_TAG", "9", 1);
	setenv("CELL", "4", 1);
	setenv("MEM", "1g", 1);
	setenv("FROM_DOTENV", "environment", 1);
	setenv("NOT_SET_ANYWHERE", "now set", 1);
	s = load_ok(path);
	assert_string_equal(s->name, "from-env");
	assert_string_equal(s->services[0].image, "127.0.0.1:5000/plant/app:9");
	assert_int_equal(s->nwarnings, 0);
	text = create_text(s, 0);
	assert_has(text, "\"CELL=4\"");
	assert_has(text, "\"FROM_DOTENV=environment\"");
	assert_has(text, "\"plant.missing\":\"now set\"");
	assert_has(text, "\"Memory\":1073741824");
	free(text);
	compose_free(s);

	/* ${VAR:-default} takes the default for an empty value too. */
	setenv("STACK_NAME", "", 1);
	s = load_ok(path);
	assert_string_equal(s->name, "plantenv");
	compose_free(s);
	clear_vars();
}

static void
test_example(void **state)
{
	char path[PATH_MAX];
	struct compose_stack *s;

	(void)state;
	clear_vars();
	snprintf(path, sizeof(path), "%s/examples/plc-stack.yaml", srcdir());
	s = load_ok(path);
	assert_string_equal(s->name, "plc");
	assert_int_equal(s->nservices, 1);
	assert_string_equal(s->services[0].name, "plc");
	assert_string_equal(s->services[0].image, "127.0.0.1:5000/plant/plc-sim:1");
	assert_true(s->policy.monitor == 5);
	assert_int_equal(s->policy.failure_action, COMPOSE_FAIL_ROLLBACK);
	assert_int_equal(s->nwarnings, 0);
	assert_round_trip(s);
	compose_free(s);

	setenv("PLC_TAG", "2", 1);
	s = load_ok(path);
	assert_string_equal(s->services[0].image, "127.0.0.1:5000/plant/plc-sim:2");
	compose_free(s);
	clear_vars();
}

static void
test_merge(void **state)
{
	char path[PATH_MAX], *text;
	struct compose_stack *s;

	(void)state;
	fixture(path, sizeof(path), "merge.yaml");
	s = load_ok(path);
	assert_string_equal(s->name, "merged");
	assert_int_equal(s->nservices, 2);
	assert_int_equal(s->nwarnings, 0);
	text = create_text(s, 0);
	assert_string_equal(text,
	    "{\"Image\":\"127.0.0.1:5000/plant/agent:3\",\"Cmd\":[\"agent\",\"--side\",\"left\"],"
	    "\"Env\":[\"SITE=north\"],\"Labels\":{\"plant.stack\":\"merged\"},"
	    "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}");
	free(text);
	/* The service's own restart wins over the merged one. */
	text = create_text(s, 1);
	assert_string_equal(text,
	    "{\"Image\":\"127.0.0.1:5000/plant/agent:3\","
	    "\"Env\":[\"SITE=north\"],\"Labels\":{\"plant.stack\":\"merged\"},"
	    "\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}}}");
	free(text);
	assert_round_trip(s);
	compose_free(s);
}

/* The spec-*.yaml fixtures' long forms and container options, in the
 * create body as the short forms would be, and back from the canonical
 * text. */
static void
test_spec_long_forms(void **state)
{
	static const struct { const char *file, *want[4]; } cases[] = {
		{ "spec-long-volumes.yaml", {
		    "\"Volumes\":{\"/scratch\":{}}",
		    "\"Binds\":[\"compose_pgdata:/var/lib/postgresql/data:rw,nocopy\",",
		    "/tests/data/compose/conf:/etc/historian:ro,rprivate\"]",
		    "\"Tmpfs\":{\"/run/cache\":\"size=67108864\"}" } },
		{ "spec-long-ports.yaml", {
		    "\"4840/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"4840\"}]",
		    "\"502/udp\":[{\"HostIp\":\"\",\"HostPort\":\"1502\"}]",
		    "\"9000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]", NULL } },
		{ "spec-long-ports-host-ip.yaml", {
		    "\"502/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"1502\"}]", NULL } },
		{ "spec-container-options.yaml", {
		    "\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":20000,\"Hard\":40000},"
		    "{\"Name\":\"nproc\",\"Soft\":65535,\"Hard\":65535}]",
		    "\"Sysctls\":{\"net.core.somaxconn\":\"1024\"},\"Init\":true,",
		    "\"ExtraHosts\":[\"plc-a:192.0.2.10\"],\"Dns\":[\"192.0.2.53\"],",
		    "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"10m\","
		    "\"max-file\":\"3\"}}" } },
		{ "spec-devices-long.yaml", {
		    "\"Devices\":[{\"PathOnHost\":\"/dev/ttyS0\",\"PathInContainer\":"
		    "\"/dev/ttyPLC\",\"CgroupPermissions\":\"rw\"},{\"PathOnHost\":"
		    "\"/dev/ttyUSB0\",\"PathInContainer\":\"/dev/ttyUSB0\",\"CgroupPermissions\":"
		    "\"rwm\"}]", NULL } },
		{ "spec-tmpfs.yaml", {
		    "\"Tmpfs\":{\"/run\":\"\",\"/tmp\":\"size=64m,mode=1777\"}", NULL } },
		{ "spec-env-file-long.yaml", { "\"Env\":[]", NULL } },
		{ "spec-build-image.yaml", { "\"Image\":\"reg.plant.local/hmi:4.2\"", NULL } },
		{ "spec-extends.yaml", {
		    "\"name\":\"gateway-a\",\"image\":\"127.0.0.1:5000/plant/opcua-gw:2\"",
		    "\"Env\":[\"SITE=north\",\"LEVEL=debug\"],\"HostConfig\":{\"Binds\":"
		    "[\"", "/tests/data/compose/conf-a:/etc/gw:ro\"],\"RestartPolicy\":"
		    "{\"Name\":\"always\"}}",
		    "\"create\":{\"Image\":\"127.0.0.1:5000/plant/plc-sim:1\",\"Env\":"
		    "[\"PLC_ID=b\",\"PLC_PORT=502\"],\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\"]}}" } },
	};
	char path[PATH_MAX];

	(void)state;
	clear_vars();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s;
		char *text;

		fixture(path, sizeof(path), cases[i].file);
		s = load_ok(path);
		text = compose_to_json(s);
		assert_non_null(text);
		for (size_t j = 0; j < 4 && cases[i].want[j] != NULL; j++)
			assert_has(text, cases[i].want[j]);
		free(text);
		assert_round_trip(s);
		compose_free(s);
	}
}

/* Under target swarm, replicas without mode is replicated (Compose's
 * default); a directory with a dot gives a name without one. */
static void
test_swarm_replicas_default(void **state)
{
	static const char yaml[] = "x-plantdeck:\n  target: swarm\nservices:\n  web:\n"
	    "    image: nginx\n    deploy:\n      replicas: 3\n";
	char dir[DIRLEN], sub[DIRLEN + 16], path[PATH_MAX];
	struct compose_stack *s;

	(void)state;
	clear_vars();
	make_tmpdir(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/Site.v2", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_bytes(sub, "stack.yml", yaml, strlen(yaml));
	snprintf(path, sizeof(path), "%s/stack.yml", sub);
	s = load_ok(path);
	assert_string_equal(s->name, "sitev2");
	assert_int_equal(s->services[0].mode, COMPOSE_MODE_REPLICATED);
	assert_int_equal(s->services[0].replicas, 3);
	compose_free(s);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* Services Compose would not start are left out, with a warning. */
static void
test_spec_left_out(void **state)
{
	static const char *const files[] = {
		"spec-profiles.yaml", "spec-scale-zero.yaml", "spec-replicas-zero.yaml",
	};
	char path[PATH_MAX];

	(void)state;
	clear_vars();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct compose_stack *s;

		fixture(path, sizeof(path), files[i]);
		s = load_ok(path);
		assert_int_equal(s->nservices, 1);
		assert_string_equal(s->services[0].name, "plc");
		assert_int_equal(s->nwarnings, 1);
		assert_has(s->warnings[0], "is not deployed");
		compose_free(s);
	}
}

static void
test_warnings(void **state)
{
	static const char *const want[] = {
		":3:3: network 'plant' is used by no service: not created",
		":7:5: unsupported key 'build' ignored",
		":10:7: unsupported key 'replicas' ignored",
		":11:7: unsupported key 'placement' ignored",
		":18:5: unsupported key 'container_name' ignored",
		":22:3: volume 'pgdata' is used by no service: not created",
		":24:1: unsupported key 'include' ignored",
	};
	char path[PATH_MAX], line[PATH_MAX + 128], *text;
	struct compose_stack *s;

	(void)state;
	fixture(path, sizeof(path), "warnings.yaml");
	s = load_ok(path);
	assert_string_equal(s->name, "warned");
	assert_int_equal(s->nwarnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s->nwarnings; i++) {
		snprintf(line, sizeof(line), "%s%s", path, want[i]);
		assert_string_equal(s->warnings[i], line);
	}
	/* disable: true is a NONE test, and no healthcheck to wait for. */
	assert_int_equal(s->services[1].has_healthcheck, 0);
	text = create_text(s, 1);
	assert_string_equal(text, "{\"Image\":\"postgres:16\",\"Healthcheck\":{\"Test\":[\"NONE\"]},"
	    "\"HostConfig\":{}}");
	free(text);
	assert_round_trip(s);
	compose_free(s);
}

static void
test_rollout_forms(void **state)
{
	char path[PATH_MAX], *text;
	struct compose_stack *s;

	(void)state;
	fixture(path, sizeof(path), "rollout.yaml");
	s = load_ok(path);
	assert_string_equal(s->name, "other-forms");
	assert_string_equal(s->placement, "line=B,cell=4");
	assert_int_equal(s->policy.canary, 0);
	assert_true(s->policy.delay == 0.5);
	assert_true(s->policy.monitor == 30);
	assert_true(s->policy.progress_deadline == 90);
	assert_true(s->policy.max_failure_ratio == 0.05);
	assert_int_equal(s->policy.failure_action, COMPOSE_FAIL_CONTINUE);
	text = create_text(s, 0);
	assert_string_equal(text, "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\","
	    "\"echo $HOME; sleep 1\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\"}}}");
	free(text);
	assert_round_trip(s);
	compose_free(s);
}

/* ---------------------------------------------------------------- errors */

/* A fixture and the message it must give, after "PATH". */
struct err_case {
	const char *file;
	const char *want;
};

static const struct err_case err_cases[] = {
	{ "err-syntax.yaml", ":5:5: did not find expected ',' or ']' "
	    "(while parsing a flow sequence at 4:12)" },
	{ "err-services-type.yaml", ":3:3: expected a mapping for 'services'" },
	{ "err-no-services.yaml", ":1:1: no 'services': define at least one service" },
	{ "err-services-empty.yaml", ":1:11: 'services' is empty: define at least one service" },
	{ "err-no-image.yaml", ":2:3: service 'web' has no 'image'" },
	{ "err-image-type.yaml", ":3:12: expected a string for 'image'" },
	{ "err-dup-key.yaml", ":5:5: duplicate key 'image' (first at line 3)" },
	{ "err-unknown-key.yaml", ":4:5: unknown key 'restrat'" },
	{ "err-unknown-top.yaml", ":1:1: unknown key 'service'" },
	{ "err-mem-limit.yaml", ":4:16: 'mem_limit': bad size '12q'" },
	{ "err-mem-huge.yaml", ":4:22: 'mem_reservation': size '99999999999999999999999' "
	    "is too large (at most 999999999999999 bytes)" },
	{ "err-cpus-negative.yaml", ":4:11: 'cpus': bad number of CPUs '-1' "
	    "(use a number more than 0 and at most 4096, such as 0.5)" },
	{ "err-cpus-zero.yaml", ":7:17: 'cpus': bad number of CPUs '0' "
	    "(use a number more than 0 and at most 4096, such as 0.5)" },
	{ "err-deploy-disagree.yaml", ":8:19: 'memory' '512m' disagrees with 'mem_limit' "
	    "'256m' (line 4)" },
	{ "err-ratio.yaml", ":3:24: 'max_failure_ratio' must be from 0 to 1, or a percentage "
	    "such as 5%, not '1.5'" },
	{ "err-percent.yaml", ":3:24: 'max_failure_ratio' must be from 0 to 1, or a percentage "
	    "such as 5%, not '150%'" },
	{ "err-interval.yaml", ":6:17: 'interval': bad duration '10' (use a number with a "
	    "unit, such as 30s, 1m30s or 500ms)" },
	{ "err-monitor.yaml", ":3:14: 'monitor': bad duration '10x' (use seconds, or a number "
	    "with a unit, such as 10s or 2m)" },
	{ "err-duration-huge.yaml", ":4:24: 'stop_grace_period': duration '99999999h' is "
	    "too long" },
	{ "err-deadline-zero.yaml", ":3:24: 'progress_deadline' must be more than 0" },
	{ "err-unterminated.yaml", ":3:18: 'image': unterminated '${'" },
	{ "err-unterminated-quoted.yaml", ":5:15: 'environment': unterminated '${'" },
	{ "err-required.yaml", ":3:32: 'image': variable 'PLANT_TEST_UNSET_TAG' is required: "
	    "set the release tag" },
	{ "err-dollar.yaml", ":4:19: 'command': bad '$' (write '$$' for a dollar sign)" },
	{ "err-substitution.yaml", ":3:18: 'image': bad substitution '${TAG:x}'" },
	{ "err-service-name.yaml", ":2:3: bad service name 'web/app': use 1 to 63 of "
	    "A-Z a-z 0-9 _ . - starting with a letter or digit" },
	{ "err-service-control.yaml", ":2:3: bad service name 'web\\x1b[31m': use 1 to 63 of "
	    "A-Z a-z 0-9 _ . - starting with a letter or digit" },
	{ "err-stack-name.yaml", ":2:10: bad stack name '../etc': use 1 to 63 of "
	    "A-Z a-z 0-9 _ . - starting with a letter or digit" },
	{ "err-stack-control.yaml", ":1:7: 'name' has a control character" },
	{ "err-stack-long.yaml", ":1:7: bad stack name "
	    "'a123456789012345678901234567890123456789012345678901234567890123': use 1 to 63 of "
	    "A-Z a-z 0-9 _ . - starting with a letter or digit" },
	{ "err-restart.yaml", ":4:14: 'restart' must be no, always, on-failure[:N] or "
	    "unless-stopped, not 'sometimes'" },
	{ "err-port.yaml", ":6:9: 'ports': bad port '80:http' (use "
	    "[[IP:]HOST:]CONTAINER[/PROTOCOL], such as 8080:80 or 127.0.0.1:8080:80/udp)" },
	{ "err-port-range.yaml", ":5:9: 'ports': the ranges in '8000-8002:80-81' differ in size" },
	{ "err-volume-mode.yaml", ":5:9: 'volumes': bad mode 'rx' in "
	    "'./html:/usr/share/nginx/html:rx' (use ro, rw, z, Z or a propagation such as rslave)" },
	{ "err-volume-target.yaml", ":5:9: 'volumes': the target must be an absolute path in "
	    "'data:var/lib/data'" },
	{ "err-device.yaml", ":5:9: 'devices': bad device 'ttyS0' (use "
	    "HOST[:CONTAINER[:PERMISSIONS]], such as /dev/ttyS0:/dev/ttyS0:rwm)" },
	{ "err-env-file-missing.yaml", ":5:9: 'env_file': cannot open "
	    "'%DIR%/no-such.env': No such file or directory" },
	{ "err-healthcheck-test.yaml", ":5:13: 'test' must start with CMD (and a command), "
	    "CMD-SHELL (and one string) or be [NONE], not 'RUN'" },
	{ "err-disable-test.yaml", ":6:7: 'healthcheck': 'disable' and 'test' cannot both "
	    "be given" },
	{ "err-retries.yaml", ":6:16: 'retries' must be a whole number from 0 to 1000000, "
	    "not '-3'" },
	{ "err-failure-action.yaml", ":3:21: 'failure_action' must be pause, rollback or "
	    "continue, not 'retry'" },
	{ "err-order.yaml", ":3:12: 'order' must be stop-first or start-first, not 'random'" },
	{ "err-revisions.yaml", ":3:16: 'revisions' must be a whole number from 1 to 100, "
	    "not '101'" },
	{ "err-max-pulls.yaml", ":3:16: 'max_pulls' must be a whole number from 1 to 1000, "
	    "not '0'" },
	{ "err-canary-huge.yaml", ":3:13: 'canary' must be a whole number from 0 to 100000, "
	    "not '99999999999999999999999999'" },
	{ "err-grow.yaml", ":3:11: 'grow' must be true or false, not 'maybe'" },
	{ "err-rollout-unknown.yaml", ":3:5: unknown key 'canaries'" },
	{ "err-placement.yaml", ":2:14: 'placement': bad selector 'line=,cell=3': "
	    "empty value in 'line='" },
	{ "err-placement-type.yaml", ":2:14: expected a string or a mapping for 'placement'" },
	{ "err-privileged.yaml", ":4:17: 'privileged' must be true or false, not 'yes'" },
	{ "err-command-quote.yaml", ":4:14: 'command': unterminated quote in "
	    "'sh -c 'echo \"hi'" },
	{ "err-merge.yaml", ":3:9: '<<' merges mappings only" },
	{ "err-network-service.yaml", ":4:19: 'network_mode': 'service:db' names no service "
	    "of the stack" },
	{ "err-not-mapping.yaml", ":1:1: the stack file must be a mapping with 'services'" },
	{ "err-empty.yaml", ":1:1: empty stack file: expected a mapping with 'services'" },
	{ "err-two-docs.yaml", ":4:1: only one YAML document is allowed" },
	/* target swarm: keys a Swarm service cannot have are errors. */
	{ "err-swarm-target.yaml", ":2:11: 'target' must be engines or swarm, not 'kubernetes'" },
	{ "err-swarm-privileged.yaml", ":6:5: 'privileged': Swarm cannot do this (x-plantdeck "
	    "target swarm): a service has no privileged mode" },
	{ "err-swarm-devices.yaml", ":6:5: 'devices': Swarm cannot do this (x-plantdeck target "
	    "swarm): a service cannot be given host devices" },
	{ "err-swarm-network.yaml", ":6:19: 'network_mode': 'none' has no Swarm equivalent "
	    "(x-plantdeck target swarm): only 'host' (the node's host network) has; leave "
	    "network_mode out for the stack's networks" },
	{ "err-swarm-port-ip.yaml", ":8:9: 'ports': Swarm cannot do this (x-plantdeck target "
	    "swarm): '127.0.0.1:8443:443' binds a host address (a service publishes on every "
	    "address of the node)" },
	{ "err-swarm-volume-z.yaml", ":7:9: 'volumes': Swarm cannot do this (x-plantdeck target "
	    "swarm): mode 'ro,z' in './data:/data:ro,z' relabels for SELinux, which a "
	    "service's mount cannot" },
	{ "err-swarm-replicas-global.yaml", ":8:7: 'replicas' needs 'mode: replicated' (a "
	    "global service runs one task on every target node)" },
	{ "err-swarm-mode.yaml", ":7:13: 'mode' must be global or replicated, not "
	    "'replicated-job'" },
};

/* target swarm: mode and replicas read, canary and grow warned about, the
 * target and the modes kept in the canonical text; under target engines
 * deploy.mode and replicas stay unsupported. */
static void
test_swarm(void **state)
{
	char path[PATH_MAX], line[PATH_MAX + 256], *text;
	struct compose_stack *s;
	static const char *const want[] = {
		":7:5: 'canary' is a plantdeck-engine notion: Swarm's rolling update has no canary "
		    "wave (ignored under target swarm)",
		":8:5: 'grow' is a plantdeck-engine notion: Swarm updates parallelism tasks at a "
		    "time (ignored under target swarm)",
		":66:7: unsupported key 'update_config' ignored",
	};

	(void)state;
	clear_vars();
	fixture(path, sizeof(path), "swarm.yaml");
	s = load_ok(path);
	assert_int_equal(s->target, COMPOSE_TARGET_SWARM);
	assert_string_equal(s->name, "plc-swarm");
	assert_int_equal(s->nservices, 3);
	assert_int_equal(s->services[0].mode, COMPOSE_MODE_GLOBAL);
	assert_int_equal(s->services[1].mode, COMPOSE_MODE_REPLICATED);
	assert_int_equal(s->services[1].replicas, 2);
	assert_int_equal(s->services[2].mode, COMPOSE_MODE_GLOBAL);
	assert_int_equal(s->policy.parallelism, 2);
	assert_int_equal(s->policy.failure_action, COMPOSE_FAIL_ROLLBACK);
	assert_int_equal(s->nwarnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s->nwarnings; i++) {
		snprintf(line, sizeof(line), "%s%s", path, want[i]);
		assert_string_equal(s->warnings[i], line);
	}
	text = compose_to_json(s);
	assert_has(text, "\"placement\":\"line=A\",\"target\":\"swarm\",");
	assert_has(text, "\"column\":3,\"mode\":\"replicated\",\"replicas\":2,");
	assert_has(text, "\"column\":3,\"mode\":\"global\",\"create\"");
	free(text);
	assert_round_trip(s);
	compose_free(s);

	fixture(path, sizeof(path), "engines-mode.yaml");
	s = load_ok(path);
	assert_int_equal(s->target, COMPOSE_TARGET_ENGINES);
	assert_int_equal(s->nwarnings, 2);
	assert_has(s->warnings[0], ":5:7: unsupported key 'mode' ignored");
	assert_has(s->warnings[1], ":6:7: unsupported key 'replicas' ignored");
	assert_int_equal(s->services[0].mode, COMPOSE_MODE_GLOBAL);
	text = compose_to_json(s);
	assert_null(strstr(text, "\"mode\""));
	free(text);
	compose_free(s);
}

static void
test_errors(void **state)
{
	char path[PATH_MAX], dir[PATH_MAX], want[2 * PATH_MAX + 256], err[ERRLEN];

	(void)state;
	clear_vars();
	fixture(dir, sizeof(dir), "");
	dir[strlen(dir) - 1] = '\0';	/* no trailing slash */
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const char *w = err_cases[i].want, *mark = strstr(w, "%DIR%");

		fixture(path, sizeof(path), err_cases[i].file);
		load_fails(path, err);
		if (mark != NULL)
			snprintf(want, sizeof(want), "%s%.*s%s%s", path, (int)(mark - w), w, dir,
			    mark + 5);
		else
			snprintf(want, sizeof(want), "%s%s", path, w);
		if (strcmp(err, want) != 0)
			print_error("%s:\n  got  %s\n  want %s\n", err_cases[i].file, err, want);
		assert_string_equal(err, want);
	}
}

static void
test_error_env_file(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128], err[ERRLEN];

	(void)state;
	/* A bad line in an env_file names that file and line. */
	fixture(path, sizeof(path), "err-env-file.yaml");
	load_fails(path, err);
	fixture(want, sizeof(want), "err-env-file.env");
	strncat(want, ":3: bad line 'this is not an assignment': expected KEY=VALUE",
	    sizeof(want) - strlen(want) - 1);
	assert_string_equal(err, want);
}

static void
test_error_open(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 64], err[ERRLEN];
	struct compose_stack *s = NULL;
	char small[8];

	(void)state;
	fixture(path, sizeof(path), "no-such-stack.yaml");
	load_fails(path, err);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);

	fixture(path, sizeof(path), "");
	load_fails(path, err);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", path);
	assert_string_equal(err, want);

	/* A short error buffer is cut, never overrun; none at all is fine. */
	fixture(path, sizeof(path), "err-unknown-key.yaml");
	assert_int_equal(compose_load(path, &s, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(compose_load(path, &s, NULL, 0), -1);
	assert_null(s);
	assert_int_equal(compose_load(NULL, &s, err, sizeof(err)), -1);
	assert_int_equal(compose_load(path, NULL, err, sizeof(err)), -1);
}

/* ---------------------------------------------------------------- parsers */

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int64_t want;
	} cases[] = {
		{ "0", 0, 0 }, { "1024", 0, 1024 }, { "256m", 0, 268435456 },
		{ "256M", 0, 268435456 }, { "512mb", 0, 536870912 }, { "1g", 0, 1073741824 },
		{ "1GiB", 0, 1073741824 }, { "1.5g", 0, 1610612736 }, { "100b", 0, 100 },
		{ "64 k", 0, 65536 }, { "1t", 0, 1099511627776LL },
		{ "999999999999999", 0, 999999999999999LL },
		{ "12q", -1, 0 }, { "", -1, 0 }, { "-1", -1, 0 }, { "m", -1, 0 }, { "1.2.3m", -1, 0 },
		{ "1mm", -1, 0 }, { "1bb", -1, 0 }, { "0x10", -1, 0 }, { " 1", -1, 0 },
		{ "1000p", -2, 0 }, { "1000000000000000", -2, 0 },
		{ "99999999999999999999999999999", -2, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -7;
		int rc = compose_parse_size(cases[i].s, &v);

		if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
			fail_msg("size '%s': rc %d v %lld", cases[i].s, rc, (long long)v);
	}
	assert_int_equal(compose_parse_size(NULL, NULL), -1);
}

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int64_t want;
	} cases[] = {
		{ "0", 0, 0 }, { "2s", 0, 2000000000 }, { "1m30s", 0, 90000000000LL },
		{ "500ms", 0, 500000000 }, { "1.5h", 0, 5400000000000LL }, { "10us", 0, 10000 },
		{ "10\xc2\xb5s", 0, 10000 }, { "7ns", 0, 7 }, { "1h1m1s1ms1us1ns", 0, 3661001001001LL },
		{ ".5s", 0, 500000000 }, { "0s", 0, 0 },
		{ "10", -1, 0 }, { "", -1, 0 }, { "-1s", -1, 0 }, { "s", -1, 0 }, { "1x", -1, 0 },
		{ "1.2.3s", -1, 0 }, { "1 s", -1, 0 }, { "1s ", -1, 0 }, { "1d", -1, 0 },
		{ "99999999h", -2, 0 }, { "999999999999999999999999s", -2, 0 },
		{ "277h", 0, 997200000000000LL }, { "278h", -2, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -7;
		int rc = compose_parse_duration(cases[i].s, &v);

		if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
			fail_msg("duration '%s': rc %d v %lld", cases[i].s, rc, (long long)v);
	}
}

static void
test_parse_cpus(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int64_t want;
	} cases[] = {
		{ "0.5", 0, 500000000 }, { "2", 0, 2000000000 }, { "1.25", 0, 1250000000 },
		{ ".5", 0, 500000000 }, { "4096", 0, 4096000000000LL },
		{ "0.0000000001", -2, 0 }, { "0", -2, 0 }, { "4097", -2, 0 },
		{ "99999999999999999999", -2, 0 },
		{ "-1", -1, 0 }, { "", -1, 0 }, { "1e3", -1, 0 }, { "nan", -1, 0 }, { "1,5", -1, 0 },
		{ "0x1", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -7;
		int rc = compose_parse_cpus(cases[i].s, &v);

		if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
			fail_msg("cpus '%s': rc %d v %lld", cases[i].s, rc, (long long)v);
	}
}

static void
test_split_words(void **state)
{
	static const struct {
		const char *s;
		const char *want;	/* JSON, or NULL for an error */
	} cases[] = {
		{ "echo hello", "[\"echo\",\"hello\"]" },
		{ "  a\tb\nc  ", "[\"a\",\"b\",\"c\"]" },
		{ "sh -c 'echo \"$x\"; ls'", "[\"sh\",\"-c\",\"echo \\\"$x\\\"; ls\"]" },
		{ "say \"a \\\"b\\\" c\"", "[\"say\",\"a \\\"b\\\" c\"]" },
		{ "a\\ b c", "[\"a b\",\"c\"]" },
		{ "'' \"\"", "[\"\",\"\"]" },
		{ "x'y'\"z\"", "[\"xyz\"]" },
		{ "", "[]" },
		{ "'open", NULL },
		{ "\"open", NULL },
		{ "end\\", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		cJSON *arr = compose_split_words(cases[i].s, &why);
		char *text;

		if (cases[i].want == NULL) {
			if (arr != NULL)
				fail_msg("'%s' split", cases[i].s);
			assert_non_null(why);
			continue;
		}
		if (arr == NULL)
			fail_msg("'%s': %s", cases[i].s, why);
		text = cJSON_PrintUnformatted(arr);
		assert_string_equal(text, cases[i].want);
		free(text);
		cJSON_Delete(arr);
	}
}

/* ---------------------------------------------------------------- hostile input */

/* Load TEXT written as DIR/REL; 0 or -1, the message in ERR. */
static int
load_text(const char *dir, const char *rel, const char *text, char *err,
    struct compose_stack **out)
{
	char path[PATH_MAX];

	write_file(dir, rel, text);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	err[0] = '\0';
	return compose_load(path, out, err, ERRLEN);
}

static void
test_hostile_text(void **state)
{
	static const struct {
		const char *yaml;
		const char *want;	/* in the message */
	} cases[] = {
		{ "services:\n  web:\n    image: \"nginx\\u0007\"\n",
		    ":3:12: 'image' has a control character" },
		{ "services:\n  web:\n    image: \"a b\"\n",
		    ":3:12: 'image': bad value 'a b' (a blank)" },
		{ "services:\n  web:\n    image: nginx\n    labels:\n      \"a\\nb\": x\n",
		    ":5:7: 'labels': bad key 'a\\x0ab'" },
		{ "services:\n  web:\n    image: nginx\n    labels:\n      a: \"x\\u001b[2J\"\n",
		    ":5:10: 'labels' 'a' has a control character" },
		{ "services:\n  web:\n    image: nginx\n    environment:\n      - \"=x\"\n",
		    ":5:9: 'environment': bad entry '=x' (use KEY=VALUE)" },
		{ "services:\n  web:\n    image: nginx\n    cap_add: [\"SYS_ADMIN; rm\"]\n",
		    ":4:15: 'cap_add': bad capability 'SYS_ADMIN; rm'" },
		{ "services:\n  web:\n    image: nginx\n    working_dir: relative\n",
		    ":4:18: 'working_dir' must be an absolute path, not 'relative'" },
		{ "services:\n  web:\n    image: nginx\n    ports: [\"70000:80\"]\n",
		    ":4:13: 'ports': bad port '70000:80'" },
		{ "services:\n  web:\n    image: nginx\n    ports: [\"999.1.1.1:80:80\"]\n",
		    ":4:13: 'ports': bad port '999.1.1.1:80:80'" },
		{ "services:\n  web:\n    image: nginx\n    ports: [\"80/icmp\"]\n",
		    ":4:13: 'ports': bad protocol in '80/icmp' (use tcp, udp or sctp)" },
		{ "services:\n  web:\n  \timage: nginx\n", ":3:3: tab in indentation" },
		{ "services:\n  web:\n    build: .\n", ":3:5: service 'web' has 'build' and no "
		    "'image': plantdeck deploys images and builds none; build and push it, then "
		    "name it with 'image:', with 'x-plantdeck: images: {web: REF}' or with "
		    "'plantdeck deploy --image web=REF'" },
		{ "x-plantdeck:\n  target: swarm\n  stack: a.b\nservices:\n  web:\n    image: x\n",
		    ":3:10: bad stack name 'a.b' under x-plantdeck target swarm" },
		{ "services:\n  web:\n    image: nginx\n    ports: [{published: 80}]\n",
		    ":4:13: 'ports': no 'target' (the container's port)" },
		{ "services:\n  web:\n    image: nginx\n    volumes: [\"bad/name:/data\"]\n",
		    ":4:15: 'volumes': bad volume name 'bad/name'" },
		{ "services:\n  web:\n    image: nginx\n    volumes: [\"a:b:c:d\"]\n",
		    ":4:15: 'volumes': bad volume 'a:b:c:d'" },
		{ "services:\n  web:\n    image: nginx\n    devices: [\"/dev/a:/dev/b:rwx\"]\n",
		    ":4:15: 'devices': bad device '/dev/a:/dev/b:rwx'" },
		{ "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: 10ns\n",
		    ":5:17: 'interval' must be 0 or at least 1ms" },
		{ "services:\n  web:\n    image: nginx\n    restart: on-failure:-1\n",
		    ":4:14: 'restart' must be no, always, on-failure[:N] or unless-stopped, "
		    "not 'on-failure:-1'" },
		{ "services:\n  web:\n    image: nginx\n    cpus: 1e9\n",
		    ":4:11: 'cpus': bad number of CPUs '1e9'" },
		{ "services:\n  web:\n    image: nginx\n    command: {a: b}\n",
		    ":4:14: expected a list or a string for 'command'" },
		{ "services:\n  web:\n    image: nginx\n    environment: \"A=1\"\n",
		    ":4:18: expected a list or a mapping for 'environment'" },
		{ "services:\n  web:\n    image: nginx\n  x-web:\n    image: nginx\n",
		    ":4:3: bad service name 'x-web': 'x-' names are extensions" },
		{ "services:\n  web:\n", ":2:3: expected a mapping for service 'web'" },
		{ "services:\n  web:\n    image: ${A:-${B:-${C:-${D:-${E:-${F:-${G:-${H:-${I:-"
		    "${J:-${K:-${L:-${M:-${N:-${O:-${P:-${Q:-${R:-x}}}}}}}}}}}}}}}}}}\n",
		    ": substitutions nested too deep" },
		{ "services:\n  web:\n    image: nginx:${}\n", ":3:18: 'image': bad substitution '${}'" },
		{ "services:\n  web:\n    image: nginx$\n", ":3:17: 'image': bad '$'" },
		{ "name: \"\"\nservices:\n  web:\n    image: nginx\n", ":1:7: 'name' is empty" },
		{ "x-plantdeck: [a]\nservices:\n  web:\n    image: nginx\n",
		    ":1:14: expected a mapping for 'x-plantdeck'" },
		{ "x-plantdeck:\n  rollout:\n    max_failure_ratio: -0.1\nservices:\n  web:\n"
		    "    image: nginx\n", ":3:24: 'max_failure_ratio' must be from 0 to 1" },
		{ "x-plantdeck:\n  rollout:\n    max_failure_ratio: nan\nservices:\n  web:\n"
		    "    image: nginx\n", ":3:24: 'max_failure_ratio' must be from 0 to 1" },
		{ "x-plantdeck:\n  rollout:\n    delay: -5\nservices:\n  web:\n    image: nginx\n",
		    ":3:12: 'delay': bad duration '-5'" },
		{ "x-plantdeck:\n  rollout:\n    monitor: inf\nservices:\n  web:\n    image: nginx\n",
		    ":3:14: 'monitor': bad duration 'inf'" },
		{ "x-plantdeck:\n  rollout:\n    canary: 1.5\nservices:\n  web:\n    image: nginx\n",
		    ":3:13: 'canary' must be a whole number from 0 to 100000, not '1.5'" },
		{ "x-plantdeck:\n  rollout:\n    parallelism: 0x10\nservices:\n  web:\n"
		    "    image: nginx\n", ":3:18: 'parallelism' must be a whole number" },
		{ "x-plantdeck:\n  placement: {line: [A]}\nservices:\n  web:\n    image: nginx\n",
		    ":2:21: expected a string for 'placement' label 'line'" },
		{ "x-plantdeck:\n  placement: \"line=A\\u0007\"\nservices:\n  web:\n    image: nginx\n",
		    ":2:14: 'placement' has a control character" },
		{ "x-plantdeck:\n  placement: {\"cell\\t\": \"3\"}\nservices:\n  web:\n    image: nginx\n",
		    ":2:15: 'placement' label 'cell\\x09' has a control character" },
		{ "x-plantdeck:\n  stack: \"a\\u0000b\"\nservices:\n  web:\n    image: nginx\n",
		    ":2:10: 'stack' has a control character" },
		{ "x-plantdeck:\n  stack: -lead\nservices:\n  web:\n    image: nginx\n",
		    ":2:10: bad stack name '-lead'" },
		{ "a: &a\n  <<: *a\nservices:\n  web:\n    image: nginx\n",
		    ":1:1: unknown key 'a'" },
		{ "x-a: &a\n  image: nginx\n  <<: *a\nservices:\n  web:\n    <<: *a\n",
		    "merges nested too deep" },
		{ "services:\n  web:\n    image: nginx\n\0junk\n", ":4:1: a NUL byte" },
		{ "services:\n  web:\n    image: nginx\n    labels:\n      a: 1\n      a: 2\n",
		    ":6:7: duplicate key 'a' (first at line 5)" },
		{ "services:\n  web:\n    image: nginx\n  web:\n    image: httpd\n",
		    ":4:3: duplicate key 'web' (first at line 2)" },
		{ "services:\n  ? [a]\n  : {image: nginx}\n", ":2:5: a key must be a string" },
		{ "services:\n  web:\n    image: \"\\xff\\xfe\"\n", NULL },	/* valid: UTF-8 text */
	};
	char dir[DIRLEN], err[ERRLEN];

	(void)state;
	clear_vars();
	make_tmpdir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL;
		size_t len = strlen(cases[i].yaml);
		char path[PATH_MAX];
		int rc;

		/* The NUL case: write the bytes after the NUL too. */
		if (strstr(cases[i].want != NULL ? cases[i].want : "", "NUL") != NULL)
			len += 1 + strlen(cases[i].yaml + len + 1);
		snprintf(path, sizeof(path), "%s/case.yaml", dir);
		write_bytes(dir, "case.yaml", cases[i].yaml, len);
		err[0] = '\0';
		rc = compose_load(path, &s, err, sizeof(err));
		if (cases[i].want == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			compose_free(s);
			continue;
		}
		if (rc == 0)
			fail_msg("case %zu loaded: %s", i, cases[i].yaml);
		assert_null(s);
		if (!one_printable_line(err) || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		assert_true(strncmp(err, path, strlen(path)) == 0);
	}
	rm_tree(dir);
}

static void
test_hostile_sizes(void **state)
{
	char dir[DIRLEN], err[ERRLEN], *big, *p;
	struct compose_stack *s = NULL;
	size_t len;

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* Deep nesting is refused before the loader runs. */
	len = 200 * 2 + 64;
	big = malloc(len);
	assert_non_null(big);
	p = big + snprintf(big, len, "services: ");
	for (int i = 0; i < 200; i++)
		*p++ = '[';
	for (int i = 0; i < 200; i++)
		*p++ = ']';
	*p++ = '\n';
	*p = '\0';
	assert_int_equal(load_text(dir, "deep.yaml", big, err, &s), -1);
	assert_has(err, "nesting too deep (more than 64 levels)");
	free(big);

	/* A value over 64 KiB after interpolation. */
	len = 70 * 1024 + 128;
	big = malloc(len);
	assert_non_null(big);
	p = big + snprintf(big, len, "services:\n  web:\n    image: nginx\n    command: \"");
	memset(p, 'x', 70 * 1024);
	p += 70 * 1024;
	snprintf(p, 8, "\"\n");
	assert_int_equal(load_text(dir, "long.yaml", big, err, &s), -1);
	assert_has(err, ":4:14: 'command' is too long (at most 65536 bytes)");
	free(big);

	/* Too many services. */
	len = 300 * 40 + 32;
	big = malloc(len);
	assert_non_null(big);
	p = big + snprintf(big, len, "services:\n");
	for (int i = 0; i < 300; i++)
		p += snprintf(p, len - (size_t)(p - big), "  s%d:\n    image: nginx\n", i);
	assert_int_equal(load_text(dir, "many.yaml", big, err, &s), -1);
	assert_has(err, ":2:3: too many services (at most 256)");
	free(big);

	/* A file over the limit. */
	len = 5 * 1024 * 1024;
	big = malloc(len + 1);
	assert_non_null(big);
	memset(big, '#', len);
	big[len] = '\0';
	assert_int_equal(load_text(dir, "huge.yaml", big, err, &s), -1);
	assert_has(err, "huge.yaml: cannot open: too large");
	free(big);

	/* Aliases of aliases ("billion laughs") are never expanded. */
	assert_int_equal(load_text(dir, "laughs.yaml",
	    "x-a: &a [l, l, l, l, l, l, l, l, l, l]\n"
	    "x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "services:\n  web:\n    image: nginx\n    command: *d\n", err, &s), -1);
	assert_has(err, ": expected a string for 'command'");	/* where *c was defined */
	assert_null(s);
	rm_tree(dir);
}

static void
test_directory_name(void **state)
{
	char dir[DIRLEN], err[ERRLEN], path[PATH_MAX], *text, *home;
	struct compose_stack *s = NULL;

	(void)state;
	clear_vars();
	make_tmpdir(dir, sizeof(dir));
	home = getenv("HOME") != NULL ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/op", 1);
	/* Lowercased, with what a name may not hold dropped. */
	assert_int_equal(load_text(dir, "My Stack!_v2/docker-compose.yml",
	    "services:\n  web:\n    image: nginx\n    volumes:\n"
	    "      - ../shared/./x/../conf:/etc/conf:ro\n      - ~/cache:/cache\n", err, &s), 0);
	assert_string_equal(s->name, "mystack_v2");
	text = create_text(s, 0);
	snprintf(path, sizeof(path), "\"Binds\":[\"%s/shared/conf:/etc/conf:ro\","
	    "\"/home/op/cache:/cache\"]", dir);
	assert_has(text, path);
	free(text);
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);
	compose_free(s);

	/* A directory that gives no name needs one in the file. */
	assert_int_equal(load_text(dir, "___/docker-compose.yml",
	    "services:\n  web:\n    image: nginx\n", err, &s), -1);
	snprintf(path, sizeof(path), "%s/___/docker-compose.yml: no stack name: the directory "
	    "'%s/___' gives none; set x-plantdeck.stack or name:", dir, dir);
	assert_string_equal(err, path);
	assert_int_equal(load_text(dir, "___/docker-compose.yml",
	    "name: named\nservices:\n  web:\n    image: nginx\n", err, &s), 0);
	assert_string_equal(s->name, "named");
	compose_free(s);

	/* A bad line in .env is an error naming it. */
	write_file(dir, "dot/.env", "OK=1\nA B=2\n");
	assert_int_equal(load_text(dir, "dot/docker-compose.yml",
	    "services:\n  web:\n    image: nginx\n", err, &s), -1);
	snprintf(path, sizeof(path), "%s/dot/.env:2: bad line 'A B=2': expected KEY=VALUE", dir);
	assert_string_equal(err, path);
	rm_tree(dir);
}

/* ---------------------------------------------------------------- canonical JSON */

static void
test_round_trip(void **state)
{
	static const char *const files[] = {
		"full.yaml", "minimal.yaml", "merge.yaml", "warnings.yaml", "rollout.yaml",
		"envdir/docker-compose.yml",
	};
	char path[PATH_MAX];

	(void)state;
	clear_vars();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct compose_stack *a, *b;
		char *ta, *tb;

		fixture(path, sizeof(path), files[i]);
		a = load_ok(path);
		b = load_ok(path);
		ta = compose_to_json(a);
		tb = compose_to_json(b);
		assert_string_equal(ta, tb);	/* two loads, one text */
		free(ta);
		free(tb);
		assert_round_trip(a);
		compose_free(a);
		compose_free(b);
	}
	assert_null(compose_to_json(NULL));
}

/* The policy text a deploy record keeps: written as it always was, read
 * back with the ranges of a stack file (the one codec). */
static void
test_policy_json(void **state)
{
	static const char defaults[] = "{\"target\":\"engines\",\"canary\":1,\"parallelism\":0,"
	    "\"grow\":true,\"delay\":0,\"monitor\":10,\"progress_deadline\":120,"
	    "\"max_failure_ratio\":0.05,\"failure_action\":\"pause\",\"order\":\"stop-first\","
	    "\"revisions\":5,\"max_pulls\":8}";
	static const struct {
		const char *json;
		const char *want;
	} bad[] = {
		{ "", "policy: not valid JSON" },
		{ "{\"target\":\"k8s\"}", "policy: bad field 'target'" },
		{ "{\"canary\":1}", "policy: bad field 'parallelism'" },
		{ "{\"canary\":1,\"parallelism\":100001}", "policy: bad field 'parallelism'" },
		{ "{\"canary\":1,\"parallelism\":0,\"grow\":true,\"delay\":0,\"monitor\":10,"
		    "\"progress_deadline\":0}", "policy: bad field 'progress_deadline'" },
		{ "{\"canary\":1,\"parallelism\":0,\"grow\":true,\"delay\":0,\"monitor\":10,"
		    "\"progress_deadline\":120,\"max_failure_ratio\":0.05,"
		    "\"failure_action\":\"explode\"}", "policy: bad field 'failure_action'" },
	};
	struct compose_policy p, back;
	enum compose_target t;
	char err[ERRLEN], *text;

	(void)state;
	compose_policy_defaults(&p);
	text = compose_policy_to_json(&p, COMPOSE_TARGET_ENGINES);
	assert_non_null(text);
	assert_string_equal(text, defaults);
	free(text);

	/* What a file allows comes back whole: a long monitor, the most
	 * parallelism, a swarm target. */
	p.monitor = 172800;
	p.parallelism = 100000;
	p.failure_action = COMPOSE_FAIL_ROLLBACK;
	p.order = COMPOSE_START_FIRST;
	p.grow = 0;
	text = compose_policy_to_json(&p, COMPOSE_TARGET_SWARM);
	assert_non_null(text);
	assert_int_equal(compose_policy_from_json(text, &back, &t, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(t, COMPOSE_TARGET_SWARM);
	assert_true(back.monitor == 172800);
	assert_int_equal(back.parallelism, 100000);
	assert_int_equal(back.failure_action, COMPOSE_FAIL_ROLLBACK);
	assert_int_equal(back.order, COMPOSE_START_FIRST);
	assert_int_equal(back.grow, 0);

	/* A record from before targets existed has none: engines. */
	{
		char old[512];

		snprintf(old, sizeof(old), "{%s", defaults + strlen("{\"target\":\"engines\","));
		t = COMPOSE_TARGET_SWARM;
		assert_int_equal(compose_policy_from_json(old, &back, &t, err, sizeof(err)), 0);
		assert_int_equal(t, COMPOSE_TARGET_ENGINES);
		assert_int_equal(back.canary, 1);
	}

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		compose_policy_defaults(&back);
		back.canary = 7;
		t = COMPOSE_TARGET_SWARM;
		err[0] = '\0';
		assert_int_equal(compose_policy_from_json(bad[i].json, &back, &t, err,
		    sizeof(err)), -1);
		if (strcmp(err, bad[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, err, bad[i].want);
		assert_int_equal(back.canary, 7);	/* untouched */
		assert_int_equal(t, COMPOSE_TARGET_SWARM);
	}
	assert_int_equal(compose_policy_from_json(NULL, &back, &t, err, sizeof(err)), -1);
}

static void
test_from_json_hostile(void **state)
{
	static const char pol[] = "\"policy\":{\"canary\":1,\"parallelism\":0,\"grow\":true,"
	    "\"delay\":0,\"monitor\":10,\"progress_deadline\":120,\"max_failure_ratio\":0.05,"
	    "\"failure_action\":\"pause\",\"order\":\"stop-first\",\"revisions\":5,"
	    "\"max_pulls\":8}";
	static const char svc[] = "{\"name\":\"web\",\"image\":\"nginx\",\"has_healthcheck\":false,"
	    "\"line\":2,\"column\":3,\"create\":{\"Image\":\"nginx\"}}";
	struct {
		const char *json;
		const char *want;
	} cases[] = {
		{ "", "revision: not valid JSON" },
		{ "{\"name\":", "revision: not valid JSON" },
		{ "[]", "revision: bad field '(not an object)'" },
		{ "{}", "revision: bad field 'name'" },
		{ "{\"name\":\"a/b\"}", "revision: bad field 'name'" },
		{ "{\"name\":\"ok\\u0001\"}", "revision: bad field 'name'" },
		{ "{\"name\":7}", "revision: bad field 'name'" },
		{ "{\"name\":\"s\",\"placement\":3}", "revision: bad field 'placement'" },
		{ "{\"name\":\"s\",\"placement\":\"line=\"}", "revision: bad field 'placement'" },
		{ "{\"name\":\"s\",\"placement\":null}", "revision: bad field 'policy'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":1.5}}",
		    "revision: bad field 'canary'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":-1}}",
		    "revision: bad field 'canary'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":1,\"parallelism\":0,"
		    "\"grow\":1}}", "revision: bad field 'grow'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":1,\"parallelism\":0,"
		    "\"grow\":true,\"delay\":1e400}}", "revision: bad field 'delay'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":1,\"parallelism\":0,"
		    "\"grow\":true,\"delay\":0,\"monitor\":10,\"progress_deadline\":120,"
		    "\"max_failure_ratio\":1.5}}", "revision: bad field 'max_failure_ratio'" },
		{ "{\"name\":\"s\",\"placement\":null,\"policy\":{\"canary\":1,\"parallelism\":0,"
		    "\"grow\":true,\"delay\":0,\"monitor\":10,\"progress_deadline\":120,"
		    "\"max_failure_ratio\":0.5,\"failure_action\":\"explode\"}}",
		    "revision: bad field 'failure_action'" },
		{ NULL, "revision: bad field 'services'" },		/* no services */
		{ NULL, "revision: bad field 'services'" },		/* empty */
		{ NULL, "revision: bad field 'create'" },		/* Image differs */
		{ NULL, "revision: bad field 'name'" },			/* twice */
		{ NULL, "revision: bad field 'line'" },
		{ NULL, "revision: bad field 'create'" },		/* not an object */
		{ NULL, "revision: bad field 'revisions'" },
		{ NULL, "revision: bad field 'has_healthcheck'" },
		{ "{\"name\":\"s\",\"placement\":null,\"target\":\"k8s\"}",
		    "revision: bad field 'target'" },
		{ "{\"name\":\"s\",\"placement\":null,\"target\":7}", "revision: bad field 'target'" },
		{ NULL, "revision: bad field 'mode'" },			/* swarm, no mode */
		{ NULL, "revision: bad field 'replicas'" },		/* replicated, none */
	};
	char texts[10][1024], err[ERRLEN];
	size_t t = 0;

	(void)state;
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[]}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[{\"name\":\"web\",\"image\":\"nginx\",\"has_healthcheck\":false,"
	    "\"line\":2,\"column\":3,\"create\":{\"Image\":\"evil\"}}]}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[%s,%s]}", pol, svc, svc);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[{\"name\":\"web\",\"image\":\"nginx\",\"has_healthcheck\":false,"
	    "\"line\":-2,\"column\":3,\"create\":{\"Image\":\"nginx\"}}]}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[{\"name\":\"web\",\"image\":\"nginx\",\"has_healthcheck\":false,"
	    "\"line\":2,\"column\":3,\"create\":[\"nginx\"]}]}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,"
	    "\"policy\":{\"canary\":1,\"parallelism\":0,\"grow\":true,\"delay\":0,\"monitor\":10,"
	    "\"progress_deadline\":120,\"max_failure_ratio\":0.05,\"failure_action\":\"pause\","
	    "\"order\":\"stop-first\",\"revisions\":1000,\"max_pulls\":8},\"services\":[%s]}", svc);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,%s,"
	    "\"services\":[{\"name\":\"web\",\"image\":\"nginx\",\"has_healthcheck\":\"yes\","
	    "\"line\":2,\"column\":3,\"create\":{\"Image\":\"nginx\"}}]}", pol);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,"
	    "\"target\":\"swarm\",%s,\"services\":[%s]}", pol, svc);
	snprintf(texts[t++], sizeof(texts[0]), "{\"name\":\"s\",\"placement\":null,"
	    "\"target\":\"swarm\",%s,\"services\":[{\"name\":\"web\",\"image\":\"nginx\","
	    "\"has_healthcheck\":false,\"line\":2,\"column\":3,\"mode\":\"replicated\","
	    "\"create\":{\"Image\":\"nginx\"}}]}", pol);
	for (size_t i = 0, j = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = (struct compose_stack *)1;
		const char *json = cases[i].json != NULL ? cases[i].json : texts[j++];

		err[0] = '\0';
		assert_int_equal(compose_from_json(json, &s, err, sizeof(err)), -1);
		assert_null(s);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, err, cases[i].want);
	}
	/* The well-formed one loads, and prints back as it was. */
	{
		struct compose_stack *s = NULL;
		char good[1024], old[1024], *back;

		snprintf(good, sizeof(good), "{\"name\":\"s\",\"placement\":\"line=A\","
		    "\"target\":\"engines\",%s,\"services\":[%s]}", pol, svc);
		assert_int_equal(compose_from_json(good, &s, err, sizeof(err)), 0);
		back = compose_to_json(s);
		assert_string_equal(back, good);
		free(back);
		compose_free(s);
		/* A revision from before targets existed has none: engines. */
		snprintf(old, sizeof(old), "{\"name\":\"s\",\"placement\":\"line=A\",%s,"
		    "\"services\":[%s]}", pol, svc);
		assert_int_equal(compose_from_json(old, &s, err, sizeof(err)), 0);
		assert_int_equal(s->target, COMPOSE_TARGET_ENGINES);
		back = compose_to_json(s);
		assert_string_equal(back, good);
		free(back);
		compose_free(s);
	}
	assert_int_equal(compose_from_json(NULL, NULL, err, sizeof(err)), -1);
}

/* ---------------------------------------------------------------- networks, start order */

/* The start order of S as "a b c". */
static const char *
order_text(const struct compose_stack *s)
{
	static char out[512];
	size_t order[16], len = 0;
	char err[ERRLEN];

	assert_true(s->nservices <= 16);
	if (compose_start_order(s, order, err, sizeof(err)) != 0)
		fail_msg("start order: %s", err);
	out[0] = '\0';
	for (size_t i = 0; i < s->nservices; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? " " : "",
		    s->services[order[i]].name);
	return out;
}

static void
test_start_order(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		/* No depends_on: file order. */
		{ "services:\n  b: {image: x}\n  a: {image: x}\n", "b a" },
		/* The list form. */
		{ "services:\n  hmi: {image: x, depends_on: [gw]}\n  gw: {image: x, depends_on: [plc]}\n"
		  "  plc: {image: x}\n", "plc gw hmi" },
		/* The long form, every condition; required: false to no service. */
		{ "services:\n  hmi:\n    image: x\n    depends_on:\n"
		  "      gw: {condition: service_healthy, restart: true}\n"
		  "      init: {condition: service_completed_successfully}\n"
		  "      ghost: {condition: service_started, required: false}\n"
		  "  gw:\n    image: x\n    depends_on: {plc: {condition: service_started}}\n"
		  "  plc: {image: x}\n  init: {image: x}\n", "plc gw init hmi" },
		/* network_mode service:NAME comes after NAME. */
		{ "services:\n  side: {image: x, network_mode: 'service:main'}\n  main: {image: x}\n",
		  "main side" },
		/* Independent services keep file order around the dependent ones. */
		{ "services:\n  a: {image: x, depends_on: [d]}\n  b: {image: x}\n  c: {image: x}\n"
		  "  d: {image: x}\n", "b c d a" },
	};
	char dir[256], err[ERRLEN];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL, *back = NULL;
		char *text;

		if (load_text(dir, "order/stack.yaml", cases[i].yaml, err, &s) != 0)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(order_text(s), cases[i].want);
		/* A revision keeps the order (and its depends_on). */
		text = compose_to_json(s);
		assert_non_null(text);
		assert_int_equal(compose_from_json(text, &back, err, sizeof(err)), 0);
		assert_string_equal(order_text(back), cases[i].want);
		free(text);
		compose_free(back);
		compose_free(s);
	}
	rm_tree(dir);
}

static void
test_start_order_errors(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		/* The entry that closes the cycle is named. */
		{ "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n"
		  "    depends_on:\n      a: {condition: service_healthy}\n",
		  ":8:7: dependency cycle: a -> b -> a" },
		{ "services:\n  a: {image: x, depends_on: [a]}\n", ":2:30: dependency cycle: a -> a" },
		{ "services:\n  x: {image: x}\n  a: {image: x, depends_on: [c]}\n"
		  "  b: {image: x, depends_on: [a]}\n  c: {image: x, depends_on: [b]}\n",
		  ":4:30: dependency cycle: a -> c -> b -> a" },
		/* Through network_mode. */
		{ "services:\n  a: {image: x, network_mode: 'service:b'}\n"
		  "  b: {image: x, depends_on: [a]}\n", ":3:30: dependency cycle: a -> b -> a" },
		{ "services:\n  a: {image: x, depends_on: [nope]}\n",
		  ":2:30: service 'a' depends on 'nope', which is not a service of the stack" },
		{ "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: started}\n"
		  "  b: {image: x}\n",
		  ":5:22: 'condition' must be service_started, service_healthy or "
		  "service_completed_successfully, not 'started'" },
		{ "services:\n  a: {image: x, depends_on: [b, b]}\n  b: {image: x}\n",
		  ":2:33: 'depends_on': 'b' is named twice" },
		{ "services:\n  a: {image: x, networks: [nope]}\n",
		  ":2:28: network 'nope' is not defined under the top-level 'networks'" },
		{ "services:\n  a: {image: x, networks: [default], network_mode: host}\n",
		  ":2:17: 'networks' and 'network_mode' cannot both be given" },
		{ "services:\n  a: {image: x, network_mode: bogus}\n",
		  ":2:31: 'network_mode': 'bogus' is none of host, none, bridge, service:NAME, "
		  "container:ID" },
		{ "networks:\n  n:\n    external: true\n    driver: bridge\nservices:\n  a: {image: x}\n",
		  ":4:5: 'driver': an external network is not created, so it takes no settings" },
		{ "networks:\n  n:\n    ipam:\n      config:\n        - subnet: 10.1.2.0\n"
		  "services:\n  a: {image: x}\n",
		  ":5:19: 'subnet': bad subnet (use ADDRESS/BITS) '10.1.2.0'" },
	};
	char dir[256], err[ERRLEN], path[512], want[1024];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/bad/stack.yaml", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL;

		assert_int_equal(load_text(dir, "bad/stack.yaml", cases[i].yaml, err, &s), -1);
		assert_null(s);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].want);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu:\n  got  %s\n  want %s", i, err, want);
	}
	rm_tree(dir);
}

static void
test_networks(void **state)
{
	static const char yaml[] =
	    "name: cell\n"
	    "networks:\n"
	    "  field:\n"
	    "    driver: bridge\n"
	    "    driver_opts: {com.docker.network.bridge.name: br-field}\n"
	    "    internal: true\n"
	    "    attachable: true\n"
	    "    labels: {site: north}\n"
	    "    ipam:\n"
	    "      config:\n"
	    "        - {subnet: 10.201.0.0/24, gateway: 10.201.0.1}\n"
	    "  plant: {external: true, name: plant-bus}\n"
	    "  unused: {driver: macvlan}\n"
	    "services:\n"
	    "  plc:\n"
	    "    image: x\n"
	    "    networks:\n"
	    "      field: {aliases: [plc-main], ipv4_address: 10.201.0.5}\n"
	    "      default:\n"
	    "  gw: {image: x}\n"
	    "  host: {image: x, network_mode: host}\n"
	    "  hmi: {image: x, networks: [plant]}\n";
	char dir[256], err[ERRLEN], *text;
	struct compose_stack *s = NULL, *back = NULL;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	if (load_text(dir, "cell/stack.yaml", yaml, err, &s) != 0)
		fail_msg("%s", err);
	/* A network no service joins is not made, as with Compose. */
	assert_int_equal(s->nwarnings, 1);
	assert_non_null(strstr(s->warnings[0], "stack.yaml:13:3: network 'unused' is used by no "
	    "service: not created"));
	text = cJSON_PrintUnformatted(s->networks);
	assert_string_equal(text,
	    "[{\"key\":\"field\",\"name\":\"cell_field\",\"external\":false,\"create\":{"
	    "\"Name\":\"cell_field\",\"CheckDuplicate\":true,\"Driver\":\"bridge\","
	    "\"Labels\":{\"site\":\"north\",\"com.docker.compose.project\":\"cell\","
	    "\"com.docker.compose.network\":\"field\",\"io.plantdeck.stack\":\"cell\"},"
	    "\"Options\":{\"com.docker.network.bridge.name\":\"br-field\"},\"Internal\":true,"
	    "\"Attachable\":true,\"IPAM\":{\"Driver\":\"default\",\"Config\":[{"
	    "\"Subnet\":\"10.201.0.0/24\",\"Gateway\":\"10.201.0.1\"}]}}},"
	    "{\"key\":\"plant\",\"name\":\"plant-bus\",\"external\":true},"
	    "{\"key\":\"default\",\"name\":\"cell_default\",\"external\":false,\"create\":{"
	    "\"Name\":\"cell_default\",\"CheckDuplicate\":true,\"Driver\":\"bridge\","
	    "\"Labels\":{\"com.docker.compose.project\":\"cell\","
	    "\"com.docker.compose.network\":\"default\",\"io.plantdeck.stack\":\"cell\"}}}]");
	free(text);
	/* In the order of the networks' names, as docker compose: the
	 * container is created on cell_default, then joins cell_field. */
	text = cJSON_PrintUnformatted(s->services[0].endpoints);
	assert_string_equal(text,
	    "{\"cell_default\":{\"Aliases\":[\"plc\"]},"
	    "\"cell_field\":{\"Aliases\":[\"plc\",\"plc-main\"],"
	    "\"IPAMConfig\":{\"IPv4Address\":\"10.201.0.5\"}}}");
	free(text);
	text = cJSON_PrintUnformatted(s->services[1].endpoints);
	assert_string_equal(text, "{\"cell_default\":{\"Aliases\":[\"gw\"]}}");
	free(text);
	/* network_mode: no endpoints, the mode in the create body. */
	assert_null(s->services[2].endpoints);
	text = cJSON_PrintUnformatted(s->services[2].create);
	assert_string_equal(text, "{\"Image\":\"x\",\"HostConfig\":{\"NetworkMode\":\"host\"}}");
	free(text);
	assert_round_trip(s);
	/* A revision with a bad network or endpoint is refused. */
	text = compose_to_json(s);
	assert_non_null(text);
	{
		char *bad = strdup(text), *p = strstr(bad, "\"name\":\"cell_field\"");

		assert_non_null(p);
		memcpy(p + 8, "-", 1);		/* "-ell_field": not a network name */
		assert_int_equal(compose_from_json(bad, &back, err, sizeof(err)), -1);
		assert_string_equal(err, "revision: bad field 'networks'");
		free(bad);
	}
	free(text);
	compose_free(s);
	/* Every service on network_mode: no default network. */
	assert_int_equal(load_text(dir, "cell/stack.yaml",
	    "services:\n  a: {image: x, network_mode: none}\n", err, &s), 0);
	assert_null(s->networks);
	compose_free(s);
	rm_tree(dir);
}

/* Named volumes: STACK_KEY, name:, external, driver and options, labels;
 * a service's mount holds the engine name; the canonical text keeps them. */
static void
test_volumes(void **state)
{
	static const char yaml[] =
	    "name: cell\n"
	    "volumes:\n"
	    "  data:\n"
	    "    driver: local\n"
	    "    driver_opts: {type: tmpfs, device: tmpfs, o: size=64m}\n"
	    "    labels: [site=north]\n"
	    "  hist: {external: true}\n"
	    "  shared: {name: plant-shared}\n"
	    "  spare:\n"
	    "services:\n"
	    "  plc:\n"
	    "    image: x\n"
	    "    volumes: [\"data:/var/lib/plc\", \"hist:/hist:ro\"]\n"
	    "  gw:\n"
	    "    image: x\n"
	    "    volumes:\n"
	    "      - {type: volume, source: shared, target: /s, volume: {nocopy: true}}\n";
	char dir[256], err[ERRLEN], *text;
	struct compose_stack *s = NULL, *back = NULL;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	if (load_text(dir, "cell/stack.yaml", yaml, err, &s) != 0)
		fail_msg("%s", err);
	/* A volume no service mounts is not made (a warning names it). */
	assert_int_equal(s->nwarnings, 1);
	assert_non_null(strstr(s->warnings[0], "stack.yaml:9:3: volume 'spare' is used by no "
	    "service: not created"));
	text = cJSON_PrintUnformatted(s->volumes);
	assert_string_equal(text,
	    "[{\"key\":\"data\",\"name\":\"cell_data\",\"external\":false,\"create\":{"
	    "\"Name\":\"cell_data\",\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"tmpfs\","
	    "\"device\":\"tmpfs\",\"o\":\"size=64m\"},\"Labels\":{\"site\":\"north\","
	    "\"com.docker.compose.project\":\"cell\",\"com.docker.compose.volume\":\"data\","
	    "\"io.plantdeck.stack\":\"cell\"}}},"
	    "{\"key\":\"hist\",\"name\":\"hist\",\"external\":true},"
	    "{\"key\":\"shared\",\"name\":\"plant-shared\",\"external\":false,\"create\":{"
	    "\"Name\":\"plant-shared\",\"Driver\":\"local\",\"Labels\":{"
	    "\"com.docker.compose.project\":\"cell\",\"com.docker.compose.volume\":\"shared\","
	    "\"io.plantdeck.stack\":\"cell\"}}}]");
	free(text);
	text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    s->services[0].create, "HostConfig"), "Binds"));
	assert_string_equal(text, "[\"cell_data:/var/lib/plc\",\"hist:/hist:ro\"]");
	free(text);
	text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    s->services[1].create, "HostConfig"), "Binds"));
	assert_string_equal(text, "[\"plant-shared:/s:rw,nocopy\"]");
	free(text);
	assert_non_null(compose_volume_named(s, "cell_data"));
	assert_null(compose_volume_named(s, "data"));
	assert_round_trip(s);
	/* A revision with a bad volume is refused. */
	text = compose_to_json(s);
	assert_non_null(text);
	{
		char *bad = strdup(text), *p = strstr(bad, "\"Driver\":\"local\"");

		assert_non_null(p);
		memcpy(p, "\"Drivex\"", 8);		/* a volume to create without a driver */
		assert_int_equal(compose_from_json(bad, &back, err, sizeof(err)), -1);
		assert_string_equal(err, "revision: bad field 'volumes'");
		free(bad);
	}
	free(text);
	compose_free(s);
	/* Under target swarm too; without volumes: no "volumes" in the text. */
	assert_int_equal(load_text(dir, "cell/stack.yaml",
	    "x-plantdeck: {target: swarm}\nvolumes: {d: }\nservices:\n"
	    "  a: {image: x, volumes: [\"d:/d\"]}\n", err, &s), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(s->volumes->child, "name")->valuestring,
	    "cell_d");
	compose_free(s);
	assert_int_equal(load_text(dir, "cell/stack.yaml",
	    "services:\n  a: {image: x, volumes: [\"/h:/d\"]}\n", err, &s), 0);
	assert_null(s->volumes);
	text = compose_to_json(s);
	assert_null(strstr(text, "\"volumes\""));
	free(text);
	compose_free(s);
	rm_tree(dir);
}

/* Errors of named volumes, each at its FILE:LINE:COL. */
static void
test_volume_errors(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n",
		  ":4:15: 'volumes': named volume 'data' is not declared: add it under the "
		  "top-level 'volumes:'" },
		{ "volumes: {}\nservices:\n  web:\n    image: x\n    volumes:\n"
		  "      - {type: volume, source: data, target: /d}\n",
		  ":6:9: 'volumes': named volume 'data' is not declared" },
		{ "volumes:\n  data: {external: true, driver: local}\nservices:\n  web: {image: x}\n",
		  ":2:26: 'driver': an external volume is not created, so it takes no settings" },
		{ "volumes:\n  data: {external: {name: x}}\nservices:\n  web: {image: x}\n",
		  ":2:20: 'external': use 'external: true' and 'name:'" },
		{ "volumes:\n  data: {name: \"a/b\"}\nservices:\n  web: {image: x}\n",
		  ":2:16: bad volume name 'a/b'" },
		{ "volumes:\n  data: {name: x}\nservices:\n  web: {image: x}\n",
		  ":2:16: bad volume name 'x'" },
		{ "volumes:\n  data: {drivr: local}\nservices:\n  web: {image: x}\n",
		  ":2:10: unknown key 'drivr'" },
		{ "volumes:\n  data: [a]\nservices:\n  web: {image: x}\n",
		  ":2:9: expected a mapping for volume 'data'" },
		{ "volumes:\n  \"bad/name\":\nservices:\n  web: {image: x}\n",
		  ":2:3: bad volume name 'bad/name'" },
		{ "volumes:\n  data: {driver_opts: {o: [x]}}\nservices:\n  web: {image: x}\n",
		  ":2:27: expected a string for 'driver_opts' 'o'" },
	};
	char dir[256], err[ERRLEN];

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL;

		if (load_text(dir, "stack.yaml", cases[i].yaml, err, &s) == 0)
			fail_msg("case %zu loaded", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
	rm_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_spec_long_forms),
		cmocka_unit_test(test_spec_left_out),
		cmocka_unit_test(test_swarm_replicas_default),
		cmocka_unit_test(test_rollout_forms),
		cmocka_unit_test(test_swarm),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_env_file),
		cmocka_unit_test(test_error_open),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_directory_name),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_from_json_hostile),
		cmocka_unit_test(test_policy_json),
		cmocka_unit_test(test_start_order),
		cmocka_unit_test(test_start_order_errors),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_volume_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
