/* The chunk writer: deduplicates chunks against the index and against what
 * it has already taken, compresses new ones with zstd on worker threads and
 * appends them to packs.  Nothing reaches the index until the caller commits
 * the writer's entries in its own transaction, after sbx_writer_finish has
 * made every pack durable: so a failed capture stores nothing, and the index
 * never names a chunk that is not on disk. */
#ifndef SBX_WRITER_H
#define SBX_WRITER_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "sbx/err.h"
#include "snapshot/store-int.h"

struct sbx_writer;

struct sbx_writer_stats {
	uint64_t new_chunks;
	uint64_t new_raw;      /* raw bytes of new chunks */
	uint64_t new_stored;   /* bytes added to packs, headers included */
	uint64_t packs;
};

enum {
	/* Store every chunk put, even those the index holds (gc's repacking). */
	SBX_WRITER_REPACK = 1,
	/* Compress on the threads that put (a pool of readers), not on the
	 * writer's own workers. */
	SBX_WRITER_INLINE = 2,
	/* Store nothing (a dry run): puts are only counted.  S may be NULL. */
	SBX_WRITER_DISCARD = 4,
};

/* Creates a writer on S (which the caller holds open for writing). */
int sbx_writer_new(struct sbx_store *s, unsigned flags, struct sbx_writer **out,
		   struct sbx_err *err);

/* Stores chunk DATA[0..N) whose SHA-256 is ID, unless it is known.  Copies
 * DATA.  Returns an error a worker hit earlier, if any.  Thread-safe. */
int sbx_writer_put(struct sbx_writer *w, const uint8_t id[32], const void *data, size_t n,
		   struct sbx_err *err);

/* Returns 1 when the index or this writer holds chunk ID. */
int sbx_writer_known(struct sbx_writer *w, const uint8_t id[32]);

/* Waits for the workers and seals the last pack. */
int sbx_writer_finish(struct sbx_writer *w, struct sbx_err *err);

/* Writes the chunk and pack entries into TXN (after finish).  May return
 * MDB_MAP_FULL raw, for sbx_store_write to retry. */
int sbx_writer_commit(struct sbx_writer *w, MDB_txn *txn, struct sbx_err *err);

/* Location of a chunk this writer stored (after finish), or NULL. */
const struct sbx_chunk_loc *sbx_writer_loc(struct sbx_writer *w, const uint8_t id[32]);

void sbx_writer_stats(const struct sbx_writer *w, struct sbx_writer_stats *st);

/* Frees W, first removing the packs it wrote unless COMMITTED.  Accepts NULL. */
void sbx_writer_free(struct sbx_writer *w, int committed);

#endif
