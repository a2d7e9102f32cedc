/* Snapshot records and reads: resolve, list, show, ls, cat, rm, stats. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "sbx/snapshot.h"
#include "snapshot/read.h"
#include "snapshot/refs.h"
#include "util/fsutil.h"
#include "util/hash.h"

int sbx_tree_load(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32], struct sbx_tree *t,
		  struct sbx_err *err)
{
	char hex[65];
	MDB_val v;
	int r = sbx_get(txn, s->trees, id, 32, &v, err);

	if (r == SBX_ENOTFOUND) {
		sbx_hex(id, 32, hex);
		return sbx_err_set(err, SBX_ECORRUPT, "tree %s is missing from the index", hex);
	}
	if (r)
		return r;
	r = sbx_tree_decode(v.mv_data, v.mv_size, t, err);
	if (r) {
		sbx_hex(id, 32, hex);
		/* The decoder's message is more precise; name the tree too. */
		return sbx_err_set(err, SBX_ECORRUPT, "tree %s is damaged", hex);
	}
	{
		uint8_t got[32];

		sbx_sha256(v.mv_data, v.mv_size, got);
		if (memcmp(got, id, 32)) {
			sbx_tree_release(t);
			sbx_hex(id, 32, hex);
			return sbx_err_set(err, SBX_ECORRUPT, "tree %s does not match its id", hex);
		}
	}
	return 0;
}

int sbx_chunk_locate(struct sbx_store *s, MDB_txn *txn, const uint8_t id[32],
		     struct sbx_chunk_loc *loc, struct sbx_err *err)
{
	char hex[65];
	MDB_val v;
	int r = sbx_get(txn, s->chunks, id, 32, &v, err);

	if (r == 0 && sbx_loc_decode(v.mv_data, v.mv_size, loc) == 0)
		return 0;
	if (r && r != SBX_ENOTFOUND)
		return r;
	sbx_hex(id, 32, hex);
	return sbx_err_set(err, SBX_ECORRUPT, "chunk %s is %s", hex,
			   r ? "missing from the index" : "indexed with a bad location");
}

int sbx_snapshot_root(struct sbx_store *s, MDB_txn *txn, const char *hex, uint8_t root[32],
		      struct sbx_err *err)
{
	MDB_val v;
	int r;

	if (sbx_unhex(hex, root, 32))
		return sbx_err_set(err, SBX_EUSAGE, "'%s' is not a snapshot id", hex);
	r = sbx_get(txn, s->snaps, root, 32, &v, err);
	if (r == SBX_ENOTFOUND)
		return sbx_err_set(err, SBX_ENOTFOUND, "no snapshot %s", hex);
	return r;
}

int sbx_tree_lookup(struct sbx_store *s, MDB_txn *txn, const uint8_t root[32], const char *path,
		    struct sbx_tree_entry *out, struct sbx_tree *hold, struct sbx_err *err)
{
	uint8_t cur[32];
	char *p = sbx_xstrdup(path ? path : ""), *comp, *save = NULL;
	int r = 0;

	memset(hold, 0, sizeof *hold);
	memset(out, 0, sizeof *out);
	memcpy(cur, root, 32);
	out->type = SBX_T_DIR;
	out->name = "";
	out->subtree = root;
	for (comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		const struct sbx_tree_entry *e;

		if (!strcmp(comp, "."))
			continue;
		if (out->type != SBX_T_DIR) {
			r = sbx_err_set(err, SBX_ENOTFOUND, "'%s' is not in the snapshot", path);
			goto out;
		}
		if (hold->e)
			sbx_tree_release(hold);
		r = sbx_tree_load(s, txn, cur, hold, err);
		if (r)
			goto out;
		e = sbx_tree_find(hold, comp);
		if (!e) {
			r = sbx_err_set(err, SBX_ENOTFOUND, "'%s' is not in the snapshot", path);
			goto out;
		}
		*out = *e;
		if (e->type == SBX_T_DIR)
			memcpy(cur, e->subtree, 32);
	}
out:
	free(p);
	return r;
}

int sbx_file_write(struct sbx_store *s, MDB_txn *txn, struct sbx_pack_reader *rd,
		   const struct sbx_tree_entry *e, int fd, struct sbx_buf *scratch,
		   struct sbx_err *err)
{
	uint32_t i;

	for (i = 0; i < e->nchunks; i++) {
		struct sbx_chunk_loc loc;
		int r = sbx_chunk_locate(s, txn, e->chunks + 32 * i, &loc, err);

		if (!r)
			r = sbx_pack_read(rd, e->chunks + 32 * i, &loc, 1, scratch, err);
		if (r)
			return r;
		if (sbx_write_all(fd, scratch->data, scratch->len) < 0)
			return sbx_err_sys(err, SBX_EIO, "cannot write '%s'", e->name);
	}
	return 0;
}

