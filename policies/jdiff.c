/* The key-level diff of two JSON documents: objects compared member by
 * member, arrays of objects with ids matched by id, other arrays aligned by
 * a diff of their elements, every value shown through a reveal (so that a
 * secret or a masked value comes out as a placeholder). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policies/jsonpos.h"
#include "policies/reveal.h"
#include "sbx/diff.h"

struct jd {
	const char *file;
	const struct sbx_reveal *r;
	int (*fn)(const struct sbx_jdiff_change *c, void *ctx);
	void *ctx;
	struct sbx_buf path;         /* "rules[id=42].actions" */
	const char **keys;           /* the same as member names, "[]" for elements */
	size_t nkeys, capkeys;
};

static void push_key(struct jd *d, const char *k)
{
	if (d->nkeys == d->capkeys) {
		d->capkeys = d->capkeys ? 2 * d->capkeys : 16;
		d->keys = sbx_xrealloc(d->keys, d->capkeys * sizeof *d->keys);
	}
	d->keys[d->nkeys++] = k;
}

static int simple_key(const char *k)
{
	const char *p;

	if (!*k)
		return 0;
	for (p = k; *p; p++)
		if (*p == '.' || *p == '[' || *p == ']' || *p == '"' || *p == '\\' ||
		    (unsigned char)*p <= ' ')
			return 0;
	return 1;
}

/* Enters member K: returns the path length to go back to. */
static size_t enter_member(struct jd *d, const char *k)
{
	size_t back = d->path.len;

	if (simple_key(k)) {
		if (d->path.len)
			sbx_buf_addc(&d->path, '.');
		sbx_buf_adds(&d->path, k);
	} else {
		sbx_buf_addc(&d->path, '[');
		sbx_json_quote(&d->path, k, strlen(k));
		sbx_buf_addc(&d->path, ']');
	}
	push_key(d, k);
	return back;
}

/* Enters an array element, written "[N]" or "[id=X]" (LABEL). */
static size_t enter_element(struct jd *d, const char *label)
{
	size_t back = d->path.len;

	sbx_buf_adds(&d->path, label);
	push_key(d, "[]");
	return back;
}

static void leave(struct jd *d, size_t back)
{
	d->path.len = back;
	d->path.data[back] = '\0';
	d->nkeys--;
}

/* V as it may be shown: a copy with every hidden leaf a placeholder. */
static json_t *shown(struct jd *d, json_t *v)
{
	struct sbx_buf ph = SBX_BUF_INIT;
	json_t *out;

	if (!d->r)
		return json_incref(v);
	if (json_is_object(v)) {
		const char *k;
		json_t *m;

		out = json_object();
		json_object_foreach(v, k, m) {
			push_key(d, k);
			json_object_set_new(out, k, shown(d, m));
			d->nkeys--;
		}
		return out;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		out = json_array();
		push_key(d, "[]");
		json_array_foreach(v, i, e)
			json_array_append_new(out, shown(d, e));
		d->nkeys--;
		return out;
	}
	if (json_is_string(v)) {
		if (sbx_reveal_leaf(d->r, d->file, d->keys, d->nkeys, json_string_value(v),
				    json_string_length(v), 1, &ph))
			out = json_string(ph.data);
		else
			out = json_incref(v);
	} else {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		if (text && sbx_reveal_leaf(d->r, d->file, d->keys, d->nkeys, text, strlen(text), 0, &ph))
			out = json_string(ph.data);
		else
			out = json_incref(v);
		free(text);
	}
	sbx_buf_release(&ph);
	return out;
}

static char *text_of(struct jd *d, json_t *v)
{
	json_t *s;
	char *t;

	if (!v)
		return NULL;
	s = shown(d, v);
	t = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(s);
	return t;
}

static int report(struct jd *d, enum sbx_diff_kind op, json_t *a, json_t *b)
{
	struct sbx_jdiff_change c;
	char *ta = text_of(d, a), *tb = text_of(d, b);
	int r;

	c.path = d->path.data;
	c.op = op;
	c.a = ta;
	c.b = tb;
	r = d->fn(&c, d->ctx);
	free(ta);
	free(tb);
	return r;
}

