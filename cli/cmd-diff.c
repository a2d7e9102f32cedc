/* sbx diff, sbx drift: what differs between two trees, printed as a
 * summary (with the changed keys of JSON files), a unified diff, two
 * columns, or one JSON document.  Every value and line shown passes through
 * a reveal built from the hardening policies of the sides, so that a secret
 * or a masked value never reaches the terminal. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "sbx/diff.h"
#include "sbx/master.h"
#include "sbx/sandbox.h"

/* Files larger than this are compared by their chunks only: no lines, no
 * keys (a line diff holds both sides in memory). */
#define MAX_SHOW ((uint64_t)16 << 20)
/* Values longer than this are cut in the summary (not in --json). */
#define MAX_VALUE 160

enum format { SUMMARY, UNIFIED, SIDE };

struct dctx {
	struct cli *c;
	enum format format;
	size_t context;
	int width;
	struct sbx_reveal *rv;
	json_t *added, *removed, *changed;     /* --json */
	struct sbx_buf fa, fb;                 /* contents of the entry at hand */
	struct sbx_buf ta, tb;                 /* the same, as text may be shown */
	struct sbx_err err;                    /* a failure inside the callback */
};

static const char *type_name(char t)
{
	return t == 'd' ? "directory" : t == 'l' ? "symlink" : t == 'f' ? "file" : "nothing";
}

static int is_json_path(const char *path)
{
	size_t n = strlen(path);

	return n >= 5 && !strcasecmp(path + n - 5, ".json");
}

static int is_binary(const struct sbx_buf *b)
{
	return b->len && memchr(b->data, '\0', b->len) != NULL;
}

/* Writes up to WIDTH characters of S[0..N) into OUT, a tab or a control
 * character as one space, never cutting a UTF-8 sequence, padded with
 * spaces to WIDTH when PAD. */
static void cell(const char *s, size_t n, int width, int pad, struct sbx_buf *out)
{
	size_t i = 0;
	int w = 0;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	while (i < n && w < width) {
		unsigned char ch = (unsigned char)s[i];
		size_t len = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;

		if (i + len > n)
			len = n - i;
		if (ch < 0x20 || ch == 0x7f)
			sbx_buf_addc(out, ' ');
		else
			sbx_buf_add(out, s + i, len);
		i += len;
		w++;
	}
	while (pad && w++ < width)
		sbx_buf_addc(out, ' ');
}

/* A value for the summary: cut at MAX_VALUE characters. */
static void short_value(const char *v, struct sbx_buf *out)
{
	size_t n = strlen(v);

	cell(v, n, MAX_VALUE, 0, out);
	if (n > MAX_VALUE)
		sbx_buf_adds(out, "...");
}

/* ------------------------------------------------------------ contents */

/* Reads side SIDE of E (empty when absent or not a file) into B.  Returns
 * 0, 1 when it is too large to show, or an error. */
static int read_side(struct dctx *d, const struct sbx_diff_entry *e, char side, struct sbx_buf *b)
{
	const struct sbx_diff_side *sd = side == 'a' ? &e->a : &e->b;

	sbx_buf_reset(b);
	sbx_buf_grow(b, 0);
	if (sd->type != 'f')
		return 0;
	if (sd->size > MAX_SHOW)
		return 1;
	return sbx_diff_read(e, side, b, &d->err);
}

/* Reads both sides of E: 0 (*BIG set when one is too large to show) or an
 * error.  Text also goes through the reveal into TA and TB, for text
 * diffs: a whole text is scanned, so that a secret over several lines (a
 * PEM key) is found; the key-level diff of JSON reads the raw bytes and
 * hides values one by one. */
static int read_both(struct dctx *d, const struct sbx_diff_entry *e, int *big)
{
	int r = read_side(d, e, 'a', &d->fa);

	if (!r)
		r = read_side(d, e, 'b', &d->fb);
	*big = r == 1;
	sbx_buf_reset(&d->ta);
	sbx_buf_reset(&d->tb);
	sbx_buf_grow(&d->ta, 0);
	sbx_buf_grow(&d->tb, 0);
	if (r == 0 && !is_binary(&d->fa) && !is_binary(&d->fb)) {
		sbx_reveal_text(d->rv, e->path, d->fa.data, d->fa.len, &d->ta);
		sbx_reveal_text(d->rv, e->path, d->fb.data, d->fb.len, &d->tb);
	}
	return r < 0 ? r : 0;
}

