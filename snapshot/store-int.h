/* Internal view of the store: the LMDB environment, its databases and
 * transaction helpers that grow the map instead of failing. */
#ifndef SBX_STORE_INT_H
#define SBX_STORE_INT_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "sbx/err.h"
#include "sbx/store.h"

#define SBX_FORMAT_VERSION 1

struct sbx_store {
	char *path;
	char *packdir;       /* STORE/packs */
	MDB_env *env;
	MDB_dbi chunks;      /* chunk id (32) -> struct sbx_chunk_loc (encoded) */
	MDB_dbi packs;       /* pack id (16) -> u64 size, u32 chunk count */
	MDB_dbi trees;       /* tree id (32) -> tree encoding */
	MDB_dbi snaps;       /* snapshot id (32) -> JSON record */
	MDB_dbi fcache;      /* absolute path -> files cache entry */
	MDB_dbi meta;        /* name -> value */
	MDB_dbi refs;        /* record name -> JSON (see refs.h) */
	MDB_dbi pins;        /* snapshot id (32) + record name -> "" */
	MDB_dbi log;         /* u64 sequence (big-endian) -> JSON entry (the journal) */
	int lockfd;          /* STORE/lock while SBX_STORE_WRITE */
	int gcfd;            /* STORE/gc.lock while SBX_STORE_PACKS or _GC */
	unsigned flags;
};

/* Translates an LMDB return code into ERR with mdb_strerror's text:
 * MDB_NOTFOUND becomes SBX_ENOTFOUND, damage SBX_ECORRUPT, else SBX_EFAIL. */
int sbx_err_mdb(struct sbx_err *err, int rc, const char *what);

/* Begins a transaction, adopting a map grown by another process. */
int sbx_txn_begin(struct sbx_store *s, unsigned flags, MDB_txn **txn, struct sbx_err *err);

/* Runs FN(txn, ctx, err) in a write transaction and commits it.  FN returns 0,
 * a negative SBX_E* code, or MDB_MAP_FULL: then the transaction is aborted,
 * the map doubled and FN run again from the start, so FN must only read its
 * context and write the database. */
int sbx_store_write(struct sbx_store *s,
		    int (*fn)(MDB_txn *txn, void *ctx, struct sbx_err *err),
		    void *ctx, struct sbx_err *err);

/* mdb_put that returns MDB_MAP_FULL raw (for sbx_store_write to retry) and
 * translates every other failure into ERR. */
int sbx_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
	    const void *v, size_t vlen, unsigned flags, struct sbx_err *err);

/* mdb_get: returns 0, SBX_ENOTFOUND (without touching ERR) or an error. */
int sbx_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
	    MDB_val *v, struct sbx_err *err);

#endif
