/* Production's own bytes of a few paths, read from the source directly
 * (lifecycle/source-read.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lifecycle/source-read.h"
#include "snapshot/builder.h"
#include "snapshot/source.h"
#include "util/fsutil.h"

#define MAX_FILE ((int64_t)64 << 20)

static int cmp_file(const void *k, const void *e)
{
	return strcmp((const char *)k, ((const struct sbx_source_file *)e)->path);
}

static struct sbx_source_file *find(struct sbx_source_file *f, size_t n, const char *path)
{
	return n ? bsearch(path, f, n, sizeof *f, cmp_file) : NULL;
}

/* Reads FD whole into OUT. */
static int slurp(int fd, const char *what, struct sbx_buf *out, struct sbx_err *err)
{
	char tmp[65536];

	for (;;) {
		ssize_t k = read(fd, tmp, sizeof tmp);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sbx_err_sys(err, SBX_EIO, "cannot read '%s'", what);
		if (!k)
			return 0;
		if ((int64_t)(out->len + (size_t)k) > MAX_FILE)
			return sbx_err_set(err, SBX_ENOTSUP, "'%s' is larger than 64 MiB", what);
		sbx_buf_add(out, tmp, (size_t)k);
	}
}

/* Opens PATH beneath directory DIR, no component a symlink: returns the fd,
 * or -1 when PATH is absent or not a regular file (*R 0) or on an error (*R
 * its code). */
static int open_beneath(int dir, const char *source, const char *path, int *r,
			struct sbx_err *err)
{
	int fd = sbx_open_beneath(dir, path, O_RDONLY | O_NONBLOCK, 0);
	struct stat st;

	*r = 0;
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV)
			*r = sbx_err_set(err, SBX_EINVAL, "'%s' in '%s' goes through a symlink or a "
					 "non-directory; refusing", path, source);
		else if (errno != ENOENT)
			*r = sbx_err_sys(err, SBX_EIO, "cannot open '%s' in '%s'", path, source);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int from_dir(const char *source, struct sbx_source_file *f, size_t n, struct sbx_err *err)
{
	int dir = open(source, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	size_t i;

	if (dir < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot open '%s'", source);
	for (i = 0; i < n && !r; i++) {
		int fd = open_beneath(dir, source, f[i].path, &r, err);

		if (fd < 0)
			continue;
		f[i].present = 1;
		r = slurp(fd, f[i].path, &f[i].data, err);
		close(fd);
	}
	close(dir);
	return r;
}

static int from_archive(const char *source, struct sbx_source_file *f, size_t n,
			struct sbx_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	char *path = NULL;
	int r = 0, rc;

	if (!a)
		abort();
	sbx_archive_read_support(a, 1);
	if (archive_read_open_filename(a, source, 65536) != ARCHIVE_OK) {
		r = sbx_err_set(err, SBX_EINVAL, "%s: %s", source, archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		struct sbx_source_file *hit;
		struct sbx_err ignore = { 0 };
		const char *p;

		if (rc < ARCHIVE_WARN) {
			r = sbx_err_set(err, SBX_EINVAL, "%s: %s", source, archive_error_string(a));
			goto out;
		}
		p = archive_entry_pathname(ae);
		if (!p || archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae))
			continue;
		free(path);
		path = sbx_xstrdup(p);
		if (sbx_path_normalise(path, &ignore) || !(hit = find(f, n, path)))
			continue;
		if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > MAX_FILE) {
			r = sbx_err_set(err, SBX_ENOTSUP, "'%s' is larger than 64 MiB", path);
			goto out;
		}
		/* The last entry of a path wins, as when the archive is unpacked. */
		hit->present = 1;
		hit->data.len = 0;
		for (;;) {
			char tmp[65536];
			la_ssize_t k = archive_read_data(a, tmp, sizeof tmp);

			if (k < 0) {
				r = sbx_err_set(err, SBX_EINVAL, "%s: %s", source,
						archive_error_string(a));
				goto out;
			}
			if (!k)
				break;
			if ((int64_t)(hit->data.len + (size_t)k) > MAX_FILE) {
				r = sbx_err_set(err, SBX_ENOTSUP, "'%s' is larger than 64 MiB", path);
				goto out;
			}
			sbx_buf_add(&hit->data, tmp, (size_t)k);
		}
	}
out:
	free(path);
	archive_read_free(a);
	return r;
}

int sbx_source_read_files(const char *source, struct sbx_source_file *f, size_t n,
			  struct sbx_err *err)
{
	struct stat st;

	if (stat(source, &st))
		return sbx_err_sys(err, SBX_EIO, "cannot read '%s'", source);
	return S_ISDIR(st.st_mode) ? from_dir(source, f, n, err) : from_archive(source, f, n, err);
}
