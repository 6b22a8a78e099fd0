/* test-rollout-swarm.c: compose -> Swarm ServiceSpec, as rollout-swarm.c
 * translates a stack of x-plantdeck target swarm.
 *
 * Each service of tests/data/compose/swarm.yaml becomes a spec compared
 * with its golden file tests/data/swarm/spec-STACK_SERVICE.json (GENERATE=1
 * rewrites them); create bodies that Swarm cannot run are refused with a
 * message naming the service and what; and the stack files that target
 * swarm with a key Swarm cannot do fail to load at FILE:LINE:COL, so that
 * nothing reaches the translation.  tests/data/compose/site.v2/stack.yml
 * holds the stack's overlay networks and their attachments. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout-int.h"

#define ERRLEN 1024

/* The source tree's top directory. */
static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

/* The whole of file PATH, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Load compose fixture NAME, which must load. */
static struct compose_stack *
load(const char *name)
{
	char path[4096], err[ERRLEN];
	struct compose_stack *s = NULL;

	snprintf(path, sizeof(path), "%s/tests/data/compose/%s", srcdir(), name);
	if (compose_load(path, &s, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	return s;
}

/* Compare SPEC with golden file spec-NAME.json (GENERATE=1: write it). */
static void
assert_golden(const cJSON *spec, const char *name)
{
	char path[4096], *text, *want;
	cJSON *golden;

	snprintf(path, sizeof(path), "%s/tests/data/swarm/spec-%s.json", srcdir(), name);
	text = cJSON_Print(spec);
	assert_non_null(text);
	if (getenv("GENERATE") != NULL) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "%s\n", text);
		fclose(f);
	}
	want = slurp(path);
	if (want == NULL)
		fail_msg("no golden file %s (GENERATE=1 writes it)", path);
	golden = cJSON_Parse(want);
	assert_non_null(golden);
	if (!cJSON_Compare(spec, golden, 1))
		fail_msg("%s differs from %s:\n%s", name, path, text);
	cJSON_Delete(golden);
	free(want);
	free(text);
}

/* The member at PATH ("a", "b", ...) of O, or NULL. */
static const cJSON *
at(const cJSON *o, int depth, ...)
{
	va_list ap;

	va_start(ap, depth);
	for (int i = 0; i < depth && o != NULL; i++)
		o = cJSON_GetObjectItemCaseSensitive(o, va_arg(ap, const char *));
	va_end(ap);
	return o;
}

/* Every service of swarm.yaml against its golden spec, and what the
 * specs must say whatever the golden files hold. */
static void
test_specs(void **state)
{
	struct compose_stack *s = load("swarm.yaml");
	char err[ERRLEN], name[PD_NAME_LEN];

	(void)state;
	assert_int_equal(s->nservices, 3);
	for (size_t i = 0; i < s->nservices; i++) {
		cJSON *spec = rollout_swarm_spec(s, i, NULL, 7, 42, err, sizeof(err));
		const cJSON *cs, *v;

		if (spec == NULL)
			fail_msg("service %s: %s", s->services[i].name, err);
		assert_int_equal(rollout_swarm_name(s->name, s->services[i].name, name,
		    sizeof(name)), 0);
		assert_string_equal(at(spec, 1, "Name")->valuestring, name);
		/* The labels, on the service and on its containers. */
		for (int k = 0; k < 2; k++) {
			const cJSON *l = k == 0 ? at(spec, 1, "Labels") :
			    at(spec, 3, "TaskTemplate", "ContainerSpec", "Labels");

			assert_string_equal(at(l, 1, "com.docker.stack.namespace")->valuestring,
			    "plc-swarm");
			assert_string_equal(at(l, 1, "io.plantdeck.stack")->valuestring, "plc-swarm");
			assert_string_equal(at(l, 1, "io.plantdeck.service")->valuestring,
			    s->services[i].name);
			assert_string_equal(at(l, 1, "io.plantdeck.revision")->valuestring, "7");
			assert_string_equal(at(l, 1, "io.plantdeck.deploy")->valuestring, "42");
		}
		v = at(spec, 3, "TaskTemplate", "Placement", "Constraints");
		assert_int_equal(cJSON_GetArraySize(v), 1);
		assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring,
		    "node.labels.io.plantdeck.placement.plc-swarm==true");
		cs = at(spec, 2, "TaskTemplate", "ContainerSpec");
		assert_string_equal(at(cs, 1, "Image")->valuestring, s->services[i].image);
		assert_golden(spec, name);
		cJSON_Delete(spec);
	}
	compose_free(s);
}

