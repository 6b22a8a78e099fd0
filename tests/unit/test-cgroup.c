/* test-cgroup.c: the cgroup parsers, value parsers and the tuner's drift
 * logic, with hostile inputs.
 *
 * cgroup v2 is tested against a temporary directory laid out like cgroupfs
 * v2 (cgroup.controllers at the root, system.slice/docker-<id>.scope and
 * docker/<id> below it, the interface files as plain files): this machine
 * runs cgroup v1.  The v1 layout is tested the same way, and for real by
 * tests/tune-v1.sh.  Fixtures for /proc/PID/cgroup are in tests/data/cgroup. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/node/capture.h"
#include "backend/node/cgroup.h"
#include "backend/node/tune.h"

#define ID "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ------------------------------------------------------------ helpers */

/* Write TEXT to DIR/NAME, creating it. */
static void
put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The contents of DIR/NAME (static buffer). */
static const char *
get(const char *dir, const char *name)
{
	static char buf[256];
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* mkdir -p. */
static void
mkdirs(const char *path)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s != '\0'; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

/* rm -rf DIR (ours, under /tmp). */
static void
rmrf(const char *dir)
{
	char cmd[1100];

	assert_true(strncmp(dir, "/tmp/", 5) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A new temporary directory. */
static char *
tmpdir(void)
{
	char *d = strdup("/tmp/pd-test-cgroup-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

/* A string of N copies of C. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------ container ids */

static void
test_id_from_name(void **state)
{
	char id[CGROUP_ID_LEN], *long_name;

	(void)state;
	assert_int_equal(cgroup_container_id_from_name(ID, id), 0);
	assert_string_equal(id, ID);
	assert_int_equal(cgroup_container_id_from_name("docker-" ID ".scope", id), 0);
	assert_string_equal(id, ID);
	assert_int_equal(cgroup_container_id_from_name("cri-containerd-" ID2 ".scope", id), 0);
	assert_string_equal(id, ID2);
	assert_int_equal(cgroup_container_id_from_name("libpod-" ID ".scope", id), 0);
	assert_int_equal(cgroup_container_id_from_name("crio-" ID ".scope", id), 0);

	/* Hostile and near misses. */
	assert_int_equal(cgroup_container_id_from_name(NULL, id), -1);
	assert_int_equal(cgroup_container_id_from_name("", id), -1);
	assert_int_equal(cgroup_container_id_from_name(ID "0", id), -1);            /* 65 */
	assert_int_equal(cgroup_container_id_from_name(ID + 1, id), -1);            /* 63 */
	assert_int_equal(cgroup_container_id_from_name(
	    "3F2A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8", id), -1);
	assert_int_equal(cgroup_container_id_from_name(
	    "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7eg", id), -1);
	assert_int_equal(cgroup_container_id_from_name("docker-" ID ".scop", id), -1);
	assert_int_equal(cgroup_container_id_from_name("docker-" ID ".scope\n", id), -1);
	assert_int_equal(cgroup_container_id_from_name("docker-" ID "0.scope", id), -1);
	assert_int_equal(cgroup_container_id_from_name("evil-" ID ".scope", id), -1);
	assert_int_equal(cgroup_container_id_from_name("docker-.scope", id), -1);
	assert_int_equal(cgroup_container_id_from_name("docker-" ID ".scope (deleted)", id), -1);
	assert_int_equal(cgroup_container_id_from_name(ID "\\0", id), -1);          /* NUL-ish */
	assert_int_equal(cgroup_container_id_from_name("session-3.scope", id), -1);
	long_name = repeat('a', 100000);
	assert_int_equal(cgroup_container_id_from_name(long_name, id), -1);
	memcpy(long_name + 100000 - 6, ".scope", 6);
	assert_int_equal(cgroup_container_id_from_name(long_name, id), -1);
	free(long_name);
}

static void
test_id_from_path(void **state)
{
	char id[CGROUP_ID_LEN], *p;

	(void)state;
	assert_int_equal(cgroup_container_id_from_path("/docker/" ID, id), 0);
	assert_string_equal(id, ID);
	assert_int_equal(cgroup_container_id_from_path("/system.slice/docker-" ID ".scope", id), 0);
	assert_string_equal(id, ID);
	assert_int_equal(cgroup_container_id_from_path("/kubepods/burstable/pod1/" ID2, id), 0);
	assert_string_equal(id, ID2);
	/* The deepest container component wins (a container in a container). */
	assert_int_equal(cgroup_container_id_from_path("/docker/" ID "/docker/" ID2, id), 0);
	assert_string_equal(id, ID2);
	assert_int_equal(cgroup_container_id_from_path("/docker/" ID "/sub", id), 0);
	assert_string_equal(id, ID);

	assert_int_equal(cgroup_container_id_from_path("/", id), -1);
	assert_int_equal(cgroup_container_id_from_path("", id), -1);
	assert_int_equal(cgroup_container_id_from_path(NULL, id), -1);
	assert_int_equal(cgroup_container_id_from_path("/user.slice/user-0.slice", id), -1);
	assert_int_equal(cgroup_container_id_from_path("//////", id), -1);
	p = repeat('/', 5000);
	assert_int_equal(cgroup_container_id_from_path(p, id), -1);
	free(p);
	/* Longer than any cgroup path we accept. */
	p = malloc(CGROUP_PATH_LEN + 100);
	memset(p, 'a', CGROUP_PATH_LEN + 20);
	memcpy(p, "/docker/" ID "/", 73);
	p[CGROUP_PATH_LEN + 20] = '\0';
	assert_int_equal(cgroup_container_id_from_path(p, id), -1);
	free(p);
}

static void
test_proc_line(void **state)
{
	struct cgroup_proc_line pl;
	char *big;

	(void)state;
	assert_int_equal(cgroup_parse_proc_line("4:memory:/docker/" ID, &pl), 0);
	assert_int_equal(pl.hierarchy, 4);
	assert_string_equal(pl.controllers, "memory");
	assert_string_equal(pl.path, "/docker/" ID);
	assert_int_equal(cgroup_parse_proc_line("0::/system.slice/docker-" ID ".scope\n", &pl), 0);
	assert_int_equal(pl.hierarchy, 0);
	assert_string_equal(pl.controllers, "");
	assert_string_equal(pl.path, "/system.slice/docker-" ID ".scope");
	assert_int_equal(cgroup_parse_proc_line("2:cpu,cpuacct:/docker/" ID, &pl), 0);
	assert_true(cgroup_has_controller(pl.controllers, "cpu"));
	assert_true(cgroup_has_controller(pl.controllers, "cpuacct"));
	assert_false(cgroup_has_controller(pl.controllers, "cpuset"));
	assert_false(cgroup_has_controller("cpuset", "cpu"));
	assert_int_equal(cgroup_parse_proc_line("9:name=systemd:/", &pl), 0);
	assert_string_equal(pl.controllers, "name=systemd");
	/* A path may hold ':' (only the first two separate). */
	assert_int_equal(cgroup_parse_proc_line("1:cpu:/a:b", &pl), 0);
	assert_string_equal(pl.path, "/a:b");

	/* Hostile. */
	assert_int_equal(cgroup_parse_proc_line(NULL, &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line(":", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("::", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("a:memory:/x", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("-1:memory:/x", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("99999999:memory:/x", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:MEMORY:/x", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:mem ory:/x", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:relative/path", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:/docker/../../etc", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:/docker/..", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:/a/./b", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:/\x1b[2J", &pl), -1);
	assert_int_equal(cgroup_parse_proc_line("4:memory:/a\tb", &pl), -1);
	/* "..." and ".hidden" are names, not traversal. */
	assert_int_equal(cgroup_parse_proc_line("4:memory:/.../.hidden", &pl), 0);
	big = malloc(20000);
	memcpy(big, "4:memory:/", 10);
	memset(big + 10, 'a', 19989);
	big[19999] = '\0';
	assert_int_equal(cgroup_parse_proc_line(big, &pl), -1);
	memset(big + 2, 'm', 19997);
	assert_int_equal(cgroup_parse_proc_line(big, &pl), -1);
	free(big);
}

/* The fixtures in tests/data/cgroup, one file per layout. */
static void
test_container_of_pid(void **state)
{
	const char *src = getenv("top_srcdir");
	char proc[1024], file[1100], dir[1100], id[CGROUP_ID_LEN], path[CGROUP_PATH_LEN];
	char *tmp = tmpdir();
	static const struct {
		const char *fixture;
		const char *id;          /* NULL: no container */
		const char *path;
	} cases[] = {
		{ "proc-v1-cgroupfs", ID, "/docker/" ID },
		{ "proc-v1-systemd", ID, "/system.slice/docker-" ID ".scope" },
		{ "proc-v2-cgroupfs", ID, "/docker/" ID },
		{ "proc-v2-systemd", ID2, "/system.slice/docker-" ID2 ".scope" },
		{ "proc-host", NULL, NULL },
		{ "proc-hostile", NULL, NULL },
		{ "proc-mixed", ID2, "/system.slice/docker-" ID2 ".scope" },
	};

	(void)state;
	if (src == NULL)
		src = ".";
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	mkdirs(proc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[3000];

		snprintf(dir, sizeof(dir), "%s/%zu", proc, i + 1);
		mkdirs(dir);
		snprintf(file, sizeof(file), "%s/tests/data/cgroup/%s", src, cases[i].fixture);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s/cgroup'", file, dir);
		assert_int_equal(system(cmd), 0);
		if (cases[i].id == NULL) {
			assert_int_equal(cgroup_container_of_pid(proc, (int)i + 1, id, path,
			    sizeof(path)), -1);
		} else {
			assert_int_equal(cgroup_container_of_pid(proc, (int)i + 1, id, path,
			    sizeof(path)), 0);
			assert_string_equal(id, cases[i].id);
			assert_string_equal(path, cases[i].path);
		}
	}
	assert_int_equal(cgroup_container_of_pid(proc, 0, id, NULL, 0), -1);
	assert_int_equal(cgroup_container_of_pid(proc, -5, id, NULL, 0), -1);
	assert_int_equal(cgroup_container_of_pid(proc, 999, id, NULL, 0), -1);
	rmrf(tmp);
	free(tmp);
}

/* ------------------------------------------------------------ values */

/* Parse TEXT as bytes and expect WANT. */
static void
bytes_ok(const char *text, uint64_t want)
{
	char err[256];
	uint64_t v = 1;

	if (cgroup_parse_bytes(text, &v, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", text, err);
	assert_true(v == want);
}

/* Parse TEXT as bytes and expect an error containing WHY. */
static void
bytes_bad(const char *text, const char *why)
{
	char err[256] = "";
	uint64_t v = 7;

	assert_int_equal(cgroup_parse_bytes(text, &v, err, sizeof(err)), -1);
	assert_true(v == 7);
	if (strstr(err, why) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
	/* Errors echo input printable and short. */
	for (const char *p = err; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_true(strlen(err) < 200);
}

static void
test_parse_bytes(void **state)
{
	char *s;

	(void)state;
	bytes_ok("256M", 256ull << 20);
	bytes_ok("1G", 1ull << 30);
	bytes_ok("512k", 512ull << 10);
	bytes_ok("512K", 512ull << 10);
	bytes_ok("1.5G", 3ull << 29);
	bytes_ok(".5M", 512ull << 10);
	bytes_ok("64MiB", 64ull << 20);
	bytes_ok("64mb", 64ull << 20);
	bytes_ok("2t", 2ull << 40);
	bytes_ok("100", 100);
	bytes_ok("100b", 100);
	bytes_ok("0", 0);
	bytes_ok("max", CGROUP_UNLIMITED);
	bytes_ok("9223372036854775807", 9223372036854775807ull);
	bytes_ok("0000000000000000000000001K", 1024);

	bytes_bad("", "empty");
	bytes_bad(NULL, "empty");
	bytes_bad("-1", "negative");
	bytes_bad("-256M", "negative");
	bytes_bad("99999999999999999999G", "too large");
	bytes_bad("18446744073709551615", "too large");
	bytes_bad("9223372036854775808", "too large");
	bytes_bad("8388608T", "too large");
	bytes_bad("12X", "unknown unit 'X'");
	bytes_bad("1E", "unknown unit");
	bytes_bad("1e3", "unknown unit");
	bytes_bad("1.5", "whole number");
	bytes_bad("M", "not a number");
	bytes_bad(" 1M", "not a number");
	bytes_bad("1M ", "unknown unit");
	bytes_bad("1M\n", "unknown unit");
	bytes_bad("1..5M", "not a number");
	bytes_bad("1.M", "not a number");
	bytes_bad("0x10", "unknown unit");
	bytes_bad("nan", "not a number");
	bytes_bad("inf", "not a number");
	bytes_bad("MAX", "not a number");
	bytes_bad("max ", "not a number");
	bytes_bad("1kibibyte", "unknown unit");
	bytes_bad("1\x1b[2JM", "unknown unit");
	bytes_bad("1M\\0", "unknown unit");
	s = repeat('9', 5000);
	bytes_bad(s, "too large");
	free(s);
	s = repeat('1', 5000);
	s[4999] = 'Z';
	bytes_bad(s, "too large");
	free(s);
	s = malloc(5000);
	s[0] = '1';
	memset(s + 1, 'Q', 4998);
	s[4999] = '\0';
	bytes_bad(s, "unknown unit");
	free(s);
}

/* Parse TEXT as CPUs and expect WANT nano-CPUs, or an error with WHY. */
static void
cpus(const char *text, uint64_t want, const char *why)
{
	char err[256] = "";
	uint64_t v = 0;
	int rc = cgroup_parse_cpus(text, &v, err, sizeof(err));

	if (why == NULL) {
		if (rc != 0)
			fail_msg("'%s': %s", text, err);
		assert_true(v == want);
	} else {
		assert_int_equal(rc, -1);
		if (strstr(err, why) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
	}
}

static void
test_parse_cpus(void **state)
{
	(void)state;
	cpus("0.5", 500000000, NULL);
	cpus("50%", 500000000, NULL);
	cpus("2", 2000000000, NULL);
	cpus("12.5%", 125000000, NULL);
	cpus("0.01", 10000000, NULL);
	cpus("1%", 10000000, NULL);
	cpus("1024", 1024000000000ull, NULL);
	cpus("1.0000000001", 1000000000, NULL);
	cpus("250%", 2500000000ull, NULL);

	cpus("0", 0, "out of range");
	cpus("0.001", 0, "out of range");
	cpus("0.5%", 0, "out of range");
	cpus("1025", 0, "too large");
	cpus("102401%", 0, "too large");
	cpus("99999999999999999999", 0, "too large");
	cpus("-1", 0, "negative");
	cpus("", 0, "empty");
	cpus(NULL, 0, "empty");
	cpus("abc", 0, "not a number");
	cpus("50%%", 0, "want a number");
	cpus("%", 0, "not a number");
	cpus("1e3", 0, "want a number");
	cpus("0.5 ", 0, "want a number");
	cpus("0,5", 0, "want a number");
	cpus("½", 0, "not a number");
}

static void
test_parse_cpu_max(void **state)
{
	int64_t q;
	uint64_t p;
	char err[256];
	static const char *const bad[] = {
		"", "999", "999/100000", "50000/999", "50000/1000001", "50000/", "/100000", "-1",
		"max/", "50000 100000 1", "1234567890123/100000", "50000/100000/1", "fifty",
		"200000000/100000", " 50000", "50000 -100000", "max max",
	};

	(void)state;
	assert_int_equal(cgroup_parse_cpu_max("max", &q, &p, err, sizeof(err)), 0);
	assert_true(q == -1 && p == 100000);
	assert_int_equal(cgroup_parse_cpu_max("max 50000", &q, &p, err, sizeof(err)), 0);
	assert_true(q == -1 && p == 50000);
	assert_int_equal(cgroup_parse_cpu_max("50000", &q, &p, err, sizeof(err)), 0);
	assert_true(q == 50000 && p == 100000);
	assert_int_equal(cgroup_parse_cpu_max("50000 100000", &q, &p, err, sizeof(err)), 0);
	assert_true(q == 50000 && p == 100000);
	assert_int_equal(cgroup_parse_cpu_max("25000/50000", &q, &p, err, sizeof(err)), 0);
	assert_true(q == 25000 && p == 50000);
	assert_int_equal(cgroup_parse_cpu_max(NULL, &q, &p, err, sizeof(err)), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cgroup_parse_cpu_max(bad[i], &q, &p, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
}

static void
test_parse_weight(void **state)
{
	unsigned w;
	char err[256];
	static const char *const bad[] = {
		"0", "10001", "-5", "", "1.5", "abc", "99999999999999999999", " 100", "100 ",
		"1e2", "0x64",
	};

	(void)state;
	assert_int_equal(cgroup_parse_weight("1", &w, err, sizeof(err)), 0);
	assert_int_equal(w, 1);
	assert_int_equal(cgroup_parse_weight("10000", &w, err, sizeof(err)), 0);
	assert_int_equal(w, 10000);
	assert_int_equal(cgroup_parse_weight("100", &w, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cgroup_parse_weight(bad[i], &w, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "1 to 10000"));
	}
	assert_int_equal(cgroup_parse_weight(NULL, &w, err, sizeof(err)), -1);
}

static void
test_format_and_weights(void **state)
{
	static const uint64_t values[] = {
		0, 1, 1000, 1024, 1536ull << 10, 256ull << 20, 1ull << 30, 3ull << 29,
		(1ull << 40) * 5, 123456789, CGROUP_UNLIMITED,
	};
	char buf[64], err[256];
	uint64_t v;

	(void)state;
	cgroup_format_bytes(256ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "256M");
	cgroup_format_bytes(1536ull << 10, buf, sizeof(buf));
	assert_string_equal(buf, "1536K");
	cgroup_format_bytes(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000");
	cgroup_format_bytes(CGROUP_UNLIMITED, buf, sizeof(buf));
	assert_string_equal(buf, "max");
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		cgroup_format_bytes(values[i], buf, sizeof(buf));
		assert_int_equal(cgroup_parse_bytes(buf, &v, err, sizeof(err)), 0);
		assert_true(v == values[i]);
	}
	/* runc's linear conversion, and the weight -> shares inverse. */
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(0), 0);
	for (unsigned w = 1; w <= 10000; w++)
		assert_int_equal(cgroup_shares_to_weight(cgroup_weight_to_shares(w)), w);
	/* The logarithmic one: 1024 shares is the default weight 100. */
	assert_int_equal(cgroup_shares_to_weight_log(1024), 100);
	assert_int_equal(cgroup_shares_to_weight_log(2), 1);
	assert_int_equal(cgroup_shares_to_weight_log(262144), 10000);
}

/* ------------------------------------------------------------ hierarchies */

/* A v2 tree at ROOT with container ID under the systemd driver's layout;
 * returns the container's directory in DIR. */
static void
make_v2(const char *root, char *dir, size_t len)
{
	put(root, "cgroup.controllers", "cpuset cpu io memory pids\n");
	snprintf(dir, len, "%s/system.slice/docker-%s.scope", root, ID);
	mkdirs(dir);
	put(dir, "memory.max", "max\n");
	put(dir, "memory.high", "max\n");
	put(dir, "memory.low", "0\n");
	put(dir, "memory.current", "12345678\n");
	put(dir, "memory.events", "low 0\nhigh 4\nmax 2\noom 1\noom_kill 1\noom_group_kill 0\n");
	put(dir, "cpu.max", "max 100000\n");
	put(dir, "cpu.weight", "100\n");
}

static void
test_v2_tree(void **state)
{
	char *root = tmpdir(), dir[1024], err[1100], d2[1100], proc[1040], pdir[1100];
	struct cgroup_fs fs;
	struct cgroup_dirs d;
	struct cgroup_setting s, r;
	struct cgroup_stats st;

	(void)state;
	make_v2(root, dir, sizeof(dir));
	assert_int_equal(cgroup_fs_detect(root, &fs, err, sizeof(err)), 0);
	assert_int_equal(fs.version, CGROUP_V2);
	assert_int_equal(cgroup_find_dirs(&fs, ID, NULL, 0, &d, err, sizeof(err)), 0);
	assert_string_equal(d.memory, dir);
	assert_string_equal(d.cpu, dir);

	/* Reading what the runtime wrote. */
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), 0);
	assert_true(r.bytes == CGROUP_UNLIMITED);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_MAX, &r, err, sizeof(err)), 0);
	assert_true(r.quota == -1 && r.period == 100000);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_WEIGHT, &r, err, sizeof(err)), 0);
	assert_int_equal(r.weight, 100);
	assert_int_equal(cgroup_read_stats(&fs, &d, &st, err, sizeof(err)), 0);
	assert_true(st.memory_current == 12345678 && st.events_high == 4 && st.events_max == 2 &&
	    st.events_oom == 1 && st.events_oom_kill == 1);

	/* Writing, in the v2 files' own syntax. */
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_MAX, .bytes = 64ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "memory.max"), "67108864");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), 0);
	assert_true(cgroup_setting_equal(&s, &r));
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_HIGH, .bytes = 48ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "memory.high"), "50331648");
	s.bytes = CGROUP_UNLIMITED;
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "memory.high"), "max");
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_LOW, .bytes = 16ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "memory.low"), "16777216");
	s = (struct cgroup_setting){ .key = CGROUP_CPU_MAX, .quota = 50000, .period = 100000 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.max"), "50000 100000");
	s.quota = -1;
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.max"), "max 100000");
	s = (struct cgroup_setting){ .key = CGROUP_CPU_WEIGHT, .weight = 250 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.weight"), "250");

	/* Validated before writing: nothing is written. */
	put(dir, "memory.max", "67108864\n");
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_MAX, .bytes = 4096 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "6M"));
	assert_string_equal(get(dir, "memory.max"), "67108864\n");
	s = (struct cgroup_setting){ .key = CGROUP_CPU_MAX, .quota = 10, .period = 100000 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), -1);
	s = (struct cgroup_setting){ .key = CGROUP_CPU_WEIGHT, .weight = 0 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), -1);

	/* Hostile file contents are errors, not numbers. */
	put(dir, "memory.max", "abc\n");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unexpected content 'abc'"));
	put(dir, "memory.max", "99999999999999999999999\n");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), -1);
	put(dir, "memory.max", "\x1b]0;pwned\x07\n");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), -1);
	for (const char *p = err; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	put(dir, "cpu.max", "50000\n");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_MAX, &r, err, sizeof(err)), -1);
	put(dir, "cpu.max", "50000 max\n");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_MAX, &r, err, sizeof(err)), -1);

	/* The cgroupfs driver's layout, and a custom parent found through /proc. */
	snprintf(d2, sizeof(d2), "%s/docker/%s", root, ID2);
	mkdirs(d2);
	assert_int_equal(cgroup_find_dirs(&fs, ID2, NULL, 0, &d, err, sizeof(err)), 0);
	assert_string_equal(d.memory, d2);
	snprintf(d2, sizeof(d2), "%s/plant/line-a/%s", root, ID2);
	mkdirs(d2);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(pdir, sizeof(pdir), "%s/4242", proc);
	mkdirs(pdir);
	put(pdir, "cgroup", "0::/plant/line-a/" ID2 "\n");
	assert_int_equal(cgroup_find_dirs(&fs, ID2, proc, 4242, &d, err, sizeof(err)), 0);
	assert_string_equal(d.memory, d2);
	/* A /proc line naming another container is not believed. */
	put(pdir, "cgroup", "0::/plant/line-a/" ID "\n");
	assert_int_equal(cgroup_find_dirs(&fs, ID2, proc, 4242, &d, err, sizeof(err)), 0);
	assert_true(strstr(d.memory, "/docker/") != NULL);

	/* Not here, and not ids. */
	assert_int_equal(cgroup_find_dirs(&fs, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	    NULL, 0, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not on this machine"));
	assert_int_equal(cgroup_find_dirs(&fs, "../../etc", NULL, 0, &d, err, sizeof(err)), -1);
	assert_int_equal(cgroup_find_dirs(&fs, "", NULL, 0, &d, err, sizeof(err)), -1);
	rmrf(root);
	free(root);
}

static void
test_v1_tree(void **state)
{
	char *root = tmpdir(), mem[1024], cpu[1024], err[1100];
	struct cgroup_fs fs;
	struct cgroup_dirs d;
	struct cgroup_setting s, r;
	struct cgroup_stats st;

	(void)state;
	snprintf(mem, sizeof(mem), "%s/memory/docker/%s", root, ID);
	snprintf(cpu, sizeof(cpu), "%s/cpu/docker/%s", root, ID);
	mkdirs(mem);
	mkdirs(cpu);
	snprintf(err, sizeof(err), "%s/memory", root);
	put(err, "cgroup.procs", "");
	snprintf(err, sizeof(err), "%s/cpu", root);
	put(err, "cgroup.procs", "");
	mkdirs(root);
	snprintf(err, sizeof(err), "%s/unified", root);   /* a hybrid host's empty v2 */
	mkdirs(err);
	put(err, "cgroup.controllers", "");
	put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.soft_limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.usage_in_bytes", "4096000\n");
	put(mem, "memory.failcnt", "3\n");
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put(cpu, "cpu.cfs_quota_us", "-1\n");
	put(cpu, "cpu.cfs_period_us", "100000\n");
	put(cpu, "cpu.shares", "1024\n");

	assert_int_equal(cgroup_fs_detect(root, &fs, err, sizeof(err)), 0);
	assert_int_equal(fs.version, CGROUP_V1);
	assert_true(fs.v1_memory);
	assert_string_equal(fs.v1_cpu, "cpu");
	assert_int_equal(cgroup_find_dirs(&fs, ID, NULL, 0, &d, err, sizeof(err)), 0);
	assert_string_equal(d.memory, mem);
	assert_string_equal(d.cpu, cpu);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_MAX, &r, err, sizeof(err)), 0);
	assert_true(r.bytes == CGROUP_UNLIMITED);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_MAX, &r, err, sizeof(err)), 0);
	assert_true(r.quota == -1 && r.period == 100000);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_WEIGHT, &r, err, sizeof(err)), 0);
	assert_int_equal(r.weight, 39);
	assert_int_equal(cgroup_read_stats(&fs, &d, &st, err, sizeof(err)), 0);
	assert_true(st.memory_current == 4096000 && st.failcnt == 3 && st.events_oom_kill == 2);
	assert_true(st.events_high == UINT64_MAX);

	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_MAX, .bytes = 64ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(mem, "memory.limit_in_bytes"), "67108864");
	s.bytes = CGROUP_UNLIMITED;
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(mem, "memory.limit_in_bytes"), "-1");
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_LOW, .bytes = 32ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(mem, "memory.soft_limit_in_bytes"), "33554432");
	s = (struct cgroup_setting){ .key = CGROUP_CPU_MAX, .quota = 25000, .period = 50000 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_string_equal(get(cpu, "cpu.cfs_quota_us"), "25000");
	assert_string_equal(get(cpu, "cpu.cfs_period_us"), "50000");
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_MAX, &r, err, sizeof(err)), 0);
	assert_true(cgroup_setting_equal(&s, &r));
	s = (struct cgroup_setting){ .key = CGROUP_CPU_WEIGHT, .weight = 100 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), 0);
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_CPU_WEIGHT, &r, err, sizeof(err)), 0);
	assert_int_equal(r.weight, 100);

	/* memory.high: v1 has none, and says so. */
	s = (struct cgroup_setting){ .key = CGROUP_MEMORY_HIGH, .bytes = 64ull << 20 };
	assert_int_equal(cgroup_write(&fs, &d, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "memory.high needs cgroup v2"));
	assert_int_equal(cgroup_read(&fs, &d, CGROUP_MEMORY_HIGH, &r, err, sizeof(err)), -1);
	assert_null(cgroup_key_file(&fs, CGROUP_MEMORY_HIGH));

	/* Nothing that looks like cgroupfs. */
	snprintf(err, sizeof(err), "%s/memory", root);
	assert_int_equal(cgroup_fs_detect(mem, &fs, err, sizeof(err)), -1);
	assert_int_equal(cgroup_fs_detect("/nonexistent/cgroup", &fs, err, sizeof(err)), -1);
	rmrf(root);
	free(root);
}

