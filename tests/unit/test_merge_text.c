/*
 * Unit tests for the line diff's change regions (util/linediff.c) and the line merge
 * (lifecycle/merge-text.c): minimal diffs checked against a dynamic
 * programming LCS, and the classic diff3 cases.
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

#include "lifecycle/merge.h"
#include "merge-fixture.h"
#include "sbx/diff.h"

/* ---- The line diff ------------------------------------------------------- */

/* The length of a longest common subsequence, by dynamic programming. */
static size_t lcs(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	size_t *t = calloc((n + 1) * (m + 1), sizeof *t), i, j, r;

	assert_non_null(t);
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++)
			t[i * (m + 1) + j] = a[i - 1] == b[j - 1] ? t[(i - 1) * (m + 1) + j - 1] + 1 :
					     t[(i - 1) * (m + 1) + j] > t[i * (m + 1) + j - 1] ?
					     t[(i - 1) * (m + 1) + j] : t[i * (m + 1) + j - 1];
	r = t[n * (m + 1) + m];
	free(t);
	return r;
}

/* The change regions of a diff of A[0..N) into B[0..M), each number a
 * one-byte line (all of them below 256). */
static size_t linediff(const uint32_t *a, size_t n, const uint32_t *b, size_t m,
		       struct sbx_line_change **h)
{
	static char bytes[256];
	struct sbx_line *la = calloc(n + 1, sizeof *la), *lb = calloc(m + 1, sizeof *lb);
	struct sbx_edit *e = NULL;
	size_t ne, nh, i;

	assert_non_null(la);
	assert_non_null(lb);
	for (i = 0; i < 256; i++)
		bytes[i] = (char)i;
	for (i = 0; i < n; i++) {
		assert_true(a[i] < 256);
		la[i].p = &bytes[a[i]];
		la[i].len = 1;
	}
	for (i = 0; i < m; i++) {
		assert_true(b[i] < 256);
		lb[i].p = &bytes[b[i]];
		lb[i].len = 1;
	}
	sbx_line_diff(la, n, lb, m, &e, &ne);
	nh = sbx_line_changes(e, ne, h);
	free(e);
	free(la);
	free(lb);
	return nh;
}

/* Checks that hunks H turn A into B, are ordered and maximal, and keep as
 * many lines as a longest common subsequence: a minimal diff. */
static void check_diff(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	struct sbx_line_change *h = NULL;
	size_t nh = linediff(a, n, b, m, &h), k, i = 0, j = 0, kept = 0;

	for (k = 0; k < nh; k++) {
		assert_true(h[k].a0 >= i && h[k].b0 >= j);
		assert_true(h[k].a0 < h[k].a1 || h[k].b0 < h[k].b1);
		/* Between hunks, the lines are equal pairs. */
		assert_int_equal(h[k].a0 - i, h[k].b0 - j);
		if (k)
			assert_true(h[k].a0 > i || k == 0);
		for (; i < h[k].a0; i++, j++, kept++)
			assert_int_equal(a[i], b[j]);
		i = h[k].a1;
		j = h[k].b1;
	}
	assert_int_equal(n - i, m - j);
	for (; i < n; i++, j++, kept++)
		assert_int_equal(a[i], b[j]);
	assert_int_equal(kept, lcs(a, n, b, m));
	/* Maximal: two hunks are separated by at least one kept line. */
	for (k = 1; k < nh; k++)
		assert_true(h[k].a0 > h[k - 1].a1 && h[k].b0 > h[k - 1].b1);
	free(h);
}

static void test_linediff_known(void **state)
{
	/* Myers' paper's example: ABCABBA -> CBABAC, edit distance 5. */
	const uint32_t a[] = { 'A', 'B', 'C', 'A', 'B', 'B', 'A' };
	const uint32_t b[] = { 'C', 'B', 'A', 'B', 'A', 'C' };
	struct sbx_line_change *h = NULL;
	size_t nh, k, del = 0, ins = 0;

	(void)state;
	nh = linediff(a, 7, b, 6, &h);
	for (k = 0; k < nh; k++) {
		del += h[k].a1 - h[k].a0;
		ins += h[k].b1 - h[k].b0;
	}
	assert_int_equal(del + ins, 5);
	free(h);
	check_diff(a, 7, b, 6);
	check_diff(a, 0, b, 6);
	check_diff(a, 7, b, 0);
	check_diff(a, 0, b, 0);
	check_diff(a, 7, a, 7);
}

