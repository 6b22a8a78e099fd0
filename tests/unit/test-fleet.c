/* test-fleet.c: the io thread's parsers, the container index and the
 * bounded container list (built with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/engine/fleet.h"
#include "backend/engine/fleet-int.h"
#include "backend/engine/sampling.h"
#include "backend/engine/cindex.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"

static void
test_time(void **state)
{
	(void)state;
	assert_int_equal(fleet_parse_time("2026-11-29T12:00:00Z"), 1795953600);
	assert_int_equal(fleet_parse_time("2026-11-29T12:00:00.123456789Z"), 1795953600);
	assert_int_equal(fleet_parse_time("2026-11-29T13:30:00+01:30"), 1795953600);
	assert_int_equal(fleet_parse_time("0001-01-01T00:00:00Z"), 0);
	assert_int_equal(fleet_parse_time("yesterday"), 0);
	assert_int_equal(fleet_parse_time(""), 0);
	assert_int_equal(fleet_parse_time(NULL), 0);
}

static void
test_health(void **state)
{
	(void)state;
	assert_int_equal(fleet_parse_health_status("healthy"), PD_HEALTH_HEALTHY);
	assert_int_equal(fleet_parse_health_status("unhealthy"), PD_HEALTH_UNHEALTHY);
	assert_int_equal(fleet_parse_health_status("starting"), PD_HEALTH_STARTING);
	assert_int_equal(fleet_parse_health_status("\x1b[31m"), PD_HEALTH_NONE);
}

static void
test_cpu(void **state)
{
	(void)state;
	/* 0.5 s of CPU over 2 s of system time on 2 CPUs: 50 % of one CPU. */
	assert_true(fleet_cpu_percent(0.5e9, 2e9, 2) > 49.99 &&
	    fleet_cpu_percent(0.5e9, 2e9, 2) < 50.01);
	assert_true(fleet_cpu_percent(-1, 2e9, 2) == 0.0);
	assert_true(fleet_cpu_percent(1, 0, 2) == 0.0);
}

/* A ping waits for the interval after the node's last answer of any kind,
 * while the node is up; a node that is not up is pinged when it was due. */
static void
test_ping_due(void **state)
{
	(void)state;
	/* Due at 10, a list answered at 9: the next ping at 11. */
	assert_true(fleet_ping_due(10.0, 9.0, 2.0, 1) == 11.0);
	/* Nothing answered since the last ping (at 8): due at 10 as planned. */
	assert_true(fleet_ping_due(10.0, 8.0, 2.0, 1) == 10.0);
	assert_true(fleet_ping_due(10.0, 7.0, 2.0, 1) == 10.0);
	/* Stale, down, or asked to ping at once: no waiting. */
	assert_true(fleet_ping_due(10.0, 9.5, 2.0, 0) == 10.0);
}

/* A node's event stream opens when it is not open and no ping of the node
 * is in flight -- but never for a reader of one snapshot (`status`
 * without --watch), which would not read it. */
static void
test_events_due(void **state)
{
	(void)state;
	assert_true(fleet_events_due(0, 0, 0));
	/* Open already, or a ping of the node in flight: not again. */
	assert_false(fleet_events_due(1, 0, 0));
	assert_false(fleet_events_due(0, 1, 0));
	/* A reader of one snapshot: never. */
	assert_false(fleet_events_due(0, 0, 1));
}

/* The reconcile list: every 10 s while a node's event stream is down or
 * not answered yet, every 30 s while it is up; an interval the user set
 * (streamed = interval) is kept either way. */
static void
test_reconcile_every(void **state)
{
	(void)state;
	assert_true(fleet_reconcile_every(10.0, 30.0, 0) == 10.0);
	assert_true(fleet_reconcile_every(10.0, 30.0, 1) == 30.0);
	assert_true(fleet_reconcile_every(60.0, 60.0, 1) == 60.0);
	assert_true(fleet_reconcile_every(5.0, 5.0, 1) == 5.0);
	/* Never more often with a stream than without. */
	assert_true(fleet_reconcile_every(600.0, 30.0, 1) == 600.0);
}

/* Every 2 s up to 500 nodes; beyond, the fleet's pings stay at 250 a
 * second. */
static void
test_ping_default(void **state)
{
	(void)state;
	assert_true(fleet_ping_default(1) == 2.0);
	assert_true(fleet_ping_default(27) == 2.0);
	assert_true(fleet_ping_default(270) == 2.0);
	assert_true(fleet_ping_default(500) == 2.0);
	assert_true(fleet_ping_default(1000) == 4.0);
	assert_true(fleet_ping_default(2500) == 10.0);
}

static void
test_mem(void **state)
{
	cJSON *v1 = cJSON_Parse("{\"usage\":1000,\"stats\":{\"total_inactive_file\":300}}");
	cJSON *v2 = cJSON_Parse("{\"usage\":1000,\"stats\":{\"inactive_file\":100}}");
	cJSON *odd = cJSON_Parse("{\"usage\":10,\"stats\":{\"inactive_file\":100}}");

	(void)state;
	assert_int_equal(fleet_mem_usage(v1), 700);
	assert_int_equal(fleet_mem_usage(v2), 900);
	assert_int_equal(fleet_mem_usage(odd), 10);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
	cJSON_Delete(odd);
}

/* Ports: published and not, the IPv4 and IPv6 twins once, whole entries
 * only when the buffer is short. */
static void
test_ports(void **state)
{
	cJSON *p = cJSON_Parse("[{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,\"PublicPort\":8080,"
	    "\"Type\":\"tcp\"},{\"IP\":\"::\",\"PrivatePort\":80,\"PublicPort\":8080,"
	    "\"Type\":\"tcp\"},{\"PrivatePort\":502,\"Type\":\"udp\"},"
	    "{\"PrivatePort\":80,\"PublicPort\":18080,\"Type\":\"tcp\"}]");
	char out[128], shortbuf[16];

	(void)state;
	fleet_parse_ports(out, sizeof(out), p);
	assert_string_equal(out, "8080->80/tcp,502/udp,18080->80/tcp");
	fleet_parse_ports(shortbuf, sizeof(shortbuf), p);
	assert_string_equal(shortbuf, "8080->80/tcp");
	fleet_parse_ports(out, sizeof(out), NULL);
	assert_string_equal(out, "");
	cJSON_Delete(p);
}

