#include "config.h"

#include <string.h>

#include "snapshot/reach.h"
#include "snapshot/read.h"
#include "util/hash.h"

void sbx_reach_init(struct sbx_reach *r)
{
	memset(r, 0, sizeof *r);
	sbx_chunkset_init(&r->trees);
	sbx_chunkset_init(&r->chunks);
}

void sbx_reach_release(struct sbx_reach *r)
{
	sbx_chunkset_release(&r->trees);
	sbx_chunkset_release(&r->chunks);
	sbx_buf_release(&r->report);
}

int sbx_reach_tree(struct sbx_store *s, MDB_txn *txn, const uint8_t root[32],
		   const char *snapshot, struct sbx_reach *r, struct sbx_err *err)
{
	struct sbx_err terr = { 0 };
	struct sbx_tree t;
	size_t i;
	int added, rc;

	sbx_chunkset_add(&r->trees, root, &added);
	if (!added)
		return 0;
	rc = sbx_tree_load(s, txn, root, &t, &terr);
	if (rc == SBX_ECORRUPT) {
		r->problems++;
		sbx_buf_addf(&r->report, "%s (snapshot %s)\n", terr.msg, snapshot);
		return 0;
	}
	if (rc)
		return sbx_err_set(err, rc, "%s", terr.msg);
	for (i = 0; i < t.n; i++) {
		const struct sbx_tree_entry *e = &t.e[i];
		uint32_t c;

		if (e->type == SBX_T_DIR) {
			rc = sbx_reach_tree(s, txn, e->subtree, snapshot, r, err);
			if (rc)
				break;
		} else if (e->type == SBX_T_FILE) {
			for (c = 0; c < e->nchunks; c++)
				sbx_chunkset_add(&r->chunks, e->chunks + 32 * c, &added);
		}
	}
	sbx_tree_release(&t);
	return rc;
}

int sbx_reach_all(struct sbx_store *s, MDB_txn *txn, struct sbx_reach *r, struct sbx_err *err)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc, ret = 0;

	rc = mdb_cursor_open(txn, s->snaps, &c);
	if (rc)
		return sbx_err_mdb(err, rc, "cannot read snapshots");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char hex[65];

		if (k.mv_size != 32) {
			r->problems++;
			sbx_buf_addf(&r->report, "snapshot record with a malformed key\n");
			continue;
		}
		sbx_hex(k.mv_data, 32, hex);
		r->snapshots++;
		ret = sbx_reach_tree(s, txn, k.mv_data, hex, r, err);
		if (ret)
			break;
	}
	mdb_cursor_close(c);
	return ret;
}
