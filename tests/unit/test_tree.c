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
#define HDR_LEN 9              /* "SBXT", version, count */
#define OFF_COUNT 5
#define ENT_FIXED 23           /* type, mode, mtime, size, name length */

static uint8_t chunk_ids[4 * 32];
static uint8_t subtree_id[32];

static void fill_ids(void)
{
	size_t i;

	for (i = 0; i < sizeof chunk_ids; i++)
		chunk_ids[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof subtree_id; i++)
		subtree_id[i] = (uint8_t)(0xa0 + i);
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
	e.chunks = chunk_ids;
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
	e.mtime_ns = -5;
	e.target = target;
	return e;
}

/* Decodes a private copy of exactly LEN bytes; returns the decoder's code. */
static int decode_copy(const void *p, size_t len, struct sbx_tree *t, struct sbx_err *err)
{
	void *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	r = sbx_tree_decode(copy, len, t, err);
	/* A decoded tree points into its input (chunk and subtree ids), so the
	 * copy lives as long as the tree: the caller releases both together
	 * through release_copy. */
	if (r == 0)
		t->mem = t->mem; /* keep the copy alive, see below */
	free_later(copy);
	return r;
}