static void
test_engine_version(void **state)
{
	struct engine e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(engine_set_version(&e, "1.41"), 0);
	assert_string_equal(e.api_version, "1.41");
	assert_int_equal(engine_set_version(&e, "1.52"), 0);
	assert_string_equal(e.api_version, "1.52");
	assert_int_equal(engine_set_version(&e, "1.41/../../x"), -1);
	assert_int_equal(engine_set_version(&e, ""), -1);
	assert_int_equal(engine_set_version(&e, NULL), -1);
	assert_string_equal(e.api_version, "1.52");
}

static void
test_engine_buf_cap(void **state)
{
	struct engine_buf b = { .max = 8 };

	(void)state;
	assert_int_equal(engine_buf_append(&b, "abcd", 4), 4);
	assert_int_equal(engine_buf_append(&b, "efgh", 4), 4);
	assert_string_equal(b.data, "abcdefgh");
	assert_int_equal(engine_buf_append(&b, "i", 1), 0);
	assert_true(b.overflow);
	engine_buf_free(&b);
}

static void
test_engine_error_message(void **state)
{
	char out[64];

	(void)state;
	engine_error_message("{\"message\":\"No such container: x\\nmore\"}", out, sizeof(out));
	assert_string_equal(out, "No such container: x more");
	engine_error_message("not json", out, sizeof(out));
	assert_string_equal(out, "not json");
}

/* Collects demultiplexed payload: stdout at OUT, stderr 64 bytes further. */
static void
collect(void *arg, int stream, const char *p, size_t n)
{
	char *buf = (char *)arg + (stream == 2 ? 64 : 0);
	size_t len = strlen(buf);

	memcpy(buf + len, p, n);
	buf[len + n] = '\0';
}

static void
test_demux(void **state)
{
	/* stdout "ab\n", stderr "ERR", stdout "cd": fed one byte at a time. */
	static const char framed[] = "\1\0\0\0\0\0\0\3ab\n\2\0\0\0\0\0\0\3ERR\1\0\0\0\0\0\0\2cd";
	struct fleet_demux d;
	char out[128];

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(out));
	for (size_t i = 0; i < sizeof(framed) - 1; i++)
		assert_int_equal(fleet_demux_feed(&d, framed + i, 1, collect, out), 0);
	assert_string_equal(out, "ab\ncd");
	assert_string_equal(out + 64, "ERR");
	/* Whole, and an empty frame. */
	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(out));
	assert_int_equal(fleet_demux_feed(&d, "\1\0\0\0\0\0\0\0\1\0\0\0\0\0\0\1x", 17, collect,
	    out), 0);
	assert_string_equal(out, "x");
	/* A TTY's raw stream passes as it is. */
	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(out));
	assert_int_equal(fleet_demux_feed(&d, "2026 {}\n", 8, collect, out), 0);
	assert_string_equal(out, "2026 {}\n");
	/* Broken framing. */
	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(out));
	assert_int_equal(fleet_demux_feed(&d, "\1\0\0\0\0\0\0\1x\7\0\0\0\0\0\0\1", 17, collect,
	    out), -1);
}

static void
test_agent_line(void **state)
{
	struct pd_event e;
	long long sec;
	long nsec;

	(void)state;
	assert_int_equal(fleet_parse_agent_line("2026-11-29T12:00:00.5Z {\"type\":\"anomaly\","
	    "\"time\":\"2026-11-29T11:59:59.900Z\",\"rule\":\"signal\",\"severity\":\"critical\","
	    "\"node\":\"lab-01\",\"container\":{\"id\":\"9ef380c792de00\",\"name\":\"plc\\u001b[2J\"},"
	    "\"text\":\"SIGKILL to plc-sim\\u0007\"}", 1, &e, &sec, &nsec), 1);
	assert_int_equal(e.kind, PD_EV_ANOMALY);
	assert_string_equal(e.action, "signal");
	assert_string_equal(e.severity, "critical");
	assert_string_equal(e.container, "plc\\e[2J");
	assert_string_equal(e.text, "SIGKILL to plc-sim\\x07");
	assert_int_equal(e.time, 1795953599);
	assert_int_equal(sec, 1795953600);
	assert_int_equal(nsec, 500000000);
	/* No name: the short id; an unknown severity becomes a warning. */
	assert_int_equal(fleet_parse_agent_line("{\"type\":\"oom\",\"severity\":\"doom\","
	    "\"container\":{\"id\":\"0123456789abcdef\",\"name\":null},\"text\":\"t\"}", 0, &e, &sec,
	    &nsec), 1);
	assert_string_equal(e.action, "oom");
	assert_string_equal(e.severity, "warning");
	assert_string_equal(e.container, "0123456789ab");
	assert_int_equal(sec, 0);
	assert_int_equal(fleet_parse_agent_line("{\"type\":\"drift\",\"container\":{\"id\":\"x\","
	    "\"name\":\"c\"},\"key\":\"memory\",\"desired\":\"64M\",\"actual\":\"32M\"}", 0, &e,
	    &sec, &nsec), 1);
	assert_string_equal(e.action, "drift");
	assert_string_equal(e.text, "memory is 32M, want 64M");
	/* Lines that are not events, and junk. */
	assert_int_equal(fleet_parse_agent_line("{\"type\":\"stats\",\"events\":1}", 0, &e, &sec,
	    &nsec), 0);
	assert_int_equal(fleet_parse_agent_line("{\"type\":\"stats\"}", 1, &e, &sec, &nsec), -1);
	assert_int_equal(fleet_parse_agent_line("2026-11-29T12:00:00Z [1,2]", 1, &e, &sec,
	    &nsec), -1);
	assert_int_equal(fleet_parse_agent_line("2026-11-29T12:00:00Z not json", 1, &e, &sec,
	    &nsec), -1);
}

/* Container actions: the names the CLI, the audit trail and the events
 * use, the engine call each one makes, and how long it may take. */
