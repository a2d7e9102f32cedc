/*
 * Unit tests for tree objects (snapshot/tree.c): the encoding round trip,
 * its determinism, the decoder's validation of outside bytes, binary search
 * and the name rule.
 *
 * Every rejection test first decodes a "good twin" that differs from the bad
 * input only in the one property under test, so a rejection for some other
 * reason cannot make the test pass by accident.  Inputs handed to the
 * decoder are copied into buffers of exactly their length, so that a
 * sanitizer build catches any read past the end.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "snapshot/tree.h"
#include "util/hash.h"

/* Byte offsets inside an encoding (see the format comment in tree.h). */
#define HDR_LEN 9              /* "SBXT", version, u32 count */
#define OFF_VERSION 4
#define OFF_COUNT 5

static uint8_t chunk_ids[4 * 32];
static uint8_t subtree_id[32];

static int setup_ids(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof chunk_ids; i++)
		chunk_ids[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof subtree_id; i++)
		subtree_id[i] = (uint8_t)(0xa0 + i);
	return 0;
}

static struct sbx_tree_entry file_entry(const char *name, uint32_t nchunks)
{
	struct sbx_tree_entry e;

	memset(&e, 0, sizeof e);
	e.name = name;
	e.type = SBX_T_FILE;
	e.mode = 0644;
	e.mtime_ns = 1700000000123456789LL;
	e.size = (uint64_t)nchunks * 1000 + 7;
	e.nchunks = nchunks;
	e.chunks = nchunks ? chunk_ids : NULL;
	return e;
}

static struct sbx_tree_entry dir_entry(const char *name)
{
	struct sbx_tree_entry e;

	memset(&e, 0, sizeof e);
	e.name = name;
	e.type = SBX_T_DIR;
	e.mode = 0755;
	e.mtime_ns = 42;
	e.subtree = subtree_id;
	return e;
}

static struct sbx_tree_entry link_entry(const char *name, const char *target)
{
	struct sbx_tree_entry e;

	memset(&e, 0, sizeof e);
	e.name = name;
	e.type = SBX_T_SYMLINK;
	e.mode = 0777;
	e.mtime_ns = -5;              /* before the epoch */
	e.target = target;
	return e;
}

static void assert_entry_equal(const struct sbx_tree_entry *want, const struct sbx_tree_entry *got)
{
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->mode, want->mode);
	assert_true(got->mtime_ns == want->mtime_ns);
	assert_true(got->size == want->size);
	switch (want->type) {
	case SBX_T_FILE:
		assert_int_equal(got->nchunks, want->nchunks);
		if (want->nchunks) {
			assert_non_null(got->chunks);
			assert_memory_equal(got->chunks, want->chunks, (size_t)want->nchunks * 32);
		}
		assert_null(got->subtree);
		assert_null(got->target);
		break;
	case SBX_T_DIR:
		assert_non_null(got->subtree);
		assert_memory_equal(got->subtree, want->subtree, 32);
		assert_int_equal(got->nchunks, 0);
		assert_null(got->target);
		break;
	default:
		assert_non_null(got->target);
		assert_string_equal(got->target, want->target);
		assert_int_equal(got->nchunks, 0);
		assert_null(got->subtree);
	}
}

/* Decodes an exact-length copy of P[0..LEN) and expects SBX_ECORRUPT with a
 * message and a tree left empty. */
static void expect_corrupt(const void *p, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	memset(&t, 0x5a, sizeof t);
	r = sbx_tree_decode(copy, len, &t, &err);
	if (r != SBX_ECORRUPT)
		fail_msg("decode of %zu bytes returned %d, expected SBX_ECORRUPT", len, r);
	assert_int_equal(err.code, SBX_ECORRUPT);
	assert_true(err.msg[0] != '\0');
	assert_null(t.e);
	assert_null(t.mem);
	assert_int_equal(t.n, 0);
	/* Releasing an emptied tree is harmless. */
	sbx_tree_release(&t);
	free(copy);
}

