/*
 * Unit tests for the http provider (providers/http.c), against the real
 * fault-injecting server tests/http-fault-server.py on 127.0.0.1, started
 * here as a child process (SBX_TOP_SRCDIR names the top of the source tree,
 * default ".").  The server's control plane (/_faults, /_log, /_reset)
 * scripts its failures and tells what it received.
 *
 * SBX_HTTP_BACKOFF_SCALE=0.01 shrinks the backoff waits, so that retries
 * take milliseconds; Retry-After is honoured in full.  The TLS tests make
 * throw-away certificates with the openssl program and are skipped without
 * it.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "providers/provider.h"
#include "sbx/buf.h"

extern const struct sbx_provider_ops sbx_http_ops;

/* Distinctive, so that any leak of it is found. */
#define TOKEN "tok-Zq9xK3vSECRETbearer7Lm2"
#define SECRET_VALUE "db-password-never-sent-4f1c"
#define SNAP "5f1d4c2b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060504"

static char tmpdir[64];
static char server_script[4096];
static pid_t server_pid = -1;
static int port;
static char base[64];
static json_t *vars, *secrets;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *path_in_tmp(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
	return buf[i];
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* ---- the server ---- */

/* Starts the fault server with EXTRA arguments (NULL-terminated, may be
 * NULL) and returns its pid, its port in *PORT_OUT; -1 on failure. */
static pid_t start_server(const char *const *extra, int *port_out)
{
	const char *argv[16] = { "python3", server_script, "--lifetime", "180" };
	int fds[2], n = 4, got = 0;
	char line[32];
	struct pollfd pfd;
	pid_t pid;
	ssize_t r;

	while (extra && *extra && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	/* The first line is the port. */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < (int)sizeof line - 1 && !memchr(line, '\n', (size_t)got)) {
		if (poll(&pfd, 1, 10000) != 1)
			break;
		r = read(fds[0], line + got, sizeof line - 1 - (size_t)got);
		if (r <= 0)
			break;
		got += (int)r;
	}
	close(fds[0]);
	line[got] = '\0';
	*port_out = atoi(line);
	if (*port_out <= 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void stop_server(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	sbx_buf_add(ud, ptr, size * n);
	return size * n;
}

/* A request to the server at PORT_ on 127.0.0.1, over TLS trusting CA when
 * CA is set, under the name HOST (when not NULL) that its certificate
 * holds; returns the body (caller frees). */
static char *ctl_at(int port_, const char *ca, const char *host, const char *method,
		    const char *path, const char *body)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct curl_slist *resolve = NULL;
	char url[256], pin[128];
	CURL *c = curl_easy_init();
	long status = 0;

	assert_non_null(c);
	snprintf(url, sizeof url, "%s://%s:%d%s", ca ? "https" : "http", host ? host : "127.0.0.1",
		 port_, path);
	if (host) {
		snprintf(pin, sizeof pin, "%s:%d:127.0.0.1", host, port_);
		resolve = curl_slist_append(NULL, pin);
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(resolve);
	assert_true(status >= 200 && status < 300);
	sbx_buf_add(&b, "", 0);
	return sbx_buf_detach(&b, NULL);
}

static void ctl(const char *method, const char *path, const char *body)
{
	free(ctl_at(port, NULL, NULL, method, path, body));
}

static void faults(const char *json)
{
	ctl("POST", "/_faults", json);
}

/* The server's log, only the requests to PATH (with the query) when PATH
 * is not NULL.  Caller decrefs. */
static json_t *server_log_at(int port_, const char *ca, const char *host, const char *path)
{
	char *text = ctl_at(port_, ca, host, "GET", "/_log", NULL);
	json_t *all = json_loads(text, 0, NULL), *out = json_array(), *e;
	size_t i;

	free(text);
	assert_true(json_is_array(all));
	json_array_foreach(all, i, e)
		if (!path || !strcmp(json_string_value(json_object_get(e, "path")), path))
			json_array_append(out, e);
	json_decref(all);
	return out;
}

static json_t *server_log(const char *path)
{
	return server_log_at(port, NULL, NULL, path);
}

static const char *header(json_t *entry, const char *name)
{
	return json_string_value(json_object_get(json_object_get(entry, "headers"), name));
}

/* ---- the provider ---- */

/* sbx_provider_result_release, which lives in providers/registry.c, a file
 * this test does not need. */
static void release(struct sbx_provider_result *res)
{
	free(res->provider_id);
	free(res->snapshot);
	res->provider_id = res->snapshot = NULL;
}

/* The settings of the example config, against BASE_URL, token from
 * $SBX_TEST_TOKEN, with EXTRA (a JSON object, or NULL) laid over them. */
static json_t *settings_for(const char *base_url, const char *extra)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
			      "type", "http", "base_url", base_url, "token_env", "SBX_TEST_TOKEN",
			      "verbs",
			      "provision", "POST /sandboxes",
			      "activate", "POST /sandboxes/{id}/start",
			      "deactivate", "POST /sandboxes/{id}/stop",
			      "destroy", "DELETE /sandboxes/{id}",
			      "status", "GET /sandboxes/{id}",
			      "usage", "GET /sandboxes/{id}/usage",
			      "export", "GET /sandboxes/{id}/export",
			      "import", "POST /sandboxes/{id}/import");

	assert_non_null(s);
	if (extra) {
		json_error_t je;
		json_t *e = json_loads(extra, 0, &je);

		if (!e)
			fail_msg("bad test JSON: %s", je.text);
		assert_int_equal(json_object_update(s, e), 0);
		json_decref(e);
	}
	return s;
}

/* Runs init on a provider made by hand; returns its code, message in ERR. */
static int try_init(struct sbx_provider *p, json_t *settings, struct sbx_err *err)
{
	struct sbx_provider tmpl = { &sbx_http_ops, "cloud", settings, "config.json", NULL };

	*p = tmpl;
	sbx_err_clear(err);
	return p->ops->init(p, err);
}

static void init_ok(struct sbx_provider *p, json_t *settings)
{
	struct sbx_err err = { 0, 0, "" };

	if (try_init(p, settings, &err))
		fail_msg("init: %s", err.msg);
}

static void fini(struct sbx_provider *p)
{
	p->ops->fini(p);
	json_decref(p->settings);
}

static struct sbx_sandbox_view view(const char *name, const char *id, const char *op)
{
	struct sbx_sandbox_view v = { name, "uat", "alice", SNAP, id, op, vars, secrets, NULL };

	return v;
}

/* Makes sandbox "sbx-NAME" on the server. */
static void provision(struct sbx_provider *p, const char *name)
{
	struct sbx_sandbox_view v = view(name, NULL, "op-provision");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };

	if (p->ops->provision(p, &v, &res, &err))
		fail_msg("provision: %s", err.msg);
	release(&res);
}

