/* test-inventory.c: inventories from YAML files, the environment and Docker
 * contexts; every error message, hostile input and selectors.
 *
 * Fixtures live in tests/data/inventory, found through $top_srcdir (set by
 * make check; "." otherwise).  Files that must be absolute or huge are
 * written to a temporary directory by the test itself. */
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
#include <unistd.h>

#include "backend/engine/inventory.h"

#define ERRLEN 1024
#define DIRLEN 256	/* temporary directories have short names */

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
	snprintf(buf, len, "%s/tests/data/inventory/%s", srcdir(), name);
	return buf;
}

/* A new temporary directory, by its real (absolute) name, into BUF. */
static const char *
make_tmpdir(char *buf, size_t len)
{
	char tmpl[] = "/tmp/plantdeck-test-inv-XXXXXX";
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

/* Load DIR/REL and expect it to fail; the message is left in ERR. */
static void
load_fails(const char *path, char *err)
{
	struct inventory *inv = (struct inventory *)1;

	err[0] = '\0';
	assert_int_equal(inventory_load(path, &inv, err, ERRLEN), -1);
	assert_null(inv);
	assert_true(err[0] != '\0');
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

/* The node called NAME in INV. */
static const struct inv_node *
node_named(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (strcmp(inv->nodes[i].name, name) == 0)
			return &inv->nodes[i];
	}
	fail_msg("no node %s", name);
	return NULL;
}

/* ---------------------------------------------------------------- valid files */

static void
test_valid(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct inventory *inv = NULL;
	const struct inv_node *n;

	(void)state;
	fixture(path, sizeof(path), "valid.yaml");
	assert_int_equal(inventory_load(path, &inv, err, sizeof(err)), 0);
	assert_non_null(inv);
	assert_string_equal(inv->source, path);
	assert_string_equal(inv->site, "press-shop-2");
	assert_int_equal(inv->nnodes, 5);

	/* In file order; the defaults' tls (verify: false) and labels apply. */
	n = &inv->nodes[0];
	assert_string_equal(n->name, "press-01");
	assert_string_equal(n->endpoint, "tcp://10.0.1.11:2376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 0);
	assert_null(n->tls_ca);
	assert_null(n->tls_cert);
	assert_null(n->tls_key);
	assert_int_equal(n->line, 13);
	assert_int_equal(n->column, 5);
	/* insecure: true in the defaults allows what would be refused; only
	 * what is insecure is marked. */
	assert_int_equal(n->insecure, PD_INSECURE_NOVERIFY);
	assert_int_equal(n->nlabels, 4);
	assert_string_equal(n->labels[0].key, "plant");
	assert_string_equal(n->labels[0].value, "north");
	assert_string_equal(n->labels[1].key, "line");
	assert_string_equal(n->labels[1].value, "A");
	assert_string_equal(n->labels[2].key, "cell");
	assert_string_equal(n->labels[2].value, "3");	/* a number, as text */
	assert_string_equal(n->labels[3].key, "role");
	assert_string_equal(n->labels[3].value, "press");
	assert_string_equal(inventory_label(n, "cell"), "3");
	assert_null(inventory_label(n, "missing"));
	assert_null(inventory_label(NULL, "cell"));

	/* tls: false overrides the defaults; the trailing slash goes. */
	n = &inv->nodes[1];
	assert_string_equal(n->name, "press-02");
	assert_string_equal(n->endpoint, "tcp://10.0.1.12:2380");
	assert_int_equal(n->tls, 0);
	assert_int_equal(n->tls_verify, 1);
	assert_int_equal(n->line, 18);
	assert_int_equal(n->insecure, PD_INSECURE_PLAIN);
	assert_string_equal(inventory_label(n, "cell"), "4");
	assert_string_equal(inventory_label(n, "line"), "A");
	assert_string_equal(inventory_label(n, "plant"), "north");

	/* Node labels replace default ones in place; IPv6 gets the TLS port. */
	n = &inv->nodes[2];
	assert_string_equal(n->name, "paint.robot_1");
	assert_string_equal(n->endpoint, "tcp://[fd00::21]:2376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 0);
	assert_int_equal(n->nlabels, 4);
	assert_string_equal(n->labels[1].key, "line");
	assert_string_equal(n->labels[1].value, "B");
	assert_string_equal(inventory_label(n, "role"), "paint");

	/* A socket gets no TLS from the defaults, but their labels. */
	n = &inv->nodes[3];
	assert_string_equal(n->name, "gateway");
	assert_string_equal(n->endpoint, "unix:///run/docker.sock");
	assert_int_equal(n->tls, 0);
	assert_int_equal(n->insecure, 0);
	assert_int_equal(n->nlabels, 2);
	assert_string_equal(inventory_label(n, "line"), "A");

	/* The node's own tls replaces the defaults' entirely. */
	n = &inv->nodes[4];
	assert_string_equal(n->name, "qa-bench");
	assert_string_equal(n->endpoint, "tcp://qa-bench.plant.example:12376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 1);
	assert_int_equal(n->line, 29);
	assert_int_equal(n->column, 5);
	assert_int_equal(n->insecure, 0);
	/* Only it is marked a Swarm manager. */
	assert_int_equal(n->swarm_manager, 1);
	for (size_t i = 0; i + 1 < inv->nnodes; i++)
		assert_int_equal(inv->nodes[i].swarm_manager, 0);
	inventory_free(inv);
	inventory_free(NULL);
}

static void
test_tls_paths(void **state)
{
	char dir[DIRLEN], want[2 * PATH_MAX], cwd[PATH_MAX], err[ERRLEN];
	char yaml[2 * PATH_MAX], file[PATH_MAX];
	struct inventory *inv = NULL;
	const struct inv_node *n;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	write_file(dir, "certs/ca.pem", "ca\n");
	write_file(dir, "certs/cert.pem", "cert\n");
	write_file(dir, "certs/key.pem", "key\n");
	write_file(dir, "other/ca.pem", "other ca\n");
	snprintf(yaml, sizeof(yaml),
	    "defaults:\n"
	    "  tls:\n"
	    "    ca: certs/ca.pem\n"
	    "nodes:\n"
	    "  - name: a\n"
	    "    endpoint: tcp://a.plant\n"
	    "  - name: b\n"
	    "    endpoint: tcp://b.plant:2376\n"
	    "    tls:\n"
	    "      ca: ../%s/other/ca.pem\n"
	    "      cert: ./certs/cert.pem\n"
	    "      key: %s/certs/key.pem\n"
	    "      verify: FALSE\n"
	    "    insecure: true\n",
	    strrchr(dir, '/') + 1, dir);
	write_file(dir, "plant.yaml", yaml);

	/* Loaded by a relative name: the paths still come out absolute. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(inventory_load("plant.yaml", &inv, err, sizeof(err)), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(inv->source, "plant.yaml");
	assert_null(inv->site);

	n = node_named(inv, "a");
	assert_string_equal(n->endpoint, "tcp://a.plant:2376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 1);
	snprintf(want, sizeof(want), "%s/certs/ca.pem", dir);
	assert_string_equal(n->tls_ca, want);
	assert_null(n->tls_cert);
	assert_null(n->tls_key);
	assert_int_equal(n->nlabels, 0);

	n = node_named(inv, "b");
	assert_int_equal(n->tls_verify, 0);
	assert_true(n->tls_ca[0] == '/');
	assert_non_null(strstr(n->tls_ca, "/other/ca.pem"));
	snprintf(want, sizeof(want), "%s/./certs/cert.pem", dir);
	assert_string_equal(n->tls_cert, want);
	snprintf(want, sizeof(want), "%s/certs/key.pem", dir);
	assert_string_equal(n->tls_key, want);
	inventory_free(inv);

	/* A file that exists but is a directory. */
	write_file(dir, "dir.yaml",
	    "nodes:\n  - name: a\n    endpoint: tcp://a\n    tls: {ca: certs}\n");
	snprintf(file, sizeof(file), "%s/dir.yaml", dir);
	load_fails(file, err);
	snprintf(want, sizeof(want), "%s:4:15: tls ca '%s/certs': Is a directory", file, dir);
	assert_string_equal(err, want);
	rm_tree(dir);
}

/* The heal: section, and its errors at FILE:LINE:COL. */
static void
test_heal_section(void **state)
{
	static const struct {
		const char *yaml, *want;
	} bad[] = {
		{ "heal: [1]\n", ":1:7: 'heal' must be a mapping (auto, memory_headroom, "
		    "memory_max, verify_window, ...)" },
		{ "heal:\n  restart: yes\n", ":2:3: unknown key 'restart'" },
		{ "heal:\n  auto: {stack: plc}\n", ":2:9: 'auto' must be a list of "
		    "{stack, actions}" },
		{ "heal:\n  auto:\n    - stack: plc\n", ":3:7: an 'auto' entry has no 'actions'" },
		{ "heal:\n  auto:\n    - {stack: plc, actions: [restart, reboot]}\n",
		    ":3:39: unknown action 'reboot': use restart, reschedule, rollback, memory, "
		    "quarantine, reapply" },
		{ "heal:\n  memory_headroom: off\n  memory_max: 1G\n", ":3:3: 'memory_max' "
		    "bounds memory raises, which 'memory_headroom: off' turns off" },
		{ "heal:\n  memory_headroom: lots\n  memory_max: 1G\n", ":2:20: "
		    "'memory_headroom' must be a percentage from 1% to 1000%, or off, not 'lots'" },
		{ "heal:\n  memory_headroom: 1001%\n", ":2:20: "
		    "'memory_headroom' must be a percentage from 1% to 1000%, or off, not '1001%'" },
		{ "heal:\n  memory_max: 512X\n", ":2:15: 'memory_max' must be a size of at "
		    "least 6M, like 512M or 2G, not '512X'" },
		{ "heal:\n  verify_window: 0s\n", ":2:18: 'verify_window' must be a duration "
		    "from 1s to 60m, like 30s or 5m, not '0s'" },
		{ "heal:\n  oom_window: 2d\n", ":2:15: 'oom_window' must be a duration "
		    "from 10s to 24h, like 30s or 5m, not '2d'" },
		{ "heal:\n  node_grace: 99999999999999999999\n", ":2:15: 'node_grace' must be a "
		    "duration from 1s to 60m, like 30s or 5m, not '99999999999999999999'" },
		{ "heal:\n  crash_restarts: 1\n", ":2:19: 'crash_restarts' must be a whole "
		    "number from 2 to 32, not '1'" },
		{ "heal:\n  anomaly_severity: info\n", ":2:21: 'anomaly_severity' must be "
		    "warning or critical, not 'info'" },
	};
	const char *nodes = "nodes:\n  - name: a\n    endpoint: tcp://a\n    insecure: true\n";
	char dir[DIRLEN], file[PATH_MAX], yaml[1024], want[PATH_MAX + 256], err[ERRLEN];
	struct inventory *inv = NULL;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/plant.yaml", dir);
	snprintf(yaml, sizeof(yaml), "heal:\n"
	    "  auto:\n"
	    "    - stack: plc\n"
	    "      actions: [restart]\n"
	    "    - {stack: web, actions: [restart, rollback, memory]}\n"
	    "    - {stack: sec, actions: [quarantine, reapply]}\n"
	    "  memory_headroom: 50%%\n"
	    "  memory_max: 512M\n"
	    "  verify_window: 2m\n"
	    "  crash_restarts: 5\n"
	    "  crash_window: 2m\n"
	    "  oom_window: 600\n"
	    "  clear_after: 20s\n"
	    "  node_grace: 5s\n"
	    "  anomaly_severity: critical\n%s", nodes);
	write_file(dir, "plant.yaml", yaml);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->heal.nautos, 3);
	assert_string_equal(inv->heal.autos[0].stack, "plc");
	assert_int_equal(inv->heal.autos[0].actions, INV_HEAL_RESTART);
	assert_string_equal(inv->heal.autos[1].stack, "web");
	assert_int_equal(inv->heal.autos[1].actions,
	    INV_HEAL_RESTART | INV_HEAL_ROLLBACK | INV_HEAL_MEMORY);
	assert_int_equal(inv->heal.memory_headroom, 50);
	assert_true(inv->heal.memory_max == 512ull << 20);
	assert_true(inv->heal.verify_window == 120);
	assert_int_equal(inv->heal.autos[2].actions, INV_HEAL_QUARANTINE | INV_HEAL_REAPPLY);
	assert_int_equal(inv->heal.crash_restarts, 5);
	assert_true(inv->heal.crash_window == 120);
	assert_true(inv->heal.oom_window == 600);
	assert_true(inv->heal.clear_after == 20);
	assert_true(inv->heal.node_grace == 5);
	assert_int_equal(inv->heal.anomaly_critical_only, 1);
	inventory_free(inv);

	/* Memory raises off, two ways; a headroom alone takes the default bound. */
	snprintf(yaml, sizeof(yaml), "heal:\n  memory_headroom: off\n%s", nodes);
	write_file(dir, "plant.yaml", yaml);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->heal.memory_headroom, -1);
	inventory_free(inv);
	snprintf(yaml, sizeof(yaml), "heal:\n  memory_headroom: 0%%\n%s", nodes);
	write_file(dir, "plant.yaml", yaml);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->heal.memory_headroom, -1);
	inventory_free(inv);
	snprintf(yaml, sizeof(yaml), "heal:\n  memory_headroom: 25%%\n%s", nodes);
	write_file(dir, "plant.yaml", yaml);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->heal.memory_headroom, 25);
	assert_true(inv->heal.memory_max == 0);
	inventory_free(inv);

	/* No section: nothing automatic, memory raises by the defaults (0: unset). */
	write_file(dir, "plant.yaml", nodes);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->heal.nautos, 0);
	assert_int_equal(inv->heal.memory_headroom, 0);
	assert_int_equal(inv->heal.crash_restarts, 0);
	assert_int_equal(inv->heal.anomaly_critical_only, 0);
	inventory_free(inv);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", bad[i].yaml, nodes);
		write_file(dir, "plant.yaml", yaml);
		load_fails(file, err);
		snprintf(want, sizeof(want), "%s%s", file, bad[i].want);
		if (strcmp(err, want) != 0)
			print_error("case %zu:\n  got  %s\n  want %s\n", i, err, want);
		assert_string_equal(err, want);
	}
	rm_tree(dir);
}