static void
test_container_actions(void **state)
{
	static const char *const names[] = {
		"restart", "stop", "start", "pause", "unpause", "remove",
	};
	char method[8], path[256];

	(void)state;
	assert_int_equal(PD_CACT_COUNT, 6);
	for (int i = 0; i < PD_CACT_COUNT; i++) {
		assert_string_equal(pd_container_action_name((enum pd_container_action)i), names[i]);
		assert_int_equal(pd_container_action_from_name(names[i]), i);
	}
	assert_string_equal(pd_container_action_name(PD_CACT_COUNT), "unknown");
	assert_int_equal(pd_container_action_from_name("kill"), -1);
	assert_int_equal(pd_container_action_from_name("Restart"), -1);
	assert_int_equal(pd_container_action_from_name(NULL), -1);

	fleet_action_request(PD_CACT_RESTART, "abc123", method, sizeof(method), path,
	    sizeof(path));
	assert_string_equal(method, "POST");
	assert_string_equal(path, "/containers/abc123/restart");
	fleet_action_request(PD_CACT_UNPAUSE, "abc123", method, sizeof(method), path,
	    sizeof(path));
	assert_string_equal(path, "/containers/abc123/unpause");
	fleet_action_request(PD_CACT_REMOVE, "abc123", method, sizeof(method), path,
	    sizeof(path));
	assert_string_equal(method, "DELETE");
	assert_string_equal(path, "/containers/abc123?force=1");

	/* A stop waits for the container's own stop timeout, then a margin. */
	assert_true(fleet_action_timeout(PD_CACT_STOP, 60) > 60);
	assert_true(fleet_action_timeout(PD_CACT_RESTART, 60) > 60);
	assert_true(fleet_action_timeout(PD_CACT_STOP, -1) > 10);
	assert_true(fleet_action_timeout(PD_CACT_STOP, 0) < fleet_action_timeout(PD_CACT_STOP, 30));
	assert_true(fleet_action_timeout(PD_CACT_START, 300) < 60);
}

/* The id of entry POS of a table of 65-byte ids (the index's key function). */
static const char *
ids_key(const void *arg, size_t pos)
{
	return (const char *)arg + pos * 65;
}

/* A 64-hex id from K into OUT (65 bytes). */
static void
make_id(char *out, unsigned k)
{
	snprintf(out, 65, "%08x%056x", k * 2654435761u, k);
}

static void
test_cindex(void **state)
{
	enum { N = 3000 };
	char *ids = calloc(N, 65);
	struct cindex ix;

	(void)state;
	assert_non_null(ids);
	cindex_init(&ix, ids_key, ids, 42);
	assert_int_equal(cindex_find(&ix, "nothing"), -1);
	assert_int_equal(cindex_remove(&ix, "nothing"), -1);
	/* Insert, growing the table many times over. */
	for (unsigned k = 0; k < N; k++) {
		make_id(ids + k * 65, k);
		assert_int_equal(cindex_insert(&ix, ids + k * 65, k), 0);
	}
	assert_int_equal(ix.n, N);
	assert_true(ix.cap >= 2 * N);
	for (unsigned k = 0; k < N; k++)
		assert_int_equal(cindex_find(&ix, ids + k * 65), (long)k);
	assert_int_equal(cindex_find(&ix, "0000"), -1);
	/* Remove every third: the chains stay whole for the others. */
	for (unsigned k = 0; k < N; k += 3)
		assert_int_equal(cindex_remove(&ix, ids + k * 65), 0);
	for (unsigned k = 0; k < N; k++)
		assert_int_equal(cindex_find(&ix, ids + k * 65), k % 3 == 0 ? -1 : (long)k);
	/* Move: entry 1 now lives at position 0. */
	memcpy(ids, ids + 65, 65);
	assert_int_equal(cindex_move(&ix, ids, 1, 0), 0);
	assert_int_equal(cindex_find(&ix, ids), 0);
	assert_int_equal(cindex_move(&ix, ids, 1, 0), -1);
	cindex_clear(&ix);
	assert_int_equal(cindex_find(&ix, ids + 2 * 65), -1);
	cindex_free(&ix);
	free(ids);
}

/* A container list of N entries, ids from FIRST on; NAME0 names them. */
static char *
make_list(unsigned first, unsigned n, const char *name0, size_t *len)
{
	size_t cap = (size_t)n * 300 + 16, used = 0;
	char *b = malloc(cap), id[65];

	assert_non_null(b);
	used += (size_t)snprintf(b + used, cap - used, "[");
	for (unsigned k = 0; k < n; k++) {
		make_id(id, first + k);
		used += (size_t)snprintf(b + used, cap - used,
		    "%s{\"Id\":\"%s\",\"Names\":[\"/%s-%u\"],\"Image\":\"plc:1\",\"State\":\"%s\","
		    "\"Status\":\"Up 1 minute (healthy)\",\"Created\":1700000000,"
		    "\"Labels\":{\"x\":\"a]}{\\\"\"}}", k ? "," : "", id, name0, first + k,
		    k % 2 ? "running" : "exited");
	}
	used += (size_t)snprintf(b + used, cap - used, "]");
	*len = used;
	return b;
}

static void
test_list_stream(void **state)
{
	size_t len, steps[] = { 1, 7, 4096, 0 };
	char *body = make_list(0, 50, "s", &len);
	struct fl_list *l;

	(void)state;
	/* The same entries whatever the chunks the body comes in. */
	for (int s = 0; steps[s] != 0; s++) {
		l = fleet_list_new(20);
		for (size_t off = 0; off < len; off += steps[s])
			assert_int_equal(fleet_list_feed(l, body + off,
			    len - off < steps[s] ? len - off : steps[s]), 0);
		assert_int_equal(fleet_list_end(l), 0);
		assert_int_equal(fleet_list_parsed(l), 20);   /* parsed up to its max */
		assert_int_equal(fleet_list_total(l), 50);    /* every one counted */
		fleet_list_free(l);
	}
	/* Cut short, not an array, junk after it, an entry that is no object. */
	l = fleet_list_new(10);
	assert_int_equal(fleet_list_feed(l, body, len / 2), 0);
	assert_int_equal(fleet_list_end(l), -1);
	assert_string_equal(fleet_list_error(l), "the list ended early");
	fleet_list_free(l);
	l = fleet_list_new(10);
	assert_int_equal(fleet_list_feed(l, "{\"message\":\"x\"}", 15), -1);
	assert_string_equal(fleet_list_error(l), "not a JSON array");
	fleet_list_free(l);
	l = fleet_list_new(10);
	assert_int_equal(fleet_list_feed(l, "[] x", 4), -1);
	fleet_list_free(l);
	l = fleet_list_new(10);
	assert_int_equal(fleet_list_feed(l, "[{},3]", 6), -1);
	assert_string_equal(fleet_list_error(l), "entry 2 of the list is not an object");
	fleet_list_free(l);
	/* An empty list is a list. */
	l = fleet_list_new(10);
	assert_int_equal(fleet_list_feed(l, " [ ] \n", 6), 0);
	assert_int_equal(fleet_list_end(l), 0);
	assert_int_equal(fleet_list_total(l), 0);
	fleet_list_free(l);
	free(body);
}

