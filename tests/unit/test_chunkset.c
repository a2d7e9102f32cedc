/*
 * Unit tests for the chunk set (snapshot/chunkset.c), the open-addressing
 * map from chunk id to location used by the writer, gc and verify.
 *
 * Ids come from a seeded xorshift64 generator, so runs are reproducible.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "snapshot/chunkset.h"

#define NIDS 100000

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* N random 32-byte ids from SEED (caller frees). */
static uint8_t *random_ids(size_t n, uint64_t seed)
{
	uint8_t *ids = malloc(n * 32);
	uint64_t x = seed;
	size_t i, k;

	assert_non_null(ids);
	for (i = 0; i < n * 32; i += 8) {
		uint64_t v = rng_next(&x);

		for (k = 0; k < 8; k++)
			ids[i + k] = (uint8_t)(v >> (8 * k));
	}
	return ids;
}

static size_t count_foreach(const struct sbx_chunkset *s)
{
	struct sbx_chunkset_entry *e;
	size_t n = 0;

	sbx_chunkset_foreach(s, e)
		n++;
	return n;
}

static void assert_invariants(const struct sbx_chunkset *s)
{
	/* A power of two, and the load kept under 3/4 so probes end. */
	assert_true(s->cap == 0 || (s->cap & (s->cap - 1)) == 0);
	assert_true(s->len * 4 <= s->cap * 3);
}

static void test_empty(void **state)
{
	struct sbx_chunkset s;
	uint8_t id[32] = { 1, 2, 3 };

	(void)state;
	sbx_chunkset_init(&s);
	assert_int_equal(s.len, 0);
	assert_null(sbx_chunkset_find(&s, id));
	assert_int_equal(count_foreach(&s), 0);
	sbx_chunkset_release(&s);
	sbx_chunkset_release(&s);   /* twice is harmless */
	assert_null(s.tab);
	assert_int_equal(s.len, 0);
}

static void test_added_flag(void **state)
{
	struct sbx_chunkset s;
	struct sbx_chunkset_entry *e, *again;
	uint8_t id[32], other[32];
	int added;

	(void)state;
	memset(id, 0x11, sizeof id);
	memset(other, 0x11, sizeof other);
	other[31] = 0x12;              /* same hash bytes, different id */
	sbx_chunkset_init(&s);

	added = 42;
	e = sbx_chunkset_add(&s, id, &added);
	assert_non_null(e);
	assert_int_equal(added, 1);
	assert_int_equal(s.len, 1);
	assert_memory_equal(e->id, id, 32);
	assert_int_equal(e->used, 1);
	/* A new entry is zeroed apart from its id. */
	assert_int_equal(e->mark, 0);
	assert_true(e->loc.off == 0);
	assert_int_equal(e->loc.clen, 0);
	assert_int_equal(e->loc.ulen, 0);
	assert_int_equal(e->loc.flags, 0);
	e->mark = 7;
	e->loc.off = 12345;
	e->loc.clen = 99;

	/* Adding it again: not added (the flag is cleared, not left as it
	 * was), the same entry, contents kept, length unchanged. */
	added = 42;
	again = sbx_chunkset_add(&s, id, &added);
	assert_int_equal(added, 0);
	assert_ptr_equal(again, e);
	assert_int_equal(again->mark, 7);
	assert_true(again->loc.off == 12345);
	assert_int_equal(again->loc.clen, 99);
	assert_int_equal(s.len, 1);
	added = 1;
	sbx_chunkset_add(&s, id, &added);
	assert_int_equal(added, 0);

	/* An id that differs only past the hash bytes is a different id. */
	assert_null(sbx_chunkset_find(&s, other));
	e = sbx_chunkset_add(&s, other, &added);
	assert_int_equal(added, 1);
	assert_int_equal(e->mark, 0);
	assert_int_equal(s.len, 2);
	assert_int_equal(sbx_chunkset_find(&s, id)->mark, 7);
	assert_ptr_equal(sbx_chunkset_find(&s, other), e);
	sbx_chunkset_release(&s);
}

/* 100k random ids: every one added once, found with its data after all the
 * growth, a second add of each finds it, and nothing else is found. */
