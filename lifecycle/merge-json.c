/* The JSON merge: key by key with jansson, and an output that keeps ours'
 * text wherever the merged value is ours' and ours' style elsewhere. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"
#include "lifecycle/placeholder.h"
#include "policies/jsonpos.h"

enum { BASE, OURS, THEIRS, NDOCS };

/* Longer arrays without ids are single values (finding moved elements
 * compares every pair). */
#define MAX_BY_INDEX 256

static const char *const doc_names[NDOCS] = { "base", "ours", "theirs" };

/* The bytes a parsed value was spelt with. */
struct raw {
	const json_t *v;
	int doc;
	size_t start, end;
};

/* A container the merge built from ours' one at the same path. */
struct origin {
	const json_t *merged, *ours;
};

/* How a document is written. */
struct style {
	char unit[16];         /* one level of indentation */
	const char *nl;        /* "\n" or "\r\n" */
	int inline_root;       /* the whole document on one line */
	char colon[8];         /* ":" and what follows it */
	int unit_seen;         /* UNIT is the text's, not the default */
	int multi;             /* every non-empty container on several lines */
};

struct doc {
	const char *text;      /* the version's bytes, NULL when absent */
	size_t n;
	size_t skip;           /* a byte order mark */
	json_t *root;
	struct sbx_jdoc pos;
	int have_pos;
	struct style st;
};

struct jm {
	const char *file;
	const struct sbx_merge_opts *o;
	struct sbx_merge_conflicts *conf;
	struct sbx_err *err;
	struct doc d[NDOCS];
	struct raw *raw;
	size_t nraw, capraw;
	struct origin *orig;
	size_t norig, caporig;
	struct sbx_buf path;
};

/* ---- Positions: which bytes spelt which value ---------------------------- */

static int type_fits(enum sbx_jtype t, const json_t *v)
{
	switch (t) {
	case SBX_J_OBJ: return json_is_object(v);
	case SBX_J_ARR: return json_is_array(v);
	case SBX_J_STR: return json_is_string(v);
	case SBX_J_NUM: return json_is_number(v);
	case SBX_J_TRUE: return json_is_true(v);
	case SBX_J_FALSE: return json_is_false(v);
	default: return json_is_null(v);
	}
}

static void raw_add(struct jm *m, const json_t *v, int doc, size_t start, size_t end)
{
	if (m->nraw == m->capraw) {
		m->capraw = m->capraw ? 2 * m->capraw : 64;
		m->raw = sbx_xrealloc(m->raw, m->capraw * sizeof *m->raw);
	}
	m->raw[m->nraw].v = v;
	m->raw[m->nraw].doc = doc;
	m->raw[m->nraw].start = start;
	m->raw[m->nraw].end = end;
	m->nraw++;
}

/* Walks value V and the scanned nodes of document DOC together (both in
 * document order, the nodes in pre-order from *NEXT), recording each
 * value's bytes.  Returns -1 if they disagree, which only costs the
 * spellings of that document. */
static int map_value(struct jm *m, int doc, const json_t *v, const char *key, size_t *next)
{
	const struct sbx_jdoc *pd = &m->d[doc].pos;
	const struct sbx_jnode *nd;
	size_t i;

	if (*next >= pd->len)
		return -1;
	nd = &pd->n[(*next)++];
	if (!type_fits(nd->type, v) || (key && (!nd->key || strcmp(nd->key, key))))
		return -1;
	/* true, false and null are shared singletons: nothing to keep. */
	if (!json_is_true(v) && !json_is_false(v) && !json_is_null(v))
		raw_add(m, v, doc, nd->start, nd->end);
	if (json_is_object(v)) {
		const char *k;
		json_t *c;

		json_object_foreach((json_t *)v, k, c)
			if (map_value(m, doc, c, k, next))
				return -1;
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (map_value(m, doc, json_array_get(v, i), NULL, next))
				return -1;
	}
	return 0;
}

