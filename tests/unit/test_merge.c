/*
 * Unit tests for the merge of one path (lifecycle/merge.c): which versions
 * have the file, binary files, the JSON fallback; `--resolve` rules
 * (lifecycle/merge-conflict.c); and the conflict renderings
 * (lifecycle/merge-render.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"
#include "util/hash.h"

/* ---- Resolve rules ------------------------------------------------------- */

static void test_opts_parse(void **state)
{
	struct sbx_merge_opts o;
	struct sbx_err e = { 0 };

	(void)state;
	sbx_merge_opts_init(&o);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "ours", &e), 0);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "conf/app.json=theirs", &e), 0);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "conf/app.json:rules[id=4].to=ours", &e), 0);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "a=b.txt=theirs", &e), 0);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "ours", &e), 0);   /* again: fine */
	assert_int_equal(o.nrules, 4);
	assert_null(o.rules[0].target);
	assert_int_equal(o.rules[0].side, SBX_MERGE_OURS);
	assert_string_equal(o.rules[1].target, "conf/app.json");
	assert_int_equal(o.rules[1].side, SBX_MERGE_THEIRS);
	assert_string_equal(o.rules[2].target, "conf/app.json:rules[id=4].to");
	assert_string_equal(o.rules[3].target, "a=b.txt");

	assert_int_equal(sbx_merge_opts_add_resolve(&o, "mine", &e), SBX_EUSAGE);
	assert_non_null(strstr(e.msg, "\"ours\" or \"theirs\""));
	sbx_err_clear(&e);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "=ours", &e), SBX_EUSAGE);
	sbx_err_clear(&e);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "x.txt=", &e), SBX_EUSAGE);
	sbx_err_clear(&e);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "theirs", &e), SBX_EUSAGE);
	assert_non_null(strstr(e.msg, "both as ours and as theirs"));
	sbx_err_clear(&e);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "conf/app.json=ours", &e), SBX_EUSAGE);
	assert_int_equal(o.nrules, 4);
	sbx_merge_opts_release(&o);
}

static void test_opts_find(void **state)
{
	struct sbx_merge_opts o;
	struct sbx_err e = { 0 };

	(void)state;
	sbx_merge_opts_init(&o);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "x"), -1);
	sbx_merge_opts_add_resolve(&o, "a.json:db=ours", &e);
	sbx_merge_opts_add_resolve(&o, "theirs", &e);
	sbx_merge_opts_add_resolve(&o, "a.json=theirs", &e);
	sbx_merge_opts_add_resolve(&o, "a.json:db.hosts[id=1]=ours", &e);
	assert_int_equal(e.code, 0);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "db"), 0);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "db.port"), 0);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "db[\"x y\"]"), 0);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "db.hosts[id=1].name"), 3);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "db.hosts[id=12]"), 0);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", "dbx"), 2);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json", NULL), 2);
	assert_int_equal(sbx_merge_opts_find(&o, "a.json.bak", NULL), 1);
	assert_int_equal(sbx_merge_opts_find(&o, "b.json", "db"), 1);
	sbx_merge_opts_release(&o);
}

/* ---- One path ------------------------------------------------------------ */

struct m {
	struct sbx_merge_opts o;
	struct sbx_merge_conflicts c;
	struct sbx_merge_result res;
	struct sbx_err e;
	int r;
};

static int setup(void **state)
{
	struct m *m = calloc(1, sizeof *m);

	sbx_merge_opts_init(&m->o);
	sbx_merge_conflicts_init(&m->c);
	sbx_merge_result_init(&m->res);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct m *m = *state;

	sbx_merge_opts_release(&m->o);
	sbx_merge_conflicts_release(&m->c);
	sbx_merge_result_release(&m->res);
	free(m);
	return 0;
}

static void resolve(struct m *m, const char *spec)
{
	struct sbx_err e = { 0 };

	assert_int_equal(sbx_merge_opts_add_resolve(&m->o, spec, &e), 0);
}

