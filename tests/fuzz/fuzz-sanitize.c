/* fuzz-sanitize: the one sanitiser (backend/base/sanitize.c).
 *
 * Input: byte 0 the flags of pd_sanitize_buf, byte 1 the size of its
 * output buffer, the rest untrusted text.  Checked: whatever the text, the
 * sanitiser's output is valid UTF-8 with no raw control, C1 or format
 * character (only "\n\t" with PD_SAN_KEEP_LINES, only ASCII with
 * PD_SAN_ASCII), fits its buffer, and takes all of the text when the
 * buffer is large enough; pd_copy_text cuts valid UTF-8 into a valid
 * prefix; pd_utf8_fix leaves valid UTF-8 of the same length, valid text
 * untouched; pd_json_print's document is safe in the same sense, parses
 * back with cJSON and holds the text as pd_utf8_fix makes it. */
#include <cjson/cJSON.h>

#include "tests/fuzz/fuzz.h"

/* pd_sanitize_buf with the flags and buffer size the input gives. */
static void
fz_sanitize_buf(int flags, size_t dstlen, const char *src, size_t n)
{
	size_t big = n * 12 + 16, used = (size_t)-1, len;
	char *dst = malloc(dstlen), *all = malloc(big);

	if (dst == NULL || all == NULL)
		abort();
	len = pd_sanitize_buf(dst, dstlen, src, n, flags, &used);
	if (len >= dstlen || dst[len] != '\0' || strlen(dst) != len)
		fz_fail("pd_sanitize_buf: length %zu in a buffer of %zu", len, dstlen);
	if (used > n)
		fz_fail("pd_sanitize_buf: used %zu of %zu bytes", used, n);
	fz_check_safe("pd_sanitize_buf", dst, len, flags & PD_SAN_KEEP_LINES ? "\n\t" : NULL,
	    flags & PD_SAN_ASCII);
	/* With room for the worst case ("\U0010FFFF" for 4 bytes, "\xNN" for
	 * each byte), everything goes out but a partial sequence at the end. */
	len = pd_sanitize_buf(all, big, src, n, flags, &used);
	fz_check_safe("pd_sanitize_buf (large)", all, len,
	    flags & PD_SAN_KEEP_LINES ? "\n\t" : NULL, flags & PD_SAN_ASCII);
	if (!(flags & PD_SAN_PARTIAL) && used != n)
		fz_fail("pd_sanitize_buf: used %zu of %zu bytes with room for all", used, n);
	if ((flags & PD_SAN_PARTIAL) && used + 4 <= n)
		fz_fail("pd_sanitize_buf: partial: used %zu of %zu bytes", used, n);
	free(dst);
	free(all);
}

/* pd_copy_text on STR into LEN bytes. */
static void
fz_copy_text(const char *str, size_t len)
{
	char *dst = malloc(len + 1);
	size_t n;

	if (dst == NULL)
		abort();
	pd_copy_text(dst, len, str);
	n = strlen(dst);
	if (n >= len || strncmp(dst, str, n) != 0)
		fz_fail("pd_copy_text: not a prefix that fits (%zu in %zu)", n, len);
	if (fz_utf8_valid(str, strlen(str)) && !fz_utf8_valid(dst, n))
		fz_fail("pd_copy_text: cut valid UTF-8 inside a character at %zu", n);
	free(dst);
}

/* pd_json_print of a string and, when the input is JSON, of the document. */
static void
fz_json(const char *str, int pretty)
{
	cJSON *j = cJSON_CreateObject(), *back;
	char *fixed = strdup(str), *out;
	const cJSON *v;

	if (j == NULL || fixed == NULL || cJSON_AddStringToObject(j, "s", str) == NULL)
		abort();
	pd_utf8_fix(fixed);
	out = pd_json_print(j, pretty);
	if (out == NULL)
		abort();
	fz_check_safe("pd_json_print", out, strlen(out), "\n\t", 0);
	back = cJSON_Parse(out);
	v = cJSON_GetObjectItemCaseSensitive(back, "s");
	if (!cJSON_IsString(v))
		fz_fail("pd_json_print: its document does not parse back: %s", out);
	if (strcmp(v->valuestring, fixed) != 0)
		fz_fail("pd_json_print: the string changed on the way");
	cJSON_Delete(back);
	free(out);
	cJSON_Delete(j);
	free(fixed);
	/* The input as a document of its own. */
	j = cJSON_Parse(str);
	if (j != NULL) {
		out = pd_json_print(j, pretty);
		if (out != NULL) {
			fz_check_safe("pd_json_print (document)", out, strlen(out), "\n\t", 0);
			back = cJSON_Parse(out);
			if (back == NULL)
				fz_fail("pd_json_print: a parsed document does not parse back");
			cJSON_Delete(back);
			free(out);
		}
		cJSON_Delete(j);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str, *fixed, *esc;
	size_t n;
	int flags;
	size_t dstlen;

	if (size < 2)
		return 0;
	flags = data[0] & (PD_SAN_ASCII | PD_SAN_KEEP_LINES | PD_SAN_PARTIAL);
	dstlen = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	fz_sanitize_buf(flags, dstlen, (const char *)data, size);

	str = fz_strdup(data, size);
	n = strlen(str);
	fz_copy_text(str, dstlen);

	fixed = strdup(str);
	if (fixed == NULL)
		abort();
	pd_utf8_fix(fixed);
	if (strlen(fixed) != n || !fz_utf8_valid(fixed, n))
		fz_fail("pd_utf8_fix: not valid UTF-8 of the same length");
	if (fz_utf8_valid(str, n) && strcmp(fixed, str) != 0)
		fz_fail("pd_utf8_fix: changed valid UTF-8");

	/* pd_json_escape_hidden takes what cJSON prints: valid UTF-8 with C0
	 * escaped; a quoted string of the fixed text is such a document. */
	{
		cJSON *s = cJSON_CreateString(fixed);
		char *doc = cJSON_PrintUnformatted(s);

		if (doc == NULL)
			abort();
		esc = pd_json_escape_hidden(doc);
		if (esc == NULL)
			abort();
		fz_check_safe("pd_json_escape_hidden", esc, strlen(esc), NULL, 0);
		cJSON *back = cJSON_Parse(esc);
		if (!cJSON_IsString(back) || strcmp(back->valuestring, fixed) != 0)
			fz_fail("pd_json_escape_hidden: the document changed meaning");
		cJSON_Delete(back);
		free(esc);
		free(doc);
		cJSON_Delete(s);
	}
	fz_json(str, flags & 1);
	free(fixed);
	free(str);
	return 0;
}