static int raw_cmp(const void *a, const void *b)
{
	const struct raw *x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

static const struct raw *raw_find(const struct jm *m, const json_t *v)
{
	struct raw key;

	key.v = v;
	return m->nraw ? bsearch(&key, m->raw, m->nraw, sizeof key, raw_cmp) : NULL;
}

static void origin_add(struct jm *m, const json_t *merged, const json_t *ours)
{
	if (m->norig == m->caporig) {
		m->caporig = m->caporig ? 2 * m->caporig : 32;
		m->orig = sbx_xrealloc(m->orig, m->caporig * sizeof *m->orig);
	}
	m->orig[m->norig].merged = merged;
	m->orig[m->norig].ours = ours;
	m->norig++;
}

static int origin_cmp(const void *a, const void *b)
{
	const struct origin *x = a, *y = b;

	return x->merged < y->merged ? -1 : x->merged > y->merged;
}

/* The ours container V was merged from, or NULL (after sorting). */
static const json_t *origin_of(const struct jm *m, const json_t *v)
{
	struct origin key, *hit;

	key.merged = v;
	hit = m->norig ? bsearch(&key, m->orig, m->norig, sizeof key, origin_cmp) : NULL;
	return hit ? hit->ours : NULL;
}

/* ---- Style -------------------------------------------------------------- */

static void detect_style(struct doc *d)
{
	const char *s = d->text;
	size_t i, j, k;
	const struct sbx_jnode *root;

	snprintf(d->st.unit, sizeof d->st.unit, "  ");
	d->st.nl = "\n";
	snprintf(d->st.colon, sizeof d->st.colon, ": ");
	d->st.inline_root = 0;
	if (!d->have_pos || !d->pos.len)
		return;
	root = &d->pos.n[0];
	d->st.inline_root = !memchr(s + root->start, '\n', root->end - root->start);
	/* The indentation of the first line inside the root: one level. */
	for (i = root->start; i < root->end; i++) {
		if (s[i] != '\n')
			continue;
		if (i > 0 && s[i - 1] == '\r')
			d->st.nl = "\r\n";
		for (j = i + 1; j < root->end && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		/* A closing bracket there is at the root's own level. */
		if (j < root->end && s[j] != '\n' && s[j] != '\r' && s[j] != '}' && s[j] != ']' &&
		    j - (i + 1) < sizeof d->st.unit) {
			int tabs = 0, spaces = 0;

			for (k = i + 1; k < j; k++)
				tabs |= s[k] == '\t', spaces |= s[k] == ' ';
			if (!(tabs && spaces)) {
				memcpy(d->st.unit, s + i + 1, j - (i + 1));
				d->st.unit[j - (i + 1)] = '\0';
				d->st.unit_seen = 1;
			}
		}
		break;
	}
	/* What follows the colon of the first member. */
	for (i = 1; i < d->pos.len; i++) {
		const struct sbx_jnode *nd = &d->pos.n[i];

		if (!nd->key)
			continue;
		for (j = nd->start; j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'); j--)
			;
		if (j > 0 && s[j - 1] == ':' && nd->start - j < sizeof d->st.colon - 1) {
			d->st.colon[0] = ':';
			memcpy(d->st.colon + 1, s + j, nd->start - j);
			d->st.colon[1 + nd->start - j] = '\0';
		}
		break;
	}
}

/* ---- Output ------------------------------------------------------------- */

/* The shortest spelling of D that reads back as D, with a '.' or an
 * exponent so that it stays a real. */
static void add_real(struct sbx_buf *out, double d)
{
	char s[40];
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(s, sizeof s, "%.*g", p, d);
		if (strtod(s, NULL) == d)
			break;
	}
	sbx_buf_adds(out, s);
	if (!strpbrk(s, ".eEn"))
		sbx_buf_adds(out, ".0");
}

static void add_indent(struct sbx_buf *out, const struct style *st, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		sbx_buf_adds(out, st->unit);
}

/* Whether container V is written on one line: always in a one-line
 * document, else as it was (or the ours container it was merged from was)
 * unless that was empty, else not. */
static int is_inline(const struct jm *m, const json_t *v, const struct style *st)
{
	const struct raw *r = raw_find(m, v);
	const json_t *from;

	if (st->multi)
		return 0;
	if (st->inline_root)
		return 1;
	if (!r && (from = origin_of(m, v)))
		r = raw_find(m, from);
	if (!r || !(json_is_object(r->v) ? json_object_size(r->v) : json_array_size(r->v)))
		return 0;
	return !memchr(m->d[r->doc].text + r->start, '\n', r->end - r->start);
}

/* Whether the bytes R of a container can stand in a document of style ST:
 * they are ours' (ST is ours'), or on one line, or from a version indented
 * and broken into lines as ST is (and ST is not all on one line). */
static int same_look(const struct jm *m, const struct raw *r, const struct style *st)
{
	const struct style *from = &m->d[r->doc].st;

	if (r->doc == OURS || !memchr(m->d[r->doc].text + r->start, '\n', r->end - r->start))
		return 1;
	return !st->inline_root && from->unit_seen && !strcmp(from->unit, st->unit) &&
	       !strcmp(from->nl, st->nl);
}

/* Writes V at nesting DEPTH in style ST.  Values spelt in a version are
 * copied as they were: scalars always, containers when KEEP_CONTAINERS and
 * the version is written with ST's indentation and line ends. */
static void emit(const struct jm *m, const json_t *v, const struct style *st, int keep_containers,
		 int depth, struct sbx_buf *out)
{
	const struct raw *r = raw_find(m, v);
	int in, first = 1;
	size_t i;

	if (r && (!(json_is_object(v) || json_is_array(v)) || (keep_containers && same_look(m, r, st)))) {
		sbx_buf_add(out, m->d[r->doc].text + r->start, r->end - r->start);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *c;

		if (!json_object_size(v)) {
			sbx_buf_adds(out, "{}");
			return;
		}
		in = is_inline(m, v, st);
		sbx_buf_addc(out, '{');
		json_object_foreach((json_t *)v, k, c) {
			if (!first)
				sbx_buf_adds(out, in ? (st->colon[1] ? ", " : ",") : ",");
			first = 0;
			if (!in) {
				sbx_buf_adds(out, st->nl);
				add_indent(out, st, depth + 1);
			}
			sbx_json_quote(out, k, strlen(k));
			sbx_buf_adds(out, st->colon);
			emit(m, c, st, keep_containers, depth + 1, out);
		}
		if (!in) {
			sbx_buf_adds(out, st->nl);
			add_indent(out, st, depth);
		}
		sbx_buf_addc(out, '}');
		return;
	}
	case JSON_ARRAY:
		if (!json_array_size(v)) {
			sbx_buf_adds(out, "[]");
			return;
		}
		in = is_inline(m, v, st);
		sbx_buf_addc(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				sbx_buf_adds(out, in ? (st->colon[1] ? ", " : ",") : ",");
			if (!in) {
				sbx_buf_adds(out, st->nl);
				add_indent(out, st, depth + 1);
			}
			emit(m, json_array_get(v, i), st, keep_containers, depth + 1, out);
		}
		if (!in) {
			sbx_buf_adds(out, st->nl);
			add_indent(out, st, depth);
		}
		sbx_buf_addc(out, ']');
		return;
	case JSON_STRING:
		sbx_json_quote(out, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		sbx_buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		add_real(out, json_real_value(v));
		return;
	case JSON_TRUE:
		sbx_buf_adds(out, "true");
		return;
	case JSON_FALSE:
		sbx_buf_adds(out, "false");
		return;
	default:
		sbx_buf_adds(out, "null");
	}
}

/* V as a conflict shows it (caller frees), or NULL when absent. */
static char *show(const struct jm *m, const json_t *v)
{
	static const struct style two = { "  ", "\n", 0, ": ", 1, 1 };
	struct sbx_buf b = SBX_BUF_INIT;

	if (!v)
		return NULL;
	emit(m, v, &two, 0, 0, &b);
	return sbx_buf_detach(&b, NULL);
}

/* ---- Paths -------------------------------------------------------------- */

static int plain_key(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
		      *k == '_' || *k == '-' || *k == '$'))
			return 0;
	return 1;
}

