/* A line diff: Myers' O(ND) algorithm in its linear-space form (the middle
 * snake found from both ends, then each half solved the same way), on lines
 * numbered by a hash table so that comparing two lines is comparing two
 * integers.  Common prefixes and suffixes are taken off first, as every diff
 * does, which is where most of the work of a small change ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sbx/diff.h"

/* A region still in search after this many edit steps from each end settles
 * for "remove all, add all": bounds the time of pathological inputs (two
 * unrelated files of 100,000 lines) at the cost of a longer script there. */
#define MAX_STEPS 4096

size_t sbx_lines_split(const char *text, size_t n, struct sbx_line **lines)
{
	struct sbx_line *l = NULL;
	size_t count = 0, cap = 0, at = 0;

	while (at < n) {
		const char *nl = memchr(text + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (text + at)) + 1 : n - at;

		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			l = sbx_xrealloc(l, cap * sizeof *l);
		}
		l[count].p = text + at;
		l[count].len = len;
		count++;
		at += len;
	}
	*lines = l;
	return count;
}

/* Numbers equal lines equally: an open-addressing table of (hash, id). */
struct numbering {
	const struct sbx_line **line;   /* the first line given each id */
	uint64_t *hash;
	uint32_t *slot;                 /* id + 1, or 0 when free */
	size_t mask, next;
};

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint32_t number(struct numbering *t, const struct sbx_line *l)
{
	uint64_t h = fnv1a(l->p, l->len);
	size_t i = (size_t)h & t->mask;

	for (;; i = (i + 1) & t->mask) {
		uint32_t s = t->slot[i];

		if (!s) {
			t->slot[i] = (uint32_t)(t->next + 1);
			t->hash[t->next] = h;
			t->line[t->next] = l;
			return (uint32_t)t->next++;
		}
		if (t->hash[s - 1] == h && t->line[s - 1]->len == l->len &&
		    !memcmp(t->line[s - 1]->p, l->p, l->len))
			return s - 1;
	}
}

struct myers {
	const uint32_t *a, *b;
	struct sbx_edit *out;
	size_t n, cap;
	size_t ai, bi;                  /* positions reached so far */
};

static void emit(struct myers *m, char op)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->out = sbx_xrealloc(m->out, m->cap * sizeof *m->out);
	}
	m->out[m->n].op = op;
	m->out[m->n].a = m->ai;
	m->out[m->n].b = m->bi;
	m->n++;
	if (op != '+')
		m->ai++;
	if (op != '-')
		m->bi++;
}

/* Finds where a shortest path through A[a0..a1) x B[b0..b1) crosses its
 * middle (both regions non-empty, their first and last lines differing):
 * 1 with the point in *X, *Y, or 0 when the search gave up (MAX_STEPS). */
static int middle(const struct myers *m, size_t a0, size_t a1, size_t b0, size_t b1, size_t *x,
		  size_t *y)
{
	const uint32_t *A = m->a + a0, *B = m->b + b0;
	long n = (long)(a1 - a0), mm = (long)(b1 - b0), maxd = (n + mm + 1) / 2, delta = n - mm;
	long off = maxd + 1, len = 2 * maxd + 3, d, k, k1s = 0, k1e = 0, k2s = 0, k2e = 0;
	long *v1 = sbx_xmalloc((size_t)len * sizeof *v1), *v2 = sbx_xmalloc((size_t)len * sizeof *v2);
	int front = (delta & 1) != 0, found = 0;

	for (k = 0; k < len; k++)
		v1[k] = v2[k] = -1;
	v1[off + 1] = 0;
	v2[off + 1] = 0;
	for (d = 0; d < maxd && d < MAX_STEPS && !found; d++) {
		/* Forward: the furthest point of each diagonal after D steps. */
		for (k = -d + k1s; k <= d - k1e && !found; k += 2) {
			long xf, yf, ko = off + k;

			if (k == -d || (k != d && v1[ko - 1] < v1[ko + 1]))
				xf = v1[ko + 1];
			else
				xf = v1[ko - 1] + 1;
			yf = xf - k;
			while (xf < n && yf < mm && A[xf] == B[yf])
				xf++, yf++;
			v1[ko] = xf;
			if (xf > n) {
				k1e += 2;
			} else if (yf > mm) {
				k1s += 2;
			} else if (front) {
				long k2o = off + delta - k;

				if (k2o >= 0 && k2o < len && v2[k2o] != -1 && xf >= n - v2[k2o]) {
					*x = a0 + (size_t)xf;
					*y = b0 + (size_t)yf;
					found = 1;
				}
			}
		}
		/* Backward, from the ends. */
		for (k = -d + k2s; k <= d - k2e && !found; k += 2) {
			long xb, yb, ko = off + k;

			if (k == -d || (k != d && v2[ko - 1] < v2[ko + 1]))
				xb = v2[ko + 1];
			else
				xb = v2[ko - 1] + 1;
			yb = xb - k;
			while (xb < n && yb < mm && A[n - xb - 1] == B[mm - yb - 1])
				xb++, yb++;
			v2[ko] = xb;
			if (xb > n) {
				k2e += 2;
			} else if (yb > mm) {
				k2s += 2;
			} else if (!front) {
				long k1o = off + delta - k;

				if (k1o >= 0 && k1o < len && v1[k1o] != -1) {
					long xf = v1[k1o], yf = off + xf - k1o;

					if (xf >= n - xb) {
						*x = a0 + (size_t)xf;
						*y = b0 + (size_t)yf;
						found = 1;
					}
				}
			}
		}
	}
	free(v1);
	free(v2);
	return found;
}

