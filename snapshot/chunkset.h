/* An in-memory hash map from chunk id to its location: the chunks a writer
 * has stored but the index does not hold yet, and the sets gc and verify
 * build.  Not thread-safe: callers lock. */
#ifndef SBX_CHUNKSET_H
#define SBX_CHUNKSET_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "snapshot/pack.h"

struct sbx_chunkset_entry {
	uint8_t id[32];
	struct sbx_chunk_loc loc;
	uint32_t mark;        /* free for the caller: state, reference count */
	uint8_t used;         /* slot holds an entry */
};

struct sbx_chunkset {
	struct sbx_chunkset_entry *tab;
	size_t cap;           /* power of two */
	size_t len;
};

void sbx_chunkset_init(struct sbx_chunkset *s);
void sbx_chunkset_release(struct sbx_chunkset *s);
/* Returns the entry for ID or NULL. */
struct sbx_chunkset_entry *sbx_chunkset_find(const struct sbx_chunkset *s, const uint8_t id[32]);
/* Returns the entry for ID, adding a zeroed one (and setting *ADDED) when
 * absent.  Pointers are invalidated by the next add. */
struct sbx_chunkset_entry *sbx_chunkset_add(struct sbx_chunkset *s, const uint8_t id[32], int *added);

#define sbx_chunkset_foreach(s, e) \
	for ((e) = (s)->tab; (e) && (e) < (s)->tab + (s)->cap; (e)++) \
		if (!sbx_chunkset_empty_slot(e))

int sbx_chunkset_empty_slot(const struct sbx_chunkset_entry *e);

#endif
