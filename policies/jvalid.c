/* Validation of JSON files with positions: the helpers policy and config
 * checks share, so that every mistake reads "FILE:LINE:COL: WHAT". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/jvalid.h"
#include "sbx/buf.h"


/* Levenshtein distance, for suggestions. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;

	if (lb >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

int sbx_jv_at(struct sbx_jv *c, int node, int on_key, const char *fmt, const char *a, const char *b)
{
	const struct sbx_jnode *n = &c->doc.n[node];
	char what[1200];

	snprintf(what, sizeof what, fmt, a ? a : "", b ? b : "");
	return sbx_err_set(c->err, SBX_ESYNTAX, "%s:%d:%d: %s", c->name,
			   on_key && n->key ? n->key_line : n->line, on_key && n->key ? n->key_col : n->col,
			   what);
}

/* Checks every member name of object OBJ against KNOWN. */
int sbx_jv_known(struct sbx_jv *c, int obj, const char *const *known, const char *what)
{
	size_t i;

	for (i = (size_t)obj + 1; i < c->doc.len && c->doc.n[i].start < c->doc.n[obj].end; i++) {
		const struct sbx_jnode *n = &c->doc.n[i];
		const char *best = NULL;
		size_t k, bd = 3;

		if (n->parent != obj)
			continue;
		for (k = 0; known[k]; k++) {
			size_t d;

			if (!strcmp(known[k], n->key))
				break;
			d = distance(n->key, known[k]);
			if (d < bd) {
				bd = d;
				best = known[k];
			}
		}
		if (known[k])
			continue;
		if (best) {
			char msg[300];

			snprintf(msg, sizeof msg, "unknown %s \"%%s\" (did you mean \"%s\"?)", what, best);
			return sbx_jv_at(c, (int)i, 1, msg, n->key, NULL);
		}
		{
			char msg[300];

			snprintf(msg, sizeof msg, "unknown %s \"%%s\"", what);
			return sbx_jv_at(c, (int)i, 1, msg, n->key, NULL);
		}
	}
	return 0;
}

static const char *tname(enum sbx_jtype t)
{
	static const char *const n[] = { "an object", "an array", "a string", "a number", "true",
					 "false", "null" };
	return n[t];
}

int sbx_jv_want(struct sbx_jv *c, int node, enum sbx_jtype t, const char *what)
{
	enum sbx_jtype got = c->doc.n[node].type;

	if (got == t || (t == SBX_J_TRUE && got == SBX_J_FALSE))
		return 0;
	return sbx_jv_at(c, node, 0, "%s must be %s", what,
		  t == SBX_J_TRUE ? "true or false" : tname(t));
}

char *sbx_jv_str(struct sbx_jv *c, int node)
{
	return sbx_json_string(&c->doc, node, NULL);
}

/* A non-empty string member KEY of OBJ, or NULL (and *R set on error when
 * REQUIRED). */
char *sbx_jv_member_str(struct sbx_jv *c, int obj, const char *key, const char *what, int required,
			int *r)
{
	int m = sbx_json_member(&c->doc, obj, key);
	char *s;

	if (m < 0) {
		if (required)
			*r = sbx_jv_at(c, obj, 0, "%s needs \"%s\"", what, key);
		return NULL;
	}
	if ((*r = sbx_jv_want(c, m, SBX_J_STR, key)))
		return NULL;
	s = sbx_jv_str(c, m);
	if (!*s) {
		free(s);
		*r = sbx_jv_at(c, m, 0, "\"%s\" must not be empty%s", key, NULL);
		return NULL;
	}
	return s;
}

/* The strings of array member KEY of OBJ (or of a single string). */
char **sbx_jv_member_strs(struct sbx_jv *c, int obj, const char *key, size_t *n, int *r)
{
	int m = sbx_json_member(&c->doc, obj, key);
	char **v = NULL;
	size_t i;

	*n = 0;
	if (m < 0)
		return NULL;
	if (c->doc.n[m].type == SBX_J_STR) {
		v = sbx_xcalloc(1, sizeof *v);
		v[0] = sbx_jv_str(c, m);
		*n = 1;
		return v;
	}
	if ((*r = sbx_jv_want(c, m, SBX_J_ARR, key)))
		return NULL;
	for (i = (size_t)m + 1; i < c->doc.len && c->doc.n[i].start < c->doc.n[m].end; i++) {
		if (c->doc.n[i].parent != m)
			continue;
		if ((*r = sbx_jv_want(c, (int)i, SBX_J_STR, key)))
			break;
		v = sbx_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = sbx_jv_str(c, (int)i);
	}
	return v;
}

void sbx_jv_free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

