/* The http provider: a REST API implements the verbs.  Each verb is a URL
 * template in the settings ("POST /sandboxes/{id}/start") below "base_url";
 * mutating verbs send the sandbox as JSON with an Idempotency-Key header,
 * and every verb reads an optional JSON object back, as the exec provider
 * does (contrib/providers/README.md describes the reply's fields).
 *
 * The server and the network are outside input.  TLS certificates are
 * always verified (there is no "insecure" switch; "ca_file" names a private
 * CA), redirects are not followed, every reply is limited to 1 MiB and each
 * of its fields is checked before anything of it is used.  The bearer token
 * comes from an environment variable or a private file, read at each call,
 * and never reaches a message or a result: whatever the server echoes is
 * scrubbed of it.
 *
 * Transient failures (no connection, a reset, an empty reply, a timeout,
 * 5xx, 429) are retried with exponential backoff and full jitter, or after
 * exactly the wait a 429 or 503 asks for in Retry-After.  "timeout" bounds
 * the whole operation, attempts and waits included, so that a caller knows
 * how long a verb can take; a retry is only tried when it can still start
 * within it.
 * (providers/retry.c decides what is retried and how long to wait.) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "providers/provider.h"
#include "providers/reply.h"
#include "providers/retry.h"
#include "sbx/buf.h"
#include "util/fsutil.h"

#define MAX_BODY ((size_t)1 << 20) /* the largest reply we read */
#define EXCERPT 300                 /* bytes of an error reply that reach a message */
#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_RETRIES 4
#define MAX_RETRIES 100
#define MAX_TOKEN 16384
#define MAX_KEY 255                 /* longest idempotency key we send */

enum verb {
	V_PROVISION,
	V_ACTIVATE,
	V_DEACTIVATE,
	V_DESTROY,
	V_STATUS,
	V_USAGE,
	V_EXPORT,
	V_IMPORT,
	NVERBS
};

static const char *const verb_names[NVERBS] = {
	"provision", "activate", "deactivate", "destroy", "status", "usage", "export", "import",
};

/* Read-only verbs are GETs without a body; the others carry the
 * idempotency key. */
static int is_read(enum verb vb)
{
	return vb == V_STATUS || vb == V_USAGE || vb == V_EXPORT;
}

struct tmpl {
	char *method;       /* NULL when the verb is not configured */
	char *path;         /* starts with '/'; {id} and {name} unexpanded */
};

struct http {
	char *base_url;     /* without a trailing '/' */
	struct tmpl verbs[NVERBS];
	char *token_env;    /* at most one of these two */
	char *token_file;
	char *ca_file;
	long connect_ms, timeout_ms;
	long retries;
};

/* One operation, from the URL to the checked reply. */
struct call {
	struct sbx_provider *p;
	struct http *h;
	enum verb vb;
	const struct sbx_sandbox_view *v;
	CURL *curl;
	char *url;
	char *token;                /* NULL without auth; zeroed when freed */
	char key[MAX_KEY + 1];      /* Idempotency-Key, the same on every attempt */
	struct sbx_buf req;         /* the JSON request of a mutating verb */
	int upload_fd;              /* import: the archive, else -1 */
	curl_off_t upload_size;
	int out_fd;                 /* export: the temporary file, else -1 */
	char *out_tmp;
	uint64_t rng;               /* this operation's jitter source */
	int absent_ok;              /* status: 404 and 410 mean "absent" */
	/* Per attempt. */
	struct sbx_buf body;
	long status;
	int too_large, write_errno;
	char retry_after[64];
	int attempts;
};

/* What a reply said, after checking (pointers borrowed from ROOT). */

/* ---- settings ---- */

static int setting_err(struct sbx_provider *p, struct sbx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int setting_err(struct sbx_provider *p, struct sbx_err *err, int code, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sbx_err_set(err, code, "%s: provider '%s': %s", p->config_path, p->name, what);
}


static int is_env_name(const char *s)
{
	size_t i;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* A host that never leaves this machine: "localhost", 127.0.0.0/8, ::1. */
static int is_loopback(const char *host)
{
	if (!strcasecmp(host, "localhost") || !strcmp(host, "[::1]") || !strcmp(host, "::1"))
		return 1;
	return !strncmp(host, "127.", 4) && strspn(host + 4, "0123456789.") == strlen(host + 4);
}

/* Checks "base_url" into H->base_url.  A token is only ever sent over TLS,
 * or to this machine. */
static int check_base_url(struct sbx_provider *p, struct http *h, const char *url, int has_token,
			  struct sbx_err *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *part = NULL;
	int r = 0, https;
	size_t n;

	if (!u)
		return sbx_err_set(err, SBX_ENOMEM, "out of memory");
	https = !strncasecmp(url, "https://", 8);
	if ((!https && strncasecmp(url, "http://", 7)) ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"base_url\" must be an https:// or http:// URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"base_url\" must not hold a user name or "
				"password: name the token with \"token_env\" or \"token_file\"");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK || strchr(url, '?') ||
	    strchr(url, '#')) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"base_url\" must not have a query or a "
				"fragment: put them in \"verbs\"");
		goto out;
	}
	if (strspn(url, "!\"$%&'()*+,-./0123456789:;<=>@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`"
			"abcdefghijklmnopqrstuvwxyz{|}~") != strlen(url)) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"base_url\" must be an https:// or http:// URL "
				"(without spaces or control characters)");
		goto out;
	}
	if (!https && has_token && !is_loopback(host)) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"base_url\": the bearer token is only sent "
				"over https:// (plain http:// only to localhost)");
		goto out;
	}
	n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	h->base_url = sbx_xstrndup(url, n);
