/* test-compose-spec.c: plantdeck's key tables against the Compose
 * Specification's JSON schema, so that a key of the specification is at
 * worst a warning naming it, never "unknown key".
 *
 * tests/data/compose-spec.json is compose_spec.json from Debian's
 * docker-compose 1.29.2 package (/usr/lib/python3/dist-packages/compose/
 * config/compose_spec.json; the Compose Specification, Apache-2.0, see
 * tests/data/README.md).  Keys the specification gained since are listed
 * here (newer_*) and checked too. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose-int.h"

/* Keys of the specification newer than the 1.29 schema. */
static const char *const newer_service[] = {
	"annotations", "attach", "cgroup", "develop", "gpus", "label_file", "models",
	"post_start", "pre_start", "pre_stop", "provider", "pull_refresh_after",
	"use_api_socket", NULL,
};
static const char *const newer_top[] = { "name", "include", "models", NULL };

/* The schema, parsed, from $top_srcdir. */
static cJSON *
load_schema(void)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX], *buf;
	cJSON *j;
	FILE *fp;
	long len;

	snprintf(path, sizeof(path), "%s/tests/data/compose-spec.json", top ? top : ".");
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	j = cJSON_Parse(buf);
	free(buf);
	assert_non_null(j);
	return j;
}

/* Every top-level key of the schema is read or warned about. */
static void
test_top_keys(void **state)
{
	cJSON *j = load_schema();
	const cJSON *k;
	int n = 0;

	(void)state;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(j, "properties")) {
		if (!cp_top_key_known(k->string))
			fail_msg("top-level key '%s' of the schema is in no table", k->string);
		n++;
	}
	assert_true(n >= 5);
	for (size_t i = 0; newer_top[i] != NULL; i++) {
		if (!cp_top_key_known(newer_top[i]))
			fail_msg("top-level key '%s' is in no table", newer_top[i]);
	}
	cJSON_Delete(j);
}

/* Every service key of the schema is read or warned about. */
static void
test_service_keys(void **state)
{
	cJSON *j = load_schema();
	const cJSON *svc, *k;
	int n = 0;

	(void)state;
	svc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j,
	    "definitions"), "service");
	assert_non_null(svc);
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(svc, "properties")) {
		if (!cp_service_key_known(k->string))
			fail_msg("service key '%s' of the schema is in no table", k->string);
		n++;
	}
	assert_true(n >= 70);
	for (size_t i = 0; newer_service[i] != NULL; i++) {
		if (!cp_service_key_known(newer_service[i]))
			fail_msg("service key '%s' is in no table", newer_service[i]);
	}
	/* And a key of no specification is not. */
	assert_false(cp_service_key_known("imagez"));
	assert_false(cp_top_key_known("servicez"));
	cJSON_Delete(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_keys),
		cmocka_unit_test(test_service_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