static void
test_reply_caps(void **state)
{
	size_t max = fleet_body_max("list");
	char *big = calloc(1, max + 1);
	struct fl_list *l = fleet_list_new(10);
	struct inv_node in = { .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9" };
	struct engine *e = engine_new(&in);
	struct engine_reply r;
	char *blob = malloc(fleet_body_max("inspect") + 1);

	(void)state;
	assert_non_null(big);
	assert_non_null(blob);
	assert_non_null(e);
	/* Each request kind has its cap, the small ones far under the list's. */
	assert_int_equal(fleet_body_max("inspect"), 1u << 20);
	assert_int_equal(fleet_body_max("stats"), 256u << 10);
	assert_int_equal(fleet_body_max("events"), 64u << 10);
	assert_true(max >= (16u << 20));
	/* A list over its cap is refused with the reason. */
	big[0] = '[';
	assert_int_equal(fleet_list_feed(l, big, max + 1), -1);
	assert_string_equal(fleet_list_error(l), "response larger than 67108864 bytes");
	assert_int_equal(fleet_list_feed(l, "]", 1), -1);  /* and stays refused */
	fleet_list_free(l);
	/* An inspect over its cap: the transfer is stopped and says why. */
	memset(&r, 0, sizeof(r));
	r.body.max = fleet_body_max("inspect");
	memset(blob, 'x', fleet_body_max("inspect") + 1);
	assert_int_equal(engine_buf_append(&r.body, blob, fleet_body_max("inspect") + 1), 0);
	assert_true(r.body.overflow);
	assert_int_equal(engine_finish(e, "GET", "/containers/x/json", CURLE_WRITE_ERROR, &r), -1);
	assert_string_equal(r.error, "n1: GET /containers/x/json: response larger than 1048576 bytes");
	engine_reply_free(&r);
	engine_free(e);
	free(blob);
	free(big);
}

/* A fleet of one node that never connects (nothing is started). */
static struct fleet *
one_node_fleet(unsigned max_containers)
{
	static struct inv_node in = { .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9" };
	struct inventory inv = { .nodes = &in, .nnodes = 1 };
	struct fleet_config cfg = { .max_containers = max_containers };
	struct fleet *f = fleet_new(&inv, &cfg);

	assert_non_null(f);
	return f;
}

/* Whether the snapshot's node 0 has a container with the id of K. */
static int
snap_has(const struct pd_snapshot *s, unsigned k)
{
	char id[65];

	make_id(id, k);
	for (size_t i = 0; i < s->nodes[0].ncontainers; i++)
		if (strcmp(s->containers[s->nodes[0].first_container + i].id, id) == 0)
			return 1;
	return 0;
}

static void
test_apply_20000(void **state)
{
	struct fleet *f = one_node_fleet(30000);
	struct pd_snapshot *s;
	struct fleet_found c;
	size_t len;
	char *body = make_list(0, 20000, "a", &len), id[65], line[512];

	(void)state;
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, 20000);
	assert_int_equal(s->nodes[0].running, 10000);
	assert_int_equal(s->nodes[0].listed, 20000);
	assert_string_equal(s->nodes[0].warning, "");
	/* In the engine's order, each with its fields. */
	for (unsigned k = 0; k < 20000; k++) {
		const struct pd_container *p = &s->containers[k];
		char name[32];

		make_id(id, k);
		snprintf(name, sizeof(name), "a-%u", k);
		assert_string_equal(p->id, id);
		assert_string_equal(p->name, name);
		assert_int_equal(p->health, PD_HEALTH_HEALTHY);
	}
	pd_snapshot_free(s);
	/* The next list: the first 5,000 gone, 1,000 new; the rest keep their order. */
	body = make_list(5000, 16000, "b", &len);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, 16000);
	assert_false(snap_has(s, 0));
	assert_false(snap_has(s, 4999));
	assert_true(snap_has(s, 5000));
	assert_true(snap_has(s, 20999));
	make_id(id, 5000);
	assert_string_equal(s->containers[0].id, id);
	assert_string_equal(s->containers[0].name, "b-5000");
	pd_snapshot_free(s);
	/* Events find theirs by id: a destroy, a rename by its create, a die. */
	make_id(id, 6000);
	snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":"
	    "{\"ID\":\"%s\",\"Attributes\":{\"name\":\"b-6000\"}}}\n", id);
	fleet_test_event(f, 0, line);
	make_id(id, 7001);
	snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":"
	    "{\"ID\":\"%s\",\"Attributes\":{\"name\":\"b-7001\",\"exitCode\":\"3\"}}}\n", id);
	fleet_test_event(f, 0, line);
	assert_int_equal(fleet_container_find(f, "n1", "b-7001", &c), 0);
	assert_string_equal(c.state, "exited");
	assert_int_equal(c.exit_code, 3);
	assert_int_equal(fleet_container_find(f, "n1", "b-6000", &c), -2);
	/* Those after the removed one are still found by id (their index moved). */
	make_id(id, 20999);
	assert_int_equal(fleet_container_find(f, "n1", id, &c), 0);
	assert_string_equal(c.name, "b-20999");
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, 15999);
	assert_int_equal(s->nodes[0].running, 7999);   /* counted as they change */
	pd_snapshot_free(s);
	fleet_free(f);
}

