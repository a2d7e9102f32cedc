/* A hash map from byte strings to dense indices 0, 1, 2, ... in the order
 * they were first added (interning): names become small integers that
 * compare in one instruction and index plain arrays. */
#ifndef SBX_UTIL_STRMAP_H
#define SBX_UTIL_STRMAP_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

struct sbx_strmap_item {
	char *key;               /* a NUL-terminated copy (keys may hold NULs too) */
	size_t len;
	uint64_t hash;
};

struct sbx_strmap {
	uint32_t *slots;         /* index + 1 of the item in each slot, 0 when empty */
	size_t nslots;           /* a power of two, kept over twice the count */
	struct sbx_strmap_item *items;
	size_t n, cap;
};

#define SBX_STRMAP_INIT { NULL, 0, NULL, 0, 0 }

/* The index of KEY[0..LEN) in M, added when new (*ADDED, when not NULL, says
 * which).  Aborts on out-of-memory, as the buffers do. */
uint32_t sbx_strmap_intern(struct sbx_strmap *m, const void *key, size_t len, int *added);

/* The index of KEY[0..LEN), or -1 when M does not hold it. */
long sbx_strmap_find(const struct sbx_strmap *m, const void *key, size_t len);

/* The key of index I (borrowed until M is released), its length in *LEN
 * when not NULL. */
const char *sbx_strmap_key(const struct sbx_strmap *m, uint32_t i, size_t *len);

/* Frees everything M holds; M is empty again. */
void sbx_strmap_release(struct sbx_strmap *m);

#endif