static void no_token(const char *s)
{
	/* Whole, or a start of it cut off by a limit. */
	if (strstr(s, TOKEN) || strstr(s, "SECRETbearer") || strstr(s, "tok-Zq9x"))
		fail_msg("the token leaked into: %s", s);
}

static int setup(void **state)
{
	const char *top = getenv("SBX_TOP_SRCDIR");

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sbx-test-http-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(server_script, sizeof server_script, "%s/tests/http-fault-server.py", top && *top ? top : ".");
	if (access(server_script, R_OK))
		return -1;
	setenv("SBX_HTTP_BACKOFF_SCALE", "0.01", 1);
	setenv("SBX_TEST_TOKEN", TOKEN, 1);
	unsetenv("SBX_TEST_UNSET");
	/* The provider must not go through a proxy to 127.0.0.1. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -1;
	server_pid = start_server(NULL, &port);
	if (server_pid < 0)
		return -1;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	vars = json_pack("{s:s}", "API_BASE", "https://api.uat.acme.test");
	secrets = json_pack("{s:s}", "db", SECRET_VALUE);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	stop_server(server_pid);
	json_decref(vars);
	json_decref(secrets);
	curl_global_cleanup();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* Each test starts from an empty server. */
static int reset(void **state)
{
	(void)state;
	ctl("POST", "/_reset", NULL);
	return 0;
}

/* ---- tests ---- */

static void test_round_trip(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_err err = { 0, 0, "" };
	json_t *log, *req, *e;
	int64_t now_ns = (int64_t)time(NULL) * 1000000000;

	(void)state;
	init_ok(&p, settings_for(base, NULL));

	v = view("rt", NULL, "op-1");
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), 0);
	assert_string_equal(res.provider_id, "sbx-rt");
	assert_string_equal(res.message, "created sbx-rt");
	v = view("rt", "sbx-rt", "op-2");
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "active");
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_true(u.last_activity_ns > now_ns - 60 * 1000000000LL);
	assert_true(u.last_activity_ns < now_ns + 60 * 1000000000LL);
	assert_true(u.size_bytes > 1000);
	assert_string_equal(u.source, "provider usage");
	v = view("rt", "sbx-rt", "op-3");
	assert_int_equal(p.ops->deactivate(&p, &v, &res, &err), 0);
	assert_non_null(res.snapshot);
	assert_int_equal(strlen(res.snapshot), 64);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "inactive");

	/* Export writes the archive; import sends one. */
	assert_int_equal(p.ops->export_(&p, &v, path_in_tmp("export.tar"), &err), 0);
	{
		FILE *f = fopen(path_in_tmp("export.tar"), "r");
		char buf[64] = "";

		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof buf, f));
		fclose(f);
		assert_string_equal(buf, "archive of sbx-rt\n");
	}
	write_file(path_in_tmp("changes.tar"), "changeset bytes", 0600);
	v = view("rt", "sbx-rt", "op-4");
	assert_int_equal(p.ops->import(&p, &v, path_in_tmp("changes.tar"), &err), 0);

	v = view("rt", "sbx-rt", "op-5");
	assert_int_equal(p.ops->destroy(&p, &v, &res, &err), 0);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "absent");
	assert_int_equal(err.code, 0);

	/* What arrived. */
	log = server_log("/sandboxes");
	assert_int_equal(json_array_size(log), 1);
	e = json_array_get(log, 0);
	assert_string_equal(json_string_value(json_object_get(e, "method")), "POST");
	assert_string_equal(header(e, "authorization"), "Bearer " TOKEN);
	assert_string_equal(header(e, "idempotency-key"), "op-1");
	assert_string_equal(header(e, "content-type"), "application/json");
	req = json_loads(json_string_value(json_object_get(e, "body")), 0, NULL);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(req, "name")), "rt");
	assert_string_equal(json_string_value(json_object_get(req, "purpose")), "uat");
	assert_string_equal(json_string_value(json_object_get(req, "owner")), "alice");
	assert_string_equal(json_string_value(json_object_get(req, "snapshot")), SNAP);
	assert_true(json_equal(json_object_get(req, "vars"), vars));
	assert_int_equal(json_object_size(req), 5);
	json_decref(req);
	json_decref(log);

	log = server_log(NULL);
	{
		size_t i;

		json_array_foreach(log, i, e) {
			const char *m = json_string_value(json_object_get(e, "method"));

			assert_null(strstr(json_string_value(json_object_get(e, "body")), SECRET_VALUE));
			assert_string_equal(header(e, "authorization"), "Bearer " TOKEN);
			/* Reads carry no key; every write does. */
			if (!strcmp(m, "GET"))
				assert_null(header(e, "idempotency-key"));
			else
				assert_non_null(header(e, "idempotency-key"));
		}
	}
	json_decref(log);
	log = server_log("/sandboxes/sbx-rt/import");
	assert_int_equal(json_array_size(log), 1);
	e = json_array_get(log, 0);
	assert_string_equal(json_string_value(json_object_get(e, "body")), "changeset bytes");
	assert_string_equal(header(e, "content-type"), "application/octet-stream");
	assert_string_equal(header(e, "idempotency-key"), "op-4");
	json_decref(log);
	log = server_log("/sandboxes/sbx-rt");
	assert_int_equal(json_array_size(log), 4); /* GET, GET, DELETE, GET */
	assert_string_equal(json_string_value(json_object_get(json_array_get(log, 2), "method")),
			    "DELETE");
	json_decref(log);
	release(&res);
	fini(&p);
}

