/* Garbage collection: keeps what snapshots reach, rewrites packs that hold
 * dead chunks, deletes the rest and the leftovers of interrupted commands.
 * Order: new packs durable, then one index transaction, then unlink. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/snapshot.h"
#include "snapshot/reach.h"
#include "snapshot/read.h"
#include "snapshot/writer.h"
#include "util/hash.h"

struct packinfo {
	uint64_t live, dead;
};

struct gc {
	struct sbx_store *s;
	struct sbx_chunkset packs;      /* pack id (zero-padded) -> mark: 1 rewrite/delete */
	struct sbx_buf dead_chunks;     /* ids */
	struct sbx_buf dead_trees;      /* ids */
	struct sbx_buf old_packs;       /* pack ids whose files go after commit */
	struct sbx_writer *w;
};

static void pack_key(const uint8_t pack[SBX_PACK_ID_LEN], uint8_t key[32])
{
	memset(key, 0, 32);
	memcpy(key, pack, SBX_PACK_ID_LEN);
}

static int del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t n, struct sbx_err *err)
{
	MDB_val key = { n, (void *)k };
	int rc = mdb_del(txn, dbi, &key, NULL);

	if (rc && rc != MDB_NOTFOUND)
		return sbx_err_mdb(err, rc, "cannot delete from the index");
	return 0;
}

static int commit_fn(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	struct gc *g = ctx;
	size_t i;
	int r, rc;

	for (i = 0; i < g->dead_chunks.len; i += 32)
		if ((r = del(txn, g->s->chunks, g->dead_chunks.data + i, 32, err)))
			return r;
	for (i = 0; i < g->dead_trees.len; i += 32)
		if ((r = del(txn, g->s->trees, g->dead_trees.data + i, 32, err)))
			return r;
	for (i = 0; i < g->old_packs.len; i += SBX_PACK_ID_LEN)
		if ((r = del(txn, g->s->packs, g->old_packs.data + i, SBX_PACK_ID_LEN, err)))
			return r;
	/* Moved chunks get their new places and the new packs their records. */
	if (g->w && (r = sbx_writer_commit(g->w, txn, err)))
		return r;
	/* The files cache may name chunks that are gone now. */
	rc = mdb_drop(txn, g->s->fcache, 0);
	if (rc)
		return sbx_err_mdb(err, rc, "cannot clear the files cache");
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Removes temporary packs and packs the index does not name. */
static void sweep(struct gc *g, MDB_txn *txn, struct sbx_gc_result *res)
{
	DIR *top = opendir(g->s->packdir);
	struct dirent *d;

	if (!top)
		return;
	while ((d = readdir(top))) {
		struct sbx_buf sub = SBX_BUF_INIT;
		DIR *dd;
		struct dirent *f;

		if (d->d_name[0] == '.')
			continue;
		sbx_buf_addf(&sub, "%s/%s", g->s->packdir, d->d_name);
		dd = opendir(sub.data);
		while (dd && (f = readdir(dd))) {
			struct sbx_buf p = SBX_BUF_INIT;
			size_t n = strlen(f->d_name);
			uint8_t id[SBX_PACK_ID_LEN];
			MDB_val v;
			int orphan = 0;

			if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, ".."))
				continue;
			if (f->d_name[0] == '.' && n > 4 && !strcmp(f->d_name + n - 4, ".tmp")) {
				orphan = 1;
			} else if (n == 2 * SBX_PACK_ID_LEN + 5 && !strcmp(f->d_name + n - 5, ".pack")) {
				char hex[2 * SBX_PACK_ID_LEN + 1];

				memcpy(hex, f->d_name, 2 * SBX_PACK_ID_LEN);
				hex[2 * SBX_PACK_ID_LEN] = '\0';
				orphan = sbx_unhex(hex, id, SBX_PACK_ID_LEN) == 0 &&
					 sbx_get(txn, g->s->packs, id, SBX_PACK_ID_LEN, &v, NULL) == SBX_ENOTFOUND;
			}
			if (orphan) {
				sbx_buf_addf(&p, "%s/%s", sub.data, f->d_name);
				res->bytes_freed += file_size(p.data);
				if (unlink(p.data) == 0)
					res->packs_removed++;
			}
			sbx_buf_release(&p);
		}
		if (dd)
			closedir(dd);
		sbx_buf_release(&sub);
	}
	closedir(top);
}

int sbx_gc(struct sbx_store *s, const struct sbx_progress *p, struct sbx_gc_result *res,
	   struct sbx_err *err)
{
	struct gc g;
	struct sbx_reach reach;
	struct sbx_pack_reader *rd = NULL;
	struct sbx_buf raw = SBX_BUF_INIT;
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int r, rc, committed = 0, added;
	uint64_t done = 0, total;
	size_t i;

