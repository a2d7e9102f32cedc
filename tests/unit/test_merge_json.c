/*
 * Unit tests for the JSON merge (lifecycle/merge-json.c): key by key,
 * arrays by id and by index, conflicts with their key paths, placeholders,
 * resolution rules, and the output's formatting.
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
#include "merge-fixture.h"

/* Merges the three documents (NULL: absent) as "app.json"; returns the merged text,
 * or NULL on an error or an open conflict. */
static const char *merge(struct m *m, const char *b, const char *o, const char *t)
{
	return merge_with(m, sbx_merge_json, "app.json", b, o, t);
}

static const struct sbx_merge_conflict *last(const struct m *m)
{
	assert_true(m->c.n > 0);
	return &m->c.v[m->c.n - 1];
}

static const char base_db[] =
	"{\n"
	"  \"db\": {\n"
	"    \"host\": \"localhost\",\n"
	"    \"port\": 5432\n"
	"  },\n"
	"  \"name\": \"app\"\n"
	"}\n";

static void test_different_keys_merged(void **state)
{
	struct m *m = *state;
	const char *ours =
		"{\n"
		"  \"db\": {\n"
		"    \"host\": \"localhost\",\n"
		"    \"port\": 6543\n"
		"  },\n"
		"  \"name\": \"app\"\n"
		"}\n";
	const char *theirs =
		"{\n"
		"  \"db\": {\n"
		"    \"host\": \"db.internal\",\n"
		"    \"port\": 5432\n"
		"  },\n"
		"  \"name\": \"app\"\n"
		"}\n";

	assert_string_equal(merge(m, base_db, ours, theirs),
			    "{\n"
			    "  \"db\": {\n"
			    "    \"host\": \"db.internal\",\n"
			    "    \"port\": 6543\n"
			    "  },\n"
			    "  \"name\": \"app\"\n"
			    "}\n");
	assert_int_equal(m->c.n, 0);
}

static void test_same_key_conflict(void **state)
{
	struct m *m = *state;
	const struct sbx_merge_conflict *x;

	assert_null(merge(m, base_db,
			  "{\"db\": {\"host\": \"localhost\", \"port\": 6543}, \"name\": \"app\"}",
			  "{\"db\": {\"host\": \"localhost\", \"port\": 7000}, \"name\": \"app2\"}"));
	assert_int_equal(m->r, 0);
	assert_int_equal(m->c.n, 1);
	assert_int_equal(m->c.unresolved, 1);
	x = &m->c.v[0];
	assert_string_equal(x->file, "app.json");
	assert_string_equal(x->path, "db.port");
	assert_int_equal(x->kind, SBX_MERGE_BOTH_CHANGED);
	assert_string_equal(x->base, "5432");
	assert_string_equal(x->ours, "6543");
	assert_string_equal(x->theirs, "7000");
	assert_int_equal(x->base_lines.count, 0);
	assert_int_equal(x->nph, 0);
}

static const char base_rules[] =
	"{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"a\", \"type\": \"mail\"}]},"
	" {\"id\": 7, \"actions\": []}]}";

static void test_nested_path(void **state)
{
	struct m *m = *state;

	/* Different keys of one action element: merged. */
	assert_string_equal(
		merge(m, base_rules,
		      "{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"b\", \"type\": \"mail\"}]},"
		      " {\"id\": 7, \"actions\": []}]}",
		      "{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"a\", \"type\": \"sms\"}]},"
		      " {\"id\": 7, \"actions\": []}]}"),
		"{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"b\", \"type\": \"sms\"}]},"
		" {\"id\": 7, \"actions\": []}]}");
	/* The same key: the conflict names it by id and index. */
	assert_null(merge(m, base_rules,
			  "{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"b\", \"type\": \"mail\"}]},"
			  " {\"id\": 7, \"actions\": []}]}",
			  "{\"rules\": [{\"id\": 42, \"actions\": [{\"to\": \"c\", \"type\": \"mail\"}]},"
			  " {\"id\": 7, \"actions\": []}]}"));
	assert_int_equal(m->c.n, 1);
	assert_string_equal(last(m)->path, "rules[id=42].actions[0].to");
	assert_string_equal(last(m)->ours, "\"b\"");
	assert_string_equal(last(m)->theirs, "\"c\"");
}

