/* Merging one path: which versions have the file, and by which content
 * merge (JSON, lines, whole) the rest goes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"
#include "lifecycle/placeholder.h"
#include "util/hash.h"

void sbx_merge_result_init(struct sbx_merge_result *r)
{
	memset(r, 0, sizeof *r);
}

void sbx_merge_result_release(struct sbx_merge_result *r)
{
	sbx_buf_release(&r->content);
	memset(r, 0, sizeof *r);
}

static void digest(const void *p, size_t n, char hex[65])
{
	uint8_t d[SBX_ID_LEN];

	if (!p) {
		hex[0] = '\0';
		return;
	}
	sbx_sha256(p, n, d);
	sbx_hex(d, sizeof d, hex);
}

/* Both absent, or both present with the same bytes. */
static int same(const void *a, size_t na, const void *b, size_t nb)
{
	if (!a || !b)
		return !a && !b;
	return na == nb && (!na || !memcmp(a, b, na));
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix), i;

	if (a < b)
		return 0;
	for (i = 0; i < b; i++) {
		int c = (unsigned char)s[a - b + i];

		if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != suffix[i])
			return 0;
	}
	return 1;
}

/* How a whole version shows in a conflict (caller frees; NULL if absent). */
static char *describe(const void *p, size_t n, int binary)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char hex[65];

	if (!p)
		return NULL;
	if (!binary) {
		sbx_buf_add(&b, p, n);
		return sbx_buf_detach(&b, NULL);
	}
	digest(p, n, hex);
	sbx_buf_addf(&b, "(binary file, %zu bytes, sha256 %.16s...)", n, hex);
	return sbx_buf_detach(&b, NULL);
}

/* A conflict about the whole file (binary, deleted on one side, or a
 * binary or added file whose ours holds a placeholder).  Returns the side
 * the rules chose (NONE: open) or a negative error. */
static int file_conflict(const struct sbx_merge_input *in, enum sbx_merge_kind kind,
			 const struct sbx_merge_opts *o, struct sbx_merge_conflicts *conf,
			 struct sbx_err *err)
{
	char *b = describe(in->base, in->nbase, in->binary);
	char *u = describe(in->ours, in->nours, in->binary);
	char *t = describe(in->theirs, in->ntheirs, in->binary);
	struct sbx_merge_conflict *x = sbx_merge_conflict_add(conf, in->path, NULL, kind, b, u, t);

	free(b);
	free(u);
	free(t);
	if (in->ours)
		sbx_merge_conflict_scan(x, o, in->ours, in->nours, 0);
	return sbx_merge_conflict_resolve(conf, x, o, err);
}

/* Whether ours' bytes hold a placeholder anywhere. */
static int ours_has_ph(const struct sbx_merge_input *in, const struct sbx_merge_opts *o)
{
	struct sbx_merge_conflict probe;
	size_t k, found;

	memset(&probe, 0, sizeof probe);
	found = sbx_merge_conflict_scan(&probe, o, in->ours, in->nours, 0);
	for (k = 0; k < probe.nph; k++)
		free(probe.ph[k].token);
	free(probe.ph);
	return found > 0;
}

/* Counts the placeholders left in RES's content. */
static void count_residual(struct sbx_merge_result *res, const struct sbx_merge_opts *o)
{
	struct sbx_ph_hit h;
	size_t at = 0;

	while (sbx_ph_find(res->content.data, res->content.len, at, o ? o->masked : NULL,
			   o ? o->nmasked : 0, &h)) {
		if (!res->residual++)
			snprintf(res->residual_token, sizeof res->residual_token, "%.*s",
				 (int)(h.end - h.start), res->content.data + h.start);
		at = h.end;
	}
}

/* The content merge of a path present in ours (and theirs, or added by
 * ours alone): by kind of file. */
static int merge_content(const struct sbx_merge_input *in, const struct sbx_merge_opts *o,
			 struct sbx_merge_result *res, struct sbx_merge_conflicts *conf,
			 struct sbx_err *err)
{
	struct sbx_err e = { 0 };
	int r, side;

