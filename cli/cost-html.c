/* sbx cost --format html: one self-contained page that finance reads at a
 * glance.  The totals first, then per currency an inline SVG chart of the
 * daily cost stacked by purpose, then the tables.  No script, no external
 * resource; every string that came from the journal or the configuration
 * is escaped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sbx/buf.h"
#include "sbx/cost.h"

/* Colour-blind-safe categorical colours (Okabe and Ito), then some more. */
static const char *const palette[] = {
	"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
	"#7f7f7f", "#8c564b", "#17becf", "#bcbd22",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static void esc(struct sbx_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sbx_buf_adds(b, "&amp;"); break;
		case '<': sbx_buf_adds(b, "&lt;"); break;
		case '>': sbx_buf_adds(b, "&gt;"); break;
		case '"': sbx_buf_adds(b, "&quot;"); break;
		case '\'': sbx_buf_adds(b, "&#39;"); break;
		default: sbx_buf_addc(b, *s);
		}
	}
}

/* An amount with its thousands grouped ("1,369,273.24"), escaped. */
static void num(struct sbx_buf *b, const char *s)
{
	size_t n = strspn(s, "0123456789"), i;

	if (!n) {
		esc(b, s);
		return;
	}
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			sbx_buf_addc(b, ',');
		sbx_buf_addc(b, s[i]);
	}
	esc(b, s + n);
}

/* "2027-01-04T09:00:00Z" as "2027-01-04 09:00". */
static void when(struct sbx_buf *b, const char *iso)
{
	if (strlen(iso) == 20 && iso[10] == 'T' && !strcmp(iso + 16, ":00Z")) {
		sbx_buf_add(b, iso, 10);
		sbx_buf_addc(b, ' ');
		sbx_buf_add(b, iso + 11, 5);
	} else {
		esc(b, iso);
	}
}