static void test_many(void **state)
{
	struct sbx_chunkset s;
	uint8_t *ids = random_ids(NIDS, 0x9e3779b97f4a7c15ull);
	uint8_t *absent = random_ids(NIDS, 0x1234567890abcdefull);
	size_t i, grows = 0, lastcap = 0;
	int added;

	(void)state;
	sbx_chunkset_init(&s);
	for (i = 0; i < NIDS; i++) {
		struct sbx_chunkset_entry *e = sbx_chunkset_add(&s, ids + 32 * i, &added);

		assert_int_equal(added, 1);
		assert_memory_equal(e->id, ids + 32 * i, 32);
		e->loc.off = i;
		e->loc.ulen = (uint32_t)(i * 3);
		e->mark = (uint32_t)i + 1;
		assert_int_equal(s.len, i + 1);
		if (s.cap != lastcap) {
			grows++;
			lastcap = s.cap;
		}
	}
	assert_invariants(&s);
	assert_true(s.cap >= NIDS);
	assert_true(grows >= 7);       /* 1024 -> ... -> 131072 or more */
	for (i = 0; i < NIDS; i++) {
		struct sbx_chunkset_entry *e = sbx_chunkset_find(&s, ids + 32 * i);

		if (!e)
			fail_msg("id %zu lost after growth", i);
		assert_memory_equal(e->id, ids + 32 * i, 32);
		assert_true(e->loc.off == i);
		assert_int_equal(e->loc.ulen, i * 3);
		assert_int_equal(e->mark, i + 1);
	}
	for (i = 0; i < NIDS; i++) {
		struct sbx_chunkset_entry *e = sbx_chunkset_add(&s, ids + 32 * i, &added);

		assert_int_equal(added, 0);
		assert_int_equal(e->mark, i + 1);
	}
	assert_int_equal(s.len, NIDS);
	for (i = 0; i < NIDS; i++)
		if (sbx_chunkset_find(&s, absent + 32 * i))
			fail_msg("absent id %zu found", i);
	/* Near misses: each present id with its last byte changed. */
	for (i = 0; i < NIDS; i += 7) {
		uint8_t near[32];

		memcpy(near, ids + 32 * i, 32);
		near[31] ^= 0x80;
		assert_null(sbx_chunkset_find(&s, near));
	}
	sbx_chunkset_release(&s);
	assert_null(sbx_chunkset_find(&s, ids));
	free(absent);
	free(ids);
}

/* foreach visits exactly the entries, each once. */
static void test_foreach(void **state)
{
	static const size_t sizes[] = { 1, 2, 767, 768, 769, 5000, NIDS };
	uint8_t *ids = random_ids(NIDS, 0x5eed5eed5eed5eedull);
	size_t z;

	(void)state;
	for (z = 0; z < sizeof sizes / sizeof *sizes; z++) {
		struct sbx_chunkset s;
		struct sbx_chunkset_entry *e;
		size_t i, visited = 0;
		int added;

		sbx_chunkset_init(&s);
		for (i = 0; i < sizes[z]; i++)
			sbx_chunkset_add(&s, ids + 32 * i, &added);
		assert_int_equal(s.len, sizes[z]);
		sbx_chunkset_foreach(&s, e) {
			assert_int_equal(e->used, 1);
			assert_int_equal(e->mark, 0);   /* not visited before */
			e->mark = 1;
			visited++;
		}
		assert_int_equal(visited, s.len);
		for (i = 0; i < sizes[z]; i++) {
			e = sbx_chunkset_find(&s, ids + 32 * i);
			assert_non_null(e);
			assert_int_equal(e->mark, 1);
		}
		sbx_chunkset_release(&s);
	}
	free(ids);
}

/* Ids that share their first 8 bytes all hash to one slot; with those bytes
 * 0xff the slot is the last of the table, so probing wraps round to slot 0.
 * Each must still be found, before and after the table grows. */
static void test_collisions(void **state)
{
	enum { N = 3000 };
	struct sbx_chunkset s;
	uint8_t *ids = random_ids(N, 0xc011c011c011c011ull);
	size_t i;
	int added;

	(void)state;
	for (i = 0; i < N; i++)
		memset(ids + 32 * i, 0xff, 8);
	sbx_chunkset_init(&s);
	for (i = 0; i < N; i++) {
		sbx_chunkset_add(&s, ids + 32 * i, &added);
		assert_int_equal(added, 1);
		sbx_chunkset_find(&s, ids + 32 * i)->mark = (uint32_t)i;
		if (i == 700) {
			/* Still the first table: the run has wrapped. */
			assert_int_equal(s.cap, 1024);
			assert_int_equal(s.tab[0].used, 1);
			assert_int_equal(s.tab[s.cap - 1].used, 1);
		}
	}
	assert_invariants(&s);
	for (i = 0; i < N; i++) {
		struct sbx_chunkset_entry *e = sbx_chunkset_find(&s, ids + 32 * i);

		assert_non_null(e);
		assert_int_equal(e->mark, i);
	}
	/* An absent id with the same hash walks the whole run and stops. */
	{
		uint8_t miss[32];

		memset(miss, 0xff, 8);
		memset(miss + 8, 0, 24);
		assert_null(sbx_chunkset_find(&s, miss));
	}
	assert_int_equal(count_foreach(&s), N);
	sbx_chunkset_release(&s);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_added_flag),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_collisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
