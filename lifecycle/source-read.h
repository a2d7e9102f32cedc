/* Reading a few files of a source (a directory or an archive) straight from
 * it, without capturing it: what `sbx promote` needs of production's raw
 * bytes, which must never go into the store. */
#ifndef SBX_SOURCE_READ_H
#define SBX_SOURCE_READ_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/buf.h"
#include "sbx/err.h"

/* A file wanted from the source. */
struct sbx_source_file {
	const char *path;        /* normalised, '/'-separated, relative (borrowed) */
	int present;             /* set: the source holds it as a regular file */
	struct sbx_buf data;     /* its bytes (the caller initialises and releases) */
};

/* Reads the files F[0..N) (sorted by path, bytewise) from SOURCE: beneath a
 * directory, each component opened with O_NOFOLLOW (a symlink on the way is
 * SBX_EINVAL); from an archive, in one pass of libarchive.  A path the
 * source does not hold is left absent.  Files over 64 MiB are SBX_ENOTSUP.
 * Errors: SBX_EIO (the system's message), SBX_EINVAL (libarchive's). */
int sbx_source_read_files(const char *source, struct sbx_source_file *f, size_t n,
			  struct sbx_err *err);

#endif