static void test_linediff_random(void **state)
{
	uint32_t a[60], b[60];
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		size_t n, m, i;
		unsigned alpha;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 40;
		seed = seed * 1103515245 + 12345;
		m = (seed >> 16) % 40;
		alpha = 2 + round % 5;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			a[i] = (seed >> 16) % alpha;
		}
		for (i = 0; i < m; i++) {
			seed = seed * 1103515245 + 12345;
			b[i] = (seed >> 16) % alpha;
		}
		/* Half the time, B is an edit of A rather than unrelated. */
		if (round % 2 && n) {
			memcpy(b, a, n * sizeof *a);
			m = n;
			for (i = 0; i < 3; i++) {
				seed = seed * 1103515245 + 12345;
				b[(seed >> 16) % m] = 9;
			}
		}
		check_diff(a, n, b, m);
	}
}

static void test_lines_split(void **state)
{
	const char *x = "a\r\nb\nb\nc", *y = "b\nc\n";
	struct sbx_line *lx, *ly;

	(void)state;
	assert_int_equal(sbx_lines_split(x, strlen(x), &lx), 4);
	assert_int_equal(sbx_lines_split(y, strlen(y), &ly), 2);
	assert_int_equal(lx[0].len, 3);      /* "a\r\n": the CR stays in the line */
	assert_int_equal(lx[3].len, 1);      /* "c" without a newline */
	assert_int_equal(ly[1].len, 2);      /* "c\n" is not "c" */
	free(lx);
	free(ly);
}

/* ---- The merge ----------------------------------------------------------- */

/* Merges the three texts (NULL: absent) as "f.txt"; returns the merged text,
 * or NULL on an error or an open conflict. */
static const char *merge(struct m *m, const char *b, const char *o, const char *t)
{
	return merge_with(m, sbx_merge_text, "f.txt", b, o, t);
}

static const char base5[] = "one\ntwo\nthree\nfour\nfive\n";

static void test_unchanged_and_one_side(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, base5, base5, base5), base5);
	assert_string_equal(merge(m, base5, "one\nTWO\nthree\nfour\nfive\n", base5),
			    "one\nTWO\nthree\nfour\nfive\n");
	assert_string_equal(merge(m, base5, base5, "one\ntwo\nthree\nfour\nFIVE\n"),
			    "one\ntwo\nthree\nfour\nFIVE\n");
	assert_int_equal(m->c.n, 0);
}

static void test_changes_far_apart(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, base5, "ONE\ntwo\nthree\nfour\nfive\n",
				  "one\ntwo\nthree\nfour\nFIVE\n"),
			    "ONE\ntwo\nthree\nfour\nFIVE\n");
	assert_int_equal(m->c.n, 0);
}

static void test_adjacent_edits(void **state)
{
	struct m *m = *state;

	/* Line 2 on one side, line 3 on the other: no line is shared. */
	assert_string_equal(merge(m, base5, "one\nTWO\nthree\nfour\nfive\n",
				  "one\ntwo\nTHREE\nfour\nfive\n"),
			    "one\nTWO\nTHREE\nfour\nfive\n");
	/* An insertion right after a line the other side changed. */
	assert_string_equal(merge(m, base5, "one\ntwo\nnew\nthree\nfour\nfive\n",
				  "one\nTWO\nthree\nfour\nfive\n"),
			    "one\nTWO\nnew\nthree\nfour\nfive\n");
	/* An insertion right before it. */
	assert_string_equal(merge(m, base5, "one\nnew\ntwo\nthree\nfour\nfive\n",
				  "one\nTWO\nthree\nfour\nfive\n"),
			    "one\nnew\nTWO\nthree\nfour\nfive\n");
	assert_int_equal(m->c.n, 0);
}

static void test_same_edit_both_sides(void **state)
{
	struct m *m = *state;
	const char *both = "one\ntwo\n3\nfour\nfive\nsix\n";

	assert_string_equal(merge(m, base5, both, both), both);
	/* The same change plus another one on one side. */
	assert_string_equal(merge(m, base5, "ONE\ntwo\n3\nfour\nfive\nsix\n", both),
			    "ONE\ntwo\n3\nfour\nfive\nsix\n");
	assert_int_equal(m->c.n, 0);
}

