/* sanitize.h: the one sanitiser every way out of plantdeck goes through.
 *
 * Text from nodes (names, labels, states, engine error messages, log lines,
 * agent answers) is untrusted. Before it reaches a terminal, a log file or
 * a JSON document it passes here: C0 controls and DEL become visible
 * escapes ("\e", "\x07", "\r"), bytes that are not valid UTF-8 become
 * "\xNN", and the code points a terminal obeys or that hide or reorder
 * text — C1 controls (U+0080..U+009F), bidi embeddings, overrides and
 * isolates (U+202A..U+202E, U+2066..U+2069), marks and other format
 * characters (category Cf), line and paragraph separators — become
 * "\uXXXX" ("\U000XXXXX" past U+FFFF). Printable UTF-8 passes through.
 * Output is cut only between whole characters or escapes. */
#ifndef PD_BASE_SANITIZE_H
#define PD_BASE_SANITIZE_H

#include <stddef.h>

/* Flags of pd_sanitize_buf(). */
enum {
	PD_SAN_ASCII = 1,	/* every non-ASCII character escaped too */
	PD_SAN_KEEP_LINES = 2,	/* newline and tab pass (a stream of lines) */
	PD_SAN_PARTIAL = 4,	/* SRC may end inside a UTF-8 sequence: stop there */
};

/* Copy untrusted SRC into DST (DSTLEN bytes, always terminated) with
 * control characters, escape sequences and invalid UTF-8 made visible;
 * with ASCII, non-ASCII characters become "\uXXXX" too. Returns the
 * length written. */
size_t pd_sanitize(char *dst, size_t dstlen, const char *src, int ascii);

/* The sanitiser on N bytes of SRC (NULs included) with FLAGS. Writes at
 * most DSTLEN - 1 bytes and a NUL; *USED (may be NULL) is how many bytes
 * of SRC went out — less than N when DST was full, or with PD_SAN_PARTIAL
 * when SRC ends inside what may be a UTF-8 sequence. Returns the length
 * written. */
size_t pd_sanitize_buf(char *dst, size_t dstlen, const char *src, size_t n, int flags,
    size_t *used);

/* Whether code point CP must be escaped rather than shown (C1 controls,
 * bidi and other format characters, separators). */
int pd_sanitize_hidden(unsigned cp);

/* Copy SRC into DST (LEN bytes, terminated) as snprintf("%s") would, but
 * when it must be cut, cut before a UTF-8 sequence rather than inside one.
 * Returns DST. */
char *pd_copy_text(char *dst, size_t len, const char *src);

/* Make the NUL-terminated S valid UTF-8 in place: every byte that is not
 * part of a valid sequence becomes '?'. Returns S. */
char *pd_utf8_fix(char *s);

/* Escape for a JSON document what pd_sanitize_hidden() names, as JSON
 * "\uXXXX" escapes (surrogate pairs past U+FFFF), in TEXT, which must be
 * a document printed by cJSON (valid UTF-8). Returns a new string (or
 * NULL when out of memory); the document means the same. */
char *pd_json_escape_hidden(const char *text);

struct cJSON;

/* Print J (pretty or on one line) as a document safe for a terminal and
 * valid JSON: its strings made valid UTF-8 first (pd_utf8_fix, in place),
 * then what pd_sanitize_hidden() names escaped (pd_json_escape_hidden);
 * cJSON escapes the C0 controls itself. Returns a new string or NULL. */
char *pd_json_print(struct cJSON *j, int pretty);

/* A number from a node as an integer: V's value when V is a finite JSON
 * number in [LO, HI] (the fraction dropped), else DEF. No cast of an engine's
 * double can overflow through this. */
long long pd_json_int(const struct cJSON *v, long long lo, long long hi, long long def);
/* The same for a number D read without cJSON (IS_NUMBER: it was one). */
long long pd_json_int_of(int is_number, double d, long long lo, long long hi, long long def);

#endif
