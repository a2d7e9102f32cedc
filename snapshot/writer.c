#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "sbx/buf.h"
#include "snapshot/chunkset.h"
#include "snapshot/pack.h"
#include "snapshot/writer.h"

/* Jobs wait in a ring bounded by count and by bytes: deep enough to absorb
 * bursts of small files, shallow enough to keep memory flat. */
#define QUEUE_CAP 4096
#define QUEUE_BYTES ((size_t)32 << 20)
#define MAX_WORKERS 4
/* Level 2: on the benchmark tree it stores within 0.5% of level 3 and
 * compresses about a quarter faster (bench/run). */
#define ZSTD_LEVEL 2

struct job {
	uint8_t id[32];
	void *data;
	size_t n;
};

struct sealed {
	uint8_t id[SBX_PACK_ID_LEN];
	uint64_t size;
	uint32_t count;
};

struct sbx_writer {
	struct sbx_store *store;
	unsigned flags;
	MDB_txn *rtxn;                  /* read snapshot of the index for dedup */

	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct job queue[QUEUE_CAP];
	size_t qhead, qlen, qbytes;
	int closing;
	pthread_t workers[MAX_WORKERS];
	int nworkers;
	/* Full packs wait here for the sealer thread, so that their fsync
	 * overlaps compression instead of stalling a worker. */
	pthread_t sealer;
	int has_sealer, sealer_closing;
	pthread_cond_t seal_cv;
	struct { struct sbx_pack_writer *p; uint32_t count; } *pend;
	size_t npend, cappend;

	/* under mu */
	struct comp *comps;             /* idle compressors (SBX_WRITER_INLINE) */
	struct sbx_chunkset set;        /* chunks taken by this writer */
	struct sbx_pack_writer *pack;
	uint32_t pack_count;
	struct sealed *sealed;
	size_t nsealed, capsealed;
	struct sbx_writer_stats st;
	struct sbx_err werr;            /* first error of a worker */
};

/* Records a sealed pack; called with mu held. */
static void record_sealed(struct sbx_writer *w, const uint8_t id[SBX_PACK_ID_LEN], uint64_t size,
			  uint32_t count)
{
	struct sealed *s;

	if (w->nsealed == w->capsealed) {
		w->capsealed = w->capsealed ? 2 * w->capsealed : 8;
		w->sealed = sbx_xrealloc(w->sealed, w->capsealed * sizeof *w->sealed);
	}
	s = &w->sealed[w->nsealed++];
	memcpy(s->id, id, SBX_PACK_ID_LEN);
	s->size = size;
	s->count = count;
	w->st.packs++;
}

/* Seals pack P (COUNT chunks).  Called WITHOUT mu held: the fsync must not
 * stall the other workers.  Takes mu to record the result. */
static int seal_pack(struct sbx_writer *w, struct sbx_pack_writer *p, uint32_t count,
		     struct sbx_err *err)
{
	uint8_t id[SBX_PACK_ID_LEN];
	uint64_t size = sbx_pack_writer_size(p);
	int r;

	memcpy(id, sbx_pack_writer_id(p), SBX_PACK_ID_LEN);
	r = sbx_pack_writer_seal(p, err);
	pthread_mutex_lock(&w->mu);
	if (!r)
		record_sealed(w, id, size, count);
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Appends one compressed chunk; called with mu held.  When the pack is full
 * it is detached into *FULL (with its chunk count in *FULLCOUNT) for the
 * caller to seal once it has dropped mu. */
static int append(struct sbx_writer *w, const uint8_t id[32], const void *data, size_t clen,
		  size_t ulen, uint8_t flags, struct sbx_pack_writer **full, uint32_t *fullcount,
		  struct sbx_err *err)
{
	struct sbx_chunkset_entry *e;
	int r, added;

