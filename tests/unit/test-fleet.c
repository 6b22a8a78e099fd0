/* test-fleet.c: the io thread's parsers (built with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "backend/fleet.h"
#include "backend/engine.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_engine_version),
		cmocka_unit_test(test_engine_buf_cap),
		cmocka_unit_test(test_engine_error_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
