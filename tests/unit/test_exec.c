/*
 * Unit tests for running helper programs (providers/spawn.c) and for the
 * exec provider (providers/exec.c), the latter against the real demo
 * provider contrib/providers/demo and against small scripts written into a
 * temporary directory.
 *
 * SBX_TOP_SRCDIR names the top of the source tree (default "."), where
 * contrib/providers/demo is found.  Every test runs in this process (cmocka
 * does not fork), so "no zombie is left" is checked with waitpid(-1).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "providers/provider.h"
#include "providers/spawn.h"

#define MIB ((size_t)1024 * 1024)

extern const struct sbx_provider_ops sbx_exec_ops;

static char tmpdir[64];
static char demo[4096];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void assert_no_child(void)
{
	int st;

	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* How many descriptors this process has open: a spawn must leave none. */
static int count_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n += !access(path, F_OK);
	}
	return n;
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
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The whole of PATH, or NULL when it cannot be read. */
static char *read_file(const char *path)
{
	struct sbx_buf b = SBX_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sbx_buf_add(&b, chunk, n);
	fclose(f);
	sbx_buf_add(&b, "", 0);
	return sbx_buf_detach(&b, NULL);
}

static int run_rm(const char *dir)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	int r = sbx_spawn(argv, NULL, 0, 10000, &res, NULL);

	sbx_spawn_result_release(&res);
	return r;
}

