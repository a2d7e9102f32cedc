/* A capture source yields entries (paths, types, modes, mtimes) and the
 * bytes of each file.  A directory walk and a libarchive reader implement it,
 * so one capture engine serves both. */
#ifndef SBX_SOURCE_H
#define SBX_SOURCE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/buf.h"
#include "sbx/err.h"

struct sbx_source;

struct sbx_source_entry {
	const char *path;       /* normalised, relative; "" is the root */
	uint8_t type;           /* SBX_T_* */
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;          /* files: announced size */
	const char *target;     /* symlinks */
	const char *hardlink;   /* archives: same content as this earlier path */
	/* Directory sources fill these for the files cache. */
	const char *cache_key;  /* NULL: not cacheable */
	uint64_t dev, ino;
	int64_t ctime_ns;
};

/* Reads one file of a directory source and notices when it changes while
 * being read (size, inode, mtime or ctime differ from what the walk saw, or
 * the byte count does not match).  Usable on any thread. */
struct sbx_file_reader {
	int fd;
	char *path;             /* relative path, for messages (owned) */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint64_t nread;
};

/* Reads up to N bytes: count, 0 at the end, or an error. */
ssize_t sbx_file_reader_read(struct sbx_file_reader *fr, void *buf, size_t n, struct sbx_err *err);
void sbx_file_reader_close(struct sbx_file_reader *fr);

struct sbx_source_ops {
	/* Fills E with the next entry (valid until the next call): 1, 0 at the
	 * end, or an error. */
	int (*next)(struct sbx_source *src, struct sbx_source_entry *e, struct sbx_err *err);
	/* Reads the current file's bytes: count, 0 at its end, or an error.
	 * A source that sees the file change while reading fails here. */
	ssize_t (*read)(struct sbx_source *src, void *buf, size_t n, struct sbx_err *err);
	/* Skips the rest of the current file (the files cache had it). */
	void (*skip)(struct sbx_source *src);
	void (*close)(struct sbx_source *src);
	/* Optional (directory sources): opens the file of entry E (the current
	 * one) in FR, to be read on any thread while the walk goes on. */
	int (*open_file)(struct sbx_source *src, const struct sbx_source_entry *e,
			 struct sbx_file_reader *fr, struct sbx_err *err);
};

struct sbx_source {
	const struct sbx_source_ops *ops;
	const char *name;        /* for messages */
	struct sbx_buf warnings; /* lines the capture reports */
	int64_t start_ns;        /* when the scan began (racy-timestamp rule) */
	int unique_paths;        /* each path once, parents first (a walk) */
};

/* Opens a directory walk of PATH. */
int sbx_source_dir_open(const char *path, struct sbx_source **out, struct sbx_err *err);
struct archive;

/* Enables on reader A the archive formats and compression filters sbx
 * reads (tar, cpio, zip -- SEEKABLE: from a file, not a pipe -- through
 * gzip, bzip2, xz, lzma, zstd or compress), all built into libarchive:
 * never archive_read_support_filter_all, which runs external programs
 * found on $PATH for some inputs. */
void sbx_archive_read_support(struct archive *a, int seekable);

/* Opens an archive (PATH, or "-" for stdin) through libarchive. */
int sbx_source_archive_open(const char *path, struct sbx_source **out, struct sbx_err *err);

/* Closes SRC; accepts NULL. */
void sbx_source_close(struct sbx_source *src);

#endif