static void push_key(struct sbx_buf *p, const char *k)
{
	if (plain_key(k)) {
		if (p->len)
			sbx_buf_addc(p, '.');
		sbx_buf_adds(p, k);
	} else {
		sbx_buf_addc(p, '[');
		sbx_json_quote(p, k, strlen(k));
		sbx_buf_addc(p, ']');
	}
}

static void push_index(struct sbx_buf *p, size_t i)
{
	sbx_buf_addf(p, "[%zu]", i);
}

/* "[id=42]", "[id=welcome]", "[id=\"two words\"]", "[id=\"42\"]". */
static void push_id(struct sbx_buf *p, const json_t *id)
{
	const char *s;
	int plain = 0, digits = 1;

	if (json_is_integer(id)) {
		sbx_buf_addf(p, "[id=%" JSON_INTEGER_FORMAT "]", json_integer_value(id));
		return;
	}
	s = json_string_value(id);
	if (*s) {
		const char *q;

		plain = 1;
		for (q = s; *q; q++) {
			int c = (unsigned char)*q;

			digits &= c >= '0' && c <= '9';
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      c == '_' || c == '-' || c == '.' || c == ':'))
				plain = 0;
		}
	}
	sbx_buf_adds(p, "[id=");
	if (plain && !digits)
		sbx_buf_adds(p, s);
	else
		sbx_json_quote(p, s, strlen(s));
	sbx_buf_addc(p, ']');
}