static int setup(void **state)
{
	const char *top = getenv("SBX_TOP_SRCDIR");

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sbx-test-exec-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(demo, sizeof demo, "%s/contrib/providers/demo", top && *top ? top : ".");
	if (demo[0] != '/') {
		char cwd[2048];

		if (!getcwd(cwd, sizeof cwd))
			return -1;
		snprintf(demo, sizeof demo, "%s/%s/contrib/providers/demo", cwd,
			 top && *top ? top : ".");
	}
	if (access(demo, X_OK))
		return -1;
	setenv("SBX_DEMO_ROOT", path_in_tmp("demo-root"), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return run_rm(tmpdir);
}

/* ---- sbx_spawn ---- */

static void test_cat_roundtrip(void **state)
{
	const char *argv[] = { "/bin/cat", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	size_t n = 4 * MIB, i;
	char *big = malloc(n);

	(void)state;
	assert_int_equal(sbx_spawn(argv, "hello\n", 6, 5000, &res, &err), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.timed_out, 0);
	assert_string_equal(res.out.data, "hello\n");
	assert_string_equal(res.errout.data, "");

	/* Both ways at once, far more than a pipe holds. */
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + i / 4096);
	assert_int_equal(sbx_spawn(argv, big, n, 20000, &res, &err), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out.len, n);
	assert_memory_equal(res.out.data, big, n);
	free(big);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_output_capped(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "exec head -c 20000000 /dev/zero", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	double t0 = now_s();
	int fds = count_fds();

	(void)state;
	assert_int_equal(sbx_spawn(argv, NULL, 0, 20000, &res, &err), SBX_EFAIL);
	assert_int_equal(count_fds(), fds);
	assert_true(now_s() - t0 < 3);
	assert_non_null(strstr(err.msg, "output too large"));
	assert_int_equal(res.out.len, SBX_SPAWN_MAX_OUTPUT);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.status, SIGTERM);
	assert_int_equal(res.timed_out, 0);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_exit_status_and_stderr(void **state)
{
	const char *argv3[] = { "/bin/sh", "-c", "exit 3", NULL };
	const char *argve[] = { "/bin/sh", "-c", "echo out; echo oops >&2; echo more >&2", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };

	(void)state;
	assert_int_equal(sbx_spawn(argv3, NULL, 0, 5000, &res, &err), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.signaled, 0);
	assert_int_equal(res.status, 3);

	assert_int_equal(sbx_spawn(argve, "", 0, 5000, &res, &err), 0);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out.data, "out\n");
	assert_string_equal(res.errout.data, "oops\nmore\n");
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_timeout(void **state)
{
	const char *argv[] = { "/bin/sleep", "30", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	double t0 = now_s(), dt;
	int fds = count_fds();

	(void)state;
	assert_int_equal(sbx_spawn(argv, NULL, 0, 300, &res, &err), SBX_EFAIL);
	dt = now_s() - t0;
	assert_int_equal(count_fds(), fds);
	/* Killed at the timeout, not after the child's 30 s (a loose upper
	 * bound: a loaded machine must not make this fail). */
	assert_true(dt >= 0.29 && dt < 15);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.status, SIGTERM);
	assert_string_equal(err.msg, "'/bin/sleep' timed out after 300 ms");
	sbx_spawn_result_release(&res);
	assert_no_child();
}

/* The state letter of PID in /proc, or 0 when it is gone. */
static char proc_state(long pid)
{
	char path[64], *stat, *p, c = 0;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	stat = read_file(path);
	if (!stat)
		return 0;
	p = strrchr(stat, ')');
	if (p && p[1] == ' ')
		c = p[2];
	free(stat);
	return c;
}

static void test_timeout_kills_the_group(void **state)
{
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	char script[512], *pidtext;
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	long pid;
	int i;
	char c;

	(void)state;
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; wait", path_in_tmp("gc.pid"));
	assert_int_equal(sbx_spawn(argv, NULL, 0, 300, &res, &err), SBX_EFAIL);
	assert_int_equal(res.timed_out, 1);
	pidtext = read_file(path_in_tmp("gc.pid"));
	assert_non_null(pidtext);
	pid = atol(pidtext);
	free(pidtext);
	assert_true(pid > 1);
	/* The grandchild got the signal too: gone, or a zombie of init's. */
	for (i = 0; i < 100; i++) {
		c = proc_state(pid);
		if (!c || c == 'Z' || c == 'X')
			break;
		usleep(20000);
	}
	assert_true(!c || c == 'Z' || c == 'X');
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_timeout_sigkill(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	double t0 = now_s(), dt;

	(void)state;
	assert_int_equal(sbx_spawn(argv, NULL, 0, 300, &res, &err), SBX_EFAIL);
	dt = now_s() - t0;
	assert_true(dt >= 2.2 && dt < 15);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.status, SIGKILL);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_child_ignores_stdin(void **state)
{
	const char *argv1[] = { "/bin/sh", "-c", "sleep 0.2; echo done", NULL };
	const char *argv2[] = { "/bin/sh", "-c", "exec head -c 5000000 /dev/zero", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	size_t n = 10 * MIB;
	char *big = calloc(1, n);
	sigset_t pending;

	(void)state;
	/* It never reads: our writes end in EPIPE, which must not kill us. */
	assert_int_equal(sbx_spawn(argv1, big, n, 10000, &res, &err), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out.data, "done\n");
	/* It writes a lot and never reads: no deadlock. */
	assert_int_equal(sbx_spawn(argv2, big, n, 10000, &res, &err), 0);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out.len, 5000000);
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	free(big);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_descendant_holding_stdout(void **state)
{
	/* The child exits at once; a grandchild keeps stdout open for 4 s. */
	const char *argv[] = { "/bin/sh", "-c", "(sleep 4; echo late) & echo early", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	double t0 = now_s();

	(void)state;
	assert_int_equal(sbx_spawn(argv, NULL, 0, 10000, &res, &err), 0);
	assert_true(now_s() - t0 < 2.5);
	assert_int_equal(res.exited, 1);
	assert_string_equal(res.out.data, "early\n");
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_not_found(void **state)
{
	const char *argv1[] = { "/nonexistent/sbx-prog", "x", NULL };
	const char *argv2[] = { "sbx-no-such-program-on-path", NULL };
	const char *argv3[] = { "/etc/passwd", NULL };
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	int fds = count_fds();

	(void)state;
	assert_int_equal(sbx_spawn(argv1, "x", 1, 1000, &res, &err), SBX_ENOTFOUND);
	assert_int_equal(count_fds(), fds);
	assert_string_equal(err.msg, "cannot run '/nonexistent/sbx-prog': No such file or directory");
	sbx_err_clear(&err);
	assert_int_equal(sbx_spawn(argv2, NULL, 0, 1000, &res, &err), SBX_ENOTFOUND);
	sbx_err_clear(&err);
	assert_int_equal(sbx_spawn(argv3, NULL, 0, 1000, &res, &err), SBX_EFAIL);
	assert_string_equal(err.msg, "cannot run '/etc/passwd': Permission denied");
	assert_int_equal(res.exited, 0);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

static void test_fds_and_group(void **state)
{
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err err = { 0, 0, "" };
	char script[256];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, on purpose */

	(void)state;
	assert_true(fd > 2);
	snprintf(script, sizeof script,
		 "if [ -e /proc/$$/fd/%d ]; then echo leaked; else echo closed; fi; "
		 "set -- $(cat /proc/$$/stat); [ \"$5\" = $$ ] && echo own-group", fd);
	assert_int_equal(sbx_spawn(argv, NULL, 0, 5000, &res, &err), 0);
	assert_string_equal(res.out.data, "closed\nown-group\n");
	close(fd);
	sbx_spawn_result_release(&res);
	assert_no_child();
}

/* ---- the exec provider ---- */

static struct sbx_provider make_provider(const char *settings_json)
{
	json_error_t jerr;
	json_t *settings = json_loads(settings_json, 0, &jerr);
	struct sbx_provider p = { &sbx_exec_ops, "demo", settings, "config.json", NULL };

	if (!settings)
		fail_msg("bad test settings: %s", jerr.text);
	return p;
}

static void drop_provider(struct sbx_provider *p)
{
	p->ops->fini(p);
	json_decref(p->settings);
}

/* A provider running PROGRAM with the extra settings EXTRA ("" or
 * ", \"key\": value..."), initialised. */
static struct sbx_provider provider_for(const char *program, const char *extra)
{
	char json[8192];
	struct sbx_provider p;
	struct sbx_err err = { 0, 0, "" };

	snprintf(json, sizeof json, "{\"type\": \"exec\", \"program\": \"%s\"%s}", program, extra);
	p = make_provider(json);
	if (p.ops->init(&p, &err))
		fail_msg("init: %s", err.msg);
	return p;
}

static struct sbx_sandbox_view view_of(const char *name, json_t *vars, json_t *secrets)
{
	struct sbx_sandbox_view v = {
		.name = name, .purpose = "uat", .owner = "alice",
		.snapshot = "5f1d4c2b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060504",
		.provider_id = NULL, .op_id = "op-1", .vars = vars, .secrets = secrets,
		.store = NULL,
	};

	return v;
}

static char *demo_file(const char *name, const char *file)
{
	static char buf[512];

	snprintf(buf, sizeof buf, "%s/demo-root/%s/%s", tmpdir, name, file);
	return buf;
}

static void assert_demo_state(const char *name, const char *want)
{
	char *s = read_file(demo_file(name, "state"));

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_init_errors(void **state)
{
	static const struct {
		const char *json;
		int code;
		const char *msg;
	} cases[] = {
		{ "{\"type\": \"exec\"}", SBX_ESYNTAX,
		  "config.json: provider 'demo': \"program\" is required" },
		{ "{\"program\": 7}", SBX_ESYNTAX, "config.json: provider 'demo': \"program\" must "
		  "be an absolute path or the name of a program on PATH" },
		{ "{\"program\": \"bin/demo\"}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sbx-no-such-program-on-path\"}", SBX_ENOTFOUND,
		  "config.json: provider 'demo': \"program\": 'sbx-no-such-program-on-path' not "
		  "found on PATH" },
		{ "{\"program\": \"sh\", \"timeout\": \"soon\"}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sh\", \"timeout\": \"0s\"}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sh\", \"args\": \"-x\"}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sh\", \"args\": [\"-x\", 1]}", SBX_ESYNTAX,
		  "config.json: provider 'demo': \"args\"[1] must be a string" },
		{ "{\"program\": \"sh\", \"env\": {\"A\": 1}}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sh\", \"env\": {\"A=B\": \"x\"}}", SBX_ESYNTAX, NULL },
		{ "{\"program\": \"sh\", \"args\": [\"-x\"], \"env\": {\"A\": \"b\"}, "
		  "\"timeout\": \"2m\"}", 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sbx_provider p = make_provider(cases[i].json);
		struct sbx_err err = { 0, 0, "" };
		int r = p.ops->init(&p, &err);

		if (r != cases[i].code)
			fail_msg("case %zu: %d (%s), want %d", i, r, err.msg, cases[i].code);
		if (cases[i].msg)
			assert_string_equal(err.msg, cases[i].msg);
		if (!r)
			assert_non_null(p.priv);
		drop_provider(&p);
	}
}

static void test_demo_round_trip(void **state)
{
	struct sbx_provider p = provider_for(demo, "");
	json_t *vars = json_pack("{s:s}", "API_BASE", "https://api.uat.test");
	struct sbx_sandbox_view v = view_of("uat-1", vars, NULL);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_err err = { 0, 0, "" };
	struct stat sb;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "absent");

	assert_int_equal(p.ops->provision(&p, &v, &res, &err), 0);
	assert_string_equal(res.provider_id, "demo-uat-1");
	assert_string_equal(res.message, "demo: provisioned uat-1");
	assert_demo_state("uat-1", "inactive\n");
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "inactive");

	v.provider_id = res.provider_id;
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), 0);
	assert_string_equal(res.message, "demo: uat-1 is active");
	assert_demo_state("uat-1", "active\n");
	assert_int_equal(stat(demo_file("uat-1", "activity"), &sb), 0);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "active");

	write_file(demo_file("uat-1", "size"), "12345\n", 0644);
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_string_equal(u.source, "provider usage");
	assert_int_equal(u.size_bytes, 12345);
	assert_true(u.last_activity_ns / 1000000000 >= now - 5 &&
		    u.last_activity_ns / 1000000000 <= now + 5);

	assert_int_equal(p.ops->deactivate(&p, &v, &res, &err), 0);
	assert_null(res.snapshot);
	assert_demo_state("uat-1", "inactive\n");
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "inactive");

	assert_int_equal(p.ops->destroy(&p, &v, &res, &err), 0);
	assert_int_equal(stat(demo_file("uat-1", "state"), &sb), -1);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "absent");

	/* The demo has no export: it says so, and sbx says it the usual way. */
	assert_int_equal(p.ops->export_(&p, &v, "/tmp/x.tar", &err), SBX_ENOTSUP);
	assert_string_equal(err.msg, "provider 'exec:demo' cannot export");

	free(res.provider_id);
	json_decref(vars);
	drop_provider(&p);
	assert_no_child();
}

static void test_demo_fail(void **state)
{
	/* Through the "env" setting, as an admin would configure it. */
	struct sbx_provider p = provider_for(demo, ", \"env\": {\"SBX_DEMO_FAIL\": \"activate\"}");
	struct sbx_sandbox_view v = view_of("qa-1", NULL, NULL);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };

	(void)state;
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), 0);
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_string_equal(err.msg, "provider 'demo': 'demo activate' failed with exit status 1; "
			    "stderr: demo: activate failed on purpose (SBX_DEMO_FAIL=activate)");
	assert_demo_state("qa-1", "inactive\n");
	sbx_err_clear(&err);
	assert_int_equal(p.ops->destroy(&p, &v, &res, &err), 0);
	free(res.provider_id);
	drop_provider(&p);
	assert_no_child();
}

