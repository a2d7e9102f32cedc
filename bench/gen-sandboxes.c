/* bench/gen-sandboxes STORE TEMPLATE N: writes N sandbox records shaped like
 * sandbox TEMPLATE (made by `sbx clone`) into STORE in one transaction, so
 * that `sbx tick` can be measured over thousands of sandboxes without
 * cloning each.  Names are sb-00000 ...; every 10th is active, purposes
 * take turns among dev, training, qa and uat, and activity is recent
 * enough that nothing is due at the template's creation time plus 1h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sbx/store.h"
#include "snapshot/refs.h"
#include "snapshot/store-int.h"

struct gen {
	struct sbx_store *s;
	json_t *tmpl;
	long n;
};

static char *put(const char *old, void *ctx, int *del, struct sbx_err *err)
{
	(void)old;
	(void)del;
	(void)err;
	return json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
}

static int fill(MDB_txn *txn, void *ctx, struct sbx_err *err)
{
	static const char *const purposes[] = { "dev", "training", "qa", "uat" };
	struct gen *g = ctx;
	long i;
	int r = 0;

	for (i = 0; i < g->n && !r; i++) {
		json_t *rec = json_deep_copy(g->tmpl);
		char name[32], ref[48];

		snprintf(name, sizeof name, "sb-%05ld", i);
		snprintf(ref, sizeof ref, "sandbox/%s", name);
		json_object_set_new(rec, "name", json_string(name));
		json_object_set_new(rec, "purpose", json_string(purposes[i % 4]));
		json_object_set_new(rec, "owner", json_string(i % 3 ? "alice" : "bob"));
		if (i % 10 == 0) {
			json_object_set_new(rec, "state", json_string("active"));
			json_object_set(rec, "activated", json_object_get(rec, "created"));
		}
		r = sbx_ref_update_txn(g->s, txn, ref, put, rec, err);
		json_decref(rec);
	}
	return r;
}

int main(int argc, char **argv)
{
	struct sbx_err err = { 0 };
	struct gen g = { 0 };
	char *text = NULL, ref[300];
	int r;

	if (argc != 4 || (g.n = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: gen-sandboxes STORE TEMPLATE N\n");
		return 2;
	}
	r = sbx_store_open(argv[1], SBX_STORE_WRITE, "gen-sandboxes", &g.s, &err);
	snprintf(ref, sizeof ref, "sandbox/%s", argv[2]);
	if (!r)
		r = sbx_ref_get(g.s, ref, &text, &err);
	if (!r && !(g.tmpl = json_loads(text, 0, NULL)))
		r = sbx_err_set(&err, SBX_ECORRUPT, "the record of '%s' is damaged", argv[2]);
	if (!r)
		r = sbx_store_write(g.s, fill, &g, &err);
	if (r)
		fprintf(stderr, "gen-sandboxes: %s\n", err.msg);
	json_decref(g.tmpl);
	free(text);
	sbx_store_close(g.s);
	return r ? 1 : 0;
}
