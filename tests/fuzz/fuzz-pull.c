/* fuzz-pull: image pull progress (the /images/create stream parser of
 * backend/deploy/prepull.c, through rollout_test_pull).
 *
 * Input: the stream, one JSON message a line.  Checked: the percentage
 * pulled is within 0..100 (byte counts from the node are range-checked),
 * or -1 when an error message came, its text then terminated. */
#include "backend/deploy/rollout-int.h"
#include "tests/fuzz/fuzz.h"

#define FZ_LINES 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fz_strdup(data, size), *p, *nl, err[512];
	const char *lines[FZ_LINES];
	size_t n = 0;
	int pct, complete = 0;

	for (p = all; n < FZ_LINES && p != NULL; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		lines[n++] = p;
	}
	pct = rollout_test_pull(lines, n, &complete, err, sizeof(err));
	if (pct == -2)
		abort();
	if (pct < -1 || pct > 100)
		fz_fail("pull: %d%%", pct);
	if (pct == -1 && memchr(err, '\0', sizeof(err)) == NULL)
		fz_fail("pull: error not terminated");
	if (complete != 0 && complete != 1)
		fz_fail("pull: complete %d", complete);
	free(all);
	return 0;
}
