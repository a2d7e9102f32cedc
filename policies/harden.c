#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "policies/glob.h"
#include "policies/harden.h"
#include "policies/jsonpos.h"

struct edit {
	size_t start, end;
	char *with;
	size_t wlen;
};

struct edits {
	struct edit *e;
	size_t n;
};

static void edit_add(struct edits *ed, size_t start, size_t end, struct sbx_buf *with)
{
	size_t len;

	ed->e = sbx_xrealloc(ed->e, (ed->n + 1) * sizeof *ed->e);
	ed->e[ed->n].start = start;
	ed->e[ed->n].end = end;
	ed->e[ed->n].with = sbx_buf_detach(with, &len);
	ed->e[ed->n].wlen = len;
	ed->n++;
}

static int by_start(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Applies non-overlapping edits to CUR. */
static void edits_apply(struct edits *ed, struct sbx_buf *cur)
{
	struct sbx_buf out = SBX_BUF_INIT;
	size_t at = 0, i;

	if (!ed->n)
		return;
	qsort(ed->e, ed->n, sizeof *ed->e, by_start);
	for (i = 0; i < ed->n; i++) {
		if (ed->e[i].start < at)
			continue;       /* overlaps an earlier edit */
		sbx_buf_add(&out, cur->data + at, ed->e[i].start - at);
		sbx_buf_add(&out, ed->e[i].with, ed->e[i].wlen);
		at = ed->e[i].end;
	}
	sbx_buf_add(&out, cur->data + at, cur->len - at);
	for (i = 0; i < ed->n; i++)
		free(ed->e[i].with);
	free(ed->e);
	ed->e = NULL;
	ed->n = 0;
	sbx_buf_release(cur);
	*cur = out;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcasecmp(s + a - b, suffix);
}

static int is_text(const struct sbx_buf *b)
{
	return b->len == 0 || memchr(b->data, '\0', b->len) == NULL;
}

struct redact_ctx {
	struct sbx_hardener *h;
	const char *path;
	const char *first_rule;
	char rules[16][64];
	size_t counts[16];
	int nrules;
};

static void count_redact(const char *rule, void *ctx)
{
	struct redact_ctx *c = ctx;
	int i;

	if (!c->first_rule)
		c->first_rule = rule;
	for (i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i], rule))
			break;
	if (i == c->nrules) {
		if (c->nrules == 16) {
			sbx_report_add(c->h->report, "redacted", rule, c->path, 1);
			return;
		}
		snprintf(c->rules[i], sizeof c->rules[i], "%s", rule);
		c->counts[i] = 0;
		c->nrules++;
	}
	c->counts[i]++;
}

/* The member name that names string leaf I: its own key, or its array's. */
static const char *leaf_key(const struct sbx_jdoc *doc, int i)
{
	for (; i >= 0; i = doc->n[i].parent)
		if (doc->n[i].key)
			return doc->n[i].key;
	return "";
}

/* The kind of a value with no "as": an address is an email whatever its
 * key is called (so "recipients" and "users[*].email" agree), else the key
 * name says. */
static const char *kind_of(const char *v, size_t len, const char *key)
{
	const char *at = memchr(v, '@', len);

	if (at && at > v && memchr(at, '.', len - (size_t)(at - v)) && !memchr(v, ' ', len))
		return "email";
	return sbx_mask_kind_for(key);
}

static void mask_leaf(struct sbx_hardener *h, const struct sbx_mask_rule *m,
		      const struct sbx_jdoc *doc, int i, struct edits *ed, char *done)
{
	struct sbx_buf pseudo = SBX_BUF_INIT, lit = SBX_BUF_INIT;
	size_t len;
	char *v;

	if (done[i] || doc->n[i].type != SBX_J_STR)
		return;
	done[i] = 1;
	v = sbx_json_string(doc, i, &len);
	if (len && strncmp(v, "${", 2)) {
		sbx_mask_value(h->masker, m->as ? m->as : kind_of(v, len, leaf_key(doc, i)), v, len,
			       &pseudo);
		sbx_json_quote(&lit, pseudo.data ? pseudo.data : "", pseudo.len);
		edit_add(ed, doc->n[i].start, doc->n[i].end, &lit);
	}
	free(v);
	sbx_buf_release(&pseudo);
	sbx_buf_release(&lit);
}

static size_t mask_json(struct sbx_hardener *h, const struct sbx_mask_rule *m, const char *path,
			struct sbx_buf *cur)
{
	struct sbx_jdoc doc;
	struct sbx_err e = { 0 };
	struct edits ed = { NULL, 0 };
	size_t i, k, j, count;
	char *done;

	if (sbx_json_scan(path, cur->data, cur->len, &doc, &e))
		return 0;
	done = sbx_xcalloc(doc.len ? doc.len : 1, 1);
	for (i = 0; i < doc.len; i++) {
		for (k = 0; k < m->nsel; k++)
			if (sbx_jsel_match(m->sel[k], &doc, (int)i))
				break;
		if (k == m->nsel)
			continue;
		/* A selected object or array: every string beneath it. */
		for (j = i; j < doc.len && doc.n[j].start < doc.n[i].end; j++)
			mask_leaf(h, m, &doc, (int)j, &ed, done);
	}
	count = ed.n;
	edits_apply(&ed, cur);
	free(done);
	sbx_json_release(&doc);
	return count;
}

