/*
 * Unit tests for the tree builder (snapshot/builder.c): path normalisation,
 * insertion (implicit parents, updates, refusals) and the bottom-up encoding
 * whose root id must depend on the entries only, never on their order.
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
#include "snapshot/builder.h"
#include "snapshot/tree.h"
#include "util/hash.h"

/* ---- sbx_path_normalise ---- */

static void expect_norm(const char *in, const char *want)
{
	struct sbx_err err = { 0 };
	char buf[256];
	int r;

	snprintf(buf, sizeof buf, "%s", in);
	r = sbx_path_normalise(buf, &err);
	if (r != 0)
		fail_msg("normalising '%s' failed (%d): %s", in, r, err.msg);
	if (strcmp(buf, want))
		fail_msg("normalising '%s' gave '%s', expected '%s'", in, buf, want);
	assert_int_equal(err.code, 0);
}

static void expect_norm_refused(const char *in, const char *why)
{
	struct sbx_err err = { 0 };
	char buf[256];
	int r;

	snprintf(buf, sizeof buf, "%s", in);
	r = sbx_path_normalise(buf, &err);
	if (r != SBX_EINVAL)
		fail_msg("normalising '%s' returned %d ('%s'), expected SBX_EINVAL", in, r, buf);
	assert_int_equal(err.code, SBX_EINVAL);
	if (!strstr(err.msg, why))
		fail_msg("message for '%s' lacks '%s': %s", in, why, err.msg);
}

static void test_normalise(void **state)
{
	(void)state;
	expect_norm("./a//b/", "a/b");
	expect_norm("./", "");
	expect_norm("a/./b", "a/b");
	expect_norm("", "");
	expect_norm(".", "");
	expect_norm("./.", "");
	expect_norm(".//./", "");
	expect_norm("a", "a");
	expect_norm("a/b/c", "a/b/c");
	expect_norm("a/", "a");
	expect_norm("a///", "a");
	expect_norm("././a/./././b/.", "a/b");
	expect_norm("a/.b/..c/.../c..", "a/.b/..c/.../c..");
	expect_norm("dir with space/f", "dir with space/f");

	expect_norm_refused("/etc/passwd", "absolute");
	expect_norm_refused("/", "absolute");
	expect_norm_refused("//a", "absolute");
	expect_norm_refused("..", "..");
	expect_norm_refused("../a", "..");
	expect_norm_refused("a/../b", "..");
	expect_norm_refused("a/..", "..");
	expect_norm_refused("a/b/../../..", "..");
	expect_norm_refused("./a/./../b", "..");
}

/* Regression test: the message for a refused path names the path as given,
 * not the half-rewritten buffer (normalisation works in place). */
static void test_normalise_message_names_input(void **state)
{
	struct sbx_err err = { 0 };
	char buf[] = "./a/../b";

	(void)state;
	assert_int_equal(sbx_path_normalise(buf, &err), SBX_EINVAL);
	if (!strstr(err.msg, "'./a/../b'"))
		fail_msg("message does not name the input './a/../b': %s", err.msg);
}

/* ---- sbx_builder_put ---- */

/* What *OUT holds before a put, to see that the put always sets it. */
static struct sbx_node sentinel;

static struct sbx_node *put(struct sbx_builder *b, const char *path, uint8_t type)
{
	struct sbx_err err = { 0 };
	struct sbx_node *n = &sentinel;
	int r = sbx_builder_put(b, path, type, &n, &err);

	if (r)
		fail_msg("put '%s' failed (%d): %s", path, r, err.msg);
	assert_non_null(n);
	assert_int_equal(n->type, type);
	return n;
}

static void expect_put_refused(struct sbx_builder *b, const char *path, uint8_t type,
			       const char *mention1, const char *mention2)
{
	struct sbx_err err = { 0 };
	struct sbx_node *n = &sentinel;
	int r = sbx_builder_put(b, path, type, &n, &err);

	if (r != SBX_EINVAL)
		fail_msg("put '%s' returned %d, expected SBX_EINVAL", path, r);
	assert_null(n);
	assert_int_equal(err.code, SBX_EINVAL);
	if (mention1 && !strstr(err.msg, mention1))
		fail_msg("message for '%s' lacks \"%s\": %s", path, mention1, err.msg);
	if (mention2 && !strstr(err.msg, mention2))
		fail_msg("message for '%s' lacks \"%s\": %s", path, mention2, err.msg);
}

