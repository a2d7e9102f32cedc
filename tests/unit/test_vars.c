/* Placeholders: filled on materialising, put back on capture. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "providers/vars.h"

static void test_round_trip(void **state)
{
	static const char in[] = "api: ${API_BASE}/v1\nkey: ${SECRET:acme-key}\nmail: ${MAIL}\n";
	json_t *vars = json_pack("{s:s}", "API_BASE", "https://api.training.test");
	json_t *secrets = json_pack("{s:s}", "acme-key", "ACME-0123456789");
	json_t *missing = json_object();
	struct sbx_buf filled = SBX_BUF_INIT, back = SBX_BUF_INIT;

	(void)state;
	assert_int_equal(sbx_vars_fill(vars, secrets, in, strlen(in), &filled, missing), 2);
	assert_string_equal(filled.data, "api: https://api.training.test/v1\nkey: ACME-0123456789\n"
			    "mail: ${MAIL}\n");
	assert_non_null(json_object_get(missing, "MAIL"));
	assert_int_equal(sbx_vars_unfill(vars, secrets, filled.data, filled.len, &back), 2);
	assert_string_equal(back.data, in);
	sbx_buf_release(&filled);
	sbx_buf_release(&back);
	json_decref(vars);
	json_decref(secrets);
	json_decref(missing);
}

/* Regression: with no variable and no secret, the list to sort was NULL and
 * went to qsort (undefined behaviour, caught by UBSan on every deactivation
 * of a sandbox without variables). */
static void test_unfill_nothing(void **state)
{
	static const char in[] = "nothing to put back\n";
	json_t *vars = json_object(), *secrets = json_object();
	struct sbx_buf out = SBX_BUF_INIT;

	(void)state;
	assert_int_equal(sbx_vars_unfill(vars, secrets, in, strlen(in), &out), 0);
	assert_string_equal(out.data, in);
	assert_int_equal(sbx_vars_unfill(NULL, NULL, in, strlen(in), &out), 0);
	sbx_buf_release(&out);
	json_decref(vars);
	json_decref(secrets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unfill_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