out:
	curl_free(part);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

/* Parses "METHOD /path" for verb VB into T. */
static int check_verb(struct sbx_provider *p, enum verb vb, json_t *val, struct tmpl *t,
		      struct sbx_err *err)
{
	static const char *const examples[NVERBS] = {
		"POST /sandboxes", "POST /sandboxes/{id}/start", "POST /sandboxes/{id}/stop",
		"DELETE /sandboxes/{id}", "GET /sandboxes/{id}", "GET /sandboxes/{id}/usage",
		"GET /sandboxes/{id}/export", "POST /sandboxes/{id}/import",
	};
	const char *s = sbx_reply_plain_string(val), *sp, *path, *q;
	size_t mlen;

	if (!s || !(sp = strchr(s, ' ')) || sp == s || sp[1] != '/')
		goto bad;
	mlen = (size_t)(sp - s);
	path = sp + 1;
	if (strspn(path, "!$%&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
			 "abcdefghijklmnopqrstuvwxyz{}~") != strlen(path))
		goto bad;
	for (q = path; *q; q++) {
		if (*q == '{') {
			if (strncmp(q, "{id}", 4) && strncmp(q, "{name}", 6))
				return setting_err(p, err, SBX_ESYNTAX, "\"verbs\": \"%s\": unknown "
						   "placeholder in \"%s\" (known: {id}, {name})",
						   verb_names[vb], s);
			q = strchr(q, '}');
		} else if (*q == '}') {
			goto bad;
		}
	}
	if (is_read(vb)) {
		if (mlen != 3 || strncmp(s, "GET", 3))
			return setting_err(p, err, SBX_ESYNTAX, "\"verbs\": \"%s\" must be a GET, "
					   "such as \"%s\"", verb_names[vb], examples[vb]);
	} else if (!((mlen == 4 && !strncmp(s, "POST", 4)) || (mlen == 3 && !strncmp(s, "PUT", 3)) ||
		     (mlen == 5 && !strncmp(s, "PATCH", 5)) ||
		     (mlen == 6 && !strncmp(s, "DELETE", 6)))) {
		return setting_err(p, err, SBX_ESYNTAX, "\"verbs\": \"%s\" must use POST, PUT, PATCH "
				   "or DELETE, such as \"%s\"", verb_names[vb], examples[vb]);
	}
	t->method = sbx_xstrndup(s, mlen);
	t->path = sbx_xstrdup(path);
	return 0;
bad:
	return setting_err(p, err, SBX_ESYNTAX, "\"verbs\": \"%s\" must be \"METHOD /path\" such as "
			   "\"%s\"", verb_names[vb], examples[vb]);
}

static void free_http(struct http *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < NVERBS; i++) {
		free(h->verbs[i].method);
		free(h->verbs[i].path);
	}
	free(h->base_url);
	free(h->token_env);
	free(h->token_file);
	free(h->ca_file);
	free(h);
}