static int has_kid(const struct sbx_node *d, const struct sbx_node *k)
{
	size_t i;

	for (i = 0; i < d->nkids; i++)
		if (d->kids[i] == k)
			return 1;
	return 0;
}

static void test_put_implicit_parents(void **state)
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_node *root, *a, *ab, *f, *g;

	(void)state;
	assert_non_null(b);
	root = sbx_builder_get(b, "");
	assert_non_null(root);
	assert_int_equal(root->type, SBX_T_DIR);
	assert_int_equal(root->nkids, 0);
	assert_null(sbx_builder_get(b, "a"));

	f = put(b, "a/b/c.txt", SBX_T_FILE);
	f->mtime_ns = 777;
	a = sbx_builder_get(b, "a");
	ab = sbx_builder_get(b, "a/b");
	assert_non_null(a);
	assert_non_null(ab);
	assert_ptr_equal(sbx_builder_get(b, "a/b/c.txt"), f);
	assert_int_equal(a->type, SBX_T_DIR);
	assert_int_equal(ab->type, SBX_T_DIR);
	assert_true(a->mtime_ns == 0);
	assert_true(ab->mtime_ns == 0);
	assert_string_equal(a->name, "a");
	assert_string_equal(ab->name, "b");
	assert_string_equal(f->name, "c.txt");
	/* The parent links: root -> a -> b -> c.txt, one kid each. */
	assert_int_equal(root->nkids, 1);
	assert_ptr_equal(root->kids[0], a);
	assert_int_equal(a->nkids, 1);
	assert_ptr_equal(a->kids[0], ab);
	assert_int_equal(ab->nkids, 1);
	assert_ptr_equal(ab->kids[0], f);

	/* A parent put explicitly keeps its own mtime when a child arrives
	 * later; only a directory created on the way gets 0. */
	g = put(b, "x", SBX_T_DIR);
	g->mtime_ns = 12345;
	put(b, "x/y/z", SBX_T_SYMLINK);
	assert_true(sbx_builder_get(b, "x")->mtime_ns == 12345);
	assert_true(sbx_builder_get(b, "x/y")->mtime_ns == 0);
	assert_int_equal(root->nkids, 2);
	assert_true(has_kid(root, g));

	/* The root itself. */
	assert_ptr_equal(put(b, "", SBX_T_DIR), root);
	expect_put_refused(b, "", SBX_T_FILE, "root", NULL);
	sbx_builder_free(b);
}

static void test_put_update(void **state)
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_node *f, *again, *d;

	(void)state;
	f = put(b, "dir/f", SBX_T_FILE);
	f->size = 10;
	f->mode = 0600;
	again = put(b, "dir/f", SBX_T_FILE);
	assert_ptr_equal(again, f);
	assert_true(again->size == 10);
	assert_int_equal(again->mode, 0600);
	assert_int_equal(sbx_builder_get(b, "dir")->nkids, 1);

	/* An implicit directory put explicitly later is the same node. */
	d = put(b, "dir", SBX_T_DIR);
	assert_ptr_equal(d, sbx_builder_get(b, "dir"));
	assert_int_equal(d->nkids, 1);
	assert_int_equal(sbx_builder_get(b, "")->nkids, 1);
	sbx_builder_free(b);
}

static void test_put_type_change(void **state)
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_node *f, *d, *l;

	(void)state;
	f = put(b, "f", SBX_T_FILE);
	f->size = 3;
	expect_put_refused(b, "f", SBX_T_DIR, "'f'", "directory");
	expect_put_refused(b, "f", SBX_T_SYMLINK, "'f'", "symlink");
	/* Unchanged by the refusals. */
	assert_ptr_equal(sbx_builder_get(b, "f"), f);
	assert_int_equal(f->type, SBX_T_FILE);
	assert_true(f->size == 3);

	d = put(b, "d", SBX_T_DIR);
	expect_put_refused(b, "d", SBX_T_FILE, "'d'", "file");
	assert_ptr_equal(sbx_builder_get(b, "d"), d);
	/* Implicit directories count too. */
	put(b, "p/q/r", SBX_T_FILE);
	expect_put_refused(b, "p/q", SBX_T_FILE, "'p/q'", NULL);
	l = put(b, "l", SBX_T_SYMLINK);
	expect_put_refused(b, "l", SBX_T_DIR, "'l'", NULL);
	assert_ptr_equal(sbx_builder_get(b, "l"), l);
	assert_int_equal(sbx_builder_get(b, "")->nkids, 4);
	sbx_builder_free(b);
}

