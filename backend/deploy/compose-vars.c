/* compose-vars.c: variables of a stack file.
 *
 * Every scalar value is interpolated (cp_str): $VAR and ${VAR} from the
 * environment, then from the .env file beside the stack file (the
 * environment wins); ${VAR:-default} and ${VAR-default}, ${VAR:+alt},
 * ${VAR:?message} (an error when VAR is unset or empty), $$ for a '$'.
 * An unset variable is a warning and an empty string, as compose has it.
 * Positions inside a one-line scalar are exact (cp_mark_at), so an error
 * points at the '$' at fault.
 *
 * Env files (.env, a service's env_file) are KEY=VALUE lines, with quotes,
 * "export" and # comments; their errors name "FILE:LINE".  A service's
 * environment: and labels: (a list of KEY=VALUE or a mapping) become
 * variables too, then the Env array and the Labels object of its create
 * body (cp_vars_json).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"

/* ---------------------------------------------------------------- helpers */

/* Whether C may start (FIRST) or continue a variable name. */
static int
cp_isvar(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && yf_isdigit(c));
}

/* Number of characters (not bytes) in the first LEN bytes of S. */
static size_t
cp_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The position of byte OFF of scalar N's value, where the file shows it
 * plainly (a one-line scalar without escapes); else the scalar's start. */
static yaml_mark_t
cp_mark_at(const yaml_node_t *n, size_t off)
{
	yaml_mark_t m = n->start_mark;
	size_t len = n->data.scalar.length, span, chars, quote;
	const char *s = yf_scalar(n);

	if (n->end_mark.line != n->start_mark.line || n->end_mark.index < m.index)
		return m;
	span = n->end_mark.index - m.index;
	chars = cp_chars(s, len);
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quote = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quote = 1;
		break;
	default:
		return m;
	}
	if (span != chars + 2 * quote && span != len + 2 * quote)
		return m;
	m.column += quote + cp_chars(s, off);
	return m;
}

/* ---------------------------------------------------------------- variables */

/* Free the variables of V. */
void
cp_vars_clear(struct cp_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].value);
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* The variable KEY (LEN bytes) in V, or NULL. */
static struct cp_var *
cp_vars_find(const struct cp_vars *v, const char *key, size_t len)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strlen(v->v[i].key) == len && memcmp(v->v[i].key, key, len) == 0)
			return &v->v[i];
	}
	return NULL;
}

/* Set KEY (LEN bytes) to VALUE (taken; NULL: no value) in V, replacing
 * an earlier value in place. */
static int
cp_vars_set(struct cp_vars *v, const char *key, size_t len, char *value)
{
	struct cp_var *var = cp_vars_find(v, key, len), *nv;

	if (var != NULL) {
		free(var->value);
		var->value = value;
		return 0;
	}
	if (v->n >= CP_MAX_ITEMS) {
		free(value);
		return -1;
	}
	if (v->n == v->size) {
		size_t size = v->size ? v->size * 2 : 16;

		nv = realloc(v->v, size * sizeof(*nv));
		if (nv == NULL) {
			free(value);
			return -1;
		}
		v->v = nv;
		v->size = size;
	}
	v->v[v->n].key = yf_strndup(key, len);
	if (v->v[v->n].key == NULL) {
		free(value);
		return -1;
	}
	v->v[v->n].value = value;
	v->n++;
	return 0;
}

/* The value of variable NAME (LEN bytes): the one set for this load, else
 * the environment's, else the .env file's; NULL when it is set in none. */