static void test_array_by_id(void **state)
{
	struct m *m = *state;
	const char *b = "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"b\"}, {\"id\": 3, \"n\": \"c\"}]}";
	/* Ours: changes 1, deletes 3, adds 4.  Theirs: changes 2, adds 5. */
	const char *o = "{\"users\": [{\"id\": 1, \"n\": \"A\"}, {\"id\": 2, \"n\": \"b\"}, {\"id\": 4, \"n\": \"d\"}]}";
	const char *t = "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 5, \"n\": \"e\"}, {\"id\": 2, \"n\": \"B\"},"
			" {\"id\": 3, \"n\": \"c\"}]}";

	assert_string_equal(merge(m, b, o, t),
			    "{\"users\": [{\"id\": 1, \"n\": \"A\"}, {\"id\": 2, \"n\": \"B\"}, "
			    "{\"id\": 4, \"n\": \"d\"}, {\"id\": 5, \"n\": \"e\"}]}");
	assert_int_equal(m->c.n, 0);
	/* Both add the same id with different content: merged key by key,
	 * conflicting where the keys differ. */
	assert_string_equal(merge(m, "{\"u\": []}", "{\"u\": [{\"id\": 9, \"a\": 1}]}",
				  "{\"u\": [{\"id\": 9, \"b\": 2}]}"),
			    "{\"u\": [{\"id\": 9, \"a\": 1, \"b\": 2}]}");
	assert_null(merge(m, "{\"u\": []}", "{\"u\": [{\"id\": 9, \"a\": 1}]}",
			  "{\"u\": [{\"id\": 9, \"a\": 2}]}"));
	assert_string_equal(last(m)->path, "u[id=9].a");
	assert_null(last(m)->base);
}

