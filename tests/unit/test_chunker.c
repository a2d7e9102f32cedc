/*
 * Unit tests for the FastCDC chunker (snapshot/chunker.c).
 *
 * The input data comes from a seeded xorshift64 generator written out in
 * little-endian byte order, so every test sees the same bytes on every
 * platform and the pinned boundaries in test_golden_boundaries hold
 * everywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "snapshot/chunker.h"

#define MIB ((size_t)1024 * 1024)
#define KIB ((size_t)1024)

/* Marsaglia's xorshift64 (13, 7, 17); the seed must not be zero. */
static void fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed;
	size_t i, k;

	for (i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (k = 0; k < 8 && i + k < len; k++)
			buf[i + k] = (uint8_t)(x >> (8 * k));
	}
}

static uint8_t *random_buf(size_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	fill_random(buf, len, seed);
	return buf;
}

/*
 * Chunks the whole of buf the way the snapshot writer does, calling the
 * cutter on the remainder each time, and returns the start offsets of the
 * chunks followed by len, so chunk i is [off[i], off[i + 1]).  *count
 * receives the number of chunks.  The caller frees the array.
 */
static size_t *chunk_all(const uint8_t *buf, size_t len, size_t *count)
{
	size_t *off = malloc((len / SBX_CHUNK_MIN + 2) * sizeof(*off));
	size_t pos = 0, nr = 0, c;

	assert_non_null(off);
	while (pos < len) {
		c = sbx_chunker_cut(buf + pos, len - pos);
		assert_true(c > 0);
		off[nr++] = pos;
		pos += c;
	}
	assert_int_equal(pos, len);
	off[nr] = len;
	*count = nr;
	return off;
}

/*
 * The definition the optimised cutter must agree with: the gear table
 * rebuilt from its documented recipe (splitmix64 from 0x5362780000000001)
 * and the FastCDC loop exactly as the paper writes it.
 */
static uint64_t ref_gear[256];

static void ref_init(void)
{
	uint64_t state = 0x5362780000000001ull, z;
	int i;

	for (i = 0; i < 256; i++) {
		state += 0x9e3779b97f4a7c15ull;
		z = state;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		ref_gear[i] = z ^ (z >> 31);
	}
}

static int setup_ref(void **state)
{
	(void)state;
	ref_init();
	return 0;
}

static size_t ref_cut(const uint8_t *p, size_t n)
{
	const uint64_t mask_s = 0x0000d90707537000ull;
	const uint64_t mask_l = 0x0000d90313530000ull;
	uint64_t h = 0;
	size_t i, norm = SBX_CHUNK_AVG;

	if (n <= SBX_CHUNK_MIN)
		return n;
	if (n >= SBX_CHUNK_MAX)
		n = SBX_CHUNK_MAX;
	else if (n <= norm)
		norm = n;
	for (i = SBX_CHUNK_MIN; i < norm; i++) {
		h = (h << 1) + ref_gear[p[i]];
		if (!(h & mask_s))
			return i;
	}
	for (; i < n; i++) {
		h = (h << 1) + ref_gear[p[i]];
		if (!(h & mask_l))
			return i;
	}
	return n;
}

static void test_small_input(void **state)
{
	uint8_t *buf = random_buf(SBX_CHUNK_MIN + 1, 7);
	size_t n;

	(void)state;
	assert_int_equal(sbx_chunker_cut(buf, 0), 0);
	assert_int_equal(sbx_chunker_cut(NULL, 0), 0);
	for (n = 1; n <= SBX_CHUNK_MIN; n += n < 64 ? 1 : 997)
		assert_int_equal(sbx_chunker_cut(buf, n), n);
	assert_int_equal(sbx_chunker_cut(buf, SBX_CHUNK_MIN), SBX_CHUNK_MIN);
	/* One byte more: the probe at MIN may cut, but never below MIN. */
	n = sbx_chunker_cut(buf, SBX_CHUNK_MIN + 1);
	assert_true(n == SBX_CHUNK_MIN || n == SBX_CHUNK_MIN + 1);
	free(buf);
}

/*
 * Heap buffers of exactly n bytes, around each size where the cutter
 * changes behaviour, so that AddressSanitizer reports any read past n;
 * with n above MAX, nothing past MAX may matter either.
 */
