/* The sbx store: a directory holding the LMDB index and the chunk packs.
 *
 * Layout: STORE/index/ (LMDB), STORE/packs/XX/ID.pack, STORE/lock (writers),
 * STORE/gc.lock (gc exclusive, pack readers shared). */
#ifndef SBX_STORE_H
#define SBX_STORE_H

#include "sbx/err.h"

struct sbx_store;

enum {
	SBX_STORE_WRITE = 1 << 0,  /* take the writer lock (one writer at a time) */
	SBX_STORE_WAIT = 1 << 1,   /* wait for locks instead of failing with SBX_EBUSY */
	SBX_STORE_PACKS = 1 << 2,  /* will read packs: hold the gc lock shared */
	SBX_STORE_GC = 1 << 3,     /* will delete packs: hold the gc lock exclusive */
};

/* Returns the default store path: $SBX_STORE, else $XDG_DATA_HOME/sbx, else
 * ~/.local/share/sbx.  Caller frees. */
char *sbx_store_default_path(void);

/* Creates the store at PATH (mode 0700) if needed; idempotent.  Sets
 * *CREATED to 1 when it made a new store. */
int sbx_store_init(const char *path, int *created, struct sbx_err *err);

/* Opens the store at PATH.  FLAGS are SBX_STORE_*; a lock held by another
 * process fails with SBX_EBUSY unless SBX_STORE_WAIT.  A missing store is
 * SBX_ENOTFOUND.  Caller closes with sbx_store_close. */
int sbx_store_open(const char *path, unsigned flags, const char *command,
		   struct sbx_store **out, struct sbx_err *err);

/* Closes the store and releases its locks; accepts NULL. */
void sbx_store_close(struct sbx_store *s);

/* The store's directory (borrowed). */
const char *sbx_store_path(const struct sbx_store *s);

#endif