/* Decodes an exact-length copy and expects success with N entries. */
static void expect_ok(const void *p, size_t len, size_t n)
{
	unsigned char *copy = malloc(len ? len : 1);
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	r = sbx_tree_decode(copy, len, &t, &err);
	if (r != 0)
		fail_msg("decode of a valid %zu-byte tree failed (%d): %s", len, r, err.msg);
	assert_int_equal(t.n, n);
	sbx_tree_release(&t);
	free(copy);
}

static void encode(const struct sbx_tree_entry *e, size_t n, struct sbx_buf *out)
{
	sbx_buf_reset(out);
	sbx_tree_encode(e, n, out);
}

/* A tree holding every kind of entry, sorted. */
static size_t sample_entries(struct sbx_tree_entry *e)
{
	size_t n = 0;

	e[n++] = link_entry("Zlink", "../somewhere/else");  /* 'Z' < 'a' bytewise */
	e[n] = file_entry("big", 0);
	e[n].size = UINT64_MAX - 1;                          /* all 64 bits survive */
	e[n].mtime_ns = INT64_MIN + 1;
	e[n].mode = 07777;
	n++;
	e[n++] = dir_entry("bin");
	e[n++] = file_entry("empty.txt", 0);
	e[n++] = file_entry("file.txt", 3);
	e[n++] = dir_entry("sub dir");                       /* spaces are fine */
	e[n++] = link_entry("t", "x");
	e[n++] = file_entry("\xc3\xa9t\xc3\xa9", 1);        /* UTF-8 sorts last */
	return n;
}

static void test_roundtrip(void **state)
{
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e), i;
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;

	(void)state;
	encode(e, n, &enc);
	assert_memory_equal(enc.data, "SBXT\x01", 5);
	assert_int_equal(sbx_get_u32((const unsigned char *)enc.data + OFF_COUNT), n);
	assert_int_equal(sbx_tree_decode(enc.data, enc.len, &t, &err), 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(t.n, n);
	for (i = 0; i < n; i++)
		assert_entry_equal(&e[i], &t.e[i]);
	sbx_tree_release(&t);
	assert_null(t.e);
	assert_int_equal(t.n, 0);
	sbx_buf_release(&enc);
}

static void test_roundtrip_empty(void **state)
{
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;

	(void)state;
	encode(NULL, 0, &enc);
	assert_int_equal(enc.len, HDR_LEN);
	assert_int_equal(sbx_tree_decode(enc.data, enc.len, &t, &err), 0);
	assert_int_equal(t.n, 0);
	assert_null(sbx_tree_find(&t, "a"));
	sbx_tree_release(&t);
	sbx_buf_release(&enc);
}

/* Many entries: decoding keeps every one and in order. */
static void test_roundtrip_many(void **state)
{
	enum { N = 2000 };
	struct sbx_tree_entry *e = calloc(N, sizeof *e);
	char (*names)[16] = calloc(N, sizeof *names);
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	size_t i;

	(void)state;
	assert_non_null(e);
	assert_non_null(names);
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "n%05zu", i);
		e[i] = i % 3 == 0 ? dir_entry(names[i]) :
		       i % 3 == 1 ? file_entry(names[i], (uint32_t)(i % 5)) :
		       link_entry(names[i], "target");
		e[i].mtime_ns = (int64_t)i * 1000003;
	}
	encode(e, N, &enc);
	assert_int_equal(sbx_tree_decode(enc.data, enc.len, &t, &err), 0);
	assert_int_equal(t.n, N);
	for (i = 0; i < N; i++)
		assert_entry_equal(&e[i], &t.e[i]);
	sbx_tree_release(&t);
	sbx_buf_release(&enc);
	free(names);
	free(e);
}

/* Decoding and re-encoding gives back the same bytes: the encoding is
 * canonical, which is what makes tree ids content addresses. */