static int h_init(struct sbx_provider *p, struct sbx_err *err)
{
	static const char *const known[] = {
		"type", "base_url", "verbs", "token_env", "token_file", "connect_timeout",
		"timeout", "retries", "ca_file", "verify", NULL,
	};
	json_t *s = p->settings, *verbs, *val, *j;
	const char *key, *str;
	struct http *h = NULL;
	int r, i, global = 0;

	if (!json_is_object(s))
		return setting_err(p, err, SBX_ESYNTAX, "settings must be an object");
	/* TLS verification cannot be turned off: say so rather than call the
	 * setting unknown. */
	if (json_object_get(s, "insecure"))
		return setting_err(p, err, SBX_ESYNTAX, "\"insecure\" is not supported: TLS "
				   "certificates are always verified (name a private CA with "
				   "\"ca_file\")");
	if ((j = json_object_get(s, "verify")) && !json_is_true(j))
		return setting_err(p, err, SBX_ESYNTAX, "\"verify\": only true is supported: TLS "
				   "certificates are always verified (name a private CA with "
				   "\"ca_file\")");
	json_object_foreach(s, key, val) {
		for (i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				break;
		if (!known[i])
			return setting_err(p, err, SBX_ESYNTAX, "unknown setting \"%s\" (known: "
					   "base_url, verbs, token_env, token_file, "
					   "connect_timeout, timeout, retries, ca_file)", key);
	}

	h = sbx_xcalloc(1, sizeof *h);
	if ((j = json_object_get(s, "token_env"))) {
		str = sbx_reply_plain_string(j);
		if (!str || !is_env_name(str)) {
			r = setting_err(p, err, SBX_ESYNTAX, "\"token_env\" must be the name of an "
					"environment variable");
			goto out;
		}
		h->token_env = sbx_xstrdup(str);
	}
	if ((j = json_object_get(s, "token_file"))) {
		str = sbx_reply_plain_string(j);
		if (!str || str[0] != '/') {
			r = setting_err(p, err, SBX_ESYNTAX, "\"token_file\" must be an absolute path");
			goto out;
		}
		if (h->token_env) {
			r = setting_err(p, err, SBX_ESYNTAX, "set only one of \"token_env\" and "
					"\"token_file\"");
			goto out;
		}
		h->token_file = sbx_xstrdup(str);
	}
	if (!(str = sbx_reply_plain_string(json_object_get(s, "base_url")))) {
		r = setting_err(p, err, SBX_ESYNTAX, json_object_get(s, "base_url") ?
				"\"base_url\" must be an https:// or http:// URL" :
				"\"base_url\" is required");
		goto out;
	}
	/* curl_url() needs the library initialised; the count is balanced in
	 * h_fini or below. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = setting_err(p, err, SBX_EFAIL, "cannot initialise libcurl");
		goto out;
	}
	global = 1;
	r = check_base_url(p, h, str, h->token_env || h->token_file, err);
	if (r)
		goto out;

	verbs = json_object_get(s, "verbs");
	if (!json_is_object(verbs)) {
		r = setting_err(p, err, SBX_ESYNTAX, verbs ? "\"verbs\" must be an object of "
				"\"METHOD /path\" templates" : "\"verbs\" is required");
		goto out;
	}
	json_object_foreach(verbs, key, val) {
		for (i = 0; i < NVERBS; i++)
			if (!strcmp(key, verb_names[i]))
				break;
		if (i == NVERBS) {
			r = setting_err(p, err, SBX_ESYNTAX, "\"verbs\": unknown verb \"%s\" (known: "
					"provision, activate, deactivate, destroy, status, usage, "
					"export, import)", key);
			goto out;
		}
		r = check_verb(p, (enum verb)i, val, &h->verbs[i], err);
		if (r)
			goto out;
	}
	for (i = V_PROVISION; i <= V_DESTROY; i++)
		if (!h->verbs[i].method) {
			r = setting_err(p, err, SBX_ESYNTAX, "\"verbs\": \"%s\" is missing (every "
					"provider must provision, activate, deactivate and destroy)",
					verb_names[i]);
			goto out;
		}

	r = sbx_provider_duration_ms(p, "connect_timeout", DEFAULT_CONNECT_MS, &h->connect_ms, err);
	if (r)
		goto out;
	r = sbx_provider_duration_ms(p, "timeout", DEFAULT_TIMEOUT_MS, &h->timeout_ms, err);
	if (r)
		goto out;
	if (h->connect_ms <= 0 || h->timeout_ms <= 0) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"%s\" must be more than 0",
				h->connect_ms <= 0 ? "connect_timeout" : "timeout");
		goto out;
	}
	h->retries = DEFAULT_RETRIES;
	if ((j = json_object_get(s, "retries"))) {
		if (!json_is_integer(j) || json_integer_value(j) < 0 ||
		    json_integer_value(j) > MAX_RETRIES) {
			r = setting_err(p, err, SBX_ESYNTAX, "\"retries\" must be a whole number from 0 "
					"to %d", MAX_RETRIES);
			goto out;
		}
		h->retries = (long)json_integer_value(j);
	}
	if ((j = json_object_get(s, "ca_file"))) {
		str = sbx_reply_plain_string(j);
		if (!str || str[0] != '/') {
			r = setting_err(p, err, SBX_ESYNTAX, "\"ca_file\" must be an absolute path");
			goto out;
		}
		h->ca_file = sbx_xstrdup(str);
	}
	p->priv = h;
	h = NULL;
out:
	if (r && global)
		curl_global_cleanup();
	free_http(h);
	return r;
}

static void h_fini(struct sbx_provider *p)
{
	if (!p->priv)
		return;
	free_http(p->priv);
	p->priv = NULL;
	curl_global_cleanup();
}

/* ---- small helpers ---- */

/* Overwrites every occurrence of TOKEN in S[0..N) with '*'. */
static void scrub(char *s, size_t n, const char *token)
{
	size_t tl;
	char *q;

	if (!s || !token || !(tl = strlen(token)))
		return;
	for (q = s; (size_t)(q - s) + tl <= n;) {
		q = memmem(q, n - (size_t)(q - s), token, tl);
		if (!q)
			break;
		memset(q, '*', tl);
		q += tl;
	}
}

static void scrub_str(char *s, const char *token)
{
	if (s)
		scrub(s, strlen(s), token);
}

/* ---- the request ---- */

/* Fails the call with "provider 'NAME': VERB: METHOD URL: WHAT". */
static int call_fail(struct call *c, struct sbx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int call_fail(struct call *c, struct sbx_err *err, int code, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->url)
		return sbx_err_set(err, code, "provider '%s': %s: %s %.160s%s: %s", c->p->name,
				   verb_names[c->vb], c->h->verbs[c->vb].method, c->url,
				   strlen(c->url) > 160 ? "..." : "", what);
	return sbx_err_set(err, code, "provider '%s': %s: %s", c->p->name, verb_names[c->vb], what);
}

/* The token's text, trimmed, into C->token; it must be fit for a header. */
static int take_token(struct call *c, const char *text, size_t n, const char *from,
		      struct sbx_err *err)
{
	size_t i;

	while (n && (*text == ' ' || (*text >= '\t' && *text <= '\r')))
		text++, n--;
	while (n && (text[n - 1] == ' ' || (text[n - 1] >= '\t' && text[n - 1] <= '\r')))
		n--;
	if (!n)
		return call_fail(c, err, SBX_EFAIL, "the bearer token in %s is empty", from);
	for (i = 0; i < n; i++)
		if (text[i] <= ' ' || text[i] == 0x7f || (unsigned char)text[i] >= 0x80)
			return call_fail(c, err, SBX_EFAIL, "the bearer token in %s holds a space, a "
					 "control character or a non-ASCII byte", from);
	c->token = sbx_xstrndup(text, n);
	return 0;
}

/* Reads the token, at each call, so that a rotated one is used at once. */
static int read_token(struct call *c, struct sbx_err *err)
{
	char from[300], *text = NULL;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd, r;

	if (c->h->token_env) {
		const char *t = getenv(c->h->token_env);

		snprintf(from, sizeof from, "$%s", c->h->token_env);
		if (!t || !*t)
			return call_fail(c, err, SBX_EFAIL, "the bearer token's variable $%s is not set",
					 c->h->token_env);
		return take_token(c, t, strlen(t), from, err);
	}
	if (!c->h->token_file)
		return 0;
	snprintf(from, sizeof from, "'%.280s'", c->h->token_file);
	fd = open(c->h->token_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sbx_err_sys(err, errno == ENOENT ? SBX_ENOTFOUND : SBX_EIO, "provider '%s': %s: "
				   "cannot open the token file '%s'", c->p->name, verb_names[c->vb],
				   c->h->token_file);
	/* The mode of the file we read, not of whatever the name means now. */
	if (fstat(fd, &st)) {
		r = sbx_err_sys(err, SBX_EIO, "provider '%s': cannot stat the token file '%s'",
				c->p->name, c->h->token_file);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = call_fail(c, err, SBX_EFAIL, "the token file %s is not a regular file", from);
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		r = call_fail(c, err, SBX_EFAIL, "the token file %s is readable by %s (mode %04o): "
			      "refusing to use it; make it private with chmod 600", from,
			      (st.st_mode & S_IRGRP) && (st.st_mode & S_IROTH) ? "group and others" :
			      st.st_mode & S_IRGRP ? "its group" : "others",
			      (unsigned)(st.st_mode & 07777));
		goto out;
	}
	text = sbx_xmalloc(MAX_TOKEN + 1);
	while (len <= MAX_TOKEN) {
		got = read(fd, text + len, MAX_TOKEN + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = sbx_err_sys(err, SBX_EIO, "provider '%s': cannot read the token file '%s'",
					c->p->name, c->h->token_file);
			goto out;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	if (len > MAX_TOKEN) {
		r = call_fail(c, err, SBX_EFAIL, "the token file %s is larger than %d bytes", from,
			      MAX_TOKEN);
		goto out;
	}
	r = take_token(c, text, len, from, err);
out:
	if (text) {
		explicit_bzero(text, MAX_TOKEN + 1);
		free(text);
	}
	close(fd);
	return r;
}

/* The verb's URL: "base_url" and the template, {id} and {name}
 * percent-encoded. */
static int make_url(struct call *c, struct sbx_err *err)
{
	const char *t = c->h->verbs[c->vb].path, *id = c->v->provider_id;
	struct sbx_buf b = SBX_BUF_INIT;
	char *enc;

	if (!id || !*id)
		id = c->v->name;
	sbx_buf_adds(&b, c->h->base_url);
	while (*t) {
		const char *val = NULL;
		size_t skip = 0;

		if (!strncmp(t, "{id}", 4))
			val = id, skip = 4;
		else if (!strncmp(t, "{name}", 6))
			val = c->v->name, skip = 6;
		if (!val) {
			sbx_buf_addc(&b, *t++);
			continue;
		}
		enc = curl_easy_escape(c->curl, val, (int)strlen(val));
		if (!enc) {
			sbx_buf_release(&b);
			return call_fail(c, err, SBX_ENOMEM, "cannot encode the URL");
		}
		sbx_buf_adds(&b, enc);
		curl_free(enc);
		t += skip;
	}
	c->url = sbx_buf_detach(&b, NULL);
	return 0;
}

/* The JSON body of a mutating verb.  Never the secrets. */
static int make_request(struct call *c, struct sbx_err *err)
{
	const struct sbx_sandbox_view *v = c->v;
	json_t *vars = json_is_object(v->vars) ? json_incref(v->vars) : json_object();
	json_error_t jerr;
	json_t *req;
	char *text;

	req = json_pack_ex(&jerr, 0, "{s:s, s:s?, s:s?, s:s?, s:o}", "name", v->name,
			   "purpose", v->purpose, "owner", v->owner, "snapshot", v->snapshot,
			   "vars", vars);
	if (!req)
		return call_fail(c, err, SBX_EINVAL, "cannot make the request: %s", jerr.text);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return call_fail(c, err, SBX_ENOMEM, "cannot make the request");
	sbx_buf_adds(&c->req, text);
	free(text);
	return 0;
}

/* The key that makes retries of one operation one operation: the caller's
 * op_id, else a random one for this call. */
static int make_key(struct call *c, struct sbx_err *err)
{
	const char *k = c->v->op_id;
	uint64_t a, b;
	size_t i;

	if (k && *k) {
		if (strlen(k) > MAX_KEY)
			return call_fail(c, err, SBX_EINVAL, "the operation id is longer than %d bytes",
					 MAX_KEY);
		for (i = 0; k[i]; i++)
			if (k[i] <= ' ' || k[i] == 0x7f || (unsigned char)k[i] >= 0x80)
				return call_fail(c, err, SBX_EINVAL, "the operation id holds a space or "
						 "a control character");
		snprintf(c->key, sizeof c->key, "%s", k);
		return 0;
	}
	/* A version 4 UUID. */
	a = sbx_next_rand(&c->rng);
	b = sbx_next_rand(&c->rng);
	a = (a & ~0xf000ULL) | 0x4000ULL;
	b = (b & ~(3ULL << 62)) | (2ULL << 62);
	snprintf(c->key, sizeof c->key, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16 & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
		 (unsigned long long)(b & 0xffffffffffffULL));
	return 0;
}

/* ---- the transfer ---- */

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n, vlen;
	const char *val;

	/* Each response (a 100 Continue, say) starts anew. */
	if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
		c->retry_after[0] = '\0';
	} else if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
		val = buf + 12;
		vlen = len - 12;
		while (vlen && (*val == ' ' || *val == '\t'))
			val++, vlen--;
		while (vlen && (val[vlen - 1] == '\r' || val[vlen - 1] == '\n' ||
				val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
			vlen--;
		if (vlen < sizeof c->retry_after) {
			memcpy(c->retry_after, val, vlen);
			c->retry_after[vlen] = '\0';
		}
	}
	return len;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n;
	long code = 0;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (c->out_fd >= 0 && code >= 200 && code < 300) {
		if (sbx_write_all(c->out_fd, ptr, len)) {
			c->write_errno = errno ? errno : EIO;
			return 0;
		}
		return len;
	}
	if (c->body.len + len > MAX_BODY) {
		/* A reply we would use must be whole; of an error reply, the
		 * start is enough. */
		if (code >= 200 && code < 300) {
			c->too_large = 1;
			return 0;
		}
		len = MAX_BODY - c->body.len;
		sbx_buf_add(&c->body, ptr, len);
		return size * n;
	}
	sbx_buf_add(&c->body, ptr, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	ssize_t got;

	do
		got = read(c->upload_fd, buf, size * n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	struct call *c = ud;

	return lseek(c->upload_fd, (off_t)off, origin) < 0 ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

static int set_options(struct call *c, struct curl_slist **hdrs, char *errbuf, struct sbx_err *err)
{
	const char *method = c->h->verbs[c->vb].method;
	struct sbx_buf b = SBX_BUF_INIT;
	struct curl_slist *l = NULL, *t;
	CURLcode rc;

#define SETOPT(opt, val) do { if ((rc = curl_easy_setopt(c->curl, opt, val)) != CURLE_OK) \
		goto fail; } while (0)
#define ADDHDR(text) do { if (!(t = curl_slist_append(l, text))) { rc = CURLE_OUT_OF_MEMORY; \
		goto fail; } l = t; } while (0)

	SETOPT(CURLOPT_URL, c->url);
	SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* A redirect is not followed: it would be an unchecked second
	 * destination for the request and its token. */
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	/* CURLOPT_SSL_VERIFYPEER and _VERIFYHOST keep their secure defaults. */
	if (c->h->ca_file)
		SETOPT(CURLOPT_CAINFO, c->h->ca_file);
	SETOPT(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, c);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, c);
	if (c->out_fd < 0)
		SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_BODY);

	ADDHDR("Accept: application/json");
	/* No "100 Continue" round trip: our bodies are small or already
	 * committed to. */
	ADDHDR("Expect:");
	if (c->token) {
		sbx_buf_addf(&b, "Authorization: Bearer %s", c->token);
		t = curl_slist_append(l, b.data);
		explicit_bzero(b.data, b.len);
		if (!t) {
			rc = CURLE_OUT_OF_MEMORY;
			goto fail;
		}
		l = t;
		sbx_buf_reset(&b);
	}
	if (is_read(c->vb)) {
		SETOPT(CURLOPT_HTTPGET, 1L);
	} else {
		sbx_buf_addf(&b, "Idempotency-Key: %s", c->key);
		ADDHDR(b.data);
		if (c->upload_fd >= 0) {
			ADDHDR("Content-Type: application/octet-stream");
			SETOPT(CURLOPT_POST, 1L);
			SETOPT(CURLOPT_READFUNCTION, on_read);
			SETOPT(CURLOPT_READDATA, c);
			SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
			SETOPT(CURLOPT_SEEKDATA, c);
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, c->upload_size);
		} else {
			ADDHDR("Content-Type: application/json");
			SETOPT(CURLOPT_POSTFIELDS, c->req.data);
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->req.len);
		}
		if (strcmp(method, "POST"))
			SETOPT(CURLOPT_CUSTOMREQUEST, method);
	}
	SETOPT(CURLOPT_HTTPHEADER, l);
#undef SETOPT
#undef ADDHDR
	sbx_buf_release(&b);
	*hdrs = l;
	return 0;
fail:
	sbx_buf_release(&b);
	*hdrs = l;
	return call_fail(c, err, rc == CURLE_OUT_OF_MEMORY ? SBX_ENOMEM : SBX_EFAIL,
			 "cannot set up the request: %s", curl_easy_strerror(rc));
}

