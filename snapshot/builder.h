/* The tree builder: an in-memory tree of the entries a capture reads, keyed
 * by path, which it then encodes bottom-up into tree objects.  Directory and
 * archive sources both feed it paths; it refuses paths that are absolute,
 * climb with "..", or pass through a symlink or a file. */
#ifndef SBX_BUILDER_H
#define SBX_BUILDER_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "snapshot/tree.h"

struct sbx_node {
	char *name;
	uint8_t type;
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;
	uint32_t nchunks;
	uint8_t *chunks;          /* nchunks * 32, owned */
	char *target;             /* symlink target, owned */
	struct sbx_node **kids;   /* dirs */
	size_t nkids, capkids;
	uint8_t id[32];           /* dirs, once built */
};

struct sbx_builder;

struct sbx_builder *sbx_builder_new(void);
void sbx_builder_free(struct sbx_builder *b);

/* Normalises an archive or walk path in place: drops "./" and empty
 * components and trailing slashes.  Refuses absolute paths and "..".  An
 * empty result (the root itself) is returned as "". */
int sbx_path_normalise(char *path, struct sbx_err *err);

/* Inserts (or, for the same path and type, updates) the entry at normalised
 * PATH and returns its node, creating missing parent directories.  Fails
 * when a parent is a symlink or a file, or when PATH exists with another
 * type.  The returned node is owned by the builder. */
int sbx_builder_put(struct sbx_builder *b, const char *path, uint8_t type,
		    struct sbx_node **out, struct sbx_err *err);

/* Declares that every path will be put once, parents first (a directory
 * walk): then only directories are indexed by path, and sbx_builder_get
 * finds directories only. */
void sbx_builder_set_unique(struct sbx_builder *b, int unique);

/* Returns the node at normalised PATH, or NULL. */
struct sbx_node *sbx_builder_get(struct sbx_builder *b, const char *path);

/* Sets a file node's chunk list (copied). */
void sbx_node_set_chunks(struct sbx_node *n, const uint8_t *chunks, uint32_t nchunks);

/* Encodes every directory bottom-up, calling EMIT for each tree object, and
 * writes the root tree's id into ROOT. */
int sbx_builder_finish(struct sbx_builder *b,
		       int (*emit)(const uint8_t id[32], const void *enc, size_t len, void *ctx),
		       void *ctx, uint8_t root[32], struct sbx_err *err);

#endif
