/* agent-feed.h: keeps each node's agent supplied with the manifest of its
 * node's containers (agent-manifest.h), from the backend.
 *
 * The fleet's io thread kicks a node (agent_feed_kick: it never blocks)
 * when it adopts the node's trusted agent and when a container of that
 * node starts, dies, is updated or removed; one thread of its own then
 * builds, seals and puts the node's manifest into the agent container
 * through the node's Engine API.  Kicks that come while a push runs make
 * one more push.  Under --read-only nothing is pushed. */
#ifndef PLANTDECK_AGENT_FEED_H
#define PLANTDECK_AGENT_FEED_H

struct inventory;
struct agent_feed;

/* A feed for INV's nodes (INV outlives it); its thread started.  NULL when
 * out of memory. */
struct agent_feed *agent_feed_new(const struct inventory *inv, int read_only);

/* Ask for a push of NODE's manifest (ARG: the feed; any thread). */
void agent_feed_kick(void *arg, const char *node);

/* Pushes done and failed so far. */
void agent_feed_counts(struct agent_feed *f, unsigned long *pushed, unsigned long *failed);

/* Stop the thread (the push under way finishes) and free. */
void agent_feed_free(struct agent_feed *f);

#endif
