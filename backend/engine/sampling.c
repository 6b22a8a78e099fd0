/* sampling.c: which containers the fleet samples, and how often (issue 16).
 *
 * A one-shot stats call is the costliest thing the io thread does while
 * nothing happens: sampling every running container every 10 s was 270
 * calls a second at 270 nodes x 10, each parsed and each waking the
 * readers.  So a front end says what it shows (fleet_show(): the nodes
 * whose container sums it draws, the node whose containers it draws one by
 * one; fleet_watch_container(): the container it watches), and a container
 * is sampled by tier:
 *
 *   EACH        every stats interval (10 s): its node's containers are shown
 *               one by one (node screen), it is watched (container screen),
 *               or it is alarmed (unhealthy, restarting, killed for memory:
 *               heal's evidence and proposals read its memory);
 *   SUMS        every 3 stats intervals (30 s): a fleet table line shows its
 *               node's CPU and memory sums; every 6 (60 s) while its last
 *               two samples agreed (sampling_steady: within 1 point of CPU
 *               and 1 MiB or 1 % of memory) and nothing happened to it
 *               since (an event: fleet.c clears it): on an idle plant the
 *               sums' samples were half the io thread's requests, for
 *               figures that did not move;
 *   BACKGROUND  every background interval (default 300 s): nothing shows
 *               it; heal's reschedule reads the memory its node has to
 *               spare from these.
 *
 * Until a front end says what it shows (plantdeck status, heal watch),
 * every container is EACH, as before.  A background sample changes the
 * model quietly (fleet.c): no reader is woken for it, the next snapshot
 * carries it.  After a container's first sample on a shown tier the
 * second comes 2 s later, so that its CPU % shows soon. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "backend/engine/sampling.h"

#define SAMPLING_SUMS_FACTOR 3.0  /* SUMS: every this many stats intervals */
#define SAMPLING_STEADY_FACTOR 6.0  /* SUMS, steady: every this many */
#define SAMPLING_STEADY_CPU 1.0   /* points of one CPU */
#define SAMPLING_STEADY_MIB 1.0   /* MiB, or SAMPLING_STEADY_SHARE of it if more */
#define SAMPLING_STEADY_SHARE 0.01
#define SAMPLING_SECOND 2.0       /* s from a shown container's first sample to its second */

/* The tier of container C (see the top of the file). */
enum sampling_tier
sampling_tier(enum sampling_tier node_tier, const struct pd_container *c, int watched)
{
	if (watched || c->health == PD_HEALTH_UNHEALTHY || c->oom_killed ||
	    strcmp(c->state, "restarting") == 0)
		return SAMPLING_EACH;
	return node_tier;
}

/* Seconds between two samples at TIER. */
double
sampling_every(enum sampling_tier tier, double interval, double background, int have_prev,
    int steady)
{
	switch (tier) {
	case SAMPLING_EACH:
		return have_prev ? interval : SAMPLING_SECOND;
	case SAMPLING_SUMS:
		if (!have_prev)
			return SAMPLING_SECOND;
		return interval * (steady ? SAMPLING_STEADY_FACTOR : SAMPLING_SUMS_FACTOR);
	case SAMPLING_BACKGROUND:
		break;
	}
	return background;
}

/* Whether two samples agree (see SUMS at the top). */
int
sampling_steady(double cpu_before, double cpu_after, uint64_t mem_before, uint64_t mem_after)
{
	double dmem = mem_after > mem_before ? (double)(mem_after - mem_before) :
	    (double)(mem_before - mem_after);
	double room = SAMPLING_STEADY_MIB * 1048576.0;

	if (cpu_before < 0 || cpu_after < 0 || mem_before == 0 || mem_after == 0)
		return 0;
	if (room < (double)mem_before * SAMPLING_STEADY_SHARE)
		room = (double)mem_before * SAMPLING_STEADY_SHARE;
	return fabs(cpu_after - cpu_before) <= SAMPLING_STEADY_CPU && dmem <= room;
}

/* The tier node NAME is shown at. */
enum sampling_tier
sampling_node_tier(const char *name, const char *const *sums, size_t nsums, const char *each)
{
	if (each != NULL && strcmp(each, name) == 0)
		return SAMPLING_EACH;
	for (size_t i = 0; i < nsums; i++)
		if (strcmp(sums[i], name) == 0)
			return SAMPLING_SUMS;
	return SAMPLING_BACKGROUND;
}
