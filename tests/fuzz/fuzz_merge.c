/* libFuzzer target: the three-way merges of sbx promote (lifecycle/
 * merge-text.c, merge-json.c, with the placeholder checks of placeholder.c),
 * which read production's and the sandbox's files.  The input is three
 * documents (base, ours, theirs) separated by NUL bytes (missing ones are
 * empty).  Whatever they hold: merging returns 0 or a negative code; a side
 * that did not change gives the other side without a conflict (theirs
 * always; ours when it holds no placeholder, else a conflict stays open):
 * its exact bytes for text, the same JSON value for JSON (a change of
 * layout alone is no change); every conflict names its file; everything is
 * freed (LeakSanitizer checks). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lifecycle/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*merge_fn)(const char *, const char *, size_t, const char *, size_t, const char *,
			size_t, const struct sbx_merge_opts *, struct sbx_buf *,
			struct sbx_merge_conflicts *, struct sbx_err *);

/* Merges B, O, T with FN; when it succeeds without open conflicts and WANT
 * is given, the result must be WANT's bytes. */
static void one(merge_fn fn, const char *file, const char *b, size_t nb, const char *o, size_t no,
		const char *t, size_t nt, const char *want, size_t nwant, int must_merge)
{
	struct sbx_merge_opts opts;
	struct sbx_merge_conflicts conf;
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	size_t i;
	int r;

	sbx_merge_opts_init(&opts);
	sbx_merge_conflicts_init(&conf);
	r = fn(file, b, nb, o, no, t, nt, &opts, &out, &conf, &err);
	if (r > 0) {
		fprintf(stderr, "a merge returned %d\n", r);
		abort();
	}
	for (i = 0; i < conf.n; i++)
		if (!conf.v[i].file || strcmp(conf.v[i].file, file)) {
			fprintf(stderr, "a conflict names no file or another one\n");
			abort();
		}
	if (!r && must_merge && conf.unresolved) {
		fprintf(stderr, "%s: a side that did not change left a conflict\n", file);
		abort();
	}
	if (!r && want && !conf.unresolved) {
		int same;

		if (fn == sbx_merge_json) {
			/* jansson reads no byte order mark; the merge keeps one. */
			size_t bx = out.len >= 3 && !memcmp(out.data, "\xef\xbb\xbf", 3) ? 3 : 0;
			size_t by = nwant >= 3 && !memcmp(want, "\xef\xbb\xbf", 3) ? 3 : 0;
			json_t *x = json_loadb(out.data ? out.data + bx : "", out.len - bx, JSON_DECODE_ANY,
					       NULL);
			json_t *y = json_loadb(want + by, nwant - by, JSON_DECODE_ANY, NULL);

			same = x && y && json_equal(x, y);
			json_decref(x);
			json_decref(y);
		} else {
			same = out.len == nwant && !memcmp(out.data, want, nwant);
		}
		if (!same) {
			fprintf(stderr, "%s: the unchanged side's merge is not the other side\n", file);
			abort();
		}
	}
	sbx_buf_release(&out);
	sbx_merge_conflicts_release(&conf);
	sbx_merge_opts_release(&opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *d[3];
	size_t n[3], k;

	for (k = 0; k < 3; k++) {
		const char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;

		d[k] = p < end ? p : "";
		n[k] = p < end ? (size_t)((z ? z : end) - p) : 0;
		p = z ? z + 1 : end;
	}
	/* Theirs alone changed: theirs, always. */
	one(sbx_merge_text, "f.txt", d[0], n[0], d[0], n[0], d[2], n[2], d[2], n[2], 1);
	one(sbx_merge_json, "f.json", d[0], n[0], d[0], n[0], d[2], n[2], d[2], n[2], 1);
	/* Ours alone changed: ours, unless a placeholder keeps it open. */
	one(sbx_merge_text, "f.txt", d[0], n[0], d[1], n[1], d[0], n[0], d[1], n[1], 0);
	one(sbx_merge_json, "f.json", d[0], n[0], d[1], n[1], d[0], n[0], d[1], n[1], 0);
	/* All three. */
	one(sbx_merge_text, "f.txt", d[0], n[0], d[1], n[1], d[2], n[2], NULL, 0, 0);
	one(sbx_merge_json, "f.json", d[0], n[0], d[1], n[1], d[2], n[2], NULL, 0, 0);
	return 0;
}
