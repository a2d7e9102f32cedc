/*
 * Unit tests for the placeholder recogniser (lifecycle/placeholder.c):
 * "${NAME}", "${SECRET:RULE}", and masked values, checked against what the
 * masker (policies/mask.c) really produces.
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

#include "lifecycle/placeholder.h"
#include "policies/mask.h"

/* The first hit in S from FROM as "start:end:kind", or "none". */
static const char *find(const char *s, size_t from)
{
	static char out[64];
	struct sbx_ph_hit h;

	if (!sbx_ph_find(s, strlen(s), from, NULL, 0, &h))
		return "none";
	snprintf(out, sizeof out, "%zu:%zu:%s", h.start, h.end, sbx_ph_kind_name(h.kind));
	return out;
}

static void test_ph_placeholders(void **state)
{
	(void)state;
	assert_string_equal(find("url=${API_BASE}/x", 0), "4:15:variable");
	assert_string_equal(find("k=${SECRET:aws-key};", 0), "2:19:secret");
	assert_string_equal(find("a ${x_1} b", 0), "2:8:variable");
	assert_string_equal(find("${A}${B}", 1), "4:8:variable");
	assert_string_equal(find("cost $5 or $API or ${} or ${A B} or {API} or ${SECRET:} $", 0), "none");
	assert_string_equal(find("${API", 0), "none");
}

static void test_ph_masked(void **state)
{
	(void)state;
	assert_string_equal(find("to: calm.otter.1a2b3c@example.invalid.", 0), "4:37:masked value");
	assert_string_equal(find("\"Bob@EXAMPLE.Invalid\"", 0), "1:20:masked value");
	assert_string_equal(find("a@example.invalid.com a@example.invalidx a@example.org @example.invalid", 0),
			    "none");
	assert_string_equal(find("id h0123456789abcdef, x", 0), "3:20:masked value");
	assert_string_equal(find("h0123456789abcdef", 0), "0:17:masked value");
	assert_string_equal(find("xh0123456789abcdef h0123456789abcdefa h0123456789ABCDEF h0123456789abcde "
				 "h0123456789abcdef_x",
				 0),
			    "none");
}

static void test_ph_extra(void **state)
{
	static const char *const extra[] = { "", "Ada Chen" };
	struct sbx_ph_hit h;
	const char *s = "owner: Ada Chen";

	(void)state;
	assert_int_equal(sbx_ph_find(s, strlen(s), 0, extra, 2, &h), 1);
	assert_int_equal(h.start, 7);
	assert_int_equal(h.end, 15);
	assert_int_equal(h.kind, SBX_PH_MASKED);
	assert_int_equal(sbx_ph_find(s, strlen(s), 0, extra, 1, &h), 0);
}

/* Every email and hash pseudonym the masker makes is recognised whole:
 * the recogniser follows mask.c's shapes. */
static void test_ph_recognises_masker_output(void **state)
{
	static const uint8_t key[32] = { 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5, 2,
					 3, 5, 3, 6, 0, 2, 8, 7, 4, 7, 1, 3, 5, 2, 6, 6 };
	struct sbx_masker *mk = sbx_masker_new(key);
	char v[64];
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		static const char *const kinds[] = { "email", "hash" };
		struct sbx_buf b = SBX_BUF_INIT;
		struct sbx_ph_hit h;

		snprintf(v, sizeof v, i % 3 ? "user%d@corp%d.example.com" : "Customer %d", i, i % 7);
		sbx_mask_value(mk, kinds[i % 2], v, strlen(v), &b);
		assert_int_equal(sbx_ph_find(b.data, b.len, 0, NULL, 0, &h), 1);
		assert_int_equal(h.start, 0);
		assert_int_equal(h.end, b.len);
		sbx_buf_release(&b);
	}
	sbx_masker_free(mk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ph_placeholders),
		cmocka_unit_test(test_ph_masked),
		cmocka_unit_test(test_ph_extra),
		cmocka_unit_test(test_ph_recognises_masker_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
