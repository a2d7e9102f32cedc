/* The exec provider: an external program implements the verbs, as CNI
 * plugins do.  sbx runs `PROGRAM [ARGS...] VERB` (argv, never a shell) with
 * one JSON request on stdin and reads one JSON object from its stdout;
 * contrib/providers/README.md is the protocol's documentation.
 *
 * The program is outside input: its exit status, a deadline and the output
 * size are enforced (providers/spawn.c), and every field of its reply is
 * checked before anything of it is used.  The sandbox's secrets are never
 * sent: sbx materialises them itself. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "providers/provider.h"
#include "providers/reply.h"
#include "providers/spawn.h"
#include "sbx/buf.h"

extern char **environ;

#define DEFAULT_TIMEOUT_MS 60000L
#define STDERR_TAIL 400     /* bytes of stderr that reach an error message */

struct exec {
	char *program;      /* absolute, or a path with a '/' as configured */
	const char *base;   /* its last component, for messages */
	char **args;        /* extra argv before the verb, NULL-terminated */
	json_t *env;        /* {NAME: value} added to the environment, or NULL */
	long timeout_ms;
};

/* What a reply said, after checking (pointers borrowed from ROOT). */

static int setting_err(struct sbx_provider *p, struct sbx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int setting_err(struct sbx_provider *p, struct sbx_err *err, int code, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sbx_err_set(err, code, "%s: provider '%s': %s", p->config_path, p->name, what);
}


/* NAME searched on $PATH as execvp would, absolute directories only (a
 * relative one would depend on the working directory).  Caller frees. */
static char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	const char *dir, *end;
	struct sbx_buf b = SBX_BUF_INIT;
	struct stat st;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (dir = path; *dir; dir = *end ? end + 1 : end) {
		end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		if (*dir != '/')
			continue;
		sbx_buf_reset(&b);
		sbx_buf_addf(&b, "%.*s/%s", (int)(end - dir), dir, name);
		if (!stat(b.data, &st) && S_ISREG(st.st_mode) && !access(b.data, X_OK))
			return sbx_buf_detach(&b, NULL);
	}
	sbx_buf_release(&b);
	return NULL;
}

static void free_exec(struct exec *x)
{
	char **a;

	if (!x)
		return;
	for (a = x->args; a && *a; a++)
		free(*a);
	free(x->args);
	json_decref(x->env);
	free(x->program);
	free(x);
}

static int e_init(struct sbx_provider *p, struct sbx_err *err)
{
	json_t *program = json_object_get(p->settings, "program");
	json_t *args = json_object_get(p->settings, "args");
	json_t *env = json_object_get(p->settings, "env");
	const char *prog = sbx_reply_plain_string(program), *key, *slash;
	struct exec *x;
	json_t *val;
	size_t i;
	int r;

	if (!json_is_object(p->settings))
		return setting_err(p, err, SBX_ESYNTAX, "settings must be an object");
	if (!program)
		return setting_err(p, err, SBX_ESYNTAX, "\"program\" is required");
	if (!prog || !*prog || (prog[0] != '/' && strchr(prog, '/')))
		return setting_err(p, err, SBX_ESYNTAX, "\"program\" must be an absolute path or "
				   "the name of a program on PATH");
	if (args && !json_is_array(args))
		return setting_err(p, err, SBX_ESYNTAX, "\"args\" must be an array of strings");
	json_array_foreach(args, i, val)
		if (!sbx_reply_plain_string(val))
			return setting_err(p, err, SBX_ESYNTAX, "\"args\"[%zu] must be a string", i);
	if (env && !json_is_object(env))
		return setting_err(p, err, SBX_ESYNTAX, "\"env\" must be an object of strings");
	json_object_foreach(env, key, val) {
		if (!*key || strchr(key, '='))
			return setting_err(p, err, SBX_ESYNTAX, "\"env\": \"%s\" is not a variable "
					   "name", key);
		if (!sbx_reply_plain_string(val))
			return setting_err(p, err, SBX_ESYNTAX, "\"env\": \"%s\" must be a string",
					   key);
	}

	x = sbx_xcalloc(1, sizeof *x);
	r = sbx_provider_duration_ms(p, "timeout", DEFAULT_TIMEOUT_MS, &x->timeout_ms, err);
	if (r)
		goto out;
	if (x->timeout_ms <= 0) {
		r = setting_err(p, err, SBX_ESYNTAX, "\"timeout\" must be more than 0");
		goto out;
	}
	/* A name is looked up once, now, so that a later change of PATH does
	 * not change which program runs; an absolute path is only checked
	 * when it runs (a config may name a program not installed here). */
	if (prog[0] == '/') {
		x->program = sbx_xstrdup(prog);
	} else if (!(x->program = find_on_path(prog))) {
		r = setting_err(p, err, SBX_ENOTFOUND, "\"program\": '%s' not found on PATH", prog);
		goto out;
	}
	slash = strrchr(x->program, '/');
	x->base = slash[1] ? slash + 1 : x->program;
	x->args = sbx_xcalloc(json_array_size(args) + 1, sizeof *x->args);
	json_array_foreach(args, i, val)
		x->args[i] = sbx_xstrdup(json_string_value(val));
	x->env = env && json_object_size(env) ? json_incref(env) : NULL;
	p->priv = x;
	x = NULL;
out:
	free_exec(x);
	return r;
}

