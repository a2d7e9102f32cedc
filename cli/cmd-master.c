/* sbx master refresh|list|show|history|report|verify, sbx policy check|test. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/master.h"

/* Prints a hardening report as a table. */
static void print_report(json_t *rep)
{
	json_t *rules = json_object_get(rep, "rules"), *l;
	size_t i;

	if (json_array_size(rules))
		printf("%-10s %-28s %8s %7s\n", "ACTION", "RULE", "VALUES", "FILES");
	json_array_foreach(rules, i, l) {
		const char *action = json_string_value(json_object_get(l, "action"));
		char values[32] = "-";

		/* For exclusions the files are the count. */
		if (strcmp(action, "excluded"))
			snprintf(values, sizeof values, "%lld",
				 (long long)json_integer_value(json_object_get(l, "count")));
		printf("%-10s %-28s %8s %7lld\n", action, json_string_value(json_object_get(l, "rule")),
		       values, (long long)json_integer_value(json_object_get(l, "files")));
	}
	printf("kept %lld files; excluded %lld; redacted %lld values; masked %lld; rewritten %lld; set %lld\n",
	       (long long)json_integer_value(json_object_get(rep, "files_kept")),
	       (long long)json_integer_value(json_object_get(rep, "files_excluded")),
	       (long long)json_integer_value(json_object_get(rep, "values_redacted")),
	       (long long)json_integer_value(json_object_get(rep, "values_masked")),
	       (long long)json_integer_value(json_object_get(rep, "values_rewritten")),
	       (long long)json_integer_value(json_object_get(rep, "values_set")));
}

static int m_refresh(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, 'p' },
		{ "message", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_refresh_opts o;
	struct sbx_refresh_result res;
	struct sbx_progress p;
	const char *from = NULL, *policy = NULL;
	char *end;
	int opt, r;

	memset(&o, 0, sizeof o);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': from = optarg; break;
		case 'p': policy = optarg; break;
		case 'm': o.message = optarg; break;
		case 'k':
			o.keep = (int)strtol(optarg, &end, 10);
			if (*end || o.keep < 1)
				return cli_usage(c, "--keep needs a number of versions of at least 1");
			break;
		default:
			return cli_bad_usage(c);
		}
	}
	if (optind != argc - 1 || !from || !policy)
		return cli_bad_usage(c);
	cli_progress_init(c, &p);
	o.progress = &p;
	r = sbx_master_refresh(c->store, argv[optind], from, policy, &o, &res, &c->err);
	cli_progress_done(&p);
	if (r)
		return r;
	if (c->json) {
		json_t *j = json_pack("{s:s,s:i,s:s,s:O,s:O}", "master", argv[optind], "version",
				      res.version, "snapshot", res.id, "report", res.report, "dropped",
				      res.dropped);
		cli_json_out(c, j);
	} else {
		size_t i;
		json_t *d;

		printf("%s@%d %s\n", argv[optind], res.version, res.id);
		print_report(res.report);
		json_array_foreach(res.dropped, i, d)
			cli_note(c, "retention: dropped %s@%lld", argv[optind],
				 (long long)json_integer_value(json_object_get(d, "version")));
	}
	json_decref(res.report);
	json_decref(res.dropped);
	return 0;
}

static int m_list(struct cli *c, int argc, char **argv)
{
	json_t *arr, *m;
	size_t i;
	int r;

	if (argc != 1)
		return cli_usage(c, "'sbx master list' takes no argument '%s'", argv[1]);
	r = sbx_master_list(c->store, &arr, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, arr);
		return 0;
	}
	if (json_array_size(arr))
		printf("%-24s %8s  %-8s %-20s %s\n", "MASTER", "VERSIONS", "LATEST", "TIME", "SNAPSHOT");
	json_array_foreach(arr, i, m) {
		json_t *l = json_object_get(m, "latest");

		printf("%-24s %8lld  %-8lld %-20s %.12s\n", json_string_value(json_object_get(m, "name")),
		       (long long)json_integer_value(json_object_get(m, "versions")),
		       (long long)json_integer_value(json_object_get(l, "version")),
		       json_string_value(json_object_get(l, "time")),
		       json_string_value(json_object_get(l, "snapshot")));
	}
	json_decref(arr);
	return 0;
}

static void print_version(json_t *v)
{
	const char *msg = json_string_value(json_object_get(v, "message"));
	json_t *rep = json_object_get(v, "report");

	printf("%-6lld %-20s %.12s  kept %lld, excluded %lld, redacted %lld, masked %lld  %s\n",
	       (long long)json_integer_value(json_object_get(v, "version")),
	       json_string_value(json_object_get(v, "time")),
	       json_string_value(json_object_get(v, "snapshot")),
	       (long long)json_integer_value(json_object_get(rep, "files_kept")),
	       (long long)json_integer_value(json_object_get(rep, "files_excluded")),
	       (long long)json_integer_value(json_object_get(rep, "values_redacted")),
	       (long long)json_integer_value(json_object_get(rep, "values_masked")), msg ? msg : "");
}

static int m_show(struct cli *c, int argc, char **argv)
{
	json_t *o;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = sbx_master_show(c->store, argv[1], &o, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, o);
		return 0;
	}
	if (strchr(argv[1], '@')) {
		printf("version   %lld\nsnapshot  %s\ntime      %s\nsource    %s\npolicy    %s (sha256 %s)\n",
		       (long long)json_integer_value(json_object_get(o, "version")),
		       json_string_value(json_object_get(o, "snapshot")),
		       json_string_value(json_object_get(o, "time")),
		       json_string_value(json_object_get(o, "source")),
		       json_string_value(json_object_get(o, "policy")),
		       json_string_value(json_object_get(o, "policy_digest")));
		if (json_object_get(o, "message"))
			printf("message   %s\n", json_string_value(json_object_get(o, "message")));
	} else {
		json_t *vs = json_object_get(o, "versions");

		printf("master    %s\ncreated   %s\nkeep      %lld versions\nversions  %zu\nlatest    ",
		       json_string_value(json_object_get(o, "name")),
		       json_string_value(json_object_get(o, "created")),
		       (long long)json_integer_value(json_object_get(o, "keep")), json_array_size(vs));
		print_version(json_array_get(vs, json_array_size(vs) - 1));
	}
	json_decref(o);
	return 0;
}

