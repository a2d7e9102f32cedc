#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sbx/buf.h"
#include "snapshot/refs.h"
#include "util/hash.h"

int sbx_ref_get(struct sbx_store *s, const char *name, char **json, struct sbx_err *err)
{
	MDB_txn *txn;
	MDB_val v;
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);

	if (r)
		return r;
	r = sbx_get(txn, s->refs, name, strlen(name), &v, err);
	if (!r)
		*json = sbx_xstrndup(v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return r;
}

int sbx_ref_list(struct sbx_store *s, const char *prefix,
		 int (*fn)(const char *name, const char *json, void *ctx), void *ctx,
		 struct sbx_err *err)
{
	size_t pl = strlen(prefix);
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k = { pl, (void *)prefix }, v;
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err), rc;

	if (r)
		return r;
	rc = mdb_cursor_open(txn, s->refs, &c);
	if (rc) {
		mdb_txn_abort(txn);
		return sbx_err_mdb(err, rc, "cannot read records");
	}
	for (rc = mdb_cursor_get(c, &k, &v, pl ? MDB_SET_RANGE : MDB_FIRST); !r && rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char *name, *json;

		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl))
			break;
		name = sbx_xstrndup(k.mv_data, k.mv_size);
		json = sbx_xstrndup(v.mv_data, v.mv_size);
		r = fn(name, json, ctx);
		free(name);
		free(json);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return r;
}

/* The 32-byte ids in TEXT's top-level "pins" array. */
static size_t pins_of(const char *text, uint8_t (**ids)[32])
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	json_t *a = json_object_get(o, "pins"), *v;
	size_t i, n = 0;

	*ids = NULL;
	json_array_foreach(a, i, v) {
		uint8_t id[32];

		if (!json_is_string(v) || sbx_unhex(json_string_value(v), id, 32))
			continue;
		*ids = sbx_xrealloc(*ids, (n + 1) * sizeof **ids);
		memcpy((*ids)[n++], id, 32);
	}
	json_decref(o);
	return n;
}

static int has(uint8_t (*ids)[32], size_t n, const uint8_t id[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(ids[i], id, 32))
			return 1;
	return 0;
}

static void pin_key(struct sbx_buf *k, const uint8_t id[32], const char *name)
{
	sbx_buf_reset(k);
	sbx_buf_add(k, id, 32);
	sbx_buf_adds(k, name);
}

int sbx_pin_owner(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32], char *owner,
		  size_t size)
{
	MDB_cursor *c;
	MDB_val k = { 32, (void *)id }, v;
	int rc = mdb_cursor_open(txn, s->pins, &c), found = 0;

	if (rc)
		return SBX_ENOTFOUND;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size > 32 && !memcmp(k.mv_data, id, 32)) {
		size_t n = k.mv_size - 32 < size - 1 ? k.mv_size - 32 : size - 1;

		memcpy(owner, (char *)k.mv_data + 32, n);
		owner[n] = '\0';
		found = 1;
	}
	mdb_cursor_close(c);
	return found ? 0 : SBX_ENOTFOUND;
}

int sbx_ref_update_txn(struct sbx_store *s, MDB_txn *txn, const char *name,
		       char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		       void *ctx, struct sbx_err *err)
{
	struct sbx_buf key = SBX_BUF_INIT;
	uint8_t (*oldp)[32] = NULL, (*newp)[32] = NULL;
	size_t nold, nnew, i;
	char *old = NULL, *neu = NULL;
	MDB_val v;
	int r, del = 0;

	r = sbx_get(txn, s->refs, name, strlen(name), &v, err);
	if (r && r != SBX_ENOTFOUND)
		return r;
	if (!r)
		old = sbx_xstrndup(v.mv_data, v.mv_size);
	neu = update(old, ctx, &del, err);
	if (!neu && !del) {
		r = err && err->code ? err->code : SBX_EFAIL;
		goto out;
	}
	nold = pins_of(old, &oldp);
	nnew = pins_of(neu, &newp);
	if (neu)
		r = sbx_put(txn, s->refs, name, strlen(name), neu, strlen(neu), 0, err);
	else {
		MDB_val k = { strlen(name), (void *)name };
		int rc = mdb_del(txn, s->refs, &k, NULL);

		r = rc && rc != MDB_NOTFOUND ? sbx_err_mdb(err, rc, "cannot delete a record") : 0;
	}
	for (i = 0; !r && i < nnew; i++) {
		if (has(oldp, nold, newp[i]))
			continue;
		pin_key(&key, newp[i], name);
		r = sbx_put(txn, s->pins, key.data, key.len, "", 0, 0, err);
	}
	for (i = 0; !r && i < nold; i++) {
		MDB_val k;
		char other[256];
		int rc;

		if (has(newp, nnew, oldp[i]))
			continue;
		pin_key(&key, oldp[i], name);
		k.mv_size = key.len;
		k.mv_data = key.data;
		rc = mdb_del(txn, s->pins, &k, NULL);
		if (rc && rc != MDB_NOTFOUND) {
			r = sbx_err_mdb(err, rc, "cannot unpin a snapshot");
			break;
		}
		/* Nothing holds it any more: the snapshot goes, its data at gc. */
		if (sbx_pin_owner(s, txn, oldp[i], other, sizeof other) == SBX_ENOTFOUND) {
			MDB_val sk = { 32, oldp[i] };

			rc = mdb_del(txn, s->snaps, &sk, NULL);
			if (rc && rc != MDB_NOTFOUND)
				r = sbx_err_mdb(err, rc, "cannot drop an unpinned snapshot");
		}
	}
	free(oldp);
	free(newp);
out:
	sbx_buf_release(&key);
	free(old);
	free(neu);
	return r;
}

