/* test-swarm.c: the swarm parsers on fixtures (tests/data/swarm/, hostile
 * ones included), the failover order, and swarm_call failing over between
 * fake managers on unix sockets (built with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/model/model.h"
#include "backend/engine/swarm.h"

/* ---------------------------------------------------------------- fixtures */

/* The bytes of tests/data/swarm/NAME (NUL-terminated); *LEN their count. */
static char *
fixture(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/swarm/%s", top != NULL ? top : "..", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Whether S has no byte below 0x20 and no DEL. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- parsers */

static void
test_info(void **state)
{
	struct swarm_info si;
	size_t len;
	char *j;

	(void)state;
	j = fixture("info-manager.json", &len);
	assert_int_equal(swarm_parse_info(j, len, &si), 0);
	assert_string_equal(si.state, "active");
	assert_string_equal(si.node_id, "w3mbd1x4ps2ka4rz9f0hfsq8l");
	assert_string_equal(si.cluster_id, "c1uster0000000000000000000");
	assert_int_equal(si.manager, 1);

	/* The fleet's /info: the tree it parsed for the node's facts, read
	 * for the swarm as the body would be. */
	{
		struct swarm_info t;
		cJSON *tree = cJSON_ParseWithLength(j, len);

		memset(&t, 0xa5, sizeof(t));
		assert_int_equal(swarm_info_from_json(tree, &t), 0);
		assert_memory_equal(&t, &si, sizeof(t));
		cJSON_Delete(tree);
		assert_int_equal(swarm_info_from_json(NULL, &t), -1);
		assert_string_equal(t.state, "");
	}
	free(j);

	j = fixture("info-worker.json", &len);
	assert_int_equal(swarm_parse_info(j, len, &si), 0);
	assert_string_equal(si.state, "active");
	assert_string_equal(si.node_id, "z1x2c3v4b5n6m7a8s9d0f1g2h");
	assert_string_equal(si.cluster_id, "");
	assert_int_equal(si.manager, 0);
	free(j);

	j = fixture("info-inactive.json", &len);
	assert_int_equal(swarm_parse_info(j, len, &si), 0);
	assert_string_equal(si.state, "inactive");
	assert_string_equal(si.node_id, "");
	assert_int_equal(si.manager, 0);
	free(j);

	/* An engine too old to have Swarm, junk, and a hostile NodeID. */
	assert_int_equal(swarm_parse_info("{\"ServerVersion\":\"1.12\"}", 24, &si), 0);
	assert_string_equal(si.state, "");
	assert_int_equal(swarm_parse_info("not json", 8, &si), -1);
	assert_int_equal(swarm_parse_info("[]", 2, &si), -1);
	assert_int_equal(swarm_parse_info(NULL, 0, &si), -1);
	j = strdup("{\"Swarm\":{\"LocalNodeState\":\"active\",\"ControlAvailable\":\"true\","
	    "\"NodeID\":\"../../x\"}}");
	assert_int_equal(swarm_parse_info(j, strlen(j), &si), 0);
	assert_string_equal(si.node_id, "");
	assert_int_equal(si.manager, 0);   /* a string is not true */
	free(j);
}

static void
test_nodes(void **state)
{
	struct pd_swarm_node *v;
	char err[256];
	size_t len, n;
	char *j;

	(void)state;
	j = fixture("nodes.json", &len);
	assert_int_equal(swarm_parse_nodes(j, len, &v, &n, err, sizeof(err)), 0);
	free(j);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].id, "w3mbd1x4ps2ka4rz9f0hfsq8l");
	assert_int_equal(v[0].version, 41);
	assert_string_equal(v[0].hostname, "plant-host");
	assert_string_equal(v[0].role, "manager");
	assert_string_equal(v[0].availability, "active");
	assert_string_equal(v[0].state, "ready");
	assert_string_equal(v[0].addr, "127.0.0.11");
	assert_int_equal(v[0].leader, 1);
	assert_string_equal(v[0].reachability, "reachable");
	assert_string_equal(v[0].manager_addr, "127.0.0.11:2377");
	assert_string_equal(v[0].engine_version, "20.10.24+dfsg1");
	assert_int_equal(v[0].nlabels, 2);
	assert_string_equal(v[0].labels[0].key, "line");
	assert_string_equal(v[0].labels[0].value, "A");
	assert_string_equal(v[0].inventory, "");
	assert_int_equal(v[1].leader, 0);
	assert_int_equal(v[1].nlabels, 0);
	assert_string_equal(v[2].state, "down");
	assert_string_equal(v[2].message, "heartbeat failure");
	assert_string_equal(v[2].reachability, "unreachable");
	assert_string_equal(v[2].availability, "pause");
	assert_string_equal(v[3].role, "worker");
	assert_string_equal(v[3].availability, "drain");
	assert_string_equal(v[3].reachability, "");
	assert_string_equal(v[3].manager_addr, "");
	assert_string_equal(v[3].engine_version, "27.3.1");
	assert_string_equal(v[4].state, "disconnected");
	free(v);

	/* An empty swarm list is a list. */
	assert_int_equal(swarm_parse_nodes("[]", 2, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_non_null(v);
	free(v);
}

static void
test_services(void **state)
{
	struct pd_swarm_service *v;
	char err[256];
	size_t len, n;
	char *j;

	(void)state;
	j = fixture("services.json", &len);
	assert_int_equal(swarm_parse_services(j, len, &v, &n, err, sizeof(err)), 0);
	free(j);
	assert_int_equal(n, 3);
	/* By name. */
	assert_string_equal(v[0].name, "agent");
	assert_string_equal(v[1].name, "backup");
	assert_string_equal(v[2].name, "line-a_plc");

	assert_string_equal(v[0].mode, "global");
	assert_int_equal(v[0].desired, -1);      /* no ServiceStatus: counted from tasks */
	assert_int_equal(v[0].running, -1);
	assert_string_equal(v[0].stack, "");
	assert_string_equal(v[0].update_state, "");
	assert_int_equal(v[0].update_started, 0);
	assert_string_equal(v[1].mode, "replicated-job");

	assert_string_equal(v[2].id, "svcplc0000000000000000001");
	assert_int_equal(v[2].version, 120);
	assert_int_equal(v[2].force_update, 7);
	assert_int_equal(v[0].force_update, 0);
	assert_string_equal(v[2].mode, "replicated");
	assert_string_equal(v[2].image, "127.0.0.1:5000/plant/plc-sim:2@sha256:"
	    "0c3e1b9b0f2d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f");
	assert_int_equal(v[2].desired, 3);
	assert_int_equal(v[2].running, 2);
	assert_string_equal(v[2].stack, "line-a");
	assert_string_equal(v[2].update_state, "rollback_completed");
	assert_string_equal(v[2].update_message, "rollback completed");
	assert_int_equal(v[2].update_started, 1796306640);   /* 2026-12-03T14:04:00Z */
	assert_int_equal(v[2].update_completed, 1796306700);
	assert_int_equal(v[2].created, 1796306460);
	assert_int_equal(v[2].updated, 1796306700);
	free(v);
}

static void
test_tasks_linked(void **state)
{
	static const char *const order[] = {
		"taskorphan000000000000001",   /* its service is gone: name "" sorts first */
		"taskagent000000000000001a",   /* global: by node id */
		"taskagent000000000000002a",
		"task00000000000000000001a",   /* slot 1, newest first */
		"task00000000000000000001b",
		"task00000000000000000002a",   /* created after 2b, though 2b changed since */
		"task00000000000000000002b",
		"task00000000000000000003b",   /* the same second as 3a: by its nanoseconds */
		"task00000000000000000003a",
	};
	struct pd_swarm_node *nodes;
	struct pd_swarm_service *svcs;
	struct pd_swarm_task *t;
	size_t len, nn, ns, nt;
	char err[256], *j;

	(void)state;
	j = fixture("nodes.json", &len);
	assert_int_equal(swarm_parse_nodes(j, len, &nodes, &nn, err, sizeof(err)), 0);
	free(j);
	j = fixture("services.json", &len);
	assert_int_equal(swarm_parse_services(j, len, &svcs, &ns, err, sizeof(err)), 0);
	free(j);
	j = fixture("tasks.json", &len);
	assert_int_equal(swarm_parse_tasks(j, len, &t, &nt, err, sizeof(err)), 0);
	free(j);
	assert_int_equal(nt, 9);

	/* As parsed, before linking. */
	assert_string_equal(t[0].id, "task00000000000000000001a");
	assert_string_equal(t[0].service_id, "svcplc0000000000000000001");
	assert_string_equal(t[0].service, "");
	assert_int_equal(t[0].slot, 1);
	assert_string_equal(t[0].desired_state, "running");
	assert_string_equal(t[0].state, "running");
	assert_string_equal(t[0].message, "started");
	assert_string_equal(t[0].error, "");
	assert_int_equal(t[0].since, 1796306701);
	assert_string_equal(t[0].image, "127.0.0.1:5000/plant/plc-sim:2@sha256:0c3e");
	assert_int_equal(t[0].force_update, 4);      /* which spec it was made from */
	assert_int_equal(t[1].force_update, 0);      /* none given */
	assert_string_equal(t[0].container_id,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_string_equal(t[1].error, "task: non-zero exit (1)");
	assert_int_equal(t[1].exit_code, 1);
	assert_string_equal(t[4].node_id, "");
	assert_string_equal(t[4].error,
	    "no suitable node (scheduling constraints not satisfied on 5 nodes)");
	assert_int_equal(t[4].created, 1796306703);
	assert_int_equal(t[4].created_nsec, 100000000);
	assert_int_equal(t[5].created_nsec, 900000001);
	assert_int_equal(t[0].created, 0);                /* no CreatedAt */

	/* The first swarm node is an inventory node. */
	snprintf(nodes[0].inventory, sizeof(nodes[0].inventory), "lab-01");
	swarm_link(nodes, nn, svcs, ns, t, nt);
	for (size_t i = 0; i < nt; i++)
		assert_string_equal(t[i].id, order[i]);
	assert_string_equal(t[0].service, "");
	assert_string_equal(t[0].node, "");               /* a node the list does not have */
	assert_string_equal(t[1].service, "agent");
	assert_string_equal(t[1].node, "plant-host");     /* not an inventory node: hostname */
	assert_string_equal(t[2].node, "lab-01");
	assert_string_equal(t[3].service, "line-a_plc");
	assert_string_equal(t[3].node, "lab-01");
	assert_string_equal(t[5].node, "edge-04");
	assert_string_equal(t[7].node, "");               /* not scheduled */
	assert_string_equal(t[8].node, "");
	/* The nodes by the name they are shown by: edge-04, edge-05, lab-01,
	 * then the two plant-host by id. */
	assert_string_equal(nodes[0].hostname, "edge-04");
	assert_string_equal(nodes[1].hostname, "edge-05");
	assert_string_equal(nodes[2].inventory, "lab-01");
	assert_string_equal(nodes[3].id, "k2v9nqe0fh1t5y6c8u7o3a4sd");
	assert_string_equal(nodes[4].id, "p0o9i8u7y6t5r4e3w2q1a2s3d");

	/* The global service without ServiceStatus: counted from its tasks. */
	assert_string_equal(svcs[0].name, "agent");
	assert_int_equal(svcs[0].desired, 2);
	assert_int_equal(svcs[0].running, 1);
	assert_int_equal(svcs[2].desired, 3);              /* ServiceStatus kept */
	assert_int_equal(svcs[2].running, 2);
	free(nodes);
	free(svcs);
	free(t);
	swarm_link(NULL, 0, NULL, 0, NULL, 0);
}

static void
test_hostile(void **state)
{
	static const char *const junk[] = { "", "not json", "{}", "{\"ID\":\"x\"}", "[{\"ID\":",
		"null", "\"[]\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" };
	struct pd_swarm_node *nodes;
	struct pd_swarm_service *svcs;
	struct pd_swarm_task *t;
	char err[256], clean[1024], *j;
	size_t len, n;

	(void)state;
	j = fixture("nodes-hostile.json", &len);
	assert_int_equal(swarm_parse_nodes(j, len, &nodes, &n, err, sizeof(err)), 0);
	free(j);
	/* Non-objects and bad ids (a path, a space, too long, a number) are skipped. */
	assert_int_equal(n, 42);
	assert_string_equal(nodes[0].id, "hostile0000000000000000001");
	assert_int_equal(nodes[0].version, 0);              /* -5 */
	assert_int_equal(nodes[0].nlabels, 0);              /* an array */
	assert_string_equal(nodes[0].role, "");             /* an object */
	assert_string_equal(nodes[0].availability, "");     /* a number */
	assert_int_equal(strlen(nodes[0].hostname), PD_NAME_LEN - 1);
	assert_int_equal(strlen(nodes[0].message), PD_ERROR_LEN - 1);
	assert_int_equal(nodes[0].leader, 0);               /* "yes" is not true */
	assert_string_equal(nodes[0].reachability, "");
	assert_string_equal(nodes[0].engine_version, "");
	/* The escapes are kept in the model, and made visible for display. */
	assert_true(nodes[0].hostname[0] == 0x1b);
	pd_sanitize(clean, sizeof(clean), nodes[0].hostname, 0);
	assert_true(printable(clean));
	pd_sanitize(clean, sizeof(clean), nodes[0].state, 0);
	assert_true(printable(clean));
	assert_int_equal(nodes[1].version, 9007199254740992ull);   /* clamped */
	assert_int_equal(nodes[1].nlabels, 2);              /* "ok": 5 is not text */
	assert_int_equal(strlen(nodes[1].labels[0].key), PD_LABEL_LEN - 1);
	assert_string_equal(nodes[41].id, "many00000000000000000039");
	free(nodes);

	j = fixture("services-hostile.json", &len);
	assert_int_equal(swarm_parse_services(j, len, &svcs, &n, err, sizeof(err)), 0);
	free(j);
	assert_int_equal(n, 3);
	assert_string_equal(svcs[0].name, "");              /* Spec is a string */
	assert_string_equal(svcs[0].mode, "");
	assert_int_equal(svcs[0].version, 0);
	assert_true(svcs[1].name[0] == 0x1b);
	assert_int_equal(svcs[1].desired, INT_MAX);         /* 1e20 replicas */
	assert_int_equal(svcs[1].running, -1);              /* "7" is not a number */
	assert_string_equal(svcs[1].image, "");
	assert_int_equal(strlen(svcs[1].update_state), sizeof(svcs[1].update_state) - 1);
	assert_int_equal(svcs[1].update_started, 0);
	assert_int_equal(svcs[1].update_completed, 0);
	assert_string_equal(svcs[2].name, "nan");
	assert_int_equal(svcs[2].desired, 0);               /* -1 replicas */
	free(svcs);

	j = fixture("tasks-hostile.json", &len);
	assert_int_equal(swarm_parse_tasks(j, len, &t, &n, err, sizeof(err)), 0);
	free(j);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].service_id, "");           /* a path is no id */
	assert_string_equal(t[0].node_id, "");
	assert_int_equal(t[0].slot, 0);
	assert_string_equal(t[0].desired_state, "");
	assert_int_equal(t[0].since, 0);
	assert_string_equal(t[0].container_id, "");         /* "$(reboot)" */
	assert_int_equal(t[0].exit_code, 0);
	assert_int_equal(strlen(t[0].error), PD_ERROR_LEN - 1);
	assert_int_equal(t[1].slot, INT_MAX);
	assert_string_equal(t[1].state, "");
	swarm_link(NULL, 0, NULL, 0, t, n);
	free(t);

	/* Not a list at all: an error that says which list and why. */
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		nodes = (struct pd_swarm_node *)1;
		assert_int_equal(swarm_parse_nodes(junk[i], strlen(junk[i]), &nodes, &n, err,
		    sizeof(err)), -1);
		assert_null(nodes);
		assert_int_equal(n, 0);
		assert_true(strncmp(err, "the node list: not ", 19) == 0);
		assert_int_equal(swarm_parse_services(junk[i], strlen(junk[i]), &svcs, &n, err,
		    sizeof(err)), -1);
		assert_true(strncmp(err, "the service list: ", 18) == 0);
		assert_int_equal(swarm_parse_tasks(junk[i], strlen(junk[i]), &t, &n, err,
		    sizeof(err)), -1);
		assert_true(strncmp(err, "the task list: ", 15) == 0);
	}
	assert_int_equal(swarm_parse_tasks(NULL, 0, &t, &n, err, sizeof(err)), -1);
	/* A length shorter than the text: only LEN bytes count. */
	assert_int_equal(swarm_parse_nodes("[]junk", 2, &nodes, &n, err, sizeof(err)), 0);
	free(nodes);
}