/* ------------------------------------------------------------ the tuner */

static void
test_tune_parse(void **state)
{
	struct tune_request r;
	char err[256];
	static const struct { const char *kv, *why; } bad[] = {
		{ "memory", "want KEY=VALUE" },
		{ "=5", "unknown key" },
		{ "bogus=1", "unknown key 'bogus'" },
		{ "memory=max", "cannot lift" },
		{ "memory.low=max", "cannot lift" },
		{ "memory=1M", "below 6M" },
		{ "memory.high=4k", "below 6M" },
		{ "memory=12X", "unknown unit" },
		{ "memory=-64M", "negative" },
		{ "memory=99999999999999999999G", "too large" },
		{ "cpus=0", "out of range" },
		{ "cpus=", "empty" },
		{ "cpu.max=1/1", "period" },
		{ "cpu.weight=0", "1 to 10000" },
		{ "cpu.weight=100000", "1 to 10000" },
		{ "Memory=64M", "unknown key" },
		{ "memory =64M", "unknown key" },
		{ "\x1b[2J=1", "unknown key" },
	};
	char longkey[300];

	(void)state;
	assert_int_equal(tune_parse("memory=64M", &r, err, sizeof(err)), 0);
	assert_int_equal(r.key, TUNE_MEMORY);
	assert_true(r.set.key == CGROUP_MEMORY_MAX && r.set.bytes == 64ull << 20);
	assert_int_equal(tune_parse("memory.max=1G", &r, err, sizeof(err)), 0);
	assert_int_equal(r.key, TUNE_MEMORY);
	assert_int_equal(tune_parse("memory.high=max", &r, err, sizeof(err)), 0);
	assert_true(r.set.bytes == CGROUP_UNLIMITED);
	assert_int_equal(tune_parse("memory.reservation=32M", &r, err, sizeof(err)), 0);
	assert_int_equal(r.key, TUNE_MEMORY_LOW);
	assert_int_equal(tune_parse("memory.low=0", &r, err, sizeof(err)), 0);
	assert_int_equal(tune_parse("cpus=50%", &r, err, sizeof(err)), 0);
	assert_true(r.nanocpus == 500000000 && r.set.quota == 50000 && r.set.period == 100000);
	assert_int_equal(tune_parse("cpus=0.01", &r, err, sizeof(err)), 0);
	assert_true(r.set.quota == 1000);
	assert_int_equal(tune_parse("cpu.max=20000/50000", &r, err, sizeof(err)), 0);
	assert_true(r.set.quota == 20000 && r.set.period == 50000);
	assert_int_equal(tune_parse("cpu.weight=50", &r, err, sizeof(err)), 0);
	assert_int_equal(r.set.weight, 50);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tune_parse(bad[i].kv, &r, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i].kv);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", bad[i].kv, err, bad[i].why);
		for (const char *p = err; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
	memset(longkey, 'k', sizeof(longkey) - 3);
	memcpy(longkey + sizeof(longkey) - 3, "=1", 3);
	assert_int_equal(tune_parse(longkey, &r, err, sizeof(err)), -1);
	assert_int_equal(tune_parse(NULL, &r, err, sizeof(err)), -1);
}

