/*
 * Unit tests for the tree diff (snapshot/diff.c) on real captures in a
 * temporary store: every kind of change, nested additions and removals,
 * type changes both ways, mtime-only changes (none), the skipping of equal
 * subtrees (counted), reading contents from the callback, unrecorded
 * captures (diffable, no record, gone after gc), and errors.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "sbx/diff.h"
#include "sbx/snapshot.h"
#include "sbx/store.h"

struct fx {
	char dir[PATH_MAX];
	char store[PATH_MAX + 16];
	struct sbx_store *s;
	int n;                       /* trees made so far */
};

static void put(const char *root, const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mkd(const char *root, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void rm_rf(const char *p)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
}

/* A fresh empty directory under the fixture. */
static char *tree_dir(struct fx *fx)
{
	char *p = malloc(PATH_MAX * 2);

	snprintf(p, PATH_MAX * 2, "%s/t%d", fx->dir, fx->n++);
	assert_int_equal(mkdir(p, 0755), 0);
	return p;
}

static void capture(struct fx *fx, const char *dir, int unrecorded, char id[65])
{
	struct sbx_capture_opts o;
	struct sbx_capture_result res;
	struct sbx_err err = { 0 };

	memset(&o, 0, sizeof o);
	o.no_cache = 1;
	o.unrecorded = unrecorded;
	assert_int_equal(sbx_snapshot_capture(fx->s, dir, &o, &res, &err), 0);
	sbx_buf_release(&res.warnings);
	memcpy(id, res.id, 65);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	struct sbx_err err = { 0 };
	int created;

	snprintf(fx->dir, sizeof fx->dir, "%s/sbx-test-diff.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->store, sizeof fx->store, "%s/store", fx->dir);
	assert_int_equal(sbx_store_init(fx->store, &created, &err), 0);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_WRITE | SBX_STORE_PACKS, "test", &fx->s,
					&err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sbx_store_close(fx->s);
	rm_rf(fx->dir);
	free(fx);
	return 0;
}

/* Collected entries: "KIND path what a-type b-type" lines. */
struct seen {
	char text[8192];
	int stop_after;
	int calls;
};

static int collect(const struct sbx_diff_entry *e, void *ctx)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof s->text - len, "%c %s%s%s%s%s %c%c\n",
		 e->kind == SBX_DIFF_ADDED ? 'A' : e->kind == SBX_DIFF_REMOVED ? 'D' : 'M', e->path,
		 e->what & SBX_DIFF_TYPE ? " type" : "", e->what & SBX_DIFF_MODE ? " mode" : "",
		 e->what & SBX_DIFF_TARGET ? " target" : "", e->what & SBX_DIFF_CONTENT ? " content" : "",
		 e->a.type ? e->a.type : '-', e->b.type ? e->b.type : '-');
	s->calls++;
	return s->stop_after && s->calls == s->stop_after ? 42 : 0;
}

static void diff(struct fx *fx, const char *a, const char *b, struct seen *s,
		 struct sbx_diff_stats *st)
{
	struct sbx_err err = { 0 };

	memset(s, 0, sizeof *s);
	assert_int_equal(sbx_snapshot_diff(fx->s, a, b, collect, s, st, &err), 0);
}