/* A list of more than SWARM_MAX_ITEMS is cut there. */
static void
test_many(void **state)
{
	size_t cap = (SWARM_MAX_ITEMS + 10) * 48 + 16, used = 0, n;
	struct pd_swarm_task *t;
	char err[256], *j = malloc(cap);

	(void)state;
	assert_non_null(j);
	used += (size_t)snprintf(j + used, cap - used, "[");
	for (int i = 0; i < SWARM_MAX_ITEMS + 10; i++)
		used += (size_t)snprintf(j + used, cap - used, "%s{\"ID\":\"t%08d\",\"Slot\":%d}",
		    i ? "," : "", i, i);
	used += (size_t)snprintf(j + used, cap - used, "]");
	assert_true(used < cap);
	assert_int_equal(swarm_parse_tasks(j, used, &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, SWARM_MAX_ITEMS);
	assert_string_equal(t[SWARM_MAX_ITEMS - 1].id, "t00008191");
	free(t);
	free(j);
}

/* ---------------------------------------------------------------- failover order */

static double fake_now;

/* The test's clock. */
static double
fake_clock(void)
{
	return fake_now;
}

/* An inventory of N nodes named NAMES, endpoints ENDPOINTS, MARKED. */
static struct inventory *
make_inv(size_t n, const char *const *names, const char *const *endpoints, const int *marked)
{
	struct inventory *inv = calloc(1, sizeof(*inv));

	assert_non_null(inv);
	inv->source = strdup("test");
	inv->nodes = calloc(n, sizeof(*inv->nodes));
	assert_non_null(inv->nodes);
	inv->nnodes = n;
	for (size_t i = 0; i < n; i++) {
		inv->nodes[i].name = strdup(names[i]);
		inv->nodes[i].endpoint = strdup(endpoints[i]);
		inv->nodes[i].tls_verify = 1;
		inv->nodes[i].swarm_manager = marked[i];
	}
	return inv;
}

static void
test_order(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d" };
	static const char *const eps[] = { "tcp://10.0.0.1:2375", "tcp://10.0.0.2:2375",
		"tcp://10.0.0.3:2375", "tcp://10.0.0.4:2375" };
	static const int marked[] = { 1, 0, 1, 0 };
	struct inventory *inv = make_inv(4, names, eps, marked);
	struct pd_swarm_manager m[PD_SWARM_MANAGERS];
	struct swarm *s = swarm_new(inv, 0);
	size_t c[8];

	(void)state;
	assert_non_null(s);
	fake_now = 100;
	swarm_test_hooks(s, fake_clock, 0);
	assert_int_equal(swarm_has_managers(s), 1);
	assert_int_equal(swarm_candidates(s, c, 8), 2);
	assert_int_equal(c[0], 0);
	assert_int_equal(c[1], 2);
	/* A detected manager comes after the marked ones; a worker is none. */
	swarm_set_detected(s, 1, 1);
	swarm_set_detected(s, 3, 0);
	swarm_set_detected(s, 99, 1);          /* out of range: ignored */
	assert_int_equal(swarm_candidates(s, c, 8), 3);
	assert_int_equal(c[2], 1);
	assert_int_equal(swarm_candidates(s, c, 1), 3);   /* counts more than it copies */
	assert_int_equal(swarm_current(s), -1);
	assert_int_equal(swarm_next(s, -1), 0);

	/* Each failure moves on to the next; when all failed, none is left. */
	assert_int_equal(swarm_mark_failed(s, 0, "a: GET /nodes: no answer (timed out)"), 2);
	assert_int_equal(swarm_current(s), 2);
	assert_int_equal(swarm_mark_failed(s, 2, "c: HTTP 503"), 1);
	assert_int_equal(swarm_next(s, 1), 1);  /* only b is left, itself */
	assert_int_equal(swarm_mark_failed(s, 1, "b: refused"), -1);
	assert_int_equal(swarm_current(s), -1);
	assert_int_equal(swarm_next(s, -1), -1);
	assert_int_equal(swarm_managers(s, m), 3);
	assert_string_equal(m[0].node, "a");
	assert_int_equal(m[0].marked, 1);
	assert_int_equal(m[0].detected, 0);
	assert_string_equal(m[0].error, "a: GET /nodes: no answer (timed out)");
	assert_true(m[0].failed != 0);
	assert_string_equal(m[2].node, "b");
	assert_int_equal(m[2].detected, 1);
	assert_int_equal(m[2].current, 0);

	/* A few seconds later they are asked again, in order. */
	fake_now += 6;
	assert_int_equal(swarm_next(s, -1), 0);
	assert_int_equal(swarm_next(s, 0), 2);
	assert_int_equal(swarm_next(s, 1), 0);   /* wraps round */
	swarm_mark_ok(s, 2);
	assert_int_equal(swarm_current(s), 2);
	assert_int_equal(swarm_managers(s, m), 3);
	assert_int_equal(m[1].current, 1);
	/* A failure of another one does not move the one in use. */
	assert_int_equal(swarm_mark_failed(s, 0, "a: down"), 2);
	/* b is demoted: no longer a candidate; c stays in use. */
	swarm_set_detected(s, 1, 0);
	assert_int_equal(swarm_candidates(s, c, 8), 2);
	assert_int_equal(swarm_current(s), 2);
	swarm_free(s);
	swarm_free(NULL);
	inventory_free(inv);
}

static void
test_should_failover(void **state)
{
	struct engine_reply r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(swarm_should_failover(&r), 1);        /* no answer */
	r.status = 503;
	assert_int_equal(swarm_should_failover(&r), 1);
	r.status = 500;
	assert_int_equal(swarm_should_failover(&r), 0);
	r.body.data = (char *)"{\"message\":\"rpc error: code = Unknown desc = The swarm does "
	    "not have a leader. It's possible that too few managers are online.\"}";
	assert_int_equal(swarm_should_failover(&r), 1);
	r.body.data = (char *)"{\"message\":\"rpc error: code = DeadlineExceeded desc = "
	    "context deadline exceeded\"}";
	assert_int_equal(swarm_should_failover(&r), 1);
	r.body.data = (char *)"{\"message\":\"does not have a leader\"}";
	r.status = 404;
	assert_int_equal(swarm_should_failover(&r), 0);        /* an answer */
	r.status = 409;
	assert_int_equal(swarm_should_failover(&r), 0);
	r.status = 200;
	assert_int_equal(swarm_should_failover(&r), 0);
}

/* ---------------------------------------------------------------- fake managers */

enum fake_mode { FAKE_OK, FAKE_503, FAKE_HANG };

/* One fake engine on a unix socket. */
struct fake {
	char path[108];
	int fd;
	volatile int mode;
	volatile int stop;
	int requests;                /* requests answered or held */
	int pings;
	int held[16];                /* connections of FAKE_HANG, never answered */
	int nheld;
	pthread_t thread;
	pthread_mutex_t lock;
};

/* Answer one request on connection C as F's mode says. */
static void
fake_serve(struct fake *f, int c)
{
	char req[4096], resp[512];
	const char *body;
	size_t len = 0;
	ssize_t k;
	int ping, status;

	while (len + 1 < sizeof(req) && (k = read(c, req + len, sizeof(req) - 1 - len)) > 0) {
		len += (size_t)k;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	ping = strncmp(req, "GET /_ping ", 11) == 0;
	pthread_mutex_lock(&f->lock);
	f->requests++;
	f->pings += ping;
	if (f->mode == FAKE_HANG && f->nheld < 16) {
		f->held[f->nheld++] = c;
		pthread_mutex_unlock(&f->lock);
		return;
	}
	pthread_mutex_unlock(&f->lock);
	if (ping) {
		status = 200;
		body = "OK";
	} else if (f->mode == FAKE_503) {
		status = 503;
		body = "{\"message\":\"This node is not a swarm manager.\"}";
	} else if (strstr(req, " /v1.41/nodes ") != NULL) {
		status = 200;
		body = "[{\"ID\":\"n1\"}]";
	} else {
		status = 404;
		body = "{\"message\":\"page not found\"}";
	}
	k = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nApi-Version: 1.41\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    status, strlen(body), body);
	if (write(c, resp, (size_t)k) < 0) {
		/* The client gave up. */
	}
	close(c);
}

/* The fake's accept loop. */
static void *
fake_thread(void *arg)
{
	struct fake *f = arg;

	while (!f->stop) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(f->fd, NULL, NULL);
		if (c >= 0)
			fake_serve(f, c);
	}
	return NULL;
}