	if (in->binary) {
		if (same(in->base, in->nbase, in->theirs, in->ntheirs)) {
			if (!ours_has_ph(in, o)) {
				sbx_buf_add(&res->content, in->ours, in->nours);
				return 0;
			}
			side = file_conflict(in, SBX_MERGE_PLACEHOLDER, o, conf, err);
		} else {
			side = file_conflict(in, SBX_MERGE_BINARY, o, conf, err);
		}
		if (side < 0)
			return side;
		if (side == SBX_MERGE_OURS)
			sbx_buf_add(&res->content, in->ours, in->nours);
		else if (side == SBX_MERGE_THEIRS && in->theirs)
			sbx_buf_add(&res->content, in->theirs, in->ntheirs);
		else if (side == SBX_MERGE_THEIRS)
			res->present = 0;
		return 0;
	}
	if (ends_with_ci(in->path, ".json")) {
		r = sbx_merge_json(in->path, in->base, in->nbase, in->ours, in->nours, in->theirs,
				   in->ntheirs, o, &res->content, conf, &e);
		if (r != SBX_EINVAL) {
			if (r)
				sbx_err_set(err, e.code, "%s", e.msg);
			return r;
		}
		/* Not JSON on some side: lines are all we can merge. */
		res->fallback = 1;
		snprintf(res->note, sizeof res->note, "%.480s; merged by lines", e.msg);
	}
	return sbx_merge_text(in->path, in->base, in->nbase, in->ours, in->nours, in->theirs,
			      in->ntheirs, o, &res->content, conf, err);
}

int sbx_merge_file(const struct sbx_merge_input *in, const struct sbx_merge_opts *o,
		   struct sbx_merge_result *res, struct sbx_merge_conflicts *conf,
		   struct sbx_err *err)
{
	size_t first = conf->n, open = conf->unresolved, i;
	int r = 0, side, sides = 0;

	if (!in->path)
		return sbx_err_set(err, SBX_EINVAL, "merge: a file without a path");
	sbx_buf_reset(&res->content);
	sbx_buf_grow(&res->content, 0);
	res->action = SBX_MERGE_KEEP;
	res->merged = 0;
	res->resolved = SBX_MERGE_NONE;
	res->conflicts = 0;
	res->fallback = 0;
	res->note[0] = '\0';
	res->residual = 0;
	res->residual_token[0] = '\0';
	digest(in->base, in->nbase, res->base);
	digest(in->ours, in->nours, res->ours);
	digest(in->theirs, in->ntheirs, res->theirs);
	res->present = in->theirs != NULL;
	memcpy(res->result, res->theirs, sizeof res->result);

	/* Ours did not change the file, or made it what theirs has: theirs
	 * stands. */
	if (same(in->ours, in->nours, in->theirs, in->ntheirs) ||
	    same(in->base, in->nbase, in->ours, in->nours))
		return 0;
	res->present = 1;
	if (!in->ours) {
		/* Ours deleted it (base had it). */
		if (same(in->base, in->nbase, in->theirs, in->ntheirs)) {
			res->present = 0;
		} else {
			side = file_conflict(in, SBX_MERGE_DELETE_VS_CHANGE, o, conf, err);
			if (side < 0)
				return side;
			if (side == SBX_MERGE_THEIRS)
				return 0;
			res->present = 0;
		}
	} else if (!in->theirs && in->base) {
		/* Theirs deleted what ours changed. */
		side = file_conflict(in, SBX_MERGE_DELETE_VS_CHANGE, o, conf, err);
		if (side < 0)
			return side;
		if (side == SBX_MERGE_OURS)
			sbx_buf_add(&res->content, in->ours, in->nours);
		else
			res->present = 0;
	} else {
		r = merge_content(in, o, res, conf, err);
		if (r)
			return r;
		/* A file ours added alone: "theirs" for its placeholder is
		 * not having the file (the JSON merge drops just the keys). */
		if (!in->base && !in->theirs) {
			int json = ends_with_ci(in->path, ".json") && !in->binary && !res->fallback;

			for (i = first; i < conf->n; i++)
				if (conf->v[i].resolved == SBX_MERGE_THEIRS && (!json || (conf->v[i].path && !*conf->v[i].path)))
					res->present = 0;
		}
	}

	for (i = first; i < conf->n; i++)
		sides |= conf->v[i].resolved == SBX_MERGE_OURS ? 1 : conf->v[i].resolved == SBX_MERGE_THEIRS ? 2 : 0;
	res->resolved = sides == 3 ? SBX_MERGE_MIXED : sides == 2 ? SBX_MERGE_THEIRS :
			sides == 1 ? SBX_MERGE_OURS : SBX_MERGE_NONE;
	res->conflicts = conf->unresolved - open;
	if (res->conflicts) {
		sbx_buf_reset(&res->content);
		res->present = 0;
		res->result[0] = '\0';
		return 0;
	}
	if (!res->present) {
		sbx_buf_reset(&res->content);
		res->result[0] = '\0';
		res->action = in->theirs ? SBX_MERGE_DELETE : SBX_MERGE_KEEP;
		return 0;
	}
	digest(res->content.data, res->content.len, res->result);
	count_residual(res, o);
	if (!in->theirs)
		res->action = SBX_MERGE_ADD;
	else if (!same(res->content.data, res->content.len, in->theirs, in->ntheirs))
		res->action = SBX_MERGE_MODIFY;
	res->merged = !same(res->content.data, res->content.len, in->ours, in->nours) &&
		      !same(res->content.data, res->content.len, in->theirs, in->ntheirs);
	return 0;
}
