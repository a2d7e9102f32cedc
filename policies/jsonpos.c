#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policies/jsonpos.h"
#include "sbx/buf.h"
#include "util/hash.h"

#define MAX_DEPTH 512

struct scan {
	const char *name;
	const char *p, *s, *end;
	int line;
	const char *line_start;
	struct sbx_jdoc *doc;
	struct sbx_err *err;
};

static int col_of(const struct scan *sc, const char *at)
{
	return (int)(at - sc->line_start) + 1;
}

static int fail(struct scan *sc, const char *what)
{
	return sbx_err_set(sc->err, SBX_ESYNTAX, "%s:%d:%d: %s", sc->name, sc->line,
			   col_of(sc, sc->p), what);
}

static void ws(struct scan *sc)
{
	while (sc->p < sc->end) {
		char c = *sc->p;

		if (c == '\n') {
			sc->line++;
			sc->line_start = sc->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		sc->p++;
	}
}

static int add(struct scan *sc, enum sbx_jtype t, int parent, char *key, long index,
	       int kline, int kcol)
{
	struct sbx_jdoc *d = sc->doc;
	struct sbx_jnode *n;

	if (d->len == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->n = sbx_xrealloc(d->n, d->cap * sizeof *d->n);
	}
	n = &d->n[d->len];
	memset(n, 0, sizeof *n);
	n->type = t;
	n->start = (size_t)(sc->p - sc->s);
	n->line = sc->line;
	n->col = col_of(sc, sc->p);
	n->parent = parent;
	n->key = key;
	n->index = index;
	n->key_line = kline;
	n->key_col = kcol;
	return (int)d->len++;
}

static void put_utf8(struct sbx_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		sbx_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		sbx_buf_addc(b, (char)(0xc0 | cp >> 6));
		sbx_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sbx_buf_addc(b, (char)(0xe0 | cp >> 12));
		sbx_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sbx_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		sbx_buf_addc(b, (char)(0xf0 | cp >> 18));
		sbx_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		sbx_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sbx_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static int hex4(const char *p, uint32_t *v)
{
	int i, h;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((h = sbx_hex_digit(p[i])) < 0)
			return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	return 0;
}

int sbx_json_unescape(const char *p, const char *end, struct sbx_buf *out)
{
	uint32_t cp, lo;
	int n = 6;

	if (end - p < 2)
		return SBX_JESC_TRUNCATED;
	switch (p[1]) {
	case '"': case '\\': case '/': cp = (unsigned char)p[1]; n = 2; break;
	case 'b': cp = '\b'; n = 2; break;
	case 'f': cp = '\f'; n = 2; break;
	case 'n': cp = '\n'; n = 2; break;
	case 'r': cp = '\r'; n = 2; break;
	case 't': cp = '\t'; n = 2; break;
	case 'u':
		if (end - p < 6)
			return SBX_JESC_SHORT_U;
		if (hex4(p + 2, &cp))
			return SBX_JESC_BAD_U;
		/* A high surrogate and its low one are one code point; a lone
		 * one stays as it is. */
		if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
		    !hex4(p + 8, &lo) && lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			n = 12;
		}
		break;
	default:
		return SBX_JESC_BAD;
	}
	if (out)
		put_utf8(out, cp);
	return n;
}

/* Reads the string at sc->p (on its opening quote); decodes into OUT when
 * not NULL.  Leaves sc->p after the closing quote. */
static int string(struct scan *sc, struct sbx_buf *out)
{
	int k;

	sc->p++;
	while (sc->p < sc->end && *sc->p != '"') {
		unsigned char c = (unsigned char)*sc->p;

		if (c < 0x20)
			return fail(sc, "control character in a string");
		if (c != '\\') {
			if (out)
				sbx_buf_addc(out, (char)c);
			sc->p++;
			continue;
		}
		k = sbx_json_unescape(sc->p, sc->end, out);
		if (k == SBX_JESC_TRUNCATED)
			return fail(sc, "unterminated string");
		if (k == SBX_JESC_SHORT_U)
			return fail(sc, "truncated \\u escape");
		if (k == SBX_JESC_BAD_U)
			return fail(sc, "bad \\u escape");
		if (k < 0)
			return fail(sc, "bad escape in a string");
		sc->p += k;
	}
	if (sc->p >= sc->end)
		return fail(sc, "unterminated string");
	sc->p++;
	return 0;
}

static int value(struct scan *sc, int parent, char *key, long index, int kline, int kcol,
		 int depth);

static int literal(struct scan *sc, const char *word, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n))
		return fail(sc, "unexpected character");
	sc->p += n;
	return 0;
}

