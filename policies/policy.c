#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/glob.h"
#include "policies/jsonpos.h"
#include "policies/jvalid.h"
#include "policies/policy.h"
#include "policies/mask.h"
#include "sbx/buf.h"
#include "util/fsutil.h"
#include "util/hash.h"

#define MAX_POLICY (4u << 20)

const char *const sbx_outbound_keys[] = {
	"**.smtp.enabled", "**.email.outbound", "**.email.enabled", "**.email.send",
	"**.sms.enabled", "**.sms.send", "**.notifications.send", "**.notifications.email",
	"**.notifications.sms", "**.webhooks[*].active", "**.webhooks[*].enabled",
	"**.outbound.enabled", NULL,
};

static int compile_re(struct sbx_jv *c, int node, const char *re, void **out)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *p = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);

	if (!p) {
		PCRE2_UCHAR msg[200];
		char why[300];

		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(why, sizeof why, "%s at offset %zu", (char *)msg, (size_t)off);
		return sbx_jv_at(c, node, 0, "bad regex \"%s\": %s", re, why);
	}
	pcre2_jit_compile(p, PCRE2_JIT_COMPLETE);
	*out = p;
	return 0;
}

/* Each element of array member KEY of the root: calls FN(c, p, elem). */
static int each(struct sbx_jv *c, struct sbx_policy *p, int root, const char *key,
		int (*fn)(struct sbx_jv *, struct sbx_policy *, int))
{
	int m = sbx_json_member(&c->doc, root, key), r;
	size_t i;

	if (m < 0)
		return 0;
	if ((r = sbx_jv_want(c, m, SBX_J_ARR, key)))
		return r;
	for (i = (size_t)m + 1; i < c->doc.len && c->doc.n[i].start < c->doc.n[m].end; i++) {
		if (c->doc.n[i].parent != m)
			continue;
		if ((r = sbx_jv_want(c, (int)i, SBX_J_OBJ, key)) || (r = fn(c, p, (int)i)))
			return r;
	}
	return 0;
}

static char *rule_name(const char *kind, size_t i)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "%s[%zu]", kind, i);
	return sbx_buf_detach(&b, NULL);
}

static int one_mask(struct sbx_jv *c, struct sbx_policy *p, int o)
{
	static const char *const known[] = { "files", "keys", "columns", "pattern", "as", NULL };
	struct sbx_mask_rule *m;
	int r = sbx_jv_known(c, o, known, "mask field"), kinds = 0;
	size_t i;

	if (r)
		return r;
	p->mask = sbx_xrealloc(p->mask, (p->nmask + 1) * sizeof *p->mask);
	m = &p->mask[p->nmask];
	memset(m, 0, sizeof *m);
	m->name = rule_name("mask", p->nmask);
	p->nmask++;
	m->files = sbx_jv_member_str(c, o, "files", "a mask rule", 0, &r);
	if (r)
		return r;
	if (!m->files)
		m->files = sbx_xstrdup("**");
	m->as = sbx_jv_member_str(c, o, "as", "a mask rule", 0, &r);
	if (r)
		return r;
	if (m->as && !sbx_mask_kind_ok(m->as))
		return sbx_jv_at(c, sbx_json_member(&c->doc, o, "as"), 0,
			  "unknown mask kind \"%s\" (email, phone, name, digits, hash)%s", m->as, NULL);
	if (sbx_json_member(&c->doc, o, "keys") >= 0) {
		kinds++;
		m->on = SBX_MASK_KEYS;
		m->sel_text = sbx_jv_member_strs(c, o, "keys", &m->nsel, &r);
		if (r)
			return r;
		m->sel = sbx_xcalloc(m->nsel ? m->nsel : 1, sizeof *m->sel);
		for (i = 0; i < m->nsel; i++) {
			struct sbx_err e = { 0 };

			if (sbx_jsel_compile(m->sel_text[i], &m->sel[i], &e))
				return sbx_jv_at(c, sbx_json_member(&c->doc, o, "keys"), 0, "%s%s", e.msg, NULL);
		}
	}
	if (sbx_json_member(&c->doc, o, "columns") >= 0) {
		kinds++;
		m->on = SBX_MASK_COLUMNS;
		m->sel_text = sbx_jv_member_strs(c, o, "columns", &m->nsel, &r);
		if (r)
			return r;
	}
	if (sbx_json_member(&c->doc, o, "pattern") >= 0) {
		kinds++;
		m->on = SBX_MASK_PATTERN;
		m->pattern = sbx_jv_member_str(c, o, "pattern", "a mask rule", 1, &r);
		if (r)
			return r;
		if (strcmp(m->pattern, "email") && strcmp(m->pattern, "phone")) {
			void *re;

			r = compile_re(c, sbx_json_member(&c->doc, o, "pattern"), m->pattern, &re);
			if (r)
				return r;
			pcre2_code_free(re);
		}
	}
	if (kinds != 1)
		return sbx_jv_at(c, o, 0, "a mask rule needs exactly one of \"keys\", \"columns\" or \"pattern\"%s%s",
			  NULL, NULL);
	return 0;
}

