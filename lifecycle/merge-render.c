/* Showing merge conflicts: side by side for a terminal, or as JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"

/* Lines shown of one side of one conflict; the rest is counted. */
#define MAX_LINES 200

/* One display row of a column: at most W characters. */
struct rows {
	char **v;
	size_t n;
	size_t more;     /* lines left out */
};

static size_t utf8_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Splits TEXT into rows of at most W characters: one per line, long lines
 * wrapped, tabs expanded, a line's "\r" dropped, other control characters
 * shown as '?'.  NULL text is one row saying WHAT_ABSENT. */
static void layout(const char *text, size_t w, const char *absent, struct rows *r)
{
	struct sbx_buf row = SBX_BUF_INIT;
	size_t i, col = 0, lines = 0;
	const char *s = text ? text : absent;
	size_t n = strlen(s);

	memset(r, 0, sizeof *r);
	sbx_buf_grow(&row, 0);
	for (i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_len(c);

		if (c == '\n' || col >= w) {
			if (lines < MAX_LINES) {
				r->v = sbx_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
				r->v[r->n++] = sbx_xstrdup(row.data);
			}
			sbx_buf_reset(&row);
			col = 0;
			if (c == '\n') {
				lines++;
				i++;
				continue;
			}
		}
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\t') {
			do
				sbx_buf_addc(&row, ' ');
			while (++col % 4 && col < w);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			sbx_buf_addc(&row, '?');
			col++;
			i++;
			continue;
		}
		if (i + k > n)
			k = n - i;
		sbx_buf_add(&row, s + i, k);
		col++;
		i += k;
	}
	/* The last line, unless the text ended with its newline. */
	if (row.len || !n || s[n - 1] != '\n') {
		if (lines < MAX_LINES) {
			r->v = sbx_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
			r->v[r->n++] = sbx_xstrdup(row.data);
		}
		lines++;
	}
	if (lines > MAX_LINES)
		r->more = lines - MAX_LINES;
	sbx_buf_release(&row);
}

static void rows_release(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
}

