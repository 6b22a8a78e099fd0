/* fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share (header only).
 *
 * Each harness tests/fuzz/fuzz-NAME.c feeds one parser of untrusted input
 * (doc/security.md, "Fuzzing") and checks what it can of the result; a
 * broken property calls fz_fail(), which aborts, so libFuzzer keeps the
 * input as a crash.  Parsers that read files get the input written to a
 * file in a directory of their own under /dev/shm (else /tmp), removed at
 * exit. */
#ifndef PD_FUZZ_H
#define PD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property did not hold: say which and abort (libFuzzer saves the input). */
static inline void fz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static inline void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: property broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The code point of the UTF-8 sequence at S (N bytes left) in *CP and its
 * length, or 0 when it is not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
static inline size_t
fz_utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned c, min;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Check that the N bytes of S are valid UTF-8 with nothing a terminal
 * would obey or that hides text: no C0 control (but those in KEEP, e.g.
 * "\n\t"), no DEL, no C1, no bidi or other format character.  ASCII: no
 * byte over 0x7f either.  WHAT names it in the failure. */
static inline void
fz_check_safe(const char *what, const char *s, size_t n, const char *keep, int ascii)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	unsigned cp;

	while (i < n) {
		k = fz_utf8_next(u + i, n - i, &cp);
		if (k == 0)
			fz_fail("%s: invalid UTF-8 at byte %zu of %zu", what, i, n);
		if (ascii && cp > 0x7f)
			fz_fail("%s: non-ASCII U+%04X at byte %zu", what, cp, i);
		if ((cp < 0x20 && (cp == 0 || keep == NULL || strchr(keep, (int)cp) == NULL)) ||
		    cp == 0x7f)
			fz_fail("%s: raw control byte 0x%02x at byte %zu", what, cp, i);
		if (pd_sanitize_hidden(cp))
			fz_fail("%s: raw hidden/format U+%04X at byte %zu", what, cp, i);
		i += k;
	}
}

/* Whether the N bytes of S are valid UTF-8. */
static inline int
fz_utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;
	unsigned cp;

	while (i < n) {
		k = fz_utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

static char fz_dir[64];
static char fz_path[128];

/* Remove the harness's file and directory (atexit). */
static inline void
fz_cleanup(void)
{
	if (fz_path[0] != '\0')
		unlink(fz_path);
	if (fz_dir[0] != '\0')
		rmdir(fz_dir);
}

/* Write DATA to the harness's input file, named NAME in its own directory
 * (made on first use); returns its path (static). */
static inline const char *
fz_write_file(const char *name, const uint8_t *data, size_t size)
{
	char *path = fz_path;
	FILE *fp;

	if (fz_dir[0] == '\0') {
		snprintf(fz_dir, sizeof(fz_dir), "/dev/shm/pd-fuzz.XXXXXX");
		if (mkdtemp(fz_dir) == NULL) {
			snprintf(fz_dir, sizeof(fz_dir), "/tmp/pd-fuzz.XXXXXX");
			if (mkdtemp(fz_dir) == NULL) {
				perror("mkdtemp");
				abort();
			}
		}
		atexit(fz_cleanup);
	}
	snprintf(fz_path, sizeof(fz_path), "%s/%s", fz_dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || (size > 0 && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
		perror(path);
		abort();
	}
	return path;
}

/* A NUL-terminated copy of DATA (freed by the caller). */
static inline char *
fz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
