/* The capture engine: reads a source into the builder, storing file bytes as
 * deduplicated chunks, then commits chunks, trees, files cache and the
 * snapshot record in one index transaction. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "sbx/snapshot.h"
#include "snapshot/builder.h"
#include "snapshot/capture.h"
#include "snapshot/chunker.h"
#include "snapshot/filepool.h"
#include "snapshot/filescache.h"
#include "snapshot/refs.h"
#include "snapshot/source.h"
#include "snapshot/writer.h"
#include "util/fsutil.h"
#include "util/hash.h"

#define STREAM_BUF ((size_t)1 << 20)

int sbx_chunk_stream(struct sbx_writer *w,
		     ssize_t (*rd)(void *ctx, void *buf, size_t n, struct sbx_err *err), void *ctx,
		     struct sbx_buf *scratch, struct sbx_buf *ids, uint64_t *size, struct sbx_err *err)
{
	uint8_t *buf;
	size_t len = 0, pos = 0;
	int eof = 0, first = 1, r = 0;

	*size = 0;
	sbx_buf_reset(ids);
	sbx_buf_grow(scratch, STREAM_BUF);
	buf = (uint8_t *)scratch->data;
	for (;;) {
		/* Keep at least SBX_CHUNK_MAX bytes ahead of POS unless at EOF. */
		if (!eof && len - pos < SBX_CHUNK_MAX) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
			while (!eof && len < STREAM_BUF) {
				ssize_t n = rd(ctx, buf + len, STREAM_BUF - len, err);

				if (n < 0) {
					r = (int)n;
					goto out;
				}
				if (n == 0)
					eof = 1;
				len += (size_t)n;
				*size += (uint64_t)n;
			}
		}
		if (pos == len)
			break;
		{
			size_t avail = len - pos, cut;
			uint8_t id[32];

			/* Small files are one chunk: whole-file dedup, one lookup. */
			if (first && eof && avail <= SBX_CHUNK_SMALL)
				cut = avail;
			else
				cut = sbx_chunker_cut(buf + pos, avail);
			first = 0;
			sbx_sha256(buf + pos, cut, id);
			r = sbx_writer_put(w, id, buf + pos, cut, err);
			if (r)
				goto out;
			sbx_buf_add(ids, id, 32);
			pos += cut;
		}
	}
out:
	return r;
}

static ssize_t read_source(void *ctx, void *buf, size_t n, struct sbx_err *err)
{
	struct sbx_source *src = ctx;

	return src->ops->read(src, buf, n, err);
}

static int emit_tree(const uint8_t id[32], const void *enc, size_t len, void *ctx)
{
	struct sbx_buf *trees = ctx;

	sbx_buf_add(trees, id, 32);
	sbx_buf_add_u32(trees, (uint32_t)len);
	sbx_buf_add(trees, enc, len);
	return 0;
}

int sbx_trees_commit(struct sbx_store *s, MDB_txn *txn, const struct sbx_buf *trees,
		     struct sbx_err *err)
{
	const uint8_t *p = (const uint8_t *)trees->data, *end = p + trees->len;

	while (p && p < end) {
		uint32_t len = sbx_get_u32(p + 32);
		int r = sbx_put(txn, s->trees, p, 32, p + 36, len, MDB_NOOVERWRITE, err);

		if (r)
			return r;
		p += 36 + len;
	}
	return 0;
}

struct commit {
	struct sbx_store *s;
	struct sbx_writer *w;
	const struct sbx_buf *trees;
	const struct sbx_buf *fcache;
	const uint8_t *id;
	const char *record;
	int existed;
	const struct sbx_capture_filter *filter;
	int unrecorded;
};

struct refhook {
	const struct sbx_capture_filter *f;
	char hex[65];
};

static char *ref_hook(const char *old, void *ctx, int *del, struct sbx_err *err)
{
	struct refhook *h = ctx;

	return h->f->ref_update(old, h->hex, h->f->ctx, del, err);
}

