/* A growable byte buffer, always NUL-terminated (git's strbuf). */
#ifndef SBX_BUF_H
#define SBX_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_buf {
	char *data;     /* NUL-terminated; NULL only before the first growth */
	size_t len;
	size_t cap;
};

#define SBX_BUF_INIT { NULL, 0, 0 }

/* Makes room for N more bytes.  Aborts on out-of-memory, as every caller
 * would otherwise have to. */
void sbx_buf_grow(struct sbx_buf *b, size_t n);
void sbx_buf_add(struct sbx_buf *b, const void *p, size_t n);
void sbx_buf_adds(struct sbx_buf *b, const char *s);
void sbx_buf_addc(struct sbx_buf *b, char c);
void sbx_buf_addf(struct sbx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbx_buf_vaddf(struct sbx_buf *b, const char *fmt, va_list ap);
/* Little-endian fixed-width integers. */
void sbx_buf_add_u8(struct sbx_buf *b, uint8_t v);
void sbx_buf_add_u16(struct sbx_buf *b, uint16_t v);
void sbx_buf_add_u32(struct sbx_buf *b, uint32_t v);
void sbx_buf_add_u64(struct sbx_buf *b, uint64_t v);
void sbx_buf_reset(struct sbx_buf *b);
/* Returns the data (caller frees) and leaves B empty. */
char *sbx_buf_detach(struct sbx_buf *b, size_t *len);
void sbx_buf_release(struct sbx_buf *b);

/* Reads little-endian integers; the caller has checked the bounds. */
static inline uint16_t sbx_get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t sbx_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t sbx_get_u64(const unsigned char *p)
{
	return (uint64_t)sbx_get_u32(p) | (uint64_t)sbx_get_u32(p + 4) << 32;
}
static inline void sbx_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static inline void sbx_put_u64(unsigned char *p, uint64_t v)
{
	sbx_put_u32(p, (uint32_t)v);
	sbx_put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Allocation that aborts on failure (with a message), like git's xmalloc. */
void *sbx_xmalloc(size_t n);
void *sbx_xcalloc(size_t n, size_t size);
void *sbx_xrealloc(void *p, size_t n);
char *sbx_xstrdup(const char *s);
char *sbx_xstrndup(const char *s, size_t n);

#endif
