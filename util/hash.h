/* SHA-256 through OpenSSL's EVP interface, and hex helpers. */
#ifndef SBX_UTIL_HASH_H
#define SBX_UTIL_HASH_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#define SBX_ID_LEN 32
#define SBX_HEX_LEN 64

struct sbx_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/* One-shot digest of P[0..N) into OUT.  Aborts only on OOM inside OpenSSL. */
void sbx_sha256(const void *p, size_t n, uint8_t out[SBX_ID_LEN]);

/* Streaming digest; init allocates, final releases. */
void sbx_sha256_init(struct sbx_sha256 *h);
void sbx_sha256_update(struct sbx_sha256 *h, const void *p, size_t n);
void sbx_sha256_final(struct sbx_sha256 *h, uint8_t out[SBX_ID_LEN]);

/* Writes 2*N lower-case hex digits and a NUL into OUT. */
void sbx_hex(const uint8_t *p, size_t n, char *out);
/* The value of hex digit C, or -1. */
int sbx_hex_digit(char c);
/* Parses exactly 2*N hex digits; returns 0 or -1. */
int sbx_unhex(const char *s, uint8_t *out, size_t n);

#endif
