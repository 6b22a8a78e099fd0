/* test-sanitize.c: hostile text from nodes never reaches a terminal raw. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_passes),
		cmocka_unit_test(test_escapes_visible),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_truncation_whole_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
