/* sbx snapshot capture|list|show|ls|cat|restore|export|rm. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static int resolve(struct cli *c, const char *arg, char id[65])
{
	return sbx_snapshot_resolve(c->store, arg, id, &c->err);
}

static int snap_capture(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "message", required_argument, NULL, 'm' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_capture_opts o;
	struct sbx_capture_result res;
	struct sbx_progress p;
	const char **labels = calloc((size_t)argc, sizeof *labels);
	char b1[32], b2[32];
	int opt, r;

	memset(&o, 0, sizeof o);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "l:m:", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			labels[o.nlabels++] = optarg;
			break;
		case 'm':
			o.message = optarg;
			break;
		case 'n':
			o.no_cache = 1;
			break;
		default:
			free(labels);
			return cli_bad_usage(c);
		}
	}
	if (optind != argc - 1) {
		free(labels);
		return cli_bad_usage(c);
	}
	o.labels = labels;
	cli_progress_init(c, &p);
	o.progress = &p;
	r = sbx_snapshot_capture(c->store, argv[optind], &o, &res, &c->err);
	cli_progress_done(&p);
	free(labels);
	if (res.warnings.len) {
		char *line, *save = NULL;

		for (line = strtok_r(res.warnings.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			cli_warn(c, "%s", line);
	}
	sbx_buf_release(&res.warnings);
	if (r)
		return r;
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "id", json_string(res.id));
		json_object_set_new(j, "files", json_integer((json_int_t)res.files));
		json_object_set_new(j, "dirs", json_integer((json_int_t)res.dirs));
		json_object_set_new(j, "symlinks", json_integer((json_int_t)res.symlinks));
		json_object_set_new(j, "bytes", json_integer((json_int_t)res.bytes));
		json_object_set_new(j, "cached_files", json_integer((json_int_t)res.cached_files));
		json_object_set_new(j, "new_chunks", json_integer((json_int_t)res.new_chunks));
		json_object_set_new(j, "new_bytes", json_integer((json_int_t)res.new_bytes));
		json_object_set_new(j, "existed", json_boolean(res.existed));
		cli_json_out(c, j);
		return 0;
	}
	printf("%s\n", res.id);
	cli_note(c, "captured %llu files, %llu directories, %llu symlinks (%s); %llu files unchanged "
		 "since the last capture; stored %llu new chunks (%s)%s",
		 (unsigned long long)res.files, (unsigned long long)res.dirs,
		 (unsigned long long)res.symlinks, cli_bytes(res.bytes, b1),
		 (unsigned long long)res.cached_files, (unsigned long long)res.new_chunks,
		 cli_bytes(res.new_bytes, b2), res.existed ? "; the store already held this snapshot" : "");
	return 0;
}

static int snap_list(struct cli *c, int argc, char **argv)
{
	char **recs;
	size_t n, i;
	json_t *arr = json_array();
	int r;

	if (argc > 1) {
		json_decref(arr);
		return cli_usage(c, "'sbx snapshot list' takes no argument '%s'", argv[1]);
	}
	r = sbx_snapshot_list(c->store, &recs, &n, &c->err);
	if (r) {
		json_decref(arr);
		return r;
	}
	if (!c->json && n)
		printf("%-12s  %-20s  %8s  %10s  %s\n", "ID", "TIME", "FILES", "SIZE", "MESSAGE");
	for (i = 0; i < n; i++) {
		json_t *o = json_loads(recs[i], 0, NULL);
		char b[32];

		if (o && c->json) {
			json_array_append(arr, o);
		} else if (o) {
			const char *msg = json_string_value(json_object_get(o, "message"));

			printf("%.12s  %-20s  %8lld  %10s  %s\n",
			       json_string_value(json_object_get(o, "id")),
			       json_string_value(json_object_get(o, "time")),
			       (long long)json_integer_value(json_object_get(o, "files")),
			       cli_bytes((uint64_t)json_integer_value(json_object_get(o, "bytes")), b),
			       msg ? msg : "");
		}
		json_decref(o);
		free(recs[i]);
	}
	free(recs);
	cli_json_out(c, c->json ? arr : NULL);
	if (!c->json)
		json_decref(arr);
	return 0;
}

static int snap_show(struct cli *c, int argc, char **argv)
{
	char id[65], *rec;
	json_t *o;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = resolve(c, argv[1], id);
	if (!r)
		r = sbx_snapshot_record(c->store, id, &rec, &c->err);
	if (r)
		return r;
	o = json_loads(rec, 0, NULL);
	free(rec);
	if (c->json) {
		cli_json_out(c, o);
	} else {
		const char *k;
		json_t *v;

		json_object_foreach(o, k, v) {
			char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			printf("%-10s %s\n", k, s ? s : json_string_value(v));
			free(s);
		}
		json_decref(o);
	}
	return 0;
}

struct lsctx {
	struct cli *c;
	json_t *arr;
};

static int ls_one(const struct sbx_ls_entry *e, void *ctx)
{
	struct lsctx *l = ctx;
	time_t t = (time_t)(e->mtime_ns / 1000000000);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (l->c->json) {
		json_t *o = json_object();
		char type[2] = { e->type, 0 };

		json_object_set_new(o, "name", json_string(e->name));
		json_object_set_new(o, "type", json_string(type));
		json_object_set_new(o, "mode", json_integer(e->mode));
		json_object_set_new(o, "size", json_integer((json_int_t)e->size));
		json_object_set_new(o, "mtime", json_string(when));
		json_object_set_new(o, "mtime_ns", json_integer(e->mtime_ns));
		if (e->target)
			json_object_set_new(o, "target", json_string(e->target));
		json_array_append_new(l->arr, o);
	} else {
		printf("%c%04o %12llu %s %s%s%s\n", e->type == 'f' ? '-' : e->type, e->mode,
		       (unsigned long long)e->size, when, e->name, e->target ? " -> " : "",
		       e->target ? e->target : "");
	}
	return 0;
}

static int snap_ls(struct cli *c, int argc, char **argv)
{
	struct lsctx l = { c, json_array() };
	char id[65];
	int r;

	if (argc < 2 || argc > 3) {
		json_decref(l.arr);
		return cli_bad_usage(c);
	}
	r = resolve(c, argv[1], id);
	if (!r)
		r = sbx_snapshot_ls(c->store, id, argc == 3 ? argv[2] : "", ls_one, &l, &c->err);
	if (!r && c->json)
		cli_json_out(c, json_incref(l.arr));
	json_decref(l.arr);
	return r;
}

static int snap_cat(struct cli *c, int argc, char **argv)
{
	char id[65];
	int r;

	if (argc != 3)
		return cli_bad_usage(c);
	r = resolve(c, argv[1], id);
	if (!r)
		r = sbx_snapshot_cat(c->store, id, argv[2], 1, &c->err);
	return r;
}

static int snap_restore(struct cli *c, int argc, char **argv)
{
	struct sbx_progress p;
	char id[65];
	int r;

	if (argc != 3)
		return cli_bad_usage(c);
	r = resolve(c, argv[1], id);
	if (r)
		return r;
	cli_progress_init(c, &p);
	r = sbx_snapshot_restore(c->store, id, argv[2], &p, &c->err);
	cli_progress_done(&p);
	if (!r && c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "dir", json_string(argv[2]));
		cli_json_out(c, o);
	} else if (!r) {
		cli_note(c, "restored %.12s into %s", id, argv[2]);
	}
	return r;
}

static int snap_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ 0, 0, 0, 0 },
	};
	const char *format = NULL;
	struct sbx_progress p;
	char id[65];
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (opt == 'f')
			format = optarg;
		else
			return cli_bad_usage(c);
	}
	if (optind != argc - 2)
		return cli_bad_usage(c);
	if (!strcmp(argv[optind + 1], "-") && isatty(1))
		return cli_usage(c, "refusing to write an archive to a terminal; redirect stdout");
	if (!strcmp(argv[optind + 1], "-") && c->json)
		return cli_usage(c, "--json cannot be used when the archive goes to stdout");
	r = resolve(c, argv[optind], id);
	if (r)
		return r;
	cli_progress_init(c, &p);
	r = sbx_snapshot_export(c->store, id, argv[optind + 1], format, &p, &c->err);
	cli_progress_done(&p);
	if (!r && c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "file", json_string(argv[optind + 1]));
		cli_json_out(c, o);
	}
	return r;
}

static int snap_rm(struct cli *c, int argc, char **argv)
{
	char id[65];
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = resolve(c, argv[1], id);
	if (!r)
		r = sbx_snapshot_rm(c->store, id, &c->err);
	if (!r && c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "removed", json_string(id));
		cli_json_out(c, o);
	} else if (!r) {
		cli_note(c, "removed snapshot %s; run 'sbx gc' to free its space", id);
	}
	return r;
}

/* Sorted by name. */
const struct cli_cmd snapshot_cmds[] = {
	{ "capture", "sbx snapshot capture SOURCE [--label K=V]... [--message TEXT] [--no-cache]",
	  "capture a directory, an archive file or - (an archive on stdin); prints the id",
	  CLI_STORE | CLI_WRITE, snap_capture, NULL },
	{ "cat", "sbx snapshot cat ID PATH", "write a file of a snapshot to stdout",
	  CLI_STORE | CLI_PACKS, snap_cat, NULL },
	{ "export", "sbx snapshot export ID FILE|- [--format tar|tar.zst|tar.gz|zip]",
	  "write a snapshot as an archive", CLI_STORE | CLI_PACKS, snap_export, NULL },
	{ "list", "sbx snapshot list", "list snapshots, oldest first", CLI_STORE, snap_list, NULL },
	{ "ls", "sbx snapshot ls ID [PATH]", "list a directory of a snapshot", CLI_STORE, snap_ls, NULL },
	{ "restore", "sbx snapshot restore ID DIR",
	  "write a snapshot's exact tree into a new or empty directory",
	  CLI_STORE | CLI_PACKS, snap_restore, NULL },
	{ "rm", "sbx snapshot rm ID", "delete a snapshot (gc frees its data)",
	  CLI_STORE | CLI_WRITE, snap_rm, NULL },
	{ "show", "sbx snapshot show ID", "show a snapshot's record", CLI_STORE, snap_show, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};
