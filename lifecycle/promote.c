/* sbx promote: the sandbox's own change, merged onto production now, as a
 * changeset archive (include/sbx/sandbox.h).
 *
 * Two merges per path the sandbox changed.  The first is the three-way
 * merge of lifecycle/merge.h: base the master version, ours the sandbox,
 * theirs production hardened through the same policy (so that both sides
 * speak in the same placeholders and pseudonyms).  Its result still holds
 * hardened values wherever ours changed nothing, and production must get
 * its own values back: the second merge takes hardened production as base,
 * the first result as ours and production's raw bytes (read from SOURCE,
 * never stored) as theirs, which carries the sandbox's change onto
 * production's real file.  A conflict there means the sandbox changed
 * something at a place the policy hardened: it is reported as a placeholder
 * conflict, production's side never shown. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lifecycle/changeset.h"
#include "lifecycle/lifecycle.h"
#include "lifecycle/merge.h"
#include "lifecycle/source-read.h"
#include "sbx/clock.h"
#include "sbx/diff.h"
#include "sbx/master.h"
#include "sbx/snapshot.h"
#include "util/hash.h"

/* Files larger than this are not merged (a merge holds three versions). */
#define MAX_MERGE ((uint64_t)64 << 20)

#define HIDDEN "(production's value: not shown)"

/* One path the sandbox changed, with its versions. */
struct cand {
	char *path;
	int has_base, has_ours, has_theirs, theirs_seen;
	struct sbx_buf base, ours, theirs;
	uint32_t mode;
	int64_t mtime_ns;
	int has_mtime;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	struct sbx_err err;      /* a failure inside a diff callback */
};

static void cands_release(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		sbx_buf_release(&c->v[i].base);
		sbx_buf_release(&c->v[i].ours);
		sbx_buf_release(&c->v[i].theirs);
	}
	free(c->v);
}

static int too_big(const struct sbx_diff_entry *e, char side, struct sbx_err *err)
{
	const struct sbx_diff_side *d = side == 'a' ? &e->a : &e->b;

	if (d->type == 'f' && d->size > MAX_MERGE)
		return sbx_err_set(err, SBX_ENOTSUP, "'%s' is larger than 64 MiB: not merged", e->path);
	return 0;
}

/* base -> ours: every file path that differs is a candidate. */
static int ours_fn(const struct sbx_diff_entry *e, void *ctx)
{
	struct cands *c = ctx;
	struct cand *k;
	int r;

	if (e->a.type != 'f' && e->b.type != 'f')
		return 0;
	if ((r = too_big(e, 'a', &c->err)) || (r = too_big(e, 'b', &c->err)))
		return r;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->v = sbx_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	k = &c->v[c->n++];
	memset(k, 0, sizeof *k);
	k->path = sbx_xstrdup(e->path);
	if (e->a.type == 'f') {
		k->has_base = 1;
		if ((r = sbx_diff_read(e, 'a', &k->base, &c->err)))
			return r;
	}
	if (e->b.type == 'f') {
		k->has_ours = 1;
		k->mode = e->b.mode & 0777;
		k->mtime_ns = e->b.mtime_ns;
		k->has_mtime = 1;
		if ((r = sbx_diff_read(e, 'b', &k->ours, &c->err)))
			return r;
	}
	return 0;
}

static int cmp_cand(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->path, ((const struct cand *)b)->path);
}

static int cmp_key(const void *k, const void *e)
{
	return strcmp((const char *)k, ((const struct cand *)e)->path);
}

/* base -> theirs: where production changed a candidate, its hardened bytes. */
static int theirs_fn(const struct sbx_diff_entry *e, void *ctx)
{
	struct cands *c = ctx;
	struct cand *k = c->n ? bsearch(e->path, c->v, c->n, sizeof *c->v, cmp_key) : NULL;
	int r;

	if (!k)
		return 0;
	k->theirs_seen = 1;
	if (e->b.type != 'f')
		return 0;
	if ((r = too_big(e, 'b', &c->err)))
		return r;
	k->has_theirs = 1;
	return sbx_diff_read(e, 'b', &k->theirs, &c->err);
}

static int binary(const struct sbx_buf *b, int has)
{
	return has && b->len && memchr(b->data, '\0', b->len) != NULL;
}

static enum sbx_merge_side combine(enum sbx_merge_side a, enum sbx_merge_side b)
{
	if (a == SBX_MERGE_NONE)
		return b;
	if (b == SBX_MERGE_NONE || a == b)
		return a;
	return SBX_MERGE_MIXED;
}

/* Moves the conflicts of the second merge (C2) into CONF as placeholder
 * conflicts, production's side hidden. */