static void test_array_by_id_delete_vs_change(void **state)
{
	struct m *m = *state;
	const char *b = "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"b\"}]}";

	assert_null(merge(m, b, "{\"users\": [{\"id\": 1, \"n\": \"a\"}]}",
			  "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"B\"}]}"));
	assert_int_equal(m->c.n, 1);
	assert_int_equal(last(m)->kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_string_equal(last(m)->path, "users[id=2]");
	assert_null(last(m)->ours);
	assert_non_null(strstr(last(m)->theirs, "\"B\""));
	/* The other way round. */
	assert_null(merge(m, b, "{\"users\": [{\"id\": 1, \"n\": \"A\"}, {\"id\": 2, \"n\": \"b\"}]}",
			  "{\"users\": [{\"id\": 2, \"n\": \"b\"}]}"));
	assert_int_equal(last(m)->kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_string_equal(last(m)->path, "users[id=1]");
	assert_null(last(m)->theirs);
	/* Resolved as theirs, the element comes back changed. */
	resolve(m, "app.json:users[id=2]=theirs");
	assert_string_equal(merge(m, b, "{\"users\": [{\"id\": 1, \"n\": \"a\"}]}",
				  "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"B\"}]}"),
			    "{\"users\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"B\"}]}");
	assert_int_equal(last(m)->resolved, SBX_MERGE_THEIRS);
}

static void test_string_ids(void **state)
{
	struct m *m = *state;

	assert_null(merge(m, "[{\"id\": \"welcome\", \"x\": 1}, {\"id\": \"two words\", \"x\": 1}, {\"id\": \"42\", \"x\": 1}]",
			  "[{\"id\": \"welcome\", \"x\": 2}, {\"id\": \"two words\", \"x\": 2}, {\"id\": \"42\", \"x\": 2}]",
			  "[{\"id\": \"welcome\", \"x\": 3}, {\"id\": \"two words\", \"x\": 3}, {\"id\": \"42\", \"x\": 3}]"));
	assert_int_equal(m->c.n, 3);
	assert_string_equal(m->c.v[0].path, "[id=welcome].x");
	assert_string_equal(m->c.v[1].path, "[id=\"two words\"].x");
	assert_string_equal(m->c.v[2].path, "[id=\"42\"].x");
}

static void test_atomic_arrays(void **state)
{
	struct m *m = *state;
	const char *b = "{\"hosts\": [\"a\", \"b\"], \"n\": 1}";

	/* One side changed it: that side's. */
	assert_string_equal(merge(m, b, "{\"hosts\": [\"a\", \"b\", \"c\"], \"n\": 1}", "{\"hosts\": [\"a\", \"b\"], \"n\": 2}"),
			    "{\"hosts\": [\"a\", \"b\", \"c\"], \"n\": 2}");
	/* Both: a conflict on the whole array. */
	assert_null(merge(m, b, "{\"hosts\": [\"a\", \"b\", \"c\"], \"n\": 1}", "{\"hosts\": [\"a\"], \"n\": 1}"));
	assert_string_equal(last(m)->path, "hosts");
	assert_string_equal(last(m)->ours, "[\n  \"a\",\n  \"b\",\n  \"c\"\n]");
	/* Objects without ids, elements added: whole values too. */
	assert_null(merge(m, "{\"l\": [{\"a\": 1}]}", "{\"l\": [{\"a\": 1}, {\"b\": 1}]}",
			  "{\"l\": [{\"a\": 1}, {\"c\": 1}]}"));
	assert_string_equal(last(m)->path, "l");
	/* Duplicate ids: not merged by id. */
	assert_null(merge(m, "{\"l\": [{\"id\": 1}, {\"id\": 1}]}", "{\"l\": [{\"id\": 1}, {\"id\": 1}, {\"id\": 2}]}",
			  "{\"l\": [{\"id\": 1}, {\"id\": 1}, {\"id\": 3}]}"));
	assert_string_equal(last(m)->path, "l");
}

static void test_moved_elements_not_merged_by_index(void **state)
{
	struct m *m = *state;
	const char *b = "{\"l\": [{\"name\": \"x\", \"on\": true}, {\"name\": \"y\", \"on\": true}]}";

	/* Ours swapped the two, theirs switched x off: merging by index
	 * would switch y off instead.  A conflict on the whole array. */
	assert_null(merge(m, b, "{\"l\": [{\"name\": \"y\", \"on\": true}, {\"name\": \"x\", \"on\": true}]}",
			  "{\"l\": [{\"name\": \"x\", \"on\": false}, {\"name\": \"y\", \"on\": true}]}"));
	assert_int_equal(m->c.n, 1);
	assert_string_equal(last(m)->path, "l");
	/* In place, the same edits merge element by element. */
	assert_string_equal(merge(m, b, "{\"l\": [{\"name\": \"x\", \"on\": true}, {\"name\": \"z\", \"on\": true}]}",
				  "{\"l\": [{\"name\": \"x\", \"on\": false}, {\"name\": \"y\", \"on\": true}]}"),
			    "{\"l\": [{\"name\": \"x\", \"on\": false}, {\"name\": \"z\", \"on\": true}]}");
	assert_int_equal(m->c.n, 1);
}

/* A small deterministic generator for the property test. */
static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 16) % n;
}

static json_t *rnd_value(unsigned *seed, int *serial)
{
	switch (rnd(seed, 3)) {
	case 0:
		return json_integer(++*serial);
	case 1: {
		char v[32];

		snprintf(v, sizeof v, "v%d", ++*serial);
		return json_string(v);
	}
	default:
		++*serial;
		return json_pack("{s:i,s:[i,s]}", "a", *serial, "b", *serial, "w");
	}
}

/* Ours and theirs edit disjoint keys of one object (change, delete, add,
 * and different members of one nested object): the merge is base with
 * both sets of edits, and no conflict; changing one key on both sides
 * differently is exactly one conflict, at that key. */
