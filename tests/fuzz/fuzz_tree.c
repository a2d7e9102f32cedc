/* libFuzzer target: the tree object decoder (snapshot/tree.c), the parser
 * of every tree read back from the store.  Whatever it accepts must be the
 * canonical encoding of what it returns: encoding the decoded entries gives
 * the input bytes back, so that a tree's id (its SHA-256) is a function of
 * its entries alone.  Every decoded name is also found by sbx_tree_find. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_buf enc = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	struct sbx_tree t;
	size_t i;

	if (sbx_tree_decode(data, size, &t, &err))
		return 0;
	sbx_tree_encode(t.e, t.n, &enc);
	if (enc.len != size || memcmp(enc.data, data, size)) {
		fprintf(stderr, "decode then encode changed the tree: %zu bytes in, %zu out\n",
			size, enc.len);
		abort();
	}
	for (i = 0; i < t.n; i++) {
		if (sbx_tree_find(&t, t.e[i].name) != &t.e[i]) {
			fprintf(stderr, "sbx_tree_find misses entry %zu '%s'\n", i, t.e[i].name);
			abort();
		}
	}
	sbx_buf_release(&enc);
	sbx_tree_release(&t);
	return 0;
}
