#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sbx/buf.h"
#include "snapshot/chunkset.h"

/* Chunk ids are SHA-256 digests: their first bytes are already uniformly
 * distributed and serve as the hash.  Linear probing, load under 3/4. */

void sbx_chunkset_init(struct sbx_chunkset *s)
{
	s->tab = NULL;
	s->cap = 0;
	s->len = 0;
}

void sbx_chunkset_release(struct sbx_chunkset *s)
{
	free(s->tab);
	sbx_chunkset_init(s);
}

int sbx_chunkset_empty_slot(const struct sbx_chunkset_entry *e)
{
	return !e->used;
}

static size_t slot_of(const uint8_t id[32], size_t cap)
{
	uint64_t h;

	memcpy(&h, id, sizeof h);
	return (size_t)h & (cap - 1);
}

struct sbx_chunkset_entry *sbx_chunkset_find(const struct sbx_chunkset *s, const uint8_t id[32])
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = slot_of(id, s->cap); ; i = (i + 1) & (s->cap - 1)) {
		struct sbx_chunkset_entry *e = &s->tab[i];

		if (!e->used)
			return NULL;
		if (!memcmp(e->id, id, 32))
			return e;
	}
}

static void rehash(struct sbx_chunkset *s)
{
	struct sbx_chunkset_entry *old = s->tab;
	size_t oldcap = s->cap, i;

	s->cap = oldcap ? oldcap * 2 : 1024;
	s->tab = sbx_xcalloc(s->cap, sizeof *s->tab);
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].used)
			continue;
		for (j = slot_of(old[i].id, s->cap); s->tab[j].used; j = (j + 1) & (s->cap - 1))
			;
		s->tab[j] = old[i];
	}
	free(old);
}

struct sbx_chunkset_entry *sbx_chunkset_add(struct sbx_chunkset *s, const uint8_t id[32], int *added)
{
	struct sbx_chunkset_entry *e;
	size_t i;

	*added = 0;
	e = sbx_chunkset_find(s, id);
	if (e)
		return e;
	if ((s->len + 1) * 4 > s->cap * 3)
		rehash(s);
	for (i = slot_of(id, s->cap); s->tab[i].used; i = (i + 1) & (s->cap - 1))
		;
	e = &s->tab[i];
	memset(e, 0, sizeof *e);
	memcpy(e->id, id, 32);
	e->used = 1;
	s->len++;
	*added = 1;
	return e;
}
