#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot/capture.h"
#include "snapshot/filescache.h"
#include "snapshot/filepool.h"

#define RING 256
#define MAX_THREADS 4

struct fjob {
	struct sbx_node *n;
	struct sbx_file_reader fr;     /* opened by the main thread */
	struct sbx_source_entry e;     /* cache_key owned */
};

struct sbx_filepool {
	struct sbx_source *src;
	struct sbx_writer *w;
	struct sbx_buf *fcache;
	struct sbx_capture_result *res;
	pthread_mutex_t mu;
	pthread_cond_t has_job, has_room;
	struct fjob ring[RING];
	size_t head, len;
	int closing;
	pthread_t th[MAX_THREADS];
	int nth;
	struct sbx_err err;
};

static ssize_t fr_read(void *ctx, void *buf, size_t n, struct sbx_err *err)
{
	return sbx_file_reader_read(ctx, buf, n, err);
}

static void *run(void *arg)
{
	struct sbx_filepool *p = arg;
	struct sbx_buf scratch = SBX_BUF_INIT, ids = SBX_BUF_INIT;

	for (;;) {
		struct fjob j;
		struct sbx_err e = { 0 };
		uint64_t size = 0;
		int r;

		pthread_mutex_lock(&p->mu);
		while (!p->len && !p->closing)
			pthread_cond_wait(&p->has_job, &p->mu);
		if (!p->len) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		j = p->ring[p->head];
		p->head = (p->head + 1) % RING;
		p->len--;
		pthread_cond_signal(&p->has_room);
		r = p->err.code;
		pthread_mutex_unlock(&p->mu);
		if (!r)
			r = sbx_chunk_stream(p->w, fr_read, &j.fr, &scratch, &ids, &size, &e);
		pthread_mutex_lock(&p->mu);
		if (r && !p->err.code)
			p->err = e;
		if (!r) {
			/* Nodes are not moved once made, and the main thread does
			 * not touch a node it queued. */
			sbx_node_set_chunks(j.n, (const uint8_t *)ids.data, (uint32_t)(ids.len / 32));
			j.n->size = size;
			p->res->bytes += size;
			sbx_fcache_note(p->fcache, &j.e, (const uint8_t *)ids.data,
					(uint32_t)(ids.len / 32), p->src->start_ns);
		}
		pthread_mutex_unlock(&p->mu);
		sbx_file_reader_close(&j.fr);
		free((char *)j.e.cache_key);
	}
	sbx_buf_release(&scratch);
	sbx_buf_release(&ids);
	return NULL;
}

struct sbx_filepool *sbx_filepool_new(struct sbx_source *src, struct sbx_writer *w,
				      struct sbx_buf *fcache, struct sbx_capture_result *res)
{
	struct sbx_filepool *p = sbx_xcalloc(1, sizeof *p);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	p->src = src;
	p->w = w;
	p->fcache = fcache;
	p->res = res;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->has_job, NULL);
	pthread_cond_init(&p->has_room, NULL);
	if (ncpu < 1)
		ncpu = 1;
	for (i = 0; i < ncpu && i < MAX_THREADS; i++)
		if (pthread_create(&p->th[p->nth], NULL, run, p) == 0)
			p->nth++;
	return p;
}

int sbx_filepool_add(struct sbx_filepool *p, struct sbx_node *n, const struct sbx_source_entry *e,
		     struct sbx_err *err)
{
	struct fjob *j;
	struct sbx_file_reader fr;
	int r;

	/* Opened here, while the walk still holds this entry, so that the
	 * file is the one the walk saw. */
	r = p->src->ops->open_file(p->src, e, &fr, err);
	if (r) {
		sbx_file_reader_close(&fr);
		return r;
	}
	pthread_mutex_lock(&p->mu);
	while (p->len == RING && !p->err.code)
		pthread_cond_wait(&p->has_room, &p->mu);
	if (p->err.code) {
		r = sbx_err_set(err, p->err.code, "%s", p->err.msg);
		pthread_mutex_unlock(&p->mu);
		sbx_file_reader_close(&fr);
		return r;
	}
	j = &p->ring[(p->head + p->len) % RING];
	j->n = n;
	j->fr = fr;
	j->e = *e;
	j->e.path = NULL;
	j->e.target = NULL;
	j->e.hardlink = NULL;
	j->e.cache_key = e->cache_key ? sbx_xstrdup(e->cache_key) : NULL;
	p->len++;
	pthread_cond_signal(&p->has_job);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

uint64_t sbx_filepool_bytes(struct sbx_filepool *p)
{
	uint64_t b;

	pthread_mutex_lock(&p->mu);
	b = p->res->bytes;
	pthread_mutex_unlock(&p->mu);
	return b;
}

int sbx_filepool_finish(struct sbx_filepool *p, struct sbx_err *err)
{
	int i, r = 0;

	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->has_job);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	/* Jobs left when every thread failed to start, or after an error. */
	while (p->len) {
		struct fjob *j = &p->ring[p->head];

		if (!p->nth && !p->err.code)
			sbx_err_set(&p->err, SBX_EFAIL, "cannot start capture threads");
		sbx_file_reader_close(&j->fr);
		free((char *)j->e.cache_key);
		p->head = (p->head + 1) % RING;
		p->len--;
	}
	if (p->err.code)
		r = sbx_err_set(err, p->err.code, "%s", p->err.msg);
	pthread_cond_destroy(&p->has_room);
	pthread_cond_destroy(&p->has_job);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return r;
}