static void test_exact_size_buffers(void **state)
{
	const size_t around[] = { SBX_CHUNK_MIN, SBX_CHUNK_AVG,
		SBX_CHUNK_MAX };
	uint8_t *big = random_buf(SBX_CHUNK_MAX + 4096, 11);
	size_t a, n, c;
	long d;

	(void)state;
	for (a = 0; a < sizeof(around) / sizeof(around[0]); a++) {
		for (d = -5; d <= 5; d++) {
			uint8_t *buf;

			n = (size_t)((long)around[a] + d);
			buf = malloc(n);
			assert_non_null(buf);
			/* All zeros: no cut is ever found, so the scan runs to the end. */
			memset(buf, 0, n);
			c = sbx_chunker_cut(buf, n);
			assert_int_equal(c, n < SBX_CHUNK_MAX ? n : SBX_CHUNK_MAX);
			memcpy(buf, big, n);
			c = sbx_chunker_cut(buf, n);
			assert_int_equal(c, ref_cut(big, n));
			assert_true(c <= n && c <= SBX_CHUNK_MAX);
			free(buf);
		}
	}
	c = sbx_chunker_cut(big, SBX_CHUNK_MAX);
	assert_int_equal(sbx_chunker_cut(big, SBX_CHUNK_MAX + 4096), c);
	assert_int_equal(sbx_chunker_cut(big, SIZE_MAX / 2), c);
	free(big);
}

static void test_bounds_and_coverage(void **state)
{
	size_t len = 8 * MIB, nr, i, sz;
	uint8_t *buf = random_buf(len, 0x243f6a8885a308d3ull);
	size_t *off = chunk_all(buf, len, &nr);

	(void)state;
	assert_true(nr > 8 * MIB / SBX_CHUNK_MAX);
	assert_int_equal(off[0], 0);
	for (i = 0; i < nr; i++) {
		sz = off[i + 1] - off[i];
		assert_true(sz <= SBX_CHUNK_MAX);
		if (i + 1 < nr)
			assert_true(sz >= SBX_CHUNK_MIN);
		else
			assert_true(sz > 0);
	}
	assert_int_equal(off[nr], len);
	free(off);
	free(buf);
}

static void test_average(void **state)
{
	size_t len = 64 * MIB, nr, i, sz, below_avg = 0, near_avg = 0;
	size_t at_max = 0;
	uint8_t *buf = random_buf(len, 0x13198a2e03707344ull);
	size_t *off = chunk_all(buf, len, &nr);
	double mean = (double)len / (double)nr;

	(void)state;
	assert_true(mean >= 40.0 * KIB);
	assert_true(mean <= 100.0 * KIB);
	/*
	 * Normalisation shapes the distribution.  On random data a cut
	 * before AVG needs one of 48 Ki positions to hit p = 2^-18, which
	 * happens for 1 - e^-0.1875 = 17% of chunks; after AVG, p = 2^-14
	 * cuts 86% of the rest within the next 32 KiB, so about 72% of all
	 * chunks fall in [AVG, AVG + 32 KiB), and a forced cut at MAX is
	 * rarer than 1 in 100000.  Swapped or unnormalised masks fail this.
	 */
	for (i = 0; i + 1 < nr; i++) {
		sz = off[i + 1] - off[i];
		below_avg += sz < SBX_CHUNK_AVG;
		near_avg += sz >= SBX_CHUNK_AVG && sz < SBX_CHUNK_AVG + 32 * KIB;
		at_max += sz == SBX_CHUNK_MAX;
	}
	print_message("%zu chunks, mean %.1f KiB, %.1f%% below AVG, "
			"%.1f%% in [AVG, AVG + 32 KiB), %zu at MAX\n", nr,
			mean / KIB, 100.0 * below_avg / nr,
			100.0 * near_avg / nr, at_max);
	assert_true(below_avg * 10 > nr);
	assert_true(below_avg * 4 < nr);
	assert_true(near_avg * 10 > nr * 6);
	assert_true(at_max * 100 < nr);
	free(off);
	free(buf);
}

static void test_deterministic(void **state)
{
	size_t len = 4 * MIB, nr1, nr2, nr3;
	uint8_t *buf = random_buf(len, 0xa4093822299f31d0ull);
	uint8_t *copy = malloc(len + 3);
	size_t *a, *b, *c;

	(void)state;
	assert_non_null(copy);
	/* An odd address too: boundaries depend on the bytes, not on alignment. */
	memcpy(copy + 3, buf, len);
	a = chunk_all(buf, len, &nr1);
	b = chunk_all(buf, len, &nr2);
	c = chunk_all(copy + 3, len, &nr3);
	assert_true(nr1 > 1);
	assert_int_equal(nr1, nr2);
	assert_int_equal(nr1, nr3);
	assert_memory_equal(a, b, (nr1 + 1) * sizeof(*a));
	assert_memory_equal(a, c, (nr1 + 1) * sizeof(*a));
	free(a);
	free(b);
	free(c);
	free(copy);
	free(buf);
}