/* The audit: section (doc/audit.md), and its errors at FILE:LINE:COL. */
static void
test_audit_section(void **state)
{
	static const struct {
		const char *yaml, *want;
	} bad[] = {
		{ "audit: yes\n", ":1:8: 'audit' must be a mapping (require, signer, public_key, "
		    "checkpoints)" },
		{ "audit:\n  require: maybe\n", ":2:12: 'require' must be true or false" },
		{ "audit:\n  sign: true\n", ":2:3: unknown key 'sign'" },
		{ "audit:\n  signer: ''\n", ":2:11: 'signer' is empty" },
	};
	const char *nodes = "nodes:\n  - name: a\n    endpoint: tcp://a\n    insecure: true\n";
	char dir[DIRLEN], file[PATH_MAX], yaml[1024], want[PATH_MAX + 256], err[ERRLEN];
	struct inventory *inv = NULL;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/plant.yaml", dir);
	snprintf(yaml, sizeof(yaml), "audit:\n  require: true\n  signer: /run/pd/s.sock\n"
	    "  public_key: keys/audit.pub\n  checkpoints: /var/log/cp\n%s", nodes);
	write_file(dir, "plant.yaml", yaml);
	if (inventory_load(file, &inv, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(inv->audit.require, 1);
	assert_string_equal(inv->audit.signer, "/run/pd/s.sock");
	snprintf(want, sizeof(want), "%s/keys/audit.pub", dir);
	assert_string_equal(inv->audit.public_key, want);       /* from the file's directory */
	assert_string_equal(inv->audit.checkpoints, "/var/log/cp");
	inventory_free(inv);
	write_file(dir, "plant.yaml", nodes);
	assert_int_equal(inventory_load(file, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->audit.require, 0);
	assert_null(inv->audit.signer);
	inventory_free(inv);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s", bad[i].yaml, nodes);
		write_file(dir, "plant.yaml", yaml);
		load_fails(file, err);
		snprintf(want, sizeof(want), "%s%s", file, bad[i].want);
		if (strcmp(err, want) != 0)
			print_error("case %zu:\n  got  %s\n  want %s\n", i, err, want);
		assert_string_equal(err, want);
	}
	rm_tree(dir);
}

static void
test_example(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct inventory *inv = NULL;
	const struct inv_node *n;

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/inventory.yaml", srcdir());
	if (inventory_load(path, &inv, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(inv->site, "press-shop-2");
	assert_int_equal(inv->nnodes, 8);
	n = node_named(inv, "leak-test-b2");
	assert_string_equal(n->endpoint, "tcp://[fd00:30::21]:2376");
	/* Mutual TLS from the defaults, verified: nothing insecure. */
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 1);
	assert_non_null(strstr(n->tls_ca, "/examples/certs/ca.pem"));
	assert_non_null(strstr(n->tls_cert, "/examples/certs/plantdeck-cert.pem"));
	assert_non_null(strstr(n->tls_key, "/examples/certs/plantdeck-key.pem"));
	for (size_t i = 0; i < inv->nnodes; i++)
		assert_int_equal(inv->nodes[i].insecure, 0);
	assert_string_equal(inventory_label(n, "line"), "B");
	assert_string_equal(inventory_label(n, "plant"), "north");
	n = node_named(inv, "label-b3");
	assert_string_equal(inventory_label(n, "zone"), "packaging");
	assert_string_equal(inventory_label(n, "cell"), "3");
	n = node_named(inv, "gateway");
	assert_string_equal(n->endpoint, "unix:///var/run/docker.sock");
	assert_int_equal(inv->heal.nautos, 1);
	assert_int_equal(inv->heal.autos[0].actions, INV_HEAL_RESTART);
	assert_true(inv->heal.node_grace == 30);
	inventory_free(inv);
}

/* ---------------------------------------------------------------- errors */

/* A fixture and the message it must give, after "PATH". */
struct err_case {
	const char *file;
	const char *want;
};

static const struct err_case err_cases[] = {
	{ "err-syntax.yaml", ":4:9: did not find expected ',' or ']' "
	    "(while parsing a flow sequence at 3:15)" },
	{ "err-nodes-type.yaml", ":2:8: 'nodes' must be a list of nodes" },
	{ "err-unknown-key.yaml", ":4:5: unknown key 'adress'" },
	{ "err-unknown-top.yaml", ":2:1: unknown key 'policy'" },
	{ "err-unknown-tls-key.yaml", ":6:7: unknown key 'cafile'" },
	{ "err-unknown-defaults-key.yaml", ":3:3: unknown key 'endpoint'" },
	{ "err-no-name.yaml", ":4:5: node has no 'name'" },
	{ "err-no-endpoint.yaml", ":2:5: node 'press-01' has no 'endpoint'" },
	{ "err-dup-name.yaml", ":6:11: duplicate node name 'press-01' (first defined at line 2)" },
	{ "err-bad-name.yaml", ":2:11: bad node name 'press 01': use 1 to 63 of A-Z a-z 0-9 . _ -" },
	{ "err-name-type.yaml", ":2:11: 'name' must be a string" },
	{ "err-endpoint-ssh.yaml", ":3:15: bad endpoint 'ssh://admin@10.0.1.11': "
	    "unsupported scheme 'ssh' (use unix:// or tcp://)" },
	{ "err-endpoint-http.yaml", ":3:15: bad endpoint 'http://10.0.1.11:2375': "
	    "unsupported scheme 'http' (use unix:// or tcp://)" },
	{ "err-endpoint-relative.yaml", ":3:15: bad endpoint 'unix://var/run/docker.sock': "
	    "the socket path must be absolute (unix:///path)" },
	{ "err-endpoint-host.yaml", ":3:15: bad endpoint 'tcp://press_01!:2375': "
	    "bad character '!' in the host" },
	{ "err-endpoint-nohost.yaml", ":3:15: bad endpoint 'tcp://:2375': missing host" },
	{ "err-endpoint-port.yaml", ":3:15: bad endpoint 'tcp://10.0.1.11:65536': "
	    "the port must be 1-65535" },
	{ "err-endpoint-junk.yaml", ":3:15: bad endpoint 'tcp://10.0.1.11:2375/v1.41': "
	    "trailing junk '/v1.41'" },
	{ "err-endpoint-noscheme.yaml", ":3:15: bad endpoint '10.0.1.11:2375': "
	    "missing scheme (use unix:///path or tcp://host[:port])" },
	{ "err-tls-unix.yaml", ":4:5: tls needs a tcp:// endpoint, not unix://" },
	{ "err-tls-verify.yaml", ":5:15: 'verify' must be true or false, not 'yes'" },
	{ "err-tls-pair.yaml", ":5:7: tls needs both 'cert' and 'key', or neither" },
	{ "err-tls-type.yaml", ":4:10: 'tls' must be a mapping (ca, cert, key, verify) "
	    "or true/false" },
	{ "err-nodes-empty.yaml", ":2:8: 'nodes' is empty: list at least one node" },
	{ "err-no-nodes.yaml", ":2:1: no 'nodes' list" },
	{ "err-dup-key.yaml", ":4:5: duplicate key 'name' (first at line 2)" },
	{ "err-not-mapping.yaml", ":1:1: the inventory must be a mapping with a 'nodes' list" },
	{ "err-empty.yaml", ":1:1: empty inventory: expected a mapping with a 'nodes' list" },
	{ "err-two-docs.yaml", ":4:1: only one YAML document is allowed" },
	{ "err-node-type.yaml", ":2:5: a node must be a mapping with 'name' and 'endpoint'" },
	{ "err-labels-type.yaml", ":4:13: 'labels' must be a mapping of names to values" },
	{ "err-label-value.yaml", ":5:13: label 'line' must be a string" },
	{ "err-label-key.yaml", ":5:7: bad label key 'line a': use 1 to 63 of A-Z a-z 0-9 . _ / -" },
	{ "err-label-empty.yaml", ":5:12: label 'cell' is empty" },
	{ "err-defaults-type.yaml", ":1:11: 'defaults' must be a mapping (tls, labels, insecure)" },
	{ "err-plaintext.yaml", ":5:15: node 'press-02': plaintext tcp:// is refused: anyone on "
	    "the network who reaches the engine is root on it; give it 'tls' (ca, cert, key: "
	    "mutual TLS, port 2376), or 'insecure: true' to accept the risk" },
	{ "err-tls-noverify.yaml", ":4:13: node 'press-01': tls 'verify: false' is refused: any "
	    "server, a man in the middle too, would be believed; give the plant CA as 'ca' "
	    "instead, or 'insecure: true' to accept the risk" },
	{ "err-insecure-false.yaml", ":7:15: node 'press-02': plaintext tcp:// is refused: anyone "
	    "on the network who reaches the engine is root on it; give it 'tls' (ca, cert, key: "
	    "mutual TLS, port 2376), or 'insecure: true' to accept the risk" },
	{ "err-insecure-type.yaml", ":4:15: 'insecure' must be true or false, not 'maybe'" },
	{ "err-site-type.yaml", ":1:7: 'site' must be a string" },
	{ "err-swarm-value.yaml", ":4:12: 'swarm' must be 'manager', not 'worker'" },
	{ "err-swarm-type.yaml", ":4:12: 'swarm' must be 'manager'" },
};

static void
test_errors(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 256], err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		fixture(path, sizeof(path), err_cases[i].file);
		load_fails(path, err);
		snprintf(want, sizeof(want), "%s%s", path, err_cases[i].want);
		if (strcmp(err, want) != 0)
			print_error("%s:\n  got  %s\n  want %s\n", err_cases[i].file, err, want);
		assert_string_equal(err, want);
	}
}

static void
test_error_tls_file(void **state)
{
	char path[PATH_MAX], want[3 * PATH_MAX], err[ERRLEN], *dir;

	(void)state;
	fixture(path, sizeof(path), "err-tls-file.yaml");
	load_fails(path, err);
	fixture(want, sizeof(want), "");
	dir = realpath(want, NULL);
	assert_non_null(dir);
	snprintf(want, sizeof(want),
	    "%s:5:11: tls ca '%s/certs/no-such-ca.pem': No such file or directory", path, dir);
	free(dir);
	assert_string_equal(err, want);
}

static void
test_error_open(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 64], err[ERRLEN];

	(void)state;
	fixture(path, sizeof(path), "no-such-inventory.yaml");
	load_fails(path, err);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);

	fixture(path, sizeof(path), "");
	load_fails(path, err);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", path);
	assert_string_equal(err, want);

	/* A short error buffer is cut, never overrun; none at all is fine. */
	fixture(path, sizeof(path), "err-unknown-key.yaml");
	{
		struct inventory *inv = NULL;
		char small[8];

		assert_int_equal(inventory_load(path, &inv, small, sizeof(small)), -1);
		assert_int_equal(strlen(small), sizeof(small) - 1);
		assert_int_equal(inventory_load(path, &inv, NULL, 0), -1);
		assert_null(inv);
	}
}

