#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "util/hash.h"

void sbx_sha256(const void *p, size_t n, uint8_t out[SBX_ID_LEN])
{
	unsigned int len = SBX_ID_LEN;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL)) {
		fprintf(stderr, "sbx: error: SHA-256 failed in libcrypto\n");
		abort();
	}
}

void sbx_sha256_init(struct sbx_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		fprintf(stderr, "sbx: error: SHA-256 init failed in libcrypto\n");
		abort();
	}
	h->ctx = c;
}

void sbx_sha256_update(struct sbx_sha256 *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void sbx_sha256_final(struct sbx_sha256 *h, uint8_t out[SBX_ID_LEN])
{
	unsigned int len = SBX_ID_LEN;

	EVP_DigestFinal_ex(h->ctx, out, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void sbx_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int sbx_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sbx_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = sbx_hex_digit(s[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = sbx_hex_digit(s[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}