/* The parts of the plc service one by one: what each compose key became. */
static void
test_plc(void **state)
{
	struct compose_stack *s = load("swarm.yaml");
	char err[ERRLEN];
	cJSON *spec = rollout_swarm_spec(s, 0, "reg/plc:2@sha256:abc", 3, 9, err, sizeof(err));
	const cJSON *cs, *tt, *m, *u, *rb, *p;

	(void)state;
	assert_non_null(spec);
	tt = at(spec, 1, "TaskTemplate");
	cs = at(tt, 1, "ContainerSpec");
	/* A pinned image replaces the file's. */
	assert_string_equal(at(cs, 1, "Image")->valuestring, "reg/plc:2@sha256:abc");
	/* entrypoint -> Command, command -> Args */
	assert_string_equal(cJSON_GetArrayItem(at(cs, 1, "Command"), 0)->valuestring,
	    "/bin/plc-sim");
	assert_int_equal(cJSON_GetArraySize(at(cs, 1, "Args")), 3);
	assert_string_equal(at(cs, 1, "Dir")->valuestring, "/srv");
	assert_string_equal(at(cs, 1, "User")->valuestring, "1000:1000");
	assert_string_equal(at(cs, 1, "Hostname")->valuestring, "plc");
	assert_true(cJSON_IsTrue(at(cs, 1, "ReadOnly")));
	assert_string_equal(at(cs, 1, "StopSignal")->valuestring, "SIGINT");
	assert_true(at(cs, 1, "StopGracePeriod")->valuedouble == 2e9);  /* 1.5 s, whole s up */
	assert_string_equal(cJSON_GetArrayItem(at(cs, 1, "CapabilityDrop"), 0)->valuestring, "ALL");
	assert_string_equal(cJSON_GetArrayItem(at(cs, 1, "Env"), 0)->valuestring, "PLC_MODE=sim");
	assert_string_equal(at(cs, 2, "Labels", "plant.role")->valuestring, "plc");
	assert_true(at(cs, 2, "Healthcheck", "Interval")->valuedouble == 4e9);
	/* binds, a named volume, an anonymous one, a propagation */
	m = at(cs, 1, "Mounts");
	assert_int_equal(cJSON_GetArraySize(m), 4);
	assert_string_equal(at(cJSON_GetArrayItem(m, 0), 1, "Type")->valuestring, "bind");
	assert_true(cJSON_IsTrue(at(cJSON_GetArrayItem(m, 0), 1, "ReadOnly")));
	assert_string_equal(at(cJSON_GetArrayItem(m, 1), 1, "Type")->valuestring, "volume");
	assert_string_equal(at(cJSON_GetArrayItem(m, 1), 1, "Source")->valuestring,
	    "plc-swarm_plcstate");
	assert_string_equal(at(cJSON_GetArrayItem(m, 1), 3, "VolumeOptions", "DriverConfig",
	    "Name")->valuestring, "local");
	assert_string_equal(at(cJSON_GetArrayItem(m, 1), 3, "VolumeOptions", "Labels",
	    "com.docker.stack.namespace")->valuestring, "plc-swarm");
	assert_string_equal(at(cJSON_GetArrayItem(m, 2), 2, "BindOptions",
	    "Propagation")->valuestring, "rslave");
	assert_null(at(cJSON_GetArrayItem(m, 3), 1, "Source"));
	assert_string_equal(at(cJSON_GetArrayItem(m, 3), 1, "Target")->valuestring, "/cache");
	/* resources and restarts */
	assert_true(at(tt, 3, "Resources", "Limits", "MemoryBytes")->valuedouble == 64 << 20);
	assert_true(at(tt, 3, "Resources", "Limits", "NanoCPUs")->valuedouble == 5e8);
	assert_true(at(tt, 3, "Resources", "Reservations", "MemoryBytes")->valuedouble == 32 << 20);
	assert_string_equal(at(tt, 2, "RestartPolicy", "Condition")->valuestring, "on-failure");
	assert_int_equal(at(tt, 2, "RestartPolicy", "MaxAttempts")->valueint, 3);
	/* global: no MaxReplicas */
	assert_non_null(at(spec, 2, "Mode", "Global"));
	assert_null(at(tt, 2, "Placement", "MaxReplicas"));
	/* the policy: Swarm's update and rollback */
	u = at(spec, 1, "UpdateConfig");
	assert_int_equal(at(u, 1, "Parallelism")->valueint, 2);
	assert_true(at(u, 1, "Delay")->valuedouble == 5e9);
	assert_true(at(u, 1, "Monitor")->valuedouble == 15e9);
	assert_true(at(u, 1, "MaxFailureRatio")->valuedouble == 0.1);
	assert_string_equal(at(u, 1, "FailureAction")->valuestring, "rollback");
	assert_string_equal(at(u, 1, "Order")->valuestring, "start-first");
	rb = at(spec, 1, "RollbackConfig");
	assert_string_equal(at(rb, 1, "FailureAction")->valuestring, "pause");  /* never rolls back */
	/* ports, published on the node */
	p = at(spec, 2, "EndpointSpec", "Ports");
	assert_int_equal(cJSON_GetArraySize(p), 2);
	assert_int_equal(at(cJSON_GetArrayItem(p, 0), 1, "TargetPort")->valueint, 502);
	assert_int_equal(at(cJSON_GetArrayItem(p, 0), 1, "PublishedPort")->valueint, 502);
	assert_string_equal(at(cJSON_GetArrayItem(p, 0), 1, "PublishMode")->valuestring, "host");
	assert_string_equal(at(cJSON_GetArrayItem(p, 1), 1, "Protocol")->valuestring, "udp");
	cJSON_Delete(spec);

	/* The replicated gateway: its replicas, at most one per node. */
	spec = rollout_swarm_spec(s, 1, NULL, 3, 9, err, sizeof(err));
	assert_non_null(spec);
	assert_int_equal(at(spec, 3, "Mode", "Replicated", "Replicas")->valueint, 2);
	assert_int_equal(at(spec, 3, "TaskTemplate", "Placement", "MaxReplicas")->valueint, 1);
	assert_string_equal(at(spec, 3, "TaskTemplate", "RestartPolicy", "Condition")->valuestring,
	    "any");
	assert_null(at(spec, 1, "EndpointSpec"));
	cJSON_Delete(spec);
	/* restart: "no" */
	spec = rollout_swarm_spec(s, 2, NULL, 3, 9, err, sizeof(err));
	assert_non_null(spec);
	assert_string_equal(at(spec, 3, "TaskTemplate", "RestartPolicy", "Condition")->valuestring,
	    "none");
	cJSON_Delete(spec);
	assert_null(rollout_swarm_spec(s, 3, NULL, 3, 9, err, sizeof(err)));
	compose_free(s);
}

