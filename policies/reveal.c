/* What a diff may show of values: the built-in secret detectors always, and
 * the rules of the hardening policies of the sides compared (secret rules,
 * canaries, masks).  A value any of them would have hidden is shown as a
 * placeholder; a text shown in a diff has its secrets replaced. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policies/glob.h"
#include "policies/mask.h"
#include "policies/policy.h"
#include "policies/reveal.h"

struct sbx_reveal {
	struct sbx_policy **p;       /* p[0]: the built-in detectors alone */
	size_t n;
	struct sbx_masker *masker;   /* finds what pattern rules would mask */
};

struct sbx_reveal *sbx_reveal_new(void)
{
	static const char builtin[] = "{\"version\": 1}";
	struct sbx_reveal *r = sbx_xcalloc(1, sizeof *r);
	uint8_t zero[32] = { 0 };
	struct sbx_err err = { 0 };

	r->p = sbx_xcalloc(1, sizeof *r->p);
	/* The built-in rules always compile (secrets.c's unit tests): failing
	 * here is a broken build, treated as out-of-memory is. */
	if (sbx_policy_parse("(built-in detectors)", builtin, sizeof builtin - 1, &r->p[0], &err)) {
		fprintf(stderr, "sbx: error: %s\n", err.msg);
		abort();
	}
	r->n = 1;
	/* Pseudonyms are never kept: only whether a pattern matches counts. */
	r->masker = sbx_masker_new(zero);
	return r;
}

void sbx_reveal_free(struct sbx_reveal *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		sbx_policy_free(r->p[i]);
	free(r->p);
	sbx_masker_free(r->masker);
	free(r);
}

int sbx_reveal_add_policy(struct sbx_reveal *r, const char *path, struct sbx_err *err)
{
	struct sbx_policy *p;
	int rc = sbx_policy_load(path, &p, err);

	if (rc)
		return rc;
	r->p = sbx_xrealloc(r->p, (r->n + 1) * sizeof *r->p);
	r->p[r->n++] = p;
	return 0;
}

static int ends_with_json(const char *path)
{
	size_t n = strlen(path);

	return n >= 5 && !strcasecmp(path + n - 5, ".json");
}

/* Case-insensitive search, as the gate searches canaries. */
static const char *find_ci(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (!nl || nl > n)
		return NULL;
	for (i = 0; i + nl <= n; i++)
		if (!strncasecmp(s + i, needle, nl))
			return s + i;
	return NULL;
}

struct first_hit {
	size_t from;                 /* hits before this offset (in the key) do not count */
	const char *rule;
};

static int first_hit(const struct sbx_secret_hit *h, void *ctx)
{
	struct first_hit *f = ctx;

	if (h->end <= f->from)
		return 0;
	f->rule = h->rule;
	return 1;
}

static int looks_email(const char *v, size_t len)
{
	const char *at = memchr(v, '@', len);

	return at && at > v && memchr(at, '.', len - (size_t)(at - v)) && !memchr(v, ' ', len);
}

/* Does a key rule of M select KEYS[0..N) or an object or array above it? */
static int keys_masked(const struct sbx_mask_rule *m, const char *const *keys, size_t n)
{
	size_t k, i;

	for (k = 0; k < m->nsel; k++)
		for (i = 1; i <= n; i++)
			if (sbx_jsel_match_keys(m->sel[k], keys, i))
				return 1;
	return 0;
}