static void
test_tune_inspect_json(void **state)
{
	struct tune_container c;

	(void)state;
	assert_int_equal(tune_container_from_json("{\"Id\":\"" ID "\",\"Name\":\"/plc-1\","
	    "\"State\":{\"Running\":true,\"Pid\":4242},\"HostConfig\":{\"Memory\":67108864,"
	    "\"MemorySwap\":134217728,\"NanoCpus\":500000000,\"CpuShares\":512}}", &c), 0);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.name, "plc-1");
	assert_true(c.running && c.pid == 4242 && c.memory == 67108864 &&
	    c.memory_swap == 134217728 && c.nano_cpus == 500000000 && c.cpu_shares == 512);
	assert_int_equal(tune_container_from_json("", &c), -1);
	assert_int_equal(tune_container_from_json("{\"Id\":\"" ID "\"", &c), -1);
	assert_int_equal(tune_container_from_json("{\"Name\":\"x\"}", &c), -1);
	assert_int_equal(tune_container_from_json("{\"Id\":\"../../etc\"}", &c), -1);
	assert_int_equal(tune_container_from_json("{\"Id\":42}", &c), -1);
	assert_int_equal(tune_container_from_json("[1,2,3]", &c), -1);
	/* Wrong types are zeros, not crashes. */
	assert_int_equal(tune_container_from_json("{\"Id\":\"" ID "\",\"State\":\"up\","
	    "\"HostConfig\":{\"Memory\":\"lots\"}}", &c), 0);
	assert_true(c.memory == 0 && !c.running);
}