/* Characters (not bytes) of the UTF-8 string S. */
static size_t width_of(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad(struct sbx_buf *out, const char *s, size_t w)
{
	size_t k = width_of(s);

	sbx_buf_adds(out, s);
	while (k++ < w)
		sbx_buf_addc(out, ' ');
}

static void add_lines(struct sbx_buf *out, const struct sbx_merge_lines *l)
{
	if (!l->count)
		sbx_buf_addf(out, "none (before line %zu)", l->first);
	else if (l->count == 1)
		sbx_buf_addf(out, "line %zu", l->first);
	else
		sbx_buf_addf(out, "lines %zu-%zu", l->first, l->first + l->count - 1);
}

/* Appends the prose TEXT indented by two, broken between words into lines
 * of at most WIDTH characters (a word longer than that stands alone). */
static void add_wrapped(struct sbx_buf *out, const char *text, size_t width)
{
	const char *p = text;
	size_t col = 0;

	while (*p) {
		size_t n = strcspn(p, " "), w;
		char *word = sbx_xstrndup(p, n);

		w = width_of(word);
		if (col && col + 1 + w > width) {
			sbx_buf_addc(out, '\n');
			col = 0;
		}
		sbx_buf_adds(out, col ? " " : "  ");
		sbx_buf_adds(out, word);
		col += col ? 1 + w : 2 + w;
		free(word);
		p += n;
		while (*p == ' ')
			p++;
	}
	sbx_buf_addc(out, '\n');
}

static void render_one(const struct sbx_merge_conflict *x, int width, struct sbx_buf *out)
{
	size_t colw = (size_t)(width - 5) / 2, i;
	struct rows base, ours, theirs;
	char head[64];

	sbx_buf_addf(out, "CONFLICT (%s) %s", sbx_merge_kind_name(x->kind), x->file);
	if (x->path)
		sbx_buf_addf(out, ": %s", *x->path ? x->path : "(the whole document)");
	sbx_buf_addc(out, '\n');
	if (x->base_lines.count || x->ours_lines.count || x->theirs_lines.count) {
		struct sbx_buf t = SBX_BUF_INIT;

		sbx_buf_adds(&t, "base ");
		add_lines(&t, &x->base_lines);
		sbx_buf_adds(&t, ", ours ");
		add_lines(&t, &x->ours_lines);
		sbx_buf_adds(&t, ", theirs ");
		add_lines(&t, &x->theirs_lines);
		add_wrapped(out, t.data, (size_t)width);
		sbx_buf_release(&t);
	}
	if (x->resolved)
		sbx_buf_addf(out, "  resolved: %s\n", sbx_merge_side_name(x->resolved));
	if (x->nph) {
		struct sbx_buf t = SBX_BUF_INIT;

		sbx_buf_adds(&t, "ours holds ");
		for (i = 0; i < x->nph; i++) {
			sbx_buf_addf(&t, "%s%s (%s", i ? ", " : "", x->ph[i].token, x->ph[i].what);
			if (x->ph[i].line)
				sbx_buf_addf(&t, ", line %zu", x->ph[i].line);
			sbx_buf_addc(&t, ')');
		}
		sbx_buf_adds(&t, "; a placeholder never goes to production: resolve as theirs, "
			     "or put the real value in the sandbox");
		add_wrapped(out, t.data, (size_t)width);
		sbx_buf_release(&t);
	}
	layout(x->base, (size_t)width - 4, "(absent)", &base);
	sbx_buf_adds(out, "  base\n");
	for (i = 0; i < base.n; i++)
		sbx_buf_addf(out, "    %s\n", base.v[i]);
	if (base.more)
		sbx_buf_addf(out, "    ... %zu more lines\n", base.more);
	layout(x->ours, colw, "(absent)", &ours);
	layout(x->theirs, colw, "(absent)", &theirs);
	snprintf(head, sizeof head, "ours (sandbox)");
	sbx_buf_adds(out, "  ");
	pad(out, head, colw);
	sbx_buf_adds(out, " | theirs (source)\n");
	for (i = 0; i < ours.n || i < theirs.n; i++) {
		sbx_buf_adds(out, "  ");
		pad(out, i < ours.n ? ours.v[i] : "", colw);
		sbx_buf_adds(out, " | ");
		sbx_buf_adds(out, i < theirs.n ? theirs.v[i] : "");
		/* No trailing blanks when theirs has nothing on this row. */
		while (out->len && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
		sbx_buf_addc(out, '\n');
	}
	if (ours.more || theirs.more)
		sbx_buf_addf(out, "  ... %zu more lines of ours, %zu of theirs\n", ours.more, theirs.more);
	rows_release(&base);
	rows_release(&ours);
	rows_release(&theirs);
}

void sbx_merge_render_side_by_side(const struct sbx_merge_conflicts *c, int open_only, int width,
				   struct sbx_buf *out)
{
	size_t i, shown = 0;

	if (width < 40)
		width = 40;
	sbx_buf_grow(out, 0);
	for (i = 0; i < c->n; i++) {
		if (open_only && c->v[i].resolved)
			continue;
		if (shown++)
			sbx_buf_addc(out, '\n');
		render_one(&c->v[i], width, out);
	}
}

/* S as a JSON string (bytes that are not UTF-8 shown as '?'), or null. */
static json_t *str_or_null(const char *s)
{
	json_t *v;
	char *c;
	size_t i;

	if (!s)
		return json_null();
	if ((v = json_string(s)))
		return v;
	c = sbx_xstrdup(s);
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	v = json_string(c);
	free(c);
	return v;
}

static json_t *lines_json(const struct sbx_merge_lines *l)
{
	return json_pack("[II]", (json_int_t)l->first, (json_int_t)l->count);
}

json_t *sbx_merge_conflicts_json(const struct sbx_merge_conflicts *c)
{
	json_t *a = json_array();
	size_t i, k;

	if (!a)
		abort();
	for (i = 0; i < c->n; i++) {
		const struct sbx_merge_conflict *x = &c->v[i];
		json_t *o = json_object(), *ph = json_array();
		const char *side = sbx_merge_side_name(x->resolved);

		if (!o || !ph)
			abort();
		json_object_set_new(o, "file", str_or_null(x->file));
		json_object_set_new(o, "path", str_or_null(x->path));
		json_object_set_new(o, "kind", json_string(sbx_merge_kind_name(x->kind)));
		if (x->base_lines.count || x->ours_lines.count || x->theirs_lines.count)
			json_object_set_new(o, "lines", json_pack("{s:o,s:o,s:o}",
								  "base", lines_json(&x->base_lines),
								  "ours", lines_json(&x->ours_lines),
								  "theirs", lines_json(&x->theirs_lines)));
		json_object_set_new(o, "base", str_or_null(x->base));
		json_object_set_new(o, "ours", str_or_null(x->ours));
		json_object_set_new(o, "theirs", str_or_null(x->theirs));
		for (k = 0; k < x->nph; k++)
			json_array_append_new(ph, json_pack("{s:o,s:s,s:I}", "token", str_or_null(x->ph[k].token),
							    "what", x->ph[k].what, "line",
							    (json_int_t)x->ph[k].line));
		json_object_set_new(o, "placeholders", ph);
		json_object_set_new(o, "resolved", side ? json_string(side) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}