/* Merges PATH's versions (NULL: absent) and returns the result. */
static const struct sbx_merge_result *mf(struct m *m, const char *path, const char *b, const char *o,
					  const char *t, int binary)
{
	struct sbx_merge_input in = { path, b, o, t, b ? strlen(b) : 0, o ? strlen(o) : 0,
				      t ? strlen(t) : 0, binary };

	sbx_err_clear(&m->e);
	sbx_merge_result_release(&m->res);
	sbx_merge_result_init(&m->res);
	m->r = sbx_merge_file(&in, &m->o, &m->res, &m->c, &m->e);
	return &m->res;
}

/* The test's own hex SHA-256 of S ("" for NULL). */
static const char *sha(const char *s)
{
	static char hex[4][65];
	static int k;
	uint8_t d[32];

	k = (k + 1) % 4;
	if (!s)
		return "";
	sbx_sha256(s, strlen(s), d);
	sbx_hex(d, 32, hex[k]);
	return hex[k];
}

static void test_file_keep(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	/* Ours unchanged, theirs changed: production keeps its file. */
	r = mf(m, "a.txt", "x\n", "x\n", "y\n", 0);
	assert_int_equal(m->r, 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_string_equal(r->result, sha("y\n"));
	assert_string_equal(r->base, sha("x\n"));
	assert_string_equal(r->ours, sha("x\n"));
	assert_string_equal(r->theirs, sha("y\n"));
	/* Ours made it what theirs has. */
	r = mf(m, "a.txt", "x\n", "y\n", "y\n", 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	/* Deleted on both sides. */
	r = mf(m, "a.txt", "x\n", NULL, NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_int_equal(r->present, 0);
	assert_string_equal(r->result, "");
	/* Theirs deleted a file ours left alone. */
	r = mf(m, "a.txt", "x\n", "x\n", NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_int_equal(r->present, 0);
	assert_int_equal(m->c.n, 0);
}

static void test_file_modify_add_delete(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	r = mf(m, "a.txt", "1\n2\n3\n", "1\nTWO\n3\n", "1\n2\nTHREE\n", 0);
	assert_int_equal(r->action, SBX_MERGE_MODIFY);
	assert_int_equal(r->present, 1);
	assert_string_equal(r->content.data, "1\nTWO\nTHREE\n");
	assert_string_equal(r->result, sha("1\nTWO\nTHREE\n"));
	assert_int_equal(r->merged, 1);
	assert_int_equal(r->resolved, SBX_MERGE_NONE);
	/* Ours alone changed it: the result is ours, not a merge. */
	r = mf(m, "a.txt", "1\n", "2\n", "1\n", 0);
	assert_int_equal(r->action, SBX_MERGE_MODIFY);
	assert_int_equal(r->merged, 0);
	assert_string_equal(r->result, sha("2\n"));
	/* Added by ours. */
	r = mf(m, "new.txt", NULL, "n\n", NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_ADD);
	assert_string_equal(r->content.data, "n\n");
	assert_string_equal(r->base, "");
	assert_string_equal(r->theirs, "");
	/* An empty file added is still a file. */
	r = mf(m, "empty.txt", NULL, "", NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_ADD);
	assert_int_equal(r->content.len, 0);
	assert_string_equal(r->result, sha(""));
	/* Deleted by ours, unchanged by theirs. */
	r = mf(m, "old.txt", "o\n", NULL, "o\n", 0);
	assert_int_equal(r->action, SBX_MERGE_DELETE);
	assert_int_equal(r->present, 0);
	assert_string_equal(r->ours, "");
	assert_string_equal(r->result, "");
	assert_int_equal(m->c.n, 0);
}

static void test_file_delete_vs_change(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	r = mf(m, "a.txt", "x\n", NULL, "y\n", 0);
	assert_int_equal(m->r, 0);
	assert_int_equal(r->conflicts, 1);
	assert_int_equal(r->content.len, 0);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_null(m->c.v[0].path);
	assert_null(m->c.v[0].ours);
	assert_string_equal(m->c.v[0].theirs, "y\n");
	r = mf(m, "b.txt", "x\n", "y=${API_BASE}\n", NULL, 0);
	assert_int_equal(r->conflicts, 1);
	assert_null(m->c.v[1].theirs);
	assert_int_equal(m->c.v[1].nph, 1);
	assert_int_equal(m->c.unresolved, 2);

	resolve(m, "a.txt=ours");
	resolve(m, "b.txt=theirs");
	r = mf(m, "a.txt", "x\n", NULL, "y\n", 0);
	assert_int_equal(r->action, SBX_MERGE_DELETE);
	assert_int_equal(r->resolved, SBX_MERGE_OURS);
	r = mf(m, "b.txt", "x\n", "y=${API_BASE}\n", NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_int_equal(r->present, 0);
	assert_int_equal(r->resolved, SBX_MERGE_THEIRS);
	/* Ours' change has a placeholder: it cannot be resolved as ours. */
	resolve(m, "ours");
	r = mf(m, "c.txt", "x\n", "y=${API_BASE}\n", NULL, 0);
	assert_int_equal(m->r, SBX_ECONFLICT);
	r = mf(m, "c.txt", "x\n", "y\n", NULL, 0);
	assert_int_equal(m->r, 0);
	assert_int_equal(r->action, SBX_MERGE_ADD);
	assert_string_equal(r->content.data, "y\n");
}

static void test_file_binary(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	/* One side changed it: that side's bytes. */
	r = mf(m, "logo.png", "PNG1", "PNG2", "PNG1", 1);
	assert_int_equal(r->action, SBX_MERGE_MODIFY);
	assert_string_equal(r->content.data, "PNG2");
	r = mf(m, "logo.png", "PNG1", "PNG1", "PNG3", 1);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	/* Both: a conflict, whatever lines they share. */
	r = mf(m, "logo.png", "a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", 1);
	assert_int_equal(r->conflicts, 1);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_BINARY);
	assert_non_null(strstr(m->c.v[0].ours, "binary file, 6 bytes, sha256"));
	assert_non_null(strstr(m->c.v[0].ours, "f6fb7769ab63445d"));   /* sha256sum of "A\nb\nc\n" */
	resolve(m, "logo.png=theirs");
	r = mf(m, "logo.png", "a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", 1);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_int_equal(r->resolved, SBX_MERGE_THEIRS);
	/* A placeholder anywhere in a binary file ours changed. */
	r = mf(m, "db.bin", "\x01\x02", "\x01${API_BASE}\x02", "\x01\x02", 1);
	assert_int_equal(r->conflicts, 1);
	assert_int_equal(m->c.v[m->c.n - 1].kind, SBX_MERGE_PLACEHOLDER);
	assert_string_equal(m->c.v[m->c.n - 1].ph[0].token, "${API_BASE}");
}

static void test_file_added_with_placeholder(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	r = mf(m, "new.conf", NULL, "a=1\nurl=${API_BASE}\n", NULL, 0);
	assert_int_equal(r->conflicts, 1);
	assert_int_equal(m->c.v[0].kind, SBX_MERGE_PLACEHOLDER);
	assert_int_equal(m->c.v[0].ph[0].line, 2);
	/* Theirs, for a file theirs does not have: not adding it. */
	resolve(m, "new.conf=theirs");
	resolve(m, "new.json=theirs");
	r = mf(m, "new.conf", NULL, "a=1\nurl=${API_BASE}\n", NULL, 0);
	assert_int_equal(r->conflicts, 0);
	assert_int_equal(r->action, SBX_MERGE_KEEP);
	assert_int_equal(r->present, 0);
	/* In JSON, just the key goes. */
	r = mf(m, "new.json", NULL, "{\"a\": 1, \"url\": \"${API_BASE}\"}", NULL, 0);
	assert_int_equal(r->action, SBX_MERGE_ADD);
	assert_string_equal(r->content.data, "{\"a\": 1}");
	assert_int_equal(r->resolved, SBX_MERGE_THEIRS);
}

static void test_file_json_and_fallback(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	r = mf(m, "conf/App.JSON", "{\"a\": 1, \"b\": 1}", "{\"a\": 2, \"b\": 1}", "{\"a\": 1, \"b\": 2}", 0);
	assert_int_equal(r->action, SBX_MERGE_MODIFY);
	assert_int_equal(r->fallback, 0);
	assert_string_equal(r->content.data, "{\"a\": 2, \"b\": 2}");
	assert_int_equal(r->merged, 1);
	/* Not JSON on one side: merged by lines, and said so. */
	r = mf(m, "x.json", "{\n\"a\": 1,\n\"b\": 1\n}\n", "{\n\"a\": 2,\n\"b\": 1\n}\n",
	       "{\n\"a\": 1,\n\"b\": 2,\n}\n", 0);
	assert_int_equal(m->r, 0);
	assert_int_equal(r->fallback, 1);
	assert_non_null(strstr(r->note, "x.json: theirs is not valid JSON"));
	assert_non_null(strstr(r->note, "merged by lines"));
	assert_string_equal(r->content.data, "{\n\"a\": 2,\n\"b\": 2,\n}\n");
	/* An integer jansson cannot hold is not JSON it can merge either. */
	r = mf(m, "y.json", "{\"n\": 1}\n", "{\"n\": 99999999999999999999}\n", "{\"n\": 1}\n", 0);
	assert_int_equal(r->fallback, 1);
	assert_string_equal(r->content.data, "{\"n\": 99999999999999999999}\n");
}

static void test_file_residual_placeholders(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	/* Theirs hardened like base: ours changed another key, and the merged
	 * file still holds theirs' placeholders.  No conflict (ours did not
	 * change them), but counted for the caller. */
	r = mf(m, "app.json", "{\"api\": \"${API_BASE}\", \"mail\": \"calm.otter.1a2b3c@example.invalid\", \"t\": 1}",
	       "{\"api\": \"${API_BASE}\", \"mail\": \"calm.otter.1a2b3c@example.invalid\", \"t\": 2}",
	       "{\"api\": \"${API_BASE}\", \"mail\": \"calm.otter.1a2b3c@example.invalid\", \"t\": 1}", 0);
	assert_int_equal(r->conflicts, 0);
	assert_int_equal(r->action, SBX_MERGE_MODIFY);
	assert_int_equal(r->residual, 2);
	assert_string_equal(r->residual_token, "${API_BASE}");
	/* Theirs with production's real values: nothing left. */
	r = mf(m, "app.json", "{\"api\": \"${API_BASE}\", \"t\": 1}", "{\"api\": \"${API_BASE}\", \"t\": 2}",
	       "{\"api\": \"https://api.acme.example\", \"t\": 1}", 0);
	assert_int_equal(r->residual, 0);
	assert_string_equal(r->residual_token, "");
	assert_string_equal(r->content.data, "{\"api\": \"https://api.acme.example\", \"t\": 2}");
}

static void test_file_mixed_resolution(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_result *r;

	resolve(m, "c.json:a=ours");
	resolve(m, "c.json:b=theirs");
	r = mf(m, "c.json", "{\"a\": 1, \"b\": 1}", "{\"a\": 2, \"b\": 2}", "{\"a\": 3, \"b\": 3}", 0);
	assert_int_equal(r->conflicts, 0);
	assert_int_equal(r->resolved, SBX_MERGE_MIXED);
	assert_string_equal(r->content.data, "{\"a\": 2, \"b\": 3}");
	assert_int_equal(m->c.n, 2);
	assert_int_equal(m->c.unresolved, 0);
}

/* ---- Rendering ----------------------------------------------------------- */

static void test_render_side_by_side(void **state)
{
	struct m *m = *state;
	struct sbx_buf out = SBX_BUF_INIT;
	const char *p, *line;
	size_t len;

	mf(m, "app.json", "{\"db\": {\"port\": 1}}", "{\"db\": {\"port\": 2}}", "{\"db\": {\"port\": 3}}", 0);
	mf(m, "notes.txt", "a\nb\n", "a\nours line\n", "a\ntheirs line\n", 0);
	mf(m, "api.txt", "u=x\n", "u=${API_BASE}\n", "u=x\n", 0);
	assert_int_equal(m->c.n, 3);
	sbx_merge_render_side_by_side(&m->c, 1, 60, &out);
	assert_non_null(strstr(out.data, "CONFLICT (both-changed) app.json: db.port\n"
					 "  base\n"
					 "    1\n"));
	assert_non_null(strstr(out.data, "CONFLICT (both-changed) notes.txt\n"
					 "  base line 2, ours line 2, theirs line 2\n"));
	assert_non_null(strstr(out.data, "CONFLICT (placeholder) api.txt\n"));
	assert_non_null(strstr(out.data, "  ours holds ${API_BASE} (variable, line 1); a placeholder\n"
					 "  never goes to production: resolve as theirs, or put the\n"
					 "  real value in the sandbox\n"));
	/* Columns: ours padded to (60 - 5) / 2 = 27, then " | ", then theirs. */
	assert_non_null(strstr(out.data, "\n  ours (sandbox)              | theirs (source)\n"));
	assert_non_null(strstr(out.data, "\n  ours line                   | theirs line\n"));
	assert_non_null(strstr(out.data, "\n  2                           | 3\n"));
	/* No line is wider than asked. */
	for (p = out.data; *p; p += len + 1) {
		line = p;
		len = strcspn(line, "\n");
		assert_true(len <= 60);
		if (!line[len])
			break;
	}
	sbx_buf_release(&out);
}

static void test_render_wrap_and_resolved(void **state)
{
	struct m *m = *state;
	struct sbx_buf out = SBX_BUF_INIT;
	char longline[200];
	const char *p;
	size_t len;

	memset(longline, 'x', 150);
	strcpy(longline + 150, "\n");
	resolve(m, "r.txt=theirs");
	mf(m, "r.txt", "a\n", "b\n", "c\n", 0);
	mf(m, "w.txt", "a\n", longline, "tab\there\n", 0);
	sbx_merge_render_side_by_side(&m->c, 1, 40, &out);
	assert_null(strstr(out.data, "r.txt"));          /* resolved: not shown when open only */
	assert_non_null(strstr(out.data, "tab here"));   /* tab expanded to column 4 */
	for (p = out.data; *p; p += len + 1) {
		len = strcspn(p, "\n");
		assert_true(len <= 40);
		if (!p[len])
			break;
	}
	/* 150 x in columns of (40 - 5) / 2 = 17: 8 full rows and 14 left. */
	assert_non_null(strstr(out.data, "\n  xxxxxxxxxxxxxxxxx | tab here\n"
					 "  xxxxxxxxxxxxxxxxx |\n"));
	assert_non_null(strstr(out.data, "\n  xxxxxxxxxxxxxxxxx |\n"
					 "  xxxxxxxxxxxxxx    |\n"));
	sbx_buf_reset(&out);
	sbx_merge_render_side_by_side(&m->c, 0, 40, &out);
	assert_non_null(strstr(out.data, "CONFLICT (both-changed) r.txt\n"));
	assert_non_null(strstr(out.data, "  resolved: theirs\n"));
	sbx_buf_release(&out);
}

static void test_render_json(void **state)
{
	struct m *m = *state;
	json_t *a, *x, *l;
	char *s;

	mf(m, "app.json", "{\"a\": \"v1\"}", "{\"a\": \"${API_BASE}\"}", "{\"a\": \"v2\"}", 0);
	mf(m, "t.txt", "a\nb\n", "a\nB\n", "a\nC\n", 0);
	a = sbx_merge_conflicts_json(&m->c);
	/* Through text and back: it is plain JSON. */
	s = json_dumps(a, 0);
	json_decref(a);
	a = json_loads(s, 0, NULL);
	free(s);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	x = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(x, "file")), "app.json");
	assert_string_equal(json_string_value(json_object_get(x, "path")), "a");
	assert_string_equal(json_string_value(json_object_get(x, "kind")), "both-changed");
	assert_string_equal(json_string_value(json_object_get(x, "base")), "\"v1\"");
	assert_string_equal(json_string_value(json_object_get(x, "ours")), "\"${API_BASE}\"");
	assert_string_equal(json_string_value(json_object_get(x, "theirs")), "\"v2\"");
	assert_true(json_is_null(json_object_get(x, "resolved")));
	assert_null(json_object_get(x, "lines"));
	l = json_object_get(x, "placeholders");
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "token")), "${API_BASE}");
	x = json_array_get(a, 1);
	assert_true(json_is_null(json_object_get(x, "path")));
	l = json_object_get(json_object_get(x, "lines"), "ours");
	assert_int_equal(json_integer_value(json_array_get(l, 0)), 2);
	assert_int_equal(json_integer_value(json_array_get(l, 1)), 1);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_parse),
		cmocka_unit_test(test_opts_find),
		cmocka_unit_test_setup_teardown(test_file_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modify_add_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_delete_vs_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_added_with_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_json_and_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_residual_placeholders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mixed_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_side_by_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_wrap_and_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