/* Create bodies Swarm cannot run (from a revision's JSON, which is not
 * checked for the target as a stack file is): refused, naming what. */
static void
test_refused(void **state)
{
	static const struct {
		const char *create;
		const char *want;
	} cases[] = {
		{ "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":true}}",
		    "service web: privileged: a Swarm service cannot be" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"NetworkMode\":\"none\"}}",
		    "service web: network_mode 'none' has no Swarm translation (only host has)" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"Devices\":[]}}",
		    "service web: 'Devices' has no Swarm translation" },
		{ "{\"Image\":\"x\",\"Tty\":true}", "service web: 'Tty' has no Swarm translation" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":"
		    "\"10.0.0.1\",\"HostPort\":\"8080\"}]}}}", "service web: port 80/tcp is bound to "
		    "host address 10.0.0.1, which a Swarm service cannot" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":"
		    "\"\",\"HostPort\":\"8000-8010\"}]}}}", "service web: port 80/tcp: host port "
		    "'8000-8010' is not one port" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"Binds\":[\"/a:/b:z\"]}}",
		    "service web: bind '/a:/b:z': mode 'z' has no Swarm mount option" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"Binds\":[\"/a\"]}}",
		    "service web: bind '/a' is not SOURCE:TARGET[:MODE]" },
		{ "{\"Image\":\"x\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}",
		    "service web: restart 'sometimes' has no Swarm condition" },
	};
	char json[2048], err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL;
		cJSON *spec;

		snprintf(json, sizeof(json), "{\"name\":\"s\",\"placement\":null,\"target\":\"swarm\","
		    "\"policy\":{\"canary\":1,\"parallelism\":0,\"grow\":true,\"delay\":0,"
		    "\"monitor\":10,\"progress_deadline\":120,\"max_failure_ratio\":0.05,"
		    "\"failure_action\":\"pause\",\"order\":\"stop-first\",\"revisions\":5,"
		    "\"max_pulls\":8},\"services\":[{\"name\":\"web\",\"image\":\"x\","
		    "\"has_healthcheck\":false,\"line\":2,\"column\":3,\"mode\":\"global\","
		    "\"create\":%s}]}", cases[i].create);
		if (compose_from_json(json, &s, err, sizeof(err)) != 0)
			fail_msg("case %zu: %s", i, err);
		err[0] = '\0';
		spec = rollout_swarm_spec(s, 0, NULL, 1, 1, err, sizeof(err));
		assert_null(spec);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, err, cases[i].want);
		compose_free(s);
	}
}

