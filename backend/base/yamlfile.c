/* yamlfile.c: reading a YAML file whole and walking it with positions
 * (yamlfile.h), for the inventory and the stack format.
 *
 * libyaml's scanner slows down with the square of the nesting depth, so
 * yf_load() first runs the parser over the events alone (yf_check_depth),
 * which reports syntax errors and refuses deep nesting before the loader
 * builds a document; the callers' walks only ever go as deep as their
 * schema, so aliases (even cyclic ones) are never expanded.
 *
 * yf_error() is the one place a position is written: "FILE:LINE:COLUMN:
 * message", 1-based, the message cut at 2 KiB. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "backend/base/yamlfile.h"

/* ---------------------------------------------------------------- text */

/* Write a message to ERR, if there is room for one; returns -1. */
int
yf_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Untrusted TEXT for a one-line message (yamlfile.h). */
const char *
yf_quote(struct yf_q *q, const char *text, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (max > YF_QUOTE_PATH)
		max = YF_QUOTE_PATH;
	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f)
			q->s[o++] = (char)c;
		else {
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[c >> 4];
			q->s[o++] = hex[c & 15];
		}
	}
	if (i < len) {
		memcpy(q->s + o, "...", 3);
		o += 3;
	}
	q->s[o] = '\0';
	return q->s;
}

/* A NUL-terminated string, quoted as yf_quote does. */
const char *
yf_quotes(struct yf_q *q, const char *s, size_t max)
{
	return yf_quote(q, s, strlen(s), max);
}

/* A new string holding LEN bytes of S. */
char *
yf_strndup(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/* A new string "A/B" (no doubled slash), or NULL. */
char *
yf_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int slash = la > 0 && a[la - 1] == '/';
	char *s = malloc(la + lb + 2);

	if (s == NULL)
		return NULL;
	snprintf(s, la + lb + 2, "%s%s%s", a, slash ? "" : "/", b);
	return s;
}

/* ASCII digit. */
int
yf_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letter or digit, whatever the locale. */
int
yf_isalnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || yf_isdigit(c);
}

/* A control character (C0 or DEL). */
int
yf_iscntrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

/* ---------------------------------------------------------------- files */

/* All of PATH in a new buffer of at most MAX bytes (yamlfile.h). */
char *
yf_read_file(const char *path, size_t max, size_t *lenp)
{
	size_t len = 0, size = 4096;
	char *buf = NULL, *nbuf;
	struct stat st;
	ssize_t got;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_size >= 0 && (size_t)st.st_size <= max)
		size = (size_t)st.st_size + 1;
	buf = malloc(size);
	if (buf == NULL)
		goto fail;
	for (;;) {
		if (len + 1 >= size) {
			if (size >= max + 2) {
				errno = EFBIG;
				goto fail;
			}
			size = size * 2 > max + 2 ? max + 2 : size * 2;
			nbuf = realloc(buf, size);
			if (nbuf == NULL)
				goto fail;
			buf = nbuf;
		}
		got = read(fd, buf + len, size - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;

fail:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/* The directory of PATH as given, "." when it names none. */
char *
yf_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	return yf_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* The position of byte OFF of BUF. */
yaml_mark_t
yf_mark_of(const char *buf, size_t len, size_t off)
{
	yaml_mark_t mark = { 0, 0, 0 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			mark.line++;
			mark.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			mark.column++;
	}
	return mark;
}

/* Whether the line of AT in BUF (LEN bytes) is indented with a tab before
 * AT; *TAB gets the tab's position.  YAML forbids tabs in indentation,
 * and libyaml's own words for it ("found character that cannot start any
 * token") do not say so. */
static int
yf_tab_indent(const char *buf, size_t len, const yaml_mark_t *at, yaml_mark_t *tab)
{
	size_t start = at->index <= len ? at->index : len, i;

	while (start > 0 && buf[start - 1] != '\n')
		start--;
	for (i = start; i < len && i <= at->index && (buf[i] == ' ' || buf[i] == '\t'); i++) {
		if (buf[i] == '\t') {
			*tab = yf_mark_of(buf, len, i);
			return 1;
		}
	}
	return 0;
}

/* Report PARSER's error on BUF (LEN bytes) as "FILE:LINE:COLUMN: ...". */
static int
yf_yaml_error(struct yf_file *f, const yaml_parser_t *parser, const char *buf, size_t len)
{
	const char *problem = parser->problem != NULL ? parser->problem : "cannot parse";
	yaml_mark_t mark;

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		return yf_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	case YAML_READER_ERROR:
		/* No mark for these: count lines and characters to the offset. */
		mark = yf_mark_of(buf, len, parser->problem_offset);
		return yf_error(f, &mark, "%s", problem);
	default:
		if (yf_tab_indent(buf, len, &parser->problem_mark, &mark))
			return yf_error(f, &mark, "tab in indentation (indent with spaces)");
		if (parser->context != NULL)
			return yf_error(f, &parser->problem_mark, "%s (%s at %zu:%zu)", problem,
			    parser->context, parser->context_mark.line + 1,
			    parser->context_mark.column + 1);
		return yf_error(f, &parser->problem_mark, "%s", problem);
	}
}

/* Parse BUF (LEN bytes) as events only, to report syntax errors and refuse
 * nesting deeper than YF_MAX_DEPTH cheaply. */
static int
yf_check_depth(struct yf_file *f, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_type_t type;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser))
		return yf_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	do {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yf_yaml_error(f, &parser, buf, len);
			break;
		}
		type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > YF_MAX_DEPTH)
				rc = yf_error(f, &ev.start_mark, "nesting too deep "
				    "(more than %d levels)", YF_MAX_DEPTH);
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	} while (rc == 0 && type != YAML_STREAM_END_EVENT);
	yaml_parser_delete(&parser);
	return rc;
}