static void e_fini(struct sbx_provider *p)
{
	free_exec(p->priv);
	p->priv = NULL;
}

/* Our environment with the "env" setting laid over it; NULL when there is
 * nothing to add.  Built per call, so that it follows ours.  Caller frees
 * with free_env. */
static char **make_env(json_t *extra, size_t *nown)
{
	size_t n = 0, k = 0, i;
	const char *key;
	json_t *val;
	char **envp;

	if (!extra)
		return NULL;
	while (environ[n])
		n++;
	envp = sbx_xcalloc(n + json_object_size(extra) + 1, sizeof *envp);
	json_object_foreach(extra, key, val) {
		struct sbx_buf b = SBX_BUF_INIT;

		sbx_buf_addf(&b, "%s=%s", key, json_string_value(val));
		envp[k++] = sbx_buf_detach(&b, NULL);
	}
	*nown = k;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		size_t j;

		for (j = 0; j < *nown; j++)
			if (!strncmp(envp[j], environ[i], len) && envp[j][len] == '=')
				break;
		if (j == *nown)
			envp[k++] = environ[i];
	}
	envp[k] = NULL;
	return envp;
}

static void free_env(char **envp, size_t nown)
{
	size_t i;

	if (!envp)
		return;
	for (i = 0; i < nown; i++)
		free(envp[i]);
	free(envp);
}



/* The end of the program's stderr, cleaned, into TAIL (STDERR_TAIL + 1). */
static void stderr_tail(const struct sbx_buf *b, char *tail)
{
	const unsigned char *s = (const unsigned char *)b->data;
	size_t end = b->len, start;

	while (end && (s[end - 1] == ' ' || (s[end - 1] >= '\t' && s[end - 1] <= '\r')))
		end--;
	start = end > STDERR_TAIL ? end - STDERR_TAIL : 0;
	/* Not from the middle of a character. */
	while (start && start < end && (s[start] & 0xc0) == 0x80)
		start++;
	sbx_reply_clean(b->data + start, end - start, end - start, tail);
}

/* Fails with "provider 'NAME': WHAT; stderr: TAIL", shortening WHAT rather
 * than TAIL when it all does not fit: the program's own words are the most
 * useful part of the journal's message. */
