#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/linediff.h"
#include "sbx/buf.h"

void sbx_lines_split(const char *s, size_t n, struct sbx_lines *l)
{
	size_t i = 0, cap = 0;

	l->v = NULL;
	l->n = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) + 1 : n;

		if (l->n == cap) {
			cap = cap ? 2 * cap : 64;
			l->v = sbx_xrealloc(l->v, cap * sizeof *l->v);
		}
		l->v[l->n].p = s + i;
		l->v[l->n].len = end - i;
		l->v[l->n].id = 0;
		l->n++;
		i = end;
	}
}

void sbx_lines_release(struct sbx_lines *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void sbx_lines_number(struct sbx_lines *const *f, size_t nf)
{
	struct slot {
		const struct sbx_line *line;   /* the first line with this text */
		uint64_t hash;
	} *t;
	size_t total = 0, size = 16, i, k;
	uint32_t next = 0;

	for (k = 0; k < nf; k++)
		total += f[k]->n;
	while (size < 2 * total)
		size *= 2;
	t = sbx_xcalloc(size, sizeof *t);
	for (k = 0; k < nf; k++) {
		for (i = 0; i < f[k]->n; i++) {
			struct sbx_line *l = &f[k]->v[i];
			uint64_t h = fnv1a(l->p, l->len);
			size_t at = (size_t)h & (size - 1);

			while (t[at].line && !(t[at].hash == h && t[at].line->len == l->len &&
					       !memcmp(t[at].line->p, l->p, l->len)))
				at = (at + 1) & (size - 1);
			if (!t[at].line) {
				l->id = next++;
				t[at].line = l;
				t[at].hash = h;
			} else {
				l->id = t[at].line->id;
			}
		}
	}
	free(t);
}

/* The state of one diff: the sequences, the "changed" marks of each line,
 * and the forward and backward furthest-reaching x per diagonal. */
struct diff {
	const uint32_t *a, *b;
	unsigned char *achg, *bchg;
	ptrdiff_t *fd, *bd;    /* indexed by diagonal k = x - y */
};

/* Finds the middle snake of the shortest edit script of A[xoff..xlim) into
 * B[yoff..ylim) (both non-empty, no common first or last line): a point
 * (*XMID, *YMID) on an optimal path, by running Myers' greedy search from
 * both ends until the searches meet (Myers 1986, section 4b). */
static void middle(struct diff *d, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff, ptrdiff_t ylim,
		   ptrdiff_t *xmid, ptrdiff_t *ymid)
{
	ptrdiff_t *fd = d->fd, *bd = d->bd;
	const ptrdiff_t dmin = xoff - ylim, dmax = xlim - yoff;
	const ptrdiff_t fmid = xoff - yoff, bmid = xlim - ylim;
	ptrdiff_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid, k;
	const int odd = (int)((fmid - bmid) & 1);

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (;;) {
		/* One more edit forwards: the diagonals reachable grow by one
		 * at each end, within the rectangle. */
		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (k = fmax; k >= fmin; k -= 2) {
			ptrdiff_t lo = fd[k - 1], hi = fd[k + 1];
			ptrdiff_t x = lo >= hi ? lo + 1 : hi, y = x - k;

			while (x < xlim && y < ylim && d->a[x] == d->b[y])
				x++, y++;
			fd[k] = x;
			if (odd && bmin <= k && k <= bmax && bd[k] <= x) {
				*xmid = x;
				*ymid = y;
				return;
			}
		}
		/* And one more backwards. */
		if (bmin > dmin)
			bd[--bmin - 1] = PTRDIFF_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = PTRDIFF_MAX;
		else
			--bmax;
		for (k = bmax; k >= bmin; k -= 2) {
			ptrdiff_t lo = bd[k - 1], hi = bd[k + 1];
			ptrdiff_t x = lo < hi ? lo : hi - 1, y = x - k;

			while (x > xoff && y > yoff && d->a[x - 1] == d->b[y - 1])
				x--, y--;
			bd[k] = x;
			if (!odd && fmin <= k && k <= fmax && x <= fd[k]) {
				*xmid = x;
				*ymid = y;
				return;
			}
		}
	}
}

/* Marks the lines of a minimal diff of A[xoff..xlim) and B[yoff..ylim). */
static void compare(struct diff *d, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff, ptrdiff_t ylim)
{
	for (;;) {
		ptrdiff_t xmid, ymid;

		while (xoff < xlim && yoff < ylim && d->a[xoff] == d->b[yoff])
			xoff++, yoff++;
		while (xlim > xoff && ylim > yoff && d->a[xlim - 1] == d->b[ylim - 1])
			xlim--, ylim--;
		if (xoff == xlim) {
			while (yoff < ylim)
				d->bchg[yoff++] = 1;
			return;
		}
		if (yoff == ylim) {
			while (xoff < xlim)
				d->achg[xoff++] = 1;
			return;
		}
		middle(d, xoff, xlim, yoff, ylim, &xmid, &ymid);
		compare(d, xoff, xmid, yoff, ymid);
		/* The second half in this loop: recursion only on one side. */
		xoff = xmid;
		yoff = ymid;
	}
}

size_t sbx_linediff(const uint32_t *a, size_t n, const uint32_t *b, size_t m,
		    struct sbx_hunk **h)
{
	struct diff d;
	ptrdiff_t *diags = sbx_xmalloc(2 * (n + m + 3) * sizeof *diags);
	size_t i = 0, j = 0, nh = 0, cap = 0;

	d.a = a;
	d.b = b;
	d.achg = sbx_xcalloc(n + 1, 1);
	d.bchg = sbx_xcalloc(m + 1, 1);
	/* Diagonals run from -(M+1) to N+1. */
	d.fd = diags + m + 1;
	d.bd = diags + (n + m + 3) + m + 1;
	compare(&d, 0, (ptrdiff_t)n, 0, (ptrdiff_t)m);
	*h = NULL;
	while (i < n || j < m) {
		struct sbx_hunk k;

		if (i < n && j < m && !d.achg[i] && !d.bchg[j]) {
			i++, j++;
			continue;
		}
		k.a0 = i;
		k.b0 = j;
		while (i < n && d.achg[i])
			i++;
		while (j < m && d.bchg[j])
			j++;
		k.a1 = i;
		k.b1 = j;
		/* Both sequences keep their unchanged lines in the same order,
		 * so a hunk always moves on; anything else is a bug here. */
		if (k.a0 == k.a1 && k.b0 == k.b1)
			abort();
		if (nh == cap) {
			cap = cap ? 2 * cap : 16;
			*h = sbx_xrealloc(*h, cap * sizeof **h);
		}
		(*h)[nh++] = k;
	}
	free(d.achg);
	free(d.bchg);
	free(diags);
	return nh;
}