struct lines {
	struct sbx_line *a, *b;
	size_t na, nb, n;
	struct sbx_edit *s;
};

static void lines_diff(struct dctx *d, struct lines *l)
{
	l->na = sbx_lines_split(d->ta.data, d->ta.len, &l->a);
	l->nb = sbx_lines_split(d->tb.data, d->tb.len, &l->b);
	sbx_line_diff(l->a, l->na, l->b, l->nb, &l->s, &l->n);
}

static void lines_free(struct lines *l)
{
	free(l->a);
	free(l->b);
	free(l->s);
}

/* ------------------------------------------------------------ JSON keys */

struct keys {
	struct dctx *d;
	json_t *arr;             /* --json */
	int count;
};

static const char *op_name(enum sbx_diff_kind k)
{
	return k == SBX_DIFF_ADDED ? "added" : k == SBX_DIFF_REMOVED ? "removed" : "changed";
}

static int print_key(const struct sbx_jdiff_change *ch, void *ctx)
{
	struct keys *k = ctx;
	struct sbx_buf line = SBX_BUF_INIT;
	const char *path = *ch->path ? ch->path : "(document)";

	k->count++;
	if (k->arr) {
		json_t *o = json_pack("{s:s,s:s}", "path", ch->path, "op", op_name(ch->op));

		if (ch->a)
			json_object_set_new(o, "old", json_loads(ch->a, JSON_DECODE_ANY, NULL));
		if (ch->b)
			json_object_set_new(o, "new", json_loads(ch->b, JSON_DECODE_ANY, NULL));
		json_array_append_new(k->arr, o);
		return 0;
	}
	if (k->d->format == SIDE) {
		int col = (k->d->width - 3) / 2;
		struct sbx_buf l = SBX_BUF_INIT, r = SBX_BUF_INIT;

		if (ch->a)
			sbx_buf_addf(&l, "%s = %s", path, ch->a);
		if (ch->b)
			sbx_buf_addf(&r, "%s = %s", path, ch->b);
		cell(l.data ? l.data : "", l.len, col, 1, &line);
		sbx_buf_addf(&line, " %c ", ch->op == SBX_DIFF_ADDED ? '>' : ch->op == SBX_DIFF_REMOVED ? '<' : '|');
		cell(r.data ? r.data : "", r.len, col, 0, &line);
		sbx_buf_release(&l);
		sbx_buf_release(&r);
	} else {
		sbx_buf_addf(&line, "           %c %s: ", ch->op == SBX_DIFF_ADDED ? '+' :
			     ch->op == SBX_DIFF_REMOVED ? '-' : '~', path);
		if (ch->a)
			short_value(ch->a, &line);
		if (ch->a && ch->b)
			sbx_buf_adds(&line, " -> ");
		if (ch->b)
			short_value(ch->b, &line);
	}
	puts(line.data);
	sbx_buf_release(&line);
	return 0;
}

/* Runs the key-level diff of the contents at hand: 1 when both sides are
 * JSON (keys printed, or added to ARR), else 0. */
static int json_keys(struct dctx *d, const char *path, json_t *arr)
{
	struct keys k = { d, arr, 0 };
	struct sbx_err ignore = { 0 };

	if (!is_json_path(path))
		return 0;
	return sbx_json_diff(path, d->fa.data, d->fa.len, d->fb.data, d->fb.len, d->rv, print_key, &k,
			     &ignore) == 0;
}

/* ------------------------------------------------------------ formats */

static void range(size_t start, size_t n, struct sbx_buf *out)
{
	if (n == 1)
		sbx_buf_addf(out, "%zu", start + 1);
	else
		sbx_buf_addf(out, "%zu,%zu", n ? start + 1 : start, n);
}

