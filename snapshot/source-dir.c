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
	/* the current file */
	int dfd;                 /* its directory (borrowed from the stack) */
	char *fname;
	struct stat st;
	int fd;
	uint64_t nread;
};

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void close_file(struct dirsrc *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->fname);
	s->fname = NULL;
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
			s->st = st;
			s->nread = 0;
			return 1;
		}
		sbx_buf_addf(&s->base.warnings, "'%s' is not a file, directory or symlink; not captured\n",
			     s->path.data);
	}
	return 0;
}

static int changed(const struct stat *a, const struct stat *b)
{
	return a->st_size != b->st_size || a->st_ino != b->st_ino ||
	       ns_of(&a->st_mtim) != ns_of(&b->st_mtim) || ns_of(&a->st_ctim) != ns_of(&b->st_ctim);
}

static ssize_t dir_read(struct sbx_source *src, void *buf, size_t n, struct sbx_err *err)
{
	struct dirsrc *s = (struct dirsrc *)src;
	struct stat now;
	ssize_t r;

	if (s->fd < 0) {
		s->fd = openat(s->dfd, s->fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s->fd < 0) {
			if (errno == ENOENT)
				return sbx_err_set(err, SBX_EFAIL, "'%s' vanished while being captured; "
						   "capture again when the source is quiet", s->path.data);
			return sbx_err_sys(err, SBX_EIO, "cannot open '%s'", s->path.data);
		}
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	do
		r = read(s->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot read '%s'", s->path.data);
	s->nread += (uint64_t)r;
	if (r == 0 || s->nread > (uint64_t)s->st.st_size) {
		if (fstat(s->fd, &now) < 0)
			return sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", s->path.data);
		if (changed(&s->st, &now) || s->nread != (uint64_t)s->st.st_size)
			return sbx_err_set(err, SBX_EFAIL, "'%s' changed while being captured; "
					   "capture again when the source is quiet", s->path.data);
	}
	return r;
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
	s->fd = -1;
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
	r = push(s, fd, err);
	if (r)
		goto fail;
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