/* The drift logic on the v2 tree: desired values from the engine's record
 * and from plantdeck's memory, compared with the files; re-apply writes. */
static void
test_tune_drift_v2(void **state)
{
	char *root = tmpdir(), dir[1024], err[512];
	struct tune_store *st = tune_store_new();
	struct pd_tune_result res;
	struct tune_container c;
	struct cgroup_setting high = { .key = CGROUP_MEMORY_HIGH, .bytes = 100ull << 20 };
	struct cgroup_fs fs;
	struct cgroup_dirs d;

	(void)state;
	make_v2(root, dir, sizeof(dir));
	assert_int_equal(cgroup_fs_detect(root, &fs, err, sizeof(err)), 0);
	assert_int_equal(cgroup_find_dirs(&fs, ID, NULL, 0, &d, err, sizeof(err)), 0);
	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", ID);
	snprintf(c.name, sizeof(c.name), "plc-1");
	c.running = 1;
	c.memory = 64ll << 20;
	c.nano_cpus = 500000000;
	c.cpu_shares = 1024;
	put(dir, "memory.max", "67108864\n");
	put(dir, "cpu.max", "50000 100000\n");
	put(dir, "cpu.weight", "100\n");           /* runc >= 1.3's conversion of 1024 */

	memset(&res, 0, sizeof(res));
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 0);
	assert_int_equal(res.nitems, 3);            /* memory, cpu.max, cpu.weight */
	assert_string_equal(res.items[0].key, "memory");
	assert_string_equal(res.items[0].via, "engine");
	assert_string_equal(res.items[0].cgroup, "64M");
	put(dir, "cpu.weight", "39\n");             /* runc < 1.3's */
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 0);

	/* Someone rewrites memory.max and cpu.weight behind plantdeck's back. */
	put(dir, "memory.max", "134217728\n");
	put(dir, "cpu.weight", "50\n");
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 2);
	assert_int_equal(res.drifted, 2);
	assert_false(res.items[0].ok);
	assert_string_equal(res.items[0].want, "64M");
	assert_string_equal(res.items[0].cgroup, "128M");
	assert_non_null(strstr(res.items[0].note, "memory.max reads 128M, want 64M"));

	/* memory.high was set by plantdeck (no engine field): remembered. */
	tune_store_set(st, c.id, &high);
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 3);
	assert_int_equal(tune_fix_files(st, &fs, &d, &c, &res), 3);
	assert_string_equal(get(dir, "memory.max"), "67108864");
	assert_string_equal(get(dir, "memory.high"), "104857600");
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 0);
	for (size_t i = 0; i < res.nitems; i++)
		if (strcmp(res.items[i].key, "memory.high") == 0)
			assert_string_equal(res.items[i].via, "plantdeck");

	/* The engine's record changes behind plantdeck's back (docker update):
	 * what plantdeck set is the desired value, the engine drifted. */
	tune_store_set(st, c.id, &(struct cgroup_setting){ .key = CGROUP_MEMORY_MAX,
	    .bytes = 64ull << 20 });
	c.memory = 96ll << 20;
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 1);
	assert_non_null(strstr(res.items[0].note, "engine's record changed to 96M"));

	/* Not local: only the engine's record against plantdeck's memory. */
	assert_int_equal(tune_compare(st, &fs, NULL, &c, &res), 1);
	c.memory = 64ll << 20;
	assert_int_equal(tune_compare(st, &fs, NULL, &c, &res), 0);

	/* A file that became unreadable is reported, not called drift. */
	{
		char cpumax[1100];

		snprintf(cpumax, sizeof(cpumax), "%s/cpu.max", dir);
		unlink(cpumax);
	}
	assert_int_equal(tune_compare(st, &fs, &d, &c, &res), 0);
	for (size_t i = 0; i < res.nitems; i++)
		if (strcmp(res.items[i].key, "cpu.max") == 0)
			assert_non_null(strstr(res.items[i].note, "cannot read"));

	/* Forgotten containers fall back to the engine's record. */
	tune_store_forget(st, c.id);
	assert_int_equal(tune_store_get(st, c.id, CGROUP_MEMORY_HIGH, &high), 0);
	tune_store_free(st);
	rmrf(root);
	free(root);
}