static void test_every_kind(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), *b = tree_dir(fx), ia[65], ib[65];
	char p[PATH_MAX * 2];
	struct seen s;
	struct sbx_diff_stats st;

	/* Side A. */
	put(a, "same.txt", "same\n");
	put(a, "edit.txt", "old\n");
	put(a, "gone.txt", "bye\n");
	put(a, "run.sh", "#!/bin/sh\n");
	put(a, "f2d", "a file\n");
	mkd(a, "d2f");
	put(a, "d2f/inner", "x\n");
	mkd(a, "olddir");
	mkd(a, "olddir/sub");
	put(a, "olddir/sub/x", "x\n");
	snprintf(p, sizeof p, "%s/link", a);
	assert_int_equal(symlink("same.txt", p), 0);
	/* Side B: one of each change. */
	put(b, "same.txt", "same\n");
	put(b, "edit.txt", "new\n");
	put(b, "run.sh", "#!/bin/sh\n");
	snprintf(p, sizeof p, "%s/run.sh", b);
	chmod(p, 0755);
	snprintf(p, sizeof p, "%s/run.sh", a);
	chmod(p, 0644);
	mkd(b, "f2d");
	put(b, "f2d/now", "y\n");
	put(b, "d2f", "was a dir\n");
	mkd(b, "newdir");
	mkd(b, "newdir/deep");
	put(b, "newdir/deep/n", "n\n");
	put(b, "added.txt", "hi\n");
	snprintf(p, sizeof p, "%s/link", b);
	assert_int_equal(symlink("edit.txt", p), 0);
	capture(fx, a, 0, ia);
	capture(fx, b, 0, ib);
	diff(fx, ia, ib, &s, &st);
	/* Tree order: names sorted bytewise, a directory before its contents. */
	assert_string_equal(s.text,
			    "A added.txt -f\n"
			    "M d2f type df\n"
			    "D d2f/inner f-\n"
			    "M edit.txt content ff\n"
			    "M f2d type fd\n"
			    "A f2d/now -f\n"
			    "D gone.txt f-\n"
			    "M link target ll\n"
			    "A newdir -d\n"
			    "A newdir/deep -d\n"
			    "A newdir/deep/n -f\n"
			    "D olddir d-\n"
			    "D olddir/sub d-\n"
			    "D olddir/sub/x f-\n"
			    "M run.sh mode ff\n");
	assert_int_equal(st.added, 5);
	assert_int_equal(st.removed, 5);
	assert_int_equal(st.changed, 5);
	/* The other way round: added and removed swap. */
	diff(fx, ib, ia, &s, &st);
	assert_int_equal(st.added, 5);
	assert_int_equal(st.removed, 5);
	assert_non_null(strstr(s.text, "D newdir/deep/n f-\n"));
	assert_non_null(strstr(s.text, "M f2d type df\n"));
	free(a);
	free(b);
}

/* Nothing differs but mtimes: no entry, though the ids differ. */
static void test_mtime_only(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), ia[65], ib[65], p[PATH_MAX * 2];
	struct timeval tv[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct seen s;

	mkd(a, "d");
	put(a, "d/f", "x\n");
	capture(fx, a, 0, ia);
	snprintf(p, sizeof p, "%s/d/f", a);
	assert_int_equal(utimes(p, tv), 0);
	capture(fx, a, 0, ib);
	assert_string_not_equal(ia, ib);
	diff(fx, ia, ib, &s, NULL);
	assert_string_equal(s.text, "");
	free(a);
}

/* A wide, deep tree with one file changed: only the trees on its path are
 * read, every sibling directory is skipped by its digest. */
static void test_skips_equal_subtrees(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), ia[65], ib[65], rel[256];
	struct sbx_diff_stats st;
	struct seen s;
	int i, j;

	for (i = 0; i < 20; i++) {
		snprintf(rel, sizeof rel, "d%02d", i);
		mkd(a, rel);
		for (j = 0; j < 5; j++) {
			snprintf(rel, sizeof rel, "d%02d/e%d", i, j);
			mkd(a, rel);
			snprintf(rel, sizeof rel, "d%02d/e%d/file", i, j);
			put(a, rel, rel);
		}
	}
	capture(fx, a, 0, ia);
	put(a, "d07/e3/file", "changed");
	capture(fx, a, 0, ib);
	diff(fx, ia, ib, &s, &st);
	assert_string_equal(s.text, "M d07/e3/file content ff\n");
	/* root, d07, d07/e3 on each side. */
	assert_int_equal(st.trees_loaded, 6);
	/* 19 other top directories and 4 other second-level ones. */
	assert_int_equal(st.subtrees_skipped, 19 + 4);
	/* The same tree: nothing read at all. */
	diff(fx, ia, ia, &s, &st);
	assert_int_equal(st.trees_loaded, 0);
	assert_int_equal(st.subtrees_skipped, 1);
	assert_string_equal(s.text, "");
	free(a);
}

