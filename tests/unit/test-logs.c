/* test-logs.c: the log stream's parser (backend/engine/logs.c, built with
 * -DUNITTEST): frames split anywhere, stdout and stderr apart, a TTY's raw
 * bytes, timestamps, lines cut, broken framing refused, the ring bounded,
 * and hostile text still hostile until pd_sanitize. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/engine/logs.h"

/* Append a frame of STREAM with PAYLOAD to BUF at *LEN. */
static void
frame(char *buf, size_t *len, int stream, const char *payload)
{
	size_t n = strlen(payload);

	buf[*len] = (char)stream;
	buf[*len + 1] = buf[*len + 2] = buf[*len + 3] = 0;
	buf[*len + 4] = (char)(n >> 24);
	buf[*len + 5] = (char)(n >> 16);
	buf[*len + 6] = (char)(n >> 8);
	buf[*len + 7] = (char)n;
	memcpy(buf + *len + 8, payload, n);
	*len += 8 + n;
}

/* Every line the ring holds. */
static struct pd_log_line *
lines(struct logs *l, size_t *n)
{
	struct pd_log_line *v;
	struct pd_logs_status st;

	assert_int_equal(logs_read(l, 0, &v, n, &st), 0);
	return v;
}

static void
test_frames_split_anywhere(void **state)
{
	char buf[512];
	size_t len = 0, n;
	struct pd_log_line *v;

	(void)state;
	frame(buf, &len, 1, "2026-12-04T05:40:01.250000000Z tick 1\n2026-12-04T05:40:02Z ti");
	frame(buf, &len, 2, "2026-12-04T05:40:02.5Z oops\n");
	frame(buf, &len, 1, "ck 2\n");
	/* Byte by byte: headers and lines cut at every place. */
	for (size_t k = 0; k < len; k++) {
		struct logs *l = logs_parser_new(1);

		assert_non_null(l);
		assert_int_equal(logs_parser_feed(l, buf, k), 0);
		assert_int_equal(logs_parser_feed(l, buf + k, len - k), 0);
		v = lines(l, &n);
		assert_int_equal(n, 3);
		assert_string_equal(v[0].text, "tick 1");
		assert_int_equal(v[0].err, 0);
		assert_true(v[0].time > 1796000000.0);
		assert_int_equal((int)((v[0].time - (double)(long long)v[0].time) * 1000 + 0.5), 250);
		assert_string_equal(v[1].text, "oops");
		assert_int_equal(v[1].err, 1);
		assert_string_equal(v[2].text, "tick 2");
		assert_int_equal(v[2].err, 0);
		assert_true(v[0].seq < v[1].seq && v[1].seq < v[2].seq);
		pd_log_lines_free(v, n);
		logs_close(l);
	}
}

static void
test_raw_tty(void **state)
{
	const char raw[] = "2026-12-04T05:40:01Z hello\r\n2026-12-04T05:40:02Z \x1b[31mred\r\nlast";
	struct logs *l = logs_parser_new(1);
	struct pd_log_line *v;
	char clean[128];
	size_t n;

	(void)state;
	assert_int_equal(logs_parser_feed(l, raw, sizeof(raw) - 1), 0);
	logs_parser_end(l);
	v = lines(l, &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].text, "hello");
	/* Kept as the container wrote it; the front end sanitises. */
	assert_string_equal(v[1].text, "\x1b[31mred");
	pd_sanitize(clean, sizeof(clean), v[1].text, 0);
	assert_string_equal(clean, "\\e[31mred");
	assert_string_equal(v[2].text, "last");
	assert_true(v[2].time == 0);    /* no stamp: the line stays whole */
	pd_log_lines_free(v, n);
	logs_close(l);
}

static void
test_broken_framing(void **state)
{
	const char bad[] = { 1, 0, 0, 0, 0, 0, 0, 2, 'h', 'i', 7, 0, 0, 0, 0, 0, 0, 1, 'x' };
	struct logs *l = logs_parser_new(0);

	(void)state;
	assert_int_equal(logs_parser_feed(l, bad, sizeof(bad)), -1);
	logs_close(l);
}

static void
test_long_line_cut(void **state)
{
	size_t big = 3 * PD_LOGS_LINE_MAX, n;
	char *p = malloc(big + 8);
	struct logs *l = logs_parser_new(0);
	struct pd_log_line *v;

	(void)state;
	memset(p, 'a', big);
	memcpy(p + big, "\nshort\n", 7);
	p[0] = 'A';   /* raw mode: the first byte is no frame header */
	for (size_t off = 0; off < big + 7; off += 1000)
		assert_int_equal(logs_parser_feed(l, p + off, big + 7 - off < 1000 ?
		    big + 7 - off : 1000), 0);
	v = lines(l, &n);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(v[0].text), PD_LOGS_LINE_MAX);
	assert_int_equal(v[0].cut, 1);
	assert_string_equal(v[1].text, "short");
	assert_int_equal(v[1].cut, 0);
	pd_log_lines_free(v, n);
	logs_close(l);
	free(p);
}

static void
test_ring_bounded(void **state)
{
	struct logs *l = logs_parser_new(0);
	struct pd_log_line *v;
	struct pd_logs_status st;
	char line[32];
	size_t n;

	(void)state;
	for (int i = 1; i <= PD_LOGS_RING + 50; i++) {
		int k = snprintf(line, sizeof(line), "line %d\n", i);

		assert_int_equal(logs_parser_feed(l, line, (size_t)k), 0);
	}
	v = lines(l, &n);
	assert_int_equal(n, PD_LOGS_RING);
	assert_string_equal(v[0].text, "line 51");
	assert_string_equal(v[n - 1].text, "line 10050");
	pd_log_lines_free(v, n);
	/* Only what came after a sequence number. */
	assert_int_equal(logs_read(l, PD_LOGS_RING + 48, &v, &n, &st), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].text, "line 10049");
	assert_int_equal(st.received, PD_LOGS_RING + 50);
	pd_log_lines_free(v, n);
	logs_close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_split_anywhere),
		cmocka_unit_test(test_raw_tty),
		cmocka_unit_test(test_broken_framing),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_ring_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