static size_t set_json(const struct sbx_set_rule *s, const char *path, struct sbx_buf *cur)
{
	struct sbx_jdoc doc;
	struct sbx_err e = { 0 };
	struct edits ed = { NULL, 0 };
	size_t i, count;

	if (sbx_json_scan(path, cur->data, cur->len, &doc, &e))
		return 0;
	for (i = 1; i < doc.len; i++) {
		struct sbx_buf v = SBX_BUF_INIT;
		const struct sbx_jnode *n = &doc.n[i];

		if (!sbx_jsel_match(s->sel, &doc, (int)i))
			continue;
		if (s->only_bool && n->type != SBX_J_TRUE && n->type != SBX_J_FALSE)
			continue;
		if (n->end - n->start == strlen(s->value) &&
		    !memcmp(cur->data + n->start, s->value, n->end - n->start))
			continue;       /* already so */
		sbx_buf_adds(&v, s->value);
		edit_add(&ed, n->start, n->end, &v);
	}
	count = ed.n;
	edits_apply(&ed, cur);
	sbx_json_release(&doc);
	return count;
}

static int yaml_bool(const char *v, size_t n)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == n && !strncasecmp(v, words[i], n))
			return 1;
	return 0;
}

/* YAML block mappings and sequences, line by line: enough for the
 * "key: value" switches of configuration files. */
static size_t set_yaml(const struct sbx_set_rule *s, struct sbx_buf *cur)
{
	struct edits ed = { NULL, 0 };
	char *keys[64];
	int indent[64];
	size_t depth = 0, count, pos = 0;

	while (pos < cur->len) {
		char *line = cur->data + pos, *eol = memchr(line, '\n', cur->len - pos);
		size_t len = eol ? (size_t)(eol - line) : cur->len - pos;
		int ind = 0, item = 0;
		char *k, *colon, *v, *vend;

		pos += len + (eol ? 1 : 0);
		while ((size_t)ind < len && line[ind] == ' ')
			ind++;
		if ((size_t)ind == len || line[ind] == '#')
			continue;
		k = line + ind;
		if (k[0] == '-' && (size_t)ind + 1 < len && k[1] == ' ') {
			item = 1;
			k += 2;
			while (k < line + len && *k == ' ')
				k++;
		}
		while (depth && indent[depth - 1] >= ind) {
			free(keys[--depth]);
		}
		if (item && depth < 64) {
			keys[depth] = sbx_xstrdup("[]");
			indent[depth++] = ind;
			ind = (int)(k - line);
		}
		colon = memchr(k, ':', (size_t)(line + len - k));
		if (!colon || colon == k || (colon + 1 < line + len && colon[1] != ' '))
			continue;
		if (depth == 64)
			continue;
		{
			char *kk = k, *ke = colon;

			if ((*kk == '"' || *kk == '\'') && ke > kk + 1 && ke[-1] == *kk) {
				kk++;
				ke--;
			}
			keys[depth] = sbx_xstrndup(kk, (size_t)(ke - kk));
			indent[depth++] = ind;
		}
		v = colon + 1;
		while (v < line + len && *v == ' ')
			v++;
		vend = v;
		while (vend < line + len && !(*vend == ' ' && vend + 1 < line + len && vend[1] == '#'))
			vend++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\r'))
			vend--;
		if (vend == v)
			continue;       /* a mapping opens here */
		if (sbx_jsel_match_keys(s->sel, (const char *const *)keys, depth) &&
		    (!s->only_bool || yaml_bool(v, (size_t)(vend - v))) &&
		    !((size_t)(vend - v) == strlen(s->value) && !memcmp(v, s->value, strlen(s->value)))) {
			struct sbx_buf w = SBX_BUF_INIT;

			sbx_buf_adds(&w, s->value);
			edit_add(&ed, (size_t)(v - cur->data), (size_t)(vend - cur->data), &w);
		}
	}
	while (depth)
		free(keys[--depth]);
	count = ed.n;
	edits_apply(&ed, cur);
	return count;
}