static int cmp(struct jd *d, json_t *a, json_t *b);

static int by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int objects(struct jd *d, json_t *a, json_t *b)
{
	size_t n = 0, i;
	const char **names = sbx_xmalloc((json_object_size(a) + json_object_size(b) + 1) * sizeof *names);
	const char *k;
	json_t *v;
	int r = 0;

	json_object_foreach(a, k, v)
		names[n++] = k;
	json_object_foreach(b, k, v)
		if (!json_object_get(a, k))
			names[n++] = k;
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n && !r; i++) {
		json_t *va = json_object_get(a, names[i]), *vb = json_object_get(b, names[i]);
		size_t back = enter_member(d, names[i]);

		if (!vb)
			r = report(d, SBX_DIFF_REMOVED, va, NULL);
		else if (!va)
			r = report(d, SBX_DIFF_ADDED, NULL, vb);
		else
			r = cmp(d, va, vb);
		leave(d, back);
	}
	free(names);
	return r;
}

/* "i:42" or "s:abc" for the scalar id of element E, or NULL. */
static char *id_key(json_t *e)
{
	json_t *id = json_object_get(e, "id");
	struct sbx_buf b = SBX_BUF_INIT;

	if (json_is_integer(id))
		sbx_buf_addf(&b, "i:%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else if (json_is_string(id) && !memchr(json_string_value(id), '\0', json_string_length(id)))
		sbx_buf_addf(&b, "s:%s", json_string_value(id));
	else
		return NULL;
	return sbx_buf_detach(&b, NULL);
}

/* An object mapping each element's id key to its index, or NULL when some
 * element is not an object with a scalar id, or two share one. */
static json_t *id_index(json_t *arr)
{
	json_t *map = json_object(), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		char *k = json_is_object(e) ? id_key(e) : NULL;

		if (!k || json_object_get(map, k)) {
			free(k);
			json_decref(map);
			return NULL;
		}
		json_object_set_new(map, k, json_integer((json_int_t)i));
		free(k);
	}
	return map;
}

static void id_label(json_t *e, struct sbx_buf *out)
{
	json_t *id = json_object_get(e, "id");

	sbx_buf_adds(out, "[id=");
	if (json_is_integer(id))
		sbx_buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else if (simple_key(json_string_value(id)))
		sbx_buf_adds(out, json_string_value(id));
	else
		sbx_json_quote(out, json_string_value(id), json_string_length(id));
	sbx_buf_addc(out, ']');
}

static int by_id(struct jd *d, json_t *a, json_t *b, json_t *ia, json_t *ib)
{
	struct sbx_buf label = SBX_BUF_INIT;
	size_t i;
	json_t *e;
	int r = 0;

	json_array_foreach(a, i, e) {
		char *k = id_key(e);
		json_t *j = json_object_get(ib, k);
		size_t back;

		sbx_buf_reset(&label);
		id_label(e, &label);
		back = enter_element(d, label.data);
		r = j ? cmp(d, e, json_array_get(b, (size_t)json_integer_value(j))) :
			report(d, SBX_DIFF_REMOVED, e, NULL);
		leave(d, back);
		free(k);
		if (r)
			goto out;
	}
	json_array_foreach(b, i, e) {
		char *k = id_key(e);
		size_t back;

		if (!json_object_get(ia, k)) {
			sbx_buf_reset(&label);
			id_label(e, &label);
			back = enter_element(d, label.data);
			r = report(d, SBX_DIFF_ADDED, NULL, e);
			leave(d, back);
		}
		free(k);
		if (r)
			goto out;
	}
out:
	sbx_buf_release(&label);
	return r;
}

static int element(struct jd *d, enum sbx_diff_kind op, size_t index, json_t *a, json_t *b)
{
	char label[32];
	size_t back;
	int r;

	snprintf(label, sizeof label, "[%zu]", index);
	back = enter_element(d, label);
	r = op == SBX_DIFF_CHANGED ? cmp(d, a, b) : report(d, op, a, b);
	leave(d, back);
	return r;
}

/* Arrays matched by position: elements aligned by a diff of their
 * canonical texts; in each changed region the first removals and additions
 * pair up as changes, the rest are removed or added. */