/* ---------------------------------------------------------------- endpoints */

static void
test_endpoint_normalise(void **state)
{
	static const struct {
		const char *url;
		int tls;
		const char *want;	/* the result, or "!error" */
	} cases[] = {
		{ "tcp://10.0.0.1", 0, "tcp://10.0.0.1:2375" },
		{ "tcp://10.0.0.1", 1, "tcp://10.0.0.1:2376" },
		{ "tcp://10.0.0.1:1", 0, "tcp://10.0.0.1:1" },
		{ "tcp://host.example:65535/", 1, "tcp://host.example:65535" },
		{ "TCP://Host-1", 0, "tcp://Host-1:2375" },
		{ "tcp://[::1]:2375", 0, "tcp://[::1]:2375" },
		{ "tcp://[::1]", 1, "tcp://[::1]:2376" },
		{ "tcp://[fe80::1%eth0]:2375", 0, "tcp://[fe80::1%eth0]:2375" },
		{ "unix:///var/run/docker.sock", 0, "unix:///var/run/docker.sock" },
		{ "unix:///var/run/docker.sock//", 1, "unix:///var/run/docker.sock" },
		{ "UNIX:///run/user/1000/docker.sock", 0, "unix:///run/user/1000/docker.sock" },
		{ "", 0, "!bad endpoint '': missing scheme (use unix:///path or tcp://host[:port])" },
		{ "://x", 0, "!bad endpoint '://x': missing scheme "
		    "(use unix:///path or tcp://host[:port])" },
		{ "https://h", 0, "!bad endpoint 'https://h': unsupported scheme 'https' "
		    "(use unix:// or tcp://)" },
		{ "npipe:////./pipe/docker_engine", 0, "!bad endpoint "
		    "'npipe:////./pipe/docker_engine': unsupported scheme 'npipe' "
		    "(use unix:// or tcp://)" },
		{ "unix://", 0, "!bad endpoint 'unix://': the socket path must be absolute "
		    "(unix:///path)" },
		{ "unix:///", 0, "!bad endpoint 'unix:///': missing socket path" },
		{ "tcp://", 0, "!bad endpoint 'tcp://': missing host" },
		{ "tcp:///x", 0, "!bad endpoint 'tcp:///x': missing host" },
		{ "tcp://h:0", 0, "!bad endpoint 'tcp://h:0': the port must be 1-65535" },
		{ "tcp://h:00002375", 0, "!bad endpoint 'tcp://h:00002375': the port must be 1-65535" },
		{ "tcp://h:", 0, "!bad endpoint 'tcp://h:': missing port after ':'" },
		{ "tcp://h:-1", 0, "!bad endpoint 'tcp://h:-1': missing port after ':'" },
		{ "tcp://h:2375x", 0, "!bad endpoint 'tcp://h:2375x': trailing junk 'x'" },
		{ "tcp://h:2375//", 0, "!bad endpoint 'tcp://h:2375//': trailing junk '//'" },
		{ "tcp://h?x=1", 0, "!bad endpoint 'tcp://h?x=1': bad character '?' in the host" },
		{ "tcp://user@h", 0, "!bad endpoint 'tcp://user@h': bad character '@' in the host" },
		{ "tcp://-h", 0, "!bad endpoint 'tcp://-h': bad host" },
		{ "tcp://[::1", 0, "!bad endpoint 'tcp://[::1': bad IPv6 address" },
		{ "tcp://[]:1", 0, "!bad endpoint 'tcp://[]:1': bad IPv6 address" },
		{ "tcp://[10.0.0.1]:1", 0, "!bad endpoint 'tcp://[10.0.0.1]:1': bad IPv6 address" },
		{ "tcp://[::1]x", 0, "!bad endpoint 'tcp://[::1]x': trailing junk 'x'" },
		{ "tcp://h\x1b[2J", 0, "!bad endpoint 'tcp://h\\x1b[2J': control character" },
	};
	char err[ERRLEN], *got, big[2000];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		got = inventory_endpoint_normalise(cases[i].url, cases[i].tls, err, sizeof(err));
		if (cases[i].want[0] == '!') {
			if (got != NULL)
				print_error("%s gave %s\n", cases[i].url, got);
			assert_null(got);
			assert_string_equal(err, cases[i].want + 1);
		} else {
			if (got == NULL)
				print_error("%s: %s\n", cases[i].url, err);
			assert_non_null(got);
			assert_string_equal(got, cases[i].want);
			free(got);
		}
	}

	/* Too long: a socket path past sun_path, and any URL past 1 KiB. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "unix:///", 8);
	big[7 + 108] = '\0';	/* the path starts at the third slash */
	assert_null(inventory_endpoint_normalise(big, 0, err, sizeof(err)));
	assert_has(err, "': socket path too long (at most 107 bytes)");
	big[7 + 107] = '\0';
	got = inventory_endpoint_normalise(big, 0, err, sizeof(err));
	assert_non_null(got);
	free(got);
	memset(big, 'a', sizeof(big));
	memcpy(big, "tcp://", 6);
	big[sizeof(big) - 1] = '\0';
	assert_null(inventory_endpoint_normalise(big, 0, err, sizeof(err)));
	assert_has(err, "...': too long (at most 1024 bytes)");
	assert_null(inventory_endpoint_normalise(NULL, 0, NULL, 0));
}

