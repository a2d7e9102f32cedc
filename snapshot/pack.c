#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "snapshot/pack.h"
#include "util/fsutil.h"
#include "util/hash.h"

void sbx_loc_encode(const struct sbx_chunk_loc *l, uint8_t out[SBX_LOC_LEN])
{
	memcpy(out, l->pack, SBX_PACK_ID_LEN);
	sbx_put_u64(out + 16, l->off);
	sbx_put_u32(out + 24, l->clen);
	sbx_put_u32(out + 28, l->ulen);
	out[32] = l->flags;
}

int sbx_loc_decode(const void *p, size_t n, struct sbx_chunk_loc *l)
{
	const uint8_t *c = p;

	if (n != SBX_LOC_LEN)
		return -1;
	memcpy(l->pack, c, SBX_PACK_ID_LEN);
	l->off = sbx_get_u64(c + 16);
	l->clen = sbx_get_u32(c + 24);
	l->ulen = sbx_get_u32(c + 28);
	l->flags = c[32];
	return 0;
}

char *sbx_pack_path(const char *packdir, const uint8_t id[SBX_PACK_ID_LEN], int tmp)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char hex[2 * SBX_PACK_ID_LEN + 1];

	sbx_hex(id, SBX_PACK_ID_LEN, hex);
	if (tmp)
		sbx_buf_addf(&b, "%s/%.2s/.%s.tmp", packdir, hex, hex);
	else
		sbx_buf_addf(&b, "%s/%.2s/%s.pack", packdir, hex, hex);
	return sbx_buf_detach(&b, NULL);
}

struct sbx_pack_writer {
	char *packdir;
	uint8_t id[SBX_PACK_ID_LEN];
	int fd;
	uint64_t size;
	struct sbx_buf out;     /* buffered records not yet written */
};

int sbx_pack_writer_new(const char *packdir, struct sbx_pack_writer **out, struct sbx_err *err)
{
	struct sbx_pack_writer *w = sbx_xcalloc(1, sizeof *w);
	char *path = NULL;
	int r = 0;

	w->fd = -1;
	w->packdir = sbx_xstrdup(packdir);
	if (getrandom(w->id, sizeof w->id, 0) != (ssize_t)sizeof w->id) {
		r = sbx_err_sys(err, SBX_EIO, "cannot get random bytes for a pack id");
		goto out;
	}
	path = sbx_pack_path(packdir, w->id, 1);
	{
		char *slash = strrchr(path, '/');

		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", path);
			goto out;
		}
		*slash = '/';
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot create pack '%s'", path);
		goto out;
	}
	sbx_buf_add(&w->out, SBX_PACK_MAGIC, SBX_PACK_HDR);
	w->size = SBX_PACK_HDR;
out:
	free(path);
	if (r) {
		sbx_pack_writer_abort(w);
		w = NULL;
	}
	*out = w;
	return r;
}

static int flush(struct sbx_pack_writer *w, struct sbx_err *err)
{
	off_t at = (off_t)(w->size - w->out.len);

	if (!w->out.len)
		return 0;
	if (sbx_write_all(w->fd, w->out.data, w->out.len) < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot write pack");
	/* Start writeback now, so that the fsync at seal has little left. */
	sync_file_range(w->fd, at, (off_t)w->out.len, SYNC_FILE_RANGE_WRITE);
	sbx_buf_reset(&w->out);
	return 0;
}

int sbx_pack_writer_add(struct sbx_pack_writer *w, const uint8_t id[32], const void *data,
			uint32_t clen, uint32_t ulen, uint8_t flags,
			struct sbx_chunk_loc *loc, struct sbx_err *err)
{
	memcpy(loc->pack, w->id, SBX_PACK_ID_LEN);
	loc->off = w->size;
	loc->clen = clen;
	loc->ulen = ulen;
	loc->flags = flags;
	sbx_buf_add(&w->out, id, 32);
	sbx_buf_add_u32(&w->out, ulen);
	sbx_buf_add_u32(&w->out, clen);
	sbx_buf_add_u8(&w->out, flags);
	sbx_buf_add(&w->out, data, clen);
	w->size += SBX_PACK_REC_HDR + clen;
	if (w->out.len >= (1u << 20))
		return flush(w, err);
	return 0;
}

uint64_t sbx_pack_writer_size(const struct sbx_pack_writer *w)
{
	return w->size;
}

const uint8_t *sbx_pack_writer_id(const struct sbx_pack_writer *w)
{
	return w->id;
}

int sbx_pack_writer_seal(struct sbx_pack_writer *w, struct sbx_err *err)
{
	char *tmp = sbx_pack_path(w->packdir, w->id, 1);
	char *fin = sbx_pack_path(w->packdir, w->id, 0);
	char *slash;
	int r = flush(w, err);

	if (r)
		goto fail;
	if (fsync(w->fd) < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot fsync pack '%s'", tmp);
		goto fail;
	}
	if (rename(tmp, fin) < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot rename pack '%s'", tmp);
		goto fail;
	}
	close(w->fd);
	w->fd = -1;
	slash = strrchr(fin, '/');
	*slash = '\0';
	r = sbx_fsync_dir(fin, err);
	*slash = '/';
	if (r) {
		unlink(fin);
		goto fail;
	}
	free(tmp);
	free(fin);
	sbx_buf_release(&w->out);
	free(w->packdir);
	free(w);
	return 0;
fail:
	free(tmp);
	free(fin);
	sbx_pack_writer_abort(w);
	return r;
}

void sbx_pack_writer_abort(struct sbx_pack_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		char *tmp = sbx_pack_path(w->packdir, w->id, 1);

		close(w->fd);
		unlink(tmp);
		free(tmp);
	}
	sbx_buf_release(&w->out);
	free(w->packdir);
	free(w);
}