static int one_rewrite(struct sbx_jv *c, struct sbx_policy *p, int o)
{
	static const char *const known[] = { "files", "from", "regex", "to", NULL };
	struct sbx_rewrite_rule *w;
	int r = sbx_jv_known(c, o, known, "rewrite field"), to;

	if (r)
		return r;
	p->rewrite = sbx_xrealloc(p->rewrite, (p->nrewrite + 1) * sizeof *p->rewrite);
	w = &p->rewrite[p->nrewrite];
	memset(w, 0, sizeof *w);
	w->name = rule_name("rewrite", p->nrewrite);
	p->nrewrite++;
	w->files = sbx_jv_member_str(c, o, "files", "a rewrite rule", 0, &r);
	if (!r && !w->files)
		w->files = sbx_xstrdup("**");
	if (!r)
		w->from = sbx_jv_member_str(c, o, "from", "a rewrite rule", 0, &r);
	if (!r)
		w->regex = sbx_jv_member_str(c, o, "regex", "a rewrite rule", 0, &r);
	if (r)
		return r;
	if (!!w->from == !!w->regex)
		return sbx_jv_at(c, o, 0, "a rewrite rule needs exactly one of \"from\" or \"regex\"%s%s", NULL, NULL);
	to = sbx_json_member(&c->doc, o, "to");
	if (to < 0)
		return sbx_jv_at(c, o, 0, "a rewrite rule needs \"to\"%s%s", NULL, NULL);
	if ((r = sbx_jv_want(c, to, SBX_J_STR, "to")))
		return r;
	w->to = sbx_jv_str(c, to);
	if (w->regex)
		return compile_re(c, sbx_json_member(&c->doc, o, "regex"), w->regex, &w->re);
	return 0;
}

static int one_set(struct sbx_jv *c, struct sbx_policy *p, int o)
{
	static const char *const known[] = { "files", "key", "value", NULL };
	struct sbx_set_rule *s;
	struct sbx_err e = { 0 };
	int r = sbx_jv_known(c, o, known, "set field"), v;

	if (r)
		return r;
	p->set = sbx_xrealloc(p->set, (p->nset + 1) * sizeof *p->set);
	s = &p->set[p->nset];
	memset(s, 0, sizeof *s);
	s->name = rule_name("set", p->nset);
	p->nset++;
	s->files = sbx_jv_member_str(c, o, "files", "a set rule", 0, &r);
	if (!r && !s->files)
		s->files = sbx_xstrdup("**/*.json");
	if (!r)
		s->key = sbx_jv_member_str(c, o, "key", "a set rule", 1, &r);
	if (r)
		return r;
	if (sbx_jsel_compile(s->key, &s->sel, &e))
		return sbx_jv_at(c, sbx_json_member(&c->doc, o, "key"), 0, "%s%s", e.msg, NULL);
	v = sbx_json_member(&c->doc, o, "value");
	if (v < 0)
		return sbx_jv_at(c, o, 0, "a set rule needs \"value\"%s%s", NULL, NULL);
	s->value = sbx_xstrndup(c->doc.text + c->doc.n[v].start, c->doc.n[v].end - c->doc.n[v].start);
	return 0;
}

