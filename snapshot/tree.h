/* Tree objects: one per directory, a sorted list of entries, encoded in a
 * fixed little-endian binary form whose SHA-256 is the tree id.  A snapshot's
 * id is its root tree's id, so equal trees always give equal ids.
 *
 * Encoding: "SBXT" u8 version(1) u32 count, then per entry:
 *   u8 type, u32 mode (permission bits), i64 mtime (ns), u64 size,
 *   u16 name length, name,
 *   file: u32 chunk count, 32-byte chunk ids;  dir: 32-byte tree id;
 *   symlink: u16 target length, target.
 * Entries are sorted by name (bytewise) and unique; names are non-empty,
 * hold no '/' or NUL, and are not "." or "..". */
#ifndef SBX_TREE_H
#define SBX_TREE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"

enum sbx_ftype { SBX_T_FILE = 1, SBX_T_DIR = 2, SBX_T_SYMLINK = 3 };

/* Symlink targets are shorter than this (Linux's PATH_MAX, NUL included). */
#define SBX_TARGET_MAX 4096

struct sbx_tree_entry {
	const char *name;          /* NUL-terminated copies, owned by the tree */
	uint8_t type;
	uint32_t mode;             /* permission bits only (07777) */
	int64_t mtime_ns;
	uint64_t size;             /* file bytes; 0 for dirs and symlinks */
	uint32_t nchunks;
	const uint8_t *chunks;     /* nchunks * 32 bytes */
	const uint8_t *subtree;    /* 32 bytes, for dirs */
	const char *target;        /* for symlinks */
};

struct sbx_tree {
	struct sbx_tree_entry *e;
	size_t n;
	char *mem;                 /* backing storage */
};

/* Returns 1 when NAME may appear in a tree. */
int sbx_tree_name_ok(const char *name, size_t len);

/* Encodes N entries (already sorted by name) into OUT. */
void sbx_tree_encode(const struct sbx_tree_entry *e, size_t n, struct sbx_buf *out);

/* Decodes and validates P[0..LEN) into T (caller releases). */
int sbx_tree_decode(const void *p, size_t len, struct sbx_tree *t, struct sbx_err *err);
void sbx_tree_release(struct sbx_tree *t);

/* Finds NAME in T by binary search, or NULL. */
const struct sbx_tree_entry *sbx_tree_find(const struct sbx_tree *t, const char *name);

#endif
