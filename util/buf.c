#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx/buf.h"

static void oom(size_t n)
{
	fprintf(stderr, "sbx: error: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sbx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *sbx_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *sbx_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *sbx_xstrdup(const char *s)
{
	return sbx_xstrndup(s, strlen(s));
}

char *sbx_xstrndup(const char *s, size_t n)
{
	char *p = sbx_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void sbx_buf_grow(struct sbx_buf *b, size_t n)
{
	size_t want = b->len + n + 1;

	if (want <= b->cap)
		return;
	if (want < b->cap * 2)
		want = b->cap * 2;
	if (want < 64)
		want = 64;
	b->data = sbx_xrealloc(b->data, want);
	b->cap = want;
	/* The contract: always NUL-terminated, a fresh buffer too. */
	b->data[b->len] = '\0';
}

void sbx_buf_add(struct sbx_buf *b, const void *p, size_t n)
{
	sbx_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sbx_buf_adds(struct sbx_buf *b, const char *s)
{
	sbx_buf_add(b, s, strlen(s));
}

void sbx_buf_addc(struct sbx_buf *b, char c)
{
	sbx_buf_add(b, &c, 1);
}

void sbx_buf_vaddf(struct sbx_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	sbx_buf_grow(b, 64);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sbx_buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sbx_buf_addf(struct sbx_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void sbx_buf_add_u8(struct sbx_buf *b, uint8_t v)
{
	sbx_buf_add(b, &v, 1);
}

void sbx_buf_add_u16(struct sbx_buf *b, uint16_t v)
{
	unsigned char p[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	sbx_buf_add(b, p, 2);
}

void sbx_buf_add_u32(struct sbx_buf *b, uint32_t v)
{
	unsigned char p[4];

	sbx_put_u32(p, v);
	sbx_buf_add(b, p, 4);
}

void sbx_buf_add_u64(struct sbx_buf *b, uint64_t v)
{
	unsigned char p[8];

	sbx_put_u64(p, v);
	sbx_buf_add(b, p, 8);
}

void sbx_buf_reset(struct sbx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *sbx_buf_detach(struct sbx_buf *b, size_t *len)
{
	char *p;

	if (!b->data)
		sbx_buf_grow(b, 0);
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void sbx_buf_release(struct sbx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
