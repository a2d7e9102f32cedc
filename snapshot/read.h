/* Reading stored objects: trees, chunk locations, file contents. */
#ifndef SBX_READ_H
#define SBX_READ_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <lmdb.h>

#include "sbx/err.h"
#include "snapshot/pack.h"
#include "snapshot/store-int.h"
#include "snapshot/tree.h"

/* Loads and decodes tree ID.  A missing tree is SBX_ECORRUPT. */
int sbx_tree_load(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32], struct sbx_tree *t,
		  struct sbx_err *err);

/* Looks up where chunk ID lives.  A missing chunk is SBX_ECORRUPT. */
int sbx_chunk_locate(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32],
		     struct sbx_chunk_loc *loc, struct sbx_err *err);

/* Checks that snapshot HEX exists and returns its root tree id. */
int sbx_snapshot_root(struct sbx_store *s, MDB_txn *txn, const char *hex, uint8_t root[32],
		      struct sbx_err *err);

/* Finds PATH under ROOT: fills *OUT with a copy of its entry (the caller
 * releases *HOLD, a tree that backs OUT's pointers).  "" or NULL is the root
 * itself (a directory entry with subtree ROOT). */
int sbx_tree_lookup(struct sbx_store *s, MDB_txn *txn, const uint8_t root[32], const char *path,
		    struct sbx_tree_entry *out, struct sbx_tree *hold, struct sbx_err *err);

/* Writes the file whose entry is E to FD, reading chunks with R. */
int sbx_file_write(struct sbx_store *s, MDB_txn *txn, struct sbx_pack_reader *r,
		   const struct sbx_tree_entry *e, int fd, struct sbx_buf *scratch,
		   struct sbx_err *err);

#endif