static void move_hardened(struct sbx_merge_conflicts *conf, struct sbx_merge_conflicts *c2,
			  const struct sbx_merge_opts *o)
{
	size_t i;

	for (i = 0; i < c2->n; i++) {
		struct sbx_merge_conflict *y = &c2->v[i];
		struct sbx_merge_conflict *x = sbx_merge_conflict_add(conf, y->file, y->path,
								      SBX_MERGE_PLACEHOLDER, y->base,
								      y->ours, HIDDEN);

		x->base_lines = y->base_lines;
		x->ours_lines = y->ours_lines;
		x->theirs_lines = y->theirs_lines;
		if (y->ours)
			sbx_merge_conflict_scan(x, o, y->ours, strlen(y->ours), 0);
		if (y->resolved != SBX_MERGE_NONE) {
			x->resolved = y->resolved;
			x->rule = y->rule;
			conf->unresolved--;
		}
	}
}

struct counts {
	size_t added, modified, deleted, merged, resolved;
};

/* Merges candidate K into the changeset: 1 when a file was added, 0 when
 * production keeps its file or a conflict stays open, or an error. */
static int merge_one(struct cand *k, struct sbx_source_file *raw, const struct sbx_merge_opts *o,
		     struct sbx_merge_conflicts *conf, struct sbx_changeset *cs, struct counts *n,
		     struct sbx_err *err)
{
	struct sbx_merge_input in;
	struct sbx_merge_result r1, r2, *fin = &r1;
	struct sbx_merge_conflicts c2;
	int r, unharden;

	sbx_merge_result_init(&r1);
	sbx_merge_result_init(&r2);
	sbx_merge_conflicts_init(&c2);
	memset(&in, 0, sizeof in);
	in.path = k->path;
	in.base = k->has_base ? k->base.data ? k->base.data : "" : NULL;
	in.nbase = k->base.len;
	in.ours = k->has_ours ? k->ours.data ? k->ours.data : "" : NULL;
	in.nours = k->ours.len;
	in.theirs = k->has_theirs ? k->theirs.data ? k->theirs.data : "" : NULL;
	in.ntheirs = k->theirs.len;
	in.binary = binary(&k->base, k->has_base) || binary(&k->ours, k->has_ours) ||
		    binary(&k->theirs, k->has_theirs) || binary(&raw->data, raw->present);
	r = sbx_merge_file(&in, o, &r1, conf, err);
	if (r < 0 || r1.conflicts || r1.action == SBX_MERGE_KEEP)
		goto out;
	/* Production's own file differs from its hardened view: merge the
	 * result back onto it. */
	unharden = raw->present != k->has_theirs ||
		   (raw->present && (raw->data.len != k->theirs.len ||
				     (raw->data.len && memcmp(raw->data.data, k->theirs.data,
							      raw->data.len))));
	if (unharden) {
		size_t open = conf->unresolved;

		in.base = in.theirs;
		in.nbase = in.ntheirs;
		in.ours = r1.present ? r1.content.data ? r1.content.data : "" : NULL;
		in.nours = r1.content.len;
		in.theirs = raw->present ? raw->data.data ? raw->data.data : "" : NULL;
		in.ntheirs = raw->data.len;
		r = sbx_merge_file(&in, o, &r2, &c2, err);
		if (r < 0)
			goto out;
		move_hardened(conf, &c2, o);
		if (conf->unresolved != open || r2.action == SBX_MERGE_KEEP)
			goto out;
		memcpy(r2.base, r1.base, sizeof r2.base);
		memcpy(r2.ours, r1.ours, sizeof r2.ours);
		r2.resolved = combine(r1.resolved, r2.resolved);
		fin = &r2;
	}
	/* Merged: neither the sandbox's file nor production's. */
	fin->merged = fin->present && strcmp(fin->result, fin->ours) && strcmp(fin->result, fin->theirs);
	r = sbx_changeset_add(cs, k->path, fin, k->mode, k->has_mtime ? &k->mtime_ns : NULL, err);
	if (r == 1) {
		n->added += fin->action == SBX_MERGE_ADD;
		n->modified += fin->action == SBX_MERGE_MODIFY;
		n->deleted += fin->action == SBX_MERGE_DELETE;
		n->merged += fin->merged != 0;
		n->resolved += fin->resolved != SBX_MERGE_NONE;
	}
out:
	sbx_merge_conflicts_release(&c2);
	sbx_merge_result_release(&r1);
	sbx_merge_result_release(&r2);
	return r;
}

static json_t *hex_or_null(const char *h)
{
	return h[0] ? json_string(h) : json_null();
}