static void test_demo_garbage(void **state)
{
	struct sbx_provider p = provider_for(demo, "");
	struct sbx_sandbox_view v = view_of("qa-2", NULL, NULL);
	struct sbx_provider_status st;
	struct sbx_err err = { 0, 0, "" };

	(void)state;
	setenv("SBX_DEMO_GARBAGE", "status", 1);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), SBX_EINVAL);
	unsetenv("SBX_DEMO_GARBAGE");
	assert_non_null(strstr(err.msg, "'demo status' replied with invalid JSON"));
	assert_string_equal(st.state, "unknown");
	drop_provider(&p);
	assert_no_child();
}

static void test_demo_timeout(void **state)
{
	struct sbx_provider p = provider_for(demo, ", \"timeout\": \"1s\"");
	struct sbx_sandbox_view v = view_of("qa-3", NULL, NULL);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	double t0, dt;

	(void)state;
	setenv("SBX_DEMO_SLEEP", "30", 1);
	t0 = now_s();
	assert_int_equal(p.ops->provision(&p, &v, &res, &err), SBX_EFAIL);
	dt = now_s() - t0;
	unsetenv("SBX_DEMO_SLEEP");
	assert_true(dt >= 0.95 && dt < 15);
	assert_string_equal(err.msg, "provider 'demo': 'demo provision' timed out after 1 s");
	assert_null(res.provider_id);
	drop_provider(&p);
	assert_no_child();
}