static void
test_truncated(void **state)
{
	struct fleet *f = one_node_fleet(0);   /* the default cap */
	struct pd_snapshot *s;
	size_t len;
	char *body = make_list(0, PD_MAX_CONTAINERS + 1000, "t", &len), id[65], line[512];
	char want[128];

	(void)state;
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, PD_MAX_CONTAINERS);
	assert_int_equal(s->nodes[0].listed, PD_MAX_CONTAINERS + 1000);
	snprintf(want, sizeof(want), "list truncated: %d containers, %d shown",
	    PD_MAX_CONTAINERS + 1000, PD_MAX_CONTAINERS);
	assert_string_equal(s->nodes[0].warning, want);
	assert_true(snap_has(s, 0));                       /* the first ones are kept */
	assert_false(snap_has(s, PD_MAX_CONTAINERS));
	pd_snapshot_free(s);
	/* A new container's event finds no room either. */
	make_id(id, 999999);
	snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":"
	    "{\"ID\":\"%s\",\"Attributes\":{\"name\":\"new\"}}}\n", id);
	fleet_test_event(f, 0, line);
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, PD_MAX_CONTAINERS);
	pd_snapshot_free(s);
	/* A list that fits again clears the mark. */
	body = make_list(0, 10, "t", &len);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	s = fleet_snapshot(f);
	assert_int_equal(s->nodes[0].total, 10);
	assert_string_equal(s->nodes[0].warning, "");
	pd_snapshot_free(s);
	fleet_free(f);
}

/* A container's strings are kept by length (fl_cset) and copied into a
 * snapshot's one string block: cut where the arrays they were in cut them,
 * "" (never NULL) when empty, and each snapshot's own, whatever the model
 * does after it.  A node's name and endpoint point into the fleet's. */
static void
test_container_strings(void **state)
{
	struct fleet *f = one_node_fleet(100);
	struct pd_snapshot *s1, *s2;
	const struct pd_container *c;
	char body[4096], id0[65], id1[65], longname[301], longimage[401], line[512];
	size_t len;

	(void)state;
	memset(longname, 'n', 300);
	longname[300] = '\0';
	memset(longimage, 'i', 400);
	longimage[400] = '\0';
	make_id(id0, 0);
	make_id(id1, 1);
	len = (size_t)snprintf(body, sizeof(body), "[{\"Id\":\"%s\",\"Names\":[\"/%s\"],"
	    "\"Image\":\"%s\",\"State\":\"running\",\"Status\":\"Up\"},"
	    "{\"Id\":\"%s\",\"Names\":[\"/b\"],\"Image\":\"plc:1\",\"State\":\"running\","
	    "\"Status\":\"Up\",\"Labels\":{\"com.docker.compose.project\":\"plc\"},"
	    "\"Ports\":[{\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"}],"
	    "\"NetworkSettings\":{\"Networks\":{\"plc_default\":{}}}}]",
	    id0, longname, longimage, id1);
	assert_true(len < sizeof(body));
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	s1 = fleet_snapshot(f);
	assert_int_equal(s1->ncontainers, 2);
	/* The node's name and endpoint: the fleet's block (valid while it is). */
	assert_string_equal(s1->nodes[0].name, "n1");
	assert_string_equal(s1->nodes[0].endpoint, "tcp://127.0.0.1:9");
	c = &s1->containers[0];
	assert_string_equal(c->id, id0);
	assert_int_equal(strlen(c->name), PD_NAME_LEN - 1);
	assert_int_equal(strncmp(c->name, longname, PD_NAME_LEN - 1), 0);
	assert_int_equal(strlen(c->image), PD_IMAGE_LEN - 1);
	assert_non_null(c->networks);
	assert_string_equal(c->networks, "");
	assert_string_equal(c->stack, "");
	assert_string_equal(c->ports, "");
	c = &s1->containers[1];
	assert_string_equal(c->name, "b");
	assert_string_equal(c->image, "plc:1");
	assert_string_equal(c->stack, "plc");
	assert_string_equal(c->networks, "plc_default");
	assert_string_equal(c->ports, "8080->80/tcp");
	/* A rename changes the model's strings: the snapshot taken before
	 * keeps its own, the next one has the new name. */
	snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"rename\",\"Actor\":"
	    "{\"ID\":\"%s\",\"Attributes\":{\"name\":\"b-renamed\"}}}\n", id1);
	fleet_test_event(f, 0, line);
	s2 = fleet_snapshot(f);
	assert_string_equal(s2->containers[1].name, "b-renamed");
	assert_string_equal(s2->containers[1].image, "plc:1");
	assert_string_equal(s2->containers[1].stack, "plc");
	assert_string_equal(s1->containers[1].name, "b");
	pd_snapshot_free(s1);
	fleet_free(f);
	/* The snapshot outlives the fleet. */
	assert_string_equal(s2->containers[1].name, "b-renamed");
	assert_string_equal(s2->containers[0].id, id0);
	pd_snapshot_free(s2);
}

/* A reconcile list whose entries are the bytes their containers last took
 * is not parsed again (fl_list_same); a changed entry is, and the agent's
 * always is.  What events told the model since stays. */
static void
test_list_same(void **state)
{
	struct fleet *f = one_node_fleet(100);
	struct fleet_found c;
	size_t len, len2;
	char *body = make_list(0, 10, "r", &len), *p, id[65], line[512];

	(void)state;
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_list_reused(f), 0);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_list_reused(f), 10);
	assert_int_equal(fleet_container_find(f, "n1", "r-3", &c), 0);
	assert_string_equal(c.state, "running");
	assert_string_equal(c.image, "plc:1");
	/* r-3 dies (an event): the same list again leaves it exited, as the
	 * event said (the list was the engine's word before it). */
	make_id(id, 3);
	snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":"
	    "{\"ID\":\"%s\",\"Attributes\":{\"name\":\"r-3\",\"exitCode\":\"1\"}}}\n", id);
	fleet_test_event(f, 0, line);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_list_reused(f), 10);
	assert_int_equal(fleet_container_find(f, "n1", "r-3", &c), 0);
	assert_string_equal(c.state, "exited");
	/* One entry changed (r-5's image): it alone is read, and taken. */
	p = strstr(body, "r-5\"],\"Image\":\"plc:1");
	assert_non_null(p);
	p[strlen("r-5\"],\"Image\":\"plc:")] = '2';
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_list_reused(f), 9);
	assert_int_equal(fleet_container_find(f, "n1", "r-5", &c), 0);
	assert_string_equal(c.image, "plc:2");
	assert_int_equal(fleet_container_find(f, "n1", "r-3", &c), 0);
	assert_string_equal(c.state, "exited");
	free(body);
	/* An entry labelled the agent (running, a full id) is read every time:
	 * each list adopts the agent anew. */
	body = make_list(0, 10, "r", &len);
	p = strstr(body, "r-7\"]");
	assert_non_null(p);
	p = strstr(p, "\"x\":");
	assert_non_null(p);
	{
		char *b2 = malloc(len + 64);

		assert_non_null(b2);
		len2 = (size_t)snprintf(b2, len + 64, "%.*s\"io.plantdeck.agent\":\"1\",%s",
		    (int)(p - body), body, p);
		free(body);
		body = b2;
		len = len2;
	}
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	assert_int_equal(fleet_test_list_reused(f), 9);
	free(body);
	fleet_free(f);
}