	if (!w->pack) {
		r = sbx_pack_writer_new(w->store->packdir, &w->pack, err);
		if (r)
			return r;
	}
	e = sbx_chunkset_add(&w->set, id, &added);
	r = sbx_pack_writer_add(w->pack, id, data, (uint32_t)clen, (uint32_t)ulen, flags, &e->loc, err);
	if (r)
		return r;
	e->mark = 1;
	w->pack_count++;
	w->st.new_chunks++;
	w->st.new_raw += ulen;
	w->st.new_stored += SBX_PACK_REC_HDR + clen;
	if (sbx_pack_writer_size(w->pack) >= SBX_PACK_TARGET) {
		*full = w->pack;
		*fullcount = w->pack_count;
		w->pack = NULL;
		w->pack_count = 0;
	}
	return 0;
}

/* Hands a full pack to the sealer; called with mu held. */
static void queue_seal(struct sbx_writer *w, struct sbx_pack_writer *p, uint32_t count)
{
	if (w->npend == w->cappend) {
		w->cappend = w->cappend ? 2 * w->cappend : 8;
		w->pend = sbx_xrealloc(w->pend, w->cappend * sizeof *w->pend);
	}
	w->pend[w->npend].p = p;
	w->pend[w->npend].count = count;
	w->npend++;
	pthread_cond_signal(&w->seal_cv);
}

static void *sealer(void *arg)
{
	struct sbx_writer *w = arg;

	for (;;) {
		struct sbx_pack_writer *p;
		uint32_t count;
		struct sbx_err e = { 0 };

		pthread_mutex_lock(&w->mu);
		while (!w->npend && !w->sealer_closing)
			pthread_cond_wait(&w->seal_cv, &w->mu);
		if (!w->npend) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		p = w->pend[0].p;
		count = w->pend[0].count;
		memmove(w->pend, w->pend + 1, --w->npend * sizeof *w->pend);
		pthread_mutex_unlock(&w->mu);
		if (seal_pack(w, p, count, &e)) {
			pthread_mutex_lock(&w->mu);
			if (!w->werr.code)
				w->werr = e;
			pthread_mutex_unlock(&w->mu);
		}
	}
	return NULL;
}

/* A compressor: a zstd context and its output buffer. */
struct comp {
	ZSTD_CCtx *cctx;
	void *buf;
	size_t cap;
	struct comp *next;       /* in the writer's free list */
};

static struct comp *comp_new(void)
{
	struct comp *c = sbx_xcalloc(1, sizeof *c);

	c->cctx = ZSTD_createCCtx();
	if (!c->cctx)
		abort();
	return c;
}

static void comp_free(struct comp *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	free(c->buf);
	free(c);
}

/* Compresses DATA and stores it, without holding mu while compressing. */
static void compress_store(struct sbx_writer *w, struct comp *c, const uint8_t id[32],
			   const void *data, size_t n)
{
	struct sbx_pack_writer *full = NULL;
	uint32_t fullcount = 0;
	struct sbx_err e = { 0 };
	size_t bound = ZSTD_compressBound(n), z;
	const void *out;
	uint8_t flags;

	if (bound > c->cap) {
		c->cap = bound;
		c->buf = sbx_xrealloc(c->buf, c->cap);
	}
	z = ZSTD_compressCCtx(c->cctx, c->buf, c->cap, data, n, ZSTD_LEVEL);
	if (!ZSTD_isError(z) && z < n) {
		out = c->buf;
		flags = SBX_CHUNK_ZSTD;
	} else {
		/* Incompressible: store raw. */
		out = data;
		z = n;
		flags = 0;
	}
	pthread_mutex_lock(&w->mu);
	if (!w->werr.code && append(w, id, out, z, n, flags, &full, &fullcount, &e))
		w->werr = e;
	if (full)
		queue_seal(w, full, fullcount);
	pthread_mutex_unlock(&w->mu);
}

static void *worker(void *arg)
{
	struct sbx_writer *w = arg;
	struct comp *c = comp_new();

	for (;;) {
		struct job j;

		pthread_mutex_lock(&w->mu);
		while (!w->qlen && !w->closing)
			pthread_cond_wait(&w->not_empty, &w->mu);
		if (!w->qlen) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		j = w->queue[w->qhead];
		w->qhead = (w->qhead + 1) % QUEUE_CAP;
		w->qlen--;
		w->qbytes -= j.n;
		pthread_cond_signal(&w->not_full);
		pthread_mutex_unlock(&w->mu);
		compress_store(w, c, j.id, j.data, j.n);
		free(j.data);
	}
	comp_free(c);
	return NULL;
}

int sbx_writer_new(struct sbx_store *s, unsigned flags, struct sbx_writer **out,
		   struct sbx_err *err)
{
	struct sbx_writer *w = sbx_xcalloc(1, sizeof *w);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i, r;

