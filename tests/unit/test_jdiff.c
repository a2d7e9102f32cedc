/*
 * Unit tests for the key-level JSON diff (policies/jdiff.c) and for what a
 * diff may show (policies/reveal.c): nested objects, added and removed
 * keys, arrays aligned by position, arrays of objects matched by id, type
 * changes, odd keys; values under a mask rule, secrets, canaries and
 * pseudonyms shown as placeholders, placeholders shown as they are.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbx/diff.h"

#define AWS_ID "AKIA" "IOSFODNN7EXAMPLE"

struct out {
	char text[8192];
};

static int collect(const struct sbx_jdiff_change *c, void *ctx)
{
	struct out *o = ctx;
	size_t len = strlen(o->text);

	snprintf(o->text + len, sizeof o->text - len, "%c %s: %s -> %s\n",
		 c->op == SBX_DIFF_ADDED ? '+' : c->op == SBX_DIFF_REMOVED ? '-' : '~', c->path,
		 c->a ? c->a : "(none)", c->b ? c->b : "(none)");
	return 0;
}

/* The changes between A and B, one line each, through R. */
static const char *jd(const char *path, const char *a, const char *b, const struct sbx_reveal *r)
{
	static struct out o;
	struct sbx_err err = { 0 };

	memset(&o, 0, sizeof o);
	assert_int_equal(sbx_json_diff(path, a, strlen(a), b, strlen(b), r, collect, &o, &err), 0);
	return o.text;
}

static void test_objects(void **state)
{
	(void)state;
	assert_string_equal(jd("x.json", "{\"a\": {\"b\": 1, \"c\": 2}}", "{\"a\": {\"c\": 3, \"b\": 1}}", NULL),
			    "~ a.c: 2 -> 3\n");
	assert_string_equal(jd("x.json", "{\"keep\": 1, \"gone\": {\"x\": [1]}}",
			       "{\"keep\": 1, \"new\": \"v\"}", NULL),
			    "- gone: {\"x\":[1]} -> (none)\n"
			    "+ new: (none) -> \"v\"\n");
	/* Deeply nested. */
	assert_string_equal(jd("x.json", "{\"a\": {\"b\": {\"c\": {\"d\": true}}}}",
			       "{\"a\": {\"b\": {\"c\": {\"d\": false}}}}", NULL),
			    "~ a.b.c.d: true -> false\n");
	/* Equal documents, whatever the member order and spacing. */
	assert_string_equal(jd("x.json", "{\"a\":1,\"b\":[1,{\"c\":2}]}", "{ \"b\" : [1, {\"c\": 2}], \"a\": 1 }",
			       NULL), "");
}

static void test_types(void **state)
{
	(void)state;
	assert_string_equal(jd("x.json", "{\"a\": 1}", "{\"a\": \"1\"}", NULL), "~ a: 1 -> \"1\"\n");
	assert_string_equal(jd("x.json", "{\"a\": {}}", "{\"a\": []}", NULL), "~ a: {} -> []\n");
	assert_string_equal(jd("x.json", "{\"a\": null}", "{\"a\": {\"b\": 1}}", NULL),
			    "~ a: null -> {\"b\":1}\n");
	/* The document itself: path "". */
	assert_string_equal(jd("x.json", "[1]", "{}", NULL), "~ : [1] -> {}\n");
	assert_string_equal(jd("x.json", "1", "2", NULL), "~ : 1 -> 2\n");
}

static void test_arrays(void **state)
{
	(void)state;
	/* An insertion is one added element, not a change of every later one. */
	assert_string_equal(jd("x.json", "{\"r\": [\"a\", \"b\", \"c\"]}", "{\"r\": [\"a\", \"x\", \"b\", \"c\"]}", NULL),
			    "+ r[1]: (none) -> \"x\"\n");
	assert_string_equal(jd("x.json", "{\"r\": [\"a\", \"b\", \"c\"]}", "{\"r\": [\"a\", \"c\"]}", NULL),
			    "- r[1]: \"b\" -> (none)\n");
	/* A replaced element pairs up as a change, objects key by key. */
	assert_string_equal(jd("x.json", "{\"r\": [\"a\", \"b\"]}", "{\"r\": [\"a\", \"z\"]}", NULL),
			    "~ r[1]: \"b\" -> \"z\"\n");
	assert_string_equal(jd("x.json", "[{\"n\": 1, \"m\": 2}, {\"n\": 5}]", "[{\"n\": 1, \"m\": 3}, {\"n\": 5}]", NULL),
			    "~ [0].m: 2 -> 3\n");
	assert_string_equal(jd("x.json", "{\"r\": [[1, 2], [3]]}", "{\"r\": [[1, 2, 9], [3]]}", NULL),
			    "+ r[0][2]: (none) -> 9\n");
}