static void test_503_twice_same_key(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	json_t *log, *e;
	double t0;
	size_t i;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "r5");
	faults("[{\"path\": \"/sandboxes/sbx-r5/start\", \"status\": 503, \"times\": 2}]");
	v = view("r5", "sbx-r5", "op-503-7d3a");
	t0 = now_s();
	if (p.ops->activate(&p, &v, &res, &err))
		fail_msg("activate: %s", err.msg);
	print_message("503 twice then 200: %.3f s; note \"%s\"\n", now_s() - t0, res.message);
	assert_true(now_s() - t0 < 2);
	assert_non_null(strstr(res.message, "succeeded on attempt 3"));

	log = server_log("/sandboxes/sbx-r5/start");
	assert_int_equal(json_array_size(log), 3);
	json_array_foreach(log, i, e) {
		assert_string_equal(header(e, "idempotency-key"), "op-503-7d3a");
		assert_string_equal(header(e, "authorization"), "Bearer " TOKEN);
	}
	assert_non_null(json_object_get(json_array_get(log, 0), "fault"));
	assert_true(json_is_null(json_object_get(json_array_get(log, 2), "fault")));
	json_decref(log);
	release(&res);
	fini(&p);
}

/* Without an operation id, the provider makes one, the same on retries. */
static void test_generated_key_stable(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	json_t *log;
	const char *k0;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "gk");
	faults("[{\"path\": \"/sandboxes/sbx-gk/start\", \"status\": 502, \"times\": 1}]");
	v = view("gk", "sbx-gk", NULL);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	log = server_log("/sandboxes/sbx-gk/start");
	assert_int_equal(json_array_size(log), 2);
	k0 = header(json_array_get(log, 0), "idempotency-key");
	assert_non_null(k0);
	assert_int_equal(strlen(k0), 36);
	assert_string_equal(k0, header(json_array_get(log, 1), "idempotency-key"));
	json_decref(log);
	fini(&p);
}

static void test_429_retry_after(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0, took;
	json_t *log;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "ra");
	faults("[{\"path\": \"/sandboxes/sbx-ra/start\", \"status\": 429, \"retry_after\": 2, "
	       "\"times\": 1}]");
	v = view("ra", "sbx-ra", "op-ra");
	t0 = now_s();
	if (p.ops->activate(&p, &v, &res, &err))
		fail_msg("activate: %s", err.msg);
	took = now_s() - t0;
	print_message("429 with Retry-After: 2 then 200: %.3f s\n", took);
	assert_true(took >= 2.0);
	assert_true(took < 4.0);
	log = server_log("/sandboxes/sbx-ra/start");
	assert_int_equal(json_array_size(log), 2);
	assert_true(json_number_value(json_object_get(json_array_get(log, 1), "time")) -
		    json_number_value(json_object_get(json_array_get(log, 0), "time")) >= 1.99);
	json_decref(log);
	release(&res);
	fini(&p);
}

/* Retry-After as an HTTP date, on a 503. */
static void test_503_retry_after_date(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	char date[64], json[256];
	time_t when = time(NULL) + 2;
	struct tm tm;
	double t0, took;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "rd");
	gmtime_r(&when, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(json, sizeof json, "[{\"path\": \"/sandboxes/sbx-rd/start\", \"status\": 503, "
		 "\"retry_after\": \"%s\"}]", date);
	faults(json);
	v = view("rd", "sbx-rd", "op-rd");
	t0 = now_s();
	if (p.ops->activate(&p, &v, &res, &err))
		fail_msg("activate: %s", err.msg);
	took = now_s() - t0;
	print_message("503 with Retry-After: <date 2 s ahead> then 200: %.3f s\n", took);
	/* Whole seconds: between one and two of them. */
	assert_true(took >= 0.9);
	assert_true(took < 3.5);
	fini(&p);
}

