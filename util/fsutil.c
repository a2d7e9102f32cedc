#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "sbx/buf.h"
#include "util/fsutil.h"

int sbx_mkdir_p(const char *path, mode_t mode, struct sbx_err *err)
{
	char *p = sbx_xstrdup(path);
	char *s;
	int r = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				r = sbx_err_sys(err, SBX_EIO, "cannot create directory '%s'", p);
				goto out;
			}
			*s = c;
			if (!c)
				break;
		}
	}
out:
	free(p);
	return r;
}

int sbx_fsync_dir(const char *path, struct sbx_err *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot open directory '%s'", path);
	if (fsync(fd) < 0) {
		int r = sbx_err_sys(err, SBX_EIO, "cannot fsync directory '%s'", path);

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

int sbx_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t sbx_pread_all(int fd, void *p, size_t n, off_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)p + done, n - done, off + (off_t)done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int sbx_read_file(const char *path, size_t limit, char **out, size_t *len,
		  struct sbx_err *err)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return sbx_err_sys(err, errno == ENOENT ? SBX_ENOTFOUND : SBX_EIO,
				   "cannot open '%s'", path);
	for (;;) {
		ssize_t n;

		sbx_buf_grow(&b, 65536);
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = sbx_err_sys(err, SBX_EIO, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
		if (b.len > limit) {
			r = sbx_err_set(err, SBX_EINVAL, "'%s' is larger than %zu bytes", path, limit);
			goto out;
		}
	}
	if (!b.data)
		sbx_buf_grow(&b, 0);
	*out = sbx_buf_detach(&b, len);
out:
	close(fd);
	sbx_buf_release(&b);
	return r;
}

int sbx_dir_is_empty(const char *path, struct sbx_err *err)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int r = 1;

	if (!d) {
		if (errno == ENOENT)
			return -ENOENT;
		return sbx_err_sys(err, SBX_EIO, "cannot open directory '%s'", path);
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			r = 0;
			break;
		}
	}
	closedir(d);
	return r;
}

int64_t sbx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int open_walk(int dirfd, const char *path, int flags, mode_t mode)
{
	char *p = sbx_xstrdup(path), *s = p, *slash;
	int fd = dirfd, next, saved;

	while ((slash = strchr(s, '/'))) {
		*slash = '\0';
		next = openat(fd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (fd != dirfd)
			close(fd);
		if (next < 0) {
			free(p);
			errno = saved;
			return -1;
		}
		fd = next;
		s = slash + 1;
	}
	next = openat(fd, s, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	saved = errno;
	if (fd != dirfd)
		close(fd);
	free(p);
	errno = saved;
	return next;
}

int sbx_open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
#ifdef SYS_openat2
	static int have_openat2 = 1;

	if (__atomic_load_n(&have_openat2, __ATOMIC_RELAXED)) {
		struct open_how how;
		long fd;

		memset(&how, 0, sizeof how);
		how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW);
		how.mode = (flags & O_CREAT) ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		__atomic_store_n(&have_openat2, 0, __ATOMIC_RELAXED);
	}
#endif
	return open_walk(dirfd, path, flags, mode);
}

