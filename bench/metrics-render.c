/* metrics-render.c: how long metrics_render (backend/metrics.c) takes for a
 * synthetic fleet, without HTTP, the fleet's threads or the database: the
 * rendering part of a scrape alone (bench/serve times whole scrapes).
 *
 *   bench/metrics-render [NODES [CONTAINERS [ROUNDS]]]    (default 270 10 30)
 *
 * Every node is up with its request histogram filled, CONTAINERS running
 * containers each, spread over 5 stacks, all sampled.  Prints the body's
 * size and the best and median time of ROUNDS renders.  Run the build
 * without sanitizers (build-rel/bench/metrics-render). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/metrics.h"

/* Seconds on the monotonic clock. */
static double
mr_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* For qsort: doubles, ascending. */
static int
mr_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A whole number from S within [LO, HI], else DEF. */
static size_t
mr_arg(const char *s, size_t lo, size_t hi, size_t def)
{
	char *end;
	unsigned long v;

	if (s == NULL)
		return def;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bench/metrics-render: '%s': want %zu to %zu\n", s, lo, hi);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	size_t nn = mr_arg(argc > 1 ? argv[1] : NULL, 1, 100000, 270);
	size_t k = mr_arg(argc > 2 ? argv[2] : NULL, 0, 1000, 10);
	size_t rounds = mr_arg(argc > 3 ? argv[3] : NULL, 1, 10000, 30);
	struct pd_node *nodes = calloc(nn, sizeof(*nodes));
	struct pd_container *cs = calloc(nn * k + 1, sizeof(*cs));
	char (*ids)[PD_ID_LEN] = calloc(nn * k + 1, sizeof(*ids));
	char (*names)[PD_NAME_LEN] = calloc(nn, sizeof(*names));
	double *t = calloc(rounds, sizeof(*t));
	struct metrics_input in;
	struct pd_snapshot s;
	size_t len = 0;

	static const char *const stacks[] = { "stack0", "stack1", "stack2", "stack3", "stack4" };

	if (nodes == NULL || cs == NULL || ids == NULL || names == NULL || t == NULL)
		return 1;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < nn; i++) {
		struct pd_node *n = &nodes[i];

		snprintf(names[i], sizeof(names[i]), "sim-%04zu", i + 1);
		n->name = names[i];
		n->endpoint = "";
		n->reach = PD_REACH_UP;
		n->last_seen = time(NULL);
		n->rtt_ms = 1.5;
		snprintf(n->engine_version, sizeof(n->engine_version), "24.0.7");
		snprintf(n->api_version, sizeof(n->api_version), "1.43");
		n->first_container = i * k;
		n->ncontainers = k;
		n->req.count = 100;
		n->req.seconds = 1.25;
		for (int b = 0; b < PD_REQ_BUCKETS; b++)
			n->req.le[b] = 10;
		for (size_t j = 0; j < k; j++) {
			struct pd_container *c = &cs[i * k + j];

			snprintf(ids[i * k + j], sizeof(ids[0]), "%064zu", i * k + j);
			c->id = ids[i * k + j];
			c->name = c->image = c->networks = c->ports = "";
			snprintf(c->state, sizeof(c->state), "running");
			c->stack = stacks[j % 5];
			c->cpu_pct = 1.5;
			c->sampled_at = 1;
			c->mem_usage = 1 << 20;
		}
	}
	s.nodes = nodes;
	s.nnodes = nn;
	s.containers = cs;
	s.ncontainers = nn * k;
	s.complete = 1;
	memset(&in, 0, sizeof(in));
	in.version = "bench";
	in.now = time(NULL);
	in.snap = &s;
	for (size_t r = 0; r < rounds; r++) {
		double t0 = mr_now();
		char *text = metrics_render(&in, &len);

		t[r] = mr_now() - t0;
		if (text == NULL)
			return 1;
		free(text);
	}
	qsort(t, rounds, sizeof(*t), mr_cmp);
	printf("bench/metrics-render: %zu nodes x %zu containers: %zu bytes; best %.2f ms, "
	    "median %.2f ms of %zu\n", nn, k, len, t[0] * 1e3, t[rounds / 2] * 1e3, rounds);
	free(nodes);
	free(cs);
	free(ids);
	free(names);
	free(t);
	return 0;
}
