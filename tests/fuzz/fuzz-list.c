/* fuzz-list: the container list reply (fleet_list_*, backend/engine/fleet.c),
 * read as it streams in.
 *
 * Input: byte 0 the cap of entries parsed, bytes 1-3 the sizes of the
 * chunks it is fed in (cycled), the rest the body.  Checked: chunked
 * feeding gives what feeding the body at once gives (accepted or not, the
 * entries parsed and counted); never more parsed than the cap or than
 * counted; a refusal says why; and a body that cJSON reads as an array
 * of objects (with no control byte anywhere) is accepted with every entry
 * counted. */
#include <cjson/cJSON.h>

#include "backend/engine/fleet.h"
#include "tests/fuzz/fuzz.h"

struct fz_res {
	int rc;
	size_t parsed, total;
};

/* Feed BODY in chunks of the sizes in STEP (3 of them, cycled; 0: at once). */
static struct fz_res
fz_feed(size_t max, const char *body, size_t len, const uint8_t *step)
{
	struct fl_list *l = fleet_list_new(max);
	struct fz_res r = { 0, 0, 0 };
	size_t off = 0, k = 0, n;

	if (l == NULL)
		abort();
	while (r.rc == 0 && off < len) {
		n = step != NULL ? (size_t)step[k++ % 3] + 1 : len - off;
		if (n > len - off)
			n = len - off;
		r.rc = fleet_list_feed(l, body + off, n);
		off += n;
	}
	if (r.rc == 0)
		r.rc = fleet_list_end(l);
	r.parsed = fleet_list_parsed(l);
	r.total = fleet_list_total(l);
	if (r.rc != 0 && fleet_list_error(l)[0] == '\0')
		fz_fail("fleet_list: refused without a reason");
	if (r.parsed > max || r.parsed > r.total)
		fz_fail("fleet_list: %zu parsed of %zu, cap %zu", r.parsed, r.total, max);
	fleet_list_free(l);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_res whole, chunked;
	size_t max;
	const char *body;
	cJSON *j;
	int ctl = 0;

	if (size < 4)
		return 0;
	max = data[0] % 16;
	body = (const char *)data + 4;
	size -= 4;
	whole = fz_feed(max, body, size, NULL);
	chunked = fz_feed(max, body, size, data + 1);
	if ((whole.rc == 0) != (chunked.rc == 0) ||
	    (whole.rc == 0 && (whole.parsed != chunked.parsed || whole.total != chunked.total)))
		fz_fail("fleet_list: chunked (%d, %zu/%zu) differs from whole (%d, %zu/%zu)",
		    chunked.rc, chunked.parsed, chunked.total, whole.rc, whole.parsed, whole.total);
	for (size_t i = 0; i < size; i++)
		if ((unsigned char)body[i] < 0x20 && body[i] != ' ' && body[i] != '\t' &&
		    body[i] != '\r' && body[i] != '\n')
			ctl = 1;
	if (!ctl && (j = cJSON_ParseWithLengthOpts(body, size, NULL, 1)) != NULL) {
		int objects = cJSON_IsArray(j);
		const cJSON *it;

		cJSON_ArrayForEach(it, j)
			objects = objects && cJSON_IsObject(it);
		if (objects && (whole.rc != 0 || whole.total != (size_t)cJSON_GetArraySize(j)))
			fz_fail("fleet_list: a JSON array of %d objects read as rc %d, %zu entries",
			    cJSON_GetArraySize(j), whole.rc, whole.total);
		cJSON_Delete(j);
	}
	return 0;
}
