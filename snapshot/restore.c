/* Restore: writes a snapshot's exact tree beneath an empty directory.  The
 * main thread creates directories and symlinks; worker threads write files,
 * each opened beneath the target without following symlinks; directory modes
 * and mtimes are set last, deepest first. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/snapshot.h"
#include "snapshot/read.h"
#include "util/fsutil.h"

#define MAX_WORKERS 4

struct fjob {
	char *path;
	struct sbx_tree_entry e;      /* chunks owned (copied) */
};

struct djob {
	char *path;
	uint32_t mode;
	int64_t mtime_ns;
};

struct restore {
	struct sbx_store *s;
	int rootfd;
	const struct sbx_progress *p;
	const struct sbx_content_filter *filter;
	struct fjob *files;
	size_t nfiles, capfiles;
	struct djob *dirs;
	size_t ndirs, capdirs;
	uint64_t total_bytes;
	/* shared with workers */
	pthread_mutex_t mu;
	size_t next, done;
	uint64_t done_bytes;
	struct sbx_err werr;
};

static struct timespec ts_of(int64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	if (t.tv_nsec < 0) {
		t.tv_nsec += 1000000000;
		t.tv_sec--;
	}
	return t;
}

static char *join(const char *dir, const char *name)
{
	struct sbx_buf b = SBX_BUF_INIT;

	if (*dir)
		sbx_buf_addf(&b, "%s/", dir);
	sbx_buf_adds(&b, name);
	return sbx_buf_detach(&b, NULL);
}

static int walk(struct restore *rs, MDB_txn *txn, const uint8_t id[32], const char *rel,
		struct sbx_err *err)
{
	struct sbx_tree t;
	size_t i;
	int r = sbx_tree_load(rs->s, txn, id, &t, err);

