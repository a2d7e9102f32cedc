/* sbx init, gc, verify, stats. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int no_args(struct cli *c, int argc, char **argv)
{
	if (argc > 1)
		return cli_usage(c, "'sbx %s' takes no argument '%s'", c->command, argv[1]);
	return 0;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	int created, r = no_args(c, argc, argv);

	if (r)
		return r;
	r = sbx_store_init(c->store_path, &created, &c->err);
	if (r)
		return r;
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "store", json_string(c->store_path));
		json_object_set_new(o, "created", json_boolean(created));
		cli_json_out(c, o);
	} else {
		cli_note(c, created ? "initialised store at %s" : "store at %s already exists",
			 c->store_path);
	}
	return 0;
}

int cmd_gc(struct cli *c, int argc, char **argv)
{
	struct sbx_progress p;
	struct sbx_gc_result res;
	char b[32];
	int r = no_args(c, argc, argv);

	if (r)
		return r;
	cli_progress_init(c, &p);
	r = sbx_gc(c->store, &p, &res, &c->err);
	cli_progress_done(&p);
	if (r)
		return r;
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "chunks_removed", json_integer((json_int_t)res.chunks_removed));
		json_object_set_new(o, "trees_removed", json_integer((json_int_t)res.trees_removed));
		json_object_set_new(o, "packs_removed", json_integer((json_int_t)res.packs_removed));
		json_object_set_new(o, "packs_written", json_integer((json_int_t)res.packs_rewritten));
		json_object_set_new(o, "bytes_freed", json_integer((json_int_t)res.bytes_freed));
		cli_json_out(c, o);
	} else {
		printf("removed %llu chunks, %llu trees, %llu packs; wrote %llu packs; freed %s\n",
		       (unsigned long long)res.chunks_removed, (unsigned long long)res.trees_removed,
		       (unsigned long long)res.packs_removed, (unsigned long long)res.packs_rewritten,
		       cli_bytes(res.bytes_freed, b));
	}
	return 0;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "full", no_argument, NULL, 'f' }, { 0, 0, 0, 0 } };
	struct sbx_progress p;
	struct sbx_verify_result res;
	int full = 0, o, r;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'f')
			full = 1;
		else
			return cli_bad_usage(c);
	}
	if (optind < argc)
		return cli_usage(c, "'sbx verify' takes no argument '%s'", argv[optind]);
	cli_progress_init(c, &p);
	r = sbx_verify(c->store, full, &p, &res, &c->err);
	cli_progress_done(&p);
	if (r && r != SBX_ECORRUPT) {
		sbx_buf_release(&res.report);
		return r;
	}
	if (c->json) {
		json_t *o2 = json_object(), *probs = json_array();
		char *line, *save = NULL;

		for (line = res.report.data ? strtok_r(res.report.data, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			json_array_append_new(probs, json_string(line));
		json_object_set_new(o2, "ok", json_boolean(!res.problems));
		json_object_set_new(o2, "full", json_boolean(full));
		json_object_set_new(o2, "snapshots", json_integer((json_int_t)res.snapshots));
		json_object_set_new(o2, "trees", json_integer((json_int_t)res.trees));
		json_object_set_new(o2, "chunks", json_integer((json_int_t)res.chunks));
		json_object_set_new(o2, "packs", json_integer((json_int_t)res.packs));
		json_object_set_new(o2, "bytes_read", json_integer((json_int_t)res.bytes_read));
		json_object_set_new(o2, "problems", probs);
		/* The error document follows for a damaged store. */
		if (!r)
			cli_json_out(c, o2);
		else
			json_decref(o2);
	} else {
		if (res.report.len)
			fputs(res.report.data, stderr);
		if (!r)
			printf("ok: %llu snapshots, %llu trees, %llu chunks in %llu packs%s\n",
			       (unsigned long long)res.snapshots, (unsigned long long)res.trees,
			       (unsigned long long)res.chunks, (unsigned long long)res.packs,
			       full ? ", every chunk re-read and re-hashed" : "");
	}
	sbx_buf_release(&res.report);
	return r;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
	struct sbx_stats st;
	char a[32], b[32], d[32];
	double ratio;
	int r = no_args(c, argc, argv);

	if (r)
		return r;
	r = sbx_stats(c->store, &st, &c->err);
	if (r)
		return r;
	ratio = st.stored_bytes ? (double)st.logical_bytes / (double)st.stored_bytes : 0;
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "snapshots", json_integer((json_int_t)st.snapshots));
		json_object_set_new(o, "trees", json_integer((json_int_t)st.trees));
		json_object_set_new(o, "chunks", json_integer((json_int_t)st.chunks));
		json_object_set_new(o, "packs", json_integer((json_int_t)st.packs));
		json_object_set_new(o, "logical_bytes", json_integer((json_int_t)st.logical_bytes));
		json_object_set_new(o, "unique_bytes", json_integer((json_int_t)st.unique_bytes));
		json_object_set_new(o, "stored_bytes", json_integer((json_int_t)st.stored_bytes));
		json_object_set_new(o, "dedup_ratio", json_real(ratio));
		cli_json_out(c, o);
		return 0;
	}
	printf("snapshots     %llu\n", (unsigned long long)st.snapshots);
	printf("trees         %llu\n", (unsigned long long)st.trees);
	printf("chunks        %llu in %llu packs\n", (unsigned long long)st.chunks,
	       (unsigned long long)st.packs);
	printf("logical       %s\n", cli_bytes(st.logical_bytes, a));
	printf("unique        %s\n", cli_bytes(st.unique_bytes, b));
	printf("stored        %s\n", cli_bytes(st.stored_bytes, d));
	printf("dedup ratio   %.2fx\n", ratio);
	return 0;
}