/* Start a fake engine at DIR/NAME.sock in MODE. */
static void
fake_start(struct fake *f, const char *dir, const char *name, enum fake_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s/%s.sock", dir, name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->mode = mode;
	f->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->fd, 16), 0);
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

/* Stop F and close what it holds. */
static void
fake_stop(struct fake *f)
{
	f->stop = 1;
	pthread_join(f->thread, NULL);
	for (int i = 0; i < f->nheld; i++)
		close(f->held[i]);
	close(f->fd);
	unlink(f->path);
	pthread_mutex_destroy(&f->lock);
}

/* Seconds on the monotonic clock. */
static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_call_failover(void **state)
{
	static const char *const names[] = { "gone", "frozen", "worker", "good" };
	static const int marked[] = { 1, 1, 1, 1 };
	char dir[] = "/tmp/pd-test-swarm.XXXXXX", eps[4][160], used[64];
	const char *ep[4];
	struct fake frozen, worker, good;
	struct engine_reply r;
	struct inventory *inv;
	struct swarm *s;
	double t0, took;

	(void)state;
	assert_non_null(mkdtemp(dir));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fake_start(&frozen, dir, "frozen", FAKE_HANG);
	fake_start(&worker, dir, "worker", FAKE_503);
	fake_start(&good, dir, "good", FAKE_OK);
	snprintf(eps[0], sizeof(eps[0]), "unix://%s/gone.sock", dir);   /* nobody listens */
	snprintf(eps[1], sizeof(eps[1]), "unix://%s", frozen.path);
	snprintf(eps[2], sizeof(eps[2]), "unix://%s", worker.path);
	snprintf(eps[3], sizeof(eps[3]), "unix://%s", good.path);
	for (int i = 0; i < 4; i++)
		ep[i] = eps[i];
	inv = make_inv(4, names, ep, marked);
	s = swarm_new(inv, 0);
	assert_non_null(s);
	swarm_test_hooks(s, NULL, 300);

	/* Refused, frozen (its ping times out), not a manager (503): the
	 * fourth answers, within about one ping timeout. */
	t0 = mono();
	assert_int_equal(swarm_call(s, "GET", "/nodes", NULL, 2000, &r, used, sizeof(used)), 0);
	took = mono() - t0;
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "[{\"ID\":\"n1\"}]");
	assert_string_equal(used, "good");
	assert_true(took < 1.5);
	assert_int_equal(swarm_current(s), 3);
	assert_int_equal(frozen.requests, 1);
	assert_int_equal(worker.requests, 2);      /* a ping, then /nodes: 503 */
	assert_int_equal(good.pings, 1);
	engine_reply_free(&r);

	/* The next call goes to the one that worked, without a ping. */
	assert_int_equal(swarm_call(s, "GET", "/nodes", NULL, 2000, &r, used, sizeof(used)), 0);
	assert_int_equal(good.pings, 1);
	assert_int_equal(good.requests, 3);
	assert_int_equal(frozen.requests, 1);
	engine_reply_free(&r);

	/* A refusal is an answer: no failover. */
	assert_int_equal(swarm_call(s, "GET", "/services/nope", NULL, 2000, &r, used,
	    sizeof(used)), -1);
	assert_int_equal(r.status, 404);
	assert_string_equal(used, "good");
	assert_non_null(strstr(r.error, "HTTP 404: page not found"));
	engine_reply_free(&r);

	/* Now the last one fails too: every manager is named in the error. */
	good.mode = FAKE_503;
	assert_int_equal(swarm_call(s, "GET", "/nodes", NULL, 2000, &r, used, sizeof(used)), -1);
	assert_string_equal(used, "");
	assert_non_null(strstr(r.error, "swarm: GET /nodes: no manager answers: "));
	assert_non_null(strstr(r.error, "good: GET /nodes: HTTP 503"));
	assert_non_null(strstr(r.error, "gone: GET /_ping"));
	assert_non_null(strstr(r.error, "frozen: GET /_ping: no answer (timed out)"));
	assert_non_null(strstr(r.error, "worker: GET /nodes: HTTP 503"));
	engine_reply_free(&r);
	assert_int_equal(swarm_current(s), -1);
	swarm_free(s);

	/* Read-only: a changing call is refused before any manager is asked. */
	s = swarm_new(inv, 1);
	good.mode = FAKE_OK;
	assert_int_equal(swarm_call(s, "POST", "/services/create", "{}", 0, &r, NULL, 0), -1);
	assert_non_null(strstr(r.error, "refused: read-only"));
	engine_reply_free(&r);
	swarm_free(s);

	fake_stop(&frozen);
	fake_stop(&worker);
	fake_stop(&good);
	inventory_free(inv);
	rmdir(dir);
	curl_global_cleanup();
}

