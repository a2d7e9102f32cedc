/* sbx: git-style dispatch over one sorted table of commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/clock.h"

static int cmd_help(struct cli *c, int argc, char **argv);
static int cmd_version(struct cli *c, int argc, char **argv);

/* Sorted by name. */
static const struct cli_cmd commands[] = {
	{ "config", "sbx config SUBCOMMAND ...", "check the configuration", 0, NULL, config_cmds },
	{ "cost", "sbx cost [--from T] [--to T] [--by sandbox|purpose|owner|provider] "
	  "[--format table|json|csv|html] [--out FILE]",
	  "the cost of sandboxes from the journal: active hours, storage, forecast, savings",
	  CLI_STORE, cmd_cost, NULL },
	{ "diff", "sbx diff A B [--unified[=N]|-U N|--side-by-side] [--exit-code]",
	  "what differs between two snapshots, master versions or sandboxes",
	  CLI_STORE | CLI_PACKS, cmd_diff, NULL },
	{ "drift", "sbx drift MASTER --from SOURCE [--policy FILE] [--unified[=N]|-U N|--side-by-side]",
	  "what production changed since a master's latest version (exit 4 when it did)",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, cmd_drift, NULL },
	{ "gc", "sbx gc", "drop chunks, trees and packs no snapshot references",
	  CLI_STORE | CLI_WRITE | CLI_GC, cmd_gc, NULL },
	{ "help", "sbx help [COMMAND [SUBCOMMAND]]", "show help for a command", 0, cmd_help, NULL },
	{ "init", "sbx init", "create the store (mode 0700); idempotent", 0, cmd_init, NULL },
	{ "master", "sbx master SUBCOMMAND ...", "hardened masters: refresh, list, show, history, report, verify",
	  0, NULL, master_cmds },
	{ "policy", "sbx policy SUBCOMMAND ...", "check and dry-run hardening policies", 0, NULL, policy_cmds },
	{ "promote", "sbx promote NAME --onto SOURCE --out FILE [--policy FILE] "
	  "[--resolve ours|theirs|PATH=SIDE]... [--format side-by-side|json] [--apply]",
	  "merge a sandbox's own change onto production now: a changeset archive, or conflicts "
	  "side by side (exit 4)", CLI_STORE | CLI_WRITE | CLI_PACKS, cmd_promote, NULL },
	{ "snapshot", "sbx snapshot SUBCOMMAND ...", "capture and read snapshots", 0, NULL, snapshot_cmds },
	{ "stats", "sbx stats", "snapshots, chunks, logical and stored bytes, dedup ratio",
	  CLI_STORE, cmd_stats, NULL },
	{ "tick", "sbx tick [--now TIME] [--dry-run] [--wait]",
	  "apply the lifecycle policies: deactivate idle, keep active hours, destroy expired, refresh, notify",
	  CLI_STORE | CLI_WRITE | CLI_PACKS, cmd_tick, NULL },
	{ "verify", "sbx verify [--full]", "check the index; --full re-reads and re-hashes every chunk",
	  CLI_STORE | CLI_PACKS, cmd_verify, NULL },
	{ "version", "sbx version", "print the version", 0, cmd_version, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};

static const char global_usage[] =
	"global options: --store DIR  --config FILE  --json  -q  -v  --wait  --now TIME";

static const struct cli_cmd *find(const struct cli_cmd *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* A top-level command: the table above, then the sandbox verbs. */
static const struct cli_cmd *find_top(const char *name)
{
	const struct cli_cmd *t = find(commands, name);

	return t ? t : find(sandbox_cmds, name);
}

static void list_commands(FILE *f, const struct cli_cmd *t, const char *prefix)
{
	for (; t->name; t++) {
		if (t->sub) {
			char p[64];

			snprintf(p, sizeof p, "%s%s ", prefix, t->name);
			list_commands(f, t->sub, p);
		} else {
			fprintf(f, "  %-28s %s\n", t->usage + 4, t->summary);
		}
	}
}

static void usage_all(FILE *f)
{
	fprintf(f, "usage: sbx [--store DIR] [--json] [-q|-v] [--wait] COMMAND [ARGS]\n\ncommands:\n");
	list_commands(f, commands, "");
	list_commands(f, sandbox_cmds, "");
	fprintf(f, "\n%s\nRun 'sbx help COMMAND' for one command, 'man sbx' for all.\n", global_usage);
}

static int cmd_help(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *t;
	int i;

	(void)c;
	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	t = find_top(argv[1]);
	for (i = 2; t && t->sub && i < argc; i++)
		t = find(t->sub, argv[i]);
	if (!t)
		return sbx_err_set(&c->err, SBX_ENOTFOUND, "no command '%s'", argv[argc - 1]);
	printf("usage: %s\n\n%s\n", t->usage, t->summary);
	if (t->sub) {
		printf("\nsubcommands:\n");
		list_commands(stdout, t->sub, "");
	}
	printf("\n%s\n", global_usage);
	return 0;
}

static int cmd_version(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
		cli_json_out(c, o);
	} else {
		printf("sbx %s\n", PACKAGE_VERSION);
	}
	return 0;
}

int cli_global_opt(struct cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot = NULL;
	size_t n;

	if (!strcmp(a, "--json"))
		return c->json = 1;
	if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		return c->verbose = -1, 1;
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		return c->verbose++, 1;
	if (!strcmp(a, "--wait"))
		return c->wait = 1;
	if (!strncmp(a, "--now", 5) && (a[5] == '=' || !a[5])) {
		const char *v = a[5] ? a + 6 : (*i + 1 < argc ? argv[++*i] : NULL);
		int64_t t;

		if (!v)
			return cli_usage(c, "--now needs a value");
		if (sbx_parse_time(v, sbx_clock_ns(), &t))
			return cli_usage(c, "--now '%s' is not a time (ISO-8601 such as "
					 "2026-11-23T09:00:00Z, or a duration from now such as 2h)", v);
		sbx_clock_set(t);
		return 1;
	}
	if (!strncmp(a, "--store", 7))
		slot = &c->store_path, n = 7;
	else if (!strncmp(a, "--config", 8))
		slot = &c->config_path, n = 8;
	else
		return 0;
	if (a[n] == '=') {
		*slot = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return cli_usage(c, "%s needs a value", a);
	*slot = argv[++*i];
	return 1;
}

int cli_open_store(struct cli *c, unsigned flags)
{
	unsigned f = 0;

	if (c->store)
		return 0;
	if (flags & CLI_WRITE)
		f |= SBX_STORE_WRITE;
	if (flags & CLI_PACKS)
		f |= SBX_STORE_PACKS;
	if (flags & CLI_GC)
		f |= SBX_STORE_GC;
	if (c->wait || (flags & CLI_WAITS))
		f |= SBX_STORE_WAIT;
	return sbx_store_open(c->store_path, f, c->command, &c->store, &c->err);
}

static int run(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *t = find_top(argv[0]);
	static char name[64];
	int r;

	if (!t)
		return cli_usage(c, "'%s' is not an sbx command; see 'sbx help'", argv[0]);
	snprintf(name, sizeof name, "%s", t->name);
	if (t->sub) {
		const struct cli_cmd *parent = t;

		if (argc < 2)
			return cli_usage(c, "'sbx %s' needs a subcommand; see 'sbx help %s'",
					 parent->name, parent->name);
		t = find(parent->sub, argv[1]);
		if (!t)
			return cli_usage(c, "'%s' is not a subcommand of 'sbx %s'; see 'sbx help %s'",
					 argv[1], parent->name, parent->name);
		snprintf(name, sizeof name, "%s %s", parent->name, t->name);
		argc--;
		argv++;
	}
	c->command = name;
	c->cmd = t;
	for (r = 1; r < argc; r++) {
		if (!strcmp(argv[r], "--"))
			break;
		if (!strcmp(argv[r], "-h") || !strcmp(argv[r], "--help")) {
			printf("usage: %s\n\n%s\n\n%s\n", t->usage, t->summary, global_usage);
			return 0;
		}
	}
	if (t->flags & CLI_STORE) {
		r = cli_open_store(c, t->flags);
		if (r)
			return r;
	}
	return t->run(c, argc, argv);
}

int main(int argc, char **argv)
{
	struct cli c;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, i, r, status;
	char *defstore = NULL;

	memset(&c, 0, sizeof c);
	if (!rest)
		return 1;
	/* Global options may stand anywhere before "--". */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				rest[nrest++] = argv[i++];
			break;
		}
		r = cli_global_opt(&c, argc, argv, &i);
		if (r < 0)
			goto done;
		if (r == 0)
			rest[nrest++] = argv[i];
	}
	if (!c.store_path)
		c.store_path = defstore = sbx_store_default_path();
	if (nrest == 0 || !strcmp(rest[0], "--help") || !strcmp(rest[0], "-h")) {
		usage_all(nrest ? stdout : stderr);
		r = nrest ? 0 : SBX_EUSAGE;
		if (r)
			sbx_err_set(&c.err, r, "no command given");
		goto done;
	}
	r = run(&c, nrest, rest);
done:
	status = r ? sbx_err_exit_status(r) : c.status;
	if (r) {
		if (!c.err.code)
			sbx_err_set(&c.err, r, "failed");
		fprintf(stderr, "sbx: error: %s\n", c.err.msg);
		/* One JSON document on stdout: a command that printed its own
		 * (a tick whose actions partly failed) keeps it. */
		if (c.json && !c.json_done) {
			json_t *o = json_pack("{s:{s:i,s:s}}", "error", "code", status, "message", c.err.msg);

			c.json = 1;
			cli_json_out(&c, o);
		}
	}
	sbx_store_close(c.store);
	free(defstore);
	free(rest);
	return status;
}