	if (r)
		return r;
	for (i = 0; !r && i < t.n; i++) {
		const struct sbx_tree_entry *e = &t.e[i];
		char *path = join(rel, e->name);

		switch (e->type) {
		case SBX_T_DIR:
			if (mkdirat(rs->rootfd, path, 0700) < 0) {
				r = sbx_err_sys(err, SBX_EIO, "cannot create directory '%s'", path);
				free(path);
				break;
			}
			if (rs->ndirs == rs->capdirs) {
				rs->capdirs = rs->capdirs ? 2 * rs->capdirs : 64;
				rs->dirs = sbx_xrealloc(rs->dirs, rs->capdirs * sizeof *rs->dirs);
			}
			rs->dirs[rs->ndirs].path = path;
			rs->dirs[rs->ndirs].mode = e->mode;
			rs->dirs[rs->ndirs].mtime_ns = e->mtime_ns;
			rs->ndirs++;
			r = walk(rs, txn, e->subtree, path, err);
			break;
		case SBX_T_SYMLINK: {
			struct timespec ts[2] = { ts_of(e->mtime_ns), ts_of(e->mtime_ns) };

			/* The parent was made by this restore and no component of
			 * REL is a symlink, so the *at calls stay beneath the root. */
			if (symlinkat(e->target, rs->rootfd, path) < 0 ||
			    utimensat(rs->rootfd, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
				r = sbx_err_sys(err, SBX_EIO, "cannot create symlink '%s'", path);
			free(path);
			break;
		}
		default: {
			struct fjob *f;

			if (rs->nfiles == rs->capfiles) {
				rs->capfiles = rs->capfiles ? 2 * rs->capfiles : 256;
				rs->files = sbx_xrealloc(rs->files, rs->capfiles * sizeof *rs->files);
			}
			f = &rs->files[rs->nfiles++];
			f->path = path;
			f->e = *e;
			f->e.name = path;
			f->e.target = NULL;
			f->e.chunks = NULL;
			if (e->nchunks) {
				uint8_t *c = sbx_xmalloc((size_t)e->nchunks * 32);

				memcpy(c, e->chunks, (size_t)e->nchunks * 32);
				f->e.chunks = c;
			}
			rs->total_bytes += e->size;
		}
		}
	}
	sbx_tree_release(&t);
	return r;
}

/* Large files go through the filter in pieces ending at a newline, so that
 * memory stays bounded whatever the file's size. */
#define PIECE ((size_t)1 << 20)

static int filter_piece(struct restore *rs, const char *path, int fd, struct sbx_buf *whole,
			struct sbx_buf *out, struct sbx_err *err)
{
	char *nl = memrchr(whole->data, '\n', whole->len);
	size_t n = nl ? (size_t)(nl - whole->data) + 1 : 0;
	int r;

	if (!n)
		return 0;       /* no line end yet: keep reading */
	r = rs->filter->fn(rs->filter->ctx, path, whole->data, n, out, err);
	if (!r && out->len && sbx_write_all(fd, out->data, out->len) < 0)
		r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", path);
	memmove(whole->data, whole->data + n, whole->len - n);
	whole->len -= n;
	whole->data[whole->len] = '\0';
	return r;
}

static int write_one(struct restore *rs, MDB_txn *txn, struct sbx_pack_reader *rd,
		     const struct fjob *f, struct sbx_buf *scratch, struct sbx_err *err)
{
	struct timespec ts[2] = { ts_of(f->e.mtime_ns), ts_of(f->e.mtime_ns) };
	int fd = sbx_open_beneath(rs->rootfd, f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	int r;

	if (fd < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot create '%s'", f->path);
	if (rs->filter) {
		struct sbx_buf whole = SBX_BUF_INIT, out = SBX_BUF_INIT;
		uint32_t c;
		int binary = 0;

		r = 0;
		for (c = 0; !r && c < f->e.nchunks; c++) {
			struct sbx_chunk_loc loc;

			r = sbx_chunk_locate(rs->s, txn, f->e.chunks + 32 * c, &loc, err);
			if (!r)
				r = sbx_pack_read(rd, f->e.chunks + 32 * c, &loc, 1, scratch, err);
			if (r)
				break;
			if (c == 0 && rs->filter->text_only && memchr(scratch->data, '\0', scratch->len))
				binary = 1;
			if (binary) {
				if (sbx_write_all(fd, scratch->data, scratch->len) < 0)
					r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", f->path);
				continue;
			}
			sbx_buf_add(&whole, scratch->data, scratch->len);
			if (whole.len >= PIECE)
				r = filter_piece(rs, f->path, fd, &whole, &out, err);
		}
		if (!r && !binary)
			r = rs->filter->fn(rs->filter->ctx, f->path, whole.data ? whole.data : "",
					   whole.len, &out, err);
		if (!r && out.len && sbx_write_all(fd, out.data, out.len) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", f->path);
		sbx_buf_release(&whole);
		sbx_buf_release(&out);
	} else {
		r = sbx_file_write(rs->s, txn, rd, &f->e, fd, scratch, err);
	}
	if (!r && (fchmod(fd, f->e.mode) < 0 || futimens(fd, ts) < 0))
		r = sbx_err_sys(err, SBX_EIO, "cannot set the mode and mtime of '%s'", f->path);
	if (close(fd) < 0 && !r)
		r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", f->path);
	return r;
}

static void *worker(void *arg)
{
	struct restore *rs = arg;
	struct sbx_pack_reader *rd = sbx_pack_reader_new(rs->s->packdir);
	struct sbx_buf scratch = SBX_BUF_INIT;
	struct sbx_err e = { 0 };
	MDB_txn *txn = NULL;

	if (sbx_txn_begin(rs->s, MDB_RDONLY, &txn, &e))
		goto out;
	for (;;) {
		size_t i;

		pthread_mutex_lock(&rs->mu);
		i = rs->werr.code ? rs->nfiles : rs->next++;
		pthread_mutex_unlock(&rs->mu);
		if (i >= rs->nfiles)
			break;
		if (write_one(rs, txn, rd, &rs->files[i], &scratch, &e))
			break;
		pthread_mutex_lock(&rs->mu);
		rs->done++;
		rs->done_bytes += rs->files[i].e.size;
		if (rs->p && rs->p->fn)
			rs->p->fn(rs->p->ctx, "restore", rs->done, rs->nfiles, rs->done_bytes);
		pthread_mutex_unlock(&rs->mu);
	}
out:
	if (e.code) {
		pthread_mutex_lock(&rs->mu);
		if (!rs->werr.code)
			rs->werr = e;
		pthread_mutex_unlock(&rs->mu);
	}
	if (txn)
		mdb_txn_abort(txn);
	sbx_buf_release(&scratch);
	sbx_pack_reader_free(rd);
	return NULL;
}

int sbx_snapshot_restore(struct sbx_store *s, const char *id, const char *dir,
			 const struct sbx_progress *p, struct sbx_err *err)
{
	return sbx_snapshot_restore_filtered(s, id, dir, p, NULL, err);
}

int sbx_snapshot_restore_filtered(struct sbx_store *s, const char *id, const char *dir,
				  const struct sbx_progress *p, const struct sbx_content_filter *filter,
				  struct sbx_err *err)
{
	struct restore rs;
	pthread_t th[MAX_WORKERS];
	int nth = 0, created = 0, emptied = 0, r, i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint8_t root[32];
	MDB_txn *txn = NULL;
	size_t k;

	memset(&rs, 0, sizeof rs);
	rs.s = s;
	rs.p = p;
	rs.filter = filter;
	rs.rootfd = -1;
	pthread_mutex_init(&rs.mu, NULL);
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		goto out;
	r = sbx_snapshot_root(s, txn, id, root, err);
	if (r)
		goto out;
	r = sbx_dir_is_empty(dir, err);
	if (r == -ENOENT) {
		if (mkdir(dir, 0700) < 0) {
			r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", dir);
			goto out;
		}
		created = 1;
	} else if (r == 0) {
		r = sbx_err_set(err, SBX_EEXIST, "'%s' is not empty; restore needs a new or empty directory", dir);
		goto out;
	} else if (r < 0) {
		goto out;
	}
	emptied = r == 1;
	rs.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rs.rootfd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot open '%s'", dir);
		goto out;
	}
	r = walk(&rs, txn, root, "", err);
	mdb_txn_abort(txn);
	txn = NULL;
	if (r)
		goto out;
	if (ncpu < 1)
		ncpu = 1;
	for (i = 0; i < ncpu && i < MAX_WORKERS; i++)
		if (pthread_create(&th[nth], NULL, worker, &rs) == 0)
			nth++;
	if (!nth) {
		r = sbx_err_set(err, SBX_EFAIL, "cannot start restore threads");
		goto out;
	}
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (rs.werr.code) {
		r = sbx_err_set(err, rs.werr.code, "%s", rs.werr.msg);
		goto out;
	}
	/* Directories were recorded parents first: go backwards so that setting
	 * a child's mtime does not disturb its parent's afterwards. */
	for (k = rs.ndirs; k-- > 0;) {
		struct timespec ts[2] = { ts_of(rs.dirs[k].mtime_ns), ts_of(rs.dirs[k].mtime_ns) };
		int fd = sbx_open_beneath(rs.rootfd, rs.dirs[k].path, O_RDONLY | O_DIRECTORY, 0);

		if (fd < 0 || fchmod(fd, rs.dirs[k].mode) < 0 || futimens(fd, ts) < 0) {
			r = sbx_err_sys(err, SBX_EIO, "cannot set the mode and mtime of '%s'", rs.dirs[k].path);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	if (p && p->fn)
		p->fn(p->ctx, "restore", rs.nfiles, rs.nfiles, rs.total_bytes);
out:
	if (txn)
		mdb_txn_abort(txn);
	if (rs.rootfd >= 0)
		close(rs.rootfd);
	if (r && created) {
		struct sbx_err ignore = { 0 };

		sbx_rm_rf(dir, &ignore);
	} else if (r && emptied) {
		/* Leave the target as it was: empty. */
		struct sbx_err ignore = { 0 };
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			DIR *d = fdopendir(fd);
			struct dirent *de;

			while (d && (de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
					char *sub = join(dir, de->d_name);

					sbx_rm_rf(sub, &ignore);
					free(sub);
				}
			if (d)
				closedir(d);
			else
				close(fd);
		}
	}
	for (k = 0; k < rs.nfiles; k++) {
		free(rs.files[k].path);
		free((void *)rs.files[k].e.chunks);
	}
	for (k = 0; k < rs.ndirs; k++)
		free(rs.dirs[k].path);
	free(rs.files);
	free(rs.dirs);
	pthread_mutex_destroy(&rs.mu);
	return r;
}