/* A node's event ring grows as events come (from a few slots up to the
 * configured history), then keeps the newest: HISTORY 64 (the default) and 5
 * (growth stops short of a power of two, then wraps). */
/* Readers that accept quiet changes late share one copy while the
 * generation stands; a change, or age, gives a new one, and a copy in a
 * reader's hand outlives the fleet's hold on it. */
static void
test_snapshot_shared(void **state)
{
	struct fleet *f = one_node_fleet(1000);
	struct pd_snapshot *a, *b, *c, *d;
	size_t len;
	char *body = make_list(0, 10, "s", &len);

	(void)state;
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	a = fleet_snapshot_recent(f, 10.0);
	b = fleet_snapshot_recent(f, 10.0);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(a->nodes[0].total, 10);
	/* A private copy is not the shared one. */
	c = fleet_snapshot(f);
	assert_ptr_not_equal(c, a);
	pd_snapshot_free(c);
	/* The model changed: a new copy, and the old one still reads. */
	body = make_list(0, 12, "s", &len);
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	c = fleet_snapshot_recent(f, 10.0);
	assert_ptr_not_equal(c, a);
	assert_int_equal(c->nodes[0].total, 12);
	assert_int_equal(a->nodes[0].total, 10);
	pd_snapshot_free(a);
	assert_int_equal(b->nodes[0].total, 10);
	pd_snapshot_free(b);
	/* Too old for the asker: a new copy although nothing changed. */
	d = fleet_snapshot_recent(f, 0.0);
	assert_ptr_not_equal(d, c);
	pd_snapshot_free(c);
	pd_snapshot_free(d);
	fleet_free(f);
}

/* The inventory's labels reach every snapshot, cut at PD_MAX_LABELS, from
 * one block the fleet made once: a snapshot's nodes carry no copy of them
 * (2 KiB a node at 1,000 nodes, in the model and again in each snapshot). */
static void
test_snapshot_labels(void **state)
{
	static struct inv_label many[PD_MAX_LABELS + 2], two[] = {
		{ .key = (char *)"line", .value = (char *)"A" },
		{ .key = (char *)"cell", .value = (char *)"3" },
	};
	static char keys[PD_MAX_LABELS + 2][16];
	struct inv_node in[3] = {
		{ .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9", .labels = two, .nlabels = 2 },
		{ .name = (char *)"n2", .endpoint = (char *)"tcp://127.0.0.1:9" },
		{ .name = (char *)"n3", .endpoint = (char *)"tcp://127.0.0.1:9", .labels = many,
		  .nlabels = PD_MAX_LABELS + 2 },
	};
	struct inventory inv = { .nodes = in, .nnodes = 3 };
	struct fleet_config cfg = { .max_containers = 10 };
	struct fleet *f;
	struct pd_snapshot *a, *b;

	(void)state;
	for (int k = 0; k < PD_MAX_LABELS + 2; k++) {
		snprintf(keys[k], sizeof(keys[k]), "k%d", k);
		many[k].key = keys[k];
		many[k].value = (char *)"v";
	}
	f = fleet_new(&inv, &cfg);
	assert_non_null(f);
	a = fleet_snapshot(f);
	b = fleet_snapshot(f);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->nodes[0].nlabels, 2);
	assert_string_equal(a->nodes[0].labels[0].key, "line");
	assert_string_equal(a->nodes[0].labels[0].value, "A");
	assert_string_equal(a->nodes[0].labels[1].key, "cell");
	assert_string_equal(a->nodes[0].labels[1].value, "3");
	assert_int_equal(a->nodes[1].nlabels, 0);
	assert_int_equal(a->nodes[2].nlabels, PD_MAX_LABELS);
	assert_string_equal(a->nodes[2].labels[PD_MAX_LABELS - 1].key, "k15");
	/* Shared, not copied: two copies point at the same labels, and one
	 * freed leaves the other's readable. */
	assert_ptr_equal(a->nodes[0].labels, b->nodes[0].labels);
	assert_ptr_equal(a->nodes[2].labels, b->nodes[2].labels);
	pd_snapshot_free(a);
	assert_string_equal(b->nodes[2].labels[0].key, "k0");
	pd_snapshot_free(b);
	fleet_free(f);
}

/* How often a container is sampled: a summed one whose last two samples
 * agreed is sampled half as often (60 s), and agreeing means within a point
 * of CPU and 1 MiB (or 1 %) of memory, both known. */
static void
test_sampling_steady(void **state)
{
	const double mib = 1048576.0;

	(void)state;
	assert_true(sampling_every(SAMPLING_EACH, 10, 300, 1, 1) == 10);
	assert_true(sampling_every(SAMPLING_EACH, 10, 300, 0, 0) == 2);
	assert_true(sampling_every(SAMPLING_SUMS, 10, 300, 0, 1) == 2);
	assert_true(sampling_every(SAMPLING_SUMS, 10, 300, 1, 0) == 30);
	assert_true(sampling_every(SAMPLING_SUMS, 10, 300, 1, 1) == 60);
	assert_true(sampling_every(SAMPLING_BACKGROUND, 10, 300, 1, 1) == 300);
	assert_true(sampling_every(SAMPLING_BACKGROUND, 10, -1, 1, 0) < 0);

	assert_true(sampling_steady(0.2, 0.9, (uint64_t)(50 * mib), (uint64_t)(50.5 * mib)));
	assert_true(sampling_steady(3.0, 2.0, (uint64_t)(50 * mib), (uint64_t)(49 * mib)));
	assert_false(sampling_steady(0.2, 1.5, (uint64_t)(50 * mib), (uint64_t)(50 * mib)));
	assert_false(sampling_steady(0.2, 0.2, (uint64_t)(50 * mib), (uint64_t)(52 * mib)));
	assert_true(sampling_steady(0.2, 0.2, (uint64_t)(500 * mib), (uint64_t)(504 * mib)));
	assert_false(sampling_steady(0.2, 0.2, (uint64_t)(500 * mib), (uint64_t)(494 * mib)));
	assert_false(sampling_steady(-1, 0.2, (uint64_t)(50 * mib), (uint64_t)(50 * mib)));
	assert_false(sampling_steady(0.2, -1, (uint64_t)(50 * mib), (uint64_t)(50 * mib)));
	assert_false(sampling_steady(0.2, 0.2, 0, (uint64_t)(50 * mib)));
}