/* Load BUF into F's document: one document, not too deep. */
int
yf_load(struct yf_file *f, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t more;
	int rc = -1;

	f->loaded = 0;
	if (yf_check_depth(f, buf, len) != 0)
		return -1;
	if (!yaml_parser_initialize(&parser))
		return yf_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &f->doc)) {
		yf_yaml_error(f, &parser, buf, len);
		goto out;
	}
	f->loaded = 1;
	if (!yaml_parser_load(&parser, &more)) {
		yf_yaml_error(f, &parser, buf, len);
		goto out;
	}
	if (yaml_document_get_root_node(&more) != NULL) {
		yf_error(f, &more.start_mark, "only one YAML document is allowed");
		yaml_document_delete(&more);
		goto out;
	}
	yaml_document_delete(&more);
	rc = 0;
out:
	yaml_parser_delete(&parser);
	return rc;
}

/* Free F's document, if it has one. */
void
yf_close(struct yf_file *f)
{
	if (f->loaded)
		yaml_document_delete(&f->doc);
	f->loaded = 0;
}

/* ---------------------------------------------------------------- errors */

/* "FILE:LINE:COLUMN: message" for MARK of F into BUF. */
void
yf_vformat(const struct yf_file *f, const yaml_mark_t *mark, char *buf, size_t len,
    const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(buf, len, "%s:%zu:%zu: %s", f->path, mark->line + 1, mark->column + 1, msg);
}

/* Set F's error at MARK; returns -1. */
int
yf_error(struct yf_file *f, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	if (f->err == NULL || f->errlen == 0)
		return -1;
	va_start(ap, fmt);
	yf_vformat(f, mark, f->err, f->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---------------------------------------------------------------- nodes */

/* NAME as a path from DIR (yamlfile.h). */
char *
yf_path(struct yf_file *f, const yaml_mark_t *mark, const char *dir, char *name)
{
	char *path;

	if (name == NULL)
		return NULL;
	path = name[0] == '/' ? strdup(name) : yf_join(dir, name);
	free(name);
	if (path == NULL)
		yf_error(f, mark, "out of memory");
	return path;
}

/* The root of F's document, which must be a mapping. */
yaml_node_t *
yf_root(struct yf_file *f, const char *what, const char *want)
{
	yaml_node_t *root = yaml_document_get_root_node(&f->doc);
	yaml_mark_t start = { 0, 0, 0 };

	if (root == NULL)
		yf_error(f, &start, "empty %s: expected %s", what, want);
	else if (root->type != YAML_MAPPING_NODE)
		yf_error(f, &root->start_mark, "the %s must be %s", what, want);
	else
		return root;
	return NULL;
}

/* A zeroed array for the items of a collection, checked (yamlfile.h). */
void *
yf_items(struct yf_file *f, const yaml_mark_t *mark, size_t count, size_t max, size_t size,
    const char *what, const char *empty)
{
	void *items;

	if (count == 0) {
		yf_error(f, mark, "%s", empty);
		return NULL;
	}
	if (count > max) {
		yf_error(f, mark, "too many %s (at most %zu)", what, max);
		return NULL;
	}
	if ((items = calloc(count, size)) == NULL)
		yf_error(f, mark, "out of memory");
	return items;
}

/* Node INDEX of F's document. */
yaml_node_t *
yf_get(struct yf_file *f, int index)
{
	return yaml_document_get_node(&f->doc, index);
}

/* Scalar N's bytes. */
const char *
yf_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Whether N is a scalar with exactly the text S. */
int
yf_scalar_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
	    memcmp(n->data.scalar.value, s, len) == 0;
}

/* Whether N is a YAML null (an empty plain scalar, ~ or null). */
int
yf_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->data.scalar.length == 0 || yf_scalar_is(n, "~") || yf_scalar_is(n, "null") ||
	    yf_scalar_is(n, "Null") || yf_scalar_is(n, "NULL"));
}

/* S (LEN bytes) as a YAML boolean: 1, 0, or -1. */
int
yf_truth(const char *s, size_t len)
{
	static const char *const names[] = { "false", "False", "FALSE", "true", "True", "TRUE" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i >= 3;
	}
	return -1;
}

/* The number of pairs of mapping N. */
size_t
yf_npairs(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

/* The key and value of pair I of mapping N, checked. */
int
yf_pair(struct yf_file *f, const yaml_node_t *n, size_t i, yaml_node_t **k, yaml_node_t **v)
{
	const yaml_node_pair_t *pair = &n->data.mapping.pairs.start[i];

	*k = yf_get(f, pair->key);
	*v = yf_get(f, pair->value);
	if (*k == NULL || *v == NULL)
		return yf_error(f, &n->start_mark, "broken mapping");
	if ((*k)->type != YAML_SCALAR_NODE)
		return yf_error(f, &(*k)->start_mark, "a key must be a string");
	return 0;
}

/* The index of key K in KEYS, or NKEYS. */
size_t
yf_key_index(const yaml_node_t *k, const char *const *keys, size_t nkeys)
{
	size_t i;

	for (i = 0; i < nkeys; i++) {
		if (yf_scalar_is(k, keys[i]))
			break;
	}
	return i;
}