static void compare(struct myers *m, size_t a0, size_t a1, size_t b0, size_t b1)
{
	size_t suffix = 0, x, y, i;

	while (a0 < a1 && b0 < b1 && m->a[a0] == m->b[b0]) {
		emit(m, '=');
		a0++, b0++;
	}
	while (a1 > a0 && b1 > b0 && m->a[a1 - 1] == m->b[b1 - 1])
		a1--, b1--, suffix++;
	if (a0 == a1 || b0 == b1 || !middle(m, a0, a1, b0, b1, &x, &y) ||
	    (x == a0 && y == b0) || (x == a1 && y == b1)) {
		/* One side is empty, or no useful split: all out, then all in. */
		for (i = a0; i < a1; i++)
			emit(m, '-');
		for (i = b0; i < b1; i++)
			emit(m, '+');
	} else {
		compare(m, a0, x, b0, y);
		compare(m, x, a1, y, b1);
	}
	for (i = 0; i < suffix; i++)
		emit(m, '=');
}

/* In each run of changes, removals first, then additions (the order a
 * reader expects), each in its own order; positions follow. */
static void removals_first(struct sbx_edit *s, size_t n)
{
	size_t i = 0, j, k, dels, at;

	while (i < n) {
		if (s[i].op == '=') {
			i++;
			continue;
		}
		for (j = i, dels = 0; j < n && s[j].op != '='; j++)
			dels += s[j].op == '-';
		/* The run starts at A[s[i].a], B[s[i].b]: rewrite it in place. */
		at = i;
		{
			size_t a0 = s[i].a, b0 = s[i].b, nadd = (j - i) - dels;

			for (k = 0; k < dels; k++, at++) {
				s[at].op = '-';
				s[at].a = a0 + k;
				s[at].b = b0;
			}
			for (k = 0; k < nadd; k++, at++) {
				s[at].op = '+';
				s[at].a = a0 + dels;
				s[at].b = b0 + k;
			}
		}
		i = j;
	}
}

void sbx_line_diff(const struct sbx_line *a, size_t na, const struct sbx_line *b, size_t nb,
		   struct sbx_edit **script, size_t *n)
{
	struct numbering t;
	struct myers m;
	uint32_t *ids = sbx_xmalloc((na + nb + 1) * sizeof *ids);
	size_t size = 16, i;

	while (size < 2 * (na + nb))
		size *= 2;
	memset(&t, 0, sizeof t);
	t.mask = size - 1;
	t.slot = sbx_xcalloc(size, sizeof *t.slot);
	t.hash = sbx_xmalloc((na + nb + 1) * sizeof *t.hash);
	t.line = sbx_xmalloc((na + nb + 1) * sizeof *t.line);
	for (i = 0; i < na; i++)
		ids[i] = number(&t, &a[i]);
	for (i = 0; i < nb; i++)
		ids[na + i] = number(&t, &b[i]);
	memset(&m, 0, sizeof m);
	m.a = ids;
	m.b = ids + na;
	compare(&m, 0, na, 0, nb);
	removals_first(m.out, m.n);
	free(t.slot);
	free(t.hash);
	free(t.line);
	free(ids);
	*script = m.out;
	*n = m.n;
}

size_t sbx_diff_hunks(const struct sbx_edit *s, size_t n, size_t context, struct sbx_hunk **hunks)
{
	struct sbx_hunk *h = NULL;
	size_t count = 0, i = 0;

	while (i < n) {
		size_t start, end, j;

		while (i < n && s[i].op == '=')
			i++;
		if (i == n)
			break;
		start = i > context ? i - context : 0;
		/* Extend over changes closer than two contexts to the last. */
		end = i;
		for (j = i; j < n; j++) {
			if (s[j].op != '=')
				end = j + 1;
			else if (j - end >= 2 * context)
				break;
		}
		end = end + context < n ? end + context : n;
		/* A hunk never starts inside the previous one. */
		if (count && start < h[count - 1].end)
			start = h[count - 1].end;
		h = sbx_xrealloc(h, (count + 1) * sizeof *h);
		h[count].start = start;
		h[count].end = end;
		h[count].a = s[start].a;
		h[count].b = s[start].b;
		h[count].na = h[count].nb = 0;
		for (j = start; j < end; j++) {
			h[count].na += s[j].op != '+';
			h[count].nb += s[j].op != '-';
		}
		count++;
		i = end;
	}
	*hunks = h;
	return count;
}

size_t sbx_line_changes(const struct sbx_edit *s, size_t n, struct sbx_line_change **changes)
{
	struct sbx_line_change *c = NULL;
	size_t count = 0, cap = 0, i = 0;

	while (i < n) {
		size_t j;

		if (s[i].op == '=') {
			i++;
			continue;
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			c = sbx_xrealloc(c, cap * sizeof *c);
		}
		c[count].a0 = c[count].a1 = s[i].a;
		c[count].b0 = c[count].b1 = s[i].b;
		for (j = i; j < n && s[j].op != '='; j++) {
			if (s[j].op == '-')
				c[count].a1 = s[j].a + 1;
			else
				c[count].b1 = s[j].b + 1;
		}
		count++;
		i = j;
	}
	*changes = c;
	return count;
}