static void unified_text(struct dctx *d)
{
	struct lines l = { 0 };
	struct sbx_hunk *h = NULL;
	size_t nh, i, j;

	lines_diff(d, &l);
	nh = sbx_diff_hunks(l.s, l.n, d->context, &h);
	for (i = 0; i < nh; i++) {
		struct sbx_buf hdr = SBX_BUF_INIT;

		sbx_buf_adds(&hdr, "@@ -");
		range(h[i].a, h[i].na, &hdr);
		sbx_buf_adds(&hdr, " +");
		range(h[i].b, h[i].nb, &hdr);
		sbx_buf_adds(&hdr, " @@");
		puts(hdr.data);
		sbx_buf_release(&hdr);
		for (j = h[i].start; j < h[i].end; j++) {
			const struct sbx_line *ln = l.s[j].op == '+' ? &l.b[l.s[j].b] : &l.a[l.s[j].a];

			putchar(l.s[j].op == '=' ? ' ' : l.s[j].op);
			fwrite(ln->p, 1, ln->len, stdout);
			if (!ln->len || ln->p[ln->len - 1] != '\n')
				fputs("\n\\ No newline at end of file\n", stdout);
		}
	}
	free(h);
	lines_free(&l);
}

static void side_row(struct dctx *d, const struct sbx_line *a, size_t an, const struct sbx_line *b,
		     size_t bn, char mark)
{
	int col = (d->width - 15) / 2;
	struct sbx_buf row = SBX_BUF_INIT;

	if (col < 10)
		col = 10;
	if (a)
		sbx_buf_addf(&row, "%5zu ", an + 1);
	else
		sbx_buf_adds(&row, "      ");
	cell(a ? a->p : "", a ? a->len : 0, col, 1, &row);
	sbx_buf_addf(&row, " %c ", mark);
	if (b) {
		sbx_buf_addf(&row, "%5zu ", bn + 1);
		cell(b->p, b->len, col, 0, &row);
	}
	puts(row.data);
	sbx_buf_release(&row);
}

static void side_text(struct dctx *d)
{
	struct lines l = { 0 };
	struct sbx_hunk *h = NULL;
	size_t nh, i, j, k;

	lines_diff(d, &l);
	nh = sbx_diff_hunks(l.s, l.n, d->context, &h);
	for (i = 0; i < nh; i++) {
		if (i)
			puts("      ...");
		for (j = h[i].start; j < h[i].end;) {
			size_t dels[64], adds[64], nd = 0, na = 0;

			if (l.s[j].op == '=') {
				side_row(d, &l.a[l.s[j].a], l.s[j].a, &l.b[l.s[j].b], l.s[j].b, ' ');
				j++;
				continue;
			}
			/* A change region, in slices: removals beside additions. */
			for (; j < h[i].end && l.s[j].op != '=' && nd < 64 && na < 64; j++) {
				if (l.s[j].op == '-')
					dels[nd++] = l.s[j].a;
				else
					adds[na++] = l.s[j].b;
			}
			for (k = 0; k < nd || k < na; k++)
				side_row(d, k < nd ? &l.a[dels[k]] : NULL, k < nd ? dels[k] : 0,
					 k < na ? &l.b[adds[k]] : NULL, k < na ? adds[k] : 0,
					 k < nd && k < na ? '|' : k < nd ? '<' : '>');
		}
	}
	free(h);
	lines_free(&l);
}

static void counts(struct dctx *d, size_t *plus, size_t *minus)
{
	struct lines l = { 0 };
	size_t i;

	*plus = *minus = 0;
	lines_diff(d, &l);
	for (i = 0; i < l.n; i++) {
		*plus += l.s[i].op == '+';
		*minus += l.s[i].op == '-';
	}
	lines_free(&l);
}

/* What changed about E besides its content, for people. */
static void header_bits(const struct sbx_diff_entry *e, struct sbx_buf *out)
{
	if (e->what & SBX_DIFF_TYPE)
		sbx_buf_addf(out, "%s%s -> %s", out->len ? ", " : "", type_name(e->a.type),
			     type_name(e->b.type));
	if (e->what & SBX_DIFF_MODE)
		sbx_buf_addf(out, "%smode %04o -> %04o", out->len ? ", " : "", e->a.mode, e->b.mode);
	if (e->what & SBX_DIFF_TARGET)
		sbx_buf_addf(out, "%starget %s -> %s", out->len ? ", " : "", e->a.target, e->b.target);
	if (e->what & SBX_DIFF_CONTENT)
		sbx_buf_addf(out, "%scontent", out->len ? ", " : "");
}

/* ------------------------------------------------------------ per entry */