static void test_put_through_symlink(void **state)
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_node *l;

	(void)state;
	l = put(b, "l", SBX_T_SYMLINK);
	l->target = sbx_xstrdup("/etc");
	expect_put_refused(b, "l/x", SBX_T_FILE, "symlink", "'l'");
	expect_put_refused(b, "l/x", SBX_T_DIR, "symlink", "'l'");
	/* Deeper: the implicit "l/x" would go through the symlink. */
	expect_put_refused(b, "l/x/y", SBX_T_FILE, "symlink", "'l'");
	assert_null(sbx_builder_get(b, "l/x"));
	assert_null(sbx_builder_get(b, "l/x/y"));
	assert_int_equal(l->nkids, 0);
	assert_int_equal(l->type, SBX_T_SYMLINK);

	/* Nested: a symlink below a real directory. */
	put(b, "d/s", SBX_T_SYMLINK);
	expect_put_refused(b, "d/s/f", SBX_T_FILE, "symlink", "'d/s'");
	sbx_builder_free(b);
}

static void test_put_through_file(void **state)
{
	struct sbx_builder *b = sbx_builder_new();

	(void)state;
	put(b, "f", SBX_T_FILE);
	expect_put_refused(b, "f/x", SBX_T_FILE, "file", "'f'");
	expect_put_refused(b, "f/x/y", SBX_T_DIR, "file", "'f'");
	assert_null(sbx_builder_get(b, "f/x"));
	assert_int_equal(sbx_builder_get(b, "f")->nkids, 0);
	/* Names the put would create that no tree may hold. */
	expect_put_refused(b, "..", SBX_T_FILE, "invalid", NULL);
	expect_put_refused(b, "d/.", SBX_T_FILE, "invalid", NULL);
	sbx_builder_free(b);
}

/* Many entries: the path map grows past its first size and still finds
 * every node. */
static void test_put_many(void **state)
{
	enum { N = 5000 };
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_node **nodes = calloc(N, sizeof *nodes);
	char path[64];
	size_t i;

	(void)state;
	assert_non_null(nodes);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof path, "d%zu/f%zu", i % 37, i);
		nodes[i] = put(b, path, SBX_T_FILE);
	}
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof path, "d%zu/f%zu", i % 37, i);
		assert_ptr_equal(sbx_builder_get(b, path), nodes[i]);
	}
	assert_int_equal(sbx_builder_get(b, "")->nkids, 37);
	assert_null(sbx_builder_get(b, "d0/f1"));
	free(nodes);
	sbx_builder_free(b);
}

/* ---- sbx_builder_finish ---- */

struct spec {
	const char *path;
	uint8_t type;
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;
	uint32_t nchunks;
	uint8_t chunk_seed;
	const char *target;
};

static const struct spec fixture[] = {
	{ "README.md", SBX_T_FILE, 0644, 1000, 5, 1, 1, NULL },
	{ "src", SBX_T_DIR, 0755, 2000, 0, 0, 0, NULL },
	{ "src/main.c", SBX_T_FILE, 0600, 3000, 100, 2, 2, NULL },
	{ "src/lib/util.c", SBX_T_FILE, 0640, 4000, 70000, 3, 3, NULL },
	{ "src/link-to-main", SBX_T_SYMLINK, 0777, 5000, 0, 0, 0, "main.c" },
	{ "docs/guide/intro.txt", SBX_T_FILE, 0444, 6000, 1, 1, 4, NULL },
	{ "docs/guide/empty-file", SBX_T_FILE, 0644, 6500, 0, 0, 0, NULL },
	{ "empty-dir", SBX_T_DIR, 0700, 7000, 0, 0, 0, NULL },
	{ "bin/tool", SBX_T_FILE, 0755, -8000, 9, 1, 5, NULL },
	{ "bin", SBX_T_DIR, 01777, 9000, 0, 0, 0, NULL },
};
#define NFIX (sizeof fixture / sizeof *fixture)
/* root, src, src/lib, docs, docs/guide, empty-dir, bin */
#define FIXTURE_DIRS 7

/* Which fixture entry to perturb, and how. */
enum tweak { T_NONE, T_MODE, T_MTIME, T_CHUNK_BYTE, T_SIZE, T_TARGET, T_DIR_MTIME, T_NAME };