/* The file list of the summary. */
static json_t *files_json(const struct sbx_changeset *cs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < cs->n; i++) {
		const struct sbx_changeset_file *f = &cs->files[i];
		const char *side = sbx_merge_side_name(f->resolved);

		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:o}", "path", f->path,
			"action", sbx_merge_action_name(f->action), "base", hex_or_null(f->base),
			"ours", hex_or_null(f->ours), "theirs", hex_or_null(f->theirs),
			"result", hex_or_null(f->result), "merged", f->merged,
			"resolved", side ? json_string(side) : json_null()));
	}
	return a;
}

/* Hands FILE to P's import, journaled as a transition that keeps the
 * state: intent before, outcome after. */
static int apply(struct sbx_store *s, struct sbx_config *c, struct sbx_provider *p, json_t *rec,
		 const char *file, struct sbx_err *err)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	struct sbx_sandbox_view v;
	struct sbx_err perr = { 0 };
	json_t *vars, *e;
	char op_id[33];
	uint8_t rnd[16];
	int r, w;

	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		memset(rnd, 0, sizeof rnd);
	sbx_hex(rnd, sizeof rnd, op_id);
	e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "op", "promote", "phase", "intent", "from", state,
		      "to", state, "provider", p->name, "op_id", op_id, "message", file);
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (r)
		return r;
	vars = sbx_sandbox_vars(c, rec);
	sbx_sandbox_view_of(s, rec, &v);
	v.vars = vars;
	v.op_id = op_id;
	r = sbx_provider_import(p, &v, file, &perr);
	json_decref(vars);
	e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "op", "promote", "phase", "outcome", "from",
		      state, "to", state, "provider", p->name, "op_id", op_id, "result",
		      r ? "error" : "ok", "message", r ? perr.msg : file);
	w = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (w)
		return w;
	if (r)
		return sbx_err_set(err, perr.code ? perr.code : r, "promote %s: import: %s",
				   json_string_value(json_object_get(rec, "name")), perr.msg);
	return 0;
}

/* Records the promotion on REC: its changes count as handed over (refresh
 * and tick no longer count them unexported), and a journal event. */
static int record(struct sbx_store *s, json_t *rec, const char *ours_id, const char *file,
		  const struct counts *n, struct sbx_err *err)
{
	char t[32];
	json_t *e;
	int r;

	sbx_time_iso(sbx_clock_ns(), t);
	json_object_set_new(rec, "exported", json_pack("{s:s,s:s,s:s,s:s}", "snapshot", ours_id,
						       "file", file, "time", t, "by", "promote"));
	e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "op", "promote", "phase", "event",
		      "result", "ok", "message", file, "added", (json_int_t)n->added, "modified",
		      (json_int_t)n->modified, "deleted", (json_int_t)n->deleted, "merged",
		      (json_int_t)n->merged, "resolved", (json_int_t)n->resolved);
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	return r;
}

int sbx_sandbox_promote(struct sbx_store *s, struct sbx_config *c, const char *name,
			const struct sbx_promote_opts *o, struct sbx_promote_result *res,
			struct sbx_err *err)
{
	struct sbx_harden_temp_result h;
	struct sbx_diff_spec ours;
	struct sbx_merge_opts mo;
	struct sbx_merge_conflicts conf;
	struct sbx_changeset cs;
	struct sbx_source_file *raw = NULL;
	struct sbx_provider *p = NULL;
	struct cands k;
	struct counts n;
	struct sbx_buf spec = SBX_BUF_INIT, text = SBX_BUF_INIT;
	json_t *rec = NULL, *base;
	const char *master, *base_snap;
	int64_t version;
	size_t i;
	int r;

