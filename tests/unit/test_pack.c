/*
 * Unit tests for the store, the chunk writer and pack files
 * (snapshot/store.c, snapshot/writer.c, snapshot/pack.c), on a real store in
 * a fresh temporary directory per test, removed afterwards.
 *
 * Chunk contents come from a seeded xorshift64 generator: random bytes
 * (stored raw) and word salad (compressed), so runs are reproducible.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "sbx/store.h"
#include "snapshot/pack.h"
#include "snapshot/read.h"
#include "snapshot/store-int.h"
#include "snapshot/writer.h"
#include "util/fsutil.h"
#include "util/hash.h"

struct fixture {
	char dir[PATH_MAX];      /* the mkdtemp directory */
	char store[PATH_MAX + 8];    /* DIR/store, not created yet */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "%s/sbx-test-pack.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->store, sizeof fx->store, "%s/store", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct sbx_err err = { 0 };
	struct stat st;
	int r = sbx_rm_rf(fx->dir, &err);

	if (r || lstat(fx->dir, &st) == 0) {
		fprintf(stderr, "cannot remove '%s': %s\n", fx->dir, err.msg);
		r = -1;
	}
	free(fx);
	return r;
}

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fill_random(uint8_t *p, size_t n, uint64_t *rng)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			rng_next(rng);
		p[i] = (uint8_t)(*rng >> (8 * (i % 8)));
	}
}

static void fill_text(uint8_t *p, size_t n, uint64_t *rng)
{
	static const char *const words[] = {
		"sandbox", "snapshot", "chunk", "pack", "index", "tree", "the",
		"of", "and", "store", "zstd", "lmdb", "deduplicate", "restore",
	};
	size_t i = 0;

	while (i < n) {
		const char *w = words[rng_next(rng) % (sizeof words / sizeof *words)];

		while (*w && i < n)
			p[i++] = (uint8_t)*w++;
		if (i < n)
			p[i++] = rng_next(rng) % 9 == 0 ? '\n' : ' ';
	}
}

enum { K_RANDOM, K_TEXT, K_MIXED };

struct chunk {
	uint8_t *data;
	size_t n;
	uint8_t id[32];
	int kind;
	size_t first;            /* index of the first chunk with this id */
	struct sbx_chunk_loc loc;
};

struct chunks {
	struct chunk *c;
	size_t n;
	size_t distinct;
	uint64_t distinct_raw;
	uint64_t random_raw;     /* raw bytes of distinct random chunks */
};

/* N chunks from SEED: every third random (incompressible), the others text;
 * chunk i with i % 25 == 24 repeats chunk i - 24 byte for byte; chunk 1 is
 * empty and chunk 2 one byte.  Random chunks go up to MAXRAND bytes. */
static void make_chunks(struct chunks *cs, size_t n, uint64_t seed, size_t maxrand)
{
	uint64_t rng = seed;
	size_t i;

	cs->c = calloc(n, sizeof *cs->c);
	assert_non_null(cs->c);
	cs->n = n;
	cs->distinct = 0;
	cs->distinct_raw = 0;
	cs->random_raw = 0;
	for (i = 0; i < n; i++) {
		struct chunk *c = &cs->c[i];

		c->kind = (int)(i % 3);
		if (i % 25 == 24) {
			const struct chunk *o = &cs->c[i - 24];

			c->n = o->n;
			c->kind = o->kind;
			c->data = malloc(c->n ? c->n : 1);
			assert_non_null(c->data);
			memcpy(c->data, o->data, c->n);
			c->first = i - 24;
		} else {
			c->n = i == 1 ? 0 : i == 2 ? 1 :
			       c->kind == K_RANDOM ? 1 + rng_next(&rng) % maxrand :
			       1 + rng_next(&rng) % 100000;
			c->data = malloc(c->n ? c->n : 1);
			assert_non_null(c->data);
			if (c->kind == K_RANDOM)
				fill_random(c->data, c->n, &rng);
			else
				fill_text(c->data, c->n, &rng);
			if (c->kind == K_MIXED && c->n > 64)
				fill_random(c->data + c->n / 2, 32, &rng);
			c->first = i;
			cs->distinct++;
			cs->distinct_raw += c->n;
			if (c->kind == K_RANDOM)
				cs->random_raw += c->n;
		}
		sbx_sha256(c->data, c->n, c->id);
	}
}