static int commit_fn(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	struct commit *c = ctx;
	MDB_val v;
	int r;

	c->existed = 0;
	if ((r = sbx_writer_commit(c->w, txn, err)) ||
	    (r = sbx_trees_commit(c->s, txn, c->trees, err)) ||
	    (r = sbx_fcache_commit(c->s, txn, c->fcache, err)))
		return r;
	r = sbx_get(txn, c->s->snaps, c->id, 32, &v, err);
	if (r == 0) {
		/* The same tree was captured before: snapshots are immutable, so
		 * its first record stands. */
		c->existed = 1;
	} else if (r != SBX_ENOTFOUND) {
		return r;
	} else if (!c->unrecorded) {
		r = sbx_put(txn, c->s->snaps, c->id, 32, c->record, strlen(c->record), 0, err);
		if (r)
			return r;
	}
	/* An unrecorded tree names no record: nothing may point at it. */
	if (c->filter && c->filter->ref_name && !c->unrecorded) {
		struct refhook h = { c->filter, "" };

		sbx_hex(c->id, 32, h.hex);
		return sbx_ref_update_txn(c->s, txn, c->filter->ref_name, ref_hook, &h, err);
	}
	return 0;
}

static int snapshot_exists(struct sbx_store *s, const uint8_t id[32])
{
	MDB_txn *txn;
	MDB_val v;
	int found;

	if (sbx_txn_begin(s, MDB_RDONLY, &txn, NULL))
		return 0;
	found = sbx_get(txn, s->snaps, id, 32, &v, NULL) == 0;
	mdb_txn_abort(txn);
	return found;
}

char *sbx_snapshot_make_record(const char *id, const char *source, const char *message,
			       const char *const *labels, size_t nlabels,
			       const struct sbx_capture_result *res, json_t *extra)
{
	json_t *o = json_object(), *l = json_object();
	char when[32];
	int64_t now = sbx_now_ns();
	size_t i;
	char *text;

	sbx_time_iso(now, when);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "time_ns", json_integer(now));
	if (source)
		json_object_set_new(o, "source", json_string(source));
	if (message)
		json_object_set_new(o, "message", json_string(message));
	for (i = 0; i < nlabels; i++) {
		const char *eq = strchr(labels[i], '=');

		if (eq) {
			char *k = sbx_xstrndup(labels[i], (size_t)(eq - labels[i]));

			json_object_set_new(l, k, json_string(eq + 1));
			free(k);
		}
	}
	json_object_set_new(o, "labels", l);
	json_object_set_new(o, "files", json_integer((json_int_t)res->files));
	json_object_set_new(o, "dirs", json_integer((json_int_t)res->dirs));
	json_object_set_new(o, "symlinks", json_integer((json_int_t)res->symlinks));
	json_object_set_new(o, "bytes", json_integer((json_int_t)res->bytes));
	if (extra)
		json_object_update(o, extra);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

int sbx_capture_from(struct sbx_store *s, struct sbx_source *src, const char *source_name,
		     const struct sbx_capture_opts *o, const struct sbx_capture_filter *filter,
		     struct sbx_capture_result *res, struct sbx_err *err)
{
	struct sbx_writer *w = NULL;
	struct sbx_builder *b = sbx_builder_new();
	struct sbx_buf ids = SBX_BUF_INIT, trees = SBX_BUF_INIT, fcache = SBX_BUF_INIT;
	struct sbx_buf scratch = SBX_BUF_INIT;
	struct sbx_source_entry e;
	MDB_txn *rtxn = NULL;
	uint8_t root[32];
	char *record = NULL;
	struct sbx_filepool *pool = NULL;
	int r, committed = 0, parallel;
	size_t i;

