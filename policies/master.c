/* Masters: refresh through a policy and the gate, versions with their
 * reports, retention, and verification of stored versions. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "policies/glob.h"
#include "policies/harden.h"
#include "policies/mask.h"
#include "policies/policy.h"
#include "policies/report.h"
#include "sbx/master.h"
#include "snapshot/capture.h"
#include "snapshot/tree.h"
#include "snapshot/refs.h"
#include "snapshot/walk.h"
#include "util/fsutil.h"
#include "util/hash.h"

static int name_ok(const char *n)
{
	const char *p;

	if (!*n || strlen(n) > 100 || *n == '-' || *n == '.')
		return 0;
	for (p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return 1;
}

static char *ref_name(const char *kind, const char *name)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "%s/%s", kind, name);
	return sbx_buf_detach(&b, NULL);
}

/* The master's masking key: made once, kept in the store, never printed. */
static char *key_update(const char *old, void *ctx, int *del, struct sbx_err *err)
{
	uint8_t *key = ctx;
	json_t *o;
	char hex[65], *text;

	(void)del;
	if (old) {
		o = json_loads(old, 0, NULL);
		if (o && json_is_string(json_object_get(o, "key")) &&
		    !sbx_unhex(json_string_value(json_object_get(o, "key")), key, 32)) {
			json_decref(o);
			return sbx_xstrdup(old);
		}
		json_decref(o);
	}
	if (getrandom(key, 32, 0) != 32) {
		sbx_err_sys(err, SBX_EIO, "cannot get random bytes for the masking key");
		return NULL;
	}
	sbx_hex(key, 32, hex);
	o = json_pack("{s:s}", "key", hex);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static int mask_key(struct sbx_store *s, const char *name, uint8_t key[32], struct sbx_err *err)
{
	char *ref = ref_name("masterkey", name);
	int r = sbx_ref_update(s, ref, key_update, key, err);

	free(ref);
	return r;
}

struct run {
	const struct sbx_policy *p;
	struct sbx_hardener h;
	struct sbx_buf in, out;
	const char *name;
	const struct sbx_refresh_opts *o;
	const char *source;
	json_t *dropped;
	int version;
};

static int skip(void *ctx, const struct sbx_source_entry *e)
{
	struct run *run = ctx;
	const char *why;

	if (!*e->path)
		return 0;
	/* Directories answer to exclude only: an include list names files. */
	if (e->type == SBX_T_DIR) {
		size_t i;

		for (i = 0; i < run->p->nexclude; i++)
			if (sbx_glob_match(run->p->exclude[i], e->path))
				return 1;
		return 0;
	}
	if (sbx_policy_keeps(run->p, e->path, &why))
		return 0;
	sbx_report_add(run->h.report, "excluded", why, e->path, 1);
	return 1;
}

/* Hardens one file, then runs the gate on the result. */
static int harden_gate(void *ctx, const char *path, const void *in, size_t n, struct sbx_buf *out,
		       struct sbx_err *err)
{
	struct run *run = ctx;
	int r = sbx_harden_file(&run->h, path, in, n, out, err);

	if (!r)
		r = sbx_gate_check(run->p, path, out->data ? out->data : "", out->len, err);
	if (!r)
		sbx_report_kept(run->h.report);
	return r;
}

static int file(void *ctx, const struct sbx_source_entry *e, struct sbx_source *src,
		struct sbx_writer *w, struct sbx_buf *ids, uint64_t *size, struct sbx_err *err)
{
	struct run *run = ctx;

	return sbx_capture_through(src, e->path, w, harden_gate, run, &run->in, &run->out, ids, size,
				   err);
}

static char *iso_now(void)
{
	char t[32];

	sbx_time_iso(sbx_now_ns(), t);
	return sbx_xstrdup(t);
}

/* Adds the new version to the master's record and applies retention. */
static char *version_update(const char *old, const char *id, void *ctx, int *del,
			    struct sbx_err *err)
{
	struct run *run = ctx;
	json_t *m = old ? json_loads(old, 0, NULL) : NULL, *versions, *v, *pins;
	int keep = run->o && run->o->keep > 0 ? run->o->keep : SBX_KEEP_DEFAULT, next;
	char digest[65], *now = iso_now(), *text;
	size_t i, n;

	(void)del;
	(void)err;
	if (!m) {
		m = json_pack("{s:s,s:s,s:[],s:i}", "name", run->name, "created", now, "versions",
			      "next_version", 1);
	}
	versions = json_object_get(m, "versions");
	next = (int)json_integer_value(json_object_get(m, "next_version"));
	if (next < 1)
		next = (int)json_array_size(versions) + 1;
	sbx_hex(run->p->digest, 32, digest);
	v = json_object();
	json_object_set_new(v, "version", json_integer(next));
	json_object_set_new(v, "snapshot", json_string(id));
	json_object_set_new(v, "time", json_string(now));
	json_object_set_new(v, "source", json_string(run->source));
	json_object_set_new(v, "policy", json_string(run->p->path));
	json_object_set_new(v, "policy_digest", json_string(digest));
	if (run->o && run->o->message)
		json_object_set_new(v, "message", json_string(run->o->message));
	json_object_set_new(v, "report", sbx_report_json(run->h.report));
	json_array_append_new(versions, v);
	run->version = next;
	json_object_set_new(m, "next_version", json_integer(next + 1));
	json_object_set_new(m, "keep", json_integer(keep));
	/* Retention: the last KEEP versions stay. */
	run->dropped = json_array();
	while (json_array_size(versions) > (size_t)keep) {
		json_t *gone = json_array_get(versions, 0);

		json_array_append_new(run->dropped, json_pack("{s:O,s:O}", "version",
			json_object_get(gone, "version"), "snapshot", json_object_get(gone, "snapshot")));
		json_array_remove(versions, 0);
	}
	pins = json_array();
	n = json_array_size(versions);
	for (i = 0; i < n; i++)
		json_array_append(pins, json_object_get(json_array_get(versions, i), "snapshot"));
	json_object_set_new(m, "pins", pins);
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	free(now);
	return text;
}

/* What run_capture makes of its result. */
enum mode {
	REFRESH,        /* the master's next version */
	DRY,            /* nothing stored, a throw-away masking key */
	TEMP,           /* an unrecorded tree, with the master's masking key */
};

static int run_capture(struct sbx_store *s, const char *name, const char *source,
		       const char *policy, const struct sbx_refresh_opts *o, enum mode mode,
		       struct sbx_refresh_result *res, struct sbx_err *err)
{
	int dry = mode == DRY;
	struct sbx_policy *p = NULL;
	struct sbx_source *src = NULL;
	struct sbx_capture_opts co;
	struct sbx_capture_result cres;
	struct sbx_capture_filter f;
	struct run run;
	uint8_t key[32];
	char *ref = NULL, *abs = NULL;
	int r;

	memset(res, 0, sizeof *res);
	memset(&run, 0, sizeof run);
	memset(&co, 0, sizeof co);
	memset(&cres, 0, sizeof cres);
	memset(&f, 0, sizeof f);
	r = sbx_policy_load(policy, &p, err);
	if (r)
		goto out;
	if (dry)
		r = getrandom(key, sizeof key, 0) == (ssize_t)sizeof key ? 0 :
			sbx_err_sys(err, SBX_EIO, "cannot get random bytes");
	else
		r = mask_key(s, name, key, err);
	if (r)
		goto out;
	r = sbx_source_open(source, &src, err);
	if (r)
		goto out;
	abs = strcmp(source, "-") ? realpath(source, NULL) : NULL;
	run.p = p;
	run.h.p = p;
	run.h.masker = sbx_masker_new(key);
	run.h.report = sbx_report_new();
	run.name = name;
	run.o = o;
	run.source = abs ? abs : "stdin";
	co.message = o ? o->message : NULL;
	co.progress = o ? o->progress : NULL;
	f.skip = skip;
	f.file = file;
	f.ctx = &run;
	f.dry_run = dry;
	co.unrecorded = mode == TEMP;
	if (mode == REFRESH) {
		ref = ref_name("master", name);
		f.ref_name = ref;
		f.ref_update = version_update;
		f.record_extra = json_pack("{s:s,s:s}", "master", name, "kind", "master");
	}
	r = sbx_capture_from(dry ? NULL : s, src, run.source, &co, &f, &cres, err);
	if (r)
		goto out;
	memcpy(res->id, cres.id, sizeof res->id);
	res->version = run.version;
	res->report = sbx_report_json(run.h.report);
	res->dropped = run.dropped;
	run.dropped = NULL;
out:
	explicit_bzero(key, sizeof key);
	json_decref(f.record_extra);
	json_decref(run.dropped);
	sbx_buf_release(&cres.warnings);
	sbx_buf_release(&run.in);
	sbx_buf_release(&run.out);
	sbx_report_free(run.h.report);
	sbx_masker_free(run.h.masker);
	sbx_source_close(src);
	sbx_policy_free(p);
	free(ref);
	free(abs);
	return r;
}

int sbx_master_refresh(struct sbx_store *s, const char *name, const char *source,
		       const char *policy, const struct sbx_refresh_opts *o,
		       struct sbx_refresh_result *res, struct sbx_err *err)
{
	if (!name_ok(name))
		return sbx_err_set(err, SBX_EUSAGE, "'%s' is not a master name (letters, digits, '-', "
				   "'_', '.'; up to 100)", name);
	return run_capture(s, name, source, policy, o, REFRESH, res, err);
}

int sbx_policy_test(const char *policy, const char *source, struct sbx_refresh_result *res,
		    struct sbx_err *err)
{
	return run_capture(NULL, "policy-test", source, policy, NULL, DRY, res, err);
}

int sbx_policy_check(const char *path, json_t **summary, struct sbx_err *err)
{
	struct sbx_policy *p;
	char digest[65];
	int r = sbx_policy_load(path, &p, err);

	if (r)
		return r;
	sbx_hex(p->digest, 32, digest);
	*summary = json_pack("{s:s,s:s,s:i,s:i,s:b,s:s,s:i,s:i,s:i,s:b,s:i}", "policy", path,
			     "digest", digest, "include", (int)p->ninclude, "exclude", (int)p->nexclude,
			     "builtin_redaction", p->redact_builtin, "on_secret",
			     p->on_secret_fail ? "fail" : "redact", "mask", (int)p->nmask, "rewrite",
			     (int)p->nrewrite, "set", (int)(p->nset), "outbound_disabled",
			     p->outbound_disabled, "canaries", (int)p->ncanaries);
	sbx_policy_free(p);
	return 0;
}

static int list_one(const char *name, const char *json, void *ctx)
{
	json_t *arr = ctx, *m = json_loads(json, 0, NULL), *vs, *o;

	(void)name;
	if (!m)
		return 0;
	vs = json_object_get(m, "versions");
	o = json_pack("{s:O,s:i,s:O}", "name", json_object_get(m, "name"), "versions",
		      (int)json_array_size(vs), "latest",
		      json_array_size(vs) ? json_array_get(vs, json_array_size(vs) - 1) : json_null());
	json_array_append_new(arr, o);
	json_decref(m);
	return 0;
}

int sbx_master_list(struct sbx_store *s, json_t **out, struct sbx_err *err)
{
	json_t *arr = json_array();
	int r = sbx_ref_list(s, "master/", list_one, arr, err);

	if (r) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* Loads master NAME (from SPEC, NAME[@VERSION]) and the version asked. */
static int load(struct sbx_store *s, const char *spec, json_t **master, json_t **version,
		struct sbx_err *err)
{
	char *name = sbx_xstrdup(spec), *at = strchr(name, '@'), *ref, *text = NULL, *end;
	long want = 0;
	json_t *vs, *v;
	size_t i;
	int r;

	*master = NULL;
	*version = NULL;
	if (at) {
		*at = '\0';
		want = strtol(at + 1, &end, 10);
		if (end == at + 1 || *end || want < 1) {
			r = sbx_err_set(err, SBX_EUSAGE, "'%s' is not NAME@VERSION", spec);
			free(name);
			return r;
		}
	}
	ref = ref_name("master", name);
	r = sbx_ref_get(s, ref, &text, err);
	free(ref);
	if (r == SBX_ENOTFOUND)
		r = sbx_err_set(err, SBX_ENOTFOUND, "no master '%s'", name);
	free(name);
	if (r)
		return r;
	*master = json_loads(text, 0, NULL);
	free(text);
	if (!*master)
		return sbx_err_set(err, SBX_ECORRUPT, "master record of '%s' is damaged", spec);
	vs = json_object_get(*master, "versions");
	json_array_foreach(vs, i, v) {
		if (!want || json_integer_value(json_object_get(v, "version")) == want)
			*version = v;
	}
	if (!*version) {
		json_decref(*master);
		*master = NULL;
		return sbx_err_set(err, SBX_ENOTFOUND, want ? "master '%s' has no such version (retention "
				   "may have removed it)" : "master '%s' has no version", spec);
	}
	json_incref(*version);
	return 0;
}

int sbx_master_show(struct sbx_store *s, const char *spec, json_t **out, struct sbx_err *err)
{
	json_t *m, *v;
	int r = load(s, spec, &m, &v, err);

	if (r)
		return r;
	if (strchr(spec, '@')) {
		*out = v;
		json_decref(m);
	} else {
		json_object_del(m, "pins");
		*out = m;
		json_decref(v);
	}
	return 0;
}

int sbx_master_version(struct sbx_store *s, const char *spec, json_t **version, char id[65],
		       struct sbx_err *err)
{
	json_t *m, *v;
	int r = load(s, spec, &m, &v, err);
	const char *snap;

	if (r)
		return r;
	snap = json_string_value(json_object_get(v, "snapshot"));
	snprintf(id, 65, "%s", snap ? snap : "");
	json_decref(m);
	if (version)
		*version = v;
	else
		json_decref(v);
	return 0;
}

int sbx_master_harden_temp(struct sbx_store *s, const char *spec, const char *source,
			   const char *policy, const struct sbx_progress *progress,
			   struct sbx_harden_temp_result *res, struct sbx_err *err)
{
	struct sbx_refresh_opts o;
	struct sbx_refresh_result rr;
	struct sbx_policy *p = NULL;
	json_t *ver = NULL;
	char *name = sbx_xstrdup(spec), *at = strchr(name, '@');
	const char *recorded, *digest;
	int r;

	memset(res, 0, sizeof *res);
	memset(&o, 0, sizeof o);
	if (at)
		*at = '\0';
	r = sbx_master_version(s, spec, &ver, res->base, err);
	if (r)
		goto out;
	res->version = (int)json_integer_value(json_object_get(ver, "version"));
	recorded = json_string_value(json_object_get(ver, "policy"));
	digest = json_string_value(json_object_get(ver, "policy_digest"));
	if (!policy) {
		char hex[65];

		if (!recorded || access(recorded, R_OK)) {
			r = sbx_err_set(err, SBX_ENOTFOUND, "the policy recorded with %s@%d ('%s') is gone; "
					"give the policy with --policy FILE", name, res->version,
					recorded ? recorded : "?");
			goto out;
		}
		r = sbx_policy_load(recorded, &p, err);
		if (r)
			goto out;
		sbx_hex(p->digest, 32, hex);
		res->policy_changed = !digest || strcmp(hex, digest);
		policy = recorded;
	}
	res->policy = sbx_xstrdup(policy);
	o.progress = progress;
	r = run_capture(s, name, source, policy, &o, TEMP, &rr, err);
	if (r)
		goto out;
	memcpy(res->id, rr.id, sizeof res->id);
	res->report = rr.report;
	json_decref(rr.dropped);
out:
	if (r) {
		free(res->policy);
		res->policy = NULL;
	}
	sbx_policy_free(p);
	json_decref(ver);
	free(name);
	return r;
}

void sbx_harden_temp_release(struct sbx_harden_temp_result *res)
{
	free(res->policy);
	json_decref(res->report);
	res->policy = NULL;
	res->report = NULL;
}

struct vctx {
	const struct sbx_policy *p;
	size_t files;
	struct sbx_err err;
};

static int verify_one(const char *path, const void *data, size_t len, void *ctx)
{
	struct vctx *v = ctx;

	v->files++;
	return sbx_gate_check(v->p, path, data, len, &v->err);
}

int sbx_master_verify(struct sbx_store *s, const char *spec, const char *policy,
		      json_t **summary, struct sbx_err *err)
{
	struct sbx_policy *p = NULL;
	struct vctx v;
	json_t *ver = NULL;
	char id[65];
	const char *recorded, *used = "(built-in detectors)";
	int r = sbx_master_version(s, spec, &ver, id, err);

	memset(&v, 0, sizeof v);
	*summary = NULL;
	if (r)
		return r;
	recorded = json_string_value(json_object_get(ver, "policy"));
	if (policy) {
		r = sbx_policy_load(policy, &p, err);
		used = policy;
	} else if (recorded && sbx_policy_load(recorded, &p, NULL) == 0) {
		used = recorded;
	} else {
		r = sbx_policy_parse(used, "{\"version\": 1}", 14, &p, err);
	}
	if (r)
		goto out;
	v.p = p;
	r = sbx_snapshot_walk_files(s, id, verify_one, &v, err);
	if (r && v.err.code)
		r = sbx_err_set(err, v.err.code, "%s@%d: %s", spec,
				(int)json_integer_value(json_object_get(ver, "version")), v.err.msg);
	*summary = json_pack("{s:s,s:I,s:s,s:s,s:i,s:b}", "master", spec, "version",
			     json_integer_value(json_object_get(ver, "version")), "snapshot", id,
			     "policy", used, "files", (int)v.files, "ok", r == 0);
out:
	json_decref(ver);
	sbx_policy_free(p);
	return r;
}
