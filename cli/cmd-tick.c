/* sbx tick: the scheduler's run (cron or a systemd timer calls it). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/clock.h"
#include "sbx/sandbox.h"

int cmd_tick(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0, 0, 0, 0 },
	};
	struct sbx_config *cfg = NULL;
	json_t *actions = NULL, *a;
	int opt, dry = 0, r;
	char now[32];
	size_t i;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'n')
			return cli_bad_usage(c);
		dry = 1;
	}
	if (optind != argc)
		return cli_bad_usage(c);
	r = sbx_config_load(c->store_path, c->config_path, &cfg, &c->err);
	if (r)
		return r;
	sbx_time_iso(sbx_clock_ns(), now);
	r = sbx_tick(c->store, cfg, dry, &actions, &c->err);
	if (c->json) {
		json_t *doc = json_pack("{s:s,s:b,s:O}", "now", now, "dry_run", dry, "actions", actions);

		if (r)
			json_object_set_new(doc, "error", json_pack("{s:i,s:s}", "code", sbx_err_exit_status(r), "message",
								    c->err.msg));
		cli_json_out(c, doc);
	} else {
		json_array_foreach(actions, i, a) {
			const char *res = json_string_value(json_object_get(a, "result"));
			const char *msg = json_string_value(json_object_get(a, "message"));
			const char *exp = json_string_value(json_object_get(a, "exported"));

			printf("%s %s %s: %s%s%s%s%s%s%s\n", json_string_value(json_object_get(a, "sandbox")),
			       json_string_value(json_object_get(a, "action")),
			       json_string_value(json_object_get(a, "kind")) ?
			       json_string_value(json_object_get(a, "kind")) : "",
			       json_string_value(json_object_get(a, "reason")) ?
			       json_string_value(json_object_get(a, "reason")) : "",
			       exp ? " [exported to " : "", exp ? exp : "", exp ? "]" : "",
			       res && strcmp(res, "done") ? " [" : "", res && strcmp(res, "done") ? res : "",
			       res && strcmp(res, "done") ? "]" : "");
			if (msg)
				printf("    %s\n", msg);
		}
		if (!json_array_size(actions))
			cli_note(c, "nothing due at %s", now);
	}
	json_decref(actions);
	sbx_config_free(cfg);
	return r;
}