/* The status line of a failed reply into HEAD ("HTTP 404") and the start of
 * its body, scrubbed of the token and cleaned, into DETAIL (EXCERPT + 1). */
static void describe_status(struct call *c, char *head, size_t n, char *detail)
{
	scrub(c->body.data, c->body.len, c->token);
	sbx_reply_clean(c->body.data ? c->body.data : "", c->body.len, EXCERPT, detail);
	snprintf(head, n, "HTTP %ld%s", c->status, *detail ? "" : " with an empty body");
}

static void add_note(char *note, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_note(char *note, size_t n, const char *fmt, ...)
{
	size_t l = strlen(note);
	va_list ap;

	if (l && l + 2 < n) {
		memcpy(note + l, "; ", 3);
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(note + l, n - l, fmt, ap);
	va_end(ap);
}

/* Wipes curl's copy of the Authorization header, then frees the list. */
static void free_headers(struct curl_slist *l)
{
	struct curl_slist *t;

	for (t = l; t; t = t->next)
		if (t->data)
			explicit_bzero(t->data, strlen(t->data));
	curl_slist_free_all(l);
}

/* Runs the request until it succeeds (a 2xx, or a 404 or 410 when
 * C->absent_ok), fails for good, or runs out of attempts or time.  A
 * failure reads "HEAD (NOTE): DETAIL": what went wrong, how many attempts
 * and why no more, and the start of the server's answer. */
static int perform(struct call *c, struct sbx_err *err)
{
	const long max = c->h->retries + 1;
	const int64_t deadline = sbx_mono_ms() + c->h->timeout_ms;
	char errbuf[CURL_ERROR_SIZE], head[CURL_ERROR_SIZE + 64], detail[EXCERPT + 1];
	char note[200], tmo[32], waitd[32], left[32];
	struct curl_slist *hdrs = NULL;
	int64_t remaining, wait, ra;
	CURLcode rc;
	int r, retry;

	sbx_fmt_ms(c->h->timeout_ms, tmo, sizeof tmo);
	r = set_options(c, &hdrs, errbuf, err);
	if (r)
		goto out;
	for (c->attempts = 1;; c->attempts++) {
		remaining = deadline - sbx_mono_ms();
		if (remaining < 1)
			remaining = 1;
		sbx_buf_reset(&c->body);
		c->status = 0;
		c->too_large = c->write_errno = 0;
		c->retry_after[0] = errbuf[0] = detail[0] = note[0] = '\0';
		if ((c->upload_fd >= 0 && lseek(c->upload_fd, 0, SEEK_SET) < 0) ||
		    (c->out_fd >= 0 && (lseek(c->out_fd, 0, SEEK_SET) < 0 || ftruncate(c->out_fd, 0)))) {
			r = sbx_err_sys(err, SBX_EIO, "provider '%s': %s: cannot rewind the archive",
					c->p->name, verb_names[c->vb]);
			goto out;
		}
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)remaining);
		curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
				 (long)(c->h->connect_ms < remaining ? c->h->connect_ms : remaining));
		rc = curl_easy_perform(c->curl);
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
		/* An error reply announced as too large to read: its status
		 * says enough. */
		if (rc == CURLE_FILESIZE_EXCEEDED && c->status >= 300)
			rc = CURLE_OK;
		if (rc != CURLE_OK)
			c->status = 0;
		if (rc == CURLE_OK) {
			if ((c->status >= 200 && c->status < 300) ||
			    (c->absent_ok && (c->status == 404 || c->status == 410))) {
				r = 0;
				goto out;
			}
			describe_status(c, head, sizeof head, detail);
			retry = c->status >= 500 || c->status == 429;
			if (c->status >= 300 && c->status < 400)
				add_note(note, sizeof note, "redirects are not followed: is \"base_url\" "
					 "right?");
			if (c->status == 401 || c->status == 403) {
				if (c->h->token_env)
					add_note(note, sizeof note, "is the token in $%s right?",
						 c->h->token_env);
				else if (c->h->token_file)
					add_note(note, sizeof note, "is the token in '%.100s' right?",
						 c->h->token_file);
				else
					add_note(note, sizeof note, "no token is configured: set "
						 "\"token_env\" or \"token_file\"");
			}
		} else if (c->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
			r = call_fail(c, err, SBX_EINVAL, "the reply is larger than %zu bytes", MAX_BODY);
			goto out;
		} else if (c->write_errno) {
			errno = c->write_errno;
			r = sbx_err_sys(err, SBX_EIO, "provider '%s': %s: cannot write '%s'", c->p->name,
					verb_names[c->vb], c->out_tmp);
			goto out;
		} else {
			snprintf(head, sizeof head, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
			if (rc == CURLE_SSL_CACERT_BADFILE && c->h->ca_file &&
			    !strstr(head, c->h->ca_file))
				add_note(note, sizeof note, "\"ca_file\" is '%.120s'", c->h->ca_file);
			retry = sbx_curl_transient(rc);
		}

		if (!retry || c->attempts >= max) {
			if (retry)
				add_note(note, sizeof note, "gave up after %d attempt%s", c->attempts,
					 c->attempts == 1 ? "" : "s");
			else if (c->attempts > 1)
				add_note(note, sizeof note, "after %d attempts", c->attempts);
			goto fail;
		}
		ra = (c->status == 429 || c->status == 503) ? sbx_retry_after_ms(c->retry_after) : -1;
		if (ra > c->h->timeout_ms) {
			sbx_fmt_ms(ra, waitd, sizeof waitd);
			add_note(note, sizeof note, "attempt %d of %ld; Retry-After asks to wait %s, "
				 "longer than the %s timeout", c->attempts, max, waitd, tmo);
			goto fail;
		}
		if (ra >= 0)
			wait = ra < SBX_RETRY_AFTER_CAP_MS ? ra : SBX_RETRY_AFTER_CAP_MS;
		else
			wait = sbx_backoff_ms(&c->rng, c->attempts - 1);
		remaining = deadline - sbx_mono_ms();
		if (wait >= remaining) {
			sbx_fmt_ms(wait, waitd, sizeof waitd);
			sbx_fmt_ms(remaining > 0 ? remaining : 0, left, sizeof left);
			if (remaining > 0)
				add_note(note, sizeof note, "attempt %d of %ld; the next would start after "
					 "%s%s, beyond the %s timeout (%s left)", c->attempts, max, waitd,
					 ra >= 0 ? " (Retry-After)" : "", tmo, left);
			else
				add_note(note, sizeof note, "attempt %d of %ld; the %s timeout is spent",
					 c->attempts, max, tmo);
			goto fail;
		}
		sbx_sleep_ms(wait);
	}
fail:
	r = call_fail(c, err, SBX_EFAIL, "%s%s%s%s%s%s", head, *note ? " (" : "", note,
		      *note ? ")" : "", *detail ? ": " : "", detail);
out:
	free_headers(hdrs);
	return r;
}

