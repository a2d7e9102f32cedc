/* Export: writes a snapshot as a tar (pax, nanosecond mtimes), tar.zst,
 * tar.gz or zip archive through libarchive. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "sbx/snapshot.h"
#include "snapshot/read.h"

struct export {
	struct sbx_store *s;
	MDB_txn *txn;
	struct archive *a;
	struct archive_entry *ae;
	struct sbx_pack_reader *rd;
	struct sbx_buf scratch;
	const struct sbx_progress *p;
	uint64_t files, bytes;
};

static int arc_err(struct export *x, const char *what, struct sbx_err *err)
{
	const char *m = archive_error_string(x->a);

	return sbx_err_set(err, SBX_EIO, "cannot export %s: %s", what, m ? m : "write failed");
}

static int add(struct export *x, const uint8_t id[32], const char *rel, struct sbx_err *err)
{
	struct sbx_tree t;
	size_t i;
	int r = sbx_tree_load(x->s, x->txn, id, &t, err);

	if (r)
		return r;
	for (i = 0; !r && i < t.n; i++) {
		const struct sbx_tree_entry *e = &t.e[i];
		struct sbx_buf path = SBX_BUF_INIT;

		if (*rel)
			sbx_buf_addf(&path, "%s/", rel);
		sbx_buf_adds(&path, e->name);
		archive_entry_clear(x->ae);
		archive_entry_set_pathname(x->ae, path.data);
		archive_entry_set_mtime(x->ae, (time_t)(e->mtime_ns / 1000000000),
					(long)(e->mtime_ns % 1000000000));
		archive_entry_set_perm(x->ae, (mode_t)e->mode);
		archive_entry_set_uid(x->ae, 0);
		archive_entry_set_gid(x->ae, 0);
		switch (e->type) {
		case SBX_T_DIR:
			archive_entry_set_filetype(x->ae, AE_IFDIR);
			if (archive_write_header(x->a, x->ae) < ARCHIVE_WARN)
				r = arc_err(x, path.data, err);
			if (!r)
				r = add(x, e->subtree, path.data, err);
			break;
		case SBX_T_SYMLINK:
			archive_entry_set_filetype(x->ae, AE_IFLNK);
			archive_entry_set_symlink(x->ae, e->target);
			if (archive_write_header(x->a, x->ae) < ARCHIVE_WARN)
				r = arc_err(x, path.data, err);
			break;
		default: {
			uint32_t c;

			archive_entry_set_filetype(x->ae, AE_IFREG);
			archive_entry_set_size(x->ae, (la_int64_t)e->size);
			if (archive_write_header(x->a, x->ae) < ARCHIVE_WARN) {
				r = arc_err(x, path.data, err);
				break;
			}
			for (c = 0; !r && c < e->nchunks; c++) {
				struct sbx_chunk_loc loc;

				r = sbx_chunk_locate(x->s, x->txn, e->chunks + 32 * c, &loc, err);
				if (!r)
					r = sbx_pack_read(x->rd, e->chunks + 32 * c, &loc, 1, &x->scratch, err);
				if (!r && archive_write_data(x->a, x->scratch.data, x->scratch.len) !=
					  (la_ssize_t)x->scratch.len)
					r = arc_err(x, path.data, err);
			}
			x->files++;
			x->bytes += e->size;
			if (x->p && x->p->fn)
				x->p->fn(x->p->ctx, "export", x->bytes, 0, x->bytes);
		}
		}
		sbx_buf_release(&path);
	}
	sbx_tree_release(&t);
	return r;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Picks the format from FORMAT, else FILE's suffix, else tar. */
static const char *pick_format(const char *file, const char *format)
{
	if (format)
		return format;
	if (ends_with(file, ".tar.zst") || ends_with(file, ".tzst"))
		return "tar.zst";
	if (ends_with(file, ".tar.gz") || ends_with(file, ".tgz"))
		return "tar.gz";
	if (ends_with(file, ".zip"))
		return "zip";
	return "tar";
}

int sbx_snapshot_export(struct sbx_store *s, const char *id, const char *file,
			const char *format, const struct sbx_progress *p, struct sbx_err *err)
{
	struct export x;
	uint8_t root[32];
	const char *fmt = pick_format(file, format);
	int to_stdout = !strcmp(file, "-"), r, rc;
	char *tmp = NULL;
	int fd = -1;

	memset(&x, 0, sizeof x);
	x.s = s;
	x.p = p;
	if (strcmp(fmt, "tar") && strcmp(fmt, "tar.zst") && strcmp(fmt, "tar.gz") && strcmp(fmt, "zip"))
		return sbx_err_set(err, SBX_EUSAGE, "unknown export format '%s' (tar, tar.zst, tar.gz, zip)", fmt);
	r = sbx_txn_begin(s, MDB_RDONLY, &x.txn, err);
	if (r)
		return r;
	r = sbx_snapshot_root(s, x.txn, id, root, err);
	if (r)
		goto out;
	x.a = archive_write_new();
	x.ae = archive_entry_new();
	if (!x.a || !x.ae)
		abort();
	if (!strcmp(fmt, "zip")) {
		rc = archive_write_set_format_zip(x.a);
	} else {
		rc = archive_write_set_format_pax(x.a);
		if (rc == ARCHIVE_OK && !strcmp(fmt, "tar.zst")) {
			rc = archive_write_add_filter_zstd(x.a);
			if (rc == ARCHIVE_OK)
				archive_write_set_filter_option(x.a, "zstd", "compression-level", "3");
		} else if (rc == ARCHIVE_OK && !strcmp(fmt, "tar.gz")) {
			rc = archive_write_add_filter_gzip(x.a);
		}
	}
	if (rc != ARCHIVE_OK) {
		r = arc_err(&x, fmt, err);
		goto out;
	}
	if (to_stdout) {
		rc = archive_write_open_fd(x.a, 1);
	} else {
		/* Write beside FILE and rename at the end: a failed export
		 * leaves no half archive behind. */
		struct sbx_buf b = SBX_BUF_INIT;

		sbx_buf_addf(&b, "%s.sbx-tmp-XXXXXX", file);
		tmp = sbx_buf_detach(&b, NULL);
		fd = mkstemp(tmp);
		if (fd < 0) {
			r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", file);
			free(tmp);
			tmp = NULL;
			goto out;
		}
		fchmod(fd, 0644);
		rc = archive_write_open_fd(x.a, fd);
	}
	if (rc != ARCHIVE_OK) {
		r = arc_err(&x, file, err);
		goto out;
	}
	x.rd = sbx_pack_reader_new(s->packdir);
	r = add(&x, root, "", err);
	if (!r && archive_write_close(x.a) != ARCHIVE_OK)
		r = arc_err(&x, file, err);
	archive_write_free(x.a);
	x.a = NULL;
	if (fd >= 0) {
		if (!r && fsync(fd) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", file);
		if (close(fd) < 0 && !r)
			r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", file);
		fd = -1;
	}
	if (!r && tmp && rename(tmp, file) < 0)
		r = sbx_err_sys(err, SBX_EIO, "cannot rename onto '%s'", file);
	if (!r && tmp) {
		free(tmp);
		tmp = NULL;
	}
	if (!r && p && p->fn)
		p->fn(p->ctx, "export", x.bytes, x.bytes, x.bytes);
out:
	if (x.a)
		archive_write_free(x.a);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	archive_entry_free(x.ae);
	sbx_pack_reader_free(x.rd);
	sbx_buf_release(&x.scratch);
	mdb_txn_abort(x.txn);
	return r;
}
