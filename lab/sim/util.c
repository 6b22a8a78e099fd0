/*
 * util.c — the simulator's basics: a PRNG, clocks, growable buffers with JSON
 * appends, ids, and URL query parsing.  Design: enginesim.c.
 */
#include "sim.h"

/* ---------------------------------------------------------------- basics */

/* A small xorshift PRNG: deterministic runs for a given seed. */
uint64_t
rnd(void)
{
	sim_rng ^= sim_rng << 13;
	sim_rng ^= sim_rng >> 7;
	sim_rng ^= sim_rng << 17;
	return sim_rng;
}

/* Wall-clock time in seconds. */
double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Monotonic time in seconds (timers). */
double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Abort on allocation failure: a simulator has no better answer. */
void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL) {
		fputs("enginesim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* strdup that cannot fail. */
char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* Make room for N more bytes in B. */
void
sb_room(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1024;
	b->p = xrealloc(b->p, b->cap);
}

/* Append N bytes. */
void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_room(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append a C string. */
void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Append formatted text. */
void __attribute__((format(printf, 2, 3)))
sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(b, small, (size_t)n);
		return;
	}
	sb_room(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append S as a JSON string, quotes included. */
void
sb_jstr(struct sbuf *b, const char *s)
{
	const unsigned char *p;

	sb_add(b, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			sb_add(b, e, 2);
		} else if (*p < 0x20) {
			sb_fmt(b, "\\u%04x", *p);
		} else {
			sb_add(b, (const char *)p, 1);
		}
	}
	sb_add(b, "\"", 1);
}

/* Drop what was sent from the front of B. */
void
sb_compact(struct sbuf *b)
{
	if (b->off == 0)
		return;
	memmove(b->p, b->p + b->off, b->len - b->off);
	b->len -= b->off;
	b->off = 0;
	if (b->p)
		b->p[b->len] = '\0';
}

/* RFC 3339 time with nanoseconds, as the engine writes them; 0 is Go's zero time. */
void
sb_time(struct sbuf *b, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char buf[64];

	if (t <= 0) {
		sb_str(b, "\"0001-01-01T00:00:00Z\"");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	sb_fmt(b, "\"%s.%09ldZ\"", buf, (long)((t - (double)s) * 1e9));
}

/* A random 64-digit hex id. */
void
new_id(char out[65])
{
	int i;

	for (i = 0; i < 64; i += 16)
		snprintf(out + i, 17, "%016" PRIx64, rnd());
}

/* Decode %XX and + of a query value in place. */
void
url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char h[3] = { s[1], s[2], 0 };
			char *end;
			long v = strtol(h, &end, 16);

			if (*end == '\0') {
				*o++ = (char)v;
				s += 2;
				continue;
			}
		}
		*o++ = *s == '+' ? ' ' : *s;
	}
	*o = '\0';
}

/* The decoded value of KEY in query string Q, into OUT; 0 if absent. */
int
query_get(const char *q, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	while (q != NULL && *q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n > kl && strncmp(q, key, kl) == 0 && q[kl] == '=') {
			size_t vl = n - kl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(out, q + kl + 1, vl);
			out[vl] = '\0';
			url_decode(out);
			return 1;
		}
		if (n == kl && strncmp(q, key, kl) == 0) {
			out[0] = '\0';
			return 1;
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* A query flag: 1, true, True. */
int
query_bool(const char *q, const char *key)
{
	char v[16];

	return query_get(q, key, v, sizeof(v)) &&
	    (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}