static void path_cut(struct sbx_buf *p, size_t len)
{
	p->len = len;
	if (p->data)
		p->data[len] = '\0';
}

/* ---- Merging ------------------------------------------------------------ */

static int eq(const json_t *a, const json_t *b)
{
	return a == b || (a && b && json_equal((json_t *)a, (json_t *)b));
}

static json_t *ref(json_t *v)
{
	return v ? json_incref(v) : NULL;
}

/* Whether any string (or member name) in V holds a placeholder. */
static int has_ph(const struct jm *m, const json_t *v)
{
	struct sbx_ph_hit h;
	const char *k;
	json_t *c;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return sbx_ph_find(json_string_value(v), json_string_length(v), 0, m->o ? m->o->masked : NULL,
				   m->o ? m->o->nmasked : 0, &h);
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, c)
			if (sbx_ph_find(k, strlen(k), 0, m->o ? m->o->masked : NULL, m->o ? m->o->nmasked : 0,
					&h) || has_ph(m, c))
				return 1;
		return 0;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			if (has_ph(m, json_array_get(v, i)))
				return 1;
		return 0;
	default:
		return 0;
	}
}

static void scan_value(const struct jm *m, struct sbx_merge_conflict *x, const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		sbx_merge_conflict_scan(x, m->o, json_string_value(v), json_string_length(v), 0);
		break;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, c) {
			sbx_merge_conflict_scan(x, m->o, k, strlen(k), 0);
			scan_value(m, x, c);
		}
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			scan_value(m, x, json_array_get(v, i));
		break;
	default:
		break;
	}
}

/* Records a conflict at the current path and applies the rules: *RES is
 * the side they chose (ours' value while the conflict stays open; the
 * merged document is not written then). */
static int conflict(struct jm *m, enum sbx_merge_kind kind, json_t *b, json_t *o, json_t *t,
		    json_t **res)
{
	char *sb = show(m, b), *so = show(m, o), *st = show(m, t);
	struct sbx_merge_conflict *x =
		sbx_merge_conflict_add(m->conf, m->file, m->path.data ? m->path.data : "", kind, sb, so, st);
	int side;

	free(sb);
	free(so);
	free(st);
	if (o)
		scan_value(m, x, o);
	side = sbx_merge_conflict_resolve(m->conf, x, m->o, m->err);
	if (side < 0)
		return side;
	*res = ref(side == SBX_MERGE_THEIRS ? t : o);
	return 0;
}

static int merge(struct jm *m, json_t *b, json_t *o, json_t *t, json_t **res);

