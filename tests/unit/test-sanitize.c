/* test-sanitize.c: hostile text from nodes never reaches a terminal raw. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cjson/cJSON.h>

#include "backend/base/jsonw.h"
#include "backend/model/model.h"

/* Sanitise SRC and compare with WANT. */
static void
check(const char *src, int ascii, const char *want)
{
	char out[256];

	pd_sanitize(out, sizeof(out), src, ascii);
	assert_string_equal(out, want);
}

static void
test_plain_passes(void **state)
{
	(void)state;
	check("plc-sim_1.2 ok", 0, "plc-sim_1.2 ok");
	check("", 0, "");
	check(NULL, 0, "");
}

static void
test_escapes_visible(void **state)
{
	(void)state;
	check("\x1b[2J\x1b]0;pwned\x07", 0, "\\e[2J\\e]0;pwned\\x07");
	check("a\r\nb\tc", 0, "a\\r\\nb\\tc");
	check("\x7f\x01", 0, "\\x7f\\x01");
}

static void
test_utf8(void **state)
{
	(void)state;
	check("Pr\xc3\xa4gung \xe2\x9c\x93", 0, "Pr\xc3\xa4gung \xe2\x9c\x93");
	check("Pr\xc3\xa4gung", 1, "Pr\\u00e4gung");
	/* C1 control U+009B (CSI on some terminals) */
	check("\xc2\x9b" "31m", 0, "\\u009b31m");
	/* invalid: lone continuation, overlong, truncated, surrogate */
	check("\x80", 0, "\\x80");
	check("\xc0\xaf", 0, "\\xc0\\xaf");
	check("\xe2\x9c", 0, "\\xe2\\x9c");
	check("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");
	/* raw 8-bit CSI */
	check("\x9b" "2J", 0, "\\x9b2J");
}

static void
test_truncation_whole_escapes(void **state)
{
	char out[6];

	(void)state;
	/* "ab" + "\e" fits (4 bytes + NUL), the next escape does not: never half. */
	pd_sanitize(out, sizeof(out), "ab\x1b\x1b", 0);
	assert_string_equal(out, "ab\\e");
	pd_sanitize(out, 1, "abc", 0);
	assert_string_equal(out, "");
}