static void test_deterministic(void **state)
{
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e);
	struct sbx_buf a = SBX_BUF_INIT, b = SBX_BUF_INIT, c = SBX_BUF_INIT;
	uint8_t ida[32], idb[32], idc[32];
	struct sbx_err err = { 0 };
	struct sbx_tree t;

	(void)state;
	encode(e, n, &a);
	encode(e, n, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	sbx_sha256(a.data, a.len, ida);
	sbx_sha256(b.data, b.len, idb);
	assert_memory_equal(ida, idb, 32);

	assert_int_equal(sbx_tree_decode(a.data, a.len, &t, &err), 0);
	encode(t.e, t.n, &c);
	assert_int_equal(c.len, a.len);
	assert_memory_equal(c.data, a.data, a.len);
	sbx_sha256(c.data, c.len, idc);
	assert_memory_equal(idc, ida, 32);
	sbx_tree_release(&t);

	/* Any single change gives another id. */
	e[4].mtime_ns++;
	encode(e, n, &c);
	sbx_sha256(c.data, c.len, idc);
	assert_memory_not_equal(idc, ida, 32);
	e[4].mtime_ns--;
	e[6].target = "y";
	encode(e, n, &c);
	sbx_sha256(c.data, c.len, idc);
	assert_memory_not_equal(idc, ida, 32);

	sbx_buf_release(&a);
	sbx_buf_release(&b);
	sbx_buf_release(&c);
}

static void test_reject_header(void **state)
{
	struct sbx_tree_entry e[1];
	struct sbx_buf enc = SBX_BUF_INIT;
	char *bad;

	(void)state;
	e[0] = file_entry("f", 1);
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	bad = malloc(enc.len);
	assert_non_null(bad);

	memcpy(bad, enc.data, enc.len);
	bad[0] = 'X';                             /* "XBXT" */
	expect_corrupt(bad, enc.len);
	memcpy(bad, enc.data, enc.len);
	bad[3] = 't';                             /* "SBXt" */
	expect_corrupt(bad, enc.len);
	memcpy(bad, enc.data, enc.len);
	bad[OFF_VERSION] = 2;                     /* a version this code does not read */
	expect_corrupt(bad, enc.len);
	memcpy(bad, enc.data, enc.len);
	bad[OFF_VERSION] = 0;
	expect_corrupt(bad, enc.len);

	free(bad);
	sbx_buf_release(&enc);
}

/* Every proper prefix of a valid encoding is refused, without reading past
 * it (the exact-length copies let ASan check that). */
static void test_reject_truncated(void **state)
{
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e), len;
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	encode(e, n, &enc);
	expect_ok(enc.data, enc.len, n);
	for (len = 0; len < enc.len; len++)
		expect_corrupt(enc.data, len);
	sbx_buf_release(&enc);
}

static void test_reject_unsorted(void **state)
{
	struct sbx_tree_entry e[3];
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	e[0] = file_entry("alpha", 1);
	e[1] = file_entry("beta", 1);
	e[2] = file_entry("gamma", 1);
	encode(e, 3, &enc);
	expect_ok(enc.data, enc.len, 3);

	e[1] = file_entry("gamma", 1);
	e[2] = file_entry("beta", 1);
	encode(e, 3, &enc);
	expect_corrupt(enc.data, enc.len);

	/* A prefix sorts first: "ab" before "abc", never after. */
	e[0] = file_entry("abc", 1);
	e[1] = file_entry("ab", 1);
	encode(e, 2, &enc);
	expect_corrupt(enc.data, enc.len);
	e[0] = file_entry("ab", 1);
	e[1] = file_entry("abc", 1);
	encode(e, 2, &enc);
	expect_ok(enc.data, enc.len, 2);

	/* Bytewise, unsigned: 0xc3 sorts after 'z'. */
	e[0] = file_entry("\xc3\xa9", 1);
	e[1] = file_entry("z", 1);
	encode(e, 2, &enc);
	expect_corrupt(enc.data, enc.len);
	sbx_buf_release(&enc);
}