static void free_chunks(struct chunks *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->c[i].data);
	free(cs->c);
	cs->c = NULL;
}

static int commit_cb(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	return sbx_writer_commit(ctx, txn, err);
}

static struct sbx_store *init_open(const struct fixture *fx, unsigned flags)
{
	struct sbx_err err = { 0 };
	struct sbx_store *s = NULL;
	int created = -1;

	if (sbx_store_init(fx->store, &created, &err))
		fail_msg("init '%s': %s", fx->store, err.msg);
	if (sbx_store_open(fx->store, flags, "test_pack", &s, &err))
		fail_msg("open '%s': %s", fx->store, err.msg);
	assert_non_null(s);
	return s;
}

/* Puts every chunk of CS (and every tenth again) through a new writer,
 * finishes, commits and frees it; fills each chunk's loc and *ST. */
static void store_chunks(struct sbx_store *s, struct chunks *cs, struct sbx_writer_stats *st)
{
	struct sbx_err err = { 0 };
	struct sbx_writer *w = NULL;
	size_t i;

	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	for (i = 0; i < cs->n; i++)
		assert_int_equal(sbx_writer_put(w, cs->c[i].id, cs->c[i].data, cs->c[i].n, &err), 0);
	for (i = 0; i < cs->n; i += 10)
		assert_int_equal(sbx_writer_put(w, cs->c[i].id, cs->c[i].data, cs->c[i].n, &err), 0);
	if (sbx_writer_finish(w, &err))
		fail_msg("finish: %s", err.msg);
	for (i = 0; i < cs->n; i++) {
		const struct sbx_chunk_loc *l = sbx_writer_loc(w, cs->c[i].id);

		assert_non_null(l);
		cs->c[i].loc = *l;
	}
	sbx_writer_stats(w, st);
	if (sbx_store_write(s, commit_cb, w, &err))
		fail_msg("commit: %s", err.msg);
	sbx_writer_free(w, 1);
}

/* What a walk of STORE/packs found. */
struct walk {
	char **packs;            /* paths of *.pack, sorted */
	size_t npacks;
	size_t ntmp;             /* *.tmp */
	size_t nother;           /* any other file */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void walk_dir(const char *dir, int depth, struct walk *w)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			assert_true(depth < 4);
			walk_dir(path, depth + 1, w);
		} else if (ends_with(de->d_name, ".pack")) {
			w->packs = realloc(w->packs, (w->npacks + 1) * sizeof *w->packs);
			assert_non_null(w->packs);
			w->packs[w->npacks++] = strdup(path);
		} else if (ends_with(de->d_name, ".tmp")) {
			w->ntmp++;
		} else {
			w->nother++;
		}
	}
	closedir(d);
}

static void walk_packs(const struct sbx_store *s, struct walk *w)
{
	memset(w, 0, sizeof *w);
	walk_dir(s->packdir, 0, w);
	if (w->npacks > 1)
		qsort(w->packs, w->npacks, sizeof *w->packs, cmp_str);
}

static void walk_release(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->npacks; i++)
		free(w->packs[i]);
	free(w->packs);
	memset(w, 0, sizeof *w);
}