/* "2027-01" as "January 2027". */
static void month(struct sbx_buf *b, const char *ym)
{
	static const char *const names[] = { "January", "February", "March", "April", "May", "June",
					     "July", "August", "September", "October", "November",
					     "December" };
	int m = strlen(ym) == 7 ? atoi(ym + 5) : 0;

	if (m < 1 || m > 12) {
		esc(b, ym);
		return;
	}
	sbx_buf_addf(b, "%s ", names[m - 1]);
	sbx_buf_add(b, ym, 4);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const char *amount(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "\xe2\x80\x94";  /* an em dash: no rate */
}

static const char style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;"
	"margin:2em auto;max-width:1040px;padding:0 1em}"
	"h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.8em 0 .5em}"
	".period{color:#555;margin:0 0 1.2em}"
	".cards{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}"
	".card{border:1px solid #d0d7de;border-radius:8px;padding:.7em 1.1em;min-width:13em}"
	".card .label{color:#555;font-size:.85em}.card .value{font-size:1.7em;font-weight:600}"
	".card .note{color:#555;font-size:.8em}"
	"table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}"
	"th,td{padding:.3em .8em;border-bottom:1px solid #e1e4e8}"
	"th{text-align:left;background:#f6f8fa}td.n,th.n{text-align:right}"
	"tfoot td{font-weight:600;border-top:2px solid #1b1f24}"
	"svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1b1f24}"
	".notes{color:#555;font-size:.85em}.notes dt{font-weight:600}";

/* A step of 1, 2 or 5 times a power of ten that cuts MAX into about 5. */
static uint64_t nice_step(uint64_t max)
{
	uint64_t raw = max / 5 ? max / 5 : 1, p = 1;

	while (p <= raw / 10)
		p *= 10;
	if (p >= raw)
		return p;
	if (2 * p >= raw)
		return 2 * p;
	if (5 * p >= raw)
		return 5 * p;
	return 10 * p;
}

/* The chart of currency CUR: one bar per day, one rect per purpose. */
static void chart(struct sbx_buf *b, json_t *doc, const char *cur, int exp)
{
	enum { W = 960, H = 380, L = 84, R = 180, T = 20, B = 64 };
	const double pw = W - L - R, ph = H - T - B;
	json_t *daily = json_object_get(doc, "daily"), *day, *v;
	const char **purposes = NULL, *k;
	size_t np = 0, ndays = 0, i, j, every;
	uint64_t max = 0, step, top, tick;
	double slot;
	char t[32];

	json_array_foreach(daily, i, day) {
		if (strcmp(str(day, "currency"), cur))
			continue;
		ndays++;
		if ((uint64_t)json_integer_value(json_object_get(day, "total_minor")) > max)
			max = (uint64_t)json_integer_value(json_object_get(day, "total_minor"));
		json_object_foreach(json_object_get(day, "purposes_minor"), k, v) {
			for (j = 0; j < np && strcmp(purposes[j], k); j++)
				;
			if (j == np) {
				purposes = sbx_xrealloc(purposes, (np + 1) * sizeof *purposes);
				purposes[np++] = k;
			}
		}
	}
	/* Keys come sorted from the report: a purpose keeps its colour and
	 * its place in the stack whatever the day. */
	for (i = 1; i < np; i++)
		for (j = i; j > 0 && strcmp(purposes[j - 1], purposes[j]) > 0; j--) {
			const char *x = purposes[j];

			purposes[j] = purposes[j - 1];
			purposes[j - 1] = x;
		}
	if (!ndays) {
		free(purposes);
		return;
	}
	step = nice_step(max ? max : 1);
	top = (max + step - 1) / step * step;
	if (!top)
		top = step;
	slot = pw / (double)ndays;
	sbx_buf_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		     "aria-label=\"daily cost per purpose in ", W, H, W, H);
	esc(b, cur);
	sbx_buf_adds(b, "\">\n<title>Daily cost per purpose (");
	esc(b, cur);
	sbx_buf_adds(b, ")</title>\n");
	/* The grid and the y axis, labelled in the currency. */
	for (tick = 0; tick <= top; tick += step) {
		double y = T + ph - (double)tick * ph / (double)top;

		sbx_money_format(tick, exp, t);
		sbx_buf_addf(b, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
			     "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", L, L + pw, y, y,
			     tick ? "#e1e4e8" : "#1b1f24", L - 8, y + 4);
		num(b, t);
		sbx_buf_adds(b, "</text>\n");
	}
	sbx_buf_addf(b, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">", T + ph / 2);
	esc(b, cur);
	sbx_buf_adds(b, " per day</text>\n");
	/* The bars, and a date under every few. */
	every = (ndays + 11) / 12;
	j = 0;
	json_array_foreach(daily, i, day) {
		json_t *pm = json_object_get(day, "purposes_minor");
		double x = L + (double)j * slot, y = T + ph;
		size_t p;

		if (strcmp(str(day, "currency"), cur))
			continue;
		for (p = 0; p < np; p++) {
			uint64_t a = (uint64_t)json_integer_value(json_object_get(pm, purposes[p]));
			double h = (double)a * ph / (double)top;

			if (!a)
				continue;
			y -= h;
			sbx_buf_addf(b, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
				     "fill=\"%s\"><title>", x + slot * 0.15, y, slot * 0.7, h,
				     palette[p % NPALETTE]);
			esc(b, str(day, "date"));
			sbx_buf_adds(b, " ");
			esc(b, purposes[p]);
			sbx_buf_adds(b, ": ");
			esc(b, str(json_object_get(day, "purposes"), purposes[p]));
			sbx_buf_adds(b, " ");
			esc(b, cur);
			sbx_buf_adds(b, "</title></rect>\n");
		}
		if (j % every == 0)
			sbx_buf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				     x + slot / 2, T + (int)ph + 18, str(day, "date") + 5);
		j++;
	}
	sbx_buf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">day (UTC, month-day)</text>\n",
		     L + pw / 2, H - 14);
	/* The legend. */
	for (i = 0; i < np; i++) {
		int y = T + 10 + (int)i * 22;

		sbx_buf_addf(b, "<rect class=\"swatch\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			     "<text x=\"%d\" y=\"%d\">", W - R + 20, y, palette[i % NPALETTE], W - R + 40, y + 12);
		esc(b, purposes[i]);
		sbx_buf_adds(b, "</text>\n");
	}
	if (!np)
		sbx_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no cost in this period</text>\n",
			     L + pw / 2, T + ph / 2);
	sbx_buf_adds(b, "</svg>\n");
	free(purposes);
}