static int value(struct scan *sc, int parent, char *key, long index, int kline, int kcol,
		 int depth)
{
	int me, r;

	if (depth > MAX_DEPTH) {
		free(key);
		return fail(sc, "nesting too deep");
	}
	ws(sc);
	if (sc->p >= sc->end) {
		free(key);
		return fail(sc, "unexpected end of input");
	}
	switch (*sc->p) {
	case '{': {
		me = add(sc, SBX_J_OBJ, parent, key, index, kline, kcol);
		sc->p++;
		ws(sc);
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			break;
		}
		for (;;) {
			struct sbx_buf k = SBX_BUF_INIT;
			int kl, kc;

			ws(sc);
			if (sc->p >= sc->end || *sc->p != '"')
				return fail(sc, "expected a member name in quotes");
			kl = sc->line;
			kc = col_of(sc, sc->p);
			r = string(sc, &k);
			if (r) {
				sbx_buf_release(&k);
				return r;
			}
			if (!k.data)
				sbx_buf_grow(&k, 0);
			ws(sc);
			if (sc->p >= sc->end || *sc->p != ':') {
				sbx_buf_release(&k);
				return fail(sc, "expected ':' after a member name");
			}
			sc->p++;
			r = value(sc, me, sbx_buf_detach(&k, NULL), -1, kl, kc, depth + 1);
			if (r)
				return r;
			ws(sc);
			if (sc->p < sc->end && *sc->p == ',') {
				sc->p++;
				continue;
			}
			if (sc->p < sc->end && *sc->p == '}') {
				sc->p++;
				break;
			}
			return fail(sc, "expected ',' or '}'");
		}
		break;
	}
	case '[': {
		long i = 0;

		me = add(sc, SBX_J_ARR, parent, key, index, kline, kcol);
		sc->p++;
		ws(sc);
		if (sc->p < sc->end && *sc->p == ']') {
			sc->p++;
			break;
		}
		for (;; i++) {
			r = value(sc, me, NULL, i, 0, 0, depth + 1);
			if (r)
				return r;
			ws(sc);
			if (sc->p < sc->end && *sc->p == ',') {
				sc->p++;
				continue;
			}
			if (sc->p < sc->end && *sc->p == ']') {
				sc->p++;
				break;
			}
			return fail(sc, "expected ',' or ']'");
		}
		break;
	}
	case '"':
		me = add(sc, SBX_J_STR, parent, key, index, kline, kcol);
		r = string(sc, NULL);
		if (r)
			return r;
		break;
	case 't':
		me = add(sc, SBX_J_TRUE, parent, key, index, kline, kcol);
		if ((r = literal(sc, "true", 4)))
			return r;
		break;
	case 'f':
		me = add(sc, SBX_J_FALSE, parent, key, index, kline, kcol);
		if ((r = literal(sc, "false", 5)))
			return r;
		break;
	case 'n':
		me = add(sc, SBX_J_NULL, parent, key, index, kline, kcol);
		if ((r = literal(sc, "null", 4)))
			return r;
		break;
	default:
		if (*sc->p == '-' || (*sc->p >= '0' && *sc->p <= '9')) {
			const char *q = sc->p;

			me = add(sc, SBX_J_NUM, parent, key, index, kline, kcol);
			if (*q == '-')
				q++;
			if (q >= sc->end || !(*q >= '0' && *q <= '9'))
				return fail(sc, "bad number");
			while (q < sc->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' ||
					       *q == 'E' || *q == '+' || *q == '-'))
				q++;
			sc->p = q;
			break;
		}
		free(key);
		return fail(sc, "unexpected character");
	}
	sc->doc->n[me].end = (size_t)(sc->p - sc->s);
	return 0;
}