/* Nodes share connection caches and TLS sessions in groups of at most
 * FLEET_SHARE_NODES, one client certificate a group: a node's handles carry
 * its certificate decoded once, which curl cannot tell apart, so a node with
 * another certificate -- even to the same endpoint -- must start a group of
 * its own (fl_share_join). */
static void
test_share_groups(void **state)
{
	enum { N = 40 };
	struct inv_node in[N];
	struct inventory inv = { .nodes = in, .nnodes = N };
	struct fleet_config cfg = { .max_containers = 10 };
	char names[N][16];
	struct fleet *f;
	size_t owners = 0;

	(void)state;
	memset(in, 0, sizeof(in));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i);
		in[i].name = names[i];
		in[i].endpoint = (char *)"tcp://127.0.0.1:9";
		in[i].tls = in[i].tls_verify = 1;
		in[i].tls_ca = (char *)"/nonexistent/ca.pem";
		in[i].tls_cert = (char *)"/nonexistent/a/cert.pem";
		in[i].tls_key = (char *)"/nonexistent/a/key.pem";
	}
	in[20].tls_cert = (char *)"/nonexistent/b/cert.pem";  /* another certificate */
	in[21].tls_key = (char *)"/nonexistent/b/key.pem";    /* another key */
	f = fleet_new(&inv, &cfg);
	assert_non_null(f);
	for (int i = 0; i < N; i++) {
		struct fl_node *n = &f->nodes[i];

		assert_non_null(n->share);
		assert_true(n->engine->tls_preload);
		assert_true(n->share_pos < FLEET_SHARE_NODES);
		owners += n->share_own;
		assert_int_equal(n->share_own, n->share_pos == 0);
		/* Every node of a group has its owner's certificate and key. */
		assert_true(engine_same_client(n->engine, f->nodes[i - n->share_pos].engine));
		assert_ptr_equal(n->share, f->nodes[i - n->share_pos].share);
	}
	/* 0-15, 16-19, 20 (b's certificate), 21 (b's key), 22-37, 38-39. */
	assert_int_equal(owners, 6);
	assert_int_equal(f->nodes[16].share_pos, 0);
	assert_int_equal(f->nodes[20].share_pos, 0);
	assert_int_equal(f->nodes[21].share_pos, 0);
	assert_int_equal(f->nodes[22].share_pos, 0);
	assert_int_equal(f->nodes[38].share_pos, 0);
	assert_true(f->nodes[19].share != f->nodes[20].share);
	assert_true(f->nodes[20].share != f->nodes[21].share);
	assert_true(f->nodes[21].share != f->nodes[22].share);
	fleet_free(f);
}

/* A shown sample changes figures without a new generation at once: the
 * shown samples of a second wake readers once (fleet_samples_wake), and a
 * sample of what nothing shows never does. */
static void
test_samples_wake(void **state)
{
	struct fleet *f = one_node_fleet(1000);
	size_t len;
	char *body = make_list(0, 2, "s", &len), id[65];
	const char stats[] = "{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":100},"
	    "\"system_cpu_usage\":1000,\"online_cpus\":2},"
	    "\"memory_stats\":{\"usage\":4096,\"limit\":8192}}";
	uint64_t g;
	struct pd_snapshot *s;

	(void)state;
	assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
	free(body);
	make_id(id, 1);                  /* the running one */
	g = fleet_generation(f);
	assert_int_equal(fleet_test_reply(f, 0, "stats", id, stats, sizeof(stats) - 1), 0);
	assert_true(fleet_generation(f) == g);
	/* A private copy carries the figures at once (plantdeck status). */
	s = fleet_snapshot(f);
	assert_int_equal(s->containers[s->nodes[0].first_container + 1].mem_usage, 4096);
	pd_snapshot_free(s);
	assert_true(fleet_samples_wake(f, 100.0) == 1.0);
	assert_true(fleet_generation(f) == g + 1);
	/* The next within the second waits for it. */
	assert_int_equal(fleet_test_reply(f, 0, "stats", id, stats, sizeof(stats) - 1), 0);
	assert_true(fleet_samples_wake(f, 100.25) == 0.75);
	assert_true(fleet_generation(f) == g + 1);
	assert_true(fleet_samples_wake(f, 101.0) == 1.0);
	assert_true(fleet_generation(f) == g + 2);
	/* Nothing pending: nothing to wake for. */
	assert_true(fleet_samples_wake(f, 105.0) == 1.0);
	assert_true(fleet_generation(f) == g + 2);
	/* Nothing shows the node (a front end said so): a quiet sample. */
	fleet_show(f, NULL, 0, NULL);
	g = fleet_generation(f);
	assert_int_equal(fleet_test_reply(f, 0, "stats", id, stats, sizeof(stats) - 1), 0);
	assert_true(fleet_samples_wake(f, 110.0) == 1.0);
	assert_true(fleet_generation(f) == g);
	fleet_free(f);
}