/*
 * A shorter input never moves a cut found before its end: cutting n bytes
 * gives the full-window cut when that lies below n, and n otherwise.  This
 * is what lets a streaming caller cut whatever is left at end of input.
 */
static void test_prefix_consistent(void **state)
{
	size_t len = 2 * MIB, pos = 0, full, n, cuts_checked = 0;
	uint8_t *buf = random_buf(len, 0x082efa98ec4e6c89ull);

	(void)state;
	while (pos + SBX_CHUNK_MAX <= len) {
		full = sbx_chunker_cut(buf + pos, SBX_CHUNK_MAX);
		for (n = SBX_CHUNK_MIN + 1; n <= SBX_CHUNK_MAX; n += 4093) {
			size_t c = sbx_chunker_cut(buf + pos, n);

			assert_int_equal(c, full < n ? full : n);
		}
		assert_int_equal(sbx_chunker_cut(buf + pos, full + 1),
				full < SBX_CHUNK_MAX ? full : full + 1);
		cuts_checked++;
		pos += full;
	}
	assert_true(cuts_checked > 4);
	free(buf);
}

/*
 * The unrolled loop cuts exactly where the paper's loop does, with the
 * documented gear table.  The data must exercise every unrolled branch:
 * cuts at each position modulo 4, before and after the average.
 */
static void test_matches_reference(void **state)
{
	size_t len = 16 * MIB, pos = 0, c, r, n;
	uint8_t *buf = random_buf(len, 0x452821e638d01377ull);
	unsigned seen_s = 0, seen_l = 0;

	(void)state;
	while (pos < len) {
		c = sbx_chunker_cut(buf + pos, len - pos);
		r = ref_cut(buf + pos, len - pos);
		assert_int_equal(c, r);
		if (c < SBX_CHUNK_AVG)
			seen_s |= 1u << ((c - SBX_CHUNK_MIN) % 4);
		else if (c < SBX_CHUNK_MAX && pos + c < len)
			seen_l |= 1u << ((c - SBX_CHUNK_AVG) % 4);
		pos += c;
	}
	assert_int_equal(seen_s, 0xf);
	assert_int_equal(seen_l, 0xf);

	/* Every length near the region edges, to cover the tail loop. */
	for (n = SBX_CHUNK_MIN; n < SBX_CHUNK_MIN + 9; n++)
		assert_int_equal(sbx_chunker_cut(buf, n), ref_cut(buf, n));
	for (pos = 0; pos < 64; pos++) {
		for (n = SBX_CHUNK_AVG - 5; n < SBX_CHUNK_AVG + 5; n++)
			assert_int_equal(sbx_chunker_cut(buf + pos * 4099, n),
					ref_cut(buf + pos * 4099, n));
		for (n = SBX_CHUNK_MAX - 5; n < SBX_CHUNK_MAX + 5; n++)
			assert_int_equal(sbx_chunker_cut(buf + pos * 4099, n),
					ref_cut(buf + pos * 4099, n));
	}
	free(buf);
}

/*
 * Runs of one byte value never satisfy either mask (the hash settles on
 * -gear[b] after 64 bytes and none of the 256 values match, nor does any
 * value on the way there), so they are cut at MAX every time: 2 MiB of
 * zeros plus a tail gives eight MAX chunks and the tail.
 */
static void test_zeros_and_runs(void **state)
{
	size_t tail = 5000, len = 2 * MIB + tail, nr, i;
	uint8_t *buf = calloc(1, len);
	size_t *off;
	int b;

	(void)state;
	assert_non_null(buf);
	off = chunk_all(buf, len, &nr);
	assert_int_equal(nr, 9);
	for (i = 0; i < 8; i++)
		assert_int_equal(off[i + 1] - off[i], SBX_CHUNK_MAX);
	assert_int_equal(off[9] - off[8], tail);
	free(off);

	for (b = 0; b < 256; b++) {
		memset(buf, b, SBX_CHUNK_MAX);
		assert_int_equal(sbx_chunker_cut(buf, SBX_CHUNK_MAX),
				SBX_CHUNK_MAX);
	}
	free(buf);
}

