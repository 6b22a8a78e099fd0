/* test-agent-trust.c: the agent's sealed lines (agent-trust.c): a sealed
 * line verifies and comes back as sealed; a changed byte, another
 * container's id, another key, a replayed or older counter and an unsealed
 * line do not; records and key files; image pins; the inventory's agent:
 * keys and their FILE:LINE:COL errors (engine_socket refused); the agent
 * container's create body (no engine socket, CapAdd by the engine's API
 * version); the manifest of the node's containers (agent-manifest.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/engine/inventory.h"
#include "backend/node/agent-client.h"
#include "backend/node/agent-manifest.h"
#include "backend/node/agent-trust.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define LINE "{\"type\":\"anomaly\",\"rule\":\"exec\",\"text\":\"cat into plc\"}"

/* A sealer for container ID_A with key bytes 1..32. */
static void
sealer(struct agent_trust_sealer *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->id, ID_A, 65);
	for (int i = 0; i < AGENT_TRUST_KEY_LEN; i++)
		s->key[i] = (unsigned char)(i + 1);
}

/* A sealed line verifies once, comes back as it was, and is valid JSON. */
static void
test_seal_open(void **state)
{
	struct agent_trust_sealer s;
	unsigned long long last = 0;
	char *a, *b;

	(void)state;
	sealer(&s);
	a = agent_trust_seal(&s, LINE);
	b = agent_trust_seal(&s, LINE);
	assert_non_null(a);
	assert_non_null(strstr(a, ",\"seq\":1,\"mac\":\""));
	assert_non_null(strstr(b, ",\"seq\":2,\"mac\":\""));
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, a), AGENT_TRUST_OK);
	assert_string_equal(a, LINE);
	assert_true(last == 1);
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, b), AGENT_TRUST_OK);
	assert_true(last == 2);
	free(a);
	free(b);
	assert_null(agent_trust_seal(&s, "not json"));
}

/* What does not verify: a changed byte, another id or key, a replay. */
static void
test_reject(void **state)
{
	struct agent_trust_sealer s;
	unsigned char other[AGENT_TRUST_KEY_LEN] = { 9 };
	unsigned long long last = 0;
	char *a, *copy;

	(void)state;
	sealer(&s);
	a = agent_trust_seal(&s, LINE);
	copy = strdup(a);
	copy[12] ^= 1;
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_BAD_MAC);
	memcpy(copy, a, strlen(a) + 1);
	copy[strlen(copy) - 3] = copy[strlen(copy) - 3] == '0' ? '1' : '0';
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_BAD_MAC);
	memcpy(copy, a, strlen(a) + 1);
	assert_int_equal(agent_trust_open(s.key, ID_B, &last, copy), AGENT_TRUST_BAD_MAC);
	memcpy(copy, a, strlen(a) + 1);
	assert_int_equal(agent_trust_open(other, ID_A, &last, copy), AGENT_TRUST_BAD_MAC);
	assert_true(last == 0);
	memcpy(copy, a, strlen(a) + 1);
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_OK);
	memcpy(copy, a, strlen(a) + 1);
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_REPLAY);
	assert_string_equal(copy, a);
	free(copy);
	free(a);
	copy = strdup(LINE);
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_UNSEALED);
	free(copy);
	copy = strdup("{\"a\":1,\"seq\":01,\"mac\":\"" ID_A "\"}");
	assert_int_equal(agent_trust_open(s.key, ID_A, &last, copy), AGENT_TRUST_UNSEALED);
	free(copy);
	assert_string_equal(agent_trust_why(AGENT_TRUST_REPLAY), "replayed (counter not newer)");
}