/* ---------------------------------------------------------------- hostile input */

/* Load TEXT (LEN bytes) from a temporary file; the result, the inventory
 * freed, and the message (if any) in ERR. */
static int
load_bytes(const char *dir, const char *data, size_t len, char *err)
{
	char path[PATH_MAX];
	struct inventory *inv = (struct inventory *)1;
	int rc;

	write_bytes(dir, "hostile.yaml", data, len);
	snprintf(path, sizeof(path), "%s/hostile.yaml", dir);
	err[0] = '\0';
	rc = inventory_load(path, &inv, err, ERRLEN);
	if (rc == 0) {
		assert_non_null(inv);
		inventory_free(inv);
	} else {
		assert_int_equal(rc, -1);
		assert_null(inv);
		assert_true(err[0] != '\0');
		assert_true(strlen(err) < ERRLEN - 1);	/* cut short, never overlong */
		if (!one_printable_line(err))
			fail_msg("not one printable line: %s", err);
	}
	return rc;
}

/* Load string TEXT as load_bytes does. */
static int
load_text(const char *dir, const char *text, char *err)
{
	return load_bytes(dir, text, strlen(text), err);
}

/* A growing text buffer for building big inputs. */
struct text {
	char *s;
	size_t len, size;
};

/* Append formatted text to T. */
static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (t->len + (size_t)n < t->size)
			break;
		t->size = (t->size + (size_t)n) * 2;
		t->s = realloc(t->s, t->size);
		assert_non_null(t->s);
	}
	t->len += (size_t)n;
}