static int fail(struct sbx_err *err, int code, struct sbx_provider *p, const char *what,
		const char *tail)
{
	static const char sep[] = "; stderr: ";
	char head[sizeof err->msg];
	size_t room, cut;

	snprintf(head, sizeof head, "provider '%s': %s", p->name, what);
	if (!*tail)
		return sbx_err_set(err, code, "%s", head);
	room = sizeof err->msg - 1 - (sizeof sep - 1) - strlen(tail);
	if (strlen(head) > room) {
		cut = room - 3;
		while (cut && ((unsigned char)head[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(head + cut, "...", 4);
	}
	return sbx_err_set(err, code, "%s%s%s", head, sep, tail);
}

static void fmt_ms(long ms, char *buf, size_t n)
{
	if (ms % 1000)
		snprintf(buf, n, "%ld ms", ms);
	else
		snprintf(buf, n, "%ld s", ms / 1000);
}





/* Checks the type and shape of every field of RP->root that we know;
 * fields we do not know are the program's business.  On error, says what
 * is wrong in WHAT. */
static int check_reply(struct sbx_reply *rp, char *what, size_t n)
{
	json_t *j;

	rp->ok = 1;
	if ((j = sbx_reply_member(rp->root, "ok"))) {
		if (!json_is_boolean(j)) {
			snprintf(what, n, "\"ok\" must be true or false");
			return -1;
		}
		rp->ok = json_is_true(j);
	}
	if ((j = sbx_reply_member(rp->root, "unsupported"))) {
		if (!json_is_boolean(j)) {
			snprintf(what, n, "\"unsupported\" must be true or false");
			return -1;
		}
		rp->unsupported = json_is_true(j);
	}
	return sbx_reply_fields(rp, what, n);
}

/* The request of the protocol, one line of JSON appended to OUT.  Never
 * the secrets. */
static int make_request(struct sbx_provider *p, const char *verb,
			const struct sbx_sandbox_view *v, const char *file, struct sbx_buf *out,
			struct sbx_err *err)
{
	json_t *vars = json_is_object(v->vars) ? json_incref(v->vars) : json_object();
	json_error_t jerr;
	json_t *req;
	char *text;

	req = json_pack_ex(&jerr, 0, "{s:s, s:s?, s:{s:s, s:s?, s:s?, s:s?, s:s?, s:o}, s:s?, s:O}",
			   "verb", verb, "operation_id", v->op_id,
			   "sandbox", "name", v->name, "purpose", v->purpose, "owner", v->owner,
			   "snapshot", v->snapshot, "provider_id", v->provider_id, "vars", vars,
			   "store", v->store ? sbx_store_path(v->store) : NULL,
			   "settings", p->settings);
	if (!req)
		return sbx_err_set(err, SBX_EINVAL, "provider '%s': cannot make the %s request: %s",
				   p->name, verb, jerr.text);
	if (file && json_object_set_new(req, "file", json_string(file))) {
		json_decref(req);
		return sbx_err_set(err, SBX_EINVAL, "provider '%s': the file name '%s' is not UTF-8",
				   p->name, file);
	}
	/* Compact, on one line, keys in the order above: simple scripts may
	 * pick fields out with sed (see contrib/providers/demo). */
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return sbx_err_set(err, SBX_ENOMEM, "provider '%s': cannot make the %s request",
				   p->name, verb);
	sbx_buf_adds(out, text);
	sbx_buf_addc(out, '\n');
	free(text);
	return 0;
}

/* MESSAGE, at most SIZE - 1 bytes of it cut at a character, cleaned into
 * OUT (SIZE bytes). */
static void clean_head(const char *message, char *out, size_t size)
{
	size_t n = strlen(message);

	if (n > size - 1) {
		n = size - 1;
		while (n && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	sbx_reply_clean(message, n, n, out);
}

/* Runs VERB and checks the reply into RP (RP->root to be released with
 * json_decref); NOTE (when not NULL) receives what the program said on
 * success, for the journal.  FILE is for export and import. */
static int call(struct sbx_provider *p, const char *verb, const struct sbx_sandbox_view *v,
		const char *file, struct sbx_reply *rp, char *note, size_t note_size,
		struct sbx_err *err)
{
	struct exec *x = p->priv;
	struct sbx_spawn_result res = SBX_SPAWN_RESULT_INIT;
	struct sbx_err serr = { 0, 0, "" };
	char tail[STDERR_TAIL + 1], what[400], why[300], bad[160], msg[256], limit[32];
	const char **argv = NULL;
	char **envp = NULL;
	size_t nargs = 0, nown = 0, i;
	struct sbx_buf request = SBX_BUF_INIT;
	json_error_t jerr;
	int r;

	memset(rp, 0, sizeof *rp);
	tail[0] = msg[0] = '\0';
	if (!v || !v->name)
		return sbx_err_set(err, SBX_EINVAL, "provider '%s': %s of a sandbox without a name",
				   p->name, verb);
	r = make_request(p, verb, v, file, &request, err);
	if (r)
		return r;

	while (x->args[nargs])
		nargs++;
	argv = sbx_xcalloc(nargs + 3, sizeof *argv);
	argv[0] = x->program;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = x->args[i];
	argv[nargs + 1] = verb;
	envp = make_env(x->env, &nown);

	r = sbx_spawn_env(argv, (const char *const *)envp, request.data, request.len,
			  x->timeout_ms, &res, &serr);
	stderr_tail(&res.errout, tail);
	if (r && !res.exited && !res.signaled) {
		/* It never ran: spawn's message names the program and why. */
		r = fail(err, r, p, serr.msg, tail);
		goto out;
	}
	if (res.timed_out) {
		fmt_ms(x->timeout_ms, limit, sizeof limit);
		snprintf(what, sizeof what, "'%s %s' timed out after %s", x->base, verb, limit);
		r = fail(err, SBX_EFAIL, p, what, tail);
		goto out;
	}
	if (r) {
		snprintf(what, sizeof what, "'%s %s': %.300s", x->base, verb, serr.msg);
		r = fail(err, r, p, what, tail);
		goto out;
	}
	if (res.signaled) {
		snprintf(what, sizeof what, "'%s %s' was killed by signal %d (%s)", x->base, verb,
			 res.status, strsignal(res.status));
		r = fail(err, SBX_EFAIL, p, what, tail);
		goto out;
	}

	rp->root = json_loadb(res.out.data, res.out.len, JSON_REJECT_DUPLICATES, &jerr);
	why[0] = '\0';
	if (!rp->root && !res.out.len)
		snprintf(why, sizeof why, "replied nothing (invalid JSON: an object was expected)");
	else if (!rp->root)
		snprintf(why, sizeof why, "replied with invalid JSON: %s (line %d, column %d)",
			 jerr.text, jerr.line, jerr.column);
	else if (!json_is_object(rp->root))
		snprintf(why, sizeof why, "replied with JSON that is not an object");
	else if (check_reply(rp, bad, sizeof bad))
		snprintf(why, sizeof why, "replied with a bad field: %s", bad);
	if (*why) {
		json_decref(rp->root);
		memset(rp, 0, sizeof *rp);
		/* A failing program owes no reply: its exit status says it. */
		if (!res.status) {
			snprintf(what, sizeof what, "'%s %s' %s", x->base, verb, why);
			r = fail(err, SBX_EINVAL, p, what, tail);
			goto out;
		}
	} else if (rp->message) {
		clean_head(rp->message, msg, sizeof msg);
	}
	if (rp->unsupported) {
		r = sbx_err_set(err, SBX_ENOTSUP, "provider 'exec:%s' cannot %s", p->name, verb);
		goto out;
	}
	if (res.status) {
		snprintf(what, sizeof what, "'%s %s' failed with exit status %d%s%s", x->base, verb,
			 res.status, *msg ? ": " : "", msg);
		r = fail(err, SBX_EFAIL, p, what, tail);
		goto out;
	}
	if (!rp->ok) {
		snprintf(what, sizeof what, "'%s %s' failed: %s", x->base, verb,
			 *msg ? msg : "it replied \"ok\": false");
		r = fail(err, SBX_EFAIL, p, what, tail);
		goto out;
	}
	if (note) {
		if (*msg && *tail)
			snprintf(note, note_size, "%s; stderr: %s", msg, tail);
		else
			snprintf(note, note_size, "%s", *msg ? msg : tail);
	}
out:
	if (r) {
		json_decref(rp->root);
		memset(rp, 0, sizeof *rp);
	}
	free_env(envp, nown);
	free(argv);
	sbx_buf_release(&request);
	sbx_spawn_result_release(&res);
	return r;
}

/* The verbs whose answer is a provider result. */
static int result_verb(struct sbx_provider *p, const char *verb, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err)
{
	struct sbx_reply rp;
	int r;

	res->message[0] = '\0';
	r = call(p, verb, v, NULL, &rp, res->message, sizeof res->message, err);
	if (r)
		return r;
	if (!strcmp(verb, "provision") && rp.id) {
		free(res->provider_id);
		res->provider_id = sbx_xstrdup(rp.id);
	}
	if (!strcmp(verb, "deactivate") && rp.snapshot) {
		free(res->snapshot);
		res->snapshot = sbx_xstrdup(rp.snapshot);
	}
	json_decref(rp.root);
	return 0;
}

static int e_provision(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, "provision", v, res, err);
}

static int e_activate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		      struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, "activate", v, res, err);
}

static int e_deactivate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, "deactivate", v, res, err);
}