	sbx_builder_set_unique(b, src->unique_paths);
	for (i = 0; o && i < o->nlabels; i++) {
		const char *eq = strchr(o->labels[i], '=');

		if (!eq || eq == o->labels[i]) {
			r = sbx_err_set(err, SBX_EUSAGE, "label '%s' is not KEY=VALUE", o->labels[i]);
			goto out;
		}
	}
	/* Files of a directory are read, hashed and compressed on a pool of
	 * threads; an archive is one stream, read here and compressed on the
	 * writer's workers. */
	parallel = !filter && src->ops->open_file;
	r = sbx_writer_new(s, filter && filter->dry_run ? SBX_WRITER_DISCARD :
			   parallel ? SBX_WRITER_INLINE : 0, &w, err);
	if (r)
		goto out;
	if (parallel)
		pool = sbx_filepool_new(src, w, &fcache, res);
	if (!(o && o->no_cache) && !filter) {
		r = sbx_txn_begin(s, MDB_RDONLY, &rtxn, err);
		if (r)
			goto out;
	}
	while ((r = src->ops->next(src, &e, err)) == 1) {
		struct sbx_node *n;
		const uint8_t *cached;
		uint32_t ncached;

		if (filter && filter->skip && filter->skip(filter->ctx, &e)) {
			if (e.type == SBX_T_FILE)
				src->ops->skip(src);
			continue;
		}
		r = sbx_builder_put(b, e.path, e.type, &n, err);
		if (r)
			goto out;
		n->mode = e.mode;
		n->mtime_ns = e.mtime_ns;
		switch (e.type) {
		case SBX_T_DIR:
			if (*e.path)
				res->dirs++;
			continue;
		case SBX_T_SYMLINK:
			if (!e.target || !*e.target) {
				r = sbx_err_set(err, SBX_EINVAL, "symlink '%s' has an empty target", e.path);
				goto out;
			}
			if (strlen(e.target) >= SBX_TARGET_MAX) {
				r = sbx_err_set(err, SBX_EINVAL, "symlink '%s' has a target of %zu bytes; "
						"the limit is %d", e.path, strlen(e.target), SBX_TARGET_MAX - 1);
				goto out;
			}
			free(n->target);
			n->target = sbx_xstrdup(e.target);
			res->symlinks++;
			continue;
		default:
			break;
		}
		res->files++;
		if (e.hardlink) {
			struct sbx_node *t = sbx_builder_get(b, e.hardlink);

			if (!t || t->type != SBX_T_FILE) {
				r = sbx_err_set(err, SBX_EINVAL, "hard link '%s' names '%s', which is not an earlier file",
						e.path, e.hardlink);
				goto out;
			}
			if (t != n) {
				sbx_node_set_chunks(n, t->chunks, t->nchunks);
				n->size = t->size;
			}
		} else if (rtxn && !filter && sbx_fcache_lookup(s, rtxn, &e, &cached, &ncached)) {
			sbx_node_set_chunks(n, cached, ncached);
			n->size = e.size;
			res->cached_files++;
			src->ops->skip(src);
		} else if (filter && filter->file) {
			r = filter->file(filter->ctx, &e, src, w, &ids, &n->size, err);
			if (r)
				goto out;
			sbx_node_set_chunks(n, (const uint8_t *)ids.data, (uint32_t)(ids.len / 32));
		} else if (pool) {
			r = sbx_filepool_add(pool, n, &e, err);
			if (r)
				goto out;
			if (o && o->progress && o->progress->fn)
				o->progress->fn(o->progress->ctx, "capture", res->files, 0,
						sbx_filepool_bytes(pool));
			continue;
		} else {
			r = sbx_chunk_stream(w, read_source, src, &scratch, &ids, &n->size, err);
			if (r)
				goto out;
			sbx_node_set_chunks(n, (const uint8_t *)ids.data, (uint32_t)(ids.len / 32));
			sbx_fcache_note(&fcache, &e, (const uint8_t *)ids.data,
					(uint32_t)(ids.len / 32), src->start_ns);
		}
		res->bytes += n->size;
		if (o && o->progress && o->progress->fn)
			o->progress->fn(o->progress->ctx, "capture", res->files, 0, res->bytes);
	}
	if (r < 0)
		goto out;
	if (pool) {
		r = sbx_filepool_finish(pool, err);
		pool = NULL;
		if (r)
			goto out;
	}
	if (rtxn) {
		mdb_txn_abort(rtxn);
		rtxn = NULL;
	}
	r = sbx_writer_finish(w, err);
	if (r)
		goto out;
	r = sbx_builder_finish(b, emit_tree, &trees, root, err);
	if (r)
		goto out;
	sbx_hex(root, 32, res->id);
	record = sbx_snapshot_make_record(res->id, source_name, o ? o->message : NULL,
					  o ? o->labels : NULL, o ? o->nlabels : 0, res,
					  filter ? filter->record_extra : NULL);
	{
		struct commit c = { s, w, &trees, &fcache, root, record, 0, filter, o && o->unrecorded };
		struct sbx_writer_stats st;

		sbx_writer_stats(w, &st);
		if (filter && filter->dry_run) {
			c.existed = s && snapshot_exists(s, root);
		} else if (!st.new_chunks && !fcache.len && !filter && snapshot_exists(s, root)) {
			/* Nothing to record: the snapshot, and so every tree under
			 * it, is stored already.  Skip the synced commit. */
			c.existed = 1;
		} else {
			r = sbx_store_write(s, commit_fn, &c, err);
			if (r)
				goto out;
		}
		committed = 1;
		res->existed = c.existed;
		res->new_chunks = st.new_chunks;
		res->new_bytes = st.new_stored;
	}
	if (o && o->progress && o->progress->fn)
		o->progress->fn(o->progress->ctx, "capture", res->files, res->files, res->bytes);
out:
	if (pool) {
		struct sbx_err ignore = { 0 };

		sbx_filepool_finish(pool, &ignore);
	}
	if (src->warnings.len)
		sbx_buf_add(&res->warnings, src->warnings.data, src->warnings.len);
	if (rtxn)
		mdb_txn_abort(rtxn);
	sbx_writer_free(w, committed);
	sbx_builder_free(b);
	sbx_buf_release(&ids);
	sbx_buf_release(&scratch);
	sbx_buf_release(&trees);
	sbx_buf_release(&fcache);
	free(record);
	return r;
}