/* ---- the reply ---- */






/* Whether S holds the token, as it is or as scrub left it: such an id
 * would be a leak, or a wrong id. */
static int holds_token(const struct call *c, const char *s)
{
	size_t tl, run = 0;

	if (!c->token)
		return 0;
	if (strstr(s, c->token))
		return 1;
	tl = strlen(c->token);
	for (; *s; s++) {
		run = *s == '*' ? run + 1 : 0;
		if (run >= tl)
			return 1;
	}
	return 0;
}

/* Reads C->body into RP (RP->root to be released with json_decref).  An
 * empty body is an empty reply, unless NEED. */
static int parse_reply(struct call *c, int need, struct sbx_reply *rp, struct sbx_err *err)
{
	const char *s = c->body.data ? c->body.data : "";
	char bad[160];
	json_error_t jerr;

	memset(rp, 0, sizeof *rp);
	if (strspn(s, " \t\r\n") == c->body.len) {
		if (need)
			return call_fail(c, err, SBX_EINVAL, "HTTP %ld with an empty body (a JSON "
					 "object was expected)", c->status);
		return 0;
	}
	/* jansson quotes the text near an error: never the token. */
	scrub(c->body.data, c->body.len, c->token);
	rp->root = json_loadb(c->body.data, c->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rp->root)
		return call_fail(c, err, SBX_EINVAL, "HTTP %ld with invalid JSON: %s (line %d, "
				 "column %d)", c->status, jerr.text, jerr.line, jerr.column);
	if (!json_is_object(rp->root) || sbx_reply_fields(rp, bad, sizeof bad)) {
		if (!json_is_object(rp->root))
			snprintf(bad, sizeof bad, "JSON that is not an object");
		json_decref(rp->root);
		memset(rp, 0, sizeof *rp);
		return call_fail(c, err, SBX_EINVAL, "HTTP %ld with a bad reply: %s", c->status, bad);
	}
	if (rp->id && holds_token(c, rp->id)) {
		json_decref(rp->root);
		memset(rp, 0, sizeof *rp);
		return call_fail(c, err, SBX_EINVAL, "HTTP %ld with a bad reply: \"id\" holds the "
				 "bearer token", c->status);
	}
	return 0;
}