static void test_retry_after_beyond_timeout(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0;
	json_t *log;

	(void)state;
	init_ok(&p, settings_for(base, "{\"timeout\": \"30s\"}"));
	provision(&p, "rl");
	faults("[{\"path\": \"/sandboxes/sbx-rl/start\", \"status\": 503, \"retry_after\": 120}]");
	v = view("rl", "sbx-rl", "op-rl");
	t0 = now_s();
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	print_message("Retry-After: 120 with a 30 s timeout: %.3f s: %s\n", now_s() - t0, err.msg);
	assert_true(now_s() - t0 < 1);
	assert_non_null(strstr(err.msg, "HTTP 503"));
	assert_non_null(strstr(err.msg, "Retry-After asks to wait 120 s, longer than the 30 s "
				       "timeout"));
	log = server_log("/sandboxes/sbx-rl/start");
	assert_int_equal(json_array_size(log), 1);
	json_decref(log);
	fini(&p);
}

static void test_hung_connection(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0, took;

	(void)state;
	init_ok(&p, settings_for(base, "{\"timeout\": \"1s\", \"retries\": 1}"));
	provision(&p, "hg");
	faults("[{\"path\": \"/sandboxes/sbx-hg/start\", \"hang\": 30, \"times\": 1}]");
	v = view("hg", "sbx-hg", "op-hg");
	t0 = now_s();
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	took = now_s() - t0;
	print_message("hung server, timeout 1s, retries 1: %.3f s: %s\n", took, err.msg);
	assert_true(took >= 0.9);
	assert_true(took < 4);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_non_null(strstr(err.msg, "the 1 s timeout is spent"));
	assert_non_null(strstr(err.msg, "provider 'cloud': activate: POST "));
	fini(&p);
}

static void test_500_until_retries_run_out(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0;
	json_t *log, *e;
	size_t i;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "f5");
	faults("[{\"path\": \"/sandboxes/sbx-f5/start\", \"status\": 500, \"times\": 99, "
	       "\"body\": \"{\\\"message\\\": \\\"database\\nunavailable\\u0001!\\\"}\"}]");
	v = view("f5", "sbx-f5", "op-f5");
	t0 = now_s();
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	print_message("500 x 99, default retries: %.3f s: %s\n", now_s() - t0, err.msg);
	assert_true(now_s() - t0 < 2);
	assert_non_null(strstr(err.msg, "HTTP 500"));
	assert_non_null(strstr(err.msg, "gave up after 5 attempts"));
	/* The body's start, its control characters replaced. */
	assert_non_null(strstr(err.msg, "{\"message\": \"database unavailable?!\"}"));
	log = server_log("/sandboxes/sbx-f5/start");
	assert_int_equal(json_array_size(log), 5);
	json_array_foreach(log, i, e)
		assert_string_equal(header(e, "idempotency-key"), "op-f5");
	json_decref(log);

	/* retries 0: one attempt. */
	fini(&p);
	init_ok(&p, settings_for(base, "{\"retries\": 0}"));
	ctl("DELETE", "/_log", NULL);
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "gave up after 1 attempt)"));
	log = server_log("/sandboxes/sbx-f5/start");
	assert_int_equal(json_array_size(log), 1);
	json_decref(log);
	fini(&p);
}

static void test_404_not_retried(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0;
	json_t *log;
	char *big;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	v = view("nope", "sbx-nope", "op-404");
	t0 = now_s();
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	print_message("404: %.3f s: %s\n", now_s() - t0, err.msg);
	assert_true(now_s() - t0 < 0.5);
	assert_non_null(strstr(err.msg, "HTTP 404: {\"message\": \"no sandbox sbx-nope\"}"));
	assert_null(strstr(err.msg, "attempt"));
	log = server_log("/sandboxes/sbx-nope/start");
	assert_int_equal(json_array_size(log), 1);
	json_decref(log);

	/* Only the first 300 bytes of a long body. */
	big = malloc(5000);
	memset(big, 'y', 4999);
	big[4999] = '\0';
	{
		char json[5200];

		snprintf(json, sizeof json, "[{\"path\": \"/sandboxes/sbx-nope/start\", \"status\": "
			 "409, \"body\": \"%s\"}]", big);
		faults(json);
	}
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "HTTP 409: yyyy"));
	big[300] = '\0';
	assert_non_null(strstr(err.msg, big));
	big[300] = 'y';
	big[301] = '\0';
	assert_null(strstr(err.msg, big));
	free(big);
	fini(&p);
}