#define MAX_WHOLE ((size_t)2 << 30)

struct membuf {
	const char *p;
	size_t n, at;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct sbx_err *err)
{
	struct membuf *m = ctx;

	(void)err;
	if (n > m->n - m->at)
		n = m->n - m->at;
	memcpy(buf, m->p + m->at, n);
	m->at += n;
	return (ssize_t)n;
}

int sbx_capture_through(struct sbx_source *src, const char *path, struct sbx_writer *w,
			int (*fn)(void *ctx, const char *path, const void *in, size_t n,
				  struct sbx_buf *out, struct sbx_err *err),
			void *ctx, struct sbx_buf *in, struct sbx_buf *out, struct sbx_buf *ids,
			uint64_t *size, struct sbx_err *err)
{
	struct sbx_buf scratch = SBX_BUF_INIT;
	struct membuf m;
	int r;

	sbx_buf_reset(in);
	for (;;) {
		ssize_t got;

		sbx_buf_grow(in, 1 << 20);
		got = src->ops->read(src, in->data + in->len, in->cap - in->len - 1, err);
		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		in->len += (size_t)got;
		if (in->len > MAX_WHOLE)
			return sbx_err_set(err, SBX_EINVAL, "'%s' is larger than %zu MiB; it must be read "
					   "whole to be transformed", path, MAX_WHOLE >> 20);
	}
	r = fn(ctx, path, in->data ? in->data : "", in->len, out, err);
	if (r)
		return r;
	m.p = out->data ? out->data : "";
	m.n = out->len;
	m.at = 0;
	r = sbx_chunk_stream(w, mem_read, &m, &scratch, ids, size, err);
	sbx_buf_release(&scratch);
	return r;
}

struct public_filter {
	const struct sbx_content_filter *f;
	struct sbx_buf in, out;
};

static int public_file(void *ctx, const struct sbx_source_entry *e, struct sbx_source *src,
		       struct sbx_writer *w, struct sbx_buf *ids, uint64_t *size, struct sbx_err *err)
{
	struct public_filter *pf = ctx;

	return sbx_capture_through(src, e->path, w, pf->f->fn, pf->f->ctx, &pf->in, &pf->out, ids,
				   size, err);
}

int sbx_source_open(const char *source, struct sbx_source **src, struct sbx_err *err)
{
	struct stat st;

	if (!strcmp(source, "-"))
		return sbx_source_archive_open(source, src, err);
	if (stat(source, &st) < 0)
		return sbx_err_sys(err, errno == ENOENT ? SBX_ENOTFOUND : SBX_EIO,
				   "cannot read source '%s'", source);
	if (S_ISDIR(st.st_mode))
		return sbx_source_dir_open(source, src, err);
	return sbx_source_archive_open(source, src, err);
}

int sbx_snapshot_capture(struct sbx_store *s, const char *source,
			 const struct sbx_capture_opts *o, struct sbx_capture_result *res,
			 struct sbx_err *err)
{
	struct sbx_source *src = NULL;
	char *abs = NULL;
	int r;

	memset(res, 0, sizeof *res);
	r = sbx_source_open(source, &src, err);
	if (r)
		return r;
	abs = strcmp(source, "-") ? realpath(source, NULL) : NULL;
	if (o && o->filter) {
		struct public_filter pf = { o->filter, SBX_BUF_INIT, SBX_BUF_INIT };
		struct sbx_capture_filter f;

		memset(&f, 0, sizeof f);
		f.file = public_file;
		f.ctx = &pf;
		r = sbx_capture_from(s, src, abs ? abs : "stdin", o, &f, res, err);
		sbx_buf_release(&pf.in);
		sbx_buf_release(&pf.out);
	} else {
		r = sbx_capture_from(s, src, abs ? abs : "stdin", o, NULL, res, err);
	}
	free(abs);
	sbx_source_close(src);
	return r;
}