/*
 * Chunks orig and edited, where edited equals orig except that
 * orig[edit, orig_resume) was replaced by edited[edit, edited_resume),
 * and checks that only chunks near the edit differ:
 *   - every chunk of orig that ends before the edit (the byte at the
 *     end of a chunk takes part in its cut) is a chunk of edited;
 *   - at least 90% of the chunks of orig that start at or after
 *     orig_resume are chunks of edited, shifted and byte for byte equal;
 *   - once a boundary after the edit is shared, all later ones are.
 */
static void check_edit(const uint8_t *orig, size_t olen,
		const uint8_t *edited, size_t elen, size_t edit,
		size_t orig_resume, size_t edited_resume)
{
	size_t no, ne, i, j = 0, before = 0, after = 0, same = 0;
	size_t *oo = chunk_all(orig, olen, &no);
	size_t *eo = chunk_all(edited, elen, &ne);
	int synced = 0;

	assert_true(edit > SBX_CHUNK_MAX);
	assert_memory_equal(orig, edited, edit);
	assert_int_equal(olen - orig_resume, elen - edited_resume);
	assert_memory_equal(orig + orig_resume, edited + edited_resume,
			olen - orig_resume);

	for (i = 0; i < no && oo[i + 1] < edit; i++) {
		assert_int_equal(oo[i], eo[i]);
		assert_int_equal(oo[i + 1], eo[i + 1]);
		before++;
	}
	assert_true(before >= edit / SBX_CHUNK_MAX);

	for (; i < no; i++) {
		size_t start, len;
		int match = 0;

		if (oo[i] < orig_resume)
			continue;
		after++;
		start = oo[i] - orig_resume + edited_resume;
		len = oo[i + 1] - oo[i];
		while (j < ne && eo[j] < start)
			j++;
		if (j < ne && eo[j] == start && eo[j + 1] - eo[j] == len) {
			assert_memory_equal(orig + oo[i], edited + eo[j], len);
			match = 1;
			same++;
		}
		if (synced)
			assert_true(match);
		synced = match;
	}
	print_message("%zu chunks before the edit kept; %zu of %zu after it; "
			"%zu new\n", before, same, after, ne - before - same);
	assert_true(after > 100);
	assert_true(same * 10 >= after * 9);
	/* In fact the cuts resynchronise within a chunk or two. */
	assert_true(ne - before - same <= 4);
	free(oo);
	free(eo);
}

static void test_stable_under_insertion(void **state)
{
	size_t len = 16 * MIB, at = MIB, ins = 100;
	uint8_t *orig = random_buf(len, 0xbe5466cf34e90c6cull);
	uint8_t *edited = malloc(len + ins);

	(void)state;
	assert_non_null(edited);
	memcpy(edited, orig, at);
	fill_random(edited + at, ins, 0xc0ac29b7c97c50ddull);
	memcpy(edited + at + ins, orig + at, len - at);
	check_edit(orig, len, edited, len + ins, at, at, at + ins);
	free(edited);
	free(orig);
}

static void test_stable_under_deletion(void **state)
{
	size_t len = 16 * MIB, at = MIB, del = 100;
	uint8_t *orig = random_buf(len, 0x3f84d5b5b5470917ull);
	uint8_t *edited = malloc(len - del);

	(void)state;
	assert_non_null(edited);
	memcpy(edited, orig, at);
	memcpy(edited + at, orig + at + del, len - at - del);
	check_edit(orig, len, edited, len - del, at, at + del, at);
	free(edited);
	free(orig);
}

/*
 * Boundaries are part of the storage format: a store only deduplicates
 * against its earlier snapshots while they stay put.  These were recorded
 * from this implementation; if they change, the gear table, the masks or
 * the size constants changed, and existing stores stop deduplicating.
 */
static void test_golden_boundaries(void **state)
{
	static const size_t want[] = {
		68062, 110692, 213817, 291588, 370802, 438541, 462661, 541768,
		614810, 710721, 745700, 821089, 888974, 977453, 1007805,
	};
	size_t len = 4 * MIB, nr, i;
	uint8_t *buf = random_buf(len, 0x9216d5d98979fb1bull);
	size_t *off = chunk_all(buf, len, &nr);

	(void)state;
	assert_int_equal(nr, 59);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(off[i + 1], want[i]);
	free(off);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_input),
		cmocka_unit_test(test_exact_size_buffers),
		cmocka_unit_test(test_bounds_and_coverage),
		cmocka_unit_test(test_average),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_prefix_consistent),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_zeros_and_runs),
		cmocka_unit_test(test_stable_under_insertion),
		cmocka_unit_test(test_stable_under_deletion),
		cmocka_unit_test(test_golden_boundaries),
	};

	return cmocka_run_group_tests(tests, setup_ref, NULL);
}