static void test_property_disjoint_edits(void **state)
{
	struct m *m = *state;
	unsigned seed = 4242;
	int round, serial = 0;

	for (round = 0; round < 300; round++) {
		json_t *base = json_object(), *ours, *theirs, *want, *got;
		char key[16], *tb, *to, *tt;
		const char *res;
		int k, clash = round % 4 == 3;
		size_t flags[3] = { JSON_COMPACT, JSON_INDENT(2), JSON_INDENT(4) };

		for (k = 0; k < 10; k++) {
			snprintf(key, sizeof key, "k%d", k);
			json_object_set_new(base, key, rnd_value(&seed, &serial));
		}
		json_object_set_new(base, "shared", json_pack("{s:i,s:i}", "x", 1, "y", 1));
		ours = json_deep_copy(base);
		theirs = json_deep_copy(base);
		want = json_deep_copy(base);
		for (k = 0; k < 10; k++) {
			json_t *side = k % 2 ? theirs : ours, *v;

			snprintf(key, sizeof key, "k%d", k);
			switch (rnd(&seed, 3)) {
			case 0:
				break;
			case 1:
				json_object_del(side, key);
				json_object_del(want, key);
				break;
			default:
				v = rnd_value(&seed, &serial);
				json_object_set(side, key, v);
				json_object_set_new(want, key, v);
			}
		}
		json_object_set_new(ours, "o_new", json_integer(round));
		json_object_set_new(want, "o_new", json_integer(round));
		json_object_set_new(theirs, "t_new", json_integer(-round));
		json_object_set_new(want, "t_new", json_integer(-round));
		json_object_set_new(json_object_get(ours, "shared"), "x", json_integer(2));
		json_object_set_new(json_object_get(theirs, "shared"), "y", json_integer(3));
		json_object_set_new(json_object_get(want, "shared"), "x", json_integer(2));
		json_object_set_new(json_object_get(want, "shared"), "y", json_integer(3));
		if (clash) {
			json_object_set_new(ours, "clash", json_string("ours"));
			json_object_set_new(theirs, "clash", json_string("theirs"));
		}
		tb = json_dumps(base, flags[rnd(&seed, 3)]);
		to = json_dumps(ours, flags[rnd(&seed, 3)]);
		tt = json_dumps(theirs, flags[rnd(&seed, 3)]);
		sbx_merge_conflicts_release(&m->c);
		sbx_merge_conflicts_init(&m->c);
		res = merge(m, tb, to, tt);
		assert_int_equal(m->r, 0);
		if (clash) {
			assert_null(res);
			assert_int_equal(m->c.n, 1);
			assert_string_equal(m->c.v[0].path, "clash");
		} else {
			assert_non_null(res);
			assert_int_equal(m->c.n, 0);
			got = json_loads(res, 0, NULL);
			assert_non_null(got);
			assert_true(json_equal(got, want));
			json_decref(got);
		}
		free(tb);
		free(to);
		free(tt);
		json_decref(base);
		json_decref(ours);
		json_decref(theirs);
		json_decref(want);
	}
}

