/* sbx promote: a sandbox's own change merged onto production now, written
 * as a changeset archive; conflicts shown side by side (or as JSON) and no
 * file written. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/sandbox.h"

static int terminal_width(void)
{
	const char *cols = getenv("COLUMNS");
	long w = cols ? strtol(cols, NULL, 10) : 0;

	return w >= 40 && w <= 1000 ? (int)w : 160;
}

static void print_summary(const struct sbx_promote_result *res)
{
	json_t *doc = res->doc, *files = json_object_get(doc, "files"), *f;
	size_t i;

	json_array_foreach(files, i, f) {
		const char *action = json_string_value(json_object_get(f, "action"));
		const char *resolved = json_string_value(json_object_get(f, "resolved"));

		printf("%-8s %s%s%s%s\n", action, json_string_value(json_object_get(f, "path")),
		       json_is_true(json_object_get(f, "merged")) ? "  (merged)" : "",
		       resolved ? "  (resolved: " : "", resolved ? resolved : "");
		if (resolved)
			printf(")\n");
	}
	printf("changeset %s: %lld added, %lld modified, %lld deleted, %lld merged, %lld resolved%s\n",
	       json_string_value(json_object_get(doc, "file")),
	       (long long)json_integer_value(json_object_get(doc, "added")),
	       (long long)json_integer_value(json_object_get(doc, "modified")),
	       (long long)json_integer_value(json_object_get(doc, "deleted")),
	       (long long)json_integer_value(json_object_get(doc, "merged")),
	       (long long)json_integer_value(json_object_get(doc, "resolved")),
	       json_is_true(json_object_get(doc, "applied")) ? "; applied" : "");
}

int cmd_promote(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "onto", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'O' },
		{ "policy", required_argument, NULL, 'p' },
		{ "resolve", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "apply", no_argument, NULL, 'a' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_promote_opts o;
	struct sbx_promote_result res;
	struct sbx_config *cfg = NULL;
	struct sbx_progress p;
	const char **resolve = NULL;
	int opt, r, json = c->json;

	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o.source = optarg;
			break;
		case 'O':
			o.out = optarg;
			break;
		case 'p':
			o.policy = optarg;
			break;
		case 'r':
			resolve = realloc(resolve, (o.nresolve + 1) * sizeof *resolve);
			if (!resolve)
				abort();
			resolve[o.nresolve++] = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (strcmp(optarg, "side-by-side")) {
				free(resolve);
				return cli_usage(c, "--format is side-by-side or json, not '%s'", optarg);
			}
			break;
		case 'a':
			o.apply = 1;
			break;
		default:
			free(resolve);
			return cli_bad_usage(c);
		}
	}
	if (optind != argc - 1 || !o.source || !o.out) {
		free(resolve);
		return cli_bad_usage(c);
	}
	o.resolve = resolve;
	o.width = terminal_width();
	r = sbx_config_load(c->store_path, c->config_path, &cfg, &c->err);
	if (r)
		goto out;
	cli_progress_init(c, &p);
	o.progress = &p;
	r = sbx_sandbox_promote(c->store, cfg, argv[optind], &o, &res, &c->err);
	cli_progress_done(&p);
	if (res.conflicts) {
		if (json) {
			json_t *doc = json_pack("{s:s,s:s,s:b,s:O}", "sandbox", argv[optind], "source",
						o.source, "written", 0, "conflicts", res.conflicts);

			c->json = 1;
			cli_json_out(c, doc);
			c->json_done = 1;
		} else {
			fputs(res.side_by_side, stdout);
		}
	}
	if (r)
		goto out;
	if (json) {
		c->json = 1;
		cli_json_out(c, json_incref(res.doc));
	} else {
		print_summary(&res);
	}
out:
	sbx_promote_result_release(&res);
	sbx_config_free(cfg);
	free(resolve);
	return r;
}