static void test_insert_at_start_and_end(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, base5, "zero\none\ntwo\nthree\nfour\nfive\n",
				  "one\ntwo\nthree\nfour\nfive\nsix\n"),
			    "zero\none\ntwo\nthree\nfour\nfive\nsix\n");
	/* Both insert at the start, differently: which comes first is
	 * nobody's guess. */
	assert_null(merge(m, base5, "a\none\ntwo\nthree\nfour\nfive\n",
			  "b\none\ntwo\nthree\nfour\nfive\n"));
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_BOTH_CHANGED);
	assert_int_equal(m->c.v[0].base_lines.first, 1);
	assert_int_equal(m->c.v[0].base_lines.count, 0);
	assert_string_equal(m->c.v[0].base, "");
	assert_string_equal(m->c.v[0].ours, "a\n");
	assert_string_equal(m->c.v[0].theirs, "b\n");
	/* Both append the same line: once. */
	assert_string_equal(merge(m, base5, "one\ntwo\nthree\nfour\nfive\nsix\n",
				  "one\ntwo\nthree\nfour\nfive\nsix\n"),
			    "one\ntwo\nthree\nfour\nfive\nsix\n");
	/* Both append different lines. */
	assert_null(merge(m, base5, "one\ntwo\nthree\nfour\nfive\nsix\n",
			  "one\ntwo\nthree\nfour\nfive\nseven\n"));
	assert_int_equal(m->c.n, 2);
	assert_int_equal(m->c.v[1].base_lines.first, 6);
	assert_int_equal(m->c.v[1].base_lines.count, 0);
	assert_int_equal(m->c.v[1].ours_lines.first, 6);
	assert_int_equal(m->c.v[1].ours_lines.count, 1);
}

static void test_both_change_one_line(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_conflict *x;

	/* An insertion before it shifts ours' line numbers by one. */
	assert_null(merge(m, base5, "zero\none\ntwo\nTHREE\nfour\nfive\n",
			  "one\ntwo\nThree\nfour\nfive\n"));
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.unresolved, 1);
	x = &m->c.v[0];
	assert_string_equal(x->file, "f.txt");
	assert_null(x->path);
	assert_int_equal(x->kind, SBX_MERGE_BOTH_CHANGED);
	assert_int_equal(x->base_lines.first, 3);
	assert_int_equal(x->base_lines.count, 1);
	assert_int_equal(x->ours_lines.first, 4);
	assert_int_equal(x->ours_lines.count, 1);
	assert_int_equal(x->theirs_lines.first, 3);
	assert_int_equal(x->theirs_lines.count, 1);
	assert_string_equal(x->base, "three\n");
	assert_string_equal(x->ours, "THREE\n");
	assert_string_equal(x->theirs, "Three\n");
	assert_int_equal(x->nph, 0);
	assert_int_equal(x->resolved, SBX_MERGE_NONE);
}

static void test_overlapping_ranges(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_conflict *x;

	/* Ours rewrites lines 2-3, theirs lines 3-4: one conflict over 2-4. */
	assert_null(merge(m, base5, "one\nTWO\nTHREE\nfour\nfive\n",
			  "one\ntwo\nthree!\nfour!\nfive\n"));
	assert_int_equal(m->c.n, 1);
	x = &m->c.v[0];
	assert_int_equal(x->base_lines.first, 2);
	assert_int_equal(x->base_lines.count, 3);
	assert_string_equal(x->base, "two\nthree\nfour\n");
	assert_string_equal(x->ours, "TWO\nTHREE\nfour\n");
	assert_string_equal(x->theirs, "two\nthree!\nfour!\n");
}

static void test_delete_vs_edit(void **state)
{
	struct m *m = *state;

	/* Deleted on one side, edited on the other. */
	assert_null(merge(m, base5, "one\ntwo\nfour\nfive\n", "one\ntwo\nTHREE\nfour\nfive\n"));
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_string_equal(m->c.v[0].ours, "");
	assert_int_equal(m->c.v[0].ours_lines.count, 0);
	assert_int_equal(m->c.v[0].ours_lines.first, 3);
	/* Deleted on one side, an edit elsewhere on the other: both apply. */
	assert_string_equal(merge(m, base5, "one\ntwo\nfour\nfive\n", "ONE\ntwo\nthree\nfour\nfive\n"),
			    "ONE\ntwo\nfour\nfive\n");
	/* Deleted on both sides. */
	assert_string_equal(merge(m, base5, "one\nfive\n", "one\nfive\n"), "one\nfive\n");
	assert_int_equal(m->c.n, 1);
}

static void test_no_final_newline(void **state)
{
	struct m *m = *state;

	/* Ours appends to a file without a final newline (its last line
	 * changes: "b" becomes "b\n"), theirs edits the first line. */
	assert_string_equal(merge(m, "a\nb", "a\nb\nc", "A\nb"), "A\nb\nc");
	/* Theirs adds the final newline only: that is a change of line 2. */
	assert_string_equal(merge(m, "a\nb", "A\nb", "a\nb\n"), "A\nb\n");
	/* Both append: both changed the last line. */
	assert_null(merge(m, "a\nb", "a\nb\nc", "a\nb\nd"));
	assert_int_equal(m->c.n, 1);
	assert_string_equal(m->c.v[0].base, "b");
	assert_string_equal(m->c.v[0].ours, "b\nc");
	assert_string_equal(m->c.v[0].theirs, "b\nd");
}