static int e_destroy(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		     struct sbx_provider_result *res, struct sbx_err *err)
{
	return result_verb(p, "destroy", v, res, err);
}

static int e_status(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		    struct sbx_provider_status *st, struct sbx_err *err)
{
	struct sbx_reply rp;
	int r;

	snprintf(st->state, sizeof st->state, "unknown");
	st->message[0] = '\0';
	r = call(p, "status", v, NULL, &rp, st->message, sizeof st->message, err);
	if (r)
		return r;
	if (!rp.state)
		r = sbx_err_set(err, SBX_EINVAL, "provider '%s': 'status' replied without "
				"\"state\"", p->name);
	else
		snprintf(st->state, sizeof st->state, "%s", rp.state);
	json_decref(rp.root);
	return r;
}

static int e_usage(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		   struct sbx_provider_usage *u, struct sbx_err *err)
{
	struct sbx_reply rp;
	int r;

	u->last_activity_ns = 0;
	u->size_bytes = 0;
	snprintf(u->source, sizeof u->source, "provider usage");
	r = call(p, "usage", v, NULL, &rp, NULL, 0, err);
	if (r)
		return r;
	if (rp.has_activity)
		u->last_activity_ns = rp.activity_ns;
	if (rp.has_size)
		u->size_bytes = rp.size;
	json_decref(rp.root);
	return 0;
}

/* Export and import are ordinary verbs with a "file" in the request; a
 * program without them replies {"ok": false, "unsupported": true}. */
static int e_export(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		    struct sbx_err *err)
{
	struct sbx_reply rp;
	int r = call(p, "export", v, file, &rp, NULL, 0, err);

	json_decref(rp.root);
	return r;
}

static int e_import(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		    struct sbx_err *err)
{
	struct sbx_reply rp;
	int r = call(p, "import", v, file, &rp, NULL, 0, err);

	json_decref(rp.root);
	return r;
}

const struct sbx_provider_ops sbx_exec_ops = {
	.type = "exec",
	.init = e_init,
	.fini = e_fini,
	.provision = e_provision,
	.activate = e_activate,
	.deactivate = e_deactivate,
	.destroy = e_destroy,
	.status = e_status,
	.usage = e_usage,
	.export_ = e_export,
	.import = e_import,
};
