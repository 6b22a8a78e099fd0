/* sampling.h: which containers the fleet samples with one-shot stats, and
 * how often (sampling.c). */
#ifndef PLANTDECK_SAMPLING_H
#define PLANTDECK_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"

/* How closely a container is looked at, from least to most. */
enum sampling_tier {
	SAMPLING_BACKGROUND,   /* nothing shows it: heal's memory figures only */
	SAMPLING_SUMS,         /* its node's sums are shown (a fleet table line) */
	SAMPLING_EACH          /* shown on its own, watched, or alarmed */
};

/* The tier of a container of a node the front end shows at NODE_TIER
 * (SAMPLING_BACKGROUND: not at all): raised to SAMPLING_EACH when it is
 * WATCHED or alarmed (unhealthy, restarting, killed for memory). */
enum sampling_tier sampling_tier(enum sampling_tier node_tier, const struct pd_container *c,
    int watched);

/* Seconds between two samples of a container at TIER; INTERVAL is the
 * fleet's stats interval, BACKGROUND the background one (< 0: never).
 * HAVE_PREV 0 (one sample or none yet) on a shown tier: soon, so that
 * CPU %, a difference of two samples, shows.  STEADY: its last two samples
 * agreed (sampling_steady), which halves the pace of a summed one.
 * < 0: do not sample. */
double sampling_every(enum sampling_tier tier, double interval, double background,
    int have_prev, int steady);

/* Whether two samples of a container agree: CPU % (of one CPU; < 0 not
 * known) and memory within what a fleet table line's sums would not show. */
int sampling_steady(double cpu_before, double cpu_after, uint64_t mem_before,
    uint64_t mem_after);

/* The tier at which node NAME is shown: SAMPLING_EACH when it is EACH,
 * SAMPLING_SUMS when it is one of SUMS[0..NSUMS-1], else BACKGROUND. */
enum sampling_tier sampling_node_tier(const char *name, const char *const *sums, size_t nsums,
    const char *each);

#endif