static int m_history(struct cli *c, int argc, char **argv)
{
	json_t *o, *v;
	size_t i;
	int r;

	if (argc != 2 || strchr(argv[1], '@'))
		return cli_bad_usage(c);
	r = sbx_master_show(c->store, argv[1], &o, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, json_incref(json_object_get(o, "versions")));
	} else {
		printf("%-6s %-20s %-12s  %s\n", "VER", "TIME", "SNAPSHOT", "REPORT / MESSAGE");
		json_array_foreach(json_object_get(o, "versions"), i, v)
			print_version(v);
	}
	json_decref(o);
	return 0;
}

static int m_report(struct cli *c, int argc, char **argv)
{
	json_t *v;
	char id[65];
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = sbx_master_version(c->store, argv[1], &v, id, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, json_incref(json_object_get(v, "report")));
	} else {
		printf("%s@%lld %s\n", strtok(argv[1], "@"),
		       (long long)json_integer_value(json_object_get(v, "version")), id);
		print_report(json_object_get(v, "report"));
	}
	json_decref(v);
	return 0;
}

static int m_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "policy", required_argument, NULL, 'p' }, { 0, 0, 0, 0 } };
	const char *policy = NULL;
	json_t *sum = NULL;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'p')
			return cli_bad_usage(c);
		policy = optarg;
	}
	if (optind != argc - 1)
		return cli_bad_usage(c);
	r = sbx_master_verify(c->store, argv[optind], policy, &sum, &c->err);
	if (!r && c->json)
		cli_json_out(c, json_incref(sum));
	else if (!r)
		printf("ok: %s@%lld passes the gate (%lld files; detectors and canaries of %s)\n",
		       json_string_value(json_object_get(sum, "master")),
		       (long long)json_integer_value(json_object_get(sum, "version")),
		       (long long)json_integer_value(json_object_get(sum, "files")),
		       json_string_value(json_object_get(sum, "policy")));
	json_decref(sum);
	return r;
}

/* Sorted by name. */
const struct cli_cmd master_cmds[] = {
	{ "history", "sbx master history NAME", "every kept version of a master with its report",
	  CLI_STORE, m_history, NULL },
	{ "list", "sbx master list", "list masters and their latest versions", CLI_STORE, m_list, NULL },
	{ "refresh", "sbx master refresh NAME --from SOURCE --policy FILE [--message TEXT] [--keep N]",
	  "harden SOURCE through a policy and store it as NAME's next version",
	  CLI_STORE | CLI_WRITE, m_refresh, NULL },
	{ "report", "sbx master report NAME[@VERSION]", "the hardening report of a version",
	  CLI_STORE, m_report, NULL },
	{ "show", "sbx master show NAME[@VERSION]", "a master, or one of its versions",
	  CLI_STORE, m_show, NULL },
	{ "verify", "sbx master verify NAME[@VERSION] [--policy FILE]",
	  "run the hardening gate (detectors and canaries) over a stored version",
	  CLI_STORE | CLI_PACKS, m_verify, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};

static int p_check(struct cli *c, int argc, char **argv)
{
	json_t *sum;
	int r;

	if (argc != 2)
		return cli_bad_usage(c);
	r = sbx_policy_check(argv[1], &sum, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, sum);
		return 0;
	}
	printf("ok: %s (version 1): %lld include, %lld exclude, %s redaction, on_secret %s, %lld mask, "
	       "%lld rewrite, %lld set rules%s, %lld canaries\n", argv[1],
	       (long long)json_integer_value(json_object_get(sum, "include")),
	       (long long)json_integer_value(json_object_get(sum, "exclude")),
	       json_is_true(json_object_get(sum, "builtin_redaction")) ? "built-in and own" : "own",
	       json_string_value(json_object_get(sum, "on_secret")),
	       (long long)json_integer_value(json_object_get(sum, "mask")),
	       (long long)json_integer_value(json_object_get(sum, "rewrite")),
	       (long long)json_integer_value(json_object_get(sum, "set")),
	       json_is_true(json_object_get(sum, "outbound_disabled")) ? " (outbound disabled)" : "",
	       (long long)json_integer_value(json_object_get(sum, "canaries")));
	json_decref(sum);
	return 0;
}

static int p_test(struct cli *c, int argc, char **argv)
{
	struct sbx_refresh_result res;
	int r;

	if (argc != 3)
		return cli_bad_usage(c);
	r = sbx_policy_test(argv[1], argv[2], &res, &c->err);
	if (r)
		return r;
	if (c->json) {
		cli_json_out(c, json_pack("{s:s,s:O,s:b}", "snapshot", res.id, "report", res.report,
					  "stored", 0));
	} else {
		printf("dry run: would store snapshot %s (nothing stored)\n", res.id);
		print_report(res.report);
	}
	json_decref(res.report);
	json_decref(res.dropped);
	return 0;
}

const struct cli_cmd policy_cmds[] = {
	{ "check", "sbx policy check FILE", "validate a hardening policy (errors give file:line:column)",
	  0, p_check, NULL },
	{ "test", "sbx policy test FILE SOURCE", "dry run of a policy on SOURCE: the report, nothing stored",
	  0, p_test, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};
