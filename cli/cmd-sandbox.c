/* sbx clone, activate, deactivate, destroy, touch, refresh, list, status,
 * history, recover; sbx config check. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/clock.h"
#include "sbx/sandbox.h"

static int config(struct cli *c, struct sbx_config **cfg)
{
	return sbx_config_load(c->store_path, c->config_path, cfg, &c->err);
}

static void print_record(struct cli *c, json_t *rec)
{
	const char *fail = json_string_value(json_object_get(rec, "failure"));

	if (c->json) {
		json_object_del(rec, "pins");
		cli_json_out(c, json_incref(rec));
		return;
	}
	printf("%s %s\n", json_string_value(json_object_get(rec, "name")),
	       json_string_value(json_object_get(rec, "state")));
	if (fail)
		printf("failure: %s\n", fail);
}

static int s_clone(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "purpose", required_argument, NULL, 'p' },
		{ "provider", required_argument, NULL, 'P' },
		{ "owner", required_argument, NULL, 'o' },
		{ "var", required_argument, NULL, 'v' },
		{ "label", required_argument, NULL, 'l' },
		{ "activate", no_argument, NULL, 'a' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_clone_opts o;
	struct sbx_config *cfg = NULL;
	const char **vars = calloc((size_t)argc, sizeof *vars), **labels = calloc((size_t)argc, sizeof *labels);
	json_t *rec = NULL;
	int opt, r;

	memset(&o, 0, sizeof o);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': o.purpose = optarg; break;
		case 'P': o.provider = optarg; break;
		case 'o': o.owner = optarg; break;
		case 'v': vars[o.nvars++] = optarg; break;
		case 'l': labels[o.nlabels++] = optarg; break;
		case 'a': o.activate = 1; break;
		default:
			r = cli_bad_usage(c);
			goto out;
		}
	}
	if (optind != argc - 2 || !o.purpose) {
		r = cli_bad_usage(c);
		goto out;
	}
	o.vars = vars;
	o.labels = labels;
	r = config(c, &cfg);
	if (!r)
		r = sbx_sandbox_clone(c->store, cfg, argv[optind], argv[optind + 1], &o, &rec, &c->err);
	if (!r)
		print_record(c, rec);
out:
	json_decref(rec);
	sbx_config_free(cfg);
	free(vars);
	free(labels);
	return r;
}

static int verb(struct cli *c, int argc, char **argv, const char *op)
{
	struct sbx_config *cfg = NULL;
	json_t *rec = NULL;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = config(c, &cfg);
	if (!r)
		r = sbx_sandbox_do(c->store, cfg, argv[1], op, &rec, &c->err);
	if (!r)
		print_record(c, rec);
	json_decref(rec);
	sbx_config_free(cfg);
	return r;
}

static int s_activate(struct cli *c, int argc, char **argv) { return verb(c, argc, argv, "activate"); }
static int s_deactivate(struct cli *c, int argc, char **argv) { return verb(c, argc, argv, "deactivate"); }
static int s_destroy(struct cli *c, int argc, char **argv) { return verb(c, argc, argv, "destroy"); }

static int s_touch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ 0, 0, 0, 0 },
	};
	const char *source = NULL;
	json_t *rec = NULL;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 's')
			return cli_bad_usage(c);
		source = optarg;
	}
	if (optind != argc - 1)
		return cli_bad_usage(c);
	r = sbx_sandbox_touch(c->store, argv[optind], source, &rec, &c->err);
	if (!r)
		print_record(c, rec);
	json_decref(rec);
	return r;
}

static int s_export(struct cli *c, int argc, char **argv)
{
	char *path = NULL;
	int r;

	if (argc != 2 && argc != 3)
		return cli_bad_usage(c);
	r = sbx_sandbox_export(c->store, argv[1], argc == 3 ? argv[2] : NULL, &path, &c->err);
	if (!r && c->json)
		cli_json_out(c, json_pack("{s:s,s:s}", "sandbox", argv[1], "file", path));
	else if (!r)
		printf("%s\n", path);
	free(path);
	return r;
}

static int s_keep(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ "release", no_argument, NULL, 'x' },
		{ 0, 0, 0, 0 },
	};
	const char *until = NULL, *reason = NULL;
	int64_t t = 0;
	json_t *rec = NULL;
	int opt, release = 0, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': until = optarg; break;
		case 'r': reason = optarg; break;
		case 'x': release = 1; break;
		default: return cli_bad_usage(c);
		}
	}
	if (optind != argc - 1 || !until == !release)
		return cli_bad_usage(c);
	if (until && sbx_parse_time(until, sbx_clock_ns(), &t))
		return cli_usage(c, "--until '%s' is not a time (ISO-8601, or a duration from now such "
				 "as 4h)", until);
	r = sbx_sandbox_keep(c->store, argv[optind], t, reason, &rec, &c->err);
	if (!r && c->json) {
		print_record(c, rec);
	} else if (!r) {
		json_t *k = json_object_get(rec, "keep");

		if (k)
			printf("%s kept until %s\n", argv[optind], json_string_value(json_object_get(k, "until")));
		else
			printf("%s released\n", argv[optind]);
	}
	json_decref(rec);
	return r;
}

static int s_refresh(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_config *cfg = NULL;
	const char *to = NULL;
	json_t *rec = NULL;
	int opt, force = 0, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 't')
			to = optarg;
		else if (opt == 'f')
			force = 1;
		else
			return cli_bad_usage(c);
	}
	if (optind != argc - 1)
		return cli_bad_usage(c);
	r = config(c, &cfg);
	if (!r)
		r = sbx_sandbox_refresh(c->store, cfg, argv[optind], to, force, &rec, &c->err);
	if (!r)
		print_record(c, rec);
	json_decref(rec);
	sbx_config_free(cfg);
	return r;
}

static int s_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "purpose", required_argument, NULL, 'p' },
		{ "owner", required_argument, NULL, 'o' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *purpose = NULL, *owner = NULL;
	json_t *arr, *rec;
	size_t i;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': state = optarg; break;
		case 'p': purpose = optarg; break;
		case 'o': owner = optarg; break;
		default: return cli_bad_usage(c);
		}
	}
	if (optind != argc)
		return cli_bad_usage(c);
	r = sbx_sandbox_list(c->store, state, purpose, owner, &arr, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, arr);
		return 0;
	}
	if (json_array_size(arr))
		printf("%-20s %-12s %-10s %-12s %-8s %s\n", "SANDBOX", "STATE", "PURPOSE", "OWNER",
		       "PROVIDER", "BASE");
	json_array_foreach(arr, i, rec) {
		json_t *b = json_object_get(rec, "base");
		char base[128];

		if (json_object_get(b, "master"))
			snprintf(base, sizeof base, "%s@%lld", json_string_value(json_object_get(b, "master")),
				 (long long)json_integer_value(json_object_get(b, "version")));
		else
			snprintf(base, sizeof base, "%s", json_string_value(json_object_get(b, "sandbox")));
		printf("%-20s %-12s %-10s %-12s %-8s %s\n", json_string_value(json_object_get(rec, "name")),
		       json_string_value(json_object_get(rec, "state")),
		       json_string_value(json_object_get(rec, "purpose")),
		       json_string_value(json_object_get(rec, "owner")),
		       json_string_value(json_object_get(rec, "provider")), base);
	}
	json_decref(arr);
	return 0;
}

static int s_status(struct cli *c, int argc, char **argv)
{
	struct sbx_config *cfg = NULL;
	json_t *st = NULL, *ps, *act;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = config(c, &cfg);
	if (!r)
		r = sbx_sandbox_status(c->store, cfg, argv[1], &st, &c->err);
	if (r)
		goto out;
	if (c->json) {
		cli_json_out(c, json_incref(st));
		goto out;
	}
	ps = json_object_get(st, "provider_status");
	act = json_object_get(st, "last_activity");
	printf("sandbox       %s\nstate         %s\npurpose       %s\nowner         %s\nprovider      %s "
	       "(reports %s)\nsnapshot      %.12s\n", argv[1],
	       json_string_value(json_object_get(st, "state")),
	       json_string_value(json_object_get(st, "purpose")),
	       json_string_value(json_object_get(st, "owner")),
	       json_string_value(json_object_get(st, "provider")),
	       json_string_value(json_object_get(ps, "state")),
	       json_string_value(json_object_get(st, "snapshot")));
	act = json_object_get(st, "activity");
	if (act)
		printf("last activity %s (%s)\n", json_string_value(json_object_get(act, "time")),
		       json_string_value(json_object_get(act, "source")));
	if (json_object_get(st, "keep"))
		printf("kept until    %s by %s%s%s\n",
		       json_string_value(json_object_get(json_object_get(st, "keep"), "until")),
		       json_string_value(json_object_get(json_object_get(st, "keep"), "by")),
		       json_object_get(json_object_get(st, "keep"), "reason") ? ": " : "",
		       json_object_get(json_object_get(st, "keep"), "reason") ?
		       json_string_value(json_object_get(json_object_get(st, "keep"), "reason")) : "");
	{
		json_t *due = json_object_get(st, "due"), *d;
		size_t i;

		json_array_foreach(due, i, d)
			printf("due now       %s: %s\n", json_string_value(json_object_get(d, "action")),
			       json_string_value(json_object_get(d, "reason")));
	}
	if (json_object_get(st, "next"))
		printf("next          %s at %s (%s)\n",
		       json_string_value(json_object_get(json_object_get(st, "next"), "action")),
		       json_string_value(json_object_get(json_object_get(st, "next"), "at")),
		       json_string_value(json_object_get(json_object_get(st, "next"), "reason")));
	if (json_is_true(json_object_get(st, "drift")))
		printf("drift         the record says %s, the provider says %s\n",
		       json_string_value(json_object_get(st, "state")),
		       json_string_value(json_object_get(ps, "state")));
out:
	json_decref(st);
	sbx_config_free(cfg);
	return r;
}

static int s_history(struct cli *c, int argc, char **argv)
{
	json_t *arr, *e;
	size_t i;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = sbx_sandbox_history(c->store, argv[1], &arr, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, arr);
		return 0;
	}
	printf("%-20s %-10s %-10s %-8s %-13s -> %-13s %-6s %s\n", "TIME", "ACTOR", "OP", "PHASE", "FROM",
	       "TO", "RESULT", "MESSAGE");
	json_array_foreach(arr, i, e) {
		const char *res = json_string_value(json_object_get(e, "result"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		const char *why = json_string_value(json_object_get(e, "reason"));

		printf("%-20s %-10s %-10s %-8s %-13s -> %-13s %-6s %s%s%s\n",
		       json_string_value(json_object_get(e, "time")),
		       json_string_value(json_object_get(e, "actor")),
		       json_string_value(json_object_get(e, "op")),
		       json_string_value(json_object_get(e, "phase")),
		       json_string_value(json_object_get(e, "from")) ?
		       json_string_value(json_object_get(e, "from")) : "",
		       json_string_value(json_object_get(e, "to")) ?
		       json_string_value(json_object_get(e, "to")) : "", res ? res : "", why ? why : "",
		       why && msg ? ": " : "", msg ? msg : "");
	}
	json_decref(arr);
	return 0;
}

static int s_recover(struct cli *c, int argc, char **argv)
{
	struct sbx_config *cfg = NULL;
	json_t *done = NULL, *d;
	size_t i;
	int r;

	if (argc > 2)
		return cli_bad_usage(c);
	r = config(c, &cfg);
	if (!r)
		r = sbx_sandbox_recover(c->store, cfg, argc == 2 ? argv[1] : NULL, &done, &c->err);
	if (!r && c->json) {
		cli_json_out(c, json_incref(done));
	} else if (!r) {
		json_array_foreach(done, i, d)
			printf("%s: %s %s, now %s\n", json_string_value(json_object_get(d, "sandbox")),
			       json_string_value(json_object_get(d, "op")),
			       json_string_value(json_object_get(d, "result")),
			       json_string_value(json_object_get(d, "state")));
		if (!json_array_size(done))
			cli_note(c, "nothing to recover");
	}
	json_decref(done);
	sbx_config_free(cfg);
	return r;
}

static int s_config_check(struct cli *c, int argc, char **argv)
{
	struct sbx_config *cfg = NULL;
	json_t *sum;
	int r;

	if (argc > 2)
		return cli_bad_usage(c);
	r = sbx_config_load(c->store_path, argc == 2 ? argv[1] : c->config_path, &cfg, &c->err);
	if (r)
		return r;
	sum = sbx_config_summary(cfg);
	if (c->json)
		cli_json_out(c, sum);
	else {
		printf("ok: %s: %zu providers, %zu purposes\n",
		       json_string_value(json_object_get(sum, "config")),
		       json_object_size(json_object_get(sum, "providers")),
		       json_object_size(json_object_get(sum, "purposes")));
		json_decref(sum);
	}
	sbx_config_free(cfg);
	return 0;
}

const struct cli_cmd config_cmds[] = {
	{ "check", "sbx config check [FILE]", "validate the configuration (errors give file:line:column)",
	  0, s_config_check, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};

const struct cli_cmd sandbox_cmds[] = {
	{ "activate", "sbx activate NAME", "make a sandbox active through its provider",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, s_activate, NULL },
	{ "clone", "sbx clone MASTER[@VERSION]|SANDBOX NAME --purpose P [--provider NAME] [--owner O] "
	  "[--var K=V]... [--label K=V]... [--activate]", "create a sandbox (metadata only)",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, s_clone, NULL },
	{ "deactivate", "sbx deactivate NAME", "capture a sandbox's changes and release it",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, s_deactivate, NULL },
	{ "destroy", "sbx destroy NAME", "release a sandbox and its own data; the journal stays",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, s_destroy, NULL },
	{ "export", "sbx export NAME [FILE]",
	  "write an inactive sandbox's content as an archive (default STORE/exports/NAME-TIME.tar.zst); "
	  "its changes count as exported", CLI_STORE | CLI_WRITE | CLI_PACKS, s_export, NULL },
	{ "history", "sbx history NAME", "the journal of a sandbox", CLI_STORE, s_history, NULL },
	{ "keep", "sbx keep NAME --until TIME [--reason TEXT] | --release",
	  "hold a sandbox: the scheduler leaves it alone until TIME", CLI_STORE | CLI_WRITE | CLI_WAITS,
	  s_keep, NULL },
	{ "list", "sbx list [--state S] [--purpose P] [--owner O]", "list sandboxes",
	  CLI_STORE, s_list, NULL },
	{ "recover", "sbx recover [NAME]", "finish or roll back interrupted transitions",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, s_recover, NULL },
	{ "refresh", "sbx refresh NAME [--to VERSION] [--force]",
	  "rebase an inactive sandbox onto a newer master version", CLI_STORE | CLI_WRITE, s_refresh, NULL },
	{ "status", "sbx status NAME", "a sandbox's record, its provider's view, and drift",
	  CLI_STORE | CLI_PACKS, s_status, NULL },
	{ "touch", "sbx touch NAME [--source TEXT]", "record activity on a sandbox",
	  CLI_STORE | CLI_WRITE | CLI_WAITS, s_touch, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};