static void test_id_arrays(void **state)
{
	const char *a = "{\"rules\": ["
		"{\"id\": 41, \"actions\": {\"email\": {\"to\": \"ops\"}}},"
		"{\"id\": 42, \"actions\": {\"email\": {\"to\": \"team-a\"}}},"
		"{\"id\": 7, \"title\": \"old\"}]}";
	const char *b = "{\"rules\": ["
		"{\"id\": 42, \"actions\": {\"email\": {\"to\": \"team-b\"}}},"
		"{\"id\": 41, \"actions\": {\"email\": {\"to\": \"ops\"}}},"
		"{\"id\": 43, \"title\": \"new\"}]}";

	(void)state;
	/* Matched by id: a move is no change, the edit has the id in its path. */
	assert_string_equal(jd("x.json", a, b, NULL),
			    "~ rules[id=42].actions.email.to: \"team-a\" -> \"team-b\"\n"
			    "- rules[id=7]: {\"id\":7,\"title\":\"old\"} -> (none)\n"
			    "+ rules[id=43]: (none) -> {\"id\":43,\"title\":\"new\"}\n");
	/* String ids, and one that needs quoting. */
	assert_string_equal(jd("x.json", "[{\"id\": \"wf-1\", \"on\": true}, {\"id\": \"a b\", \"on\": 1}]",
			       "[{\"id\": \"wf-1\", \"on\": false}, {\"id\": \"a b\", \"on\": 2}]", NULL),
			    "~ [id=wf-1].on: true -> false\n"
			    "~ [id=\"a b\"].on: 1 -> 2\n");
	/* Duplicate ids: matched by position instead. */
	assert_string_equal(jd("x.json", "[{\"id\": 1, \"v\": 1}, {\"id\": 1, \"v\": 2}]",
			       "[{\"id\": 1, \"v\": 1}, {\"id\": 1, \"v\": 3}]", NULL),
			    "~ [1].v: 2 -> 3\n");
	/* From nothing: added by id. */
	assert_string_equal(jd("x.json", "{\"r\": []}", "{\"r\": [{\"id\": 5}]}", NULL),
			    "+ r[id=5]: (none) -> {\"id\":5}\n");
}

static void test_odd_keys(void **state)
{
	(void)state;
	assert_string_equal(jd("x.json", "{\"a.b\": {\"c d\": 1}}", "{\"a.b\": {\"c d\": 2}}", NULL),
			    "~ [\"a.b\"][\"c d\"]: 1 -> 2\n");
}

static void test_not_json(void **state)
{
	struct sbx_err err = { 0 };
	struct out o;

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(sbx_json_diff("x.json", "{", 1, "{}", 2, NULL, collect, &o, &err), SBX_EINVAL);
	assert_non_null(strstr(err.msg, "side a"));
}

/* A policy file in a temporary directory. */
static char policy_path[PATH_MAX];

