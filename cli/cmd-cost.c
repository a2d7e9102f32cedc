/* sbx cost: the cost report as a table, JSON, CSV or an HTML page.  The
 * library computes the report (sbx_cost_report); this file only renders
 * the document it returns, so that every format shows the same numbers. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/buf.h"
#include "sbx/clock.h"
#include "sbx/cost.h"
#include "sbx/sandbox.h"

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* An amount cell: "-" when unrated (null). */
static const char *amount(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* ---- table ---- */

#define NCOL 9

static void table_row(json_t *row, const char *key, const char *cells[NCOL])
{
	cells[0] = key;
	cells[1] = json_is_string(json_object_get(row, "currency")) ? str(row, "currency") : "-";
	cells[2] = str(row, "active_hours");
	cells[3] = amount(row, "active");
	cells[4] = str(row, "gb_months");
	cells[5] = amount(row, "storage");
	cells[6] = amount(row, "total");
	cells[7] = str(row, "savings_hours");
	cells[8] = amount(row, "savings");
}

static void table_line(struct sbx_buf *b, const char *cells[NCOL], const size_t w[NCOL])
{
	int i;

	for (i = 0; i < NCOL; i++) {
		/* Text columns to the left, numbers to the right. */
		if (i < 2)
			sbx_buf_addf(b, "%-*s", (int)w[i], cells[i]);
		else
			sbx_buf_addf(b, "%*s", (int)w[i], cells[i]);
		sbx_buf_adds(b, i + 1 < NCOL ? "  " : "\n");
	}
}

static void render_table(struct sbx_buf *b, json_t *doc)
{
	json_t *groups = json_object_get(doc, "groups"), *totals = json_object_get(doc, "totals");
	json_t *period = json_object_get(doc, "period"), *row;
	const char *by = str(doc, "by");
	const char *head[NCOL] = { NULL, "CURRENCY", "ACTIVE H", "ACTIVE", "GB-MONTHS", "STORAGE",
				   "TOTAL", "SAVED H", "SAVINGS" };
	const char *cells[NCOL];
	char upper[32];
	size_t w[NCOL], i, k;
	int c;

	for (k = 0; k < sizeof upper - 1 && by[k]; k++)
		upper[k] = (char)(by[k] >= 'a' && by[k] <= 'z' ? by[k] - 'a' + 'A' : by[k]);
	upper[k] = '\0';
	head[0] = upper;
	sbx_buf_addf(b, "cost from %s to %s by %s\n\n", str(period, "from"), str(period, "to"), by);
	if (!json_array_size(groups)) {
		sbx_buf_adds(b, "nothing was active or stored in this period\n");
		return;
	}
	for (c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	json_array_foreach(groups, i, row) {
		table_row(row, str(row, "key"), cells);
		for (c = 0; c < NCOL; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	json_array_foreach(totals, i, row) {
		table_row(row, "total", cells);
		for (c = 0; c < NCOL; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	table_line(b, head, w);
	json_array_foreach(groups, i, row) {
		table_row(row, str(row, "key"), cells);
		table_line(b, cells, w);
	}
	json_array_foreach(totals, i, row) {
		table_row(row, "total", cells);
		table_line(b, cells, w);
	}
	json_array_foreach(json_object_get(doc, "forecast"), i, row) {
		if (!i)
			sbx_buf_addc(b, '\n');
		sbx_buf_addf(b, "forecast for %s: %s %s (%s month to date + %s a day, the average of "
			     "the last 7 days, x %s days left)\n", str(row, "month"), str(row, "currency"),
			     str(row, "forecast"), str(row, "month_to_date"), str(row, "daily_average"),
			     str(row, "days_left"));
	}
}

/* ---- csv (RFC 4180) ---- */

static void csv_field(struct sbx_buf *b, const char *s, int last)
{
	/* A spreadsheet runs a cell that starts with one of these as a
	 * formula: an owner name is no place for one. */
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
		      s[0] == '\r';
	const char *p;

	if (formula || strpbrk(s, ",\"\r\n")) {
		sbx_buf_addc(b, '"');
		if (formula)
			sbx_buf_addc(b, '\'');
		for (p = s; *p; p++) {
			if (*p == '"')
				sbx_buf_addc(b, '"');
			sbx_buf_addc(b, *p);
		}
		sbx_buf_addc(b, '"');
	} else {
		sbx_buf_adds(b, s);
	}
	sbx_buf_adds(b, last ? "\r\n" : ",");
}

static void csv_row(struct sbx_buf *b, const char *kind, const char *key, json_t *row)
{
	static const char *const cols[] = { "active_hours", "active", "gb_months", "storage", "total",
					    "savings_hours", "savings", NULL };
	char n[32];
	size_t i;

	csv_field(b, kind, 0);
	csv_field(b, key, 0);
	csv_field(b, str(row, "currency"), 0);
	snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(row, "sandboxes")));
	csv_field(b, n, 0);
	for (i = 0; cols[i]; i++)
		csv_field(b, str(row, cols[i]), !cols[i + 1]);
}

static void render_csv(struct sbx_buf *b, json_t *doc)
{
	json_t *row;
	size_t i;

	sbx_buf_adds(b, "row,");
	csv_field(b, str(doc, "by"), 0);
	sbx_buf_adds(b, "currency,sandboxes,active_hours,active,gb_months,storage,total,"
		     "savings_hours,savings\r\n");
	json_array_foreach(json_object_get(doc, "groups"), i, row)
		csv_row(b, "group", str(row, "key"), row);
	json_array_foreach(json_object_get(doc, "totals"), i, row)
		csv_row(b, "total", "", row);
}

/* ---- the command ---- */

static int write_out(struct cli *c, const char *path, const struct sbx_buf *b)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int bad;

	if (!f)
		return sbx_err_sys(&c->err, SBX_EIO, "cannot write '%s'", path);
	bad = b->len && fwrite(b->data, 1, b->len, f) != b->len;
	if (path)
		bad |= fclose(f) != 0;
	else
		bad |= fflush(f) != 0;
	if (bad)
		return sbx_err_sys(&c->err, SBX_EIO, "cannot write '%s'", path ? path : "standard output");
	if (path)
		cli_note(c, "wrote %s", path);
	return 0;
}

int cmd_cost(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ 0, 0, 0, 0 },
	};
	static const char time_help[] = "ISO-8601 such as 2027-01-04T09:00:00Z, a date such as "
					"2027-01-04, or a duration ago such as 7d";
	const char *from = NULL, *to = NULL, *by = "purpose", *format = NULL, *out = NULL;
	struct sbx_config *cfg = NULL;
	struct sbx_cost_query q;
	struct sbx_buf b = SBX_BUF_INIT;
	json_t *doc = NULL;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'b': by = optarg; break;
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_bad_usage(c);
		}
	}
	if (optind != argc)
		return cli_bad_usage(c);
	memset(&q, 0, sizeof q);
	q.now_ns = sbx_clock_ns();
	if (sbx_cost_by_parse(by, &q.by))
		return cli_usage(c, "--by '%s': one of sandbox, purpose, owner, provider", by);
	if (c->json && format && strcmp(format, "json"))
		return cli_usage(c, "--json and --format %s: choose one", format);
	if (c->json)
		format = "json";
	if (!format)
		format = "table";
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv") &&
	    strcmp(format, "html"))
		return cli_usage(c, "--format '%s': one of table, json, csv, html", format);
	q.to_ns = q.now_ns;
	if (to && sbx_cost_parse_time(to, q.now_ns, &q.to_ns))
		return cli_usage(c, "--to '%s' is not a time (%s)", to, time_help);
	if (from) {
		if (sbx_cost_parse_time(from, q.now_ns, &q.from_ns))
			return cli_usage(c, "--from '%s' is not a time (%s)", from, time_help);
	} else {
		/* The month so far (nothing is billed after now); on its very
		 * first instant, the month before. */
		int64_t end = q.to_ns < q.now_ns ? q.to_ns : q.now_ns;

		q.from_ns = sbx_cost_month_start(end);
		if (q.from_ns >= end)
			q.from_ns = sbx_cost_month_start(q.from_ns - 1);
	}
	r = sbx_config_load(c->store_path, c->config_path, &cfg, &c->err);
	if (!r)
		r = sbx_cost_report(c->store, cfg, &q, &doc, &c->err);
	if (r)
		goto out;
	if (json_integer_value(json_object_get(doc, "skipped")))
		cli_warn(c, "%lld journal entries could not be read and were left out",
			 (long long)json_integer_value(json_object_get(doc, "skipped")));
	if (!strcmp(format, "json")) {
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);

		sbx_buf_adds(&b, s);
		sbx_buf_addc(&b, '\n');
		free(s);
	} else if (!strcmp(format, "csv")) {
		render_csv(&b, doc);
	} else if (!strcmp(format, "html")) {
		cli_cost_html(&b, doc);
	} else {
		render_table(&b, doc);
	}
	r = write_out(c, out, &b);
out:
	sbx_buf_release(&b);
	json_decref(doc);
	sbx_config_free(cfg);
	return r;
}