/* Append COUNT copies of byte C to T. */
static void
text_fill(struct text *t, int c, size_t count)
{
	if (t->len + count + 1 > t->size) {
		t->size = t->len + count + 1;
		t->s = realloc(t->s, t->size);
		assert_non_null(t->s);
	}
	memset(t->s + t->len, c, count);
	t->len += count;
	t->s[t->len] = '\0';
}

static void
test_hostile_long_strings(void **state)
{
	char dir[DIRLEN], err[ERRLEN];
	struct text t = { 0 };

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	text_add(&t, "nodes:\n  - name: ");
	text_fill(&t, 'a', 1 << 20);
	text_add(&t, "\n    endpoint: tcp://x\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, "/hostile.yaml:2:11: bad node name 'aaaa");
	assert_has(err, "aaa...': use 1 to 63");

	t.len = 0;
	text_add(&t, "nodes:\n  - name: n\n    endpoint: tcp://x\n    labels: {k: \"");
	text_fill(&t, 'v', 5000);
	text_add(&t, "\"}\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":4:17: label 'k' is too long (at most 1024 bytes)");

	t.len = 0;
	text_add(&t, "nodes:\n  - name: n\n    endpoint: tcp://");
	text_fill(&t, 'h', 300);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":3:15: bad endpoint 'tcp://hhhh");
	assert_has(err, "': bad host");

	/* 63 characters is the longest name. */
	t.len = 0;
	text_add(&t, "nodes:\n  - name: ");
	text_fill(&t, 'n', 63);
	text_add(&t, "\n    endpoint: tcp://x\n    insecure: true\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), 0);
	t.len = 0;
	text_add(&t, "nodes:\n  - name: ");
	text_fill(&t, 'n', 64);
	text_add(&t, "\n    endpoint: tcp://x\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);

	/* NUL and escape sequences inside quoted scalars. */
	assert_int_equal(load_text(dir, "nodes:\n- {name: \"a\\0b\", endpoint: \"tcp://x\"}\n", err), -1);
	assert_has(err, ":2:10: bad node name 'a\\x00b'");
	assert_int_equal(load_text(dir, "nodes:\n- {name: a, endpoint: \"tcp://x\", "
	    "labels: {k: \"\\e[31mred\"}}\n", err), -1);
	assert_has(err, ":2:46: label 'k' has a control character");
	assert_int_equal(load_text(dir, "site: \"\\e]0;pwned\\a\"\nnodes: []\n", err), -1);
	assert_has(err, ":1:7: 'site' has a control character");
	assert_int_equal(load_text(dir, "nodes:\n- {\"\\e[2J\": 1}\n", err), -1);
	assert_has(err, ":2:4: unknown key '\\x1b[2J'");

	free(t.s);
	rm_tree(dir);
}

static void
test_hostile_junk(void **state)
{
	char dir[DIRLEN], err[ERRLEN], buf[65536];
	unsigned int seed = 12345;

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* Random bytes, and random printable text, many times over. */
	for (int round = 0; round < 200; round++) {
		size_t len = 1 + (seed = seed * 1103515245 + 12345) % sizeof(buf);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = round % 2 ? (char)(seed >> 16) : (char)(0x20 + (seed >> 16) % 95);
			if (round % 4 == 2 && (seed >> 8) % 10 == 0)
				buf[i] = '\n';
		}
		load_bytes(dir, buf, len, err);
	}

	/* Every byte value once; an invalid UTF-8 octet has a position. */
	for (int i = 0; i < 256; i++)
		buf[i] = (char)i;
	assert_int_equal(load_bytes(dir, buf, 256, err), -1);
	assert_int_equal(load_text(dir, "site: ok\nnodes:\n  - \xff\n", err), -1);
	assert_has(err, "/hostile.yaml:3:5: invalid leading UTF-8 octet");
	assert_int_equal(load_text(dir, "nodes: [\x01]\n", err), -1);
	assert_has(err, "/hostile.yaml:1:9: control characters are not allowed");

	/* Tricky but valid YAML structure errors. */
	assert_int_equal(load_text(dir, "nodes: *nowhere\n", err), -1);
	assert_has(err, ":1:8: found undefined alias");
	assert_int_equal(load_text(dir, "nodes:\n- {name: a, endpoint: tcp://a, ? [x]: y}\n", err), -1);
	assert_has(err, ":2:34: a key must be a string");
	assert_int_equal(load_text(dir, "\t", err), -1);
	assert_int_equal(load_text(dir, "", err), -1);
	assert_has(err, ":1:1: empty inventory");
	assert_int_equal(load_text(dir, "\xef\xbb\xbfnodes: [{name: a, endpoint: \"unix:///s\"}]\n", err), 0);
	rm_tree(dir);
}

static void
test_hostile_nesting(void **state)
{
	char dir[DIRLEN], err[ERRLEN];
	struct text t = { 0 };

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* 100000 open brackets, never closed; then closed.  The root mapping
	 * is the first level, so the 64th bracket is one too many. */
	text_add(&t, "nodes: ");
	text_fill(&t, '[', 100000);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, "/hostile.yaml:1:71: nesting too deep (more than 64 levels)");
	text_fill(&t, ']', 100000);
	text_add(&t, "\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, "/hostile.yaml:1:71: nesting too deep (more than 64 levels)");

	/* 63 levels are still read (and are then the wrong shape). */
	t.len = 0;
	text_add(&t, "nodes: ");
	text_fill(&t, '[', 63);
	text_fill(&t, ']', 63);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":1:9: a node must be a mapping with 'name' and 'endpoint'");

	/* Deep flow mappings in a label value. */
	t.len = 0;
	text_add(&t, "nodes:\n- name: a\n  endpoint: tcp://a\n  labels: {k: ");
	for (int i = 0; i < 50000; i++)
		text_add(&t, "{k: ");
	text_add(&t, "v");
	text_fill(&t, '}', 50001);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":4:255: nesting too deep (more than 64 levels)");
	t.len = 0;
	text_add(&t, "nodes:\n- name: a\n  endpoint: tcp://a\n  labels: {k: {k: [x]}}\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":4:15: label 'k' must be a string");

	/* Deep block nesting (indentation). */
	t.len = 0;
	text_add(&t, "nodes:\n");
	for (int i = 0; i < 500; i++) {
		text_fill(&t, ' ', 4 * (size_t)i);
		text_add(&t, "- a:\n");
	}
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, "nesting too deep (more than 64 levels)");
	free(t.s);
	rm_tree(dir);
}