static json_t *side_json(const struct sbx_diff_side *s)
{
	char mode[8];
	json_t *o;

	snprintf(mode, sizeof mode, "%04o", s->mode);
	o = json_pack("{s:s,s:s}", "type", type_name(s->type), "mode", mode);
	if (s->type == 'f')
		json_object_set_new(o, "size", json_integer((json_int_t)s->size));
	if (s->type == 'l')
		json_object_set_new(o, "target", json_string(s->target));
	return o;
}

static json_t *pair(json_t *a, json_t *b)
{
	return json_pack("{s:o,s:o}", "old", a, "new", b);
}

static int entry_json(struct dctx *d, const struct sbx_diff_entry *e)
{
	json_t *o;
	int r, big = 0;

	if (e->kind != SBX_DIFF_CHANGED) {
		o = side_json(e->kind == SBX_DIFF_ADDED ? &e->b : &e->a);
		json_object_set_new(o, "path", json_string(e->path));
		json_array_append_new(e->kind == SBX_DIFF_ADDED ? d->added : d->removed, o);
		return 0;
	}
	o = json_pack("{s:s,s:b}", "path", e->path, "content", (e->what & SBX_DIFF_CONTENT) != 0);
	if (e->what & SBX_DIFF_TYPE)
		json_object_set_new(o, "type", pair(json_string(type_name(e->a.type)),
						    json_string(type_name(e->b.type))));
	if (e->what & SBX_DIFF_MODE) {
		char ma[8], mb[8];

		snprintf(ma, sizeof ma, "%04o", e->a.mode);
		snprintf(mb, sizeof mb, "%04o", e->b.mode);
		json_object_set_new(o, "mode", pair(json_string(ma), json_string(mb)));
	}
	if (e->what & SBX_DIFF_TARGET)
		json_object_set_new(o, "target", pair(json_string(e->a.target), json_string(e->b.target)));
	if (e->what & SBX_DIFF_CONTENT) {
		json_object_set_new(o, "size", pair(json_integer((json_int_t)e->a.size),
						    json_integer((json_int_t)e->b.size)));
		r = read_both(d, e, &big);
		if (r) {
			json_decref(o);
			return r;
		}
		if (big) {
			json_object_set_new(o, "shown", json_false());
		} else if (is_binary(&d->fa) || is_binary(&d->fb)) {
			json_object_set_new(o, "binary", json_true());
		} else {
			json_t *keys = json_array();
			size_t plus, minus;

			if (json_keys(d, e->path, keys))
				json_object_set_new(o, "keys", keys);
			else
				json_decref(keys);
			counts(d, &plus, &minus);
			json_object_set_new(o, "lines", json_pack("{s:I,s:I}", "added", (json_int_t)plus,
								  "removed", (json_int_t)minus));
		}
	}
	json_array_append_new(d->changed, o);
	return 0;
}

static int entry_summary(struct dctx *d, const struct sbx_diff_entry *e)
{
	struct sbx_buf bits = SBX_BUF_INIT;
	int r = 0, big = 0;

	if (e->kind != SBX_DIFF_CHANGED) {
		const struct sbx_diff_side *s = e->kind == SBX_DIFF_ADDED ? &e->b : &e->a;

		printf("%-8s %s%s%s%s\n", e->kind == SBX_DIFF_ADDED ? "added" : "removed", e->path,
		       s->type == 'd' ? "/" : "", s->type == 'l' ? " -> " : "",
		       s->type == 'l' ? s->target : "");
		return 0;
	}
	header_bits(e, &bits);
	if (e->what & SBX_DIFF_CONTENT) {
		r = read_both(d, e, &big);
		if (r)
			goto out;
		if (big) {
			sbx_buf_adds(&bits, " (too large to show)");
		} else if (is_binary(&d->fa) || is_binary(&d->fb)) {
			sbx_buf_adds(&bits, " (binary)");
		} else {
			size_t plus, minus;

			counts(d, &plus, &minus);
			if (plus || minus)
				sbx_buf_addf(&bits, " (+%zu -%zu lines)", plus, minus);
			else
				sbx_buf_adds(&bits, " (in hidden values only)");
		}
	}
	printf("%-8s %s: %s\n", "changed", e->path, bits.data);
	if ((e->what & SBX_DIFF_CONTENT) && !big && !is_binary(&d->fa) && !is_binary(&d->fb))
		json_keys(d, e->path, NULL);
out:
	sbx_buf_release(&bits);
	return r;
}

