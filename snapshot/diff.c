/* The tree diff: two trees walked in lockstep, their entries merged by name
 * (trees keep them sorted), a directory entered only when its subtree digest
 * differs between the sides.  Reads tree objects from the index, and file
 * bytes only when the caller asks (sbx_diff_read). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sbx/diff.h"
#include "snapshot/read.h"
#include "util/hash.h"

struct sbx_diff_walk {
	struct sbx_store *s;
	MDB_txn *txn;
	struct sbx_pack_reader *rd;   /* made on the first read */
	struct sbx_buf chunk;
	int (*fn)(const struct sbx_diff_entry *e, void *ctx);
	void *ctx;
	struct sbx_diff_stats st;
};

static void side_of(const struct sbx_tree_entry *t, struct sbx_diff_side *d)
{
	memset(d, 0, sizeof *d);
	if (!t)
		return;
	d->type = t->type == SBX_T_DIR ? 'd' : t->type == SBX_T_SYMLINK ? 'l' : 'f';
	d->mode = t->mode;
	d->mtime_ns = t->mtime_ns;
	d->size = t->size;
	d->target = t->target;
	d->nchunks = t->nchunks;
	d->chunks = t->chunks;
}

static int report(struct sbx_diff_walk *w, const char *path, enum sbx_diff_kind kind,
		  unsigned what, const struct sbx_tree_entry *a, const struct sbx_tree_entry *b)
{
	struct sbx_diff_entry e;

	e.path = path;
	e.kind = kind;
	e.what = what;
	side_of(a, &e.a);
	side_of(b, &e.b);
	e.walk = w;
	if (kind == SBX_DIFF_ADDED)
		w->st.added++;
	else if (kind == SBX_DIFF_REMOVED)
		w->st.removed++;
	else
		w->st.changed++;
	return w->fn(&e, w->ctx);
}

static unsigned what_differs(const struct sbx_tree_entry *a, const struct sbx_tree_entry *b)
{
	unsigned what = 0;

	/* Permission bits of a file and of a directory are not comparable. */
	if (a->type != b->type)
		return SBX_DIFF_TYPE;
	if (a->mode != b->mode)
		what |= SBX_DIFF_MODE;
	if (a->type == SBX_T_SYMLINK && b->type == SBX_T_SYMLINK && strcmp(a->target, b->target))
		what |= SBX_DIFF_TARGET;
	if (a->type == SBX_T_FILE && b->type == SBX_T_FILE &&
	    (a->size != b->size || a->nchunks != b->nchunks ||
	     memcmp(a->chunks, b->chunks, (size_t)a->nchunks * 32)))
		what |= SBX_DIFF_CONTENT;
	return what;
}

static int load(struct sbx_diff_walk *w, const uint8_t *id, struct sbx_tree *t, struct sbx_err *err)
{
	memset(t, 0, sizeof *t);
	if (!id)
		return 0;
	w->st.trees_loaded++;
	return sbx_tree_load(w->s, w->txn, id, t, err);
}

/* Compares directories A and B (subtree ids; NULL where the directory is
 * absent, so that everything of the other side is added or removed) whose
 * path is PATH ("" at the root). */
static int dir(struct sbx_diff_walk *w, const uint8_t *a, const uint8_t *b, struct sbx_buf *path,
	       struct sbx_err *err)
{
	struct sbx_tree ta, tb;
	size_t i = 0, j = 0, base = path->len;
	int r;