/* The journal's note of a success: the server's message, and how many
 * attempts it took. */
static void note(struct call *c, const struct sbx_reply *rp, char *out, size_t n)
{
	char msg[EXCERPT + 1] = "";

	if (rp->message)
		sbx_reply_clean(rp->message, strlen(rp->message), n - 40 < EXCERPT ? n - 40 : EXCERPT, msg);
	scrub_str(msg, c->token);
	if (c->attempts > 1)
		snprintf(out, n, "%s%ssucceeded on attempt %d", msg, *msg ? " (" : "", c->attempts);
	else
		snprintf(out, n, "%s", msg);
	if (*msg && c->attempts > 1 && strlen(out) + 1 < n)
		strcat(out, ")");
}

/* ---- the verbs ---- */

/* Prepares C for verb VB: the URL, the token, the key and the request. */
static int call_begin(struct call *c, struct sbx_provider *p, enum verb vb,
		      const struct sbx_sandbox_view *v, struct sbx_err *err)
{
	int r;

	memset(c, 0, sizeof *c);
	c->p = p;
	c->h = p->priv;
	c->vb = vb;
	c->v = v;
	c->upload_fd = c->out_fd = -1;
	if (!v || !v->name || !*v->name)
		return sbx_err_set(err, SBX_EINVAL, "provider '%s': %s of a sandbox without a name",
				   p->name, verb_names[vb]);
	if (!c->h->verbs[vb].method)
		return sbx_err_set(err, SBX_ENOTSUP, "provider 'http:%s' cannot %s", p->name,
				   verb_names[vb]);
	c->rng = sbx_seed_rand();
	c->curl = curl_easy_init();
	if (!c->curl)
		return sbx_err_set(err, SBX_ENOMEM, "provider '%s': cannot start libcurl", p->name);
	r = make_url(c, err);
	if (!r)
		r = read_token(c, err);
	if (!r && !is_read(vb))
		r = make_key(c, err);
	if (!r && !is_read(vb) && vb != V_IMPORT)
		r = make_request(c, err);
	return r;
}