/* Lines counted by a stream callback. */
static int
count_line(void *ctx, const char *line)
{
	(void)line;
	(*(int *)ctx)++;
	return 0;
}

static void
test_call_stream(void **state)
{
	static const char *const names[] = { "worker", "good" };
	static const int marked[] = { 1, 0 };
	char dir[] = "/tmp/pd-test-swarm.XXXXXX", eps[2][160], used[64];
	const char *ep[2];
	struct fake worker, good;
	struct engine_reply r;
	struct inventory *inv;
	struct swarm *s;
	int lines = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fake_start(&worker, dir, "worker", FAKE_503);
	fake_start(&good, dir, "good", FAKE_OK);
	snprintf(eps[0], sizeof(eps[0]), "unix://%s", worker.path);
	snprintf(eps[1], sizeof(eps[1]), "unix://%s", good.path);
	ep[0] = eps[0];
	ep[1] = eps[1];
	inv = make_inv(2, names, ep, marked);
	s = swarm_new(inv, 0);
	/* Only a detected manager after the marked one. */
	assert_int_equal(swarm_call(s, "GET", "/nodes", NULL, 1000, &r, used, sizeof(used)), -1);
	engine_reply_free(&r);
	swarm_set_detected(s, 1, 1);
	assert_int_equal(swarm_call_stream(s, "GET", "/nodes", NULL, 1000, count_line, &lines,
	    &r, used, sizeof(used)), 0);
	assert_string_equal(used, "good");
	assert_int_equal(lines, 1);
	engine_reply_free(&r);
	swarm_free(s);

	/* No candidate at all. */
	inv->nodes[0].swarm_manager = 0;
	s = swarm_new(inv, 0);
	assert_int_equal(swarm_has_managers(s), 0);
	assert_int_equal(swarm_call(s, "GET", "/nodes", NULL, 1000, &r, used, sizeof(used)), -1);
	assert_non_null(strstr(r.error, "no Swarm manager"));
	engine_reply_free(&r);
	swarm_free(s);

	fake_stop(&worker);
	fake_stop(&good);
	inventory_free(inv);
	rmdir(dir);
	curl_global_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_tasks_linked),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_should_failover),
		cmocka_unit_test(test_call_failover),
		cmocka_unit_test(test_call_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
