/* The sbx command line.
 *
 * Adding a command (git's "adding a built-in"):
 *   1. write `int cmd_NAME(struct cli *c, int argc, char **argv)` in the
 *      cli/cmd-FAMILY.c file of its family (a new family gets a new file,
 *      listed in cli/local.mk);
 *   2. add one row to the sorted table in cli/sbx.c with its usage line, a
 *      one-line summary and its flags (CLI_STORE opens the store, CLI_WRITE
 *      takes the writer lock, CLI_PACKS/CLI_GC the pack lock);
 *   3. document it in doc/sbx.1 and in its `help` text (the usage line);
 *   4. add an e2e test in tests/e2e/.
 * Command functions return 0 or a negative SBX_E* code with c->err filled;
 * sbx.c prints the error and maps it to the exit status.  A command that
 * succeeds with something to signal (differences found: `diff --exit-code`,
 * `drift`) sets c->status instead of failing.  Only cli/ prints. */
#ifndef SBX_CLI_H
#define SBX_CLI_H

#include <jansson.h>

#include "sbx/err.h"
#include "sbx/snapshot.h"
#include "sbx/store.h"

enum {
	CLI_STORE = 1 << 0,  /* open the store before running */
	CLI_WRITE = 1 << 1,  /* ... holding the writer lock */
	CLI_PACKS = 1 << 2,  /* ... holding the pack lock shared (reads packs) */
	CLI_GC = 1 << 3,     /* ... holding the pack lock exclusive (deletes packs) */
	CLI_WAITS = 1 << 4,  /* ... waiting for the locks even without --wait (short work
			      * that must not be lost, such as a touch during a tick) */
};

struct cli {
	const char *store_path;
	const char *config_path;
	int json;
	int verbose;         /* -1 quiet, 0 normal, >0 verbose */
	int wait;
	int json_done;       /* the command printed its JSON document (even on failure) */
	struct sbx_store *store;
	struct sbx_err err;
	const char *command; /* "snapshot capture" */
	const struct cli_cmd *cmd;
	int status;          /* exit status of a command that returned 0 (default 0) */
};

struct cli_cmd {
	const char *name;
	const char *usage;
	const char *summary;
	unsigned flags;
	int (*run)(struct cli *c, int argc, char **argv);
	const struct cli_cmd *sub;   /* subcommand table, NULL-terminated */
};

/* Sets C->err for a usage error and returns SBX_EUSAGE. */
int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets C->err to the running command's usage line and returns SBX_EUSAGE. */
int cli_bad_usage(struct cli *c);

/* Opens the store for a command that needs it with FLAGS (CLI_*). */
int cli_open_store(struct cli *c, unsigned flags);

/* Prints DOC as the command's JSON output (with --json) and releases it. */
void cli_json_out(struct cli *c, json_t *doc);

/* Prints a note on stderr unless -q. */
void cli_note(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A progress reporter drawing a bar on stderr when it is a terminal and -q
 * is not given; otherwise P->fn is NULL. */
void cli_progress_init(struct cli *c, struct sbx_progress *p);
void cli_progress_done(struct sbx_progress *p);

/* Formats a byte count ("1.5 MiB") into OUT. */
const char *cli_bytes(uint64_t n, char out[32]);

/* Parses a global option at ARGV[*I] (--store, --json, -q, -v, --wait,
 * --config), advancing *I past its value: 1 when taken, 0 when not one,
 * negative on error. */
int cli_global_opt(struct cli *c, int argc, char **argv, int *i);

/* Renders the cost report DOC (sbx_cost_report's) as one self-contained
 * HTML page onto B (cli/cost-html.c). */
struct sbx_buf;
void cli_cost_html(struct sbx_buf *b, json_t *doc);

/* Command families. */
int cmd_cost(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_gc(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_tick(struct cli *c, int argc, char **argv);
extern const struct cli_cmd snapshot_cmds[];
extern const struct cli_cmd master_cmds[];
extern const struct cli_cmd policy_cmds[];
extern const struct cli_cmd config_cmds[];
extern const struct cli_cmd sandbox_cmds[];
int cmd_diff(struct cli *c, int argc, char **argv);
int cmd_drift(struct cli *c, int argc, char **argv);

/* sbx promote (cli/cmd-promote.c). */
int cmd_promote(struct cli *c, int argc, char **argv);

#endif
