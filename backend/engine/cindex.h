/* cindex.h: an index of a node's containers by id.
 *
 * Open addressing with linear probing over a table of (hash, position)
 * slots; the ids themselves stay in the caller's array, which a key
 * function reads.  Lookup, insert and remove are O(1) on average; the
 * table doubles at half full, and rehashing needs no keys (each slot keeps
 * its hash).  Removal shifts the probe chain back, so there are no
 * tombstones.  Ids come from nodes and are untrusted: the hash is seeded
 * per index. */
#ifndef PLANTDECK_CINDEX_H
#define PLANTDECK_CINDEX_H

#include <stddef.h>
#include <stdint.h>

/* The id of the entry at POS of the caller's array. */
typedef const char *(*cindex_key_fn)(const void *arg, size_t pos);

struct cindex_slot {
	uint32_t hash;
	uint32_t pos1;        /* position + 1; 0 for an empty slot */
};

struct cindex {
	struct cindex_slot *slots;
	size_t cap;           /* a power of two, or 0 before the first insert */
	size_t n;
	uint32_t seed;
	cindex_key_fn key;
	const void *arg;
};

/* An empty index over the array that KEY reads (with ARG), hashed with SEED. */
void cindex_init(struct cindex *ix, cindex_key_fn key, const void *arg, uint32_t seed);
/* Point the index at the array again (after the array moved). */
void cindex_rebind(struct cindex *ix, const void *arg);
void cindex_free(struct cindex *ix);
/* Forget every entry (the table is kept). */
void cindex_clear(struct cindex *ix);
/* The position of ID, or -1. */
long cindex_find(const struct cindex *ix, const char *id);
/* Add ID at POS (not there yet); 0, or -1 when out of memory. */
int cindex_insert(struct cindex *ix, const char *id, size_t pos);
/* Remove ID; 0, or -1 when it was not there. */
int cindex_remove(struct cindex *ix, const char *id);
/* ID moved from position FROM to TO of the array; 0, or -1 when not found. */
int cindex_move(struct cindex *ix, const char *id, size_t from, size_t to);

#endif