static int entry_text(struct dctx *d, const struct sbx_diff_entry *e)
{
	struct sbx_buf bits = SBX_BUF_INIT;
	int r, big = 0;

	if (d->format == UNIFIED)
		printf("diff --sbx a/%s b/%s\n", e->path, e->path);
	else
		printf("== %s\n", e->path);
	if (e->kind == SBX_DIFF_ADDED)
		printf("new %s mode %04o%s%s\n", type_name(e->b.type), e->b.mode,
		       e->b.type == 'l' ? " -> " : "", e->b.type == 'l' ? e->b.target : "");
	else if (e->kind == SBX_DIFF_REMOVED)
		printf("deleted %s mode %04o%s%s\n", type_name(e->a.type), e->a.mode,
		       e->a.type == 'l' ? " -> " : "", e->a.type == 'l' ? e->a.target : "");
	header_bits(e, &bits);
	if (bits.len && !(e->what == SBX_DIFF_CONTENT))
		printf("%s\n", bits.data);
	sbx_buf_release(&bits);
	if (e->a.type != 'f' && e->b.type != 'f')
		return 0;
	if (e->kind == SBX_DIFF_CHANGED && !(e->what & (SBX_DIFF_CONTENT | SBX_DIFF_TYPE)))
		return 0;
	r = read_both(d, e, &big);
	if (r)
		return r;
	if (big) {
		printf("files a/%s and b/%s differ (too large to show)\n", e->path, e->path);
		return 0;
	}
	if (is_binary(&d->fa) || is_binary(&d->fb)) {
		printf("Binary files %s%s and %s%s differ\n", e->a.type == 'f' ? "a/" : "/dev/null",
		       e->a.type == 'f' ? e->path : "", e->b.type == 'f' ? "b/" : "/dev/null",
		       e->b.type == 'f' ? e->path : "");
		return 0;
	}
	if (d->format == UNIFIED) {
		printf("--- %s%s\n+++ %s%s\n", e->a.type == 'f' ? "a/" : "/dev/null",
		       e->a.type == 'f' ? e->path : "", e->b.type == 'f' ? "b/" : "/dev/null",
		       e->b.type == 'f' ? e->path : "");
		unified_text(d);
	} else if (!(e->kind == SBX_DIFF_CHANGED && json_keys(d, e->path, NULL))) {
		side_text(d);
	}
	return 0;
}

static int entry(const struct sbx_diff_entry *e, void *ctx)
{
	struct dctx *d = ctx;

	if (d->c->json)
		return entry_json(d, e);
	if (d->format == SUMMARY)
		return entry_summary(d, e);
	return entry_text(d, e);
}

/* ------------------------------------------------------------ commands */

struct opts {
	enum format format;
	size_t context;
	int exit_code;
	const char *from, *policy;
};

/* Parses the options of diff and drift; the operands stay in ARGV from
 * optind. */
static int parse(struct cli *c, int argc, char **argv, int drift, struct opts *o)
{
	static const struct option diff_opts[] = {
		{ "unified", optional_argument, NULL, 'u' },
		{ "side-by-side", no_argument, NULL, 'y' },
		{ "exit-code", no_argument, NULL, 'x' },
		{ "from", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, 'p' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	int opt;

	memset(o, 0, sizeof *o);
	o->context = 3;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "uU:y", diff_opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
		case 'U':
			o->format = UNIFIED;
			if (optarg) {
				long n = strtol(optarg, &end, 10);

				if (*end || end == optarg || n < 0 || n > 100000)
					return cli_usage(c, "--unified takes a number of context lines");
				o->context = (size_t)n;
			}
			break;
		case 'y':
			o->format = SIDE;
			break;
		case 'x':
			if (drift)
				return cli_bad_usage(c);
			o->exit_code = 1;
			break;
		case 'f':
		case 'p':
			if (!drift)
				return cli_bad_usage(c);
			if (opt == 'f')
				o->from = optarg;
			else
				o->policy = optarg;
			break;
		default:
			return cli_bad_usage(c);
		}
	}
	return 0;
}

static int terminal_width(void)
{
	const char *cols = getenv("COLUMNS");
	long w = cols ? strtol(cols, NULL, 10) : 0;

	return w >= 40 && w <= 1000 ? (int)w : 160;
}

