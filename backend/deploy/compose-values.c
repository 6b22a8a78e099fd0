/* compose-values.c: the values of a stack file, typed.
 *
 * Each reader takes a node, interpolates it (cp_str, compose-vars.c) and
 * checks it, or sets an error "FILE:LINE:COLUMN: WHAT ..." that names the
 * key: booleans, whole numbers in a range, memory sizes (Docker's units),
 * Go durations, CPUs, seconds, ratios, names of enums (compose-policy.c
 * holds their tables), words split like a shell would, lists.  The number
 * parsers are exact (no floating point until the value is stored), and
 * refuse what cJSON would print with an exponent (CP_MAX_INT).
 *
 * cp_mapping() checks a mapping against a schema: the keys plantdeck reads
 * come back by table index, an unsupported compose key is a warning, an
 * unknown one an error, an "x-" key is ignored.  Merge keys ("<<: *anchor")
 * are flattened there, the mapping's own keys first; aliases are resolved
 * by libyaml and never expanded beyond what the schema reads.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"

#ifdef UNITTEST
#define COMPOSE_STATIC
/* Parsers exposed for tests/unit/test-compose.c. */
int compose_parse_size(const char *s, int64_t *bytes);
int compose_parse_duration(const char *s, int64_t *ns);
int compose_parse_cpus(const char *s, int64_t *nanocpus);
cJSON *compose_split_words(const char *s, const char **why);
#else
#define COMPOSE_STATIC static
#endif

/* ---------------------------------------------------------------- helpers */

/* Whether S is a good stack or service name: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
 * at most CP_MAX_NAME bytes. */