	w->store = s;
	w->flags = flags;
	sbx_chunkset_init(&w->set);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	pthread_cond_init(&w->seal_cv, NULL);
	r = s ? sbx_txn_begin(s, MDB_RDONLY, &w->rtxn, err) : 0;
	if (r) {
		w->rtxn = NULL;
		sbx_writer_free(w, 0);
		*out = NULL;
		return r;
	}
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > MAX_WORKERS)
		ncpu = MAX_WORKERS;
	/* Inline: the callers' own threads compress. */
	for (i = 0; !(flags & SBX_WRITER_INLINE) && i < ncpu; i++) {
		if (pthread_create(&w->workers[i], NULL, worker, w))
			break;
		w->nworkers++;
	}
	if (pthread_create(&w->sealer, NULL, sealer, w) == 0)
		w->has_sealer = 1;
	if ((!w->nworkers && !(flags & SBX_WRITER_INLINE)) || !w->has_sealer) {
		sbx_writer_free(w, 0);
		*out = NULL;
		return sbx_err_set(err, SBX_EFAIL, "cannot start writer threads");
	}
	*out = w;
	return 0;
}

int sbx_writer_known(struct sbx_writer *w, const uint8_t id[32])
{
	MDB_val v;
	int known;

	pthread_mutex_lock(&w->mu);
	known = sbx_chunkset_find(&w->set, id) != NULL ||
		(w->rtxn && sbx_get(w->rtxn, w->store->chunks, id, 32, &v, NULL) == 0);
	pthread_mutex_unlock(&w->mu);
	return known;
}

int sbx_writer_put(struct sbx_writer *w, const uint8_t id[32], const void *data, size_t n,
		   struct sbx_err *err)
{
	struct sbx_chunkset_entry *e;
	MDB_val v;
	int added, r = 0;

	if (w->flags & SBX_WRITER_DISCARD)
		return 0;
	pthread_mutex_lock(&w->mu);
	/* The read transaction is shared: look up under the lock, which makes
	 * puts from several threads safe. */
	if (!(w->flags & SBX_WRITER_REPACK) &&
	    sbx_get(w->rtxn, w->store->chunks, id, 32, &v, NULL) == 0)
		goto out;
	if (w->werr.code) {
		r = sbx_err_set(err, w->werr.code, "%s", w->werr.msg);
		goto out;
	}
	/* Reserve the id now so that a second put of it, before a worker has
	 * stored the first, is recognised as a duplicate. */
	e = sbx_chunkset_add(&w->set, id, &added);
	(void)e;
	if (!added)
		goto out;
	if (w->flags & SBX_WRITER_INLINE) {
		struct comp *c = w->comps;

		if (c)
			w->comps = c->next;
		pthread_mutex_unlock(&w->mu);
		if (!c)
			c = comp_new();
		compress_store(w, c, id, data, n);
		pthread_mutex_lock(&w->mu);
		c->next = w->comps;
		w->comps = c;
		goto out;
	}
	while (w->qlen == QUEUE_CAP || (w->qlen && w->qbytes + n > QUEUE_BYTES))
		pthread_cond_wait(&w->not_full, &w->mu);
	{
		struct job *j = &w->queue[(w->qhead + w->qlen) % QUEUE_CAP];

		memcpy(j->id, id, 32);
		j->data = sbx_xmalloc(n);
		memcpy(j->data, data, n);
		j->n = n;
		w->qlen++;
		w->qbytes += n;
	}
	pthread_cond_signal(&w->not_empty);
out:
	pthread_mutex_unlock(&w->mu);
	return r;
}