static void
test_hostile_aliases(void **state)
{
	char dir[DIRLEN], path[PATH_MAX], err[ERRLEN];
	struct inventory *inv = NULL;
	struct text t = { 0 };

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* Aliases are fine where they give the schema what it wants. */
	write_file(dir, "alias.yaml",
	    "nodes:\n"
	    "  - {name: a, endpoint: &ep \"tcp://10.0.0.1\", labels: &l {line: A, cell: 1}}\n"
	    "  - {name: b, endpoint: *ep, labels: *l}\n"
	    "defaults: {insecure: true}\n");
	snprintf(path, sizeof(path), "%s/alias.yaml", dir);
	assert_int_equal(inventory_load(path, &inv, err, sizeof(err)), 0);
	assert_string_equal(inv->nodes[1].endpoint, "tcp://10.0.0.1:2375");
	assert_string_equal(inventory_label(&inv->nodes[1], "cell"), "1");
	inventory_free(inv);

	/* A node reused is a duplicate name (where it was first written). */
	assert_int_equal(load_text(dir, "nodes:\n- &n {name: a, endpoint: \"unix:///s\"}\n- *n\n", err), -1);
	assert_has(err, ":2:13: duplicate node name 'a' (first defined at line 2)");

	/* A billion laughs: never expanded. */
	text_add(&t, "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		text_add(&t, "x%d: &x%d [", i, i);
		for (int j = 0; j < 10; j++)
			text_add(&t, "*x%d%s", i - 1, j < 9 ? ", " : "]\n");
	}
	text_add(&t, "nodes: *x9\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":1:1: unknown key 'x0'");
	t.len = 0;
	text_add(&t, "nodes: [");
	text_add(&t, "&x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]");
	for (int i = 1; i < 10; i++) {
		text_add(&t, ", &x%d [", i);
		for (int j = 0; j < 10; j++)
			text_add(&t, "*x%d%s", i - 1, j < 9 ? ", " : "]");
	}
	text_add(&t, "]\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, "a node must be a mapping");

	/* A list that holds itself, and a mapping that does. */
	load_text(dir, "nodes: &c [*c]\n", err);
	load_text(dir, "nodes: [&m {name: a, endpoint: \"tcp://a\", labels: *m}]\n", err);
	assert_int_equal(load_text(dir, "nodes: [&m {name: a, endpoint: \"tcp://a\", tls: *m}]\n", err), -1);

	/* Merge keys are not part of the format. */
	assert_int_equal(load_text(dir, "d: &d {endpoint: \"tcp://a\"}\n", err), -1);
	assert_int_equal(load_text(dir, "nodes:\n- {<<: {endpoint: \"tcp://a\"}, name: a}\n", err), -1);
	assert_has(err, ":2:4: unknown key '<<'");
	free(t.s);
	rm_tree(dir);
}

static void
test_hostile_big(void **state)
{
	char dir[DIRLEN], path[PATH_MAX], err[ERRLEN];
	struct inventory *inv = NULL;
	struct text t = { 0 };

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* About a megabyte of valid inventory. */
	text_add(&t, "# %s\nsite: big\ndefaults: {labels: {plant: north}, insecure: true}\nnodes:\n",
	    "big");
	for (int i = 0; i < 4096; i++)
		text_add(&t, "  - name: node-%05d\n    endpoint: tcp://10.%d.%d.%d:2375\n"
		    "    labels: {line: L%d, cell: \"%d\", role: press, rack: r%d, "
		    "serial: SN-%08d-0000-0000-0000, pad: %0100d}\n",
		    i, i / 65536, (i / 256) % 256, i % 256, i % 7, i % 13, i % 5, i, i);
	assert_true(t.len >= 1000000);
	write_bytes(dir, "big.yaml", t.s, t.len);
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	assert_int_equal(inventory_load(path, &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->nnodes, 4096);
	assert_string_equal(inv->nodes[4095].name, "node-04095");
	assert_string_equal(inventory_label(&inv->nodes[4095], "plant"), "north");
	inventory_free(inv);

	/* One node too many. */
	text_add(&t, "  - {name: one-more, endpoint: \"tcp://x\"}\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":5:3: too many nodes (at most 4096)");

	/* A megabyte of comments, then a node. */
	t.len = 0;
	for (int i = 0; i < 20000; i++)
		text_add(&t, "# %050d\n", i);
	text_add(&t, "nodes: [{name: a, endpoint: \"tcp://a\", insecure: true}]\n");
	assert_true(t.len >= 1000000);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), 0);

	/* A megabyte of junk in a single scalar, then of nested lists. */
	t.len = 0;
	text_add(&t, "site: ");
	text_fill(&t, 'x', 1 << 20);
	text_add(&t, "\nnodes: []\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":1:7: 'site' is too long (at most 1024 bytes)");

	/* Too many labels, also in one huge mapping. */
	t.len = 0;
	text_add(&t, "nodes:\n- name: a\n  endpoint: tcp://a\n  labels:\n");
	for (int i = 0; i < 65; i++)
		text_add(&t, "    k%d: v\n", i);
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":5:5: too many labels (at most 64)");
	t.len = 0;
	text_add(&t, "defaults: {labels: {");
	for (int i = 0; i < 40; i++)
		text_add(&t, "d%d: v, ", i);
	text_add(&t, "}}\nnodes:\n- name: a\n  endpoint: tcp://a\n  labels: {");
	for (int i = 0; i < 40; i++)
		text_add(&t, "n%d: v, ", i);
	text_add(&t, "}\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":5:11: too many labels (at most 64)");
	t.len = 0;
	text_add(&t, "nodes:\n- name: a\n  endpoint: tcp://a\n  labels: {");
	for (int i = 0; i < 100000; i++)
		text_add(&t, "k%d: v, ", i);
	text_add(&t, "}\n");
	assert_int_equal(load_bytes(dir, t.s, t.len, err), -1);
	assert_has(err, ":4:11: too many labels (at most 64)");

	/* Past the size limit. */
	t.len = 0;
	text_fill(&t, '#', 16 * 1024 * 1024 + 1);
	write_bytes(dir, "huge.yaml", t.s, t.len);
	snprintf(path, sizeof(path), "%s/huge.yaml", dir);
	load_fails(path, err);
	assert_has(err, "/huge.yaml: cannot open: File too large");
	free(t.s);
	rm_tree(dir);
}

/* ---------------------------------------------------------------- environment */

/* Clear the variables inventory_from_env reads. */
static void
clear_docker_env(void)
{
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
}

static void
test_env(void **state)
{
	char dir[DIRLEN], want[PATH_MAX + 64], err[ERRLEN];
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	struct inventory *inv = NULL;
	const struct inv_node *n;

	(void)state;
	make_tmpdir(dir, sizeof(dir));
	clear_docker_env();

	/* Nothing set: the local socket. */
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	assert_string_equal(inv->source, "environment");
	assert_null(inv->site);
	assert_int_equal(inv->nnodes, 1);
	n = &inv->nodes[0];
	assert_string_equal(n->name, "local");
	assert_string_equal(n->endpoint, "unix:///var/run/docker.sock");
	assert_int_equal(n->tls, 0);
	assert_int_equal(n->tls_verify, 1);
	assert_null(n->tls_ca);
	assert_int_equal(n->nlabels, 0);
	assert_int_equal(n->line, 0);
	inventory_free(inv);

	/* An empty DOCKER_HOST counts as unset; another socket is local too. */
	setenv("DOCKER_HOST", "", 1);
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	assert_string_equal(inv->nodes[0].endpoint, "unix:///var/run/docker.sock");
	inventory_free(inv);
	setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);	/* no TLS on a socket */
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	assert_string_equal(inv->nodes[0].name, "local");
	assert_string_equal(inv->nodes[0].endpoint, "unix:///run/user/1000/docker.sock");
	assert_int_equal(inv->nodes[0].tls, 0);
	inventory_free(inv);
	unsetenv("DOCKER_TLS_VERIFY");

	/* A plaintext tcp host is refused, unless PLANTDECK_INSECURE=1 (exactly). */
	setenv("DOCKER_HOST", "tcp://10.0.0.5", 1);
	setenv("PLANTDECK_INSECURE", "yes", 1);
	inv = (struct inventory *)1;
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), -1);
	assert_null(inv);
	assert_string_equal(err, "DOCKER_HOST: plaintext tcp:// is refused: anyone on the network "
	    "who reaches the engine is root on it; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH "
	    "(mutual TLS, port 2376), or PLANTDECK_INSECURE=1 to accept the risk");

	/* Allowed, it is named after the host and marked. */
	setenv("PLANTDECK_INSECURE", "1", 1);
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	assert_string_equal(inv->nodes[0].name, "10.0.0.5");
	assert_string_equal(inv->nodes[0].endpoint, "tcp://10.0.0.5:2375");
	assert_int_equal(inv->nodes[0].tls, 0);
	assert_int_equal(inv->nodes[0].insecure, PD_INSECURE_PLAIN);
	inventory_free(inv);
	setenv("DOCKER_HOST", "tcp://[::1]:2375", 1);
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	assert_string_equal(inv->nodes[0].name, "::1");
	inventory_free(inv);
	unsetenv("PLANTDECK_INSECURE");

	/* TLS with DOCKER_CERT_PATH. */
	write_file(dir, "certs/ca.pem", "ca\n");
	write_file(dir, "certs/cert.pem", "cert\n");
	write_file(dir, "certs/key.pem", "key\n");
	setenv("DOCKER_HOST", "tcp://press-01.plant", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	snprintf(want, sizeof(want), "%s/certs", dir);
	setenv("DOCKER_CERT_PATH", want, 1);
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	n = &inv->nodes[0];
	assert_string_equal(n->name, "press-01.plant");
	assert_string_equal(n->endpoint, "tcp://press-01.plant:2376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 1);
	assert_int_equal(n->insecure, 0);
	snprintf(want, sizeof(want), "%s/certs/ca.pem", dir);
	assert_string_equal(n->tls_ca, want);
	snprintf(want, sizeof(want), "%s/certs/cert.pem", dir);
	assert_string_equal(n->tls_cert, want);
	snprintf(want, sizeof(want), "%s/certs/key.pem", dir);
	assert_string_equal(n->tls_key, want);
	inventory_free(inv);

	/* TLS from ~/.docker, where only ca.pem exists. */
	unsetenv("DOCKER_CERT_PATH");
	setenv("HOME", dir, 1);
	write_file(dir, ".docker/ca.pem", "ca\n");
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/.docker/ca.pem", dir);
	assert_string_equal(inv->nodes[0].tls_ca, want);
	assert_null(inv->nodes[0].tls_cert);
	assert_null(inv->nodes[0].tls_key);
	inventory_free(inv);

	/* Errors. */
	snprintf(want, sizeof(want), "%s/bad", dir);
	assert_int_equal(mkdir(want, 0700), 0);
	setenv("DOCKER_CERT_PATH", want, 1);
	snprintf(want, sizeof(want), "%s/bad/ca.pem", dir);
	assert_int_equal(mkdir(want, 0700), 0);
	inv = (struct inventory *)1;
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), -1);
	assert_null(inv);
	snprintf(want, sizeof(want), "DOCKER_CERT_PATH: '%s/bad/ca.pem': Is a directory", dir);
	assert_string_equal(err, want);
	unsetenv("DOCKER_CERT_PATH");
	unsetenv("HOME");
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), -1);
	assert_string_equal(err, "DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME is");
	setenv("DOCKER_HOST", "ssh://admin@press-01", 1);
	assert_int_equal(inventory_from_env(&inv, err, sizeof(err)), -1);
	assert_null(inv);
	assert_string_equal(err, "DOCKER_HOST: bad endpoint 'ssh://admin@press-01': "
	    "unsupported scheme 'ssh' (use unix:// or tcp://)");

	clear_docker_env();
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
	rm_tree(dir);
}

