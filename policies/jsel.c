#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policies/jsel.h"
#include "sbx/buf.h"

enum { C_KEY, C_ANYKEY, C_DEEP, C_ANYIDX, C_IDX };

struct comp {
	int kind;
	char *key;
	long idx;
};

struct sbx_jsel {
	struct comp *c;
	size_t n;
};

static void push(struct sbx_jsel *s, int kind, const char *key, size_t klen, long idx)
{
	s->c = sbx_xrealloc(s->c, (s->n + 1) * sizeof *s->c);
	s->c[s->n].kind = kind;
	s->c[s->n].key = key ? sbx_xstrndup(key, klen) : NULL;
	s->c[s->n].idx = idx;
	s->n++;
}

int sbx_jsel_compile(const char *sel, struct sbx_jsel **out, struct sbx_err *err)
{
	struct sbx_jsel *s = sbx_xcalloc(1, sizeof *s);
	const char *p = sel;

	*out = NULL;
	if (!*sel)
		goto bad;
	while (*p) {
		size_t n = strcspn(p, ".[");

		if (n == 2 && !strncmp(p, "**", 2))
			push(s, C_DEEP, NULL, 0, 0);
		else if (n == 1 && *p == '*')
			push(s, C_ANYKEY, NULL, 0, 0);
		else if (n)
			push(s, C_KEY, p, n, 0);
		p += n;
		while (*p == '[') {
			if (!strncmp(p, "[*]", 3)) {
				push(s, C_ANYIDX, NULL, 0, 0);
				p += 3;
			} else {
				char *end;
				long i = strtol(p + 1, &end, 10);

				if (end == p + 1 || *end != ']' || i < 0)
					goto bad;
				push(s, C_IDX, NULL, 0, i);
				p = end + 1;
			}
		}
		if (*p == '.') {
			p++;
			if (!*p || *p == '.')
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	*out = s;
	return 0;
bad:
	sbx_jsel_free(s);
	return sbx_err_set(err, SBX_ESYNTAX, "bad key selector '%s' (use a.b, *, **, [*] or [N])", sel);
}

void sbx_jsel_free(struct sbx_jsel *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->c[i].key);
	free(s->c);
	free(s);
}

/* Does selector C[0..CN) match path P[0..PN) (node indices, root excluded)? */
static int m(const struct comp *c, size_t cn, const struct sbx_jdoc *doc, const int *p, size_t pn)
{
	const struct sbx_jnode *nd;

	if (!cn)
		return pn == 0;
	if (c->kind == C_DEEP) {
		size_t k;

		for (k = 0; k <= pn; k++)
			if (m(c + 1, cn - 1, doc, p + k, pn - k))
				return 1;
		return 0;
	}
	if (!pn)
		return 0;
	nd = &doc->n[p[0]];
	switch (c->kind) {
	case C_KEY:
		if (!nd->key || strcmp(nd->key, c->key))
			return 0;
		break;
	case C_ANYKEY:
		if (!nd->key)
			return 0;
		break;
	case C_ANYIDX:
		if (nd->key)
			return 0;
		break;
	default:
		if (nd->key || nd->index != c->idx)
			return 0;
	}
	return m(c + 1, cn - 1, doc, p + 1, pn - 1);
}

int sbx_jsel_match(const struct sbx_jsel *s, const struct sbx_jdoc *doc, int i)
{
	int chain[600], path[600];
	size_t n = 0, k;

	for (; i > 0 && n < 600; i = doc->n[i].parent)
		chain[n++] = i;
	for (k = 0; k < n; k++)
		path[k] = chain[n - 1 - k];
	return m(s->c, s->n, doc, path, n);
}

static int mk(const struct comp *c, size_t cn, const char *const *k, size_t kn)
{
	int is_idx;

	if (!cn)
		return kn == 0;
	if (c->kind == C_DEEP) {
		size_t i;

		for (i = 0; i <= kn; i++)
			if (mk(c + 1, cn - 1, k + i, kn - i))
				return 1;
		return 0;
	}
	if (!kn)
		return 0;
	is_idx = !strcmp(k[0], "[]");
	switch (c->kind) {
	case C_KEY:
		if (is_idx || strcmp(k[0], c->key))
			return 0;
		break;
	case C_ANYKEY:
		if (is_idx)
			return 0;
		break;
	default:
		if (!is_idx)
			return 0;
	}
	return mk(c + 1, cn - 1, k + 1, kn - 1);
}

int sbx_jsel_match_keys(const struct sbx_jsel *s, const char *const *keys, size_t n)
{
	return mk(s->c, s->n, keys, n);
}