static void assert_same_packs(const struct walk *a, const struct walk *b)
{
	size_t i;

	assert_int_equal(a->npacks, b->npacks);
	for (i = 0; i < a->npacks; i++)
		assert_string_equal(a->packs[i], b->packs[i]);
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Parses a pack file: the magic, then records up to the exact end.  Appends
 * each record's chunk id to *IDS; returns the number of records. */
static size_t parse_pack(const char *path, uint8_t **ids, size_t *nids)
{
	size_t len, pos = SBX_PACK_HDR, count = 0;
	unsigned char *p = read_whole(path, &len);

	assert_true(len >= SBX_PACK_HDR);
	assert_memory_equal(p, "SBXPACK1", 8);
	while (pos < len) {
		uint32_t clen;

		assert_true(len - pos >= SBX_PACK_REC_HDR);
		clen = sbx_get_u32(p + pos + 36);
		assert_true(p[pos + 40] == 0 || p[pos + 40] == SBX_CHUNK_ZSTD);
		*ids = realloc(*ids, (*nids + 1) * 32);
		assert_non_null(*ids);
		memcpy(*ids + 32 * *nids, p + pos, 32);
		(*nids)++;
		pos += SBX_PACK_REC_HDR + (size_t)clen;
		count++;
	}
	assert_int_equal(pos, len);
	free(p);
	return count;
}

static char *hex_of(const uint8_t id[32], char out[SBX_HEX_LEN + 1])
{
	sbx_hex(id, 32, out);
	return out;
}

/* ---- the store ---- */

/* What *OUT holds before an open, to see that a failed open clears it. */
static struct sbx_store sentinel;

static void test_store_init(void **state)
{
	struct fixture *fx = *state;
	struct sbx_err err = { 0 };
	struct sbx_store *s = NULL;
	char path[PATH_MAX + 32];
	mode_t old = umask(022);
	struct stat st;
	int created = -1;

	assert_int_equal(sbx_store_init(fx->store, &created, &err), 0);
	assert_int_equal(created, 1);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof path, "%s/index/data.mdb", fx->store);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof path, "%s/packs", fx->store);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* Idempotent. */
	created = -1;
	assert_int_equal(sbx_store_init(fx->store, &created, &err), 0);
	assert_int_equal(created, 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* Openable, and it knows its path. */
	assert_int_equal(sbx_store_open(fx->store, 0, "test", &s, &err), 0);
	assert_string_equal(sbx_store_path(s), fx->store);
	sbx_store_close(s);

	/* Missing parents are made; the store itself is still 0700. */
	snprintf(path, sizeof path, "%s/deeper/still/store", fx->dir);
	created = -1;
	assert_int_equal(sbx_store_init(path, &created, &err), 0);
	assert_int_equal(created, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* A regular file in the way. */
	snprintf(path, sizeof path, "%s/plain-file", fx->dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fclose(f);
	}
	created = -1;
	assert_int_equal(sbx_store_init(path, &created, &err), SBX_EEXIST);
	assert_int_equal(created, 0);
	assert_non_null(strstr(err.msg, path));
	umask(old);
}

static void test_open_missing(void **state)
{
	struct fixture *fx = *state;
	struct sbx_err err = { 0 };
	struct sbx_store *s = &sentinel;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/no-such-store", fx->dir);
	assert_int_equal(sbx_store_open(path, 0, "test", &s, &err), SBX_ENOTFOUND);
	assert_null(s);
	assert_int_equal(err.code, SBX_ENOTFOUND);
	assert_non_null(strstr(err.msg, path));

	sbx_err_clear(&err);
	s = &sentinel;
	assert_int_equal(sbx_store_open(path, SBX_STORE_WRITE | SBX_STORE_PACKS, "test", &s, &err),
			 SBX_ENOTFOUND);
	assert_null(s);

	/* An existing directory that is not a store. */
	sbx_err_clear(&err);
	assert_int_equal(sbx_store_open(fx->dir, 0, "test", &s, &err), SBX_ENOTFOUND);
	assert_null(s);
}

static void test_write_lock_busy(void **state)
{
	struct fixture *fx = *state;
	struct sbx_err err = { 0 };
	struct sbx_store *holder, *s = &sentinel;
	char pid[32];

	holder = init_open(fx, SBX_STORE_WRITE);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_WRITE, "second", &s, &err), SBX_EBUSY);
	assert_null(s);
	assert_int_equal(err.code, SBX_EBUSY);
	if (!strstr(err.msg, "--wait"))
		fail_msg("EBUSY message does not mention --wait: %s", err.msg);
	/* It names the holder: this process, and the command it gave. */
	snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
	if (!strstr(err.msg, pid) || !strstr(err.msg, "test_pack"))
		fail_msg("EBUSY message does not name the holder: %s", err.msg);

	sbx_err_clear(&err);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_WRITE | SBX_STORE_PACKS, "third",
					&s, &err), SBX_EBUSY);
	assert_null(s);

	/* Closing releases the lock. */
	sbx_store_close(holder);
	sbx_err_clear(&err);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_WRITE, "fourth", &s, &err), 0);
	assert_non_null(s);
	sbx_store_close(s);

	/* gc's exclusive lock against a pack reader's shared one. */
	holder = NULL;
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_PACKS, "reader", &holder, &err), 0);
	assert_int_equal(sbx_store_open(fx->store, SBX_STORE_GC, "gc", &s, &err), SBX_EBUSY);
	assert_null(s);
	assert_non_null(strstr(err.msg, "--wait"));
	sbx_store_close(holder);
}