static void test_request_has_no_secret(void **state)
{
	char script[1024], *request, *args;
	struct sbx_provider p;
	json_t *vars = json_pack("{s:s, s:s}", "API_BASE", "https://api.uat.test",
				 "SUPPORT_EMAIL", "help@uat.test");
	json_t *secrets = json_pack("{s:s}", "db_password", "hunter2-very-secret-value");
	struct sbx_sandbox_view v = view_of("uat-2", vars, secrets);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	json_t *req;
	json_error_t jerr;

	(void)state;
	snprintf(script, sizeof script,
		 "#!/bin/sh\ncat > '%s'\nprintf '%%s\\n' \"$@\" > '%s'\n"
		 "printf '{\"ok\":true,\"id\":\"dump-1\"}\\n'\n",
		 path_in_tmp("request.json"), path_in_tmp("argv.txt"));
	write_file(path_in_tmp("dump"), script, 0755);
	p = provider_for(path_in_tmp("dump"), ", \"args\": [\"--flag\", \"two words\"]");

	assert_int_equal(p.ops->provision(&p, &v, &res, &err), 0);
	assert_string_equal(res.provider_id, "dump-1");
	request = read_file(path_in_tmp("request.json"));
	args = read_file(path_in_tmp("argv.txt"));
	assert_non_null(request);
	assert_non_null(args);
	assert_string_equal(args, "--flag\ntwo words\nprovision\n");
	assert_null(strstr(request, "hunter2"));
	assert_null(strstr(request, "db_password"));
	assert_null(strstr(request, "secret"));
	assert_non_null(strstr(request, "\"API_BASE\":\"https://api.uat.test\""));
	assert_non_null(strstr(request, "\"SUPPORT_EMAIL\":\"help@uat.test\""));
	/* One line, the keys in the documented order, for sed-reading scripts. */
	assert_int_equal(strchr(request, '\n') - request, (long)strlen(request) - 1);
	assert_non_null(strstr(request, "{\"verb\":\"provision\",\"operation_id\":\"op-1\","
			       "\"sandbox\":{\"name\":\"uat-2\",\"purpose\":\"uat\","
			       "\"owner\":\"alice\",\"snapshot\":\"5f1d"));
	req = json_loads(request, 0, &jerr);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(req, "verb")), "provision");
	assert_true(json_is_null(json_object_get(req, "store")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(req, "settings"),
							      "type")), "exec");
	assert_true(json_is_null(json_object_get(json_object_get(req, "sandbox"),
						 "provider_id")));
	json_decref(req);
	free(request);
	free(args);
	free(res.provider_id);
	json_decref(vars);
	json_decref(secrets);
	drop_provider(&p);
	assert_no_child();
}