static int hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int sbx_snapshot_resolve(struct sbx_store *s, const char *prefix, char id[65],
			 struct sbx_err *err)
{
	size_t len = strlen(prefix), i, found = 0;
	uint8_t key[32] = { 0 };
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int r, rc;

	for (i = 0; i < len; i++)
		if (!hexdigit(prefix[i]))
			break;
	if (len < 8 || len > 64 || i != len)
		return sbx_err_set(err, SBX_EUSAGE,
				   "'%s' is not a snapshot id (8 to 64 lower-case hex digits)", prefix);
	for (i = 0; i + 1 < len; i += 2) {
		char two[3] = { prefix[i], prefix[i + 1], 0 };

		key[i / 2] = (uint8_t)strtoul(two, NULL, 16);
	}
	if (len % 2) {
		char one[2] = { prefix[len - 1], 0 };

		key[len / 2] = (uint8_t)(strtoul(one, NULL, 16) << 4);
	}
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		return r;
	rc = mdb_cursor_open(txn, s->snaps, &c);
	if (rc) {
		mdb_txn_abort(txn);
		return sbx_err_mdb(err, rc, "cannot read snapshots");
	}
	k.mv_size = 32;
	k.mv_data = key;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char hex[65];

		if (k.mv_size != 32)
			continue;
		sbx_hex(k.mv_data, 32, hex);
		if (strncmp(hex, prefix, len))
			break;
		if (found++)
			break;
		memcpy(id, hex, 65);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (!found)
		return sbx_err_set(err, SBX_ENOTFOUND, "no snapshot %s", prefix);
	if (found > 1)
		return sbx_err_set(err, SBX_EAMBIG, "snapshot id prefix '%s' is ambiguous; give more digits",
				   prefix);
	return 0;
}

struct timed {
	json_int_t time_ns;
	char *text;
};

static int by_time(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

int sbx_snapshot_list(struct sbx_store *s, char ***records, size_t *n, struct sbx_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	struct timed *t = NULL;
	char **out;
	size_t len = 0, cap = 0, i;
	int r, rc;

	*records = NULL;
	*n = 0;
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		return r;
	rc = mdb_cursor_open(txn, s->snaps, &c);
	if (rc) {
		mdb_txn_abort(txn);
		return sbx_err_mdb(err, rc, "cannot read snapshots");
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *o = json_loadb(v.mv_data, v.mv_size, 0, NULL);

		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			t = sbx_xrealloc(t, cap * sizeof *t);
		}
		/* Each record is parsed once, for its time, not in every comparison. */
		t[len].time_ns = json_integer_value(json_object_get(o, "time_ns"));
		t[len].text = sbx_xstrndup(v.mv_data, v.mv_size);
		len++;
		json_decref(o);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (len > 1)
		qsort(t, len, sizeof *t, by_time);
	out = sbx_xcalloc(len ? len : 1, sizeof *out);
	for (i = 0; i < len; i++)
		out[i] = t[i].text;
	free(t);
	*records = out;
	*n = len;
	return 0;
}

int sbx_snapshot_record(struct sbx_store *s, const char *id, char **json, struct sbx_err *err)
{
	uint8_t root[32];
	MDB_txn *txn;
	MDB_val v;
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);

	if (r)
		return r;
	r = sbx_snapshot_root(s, txn, id, root, err);
	if (!r)
		r = sbx_get(txn, s->snaps, root, 32, &v, err);
	if (!r)
		*json = sbx_xstrndup(v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return r;
}

static char type_char(uint8_t t)
{
	return t == SBX_T_DIR ? 'd' : t == SBX_T_SYMLINK ? 'l' : 'f';
}

static void to_ls(const struct sbx_tree_entry *e, struct sbx_ls_entry *l)
{
	l->name = e->name;
	l->type = type_char(e->type);
	l->mode = e->mode;
	l->mtime_ns = e->mtime_ns;
	l->size = e->size;
	l->target = e->target;
}

int sbx_snapshot_ls(struct sbx_store *s, const char *id, const char *path,
		    int (*fn)(const struct sbx_ls_entry *e, void *ctx), void *ctx,
		    struct sbx_err *err)
{
	struct sbx_tree hold = { 0 }, dir = { 0 };
	struct sbx_tree_entry e;
	struct sbx_ls_entry l;
	uint8_t root[32];
	MDB_txn *txn;
	size_t i;
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);

	if (r)
		return r;
	r = sbx_snapshot_root(s, txn, id, root, err);
	if (!r)
		r = sbx_tree_lookup(s, txn, root, path, &e, &hold, err);
	if (r)
		goto out;
	if (e.type != SBX_T_DIR) {
		to_ls(&e, &l);
		r = fn(&l, ctx);
		goto out;
	}
	r = sbx_tree_load(s, txn, e.subtree, &dir, err);
	for (i = 0; !r && i < dir.n; i++) {
		to_ls(&dir.e[i], &l);
		r = fn(&l, ctx);
	}
out:
	sbx_tree_release(&dir);
	sbx_tree_release(&hold);
	mdb_txn_abort(txn);
	return r;
}

