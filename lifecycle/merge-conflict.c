/* The merge's conflict list and the `--resolve` rules that settle
 * conflicts as they are found. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"
#include "lifecycle/placeholder.h"

const char *sbx_merge_side_name(enum sbx_merge_side s)
{
	switch (s) {
	case SBX_MERGE_OURS:
		return "ours";
	case SBX_MERGE_THEIRS:
		return "theirs";
	case SBX_MERGE_MIXED:
		return "mixed";
	default:
		return NULL;
	}
}

const char *sbx_merge_kind_name(enum sbx_merge_kind k)
{
	switch (k) {
	case SBX_MERGE_BOTH_CHANGED:
		return "both-changed";
	case SBX_MERGE_DELETE_VS_CHANGE:
		return "delete-vs-change";
	case SBX_MERGE_PLACEHOLDER:
		return "placeholder";
	case SBX_MERGE_BINARY:
		return "binary";
	default:
		return "type";
	}
}

const char *sbx_merge_action_name(enum sbx_merge_action a)
{
	switch (a) {
	case SBX_MERGE_ADD:
		return "add";
	case SBX_MERGE_MODIFY:
		return "modify";
	case SBX_MERGE_DELETE:
		return "delete";
	default:
		return "keep";
	}
}

void sbx_merge_opts_init(struct sbx_merge_opts *o)
{
	memset(o, 0, sizeof *o);
}

void sbx_merge_opts_release(struct sbx_merge_opts *o)
{
	size_t i;

	for (i = 0; i < o->nrules; i++)
		free(o->rules[i].target);
	free(o->rules);
	memset(o, 0, sizeof *o);
}

static int same_target(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int sbx_merge_opts_add_resolve(struct sbx_merge_opts *o, const char *spec, struct sbx_err *err)
{
	const char *eq = strrchr(spec, '=');
	const char *side_s = eq ? eq + 1 : spec;
	enum sbx_merge_side side;
	char *target = NULL;
	size_t i;

	if (!strcmp(side_s, "ours"))
		side = SBX_MERGE_OURS;
	else if (!strcmp(side_s, "theirs"))
		side = SBX_MERGE_THEIRS;
	else
		return sbx_err_set(err, SBX_EUSAGE,
				   "--resolve '%s': the side must be \"ours\" or \"theirs\" "
				   "(--resolve ours, --resolve PATH=theirs, --resolve PATH:KEYPATH=ours)",
				   spec);
	if (eq) {
		if (eq == spec || (eq - spec == 1 && spec[0] == ':'))
			return sbx_err_set(err, SBX_EUSAGE, "--resolve '%s': no path before '='", spec);
		target = sbx_xstrndup(spec, (size_t)(eq - spec));
	}
	for (i = 0; i < o->nrules; i++) {
		if (!same_target(o->rules[i].target, target))
			continue;
		if (o->rules[i].side != side) {
			free(target);
			return sbx_err_set(err, SBX_EUSAGE, "--resolve given for %s%s%s both as ours and as theirs",
					   eq ? "'" : "", eq ? o->rules[i].target : "every conflict",
					   eq ? "'" : "");
		}
		free(target);
		return 0;
	}
	o->rules = sbx_xrealloc(o->rules, (o->nrules + 1) * sizeof *o->rules);
	o->rules[o->nrules].target = target;
	o->rules[o->nrules].side = side;
	o->nrules++;
	return 0;
}

/* How specifically rule target T matches a conflict in FILE at KEYPATH: -1
 * not at all, 0 for the file, 1 + the key path's length for FILE:KEYPATH
 * when KEYPATH is the conflict's path or one of its ancestors. */
static long specificity(const char *t, const char *file, const char *keypath)
{
	size_t fl = strlen(file), kl;
	const char *k;

	if (strncmp(t, file, fl))
		return -1;
	if (!t[fl])
		return 0;
	if (t[fl] != ':' || !keypath)
		return -1;
	k = t + fl + 1;
	kl = strlen(k);
	if (strncmp(keypath, k, kl))
		return -1;
	/* "a.b" covers "a.b", "a.b.c" and "a.b[id=1]", not "a.bc". */
	if (keypath[kl] && keypath[kl] != '.' && keypath[kl] != '[' && kl)
		return -1;
	return 1 + (long)kl;
}