static void stop_workers(struct sbx_writer *w)
{
	int i;

	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	pthread_cond_broadcast(&w->not_empty);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nworkers; i++)
		pthread_join(w->workers[i], NULL);
	w->nworkers = 0;
}

/* Seals what is queued, then ends the sealer thread. */
static void stop_sealer(struct sbx_writer *w)
{
	if (!w->has_sealer)
		return;
	pthread_mutex_lock(&w->mu);
	w->sealer_closing = 1;
	pthread_cond_broadcast(&w->seal_cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->sealer, NULL);
	w->has_sealer = 0;
}

int sbx_writer_finish(struct sbx_writer *w, struct sbx_err *err)
{
	int r = 0;

	stop_workers(w);
	pthread_mutex_lock(&w->mu);
	if (w->pack && !w->werr.code) {
		queue_seal(w, w->pack, w->pack_count);
		w->pack = NULL;
		w->pack_count = 0;
	}
	pthread_mutex_unlock(&w->mu);
	stop_sealer(w);
	if (w->werr.code)
		return sbx_err_set(err, w->werr.code, "%s", w->werr.msg);
	if (w->rtxn) {
		mdb_txn_abort(w->rtxn);
		w->rtxn = NULL;
	}
	return r;
}

int sbx_writer_commit(struct sbx_writer *w, MDB_txn *txn, struct sbx_err *err)
{
	struct sbx_chunkset_entry *e;
	size_t i;
	int r;

	sbx_chunkset_foreach(&w->set, e) {
		uint8_t enc[SBX_LOC_LEN];

		if (!e->mark)
			continue;
		sbx_loc_encode(&e->loc, enc);
		r = sbx_put(txn, w->store->chunks, e->id, 32, enc, sizeof enc, 0, err);
		if (r)
			return r;
	}
	for (i = 0; i < w->nsealed; i++) {
		uint8_t v[12];

		sbx_put_u64(v, w->sealed[i].size);
		sbx_put_u32(v + 8, w->sealed[i].count);
		r = sbx_put(txn, w->store->packs, w->sealed[i].id, SBX_PACK_ID_LEN, v, sizeof v, 0, err);
		if (r)
			return r;
	}
	return 0;
}

const struct sbx_chunk_loc *sbx_writer_loc(struct sbx_writer *w, const uint8_t id[32])
{
	struct sbx_chunkset_entry *e = sbx_chunkset_find(&w->set, id);

	return e && e->mark ? &e->loc : NULL;
}

void sbx_writer_stats(const struct sbx_writer *w, struct sbx_writer_stats *st)
{
	*st = w->st;
}

void sbx_writer_free(struct sbx_writer *w, int committed)
{
	size_t i;

	if (!w)
		return;
	stop_workers(w);
	/* A failed capture: abort the packs not sealed yet instead of
	 * syncing them, then let the sealer finish the one it holds. */
	pthread_mutex_lock(&w->mu);
	while (w->npend)
		sbx_pack_writer_abort(w->pend[--w->npend].p);
	pthread_mutex_unlock(&w->mu);
	stop_sealer(w);
	while (w->qlen) {
		free(w->queue[w->qhead].data);
		w->qhead = (w->qhead + 1) % QUEUE_CAP;
		w->qlen--;
	}
	sbx_pack_writer_abort(w->pack);
	if (!committed) {
		for (i = 0; i < w->nsealed; i++) {
			char *p = sbx_pack_path(w->store->packdir, w->sealed[i].id, 0);

			unlink(p);
			free(p);
		}
	}
	if (w->rtxn)
		mdb_txn_abort(w->rtxn);
	while (w->comps) {
		struct comp *c = w->comps;

		w->comps = c->next;
		comp_free(c);
	}
	sbx_chunkset_release(&w->set);
	free(w->sealed);
	free(w->pend);
	pthread_cond_destroy(&w->seal_cv);
	pthread_cond_destroy(&w->not_full);
	pthread_cond_destroy(&w->not_empty);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