/* Releases C; the last word on ERR: it never holds the token. */
static void call_end(struct call *c, struct sbx_err *err)
{
	if (err && c->token)
		scrub_str(err->msg, c->token);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->upload_fd >= 0)
		close(c->upload_fd);
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->out_tmp) {
		unlink(c->out_tmp);
		free(c->out_tmp);
	}
	free(c->url);
	sbx_buf_release(&c->req);
	sbx_buf_release(&c->body);
}

/* The verbs whose answer is a provider result. */
static int result_verb(struct sbx_provider *p, enum verb vb, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err)
{
	struct sbx_reply rp = { 0 };
	struct call c;
	int r;

	res->message[0] = '\0';
	r = call_begin(&c, p, vb, v, err);
	if (!r)
		r = perform(&c, err);
	if (!r)
		r = parse_reply(&c, 0, &rp, err);
	if (!r) {
		if (vb == V_PROVISION && rp.id) {
			free(res->provider_id);
			res->provider_id = sbx_xstrdup(rp.id);
		}
		if (vb == V_DEACTIVATE && rp.snapshot) {
			free(res->snapshot);
			res->snapshot = sbx_xstrdup(rp.snapshot);
		}
		note(&c, &rp, res->message, sizeof res->message);
	}
	json_decref(rp.root);
	call_end(&c, err);
	return r;
}