static void
test_event_ring(void **state)
{
	static struct inv_node in = { .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9" };
	struct inventory inv = { .nodes = &in, .nnodes = 1 };
	unsigned hist[] = { 0, 5 }, want[] = { 64, 5 };

	(void)state;
	for (size_t h = 0; h < 2; h++) {
		struct fleet_config cfg = { .event_history = hist[h] };
		struct fleet *f = fleet_new(&inv, &cfg);
		struct pd_snapshot *s;
		size_t len;
		char *body = make_list(0, 100, "r", &len), id[65], line[512], name[32];

		assert_non_null(f);
		assert_int_equal(fleet_test_apply_list(f, 0, body, len), 0);
		free(body);
		for (unsigned k = 0; k < 100; k++) {
			make_id(id, k);
			snprintf(line, sizeof(line), "{\"Type\":\"container\",\"Action\":\"die\","
			    "\"Actor\":{\"ID\":\"%s\",\"Attributes\":{\"name\":\"r-%u\","
			    "\"exitCode\":\"1\"}}}\n", id, k);
			fleet_test_event(f, 0, line);
			if (k == 2) {      /* a few events: all kept, newest first */
				s = fleet_snapshot(f);
				assert_int_equal(s->nevents, 3);
				assert_string_equal(s->events[0].container, "r-2");
				assert_string_equal(s->events[2].container, "r-0");
				pd_snapshot_free(s);
			}
		}
		s = fleet_snapshot(f);
		assert_int_equal(s->nevents, want[h]);
		assert_string_equal(s->events[0].container, "r-99");
		snprintf(name, sizeof(name), "r-%u", 100 - want[h]);
		assert_string_equal(s->events[want[h] - 1].container, name);
		pd_snapshot_free(s);
		fleet_free(f);
	}
}

/* fleet_parse_inspect of a C string. */
static int
fleet_parse_inspect_str(const char *s, struct fleet_inspect *x)
{
	return fleet_parse_inspect(s, strlen(s), x);
}

/* An inspect read in place takes what the model took from cJSON's tree:
 * the first of duplicate members, escapes decoded, strings cut between
 * characters, numbers in range, what cJSON refuses refused
 * (tests/fuzz/fuzz-inspect.c compares the two on any input). */
static void
test_parse_inspect(void **state)
{
	static const char doc[] =
	    "\xef\xbb\xbf {\"Name\":\"/plc-1\",\"Name\":\"/other\",\"RestartCount\":3.9,"
	    "\"Created\":\"2026-11-29T12:00:00.5Z\",\"HostConfig\":{\"Binds\":[[{}],\"x\"]},"
	    "\"State\":{\"Status\":\"running\",\"Health\":{\"Status\":\"unhealthy\",\"Log\":[]},"
	    "\"OOMKilled\":true,\"ExitCode\":-1e3,\"StartedAt\":\"2026-11-29T13:30:00+01:30\"},"
	    "\"Config\":{\"Image\":\"reg/pl\\u00e9\\ud83d\\ude00:1\",\"StopTimeout\":1.5e1,"
	    "\"Labels\":{\"io.plantdeck.stack\":\"\",\"com.docker.compose.project\":\"line\\/a\"}},"
	    "\"NetworkSettings\":{\"Networks\":{\"bus\":{},\"\":{},\"b\\u0000c\":[],\"bus\":null}}}"
	    " and what follows";
	struct fleet_inspect x;
	char big[600];
	size_t n;

	(void)state;
	assert_int_equal(fleet_parse_inspect(doc, sizeof(doc) - 1, &x), 0);
	assert_string_equal(x.name, "/plc-1");
	assert_string_equal(x.image, "reg/pl\xc3\xa9\xf0\x9f\x98\x80:1");
	assert_string_equal(x.status, "running");
	assert_int_equal(x.health, PD_HEALTH_UNHEALTHY);
	assert_int_equal(x.restart_count, 3);
	assert_int_equal(x.exit_code, -1000);
	assert_int_equal(x.oom_killed, 1);
	assert_true(x.stop_timeout == 15.0);
	assert_string_equal(x.networks, "bus,b,bus");
	assert_string_equal(x.stack, "line/a");
	assert_int_equal(x.created, 1795953600);
	assert_int_equal(x.started_at, 1795953600);
	assert_int_equal(x.finished_at, 0);

	/* Not an object, or members of the wrong kind: nothing, not an error. */
	assert_int_equal(fleet_parse_inspect_str("[{\"Name\":\"/x\"}]", &x), 0);
	assert_string_equal(x.name, "");
	assert_true(x.stop_timeout == -1);
	assert_int_equal(fleet_parse_inspect_str("{\"State\":[],\"RestartCount\":-1,\"Config\":"
	    "{\"StopTimeout\":\"9\"},\"Name\":7}", &x), 0);
	assert_int_equal(x.restart_count, 0);
	assert_true(x.stop_timeout == -1);
	assert_string_equal(x.name, "");

	/* A name over its field is cut, between characters. */
	n = (size_t)snprintf(big, sizeof(big), "{\"Name\":\"/");
	for (int i = 0; i < 80; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\\u00e9");
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\"}");
	assert_int_equal(fleet_parse_inspect(big, n, &x), 0);
	assert_int_equal(strlen(x.name), 127);   /* '/' and 63 two-byte characters */

	/* What cJSON refuses. */
	assert_int_equal(fleet_parse_inspect_str("", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"Name\":\"\\u12\"}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"Name\":\"\\udc00\"}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"Name\":\"\\x\"}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"a\":1,}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"a\":[1e]}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"a\":tru}", &x), -1);
	assert_int_equal(fleet_parse_inspect_str("{\"a\":1", &x), -1);
	/* Nesting: 1,000 containers deep at most, as cJSON. */
	{
		char *deep = malloc(2002);

		assert_non_null(deep);
		memset(deep, '[', 1000);
		memset(deep + 1000, ']', 1000);
		assert_int_equal(fleet_parse_inspect(deep, 2000, &x), 0);
		memset(deep, '[', 1001);
		memset(deep + 1001, ']', 1001);
		assert_int_equal(fleet_parse_inspect(deep, 2002, &x), -1);
		free(deep);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_ping_due),
		cmocka_unit_test(test_events_due),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_engine_version),
		cmocka_unit_test(test_engine_buf_cap),
		cmocka_unit_test(test_engine_error_message),
		cmocka_unit_test(test_demux),
		cmocka_unit_test(test_agent_line),
		cmocka_unit_test(test_container_actions),
		cmocka_unit_test(test_cindex),
		cmocka_unit_test(test_list_stream),
		cmocka_unit_test(test_reply_caps),
		cmocka_unit_test(test_apply_20000),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_snapshot_shared),
		cmocka_unit_test(test_snapshot_labels),
		cmocka_unit_test(test_list_same),
		cmocka_unit_test(test_container_strings),
		cmocka_unit_test(test_reconcile_every),
		cmocka_unit_test(test_ping_default),
		cmocka_unit_test(test_event_ring),
		cmocka_unit_test(test_samples_wake),
		cmocka_unit_test(test_parse_inspect),
		cmocka_unit_test(test_share_groups),
		cmocka_unit_test(test_sampling_steady),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
