/* A one-pass scanner for the top-level fields of journal entries. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "lifecycle/jentry.h"
#include "policies/jsonpos.h"

struct cur {
	const char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* Bit 7 of each byte of X that equals the byte in every byte of N; the
 * lowest one set is exact (the classic word-at-a-time test). */
static inline uint64_t bytes_eq(uint64_t x, uint64_t n)
{
	uint64_t y = x ^ n;

	return (y - 0x0101010101010101ull) & ~y & 0x8080808080808080ull;
}

/* The closing quote of the string whose contents start at S, or NULL; *ESC
 * set when it holds escapes.  Eight bytes at a time: a million entries
 * hold a few hundred megabytes of strings. */
static inline const char *str_end(const char *s, const char *end, int *esc)
{
	const char *p = s;

	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (end - p >= 8) {
			uint64_t x, m;

			memcpy(&x, p, 8);
			m = bytes_eq(x, 0x2222222222222222ull) | bytes_eq(x, 0x5c5c5c5c5c5c5c5cull);
			if (m) {
				p += __builtin_ctzll(m) / 8;
				break;
			}
			p += 8;
		}
#endif
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p;
		*esc = 1;
		p += 2;   /* the backslash and the character it escapes */
	}
}

/* Decodes the escapes of S[0..N) onto B. */
static int unescape(const char *s, size_t n, struct sbx_buf *b)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		int k;

		if (!bs) {
			sbx_buf_add(b, p, (size_t)(end - p));
			break;
		}
		sbx_buf_add(b, p, (size_t)(bs - p));
		if ((k = sbx_json_unescape(bs, end, b)) < 0)
			return -1;
		p = bs + k;
	}
	return 0;
}

/* Skips a nested object or array starting at C->p. */
static int skip_nested(struct cur *c)
{
	int depth = 0;

	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == '"') {
			int esc = 0;
			const char *q = str_end(c->p + 1, c->end, &esc);

			if (!q)
				return -1;
			c->p = q + 1;
			continue;
		}
		c->p++;
		if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0)
				return 0;
		}
	}
	return -1;
}

/* Skips a number or a literal; an integer goes to *V with *ISINT set. */
static void scalar(struct cur *c, int64_t *v, int *isint)
{
	const char *s = c->p;
	int neg = 0, n = 0, ok = 1;
	uint64_t x = 0;

	if (c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	/* Twenty digits overflow 64 bits; nineteen fit unsigned. */
	for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++, n++)
		x = x * 10 + (uint64_t)(*c->p - '0');
	if (n > 19 || x > (uint64_t)INT64_MAX)
		ok = 0;
	while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']' && *c->p != ' ' &&
	       *c->p != '\t' && *c->p != '\n' && *c->p != '\r') {
		c->p++;
		ok = 0;
	}
	*isint = ok && n > 0 && c->p > s;
	*v = neg ? -(int64_t)x : (int64_t)x;
}

/* The field of E that member KEY[0..N) fills: a string field, or in *NUM
 * 1 for time_ns and 2 for stored_bytes; NULL with *NUM 0 for others. */
static struct sbx_jfield *field_of(struct sbx_jentry *e, const char *k, size_t n, int *num)
{
	*num = 0;
	switch (n) {
	case 2:
		if (!memcmp(k, "op", 2))
			return &e->op;
		if (!memcmp(k, "to", 2))
			return &e->to;
		break;
	case 4:
		if (!memcmp(k, "time", 4))
			return &e->time;
		break;
	case 5:
		if (!memcmp(k, "actor", 5))
			return &e->actor;
		if (!memcmp(k, "owner", 5))
			return &e->owner;
		if (!memcmp(k, "phase", 5))
			return &e->phase;
		break;
	case 6:
		if (!memcmp(k, "result", 6))
			return &e->result;
		break;
	case 7:
		if (!memcmp(k, "purpose", 7))
			return &e->purpose;
		if (!memcmp(k, "sandbox", 7))
			return &e->sandbox;
		if (!memcmp(k, "time_ns", 7))
			*num = 1;
		break;
	case 8:
		if (!memcmp(k, "provider", 8))
			return &e->provider;
		break;
	case 12:
		if (!memcmp(k, "stored_bytes", 12))
			*num = 2;
		break;
	}
	return NULL;
}

int sbx_jentry_scan(const char *text, size_t len, struct sbx_jentry *e, struct sbx_buf *scratch,
		    int only_outcomes)
{
	struct cur c = { text, text + len };
	struct {
		struct sbx_jfield *f;
		size_t off;
	} fix[16];
	size_t nfix = 0, i;

	memset(e, 0, sizeof *e);
	scratch->len = 0;
	ws(&c);
	if (c.p >= c.end || *c.p++ != '{')
		return -1;
	ws(&c);
	if (c.p < c.end && *c.p == '}')
		return 0;
	for (;;) {
		const char *k, *q;
		struct sbx_jfield *f;
		size_t kn;
		int num, esc = 0;

		ws(&c);
		if (c.p >= c.end || *c.p != '"' || !(q = str_end(c.p + 1, c.end, &esc)))
			return -1;
		k = c.p + 1;
		kn = (size_t)(q - k);
		c.p = q + 1;
		ws(&c);
		if (c.p >= c.end || *c.p++ != ':')
			return -1;
		ws(&c);
		if (c.p >= c.end)
			return -1;
		f = field_of(e, k, kn, &num);
		/* A repeated member: the last one wins. */
		for (i = 0; f && i < nfix; i++)
			if (fix[i].f == f)
				fix[i] = fix[--nfix];
		if (*c.p == '"') {
			const char *s = c.p + 1;

			esc = 0;
			if (!(q = str_end(s, c.end, &esc)))
				return -1;
			c.p = q + 1;
			if (f && !esc) {
				f->p = s;
				f->len = (size_t)(q - s);
			} else if (f) {
				size_t off = scratch->len;

				if (unescape(s, (size_t)(q - s), scratch) || nfix == 16)
					return -1;
				f->p = s;       /* made to point into SCRATCH below */
				f->len = scratch->len - off;
				fix[nfix].f = f;
				fix[nfix++].off = off;
			}
		} else if (*c.p == '{' || *c.p == '[') {
			if (skip_nested(&c))
				return -1;
			if (f)
				f->p = NULL;
		} else {
			int64_t v;
			int isint;

			scalar(&c, &v, &isint);
			if (f)
				f->p = NULL;
			if (num == 1) {
				e->time_ns = v;
				e->has_time_ns = (unsigned)isint;
			} else if (num == 2) {
				e->stored_bytes = v;
				e->has_stored_bytes = (unsigned)(isint && v >= 0);
			}
		}
		/* Members come in the writer's order, sorted: "phase" before
		 * everything an outcome adds. */
		if (only_outcomes && f == &e->phase && !sbx_jfield_is(f, "outcome"))
			return 1;
		ws(&c);
		if (c.p >= c.end)
			return -1;
		if (*c.p == ',') {
			c.p++;
			continue;
		}
		if (*c.p++ != '}')
			return -1;
		break;
	}
	/* SCRATCH may have moved while it grew: point into it only now. */
	for (i = 0; i < nfix; i++)
		fix[i].f->p = scratch->data + fix[i].off;
	return 0;
}