	if (a && b && !memcmp(a, b, 32)) {
		w->st.subtrees_skipped++;
		return 0;
	}
	r = load(w, a, &ta, err);
	if (!r)
		r = load(w, b, &tb, err);
	else
		memset(&tb, 0, sizeof tb);
	while (!r && (i < ta.n || j < tb.n)) {
		const struct sbx_tree_entry *ea = i < ta.n ? &ta.e[i] : NULL;
		const struct sbx_tree_entry *eb = j < tb.n ? &tb.e[j] : NULL;
		int c = !ea ? 1 : !eb ? -1 : strcmp(ea->name, eb->name);
		const uint8_t *sa = NULL, *sb = NULL;

		if (c <= 0)
			i++;
		else
			ea = NULL;
		if (c >= 0)
			j++;
		else
			eb = NULL;
		path->len = base;
		if (base)
			sbx_buf_addc(path, '/');
		sbx_buf_adds(path, (ea ? ea : eb)->name);
		if (ea && eb) {
			unsigned what = what_differs(ea, eb);

			if (what)
				r = report(w, path->data, SBX_DIFF_CHANGED, what, ea, eb);
		} else {
			r = report(w, path->data, ea ? SBX_DIFF_REMOVED : SBX_DIFF_ADDED, 0, ea, eb);
		}
		if (ea && ea->type == SBX_T_DIR)
			sa = ea->subtree;
		if (eb && eb->type == SBX_T_DIR)
			sb = eb->subtree;
		if (!r && (sa || sb))
			r = dir(w, sa, sb, path, err);
	}
	path->len = base;
	if (path->data)
		path->data[base] = '\0';
	sbx_tree_release(&ta);
	sbx_tree_release(&tb);
	return r;
}

/* The root tree of ID: a snapshot's, or any stored tree's (an unrecorded
 * capture's). */
static int root_of(struct sbx_store *s, MDB_txn *txn, const char *id, uint8_t root[32],
		   struct sbx_err *err)
{
	MDB_val v;
	int r;

	if (strlen(id) != 64 || sbx_unhex(id, root, 32))
		return sbx_err_set(err, SBX_EUSAGE, "'%s' is not a snapshot id", id);
	r = sbx_get(txn, s->snaps, root, 32, &v, err);
	if (r == SBX_ENOTFOUND)
		r = sbx_get(txn, s->trees, root, 32, &v, err);
	if (r == SBX_ENOTFOUND)
		return sbx_err_set(err, SBX_ENOTFOUND, "no snapshot %s", id);
	return r;
}

int sbx_snapshot_diff(struct sbx_store *s, const char *a, const char *b,
		      int (*fn)(const struct sbx_diff_entry *e, void *ctx), void *ctx,
		      struct sbx_diff_stats *st, struct sbx_err *err)
{
	struct sbx_diff_walk w;
	struct sbx_buf path = SBX_BUF_INIT;
	uint8_t ra[32], rb[32];
	int r;

	memset(&w, 0, sizeof w);
	w.s = s;
	w.fn = fn;
	w.ctx = ctx;
	r = sbx_txn_begin(s, MDB_RDONLY, &w.txn, err);
	if (r)
		return r;
	r = root_of(s, w.txn, a, ra, err);
	if (!r)
		r = root_of(s, w.txn, b, rb, err);
	if (!r) {
		sbx_buf_grow(&path, 256);
		r = dir(&w, ra, rb, &path, err);
	}
	if (st)
		*st = w.st;
	sbx_pack_reader_free(w.rd);
	sbx_buf_release(&w.chunk);
	sbx_buf_release(&path);
	mdb_txn_abort(w.txn);
	return r;
}

int sbx_diff_read(const struct sbx_diff_entry *e, char side, struct sbx_buf *out,
		  struct sbx_err *err)
{
	struct sbx_diff_walk *w = e->walk;
	const struct sbx_diff_side *d = side == 'a' ? &e->a : &e->b;
	uint32_t i;

	sbx_buf_reset(out);
	sbx_buf_grow(out, 0);
	if (d->type != 'f')
		return sbx_err_set(err, SBX_EUSAGE, "'%s' is not a file on side %c", e->path, side);
	if (!w->rd)
		w->rd = sbx_pack_reader_new(w->s->packdir);
	for (i = 0; i < d->nchunks; i++) {
		struct sbx_chunk_loc loc;
		int r = sbx_chunk_locate(w->s, w->txn, d->chunks + 32 * i, &loc, err);

		if (!r)
			r = sbx_pack_read(w->rd, d->chunks + 32 * i, &loc, 1, &w->chunk, err);
		if (r)
			return r;
		sbx_buf_add(out, w->chunk.data, w->chunk.len);
	}
	return 0;
}
