/* The file pool: threads that read, chunk and hash the files of a directory
 * capture while the main thread walks on, so that capture uses every core
 * for more than compression. */
#ifndef SBX_FILEPOOL_H
#define SBX_FILEPOOL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include "sbx/snapshot.h"
#include "snapshot/builder.h"
#include "snapshot/source.h"
#include "snapshot/writer.h"

struct sbx_filepool;

/* Starts the pool.  Files it reads are stored through W; their files cache
 * entries are appended to FCACHE and their bytes added to RES->bytes. */
struct sbx_filepool *sbx_filepool_new(struct sbx_source *src, struct sbx_writer *w,
				      struct sbx_buf *fcache, struct sbx_capture_result *res);

/* Queues the file of entry E (the source's current entry) for node N.
 * Returns the first error a pool thread hit, if any. */
int sbx_filepool_add(struct sbx_filepool *p, struct sbx_node *n, const struct sbx_source_entry *e,
		     struct sbx_err *err);

/* Bytes read so far (for progress). */
uint64_t sbx_filepool_bytes(struct sbx_filepool *p);

/* Waits for every queued file and ends the threads; returns their first
 * error.  Frees P. */
int sbx_filepool_finish(struct sbx_filepool *p, struct sbx_err *err);

#endif