static void test_delete_key(void **state)
{
	struct m *m = *state;

	/* Deleted by ours, unchanged by theirs: deleted. */
	assert_string_equal(merge(m, "{\"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": 1, \"c\": 3}",
				  "{\"a\": 1, \"b\": 2, \"c\": 4}"),
			    "{\"a\": 1, \"c\": 4}");
	/* Deleted by ours, changed by theirs: a conflict. */
	assert_null(merge(m, "{\"a\": 1, \"b\": 2}", "{\"a\": 1}", "{\"a\": 1, \"b\": 3}"));
	assert_int_equal(last(m)->kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_string_equal(last(m)->path, "b");
	assert_null(last(m)->ours);
	assert_string_equal(last(m)->theirs, "3");
	/* Changed by ours, deleted by theirs. */
	assert_null(merge(m, "{\"a\": 1, \"b\": 2}", "{\"a\": 1, \"b\": 5}", "{\"a\": 1}"));
	assert_int_equal(last(m)->kind, SBX_MERGE_DELETE_VS_CHANGE);
	assert_null(last(m)->theirs);
	/* Deleted by both. */
	assert_string_equal(merge(m, "{\"a\": 1, \"b\": 2}", "{\"a\": 1}", "{\"a\": 1}"), "{\"a\": 1}");
}

static void test_type_conflict(void **state)
{
	struct m *m = *state;

	assert_null(merge(m, "{\"p\": 1}", "{\"p\": \"1\"}", "{\"p\": {\"v\": 1}}"));
	assert_int_equal(last(m)->kind, SBX_MERGE_TYPE);
	assert_string_equal(last(m)->theirs, "{\n  \"v\": 1\n}");
	/* Numbers are one type, whatever their spelling. */
	assert_null(merge(m, "{\"p\": 1}", "{\"p\": 2}", "{\"p\": 2.5}"));
	assert_int_equal(last(m)->kind, SBX_MERGE_BOTH_CHANGED);
}

static void test_key_order_and_paths(void **state)
{
	struct m *m = *state;

	/* Ours' keys in ours' order (its new key where ours put it), then
	 * theirs' new keys in theirs' order. */
	assert_string_equal(merge(m, "{\"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": 1, \"n\": 0, \"b\": 2, \"c\": 3}",
				  "{\"z\": 9, \"a\": 1, \"b\": 2, \"d\": 4, \"c\": 3}"),
			    "{\"a\": 1, \"n\": 0, \"b\": 2, \"c\": 3, \"z\": 9, \"d\": 4}");
	/* Keys that are not plain names are quoted in paths. */
	assert_null(merge(m, "{\"a.b\": {\"c d\": 1}}", "{\"a.b\": {\"c d\": 2}}", "{\"a.b\": {\"c d\": 3}}"));
	assert_string_equal(last(m)->path, "[\"a.b\"][\"c d\"]");
	/* The whole document. */
	assert_null(merge(m, "1", "2", "3"));
	assert_string_equal(last(m)->path, "");
}

static void test_added_on_both_sides(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, NULL, "{\"a\": 1, \"b\": 2}", "{\"a\": 1, \"c\": 3}"),
			    "{\"a\": 1, \"b\": 2, \"c\": 3}");
	assert_null(merge(m, NULL, "{\"a\": 1}", "{\"a\": 2}"));
	assert_string_equal(last(m)->path, "a");
	assert_null(last(m)->base);
}

static void test_format_indent(void **state)
{
	struct m *m = *state;
	const char *b4 = "{\n    \"a\": {\n        \"x\": 1,\n        \"y\": 2\n    }\n}";
	const char *o4 = "{\n    \"a\": {\n        \"x\": 10,\n        \"y\": 2\n    }\n}";
	const char *t2 = "{\n  \"a\": {\n    \"x\": 1,\n    \"y\": 20\n  }\n}\n";
	const char *bt = "{\n\t\"a\": {\n\t\t\"x\": 1,\n\t\t\"y\": 2\n\t},\n\t\"k\": [1, 2]\n}\n";
	const char *ot = "{\n\t\"a\": {\n\t\t\"x\": 10,\n\t\t\"y\": 2\n\t},\n\t\"k\": [1, 2]\n}\n";
	const char *tt = "{\n\t\"a\": {\n\t\t\"x\": 1,\n\t\t\"y\": 20\n\t},\n\t\"k\": [1, 2]\n}\n";

	/* Ours' four spaces and missing final newline, whatever theirs'. */
	assert_string_equal(merge(m, b4, o4, t2),
			    "{\n    \"a\": {\n        \"x\": 10,\n        \"y\": 20\n    }\n}");
	/* Tabs; the inline array stays inline. */
	assert_string_equal(merge(m, bt, ot, tt),
			    "{\n\t\"a\": {\n\t\t\"x\": 10,\n\t\t\"y\": 20\n\t},\n\t\"k\": [1, 2]\n}\n");
	assert_int_equal(m->c.n, 0);
}

