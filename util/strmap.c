/* Interning hash map: open addressing with linear probing, FNV-1a. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sbx/buf.h"
#include "util/strmap.h"

static uint64_t fnv1a(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The slot holding KEY, or the empty slot where it would go. */
static size_t probe(const struct sbx_strmap *m, const void *key, size_t len, uint64_t h)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		const struct sbx_strmap_item *it;

		if (!m->slots[i])
			return i;
		it = &m->items[m->slots[i] - 1];
		if (it->hash == h && it->len == len && !memcmp(it->key, key, len))
			return i;
	}
}

static void grow(struct sbx_strmap *m)
{
	size_t i, n = m->nslots ? m->nslots * 2 : 64;

	free(m->slots);
	m->slots = sbx_xcalloc(n, sizeof *m->slots);
	m->nslots = n;
	for (i = 0; i < m->n; i++) {
		const struct sbx_strmap_item *it = &m->items[i];

		m->slots[probe(m, it->key, it->len, it->hash)] = (uint32_t)(i + 1);
	}
}

uint32_t sbx_strmap_intern(struct sbx_strmap *m, const void *key, size_t len, int *added)
{
	uint64_t h = fnv1a(key, len);
	struct sbx_strmap_item *it;
	size_t slot;

	if (added)
		*added = 0;
	if ((m->n + 1) * 2 > m->nslots)
		grow(m);
	slot = probe(m, key, len, h);
	if (m->slots[slot])
		return m->slots[slot] - 1;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->items = sbx_xrealloc(m->items, m->cap * sizeof *m->items);
	}
	it = &m->items[m->n];
	it->key = sbx_xmalloc(len + 1);
	memcpy(it->key, key, len);
	it->key[len] = '\0';
	it->len = len;
	it->hash = h;
	m->slots[slot] = (uint32_t)++m->n;
	if (added)
		*added = 1;
	return (uint32_t)(m->n - 1);
}

long sbx_strmap_find(const struct sbx_strmap *m, const void *key, size_t len)
{
	size_t slot;

	if (!m->nslots)
		return -1;
	slot = probe(m, key, len, fnv1a(key, len));
	return m->slots[slot] ? (long)m->slots[slot] - 1 : -1;
}

const char *sbx_strmap_key(const struct sbx_strmap *m, uint32_t i, size_t *len)
{
	if (len)
		*len = m->items[i].len;
	return m->items[i].key;
}

void sbx_strmap_release(struct sbx_strmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->items[i].key);
	free(m->items);
	free(m->slots);
	memset(m, 0, sizeof *m);
}
