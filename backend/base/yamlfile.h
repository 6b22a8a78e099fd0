/* yamlfile.h: reading a YAML file whole and walking it with positions.
 *
 * The inventory (engine/inventory.c) and the stack format (deploy/compose*.c)
 * read their files the same way, through this module: the file whole, at
 * most a limit (yf_read_file); the events first, to report syntax errors and
 * refuse deep nesting cheaply; then libyaml's document API, one document
 * only (yf_load).  Their walks use the node helpers below.
 *
 * Every error is one line, "FILE:LINE:COLUMN: message" (1-based; libyaml's
 * marks are 0-based), and yf_error() is the one place that formats it
 * (yf_vformat() for a warning).  Text quoted in a message may be junk from
 * the file, so yf_quote() escapes and shortens it.
 *
 * The functions that report return 0, or -1 with the message in the file's
 * ERR (yf_seterr() writes one anywhere). */
#ifndef PLANTDECK_YAMLFILE_H
#define PLANTDECK_YAMLFILE_H

#include <stdarg.h>
#include <stddef.h>

#include <yaml.h>

#define YF_MAX_DEPTH 64			/* nested collections */
#define YF_QUOTE 64			/* bytes of junk shown in a message */
#define YF_QUOTE_PATH 256		/* bytes of a path shown in a message */

/* Untrusted text made printable for a message. */
struct yf_q {
	char s[4 * YF_QUOTE_PATH + 8];
};

/* A YAML file being read. */
struct yf_file {
	const char *path;	/* as the caller gave it, for messages */
	yaml_document_t doc;	/* after yf_load */
	int loaded;		/* doc holds a document: yf_close deletes it */
	char *err;		/* where an error goes */
	size_t errlen;
};

/* ---- text */

/* Write a message to ERR, if there is room for one; returns -1. */
int yf_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Untrusted TEXT (LEN bytes) for a one-line message: printable ASCII as
 * is, other bytes as \xHH, cut after MAX (at most YF_QUOTE_PATH) bytes with
 * "...".  Returns Q's text. */
const char *yf_quote(struct yf_q *q, const char *text, size_t len, size_t max);

/* A NUL-terminated string, quoted as above. */
const char *yf_quotes(struct yf_q *q, const char *s, size_t max);

/* A new string holding LEN bytes of S, or NULL. */
char *yf_strndup(const char *s, size_t len);

/* A new string "A/B" (no doubled slash), or NULL. */
char *yf_join(const char *a, const char *b);

/* NAME (a new string, which is freed) as a path: itself when it is
 * absolute, else DIR/NAME.  NULL with an error at MARK of F when out of
 * memory, or when NAME is NULL (whoever made it set an error). */
char *yf_path(struct yf_file *f, const yaml_mark_t *mark, const char *dir, char *name);

/* ASCII classes, whatever the locale. */
int yf_isdigit(int c);
int yf_isalnum(int c);
int yf_iscntrl(int c);		/* C0 or DEL */

/* ---- files */

/* All of PATH in a new NUL-terminated buffer of at most MAX bytes, or NULL
 * with errno (EISDIR for a directory, EFBIG when too large). */
char *yf_read_file(const char *path, size_t max, size_t *lenp);

/* The directory of PATH as it was given ("." when it names none), in a
 * new string, or NULL. */
char *yf_dirname(const char *path);

/* The position of byte OFF of BUF (LEN bytes): lines and characters
 * counted from the start. */
yaml_mark_t yf_mark_of(const char *buf, size_t len, size_t off);

/* Load BUF (LEN bytes, the text of F->path) into F->doc: syntax errors and
 * nesting deeper than YF_MAX_DEPTH are found over the events first, and a
 * second document is an error.  0, or -1 with the error in F. */
int yf_load(struct yf_file *f, const char *buf, size_t len);

/* Free what yf_load kept. */
void yf_close(struct yf_file *f);

/* ---- errors */

/* "FILE:LINE:COLUMN: " and the message FMT into BUF (LEN bytes) for MARK
 * of F. */
void yf_vformat(const struct yf_file *f, const yaml_mark_t *mark, char *buf, size_t len,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* Set F's error "FILE:LINE:COLUMN: message" at MARK; returns -1. */
int yf_error(struct yf_file *f, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- nodes */

/* The root of F's document, a mapping: NULL with an error "empty WHAT:
 * expected WANT" or "the WHAT must be WANT" when it is not one. */
yaml_node_t *yf_root(struct yf_file *f, const char *what, const char *want);

/* A new zeroed array for the COUNT items (SIZE bytes each) of the
 * collection at MARK: NULL with an error when there are none (EMPTY is the
 * message), more than MAX ("too many WHAT (at most MAX)"), or no memory. */
void *yf_items(struct yf_file *f, const yaml_mark_t *mark, size_t count, size_t max,
    size_t size, const char *what, const char *empty);

/* Node INDEX of F's document, or NULL. */
yaml_node_t *yf_get(struct yf_file *f, int index);

/* Scalar N's bytes (N->data.scalar.length of them). */
const char *yf_scalar(const yaml_node_t *n);

/* Whether N is a scalar with exactly the text S. */
int yf_scalar_is(const yaml_node_t *n, const char *s);

/* Whether N is a YAML null (an empty plain scalar, ~ or null). */
int yf_null(const yaml_node_t *n);

/* S as a YAML boolean: 1 (true, True, TRUE), 0 (false, ...), or -1. */
int yf_truth(const char *s, size_t len);

/* The number of pairs of mapping N. */
size_t yf_npairs(const yaml_node_t *n);

/* The key *K and value *V of pair I of mapping N, checked: both there and
 * the key a string.  0, or -1 with the error in F. */
int yf_pair(struct yf_file *f, const yaml_node_t *n, size_t i, yaml_node_t **k,
    yaml_node_t **v);

/* The index of key K in KEYS (NKEYS of them), or NKEYS when it is not
 * one of them. */
size_t yf_key_index(const yaml_node_t *k, const char *const *keys, size_t nkeys);

#endif