static void test_reject_duplicate(void **state)
{
	struct sbx_tree_entry e[3];
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	e[0] = file_entry("a", 1);
	e[1] = file_entry("b", 1);
	e[2] = dir_entry("c");
	encode(e, 3, &enc);
	expect_ok(enc.data, enc.len, 3);

	e[1] = file_entry("a", 1);
	encode(e, 3, &enc);
	expect_corrupt(enc.data, enc.len);

	/* Same name, different types. */
	e[1] = file_entry("b", 1);
	e[2] = dir_entry("b");
	encode(e, 3, &enc);
	expect_corrupt(enc.data, enc.len);
	sbx_buf_release(&enc);
}

static void test_reject_bad_names(void **state)
{
	static const char *const bad[] = { ".", "..", "a/b", "/", "b/", "" };
	struct sbx_tree_entry e[2];
	struct sbx_buf enc = SBX_BUF_INIT;
	size_t i;

	(void)state;
	/* The twins: the same shape with good names, including ones that
	 * merely look like the bad ones. */
	e[0] = file_entry("...", 1);
	e[1] = file_entry("zz", 1);
	encode(e, 2, &enc);
	expect_ok(enc.data, enc.len, 2);
	e[0] = file_entry(".a", 1);
	encode(e, 2, &enc);
	expect_ok(enc.data, enc.len, 2);

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		e[0] = file_entry(bad[i], 1);
		encode(e, 2, &enc);
		expect_corrupt(enc.data, enc.len);
		/* Also as the only entry, and as a directory. */
		encode(e, 1, &enc);
		expect_corrupt(enc.data, enc.len);
		e[0] = dir_entry(bad[i]);
		encode(e, 1, &enc);
		expect_corrupt(enc.data, enc.len);
	}

	/* A NUL inside the name: encode "aXb" and patch the X. */
	e[0] = file_entry("aXb", 1);
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	assert_int_equal(enc.data[HDR_LEN + 23 + 1], 'X');
	enc.data[HDR_LEN + 23 + 1] = '\0';
	expect_corrupt(enc.data, enc.len);
	sbx_buf_release(&enc);
}

static void test_reject_mode(void **state)
{
	static const uint32_t bad[] = { 010000, 0100644, 040755, 0120777, 0x80000000u, 0xffffffffu };
	struct sbx_tree_entry e[2];
	struct sbx_buf enc = SBX_BUF_INIT;
	size_t i;

	(void)state;
	e[0] = file_entry("a", 1);
	e[1] = dir_entry("d");
	e[0].mode = 07777;
	e[1].mode = 0;
	encode(e, 2, &enc);
	expect_ok(enc.data, enc.len, 2);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		e[0].mode = bad[i];
		encode(e, 2, &enc);
		expect_corrupt(enc.data, enc.len);
		e[0].mode = 0644;
		e[1].mode = bad[i];
		encode(e, 2, &enc);
		expect_corrupt(enc.data, enc.len);
		e[1].mode = 0755;
	}
	sbx_buf_release(&enc);
}

static void test_reject_trailing(void **state)
{
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e);
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	encode(e, n, &enc);
	expect_ok(enc.data, enc.len, n);
	sbx_buf_add_u8(&enc, 0);
	expect_corrupt(enc.data, enc.len);
	/* A whole extra entry beyond the count is garbage too. */
	encode(e, n - 1, &enc);
	enc.data[OFF_COUNT] = (char)(n - 2);
	expect_corrupt(enc.data, enc.len);
	/* Trailing bytes after an empty tree. */
	encode(NULL, 0, &enc);
	sbx_buf_add(&enc, "SBXT", 4);
	expect_corrupt(enc.data, enc.len);
	sbx_buf_release(&enc);
}