static int merge_object(struct jm *m, json_t *b, json_t *o, json_t *t, json_t **res)
{
	json_t *out = json_object(), *ov, *tv, *rv;
	size_t at = m->path.len;
	const char *k;
	int same = 1, r = 0;

	if (!out)
		abort();
	if (!json_is_object(b))
		b = NULL;
	if (!json_is_object(t))
		t = NULL;
	json_object_foreach(o, k, ov) {
		push_key(&m->path, k);
		r = merge(m, b ? json_object_get(b, k) : NULL, ov, t ? json_object_get(t, k) : NULL, &rv);
		path_cut(&m->path, at);
		if (r)
			goto out;
		same &= rv == ov;
		if (rv)
			json_object_set_new(out, k, rv);
	}
	if (t) {
		json_object_foreach(t, k, tv) {
			if (json_object_get(o, k))
				continue;
			push_key(&m->path, k);
			r = merge(m, b ? json_object_get(b, k) : NULL, NULL, tv, &rv);
			path_cut(&m->path, at);
			if (r)
				goto out;
			if (rv) {
				same = 0;
				json_object_set_new(out, k, rv);
			}
		}
	}
out:
	if (r || same) {
		json_decref(out);
		*res = r ? NULL : ref(o);
		return r;
	}
	origin_add(m, out, o);
	*res = out;
	return 0;
}

/* The id of an element of an id array, or NULL. */
static json_t *elem_id(json_t *e)
{
	json_t *id = json_is_object(e) ? json_object_get(e, "id") : NULL;

	if (json_is_integer(id))
		return id;
	if (json_is_string(id) && strlen(json_string_value(id)) == json_string_length(id))
		return id;
	return NULL;
}

/* The lookup key of an id: integers and strings never collide. */
static void id_key(const json_t *id, struct sbx_buf *k)
{
	sbx_buf_reset(k);
	if (json_is_integer(id))
		sbx_buf_addf(k, "i%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else
		sbx_buf_addf(k, "s%s", json_string_value(id));
}

/* A map from id key to element when A is an array of objects with unique
 * ids (new reference), else NULL.  A missing A is an empty map. */
static json_t *id_map(json_t *a)
{
	struct sbx_buf k = SBX_BUF_INIT;
	json_t *map = json_object();
	size_t i;

	if (!map)
		abort();
	for (i = 0; a && i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *id = elem_id(e);

		if (!id)
			goto no;
		id_key(id, &k);
		if (json_object_get(map, k.data))
			goto no;
		json_object_set(map, k.data, e);
	}
	sbx_buf_release(&k);
	return map;
no:
	sbx_buf_release(&k);
	json_decref(map);
	return NULL;
}

static int merge_by_id(struct jm *m, json_t *b, json_t *o, json_t *t, json_t *bm, json_t *om,
		       json_t *tm, json_t **res)
{
	struct sbx_buf k = SBX_BUF_INIT;
	json_t *out = json_array(), *rv;
	size_t at = m->path.len, i;
	int same = 1, r = 0;

	(void)b;
	if (!out)
		abort();
	for (i = 0; i < json_array_size(o); i++) {
		json_t *e = json_array_get(o, i), *id = elem_id(e);

		id_key(id, &k);
		push_id(&m->path, id);
		r = merge(m, json_object_get(bm, k.data), e, json_object_get(tm, k.data), &rv);
		path_cut(&m->path, at);
		if (r)
			goto out;
		same &= rv == e;
		if (rv)
			json_array_append_new(out, rv);
	}
	for (i = 0; t && i < json_array_size(t); i++) {
		json_t *e = json_array_get(t, i), *id = elem_id(e);

		id_key(id, &k);
		if (json_object_get(om, k.data))
			continue;
		push_id(&m->path, id);
		r = merge(m, json_object_get(bm, k.data), NULL, e, &rv);
		path_cut(&m->path, at);
		if (r)
			goto out;
		if (rv) {
			same = 0;
			json_array_append_new(out, rv);
		}
	}
out:
	sbx_buf_release(&k);
	if (r || same) {
		json_decref(out);
		*res = r ? NULL : ref(o);
		return r;
	}
	origin_add(m, out, o);
	*res = out;
	return 0;
}

static int structured(json_t *a)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (!json_is_object(json_array_get(a, i)) && !json_is_array(json_array_get(a, i)))
			return 0;
	return 1;
}