/* The network named TARGET among attachments NETS, or NULL. */
static const cJSON *
attached(const cJSON *nets, const char *target)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, nets)
		if (strcmp(at(n, 1, "Target")->valuestring, target) == 0)
			return n;
	return NULL;
}

/* Whether the aliases of attachment N are the NULL-terminated WANT. */
static void
assert_aliases(const cJSON *n, ...)
{
	const cJSON *a = at(n, 1, "Aliases");
	va_list ap;
	int i = 0;
	const char *w;

	va_start(ap, n);
	while ((w = va_arg(ap, const char *)) != NULL)
		assert_string_equal(cJSON_GetArrayItem(a, i++)->valuestring, w);
	va_end(ap);
	assert_int_equal(cJSON_GetArraySize(a), i);
}

/* Stack networks under target swarm, as docker stack deploy makes them:
 * overlay networks of scope swarm named from the normalised stack name
 * (the file is in site.v2/), labelled, with the file's settings; every
 * service attached in TaskTemplate.Networks, sorted, with its aliases and
 * its name; network_mode host as the host network; depends_on and
 * ipv4_address warnings; the canonical text keeps it all. */
static void
test_networks(void **state)
{
	struct compose_stack *s = load("site.v2/stack.yml"), *back = NULL;
	char err[ERRLEN], *text, *text2;
	const cJSON *net, *b, *nets;
	cJSON *spec;
	int warned = 0;

	(void)state;
	assert_string_equal(s->name, "sitev2");
	/* field, plant (external), default; spare is used by no service. */
	assert_int_equal(cJSON_GetArraySize(s->networks), 3);
	net = cJSON_GetArrayItem(s->networks, 0);
	assert_string_equal(at(net, 1, "name")->valuestring, "sitev2_field");
	b = at(net, 1, "create");
	assert_string_equal(at(b, 1, "Name")->valuestring, "sitev2_field");
	assert_string_equal(at(b, 1, "Driver")->valuestring, "overlay");
	assert_string_equal(at(b, 1, "Scope")->valuestring, "swarm");
	assert_true(cJSON_IsTrue(at(b, 1, "Internal")));
	assert_true(cJSON_IsTrue(at(b, 1, "Attachable")));
	assert_string_equal(at(b, 2, "Options", "encrypted")->valuestring, "");
	assert_string_equal(cJSON_GetArrayItem(at(b, 2, "IPAM", "Config"), 0)->child->valuestring,
	    "10.203.0.0/24");
	assert_string_equal(at(b, 2, "Labels", "site")->valuestring, "north");
	assert_string_equal(at(b, 2, "Labels", "com.docker.stack.namespace")->valuestring,
	    "sitev2");
	assert_string_equal(at(b, 2, "Labels", "io.plantdeck.stack")->valuestring, "sitev2");
	assert_null(at(b, 2, "Labels", "com.docker.compose.project"));
	net = cJSON_GetArrayItem(s->networks, 1);
	assert_string_equal(at(net, 1, "name")->valuestring, "plant-bus");
	assert_true(cJSON_IsTrue(at(net, 1, "external")));
	assert_null(at(net, 1, "create"));
	net = cJSON_GetArrayItem(s->networks, 2);
	assert_string_equal(at(net, 1, "name")->valuestring, "sitev2_default");
	assert_string_equal(at(net, 2, "create", "Driver")->valuestring, "overlay");
	assert_string_equal(at(net, 3, "create", "Labels", "com.docker.stack.namespace")->valuestring,
	    "sitev2");
	for (size_t i = 0; i < s->nwarnings; i++) {
		if (strstr(s->warnings[i], ":23:36: unsupported key 'ipv4_address' ignored") ||
		    strstr(s->warnings[i], ":29:5: unsupported key 'depends_on' ignored (x-plantdeck "
		    "target swarm: Swarm starts the services in no order; docker stack deploy "
		    "ignores it too)") ||
		    strstr(s->warnings[i], ":18:3: network 'spare' is used by no service"))
			warned++;
	}
	assert_int_equal(warned, 3);

	/* plc: both networks sorted, the file's aliases then its name; dnsrr. */
	spec = rollout_swarm_spec(s, 0, NULL, 1, 1, err, sizeof(err));
	if (spec == NULL)
		fail_msg("%s", err);
	nets = at(spec, 2, "TaskTemplate", "Networks");
	assert_int_equal(cJSON_GetArraySize(nets), 2);
	assert_string_equal(at(cJSON_GetArrayItem(nets, 0), 1, "Target")->valuestring,
	    "sitev2_default");
	assert_aliases(attached(nets, "sitev2_default"), "plc", NULL);
	assert_aliases(attached(nets, "sitev2_field"), "plc-main", "plc", NULL);
	assert_string_equal(at(spec, 2, "EndpointSpec", "Mode")->valuestring, "dnsrr");
	assert_int_equal(cJSON_GetArraySize(at(spec, 2, "EndpointSpec", "Ports")), 0);
	cJSON_Delete(spec);
	/* gateway: the external network by its name; no EndpointSpec (vip). */
	spec = rollout_swarm_spec(s, 1, NULL, 1, 1, err, sizeof(err));
	assert_non_null(spec);
	nets = at(spec, 2, "TaskTemplate", "Networks");
	assert_string_equal(at(cJSON_GetArrayItem(nets, 0), 1, "Target")->valuestring, "plant-bus");
	assert_aliases(cJSON_GetArrayItem(nets, 0), "gateway", NULL);
	assert_aliases(cJSON_GetArrayItem(nets, 1), "gateway", NULL);
	assert_null(at(spec, 1, "EndpointSpec"));
	cJSON_Delete(spec);
	/* probe: network_mode host is the host network, which takes no alias. */
	spec = rollout_swarm_spec(s, 2, NULL, 1, 1, err, sizeof(err));
	assert_non_null(spec);
	nets = at(spec, 2, "TaskTemplate", "Networks");
	assert_int_equal(cJSON_GetArraySize(nets), 1);
	assert_string_equal(at(cJSON_GetArrayItem(nets, 0), 1, "Target")->valuestring, "host");
	assert_null(at(cJSON_GetArrayItem(nets, 0), 1, "Aliases"));
	cJSON_Delete(spec);
	/* hmi: no networks: key, so STACK_default. */
	spec = rollout_swarm_spec(s, 3, NULL, 1, 1, err, sizeof(err));
	assert_non_null(spec);
	nets = at(spec, 2, "TaskTemplate", "Networks");
	assert_int_equal(cJSON_GetArraySize(nets), 1);
	assert_aliases(attached(nets, "sitev2_default"), "hmi", NULL);
	cJSON_Delete(spec);

	/* The canonical text keeps networks, endpoints and endpoint_mode. */
	text = compose_to_json(s);
	assert_non_null(text);
	if (compose_from_json(text, &back, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	text2 = compose_to_json(back);
	assert_string_equal(text, text2);
	assert_true(back->services[0].dnsrr);
	assert_false(back->services[1].dnsrr);
	free(text);
	free(text2);
	compose_free(back);
	compose_free(s);
}

/* A Swarm service name is at most 63 characters. */
static void
test_names(void **state)
{
	char out[PD_NAME_LEN], stack[64], svc[64];

	(void)state;
	assert_int_equal(rollout_swarm_name("plc", "gw", out, sizeof(out)), 0);
	assert_string_equal(out, "plc_gw");
	memset(stack, 'a', 40);
	stack[40] = '\0';
	memset(svc, 'b', 22);
	svc[22] = '\0';
	assert_int_equal(rollout_swarm_name(stack, svc, out, sizeof(out)), 0);   /* 63 */
	svc[22] = 'b';
	svc[23] = '\0';
	assert_int_equal(rollout_swarm_name(stack, svc, out, sizeof(out)), -1);  /* 64 */
}

/* Stack files that target swarm with what Swarm cannot do fail to load
 * with FILE:LINE:COL (the messages themselves: test-compose.c), so that no
 * such service reaches the translation. */
static void
test_file_errors(void **state)
{
	static const struct {
		const char *file;
		const char *pos;
	} cases[] = {
		{ "err-swarm-privileged.yaml", ":6:5: 'privileged'" },
		{ "err-swarm-devices.yaml", ":6:5: 'devices'" },
		{ "err-swarm-network.yaml", ":6:19: 'network_mode'" },
		{ "err-swarm-port-ip.yaml", ":8:9: 'ports'" },
		{ "err-swarm-volume-z.yaml", ":7:9: 'volumes'" },
		{ "err-swarm-replicas-global.yaml", ":8:7: 'replicas'" },
		{ "err-swarm-mode.yaml", ":7:13: 'mode'" },
		{ "err-swarm-target.yaml", ":2:11: 'target'" },
	};
	char path[4096], want[4200], err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_stack *s = NULL;

		snprintf(path, sizeof(path), "%s/tests/data/compose/%s", srcdir(), cases[i].file);
		assert_int_equal(compose_load(path, &s, err, sizeof(err)), -1);
		assert_null(s);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].pos);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: got '%s' want '%s...'", cases[i].file, err, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_plc),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