static void test_connection_errors(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v;
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	char url[64];
	int dead_port;
	pid_t dead;
	json_t *log;
	double t0;

	(void)state;
	/* An empty reply is retried. */
	init_ok(&p, settings_for(base, NULL));
	provision(&p, "er");
	faults("[{\"path\": \"/sandboxes/sbx-er/start\", \"close\": true}]");
	v = view("er", "sbx-er", "op-er");
	if (p.ops->activate(&p, &v, &res, &err))
		fail_msg("activate: %s", err.msg);
	log = server_log("/sandboxes/sbx-er/start");
	assert_int_equal(json_array_size(log), 2);
	json_decref(log);
	fini(&p);

	/* Nobody listening: a port that was a server's a moment ago. */
	dead = start_server(NULL, &dead_port);
	assert_true(dead > 0);
	stop_server(dead);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", dead_port);
	init_ok(&p, settings_for(url, "{\"retries\": 2}"));
	t0 = now_s();
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	print_message("connection refused, retries 2: %.3f s: %s\n", now_s() - t0, err.msg);
	assert_true(now_s() - t0 < 2);
	assert_non_null(strstr(err.msg, "gave up after 3 attempts"));
	assert_true(strstr(err.msg, "Connection refused") || strstr(err.msg, "connect"));
	fini(&p);
}

static void test_token_never_in_messages(void **state)
{
	static const char *const scripts[] = {
		/* The token echoed in error bodies, whole and cut at 300 bytes. */
		"[{\"path\": \"*\", \"status\": 400, \"body\": \"bad token " TOKEN "\"}]",
		"[{\"path\": \"*\", \"status\": 401, \"echo_headers\": true}]",
		"[{\"path\": \"*\", \"status\": 500, \"echo_headers\": true, \"times\": 99}]",
		/* Straddling the 300-byte cut (made below). */
		NULL,
		/* In a 2xx reply that is not JSON: jansson quotes the text. */
		"[{\"path\": \"*\", \"status\": 200, \"body\": \"" TOKEN "\"}]",
		"[{\"path\": \"*\", \"status\": 200, \"body\": \"{\\\"state\\\": " TOKEN "}\"}]",
		/* In a bad field of a reply. */
		"[{\"path\": \"*\", \"status\": 200, \"body\": {\"state\": \"" TOKEN "\"}}]",
		"[{\"path\": \"*\", \"status\": 200, \"body\": {\"id\": \"" TOKEN "\"}}]",
		/* In a good reply's message, and in an id, escaped. */
		"[{\"path\": \"*\", \"status\": 200, \"body\": \"{\\\"message\\\": \\\"hi \\\\u0074ok-"
		"Zq9xK3vSECRETbearer7Lm2\\\", \\\"state\\\": \\\"active\\\"}\"}]",
		"[{\"path\": \"*\", \"status\": 200, \"body\": \"{\\\"id\\\": "
		"\\\"\\\\u0074ok-Zq9xK3vSECRETbearer7Lm2\\\"}\"}]",
		"[{\"path\": \"*\", \"status\": 200, \"body\": {\"message\": \"hi " TOKEN "\", "
		"\"state\": \"active\"}}]",
	};
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("tk", "sbx-tk", "op-tk");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_provider_status st;
	struct sbx_err err;
	char straddle[512];
	const char *script;
	size_t i;
	int r;

	(void)state;
	/* "HTTP 403: " and 290 bytes, then the token across byte 300. */
	snprintf(straddle, sizeof straddle, "[{\"path\": \"*\", \"status\": 403, \"body\": "
		 "\"%0290d%s\"}]", 0, TOKEN);
	init_ok(&p, settings_for(base, "{\"retries\": 1}"));
	for (i = 0; i < sizeof scripts / sizeof *scripts; i++) {
		script = scripts[i] ? scripts[i] : straddle;
		faults(script);
		sbx_err_clear(&err);
		r = p.ops->provision(&p, &v, &res, &err);
		print_message("leak check %zu: provision %d: %s%s%s\n", i, r, err.msg,
			      r ? "" : res.message, r ? "" : (res.provider_id ? res.provider_id : ""));
		no_token(err.msg);
		no_token(res.message);
		if (res.provider_id)
			no_token(res.provider_id);
		release(&res);
		faults(script);
		sbx_err_clear(&err);
		r = p.ops->status(&p, &v, &st, &err);
		no_token(err.msg);
		no_token(st.message);
		no_token(st.state);
	}
	/* A 401 hints at the token's source, by name only. */
	faults("[{\"path\": \"*\", \"status\": 401, \"body\": \"no\"}]");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "is the token in $SBX_TEST_TOKEN right?"));
	no_token(err.msg);
	fini(&p);
}