int sbx_reveal_leaf(const struct sbx_reveal *r, const char *path, const char *const *keys,
		    size_t n, const char *value, size_t len, int is_string, struct sbx_buf *out)
{
	struct sbx_buf kv = SBX_BUF_INIT;
	const char *key = "";
	const char *kind = NULL, *rule = NULL;
	size_t i, k;

	for (i = n; i > 0; i--)
		if (strcmp(keys[i - 1], "[]")) {
			key = keys[i - 1];
			break;
		}
	/* Secrets, with the key around the value as key/value rules expect. */
	sbx_buf_addc(&kv, '"');
	sbx_buf_adds(&kv, key);
	sbx_buf_adds(&kv, "\": ");
	{
		struct first_hit f = { kv.len, NULL };

		if (is_string)
			sbx_json_quote(&kv, value, len);
		else
			sbx_buf_add(&kv, value, len);
		for (i = 0; i < r->n && !f.rule; i++) {
			/* A scan that gives up hides the value: fail closed. */
			if (sbx_secrets_scan(r->p[i]->secrets, kv.data, kv.len, first_hit, &f, NULL) < 0)
				f.rule = "unscannable";
		}
		rule = f.rule;
	}
	sbx_buf_release(&kv);
	for (i = 0; i < r->n && !rule; i++)
		for (k = 0; k < r->p[i]->ncanaries && !rule; k++)
			if (find_ci(value, len, r->p[i]->canaries[k]))
				rule = "canary";
	if (rule) {
		sbx_buf_addf(out, "${SECRET:%s}", rule);
		return 1;
	}
	if (!is_string || memmem(value, len, "${", 2))
		return 0;
	for (i = 0; i < r->n && !kind; i++) {
		for (k = 0; k < r->p[i]->nmask && !kind; k++) {
			const struct sbx_mask_rule *m = &r->p[i]->mask[k];
			struct sbx_buf tmp = SBX_BUF_INIT;
			size_t count = 0;

			if (!sbx_glob_match(m->files, path))
				continue;
			if (m->on == SBX_MASK_KEYS && ends_with_json(path) && keys_masked(m, keys, n))
				kind = m->as ? m->as : looks_email(value, len) ? "email" :
					sbx_mask_kind_for(key);
			else if (m->on == SBX_MASK_PATTERN &&
				 (sbx_mask_text(r->masker, m->pattern, m->as, value, len, &tmp, &count,
						NULL) || count))
				kind = m->as ? m->as : sbx_mask_kind_for(m->pattern);
			sbx_buf_release(&tmp);
		}
	}
	/* What hardening made: a pseudonym shows as what it stands for. */
	for (i = 0; i < len && !kind; i++) {
		const char *what = NULL;
		size_t e = sbx_mask_pseudonym_at(value, len, 0, i, &what);

		/* An address anywhere in the value; a hash only as all of it. */
		if (e && (!strcmp(what, "email") || (i == 0 && e == len)))
			kind = what;
	}
	if (!kind)
		return 0;
	sbx_buf_addf(out, "${MASKED:%s}", kind);
	return 1;
}

void sbx_reveal_text(const struct sbx_reveal *r, const char *path, const char *text, size_t n,
		     struct sbx_buf *out)
{
	struct sbx_buf cur = SBX_BUF_INIT, next = SBX_BUF_INIT;
	size_t i, k;

	(void)path;
	sbx_buf_add(&cur, text, n);
	for (i = 0; i < r->n; i++) {
		sbx_buf_reset(&next);
		if (sbx_secrets_redact(r->p[i]->secrets, cur.data, cur.len, &next, NULL, NULL, NULL) < 0) {
			/* Fail closed: what cannot be scanned is not shown. */
			sbx_buf_reset(&cur);
			sbx_buf_adds(&cur, "${SECRET:unscannable}\n");
			break;
		}
		sbx_buf_reset(&cur);
		sbx_buf_add(&cur, next.data ? next.data : "", next.len);
	}
	for (i = 0; i < r->n; i++) {
		for (k = 0; k < r->p[i]->ncanaries; k++) {
			const char *c = r->p[i]->canaries[k], *hit;
			size_t at = 0, cl = strlen(c);

			if (!find_ci(cur.data ? cur.data : "", cur.len, c))
				continue;
			sbx_buf_reset(&next);
			while ((hit = find_ci(cur.data + at, cur.len - at, c))) {
				sbx_buf_add(&next, cur.data + at, (size_t)(hit - (cur.data + at)));
				sbx_buf_adds(&next, "${SECRET:canary}");
				at = (size_t)(hit - cur.data) + cl;
			}
			sbx_buf_add(&next, cur.data + at, cur.len - at);
			sbx_buf_reset(&cur);
			sbx_buf_add(&cur, next.data, next.len);
		}
	}
	sbx_buf_add(out, cur.data ? cur.data : "", cur.len);
	sbx_buf_release(&cur);
	sbx_buf_release(&next);
}