/* Replies of a scripted program, good and bad. */
static void test_reply_checks(void **state)
{
	static const char *const hex =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char script[512], reply[512];
	struct sbx_provider p;
	struct sbx_sandbox_view v = view_of("uat-3", NULL, NULL);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_err err = { 0, 0, "" };
	static const struct {
		const char *verb, *reply;
		int code;
		const char *msg; /* a part of the error message */
	} bad[] = {
		{ "provision", "{\"ok\":true,\"id\":\"a\\u0001b\"}", SBX_EINVAL, "control character" },
		{ "provision", "{\"ok\":true,\"id\":42}", SBX_EINVAL, "\"id\" must be a string" },
		{ "provision", "{\"ok\":true,\"id\":\"\"}", SBX_EINVAL, "\"id\" must be a string" },
		{ "activate", "{\"ok\":\"yes\"}", SBX_EINVAL, "\"ok\" must be true or false" },
		{ "activate", "[1,2]", SBX_EINVAL, "not an object" },
		{ "activate", "", SBX_EINVAL, "invalid JSON" },
		{ "activate", "{\"ok\":true} {}", SBX_EINVAL, "invalid JSON" },
		{ "activate", "{\"ok\":true,\"ok\":false}", SBX_EINVAL, "invalid JSON" },
		{ "activate", "{\"ok\":false,\"message\":\"quota\\nexceeded\"}", SBX_EFAIL,
		  "'reply activate' failed: quota exceeded" },
		{ "activate", "{\"ok\":false}", SBX_EFAIL, "it replied \"ok\": false" },
		{ "activate", "{\"message\":7}", SBX_EINVAL, "\"message\" must be a string" },
		{ "status", "{\"ok\":true,\"state\":\"sleeping\"}", SBX_EINVAL, "\"state\" must be" },
		{ "status", "{\"ok\":true,\"state\":1}", SBX_EINVAL, "\"state\" must be" },
		{ "status", "{\"ok\":true}", SBX_EINVAL, "without \"state\"" },
		{ "usage", "{\"last_activity\":\"2024-02-30T00:00:00Z\"}", SBX_EINVAL, "last_activity" },
		{ "usage", "{\"last_activity\":\"yesterday\"}", SBX_EINVAL, "last_activity" },
		{ "usage", "{\"last_activity\":-5}", SBX_EINVAL, "last_activity" },
		{ "usage", "{\"size\":-1}", SBX_EINVAL, "\"size\"" },
		{ "usage", "{\"size\":\"1\"}", SBX_EINVAL, "\"size\"" },
		{ "deactivate", "{\"snapshot\":\"xyz\"}", SBX_EINVAL, "\"snapshot\"" },
		{ "deactivate", "{\"unsupported\":true}", SBX_ENOTSUP, "provider 'exec:demo' cannot "
		  "deactivate" },
	};
	size_t i;
	int r;

	(void)state;
	snprintf(script, sizeof script, "#!/bin/sh\ncat >/dev/null\ncat '%s'\n",
		 path_in_tmp("reply.json"));
	write_file(path_in_tmp("reply"), script, 0755);
	p = provider_for(path_in_tmp("reply"), "");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path_in_tmp("reply.json"), bad[i].reply, 0644);
		sbx_err_clear(&err);
		if (!strcmp(bad[i].verb, "status"))
			r = p.ops->status(&p, &v, &st, &err);
		else if (!strcmp(bad[i].verb, "usage"))
			r = p.ops->usage(&p, &v, &u, &err);
		else if (!strcmp(bad[i].verb, "provision"))
			r = p.ops->provision(&p, &v, &res, &err);
		else if (!strcmp(bad[i].verb, "deactivate"))
			r = p.ops->deactivate(&p, &v, &res, &err);
		else
			r = p.ops->activate(&p, &v, &res, &err);
		if (r != bad[i].code || !strstr(err.msg, bad[i].msg))
			fail_msg("case %zu (%s): %d \"%s\", want %d with \"%s\"", i, bad[i].reply, r,
				 err.msg, bad[i].code, bad[i].msg);
		assert_null(res.provider_id);
		assert_null(res.snapshot);
	}

	/* Good ones. */
	write_file(path_in_tmp("reply.json"), "{\"last_activity\":1700000000,\"size\":42}", 0644);
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_true(u.last_activity_ns == INT64_C(1700000000) * 1000000000);
	assert_int_equal(u.size_bytes, 42);
	write_file(path_in_tmp("reply.json"), "{\"last_activity\":\"2026-11-23T09:00:00Z\"}", 0644);
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_true(u.last_activity_ns == INT64_C(1795424400) * 1000000000);
	assert_int_equal(u.size_bytes, 0);
	write_file(path_in_tmp("reply.json"), "{}", 0644);
	assert_int_equal(p.ops->usage(&p, &v, &u, &err), 0);
	assert_true(u.last_activity_ns == 0);

	snprintf(reply, sizeof reply, "{\"ok\":true,\"snapshot\":\"%s\",\"extra\":[1]}", hex);
	write_file(path_in_tmp("reply.json"), reply, 0644);
	assert_int_equal(p.ops->deactivate(&p, &v, &res, &err), 0);
	assert_string_equal(res.snapshot, hex);
	free(res.snapshot);
	res.snapshot = NULL;

	write_file(path_in_tmp("reply.json"), "{\"ok\":true,\"state\":\"inactive\",\"message\":"
		   "\"scaled to zero\"}", 0644);
	assert_int_equal(p.ops->status(&p, &v, &st, &err), 0);
	assert_string_equal(st.state, "inactive");
	assert_string_equal(st.message, "scaled to zero");
	drop_provider(&p);
	assert_no_child();
}

