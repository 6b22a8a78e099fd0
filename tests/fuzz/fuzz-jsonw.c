/* fuzz-jsonw: the JSON writer (backend/base/jsonw.c) against the printer it
 * stands in for.
 *
 * Input: byte 0 picks pretty or unformatted, the rest is read by cJSON as a
 * document (any document it accepts: engines' strings, keys and numbers
 * reach status --json this way) and, whole, as one string.  Checked:
 * pd_jw_cjson, which walks the tree with the writer's calls, writes the very
 * bytes pd_json_print prints of the same tree, unless the tree is deeper
 * than the writer's PD_JW_DEPTH, which it must then refuse (failed) rather
 * than write; the string is written as pd_json_print writes it as an
 * object's member and key; the output is safe (fz_check_safe) and parses
 * back. */
#include <cjson/cJSON.h>

#include "backend/base/jsonw.h"
#include "tests/fuzz/fuzz.h"

/* The depth of J's containers, J itself counted when it is one. */
static int
fz_depth(const cJSON *j)
{
	const cJSON *it;
	int d = 0;

	if (!cJSON_IsArray(j) && !cJSON_IsObject(j))
		return 0;
	cJSON_ArrayForEach(it, j) {
		int k = fz_depth(it);

		if (k > d)
			d = k;
	}
	return d + 1;
}

/* The writer's text of J against pd_json_print's. */
static void
fz_same(cJSON *j, int pretty, const char *what)
{
	struct pd_jw w;
	char *want;

	pd_jw_init(&w, pretty);
	pd_jw_cjson(&w, j);
	if (fz_depth(j) >= PD_JW_DEPTH) {
		if (!w.failed)
			fz_fail("%s: a tree %d deep written past the writer's depth", what,
			    fz_depth(j));
		pd_jw_free(&w);
		return;
	}
	if (w.failed || w.depth != 0)
		fz_fail("%s: the writer failed (depth %d)", what, w.depth);
	want = pd_json_print(j, pretty);
	if (want == NULL)
		abort();
	if (w.len != strlen(want) || memcmp(w.p, want, w.len) != 0)
		fz_fail("%s: the writer's %zu bytes are not pd_json_print's %zu:\n%.*s\n---\n%s",
		    what, w.len, strlen(want), (int)w.len, w.p, want);
	fz_check_safe(what, w.p, w.len, "\n\t", 0);
	free(want);
	pd_jw_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j, *o;
	char *str;
	int pretty;

	if (size < 1)
		return 0;
	pretty = data[0] & 1;
	data++;
	size--;
	j = cJSON_ParseWithLength((const char *)data, size);
	if (j != NULL) {
		fz_same(j, pretty, "document");
		cJSON_Delete(j);
	}
	str = fz_strdup(data, size);
	o = cJSON_CreateObject();
	if (o == NULL || cJSON_AddStringToObject(o, str, str) == NULL)
		abort();
	fz_same(o, pretty, "string");
	cJSON_Delete(o);
	free(str);
	return 0;
}