/* Records: written 0600 in a 0700 directory, read back; the key file. */
static void
test_records(void **state)
{
	char dir[] = "/tmp/pd-trust-XXXXXX", sub[128], path[256], err[512], text[200];
	struct agent_trust_record r, got;
	struct agent_trust_sealer s;
	struct stat sb;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/agents", dir);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, ID_A, 65);
	snprintf(r.image_id, sizeof(r.image_id), "sha256:%s", ID_B);
	for (int i = 0; i < AGENT_TRUST_KEY_LEN; i++)
		r.key[i] = (unsigned char)(200 + i);
	assert_int_equal(agent_trust_record_write(sub, "press-1", &r, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/press-1.agent", sub);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(agent_trust_record_read(sub, "press-1", &got), 0);
	assert_memory_equal(&got, &r, sizeof(r));
	assert_int_equal(agent_trust_record_read(sub, "press-2", &got), -1);

	/* The key file the container gets: read, then gone. */
	agent_trust_key_text(&r, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/agent.key", dir);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(agent_trust_sealer_load(&s, path, err, sizeof(err)), 0);
	assert_memory_equal(s.key, r.key, sizeof(r.key));
	assert_string_equal(s.id, ID_A);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(agent_trust_sealer_load(&s, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--key-file"));
	fp = fopen(path, "w");
	fputs("short\n", fp);
	fclose(fp);
	assert_int_equal(agent_trust_sealer_load(&s, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a key"));

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* Pins: NAME@sha256:<64 hex> only. */
static void
test_pins(void **state)
{
	char why[400];

	(void)state;
	assert_true(agent_trust_pin_valid("127.0.0.1:5000/plantdeck/agent@sha256:" ID_A, why,
	    sizeof(why)));
	assert_false(agent_trust_pin_valid("127.0.0.1:5000/plantdeck/agent:1", why, sizeof(why)));
	assert_non_null(strstr(why, "not pinned by digest"));
	assert_false(agent_trust_pin_valid("agent@sha256:ABC", why, sizeof(why)));
	assert_false(agent_trust_pin_valid("@sha256:" ID_A, why, sizeof(why)));
	assert_false(agent_trust_pin_valid("agent?x=1@sha256:" ID_A, why, sizeof(why)));
	assert_non_null(strstr(why, "only letters"));
}

/* Write TEXT to a temporary inventory and load it: its error, or "". */
static void
load(const char *text, struct inventory **inv, char *err, size_t errlen)
{
	char path[] = "/tmp/pd-trust-inv-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	*inv = NULL;
	inventory_load(path, inv, err, errlen);
	unlink(path);
}

/* agent: image: must be pinned; FILE:LINE:COL errors. */
static void
test_inventory(void **state)
{
	struct inventory *inv;
	char err[1024];

	(void)state;
	load("nodes:\n  - name: a\n    endpoint: unix:///x.sock\nagent:\n"
	    "  image: reg/agent@sha256:" ID_A "\n  records: /var/lib/pd/agents\n",
	    &inv, err, sizeof(err));
	assert_non_null(inv);
	assert_string_equal(inv->agent.image, "reg/agent@sha256:" ID_A);
	assert_string_equal(inv->agent.records, "/var/lib/pd/agents");
	inventory_free(inv);
	/* engine_socket is gone: a plant's old inventory is told where and why. */
	load("nodes:\n  - name: a\n    endpoint: unix:///x.sock\nagent:\n"
	    "  image: reg/agent@sha256:" ID_A "\n  engine_socket: /run/docker.sock\n",
	    &inv, err, sizeof(err));
	assert_null(inv);
	assert_non_null(strstr(err, ":6:3: 'engine_socket' is no longer accepted: the agent no "
	    "longer gets the node's engine socket (that is root on the node)"));

	load("nodes:\n  - name: a\n    endpoint: unix:///x.sock\nagent:\n  image: reg/agent:1\n",
	    &inv, err, sizeof(err));
	assert_null(inv);
	assert_non_null(strstr(err, ":5:10: agent image 'reg/agent:1' is not pinned by digest"));
	load("nodes:\n  - name: a\n    endpoint: unix:///x.sock\nagent:\n  imag: x\n",
	    &inv, err, sizeof(err));
	assert_null(inv);
	assert_non_null(strstr(err, ":5:3: unknown key 'imag'"));
	load("nodes:\n  - name: a\n    endpoint: unix:///x.sock\nagent: 1\n", &inv, err,
	    sizeof(err));
	assert_null(inv);
	assert_non_null(strstr(err, ":4:8: 'agent' must be a mapping"));
}

/* The agent container --start creates (doc/agent.md, "Least privilege"):
 * no bind of any engine socket, no privilege; CapAdd exactly CAP_BPF and
 * CAP_PERFMON on engines with API >= 1.42, CAP_SYS_ADMIN alone before. */
static void
test_create_body(void **state)
{
	static const struct { const char *api; const char *caps; } cases[] = {
		{ "1.41", "CAP_SYS_ADMIN" }, { "1.24", "CAP_SYS_ADMIN" }, { "1.9", "CAP_SYS_ADMIN" },
		{ "1.42", "CAP_BPF,CAP_PERFMON" }, { "1.43", "CAP_BPF,CAP_PERFMON" },
		{ "1.100", "CAP_BPF,CAP_PERFMON" }, { "2.0", "CAP_BPF,CAP_PERFMON" },
	};
	char *argv[] = { "--no-drift" };

	(void)state;
	assert_false(agent_start_api_new("1.41"));
	assert_true(agent_start_api_new("1.42"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = agent_start_create_body("reg/agent@sha256:" ID_A, 1, argv, cases[i].api);
		cJSON *j = cJSON_Parse(text), *hc, *v;
		char caps[128] = "";
		int nbinds = 0, manifest = 0;

		assert_non_null(j);
		hc = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(hc, "CapAdd"))
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "%s%s",
			    caps[0] ? "," : "", v->valuestring);
		assert_string_equal(caps, cases[i].caps);
		v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(hc, "CapDrop"), 0);
		assert_string_equal(v->valuestring, "ALL");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(hc, "CapDrop")), 1);
		assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hc, "Privileged")));
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hc, "ReadonlyRootfs")));
		assert_null(cJSON_GetObjectItemCaseSensitive(hc, "Mounts"));
		assert_null(cJSON_GetObjectItemCaseSensitive(hc, "Devices"));
		v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(hc, "SecurityOpt"), 0);
		assert_string_equal(v->valuestring, "no-new-privileges");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(hc,
		    "SecurityOpt")), 1);
		/* No engine socket of any kind bound in, nor its directory. */
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(hc, "Binds")) {
			nbinds++;
			assert_null(strstr(v->valuestring, ".sock"));
			assert_null(strstr(v->valuestring, "docker"));
			assert_null(strstr(v->valuestring, "containerd"));
			assert_int_not_equal(strncmp(v->valuestring, "/var/run", 8), 0);
			assert_int_not_equal(strncmp(v->valuestring, "/run", 4), 0);
		}
		assert_int_equal(nbinds, 3);
		/* No engine in its environment; the manifest instead. */
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(j, "Env")) {
			assert_null(strstr(v->valuestring, "DOCKER_HOST"));
			assert_null(strstr(v->valuestring, "PLANTDECK_INVENTORY"));
		}
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(j, "Cmd"))
			manifest |= strcmp(v->valuestring, "--manifest") == 0;
		assert_true(manifest);
		cJSON_Delete(j);
		free(text);
	}
}

