/*
 * Unit tests for the line diff (util/linediff.c): every script is checked
 * to be a valid transformation of A into B, and on random inputs small
 * enough for a dynamic-programming LCS, to be a shortest one.  Hunks group
 * changes with their context as unified diffs do.
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

#include "sbx/diff.h"

/* Splits a string of one-letter "lines" ("abc" is a, b, c), for brevity. */
static size_t letters(const char *s, struct sbx_line **l)
{
	size_t n = strlen(s), i;

	*l = calloc(n ? n : 1, sizeof **l);
	for (i = 0; i < n; i++) {
		(*l)[i].p = s + i;
		(*l)[i].len = 1;
	}
	return n;
}

static int same(const struct sbx_line *x, const struct sbx_line *y)
{
	return x->len == y->len && !memcmp(x->p, y->p, x->len);
}

/* The script walks A and B in order, '=' steps pair equal lines, and it
 * consumes both entirely.  Returns the number of '-' and '+' steps. */
static size_t check_script(const struct sbx_line *a, size_t na, const struct sbx_line *b, size_t nb,
			   const struct sbx_edit *s, size_t n)
{
	size_t i, ai = 0, bi = 0, edits = 0;

	for (i = 0; i < n; i++) {
		/* Within a run of changes, no removal after an addition. */
		if (i && s[i].op == '-')
			assert_int_not_equal(s[i - 1].op, '+');
		assert_int_equal(s[i].a, ai);
		assert_int_equal(s[i].b, bi);
		switch (s[i].op) {
		case '=':
			assert_true(ai < na && bi < nb);
			assert_true(same(&a[ai], &b[bi]));
			ai++, bi++;
			break;
		case '-':
			assert_true(ai < na);
			ai++, edits++;
			break;
		case '+':
			assert_true(bi < nb);
			bi++, edits++;
			break;
		default:
			fail_msg("bad op %c", s[i].op);
		}
	}
	assert_int_equal(ai, na);
	assert_int_equal(bi, nb);
	return edits;
}

static size_t lcs(const struct sbx_line *a, size_t na, const struct sbx_line *b, size_t nb)
{
	size_t *t = calloc((na + 1) * (nb + 1), sizeof *t), i, j, r;

	for (i = 1; i <= na; i++)
		for (j = 1; j <= nb; j++)
			t[i * (nb + 1) + j] = same(&a[i - 1], &b[j - 1]) ? t[(i - 1) * (nb + 1) + j - 1] + 1 :
				t[(i - 1) * (nb + 1) + j] > t[i * (nb + 1) + j - 1] ?
				t[(i - 1) * (nb + 1) + j] : t[i * (nb + 1) + j - 1];
	r = t[na * (nb + 1) + nb];
	free(t);
	return r;
}

static size_t diff_letters(const char *x, const char *y, char *ops)
{
	struct sbx_line *a, *b;
	struct sbx_edit *s;
	size_t na = letters(x, &a), nb = letters(y, &b), n, i, edits;

	sbx_line_diff(a, na, b, nb, &s, &n);
	edits = check_script(a, na, b, nb, s, n);
	assert_int_equal(edits, na + nb - 2 * lcs(a, na, b, nb));
	if (ops) {
		for (i = 0; i < n; i++)
			ops[i] = s[i].op;
		ops[n] = '\0';
	}
	free(s);
	free(a);
	free(b);
	return edits;
}

static void test_split(void **state)
{
	struct sbx_line *l;
	size_t n;

	(void)state;
	n = sbx_lines_split("one\ntwo\nthree", 13, &l);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].len, 4);
	assert_memory_equal(l[1].p, "two\n", 4);
	assert_int_equal(l[2].len, 5);      /* no newline at the end */
	free(l);
	n = sbx_lines_split("", 0, &l);
	assert_int_equal(n, 0);
	free(l);
	n = sbx_lines_split("\n\n", 2, &l);
	assert_int_equal(n, 2);
	free(l);
}

static void test_simple(void **state)
{
	char ops[64];

	(void)state;
	assert_int_equal(diff_letters("abc", "abc", ops), 0);
	assert_string_equal(ops, "===");
	assert_int_equal(diff_letters("", "", ops), 0);
	assert_int_equal(diff_letters("", "ab", ops), 2);
	assert_string_equal(ops, "++");
	assert_int_equal(diff_letters("ab", "", ops), 2);
	assert_string_equal(ops, "--");
	assert_int_equal(diff_letters("abc", "axc", ops), 2);
	assert_string_equal(ops, "=-+=");
	assert_int_equal(diff_letters("abcabba", "cbabac", NULL), 5);   /* Myers' example */
	assert_int_equal(diff_letters("xaxbxc", "abc", NULL), 3);
	assert_int_equal(diff_letters("abcdefgh", "efghabcd", NULL), 8);
}

