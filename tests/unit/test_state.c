/* The lifecycle state machine: every (operation, state) pair, against the
 * transitions PRODUCT.md allows. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lifecycle/lifecycle.h"

static const char *const states[] = {
	"none", "provisioning", "inactive", "activating", "active", "deactivating", "refreshing",
	"destroying", "destroyed", "failed", NULL,
};
static const char *const ops[] = { "provision", "activate", "deactivate", "refresh", "destroy", NULL };

/* The expected table: op, from, via, to. */
static const char *const allowed[][4] = {
	{ "provision", "none", "provisioning", "inactive" },
	{ "activate", "inactive", "activating", "active" },
	{ "activate", "failed", "activating", "active" },
	{ "deactivate", "active", "deactivating", "inactive" },
	{ "deactivate", "failed", "deactivating", "inactive" },
	{ "refresh", "inactive", "refreshing", "inactive" },
	{ "destroy", "inactive", "destroying", "destroyed" },
	{ "destroy", "active", "destroying", "destroyed" },
	{ "destroy", "failed", "destroying", "destroyed" },
};

static void test_every_pair(void **state)
{
	size_t o, s, k, legal = 0;

	(void)state;
	for (o = 0; ops[o]; o++) {
		for (s = 0; states[s]; s++) {
			const struct sbx_transition *t = sbx_transition_find(ops[o], states[s]);

			for (k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
				if (!strcmp(allowed[k][0], ops[o]) && !strcmp(allowed[k][1], states[s]))
					break;
			if (k == sizeof allowed / sizeof allowed[0]) {
				/* Not allowed: refused, whatever the state. */
				assert_null(t);
				continue;
			}
			assert_non_null(t);
			assert_string_equal(t->via, allowed[k][2]);
			assert_string_equal(t->to, allowed[k][3]);
			legal++;
		}
	}
	assert_int_equal(legal, sizeof allowed / sizeof allowed[0]);
}

static void test_transient_states(void **state)
{
	static const char *const transient[] = { "provisioning", "activating", "deactivating",
						 "refreshing", "destroying", NULL };
	size_t s, k;

	(void)state;
	for (s = 0; states[s]; s++) {
		int want = 0;

		for (k = 0; transient[k]; k++)
			if (!strcmp(transient[k], states[s]))
				want = 1;
		assert_int_equal(sbx_state_transient(states[s]), want);
	}
	/* Nothing leaves destroyed. */
	for (k = 0; ops[k]; k++)
		assert_null(sbx_transition_find(ops[k], "destroyed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_transient_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
