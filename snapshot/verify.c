/* verify: the index is consistent (every snapshot's trees decode and match
 * their ids, every chunk they name is indexed in a pack that exists and is
 * long enough); with --full, every chunk is re-read, decompressed and
 * re-hashed.  Damaged chunks are reported with the snapshots that use them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sbx/snapshot.h"
#include "snapshot/reach.h"
#include "snapshot/read.h"
#include "util/hash.h"

struct item {
	uint8_t id[32];
	struct sbx_chunk_loc loc;
};

static int by_place(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = memcmp(x->loc.pack, y->loc.pack, SBX_PACK_ID_LEN);

	if (c)
		return c;
	return x->loc.off < y->loc.off ? -1 : x->loc.off > y->loc.off;
}

/* Which snapshots use chunk ID?  Appends their ids to OUT. */
static void users(struct sbx_store *s, MDB_txn *txn, const struct sbx_chunkset *bad,
		  struct sbx_buf *report)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->snaps, &c);

	if (rc)
		return;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct sbx_reach one;
		struct sbx_chunkset_entry *e;
		struct sbx_err ignore = { 0 };
		char hex[65];
		int hit = 0;

		if (k.mv_size != 32)
			continue;
		sbx_hex(k.mv_data, 32, hex);
		sbx_reach_init(&one);
		sbx_reach_tree(s, txn, k.mv_data, hex, &one, &ignore);
		sbx_chunkset_foreach(bad, e) {
			if (sbx_chunkset_find(&one.chunks, e->id)) {
				hit = 1;
				break;
			}
		}
		if (hit)
			sbx_buf_addf(report, "  affects snapshot %s\n", hex);
		sbx_reach_release(&one);
	}
	mdb_cursor_close(c);
}

int sbx_verify(struct sbx_store *s, int full, const struct sbx_progress *p,
	       struct sbx_verify_result *res, struct sbx_err *err)
{
	struct sbx_reach reach;
	struct sbx_chunkset bad, packsizes;
	struct sbx_chunkset_entry *e;
	struct sbx_pack_reader *rd = NULL;
	struct sbx_buf raw = SBX_BUF_INIT;
	struct item *items = NULL;
	size_t nitems = 0, capitems = 0, i;
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int r, rc, added;

	memset(res, 0, sizeof *res);
	sbx_reach_init(&reach);
	sbx_chunkset_init(&bad);
	sbx_chunkset_init(&packsizes);
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		goto out;
	r = sbx_reach_all(s, txn, &reach, err);
	if (r)
		goto out;
	res->snapshots = reach.snapshots;
	res->trees = reach.trees.len;
	res->problems += reach.problems;
	if (reach.report.len)
		sbx_buf_add(&res->report, reach.report.data, reach.report.len);
	/* Every pack the index names exists with the recorded size. */
	rc = mdb_cursor_open(txn, s->packs, &c);
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char *path;
		struct stat st;
		uint8_t key[32] = { 0 };
		struct sbx_chunkset_entry *pe;

		if (k.mv_size != SBX_PACK_ID_LEN || v.mv_size < 8)
			continue;
		res->packs++;
		memcpy(key, k.mv_data, SBX_PACK_ID_LEN);
		pe = sbx_chunkset_add(&packsizes, key, &added);
		path = sbx_pack_path(s->packdir, k.mv_data, 0);
		if (stat(path, &st) < 0) {
			res->problems++;
			sbx_buf_addf(&res->report, "pack %s is missing\n", path);
		} else if ((uint64_t)st.st_size != sbx_get_u64(v.mv_data)) {
			res->problems++;
			sbx_buf_addf(&res->report, "pack %s is %lld bytes, the index says %llu\n", path,
				     (long long)st.st_size, (unsigned long long)sbx_get_u64(v.mv_data));
		} else {
			pe->loc.off = (uint64_t)st.st_size;
			pe->mark = 1;
		}
		free(path);
	}
	mdb_cursor_close(c);
	c = NULL;
	/* Every indexed chunk lies inside a pack that exists. */
	rc = mdb_cursor_open(txn, s->chunks, &c);
	for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct sbx_chunk_loc loc;
		struct sbx_chunkset_entry *pe;
		uint8_t key[32] = { 0 };
		char hex[65];

		if (k.mv_size != 32 || sbx_loc_decode(v.mv_data, v.mv_size, &loc)) {
			res->problems++;
			sbx_buf_addf(&res->report, "malformed chunk index entry\n");
			continue;
		}
		res->chunks++;
		memcpy(key, loc.pack, SBX_PACK_ID_LEN);
		pe = sbx_chunkset_find(&packsizes, key);
		if (!pe || !pe->mark || loc.off + SBX_PACK_REC_HDR + loc.clen > pe->loc.off) {
			sbx_hex(k.mv_data, 32, hex);
			sbx_buf_addf(&res->report, "chunk %s lies outside its pack\n", hex);
			sbx_chunkset_add(&bad, k.mv_data, &added);
			res->problems++;
			continue;
		}
		if (full) {
			if (nitems == capitems) {
				capitems = capitems ? 2 * capitems : 1024;
				items = sbx_xrealloc(items, capitems * sizeof *items);
			}
			memcpy(items[nitems].id, k.mv_data, 32);
			items[nitems].loc = loc;
			nitems++;
		}
	}
	mdb_cursor_close(c);
	c = NULL;
	/* Every chunk a snapshot uses is indexed. */
	sbx_chunkset_foreach(&reach.chunks, e) {
		if (sbx_get(txn, s->chunks, e->id, 32, &v, NULL) == SBX_ENOTFOUND) {
			char hex[65];

			sbx_hex(e->id, 32, hex);
			sbx_buf_addf(&res->report, "chunk %s is used but not indexed\n", hex);
			sbx_chunkset_add(&bad, e->id, &added);
			res->problems++;
		}
	}
	if (full) {
		/* In pack order, so each pack is read front to back once. */
		if (nitems > 1)
			qsort(items, nitems, sizeof *items, by_place);
		rd = sbx_pack_reader_new(s->packdir);
		for (i = 0; i < nitems; i++) {
			struct sbx_err cerr = { 0 };

			if (sbx_pack_read(rd, items[i].id, &items[i].loc, 1, &raw, &cerr)) {
				sbx_buf_addf(&res->report, "%s\n", cerr.msg);
				sbx_chunkset_add(&bad, items[i].id, &added);
				res->problems++;
			}
			res->bytes_read += items[i].loc.clen;
			if (p && p->fn)
				p->fn(p->ctx, "verify", i + 1, nitems, res->bytes_read);
		}
	}
	if (bad.len)
		users(s, txn, &bad, &res->report);
	if (res->problems)
		r = sbx_err_set(err, SBX_ECORRUPT, "the store has %llu problem%s",
				(unsigned long long)res->problems, res->problems == 1 ? "" : "s");
out:
	if (c)
		mdb_cursor_close(c);
	if (txn)
		mdb_txn_abort(txn);
	sbx_pack_reader_free(rd);
	sbx_buf_release(&raw);
	free(items);
	sbx_chunkset_release(&bad);
	sbx_chunkset_release(&packsizes);
	sbx_reach_release(&reach);
	return r;
}