static void test_crlf_kept(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, "a\r\nb\r\nc\r\nd\r\n", "a\r\nB\r\nc\r\nd\r\n",
				  "a\r\nb\r\nc\r\nD\r\n"),
			    "a\r\nB\r\nc\r\nD\r\n");
	/* A file ours converted to LF: every line changed. */
	assert_null(merge(m, "a\r\nb\r\n", "a\nb\n", "a\r\nB\r\n"));
}

static void test_empty_and_absent(void **state)
{
	struct m *m = *state;

	/* Added by ours alone (base and theirs absent). */
	assert_string_equal(merge(m, NULL, "x\ny\n", NULL), "x\ny\n");
	/* Added on both sides the same. */
	assert_string_equal(merge(m, NULL, "x\n", "x\n"), "x\n");
	/* Added on both sides differently. */
	assert_null(merge(m, NULL, "x\n", "y\n"));
	assert_int_equal(m->c.n, 1);
	/* Emptied by ours, changed by theirs: a conflict. */
	assert_null(merge(m, "a\n", "", "b\n"));
	assert_int_equal(m->c.v[1].kind, SBX_MERGE_DELETE_VS_CHANGE);
	/* Emptied by ours, unchanged by theirs. */
	assert_string_equal(merge(m, "a\n", "", "a\n"), "");
}

static void test_placeholder_in_changed_line(void **state)
{
	struct m *m = *state;
	const char *b = "name=app\nurl=https://x.test\nretries=3\n";
	const struct sbx_merge_conflict *x;

	assert_null(merge(m, b, "name=app\nurl=${API_BASE}/v2\nretries=3\n", b));
	assert_int_equal(m->c.n, 1);
	x = &m->c.v[0];
	assert_int_equal(x->kind, SBX_MERGE_PLACEHOLDER);
	assert_int_equal(x->nph, 1);
	assert_string_equal(x->ph[0].token, "${API_BASE}");
	assert_string_equal(x->ph[0].what, "variable");
	assert_int_equal(x->ph[0].line, 2);
	assert_int_equal(x->ours_lines.first, 2);
	assert_string_equal(x->theirs, "url=https://x.test\n");

	/* Secrets and masked values too, each named once. */
	assert_null(merge(m, b,
			  "name=app\ntoken=${SECRET:aws-key}\nowner=calm.otter.1a2b3c@example.invalid\n"
			  "again=${SECRET:aws-key}\nretries=3\n",
			  b));
	x = &m->c.v[1];
	assert_int_equal(x->nph, 2);
	assert_string_equal(x->ph[0].token, "${SECRET:aws-key}");
	assert_string_equal(x->ph[0].what, "secret");
	assert_string_equal(x->ph[1].token, "calm.otter.1a2b3c@example.invalid");
	assert_string_equal(x->ph[1].what, "masked value");
	assert_int_equal(x->ph[1].line, 3);
}

static void test_placeholder_inherited_theirs_wins(void **state)
{
	struct m *m = *state;

	/* Ours kept base's placeholder and changed another line; production
	 * has its real endpoint: it keeps it. */
	assert_string_equal(merge(m, "url=${API_BASE}\nx=1\n", "url=${API_BASE}\nx=2\n",
				  "url=https://api.acme.example\nx=1\n"),
			    "url=https://api.acme.example\nx=2\n");
	assert_int_equal(m->c.n, 0);
	/* Both sides made the same change: production has it already. */
	assert_string_equal(merge(m, "a\n", "a\n${API_BASE}\n", "a\n${API_BASE}\n"),
			    "a\n${API_BASE}\n");
	assert_int_equal(m->c.n, 0);
}

static void test_placeholder_and_both_changed(void **state)
{
	struct m *m = *state;

	assert_null(merge(m, "url=old\n", "url=${API_BASE}\n", "url=https://new\n"));
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_BOTH_CHANGED);
	assert_int_equal(m->c.v[0].nph, 1);
}