int sbx_snapshot_cat(struct sbx_store *s, const char *id, const char *path, int fd,
		     struct sbx_err *err)
{
	struct sbx_tree hold = { 0 };
	struct sbx_tree_entry e;
	struct sbx_pack_reader *rd = NULL;
	struct sbx_buf scratch = SBX_BUF_INIT;
	uint8_t root[32];
	MDB_txn *txn;
	int r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);

	if (r)
		return r;
	r = sbx_snapshot_root(s, txn, id, root, err);
	if (!r)
		r = sbx_tree_lookup(s, txn, root, path, &e, &hold, err);
	if (r)
		goto out;
	if (e.type != SBX_T_FILE) {
		r = sbx_err_set(err, SBX_EUSAGE, "'%s' is a %s, not a file", path,
				e.type == SBX_T_DIR ? "directory" : "symlink");
		goto out;
	}
	rd = sbx_pack_reader_new(s->packdir);
	r = sbx_file_write(s, txn, rd, &e, fd, &scratch, err);
out:
	sbx_pack_reader_free(rd);
	sbx_buf_release(&scratch);
	sbx_tree_release(&hold);
	mdb_txn_abort(txn);
	return r;
}

struct rm_ctx {
	struct sbx_store *s;
	uint8_t id[32];
};

static int rm_fn(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	struct rm_ctx *c = ctx;
	MDB_val k = { 32, c->id };
	char owner[256];
	int rc;

	if (sbx_pin_owner(c->s, txn, c->id, owner, sizeof owner) == 0)
		return sbx_err_set(err, SBX_ECONFLICT, "the snapshot is held by %s; it goes when that "
				   "lets it go", owner);
	rc = mdb_del(txn, c->s->snaps, &k, NULL);

	if (rc == MDB_NOTFOUND)
		return sbx_err_set(err, SBX_ENOTFOUND, "no such snapshot");
	if (rc)
		return sbx_err_mdb(err, rc, "cannot remove the snapshot");
	return 0;
}

int sbx_snapshot_rm(struct sbx_store *s, const char *id, struct sbx_err *err)
{
	struct rm_ctx c = { s, { 0 } };

	if (sbx_unhex(id, c.id, 32))
		return sbx_err_set(err, SBX_EUSAGE, "'%s' is not a snapshot id", id);
	return sbx_store_write(s, rm_fn, &c, err);
}

static uint64_t db_entries(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;

	if (mdb_stat(txn, dbi, &st))
		return 0;
	return st.ms_entries;
}

int sbx_stats(struct sbx_store *s, struct sbx_stats *st, struct sbx_err *err)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int r, rc;

	memset(st, 0, sizeof *st);
	r = sbx_txn_begin(s, MDB_RDONLY, &txn, err);
	if (r)
		return r;
	st->snapshots = db_entries(txn, s->snaps);
	st->trees = db_entries(txn, s->trees);
	st->chunks = db_entries(txn, s->chunks);
	st->packs = db_entries(txn, s->packs);
	if ((rc = mdb_cursor_open(txn, s->snaps, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			json_t *o = json_loadb(v.mv_data, v.mv_size, 0, NULL);

			st->logical_bytes += (uint64_t)json_integer_value(json_object_get(o, "bytes"));
			json_decref(o);
		}
		mdb_cursor_close(c);
	}
	if ((rc = mdb_cursor_open(txn, s->chunks, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct sbx_chunk_loc l;

			if (!sbx_loc_decode(v.mv_data, v.mv_size, &l))
				st->unique_bytes += l.ulen;
		}
		mdb_cursor_close(c);
	}
	if ((rc = mdb_cursor_open(txn, s->packs, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
			if (v.mv_size >= 8)
				st->stored_bytes += sbx_get_u64(v.mv_data);
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return 0;
}