/* ---------------------------------------------------------------- Docker contexts */

/* Write context NAME (in meta directory DIGEST) with HOST under DIR. */
static void
write_context(const char *dir, const char *digest, const char *name, const char *host,
    const char *skip)
{
	char rel[256], json[1024];

	snprintf(rel, sizeof(rel), "contexts/meta/%s/meta.json", digest);
	snprintf(json, sizeof(json), "{\"Name\":\"%s\",\"Metadata\":{\"Description\":\"x\"},"
	    "\"Endpoints\":{\"docker\":{\"Host\":\"%s\"%s%s}}}", name, host,
	    skip ? ",\"SkipTLSVerify\":" : "", skip ? skip : "");
	write_file(dir, rel, json);
}

static void
test_contexts(void **state)
{
	char dir[DIRLEN], want[PATH_MAX + 128], err[ERRLEN];
	char *saved = getenv("DOCKER_CONFIG") ? strdup(getenv("DOCKER_CONFIG")) : NULL;
	struct inventory *inv = NULL;
	const struct inv_node *n;

	(void)state;
	make_tmpdir(dir, sizeof(dir));

	/* None at all. */
	inv = (struct inventory *)1;
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	assert_null(inv);
	snprintf(want, sizeof(want), "%s/contexts/meta: no Docker contexts "
	    "(create one with 'docker context create')", dir);
	assert_string_equal(err, want);
	assert_int_equal(inventory_from_contexts(dir, "plant-a", &inv, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	write_context(dir, "2b1c", "plant-b", "tcp://10.0.2.2", "false");
	write_context(dir, "9f3a", "plant-a", "tcp://10.0.1.1:2376", "true");
	write_context(dir, "0aa0", "desktop", "unix:///var/run/docker.sock", NULL);
	write_file(dir, "contexts/tls/9f3a/docker/ca.pem", "ca\n");
	write_file(dir, "contexts/tls/9f3a/docker/cert.pem", "cert\n");
	write_file(dir, "contexts/tls/9f3a/docker/key.pem", "key\n");
	write_file(dir, "contexts/meta/empty/README", "no meta.json here\n");

	/* SkipTLSVerify and plaintext tcp:// are refused, unless PLANTDECK_INSECURE=1. */
	unsetenv("PLANTDECK_INSECURE");
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	assert_null(inv);
	assert_string_equal(err, "context 'plant-a': SkipTLSVerify is refused: any server, a man "
	    "in the middle too, would be believed; remove it and give the context the plant CA, "
	    "or set PLANTDECK_INSECURE=1 to accept the risk");
	assert_int_equal(inventory_from_contexts(dir, "plant-b", &inv, err, sizeof(err)), -1);
	assert_string_equal(err, "context 'plant-b': plaintext tcp:// is refused: anyone on the "
	    "network who reaches the engine is root on it; give the context ca, cert and key "
	    "(mutual TLS), or set PLANTDECK_INSECURE=1 to accept the risk");
	assert_int_equal(inventory_from_contexts(dir, "desktop", &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->nodes[0].insecure, 0);
	inventory_free(inv);
	setenv("PLANTDECK_INSECURE", "1", 1);

	/* All of them, sorted by name. */
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), 0);
	assert_string_equal(inv->source, "docker contexts");
	assert_null(inv->site);
	assert_int_equal(inv->nnodes, 3);
	assert_string_equal(inv->nodes[0].name, "desktop");
	assert_string_equal(inv->nodes[1].name, "plant-a");
	assert_string_equal(inv->nodes[2].name, "plant-b");
	n = &inv->nodes[0];
	assert_string_equal(n->endpoint, "unix:///var/run/docker.sock");
	assert_int_equal(n->tls, 0);
	assert_int_equal(n->nlabels, 1);
	assert_string_equal(inventory_label(n, "context"), "desktop");
	n = &inv->nodes[1];
	assert_string_equal(n->endpoint, "tcp://10.0.1.1:2376");
	assert_int_equal(n->tls, 1);
	assert_int_equal(n->tls_verify, 0);
	assert_int_equal(n->insecure, PD_INSECURE_NOVERIFY);
	snprintf(want, sizeof(want), "%s/contexts/tls/9f3a/docker/ca.pem", dir);
	assert_string_equal(n->tls_ca, want);
	snprintf(want, sizeof(want), "%s/contexts/tls/9f3a/docker/cert.pem", dir);
	assert_string_equal(n->tls_cert, want);
	snprintf(want, sizeof(want), "%s/contexts/tls/9f3a/docker/key.pem", dir);
	assert_string_equal(n->tls_key, want);
	assert_string_equal(inventory_label(n, "context"), "plant-a");
	n = &inv->nodes[2];
	assert_string_equal(n->endpoint, "tcp://10.0.2.2:2375");
	assert_int_equal(n->tls, 0);
	assert_int_equal(n->tls_verify, 1);
	assert_int_equal(n->insecure, PD_INSECURE_PLAIN);
	assert_int_equal(n->line, 0);
	inventory_free(inv);

	/* One by name, found through DOCKER_CONFIG. */
	setenv("DOCKER_CONFIG", dir, 1);
	assert_int_equal(inventory_from_contexts(NULL, "plant-b", &inv, err, sizeof(err)), 0);
	assert_int_equal(inv->nnodes, 1);
	assert_string_equal(inv->nodes[0].name, "plant-b");
	inventory_free(inv);

	/* A name that is not there. */
	assert_int_equal(inventory_from_contexts(NULL, "plant-c", &inv, err, sizeof(err)), -1);
	assert_null(inv);
	assert_string_equal(err, "no Docker context 'plant-c' "
	    "(there are: desktop, plant-a, plant-b)");

	/* An ssh context only hurts when it is wanted. */
	write_context(dir, "5555", "remote", "ssh://admin@press-01", NULL);
	assert_int_equal(inventory_from_contexts(dir, "plant-a", &inv, err, sizeof(err)), 0);
	inventory_free(inv);
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	assert_string_equal(err, "context 'remote': bad endpoint 'ssh://admin@press-01': "
	    "unsupported scheme 'ssh' (use unix:// or tcp://)");

	/* Broken meta.json files. */
	write_file(dir, "contexts/meta/5555/meta.json", "{\"Name\": \"remote\", ");
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/contexts/meta/5555/meta.json: not valid JSON", dir);
	assert_string_equal(err, want);
	write_file(dir, "contexts/meta/5555/meta.json", "{\"Name\": \"remote\", \"Endpoints\": {}}");
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/contexts/meta/5555/meta.json: context 'remote' "
	    "has no Endpoints.docker.Host", dir);
	assert_string_equal(err, want);
	write_file(dir, "contexts/meta/5555/meta.json", "{\"Name\": \"\\u001b[2J\"}");
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/contexts/meta/5555/meta.json: bad context name "
	    "'\\x1b[2J'", dir);
	assert_string_equal(err, want);
	write_file(dir, "contexts/meta/5555/meta.json", "[1, 2]");
	assert_int_equal(inventory_from_contexts(dir, NULL, &inv, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/contexts/meta/5555/meta.json: no \"Name\"", dir);
	assert_string_equal(err, want);

	if (saved != NULL)
		setenv("DOCKER_CONFIG", saved, 1);
	else
		unsetenv("DOCKER_CONFIG");
	free(saved);
	rm_tree(dir);
}

