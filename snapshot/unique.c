/* The bytes one snapshot adds to another: what a sandbox costs to keep on
 * top of the master version it was cloned from. */
#include "config.h"

#include <string.h>

#include "sbx/snapshot.h"
#include "snapshot/reach.h"
#include "snapshot/read.h"
#include "util/hash.h"

struct uctx {
	struct sbx_store *s;
	MDB_txn *txn;
	struct sbx_reach base;
	struct sbx_chunkset seen;   /* chunks of the snapshot counted, or trees visited */
	uint64_t bytes;
};

static int walk(struct uctx *u, const uint8_t root[32], struct sbx_err *err)
{
	struct sbx_tree t;
	size_t i;
	int added, rc;

	/* A subtree the base holds adds nothing, nor does one seen before. */
	if (sbx_chunkset_find(&u->base.trees, root))
		return 0;
	sbx_chunkset_add(&u->base.trees, root, &added);
	rc = sbx_tree_load(u->s, u->txn, root, &t, err);
	if (rc)
		return rc;
	for (i = 0; i < t.n && !rc; i++) {
		const struct sbx_tree_entry *e = &t.e[i];
		uint32_t c;

		if (e->type == SBX_T_DIR) {
			rc = walk(u, e->subtree, err);
			continue;
		}
		if (e->type != SBX_T_FILE)
			continue;
		for (c = 0; c < e->nchunks && !rc; c++) {
			const uint8_t *id = e->chunks + 32 * c;
			struct sbx_chunk_loc loc;
			MDB_val v;

			if (sbx_chunkset_find(&u->base.chunks, id))
				continue;
			sbx_chunkset_add(&u->seen, id, &added);
			if (!added)
				continue;
			rc = sbx_get(u->txn, u->s->chunks, id, 32, &v, err);
			if (rc == SBX_ENOTFOUND)
				rc = sbx_err_set(err, SBX_ECORRUPT, "a chunk of snapshot tree is not indexed");
			else if (!rc && sbx_loc_decode(v.mv_data, v.mv_size, &loc))
				rc = sbx_err_set(err, SBX_ECORRUPT, "a chunk record is damaged");
			if (!rc)
				u->bytes += loc.clen;
		}
	}
	sbx_tree_release(&t);
	return rc;
}

int sbx_snapshot_unique_bytes(struct sbx_store *s, const char *id, const char *base,
			      uint64_t *bytes, struct sbx_err *err)
{
	uint8_t root[32], broot[32];
	struct uctx u = { .s = s };
	int rc;

	*bytes = 0;
	if (sbx_unhex(id, root, 32) || (base && sbx_unhex(base, broot, 32)))
		return sbx_err_set(err, SBX_EINVAL, "'%s' is not a snapshot id", id);
	/* A fresh clone is its base: nothing to walk, so a clone stays O(1). */
	if (base && !memcmp(root, broot, 32))
		return 0;
	rc = sbx_txn_begin(s, MDB_RDONLY, &u.txn, err);
	if (rc)
		return rc;
	sbx_reach_init(&u.base);
	sbx_chunkset_init(&u.seen);
	if (base)
		rc = sbx_reach_tree(s, u.txn, broot, base, &u.base, err);
	if (!rc)
		rc = walk(&u, root, err);
	if (!rc)
		*bytes = u.bytes;
	sbx_chunkset_release(&u.seen);
	sbx_reach_release(&u.base);
	mdb_txn_abort(u.txn);
	return rc;
}