static void test_token_file(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("tf", "sbx-tf", "op-tf");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	char extra[512];
	json_t *log, *s;

	(void)state;
	snprintf(extra, sizeof extra, "{\"token_file\": \"%s\"}", path_in_tmp("token"));
	s = settings_for(base, extra);
	json_object_del(s, "token_env");
	init_ok(&p, s);

	/* Readable by others: refused, before any request. */
	write_file(path_in_tmp("token"), "  " TOKEN "  \n", 0644);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	print_message("token file 0644: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "is readable by group and others (mode 0644)"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	no_token(err.msg);
	write_file(path_in_tmp("token"), "  " TOKEN "  \n", 0640);
	sbx_err_clear(&err);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "readable by its group"));
	log = server_log(NULL);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);

	/* Private: read at each call, and trimmed. */
	write_file(path_in_tmp("token"), "  " TOKEN "  \n", 0600);
	sbx_err_clear(&err);
	if (p.ops->provision(&p, &v, &res, &err))
		fail_msg("provision: %s", err.msg);
	write_file(path_in_tmp("token"), "rotated-token\n", 0600);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	log = server_log(NULL);
	assert_int_equal(json_array_size(log), 2);
	assert_string_equal(header(json_array_get(log, 0), "authorization"), "Bearer " TOKEN);
	assert_string_equal(header(json_array_get(log, 1), "authorization"), "Bearer rotated-token");
	json_decref(log);

	/* Missing, empty, or not a header's worth. */
	unlink(path_in_tmp("token"));
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot open the token file"));
	write_file(path_in_tmp("token"), " \n", 0600);
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "is empty"));
	write_file(path_in_tmp("token"), TOKEN "\r\nX-Evil: 1\n", 0600);
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "control character"));
	no_token(err.msg);
	release(&res);
	fini(&p);

	/* An unset variable is named, not guessed at. */
	s = settings_for(base, "{\"token_env\": \"SBX_TEST_UNSET\"}");
	init_ok(&p, s);
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_non_null(strstr(err.msg, "$SBX_TEST_UNSET is not set"));
	fini(&p);
}

static void test_reply_checks(void **state)
{
	static const struct {
		const char *faults, *want;
	} cases[] = {
		{ "[{\"path\": \"*\", \"status\": 200, \"body\": {\"state\": \"running\"}}]",
		  "\"state\" must be \"active\", \"inactive\", \"absent\" or \"unknown\"" },
		{ "[{\"path\": \"*\", \"status\": 200, \"body\": \"\"}]",
		  "HTTP 200 with an empty body (a JSON object was expected)" },
		{ "[{\"path\": \"*\", \"status\": 200, \"body\": \"[1]\"}]",
		  "JSON that is not an object" },
		{ "[{\"path\": \"*\", \"status\": 200, \"body\": \"{nope\"}]",
		  "HTTP 200 with invalid JSON" },
		{ "[{\"path\": \"*\", \"status\": 200, \"body\": {\"message\": \"ok\"}}]",
		  "HTTP 200 without \"state\"" },
		{ "[{\"path\": \"*\", \"status\": 200, \"body_size\": 2000000}]",
		  "the reply is larger than 1048576 bytes" },
		{ "[{\"path\": \"*\", \"status\": 302, \"body\": \"\"}]",
		  "HTTP 302 with an empty body (redirects are not followed" },
	};
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("rc", "sbx-rc", "op-rc");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_err err;
	size_t i;

	(void)state;
	init_ok(&p, settings_for(base, NULL));
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		faults(cases[i].faults);
		sbx_err_clear(&err);
		assert_true(p.ops->status(&p, &v, &st, &err) < 0);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: wanted \"%s\" in: %s", i, cases[i].want, err.msg);
		assert_string_equal(st.state, "unknown");
	}
	faults("[{\"path\": \"*\", \"status\": 200, \"body\": {\"id\": 7}}]");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EINVAL);
	assert_non_null(strstr(err.msg, "\"id\" must be a string"));
	assert_null(res.provider_id);
	faults("[{\"path\": \"*\", \"status\": 200, \"body\": {\"snapshot\": \"abc\"}}]");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->deactivate(&p, &v, &res, &err), SBX_EINVAL);
	assert_null(res.snapshot);
	faults("[{\"path\": \"*\", \"status\": 200, \"body\": {\"last_activity\": 1700000000, "
	       "\"size\": 42}}]");
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_int_equal(u.last_activity_ns, 1700000000LL * 1000000000);
	assert_int_equal(u.size_bytes, 42);
	faults("[{\"path\": \"*\", \"status\": 200, \"body\": {\"last_activity\": \"yesterday\"}}]");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), SBX_EINVAL);
	assert_non_null(strstr(err.msg, "\"last_activity\" must be"));
	/* A huge error reply is still an error reply: retried on 5xx. */
	faults("[{\"path\": \"*\", \"status\": 503, \"body_size\": 2000000}, "
	       "{\"path\": \"*\", \"status\": 200, \"body\": {\"state\": \"inactive\"}}]");
	sbx_err_clear(&err);
	if (p.ops->status(&p, &v, &st, &err))
		fail_msg("status: %s", err.msg);
	assert_string_equal(st.state, "inactive");
	/* An empty 2xx is fine for a mutating verb. */
	faults("[{\"path\": \"*\", \"status\": 204, \"body\": \"\"}]");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	fini(&p);
}

static void test_placeholders_encoded(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("we ird/\xc3\xbc?&", NULL, "op-enc");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	json_t *s, *log;

	(void)state;
	s = settings_for(base, NULL);
	json_object_set_new(json_object_get(s, "verbs"), "activate",
			    json_string("PUT /sandboxes/{name}/start?id={id}"));
	init_ok(&p, s);
	faults("[{\"path\": \"*\", \"status\": 200, \"body\": \"\"}]");
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	log = server_log(NULL);
	assert_int_equal(json_array_size(log), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(log, 0), "path")),
			    "/sandboxes/we%20ird%2F%C3%BC%3F%26/start?id=we%20ird%2F%C3%BC%3F%26");
	assert_string_equal(json_string_value(json_object_get(json_array_get(log, 0), "method")),
			    "PUT");
	json_decref(log);
	fini(&p);
}

