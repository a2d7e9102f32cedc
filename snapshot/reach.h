/* Reachability: the trees and chunks that snapshots reference.  gc keeps
 * what is reachable; verify checks it. */
#ifndef SBX_REACH_H
#define SBX_REACH_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <lmdb.h>

#include "sbx/buf.h"
#include "snapshot/chunkset.h"
#include "snapshot/store-int.h"

struct sbx_reach {
	struct sbx_chunkset trees;
	struct sbx_chunkset chunks;
	uint64_t snapshots;
	uint64_t problems;          /* trees that are missing or damaged */
	struct sbx_buf report;      /* one line per problem */
};

void sbx_reach_init(struct sbx_reach *r);
void sbx_reach_release(struct sbx_reach *r);

/* Adds everything under tree ROOT.  A missing or damaged tree is counted in
 * R->problems and reported with SNAPSHOT's id, not returned as an error. */
int sbx_reach_tree(struct sbx_store *s, MDB_txn *txn, const uint8_t root[32],
		   const char *snapshot, struct sbx_reach *r, struct sbx_err *err);

/* Adds everything every snapshot references. */
int sbx_reach_all(struct sbx_store *s, MDB_txn *txn, struct sbx_reach *r, struct sbx_err *err);

#endif
