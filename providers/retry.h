/* Retrying HTTP requests: which failures deserve another attempt, how long
 * to wait before it (exponential backoff with full jitter, or what a
 * server's Retry-After asks), shared by the http provider and the webhook
 * notifications.
 *
 * For tests, the environment variable SBX_HTTP_BACKOFF_SCALE (a number from
 * 0 to 1, default 1) multiplies the backoff waits, so that a test of five
 * attempts takes milliseconds.  It does not shorten a server's Retry-After,
 * which is a promise to the server. */
#ifndef SBX_PROVIDERS_RETRY_H
#define SBX_PROVIDERS_RETRY_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#define SBX_BACKOFF_BASE_MS 200L
#define SBX_BACKOFF_CAP_MS 10000L
#define SBX_RETRY_AFTER_CAP_MS 60000L

/* Milliseconds of the monotonic clock. */
int64_t sbx_mono_ms(void);
/* Sleeps MS milliseconds, through signals. */
void sbx_sleep_ms(int64_t ms);
/* "250 ms" or "3 s" into BUF. */
void sbx_fmt_ms(int64_t ms, char *buf, size_t n);

/* A seed for sbx_next_rand from the kernel's entropy (splitmix64: plenty
 * for jitter and idempotency keys; each operation has its own state). */
uint64_t sbx_seed_rand(void);
uint64_t sbx_next_rand(uint64_t *state);

/* The wait before attempt N+2 (N = 0 after the first failure): drawn evenly
 * from [0, min(cap, base * 2^N)], scaled by SBX_HTTP_BACKOFF_SCALE. */
int64_t sbx_backoff_ms(uint64_t *rng, int n);

/* 1 for curl failures another attempt may not meet (no connection, a
 * reset, an empty reply, a timeout). */
int sbx_curl_transient(CURLcode rc);

/* Retry-After as seconds or an HTTP date, in ms from now; -1 when absent
 * or malformed. */
int64_t sbx_retry_after_ms(const char *v);

#endif
