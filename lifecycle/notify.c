/* Notifications: the scheduler's notices to sandbox owners, delivered to the
 * configuration's targets.  A webhook gets the notice as a JSON POST (TLS
 * verified, no redirects, retried with backoff on connection failures, 5xx
 * and 429); an exec target gets it on stdin (argv, no shell, a deadline).
 * A notice counts as sent when every target took it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lifecycle/lifecycle.h"
#include "providers/retry.h"
#include "providers/spawn.h"
#include "util/timeutil.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define DEFAULT_RETRIES 3
#define MAX_REPLY 65536

static long setting_ms(json_t *t, const char *key, long def)
{
	int64_t ms;

	if (sbx_parse_duration(json_string_value(json_object_get(t, key)), &ms) || ms < 1)
		return def;
	return (long)ms;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	struct sbx_buf *b = ud;

	(void)p;
	if (b->len < MAX_REPLY)
		sbx_buf_add(b, p, size * n < MAX_REPLY ? size * n : MAX_REPLY);
	return size * n;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	char *ra = ud;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
		size_t i = 12, k = 0;

		while (i < len && buf[i] == ' ')
			i++;
		while (i < len && buf[i] != '\r' && buf[i] != '\n' && k < 63)
			ra[k++] = buf[i++];
		ra[k] = '\0';
	}
	return len;
}

static int webhook(const char *name, json_t *t, const char *body, struct sbx_err *err)
{
	const char *url = json_string_value(json_object_get(t, "url"));
	const char *token_env = json_string_value(json_object_get(t, "token_env"));
	const char *ca = json_string_value(json_object_get(t, "ca_file"));
	long timeout = setting_ms(t, "timeout", DEFAULT_TIMEOUT_MS);
	json_int_t retries = json_is_integer(json_object_get(t, "retries")) ?
		json_integer_value(json_object_get(t, "retries")) : DEFAULT_RETRIES;
	struct curl_slist *hdrs = NULL;
	struct sbx_buf auth = SBX_BUF_INIT, reply = SBX_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE], ra[64], what[CURL_ERROR_SIZE + 64];
	uint64_t rng = sbx_seed_rand();
	CURL *curl = curl_easy_init();
	int attempt, r = 0;
	long status = 0;

	if (!curl)
		return sbx_err_set(err, SBX_ENOMEM, "notify '%s': cannot start curl", name);
	if (retries < 0 || retries > 20)
		retries = DEFAULT_RETRIES;
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (token_env) {
		const char *tok = getenv(token_env);

		if (!tok || !*tok) {
			r = sbx_err_set(err, SBX_EINVAL, "notify '%s': $%s is not set", name, token_env);
			goto out;
		}
		sbx_buf_addf(&auth, "Authorization: Bearer %s", tok);
		hdrs = curl_slist_append(hdrs, auth.data);
		explicit_bzero(auth.data, auth.len);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (ca)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, ra);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	for (attempt = 1;; attempt++) {
		CURLcode rc;
		int64_t wait;
		int retry;

		errbuf[0] = ra[0] = '\0';
		sbx_buf_reset(&reply);
		rc = curl_easy_perform(curl);
		status = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && status >= 200 && status < 300)
			break;
		if (rc == CURLE_OK) {
			snprintf(what, sizeof what, "HTTP %ld", status);
			retry = status >= 500 || status == 429;
		} else {
			snprintf(what, sizeof what, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
			retry = sbx_curl_transient(rc);
		}
		if (!retry || attempt > retries) {
			r = sbx_err_set(err, SBX_EFAIL, "notify '%s': %s (after %d attempt%s)", name, what,
					attempt, attempt == 1 ? "" : "s");
			goto out;
		}
		wait = (status == 429 || status == 503) ? sbx_retry_after_ms(ra) : -1;
		if (wait < 0)
			wait = sbx_backoff_ms(&rng, attempt - 1);
		if (wait > SBX_RETRY_AFTER_CAP_MS)
			wait = SBX_RETRY_AFTER_CAP_MS;
		sbx_sleep_ms(wait);
	}
out:
	curl_slist_free_all(hdrs);
	sbx_buf_release(&auth);
	sbx_buf_release(&reply);
	curl_easy_cleanup(curl);
	return r;
}

static int program(const char *name, json_t *t, const char *body, struct sbx_err *err)
{
	json_t *args = json_object_get(t, "args"), *a;
	size_t n = json_is_array(args) ? json_array_size(args) : 0, i;
	const char **argv = sbx_xcalloc(n + 2, sizeof *argv);
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err e = { 0 };
	int r;

	argv[0] = json_string_value(json_object_get(t, "program"));
	json_array_foreach(args, i, a)
		argv[i + 1] = json_string_value(a);
	r = sbx_spawn(argv, body, strlen(body), setting_ms(t, "timeout", DEFAULT_TIMEOUT_MS), &res, &e);
	if (r)
		r = sbx_err_set(err, r, "notify '%s': %s", name, e.msg);
	else if (!res.exited || res.status)
		r = sbx_err_set(err, SBX_EFAIL, "notify '%s': '%s' %s %d%s%.200s", name, argv[0],
				res.exited ? "exited with status" : "was killed by signal", res.status,
				res.errout.len ? ": " : "", res.errout.data);
	sbx_spawn_result_release(&res);
	free(argv);
	return r;
}

int sbx_notify_send(const struct sbx_config *c, json_t *targets, json_t *notice,
		    struct sbx_err *err)
{
	char *body = json_dumps(notice, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *v;
	size_t i;
	int r = 0;

	json_array_foreach(targets, i, v) {
		const char *name = json_string_value(v);
		json_t *t = json_object_get(json_object_get(c->root, "notify"), name ? name : "");
		const char *type = json_string_value(json_object_get(t, "type"));

		if (!t || !type)
			r = sbx_err_set(err, SBX_ENOTFOUND, "no notification target '%s'", name ? name : "?");
		else if (!strcmp(type, "webhook"))
			r = webhook(name, t, body, err);
		else
			r = program(name, t, body, err);
		if (r)
			break;
	}
	free(body);
	return r;
}