static void test_init_errors(void **state)
{
	static const struct {
		const char *extra, *drop, *want;
	} cases[] = {
		{ NULL, "base_url", "config.json: provider 'cloud': \"base_url\" is required" },
		{ "{\"base_url\": \"ftp://example.com\"}", NULL,
		  "config.json: provider 'cloud': \"base_url\" must be an https:// or http:// URL" },
		{ "{\"base_url\": \"https://\"}", NULL, "\"base_url\" must be an https:// or http://" },
		{ "{\"base_url\": 5}", NULL, "\"base_url\" must be an https:// or http:// URL" },
		{ "{\"base_url\": \"https://u:p@example.com\"}", NULL, "user name or password" },
		{ "{\"base_url\": \"https://example.com/api?x=1\"}", NULL, "query" },
		{ "{\"base_url\": \"http://example.com\"}", NULL, "only sent over https://" },
		{ "{\"insecure\": true}", NULL, "\"insecure\" is not supported" },
		{ "{\"verify\": false}", NULL, "\"verify\": only true is supported" },
		{ "{\"tokenfile\": \"/x\"}", NULL, "unknown setting \"tokenfile\"" },
		{ "{\"token_file\": \"/x\"}", NULL, "set only one of \"token_env\" and \"token_file\"" },
		{ "{\"token_env\": \"NOT A NAME\"}", NULL, "\"token_env\" must be the name" },
		{ "{\"retries\": -1}", NULL, "\"retries\" must be a whole number from 0 to 100" },
		{ "{\"retries\": \"3\"}", NULL, "\"retries\" must be a whole number" },
		{ "{\"timeout\": \"soon\"}", NULL, "\"timeout\" must be a duration" },
		{ "{\"timeout\": \"0s\"}", NULL, "\"timeout\" must be more than 0" },
		{ "{\"ca_file\": \"ca.pem\"}", NULL, "\"ca_file\" must be an absolute path" },
		{ "{\"verbs\": {\"provision\": \"POST /s\", \"activate\": \"POST /s/{id}/a\", "
		  "\"destroy\": \"DELETE /s/{id}\"}}", NULL,
		  "\"verbs\": \"deactivate\" is missing" },
		{ "{\"verbs\": {\"provision\": \"POST sandboxes\"}}", NULL,
		  "\"verbs\": \"provision\" must be \"METHOD /path\" such as \"POST /sandboxes\"" },
		{ "{\"verbs\": {\"provision\": \"POST /s/{nmae}\"}}", NULL,
		  "unknown placeholder in \"POST /s/{nmae}\"" },
		{ "{\"verbs\": {\"status\": \"POST /s/{id}\"}}", NULL, "\"status\" must be a GET" },
		{ "{\"verbs\": {\"activate\": \"GET /s/{id}\"}}", NULL,
		  "\"activate\" must use POST, PUT, PATCH or DELETE" },
		{ "{\"verbs\": {\"refresh\": \"POST /s\"}}", NULL, "unknown verb \"refresh\"" },
		{ NULL, "verbs", "\"verbs\" is required" },
	};
	struct sbx_provider p;
	struct sbx_err err;
	json_t *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		s = settings_for("https://sandboxes.example.com/api/v1/", NULL);
		if (cases[i].extra) {
			json_t *e = json_loads(cases[i].extra, 0, NULL);
			json_t *verbs = json_object_get(e, "verbs");

			assert_non_null(e);
			/* "verbs" of a case are laid over the full set, except
			 * for the missing-verb case which replaces it. */
			if (verbs && json_object_size(verbs) == 1) {
				json_object_update(json_object_get(s, "verbs"), verbs);
				json_object_del(e, "verbs");
			}
			json_object_update(s, e);
			json_decref(e);
		}
		if (cases[i].drop)
			json_object_del(s, cases[i].drop);
		assert_int_equal(try_init(&p, s, &err), SBX_ESYNTAX);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: wanted \"%s\" in: %s", i, cases[i].want, err.msg);
		json_decref(s);
	}

	/* Good: a trailing '/' is dropped; no token needs no https. */
	s = settings_for("http://example.com/api/", NULL);
	json_object_del(s, "token_env");
	init_ok(&p, s);
	fini(&p);
}

static void test_optional_verbs(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("ov", "sbx-ov", "op-ov");
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_err err = { 0, 0, "" };
	json_t *s = settings_for(base, NULL), *verbs = json_object_get(s, "verbs"), *log;

	(void)state;
	json_object_del(verbs, "status");
	json_object_del(verbs, "usage");
	json_object_del(verbs, "export");
	json_object_del(verbs, "import");
	init_ok(&p, s);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "unknown");
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_int_equal(u.last_activity_ns, 0);
	assert_int_equal(u.size_bytes, 0);
	assert_int_equal(p.ops->export_(&p, &v, path_in_tmp("x.tar"), &err), SBX_ENOTSUP);
	assert_string_equal(err.msg, "provider 'http:cloud' cannot export");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->import(&p, &v, path_in_tmp("x.tar"), &err), SBX_ENOTSUP);
	assert_string_equal(err.msg, "provider 'http:cloud' cannot import");
	assert_int_equal(access(path_in_tmp("x.tar"), F_OK), -1);
	log = server_log(NULL);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);
	fini(&p);
}

