/* Walking a stored snapshot with each file's bytes in memory. */
#ifndef SBX_WALK_H
#define SBX_WALK_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/err.h"
#include "sbx/store.h"

/* Calls FN(path, data, len, ctx) for every regular file of snapshot ID (hex),
 * in path order; FN returning non-zero stops the walk and is returned. */
int sbx_snapshot_walk_files(struct sbx_store *s, const char *id,
			    int (*fn)(const char *path, const void *data, size_t len, void *ctx),
			    void *ctx, struct sbx_err *err);

#endif
