/* The files cache: for each captured file path, the (dev, ino, size, mtime,
 * ctime) it had and its chunk list, so that an unchanged file is not read
 * again.  An entry whose mtime or ctime is at or after the scan's start is
 * never stored (the racy-timestamp rule of git and borg). */
#ifndef SBX_FILESCACHE_H
#define SBX_FILESCACHE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

#include <lmdb.h>

#include "sbx/buf.h"
#include "snapshot/source.h"
#include "snapshot/store-int.h"

/* Looks E up in the cache; on a match returns 1 and the chunk list (borrowed
 * from TXN) in *CHUNKS and *N. */
int sbx_fcache_lookup(struct sbx_store *s, MDB_txn *txn, const struct sbx_source_entry *e,
		      const uint8_t **chunks, uint32_t *n);

/* Appends an entry for E with its chunks to PENDING (key, value pairs to
 * write at commit), unless it is racy with respect to START_NS. */
void sbx_fcache_note(struct sbx_buf *pending, const struct sbx_source_entry *e,
		     const uint8_t *chunks, uint32_t n, int64_t start_ns);

/* Writes the PENDING entries into TXN (MDB_MAP_FULL raw). */
int sbx_fcache_commit(struct sbx_store *s, MDB_txn *txn, const struct sbx_buf *pending,
		      struct sbx_err *err);

#endif
