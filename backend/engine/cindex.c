/* cindex.c: a node's containers by id, open addressing (see cindex.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/engine/cindex.h"

/* FNV-1a of S, seeded. */
static uint32_t
cindex_hash(const struct cindex *ix, const char *s)
{
	uint32_t h = 2166136261u ^ ix->seed;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
cindex_init(struct cindex *ix, cindex_key_fn key, const void *arg, uint32_t seed)
{
	memset(ix, 0, sizeof(*ix));
	ix->key = key;
	ix->arg = arg;
	ix->seed = seed;
}

void
cindex_rebind(struct cindex *ix, const void *arg)
{
	ix->arg = arg;
}

void
cindex_free(struct cindex *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->cap = 0;
	ix->n = 0;
}

void
cindex_clear(struct cindex *ix)
{
	if (ix->slots != NULL)
		memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
	ix->n = 0;
}

/* The slot of ID, or -1 (with its hash in *H). */
static long
cindex_slot(const struct cindex *ix, const char *id, uint32_t *h)
{
	size_t mask, i;

	*h = cindex_hash(ix, id);
	if (ix->cap == 0)
		return -1;
	mask = ix->cap - 1;
	for (i = *h & mask; ix->slots[i].pos1 != 0; i = (i + 1) & mask)
		if (ix->slots[i].hash == *h &&
		    strcmp(ix->key(ix->arg, ix->slots[i].pos1 - 1), id) == 0)
			return (long)i;
	return -1;
}

long
cindex_find(const struct cindex *ix, const char *id)
{
	uint32_t h;
	long s = cindex_slot(ix, id, &h);

	return s < 0 ? -1 : (long)ix->slots[s].pos1 - 1;
}

/* Put (H, POS1) in the first free slot of its chain. */
static void
cindex_place(struct cindex_slot *slots, size_t cap, uint32_t h, uint32_t pos1)
{
	size_t i;

	for (i = h & (cap - 1); slots[i].pos1 != 0; i = (i + 1) & (cap - 1))
		;
	slots[i].hash = h;
	slots[i].pos1 = pos1;
}

/* Double the table (or make the first one). */
static int
cindex_grow(struct cindex *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 64;
	struct cindex_slot *s = calloc(cap, sizeof(*s));

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].pos1 != 0)
			cindex_place(s, cap, ix->slots[i].hash, ix->slots[i].pos1);
	free(ix->slots);
	ix->slots = s;
	ix->cap = cap;
	return 0;
}

int
cindex_insert(struct cindex *ix, const char *id, size_t pos)
{
	if (pos >= UINT32_MAX)
		return -1;
	if ((ix->n + 1) * 2 > ix->cap && cindex_grow(ix) != 0)
		return -1;
	cindex_place(ix->slots, ix->cap, cindex_hash(ix, id), (uint32_t)pos + 1);
	ix->n++;
	return 0;
}

int
cindex_remove(struct cindex *ix, const char *id)
{
	uint32_t h;
	long s = cindex_slot(ix, id, &h);
	size_t mask = ix->cap - 1, i, j, home;

	if (s < 0)
		return -1;
	/* Backward shift: move later entries of the chain into the hole when
	 * their home slot does not lie (cyclically) between hole and them. */
	i = (size_t)s;
	ix->slots[i].pos1 = 0;
	for (j = (i + 1) & mask; ix->slots[j].pos1 != 0; j = (j + 1) & mask) {
		home = ix->slots[j].hash & mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->slots[i] = ix->slots[j];
		ix->slots[j].pos1 = 0;
		i = j;
	}
	ix->n--;
	return 0;
}

int
cindex_move(struct cindex *ix, const char *id, size_t from, size_t to)
{
	uint32_t h = cindex_hash(ix, id);
	size_t mask, i;

	if (ix->cap == 0 || to >= UINT32_MAX)
		return -1;
	mask = ix->cap - 1;
	for (i = h & mask; ix->slots[i].pos1 != 0; i = (i + 1) & mask)
		if (ix->slots[i].hash == h && ix->slots[i].pos1 == from + 1) {
			ix->slots[i].pos1 = (uint32_t)to + 1;
			return 0;
		}
	return -1;
}