static void
test_format_characters(void **state)
{
	(void)state;
	/* RIGHT-TO-LEFT OVERRIDE reorders what follows: "exe.txt" shown as "txt.exe" */
	check("report\xe2\x80\xaetxt.exe", 0, "report\\u202etxt.exe");
	/* isolates, marks, zero widths, BOM, soft hyphen, line separator */
	check("a\xe2\x81\xa6" "b\xe2\x80\x8f" "c\xe2\x80\x8b" "d", 0, "a\\u2066b\\u200fc\\u200bd");
	check("\xef\xbb\xbfx\xc2\xady\xe2\x80\xa8", 0, "\\ufeffx\\u00ady\\u2028");
	/* a tag character past U+FFFF */
	check("\xf3\xa0\x80\x81", 0, "\\U000e0001");
	/* ordinary letters and symbols pass */
	check("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x82\xac", 0,
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x82\xac");
}

static void
test_stream_flags(void **state)
{
	char out[64];
	size_t used;

	(void)state;
	/* lines kept, controls escaped */
	pd_sanitize_buf(out, sizeof(out), "a\n\tb\x1b[1m\r", 9, PD_SAN_KEEP_LINES, &used);
	assert_string_equal(out, "a\n\tb\\e[1m\\r");
	assert_int_equal(used, 9);
	/* a NUL in the middle is a byte like another */
	pd_sanitize_buf(out, sizeof(out), "a\0b", 3, 0, &used);
	assert_string_equal(out, "a\\x00b");
	/* a character cut by the end of the buffer is held with PARTIAL ... */
	pd_sanitize_buf(out, sizeof(out), "ok\xe2\x82", 4, PD_SAN_PARTIAL, &used);
	assert_string_equal(out, "ok");
	assert_int_equal(used, 2);
	/* ... and escaped without it */
	pd_sanitize_buf(out, sizeof(out), "ok\xe2\x82", 4, 0, &used);
	assert_string_equal(out, "ok\\xe2\\x82");
	assert_int_equal(used, 4);
	/* not a start: escaped even with PARTIAL */
	pd_sanitize_buf(out, sizeof(out), "ok\x82", 3, PD_SAN_PARTIAL, &used);
	assert_string_equal(out, "ok\\x82");
}

static void
test_copy_text_cuts_whole(void **state)
{
	char out[5];

	(void)state;
	/* "ab€" is 5 bytes: 4 fit, the euro sign would be cut: leave it out */
	pd_copy_text(out, sizeof(out), "ab\xe2\x82\xac");
	assert_string_equal(out, "ab");
	pd_copy_text(out, sizeof(out), "abcd\xc3\xa4");
	assert_string_equal(out, "abcd");
	pd_copy_text(out, sizeof(out), "a\xc3\xa4x");
	assert_string_equal(out, "a\xc3\xa4x");
	pd_copy_text(out, sizeof(out), "abc\xc3\xa4");
	assert_string_equal(out, "abc");
	pd_copy_text(out, sizeof(out), NULL);
	assert_string_equal(out, "");
}

static void
test_json(void **state)
{
	char bad[] = "ok\xff\xe2\x82x\xc3\xa4";
	cJSON *j = cJSON_CreateObject();
	char *text;

	(void)state;
	assert_string_equal(pd_utf8_fix(bad), "ok???x\xc3\xa4");
	cJSON_AddStringToObject(j, "state", "run\xc2\x9b" "2J\xe2\x80\xae\x1b\x7f\xff");
	cJSON_AddStringToObject(j, "tag", "\xf3\xa0\x80\x81");
	text = pd_json_print(j, 0);
	assert_non_null(text);
	assert_string_equal(text,
	    "{\"state\":\"run\\u009b2J\\u202e\\u001b\\u007f?\",\"tag\":\"\\udb40\\udc01\"}");
	free(text);
	cJSON_Delete(j);
}

/* The writer's text of tree J, pretty or not, against pd_json_print's. */
static void
jw_same_as_print(cJSON *j, int pretty)
{
	struct pd_jw w;
	char *want;

	pd_jw_init(&w, pretty);
	pd_jw_cjson(&w, j);
	assert_false(w.failed);
	assert_int_equal(w.depth, 0);
	want = pd_json_print(j, pretty);
	assert_non_null(want);
	assert_int_equal(w.len, strlen(want));
	assert_memory_equal(w.p, want, w.len);
	free(want);
	pd_jw_free(&w);
}

/* The JSON writer (jsonw.c) writes what pd_json_print prints of the same
 * tree: cJSON's layout, numbers and escapes, then valid UTF-8 and the
 * hidden characters escaped. */
static void
test_json_writer(void **state)
{
	static const char *const strings[] = {
		"plain", "", "quote \" back \\ slash /", "\b\f\n\r\t\x01\x1b[31m\x7f",
		"caf\xc3\xa9 \xe2\x80\xae bidi \xe2\x80\x8b zw \xef\xbb\xbf bom \xf3\xa0\x80\x81 tag",
		"bad \xff\xfe \xc3 cut \xe2\x82", "\xf0\x9f\x98\x80 \xc2\x85 nel",
	};
	static const double numbers[] = {
		0, -0.0, 1, -1, 2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0,
		8326664192.0, 35.328, 0.1, 1e300, -1e-300, 123456789012345678.0, 2.5,
		1.0 / 3.0, 18446744073709551615.0,
	};
	cJSON *root, *o, *a;

	(void)state;
	root = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(root, "empty");
	(void)o;
	a = cJSON_AddArrayToObject(root, "none");
	(void)a;
	a = cJSON_AddArrayToObject(root, "strings");
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		cJSON_AddItemToArray(a, cJSON_CreateString(strings[i]));
		cJSON_AddStringToObject(root, strings[i], strings[i]);
	}
	a = cJSON_AddArrayToObject(root, "numbers");
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(numbers[i]));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(INFINITY));
	a = cJSON_AddArrayToObject(root, "nested");
	o = cJSON_CreateObject();
	cJSON_AddNullToObject(o, "n");
	cJSON_AddTrueToObject(o, "t");
	cJSON_AddFalseToObject(o, "f");
	cJSON_AddItemToObject(o, "e", cJSON_CreateObject());
	cJSON_AddItemToObject(o, "a", cJSON_CreateArray());
	cJSON_AddItemToArray(a, o);
	cJSON_AddItemToArray(a, cJSON_CreateObject());
	cJSON_AddItemToArray(a, cJSON_CreateArray());
	jw_same_as_print(root, 1);
	jw_same_as_print(root, 0);
	cJSON_Delete(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_passes),
		cmocka_unit_test(test_escapes_visible),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_truncation_whole_escapes),
		cmocka_unit_test(test_format_characters),
		cmocka_unit_test(test_stream_flags),
		cmocka_unit_test(test_copy_text_cuts_whole),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