static size_t rewrite(const struct sbx_rewrite_rule *w, struct sbx_buf *cur, struct sbx_err *err)
{
	struct sbx_buf out = SBX_BUF_INIT;
	size_t count = 0;

	if (w->from) {
		size_t fl = strlen(w->from), at = 0;

		for (;;) {
			char *hit = memmem(cur->data + at, cur->len - at, w->from, fl);

			if (!hit)
				break;
			sbx_buf_add(&out, cur->data + at, (size_t)(hit - (cur->data + at)));
			sbx_buf_adds(&out, w->to);
			at = (size_t)(hit - cur->data) + fl;
			count++;
		}
		if (!count) {
			sbx_buf_release(&out);
			return 0;
		}
		sbx_buf_add(&out, cur->data + at, cur->len - at);
	} else {
		PCRE2_SIZE olen = cur->len * 2 + 256;
		int rc;

		for (;;) {
			sbx_buf_reset(&out);
			sbx_buf_grow(&out, olen);
			olen = out.cap;
			rc = pcre2_substitute(w->re, (PCRE2_SPTR)cur->data, cur->len, 0,
					      PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
					      PCRE2_SUBSTITUTE_LITERAL, NULL, NULL,
					      (PCRE2_SPTR)w->to, PCRE2_ZERO_TERMINATED,
					      (PCRE2_UCHAR *)out.data, &olen);
			if (rc != PCRE2_ERROR_NOMEMORY)
				break;
			olen += 1;
		}
		if (rc < 0) {
			PCRE2_UCHAR msg[200];

			pcre2_get_error_message(rc, msg, sizeof msg);
			sbx_buf_release(&out);
			sbx_err_set(err, SBX_EFAIL, "%s: %s", w->name, (char *)msg);
			return 0;
		}
		if (rc == 0) {
			sbx_buf_release(&out);
			return 0;
		}
		out.len = olen;
		out.data[out.len] = '\0';
		count = (size_t)rc;
	}
	sbx_buf_release(cur);
	*cur = out;
	return count;
}

int sbx_harden_file(struct sbx_hardener *h, const char *path, const void *in, size_t n,
		    struct sbx_buf *out, struct sbx_err *err)
{
	const struct sbx_policy *p = h->p;
	struct redact_ctx rc;
	struct sbx_buf cur = SBX_BUF_INIT, next = SBX_BUF_INIT;
	size_t i;
	long red;
	int r = 0;

	memset(&rc, 0, sizeof rc);
	rc.h = h;
	rc.path = path;
	/* 1. redact: every file, binary ones too. */
	red = sbx_secrets_redact(p->secrets, in, n, &next, count_redact, &rc, err);
	if (red < 0) {
		r = (int)red;
		goto out;
	}
	if (red && p->on_secret_fail) {
		r = sbx_err_set(err, SBX_ECONFLICT, "secret found in '%s' (rule %s); the policy says "
				"\"on_secret\": \"fail\", so nothing is stored", path, rc.first_rule);
		goto out;
	}
	for (i = 0; i < (size_t)rc.nrules; i++)
		sbx_report_add(h->report, "redacted", rc.rules[i], path, rc.counts[i]);
	cur = next;
	next.data = NULL;
	next.len = next.cap = 0;
	if (!cur.data)
		sbx_buf_grow(&cur, 0);
	/* Masks, rewrites and sets edit text; binary files keep their bytes. */
	if (!is_text(&cur))
		goto done;
	for (i = 0; i < p->nmask; i++) {
		const struct sbx_mask_rule *m = &p->mask[i];
		size_t count = 0;

		if (!sbx_glob_match(m->files, path))
			continue;
		if (m->on == SBX_MASK_KEYS) {
			if (ends_with(path, ".json"))
				count = mask_json(h, m, path, &cur);
		} else {
			if (m->on == SBX_MASK_COLUMNS && !ends_with(path, ".csv"))
				continue;
			sbx_buf_reset(&next);
			r = m->on == SBX_MASK_COLUMNS ?
				sbx_mask_csv(h->masker, (const char *const *)m->sel_text, m->nsel, m->as,
					     cur.data, cur.len, &next, &count, err) :
				sbx_mask_text(h->masker, m->pattern, m->as, cur.data, cur.len, &next,
					      &count, err);
			if (r) {
				/* Name the file: the mask's own message names the line. */
				struct sbx_err inner = *err;

				sbx_err_clear(err);
				r = sbx_err_set(err, inner.code, "'%s': %s", path, inner.msg);
				goto out;
			}
			sbx_buf_release(&cur);
			cur = next;
			next.data = NULL;
			next.len = next.cap = 0;
			if (!cur.data)
				sbx_buf_grow(&cur, 0);
		}
		sbx_report_add(h->report, "masked", m->name, path, count);
	}
	for (i = 0; i < p->nrewrite; i++) {
		size_t count;

		if (!sbx_glob_match(p->rewrite[i].files, path))
			continue;
		count = rewrite(&p->rewrite[i], &cur, err);
		if (err && err->code) {
			r = err->code;
			goto out;
		}
		sbx_report_add(h->report, "rewritten", p->rewrite[i].name, path, count);
	}
	for (i = 0; i < p->nset; i++) {
		const struct sbx_set_rule *s = &p->set[i];
		size_t count = 0;

		if (!sbx_glob_match(s->files, path))
			continue;
		if (ends_with(path, ".json"))
			count = set_json(s, path, &cur);
		else if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
			count = set_yaml(s, &cur);
		sbx_report_add(h->report, "set", s->only_bool ? "outbound" : s->name, path, count);
	}
done:
	sbx_buf_release(out);
	*out = cur;
	cur.data = NULL;
out:
	sbx_buf_release(&cur);
	sbx_buf_release(&next);
	return r;
}
