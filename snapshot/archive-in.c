/* The archive source: any tar, zip or cpio archive, plain or compressed, read
 * through libarchive and treated as hostile. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "snapshot/builder.h"
#include "snapshot/source.h"
#include "snapshot/tree.h"
#include "util/fsutil.h"
#include "util/timeutil.h"

/* An archive that expands past both bounds is refused as a likely bomb. */
#define BOMB_MIN_BYTES ((uint64_t)1 << 30)
#define BOMB_RATIO 1000
#define MAX_ENTRIES 10000000

struct arcsrc {
	struct sbx_source base;
	struct archive *a;
	char *path;
	char *hardlink;
	char *target;
	uint64_t expanded;
	uint64_t entries;
};

static int arc_error(struct arcsrc *s, struct sbx_err *err)
{
	const char *m = archive_error_string(s->a);

	return sbx_err_set(err, SBX_EINVAL, "%s: %s", s->base.name,
			   m ? m : "unreadable archive");
}

static int arc_next(struct sbx_source *src, struct sbx_source_entry *e, struct sbx_err *err)
{
	struct arcsrc *s = (struct arcsrc *)src;

	for (;;) {
		struct archive_entry *ae;
		const char *p, *h, *t;
		int rc = archive_read_next_header(s->a, &ae);
		unsigned ft;
		int r;

		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN)
			return arc_error(s, err);
		if (++s->entries > MAX_ENTRIES)
			return sbx_err_set(err, SBX_EINVAL, "%s: more than %d entries; refusing",
					   s->base.name, MAX_ENTRIES);
		p = archive_entry_pathname(ae);
		if (!p)
			return sbx_err_set(err, SBX_EINVAL, "%s: entry %llu has no path",
					   s->base.name, (unsigned long long)s->entries);
		free(s->path);
		s->path = sbx_xstrdup(p);
		r = sbx_path_normalise(s->path, err);
		if (r)
			return r;
		memset(e, 0, sizeof *e);
		e->path = s->path;
		e->mode = archive_entry_perm(ae) & 07777;
		e->mtime_ns = 0;
		if (archive_entry_mtime_is_set(ae) &&
		    sbx_ns_from_sec((int64_t)archive_entry_mtime(ae), archive_entry_mtime_nsec(ae),
				    &e->mtime_ns))
			return sbx_err_set(err, SBX_EINVAL, "%s: entry '%s' has an mtime out of range",
					   s->base.name, s->path);
		h = archive_entry_hardlink(ae);
		if (h) {
			struct sbx_err herr = { 0 };

			free(s->hardlink);
			s->hardlink = sbx_xstrdup(h);
			if (sbx_path_normalise(s->hardlink, &herr))
				return sbx_err_set(err, SBX_EINVAL, "%s: hard link '%s' names '%s', which is "
						   "not a path inside the archive", s->base.name, s->path, h);
			e->type = SBX_T_FILE;
			e->hardlink = s->hardlink;
			return 1;
		}
		ft = archive_entry_filetype(ae);
		switch (ft) {
		case AE_IFREG:
			e->type = SBX_T_FILE;
			e->size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
			return 1;
		case AE_IFDIR:
			e->type = SBX_T_DIR;
			return 1;
		case AE_IFLNK:
			t = archive_entry_symlink(ae);
			if (!t || !*t)
				return sbx_err_set(err, SBX_EINVAL, "%s: symlink '%s' has no target",
						   s->base.name, s->path);
			free(s->target);
			s->target = sbx_xstrdup(t);
			e->type = SBX_T_SYMLINK;
			e->target = s->target;
			return 1;
		default:
			sbx_buf_addf(&s->base.warnings,
				     "'%s' in %s is not a file, directory or symlink; not captured\n",
				     s->path, s->base.name);
			archive_read_data_skip(s->a);
		}
	}
}

static ssize_t arc_read(struct sbx_source *src, void *buf, size_t n, struct sbx_err *err)
{
	struct arcsrc *s = (struct arcsrc *)src;
	la_ssize_t r = archive_read_data(s->a, buf, n);

	if (r < 0)
		return arc_error(s, err);
	s->expanded += (uint64_t)r;
	if (s->expanded > BOMB_MIN_BYTES) {
		la_int64_t raw = archive_filter_bytes(s->a, -1);

		if (raw <= 0 || s->expanded / (uint64_t)raw > BOMB_RATIO)
			return sbx_err_set(err, SBX_EINVAL,
					   "%s: expands more than %d times its size; refusing a likely "
					   "archive bomb (at '%s')", s->base.name, BOMB_RATIO, s->path);
	}
	return r;
}

static void arc_skip(struct sbx_source *src)
{
	archive_read_data_skip(((struct arcsrc *)src)->a);
}

static void arc_close(struct sbx_source *src)
{
	struct arcsrc *s = (struct arcsrc *)src;

	if (s->a)
		archive_read_free(s->a);
	free(s->path);
	free(s->hardlink);
	free(s->target);
	sbx_buf_release(&s->base.warnings);
	free(s);
}

static const struct sbx_source_ops arc_ops = {
	.next = arc_next,
	.read = arc_read,
	.skip = arc_skip,
	.close = arc_close,
};

void sbx_archive_read_support(struct archive *a, int seekable)
{
	/* Only the formats and filters sbx needs: most libarchive CVEs are in
	 * other readers, and filter_all would run external programs (lrzip,
	 * lzop, grzip) found on $PATH for some inputs.  These filters are all
	 * built into libarchive. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_compress(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_cpio(a);
	if (seekable)
		archive_read_support_format_zip_seekable(a);
	else
		archive_read_support_format_zip_streamable(a);
}

int sbx_source_archive_open(const char *path, struct sbx_source **out, struct sbx_err *err)
{
	struct arcsrc *s = sbx_xcalloc(1, sizeof *s);
	int stdin_ = !strcmp(path, "-");
	int rc;

	*out = NULL;
	s->base.ops = &arc_ops;
	s->base.name = stdin_ ? "stdin" : path;
	s->base.start_ns = sbx_now_ns();
	s->a = archive_read_new();
	if (!s->a)
		abort();
	sbx_archive_read_support(s->a, !stdin_);
	if (stdin_)
		rc = archive_read_open_fd(s->a, 0, 65536);
	else
		rc = archive_read_open_filename(s->a, path, 65536);
	if (rc != ARCHIVE_OK) {
		int r = arc_error(s, err);

		arc_close(&s->base);
		return r;
	}
	*out = &s->base;
	return 0;
}