/* ------------------------------------------------------------ capture rules */

static void
test_capture_helpers(void **state)
{
	const char *allow[] = { "/bin/plc-sim", "sh", "", NULL };
	char buf[16];

	(void)state;
	assert_true(capture_engine_comm("dockerd"));
	assert_true(capture_engine_comm("containerd"));
	assert_true(capture_engine_comm("containerd-shim"));
	assert_true(capture_engine_comm("runc"));
	assert_true(capture_engine_comm("runc:[2:INIT]"));
	assert_true(capture_engine_comm("docker-init"));
	assert_false(capture_engine_comm("bash"));
	assert_false(capture_engine_comm("dockerd2"));
	assert_false(capture_engine_comm("rune"));
	assert_false(capture_engine_comm(""));

	assert_true(capture_allowed("/bin/plc-sim", allow, 4));
	assert_false(capture_allowed("/usr/bin/plc-sim", allow, 4));
	assert_true(capture_allowed("/bin/sh", allow, 4));
	assert_true(capture_allowed("/usr/local/bin/sh", allow, 4));
	assert_false(capture_allowed("/bin/bash", allow, 4));
	assert_false(capture_allowed("", allow, 4));
	assert_false(capture_allowed("/bin/plc-sim2", allow, 4));
	assert_false(capture_allowed("/bin/cat", allow, 0));

	assert_string_equal(capture_signal_name(9, buf, sizeof(buf)), "SIGKILL");
	assert_string_equal(capture_signal_name(15, buf, sizeof(buf)), "SIGTERM");
	assert_string_equal(capture_signal_name(41, buf, sizeof(buf)), "SIG41");
	assert_string_equal(capture_signal_name(-3, buf, sizeof(buf)), "SIG-3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_from_name),
		cmocka_unit_test(test_id_from_path),
		cmocka_unit_test(test_proc_line),
		cmocka_unit_test(test_container_of_pid),
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_parse_cpu_max),
		cmocka_unit_test(test_parse_weight),
		cmocka_unit_test(test_format_and_weights),
		cmocka_unit_test(test_v2_tree),
		cmocka_unit_test(test_v1_tree),
		cmocka_unit_test(test_tune_parse),
		cmocka_unit_test(test_tune_inspect_json),
		cmocka_unit_test(test_tune_drift_v2),
		cmocka_unit_test(test_capture_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