static const char *
cp_lookup(struct cp_file *f, const char *name, size_t len)
{
	char key[256];
	const char *v;
	struct cp_var *var;

	if (len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	for (size_t i = f->nset; i > 0; i--) {
		const char *s = f->set[i - 1];

		if (strncmp(s, key, len) == 0 && s[len] == '=')
			return s + len + 1;
	}
	v = getenv(key);
	if (v != NULL)
		return v;
	var = cp_vars_find(&f->dotenv, name, len);
	return var != NULL ? var->value : NULL;
}

/* ---------------------------------------------------------------- interpolation */

/* Interpolate S[0..LEN) (part of scalar N, whose value starts at WHOLE)
 * into B; WHAT names the value in messages. */
static int
cp_interp(struct cp_file *f, const yaml_node_t *n, const char *whole, const char *s,
    size_t len, struct cp_buf *b, const char *what, int depth)
{
	struct yf_q q, qm;
	size_t i = 0;

	if (depth > CP_MAX_NEST) {
		yaml_mark_t m = cp_mark_at(n, (size_t)(s - whole));

		return yf_error(&f->y, &m, "%s: substitutions nested too deep (more than %d)",
		    what, CP_MAX_NEST);
	}
	while (i < len) {
		const char *dollar = memchr(s + i, '$', len - i);
		size_t at, nstart, nlen, j;
		const char *name, *val, *op;
		yaml_mark_t m;

		if (dollar == NULL) {
			if (cp_buf_add(b, s + i, len - i) != 0)
				goto toolong;
			break;
		}
		at = (size_t)(dollar - s);
		if (cp_buf_add(b, s + i, at - i) != 0)
			goto toolong;
		m = cp_mark_at(n, (size_t)(dollar - whole));
		if (at + 1 < len && s[at + 1] == '$') {
			if (cp_buf_add(b, "$", 1) != 0)
				goto toolong;
			i = at + 2;
			continue;
		}
		if (at + 1 < len && cp_isvar((unsigned char)s[at + 1], 1)) {
			nstart = at + 1;
			for (j = nstart; j < len && cp_isvar((unsigned char)s[j], 0); j++)
				;
			name = s + nstart;
			nlen = j - nstart;
			val = cp_lookup(f, name, nlen);
			if (val == NULL && cp_warn(f, &m, "variable '%s' is not set, using an "
			    "empty string", yf_quote(&q, name, nlen, YF_QUOTE)) != 0)
				return -1;
			if (val != NULL && cp_buf_add(b, val, strlen(val)) != 0)
				goto toolong;
			i = j;
			continue;
		}
		if (at + 1 >= len || s[at + 1] != '{')
			return yf_error(&f->y, &m, "%s: bad '$' (write '$$' for a dollar sign)",
			    what);

		/* ${...}: find the matching brace, nested ${ included. */
		{
			size_t end, open = 1, oplen = 0, inner;
			int colon = 0;
			char kind = '\0';

			for (end = at + 2; end < len; end++) {
				if (s[end] == '$' && end + 1 < len && s[end + 1] == '$')
					end++;
				else if (s[end] == '$' && end + 1 < len && s[end + 1] == '{') {
					open++;
					end++;
				} else if (s[end] == '}' && --open == 0)
					break;
			}
			if (end >= len)
				return yf_error(&f->y, &m, "%s: unterminated '${'", what);
			nstart = at + 2;
			for (j = nstart; j < end && cp_isvar((unsigned char)s[j], j == nstart); j++)
				;
			name = s + nstart;
			nlen = j - nstart;
			op = s + j;
			if (j < end && *op == ':') {
				colon = 1;
				op++;
				oplen++;
			}
			if (j + oplen < end && strchr("-?+", *op) != NULL) {
				kind = *op;
				oplen++;
			}
			if (nlen == 0 || (j + oplen < end && kind == '\0') || (colon && kind == '\0'))
				return yf_error(&f->y, &m, "%s: bad substitution '%s'", what,
				    yf_quote(&q, s + at, end + 1 - at, YF_QUOTE));
			inner = j + oplen;	/* the default, message or alternative */
			val = cp_lookup(f, name, nlen);
			switch (kind) {
			case '\0':
				if (val == NULL && cp_warn(f, &m, "variable '%s' is not set, "
				    "using an empty string", yf_quote(&q, name, nlen, YF_QUOTE)) != 0)
					return -1;
				break;
			case '-':
				if (val == NULL || (colon && *val == '\0')) {
					if (cp_interp(f, n, whole, s + inner, end - inner, b, what,
					    depth + 1) != 0)
						return -1;
					val = NULL;
				}
				break;
			case '?':
				if (val == NULL || (colon && *val == '\0')) {
					yf_quote(&q, name, nlen, YF_QUOTE);
					if (end == inner)
						return yf_error(&f->y, &m, "%s: variable '%s' "
						    "is required", what, q.s);
					return yf_error(&f->y, &m, "%s: variable '%s' is "
					    "required: %s", what, q.s,
					    yf_quote(&qm, s + inner, end - inner, YF_QUOTE));
				}
				break;
			case '+':
				if (val != NULL && !(colon && *val == '\0') &&
				    cp_interp(f, n, whole, s + inner, end - inner, b, what,
				    depth + 1) != 0)
					return -1;
				val = NULL;
				break;
			}
			if (val != NULL && cp_buf_add(b, val, strlen(val)) != 0)
				goto toolong;
			i = end + 1;
		}
	}
	return 0;

toolong:
	return yf_error(&f->y, &n->start_mark, "%s is too long (at most %d bytes)", what,
	    CP_MAX_TEXT);
}

/* Scalar N's value, interpolated, as a new string; WHAT names it in
 * messages ("'image'"). */
char *
cp_str(struct cp_file *f, yaml_node_t *n, const char *what, int flags)
{
	struct cp_buf b = { 0 };
	char *s;

	if (n->type != YAML_SCALAR_NODE) {
		yf_error(&f->y, &n->start_mark, "expected a string for %s", what);
		return NULL;
	}
	if (cp_interp(f, n, yf_scalar(n), yf_scalar(n), n->data.scalar.length, &b, what, 0) != 0) {
		free(b.s);
		return NULL;
	}
	if (b.s != NULL && strlen(b.s) != b.len) {	/* "\0" in a quoted scalar */
		free(b.s);
		yf_error(&f->y, &n->start_mark, "%s has a control character", what);
		return NULL;
	}
	s = cp_buf_take(&b);
	if (s == NULL) {
		yf_error(&f->y, &n->start_mark, "out of memory");
		return NULL;
	}
	if (*s == '\0' && !(flags & CP_EMPTY_OK)) {
		yf_error(&f->y, &n->start_mark, "%s is empty", what);
		free(s);
		return NULL;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (yf_iscntrl((unsigned char)*p) &&
		    !((flags & CP_SPACE_OK) && (*p == '\t' || *p == '\n' || *p == '\r'))) {
			yf_error(&f->y, &n->start_mark, "%s has a control character", what);
			free(s);
			return NULL;
		}
	}
	return s;
}

/* ---------------------------------------------------------------- env files */

/* Parse LINE (LEN bytes, line LINENO of env file SHOWN) into VARS:
 * KEY=VALUE, 'export KEY=VALUE', a quoted value, a bare KEY (taken from
 * the environment when BARE, else skipped); blank lines and # comments. */
static int
cp_env_line(struct cp_file *f, const char *shown, size_t lineno, const char *line, size_t len,
    struct cp_vars *vars, int bare)
{
	const char *p = line, *end = line + len, *key;
	struct cp_buf b = { 0 };
	size_t klen;
	struct yf_q q;
	char *value;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	if (end - p > 7 && memcmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
		p += 7;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	key = p;
	while (p < end && (cp_isvar((unsigned char)*p, p == key) ||
	    (p > key && (*p == '.' || *p == '-'))))
		p++;
	klen = (size_t)(p - key);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (klen == 0 || (p < end && *p != '='))
		goto bad;
	if (p == end) {
		const char *v;

		if (!bare)
			return 0;
		v = cp_lookup(f, key, klen);
		if (v == NULL)
			return 0;
		if ((value = strdup(v)) == NULL)
			goto oom;
		if (cp_vars_set(vars, key, klen, value) != 0)
			return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: too many variables "
			    "(at most %d)", shown, lineno, CP_MAX_ITEMS);
		return 0;
	}
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '"' || *p == '\'')) {
		char quote = *p++;

		while (p < end && *p != quote) {
			const char *c = p;
			char esc;

			if (quote == '"' && *p == '\\' && p + 1 < end) {
				p++;
				esc = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
				c = &esc;
			}
			if (cp_buf_add(&b, c, 1) != 0)
				goto toolong;
			p++;
		}
		if (p == end) {
			free(b.s);
			return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: unterminated quote in "
			    "'%s'", shown, lineno, yf_quote(&q, line, len, YF_QUOTE));
		}
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p < end && *p != '#') {
			free(b.s);
			goto bad;
		}
	} else {
		const char *v = p;
		size_t vlen;

		while (p < end && !(*p == '#' && p > v && (p[-1] == ' ' || p[-1] == '\t')))
			p++;
		vlen = (size_t)(p - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (cp_buf_add(&b, v, vlen) != 0 || cp_buf_add(&b, "", 0) != 0)
			goto toolong;
	}
	for (size_t i = 0; i < b.len; i++) {
		if (yf_iscntrl((unsigned char)b.s[i]) && b.s[i] != '\t' && b.s[i] != '\n') {
			free(b.s);
			return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: control character in the "
			    "value of '%s'", shown, lineno, yf_quote(&q, key, klen, YF_QUOTE));
		}
	}
	if ((value = cp_buf_take(&b)) == NULL)
		goto oom;
	if (cp_vars_set(vars, key, klen, value) != 0)
		return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: too many variables (at most %d)",
		    shown, lineno, CP_MAX_ITEMS);
	return 0;

