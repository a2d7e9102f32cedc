/* The directory source: a depth-first walk that never follows symlinks and
 * notices files that change while they are read. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/source.h"
#include "snapshot/tree.h"
#include "util/fsutil.h"

struct frame {
	DIR *d;
	size_t plen;
};

struct dirsrc {
	struct sbx_source base;
	char *root;              /* absolute, for cache keys */
	struct frame *stack;
	size_t depth, cap;
	struct sbx_buf path;
	struct sbx_buf key;
	char target[PATH_MAX + 1];
	int rootfd;
	/* the current file */
	int dfd;                 /* its directory (borrowed from the stack) */
	char *fname;
	struct sbx_file_reader fr;
};

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void close_file(struct dirsrc *s)
{
	sbx_file_reader_close(&s->fr);
	free(s->fname);
	s->fname = NULL;
}

static int changed(const struct sbx_file_reader *fr, const struct stat *now)
{
	return (uint64_t)now->st_size != fr->size || (uint64_t)now->st_ino != fr->ino ||
	       (uint64_t)now->st_dev != fr->dev || ns_of(&now->st_mtim) != fr->mtime_ns ||
	       ns_of(&now->st_ctim) != fr->ctime_ns;
}

static int fr_changed(struct sbx_file_reader *fr, struct sbx_err *err)
{
	return sbx_err_set(err, SBX_EFAIL, "'%s' changed while being captured; "
			   "capture again when the source is quiet", fr->path);
}

/* Takes FD for FR and checks it is the file the walk saw. */
static int fr_adopt(struct sbx_file_reader *fr, int fd, struct sbx_err *err)
{
	struct stat now;

	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP || errno == EXDEV)
			return fr_changed(fr, err);
		return sbx_err_sys(err, SBX_EIO, "cannot open '%s'", fr->path);
	}
	fr->fd = fd;
	if (fstat(fd, &now) < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", fr->path);
	if (changed(fr, &now))
		return fr_changed(fr, err);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

ssize_t sbx_file_reader_read(struct sbx_file_reader *fr, void *buf, size_t n, struct sbx_err *err)
{
	struct stat now;
	ssize_t r;

	do
		r = read(fr->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot read '%s'", fr->path);
	fr->nread += (uint64_t)r;
	if (r == 0 || fr->nread > fr->size) {
		if (fstat(fr->fd, &now) < 0)
			return sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", fr->path);
		if (changed(fr, &now) || fr->nread != fr->size)
			return fr_changed(fr, err);
	}
	return r;
}

void sbx_file_reader_close(struct sbx_file_reader *fr)
{
	if (fr->fd >= 0)
		close(fr->fd);
	fr->fd = -1;
	free(fr->path);
	fr->path = NULL;
}

static void fr_init(struct sbx_file_reader *fr, const struct sbx_source_entry *e)
{
	fr->fd = -1;
	fr->path = sbx_xstrdup(e->path);
	fr->dev = e->dev;
	fr->ino = e->ino;
	fr->size = e->size;
	fr->mtime_ns = e->mtime_ns;
	fr->ctime_ns = e->ctime_ns;
	fr->nread = 0;
}

static int push(struct dirsrc *s, int fd, struct sbx_err *err)
{
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return sbx_err_sys(err, SBX_EIO, "cannot read directory '%s'",
				   s->path.len ? s->path.data : s->base.name);
	}
	if (s->depth == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->stack = sbx_xrealloc(s->stack, s->cap * sizeof *s->stack);
	}
	s->stack[s->depth].d = d;
	s->stack[s->depth].plen = s->path.len;
	s->depth++;
	return 0;
}

static int dir_next(struct sbx_source *src, struct sbx_source_entry *e, struct sbx_err *err)
{
	struct dirsrc *s = (struct dirsrc *)src;

	close_file(s);
	while (s->depth) {
		struct frame *f = &s->stack[s->depth - 1];
		int dfd = dirfd(f->d);
		struct dirent *de;
		struct stat st;

		s->path.len = f->plen;
		s->path.data[s->path.len] = '\0';
		errno = 0;
		de = readdir(f->d);
		if (!de) {
			if (errno)
				return sbx_err_sys(err, SBX_EIO, "cannot read directory '%s'",
						   s->path.len ? s->path.data : s->base.name);
			closedir(f->d);
			s->depth--;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (s->path.len)
			sbx_buf_addc(&s->path, '/');
		sbx_buf_adds(&s->path, de->d_name);
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) {
				sbx_buf_addf(&s->base.warnings, "'%s' vanished during the capture; not captured\n",
					     s->path.data);
				continue;
			}
			return sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", s->path.data);
		}
		memset(e, 0, sizeof *e);
		e->path = s->path.data;
		e->mode = st.st_mode & 07777;
		e->mtime_ns = ns_of(&st.st_mtim);
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int r;

			if (fd < 0)
				return sbx_err_sys(err, SBX_EIO, "cannot open directory '%s'", s->path.data);
			r = push(s, fd, err);
			if (r)
				return r;
			e->type = SBX_T_DIR;
			return 1;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(dfd, de->d_name, s->target, sizeof s->target - 1);

			if (n < 0)
				return sbx_err_sys(err, SBX_EIO, "cannot read symlink '%s'", s->path.data);
			s->target[n] = '\0';
			e->type = SBX_T_SYMLINK;
			e->target = s->target;
			return 1;
		}
		if (S_ISREG(st.st_mode)) {
			e->type = SBX_T_FILE;
			e->size = (uint64_t)st.st_size;
			e->dev = (uint64_t)st.st_dev;
			e->ino = (uint64_t)st.st_ino;
			e->ctime_ns = ns_of(&st.st_ctim);
			sbx_buf_reset(&s->key);
			sbx_buf_addf(&s->key, "%s/%s", s->root, s->path.data);
			e->cache_key = s->key.data;
			s->dfd = dfd;
			s->fname = sbx_xstrdup(de->d_name);
			fr_init(&s->fr, e);
			return 1;
		}
		sbx_buf_addf(&s->base.warnings, "'%s' is not a file, directory or symlink; not captured\n",
			     s->path.data);
	}
	return 0;
}