/* Whether X (of B's length) holds an element of B at another index than
 * B's: elements were moved, so index I of one side may not be index I of
 * the other (merging theirs' change of B[0] into what ours moved there
 * would change the wrong element). */
static int moved(json_t *b, json_t *x)
{
	size_t i, j, n = json_array_size(b);

	for (i = 0; i < n; i++) {
		if (json_equal(json_array_get(x, i), json_array_get(b, i)))
			continue;
		for (j = 0; j < n; j++)
			if (j != i && json_equal(json_array_get(x, i), json_array_get(b, j)))
				return 1;
	}
	return 0;
}

static int merge_by_index(struct jm *m, json_t *b, json_t *o, json_t *t, json_t **res)
{
	json_t *out = json_array(), *rv;
	size_t at = m->path.len, i;
	int same = 1, r = 0;

	if (!out)
		abort();
	for (i = 0; i < json_array_size(o); i++) {
		push_index(&m->path, i);
		r = merge(m, json_array_get(b, i), json_array_get(o, i), json_array_get(t, i), &rv);
		path_cut(&m->path, at);
		if (r)
			goto out;
		same &= rv == json_array_get(o, i);
		/* Every element is present on all three sides: so is the
		 * result, unless a rule chose a deletion, which the index
		 * merge does not do.  Keep positions with null then. */
		json_array_append_new(out, rv ? rv : json_null());
	}
out:
	if (r || same) {
		json_decref(out);
		*res = r ? NULL : ref(o);
		return r;
	}
	origin_add(m, out, o);
	*res = out;
	return 0;
}

/* Merges arrays O and T (B an array or not) element-wise when their shape
 * allows it: returns 1 with *R set, or 0 when they are single values. */
static int merge_array(struct jm *m, json_t *b, json_t *o, json_t *t, json_t **res, int *r)
{
	json_t *bm = NULL, *om = NULL, *tm = NULL;
	int done = 0;

	if (!json_is_array(b))
		b = NULL;
	if (t && !json_is_array(t))
		return 0;
	if (json_array_size(o) + json_array_size(t) > 0 && (om = id_map(o)) && (!t || (tm = id_map(t))) &&
	    (bm = id_map(b))) {
		if (!tm && !(tm = json_object()))
			abort();
		*r = merge_by_id(m, b, o, t, bm, om, tm, res);
		done = 1;
	} else if (b && t && json_array_size(o) && json_array_size(o) <= MAX_BY_INDEX &&
		   json_array_size(b) == json_array_size(o) && json_array_size(t) == json_array_size(o) &&
		   structured(b) && structured(o) && structured(t) && !moved(b, o) && !moved(b, t)) {
		*r = merge_by_index(m, b, o, t, res);
		done = 1;
	}
	json_decref(bm);
	json_decref(om);
	json_decref(tm);
	return done;
}

static int same_type(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return 1;
	if (json_is_boolean(a) && json_is_boolean(b))
		return 1;
	return json_typeof(a) == json_typeof(b);
}

/* Merges one value: B, O and T are the versions (NULL: absent); *RES gets
 * the merged value (a new reference) or NULL when it is absent. */