static void test_format_crlf_bom_compact(void **state)
{
	struct m *m = *state;

	assert_string_equal(merge(m, "\xef\xbb\xbf{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n",
				  "\xef\xbb\xbf{\r\n  \"a\": 3,\r\n  \"b\": 2\r\n}\r\n",
				  "{\n  \"a\": 1,\n  \"b\": 4\n}\n"),
			    "\xef\xbb\xbf{\r\n  \"a\": 3,\r\n  \"b\": 4\r\n}\r\n");
	assert_string_equal(merge(m, "{\"a\":1,\"b\":2}", "{\"a\":3,\"b\":2}", "{\"a\":1,\"b\":4}"),
			    "{\"a\":3,\"b\":4}");
}

static void test_format_spellings_kept(void **state)
{
	struct m *m = *state;
	const char *b =
		"{\n"
		"  \"ratio\": 1.50,\n"
		"  \"big\": 1E3,\n"
		"  \"text\": \"caf\\u00e9 \\/ ok\",\n"
		"  \"limits\": {\"cpu\": 2, \"mem\": 4},\n"
		"  \"tags\": [\"a\", \"b\"],\n"
		"  \"empty\": {},\n"
		"  \"name\": \"app\"\n"
		"}\n";
	const char *o =
		"{\n"
		"  \"ratio\": 1.50,\n"
		"  \"big\": 1E3,\n"
		"  \"text\": \"caf\\u00e9 \\/ ok\",\n"
		"  \"limits\": {\"cpu\": 2, \"mem\": 4},\n"
		"  \"tags\": [\"a\", \"b\", \"c\"],\n"
		"  \"empty\": {},\n"
		"  \"name\": \"app\"\n"
		"}\n";
	const char *t =
		"{\n"
		"  \"ratio\": 1.50,\n"
		"  \"big\": 1E3,\n"
		"  \"text\": \"caf\\u00e9 \\/ ok\",\n"
		"  \"limits\": {\"cpu\": 2, \"mem\": 4},\n"
		"  \"tags\": [\"a\", \"b\"],\n"
		"  \"empty\": {},\n"
		"  \"name\": \"app2\",\n"
		"  \"timeout\": 2.50e1\n"
		"}\n";

	assert_string_equal(merge(m, b, o, t),
			    "{\n"
			    "  \"ratio\": 1.50,\n"
			    "  \"big\": 1E3,\n"
			    "  \"text\": \"caf\\u00e9 \\/ ok\",\n"
			    "  \"limits\": {\"cpu\": 2, \"mem\": 4},\n"
			    "  \"tags\": [\"a\", \"b\", \"c\"],\n"
			    "  \"empty\": {},\n"
			    "  \"name\": \"app2\",\n"
			    "  \"timeout\": 2.50e1\n"
			    "}\n");
}

static void test_format_containers(void **state)
{
	struct m *m = *state;

	/* A container merged from ours' keeps ours' look: on one line. */
	assert_string_equal(merge(m, "{\n  \"opts\": {},\n  \"n\": 1\n}\n", "{\n  \"opts\": {\"a\": 1},\n  \"n\": 1\n}\n",
				  "{\n  \"opts\": {\"b\": 2},\n  \"n\": 1\n}\n"),
			    "{\n  \"opts\": {\"a\": 1, \"b\": 2},\n  \"n\": 1\n}\n");
	/* Ours' was empty ("{}" says nothing of a look): on lines like the
	 * rest of the document. */
	assert_string_equal(merge(m, "{\n  \"opts\": {\"z\": 1},\n  \"n\": 1\n}\n", "{\n  \"opts\": {},\n  \"n\": 1\n}\n",
				  "{\n  \"opts\": {\"z\": 1, \"b\": 2},\n  \"n\": 1\n}\n"),
			    "{\n  \"opts\": {\n    \"b\": 2\n  },\n  \"n\": 1\n}\n");
	/* A one-line document stays on one line, whatever theirs looks like. */
	assert_string_equal(merge(m, "{\"a\": {\"x\": 1}, \"b\": 1}", "{\"a\": {\"x\": 1}, \"b\": 2}",
				  "{\n  \"a\": {\n    \"x\": 3\n  },\n  \"b\": 1\n}"),
			    "{\"a\": {\"x\": 3}, \"b\": 2}");
	/* Theirs' multi-line container in ours' multi-line document with
	 * another indentation: re-indented, its numbers as theirs spelt them. */
	assert_string_equal(merge(m, "{\n  \"a\": 1,\n  \"b\": 1\n}", "{\n  \"a\": 1,\n  \"b\": 2\n}",
				  "{\n    \"a\": {\n        \"x\": 1.0\n    },\n    \"b\": 1\n}"),
			    "{\n  \"a\": {\n    \"x\": 1.0\n  },\n  \"b\": 2\n}");
	assert_int_equal(m->c.n, 0);
}

