/* Named records in the store: JSON documents under names such as
 * "master/NAME".  A record's top-level "pins" array lists the snapshot ids
 * it keeps: `snapshot rm` refuses a pinned snapshot, and a write that drops a
 * pin removes the snapshot's record when nothing pins it any more (its data
 * goes at the next gc).  The snapshot layer knows nothing of what a record
 * means. */
#ifndef SBX_REFS_H
#define SBX_REFS_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <lmdb.h>

#include "sbx/err.h"
#include "snapshot/store-int.h"

/* The record NAME (JSON text, caller frees), or SBX_ENOTFOUND. */
int sbx_ref_get(struct sbx_store *s, const char *name, char **json, struct sbx_err *err);

/* Calls FN for each record whose name starts with PREFIX, in name order. */
int sbx_ref_list(struct sbx_store *s, const char *prefix,
		 int (*fn)(const char *name, const char *json, void *ctx), void *ctx,
		 struct sbx_err *err);

/* Rewrites record NAME inside TXN: UPDATE gets the old text (NULL when
 * absent) and returns the new one (malloc'd), or NULL with *DELETE set to
 * remove the record, or NULL with ERR set to fail.  Pins follow the new
 * text.  May return MDB_MAP_FULL raw. */
int sbx_ref_update_txn(struct sbx_store *s, MDB_txn *txn, const char *name,
		       char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		       void *ctx, struct sbx_err *err);

/* The same in a transaction of its own. */
int sbx_ref_update(struct sbx_store *s, const char *name,
		   char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		   void *ctx, struct sbx_err *err);

/* Like sbx_ref_update, and in the same transaction appends ENTRY (JSON
 * text, NULL for none) to the log with the next sequence number, which is
 * added to it as "seq".  The log is the journal of the lifecycle: entries
 * are never changed or removed. */
int sbx_ref_update_log(struct sbx_store *s, const char *name,
		       char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		       void *ctx, const char *entry, struct sbx_err *err);

/* Appends ENTRY to the log in its own transaction. */
int sbx_log_append(struct sbx_store *s, const char *entry, struct sbx_err *err);

/* Appends the N entries ENTRIES, in order, in one transaction (tools that
 * write many entries at once: the benchmark's journal generator). */
int sbx_log_append_many(struct sbx_store *s, const char *const *entries, size_t n,
			struct sbx_err *err);

/* Calls FN(seq, json, ctx) for every log entry from sequence FROM on. */
int sbx_log_list(struct sbx_store *s, uint64_t from,
		 int (*fn)(uint64_t seq, const char *json, void *ctx), void *ctx, struct sbx_err *err);

/* The same without copying: JSON[0..LEN) is the entry as the index holds
 * it, not NUL-terminated, borrowed until FN returns (a reader going through
 * the whole journal). */
int sbx_log_scan(struct sbx_store *s, uint64_t from,
		 int (*fn)(uint64_t seq, const char *json, size_t len, void *ctx), void *ctx,
		 struct sbx_err *err);

/* The name of a record that pins snapshot ID (32 bytes) into OWNER, or
 * SBX_ENOTFOUND when none does. */
int sbx_pin_owner(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32], char *owner,
		  size_t size);

#endif