int sbx_json_scan(const char *name, const char *text, size_t size, struct sbx_jdoc *doc,
		  struct sbx_err *err)
{
	struct scan sc = { name, text, text, text + size, 1, text, doc, err };
	int r;

	memset(doc, 0, sizeof *doc);
	doc->text = text;
	doc->size = size;
	/* A UTF-8 byte order mark is allowed before the value. */
	if (size >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		sc.p += 3;
	r = value(&sc, -1, NULL, -1, 0, 0, 0);
	if (!r) {
		ws(&sc);
		if (sc.p != sc.end)
			r = fail(&sc, "unexpected text after the value");
	}
	if (r)
		sbx_json_release(doc);
	return r;
}

void sbx_json_release(struct sbx_jdoc *doc)
{
	size_t i;

	for (i = 0; i < doc->len; i++)
		free(doc->n[i].key);
	free(doc->n);
	memset(doc, 0, sizeof *doc);
}

char *sbx_json_path(const struct sbx_jdoc *doc, int i)
{
	struct sbx_buf b = SBX_BUF_INIT, tmp = SBX_BUF_INIT;
	int chain[MAX_DEPTH + 2], n = 0, k;

	for (; i > 0 && n < MAX_DEPTH + 1; i = doc->n[i].parent)
		chain[n++] = i;
	for (k = n - 1; k >= 0; k--) {
		const struct sbx_jnode *nd = &doc->n[chain[k]];

		if (nd->key) {
			if (b.len)
				sbx_buf_addc(&b, '.');
			sbx_buf_adds(&b, nd->key);
		} else {
			sbx_buf_addf(&b, "[%ld]", nd->index);
		}
	}
	sbx_buf_release(&tmp);
	if (!b.data)
		sbx_buf_grow(&b, 0);
	return sbx_buf_detach(&b, NULL);
}

int sbx_json_member(const struct sbx_jdoc *doc, int obj, const char *key)
{
	size_t i;

	for (i = (size_t)obj + 1; i < doc->len; i++) {
		if (doc->n[i].start >= doc->n[obj].end)
			break;
		if (doc->n[i].parent == obj && doc->n[i].key && !strcmp(doc->n[i].key, key))
			return (int)i;
	}
	return -1;
}

char *sbx_json_string(const struct sbx_jdoc *doc, int i, size_t *len)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct sbx_err err = { 0 };
	const struct sbx_jnode *n = &doc->n[i];
	struct scan sc = { "", doc->text + n->start, doc->text, doc->text + n->end, 1,
			   doc->text, NULL, &err };

	string(&sc, &b);
	if (!b.data)
		sbx_buf_grow(&b, 0);
	return sbx_buf_detach(&b, len);
}

void sbx_json_quote(struct sbx_buf *out, const char *s, size_t len)
{
	size_t i;

	sbx_buf_addc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': sbx_buf_adds(out, "\\\""); break;
		case '\\': sbx_buf_adds(out, "\\\\"); break;
		case '\n': sbx_buf_adds(out, "\\n"); break;
		case '\r': sbx_buf_adds(out, "\\r"); break;
		case '\t': sbx_buf_adds(out, "\\t"); break;
		default:
			if (c < 0x20)
				sbx_buf_addf(out, "\\u%04x", c);
			else
				sbx_buf_addc(out, (char)c);
		}
	}
	sbx_buf_addc(out, '"');
}
