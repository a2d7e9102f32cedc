#include "config.h"

#include <string.h>

#include "snapshot/filescache.h"

/* Value: dev u64, ino u64, size u64, mtime i64, ctime i64, count u32, ids. */
#define HDR 44

int sbx_fcache_lookup(struct sbx_store *s, MDB_txn *txn, const struct sbx_source_entry *e,
		      const uint8_t **chunks, uint32_t *n)
{
	MDB_val v;
	const uint8_t *p;
	uint32_t cnt;

	if (!e->cache_key || sbx_get(txn, s->fcache, e->cache_key, strlen(e->cache_key), &v, NULL))
		return 0;
	if (v.mv_size < HDR)
		return 0;
	p = v.mv_data;
	cnt = sbx_get_u32(p + 40);
	if (v.mv_size != HDR + (size_t)cnt * 32)
		return 0;
	if (sbx_get_u64(p) != e->dev || sbx_get_u64(p + 8) != e->ino ||
	    sbx_get_u64(p + 16) != e->size || (int64_t)sbx_get_u64(p + 24) != e->mtime_ns ||
	    (int64_t)sbx_get_u64(p + 32) != e->ctime_ns)
		return 0;
	*chunks = p + HDR;
	*n = cnt;
	return 1;
}

void sbx_fcache_note(struct sbx_buf *pending, const struct sbx_source_entry *e,
		     const uint8_t *chunks, uint32_t n, int64_t start_ns)
{
	size_t klen;

	if (!e->cache_key || e->mtime_ns >= start_ns || e->ctime_ns >= start_ns)
		return;
	klen = strlen(e->cache_key);
	sbx_buf_add_u32(pending, (uint32_t)klen);
	sbx_buf_add(pending, e->cache_key, klen);
	sbx_buf_add_u32(pending, HDR + n * 32);
	sbx_buf_add_u64(pending, e->dev);
	sbx_buf_add_u64(pending, e->ino);
	sbx_buf_add_u64(pending, e->size);
	sbx_buf_add_u64(pending, (uint64_t)e->mtime_ns);
	sbx_buf_add_u64(pending, (uint64_t)e->ctime_ns);
	sbx_buf_add_u32(pending, n);
	sbx_buf_add(pending, chunks, (size_t)n * 32);
}

int sbx_fcache_commit(struct sbx_store *s, MDB_txn *txn, const struct sbx_buf *pending,
		      struct sbx_err *err)
{
	const uint8_t *p = (const uint8_t *)pending->data, *end = p + pending->len;

	while (p && p < end) {
		uint32_t kl = sbx_get_u32(p), vl;
		int r;

		vl = sbx_get_u32(p + 4 + kl);
		r = sbx_put(txn, s->fcache, p + 4, kl, p + 8 + kl, vl, 0, err);
		if (r)
			return r;
		p += 8 + kl + vl;
	}
	return 0;
}
