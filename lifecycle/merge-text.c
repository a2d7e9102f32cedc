/* The line merge: a diff3 over two minimal line diffs, base→ours and
 * base→theirs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"
#include "sbx/diff.h"

/* A file split into lines (util/linediff.c). */
struct lines {
	struct sbx_line *v;
	size_t n;
};

/* A hunk and the side it belongs to. */
struct side_hunk {
	struct sbx_line_change h;
	int theirs;
};

/* Whether the change of base lines [S, E) conflicts with a group of
 * changes covering [GS, GE): the ranges share a line, or both are
 * insertions at one place, or one is an insertion strictly inside the
 * other.  Ranges that merely touch do not (a change on the next line, an
 * insertion just before or after a changed run). */
static int overlaps(size_t gs, size_t ge, size_t s, size_t e)
{
	if (gs < ge && s < e)
		return s < ge && gs < e;
	if (gs == ge && s == e)
		return gs == s;
	if (gs == ge)
		return s < gs && gs < e;
	return gs < s && s < ge;
}

static void add_lines(struct sbx_buf *b, const struct lines *l, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		sbx_buf_add(b, l->v[i].p, l->v[i].len);
}

/* The bytes of lines [FROM, TO) as a string (caller frees). */
static char *lines_text(const struct lines *l, size_t from, size_t to)
{
	struct sbx_buf b = SBX_BUF_INIT;

	add_lines(&b, l, from, to);
	return sbx_buf_detach(&b, NULL);
}

static int same_lines(const struct lines *x, size_t x0, size_t x1, const struct lines *y,
		      size_t y0, size_t y1)
{
	size_t i;

	if (x1 - x0 != y1 - y0)
		return 0;
	for (i = 0; i < x1 - x0; i++)
		if (x->v[x0 + i].len != y->v[y0 + i].len ||
		    memcmp(x->v[x0 + i].p, y->v[y0 + i].p, x->v[x0 + i].len))
			return 0;
	return 1;
}

/* Whether any line ours changed within group [G0, G1) of the hunk list
 * holds a placeholder; when X is not NULL, adds them to it. */
static size_t scan_ours(const struct side_hunk *g, size_t ng, const struct lines *ours,
			const struct sbx_merge_opts *o, struct sbx_merge_conflict *x)
{
	struct sbx_merge_conflict probe;
	size_t i, j, found = 0;

	memset(&probe, 0, sizeof probe);
	for (i = 0; i < ng; i++) {
		if (g[i].theirs)
			continue;
		for (j = g[i].h.b0; j < g[i].h.b1; j++)
			found += sbx_merge_conflict_scan(x ? x : &probe, o, ours->v[j].p, ours->v[j].len,
							 j + 1);
	}
	for (i = 0; i < probe.nph; i++)
		free(probe.ph[i].token);
	free(probe.ph);
	return found;
}

int sbx_merge_text(const char *file, const char *base, size_t nb, const char *ours, size_t no,
		   const char *theirs, size_t nt, const struct sbx_merge_opts *o, struct sbx_buf *out,
		   struct sbx_merge_conflicts *conf, struct sbx_err *err)
{
	struct lines lb, lo, lt;
	struct lines *all[3] = { &lb, &lo, &lt };
	struct sbx_line_change *ho = NULL, *ht = NULL;
	struct sbx_edit *eo = NULL, *et = NULL;
	struct side_hunk *g = NULL;
	struct sbx_buf res = SBX_BUF_INIT;
	size_t neo, net, nho, nht, k, a = 0, c = 0, pos = 0, open = conf->unresolved;
	ptrdiff_t dour = 0, dthe = 0;   /* line offset of ours/theirs against base so far */
	int r = 0;

	lb.n = sbx_lines_split(base ? base : "", base ? nb : 0, &lb.v);
	lo.n = sbx_lines_split(ours ? ours : "", ours ? no : 0, &lo.v);
	lt.n = sbx_lines_split(theirs ? theirs : "", theirs ? nt : 0, &lt.v);
	sbx_line_diff(lb.v, lb.n, lo.v, lo.n, &eo, &neo);
	sbx_line_diff(lb.v, lb.n, lt.v, lt.n, &et, &net);
	nho = sbx_line_changes(eo, neo, &ho);
	nht = sbx_line_changes(et, net, &ht);
	g = sbx_xmalloc((nho + nht + 1) * sizeof *g);
	sbx_buf_grow(&res, 0);