struct upd {
	const char *name;
	char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err);
	void *ctx;
	struct sbx_store *s;
	const char *entry;
};

static int append(struct sbx_store *s, MDB_txn *txn, const char *entry, struct sbx_err *err)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t seq = 1;
	uint8_t key[8];
	json_t *o;
	char *text;
	int rc, i, r;

	rc = mdb_cursor_open(txn, s->log, &c);
	if (rc)
		return sbx_err_mdb(err, rc, "cannot read the journal");
	if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8) {
		seq = 0;
		for (i = 0; i < 8; i++)
			seq = seq << 8 | ((uint8_t *)k.mv_data)[i];
		seq++;
	}
	mdb_cursor_close(c);
	for (i = 7; i >= 0; i--)
		key[7 - i] = (uint8_t)(seq >> (8 * i));
	o = json_loads(entry, 0, NULL);
	if (!o)
		return sbx_err_set(err, SBX_EFAIL, "journal entry is not JSON");
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	/* Keys grow: MDB_APPEND keeps the journal's pages dense. */
	r = sbx_put(txn, s->log, key, 8, text, strlen(text), MDB_APPEND, err);
	free(text);
	return r;
}

static int upd_fn(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	struct upd *u = ctx;
	int r = u->name ? sbx_ref_update_txn(u->s, txn, u->name, u->update, u->ctx, err) : 0;

	if (!r && u->entry)
		r = append(u->s, txn, u->entry, err);
	return r;
}

int sbx_ref_update(struct sbx_store *s, const char *name,
		   char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		   void *ctx, struct sbx_err *err)
{
	struct upd u = { name, update, ctx, s, NULL };

	return sbx_store_write(s, upd_fn, &u, err);
}

int sbx_ref_update_log(struct sbx_store *s, const char *name,
		       char *(*update)(const char *old, void *ctx, int *del, struct sbx_err *err),
		       void *ctx, const char *entry, struct sbx_err *err)
{
	struct upd u = { name, update, ctx, s, entry };

	return sbx_store_write(s, upd_fn, &u, err);
}

int sbx_log_append(struct sbx_store *s, const char *entry, struct sbx_err *err)
{
	struct upd u = { NULL, NULL, NULL, s, entry };

	return sbx_store_write(s, upd_fn, &u, err);
}

struct many {
	struct sbx_store *s;
	const char *const *entries;
	size_t n;
};

static int many_fn(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	struct many *m = ctx;
	size_t i;
	int r = 0;

	for (i = 0; !r && i < m->n; i++)
		r = append(m->s, txn, m->entries[i], err);
	return r;
}

int sbx_log_append_many(struct sbx_store *s, const char *const *entries, size_t n,
			struct sbx_err *err)
{
	struct many m = { s, entries, n };

	return sbx_store_write(s, many_fn, &m, err);
}

int sbx_log_scan(struct sbx_store *s, uint64_t from,
		 int (*fn)(uint64_t seq, const char *json, size_t len, void *ctx), void *ctx,
		 struct sbx_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[8];
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err), rc, i;

	if (r)
		return r;
	for (i = 7; i >= 0; i--)
		key[7 - i] = (uint8_t)(from >> (8 * i));
	k.mv_size = 8;
	k.mv_data = key;
	rc = mdb_cursor_open(txn, s->log, &c);
	if (rc) {
		mdb_txn_abort(txn);
		return sbx_err_mdb(err, rc, "cannot read the journal");
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); !r && rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t seq = 0;

		for (i = 0; i < 8 && k.mv_size == 8; i++)
			seq = seq << 8 | ((uint8_t *)k.mv_data)[i];
		r = fn(seq, v.mv_data, v.mv_size, ctx);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return r;
}

struct list_ctx {
	int (*fn)(uint64_t seq, const char *json, void *ctx);
	void *ctx;
};

static int list_one(uint64_t seq, const char *json, size_t len, void *ctx)
{
	struct list_ctx *l = ctx;
	char *text = sbx_xstrndup(json, len);
	int r = l->fn(seq, text, l->ctx);

	free(text);
	return r;
}

int sbx_log_list(struct sbx_store *s, uint64_t from,
		 int (*fn)(uint64_t seq, const char *json, void *ctx), void *ctx, struct sbx_err *err)
{
	struct list_ctx l = { fn, ctx };

	return sbx_log_scan(s, from, list_one, &l, err);
}