/* ---------------------------------------------------------------- selectors */

/* The names of the nodes of the valid fixture that TEXT selects, as
 * "a b c", into BUF. */
static const char *
selected(const struct inventory *inv, const char *text, char *buf, size_t len)
{
	struct inv_selector *sel = NULL;
	char err[ERRLEN];
	size_t used = 0;

	if (inventory_selector_parse(text, &sel, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	buf[0] = '\0';
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (inventory_selector_match(sel, &inv->nodes[i]))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? " " : "", inv->nodes[i].name);
	}
	inventory_selector_free(sel);
	return buf;
}

static void
test_selectors(void **state)
{
	char path[PATH_MAX], err[ERRLEN], buf[512];
	struct inventory *inv = NULL;

	(void)state;
	fixture(path, sizeof(path), "valid.yaml");
	assert_int_equal(inventory_load(path, &inv, err, sizeof(err)), 0);

	assert_string_equal(selected(inv, "line=A,cell=3", buf, sizeof(buf)), "press-01");
	assert_string_equal(selected(inv, "press-01,press-02", buf, sizeof(buf)),
	    "press-01 press-02");
	assert_string_equal(selected(inv, "line=A,press-*", buf, sizeof(buf)),
	    "press-01 press-02");
	assert_string_equal(selected(inv, "line!=A", buf, sizeof(buf)), "paint.robot_1");
	assert_string_equal(selected(inv, "role!=press", buf, sizeof(buf)),
	    "paint.robot_1 gateway qa-bench");
	assert_string_equal(selected(inv, "p*", buf, sizeof(buf)),
	    "press-01 press-02 paint.robot_1");
	assert_string_equal(selected(inv, " line = B ", buf, sizeof(buf)), "paint.robot_1");
	assert_string_equal(selected(inv, "press-0[!1],gateway", buf, sizeof(buf)),
	    "press-02 gateway");
	assert_string_equal(selected(inv, "plant=north,cell=3,cell=4", buf, sizeof(buf)), "");
	assert_string_equal(selected(inv, "role=press,qa-bench", buf, sizeof(buf)), "");
	assert_string_equal(selected(inv, "?a-bench", buf, sizeof(buf)), "qa-bench");
	assert_int_equal(inventory_selector_match(NULL, &inv->nodes[0]), 1);

	/* Filtering keeps the order and frees the rest. */
	{
		struct inv_selector *sel = NULL;

		assert_int_equal(inventory_selector_parse("plant=north,*-0?,gateway", &sel,
		    err, sizeof(err)), 0);
		assert_int_equal(inventory_filter(inv, sel), 3);
		assert_int_equal(inv->nnodes, 3);
		assert_string_equal(inv->nodes[0].name, "press-01");
		assert_string_equal(inv->nodes[1].name, "press-02");
		assert_string_equal(inv->nodes[2].name, "gateway");
		inventory_selector_free(sel);
		assert_int_equal(inventory_selector_parse("nothing", &sel, err, sizeof(err)), 0);
		assert_int_equal(inventory_filter(inv, sel), 0);
		inventory_selector_free(sel);
	}
	inventory_free(inv);
	inventory_selector_free(NULL);
}

static void
test_selector_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", "bad selector '': empty term" },
		{ "  ", "bad selector '  ': empty term" },
		{ "line=A,,cell=3", "bad selector 'line=A,,cell=3': empty term" },
		{ "line=A,", "bad selector 'line=A,': empty term" },
		{ ",press-01", "bad selector ',press-01': empty term" },
		{ "=A", "bad selector '=A': empty key in '=A'" },
		{ " != A", "bad selector ' != A': empty key in '!= A'" },
		{ "line=", "bad selector 'line=': empty value in 'line='" },
		{ "line!= ", "bad selector 'line!= ': empty value in 'line!='" },
		{ "li ne=A", "bad selector 'li ne=A': bad character ' ' in 'li ne=A'" },
		{ "line=A=B", "bad selector 'line=A=B': bad character '=' in 'line=A=B'" },
		{ "press 01", "bad selector 'press 01': bad character ' ' in 'press 01'" },
		{ "press/01", "bad selector 'press/01': bad character '/' in 'press/01'" },
		{ "line=\x1b[2J", "bad selector 'line=\\x1b[2J': bad character '\\x1b' "
		    "in 'line=\\x1b[2J'" },
		{ "l\xc3\xa9=A", "bad selector 'l\\xc3\\xa9=A': bad character '\\xc3' "
		    "in 'l\\xc3\\xa9=A'" },
	};
	struct inv_selector *sel;
	char err[ERRLEN], big[6000];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sel = (struct inv_selector *)1;
		assert_int_equal(inventory_selector_parse(cases[i].text, &sel, err, sizeof(err)), -1);
		assert_null(sel);
		assert_string_equal(err, cases[i].want);
	}
	assert_int_equal(inventory_selector_parse(NULL, &sel, err, sizeof(err)), -1);
	assert_string_equal(err, "bad selector '': empty term");

	/* Long ones: many terms are fine, past 4 KiB is not. */
	memset(big, 'a', sizeof(big));
	for (size_t i = 1; i < 4000; i += 2)
		big[i] = ',';
	big[4000] = '\0';
	assert_int_equal(inventory_selector_parse(big, &sel, err, sizeof(err)), -1);	/* ends in ',' */
	big[3999] = '\0';
	assert_int_equal(inventory_selector_parse(big, &sel, err, sizeof(err)), 0);
	inventory_selector_free(sel);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(inventory_selector_parse(big, &sel, err, sizeof(err)), -1);
	assert_has(err, "...': too long (at most 4096 bytes)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_tls_paths),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_heal_section),
		cmocka_unit_test(test_audit_section),
		cmocka_unit_test(test_error_tls_file),
		cmocka_unit_test(test_error_open),
		cmocka_unit_test(test_endpoint_normalise),
		cmocka_unit_test(test_hostile_long_strings),
		cmocka_unit_test(test_hostile_junk),
		cmocka_unit_test(test_hostile_nesting),
		cmocka_unit_test(test_hostile_aliases),
		cmocka_unit_test(test_hostile_big),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_contexts),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_selector_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