static void chunk_list(const struct spec *s, enum tweak tw, uint8_t *out)
{
	uint32_t i, k;

	for (i = 0; i < s->nchunks; i++)
		for (k = 0; k < 32; k++)
			out[32 * i + k] = (uint8_t)(s->chunk_seed * 31 + i * 17 + k);
	if (tw == T_CHUNK_BYTE)
		out[32 * (s->nchunks - 1) + 31] ^= 1;
}

struct emitted {
	size_t calls;
	uint8_t ids[64][32];
	int bad;        /* an emitted encoding did not hash to its id or decode */
	size_t fail_at; /* 1-based call to fail, 0 for never */
};

static int record(const uint8_t id[32], const void *enc, size_t len, void *ctx)
{
	struct emitted *em = ctx;
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	uint8_t got[32];
	size_t i, j;

	em->calls++;
	if (em->fail_at && em->calls == em->fail_at)
		return SBX_EIO;
	sbx_sha256(enc, len, got);
	if (memcmp(got, id, 32))
		em->bad = 1;
	if (sbx_tree_decode(enc, len, &t, &err)) {
		em->bad = 1;
		return 0;
	}
	/* Bottom-up: every subdirectory was emitted before its parent. */
	for (i = 0; i < t.n; i++) {
		int seen = 0;

		if (t.e[i].type != SBX_T_DIR)
			continue;
		for (j = 0; j + 1 < em->calls && j < 64; j++)
			if (!memcmp(em->ids[j], t.e[i].subtree, 32))
				seen = 1;
		if (!seen)
			em->bad = 1;
	}
	sbx_tree_release(&t);
	if (em->calls <= 64)
		memcpy(em->ids[em->calls - 1], id, 32);
	return 0;
}

/* Builds the fixture inserted in ORDER (indices into it), with TWEAK applied
 * to entry WHICH, and returns the root id. */
static void build_fixture(const size_t *order, size_t which, enum tweak tw,
			  struct emitted *em, uint8_t root[32])
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_err err = { 0 };
	size_t i;

	for (i = 0; i < NFIX; i++) {
		const struct spec *s = &fixture[order[i]];
		enum tweak t = order[i] == which ? tw : T_NONE;
		struct sbx_node *n = put(b, s->path, s->type);
		uint8_t chunks[8 * 32];

		n->mode = s->mode ^ (t == T_MODE ? 0100 : 0);
		n->mtime_ns = s->mtime_ns + (t == T_MTIME || t == T_DIR_MTIME ? 1 : 0);
		n->size = s->size + (t == T_SIZE ? 1 : 0);
		if (s->type == SBX_T_FILE) {
			chunk_list(s, t, chunks);
			sbx_node_set_chunks(n, chunks, s->nchunks);
		}
		if (s->target) {
			free(n->target);
			n->target = sbx_xstrdup(t == T_TARGET ? "main.h" : s->target);
		}
	}
	if (tw == T_NAME)
		put(b, "docs/guide/intro.txx", SBX_T_FILE);
	memset(em, 0, sizeof *em);
	assert_int_equal(sbx_builder_finish(b, record, em, root, &err), 0);
	assert_int_equal(em->bad, 0);
	sbx_builder_free(b);
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void test_finish_order_independent(void **state)
{
	size_t fwd[NFIX], rev[NFIX], mix[NFIX], i;
	struct emitted e1, e2, e3;
	uint8_t r1[32], r2[32], r3[32];

	(void)state;
	for (i = 0; i < NFIX; i++) {
		fwd[i] = i;
		rev[i] = NFIX - 1 - i;
		mix[i] = (i * 7 + 3) % NFIX;     /* 7 is prime to 10: a permutation */
	}
	build_fixture(fwd, NFIX, T_NONE, &e1, r1);
	build_fixture(rev, NFIX, T_NONE, &e2, r2);
	build_fixture(mix, NFIX, T_NONE, &e3, r3);
	assert_memory_equal(r1, r2, 32);
	assert_memory_equal(r1, r3, 32);

	/* Once per directory, the root last, and the same set of trees. */
	assert_int_equal(e1.calls, FIXTURE_DIRS);
	assert_int_equal(e2.calls, FIXTURE_DIRS);
	assert_int_equal(e3.calls, FIXTURE_DIRS);
	assert_memory_equal(e1.ids[FIXTURE_DIRS - 1], r1, 32);
	assert_memory_equal(e2.ids[FIXTURE_DIRS - 1], r2, 32);
	qsort(e1.ids, e1.calls, 32, cmp_id);
	qsort(e2.ids, e2.calls, 32, cmp_id);
	qsort(e3.ids, e3.calls, 32, cmp_id);
	assert_memory_equal(e1.ids, e2.ids, 32 * FIXTURE_DIRS);
	assert_memory_equal(e1.ids, e3.ids, 32 * FIXTURE_DIRS);
}