static void test_result_is_theirs_or_ours(void **state)
{
	struct m *m = *state;
	const char *t = "{\n    \"a\": 1,\n    \"b\": 5\n}\n";

	/* Ours only reformatted: theirs stands, byte for byte. */
	assert_string_equal(merge(m, "{\"a\": 1, \"b\": 2}", "{\n  \"a\": 1,\n  \"b\": 2\n}", t), t);
	/* Theirs only reformatted: ours' bytes. */
	assert_string_equal(merge(m, "{\"a\": 1}", "{ \"a\" : 2 }", "{\n\"a\":1\n}"), "{ \"a\" : 2 }");
}

static void test_placeholder_in_change(void **state)
{
	struct m *m = *state;
	const char *b = "{\"api\": \"https://api.test\", \"users\": [{\"id\": 1, \"email\": \"a@x.test\"}]}";
	const struct sbx_merge_conflict *x;

	assert_null(merge(m, b, "{\"api\": \"${API_BASE}/v2\", \"users\": [{\"id\": 1, \"email\": \"a@x.test\"}]}", b));
	x = last(m);
	assert_int_equal(x->kind, SBX_MERGE_PLACEHOLDER);
	assert_string_equal(x->path, "api");
	assert_int_equal(x->nph, 1);
	assert_string_equal(x->ph[0].token, "${API_BASE}");
	assert_string_equal(x->ph[0].what, "variable");
	/* A masked email in a user ours added. */
	assert_null(merge(m, b,
			  "{\"api\": \"https://api.test\", \"users\": [{\"id\": 1, \"email\": \"a@x.test\"},"
			  " {\"id\": 2, \"email\": \"calm.otter.1a2b3c@example.invalid\", \"name\": \"Kai\"}]}",
			  b));
	x = last(m);
	assert_string_equal(x->path, "users[id=2].email");
	assert_string_equal(x->ph[0].token, "calm.otter.1a2b3c@example.invalid");
	assert_string_equal(x->ph[0].what, "masked value");
	/* A secret and a hash pseudonym in an array ours changed. */
	assert_null(merge(m, "{\"k\": [\"x\"]}", "{\"k\": [\"x\", \"${SECRET:aws-key}\", \"h0123456789abcdef\"]}",
			  "{\"k\": [\"x\"]}"));
	x = last(m);
	assert_string_equal(x->path, "k");
	assert_int_equal(x->nph, 2);
	assert_string_equal(x->ph[0].token, "${SECRET:aws-key}");
	assert_string_equal(x->ph[1].token, "h0123456789abcdef");
	/* Values the caller knows to be masked. */
	{
		static const char *const masked[] = { "Ada Lovelace-Chen" };

		m->o.masked = masked;
		m->o.nmasked = 1;
		assert_null(merge(m, "{\"n\": \"x\"}", "{\"n\": \"Ada Lovelace-Chen\"}", "{\"n\": \"x\"}"));
		assert_string_equal(last(m)->ph[0].token, "Ada Lovelace-Chen");
		m->o.masked = NULL;
		m->o.nmasked = 0;
	}
	assert_int_equal(m->c.unresolved, 4);
}