/* Runs openssl to make a self-signed certificate for SAN; 0 on success. */
static int make_cert(const char *cert, const char *key, const char *san)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' -days 2 "
		 "-subj /CN=sbx-test -addext 'subjectAltName=%s' >/dev/null 2>&1", key, cert, san);
	return system(cmd);
}

static void test_tls_verified(void **state)
{
	struct sbx_provider p;
	struct sbx_sandbox_view v = view("tls", NULL, "op-tls");
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	const char *cert_ip = path_in_tmp("ip.pem"), *key_ip = path_in_tmp("ip.key");
	char url[64], extra[512], cert_dns[256], key_dns[256];
	int tls_port, tls2_port;
	pid_t tls, tls2;
	json_t *log;
	double t0;

	(void)state;
	/* https:// to the plain server: no answer counts as one. */
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	init_ok(&p, settings_for(url, "{\"retries\": 1}"));
	t0 = now_s();
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	print_message("https:// to a plain server: %.3f s: %s\n", now_s() - t0, err.msg);
	assert_null(res.provider_id);
	assert_true(now_s() - t0 < 3);
	fini(&p);

	snprintf(cert_dns, sizeof cert_dns, "%s", path_in_tmp("dns.pem"));
	snprintf(key_dns, sizeof key_dns, "%s", path_in_tmp("dns.key"));
	if (make_cert(cert_ip, key_ip, "IP:127.0.0.1") ||
	    make_cert(cert_dns, key_dns, "DNS:sbx-test.invalid")) {
		print_message("no openssl program: TLS server tests skipped\n");
		skip();
	}
	{
		const char *a[] = { "--tls-cert", cert_ip, "--tls-key", key_ip, NULL };
		const char *b[] = { "--tls-cert", cert_dns, "--tls-key", key_dns, NULL };

		tls = start_server(a, &tls_port);
		tls2 = start_server(b, &tls2_port);
	}
	assert_true(tls > 0 && tls2 > 0);

	/* A certificate nobody vouches for. */
	snprintf(url, sizeof url, "https://127.0.0.1:%d", tls_port);
	init_ok(&p, settings_for(url, "{\"retries\": 1}"));
	sbx_err_clear(&err);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	print_message("self-signed certificate: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "certificate"));
	assert_null(strstr(err.msg, "attempt")); /* not retried */
	fini(&p);
	log = server_log_at(tls_port, cert_ip, NULL, NULL);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);

	/* Trusted through "ca_file". */
	snprintf(extra, sizeof extra, "{\"ca_file\": \"%s\"}", cert_ip);
	init_ok(&p, settings_for(url, extra));
	sbx_err_clear(&err);
	if (p.ops->provision(&p, &v, &res, &err))
		fail_msg("provision over TLS: %s", err.msg);
	assert_string_equal(res.provider_id, "sbx-tls");
	release(&res);
	fini(&p);
	log = server_log_at(tls_port, cert_ip, NULL, NULL);
	assert_int_equal(json_array_size(log), 1);
	assert_string_equal(header(json_array_get(log, 0), "authorization"), "Bearer " TOKEN);
	json_decref(log);

	/* Trusted, but for another name: the host is checked too. */
	snprintf(url, sizeof url, "https://127.0.0.1:%d", tls2_port);
	snprintf(extra, sizeof extra, "{\"ca_file\": \"%s\"}", cert_dns);
	init_ok(&p, settings_for(url, extra));
	sbx_err_clear(&err);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	print_message("certificate for another name: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	fini(&p);
	log = server_log_at(tls2_port, cert_dns, "sbx-test.invalid", NULL);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);

	/* A "ca_file" that is not there. */
	snprintf(url, sizeof url, "https://127.0.0.1:%d", tls_port);
	init_ok(&p, settings_for(url, "{\"ca_file\": \"/nonexistent/ca.pem\"}"));
	sbx_err_clear(&err);
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	print_message("missing ca_file: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	fini(&p);

	stop_server(tls);
	stop_server(tls2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_errors, reset),
		cmocka_unit_test_setup(test_round_trip, reset),
		cmocka_unit_test_setup(test_503_twice_same_key, reset),
		cmocka_unit_test_setup(test_generated_key_stable, reset),
		cmocka_unit_test_setup(test_429_retry_after, reset),
		cmocka_unit_test_setup(test_503_retry_after_date, reset),
		cmocka_unit_test_setup(test_retry_after_beyond_timeout, reset),
		cmocka_unit_test_setup(test_hung_connection, reset),
		cmocka_unit_test_setup(test_500_until_retries_run_out, reset),
		cmocka_unit_test_setup(test_404_not_retried, reset),
		cmocka_unit_test_setup(test_connection_errors, reset),
		cmocka_unit_test_setup(test_token_never_in_messages, reset),
		cmocka_unit_test_setup(test_token_file, reset),
		cmocka_unit_test_setup(test_reply_checks, reset),
		cmocka_unit_test_setup(test_placeholders_encoded, reset),
		cmocka_unit_test_setup(test_optional_verbs, reset),
		cmocka_unit_test_setup(test_tls_verified, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