/* Adds POLICY (recorded with a side's master version) to the reveal; one
 * that is gone leaves the built-in detectors and the other side's. */
static void reveal_policy(struct cli *c, struct sbx_reveal *rv, const char *policy, const char *what)
{
	struct sbx_err e = { 0 };

	if (policy && sbx_reveal_add_policy(rv, policy, &e))
		cli_warn(c, "the policy of %s cannot be read (%s): values are hidden by the built-in "
			 "detectors only", what, e.msg);
}

/* Diffs trees A and B into D; prints or fills the JSON arrays.  *DIFFERS
 * gets whether anything differs. */
static int run_diff(struct cli *c, struct dctx *d, const char *a, const char *b,
		    struct sbx_diff_stats *st, int *differs)
{
	int r;

	d->c = c;
	d->width = terminal_width();
	if (c->json) {
		d->added = json_array();
		d->removed = json_array();
		d->changed = json_array();
	}
	r = sbx_snapshot_diff(c->store, a, b, entry, d, st, &c->err);
	if (r && d->err.code)
		r = sbx_err_set(&c->err, d->err.code, "%s", d->err.msg);
	*differs = st->added + st->removed + st->changed > 0;
	return r;
}

static json_t *json_doc(struct dctx *d, const struct sbx_diff_stats *st)
{
	return json_pack("{s:O,s:O,s:O,s:{s:I,s:I,s:I},s:{s:I,s:I}}", "added", d->added, "removed",
			 d->removed, "changed", d->changed, "summary", "added", (json_int_t)st->added,
			 "removed", (json_int_t)st->removed, "changed", (json_int_t)st->changed,
			 "stats", "trees_loaded", (json_int_t)st->trees_loaded, "subtrees_skipped",
			 (json_int_t)st->subtrees_skipped);
}

static void dctx_release(struct dctx *d)
{
	json_decref(d->added);
	json_decref(d->removed);
	json_decref(d->changed);
	sbx_buf_release(&d->fa);
	sbx_buf_release(&d->fb);
	sbx_buf_release(&d->ta);
	sbx_buf_release(&d->tb);
	sbx_reveal_free(d->rv);
}

static void print_totals(const struct sbx_diff_stats *st)
{
	printf("%llu added, %llu removed, %llu changed\n", (unsigned long long)st->added,
	       (unsigned long long)st->removed, (unsigned long long)st->changed);
}

static json_t *spec_json(const char *arg, const struct sbx_diff_spec *sp)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b}", "spec", arg, "id", sp->id, "kind", sp->kind, "what",
			 sp->what, "live", sp->live);
}

/* Resolves A and B; an active sandbox among them is captured live, which
 * takes the store for writing and the configuration. */
static int resolve_both(struct cli *c, const char *a, const char *b, struct sbx_diff_spec sp[2],
			struct sbx_config **cfg)
{
	int r = sbx_diff_resolve(c->store, NULL, a, 0, &sp[0], &c->err);

	if (!r)
		r = sbx_diff_resolve(c->store, NULL, b, 0, &sp[1], &c->err);
	if (r || (!sp[0].live_needed && !sp[1].live_needed))
		return r;
	sbx_diff_spec_release(&sp[0]);
	sbx_diff_spec_release(&sp[1]);
	r = sbx_config_load(c->store_path, c->config_path, cfg, &c->err);
	if (r)
		return r;
	sbx_store_close(c->store);
	c->store = NULL;
	r = cli_open_store(c, CLI_STORE | CLI_WRITE | CLI_PACKS);
	if (!r)
		r = sbx_diff_resolve(c->store, *cfg, a, SBX_SPEC_LIVE, &sp[0], &c->err);
	if (!r)
		r = sbx_diff_resolve(c->store, *cfg, b, SBX_SPEC_LIVE, &sp[1], &c->err);
	return r;
}