static void cells(struct sbx_buf *b, json_t *row, const char *tag)
{
	const char *cur = json_string_value(json_object_get(row, "currency"));

	sbx_buf_addf(b, "<%s>", tag);
	esc(b, cur ? cur : "\xe2\x80\x94");
	sbx_buf_addf(b, "</%s><%s class=\"n\">%lld</%s>", tag, tag,
		     (long long)json_integer_value(json_object_get(row, "sandboxes")), tag);
	sbx_buf_addf(b, "<%s class=\"n\">", tag);
	num(b, str(row, "active_hours"));
	sbx_buf_addf(b, "</%s><%s class=\"n\">", tag, tag);
	num(b, amount(row, "active"));
	sbx_buf_addf(b, "</%s><%s class=\"n\">", tag, tag);
	num(b, str(row, "gb_months"));
	sbx_buf_addf(b, "</%s><%s class=\"n\">", tag, tag);
	num(b, amount(row, "storage"));
	sbx_buf_addf(b, "</%s><%s class=\"n\"><strong>", tag, tag);
	num(b, amount(row, "total"));
	sbx_buf_addf(b, "</strong></%s><%s class=\"n\">", tag, tag);
	num(b, str(row, "savings_hours"));
	sbx_buf_addf(b, "</%s><%s class=\"n\">", tag, tag);
	num(b, amount(row, "savings"));
	sbx_buf_addf(b, "</%s>", tag);
}

static void groups_table(struct sbx_buf *b, json_t *doc)
{
	json_t *row;
	size_t i;

	sbx_buf_adds(b, "<h2>By ");
	esc(b, str(doc, "by"));
	sbx_buf_adds(b, "</h2>\n<table class=\"groups\">\n<thead><tr><th>");
	esc(b, str(doc, "by"));
	sbx_buf_adds(b, "</th><th>currency</th><th class=\"n\">sandboxes</th><th class=\"n\">active hours</th>"
		     "<th class=\"n\">active</th><th class=\"n\">GB-months</th><th class=\"n\">storage</th>"
		     "<th class=\"n\">total</th><th class=\"n\">hours saved</th><th class=\"n\">savings</th>"
		     "</tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(doc, "groups"), i, row) {
		sbx_buf_adds(b, "<tr><td>");
		esc(b, str(row, "key"));
		sbx_buf_adds(b, "</td>");
		cells(b, row, "td");
		sbx_buf_adds(b, "</tr>\n");
	}
	sbx_buf_adds(b, "</tbody>\n<tfoot>\n");
	json_array_foreach(json_object_get(doc, "totals"), i, row) {
		sbx_buf_adds(b, "<tr><td>total</td>");
		cells(b, row, "td");
		sbx_buf_adds(b, "</tr>\n");
	}
	sbx_buf_adds(b, "</tfoot>\n</table>\n");
}

static void forecast_table(struct sbx_buf *b, json_t *doc)
{
	json_t *f = json_object_get(doc, "forecast"), *row;
	size_t i;

	if (!json_array_size(f))
		return;
	sbx_buf_adds(b, "<h2>Forecast</h2>\n<table class=\"forecast\">\n<thead><tr><th>month</th>"
		     "<th>currency</th><th class=\"n\">month to date</th><th class=\"n\">last 7 days</th>"
		     "<th class=\"n\">daily average</th><th class=\"n\">days left</th>"
		     "<th class=\"n\">forecast</th></tr></thead>\n<tbody>\n");
	json_array_foreach(f, i, row) {
		sbx_buf_adds(b, "<tr><td>");
		month(b, str(row, "month"));
		sbx_buf_adds(b, "</td><td>");
		esc(b, str(row, "currency"));
		sbx_buf_adds(b, "</td><td class=\"n\">");
		num(b, str(row, "month_to_date"));
		sbx_buf_adds(b, "</td><td class=\"n\">");
		num(b, str(row, "last_7_days"));
		sbx_buf_adds(b, "</td><td class=\"n\">");
		num(b, str(row, "daily_average"));
		sbx_buf_adds(b, "</td><td class=\"n\">");
		num(b, str(row, "days_left"));
		sbx_buf_adds(b, "</td><td class=\"n\"><strong>");
		num(b, str(row, "forecast"));
		sbx_buf_adds(b, "</strong></td></tr>\n");
	}
	sbx_buf_adds(b, "</tbody>\n</table>\n");
}

