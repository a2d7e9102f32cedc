/* Snapshots: capture a tree from a directory or an archive into the store,
 * and read it back (list, show, ls, cat, restore, export); gc, verify, stats. */
#ifndef SBX_SNAPSHOT_H
#define SBX_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "sbx/store.h"

/* Progress of long work.  FN is called now and then (not per item) and once
 * at the end with DONE == TOTAL; TOTAL is 0 when unknown. */
struct sbx_progress {
	void (*fn)(void *ctx, const char *what, uint64_t done, uint64_t total, uint64_t bytes);
	void *ctx;
};

/* Rewrites the bytes of file PATH: IN[0..N) into OUT (which it replaces).
 * During a restore it is called from several threads at once, and for a
 * large file several times, with consecutive pieces that each end at a
 * newline (or at the end of the file). */
struct sbx_content_filter {
	int (*fn)(void *ctx, const char *path, const void *in, size_t n, struct sbx_buf *out,
		  struct sbx_err *err);
	void *ctx;
	/* Restore only: files whose first chunk holds a NUL byte are binary
	 * and stream through untouched (never held whole in memory). */
	int text_only;
};

struct sbx_capture_opts {
	const char *message;
	const char *const *labels;   /* "K=V" strings */
	size_t nlabels;
	const struct sbx_progress *progress;
	int no_cache;                /* ignore the files cache */
	const struct sbx_content_filter *filter;   /* each file passes through it */
	/* Store the chunks and trees but no snapshot record: the tree can be
	 * read by its id (sbx_snapshot_diff) while the caller holds the store
	 * open with SBX_STORE_PACKS, and the next gc removes it, as it removes
	 * everything no snapshot references.  For views that must not become
	 * snapshots: a sandbox's live content, production hardened for a
	 * drift report.  RES->id is the root tree's id. */
	int unrecorded;
};

struct sbx_capture_result {
	char id[65];
	uint64_t files, dirs, symlinks, bytes;
	uint64_t cached_files;       /* taken from the files cache unread */
	uint64_t new_chunks, new_bytes;
	int existed;                 /* the store already held this snapshot */
	struct sbx_buf warnings;     /* one line each; caller releases */
};

/* Captures SOURCE (a directory, an archive file, or "-" for an archive on
 * stdin) into S, which must be open with SBX_STORE_WRITE.  On failure nothing
 * is stored.  The caller releases RES->warnings. */
int sbx_snapshot_capture(struct sbx_store *s, const char *source,
			 const struct sbx_capture_opts *o, struct sbx_capture_result *res,
			 struct sbx_err *err);

/* Resolves an id or an unambiguous prefix of 8+ hex digits into a full
 * 64-digit id.  SBX_ENOTFOUND or SBX_EAMBIG otherwise. */
int sbx_snapshot_resolve(struct sbx_store *s, const char *prefix, char id[65],
			 struct sbx_err *err);

/* The snapshot records (JSON text, one per snapshot, oldest first); the
 * caller frees each string and the array. */
int sbx_snapshot_list(struct sbx_store *s, char ***records, size_t *n, struct sbx_err *err);

/* The record of snapshot ID (JSON text, caller frees). */
int sbx_snapshot_record(struct sbx_store *s, const char *id, char **json, struct sbx_err *err);

struct sbx_ls_entry {
	const char *name;
	char type;              /* 'f', 'd', 'l' */
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;
	const char *target;
};

/* Calls FN for each entry of directory PATH ("" or NULL for the root) of
 * snapshot ID, or for PATH itself when it is not a directory. */
int sbx_snapshot_ls(struct sbx_store *s, const char *id, const char *path,
		    int (*fn)(const struct sbx_ls_entry *e, void *ctx), void *ctx,
		    struct sbx_err *err);

/* Writes the contents of file PATH of snapshot ID to OUT. */
int sbx_snapshot_cat(struct sbx_store *s, const char *id, const char *path, int fd,
		     struct sbx_err *err);

/* Writes the tree of snapshot ID into DIR, which must not exist or be empty:
 * contents, modes, symlinks, empty directories and mtimes. */
int sbx_snapshot_restore(struct sbx_store *s, const char *id, const char *dir,
			 const struct sbx_progress *p, struct sbx_err *err);

/* The same, each file passing through FILTER on its way out. */
int sbx_snapshot_restore_filtered(struct sbx_store *s, const char *id, const char *dir,
				  const struct sbx_progress *p, const struct sbx_content_filter *filter,
				  struct sbx_err *err);

/* Exports snapshot ID as an archive to FILE ("-" for stdout) in FORMAT
 * ("tar", "tar.zst", "tar.gz", "zip"; NULL: from FILE's suffix, else tar). */
int sbx_snapshot_export(struct sbx_store *s, const char *id, const char *file,
			const char *format, const struct sbx_progress *p, struct sbx_err *err);

/* Deletes snapshot ID's record (its data goes at the next gc). */
int sbx_snapshot_rm(struct sbx_store *s, const char *id, struct sbx_err *err);

struct sbx_gc_result {
	uint64_t chunks_removed, trees_removed, packs_removed, packs_rewritten;
	uint64_t bytes_freed;
};

/* Drops chunks, trees and packs no snapshot references, and leftovers of
 * interrupted work.  S must be open with SBX_STORE_WRITE | SBX_STORE_GC. */
int sbx_gc(struct sbx_store *s, const struct sbx_progress *p, struct sbx_gc_result *res,
	   struct sbx_err *err);

struct sbx_verify_result {
	uint64_t snapshots, trees, chunks, packs, bytes_read;
	uint64_t problems;
	struct sbx_buf report;    /* one line per problem; caller releases */
};

/* Checks the index: every snapshot's trees decode, every chunk they name is
 * indexed in an existing pack of sufficient size.  FULL also re-reads and
 * re-hashes every chunk.  Problems are SBX_ECORRUPT, listed in RES->report
 * with the snapshots affected. */
int sbx_verify(struct sbx_store *s, int full, const struct sbx_progress *p,
	       struct sbx_verify_result *res, struct sbx_err *err);

/* The stored (compressed) bytes of the chunks snapshot ID holds that
 * snapshot BASE (NULL: none) does not: what ID costs to keep beside BASE. */
int sbx_snapshot_unique_bytes(struct sbx_store *s, const char *id, const char *base,
			      uint64_t *bytes, struct sbx_err *err);

struct sbx_stats {
	uint64_t snapshots, trees, chunks, packs;
	uint64_t logical_bytes;   /* sum of the snapshots' file bytes */
	uint64_t unique_bytes;    /* raw bytes of the distinct chunks */
	uint64_t stored_bytes;    /* bytes of the pack files */
};

int sbx_stats(struct sbx_store *s, struct sbx_stats *st, struct sbx_err *err);

#endif