static int merge(struct jm *m, json_t *b, json_t *o, json_t *t, json_t **res)
{
	int r = 0;

	*res = NULL;
	if (eq(o, t)) {
		*res = ref(o);
		return 0;
	}
	if (eq(b, o)) {
		*res = ref(t);
		return 0;
	}
	if (eq(b, t)) {
		/* Ours changed it alone. */
		if (!o)
			return 0;
		if (json_is_object(o) && (!b || json_is_object(b)))
			return merge_object(m, b, o, t, res);
		if (json_is_array(o) && (!b || json_is_array(b)) && merge_array(m, b, o, t, res, &r))
			return r;
		if (has_ph(m, o))
			return conflict(m, SBX_MERGE_PLACEHOLDER, b, o, t, res);
		*res = ref(o);
		return 0;
	}
	/* Both changed it, differently. */
	if (!o || !t)
		return conflict(m, SBX_MERGE_DELETE_VS_CHANGE, b, o, t, res);
	if (json_is_object(o) && json_is_object(t))
		return merge_object(m, b, o, t, res);
	if (json_is_array(o) && json_is_array(t) && merge_array(m, b, o, t, res, &r))
		return r;
	return conflict(m, same_type(o, t) ? SBX_MERGE_BOTH_CHANGED : SBX_MERGE_TYPE, b, o, t, res);
}

/* ---- The document ------------------------------------------------------- */

static int load(struct jm *m, int which, const char *text, size_t n)
{
	struct doc *d = &m->d[which];
	json_error_t je;
	size_t next = 0, mark = m->nraw;

	d->text = text;
	d->n = n;
	if (!text)
		return 0;
	if (n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		d->skip = 3;
	d->root = json_loadb(text + d->skip, n - d->skip,
			     JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!d->root)
		return sbx_err_set(m->err, SBX_EINVAL, "%s: %s is not valid JSON: line %d, column %d: %s",
				   m->file, doc_names[which], je.line, je.column, je.text);
	d->have_pos = !sbx_json_scan(m->file, text, n, &d->pos, NULL);
	if (d->have_pos && map_value(m, which, d->root, NULL, &next))
		m->nraw = mark;
	detect_style(d);
	return 0;
}

int sbx_merge_json(const char *file, const char *base, size_t nb, const char *ours, size_t no,
		   const char *theirs, size_t nt, const struct sbx_merge_opts *o, struct sbx_buf *out,
		   struct sbx_merge_conflicts *conf, struct sbx_err *err)
{
	struct jm m;
	json_t *res = NULL;
	size_t open = conf->unresolved;
	int r, i;

	memset(&m, 0, sizeof m);
	m.file = file;
	m.o = o;
	m.conf = conf;
	m.err = err;
	if (!ours)
		return sbx_err_set(err, SBX_EINVAL, "%s: no ours version to merge", file);
	r = load(&m, OURS, ours, no);
	if (!r)
		r = load(&m, BASE, base, nb);
	if (!r)
		r = load(&m, THEIRS, theirs, nt);
	if (r)
		goto out;
	if (m.nraw)
		qsort(m.raw, m.nraw, sizeof *m.raw, raw_cmp);
	sbx_buf_grow(&m.path, 0);
	r = merge(&m, m.d[BASE].root, m.d[OURS].root, m.d[THEIRS].root, &res);
	if (r || conf->unresolved != open || !res)
		goto out;
	if (m.norig)
		qsort(m.orig, m.norig, sizeof *m.orig, origin_cmp);
	if (theirs && json_equal(res, m.d[THEIRS].root)) {
		sbx_buf_add(out, theirs, nt);
	} else if (json_equal(res, m.d[OURS].root)) {
		sbx_buf_add(out, ours, no);
	} else {
		const struct doc *d = &m.d[OURS];
		const struct sbx_jnode *root = d->have_pos ? &d->pos.n[0] : NULL;

		/* Ours' byte order mark and blank space around the value. */
		if (root)
			sbx_buf_add(out, ours, root->start);
		else
			sbx_buf_add(out, ours, d->skip);
		emit(&m, res, &d->st, 1, 0, out);
		if (root)
			sbx_buf_add(out, ours + root->end, no - root->end);
		else if (no && ours[no - 1] == '\n')
			sbx_buf_adds(out, d->st.nl);
	}
out:
	json_decref(res);
	for (i = 0; i < NDOCS; i++) {
		json_decref(m.d[i].root);
		if (m.d[i].have_pos)
			sbx_json_release(&m.d[i].pos);
	}
	free(m.raw);
	free(m.orig);
	sbx_buf_release(&m.path);
	return r;
}