static void test_resolve_rules(void **state)
{
	struct m *m = *state;
	const char *o = "one\nOURS\nthree\nfour\nfive\n", *t = "one\nTHEIRS\nthree\nfour\nFIVE\n";

	resolve(m, "ours");
	assert_string_equal(merge(m, base5, o, t), "one\nOURS\nthree\nfour\nFIVE\n");
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.unresolved, 0);
	assert_int_equal(m->c.v[0].resolved, SBX_MERGE_OURS);
	assert_int_equal(m->c.v[0].rule, 0);
	/* The file's own rule wins over the global one. */
	resolve(m, "f.txt=theirs");
	assert_string_equal(merge(m, base5, o, t), "one\nTHEIRS\nthree\nfour\nFIVE\n");
	assert_int_equal(m->c.v[1].resolved, SBX_MERGE_THEIRS);
	assert_int_equal(m->c.v[1].rule, 1);
}

static void test_resolve_placeholder(void **state)
{
	struct m *m = *state;
	const char *b = "a\nb\n", *o = "a\nb=${API_BASE}\n";

	resolve(m, "other.txt=ours");
	assert_null(merge(m, b, o, b));
	assert_int_equal(m->c.unresolved, 1);
	sbx_merge_opts_release(&m->o);
	sbx_merge_opts_init(&m->o);
	resolve(m, "f.txt=theirs");
	assert_string_equal(merge(m, b, o, b), b);
	sbx_merge_opts_release(&m->o);
	sbx_merge_opts_init(&m->o);
	resolve(m, "f.txt=ours");
	assert_null(merge(m, b, o, b));
	assert_int_equal(m->r, SBX_ECONFLICT);
	assert_non_null(strstr(m->e.msg, "${API_BASE}"));
	assert_non_null(strstr(m->e.msg, "f.txt:2"));
	assert_non_null(strstr(m->e.msg, "never goes to production"));
}

/* Applies random edits (keep, delete, change, insert after) to lines
 * [FROM, TO) of the N distinct lines "line I", the others kept, into OUT;
 * SIDE names new lines so that no two are alike. */
static void edit(unsigned *seed, size_t n, size_t from, size_t to, char side, struct sbx_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned op = 0;

		if (i >= from && i < to) {
			*seed = *seed * 1103515245 + 12345;
			op = (*seed >> 16) % 4;
		}
		if (op == 0 || op == 3)
			sbx_buf_addf(out, "line %zu\n", i);
		else if (op == 2)
			sbx_buf_addf(out, "%c-changed %zu\n", side, i);
		if (op == 3)
			sbx_buf_addf(out, "%c-added after %zu\n", side, i);
	}
}

/* Ours edits the first part of a file, theirs the last, a line between
 * them untouched: the merge is both sets of edits, with no conflict. */
static void test_property_disjoint_regions(void **state)
{
	struct m *m = *state;
	unsigned seed = 777;
	int round;

	for (round = 0; round < 500; round++) {
		struct sbx_buf b = SBX_BUF_INIT, o = SBX_BUF_INIT, t = SBX_BUF_INIT, want = SBX_BUF_INIT;
		size_t n = 3 + (size_t)round % 40, mid = (size_t)round % (n - 2) + 1, i;
		unsigned s1 = seed, s2;
		const char *res;

		for (i = 0; i < n; i++)
			sbx_buf_addf(&b, "line %zu\n", i);
		edit(&seed, n, 0, mid, 'o', &o);
		s2 = seed;
		edit(&seed, n, mid + 1, n, 't', &t);
		/* The expected result: the same draws over one copy. */
		{
			unsigned x = s1, y = s2;

			for (i = 0; i < n; i++) {
				unsigned op = 0;
				char side = i < mid ? 'o' : 't';
				unsigned *sd = i < mid ? &x : &y;

				if (i != mid) {
					*sd = *sd * 1103515245 + 12345;
					op = (*sd >> 16) % 4;
				}
				if (op == 0 || op == 3)
					sbx_buf_addf(&want, "line %zu\n", i);
				else if (op == 2)
					sbx_buf_addf(&want, "%c-changed %zu\n", side, i);
				if (op == 3)
					sbx_buf_addf(&want, "%c-added after %zu\n", side, i);
			}
		}
		sbx_buf_grow(&want, 0);
		res = merge(m, b.data, o.data ? o.data : "", t.data ? t.data : "");
		assert_non_null(res);
		assert_string_equal(res, want.data);
		assert_int_equal(m->c.n, 0);
		sbx_buf_release(&b);
		sbx_buf_release(&o);
		sbx_buf_release(&t);
		sbx_buf_release(&want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linediff_known),
		cmocka_unit_test(test_linediff_random),
		cmocka_unit_test(test_lines_split),
		cmocka_unit_test_setup_teardown(test_unchanged_and_one_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_far_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_edit_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_at_start_and_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_both_change_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_vs_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_final_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder_in_changed_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder_inherited_theirs_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder_and_both_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_property_disjoint_regions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