static ssize_t dir_read(struct sbx_source *src, void *buf, size_t n, struct sbx_err *err)
{
	struct dirsrc *s = (struct dirsrc *)src;

	if (s->fr.fd < 0) {
		int r = fr_adopt(&s->fr, openat(s->dfd, s->fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), err);

		if (r)
			return r;
	}
	return sbx_file_reader_read(&s->fr, buf, n, err);
}

static int dir_open_file(struct sbx_source *src, const struct sbx_source_entry *e,
			 struct sbx_file_reader *fr, struct sbx_err *err)
{
	struct dirsrc *s = (struct dirsrc *)src;

	fr_init(fr, e);
	return fr_adopt(fr, sbx_open_beneath(s->rootfd, e->path, O_RDONLY, 0), err);
}

static void dir_skip(struct sbx_source *src)
{
	close_file((struct dirsrc *)src);
}

static void dir_close(struct sbx_source *src)
{
	struct dirsrc *s = (struct dirsrc *)src;

	close_file(s);
	while (s->depth)
		closedir(s->stack[--s->depth].d);
	free(s->stack);
	free(s->root);
	if (s->rootfd >= 0)
		close(s->rootfd);
	sbx_buf_release(&s->path);
	sbx_buf_release(&s->key);
	sbx_buf_release(&s->base.warnings);
	free(s);
}

static const struct sbx_source_ops dir_ops = {
	.next = dir_next,
	.read = dir_read,
	.skip = dir_skip,
	.close = dir_close,
	.open_file = dir_open_file,
};

int sbx_source_dir_open(const char *path, struct sbx_source **out, struct sbx_err *err)
{
	struct dirsrc *s = sbx_xcalloc(1, sizeof *s);
	char *abs = realpath(path, NULL);
	int fd, r;

	*out = NULL;
	s->base.ops = &dir_ops;
	s->base.name = path;
	s->base.start_ns = sbx_now_ns();
	s->base.unique_paths = 1;
	s->fr.fd = -1;
	s->rootfd = -1;
	sbx_buf_grow(&s->path, 256);
	if (!abs) {
		r = sbx_err_sys(err, errno == ENOENT ? SBX_ENOTFOUND : SBX_EIO, "cannot open '%s'", path);
		goto fail;
	}
	s->root = abs;
	fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot open directory '%s'", path);
		goto fail;
	}
	s->rootfd = dup(fd);
	r = push(s, fd, err);
	if (r)
		goto fail;
	if (s->rootfd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot open directory '%s'", path);
		goto fail;
	}
	*out = &s->base;
	return 0;
fail:
	dir_close(&s->base);
	return r;
}

void sbx_source_close(struct sbx_source *src)
{
	if (src)
		src->ops->close(src);
}