#define READER_SLOTS 8

struct sbx_pack_reader {
	char *packdir;
	ZSTD_DCtx *dctx;
	struct sbx_buf raw;
	struct {
		uint8_t id[SBX_PACK_ID_LEN];
		int fd;
		unsigned long used;
	} slot[READER_SLOTS];
	unsigned long tick;
};

struct sbx_pack_reader *sbx_pack_reader_new(const char *packdir)
{
	struct sbx_pack_reader *r = sbx_xcalloc(1, sizeof *r);
	int i;

	r->packdir = sbx_xstrdup(packdir);
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx)
		abort();
	for (i = 0; i < READER_SLOTS; i++)
		r->slot[i].fd = -1;
	return r;
}

void sbx_pack_reader_free(struct sbx_pack_reader *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < READER_SLOTS; i++)
		if (r->slot[i].fd >= 0)
			close(r->slot[i].fd);
	ZSTD_freeDCtx(r->dctx);
	sbx_buf_release(&r->raw);
	free(r->packdir);
	free(r);
}

static int pack_fd(struct sbx_pack_reader *r, const uint8_t id[SBX_PACK_ID_LEN],
		   struct sbx_err *err)
{
	int i, victim = 0;
	char *path;

	for (i = 0; i < READER_SLOTS; i++) {
		if (r->slot[i].fd >= 0 && !memcmp(r->slot[i].id, id, SBX_PACK_ID_LEN)) {
			r->slot[i].used = ++r->tick;
			return r->slot[i].fd;
		}
		if (r->slot[i].used < r->slot[victim].used)
			victim = i;
	}
	path = sbx_pack_path(r->packdir, id, 0);
	i = open(path, O_RDONLY | O_CLOEXEC);
	if (i < 0) {
		int code = errno == ENOENT ? SBX_ECORRUPT : SBX_EIO;

		sbx_err_sys(err, code, "cannot open pack '%s'", path);
		free(path);
		return code;
	}
	free(path);
	if (r->slot[victim].fd >= 0)
		close(r->slot[victim].fd);
	r->slot[victim].fd = i;
	memcpy(r->slot[victim].id, id, SBX_PACK_ID_LEN);
	r->slot[victim].used = ++r->tick;
	return i;
}

int sbx_pack_read(struct sbx_pack_reader *r, const uint8_t id[32],
		  const struct sbx_chunk_loc *loc, int verify, struct sbx_buf *out,
		  struct sbx_err *err)
{
	char hex[SBX_HEX_LEN + 1];
	uint8_t got[32];
	const uint8_t *h;
	int fd = pack_fd(r, loc->pack, err);
	size_t n = SBX_PACK_REC_HDR + (size_t)loc->clen;

	sbx_hex(id, 32, hex);
	if (fd < 0)
		return fd;
	sbx_buf_reset(&r->raw);
	sbx_buf_grow(&r->raw, n);
	if (sbx_pread_all(fd, r->raw.data, n, (off_t)loc->off) != (ssize_t)n)
		return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: pack record is truncated", hex);
	h = (const uint8_t *)r->raw.data;
	if (memcmp(h, id, 32) || sbx_get_u32(h + 32) != loc->ulen ||
	    sbx_get_u32(h + 36) != loc->clen || h[40] != loc->flags)
		return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: pack record header does not match the index", hex);
	sbx_buf_reset(out);
	sbx_buf_grow(out, loc->ulen);
	if (loc->flags & SBX_CHUNK_ZSTD) {
		size_t z = ZSTD_decompressDCtx(r->dctx, out->data, loc->ulen,
					       h + SBX_PACK_REC_HDR, loc->clen);

		if (ZSTD_isError(z))
			return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: %s", hex, ZSTD_getErrorName(z));
		if (z != loc->ulen)
			return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: decompressed to %zu bytes, expected %u",
					   hex, z, loc->ulen);
	} else {
		if (loc->clen != loc->ulen)
			return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: bad stored length", hex);
		memcpy(out->data, h + SBX_PACK_REC_HDR, loc->ulen);
	}
	out->len = loc->ulen;
	out->data[out->len] = '\0';
	if (verify) {
		sbx_sha256(out->data, out->len, got);
		if (memcmp(got, id, 32))
			return sbx_err_set(err, SBX_ECORRUPT, "chunk %s: content does not match its id", hex);
	}
	return 0;
}