static void test_placeholder_inherited(void **state)
{
	struct m *m = *state;

	/* Ours kept base's placeholder and changed something else; theirs has
	 * the real endpoint: no conflict, theirs' value stays. */
	assert_string_equal(merge(m, "{\"api\": \"${API_BASE}\", \"x\": 1}", "{\"api\": \"${API_BASE}\", \"x\": 2}",
				  "{\"api\": \"https://api.acme.example\", \"x\": 1}"),
			    "{\"api\": \"https://api.acme.example\", \"x\": 2}");
	/* An object ours changed elsewhere keeps its inherited placeholder
	 * only where theirs has it too. */
	assert_string_equal(merge(m, "{\"s\": {\"url\": \"${API_BASE}\", \"t\": 1}}",
				  "{\"s\": {\"url\": \"${API_BASE}\", \"t\": 2}}",
				  "{\"s\": {\"url\": \"${API_BASE}\", \"t\": 1}}"),
			    "{\"s\": {\"url\": \"${API_BASE}\", \"t\": 2}}");
	assert_int_equal(m->c.n, 0);
}

static void test_resolve_keypath(void **state)
{
	struct m *m = *state;
	const char *b = "{\"db\": {\"port\": 1, \"host\": \"a\"}, \"n\": 1}";
	const char *o = "{\"db\": {\"port\": 2, \"host\": \"b\"}, \"n\": 2}";
	const char *t = "{\"db\": {\"port\": 3, \"host\": \"c\"}, \"n\": 3}";

	resolve(m, "app.json:db=theirs");
	resolve(m, "app.json:db.port=ours");
	resolve(m, "app.json:d=ours");          /* "d" is not "db" */
	assert_null(merge(m, b, o, t));
	assert_int_equal(m->c.n, 3);
	assert_int_equal(m->c.unresolved, 1);
	assert_string_equal(m->c.v[0].path, "db.port");
	assert_int_equal(m->c.v[0].resolved, SBX_MERGE_OURS);
	assert_int_equal(m->c.v[0].rule, 1);
	assert_int_equal(m->c.v[1].resolved, SBX_MERGE_THEIRS);
	assert_int_equal(m->c.v[1].rule, 0);
	assert_string_equal(m->c.v[2].path, "n");
	assert_int_equal(m->c.v[2].resolved, SBX_MERGE_NONE);
	resolve(m, "app.json=ours");
	assert_string_equal(merge(m, b, o, t), "{\"db\": {\"port\": 2, \"host\": \"c\"}, \"n\": 2}");
}

static void test_resolve_placeholder(void **state)
{
	struct m *m = *state;
	const char *b = "{\"api\": \"https://a\", \"n\": 1}";
	const char *o = "{\"api\": \"${API_BASE}\", \"n\": 2}";

	resolve(m, "app.json:api=theirs");
	assert_string_equal(merge(m, b, o, b), "{\"api\": \"https://a\", \"n\": 2}");
	sbx_merge_opts_release(&m->o);
	sbx_merge_opts_init(&m->o);
	resolve(m, "ours");
	assert_null(merge(m, b, o, b));
	assert_int_equal(m->r, SBX_ECONFLICT);
	assert_non_null(strstr(m->e.msg, "app.json: api"));
	assert_non_null(strstr(m->e.msg, "${API_BASE}"));
	assert_non_null(strstr(m->e.msg, "resolve it as theirs"));
}

static void test_invalid_json(void **state)
{
	struct m *m = *state;

	assert_null(merge(m, "{\"a\": 1}", "{\"a\": 1,}", "{\"a\": 2}"));
	assert_int_equal(m->r, SBX_EINVAL);
	assert_non_null(strstr(m->e.msg, "app.json: ours is not valid JSON"));
	assert_null(merge(m, "{\"a\": 1}", "{\"a\": 1}", "{\"a\": 2, \"a\": 3}"));
	assert_int_equal(m->r, SBX_EINVAL);
	assert_non_null(strstr(m->e.msg, "theirs"));
	assert_int_equal(m->c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_different_keys_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_key_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_by_id_delete_vs_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_arrays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_elements_not_merged_by_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_property_disjoint_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_order_and_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_on_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_indent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_crlf_bom_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_spellings_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result_is_theirs_or_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder_in_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholder_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_keypath, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
