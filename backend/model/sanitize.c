/* sanitize.c: makes untrusted text safe to put on a terminal, and formats
 * ages and sizes the same way for every front end.
 *
 * Names, labels, image names, log lines and health output come from nodes.
 * Before any of it reaches a terminal, control characters and escape
 * sequences become visible escapes ("\e", "\x07", "\r"), bytes that are not
 * valid UTF-8 become "\xNN", and the C1 controls (U+0080..U+009F, which some
 * terminals obey) become "\u0085".  Printable UTF-8 passes through. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/model/model.h"

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0. */
static size_t
sanitize_utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned c;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t
pd_sanitize(char *dst, size_t dstlen, const char *src, int ascii)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = src ? strlen(src) : 0, o = 0, i = 0, len;
	char esc[12];
	unsigned cp;

	if (dstlen == 0)
		return 0;
	while (i < n) {
		const char *piece = NULL;
		size_t plen = 0;

		if (s[i] >= 0x20 && s[i] < 0x7f) {
			piece = (const char *)&s[i];
			plen = 1;
			len = 1;
		} else if (s[i] < 0x80) {
			switch (s[i]) {
			case 0x1b: piece = "\\e"; break;
			case '\n': piece = "\\n"; break;
			case '\r': piece = "\\r"; break;
			case '\t': piece = "\\t"; break;
			default:
				snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
				piece = esc;
			}
			plen = strlen(piece);
			len = 1;
		} else if ((len = sanitize_utf8_len(&s[i], n - i, &cp)) > 0 &&
		    !(cp >= 0x80 && cp <= 0x9f) && !ascii) {
			piece = (const char *)&s[i];
			plen = len;
		} else if (len > 0) {
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			piece = esc;
			plen = strlen(piece);
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			piece = esc;
			plen = strlen(piece);
			len = 1;
		}
		if (o + plen >= dstlen)
			break;
		memcpy(dst + o, piece, plen);
		o += plen;
		i += len;
	}
	dst[o] = '\0';
	return o;
}

void
pd_format_age(char *out, size_t len, time_t now, time_t then)
{
	long s;

	if (then == 0) {
		snprintf(out, len, "-");
		return;
	}
	s = (long)(now - then);
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, len, "%lds", s);
	else if (s < 7200)
		snprintf(out, len, "%ldm", s / 60);
	else if (s < 172800)
		snprintf(out, len, "%ldh", s / 3600);
	else
		snprintf(out, len, "%ldd", s / 86400);
}

void
pd_format_bytes(char *out, size_t len, uint64_t v)
{
	static const char units[] = "BKMGTP";
	double d = (double)v;
	int u = 0;

	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%" PRIu64 "B", v);
	else
		snprintf(out, len, "%.*f%c", d < 10 ? 1 : 0, d, units[u]);
}