static int by_position(struct jd *d, json_t *a, json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b), n, i, k;
	struct sbx_line *la = sbx_xcalloc(na + 1, sizeof *la), *lb = sbx_xcalloc(nb + 1, sizeof *lb);
	size_t *dels = sbx_xmalloc((na + 1) * sizeof *dels), *adds = sbx_xmalloc((nb + 1) * sizeof *adds);
	struct sbx_edit *s = NULL;
	int r = 0;

	for (i = 0; i < na; i++) {
		la[i].p = json_dumps(json_array_get(a, i), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		la[i].len = la[i].p ? strlen(la[i].p) : 0;
	}
	for (i = 0; i < nb; i++) {
		lb[i].p = json_dumps(json_array_get(b, i), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		lb[i].len = lb[i].p ? strlen(lb[i].p) : 0;
	}
	sbx_line_diff(la, na, lb, nb, &s, &n);
	for (i = 0; i < n && !r;) {
		size_t nd = 0, nadd = 0, pairs;

		if (s[i].op == '=') {
			i++;
			continue;
		}
		for (; i < n && s[i].op != '='; i++) {
			if (s[i].op == '-')
				dels[nd++] = s[i].a;
			else
				adds[nadd++] = s[i].b;
		}
		pairs = nd < nadd ? nd : nadd;
		for (k = 0; k < pairs && !r; k++)
			r = element(d, SBX_DIFF_CHANGED, dels[k], json_array_get(a, dels[k]),
				    json_array_get(b, adds[k]));
		for (k = pairs; k < nd && !r; k++)
			r = element(d, SBX_DIFF_REMOVED, dels[k], json_array_get(a, dels[k]), NULL);
		for (k = pairs; k < nadd && !r; k++)
			r = element(d, SBX_DIFF_ADDED, adds[k], NULL, json_array_get(b, adds[k]));
	}
	for (i = 0; i < na; i++)
		free((char *)la[i].p);
	for (i = 0; i < nb; i++)
		free((char *)lb[i].p);
	free(la);
	free(lb);
	free(dels);
	free(adds);
	free(s);
	return r;
}

static int arrays(struct jd *d, json_t *a, json_t *b)
{
	json_t *ia = id_index(a), *ib = ia ? id_index(b) : NULL;
	int r;

	if (ia && ib)
		r = by_id(d, a, b, ia, ib);
	else
		r = by_position(d, a, b);
	json_decref(ia);
	json_decref(ib);
	return r;
}

static int cmp(struct jd *d, json_t *a, json_t *b)
{
	if (json_equal(a, b))
		return 0;
	if (json_is_object(a) && json_is_object(b))
		return objects(d, a, b);
	if (json_is_array(a) && json_is_array(b))
		return arrays(d, a, b);
	return report(d, SBX_DIFF_CHANGED, a, b);
}

static json_t *load(const char *path, char side, const void *p, size_t n, struct sbx_err *err)
{
	json_error_t je;
	json_t *v = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

	if (!v)
		sbx_err_set(err, SBX_EINVAL, "'%s' (side %c) is not JSON: line %d column %d: %s", path,
			    side, je.line, je.column, je.text);
	return v;
}

int sbx_json_diff(const char *path, const void *a, size_t na, const void *b, size_t nb,
		  const struct sbx_reveal *r,
		  int (*fn)(const struct sbx_jdiff_change *c, void *ctx), void *ctx,
		  struct sbx_err *err)
{
	json_t *ja = load(path, 'a', a, na, err), *jb = ja ? load(path, 'b', b, nb, err) : NULL;
	struct jd d;
	int rc;

	if (!ja || !jb) {
		json_decref(ja);
		return err && err->code ? err->code : SBX_EINVAL;
	}
	memset(&d, 0, sizeof d);
	d.file = path;
	d.r = r;
	d.fn = fn;
	d.ctx = ctx;
	sbx_buf_grow(&d.path, 64);
	rc = cmp(&d, ja, jb);
	sbx_buf_release(&d.path);
	free(d.keys);
	json_decref(ja);
	json_decref(jb);
	return rc;
}