/* A failing program's stderr ends the message: its end, cleaned, whole. */
static void test_stderr_in_message(void **state)
{
	char script[512];
	struct sbx_provider p;
	struct sbx_sandbox_view v = view_of("uat-4", NULL, NULL);
	struct sbx_provider_result res = { NULL, NULL, "" };
	struct sbx_err err = { 0, 0, "" };
	const char *tail;
	size_t i;

	(void)state;
	snprintf(script, sizeof script,
		 "#!/bin/sh\ncat >/dev/null\ni=0\nwhile [ $i -lt 50 ]; do\n"
		 "  printf 'line %%02d of noise\\t\\033[31mred\\033[0m\\n' $i >&2\n  i=$((i+1))\ndone\n"
		 "printf 'the real cause: quota exceeded \\n\\n' >&2\nexit 2\n");
	write_file(path_in_tmp("noisy"), script, 0755);
	p = provider_for(path_in_tmp("noisy"), "");
	assert_int_equal(p.ops->activate(&p, &v, &res, &err), SBX_EFAIL);
	assert_true(strlen(err.msg) < sizeof err.msg);
#define HEAD "provider 'demo': 'noisy activate' failed with exit status 2; stderr: "
	assert_true(!strncmp(err.msg, HEAD, sizeof HEAD - 1));
#undef HEAD
	tail = strstr(err.msg, "; stderr: ") + 10;
	assert_true(strlen(tail) <= 400);
	assert_true(strlen(tail) >= 380);
	assert_string_equal(tail + strlen(tail) - 30, "the real cause: quota exceeded");
	for (i = 0; err.msg[i]; i++)
		assert_true((unsigned char)err.msg[i] >= 0x20 && err.msg[i] != 0x7f);
	assert_non_null(strstr(tail, "line 49 of noise ?[31mred?[0m the real cause"));
	drop_provider(&p);
	assert_no_child();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat_roundtrip),
		cmocka_unit_test(test_output_capped),
		cmocka_unit_test(test_exit_status_and_stderr),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_kills_the_group),
		cmocka_unit_test(test_timeout_sigkill),
		cmocka_unit_test(test_child_ignores_stdin),
		cmocka_unit_test(test_descendant_holding_stdout),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_fds_and_group),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_demo_round_trip),
		cmocka_unit_test(test_demo_fail),
		cmocka_unit_test(test_demo_garbage),
		cmocka_unit_test(test_demo_timeout),
		cmocka_unit_test(test_request_has_no_secret),
		cmocka_unit_test(test_reply_checks),
		cmocka_unit_test(test_stderr_in_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