/* Write TEXT to PATH (replacing it: a new inode, as a tar extraction does). */
static void
put(const char *path, const char *text)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The manifest: taken when it verifies, its counter newer; a forged one,
 * one sealed for another container, and an older one are not. */
static void
test_manifest(void **state)
{
	struct agent_trust_record rec;
	struct agent_trust_sealer s;
	struct agent_manifest *m;
	char path[] = "/tmp/pd-manifest-XXXXXX", node[64], *json, *sealed, **all;
	unsigned long taken, rejected;
	size_t n;
	int fd;
	const char *body = "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":["
	    "{\"Id\":\"" ID_B "\",\"Name\":\"/plc\",\"Path\":\"/usr/bin/plc\"}]}";

	(void)state;
	sealer(&s);
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, s.id, sizeof(rec.id));
	memcpy(rec.key, s.key, sizeof(rec.key));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	m = agent_manifest_open(path, s.key, s.id);
	assert_non_null(m);
	/* Not sealed: not taken. */
	put(path, body);
	assert_int_equal(agent_manifest_find(m, ID_B, &json, node, sizeof(node)), 1);
	assert_int_equal(agent_manifest_list(m, &all, &n, node, sizeof(node)), -1);
	/* Sealed with a counter: taken. */
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec.key, rec.id, 100, body);
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_find(m, ID_B, &json, node, sizeof(node)), 0);
	assert_string_equal(node, "lab-01");
	assert_non_null(strstr(json, "/usr/bin/plc"));
	free(json);
	assert_int_equal(agent_manifest_find(m, ID_A, &json, node, sizeof(node)), 1);
	/* An older one, one for another container, one in the lines' domain, a
	 * changed byte: none is taken, the last one taken stays. */
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec.key, rec.id, 99,
	    "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":[]}");
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_reload(m), 0);
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec.key, ID_B, 200,
	    "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":[]}");
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_reload(m), 0);
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_LINE, rec.key, rec.id, 201,
	    "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":[]}");
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_reload(m), 0);
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec.key, rec.id, 202,
	    "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":[]}");
	sealed[30] = sealed[30] == 'a' ? 'b' : 'a';
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_reload(m), 0);
	assert_int_equal(agent_manifest_list(m, &all, &n, node, sizeof(node)), 0);
	assert_int_equal(n, 1);
	free(all[0]);
	free(all);
	/* A newer one replaces it. */
	sealed = agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec.key, rec.id, 300,
	    "{\"type\":\"manifest\",\"node\":\"lab-01\",\"containers\":[]}");
	put(path, sealed);
	free(sealed);
	assert_int_equal(agent_manifest_find(m, ID_B, &json, node, sizeof(node)), 1);
	agent_manifest_counts(m, &taken, &rejected);
	assert_int_equal(taken, 2);
	assert_true(rejected >= 4);
	agent_manifest_close(m);
	unlink(path);
}

