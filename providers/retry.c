/* Retrying HTTP requests: see retry.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "providers/retry.h"

int64_t sbx_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sbx_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void sbx_fmt_ms(int64_t ms, char *buf, size_t n)
{
	if (ms % 1000)
		snprintf(buf, n, "%lld ms", (long long)ms);
	else
		snprintf(buf, n, "%lld s", (long long)(ms / 1000));
}

uint64_t sbx_next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t sbx_seed_rand(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	/* Early boot without entropy: jitter only spreads load, so a weaker
	 * seed is no danger. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)getpid() << 48;
}

static double backoff_scale(void)
{
	const char *s = getenv("SBX_HTTP_BACKOFF_SCALE");
	char *end;
	double d;

	if (!s || !*s)
		return 1;
	d = strtod(s, &end);
	if (*end || !isfinite(d) || d < 0 || d > 1)
		return 1;
	return d;
}

int64_t sbx_backoff_ms(uint64_t *rng, int n)
{
	int64_t ceiling = SBX_BACKOFF_BASE_MS << (n < 16 ? n : 16);

	if (ceiling > SBX_BACKOFF_CAP_MS)
		ceiling = SBX_BACKOFF_CAP_MS;
	return (int64_t)((double)(sbx_next_rand(rng) % (uint64_t)(ceiling + 1)) * backoff_scale());
}

int sbx_curl_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

int64_t sbx_retry_after_ms(const char *v)
{
	time_t t, now;
	int64_t secs = 0;

	if (!v || !*v)
		return -1;
	if (strspn(v, "0123456789") == strlen(v)) {
		for (; *v && secs < 100000000; v++)
			secs = secs * 10 + (*v - '0');
		return secs * 1000;
	}
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	now = time(NULL);
	return t > now ? (int64_t)(t - now) * 1000 : 0;
}