bad:
	return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: bad line '%s': expected KEY=VALUE",
	    shown, lineno, yf_quote(&q, line, len, YF_QUOTE));
toolong:
	free(b.s);
	return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: value too long (at most %d bytes)",
	    shown, lineno, CP_MAX_TEXT);
oom:
	return yf_seterr(f->y.err, f->y.errlen, "%s:%zu: out of memory", shown, lineno);
}

/* Read env file PATH into VARS; a missing file is fine when OPTIONAL, else
 * an error at MARK naming WHAT. */
int
cp_env_file(struct cp_file *f, const char *path, struct cp_vars *vars, int optional,
    const yaml_mark_t *mark, const char *what)
{
	size_t len = 0, lineno = 0;
	const char *p, *end, *nl;
	struct yf_q q;
	char *buf;

	buf = yf_read_file(path, CP_MAX_ENV_FILE, &len);
	if (buf == NULL && optional && errno == ENOENT)
		return 0;
	if (buf == NULL && mark != NULL)
		return yf_error(&f->y, mark, "%s: cannot open '%s': %s", what,
		    yf_quotes(&q, path, YF_QUOTE_PATH), strerror(errno));
	if (buf == NULL)
		return yf_seterr(f->y.err, f->y.errlen, "%s: cannot open: %s", path,
		    strerror(errno));
	end = buf + len;
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return yf_seterr(f->y.err, f->y.errlen, "%s: a NUL byte: not a text file", path);
	}
	for (p = buf; p < end; p = nl + 1) {
		size_t llen;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		lineno++;
		if (cp_env_line(f, path, lineno, p, llen, vars, !optional) != 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- environment and labels */

/* One "KEY=VALUE" or "KEY" (VALUE NULL: from the environment) of the list
 * form of environment or labels into VARS. */
static int
cp_kv_item(struct cp_file *f, yaml_node_t *item, const char *what, int env,
    struct cp_vars *vars)
{
	struct yf_q q;
	char *s, *eq, *value = NULL;
	size_t klen;

	s = cp_str(f, item, what, CP_SPACE_OK);
	if (s == NULL)
		return -1;
	eq = strchr(s, '=');
	klen = eq != NULL ? (size_t)(eq - s) : strlen(s);
	for (size_t i = 0; i < klen; i++) {
		if (yf_iscntrl((unsigned char)s[i]) || (env && (s[i] == ' ' || s[i] == '\t')))
			klen = 0;
	}
	if (klen == 0) {
		yf_error(&f->y, &item->start_mark, "%s: bad entry '%s' (use KEY=VALUE)", what,
		    yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	if (eq != NULL)
		value = strdup(eq + 1);
	else if (env) {
		const char *v = cp_lookup(f, s, klen);

		value = v != NULL ? strdup(v) : NULL;
		if (v == NULL) {
			free(s);
			return 0;	/* unset: compose leaves it out */
		}
	} else
		value = strdup("");
	if (value == NULL || cp_vars_set(vars, s, klen, value) != 0) {
		free(s);
		return yf_error(&f->y, &item->start_mark, "%s: too many entries, or out of memory",
		    what);
	}
	free(s);
	return 0;
}

/* cp_kv's work; on an error VARS may hold the entries read before it. */
static int
cp_kv_read(struct cp_file *f, yaml_node_t *n, const char *what, int env, struct cp_vars *vars)
{
	struct cp_pair *pairs;
	struct yf_q q;
	size_t np, count;
	int rc = -1;

	if (n->type == YAML_SEQUENCE_NODE) {
		if (cp_list(f, n, what, &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			if (cp_kv_item(f, cp_item(f, n, i), what, env, vars) != 0)
				return -1;
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a list or a mapping for %s", what);
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t p = 0; p < np; p++) {
		yaml_node_t *k = pairs[p].k, *v = pairs[p].v;
		const char *key = yf_scalar(k);
		size_t klen = k->data.scalar.length;
		char *value = NULL;
		int bad = klen == 0;

		for (size_t i = 0; i < klen; i++)
			bad |= yf_iscntrl((unsigned char)key[i]) || key[i] == '=' ||
			    (env && key[i] == ' ');
		if (bad) {
			yf_error(&f->y, &k->start_mark, "%s: bad key '%s'", what,
			    yf_quote(&q, key, klen, YF_QUOTE));
			goto out;
		}
		if (yf_null(v)) {
			const char *e = env ? cp_lookup(f, key, klen) : "";

			if (e == NULL)
				continue;
			value = strdup(e);
		} else {
			char w[sizeof(q.s) + 64];

			snprintf(w, sizeof(w), "%s '%s'", what, yf_quote(&q, key, klen, YF_QUOTE));
			if (v->type != YAML_SCALAR_NODE) {
				yf_error(&f->y, &v->start_mark, "expected a string for %s", w);
				goto out;
			}
			value = cp_str(f, v, w, CP_EMPTY_OK | CP_SPACE_OK);
			if (value == NULL)
				goto out;
		}
		if (value == NULL || cp_vars_set(vars, key, klen, value) != 0) {
			yf_error(&f->y, &k->start_mark, "%s: too many entries, or out of memory",
			    what);
			goto out;
		}
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* environment or labels N (a list of KEY=VALUE, or a mapping) into VARS;
 * ENV: a bare key takes its value from the environment.  On an error VARS
 * is emptied: half a list of labels is never used, and callers that
 * returned at once leaked it (found by fuzz-compose in a long run). */
int
cp_kv(struct cp_file *f, yaml_node_t *n, const char *what, int env, struct cp_vars *vars)
{
	if (cp_kv_read(f, n, what, env, vars) == 0)
		return 0;
	cp_vars_clear(vars);
	return -1;
}

/* env_file N (a path or a list of them, relative to the stack file's
 * directory) into VARS. */
int
cp_env_files(struct cp_file *f, yaml_node_t *n, struct cp_vars *vars)
{
	size_t count = 1;

	if (n->type == YAML_SEQUENCE_NODE && cp_list(f, n, "'env_file'", &count) != 0)
		return -1;
	if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a list or a string for "
		    "'env_file'");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = n->type == YAML_SEQUENCE_NODE ? cp_item(f, n, i) : n;
		yaml_node_t *pathn = item;
		char *path;
		int rc, optional = 0;

		if (item->type == YAML_MAPPING_NODE) {
			/* The long form: {path: FILE, required: BOOL (default true)}. */
			static const char *const keys[] = { "path", "required" };
			static const char *const unsupported[] = { "format", NULL };
			static const struct cp_schema schema = { keys, 2, unsupported, 1 };
			yaml_node_t *vals[2], *keyn[2];
			int required = 1;

			if (cp_mapping(f, item, "'env_file'", &schema, vals, keyn) != 0)
				return -1;
			if (vals[0] == NULL)
				return yf_error(&f->y, &item->start_mark, "'env_file': no 'path'");
			if (vals[1] != NULL && cp_bool(f, vals[1], "'required'", &required) != 0)
				return -1;
			pathn = vals[0];
			optional = !required;
		}
		path = yf_path(&f->y, &pathn->start_mark, f->reldir,
		    cp_str(f, pathn, "'env_file'", 0));
		if (path == NULL)
			return -1;
		rc = cp_env_file(f, path, vars, optional, &pathn->start_mark, "'env_file'");
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Set KEY to a copy of VALUE in V, replacing an earlier value; -1 on
 * allocation failure or too many. */
int
cp_vars_put(struct cp_vars *v, const char *key, const char *value)
{
	char *copy = value != NULL ? strdup(value) : NULL;

	if (value != NULL && copy == NULL)
		return -1;
	return cp_vars_set(v, key, strlen(key), copy);
}

/* VARS as an array of "KEY=VALUE" (ENV) or an object of labels. */
cJSON *
cp_vars_json(const struct cp_vars *vars, int env)
{
	cJSON *out = env ? cJSON_CreateArray() : cJSON_CreateObject();

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < vars->n; i++) {
		const struct cp_var *v = &vars->v[i];
		cJSON *item;

		if (env) {
			size_t len = strlen(v->key) + strlen(v->value) + 2;
			char *kv = malloc(len);

			if (kv == NULL)
				goto fail;
			snprintf(kv, len, "%s=%s", v->key, v->value);
			item = cJSON_CreateString(kv);
			free(kv);
			if (item == NULL)
				goto fail;
			cJSON_AddItemToArray(out, item);
		} else if (cJSON_AddStringToObject(out, v->key, v->value) == NULL)
			goto fail;
	}
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}