static int redact(struct sbx_jv *c, struct sbx_policy *p, int root)
{
	static const char *const known[] = { "builtin", "rules", NULL };
	static const char *const rknown[] = { "name", "pattern", NULL };
	struct sbx_secret_rule_def *defs = NULL;
	size_t ndefs = 0, i;
	int m = sbx_json_member(&c->doc, root, "redact"), r = 0, b, rules;
	struct sbx_err e = { 0 };

	p->redact_builtin = 1;
	if (m >= 0) {
		if ((r = sbx_jv_want(c, m, SBX_J_OBJ, "redact")) || (r = sbx_jv_known(c, m, known, "redact field")))
			return r;
		b = sbx_json_member(&c->doc, m, "builtin");
		if (b >= 0) {
			if ((r = sbx_jv_want(c, b, SBX_J_TRUE, "builtin")))
				return r;
			p->redact_builtin = c->doc.n[b].type == SBX_J_TRUE;
		}
		rules = sbx_json_member(&c->doc, m, "rules");
		if (rules >= 0 && (r = sbx_jv_want(c, rules, SBX_J_ARR, "rules")))
			return r;
		for (i = (size_t)rules + 1; rules >= 0 && i < c->doc.len &&
		     c->doc.n[i].start < c->doc.n[rules].end; i++) {
			char *name, *pat;
			const char *q;

			if (c->doc.n[i].parent != rules)
				continue;
			if ((r = sbx_jv_want(c, (int)i, SBX_J_OBJ, "a redact rule")) ||
			    (r = sbx_jv_known(c, (int)i, rknown, "redact rule field")))
				goto out;
			name = sbx_jv_member_str(c, (int)i, "name", "a redact rule", 1, &r);
			if (r)
				goto out;
			for (q = name; *q; q++)
				if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
					break;
			if (*q) {
				r = sbx_jv_at(c, sbx_json_member(&c->doc, (int)i, "name"), 0,
				       "rule name \"%s\" may hold only a-z, 0-9 and '-'%s", name, NULL);
				free(name);
				goto out;
			}
			pat = sbx_jv_member_str(c, (int)i, "pattern", "a redact rule", 1, &r);
			if (r) {
				free(name);
				goto out;
			}
			defs = sbx_xrealloc(defs, (ndefs + 1) * sizeof *defs);
			defs[ndefs].name = name;
			defs[ndefs].pattern = pat;
			ndefs++;
		}
	}
	r = sbx_secrets_new(p->redact_builtin, defs, ndefs, &p->secrets, &e);
	if (r)
		r = sbx_jv_at(c, m >= 0 ? m : root, 0, "%s%s", e.msg, NULL);
out:
	for (i = 0; i < ndefs; i++) {
		free((char *)defs[i].name);
		free((char *)defs[i].pattern);
	}
	free(defs);
	return r;
}

static int outbound(struct sbx_policy *p)
{
	size_t i;
	struct sbx_err e = { 0 };

	for (i = 0; sbx_outbound_keys[i]; i++) {
		struct sbx_set_rule *s;

		p->set = sbx_xrealloc(p->set, (p->nset + 1) * sizeof *p->set);
		s = &p->set[p->nset++];
		memset(s, 0, sizeof *s);
		s->name = sbx_xstrdup("outbound");
		s->files = sbx_xstrdup("**");
		s->key = sbx_xstrdup(sbx_outbound_keys[i]);
		if (sbx_jsel_compile(s->key, &s->sel, &e))
			return SBX_EFAIL;
		s->value = sbx_xstrdup("false");
		s->only_bool = 1;
	}
	return 0;
}

int sbx_policy_parse(const char *name, const char *text, size_t len, struct sbx_policy **out,
		     struct sbx_err *err)
{
	static const char *const known[] = { "version", "include", "exclude", "redact", "on_secret",
					     "mask", "rewrite", "set", "outbound", "canaries", NULL };
	struct sbx_jv c = { name, { 0 }, err };
	struct sbx_policy *p = sbx_xcalloc(1, sizeof *p);
	int r, m;

