#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot/read.h"
#include "snapshot/walk.h"

struct walk {
	struct sbx_store *s;
	MDB_txn *txn;
	struct sbx_pack_reader *rd;
	struct sbx_buf chunk, file;
	int (*fn)(const char *path, const void *data, size_t len, void *ctx);
	void *ctx;
};

static int dir(struct walk *w, const uint8_t id[32], const char *rel, struct sbx_err *err)
{
	struct sbx_tree t = { 0 };
	size_t i;
	int r = sbx_tree_load(w->s, w->txn, id, &t, err);

	for (i = 0; !r && i < t.n; i++) {
		const struct sbx_tree_entry *e = &t.e[i];
		struct sbx_buf path = SBX_BUF_INIT;
		uint32_t c;

		if (*rel)
			sbx_buf_addf(&path, "%s/", rel);
		sbx_buf_adds(&path, e->name);
		if (e->type == SBX_T_DIR) {
			r = dir(w, e->subtree, path.data, err);
		} else if (e->type == SBX_T_FILE) {
			sbx_buf_reset(&w->file);
			for (c = 0; !r && c < e->nchunks; c++) {
				struct sbx_chunk_loc loc;

				r = sbx_chunk_locate(w->s, w->txn, e->chunks + 32 * c, &loc, err);
				if (!r)
					r = sbx_pack_read(w->rd, e->chunks + 32 * c, &loc, 1, &w->chunk, err);
				if (!r)
					sbx_buf_add(&w->file, w->chunk.data, w->chunk.len);
			}
			if (!r)
				r = w->fn(path.data, w->file.data ? w->file.data : "", w->file.len, w->ctx);
		}
		sbx_buf_release(&path);
	}
	if (t.e)
		sbx_tree_release(&t);
	return r;
}

int sbx_snapshot_walk_files(struct sbx_store *s, const char *id,
			    int (*fn)(const char *path, const void *data, size_t len, void *ctx),
			    void *ctx, struct sbx_err *err)
{
	struct walk w;
	uint8_t root[32];
	int r;

	memset(&w, 0, sizeof w);
	w.s = s;
	w.fn = fn;
	w.ctx = ctx;
	r = sbx_txn_begin(s, MDB_RDONLY, &w.txn, err);
	if (r)
		return r;
	r = sbx_snapshot_root(s, w.txn, id, root, err);
	if (!r) {
		w.rd = sbx_pack_reader_new(s->packdir);
		r = dir(&w, root, "", err);
	}
	sbx_pack_reader_free(w.rd);
	sbx_buf_release(&w.chunk);
	sbx_buf_release(&w.file);
	mdb_txn_abort(w.txn);
	return r;
}
