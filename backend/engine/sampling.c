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
 *   SUMS        every 3 stats intervals: a fleet table line shows its node's
 *               CPU and memory sums;
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

#include <string.h>

#include "backend/engine/sampling.h"

#define SAMPLING_SUMS_FACTOR 3.0  /* SUMS: every this many stats intervals */
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
sampling_every(enum sampling_tier tier, double interval, double background, int have_prev)
{
	switch (tier) {
	case SAMPLING_EACH:
		return have_prev ? interval : SAMPLING_SECOND;
	case SAMPLING_SUMS:
		return have_prev ? interval * SAMPLING_SUMS_FACTOR : SAMPLING_SECOND;
	case SAMPLING_BACKGROUND:
		break;
	}
	return background;
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
