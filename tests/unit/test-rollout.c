/* test-rollout.c: the rollout engine's pure parts — how targets fall into
 * waves, and how an image reference splits into repository, tag and
 * registry host. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backend/deploy/rollout.h"

/* Waves of N targets as a string: "0 1 1 2 2 2 2". */
static const char *
waves(size_t n, int canary, int par, int grow, int *nwaves)
{
	static char out[512];
	int w[64];
	size_t len = 0;

	*nwaves = rollout_waves(n, canary, par, grow, w);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%d", i ? " " : "", w[i]);
	return out;
}

static void
test_waves(void **state)
{
	int nw;

	(void)state;
	/* The default: a canary, then waves doubling without a limit. */
	assert_string_equal(waves(10, 1, 0, 1, &nw), "0 1 1 2 2 2 2 3 3 3");
	assert_int_equal(nw, 4);
	/* Doubling capped by parallelism. */
	assert_string_equal(waves(12, 1, 3, 1, &nw), "0 1 1 2 2 2 3 3 3 4 4 4");
	assert_int_equal(nw, 5);
	/* Fixed waves of parallelism. */
	assert_string_equal(waves(9, 1, 4, 0, &nw), "0 1 1 1 1 2 2 2 2");
	assert_int_equal(nw, 3);
	/* No canary, parallelism 0, no growth: one wave, all at once. */
	assert_string_equal(waves(5, 0, 0, 0, &nw), "0 0 0 0 0");
	assert_int_equal(nw, 1);
	/* No canary, growing from 2. */
	assert_string_equal(waves(7, 0, 0, 1, &nw), "0 0 1 1 1 1 2");
	/* A canary of 2 grows to 4. */
	assert_string_equal(waves(8, 2, 0, 1, &nw), "0 0 1 1 1 1 2 2");
	/* More canaries than targets. */
	assert_string_equal(waves(2, 5, 0, 1, &nw), "0 0");
	assert_int_equal(nw, 1);
	/* One target. */
	assert_string_equal(waves(1, 1, 0, 1, &nw), "0");
	assert_int_equal(nw, 1);
	/* 27 nodes, the lab's plant: 1, 2, 4, 8, 12. */
	assert_string_equal(waves(27, 1, 0, 1, &nw),
	    "0 1 1 2 2 2 2 3 3 3 3 3 3 3 3 4 4 4 4 4 4 4 4 4 4 4 4");
}

static void
split_ok(const char *ref, const char *repo, const char *tag, const char *host)
{
	char r[256], t[128], h[128];

	assert_int_equal(rollout_image_split(ref, r, sizeof(r), t, sizeof(t), h, sizeof(h)), 0);
	assert_string_equal(r, repo);
	assert_string_equal(t, tag);
	assert_string_equal(h, host);
}

static void
test_image_split(void **state)
{
	char r[16], t[16], h[16];

	(void)state;
	split_ok("127.0.0.1:5000/plant/plc-sim:2", "127.0.0.1:5000/plant/plc-sim", "2",
	    "127.0.0.1:5000");
	split_ok("127.0.0.1:5000/plant/plc-sim", "127.0.0.1:5000/plant/plc-sim", "latest",
	    "127.0.0.1:5000");
	split_ok("busybox", "busybox", "latest", "docker.io");
	split_ok("library/busybox:1.36", "library/busybox", "1.36", "docker.io");
	split_ok("localhost/app:v1", "localhost/app", "v1", "localhost");
	split_ok("registry.plant.local/line-a/hmi@sha256:0123abcd",
	    "registry.plant.local/line-a/hmi", "sha256:0123abcd", "registry.plant.local");
	/* A port without a tag is not a tag. */
	split_ok("reg:5000/app", "reg:5000/app", "latest", "reg:5000");
	/* Hostile or broken: refused, never overrun. */
	assert_int_equal(rollout_image_split("", r, sizeof(r), t, sizeof(t), h, sizeof(h)), -1);
	assert_int_equal(rollout_image_split("app:", r, sizeof(r), t, sizeof(t), h, sizeof(h)), -1);
	assert_int_equal(rollout_image_split("@sha256:x", r, sizeof(r), t, sizeof(t), h,
	    sizeof(h)), -1);
	assert_int_equal(rollout_image_split("a-very-long-repository-name:tag", r, sizeof(r), t,
	    sizeof(t), h, sizeof(h)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waves),
		cmocka_unit_test(test_image_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
