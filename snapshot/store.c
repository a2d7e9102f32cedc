#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/buf.h"
#include "snapshot/lock.h"
#include "snapshot/store-int.h"
#include "util/fsutil.h"

#define INITIAL_MAPSIZE ((size_t)256 << 20)

char *sbx_store_default_path(void)
{
	const char *e = getenv("SBX_STORE");
	struct sbx_buf b = SBX_BUF_INIT;

	if (e && *e)
		return sbx_xstrdup(e);
	e = getenv("XDG_DATA_HOME");
	if (e && *e) {
		sbx_buf_addf(&b, "%s/sbx", e);
	} else {
		e = getenv("HOME");
		sbx_buf_addf(&b, "%s/.local/share/sbx", e && *e ? e : ".");
	}
	return sbx_buf_detach(&b, NULL);
}

int sbx_err_mdb(struct sbx_err *err, int rc, const char *what)
{
	int code = SBX_EFAIL;

	if (rc == MDB_NOTFOUND)
		code = SBX_ENOTFOUND;
	else if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
		 rc == MDB_VERSION_MISMATCH)
		code = SBX_ECORRUPT;
	else if (rc == MDB_READERS_FULL)
		code = SBX_EBUSY;
	return sbx_err_set(err, code, "%s: %s", what, mdb_strerror(rc));
}

int sbx_txn_begin(struct sbx_store *s, unsigned flags, MDB_txn **txn, struct sbx_err *err)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size and retry. */
		rc = mdb_env_set_mapsize(s->env, 0);
		if (!rc)
			rc = mdb_txn_begin(s->env, NULL, flags, txn);
	}
	if (rc)
		return sbx_err_mdb(err, rc, "cannot begin an index transaction");
	return 0;
}

static int grow(struct sbx_store *s, struct sbx_err *err)
{
	MDB_envinfo info;
	int rc;

	mdb_env_info(s->env, &info);
	rc = mdb_env_set_mapsize(s->env, info.me_mapsize * 2);
	if (rc)
		return sbx_err_mdb(err, rc, "cannot grow the index map");
	return 0;
}

int sbx_store_write(struct sbx_store *s,
		    int (*fn)(MDB_txn *txn, void *ctx, struct sbx_err *err),
		    void *ctx, struct sbx_err *err)
{
	for (;;) {
		MDB_txn *txn;
		int r = sbx_txn_begin(s, 0, &txn, err);

		if (r)
			return r;
		r = fn(txn, ctx, err);
		if (r == 0) {
			r = mdb_txn_commit(txn);
			if (r == 0)
				return 0;
			if (r != MDB_MAP_FULL)
				return sbx_err_mdb(err, r, "cannot commit to the index");
		} else {
			mdb_txn_abort(txn);
		}
		if (r != MDB_MAP_FULL)
			return r;
		r = grow(s, err);
		if (r)
			return r;
	}
}

int sbx_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
	    const void *v, size_t vlen, unsigned flags, struct sbx_err *err)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	int rc = mdb_put(txn, dbi, &key, &val, flags);

	if (rc == 0 || rc == MDB_MAP_FULL)
		return rc;
	if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
		return 0;
	return sbx_err_mdb(err, rc, "cannot write to the index");
}

int sbx_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
	    MDB_val *v, struct sbx_err *err)
{
	MDB_val key = { klen, (void *)k };
	int rc = mdb_get(txn, dbi, &key, v);

	if (rc == MDB_NOTFOUND)
		return SBX_ENOTFOUND;
	if (rc)
		return sbx_err_mdb(err, rc, "cannot read the index");
	return 0;
}

/* The map starts at 256 MiB (or $SBX_MAP_SIZE bytes, a tuning knob that the
 * tests also use to exercise growth) and doubles whenever it is full; LMDB
 * keeps the larger size of an existing index. */
static size_t initial_mapsize(void)
{
	const char *e = getenv("SBX_MAP_SIZE");
	char *end;
	unsigned long long v;

	if (!e || !*e)
		return INITIAL_MAPSIZE;
	v = strtoull(e, &end, 10);
	if (*end || v < 65536)
		return INITIAL_MAPSIZE;
	return (size_t)v;
}