/* The headline numbers: per currency, the total, the forecast, the
 * savings. */
static void cards(struct sbx_buf *b, json_t *doc)
{
	json_t *row, *f;
	size_t i, j;

	sbx_buf_adds(b, "<div class=\"cards\">\n");
	json_array_foreach(json_object_get(doc, "totals"), i, row) {
		const char *cur = json_string_value(json_object_get(row, "currency"));

		if (!cur)
			continue;
		sbx_buf_adds(b, "<div class=\"card\"><div class=\"label\">cost in the period</div>"
			     "<div class=\"value\">");
		esc(b, cur);
		sbx_buf_adds(b, " ");
		num(b, str(row, "total"));
		sbx_buf_adds(b, "</div><div class=\"note\">");
		num(b, str(row, "active_hours"));
		sbx_buf_adds(b, " active hours, ");
		num(b, str(row, "gb_months"));
		sbx_buf_adds(b, " GB-months</div></div>\n");
		json_array_foreach(json_object_get(doc, "forecast"), j, f) {
			if (strcmp(str(f, "currency"), cur))
				continue;
			sbx_buf_adds(b, "<div class=\"card\"><div class=\"label\">forecast for ");
			month(b, str(f, "month"));
			sbx_buf_adds(b, "</div><div class=\"value\">");
			esc(b, cur);
			sbx_buf_adds(b, " ");
			num(b, str(f, "forecast"));
			sbx_buf_adds(b, "</div><div class=\"note\">");
			num(b, str(f, "daily_average"));
			sbx_buf_adds(b, " a day lately, ");
			num(b, str(f, "days_left"));
			sbx_buf_adds(b, " days left</div></div>\n");
		}
		sbx_buf_adds(b, "<div class=\"card\"><div class=\"label\">saved by the scheduler</div>"
			     "<div class=\"value\">");
		esc(b, cur);
		sbx_buf_adds(b, " ");
		num(b, str(row, "savings"));
		sbx_buf_adds(b, "</div><div class=\"note\">");
		num(b, str(row, "savings_hours"));
		sbx_buf_adds(b, " active hours not paid</div></div>\n");
	}
	sbx_buf_adds(b, "</div>\n");
}

void cli_cost_html(struct sbx_buf *b, json_t *doc)
{
	json_t *period = json_object_get(doc, "period"), *defs = json_object_get(doc, "definitions"), *v;
	const char *k;

	sbx_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Sandbox cost ");
	when(b, str(period, "from"));
	sbx_buf_adds(b, " to ");
	when(b, str(period, "to"));
	sbx_buf_addf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Sandbox cost</h1>\n"
		     "<p class=\"period\">", style);
	when(b, str(period, "from"));
	sbx_buf_adds(b, " to ");
	when(b, str(period, "to"));
	sbx_buf_adds(b, " UTC, by ");
	esc(b, str(doc, "by"));
	sbx_buf_adds(b, "</p>\n");
	cards(b, doc);
	json_object_foreach(json_object_get(doc, "currencies"), k, v) {
		sbx_buf_adds(b, "<h2>Daily cost per purpose (");
		esc(b, k);
		sbx_buf_adds(b, ")</h2>\n");
		chart(b, doc, k, (int)json_integer_value(v));
	}
	groups_table(b, doc);
	forecast_table(b, doc);
	sbx_buf_adds(b, "<h2>How it is computed</h2>\n<dl class=\"notes\">\n");
	json_object_foreach(defs, k, v) {
		sbx_buf_adds(b, "<dt>");
		esc(b, k);
		sbx_buf_adds(b, "</dt><dd>");
		esc(b, json_string_value(v));
		sbx_buf_adds(b, "</dd>\n");
	}
	sbx_buf_adds(b, "</dl>\n<p class=\"notes\">Generated by sbx " PACKAGE_VERSION
		     " from the journal of the store.</p>\n</body>\n</html>\n");
}