static int rm_at(int dirfd, const char *name, struct sbx_err *err)
{
	struct stat st;
	int fd, r = 0;
	DIR *d;
	struct dirent *e;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return sbx_err_sys(err, SBX_EIO, "cannot remove '%s'", name);
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot open '%s'", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sbx_err_sys(err, SBX_EIO, "cannot read '%s'", name);
	}
	while (!r && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = rm_at(fd, e->d_name, err);
	closedir(d);
	if (!r && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = sbx_err_sys(err, SBX_EIO, "cannot remove directory '%s'", name);
	return r;
}

int sbx_rm_rf(const char *path, struct sbx_err *err)
{
	return rm_at(AT_FDCWD, path, err);
}

static int copy_file(const char *from, const char *to, const struct stat *st,
		     int (*fn)(void *ctx, const char *path, const void *in, size_t n,
			       struct sbx_buf *out, struct sbx_err *err),
		     void *ctx, struct sbx_err *err)
{
	int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, r = 0, w = 0;
	struct sbx_buf data = SBX_BUF_INIT, repl = SBX_BUF_INIT;
	struct timespec ts[2];

	if (in < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot open '%s'", from);
	if (fn) {
		for (;;) {
			ssize_t n;

			sbx_buf_grow(&data, 1 << 20);
			n = read(in, data.data + data.len, data.cap - data.len - 1);
			if (n < 0) {
				r = sbx_err_sys(err, SBX_EIO, "cannot read '%s'", from);
				goto out;
			}
			if (n == 0)
				break;
			data.len += (size_t)n;
		}
		w = fn(ctx, from, data.data ? data.data : "", data.len, &repl, err);
		if (w < 0) {
			r = w;
			goto out;
		}
		lseek(in, 0, SEEK_SET);
	}
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", to);
		goto out;
	}
	if (w) {
		if (repl.len && sbx_write_all(out, repl.data, repl.len) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", to);
	} else {
		for (;;) {
			ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

			if (n < 0) {
				r = sbx_err_sys(err, SBX_EIO, "cannot copy '%s'", from);
				goto out;
			}
			if (n == 0)
				break;
		}
	}
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (!r && (fchmod(out, st->st_mode & 07777) < 0 || futimens(out, ts) < 0))
		r = sbx_err_sys(err, SBX_EIO, "cannot set the mode of '%s'", to);
out:
	close(in);
	if (out >= 0)
		close(out);
	sbx_buf_release(&data);
	sbx_buf_release(&repl);
	return r;
}

int sbx_copy_tree_with(const char *from, const char *to,
		       int (*fn)(void *ctx, const char *path, const void *in, size_t n,
				 struct sbx_buf *out, struct sbx_err *err),
		       void *ctx, struct sbx_err *err)
{
	DIR *d = opendir(from);
	struct dirent *e;
	struct stat dst;
	int r = 0;

	if (!d)
		return sbx_err_sys(err, SBX_EIO, "cannot read directory '%s'", from);
	if (mkdir(to, 0755) < 0 && errno != EEXIST) {
		closedir(d);
		return sbx_err_sys(err, SBX_EIO, "cannot create '%s'", to);
	}
	while (!r && (e = readdir(d))) {
		struct sbx_buf a = SBX_BUF_INIT, b = SBX_BUF_INIT;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sbx_buf_addf(&a, "%s/%s", from, e->d_name);
		sbx_buf_addf(&b, "%s/%s", to, e->d_name);
		if (lstat(a.data, &st) < 0) {
			r = sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", a.data);
		} else if (S_ISDIR(st.st_mode)) {
			struct stat old;

			/* A file where the overlay has a directory gives way. */
			if (lstat(b.data, &old) == 0 && !S_ISDIR(old.st_mode))
				unlink(b.data);
			r = sbx_copy_tree_with(a.data, b.data, fn, ctx, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(a.data, target, sizeof target - 1);

			if (n < 0) {
				r = sbx_err_sys(err, SBX_EIO, "cannot read symlink '%s'", a.data);
			} else {
				struct timespec ts[2] = { st.st_atim, st.st_mtim };

				target[n] = '\0';
				sbx_rm_rf(b.data, err);
				if (symlink(target, b.data) < 0 ||
				    utimensat(AT_FDCWD, b.data, ts, AT_SYMLINK_NOFOLLOW) < 0)
					r = sbx_err_sys(err, SBX_EIO, "cannot create symlink '%s'", b.data);
			}
		} else if (S_ISREG(st.st_mode)) {
			struct stat old;

			if (lstat(b.data, &old) == 0 && S_ISDIR(old.st_mode))
				r = sbx_rm_rf(b.data, err);
			if (!r)
				r = copy_file(a.data, b.data, &st, fn, ctx, err);
		}
		sbx_buf_release(&a);
		sbx_buf_release(&b);
	}
	closedir(d);
	/* The directory's own mode and mtime, after its entries changed it. */
	if (!r && stat(from, &dst) == 0) {
		struct timespec ts[2] = { dst.st_atim, dst.st_mtim };

		if (chmod(to, dst.st_mode & 07777) < 0 || utimensat(AT_FDCWD, to, ts, 0) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot set the mode of '%s'", to);
	}
	return r;
}

int sbx_copy_tree(const char *from, const char *to, struct sbx_err *err)
{
	return sbx_copy_tree_with(from, to, NULL, NULL, err);
}

int sbx_reflink_supported(const char *dir)
{
	struct sbx_buf a = SBX_BUF_INIT, b = SBX_BUF_INIT;
	char block[4096];
	int fa, fb, ok = 0;

	memset(block, 'x', sizeof block);
	sbx_buf_addf(&a, "%s/.reflink-probe-a", dir);
	sbx_buf_addf(&b, "%s/.reflink-probe-b", dir);
	fa = open(a.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fb = open(b.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fa >= 0 && fb >= 0 && sbx_write_all(fa, block, sizeof block) == 0 && fsync(fa) == 0)
		ok = ioctl(fb, FICLONE, fa) == 0;
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	unlink(a.data);
	unlink(b.data);
	sbx_buf_release(&a);
	sbx_buf_release(&b);
	return ok;
}