	*out = NULL;
	p->path = sbx_xstrdup(name);
	sbx_sha256(text, len, p->digest);
	r = sbx_json_scan(name, text, len, &c.doc, err);
	if (r)
		goto out;
	if ((r = sbx_jv_want(&c, 0, SBX_J_OBJ, "a policy")) || (r = sbx_jv_known(&c, 0, known, "rule")))
		goto out;
	m = sbx_json_member(&c.doc, 0, "version");
	if (m < 0) {
		r = sbx_jv_at(&c, 0, 0, "a policy needs \"version\": 1%s%s", NULL, NULL);
		goto out;
	}
	if (c.doc.n[m].type != SBX_J_NUM || c.doc.n[m].end - c.doc.n[m].start != 1 ||
	    text[c.doc.n[m].start] != '1') {
		r = sbx_jv_at(&c, m, 0, "unsupported policy version (this sbx reads version 1)%s%s", NULL, NULL);
		goto out;
	}
	p->version = 1;
	p->include = sbx_jv_member_strs(&c, 0, "include", &p->ninclude, &r);
	if (!r)
		p->exclude = sbx_jv_member_strs(&c, 0, "exclude", &p->nexclude, &r);
	if (!r)
		p->canaries = sbx_jv_member_strs(&c, 0, "canaries", &p->ncanaries, &r);
	if (r)
		goto out;
	m = sbx_json_member(&c.doc, 0, "on_secret");
	if (m >= 0) {
		char *v;

		if ((r = sbx_jv_want(&c, m, SBX_J_STR, "on_secret")))
			goto out;
		v = sbx_jv_str(&c, m);
		if (!strcmp(v, "fail"))
			p->on_secret_fail = 1;
		else if (strcmp(v, "redact"))
			r = sbx_jv_at(&c, m, 0, "on_secret must be \"redact\" or \"fail\", not \"%s\"%s", v, NULL);
		free(v);
		if (r)
			goto out;
	}
	m = sbx_json_member(&c.doc, 0, "outbound");
	if (m >= 0) {
		char *v;

		if ((r = sbx_jv_want(&c, m, SBX_J_STR, "outbound")))
			goto out;
		v = sbx_jv_str(&c, m);
		if (!strcmp(v, "disabled"))
			p->outbound_disabled = 1;
		else if (strcmp(v, "enabled"))
			r = sbx_jv_at(&c, m, 0, "outbound must be \"disabled\" or \"enabled\", not \"%s\"%s", v, NULL);
		free(v);
		if (r)
			goto out;
	}
	if ((r = redact(&c, p, 0)) || (r = each(&c, p, 0, "mask", one_mask)) ||
	    (r = each(&c, p, 0, "rewrite", one_rewrite)) || (r = each(&c, p, 0, "set", one_set)))
		goto out;
	if (p->outbound_disabled && outbound(p)) {
		r = sbx_err_set(err, SBX_EFAIL, "built-in outbound rules do not compile");
		goto out;
	}
	*out = p;
	p = NULL;
out:
	sbx_json_release(&c.doc);
	sbx_policy_free(p);
	return r;
}

int sbx_policy_load(const char *path, struct sbx_policy **out, struct sbx_err *err)
{
	char *text;
	size_t len;
	int r = sbx_read_file(path, MAX_POLICY, &text, &len, err);

	if (r)
		return r;
	r = sbx_policy_parse(path, text, len, out, err);
	free(text);
	return r;
}

void sbx_policy_free(struct sbx_policy *p)
{
	size_t i, k;

	if (!p)
		return;
	sbx_jv_free_strs(p->include, p->ninclude);
	sbx_jv_free_strs(p->exclude, p->nexclude);
	sbx_jv_free_strs(p->canaries, p->ncanaries);
	sbx_secrets_free(p->secrets);
	for (i = 0; i < p->nmask; i++) {
		struct sbx_mask_rule *m = &p->mask[i];

		for (k = 0; m->sel && k < m->nsel; k++)
			sbx_jsel_free(m->sel[k]);
		free(m->sel);
		sbx_jv_free_strs(m->sel_text, m->nsel);
		free(m->name);
		free(m->files);
		free(m->pattern);
		free(m->as);
	}
	free(p->mask);
	for (i = 0; i < p->nrewrite; i++) {
		free(p->rewrite[i].name);
		free(p->rewrite[i].files);
		free(p->rewrite[i].from);
		free(p->rewrite[i].regex);
		free(p->rewrite[i].to);
		if (p->rewrite[i].re)
			pcre2_code_free(p->rewrite[i].re);
	}
	free(p->rewrite);
	for (i = 0; i < p->nset; i++) {
		free(p->set[i].name);
		free(p->set[i].files);
		free(p->set[i].key);
		sbx_jsel_free(p->set[i].sel);
		free(p->set[i].value);
	}
	free(p->set);
	free(p->path);
	free(p);
}

int sbx_policy_keeps(const struct sbx_policy *p, const char *path, const char **why)
{
	size_t i;

	*why = NULL;
	if (p->ninclude) {
		for (i = 0; i < p->ninclude; i++)
			if (sbx_glob_match(p->include[i], path))
				break;
		if (i == p->ninclude) {
			*why = "include";
			return 0;
		}
	}
	for (i = 0; i < p->nexclude; i++) {
		if (sbx_glob_match(p->exclude[i], path)) {
			*why = p->exclude[i];
			return 0;
		}
	}
	return 1;
}