/* ---- writer and packs ---- */

static void test_writer_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct sbx_store *s = init_open(fx, SBX_STORE_WRITE | SBX_STORE_PACKS);
	struct sbx_err err = { 0 };
	struct sbx_writer *w = NULL;
	struct sbx_writer_stats st;
	struct sbx_pack_reader *rd;
	struct sbx_buf out = SBX_BUF_INIT;
	struct chunks cs;
	struct walk wk, wk2;
	MDB_txn *txn;
	MDB_stat ms;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t *ids = NULL, unknown[32];
	size_t nids = 0, i, small_packs = 0;
	uint64_t stored = 0, records = 0;
	char hex[SBX_HEX_LEN + 1];
	int rc;

	make_chunks(&cs, 300, 0x243f6a8885a308d3ull, 400000);
	/* Enough incompressible bytes to fill more than one pack. */
	assert_true(cs.random_raw > SBX_PACK_TARGET);
	assert_int_equal(cs.distinct, 300 - 12);

	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	for (i = 0; i < cs.n; i++)
		assert_int_equal(sbx_writer_put(w, cs.c[i].id, cs.c[i].data, cs.c[i].n, &err), 0);
	for (i = 0; i < cs.n; i += 10)
		assert_int_equal(sbx_writer_put(w, cs.c[i].id, cs.c[i].data, cs.c[i].n, &err), 0);
	for (i = 0; i < cs.n; i++)
		assert_int_equal(sbx_writer_known(w, cs.c[i].id), 1);
	memset(unknown, 0x77, sizeof unknown);
	assert_int_equal(sbx_writer_known(w, unknown), 0);
	if (sbx_writer_finish(w, &err))
		fail_msg("finish: %s", err.msg);

	/* Duplicates are stored once. */
	sbx_writer_stats(w, &st);
	assert_int_equal(st.new_chunks, cs.distinct);
	assert_true(st.new_raw == cs.distinct_raw);
	assert_true(st.packs >= 2);
	assert_null(sbx_writer_loc(w, unknown));
	for (i = 0; i < cs.n; i++) {
		const struct sbx_chunk_loc *l = sbx_writer_loc(w, cs.c[i].id);

		assert_non_null(l);
		cs.c[i].loc = *l;
		assert_int_equal(l->ulen, cs.c[i].n);
		if (cs.c[i].first != i)
			assert_memory_equal(&cs.c[cs.c[i].first].loc, l, sizeof *l);
	}

	/* The packs are on disk, but the index names none of it yet. */
	walk_packs(s, &wk);
	assert_int_equal(wk.npacks, st.packs);
	assert_int_equal(wk.ntmp, 0);
	assert_int_equal(wk.nother, 0);
	assert_int_equal(sbx_txn_begin(s, MDB_RDONLY, &txn, &err), 0);
	{
		struct sbx_chunk_loc loc;

		assert_int_equal(sbx_chunk_locate(s, txn, cs.c[0].id, &loc, &err), SBX_ECORRUPT);
		assert_non_null(strstr(err.msg, hex_of(cs.c[0].id, hex)));
		sbx_err_clear(&err);
	}
	mdb_txn_abort(txn);

	if (sbx_store_write(s, commit_cb, w, &err))
		fail_msg("commit: %s", err.msg);
	sbx_writer_free(w, 1);

	/* Every chunk, duplicates included, reads back exactly, verified. */
	assert_int_equal(sbx_txn_begin(s, MDB_RDONLY, &txn, &err), 0);
	rd = sbx_pack_reader_new(s->packdir);
	assert_non_null(rd);
	for (i = 0; i < cs.n; i++) {
		const struct chunk *c = &cs.c[i];
		struct sbx_chunk_loc loc;

		memset(&loc, 0xab, sizeof loc);
		if (sbx_chunk_locate(s, txn, c->id, &loc, &err))
			fail_msg("locate chunk %zu: %s", i, err.msg);
		assert_memory_equal(loc.pack, c->loc.pack, SBX_PACK_ID_LEN);
		assert_true(loc.off == c->loc.off);
		assert_int_equal(loc.clen, c->loc.clen);
		assert_int_equal(loc.ulen, c->n);
		assert_int_equal(loc.flags, c->loc.flags);
		if (sbx_pack_read(rd, c->id, &loc, 1, &out, &err))
			fail_msg("read chunk %zu: %s", i, err.msg);
		assert_int_equal(out.len, c->n);
		if (c->n)
			assert_memory_equal(out.data, c->data, c->n);
		/* Incompressible chunks are stored raw, text compressed. */
		if (c->kind == K_RANDOM && c->n >= 64) {
			assert_int_equal(loc.flags, 0);
			assert_int_equal(loc.clen, loc.ulen);
		} else if (c->kind != K_RANDOM && c->n >= 1024) {
			assert_int_equal(loc.flags, SBX_CHUNK_ZSTD);
			assert_true(loc.clen < loc.ulen);
		}
	}
	/* Reading the chunks again in reverse order through the same reader
	 * (its cache of open packs changes hands). */
	for (i = cs.n; i-- > 0;) {
		assert_int_equal(sbx_pack_read(rd, cs.c[i].id, &cs.c[i].loc, 1, &out, &err), 0);
		assert_int_equal(out.len, cs.c[i].n);
	}
	assert_int_equal(mdb_stat(txn, s->chunks, &ms), 0);
	assert_int_equal(ms.ms_entries, cs.distinct);

	/* The packs table matches the files, and the files hold each
	 * distinct chunk exactly once. */
	assert_int_equal(mdb_stat(txn, s->packs, &ms), 0);
	assert_int_equal(ms.ms_entries, st.packs);
	assert_int_equal(mdb_cursor_open(txn, s->packs, &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char *path;
		struct stat sst;
		size_t n;

		assert_int_equal(k.mv_size, SBX_PACK_ID_LEN);
		assert_int_equal(v.mv_size, 12);
		path = sbx_pack_path(s->packdir, k.mv_data, 0);
		assert_int_equal(stat(path, &sst), 0);
		assert_true((uint64_t)sst.st_size == sbx_get_u64(v.mv_data));
		n = parse_pack(path, &ids, &nids);
		assert_int_equal(n, sbx_get_u32((const unsigned char *)v.mv_data + 8));
		records += n;
		stored += (uint64_t)sst.st_size - SBX_PACK_HDR;
		/* Only the pack sealed by finish may be under the target. */
		if ((uint64_t)sst.st_size < SBX_PACK_TARGET)
			small_packs++;
		free(path);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(cur);
	assert_int_equal(records, cs.distinct);
	assert_true(stored == st.new_stored);
	assert_true(small_packs <= 1);
	qsort(ids, nids, 32, cmp_id);
	for (i = 1; i < nids; i++)
		if (!memcmp(ids + 32 * (i - 1), ids + 32 * i, 32))
			fail_msg("chunk %s is stored twice", hex_of(ids + 32 * i, hex));
	mdb_txn_abort(txn);

	/* A second writer finds everything in the index: nothing new. */
	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	for (i = 0; i < cs.n; i++) {
		assert_int_equal(sbx_writer_known(w, cs.c[i].id), 1);
		assert_int_equal(sbx_writer_put(w, cs.c[i].id, cs.c[i].data, cs.c[i].n, &err), 0);
	}
	assert_int_equal(sbx_writer_finish(w, &err), 0);
	sbx_writer_stats(w, &st);
	assert_int_equal(st.new_chunks, 0);
	assert_int_equal(st.packs, 0);
	assert_int_equal(sbx_store_write(s, commit_cb, w, &err), 0);
	sbx_writer_free(w, 1);
	walk_packs(s, &wk2);
	assert_same_packs(&wk, &wk2);

	walk_release(&wk2);
	walk_release(&wk);
	free(ids);
	sbx_buf_release(&out);
	sbx_pack_reader_free(rd);
	free_chunks(&cs);
	sbx_store_close(s);
}

/* The layout of a pack with one record, byte for byte. */
static void test_pack_layout(void **state)
{
	struct fixture *fx = *state;
	struct sbx_store *s = init_open(fx, SBX_STORE_WRITE | SBX_STORE_PACKS);
	struct sbx_writer_stats st;
	struct chunks cs;
	struct walk wk;
	unsigned char *p;
	size_t len;
	const struct chunk *c;

	make_chunks(&cs, 1, 0xfeedfacecafebeefull, 5000);
	c = &cs.c[0];
	store_chunks(s, &cs, &st);
	assert_int_equal(st.new_chunks, 1);
	assert_int_equal(st.packs, 1);
	walk_packs(s, &wk);
	assert_int_equal(wk.npacks, 1);
	assert_int_equal(wk.ntmp, 0);
	{
		char *want = sbx_pack_path(s->packdir, c->loc.pack, 0);

		assert_string_equal(wk.packs[0], want);
		free(want);
	}
	p = read_whole(wk.packs[0], &len);
	assert_memory_equal(p, SBX_PACK_MAGIC, SBX_PACK_HDR);
	assert_memory_equal(p, "SBXPACK1", 8);
	assert_true(c->loc.off == SBX_PACK_HDR);
	assert_int_equal(len, SBX_PACK_HDR + SBX_PACK_REC_HDR + c->loc.clen);
	assert_memory_equal(p + 8, c->id, 32);
	assert_int_equal(sbx_get_u32(p + 8 + 32), c->n);
	assert_int_equal(sbx_get_u32(p + 8 + 36), c->loc.clen);
	assert_int_equal(p[8 + 40], c->loc.flags);
	assert_int_equal(c->loc.flags, 0);           /* random bytes: raw */
	assert_memory_equal(p + 8 + SBX_PACK_REC_HDR, c->data, c->n);
	free(p);
	walk_release(&wk);
	free_chunks(&cs);
	sbx_store_close(s);
}

/* A writer freed without commit leaves neither packs nor temporary files,
 * whether it finished or not, and whether or not it had sealed a pack; the
 * packs of earlier, committed writers stay. */
static void test_writer_free_uncommitted(void **state)
{
	struct fixture *fx = *state;
	struct sbx_store *s = init_open(fx, SBX_STORE_WRITE | SBX_STORE_PACKS);
	struct sbx_err err = { 0 };
	struct sbx_writer *w = NULL;
	struct sbx_writer_stats st;
	struct chunks kept, small, big;
	struct walk before, after;
	struct sbx_pack_reader *rd;
	struct sbx_buf out = SBX_BUF_INIT;
	MDB_txn *txn;
	MDB_stat ms;
	size_t i;

	make_chunks(&kept, 10, 0x1111111111111111ull, 20000);
	store_chunks(s, &kept, &st);
	walk_packs(s, &before);
	assert_int_equal(before.npacks, 1);

	/* Finished, then dropped. */
	make_chunks(&small, 50, 0x2222222222222222ull, 20000);
	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	for (i = 0; i < small.n; i++)
		assert_int_equal(sbx_writer_put(w, small.c[i].id, small.c[i].data, small.c[i].n, &err), 0);
	assert_int_equal(sbx_writer_finish(w, &err), 0);
	sbx_writer_stats(w, &st);
	assert_int_equal(st.packs, 1);
	walk_packs(s, &after);
	assert_int_equal(after.npacks, 2);          /* it was there until now */
	walk_release(&after);
	sbx_writer_free(w, 0);
	walk_packs(s, &after);
	assert_same_packs(&before, &after);
	assert_int_equal(after.ntmp, 0);
	assert_int_equal(after.nother, 0);
	walk_release(&after);

	/* Not finished: one pack sealed on the way, one still temporary. */
	make_chunks(&big, 60, 0x3333333333333333ull, 2000000);
	assert_true(big.random_raw > SBX_PACK_TARGET);
	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	for (i = 0; i < big.n; i++)
		assert_int_equal(sbx_writer_put(w, big.c[i].id, big.c[i].data, big.c[i].n, &err), 0);
	sbx_writer_free(w, 0);
	walk_packs(s, &after);
	assert_same_packs(&before, &after);
	assert_int_equal(after.ntmp, 0);
	assert_int_equal(after.nother, 0);
	walk_release(&after);

	/* Nothing put at all. */
	assert_int_equal(sbx_writer_new(s, 0, &w, &err), 0);
	assert_int_equal(sbx_writer_finish(w, &err), 0);
	sbx_writer_free(w, 0);
	walk_packs(s, &after);
	assert_same_packs(&before, &after);
	assert_int_equal(after.ntmp, 0);
	walk_release(&after);

	/* The index holds only the committed chunks, which still read. */
	assert_int_equal(sbx_txn_begin(s, MDB_RDONLY, &txn, &err), 0);
	assert_int_equal(mdb_stat(txn, s->chunks, &ms), 0);
	assert_int_equal(ms.ms_entries, kept.distinct);
	assert_int_equal(mdb_stat(txn, s->packs, &ms), 0);
	assert_int_equal(ms.ms_entries, 1);
	rd = sbx_pack_reader_new(s->packdir);
	for (i = 0; i < kept.n; i++) {
		struct sbx_chunk_loc loc;

		assert_int_equal(sbx_chunk_locate(s, txn, kept.c[i].id, &loc, &err), 0);
		assert_int_equal(sbx_pack_read(rd, kept.c[i].id, &loc, 1, &out, &err), 0);
		assert_int_equal(out.len, kept.c[i].n);
	}
	for (i = 0; i < small.n; i += 7) {
		struct sbx_chunk_loc loc;

		assert_int_equal(sbx_chunk_locate(s, txn, small.c[i].id, &loc, &err), SBX_ECORRUPT);
		sbx_err_clear(&err);
	}
	mdb_txn_abort(txn);

	sbx_pack_reader_free(rd);
	sbx_buf_release(&out);
	walk_release(&before);
	free_chunks(&big);
	free_chunks(&small);
	free_chunks(&kept);
	sbx_store_close(s);
}

static void flip(int fd, uint64_t off, uint8_t mask)
{
	uint8_t b;

	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= mask;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
}

/* Reads chunk C, expecting SBX_ECORRUPT naming it. */
static void expect_read_corrupt(struct sbx_pack_reader *rd, const struct chunk *c,
				const struct sbx_chunk_loc *loc, int verify, const char *why)
{
	struct sbx_err err = { 0 };
	struct sbx_buf out = SBX_BUF_INIT;
	char hex[SBX_HEX_LEN + 1];
	int r = sbx_pack_read(rd, c->id, loc, verify, &out, &err);

	if (r != SBX_ECORRUPT)
		fail_msg("%s: read returned %d, expected SBX_ECORRUPT", why, r);
	assert_int_equal(err.code, SBX_ECORRUPT);
	if (!strstr(err.msg, hex_of(c->id, hex)))
		fail_msg("%s: message does not name the chunk: %s", why, err.msg);
	sbx_buf_release(&out);
}

static void expect_read_ok(struct sbx_pack_reader *rd, const struct chunk *c)
{
	struct sbx_err err = { 0 };
	struct sbx_buf out = SBX_BUF_INIT;

	if (sbx_pack_read(rd, c->id, &c->loc, 1, &out, &err))
		fail_msg("read failed: %s", err.msg);
	assert_int_equal(out.len, c->n);
	assert_memory_equal(out.data, c->data, c->n);
	sbx_buf_release(&out);
}

static void test_pack_corruption(void **state)
{
	struct fixture *fx = *state;
	struct sbx_store *s = init_open(fx, SBX_STORE_WRITE | SBX_STORE_PACKS);
	struct sbx_err err = { 0 };
	struct sbx_writer_stats st;
	struct sbx_pack_reader *rd;
	struct sbx_buf out = SBX_BUF_INIT;
	struct chunks cs;
	const struct chunk *raw = NULL, *z = NULL, *last;
	struct sbx_chunk_loc loc;
	uint64_t rng = 0xabcdef0123456789ull, data;
	char *path;
	size_t i;
	int fd;

	make_chunks(&cs, 6, 0x0f0f0f0f0f0f0f0full, 70000);
	store_chunks(s, &cs, &st);
	assert_int_equal(st.packs, 1);
	for (i = 0; i < cs.n; i++) {
		const struct chunk *c = &cs.c[i];

		if (!raw && c->loc.flags == 0 && c->n >= 1000)
			raw = c;
		if (!z && c->loc.flags == SBX_CHUNK_ZSTD && c->loc.clen >= 100)
			z = c;
	}
	assert_non_null(raw);
	assert_non_null(z);
	last = raw->loc.off > z->loc.off ? raw : z;
	rd = sbx_pack_reader_new(s->packdir);
	expect_read_ok(rd, raw);
	expect_read_ok(rd, z);

	path = sbx_pack_path(s->packdir, raw->loc.pack, 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);

	/* Any byte of a raw record's data: the re-hash catches it. */
	data = raw->loc.off + SBX_PACK_REC_HDR;
	for (i = 0; i < 24; i++) {
		uint64_t k = i == 0 ? 0 : i == 1 ? raw->n - 1 : i == 2 ? raw->n / 2 :
			     rng_next(&rng) % raw->n;

		flip(fd, data + k, (uint8_t)(1u << (i % 8)));
		expect_read_corrupt(rd, raw, &raw->loc, 1, "raw data flipped");
		flip(fd, data + k, (uint8_t)(1u << (i % 8)));
		expect_read_ok(rd, raw);
	}
	/* Without verify the same damage goes unnoticed: the hash is what
	 * catches it. */
	flip(fd, data + raw->n / 2, 0x10);
	assert_int_equal(sbx_pack_read(rd, raw->id, &raw->loc, 0, &out, &err), 0);
	assert_int_equal(out.len, raw->n);
	assert_memory_not_equal(out.data, raw->data, raw->n);
	flip(fd, data + raw->n / 2, 0x10);

	/* A compressed record: first byte (the zstd magic), middle, last. */
	data = z->loc.off + SBX_PACK_REC_HDR;
	{
		const uint64_t at[] = { 0, z->loc.clen / 2, z->loc.clen - 1 };

		for (i = 0; i < sizeof at / sizeof *at; i++) {
			flip(fd, data + at[i], 0x5a);
			expect_read_corrupt(rd, z, &z->loc, 1, "compressed data flipped");
			flip(fd, data + at[i], 0x5a);
			expect_read_ok(rd, z);
		}
	}

	/* The record header must match the index, verify or not. */
	flip(fd, raw->loc.off + 3, 0x01);            /* chunk id */
	expect_read_corrupt(rd, raw, &raw->loc, 0, "record id flipped");
	flip(fd, raw->loc.off + 3, 0x01);
	flip(fd, raw->loc.off + 32, 0x01);           /* raw length */
	expect_read_corrupt(rd, raw, &raw->loc, 0, "record length flipped");
	flip(fd, raw->loc.off + 32, 0x01);
	flip(fd, z->loc.off + 40, SBX_CHUNK_ZSTD);   /* flags */
	expect_read_corrupt(rd, z, &z->loc, 0, "record flags flipped");
	flip(fd, z->loc.off + 40, SBX_CHUNK_ZSTD);
	expect_read_ok(rd, raw);
	expect_read_ok(rd, z);

	/* A location that does not match the record. */
	loc = z->loc;
	loc.ulen++;
	expect_read_corrupt(rd, z, &loc, 1, "index ulen off by one");
	loc = raw->loc;
	loc.off++;
	expect_read_corrupt(rd, raw, &loc, 1, "index offset off by one");

	/* A pack cut short. */
	assert_int_equal(ftruncate(fd, (off_t)(last->loc.off + SBX_PACK_REC_HDR + last->loc.clen - 1)), 0);
	expect_read_corrupt(rd, last, &last->loc, 1, "pack truncated");
	close(fd);

	/* A pack that does not exist: the index names something that is
	 * not on disk, damage, and the message names the pack. */
	loc = raw->loc;
	loc.pack[0] ^= 0xff;
	{
		char *missing = sbx_pack_path(s->packdir, loc.pack, 0);

		sbx_err_clear(&err);
		assert_int_equal(sbx_pack_read(rd, raw->id, &loc, 1, &out, &err), SBX_ECORRUPT);
		assert_int_equal(err.code, SBX_ECORRUPT);
		if (!strstr(err.msg, missing))
			fail_msg("message does not name the missing pack: %s", err.msg);
		free(missing);
	}

	free(path);
	sbx_buf_release(&out);
	sbx_pack_reader_free(rd);
	free_chunks(&cs);
	sbx_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_lock_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_free_uncommitted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_corruption, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
