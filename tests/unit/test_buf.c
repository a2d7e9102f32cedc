/* The growable buffer: always NUL-terminated, whatever it went through. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sbx/buf.h"

/* Regression: a fresh buffer grown but never written held no NUL, so an
 * empty JSON string ("") decoded into an unterminated string. */
static void test_fresh_grow_is_terminated(void **state)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char *s;
	size_t len = 99;

	(void)state;
	/* Fresh memory must not happen to be zero: glibc fills new blocks with
	 * 0x55 under M_PERTURB (ASan fills them with 0xbe by itself); a block
	 * larger than the thread cache's comes from the allocator proper. */
	mallopt(M_PERTURB, 0xaa);
	sbx_buf_grow(&b, 8192);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	s = sbx_buf_detach(&b, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_grow_after_reset_and_add(void **state)
{
	struct sbx_buf b = SBX_BUF_INIT;
	size_t i;

	(void)state;
	sbx_buf_adds(&b, "abc");
	sbx_buf_reset(&b);
	assert_string_equal(b.data, "");
	for (i = 0; i < 1000; i++)
		sbx_buf_addc(&b, 'x');
	sbx_buf_grow(&b, 1 << 20);
	assert_int_equal(strlen(b.data), 1000);
	sbx_buf_addf(&b, "%d-%s", 42, "end");
	assert_int_equal(b.len, 1006);
	assert_string_equal(b.data + 1000, "42-end");
	sbx_buf_release(&b);
	assert_null(b.data);
}

static void test_little_endian(void **state)
{
	struct sbx_buf b = SBX_BUF_INIT;

	(void)state;
	sbx_buf_add_u32(&b, 0x01020304u);
	sbx_buf_add_u64(&b, 0x1122334455667788ull);
	assert_int_equal((unsigned char)b.data[0], 0x04);
	assert_int_equal(sbx_get_u32((const unsigned char *)b.data), 0x01020304u);
	assert_true(sbx_get_u64((const unsigned char *)b.data + 4) == 0x1122334455667788ull);
	sbx_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_grow_is_terminated),
		cmocka_unit_test(test_grow_after_reset_and_add),
		cmocka_unit_test(test_little_endian),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