int
cp_valid_name(const char *s, size_t len)
{
	if (len == 0 || len > CP_MAX_NAME || !yf_isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Append LEN bytes of S to B, which may hold at most CP_MAX_TEXT bytes. */
int
cp_buf_add(struct cp_buf *b, const char *s, size_t len)
{
	char *ns;
	size_t size;

	if (len > CP_MAX_TEXT || b->len + len > CP_MAX_TEXT)
		return -1;
	if (b->len + len + 1 > b->size) {
		size = b->size ? b->size : 64;
		while (size < b->len + len + 1)
			size *= 2;
		ns = realloc(b->s, size);
		if (ns == NULL)
			return -1;
		b->s = ns;
		b->size = size;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

/* The text of B, taken from it (an empty string when B is empty). */
char *
cp_buf_take(struct cp_buf *b)
{
	char *s = b->s;

	if (s == NULL)
		s = strdup("");
	b->s = NULL;
	b->len = b->size = 0;
	return s;
}

/* ---------------------------------------------------------------- numbers */

/* Digits D[.F] at *P (advanced past them) as an exact count of UNIT
 * parts, fractions of a part truncated; 0, -1 when there are no digits,
 * -2 when it passes MAX. */
static int
cp_decimal(const char **p, int64_t unit, int64_t max, int64_t *out)
{
	const char *s = *p;
	int64_t whole = 0, num = 0, den = 1, frac;
	int digits = 0, over = 0;

	for (; yf_isdigit((unsigned char)*s); s++, digits++) {
		int d = *s - '0';

		if (whole > (INT64_MAX - d) / 10)
			over = 1;
		else
			whole = whole * 10 + d;
	}
	if (*s == '.' && (digits > 0 || yf_isdigit((unsigned char)s[1]))) {
		for (s++; yf_isdigit((unsigned char)*s); s++, digits++) {
			if (den < 1000000000000000000LL) {	/* 18 digits are plenty */
				num = num * 10 + (*s - '0');
				den *= 10;
			}
		}
	}
	if (digits == 0)
		return -1;
	*p = s;
	/* unit * num / den exactly, then truncated: num < den <= 10^18. */
	frac = (int64_t)((unsigned __int128)unit * (unsigned __int128)num / (unsigned __int128)den);
	if (over || whole > max / unit || whole * unit > max - frac)
		return -2;
	*out = whole * unit + frac;
	return 0;
}

/* A memory size: bytes, or a number with b, k, m, g, t or p (powers of
 * 1024, as Docker reads them; "kb", "KiB" too); 0, -1 when bad, -2 when
 * too large. */
COMPOSE_STATIC int
compose_parse_size(const char *s, int64_t *bytes)
{
	static const char units[] = "bkmgtp";
	const char *p, *u;
	int64_t mult = 1, v;
	int rc;

	if (s == NULL || !yf_isdigit((unsigned char)*s))
		return -1;
	for (u = s; yf_isdigit((unsigned char)*u) || *u == '.'; u++)
		;
	p = u;
	if (*u == ' ')
		u++;
	if (*u != '\0') {
		const char *k = strchr(units, *u | 0x20);
		int shift;

		if (k == NULL)
			return -1;
		shift = (int)(k - units) * 10;
		mult = (int64_t)1 << shift;
		u++;
		if (shift > 0 && (*u | 0x20) == 'i')
			u++;
		if (shift > 0 && (*u | 0x20) == 'b')
			u++;
		if (*u != '\0')
			return -1;
	}
	u = s;
	rc = cp_decimal(&u, mult, CP_MAX_INT, &v);
	if (rc == -1 || u != p)
		return -1;
	if (rc != 0)
		return rc;
	*bytes = v;
	return 0;
}

/* A Go duration ("1m30s", "500ms", "1.5h"; "0" alone) in ns; 0, -1 when
 * bad, -2 when longer than CP_MAX_INT ns. */
COMPOSE_STATIC int
compose_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
		{ "ms", 1000000 }, { "s", CP_NS }, { "m", 60 * CP_NS }, { "h", 3600 * CP_NS },
	};
	const char *p = s;
	int64_t total = 0;
	int over = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	while (*p != '\0') {
		const char *num = p, *q;
		size_t i, bestlen = 0;
		int64_t part = 0, unit = 0;
		int rc;

		while (yf_isdigit((unsigned char)*p) || *p == '.')
			p++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].name);

			if (strncmp(p, units[i].name, len) == 0 && len > bestlen) {
				bestlen = len;
				unit = units[i].ns;
			}
		}
		if (bestlen == 0 || p == num)
			return -1;
		q = num;
		rc = cp_decimal(&q, unit, CP_MAX_INT, &part);
		if (rc == -1 || q != p)
			return -1;
		if (rc != 0 || part > CP_MAX_INT - total)
			over = 1;
		else
			total += part;
		p += bestlen;
	}
	if (over)
		return -2;
	*ns = total;
	return 0;
}

/* A number of CPUs ("0.5", "2") as NanoCpus; 0, -1 when bad, -2 when out
 * of range (0, or more than CP_MAX_CPUS). */
COMPOSE_STATIC int
compose_parse_cpus(const char *s, int64_t *nanocpus)
{
	const char *p = s;
	int64_t v;
	int rc;

	if (s == NULL)
		return -1;
	rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &v);
	if (rc == -1 || *p != '\0')
		return -1;
	if (rc != 0 || v <= 0 || v > (int64_t)CP_MAX_CPUS * CP_NS)
		return -2;
	*nanocpus = v;
	return 0;
}