static void test_reject_count(void **state)
{
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e);
	struct sbx_buf enc = SBX_BUF_INIT;
	unsigned char *c;

	(void)state;
	encode(e, n, &enc);
	expect_ok(enc.data, enc.len, n);
	c = (unsigned char *)enc.data;
	/* Counts that cannot fit in the bytes given: these must be refused
	 * before the decoder allocates for them. */
	sbx_put_u32(c + OFF_COUNT, UINT32_MAX);
	expect_corrupt(enc.data, enc.len);
	sbx_put_u32(c + OFF_COUNT, UINT32_MAX / 35 + 1);
	expect_corrupt(enc.data, enc.len);
	sbx_put_u32(c + OFF_COUNT, 1u << 31);
	expect_corrupt(enc.data, enc.len);
	/* One more than present, one fewer than present. */
	sbx_put_u32(c + OFF_COUNT, (uint32_t)n + 1);
	expect_corrupt(enc.data, enc.len);
	sbx_put_u32(c + OFF_COUNT, (uint32_t)n - 1);
	expect_corrupt(enc.data, enc.len);
	/* A header alone that claims entries. */
	sbx_put_u32(c + OFF_COUNT, 1);
	expect_corrupt(enc.data, HDR_LEN);
	sbx_buf_release(&enc);
}

/* Claims about the per-type payloads: unknown type, a directory with a size,
 * a symlink without a target or with a NUL in it, a chunk count past the end. */
static void test_reject_payload(void **state)
{
	struct sbx_tree_entry e[1];
	struct sbx_buf enc = SBX_BUF_INIT;
	unsigned char *c;

	(void)state;
	e[0] = dir_entry("dir");
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	c = (unsigned char *)enc.data;
	c[HDR_LEN] = 4;
	expect_corrupt(enc.data, enc.len);
	c[HDR_LEN] = 0;
	expect_corrupt(enc.data, enc.len);
	e[0].size = 1;
	encode(e, 1, &enc);
	expect_corrupt(enc.data, enc.len);

	e[0] = link_entry("link", "target");
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	e[0].target = "";
	encode(e, 1, &enc);
	expect_corrupt(enc.data, enc.len);
	e[0].target = "taXget";
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	enc.data[enc.len - 4] = '\0';
	expect_corrupt(enc.data, enc.len);

	e[0] = file_entry("file", 2);
	encode(e, 1, &enc);
	expect_ok(enc.data, enc.len, 1);
	c = (unsigned char *)enc.data;
	sbx_put_u32(c + HDR_LEN + 23 + 4, 3);     /* claims a third chunk id */
	expect_corrupt(enc.data, enc.len);
	sbx_put_u32(c + HDR_LEN + 23 + 4, UINT32_MAX);
	expect_corrupt(enc.data, enc.len);
	sbx_buf_release(&enc);
}

/* Regression test.  The smallest entries are 27 bytes (a symlink with a
 * one-byte name and target) and 28 bytes (an empty file with a one-byte
 * name): a directory of such entries is a valid tree and must decode.  An
 * entry-count bound that assumes 35 bytes per entry refuses it, which makes
 * snapshots of e.g. a directory holding two empty files "a" and "b"
 * unreadable. */
static void test_decode_small_entries(void **state)
{
	struct sbx_tree_entry e[4];
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	e[0] = file_entry("a", 0);
	e[0].size = 0;
	e[1] = file_entry("b", 0);
	e[1].size = 0;
	encode(e, 2, &enc);
	assert_int_equal(enc.len, HDR_LEN + 2 * 28);
	expect_ok(enc.data, enc.len, 2);

	e[0] = link_entry("a", "x");
	e[1] = link_entry("b", "y");
	e[2] = link_entry("c", "z");
	encode(e, 3, &enc);
	assert_int_equal(enc.len, HDR_LEN + 3 * 27);
	expect_ok(enc.data, enc.len, 3);
	sbx_buf_release(&enc);
}

static void test_find(void **state)
{
	static const char *const absent[] = {
		"", "A", "Zlin", "Zlink0", "a", "bi", "bin/", "bin0", "c", "file",
		"file.tx", "file.txtx", "sub", "sub dir ", "u", "zzzz", "\xc3", "\xff",
	};
	struct sbx_tree_entry e[16];
	size_t n = sample_entries(e), i;
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;

	(void)state;
	encode(e, n, &enc);
	assert_int_equal(sbx_tree_decode(enc.data, enc.len, &t, &err), 0);
	for (i = 0; i < n; i++) {
		const struct sbx_tree_entry *f = sbx_tree_find(&t, e[i].name);

		assert_ptr_equal(f, &t.e[i]);
		assert_entry_equal(&e[i], f);
	}
	for (i = 0; i < sizeof absent / sizeof *absent; i++)
		if (sbx_tree_find(&t, absent[i]))
			fail_msg("found absent name '%s'", absent[i]);
	sbx_tree_release(&t);
	sbx_buf_release(&enc);
}

