/* test-fleet.c: the io thread's parsers (built with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "backend/engine/fleet.h"
#include "backend/engine/engine.h"

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

/* Collects demultiplexed payload. */
static void
collect(void *arg, const char *p, size_t n)
{
	char *buf = arg;
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
	char out[64];

	(void)state;
	memset(&d, 0, sizeof(d));
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(framed) - 1; i++)
		assert_int_equal(fleet_demux_feed(&d, framed + i, 1, collect, out), 0);
	assert_string_equal(out, "ab\ncd");
	/* Whole, and an empty frame. */
	memset(&d, 0, sizeof(d));
	out[0] = '\0';
	assert_int_equal(fleet_demux_feed(&d, "\1\0\0\0\0\0\0\0\1\0\0\0\0\0\0\1x", 17, collect,
	    out), 0);
	assert_string_equal(out, "x");
	/* A TTY's raw stream passes as it is. */
	memset(&d, 0, sizeof(d));
	out[0] = '\0';
	assert_int_equal(fleet_demux_feed(&d, "2026 {}\n", 8, collect, out), 0);
	assert_string_equal(out, "2026 {}\n");
	/* Broken framing. */
	memset(&d, 0, sizeof(d));
	out[0] = '\0';
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_engine_version),
		cmocka_unit_test(test_engine_buf_cap),
		cmocka_unit_test(test_engine_error_message),
		cmocka_unit_test(test_demux),
		cmocka_unit_test(test_agent_line),
		cmocka_unit_test(test_container_actions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