struct reader {
	char a[64], b[64];
	int rc;
};

static int read_both(const struct sbx_diff_entry *e, void *ctx)
{
	struct reader *rd = ctx;
	struct sbx_buf buf = SBX_BUF_INIT;
	struct sbx_err err = { 0 };

	rd->rc = sbx_diff_read(e, 'a', &buf, &err);
	if (!rd->rc)
		snprintf(rd->a, sizeof rd->a, "%s", buf.data);
	if (!rd->rc)
		rd->rc = sbx_diff_read(e, 'b', &buf, &err);
	if (!rd->rc)
		snprintf(rd->b, sizeof rd->b, "%s", buf.data);
	sbx_buf_release(&buf);
	return 0;
}

static void test_read(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), ia[65], ib[65];
	struct reader rd;
	struct sbx_err err = { 0 };

	memset(&rd, 0, sizeof rd);
	put(a, "f", "before\n");
	capture(fx, a, 0, ia);
	put(a, "f", "after\n");
	capture(fx, a, 0, ib);
	assert_int_equal(sbx_snapshot_diff(fx->s, ia, ib, read_both, &rd, NULL, &err), 0);
	assert_int_equal(rd.rc, 0);
	assert_string_equal(rd.a, "before\n");
	assert_string_equal(rd.b, "after\n");
	free(a);
}

/* An unrecorded capture: no snapshot record, diffable while the store is
 * open, gone after gc. */
static void test_unrecorded(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), ia[65], ib[65], *rec = NULL;
	struct sbx_err err = { 0 };
	struct sbx_gc_result gc;
	struct seen s;

	put(a, "kept", "in a snapshot\n");
	capture(fx, a, 0, ia);
	put(a, "temp", "only in the unrecorded tree\n");
	capture(fx, a, 1, ib);
	assert_int_equal(sbx_snapshot_record(fx->s, ib, &rec, &err), SBX_ENOTFOUND);
	diff(fx, ia, ib, &s, NULL);
	assert_string_equal(s.text, "A temp -f\n");
	sbx_store_close(fx->s);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_WRITE | SBX_STORE_GC, "test", &fx->s,
					&err), 0);
	assert_int_equal(sbx_gc(fx->s, NULL, &gc, &err), 0);
	assert_true(gc.trees_removed >= 1);
	assert_true(gc.chunks_removed >= 1);
	memset(&err, 0, sizeof err);
	assert_int_equal(sbx_snapshot_diff(fx->s, ia, ib, collect, &s, NULL, &err), SBX_ENOTFOUND);
	free(a);
}

static void test_errors(void **state)
{
	struct fx *fx = *state;
	char *a = tree_dir(fx), ia[65], ib[65];
	struct sbx_err err = { 0 };
	struct seen s;

	put(a, "x", "1");
	put(a, "y", "1");
	capture(fx, a, 0, ia);
	put(a, "x", "2");
	put(a, "y", "2");
	capture(fx, a, 0, ib);
	memset(&s, 0, sizeof s);
	assert_int_equal(sbx_snapshot_diff(fx->s, ia, "00000000000000000000000000000000"
					   "00000000000000000000000000000000", collect, &s, NULL, &err),
			 SBX_ENOTFOUND);
	memset(&err, 0, sizeof err);
	assert_int_equal(sbx_snapshot_diff(fx->s, "abc", ib, collect, &s, NULL, &err), SBX_EUSAGE);
	/* The callback stops the walk with its own value. */
	memset(&s, 0, sizeof s);
	s.stop_after = 1;
	assert_int_equal(sbx_snapshot_diff(fx->s, ia, ib, collect, &s, NULL, &err), 42);
	assert_int_equal(s.calls, 1);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtime_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skips_equal_subtrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
