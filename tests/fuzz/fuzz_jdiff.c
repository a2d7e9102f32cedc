/* libFuzzer target: the diffs of contents (policies/jdiff.c with the
 * reveal of policies/reveal.c, util/linediff.c), which read the files of
 * snapshots -- production data.  The input is two documents separated by
 * the first NUL byte (or cut in the middle).  Whatever they hold: the key
 * diff of a document against itself reports nothing, against the other it
 * either works or says SBX_EINVAL (not JSON); every reported value is JSON
 * again; the line diff's script walks both texts exactly; everything is
 * freed (LeakSanitizer checks). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sbx/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sbx_reveal *rv;

static int check_change(const struct sbx_jdiff_change *c, void *ctx)
{
	const char *v[2] = { c->a, c->b };
	int i;

	(void)ctx;
	if (!c->path || (c->op == SBX_DIFF_ADDED && (c->a || !c->b)) ||
	    (c->op == SBX_DIFF_REMOVED && (!c->a || c->b)) ||
	    (c->op == SBX_DIFF_CHANGED && (!c->a || !c->b))) {
		fprintf(stderr, "a change with the wrong sides at '%s'\n", c->path ? c->path : "(null)");
		abort();
	}
	for (i = 0; i < 2; i++) {
		json_t *j;

		if (!v[i])
			continue;
		j = json_loads(v[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!j) {
			fprintf(stderr, "a value that is not JSON: %s\n", v[i]);
			abort();
		}
		json_decref(j);
	}
	return 0;
}

static int none(const struct sbx_jdiff_change *c, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "a document differs from itself at '%s'\n", c->path);
	abort();
}

static void lines(const char *a, size_t na, const char *b, size_t nb)
{
	struct sbx_line *la, *lb;
	struct sbx_edit *s;
	size_t n, i, ai = 0, bi = 0, ca = sbx_lines_split(a, na, &la), cb = sbx_lines_split(b, nb, &lb);

	sbx_line_diff(la, ca, lb, cb, &s, &n);
	for (i = 0; i < n; i++) {
		if (s[i].a != ai || s[i].b != bi)
			abort();
		if (s[i].op == '=' && (la[ai].len != lb[bi].len || memcmp(la[ai].p, lb[bi].p, la[ai].len)))
			abort();
		ai += s[i].op != '+';
		bi += s[i].op != '-';
	}
	if (ai != ca || bi != cb)
		abort();
	free(s);
	free(la);
	free(lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	size_t na = nul ? (size_t)(nul - p) : size / 2, off = nul ? na + 1 : na;
	struct sbx_err err = { 0 };
	int r;

	if (!rv)
		rv = sbx_reveal_new();
	r = sbx_json_diff("fuzz.json", p, na, p + off, size - off, rv, check_change, NULL, &err);
	if (r && r != SBX_EINVAL) {
		fprintf(stderr, "sbx_json_diff: %d %s\n", r, err.msg);
		abort();
	}
	memset(&err, 0, sizeof err);
	r = sbx_json_diff("fuzz.json", p, na, p, na, rv, none, NULL, &err);
	if (r && r != SBX_EINVAL)
		abort();
	lines(p, na, p + off, size - off);
	return 0;
}
