/* sanitize.c: the one sanitiser (see sanitize.h): untrusted text made safe
 * for a terminal, a log file or a JSON document. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/sanitize.h"

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0; with
 * *SHORT set when S is a valid start whose sequence N cuts off. */
static size_t
san_utf8_len(const unsigned char *s, size_t n, unsigned *cp, int *cut)
{
	size_t len;
	unsigned c;

	*cut = 0;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if (i >= n) {
			*cut = 1;
			return 0;
		}
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

int
pd_sanitize_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||	/* C1 controls */
	    cp == 0xad ||			/* soft hyphen */
	    cp == 0x61c ||			/* Arabic letter mark */
	    cp == 0x180e ||			/* Mongolian vowel separator */
	    (cp >= 0x200b && cp <= 0x200f) ||	/* zero widths, LRM, RLM */
	    (cp >= 0x2028 && cp <= 0x202e) ||	/* separators, embeddings, overrides */
	    (cp >= 0x2060 && cp <= 0x206f) ||	/* joiners, isolates, deprecated format */
	    cp == 0xfeff ||			/* zero width no-break space (BOM) */
	    (cp >= 0xfff9 && cp <= 0xfffb) ||	/* interlinear annotation */
	    (cp >= 0xe0000 && cp <= 0xe007f);	/* tags */
}

size_t
pd_sanitize_buf(char *dst, size_t dstlen, const char *src, size_t n, int flags, size_t *used)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0, len;
	char esc[16];
	unsigned cp;
	int cut;

	if (used != NULL)
		*used = 0;
	if (dstlen == 0)
		return 0;
	while (i < n) {
		const char *piece = esc;
		size_t plen;

		len = 1;
		if ((s[i] >= 0x20 && s[i] < 0x7f) ||
		    ((flags & PD_SAN_KEEP_LINES) && (s[i] == '\n' || s[i] == '\t'))) {
			piece = (const char *)&s[i];
		} else if (s[i] < 0x80) {
			switch (s[i]) {
			case 0x1b: piece = "\\e"; break;
			case '\n': piece = "\\n"; break;
			case '\r': piece = "\\r"; break;
			case '\t': piece = "\\t"; break;
			default: snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			}
		} else if ((len = san_utf8_len(&s[i], n - i, &cp, &cut)) > 0) {
			if ((flags & PD_SAN_ASCII) || pd_sanitize_hidden(cp))
				snprintf(esc, sizeof(esc), cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
			else
				piece = (const char *)&s[i];
		} else if (cut && (flags & PD_SAN_PARTIAL)) {
			break;	/* the rest of this character comes later */
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			len = 1;
		}
		plen = piece == (const char *)&s[i] ? len : strlen(piece);
		if (o + plen >= dstlen)
			break;
		memcpy(dst + o, piece, plen);
		o += plen;
		i += len;
	}
	dst[o] = '\0';
	if (used != NULL)
		*used = i;
	return o;
}

size_t
pd_sanitize(char *dst, size_t dstlen, const char *src, int ascii)
{
	return pd_sanitize_buf(dst, dstlen, src, src != NULL ? strlen(src) : 0,
	    ascii ? PD_SAN_ASCII : 0, NULL);
}

char *
pd_copy_text(char *dst, size_t len, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0, k;

	if (len == 0)
		return dst;
	if (n < len) {
		memcpy(dst, src != NULL ? src : "", n + 1);
		return dst;
	}
	/* Cut at LEN - 1: src[k] is the first byte left out. When it continues
	 * a character, leave out that character's first bytes too (3 at most:
	 * a longer run of continuation bytes is not UTF-8 anyway). */
	k = len - 1;
	for (int back = 0; back < 3 && k > 0 && ((unsigned char)src[k] & 0xc0) == 0x80; back++)
		k--;
	if (((unsigned char)src[k] & 0xc0) == 0x80)
		k = len - 1;	/* garbage: cut where snprintf would */
	else if ((unsigned char)src[k] < 0xc0 && k != len - 1)
		k = len - 1;	/* an ASCII byte before continuation bytes: garbage too */
	memcpy(dst, src, k);
	dst[k] = '\0';
	return dst;
}

char *
pd_utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s), i = 0, len;
	unsigned cp;
	int cut;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = san_utf8_len(&p[i], n - i, &cp, &cut);
		if (len == 0) {
			p[i] = '?';
			len = 1;
		}
		i += len;
	}
	return s;
}

char *
pd_json_escape_hidden(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), o = 0, len;
	char *out = malloc(n * 2 + 1);	/* grows below when escapes need more */
	size_t cap = n * 2 + 1;
	unsigned cp;
	int cut;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += len) {
		char esc[16];
		const char *piece = (const char *)&s[i];
		size_t plen;

		len = 1;
		if (s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u007f");	/* cJSON leaves DEL raw */
			piece = esc;
		} else if (s[i] >= 0x80 && (len = san_utf8_len(&s[i], n - i, &cp, &cut)) > 0 &&
		    pd_sanitize_hidden(cp)) {
			if (cp > 0xffff)
				snprintf(esc, sizeof(esc), "\\u%04x\\u%04x",
				    0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
			piece = esc;
		} else if (len == 0) {
			len = 1;	/* not UTF-8: the caller's document was not either */
		}
		plen = piece == esc ? strlen(esc) : len;
		if (o + plen + 1 > cap) {
			char *grown;

			cap = (cap + plen + 1) * 2;
			grown = realloc(out, cap);
			if (grown == NULL) {
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + o, piece, plen);
		o += plen;
	}
	out[o] = '\0';
	return out;
}

/* Make every string (and member name) in the tree J valid UTF-8. */
static void
san_json_fix(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->string != NULL)
			pd_utf8_fix(j->string);
		if (cJSON_IsString(j) && j->valuestring != NULL)
			pd_utf8_fix(j->valuestring);
		san_json_fix(j->child);
	}
}

char *
pd_json_print(cJSON *j, int pretty)
{
	char *text, *safe;

	if (j == NULL)
		return NULL;
	san_json_fix(j);
	text = pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	if (text == NULL)
		return NULL;
	safe = pd_json_escape_hidden(text);
	free(text);
	return safe;
}

long long
pd_json_int(const cJSON *v, long long lo, long long hi, long long def)
{
	return pd_json_int_of(cJSON_IsNumber(v), cJSON_IsNumber(v) ? v->valuedouble : 0, lo, hi,
	    def);
}

long long
pd_json_int_of(int is_number, double d, long long lo, long long hi, long long def)
{
	if (!is_number)
		return def;
	/* (double)hi may round up past HI (2^63 - 1 becomes 2^63): compare
	 * strictly below it then. */
	if (!isfinite(d) || d < (double)lo || d >= (double)hi + 1.0 || d > 9.2e18)
		return def;
	return (long long)d > hi ? def : (long long)d;
}
