/* fleet-apply.c: what applying one node's container list costs the live
 * model (issue 16), measured in one run against a baseline.
 *
 *   make bench/fleet-apply && bench/fleet-apply [--containers N] [--runs R]
 *
 * Built from backend/engine/fleet.c with -DUNITTEST.  For a list of N
 * containers (default 20,000) as an engine sends it, each run times:
 *   baseline  cJSON_Parse of the whole reply and cJSON_Delete: the parse
 *             alone, which every way of reading the reply pays;
 *   before    the list read and applied with a linear search per entry (as
 *             fleet.c did before its index), to a new node then again;
 *   after     the same with the index.
 * It prints the medians of R runs (default 5) and the ratios to the
 * baseline, and the peak bytes cJSON held: the whole reply as one tree
 * against one entry at a time.  Nothing here needs a network or a lab. */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"

static size_t cj_now, cj_peak;   /* bytes cJSON holds, and the most it held */

/* cJSON's malloc, counted. */
static void *
cj_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL) {
		cj_now += malloc_usable_size(p);
		if (cj_now > cj_peak)
			cj_peak = cj_now;
	}
	return p;
}

/* cJSON's free, counted. */
static void
cj_free(void *p)
{
	if (p != NULL)
		cj_now -= malloc_usable_size(p);
	free(p);
}

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A list of N containers shaped like an engine's (labels, ports, networks). */
static char *
make_list(unsigned n, size_t *len)
{
	size_t cap = (size_t)n * 1024 + 16, used = 0;
	char *b = malloc(cap);

	if (b == NULL)
		return NULL;
	used += (size_t)snprintf(b + used, cap - used, "[");
	for (unsigned k = 0; k < n; k++)
		used += (size_t)snprintf(b + used, cap - used,
		    "%s{\"Id\":\"%08x%056x\",\"Names\":[\"/plc-%u\"],\"Image\":\"127.0.0.1:5000/plant/"
		    "plc-sim:1\",\"ImageID\":\"sha256:%064x\",\"Command\":\"/plc-sim\",\"Created\":"
		    "1700000000,\"Ports\":[{\"PrivatePort\":502,\"Type\":\"tcp\"}],\"Labels\":{"
		    "\"com.docker.compose.project\":\"line-%u\",\"io.plantdeck.stack\":\"line-%u\"},"
		    "\"State\":\"running\",\"Status\":\"Up 2 hours (healthy)\",\"HostConfig\":{"
		    "\"NetworkMode\":\"line_default\"},\"NetworkSettings\":{\"Networks\":{"
		    "\"line_default\":{\"NetworkID\":\"%064x\",\"IPAddress\":\"10.0.%u.%u\"}}},"
		    "\"Mounts\":[]}", k ? "," : "", k * 2654435761u, k, k, k, k % 40, k % 40, k,
		    k / 250, k % 250);
	used += (size_t)snprintf(b + used, cap - used, "]");
	*len = used;
	return b;
}

/* Order doubles. */
static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of N values (sorted in place). */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Apply BODY twice to a new one-node fleet (first list, then the same list
 * again, as every reconcile does); the seconds each took in T. */
static int
apply_twice(const char *body, size_t len, unsigned n, double t[2])
{
	static struct inv_node in = { .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9" };
	struct inventory inv = { .nodes = &in, .nnodes = 1 };
	struct fleet_config cfg = { .max_containers = n };
	struct fleet *f = fleet_new(&inv, &cfg);
	double t0;
	int rc = 0;

	if (f == NULL)
		return -1;
	for (int k = 0; k < 2 && rc == 0; k++) {
		t0 = now_s();
		rc = fleet_test_apply_list(f, 0, body, len);
		t[k] = now_s() - t0;
	}
	fleet_free(f);
	return rc;
}

int
main(int argc, char **argv)
{
	cJSON_Hooks hooks = { cj_malloc, cj_free };
	unsigned n = 20000;
	int runs = 5;
	size_t len, whole_peak, entry_peak;
	char *body;
	double *base, *b1, *b2, *a1, *a2, t[2], t0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--containers") == 0)
			n = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (n == 0 || runs < 1) {
		fprintf(stderr, "usage: bench/fleet-apply [--containers N] [--runs R]\n");
		return 2;
	}
	cJSON_InitHooks(&hooks);
	body = make_list(n, &len);
	base = calloc((size_t)runs, sizeof(double));
	b1 = calloc((size_t)runs, sizeof(double));
	b2 = calloc((size_t)runs, sizeof(double));
	a1 = calloc((size_t)runs, sizeof(double));
	a2 = calloc((size_t)runs, sizeof(double));
	if (body == NULL || base == NULL || b1 == NULL || b2 == NULL || a1 == NULL || a2 == NULL)
		return 1;
	/* Peak cJSON bytes: the whole reply as a tree, then entry by entry. */
	cj_peak = cj_now = 0;
	cJSON_Delete(cJSON_ParseWithLength(body, len));
	whole_peak = cj_peak;
	cj_peak = cj_now = 0;
	fleet_test_linear = 0;
	if (apply_twice(body, len, n, t) != 0)
		return 1;
	entry_peak = cj_peak;
	for (int r = 0; r < runs; r++) {
		t0 = now_s();
		cJSON_Delete(cJSON_ParseWithLength(body, len));
		base[r] = now_s() - t0;
		fleet_test_linear = 1;
		if (apply_twice(body, len, n, t) != 0)
			return 1;
		b1[r] = t[0];
		b2[r] = t[1];
		fleet_test_linear = 0;
		if (apply_twice(body, len, n, t) != 0)
			return 1;
		a1[r] = t[0];
		a2[r] = t[1];
	}
	{
		double mb = median(base, runs), mb1 = median(b1, runs), mb2 = median(b2, runs);
		double ma1 = median(a1, runs), ma2 = median(a2, runs);

		printf("bench/fleet-apply: %u containers, a %.1f MiB reply, %d runs (medians)\n\n",
		    n, (double)len / (1 << 20), runs);
		printf("| | ms | × baseline |\n|---|---:|---:|\n");
		printf("| baseline: cJSON_Parse + cJSON_Delete of the whole reply | %.1f | 1.00 |\n",
		    mb * 1e3);
		printf("| before (linear search): first list | %.1f | %.2f |\n", mb1 * 1e3, mb1 / mb);
		printf("| before (linear search): the same list again | %.1f | %.2f |\n", mb2 * 1e3,
		    mb2 / mb);
		printf("| after (index): first list | %.1f | %.2f |\n", ma1 * 1e3, ma1 / mb);
		printf("| after (index): the same list again | %.1f | %.2f |\n", ma2 * 1e3, ma2 / mb);
		printf("\nbefore/after: %.0f× (first list), %.0f× (again)\n", mb1 / ma1, mb2 / ma2);
		printf("peak bytes cJSON held: whole reply %.1f MiB, entry by entry %.1f KiB\n",
		    (double)whole_peak / (1 << 20), (double)entry_peak / 1024);
	}
	free(body);
	free(base);
	free(b1);
	free(b2);
	free(a1);
	free(a2);
	return 0;
}