int sbx_merge_opts_find(const struct sbx_merge_opts *o, const char *file, const char *keypath)
{
	long best = -2, s;
	int found = -1;
	size_t i;

	if (!o)
		return -1;
	for (i = 0; i < o->nrules; i++) {
		if (!o->rules[i].target) {
			s = -1;    /* the global rule: below any file's */
		} else {
			s = specificity(o->rules[i].target, file, keypath);
			if (s < 0)
				continue;
		}
		if (s > best) {
			best = s;
			found = (int)i;
		}
	}
	return found;
}

void sbx_merge_conflicts_init(struct sbx_merge_conflicts *c)
{
	memset(c, 0, sizeof *c);
}

void sbx_merge_conflicts_release(struct sbx_merge_conflicts *c)
{
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		struct sbx_merge_conflict *x = &c->v[i];

		free(x->file);
		free(x->path);
		free(x->base);
		free(x->ours);
		free(x->theirs);
		for (k = 0; k < x->nph; k++)
			free(x->ph[k].token);
		free(x->ph);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static char *dup_or_null(const char *s)
{
	return s ? sbx_xstrdup(s) : NULL;
}

struct sbx_merge_conflict *sbx_merge_conflict_add(struct sbx_merge_conflicts *c, const char *file,
						  const char *path, enum sbx_merge_kind kind,
						  const char *base, const char *ours,
						  const char *theirs)
{
	struct sbx_merge_conflict *x;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = sbx_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	x = &c->v[c->n++];
	memset(x, 0, sizeof *x);
	x->file = sbx_xstrdup(file);
	x->path = dup_or_null(path);
	x->kind = kind;
	x->base = dup_or_null(base);
	x->ours = dup_or_null(ours);
	x->theirs = dup_or_null(theirs);
	x->rule = -1;
	c->unresolved++;
	return x;
}

size_t sbx_merge_conflict_scan(struct sbx_merge_conflict *x, const struct sbx_merge_opts *o,
			       const char *s, size_t n, size_t line)
{
	struct sbx_ph_hit h;
	size_t at = 0, found = 0, k;

	while (sbx_ph_find(s, n, at, o ? o->masked : NULL, o ? o->nmasked : 0, &h)) {
		size_t len = h.end - h.start;

		at = h.end;
		found++;
		for (k = 0; k < x->nph; k++)
			if (strlen(x->ph[k].token) == len && !memcmp(x->ph[k].token, s + h.start, len))
				break;
		if (k < x->nph)
			continue;
		x->ph = sbx_xrealloc(x->ph, (x->nph + 1) * sizeof *x->ph);
		x->ph[x->nph].token = sbx_xstrndup(s + h.start, len);
		x->ph[x->nph].what = sbx_ph_kind_name(h.kind);
		x->ph[x->nph].line = line;
		x->nph++;
	}
	return found;
}

/* "file" or "file: keypath", for messages. */
static void where(const struct sbx_merge_conflict *x, struct sbx_buf *b)
{
	sbx_buf_adds(b, x->file);
	if (x->path)
		sbx_buf_addf(b, ": %s", *x->path ? x->path : "(the whole document)");
	else if (x->ours_lines.count || x->base_lines.count || x->theirs_lines.count)
		sbx_buf_addf(b, ":%zu", x->ours_lines.first);
}

int sbx_merge_conflict_resolve(struct sbx_merge_conflicts *c, struct sbx_merge_conflict *x,
			       const struct sbx_merge_opts *o, struct sbx_err *err)
{
	int i = sbx_merge_opts_find(o, x->file, x->path);
	enum sbx_merge_side side;

	if (i < 0)
		return SBX_MERGE_NONE;
	side = o->rules[i].side;
	if (side == SBX_MERGE_OURS && x->nph) {
		struct sbx_buf b = SBX_BUF_INIT;
		int r;

		where(x, &b);
		r = sbx_err_set(err, SBX_ECONFLICT,
				"%s: cannot resolve as ours (--resolve %s%s): ours holds %s, a %s the "
				"hardening policy put in place of production's value, and a placeholder "
				"never goes to production; resolve it as theirs, or put the real value in "
				"the sandbox",
				b.data, o->rules[i].target ? o->rules[i].target : "",
				o->rules[i].target ? "=ours" : "ours", x->ph[0].token, x->ph[0].what);
		sbx_buf_release(&b);
		return r;
	}
	x->resolved = side;
	x->rule = i;
	c->unresolved--;
	return (int)side;
}