	memset(res, 0, sizeof *res);
	memset(&g, 0, sizeof g);
	g.s = s;
	sbx_chunkset_init(&g.packs);
	sbx_reach_init(&reach);
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		goto out;
	r = sbx_reach_all(s, txn, &reach, err);
	if (r)
		goto out;
	if (reach.problems) {
		r = sbx_err_set(err, SBX_ECORRUPT,
				"the index is damaged (%llu problems); gc deletes nothing until "
				"'sbx verify' passes", (unsigned long long)reach.problems);
		goto out;
	}
	/* Classify every indexed chunk, and count per pack. */
	rc = mdb_cursor_open(txn, s->chunks, &c);
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct sbx_chunk_loc loc;
		struct sbx_chunkset_entry *pe;
		uint8_t key[32];

		if (k.mv_size != 32 || sbx_loc_decode(v.mv_data, v.mv_size, &loc))
			continue;
		pack_key(loc.pack, key);
		pe = sbx_chunkset_add(&g.packs, key, &added);
		if (sbx_chunkset_find(&reach.chunks, k.mv_data)) {
			pe->loc.ulen++;            /* live count */
		} else {
			pe->loc.clen++;            /* dead count */
			sbx_buf_add(&g.dead_chunks, k.mv_data, 32);
			res->chunks_removed++;
		}
	}
	mdb_cursor_close(c);
	c = NULL;
	/* Packs the index names but no chunk uses are dead too. */
	rc = mdb_cursor_open(txn, s->packs, &c);
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t key[32];

		if (k.mv_size != SBX_PACK_ID_LEN)
			continue;
		pack_key(k.mv_data, key);
		sbx_chunkset_add(&g.packs, key, &added);
	}
	mdb_cursor_close(c);
	c = NULL;
	{
		struct sbx_chunkset_entry *pe;

		sbx_chunkset_foreach(&g.packs, pe) {
			if (pe->loc.clen || !pe->loc.ulen) {
				pe->mark = 1;
				sbx_buf_add(&g.old_packs, pe->id, SBX_PACK_ID_LEN);
			}
		}
	}
	/* Copy the live chunks of packs that go into new packs. */
	total = 0;
	if (g.old_packs.len) {
		r = sbx_writer_new(s, SBX_WRITER_REPACK, &g.w, err);
		if (r)
			goto out;
		rd = sbx_pack_reader_new(s->packdir);
		rc = mdb_cursor_open(txn, s->chunks, &c);
		for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct sbx_chunk_loc loc;
			struct sbx_chunkset_entry *pe;
			uint8_t key[32];

			if (k.mv_size != 32 || sbx_loc_decode(v.mv_data, v.mv_size, &loc))
				continue;
			pack_key(loc.pack, key);
			pe = sbx_chunkset_find(&g.packs, key);
			if (!pe || !pe->mark || !sbx_chunkset_find(&reach.chunks, k.mv_data))
				continue;
			r = sbx_pack_read(rd, k.mv_data, &loc, 1, &raw, err);
			if (!r)
				r = sbx_writer_put(g.w, k.mv_data, raw.data, raw.len, err);
			if (r)
				goto out;
			done++;
			if (p && p->fn)
				p->fn(p->ctx, "gc", done, 0, done);
		}
		mdb_cursor_close(c);
		c = NULL;
		r = sbx_writer_finish(g.w, err);
		if (r)
			goto out;
	}
	/* Trees no snapshot reaches. */
	rc = mdb_cursor_open(txn, s->trees, &c);
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 32 && !sbx_chunkset_find(&reach.trees, k.mv_data)) {
			sbx_buf_add(&g.dead_trees, k.mv_data, 32);
			res->trees_removed++;
		}
	}
	mdb_cursor_close(c);
	c = NULL;
	mdb_txn_abort(txn);
	txn = NULL;
	r = sbx_store_write(s, commit_fn, &g, err);
	if (r)
		goto out;
	committed = 1;
	for (i = 0; i < g.old_packs.len; i += SBX_PACK_ID_LEN) {
		char *path = sbx_pack_path(s->packdir, (const uint8_t *)g.old_packs.data + i, 0);
		uint64_t sz = file_size(path);

		if (unlink(path) == 0) {
			res->bytes_freed += sz;
			res->packs_removed++;
		}
		free(path);
	}
	if (g.w) {
		struct sbx_writer_stats st;

		sbx_writer_stats(g.w, &st);
		res->packs_rewritten = st.packs;
		res->bytes_freed = res->bytes_freed > st.new_stored ? res->bytes_freed - st.new_stored : 0;
	}
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		goto out;
	sweep(&g, txn, res);
	total = done;
	if (p && p->fn)
		p->fn(p->ctx, "gc", total, total, total);
out:
	if (c)
		mdb_cursor_close(c);
	if (txn)
		mdb_txn_abort(txn);
	sbx_writer_free(g.w, committed);
	sbx_pack_reader_free(rd);
	sbx_buf_release(&raw);
	sbx_chunkset_release(&g.packs);
	sbx_buf_release(&g.dead_chunks);
	sbx_buf_release(&g.dead_trees);
	sbx_buf_release(&g.old_packs);
	sbx_reach_release(&reach);
	return r;
}