int cmd_diff(struct cli *c, int argc, char **argv)
{
	struct sbx_diff_spec sp[2];
	struct sbx_config *cfg = NULL;
	struct sbx_diff_stats st;
	struct dctx d;
	struct opts o;
	int r, i, differs = 0;

	memset(sp, 0, sizeof sp);
	memset(&d, 0, sizeof d);
	memset(&st, 0, sizeof st);
	r = parse(c, argc, argv, 0, &o);
	if (r)
		return r;
	if (optind != argc - 2)
		return cli_bad_usage(c);
	r = resolve_both(c, argv[optind], argv[optind + 1], sp, &cfg);
	if (r)
		goto out;
	d.format = o.format;
	d.context = o.context;
	d.rv = sbx_reveal_new();
	for (i = 0; i < 2; i++) {
		if (sp[i].note[0])
			cli_note(c, "%s", sp[i].note);
		reveal_policy(c, d.rv, sp[i].policy, sp[i].what);
	}
	if (!c->json && o.format == SUMMARY)
		for (i = 0; i < 2; i++)
			printf("%s %s%s%.12s%s\n", i ? "+++" : "---", sp[i].what,
			       strcmp(sp[i].kind, "snapshot") ? " (" : "",
			       strcmp(sp[i].kind, "snapshot") ? sp[i].id : "",
			       strcmp(sp[i].kind, "snapshot") ? ")" : "");
	r = run_diff(c, &d, sp[0].id, sp[1].id, &st, &differs);
	if (r)
		goto out;
	if (c->json) {
		json_t *doc = json_doc(&d, &st);

		json_object_set_new(doc, "a", spec_json(argv[optind], &sp[0]));
		json_object_set_new(doc, "b", spec_json(argv[optind + 1], &sp[1]));
		cli_json_out(c, doc);
	} else if (o.format == SUMMARY) {
		if (differs)
			print_totals(&st);
		else
			printf("no differences\n");
	}
	if (differs && o.exit_code)
		c->status = 4;
out:
	for (i = 0; i < 2; i++)
		sbx_diff_spec_release(&sp[i]);
	dctx_release(&d);
	sbx_config_free(cfg);
	return r;
}

int cmd_drift(struct cli *c, int argc, char **argv)
{
	struct sbx_harden_temp_result h;
	struct sbx_diff_stats st;
	struct sbx_progress p;
	struct dctx d;
	struct opts o;
	const char *master;
	int r, differs = 0;

	memset(&h, 0, sizeof h);
	memset(&d, 0, sizeof d);
	memset(&st, 0, sizeof st);
	r = parse(c, argc, argv, 1, &o);
	if (r)
		return r;
	if (optind != argc - 1 || !o.from)
		return cli_bad_usage(c);
	master = argv[optind];
	if (strchr(master, '@'))
		return cli_usage(c, "drift compares with a master's latest version: give MASTER, not "
				 "MASTER@VERSION");
	cli_progress_init(c, &p);
	r = sbx_master_harden_temp(c->store, master, o.from, o.policy, &p, &h, &c->err);
	cli_progress_done(&p);
	if (r)
		goto out;
	if (h.policy_changed)
		cli_warn(c, "the policy '%s' has changed since %s@%d was made: differences may come from "
			 "the policy, not from production", h.policy, master, h.version);
	d.format = o.format;
	d.context = o.context;
	d.rv = sbx_reveal_new();
	reveal_policy(c, d.rv, h.policy, master);
	if (!c->json && o.format == SUMMARY)
		printf("--- master %s@%d  %.12s\n+++ %s (hardened through %s)\n", master, h.version,
		       h.base, o.from, h.policy);
	r = run_diff(c, &d, h.base, h.id, &st, &differs);
	if (r)
		goto out;
	if (c->json) {
		json_t *doc = json_doc(&d, &st);

		json_object_set_new(doc, "master", json_pack("{s:s,s:i,s:s}", "name", master, "version",
							     h.version, "snapshot", h.base));
		json_object_set_new(doc, "source", json_string(o.from));
		json_object_set_new(doc, "policy", json_string(h.policy));
		json_object_set_new(doc, "policy_changed", json_boolean(h.policy_changed));
		json_object_set_new(doc, "drift", json_boolean(differs));
		json_object_set_new(doc, "report", json_incref(h.report));
		cli_json_out(c, doc);
	} else if (o.format == SUMMARY) {
		if (differs)
			print_totals(&st);
		else
			printf("no drift: %s hardened through %s is %s@%d\n", o.from, h.policy, master,
			       h.version);
	}
	if (differs) {
		cli_note(c, "%s has drifted since %s@%d", o.from, master, h.version);
		c->status = 4;
	}
out:
	dctx_release(&d);
	sbx_harden_temp_release(&h);
	return r;
}