static int open_env(struct sbx_store *s, int create, struct sbx_err *err)
{
	struct sbx_buf p = SBX_BUF_INIT;
	MDB_txn *txn = NULL;
	unsigned dflags = create ? MDB_CREATE : 0;
	int rc, r = 0, dead = 0;

	sbx_buf_addf(&p, "%s/index", s->path);
	rc = mdb_env_create(&s->env);
	if (!rc)
		rc = mdb_env_set_maxdbs(s->env, 16);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, initial_mapsize());
	if (!rc)
		rc = mdb_env_set_maxreaders(s->env, 256);
	if (!rc)
		rc = mdb_env_open(s->env, p.data, MDB_NOTLS, 0600);
	if (rc) {
		r = sbx_err_mdb(err, rc, "cannot open the index");
		goto out;
	}
	/* A killed process leaves a stale reader slot behind: clear it. */
	mdb_reader_check(s->env, &dead);
	r = sbx_txn_begin(s, create ? 0 : MDB_RDONLY, &txn, err);
	if (r)
		goto out;
	if ((rc = mdb_dbi_open(txn, "chunks", dflags, &s->chunks)) ||
	    (rc = mdb_dbi_open(txn, "packs", dflags, &s->packs)) ||
	    (rc = mdb_dbi_open(txn, "trees", dflags, &s->trees)) ||
	    (rc = mdb_dbi_open(txn, "snapshots", dflags, &s->snaps)) ||
	    (rc = mdb_dbi_open(txn, "filescache", dflags, &s->fcache)) ||
	    (rc = mdb_dbi_open(txn, "meta", dflags, &s->meta)) ||
	    (rc = mdb_dbi_open(txn, "refs", dflags, &s->refs)) ||
	    (rc = mdb_dbi_open(txn, "pins", dflags, &s->pins)) ||
	    (rc = mdb_dbi_open(txn, "log", dflags, &s->log))) {
		r = sbx_err_mdb(err, rc, rc == MDB_NOTFOUND ?
				"the index is incomplete (run 'sbx init')" :
				"cannot open the index databases");
		if (rc == MDB_NOTFOUND)
			r = sbx_err_set(err, SBX_ECORRUPT, "index incomplete");
		goto out;
	}
	if (create) {
		const char *k = "format";
		uint32_t v = SBX_FORMAT_VERSION;

		rc = sbx_put(txn, s->meta, k, strlen(k), &v, sizeof v, MDB_NOOVERWRITE, err);
		if (rc) {
			r = rc == MDB_MAP_FULL ? sbx_err_mdb(err, rc, "init") : rc;
			goto out;
		}
	} else {
		MDB_val v;
		uint32_t fmt;

		r = sbx_get(txn, s->meta, "format", 6, &v, err);
		if (r == SBX_ENOTFOUND || (r == 0 && v.mv_size != 4)) {
			r = sbx_err_set(err, SBX_ECORRUPT, "store '%s' has no format record", s->path);
			goto out;
		}
		if (r)
			goto out;
		memcpy(&fmt, v.mv_data, 4);
		if (fmt != SBX_FORMAT_VERSION) {
			r = sbx_err_set(err, SBX_ECORRUPT, "store '%s' has format %u, this sbx reads %u",
					s->path, fmt, SBX_FORMAT_VERSION);
			goto out;
		}
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		r = sbx_err_mdb(err, rc, "cannot open the index");
out:
	if (txn)
		mdb_txn_abort(txn);
	sbx_buf_release(&p);
	return r;
}

static struct sbx_store *store_alloc(const char *path)
{
	struct sbx_store *s = sbx_xcalloc(1, sizeof *s);
	struct sbx_buf b = SBX_BUF_INIT;

	s->path = sbx_xstrdup(path);
	sbx_buf_addf(&b, "%s/packs", path);
	s->packdir = sbx_buf_detach(&b, NULL);
	s->lockfd = s->gcfd = -1;
	return s;
}

int sbx_store_init(const char *path, int *created, struct sbx_err *err)
{
	static const char *const dirs[] = { "index", "packs", "tmp" };
	struct sbx_store *s;
	struct stat st;
	size_t i;
	int r;

	*created = 0;
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return sbx_err_set(err, SBX_EEXIST, "'%s' exists and is not a directory", path);
	} else if (errno == ENOENT) {
		char *parent = sbx_xstrdup(path), *slash = strrchr(parent, '/');

		if (slash && slash != parent) {
			*slash = '\0';
			r = sbx_mkdir_p(parent, 0755, err);
			if (r) {
				free(parent);
				return r;
			}
		}
		free(parent);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return sbx_err_sys(err, SBX_EIO, "cannot create store '%s'", path);
		/* mkdir's mode is filtered by the umask: make it exactly 0700. */
		if (chmod(path, 0700) < 0)
			return sbx_err_sys(err, SBX_EIO, "cannot chmod store '%s'", path);
		*created = 1;
	} else {
		return sbx_err_sys(err, SBX_EIO, "cannot stat '%s'", path);
	}
	s = store_alloc(path);
	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		struct sbx_buf d = SBX_BUF_INIT;

		sbx_buf_addf(&d, "%s/%s", path, dirs[i]);
		if (mkdir(d.data, 0700) < 0 && errno != EEXIST) {
			r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", d.data);
			sbx_buf_release(&d);
			goto out;
		}
		sbx_buf_release(&d);
	}
	r = open_env(s, 1, err);
	if (!r)
		r = sbx_fsync_dir(path, err);
out:
	sbx_store_close(s);
	return r;
}

int sbx_store_open(const char *path, unsigned flags, const char *command,
		   struct sbx_store **out, struct sbx_err *err)
{
	struct sbx_store *s;
	struct sbx_buf p = SBX_BUF_INIT;
	struct stat st;
	int r;

	*out = NULL;
	sbx_buf_addf(&p, "%s/index/data.mdb", path);
	if (stat(p.data, &st) < 0) {
		sbx_buf_release(&p);
		return sbx_err_set(err, SBX_ENOTFOUND,
				   "no store at '%s' (create one with 'sbx init')", path);
	}
	s = store_alloc(path);
	s->flags = flags;
	if (flags & SBX_STORE_WRITE) {
		sbx_buf_reset(&p);
		sbx_buf_addf(&p, "%s/lock", path);
		r = sbx_lock_take(p.data, 1, !!(flags & SBX_STORE_WAIT), command, &s->lockfd, err);
		if (r)
			goto fail;
	}
	if (flags & (SBX_STORE_PACKS | SBX_STORE_GC)) {
		sbx_buf_reset(&p);
		sbx_buf_addf(&p, "%s/gc.lock", path);
		r = sbx_lock_take(p.data, !!(flags & SBX_STORE_GC), !!(flags & SBX_STORE_WAIT),
				  command, &s->gcfd, err);
		if (r)
			goto fail;
	}
	r = open_env(s, 0, err);
	if (r)
		goto fail;
	sbx_buf_release(&p);
	*out = s;
	return 0;
fail:
	sbx_buf_release(&p);
	sbx_store_close(s);
	return r;
}

void sbx_store_close(struct sbx_store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	if (s->gcfd >= 0)
		close(s->gcfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->packdir);
	free(s->path);
	free(s);
}

const char *sbx_store_path(const struct sbx_store *s)
{
	return s->path;
}
