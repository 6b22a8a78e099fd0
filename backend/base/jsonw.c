/* jsonw.c: a JSON document written as it is made (see jsonw.h).  What
 * it must equal: cJSON 1.7.15's print_value (layout, print_number,
 * print_string_ptr), after pd_json_print's pd_utf8_fix and
 * pd_json_escape_hidden; tests/unit/test-sanitize.c compares the two. */
#include "config.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/jsonw.h"
#include "backend/base/sanitize.h"

void
pd_jw_init(struct pd_jw *w, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->pretty = pretty;
	w->first[0] = 1;
}

void
pd_jw_free(struct pd_jw *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

/* Room for N more bytes. */
static int
jw_room(struct pd_jw *w, size_t n)
{
	char *p;
	size_t cap;

	if (w->failed)
		return 0;
	if (w->len + n <= w->cap)
		return 1;
	cap = w->cap ? w->cap : 65536;
	while (cap < w->len + n)
		cap *= 2;
	if ((p = realloc(w->p, cap)) == NULL) {
		w->failed = 1;
		return 0;
	}
	w->p = p;
	w->cap = cap;
	return 1;
}

static void
jw_put(struct pd_jw *w, const char *s, size_t n)
{
	if (jw_room(w, n)) {
		memcpy(w->p + w->len, s, n);
		w->len += n;
	}
}

static void
jw_c(struct pd_jw *w, char c)
{
	if (jw_room(w, 1))
		w->p[w->len++] = c;
}

static void
jw_tabs(struct pd_jw *w, int n)
{
	if (n > 0 && jw_room(w, (size_t)n)) {
		memset(w->p + w->len, '\t', (size_t)n);
		w->len += (size_t)n;
	}
}

/* The UTF-8 sequence at S (valid: pd_utf8_fix went first) as a code point;
 * its length in *LEN. */
static unsigned
jw_cp(const unsigned char *s, size_t *len)
{
	if (s[0] < 0xe0) {
		*len = 2;
		return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	}
	if (s[0] < 0xf0) {
		*len = 3;
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	}
	*len = 4;
	return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
	    (s[3] & 0x3fu);
}

/* S quoted and escaped: cJSON's escapes, then pd_json_print's. */
static void
jw_quoted(struct pd_jw *w, const char *s)
{
	size_t n = strlen(s), i = 0, len;
	char small[256], *fixed = small, esc[16];
	const unsigned char *u;

	if (n >= sizeof(small) && (fixed = malloc(n + 1)) == NULL) {
		w->failed = 1;
		return;
	}
	memcpy(fixed, s, n + 1);
	pd_utf8_fix(fixed);
	u = (const unsigned char *)fixed;
	jw_c(w, '"');
	while (i < n) {
		size_t run = i;

		/* A run that needs nothing: copied at once. */
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f && u[run] != '"' && u[run] != '\\')
			run++;
		jw_put(w, fixed + i, run - i);
		i = run;
		if (i >= n)
			break;
		if (u[i] >= 0x80) {
			unsigned cp = jw_cp(&u[i], &len);

			if (pd_sanitize_hidden(cp)) {
				if (cp > 0xffff)
					snprintf(esc, sizeof(esc), "\\u%04x\\u%04x",
					    0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
				else
					snprintf(esc, sizeof(esc), "\\u%04x", cp);
				jw_put(w, esc, strlen(esc));
			} else {
				jw_put(w, fixed + i, len);
			}
			i += len;
			continue;
		}
		switch (u[i]) {
		case '"': jw_put(w, "\\\"", 2); break;
		case '\\': jw_put(w, "\\\\", 2); break;
		case '\b': jw_put(w, "\\b", 2); break;
		case '\f': jw_put(w, "\\f", 2); break;
		case '\n': jw_put(w, "\\n", 2); break;
		case '\r': jw_put(w, "\\r", 2); break;
		case '\t': jw_put(w, "\\t", 2); break;
		case 0x7f: jw_put(w, "\\u007f", 6); break;  /* cJSON leaves DEL raw */
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			jw_put(w, esc, 6);
		}
		i++;
	}
	jw_c(w, '"');
	if (fixed != small)
		free(fixed);
}

void
pd_jw_elem(struct pd_jw *w)
{
	if (!w->first[w->depth])
		jw_put(w, w->pretty ? ", " : ",", w->pretty ? 2 : 1);
	w->first[w->depth] = 0;
}

void
pd_jw_key(struct pd_jw *w, const char *name)
{
	if (!w->first[w->depth])
		jw_put(w, w->pretty ? ",\n" : ",", w->pretty ? 2 : 1);
	w->first[w->depth] = 0;
	if (w->pretty)
		jw_tabs(w, w->depth);
	jw_quoted(w, name);
	jw_put(w, w->pretty ? ":\t" : ":", w->pretty ? 2 : 1);
}

static void
jw_open(struct pd_jw *w, int array)
{
	jw_c(w, array ? '[' : '{');
	if (!array && w->pretty)
		jw_c(w, '\n');
	if (w->depth + 1 >= PD_JW_DEPTH) {
		w->failed = 1;
		return;
	}
	w->depth++;
	w->first[w->depth] = 1;
	w->array[w->depth] = array;
}

void
pd_jw_object(struct pd_jw *w)
{
	jw_open(w, 0);
}

void
pd_jw_array(struct pd_jw *w)
{
	jw_open(w, 1);
}

void
pd_jw_end(struct pd_jw *w)
{
	if (w->depth == 0) {
		w->failed = 1;
		return;
	}
	if (w->array[w->depth]) {
		jw_c(w, ']');
	} else {
		if (w->pretty) {
			if (!w->first[w->depth])
				jw_c(w, '\n');
			jw_tabs(w, w->depth - 1);
		}
		jw_c(w, '}');
	}
	w->depth--;
}

void
pd_jw_str(struct pd_jw *w, const char *s)
{
	jw_quoted(w, s);
}

void
pd_jw_null(struct pd_jw *w)
{
	jw_put(w, "null", 4);
}

void
pd_jw_bool(struct pd_jw *w, int b)
{
	if (b)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

/* cJSON's compare_double. */
static int
jw_same_double(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= max * DBL_EPSILON;
}

void
pd_jw_num(struct pd_jw *w, double d)
{
	char buf[32];
	double test = 0;
	int n;
	char point = localeconv()->decimal_point[0];

	/* As cJSON 1.7.15 prints one: 15 digits when they read back the same,
	 * else 17 (integers too: -0 stays "-0"). */
	if (isnan(d) || isinf(d)) {
		n = snprintf(buf, sizeof(buf), "null");
	} else {
		n = snprintf(buf, sizeof(buf), "%1.15g", d);
		if (sscanf(buf, "%lg", &test) != 1 || !jw_same_double(test, d))
			n = snprintf(buf, sizeof(buf), "%1.17g", d);
	}
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		w->failed = 1;
		return;
	}
	for (int i = 0; i < n; i++)
		if (buf[i] == point)
			buf[i] = '.';
	jw_put(w, buf, (size_t)n);
}

void
pd_jw_str_or_null(struct pd_jw *w, const char *s)
{
	if (s[0] != '\0')
		pd_jw_str(w, s);
	else
		pd_jw_null(w);
}

void
pd_jw_time(struct pd_jw *w, time_t t)
{
	char buf[32];
	struct tm tm;

	if (t == 0) {
		pd_jw_null(w);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pd_jw_str(w, buf);
}

void
pd_jw_cjson(struct pd_jw *w, const cJSON *j)
{
	const cJSON *it;

	if (j == NULL || cJSON_IsInvalid(j)) {
		w->failed = 1;
		return;
	}
	if (cJSON_IsNull(j))
		pd_jw_null(w);
	else if (cJSON_IsFalse(j))
		pd_jw_bool(w, 0);
	else if (cJSON_IsTrue(j))
		pd_jw_bool(w, 1);
	else if (cJSON_IsNumber(j))
		pd_jw_num(w, j->valuedouble);
	else if (cJSON_IsString(j))
		pd_jw_str(w, j->valuestring != NULL ? j->valuestring : "");
	else if (cJSON_IsArray(j)) {
		pd_jw_array(w);
		cJSON_ArrayForEach(it, j) {
			pd_jw_elem(w);
			pd_jw_cjson(w, it);
		}
		pd_jw_end(w);
	} else if (cJSON_IsObject(j)) {
		pd_jw_object(w);
		cJSON_ArrayForEach(it, j) {
			pd_jw_key(w, it->string != NULL ? it->string : "");
			pd_jw_cjson(w, it);
		}
		pd_jw_end(w);
	} else {
		w->failed = 1;  /* raw: not in a document of ours */
	}
}