/* A newline at the end is part of the last line. */
static void test_eol(void **state)
{
	struct sbx_line *a, *b;
	struct sbx_edit *s;
	size_t na, nb, n;

	(void)state;
	na = sbx_lines_split("x\ny\n", 4, &a);
	nb = sbx_lines_split("x\ny", 3, &b);
	sbx_line_diff(a, na, b, nb, &s, &n);
	assert_int_equal(check_script(a, na, b, nb, s, n), 2);
	assert_int_equal(s[0].op, '=');
	free(s);
	free(a);
	free(b);
}

/* Random inputs over a small alphabet: valid and shortest. */
static void test_random_minimal(void **state)
{
	char x[80], y[80];
	int round;

	(void)state;
	srand(7);
	for (round = 0; round < 3000; round++) {
		int nx = rand() % 40, ny = rand() % 40, alpha = 2 + rand() % 5, i;

		for (i = 0; i < nx; i++)
			x[i] = (char)('a' + rand() % alpha);
		x[nx] = '\0';
		/* Half the time B is an edit of A, as real changes are. */
		if (round % 2) {
			int j = 0;

			for (i = 0; i < nx && j < 70; i++) {
				int r = rand() % 10;

				if (r == 0)
					continue;
				if (r == 1)
					y[j++] = (char)('a' + rand() % alpha);
				y[j++] = x[i];
			}
			y[j] = '\0';
		} else {
			for (i = 0; i < ny; i++)
				y[i] = (char)('a' + rand() % alpha);
			y[ny] = '\0';
		}
		diff_letters(x, y, NULL);
	}
}

/* Large unrelated inputs end (the step bound) with a valid script. */
static void test_large(void **state)
{
	enum { N = 20000 };
	char *ta = malloc(N * 8), *tb = malloc(N * 8);
	struct sbx_line *a, *b;
	struct sbx_edit *s;
	size_t na, nb, n, i, la = 0, lb = 0, edits;

	(void)state;
	srand(11);
	for (i = 0; i < N; i++) {
		la += (size_t)sprintf(ta + la, "%06d\n", rand() % 1000000);
		lb += (size_t)sprintf(tb + lb, "%06d\n", rand() % 1000000);
	}
	na = sbx_lines_split(ta, la, &a);
	nb = sbx_lines_split(tb, lb, &b);
	sbx_line_diff(a, na, b, nb, &s, &n);
	edits = check_script(a, na, b, nb, s, n);
	assert_true(edits <= 2 * N);
	free(s);
	/* One changed line in the middle of a large file: two edits. */
	memcpy(tb, ta, la);
	tb[N / 2 * 7] = tb[N / 2 * 7] == '9' ? '8' : '9';
	free(b);
	nb = sbx_lines_split(tb, la, &b);
	sbx_line_diff(a, na, b, nb, &s, &n);
	assert_int_equal(check_script(a, na, b, nb, s, n), 2);
	free(s);
	free(a);
	free(b);
	free(ta);
	free(tb);
}

static void test_hunks(void **state)
{
	struct sbx_line *a, *b;
	struct sbx_edit *s;
	struct sbx_hunk *h;
	size_t na, nb, n, nh;

	(void)state;
	/* Changes at lines 2 and 20 of 30: two hunks with context 3. */
	na = letters("abcdefghijklmnopqrstuvwxyz0123", &a);
	nb = letters("abXdefghijklmnopqrstYvwxyz0123", &b);
	sbx_line_diff(a, na, b, nb, &s, &n);
	nh = sbx_diff_hunks(s, n, 3, &h);
	assert_int_equal(nh, 2);
	assert_int_equal(h[0].a, 0);
	assert_int_equal(h[0].na, 6);       /* a b [c] d e f */
	assert_int_equal(h[0].nb, 6);
	assert_int_equal(h[1].a, 17);       /* r s t [u] v w x */
	assert_int_equal(h[1].na, 7);
	free(h);
	/* With context 10 they merge. */
	nh = sbx_diff_hunks(s, n, 10, &h);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].a, 0);
	assert_int_equal(h[0].na, 30);
	free(h);
	/* No change, no hunk. */
	nh = sbx_diff_hunks(s, 0, 3, &h);
	assert_int_equal(nh, 0);
	free(h);
	free(s);
	free(a);
	free(b);
}

/* A pure insertion: the hunk's A range is empty, B's holds it. */
static void test_hunk_insert(void **state)
{
	struct sbx_line *a, *b;
	struct sbx_edit *s;
	struct sbx_hunk *h;
	size_t na, nb, n, nh;

	(void)state;
	na = letters("abcdefgh", &a);
	nb = letters("abcdXefgh", &b);
	sbx_line_diff(a, na, b, nb, &s, &n);
	nh = sbx_diff_hunks(s, n, 1, &h);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].a, 3);
	assert_int_equal(h[0].na, 2);
	assert_int_equal(h[0].b, 3);
	assert_int_equal(h[0].nb, 3);
	free(h);
	free(s);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_eol),
		cmocka_unit_test(test_random_minimal),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_hunks),
		cmocka_unit_test(test_hunk_insert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
