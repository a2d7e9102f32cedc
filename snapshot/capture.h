/* The capture engine's internal interface, for captures that transform what
 * they read (hardening) and for code that stores trees. */
#ifndef SBX_CAPTURE_H
#define SBX_CAPTURE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <jansson.h>

#include "sbx/snapshot.h"
#include "snapshot/source.h"
#include "snapshot/store-int.h"
#include "snapshot/writer.h"

/* Hooks of a transforming capture.  SKIP drops an entry; FILE replaces the
 * default chunking of a file's bytes (it reads SRC and stores chunks in W,
 * filling IDS and *SIZE); RECORD_EXTRA is merged into the snapshot record.
 * A filtered capture does not use the files cache. */
struct sbx_capture_filter {
	int (*skip)(void *ctx, const struct sbx_source_entry *e);
	int (*file)(void *ctx, const struct sbx_source_entry *e, struct sbx_source *src,
		    struct sbx_writer *w, struct sbx_buf *ids, uint64_t *size, struct sbx_err *err);
	json_t *record_extra;
	void *ctx;
	/* When REF_NAME is set, the record of that name is rewritten in the
	 * snapshot's own transaction by REF_UPDATE (see refs.h), which gets
	 * the new snapshot id in hex. */
	const char *ref_name;
	char *(*ref_update)(const char *old, const char *id, void *ctx, int *del,
			    struct sbx_err *err);
	/* Dry run: nothing is written; the id is computed all the same. */
	int dry_run;
};

/* Chunks the byte stream RD yields into W: small streams are one chunk,
 * larger ones go through FastCDC.  Fills IDS with the chunk ids (32 bytes
 * each) and *SIZE with the byte count.  SCRATCH is a buffer the caller keeps
 * across calls (1 MiB). */
int sbx_chunk_stream(struct sbx_writer *w,
		     ssize_t (*rd)(void *ctx, void *buf, size_t n, struct sbx_err *err), void *ctx,
		     struct sbx_buf *scratch, struct sbx_buf *ids, uint64_t *size, struct sbx_err *err);

/* Reads the current file of SRC whole (into IN), passes it through FN into
 * OUT, and stores OUT's bytes through W (IDS, *SIZE as for
 * sbx_chunk_stream).  Files over 2 GiB are refused. */
int sbx_capture_through(struct sbx_source *src, const char *path, struct sbx_writer *w,
			int (*fn)(void *ctx, const char *path, const void *in, size_t n,
				  struct sbx_buf *out, struct sbx_err *err),
			void *ctx, struct sbx_buf *in, struct sbx_buf *out, struct sbx_buf *ids,
			uint64_t *size, struct sbx_err *err);

/* Opens SOURCE as a directory walk or an archive ("-": stdin). */
int sbx_source_open(const char *source, struct sbx_source **src, struct sbx_err *err);

/* Captures SRC into S; see sbx_snapshot_capture.  FILTER may be NULL. */
int sbx_capture_from(struct sbx_store *s, struct sbx_source *src, const char *source_name,
		     const struct sbx_capture_opts *o, const struct sbx_capture_filter *filter,
		     struct sbx_capture_result *res, struct sbx_err *err);

/* Writes the tree objects listed in TREES (id[32], u32 length, encoding)
 * into TXN, keeping existing ones. */
int sbx_trees_commit(struct sbx_store *s, MDB_txn *txn, const struct sbx_buf *trees,
		     struct sbx_err *err);

/* Builds a snapshot record (JSON text, caller frees). */
char *sbx_snapshot_make_record(const char *id, const char *source, const char *message,
			       const char *const *labels, size_t nlabels,
			       const struct sbx_capture_result *res, json_t *extra);

/* sbx_time_iso formats times for records. */
#include "util/timeutil.h"

#endif