/* Binary search over every size from 0 to 70 entries: every present name is
 * found, every name between two present ones is not. */
static void test_find_sizes(void **state)
{
	struct sbx_tree_entry e[70];
	char names[70][8], probe[8];
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	size_t n, i;

	(void)state;
	for (i = 0; i < 70; i++) {
		snprintf(names[i], sizeof names[i], "k%03zu", 2 * i + 1);
		e[i] = dir_entry(names[i]);
	}
	for (n = 0; n <= 70; n++) {
		encode(e, n, &enc);
		assert_int_equal(sbx_tree_decode(enc.data, enc.len, &t, &err), 0);
		for (i = 0; i < n; i++)
			assert_ptr_equal(sbx_tree_find(&t, names[i]), &t.e[i]);
		for (i = 0; i <= n; i++) {
			snprintf(probe, sizeof probe, "k%03zu", 2 * i);
			assert_null(sbx_tree_find(&t, probe));
		}
		sbx_tree_release(&t);
	}
	sbx_buf_release(&enc);
}

static void test_name_ok(void **state)
{
	char *longname = malloc(65536);

	(void)state;
	assert_int_equal(sbx_tree_name_ok("a", 1), 1);
	assert_int_equal(sbx_tree_name_ok("...", 3), 1);
	assert_int_equal(sbx_tree_name_ok(".hidden", 7), 1);
	assert_int_equal(sbx_tree_name_ok("..x", 3), 1);
	assert_int_equal(sbx_tree_name_ok("x..", 3), 1);
	assert_int_equal(sbx_tree_name_ok("with space", 10), 1);
	assert_int_equal(sbx_tree_name_ok("\xc3\xa9", 2), 1);
	assert_int_equal(sbx_tree_name_ok("back\\slash", 10), 1);

	assert_int_equal(sbx_tree_name_ok("", 0), 0);
	assert_int_equal(sbx_tree_name_ok(".", 1), 0);
	assert_int_equal(sbx_tree_name_ok("..", 2), 0);
	assert_int_equal(sbx_tree_name_ok("a/b", 3), 0);
	assert_int_equal(sbx_tree_name_ok("/", 1), 0);
	assert_int_equal(sbx_tree_name_ok("a/", 2), 0);
	assert_int_equal(sbx_tree_name_ok("a\0b", 3), 0);
	/* LEN, not the NUL, delimits the name. */
	assert_int_equal(sbx_tree_name_ok("..x", 2), 0);
	assert_int_equal(sbx_tree_name_ok(".x", 1), 0);
	assert_int_equal(sbx_tree_name_ok("ab/c", 2), 1);

	/* Lengths are stored as u16. */
	assert_non_null(longname);
	memset(longname, 'n', 65536);
	assert_int_equal(sbx_tree_name_ok(longname, 65535), 1);
	assert_int_equal(sbx_tree_name_ok(longname, 65536), 0);
	free(longname);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_empty),
		cmocka_unit_test(test_roundtrip_many),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_truncated),
		cmocka_unit_test(test_reject_unsorted),
		cmocka_unit_test(test_reject_duplicate),
		cmocka_unit_test(test_reject_bad_names),
		cmocka_unit_test(test_reject_mode),
		cmocka_unit_test(test_reject_trailing),
		cmocka_unit_test(test_reject_count),
		cmocka_unit_test(test_reject_payload),
		cmocka_unit_test(test_decode_small_entries),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_sizes),
		cmocka_unit_test(test_name_ok),
	};

	return cmocka_run_group_tests(tests, setup_ids, NULL);
}