static int write_policy(void **state)
{
	FILE *f;

	(void)state;
	snprintf(policy_path, sizeof policy_path, "%s/sbx-test-jdiff-%d.json",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	f = fopen(policy_path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1,"
	      " \"mask\": [{\"files\": \"**/*.json\", \"keys\": [\"**.email\", \"**.recipients\", \"users[*].name\"]},"
	      "            {\"files\": \"**/*.json\", \"pattern\": \"phone\"}],"
	      " \"canaries\": [\"jane.realcustomer@gmail.com\"]}", f);
	fclose(f);
	return 0;
}

static int remove_policy(void **state)
{
	(void)state;
	unlink(policy_path);
	return 0;
}

static void test_reveal(void **state)
{
	struct sbx_reveal *r = sbx_reveal_new();
	struct sbx_err err = { 0 };

	(void)state;
	assert_int_equal(sbx_reveal_add_policy(r, policy_path, &err), 0);
	/* A masked key, in an object and in an array under a masked key. */
	assert_string_equal(jd("config/users.json", "{\"users\": [{\"id\": 1, \"email\": \"a@x.com\", \"name\": \"Ann Lee\"}]}",
			       "{\"users\": [{\"id\": 1, \"email\": \"b@y.com\", \"name\": \"Bob Ray\"}]}", r),
			    "~ users[id=1].email: \"${MASKED:email}\" -> \"${MASKED:email}\"\n"
			    "~ users[id=1].name: \"${MASKED:name}\" -> \"${MASKED:name}\"\n");
	assert_string_equal(jd("t.json", "{\"recipients\": [\"a@x.com\"]}", "{\"recipients\": [\"a@x.com\", \"c@z.org\"]}", r),
			    "+ recipients[1]: (none) -> \"${MASKED:email}\"\n");
	/* An added object shows its masked leaves as placeholders too. */
	assert_string_equal(jd("t.json", "{\"u\": []}", "{\"u\": [{\"id\": 2, \"email\": \"q@w.de\", \"role\": \"agent\"}]}", r),
			    "+ u[id=2]: (none) -> {\"id\":2,\"email\":\"${MASKED:email}\",\"role\":\"agent\"}\n");
	/* Mask rules are for the files they name. */
	assert_string_equal(jd("notes.txt.bak", "{\"email\": \"a@x.com\"}", "{\"email\": \"b@x.com\"}", r),
			    "~ email: \"a@x.com\" -> \"b@x.com\"\n");
	/* A pattern rule: a phone number anywhere in a string. */
	assert_string_equal(jd("t.json", "{\"note\": \"call +49 30 1234567\"}", "{\"note\": \"call +49 30 7654321\"}", r),
			    "~ note: \"${MASKED:phone}\" -> \"${MASKED:phone}\"\n");
	/* Secrets, by value shape and by key; canaries. */
	assert_string_equal(jd("t.json", "{\"k\": \"none\"}", "{\"k\": \"" AWS_ID "\"}", r),
			    "~ k: \"none\" -> \"${SECRET:aws-access-key-id}\"\n");
	assert_string_equal(jd("t.json", "{\"smtp\": {\"password\": \"hunter2hunter2\"}}",
			       "{\"smtp\": {\"password\": \"correct-horse-battery\"}}", r),
			    "~ smtp.password: \"${SECRET:password-field}\" -> \"${SECRET:password-field}\"\n");
	assert_string_equal(jd("t.json", "{\"legacy\": \"none\"}", "{\"legacy\": \"to Jane.RealCustomer@gmail.com\"}", r),
			    "~ legacy: \"none\" -> \"${SECRET:canary}\"\n");
	/* Placeholders are shown as they are; pseudonyms as what they are. */
	assert_string_equal(jd("t.json", "{\"url\": \"${API_BASE}/v1\"}", "{\"url\": \"${API_BASE}/v2\"}", r),
			    "~ url: \"${API_BASE}/v1\" -> \"${API_BASE}/v2\"\n");
	assert_string_equal(jd("t.json", "{\"who\": \"calm.otter.a1b2c3@example.invalid\"}",
			       "{\"who\": \"h0123456789abcdef\"}", r),
			    "~ who: \"${MASKED:email}\" -> \"${MASKED:hash}\"\n");
	/* What nothing hides stays. */
	assert_string_equal(jd("t.json", "{\"sla\": 4, \"title\": \"Escalate\"}", "{\"sla\": 8, \"title\": \"Escalate now\"}", r),
			    "~ sla: 4 -> 8\n~ title: \"Escalate\" -> \"Escalate now\"\n");
	sbx_reveal_free(r);
}

/* Without a policy, the built-in detectors still hide secrets. */
static void test_reveal_builtin(void **state)
{
	struct sbx_reveal *r = sbx_reveal_new();
	struct sbx_err err = { 0 };

	(void)state;
	assert_string_equal(jd("t.json", "{\"email\": \"a@x.com\", \"k\": 1}", "{\"email\": \"b@x.com\", \"k\": \"" AWS_ID "\"}", r),
			    "~ email: \"a@x.com\" -> \"b@x.com\"\n"
			    "~ k: 1 -> \"${SECRET:aws-access-key-id}\"\n");
	assert_int_equal(sbx_reveal_add_policy(r, "/nonexistent/policy.json", &err), SBX_ENOTFOUND);
	sbx_reveal_free(r);
}

static void test_reveal_text(void **state)
{
	struct sbx_reveal *r = sbx_reveal_new();
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	const char *text = "key: " AWS_ID "\nto: JANE.realcustomer@gmail.com, ok\n";

	(void)state;
	assert_int_equal(sbx_reveal_add_policy(r, policy_path, &err), 0);
	sbx_reveal_text(r, "a.yaml", text, strlen(text), &out);
	assert_string_equal(out.data, "key: ${SECRET:aws-access-key-id}\nto: ${SECRET:canary}, ok\n");
	sbx_buf_release(&out);
	sbx_reveal_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_id_arrays),
		cmocka_unit_test(test_odd_keys),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_reveal),
		cmocka_unit_test(test_reveal_builtin),
		cmocka_unit_test(test_reveal_text),
	};

	return cmocka_run_group_tests(tests, write_policy, remove_policy);
}