static void test_finish_detects_changes(void **state)
{
	static const struct { size_t which; enum tweak tw; } cases[] = {
		{ 0, T_MODE },          /* README.md's mode */
		{ 3, T_MODE },          /* deep file's mode */
		{ 2, T_MTIME },         /* file mtime */
		{ 1, T_DIR_MTIME },     /* directory mtime */
		{ 9, T_MODE },          /* directory mode (sticky bit set) */
		{ 3, T_CHUNK_BYTE },    /* last byte of the last chunk id */
		{ 5, T_CHUNK_BYTE },
		{ 3, T_SIZE },
		{ 4, T_TARGET },        /* symlink target */
		{ 4, T_MTIME },         /* symlink mtime */
		{ NFIX, T_NAME },       /* one more entry */
	};
	size_t fwd[NFIX], i, j;
	uint8_t base[32], got[NFIX + 16][32];
	struct emitted em;

	(void)state;
	for (i = 0; i < NFIX; i++)
		fwd[i] = i;
	build_fixture(fwd, NFIX, T_NONE, &em, base);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		build_fixture(fwd, cases[i].which, cases[i].tw, &em, got[i]);
		if (!memcmp(got[i], base, 32))
			fail_msg("change %zu (entry %zu, tweak %d) kept the root id",
				 i, cases[i].which, (int)cases[i].tw);
		/* And each change gives its own id. */
		for (j = 0; j < i; j++)
			assert_memory_not_equal(got[i], got[j], 32);
	}
}

static void test_finish_emit_count(void **state)
{
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_err err = { 0 };
	struct emitted em;
	uint8_t root[32], root2[32], empty_id[32];
	struct sbx_buf enc = SBX_BUF_INIT;

	(void)state;
	/* An empty builder: one tree, the empty root. */
	memset(&em, 0, sizeof em);
	assert_int_equal(sbx_builder_finish(b, record, &em, root, &err), 0);
	assert_int_equal(em.calls, 1);
	sbx_tree_encode(NULL, 0, &enc);
	sbx_sha256(enc.data, enc.len, empty_id);
	assert_memory_equal(root, empty_id, 32);
	sbx_buf_release(&enc);

	/* Two identical empty directories are two directories: two calls. */
	put(b, "a/x/deep/er", SBX_T_DIR);
	put(b, "b", SBX_T_DIR);
	put(b, "c", SBX_T_DIR);
	memset(&em, 0, sizeof em);
	assert_int_equal(sbx_builder_finish(b, record, &em, root, &err), 0);
	assert_int_equal(em.bad, 0);
	assert_int_equal(em.calls, 7); /* root a a/x a/x/deep a/x/deep/er b c */
	assert_memory_equal(em.ids[em.calls - 1], root, 32);

	/* NULL emit is allowed and gives the same root. */
	assert_int_equal(sbx_builder_finish(b, NULL, NULL, root2, &err), 0);
	assert_memory_equal(root, root2, 32);

	/* An emit failure stops the build and is returned. */
	memset(&em, 0, sizeof em);
	em.fail_at = 2;
	memset(root2, 0xee, sizeof root2);
	assert_int_equal(sbx_builder_finish(b, record, &em, root2, &err), SBX_EIO);
	assert_int_equal(em.calls, 2);
	sbx_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_normalise_message_names_input),
		cmocka_unit_test(test_put_implicit_parents),
		cmocka_unit_test(test_put_update),
		cmocka_unit_test(test_put_type_change),
		cmocka_unit_test(test_put_through_symlink),
		cmocka_unit_test(test_put_through_file),
		cmocka_unit_test(test_put_many),
		cmocka_unit_test(test_finish_order_independent),
		cmocka_unit_test(test_finish_detects_changes),
		cmocka_unit_test(test_finish_emit_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
