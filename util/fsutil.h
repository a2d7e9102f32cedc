/* Small file-system helpers with durable writes. */
#ifndef SBX_UTIL_FSUTIL_H
#define SBX_UTIL_FSUTIL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/buf.h"
#include "sbx/err.h"

/* Creates PATH and missing parents with MODE; existing directories are fine. */
int sbx_mkdir_p(const char *path, mode_t mode, struct sbx_err *err);
/* fsyncs the directory PATH so that renames and creations in it are durable. */
int sbx_fsync_dir(const char *path, struct sbx_err *err);
/* Writes all of P to FD, retrying on EINTR and short writes. */
int sbx_write_all(int fd, const void *p, size_t n);
/* Reads up to N bytes at OFF; returns bytes read or -1 with errno. */
ssize_t sbx_pread_all(int fd, void *p, size_t n, off_t off);
/* Reads the whole file PATH (at most LIMIT bytes) into a malloc'd buffer
 * (NUL-terminated, caller frees). */
int sbx_read_file(const char *path, size_t limit, char **out, size_t *len,
		  struct sbx_err *err);
/* Returns 1 when PATH is a directory with no entries, 0 when it has some,
 * -ENOENT when it does not exist, or a negative SBX_E* code. */
int sbx_dir_is_empty(const char *path, struct sbx_err *err);
/* Nanoseconds since the epoch, from CLOCK_REALTIME. */
int64_t sbx_now_ns(void);

/* Opens PATH (relative, '/'-separated) beneath directory DIRFD without
 * following any symlink on the way (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW walk where openat2 is missing).
 * Returns a descriptor or -1 with errno. */
int sbx_open_beneath(int dirfd, const char *path, int flags, mode_t mode);

/* Copies the tree FROM over TO (created when missing): files replace
 * files, directories merge, symlinks are copied as symlinks, modes and
 * mtimes are kept. */
int sbx_copy_tree(const char *from, const char *to, struct sbx_err *err);

/* The same, FN deciding for each regular file: it gets the file's path and
 * bytes and returns 1 after filling OUT with new contents to write, 0 to
 * copy the file as it is (copy_file_range: a reflink on XFS and btrfs), or
 * a negative error. */
int sbx_copy_tree_with(const char *from, const char *to,
		       int (*fn)(void *ctx, const char *path, const void *in, size_t n,
				 struct sbx_buf *out, struct sbx_err *err),
		       void *ctx, struct sbx_err *err);

/* Returns 1 when files in DIR can be cloned (FICLONE), else 0. */
int sbx_reflink_supported(const char *dir);

/* Removes PATH and everything beneath it, never following symlinks.
 * A missing PATH is fine. */
int sbx_rm_rf(const char *path, struct sbx_err *err);

#endif