/* A whole number S in MIN..MAX; 0, or -1. */
int
cp_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || !(yf_isdigit((unsigned char)*s) ||
	    (*s == '-' && yf_isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- words */

/* S split into words as a shell would (and compose does): blanks
 * separate, '...' is literal, "..." and a backslash escape; a cJSON
 * array, or NULL with WHY. */
COMPOSE_STATIC cJSON *
compose_split_words(const char *s, const char **why)
{
	struct cp_buf w = { 0 };
	cJSON *arr = cJSON_CreateArray(), *item;
	int inword = 0, count = 0;
	const char *p = s;

	*why = "out of memory";
	if (arr == NULL)
		return NULL;
	for (;;) {
		char c = *p;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (inword) {
				char *word = cp_buf_take(&w);

				if (word == NULL || ++count > CP_MAX_ITEMS ||
				    (item = cJSON_CreateString(word)) == NULL) {
					if (count > CP_MAX_ITEMS)
						*why = "too many words";
					free(word);
					goto fail;
				}
				free(word);
				cJSON_AddItemToArray(arr, item);
				inword = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (end == NULL) {
				*why = "unterminated quote";
				goto fail;
			}
			if (cp_buf_add(&w, p + 1, (size_t)(end - p - 1)) != 0 ||
			    cp_buf_add(&w, "", 0) != 0)
				goto fail;
			p = end + 1;
		} else if (c == '"') {
			p++;
			while (*p != '"') {
				if (*p == '\0') {
					*why = "unterminated quote";
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`\n", p[1]) != NULL)
					p++;
				if (cp_buf_add(&w, p, 1) != 0)
					goto fail;
				p++;
			}
			if (cp_buf_add(&w, "", 0) != 0)
				goto fail;
			p++;
		} else if (c == '\\') {
			if (p[1] == '\0') {
				*why = "a backslash at the end";
				goto fail;
			}
			if (p[1] != '\n' && cp_buf_add(&w, p + 1, 1) != 0)
				goto fail;
			p += 2;
		} else {
			if (cp_buf_add(&w, p, 1) != 0)
				goto fail;
			p++;
		}
	}
	free(w.s);
	*why = NULL;
	return arr;

fail:
	free(w.s);
	cJSON_Delete(arr);
	return NULL;
}

/* command or entrypoint N: a list of words, or a string split like a
 * shell would. */
int
cp_words(struct cp_file *f, yaml_node_t *n, const char *what, cJSON **out)
{
	const char *why;
	struct yf_q q;
	char *s;

	*out = NULL;
	if (n->type == YAML_SEQUENCE_NODE)
		return cp_string_list(f, n, what, CP_EMPTY_OK | CP_SPACE_OK, out);
	if (n->type != YAML_SCALAR_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a list or a string for %s", what);
	s = cp_str(f, n, what, CP_EMPTY_OK | CP_SPACE_OK);
	if (s == NULL)
		return -1;
	*out = compose_split_words(s, &why);
	if (*out == NULL) {
		yf_error(&f->y, &n->start_mark, "%s: %s in '%s'", what, why,
		    yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* ---------------------------------------------------------------- scalars */

/* Scalar N as a boolean (true/false); 0, or -1. */
int
cp_bool(struct cp_file *f, yaml_node_t *n, const char *what, int *out)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);
	int b;

	if (s == NULL)
		return -1;
	if ((b = yf_truth(s, strlen(s))) < 0) {
		yf_error(&f->y, &n->start_mark, "%s must be true or false, not '%s'", what,
		    yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	*out = b;
	free(s);
	return 0;
}

/* Scalar N as a whole number in MIN..MAX; 0, or -1. */
int
cp_int(struct cp_file *f, yaml_node_t *n, const char *what, long long min, long long max,
    long long *out)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);

	if (s == NULL)
		return -1;
	if (cp_parse_int(s, min, max, out) != 0) {
		yf_error(&f->y, &n->start_mark, "%s must be a whole number from %lld to %lld, "
		    "not '%s'", what, min, max, yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* Scalar N as a memory size in bytes; 0, or -1. */
int
cp_size(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_size(s, out);
	yf_quotes(&q, s, YF_QUOTE);
	free(s);
	if (rc == -2)
		return yf_error(&f->y, &n->start_mark, "%s: size '%s' is too large (at most %lld "
		    "bytes)", what, q.s, CP_MAX_INT);
	if (rc != 0)
		return yf_error(&f->y, &n->start_mark, "%s: bad size '%s'", what, q.s);
	return 0;
}

/* Scalar N as a Go duration in ns; 0, or -1. */
int
cp_duration(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_duration(s, out);
	yf_quotes(&q, s, YF_QUOTE);
	free(s);
	if (rc == -2)
		return yf_error(&f->y, &n->start_mark, "%s: duration '%s' is too long", what, q.s);
	if (rc != 0)
		return yf_error(&f->y, &n->start_mark, "%s: bad duration '%s' (use a number with a "
		    "unit, such as 30s, 1m30s or 500ms)", what, q.s);
	return 0;
}

/* Scalar N as a number of CPUs, in NanoCpus; 0, or -1. */
int
cp_cpus(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_cpus(s, out);
	yf_quotes(&q, s, YF_QUOTE);
	free(s);
	if (rc != 0)
		return yf_error(&f->y, &n->start_mark, "%s: bad number of CPUs '%s' (use a number "
		    "more than 0 and at most %d, such as 0.5)", what, q.s, CP_MAX_CPUS);
	return 0;
}

/* Scalar N as seconds: a Go duration ("10s", "2m") or a plain number. */
int
cp_seconds(struct cp_file *f, yaml_node_t *n, const char *what, double *out)
{
	struct yf_q q;
	const char *p;
	char *s = cp_str(f, n, what, 0);
	int64_t ns = 0;
	int rc;

	if (s == NULL)
		return -1;
	p = s + strspn(s, "0123456789.");
	if (*p == '\0') {
		p = s;
		rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &ns);
		if (rc == 0 && *p != '\0')
			rc = -1;
	} else
		rc = compose_parse_duration(s, &ns);
	yf_quotes(&q, s, YF_QUOTE);
	free(s);
	if (rc == -2)
		return yf_error(&f->y, &n->start_mark, "%s: duration '%s' is too long", what, q.s);
	if (rc != 0)
		return yf_error(&f->y, &n->start_mark, "%s: bad duration '%s' (use seconds, or a "
		    "number with a unit, such as 10s or 2m)", what, q.s);
	*out = (double)ns / (double)CP_NS;
	return 0;
}

/* Scalar N as a ratio: 0..1, or a percentage "5%". */
int
cp_ratio(struct cp_file *f, yaml_node_t *n, const char *what, double *out)
{
	struct yf_q q;
	const char *p;
	char *s = cp_str(f, n, what, 0);
	int64_t v = 0;
	int rc, percent;

	if (s == NULL)
		return -1;
	p = s;
	rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &v);
	percent = rc == 0 && *p == '%';
	if (percent)
		p++;
	if (rc == 0 && *p == '\0' && v <= (percent ? 100 : 1) * CP_NS) {
		*out = (double)v / (percent ? 100.0 * (double)CP_NS : (double)CP_NS);
		free(s);
		return 0;
	}
	yf_error(&f->y, &n->start_mark, "%s must be from 0 to 1, or a percentage such as 5%%, "
	    "not '%s'", what, yf_quotes(&q, s, YF_QUOTE));
	free(s);
	return -1;
}

/* Scalar N as one of NAMES: *OUT gets its value; an error names them all
 * ("WHAT must be a, b or c, not 'x'"). */
int
cp_enum(struct cp_file *f, yaml_node_t *n, const char *what, const struct cp_names *names,
    int *out)
{
	char list[256] = "";
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);
	int v;

	if (s == NULL)
		return -1;
	if ((v = cp_value(names, s)) >= 0) {
		*out = v;
		free(s);
		return 0;
	}
	for (size_t i = 0; i < names->n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		    i == 0 ? "" : i + 1 == names->n ? " or " : ", ", names->names[i]);
	yf_error(&f->y, &n->start_mark, "%s must be %s, not '%s'", what, list,
	    yf_quotes(&q, s, YF_QUOTE));
	free(s);
	return -1;
}

/* ---------------------------------------------------------------- lists */

/* Add string S to array ARR; -1 on allocation failure. */
int
cp_add_string(cJSON *arr, const char *s)
{
	cJSON *item = cJSON_CreateString(s);

	if (item == NULL)
		return -1;
	cJSON_AddItemToArray(arr, item);
	return 0;
}

/* The items of list N (the value of WHAT), each checked to be a node. */
int
cp_list(struct cp_file *f, yaml_node_t *n, const char *what, size_t *count)
{
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a list for %s", what);
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (*count > CP_MAX_ITEMS)
		return yf_error(&f->y, &n->start_mark, "%s has too many items (at most %d)", what,
		    CP_MAX_ITEMS);
	for (size_t i = 0; i < *count; i++) {
		if (yf_get(&f->y, n->data.sequence.items.start[i]) == NULL)
			return yf_error(&f->y, &n->start_mark, "broken list");
	}
	return 0;
}

/* Item I of list N. */
yaml_node_t *
cp_item(struct cp_file *f, yaml_node_t *n, size_t i)
{
	return yf_get(&f->y, n->data.sequence.items.start[i]);
}

/* A list of strings N as a cJSON array in *OUT. */
int
cp_string_list(struct cp_file *f, yaml_node_t *n, const char *what, int flags, cJSON **out)
{
	size_t count;
	cJSON *arr;

	*out = NULL;
	if (cp_list(f, n, what, &count) != 0)
		return -1;
	if ((arr = cJSON_CreateArray()) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cp_item(f, n, i);
		char *s = cp_str(f, item, what, flags);

		if (s == NULL) {
			cJSON_Delete(arr);
			return -1;
		}
		if (cp_add_string(arr, s) != 0) {
			free(s);
			cJSON_Delete(arr);
			return yf_error(&f->y, &item->start_mark, "out of memory");
		}
		free(s);
	}
	*out = arr;
	return 0;
}

/* ---------------------------------------------------------------- mappings */

/* Append the pairs of mapping N to *PAIRS (*NP of them, room for MAX):
 * its own keys (each at most once), then those of the mappings merged
 * with "<<" that are not there yet. */
static int
cp_flatten_into(struct cp_file *f, yaml_node_t *n, struct cp_pair *pairs, size_t *np,
    int depth)
{
	yaml_node_t *merges[64];
	size_t nmerges = 0, own = *np;
	struct yf_q q;

	if (depth > CP_MAX_MERGE)
		return yf_error(&f->y, &n->start_mark, "merges nested too deep (more than %d)",
		    CP_MAX_MERGE);
	for (size_t p = 0; p < yf_npairs(n); p++) {
		yaml_node_t *k, *v;
		size_t i;

		if (yf_pair(&f->y, n, p, &k, &v) != 0)
			return -1;
		if (yf_scalar_is(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (v->type == YAML_MAPPING_NODE && nmerges < 64)
				merges[nmerges++] = v;
			else if (v->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *it = v->data.sequence.items.start;
				    it < v->data.sequence.items.top; it++) {
					yaml_node_t *m = yf_get(&f->y, *it);

					if (m == NULL || m->type != YAML_MAPPING_NODE)
						return yf_error(&f->y, m != NULL ? &m->start_mark :
						    &v->start_mark, "'<<' merges mappings only");
					if (nmerges == 64)
						return yf_error(&f->y, &v->start_mark,
						    "too many merges");
					merges[nmerges++] = m;
				}
			} else if (v->type != YAML_MAPPING_NODE)
				return yf_error(&f->y, &v->start_mark, "'<<' merges mappings only");
			else
				return yf_error(&f->y, &v->start_mark, "too many merges");
			continue;
		}
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		for (i = own; i < *np; i++) {
			if (pairs[i].k->data.scalar.length == k->data.scalar.length &&
			    memcmp(yf_scalar(pairs[i].k), yf_scalar(k), k->data.scalar.length) == 0)
				return yf_error(&f->y, &k->start_mark,
				    "duplicate key '%s' (first at line %zu)", q.s,
				    pairs[i].k->start_mark.line + 1);
		}
		if (*np >= CP_MAX_PAIRS)
			return yf_error(&f->y, &n->start_mark, "too many keys (at most %d)",
			    CP_MAX_PAIRS);
		pairs[*np].k = k;
		pairs[*np].v = v;
		(*np)++;
	}
	for (size_t m = 0; m < nmerges; m++) {
		struct cp_pair *more;
		size_t nmore = 0, i, j;

		more = malloc(CP_MAX_PAIRS * sizeof(*more));
		if (more == NULL)
			return yf_error(&f->y, &n->start_mark, "out of memory");
		if (cp_flatten_into(f, merges[m], more, &nmore, depth + 1) != 0) {
			free(more);
			return -1;
		}
		for (j = 0; j < nmore; j++) {
			for (i = own; i < *np; i++) {
				if (pairs[i].k->data.scalar.length == more[j].k->data.scalar.length &&
				    memcmp(yf_scalar(pairs[i].k), yf_scalar(more[j].k),
				    more[j].k->data.scalar.length) == 0)
					break;
			}
			if (i < *np)
				continue;
			if (*np >= CP_MAX_PAIRS) {
				free(more);
				return yf_error(&f->y, &n->start_mark, "too many keys (at most %d)",
				    CP_MAX_PAIRS);
			}
			pairs[(*np)++] = more[j];
		}
		free(more);
	}
	return 0;
}

/* The pairs of mapping N, merges flattened, in a new array; -1 on error. */
int
cp_pairs(struct cp_file *f, yaml_node_t *n, struct cp_pair **out, size_t *np)
{
	size_t count = yf_npairs(n);
	struct cp_pair *pairs;
	int merges = 0;

	*out = NULL;
	*np = 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yf_get(&f->y, p->key);

		merges |= k != NULL && yf_scalar_is(k, "<<");
	}
	if (count > CP_MAX_PAIRS)
		return yf_error(&f->y, &n->start_mark, "too many keys (at most %d)", CP_MAX_PAIRS);
	pairs = malloc((merges ? CP_MAX_PAIRS : count + 1) * sizeof(*pairs));
	if (pairs == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (cp_flatten_into(f, n, pairs, np, 0) != 0) {
		free(pairs);
		return -1;
	}
	*out = pairs;
	return 0;
}

/* Check that mapping N (the value of WHAT) holds only keys of SCHEMA:
 * VALS[i] and KEYN[i] get the value and key of its KEYS[i], or NULL (a
 * null value counts as none); an unsupported key is a warning. */
int
cp_mapping(struct cp_file *f, yaml_node_t *n, const char *what, const struct cp_schema *schema,
    yaml_node_t **vals, yaml_node_t **keyn)
{
	struct cp_pair *pairs;
	struct yf_q q;
	size_t np;
	int rc = -1;

	for (size_t i = 0; i < schema->nkeys; i++)
		vals[i] = keyn[i] = NULL;
	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a mapping for %s", what);
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t p = 0; p < np; p++) {
		yaml_node_t *k = pairs[p].k, *v = pairs[p].v;
		size_t i = yf_key_index(k, schema->keys, schema->nkeys);

		if (i < schema->nkeys) {
			keyn[i] = k;
			vals[i] = yf_null(v) ? NULL : v;
			continue;
		}
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		if (schema->extensions && k->data.scalar.length >= 2 &&
		    (yf_scalar(k)[0] == 'x' || yf_scalar(k)[0] == 'X') && yf_scalar(k)[1] == '-')
			continue;
		for (i = 0; schema->unsupported != NULL && schema->unsupported[i] != NULL; i++) {
			if (yf_scalar_is(k, schema->unsupported[i]))
				break;
		}
		if (schema->unsupported != NULL && schema->unsupported[i] != NULL) {
			if (cp_warn(f, &k->start_mark, "unsupported key '%s' ignored", q.s) != 0)
				goto out;
			continue;
		}
		yf_error(&f->y, &k->start_mark, "unknown key '%s'", q.s);
		goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}
