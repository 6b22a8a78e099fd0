/* fuzz-demux: the exec and logs stream demultiplexer (fleet_demux_feed) and
 * the one-shot logs parser (fleet_parse_logs), backend/engine/fleet.c.
 *
 * Input: bytes 0-2 the sizes of the chunks the stream is fed in (cycled),
 * the rest the stream.  Checked: every payload goes to stream 1 or 2;
 * chunked feeding gives the same bytes on each stream and the same verdict
 * as feeding the stream at once; no more payload than stream bytes;
 * fleet_parse_logs keeps at most PD_LOG_LINES terminated lines. */
#include "backend/engine/fleet.h"
#include "tests/fuzz/fuzz.h"

struct fz_out {
	char *buf[3];
	size_t len[3];
};

/* Collect one payload. */
static void
fz_payload(void *arg, int stream, const char *p, size_t n)
{
	struct fz_out *o = arg;
	char *b;

	if (stream != 1 && stream != 2)
		fz_fail("fleet_demux_feed: payload on stream %d", stream);
	b = realloc(o->buf[stream], o->len[stream] + n + 1);
	if (b == NULL)
		abort();
	memcpy(b + o->len[stream], p, n);
	o->buf[stream] = b;
	o->len[stream] += n;
}

/* Feed the stream in chunks of STEP (NULL: at once); the verdict. */
static int
fz_feed(const char *s, size_t len, const uint8_t *step, struct fz_out *o)
{
	struct fleet_demux d;
	size_t off = 0, k = 0, n;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	while (rc == 0 && off < len) {
		n = step != NULL ? (size_t)step[k++ % 3] + 1 : len - off;
		if (n > len - off)
			n = len - off;
		rc = fleet_demux_feed(&d, s + off, n, fz_payload, o);
		off += n;
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_out whole, chunked;
	struct pd_details *d;
	int rw, rc;

	if (size < 3)
		return 0;
	memset(&whole, 0, sizeof(whole));
	memset(&chunked, 0, sizeof(chunked));
	rw = fz_feed((const char *)data + 3, size - 3, NULL, &whole);
	rc = fz_feed((const char *)data + 3, size - 3, data, &chunked);
	if (whole.len[1] + whole.len[2] > size - 3)
		fz_fail("fleet_demux_feed: more payload than stream");
	/* A broken frame header is found at once or in pieces alike; before
	 * it, the same payload went out (chunks may have sent more of a frame
	 * when the header came whole, but never other bytes). */
	if ((rw == 0) != (rc == 0))
		fz_fail("fleet_demux_feed: chunked %d, whole %d", rc, rw);
	for (int s = 1; s <= 2; s++)
		if (rw == 0 && (whole.len[s] != chunked.len[s] ||
		    (whole.len[s] > 0 && memcmp(whole.buf[s], chunked.buf[s], whole.len[s]) != 0)))
			fz_fail("fleet_demux_feed: stream %d differs chunked", s);
	for (int s = 1; s <= 2; s++) {
		free(whole.buf[s]);
		free(chunked.buf[s]);
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		abort();
	fleet_parse_logs((const char *)data + 3, size - 3, d);
	if (d->nlogs < 0 || d->nlogs > PD_LOG_LINES)
		fz_fail("fleet_parse_logs: %d lines", d->nlogs);
	for (int i = 0; i < d->nlogs; i++)
		if (memchr(d->logs[i], '\0', PD_LINE_LEN) == NULL)
			fz_fail("fleet_parse_logs: line %d not terminated", i);
	free(d);
	return 0;
}