	while (a < nho || c < nht) {
		size_t gs = 0, ge = 0, ng = 0, os, oe, ts, te;
		ptrdiff_t gdo = 0, gdt = 0;
		int has_o = 0, has_t = 0;
		struct sbx_merge_conflict *x;
		const struct lines *take = NULL;
		size_t take0 = 0, take1 = 0;

		/* A group: the next hunk of either side (by base position, an
		 * insertion before a change at the same line), and every hunk
		 * that overlaps what the group covers so far. */
		for (;;) {
			const struct sbx_line_change *h;
			int th;

			if (a < nho && (c >= nht || ho[a].a0 < ht[c].a0 ||
					(ho[a].a0 == ht[c].a0 && ho[a].a1 <= ht[c].a1)))
				th = 0;
			else if (c < nht)
				th = 1;
			else
				break;
			h = th ? &ht[c] : &ho[a];
			if (ng && !overlaps(gs, ge, h->a0, h->a1))
				break;
			if (!ng) {
				gs = h->a0;
				ge = h->a1;
			} else if (h->a1 > ge) {
				ge = h->a1;
			}
			g[ng].h = *h;
			g[ng].theirs = th;
			ng++;
			if (th) {
				c++;
				has_t = 1;
				gdt += (ptrdiff_t)(h->b1 - h->b0) - (ptrdiff_t)(h->a1 - h->a0);
			} else {
				a++;
				has_o = 1;
				gdo += (ptrdiff_t)(h->b1 - h->b0) - (ptrdiff_t)(h->a1 - h->a0);
			}
		}
		/* The group's region in each version. */
		os = (size_t)((ptrdiff_t)gs + dour);
		oe = (size_t)((ptrdiff_t)ge + dour + gdo);
		ts = (size_t)((ptrdiff_t)gs + dthe);
		te = (size_t)((ptrdiff_t)ge + dthe + gdt);
		add_lines(&res, &lb, pos, gs);

		if (has_t && (!has_o || same_lines(&lo, os, oe, &lt, ts, te))) {
			/* Theirs alone, or both sides the same. */
			take = &lt, take0 = ts, take1 = te;
		} else if (!has_t && !scan_ours(g, ng, &lo, o, NULL)) {
			take = &lo, take0 = os, take1 = oe;
		} else {
			enum sbx_merge_kind kind = SBX_MERGE_BOTH_CHANGED;
			char *tb = lines_text(&lb, gs, ge), *to = lines_text(&lo, os, oe),
			     *tt = lines_text(&lt, ts, te);
			int side;

			if (!has_t)
				kind = SBX_MERGE_PLACEHOLDER;
			else if (ge > gs && (oe == os || te == ts))
				kind = SBX_MERGE_DELETE_VS_CHANGE;
			x = sbx_merge_conflict_add(conf, file, NULL, kind, tb, to, tt);
			free(tb);
			free(to);
			free(tt);
			x->base_lines.first = gs + 1;
			x->base_lines.count = ge - gs;
			x->ours_lines.first = os + 1;
			x->ours_lines.count = oe - os;
			x->theirs_lines.first = ts + 1;
			x->theirs_lines.count = te - ts;
			scan_ours(g, ng, &lo, o, x);
			side = sbx_merge_conflict_resolve(conf, x, o, err);
			if (side < 0) {
				r = side;
				goto out;
			}
			if (side == SBX_MERGE_OURS)
				take = &lo, take0 = os, take1 = oe;
			else if (side == SBX_MERGE_THEIRS)
				take = &lt, take0 = ts, take1 = te;
		}
		if (take)
			add_lines(&res, take, take0, take1);
		pos = ge;
		dour += gdo;
		dthe += gdt;
	}
	add_lines(&res, &lb, pos, lb.n);
	if (conf->unresolved == open)
		sbx_buf_add(out, res.data, res.len);
out:
	for (k = 0; k < 3; k++)
		free(all[k]->v);
	free(eo);
	free(et);
	free(ho);
	free(ht);
	free(g);
	sbx_buf_release(&res);
	return r;
}