	memset(res, 0, sizeof *res);
	memset(&h, 0, sizeof h);
	memset(&ours, 0, sizeof ours);
	memset(&k, 0, sizeof k);
	memset(&n, 0, sizeof n);
	sbx_merge_opts_init(&mo);
	sbx_merge_conflicts_init(&conf);
	sbx_changeset_init(&cs);
	for (i = 0; i < o->nresolve; i++)
		if ((r = sbx_merge_opts_add_resolve(&mo, o->resolve[i], err)))
			goto out;
	if ((r = sbx_sandbox_load(s, name, &rec, err)))
		goto out;
	if (!strcmp(json_string_value(json_object_get(rec, "state")), "destroyed")) {
		r = sbx_err_set(err, SBX_ENOTFOUND, "sandbox '%s' is destroyed", name);
		goto out;
	}
	if (o->apply) {
		const char *pn = json_string_value(json_object_get(rec, "provider"));

		p = pn ? sbx_config_provider(c, pn) : NULL;
		if (!p) {
			r = sbx_err_set(err, SBX_ENOTFOUND, "sandbox '%s' uses provider '%s', which the "
					"configuration does not define", name, pn ? pn : "?");
			goto out;
		}
		/* Checked first: nothing is written for an apply that cannot be. */
		if (!p->ops->import) {
			r = sbx_err_set(err, SBX_ECONFLICT, "provider '%s' cannot import: --apply "
					"refused, nothing written", p->name);
			goto out;
		}
	}
	base = sbx_sandbox_master_base(rec);
	master = json_string_value(json_object_get(base, "master"));
	version = json_integer_value(json_object_get(base, "version"));
	base_snap = json_string_value(json_object_get(base, "snapshot"));
	if (!master || !base_snap) {
		r = sbx_err_set(err, SBX_ECORRUPT, "the record of sandbox '%s' names no master version",
				name);
		goto out;
	}
	/* Ours: the sandbox's content, live when it is active. */
	sbx_buf_addf(&spec, "sandbox:%s", name);
	if ((r = sbx_diff_resolve(s, c, spec.data, SBX_SPEC_LIVE, &ours, err)))
		goto out;
	/* Theirs: production now, hardened as the base version was. */
	spec.len = 0;
	sbx_buf_addf(&spec, "%s@%lld", master, (long long)version);
	if ((r = sbx_master_harden_temp(s, spec.data, o->source, o->policy, o->progress, &h, err)))
		goto out;
	if ((r = sbx_snapshot_diff(s, base_snap, ours.id, ours_fn, &k, NULL, err))) {
		if (k.err.code && err)
			*err = k.err;
		goto out;
	}
	if (k.n)        /* never a NULL base to qsort */
		qsort(k.v, k.n, sizeof *k.v, cmp_cand);
	if ((r = sbx_snapshot_diff(s, base_snap, h.id, theirs_fn, &k, NULL, err))) {
		if (k.err.code && err)
			*err = k.err;
		goto out;
	}
	/* Paths production did not change: theirs is base. */
	for (i = 0; i < k.n; i++)
		if (!k.v[i].theirs_seen && k.v[i].has_base) {
			k.v[i].has_theirs = 1;
			sbx_buf_add(&k.v[i].theirs, k.v[i].base.data, k.v[i].base.len);
		}
	raw = sbx_xcalloc(k.n + 1, sizeof *raw);
	for (i = 0; i < k.n; i++)
		raw[i].path = k.v[i].path;
	if ((r = sbx_source_read_files(o->source, raw, k.n, err)))
		goto out;
	for (i = 0; i < k.n; i++)
		if ((r = merge_one(&k.v[i], &raw[i], &mo, &conf, &cs, &n, err)) < 0)
			goto out;
	if (conf.unresolved) {
		sbx_merge_render_side_by_side(&conf, 1, o->width >= 40 ? o->width : 160, &text);
		res->side_by_side = sbx_buf_detach(&text, NULL);
		res->conflicts = sbx_merge_conflicts_json(&conf);
		r = sbx_err_set(err, SBX_ECONFLICT, "%zu conflict%s between sandbox '%s' and %s: "
				"nothing written (settle them with --resolve PATH=ours|theirs)",
				conf.unresolved, conf.unresolved == 1 ? "" : "s", name, o->source);
		goto out;
	}
	sbx_changeset_set_meta(&cs, name, master, version, base_snap, o->source, h.id,
			       sbx_clock_ns());
	if ((r = sbx_changeset_write(&cs, o->out, err)))
		goto out;
	if ((r = record(s, rec, ours.id, o->out, &n, err)))
		goto out;
	res->doc = json_pack("{s:s,s:s,s:{s:s,s:I,s:s},s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:b}",
		"sandbox", name, "file", o->out, "base", "master", master, "version",
		(json_int_t)version, "snapshot", base_snap, "source", o->source, "policy",
		h.policy ? h.policy : "", "files", files_json(&cs), "added", (json_int_t)n.added,
		"modified", (json_int_t)n.modified, "deleted", (json_int_t)n.deleted, "merged",
		(json_int_t)n.merged, "resolved", (json_int_t)n.resolved, "conflicts",
		sbx_merge_conflicts_json(&conf), "applied", 0);
	if (o->apply) {
		if ((r = apply(s, c, p, rec, o->out, err)))
			goto out;
		json_object_set_new(res->doc, "applied", json_true());
	}
out:
	if (raw)
		for (i = 0; i < k.n; i++)
			sbx_buf_release(&raw[i].data);
	free(raw);
	cands_release(&k);
	sbx_changeset_release(&cs);
	sbx_merge_conflicts_release(&conf);
	sbx_merge_opts_release(&mo);
	sbx_harden_temp_release(&h);
	sbx_diff_spec_release(&ours);
	sbx_buf_release(&spec);
	sbx_buf_release(&text);
	json_decref(rec);
	return r;
}

void sbx_promote_result_release(struct sbx_promote_result *res)
{
	json_decref(res->doc);
	json_decref(res->conflicts);
	free(res->side_by_side);
	memset(res, 0, sizeof *res);
}
