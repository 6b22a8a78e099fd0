/* metrics.h: the fleet model in the Prometheus text exposition format
 * (backend/metrics.c), and the HTTP endpoint that serves it
 * (backend/metrics-http.c).  See doc/prometheus.md for the metric names. */
#ifndef PLANTDECK_METRICS_H
#define PLANTDECK_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"

/* The node agents' events (eBPF anomalies by rule, OOM kills, cgroup drift,
 * capture overruns) counted per node and kind since serve started, from
 * the snapshots each scrape takes (metrics_tally_take); the kinds are a
 * fixed list, an unknown rule counts as "other". */
#define METRICS_AGENT_KINDS 9
extern const char *const metrics_agent_kinds[METRICS_AGENT_KINDS];

struct metrics_tally_node {
	char node[PD_NAME_LEN];
	unsigned long long n[METRICS_AGENT_KINDS];
};

struct metrics_tally {
	uint64_t seq;                         /* the newest event counted */
	int started;                          /* a snapshot was taken */
	struct metrics_tally_node *nodes;
	size_t nnodes;
};

/* Count the agent events of S newer than T's last (the first snapshot
 * sets where counting starts: events from before serve are not counted). */
void metrics_tally_take(struct metrics_tally *t, const struct pd_snapshot *s);
void metrics_tally_free(struct metrics_tally *t);

/* What one scrape shows: each part may be missing (NULL, or its _ok 0). */
struct metrics_input {
	const char *version;                  /* plantdeck's */
	time_t now;
	const struct pd_snapshot *snap;
	const struct pd_deploy *deploys;      /* newest first, without nodes */
	size_t ndeploys;
	int deploys_ok;
	const struct pd_deploy *live;         /* the newest deploy of each stack that
	                                         is running, paused or interrupted, with
	                                         its nodes */
	size_t nlive;
	const struct pd_finding *findings;    /* all (open and resolved) */
	size_t nfindings;
	const struct pd_proposal *proposals;  /* all */
	size_t nproposals;
	int heal_ok;
	int heal_runner;                      /* backend_heal_runner(): 1, 0, -1 */
	int audit_state;                      /* 0 intact, 1 broken, -1 unreadable or
	                                         not checked yet */
	size_t audit_count;                   /* entries in the chain */
	time_t audit_verified;                /* when it was last checked; 0 never */
	double scrape_seconds;                /* how long gathering the above took */
	const struct metrics_tally *tally;    /* the agents' events, or NULL */
};

/* IN as Prometheus text (version 0.0.4), in a new string of *LEN bytes
 * (free()); NULL out of memory. */
char *metrics_render(const struct metrics_input *in, size_t *len);

struct metrics_http;

/* Called on the HTTP thread for each GET /metrics: a new string (free()) of
 * *LEN bytes, or NULL (the scrape gets 500). */
typedef char *(*metrics_gather_fn)(void *ctx, size_t *len);

/* Serve GET /metrics on ADDR ("HOST:PORT", "[V6]:PORT" or ":PORT" for
 * every IPv4 address; port 0 picks a free one) from GATHER(CTX), on a thread
 * of libmicrohttpd's.  *BOUND gets "HOST:PORT" as bound.  0, or -1 with
 * ERR naming ADDR. */
int metrics_http_start(const char *addr, metrics_gather_fn gather, void *ctx,
    struct metrics_http **out, char *bound, size_t boundlen, char *err, size_t errlen);

/* Stop serving (the thread joined) and free M; NULL: nothing. */
void metrics_http_stop(struct metrics_http *m);

#endif