static int h_provision(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, V_PROVISION, v, res, err);
}

static int h_activate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		      struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, V_ACTIVATE, v, res, err);
}

static int h_deactivate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, V_DEACTIVATE, v, res, err);
}

static int h_destroy(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		     struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, V_DESTROY, v, res, err);
}

/* Without a "status" verb the state is "unknown"; a 404 or 410 means the
 * provider holds nothing of the sandbox. */
static int h_status(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		    struct sbx_provider_status *st, struct sbx_err *err)
{
	struct http *h = p->priv;
	struct sbx_reply rp = { 0 };
	struct call c;
	int r;

	snprintf(st->state, sizeof st->state, "unknown");
	st->message[0] = '\0';
	if (!h->verbs[V_STATUS].method) {
		snprintf(st->message, sizeof st->message, "provider '%s' has no \"status\" verb",
			 p->name);
		return 0;
	}
	r = call_begin(&c, p, V_STATUS, v, err);
	if (r)
		goto out;
	c.absent_ok = 1;
	r = perform(&c, err);
	if (r)
		goto out;
	if (c.status == 404 || c.status == 410) {
		snprintf(st->state, sizeof st->state, "absent");
		snprintf(st->message, sizeof st->message, "HTTP %ld", c.status);
		goto out;
	}
	r = parse_reply(&c, 1, &rp, err);
	if (r)
		goto out;
	if (!rp.state) {
		r = call_fail(&c, err, SBX_EINVAL, "HTTP %ld without \"state\"", c.status);
		goto out;
	}
	snprintf(st->state, sizeof st->state, "%s", rp.state);
	note(&c, &rp, st->message, sizeof st->message);
out:
	json_decref(rp.root);
	call_end(&c, err);
	return r;
}

/* Without a "usage" verb nothing is known: no activity, no size. */
static int h_usage(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		   struct sbx_provider_usage *u, struct sbx_err *err)
{
	struct http *h = p->priv;
	struct sbx_reply rp = { 0 };
	struct call c;
	int r;

	u->last_activity_ns = 0;
	u->size_bytes = 0;
	if (!h->verbs[V_USAGE].method) {
		snprintf(u->source, sizeof u->source, "unknown");
		return 0;
	}
	snprintf(u->source, sizeof u->source, "provider usage");
	r = call_begin(&c, p, V_USAGE, v, err);
	if (!r)
		r = perform(&c, err);
	if (!r)
		r = parse_reply(&c, 1, &rp, err);
	if (!r) {
		if (rp.has_activity)
			u->last_activity_ns = rp.activity_ns;
		if (rp.has_size)
			u->size_bytes = rp.size;
	}
	json_decref(rp.root);
	call_end(&c, err);
	return r;
}

/* Export: the reply's body is the archive, written to a private temporary
 * file beside FILE and renamed over it once whole. */
static int h_export(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		    struct sbx_err *err)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct call c;
	int r;

	r = call_begin(&c, p, V_EXPORT, v, err);
	if (r)
		goto out;
	sbx_buf_addf(&b, "%s.XXXXXX", file);
	c.out_tmp = sbx_buf_detach(&b, NULL);
	c.out_fd = mkstemp(c.out_tmp);
	if (c.out_fd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "provider '%s': export: cannot create '%s'", p->name,
				c.out_tmp);
		free(c.out_tmp);
		c.out_tmp = NULL;
		goto out;
	}
	fcntl(c.out_fd, F_SETFD, FD_CLOEXEC);
	r = perform(&c, err);
	if (r)
		goto out;
	if (fsync(c.out_fd) || close(c.out_fd)) {
		c.out_fd = -1;
		r = sbx_err_sys(err, SBX_EIO, "provider '%s': export: cannot write '%s'", p->name,
				c.out_tmp);
		goto out;
	}
	c.out_fd = -1;
	if (rename(c.out_tmp, file)) {
		r = sbx_err_sys(err, SBX_EIO, "provider '%s': export: cannot rename '%s' to '%s'",
				p->name, c.out_tmp, file);
		goto out;
	}
	free(c.out_tmp);
	c.out_tmp = NULL;
out:
	call_end(&c, err);
	return r;
}

/* Import: the changeset archive FILE is the request's body
 * (application/octet-stream), with the idempotency key; the sandbox is
 * named by the URL.  The reply is read as any other. */
static int h_import(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		    struct sbx_err *err)
{
	struct sbx_reply rp = { 0 };
	struct stat st;
	struct call c;
	int r;

	r = call_begin(&c, p, V_IMPORT, v, err);
	if (r)
		goto out;
	c.upload_fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (c.upload_fd < 0 || fstat(c.upload_fd, &st)) {
		r = sbx_err_sys(err, errno == ENOENT ? SBX_ENOTFOUND : SBX_EIO, "provider '%s': "
				"import: cannot open '%s'", p->name, file);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = sbx_err_set(err, SBX_EINVAL, "provider '%s': import: '%s' is not a regular file",
				p->name, file);
		goto out;
	}
	c.upload_size = (curl_off_t)st.st_size;
	r = perform(&c, err);
	if (!r)
		r = parse_reply(&c, 0, &rp, err);
out:
	json_decref(rp.root);
	call_end(&c, err);
	return r;
}

const struct sbx_provider_ops sbx_http_ops = {
	.type = "http",
	.init = h_init,
	.fini = h_fini,
	.provision = h_provision,
	.activate = h_activate,
	.deactivate = h_deactivate,
	.destroy = h_destroy,
	.status = h_status,
	.usage = h_usage,
	.export_ = h_export,
	.import = h_import,
};