/* What the agent is handed of a container's inspect: no more than it uses. */
static void
test_manifest_reduce(void **state)
{
	cJSON *in = cJSON_Parse("{\"Id\":\"" ID_A "\",\"Name\":\"/plc\",\"Path\":\"/bin/plc\","
	    "\"Args\":[\"--secret\"],\"State\":{\"Running\":true,\"Pid\":42,\"Status\":\"x\"},"
	    "\"Config\":{\"Env\":[\"PASSWORD=x\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"/bin/hc\"]},"
	    "\"Labels\":{\"org.plantdeck.exec-allow\":\"sh\",\"other\":\"y\"}},"
	    "\"HostConfig\":{\"Memory\":67108864,\"Binds\":[\"/a:/b\"],\"CpuShares\":0}}");
	cJSON *o = agent_manifest_reduce(in);
	char *text = cJSON_PrintUnformatted(o);

	(void)state;
	assert_string_equal(text, "{\"Id\":\"" ID_A "\",\"Name\":\"/plc\",\"Path\":\"/bin/plc\","
	    "\"State\":{\"Running\":true,\"Pid\":42},\"Config\":{\"Healthcheck\":{\"Test\":"
	    "[\"CMD\",\"/bin/hc\"]},\"Labels\":{\"org.plantdeck.exec-allow\":\"sh\"}},"
	    "\"HostConfig\":{\"Memory\":67108864,\"CpuShares\":0}}");
	free(text);
	cJSON_Delete(o);
	cJSON_Delete(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_manifest_reduce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
