/* What a name on the command line designates as a side of a diff: a
 * snapshot, a master version, or a sandbox's current content (live, for an
 * active sandbox whose provider can capture it). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/lifecycle.h"
#include "sbx/diff.h"
#include "sbx/master.h"
#include "sbx/snapshot.h"

static int all_hex(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n >= 8 && n <= 64 && !s[n];
}

/* The policy recorded with master version SPEC, or NULL. */
static char *policy_of(struct sbx_store *s, const char *spec)
{
	json_t *ver = NULL;
	char id[65], *p = NULL;

	if (sbx_master_version(s, spec, &ver, id, NULL) == 0 &&
	    json_is_string(json_object_get(ver, "policy")))
		p = sbx_xstrdup(json_string_value(json_object_get(ver, "policy")));
	json_decref(ver);
	return p;
}

static int from_master(struct sbx_store *s, const char *spec, struct sbx_diff_spec *out,
		       struct sbx_err *err)
{
	json_t *ver = NULL;
	char *name = sbx_xstrdup(spec);
	int r = sbx_master_version(s, spec, &ver, out->id, err);

	if (!r) {
		strtok(name, "@");
		snprintf(out->kind, sizeof out->kind, "master");
		snprintf(out->what, sizeof out->what, "master %s@%lld", name,
			 (long long)json_integer_value(json_object_get(ver, "version")));
		if (json_is_string(json_object_get(ver, "policy")))
			out->policy = sbx_xstrdup(json_string_value(json_object_get(ver, "policy")));
	}
	json_decref(ver);
	free(name);
	return r;
}

/* A snapshot made by a master refresh names its master: its policy is the
 * one recorded with the version holding it. */
static int from_snapshot(struct sbx_store *s, const char *prefix, struct sbx_diff_spec *out,
			 struct sbx_err *err)
{
	char *text = NULL;
	json_t *rec, *m = NULL, *v;
	size_t i;
	int r = sbx_snapshot_resolve(s, prefix, out->id, err);

	if (r)
		return r;
	snprintf(out->kind, sizeof out->kind, "snapshot");
	snprintf(out->what, sizeof out->what, "snapshot %.12s", out->id);
	if (sbx_snapshot_record(s, out->id, &text, NULL))
		return 0;
	rec = json_loads(text, 0, NULL);
	free(text);
	if (json_is_string(json_object_get(rec, "master")) &&
	    sbx_master_show(s, json_string_value(json_object_get(rec, "master")), &m, NULL) == 0) {
		json_array_foreach(json_object_get(m, "versions"), i, v) {
			const char *snap = json_string_value(json_object_get(v, "snapshot"));

			if (snap && !strcmp(snap, out->id) && json_is_string(json_object_get(v, "policy"))) {
				free(out->policy);
				out->policy = sbx_xstrdup(json_string_value(json_object_get(v, "policy")));
			}
		}
	}
	json_decref(m);
	json_decref(rec);
	return 0;
}

/* The live content of active sandbox REC through its provider; a provider
 * that cannot show it, or holds nothing, leaves OUT as it is with a note. */
static int live(struct sbx_store *s, struct sbx_config *c, json_t *rec, struct sbx_diff_spec *out,
		struct sbx_err *err)
{
	const char *name = json_string_value(json_object_get(rec, "name"));
	const char *pname = json_string_value(json_object_get(rec, "provider"));
	struct sbx_provider *p = pname ? sbx_config_provider(c, pname) : NULL;
	struct sbx_provider_result res;
	struct sbx_sandbox_view v;
	struct sbx_err perr = { 0 };
	json_t *vars, *secrets;
	int r;

	if (!p || !p->ops->capture) {
		snprintf(out->note, sizeof out->note, "sandbox '%s' is active on provider '%s', which "
			 "cannot show its live content: its last captured snapshot is used", name,
			 pname ? pname : "?");
		return 0;
	}
	secrets = sbx_config_secrets(c, err);
	if (!secrets)
		return err && err->code ? err->code : SBX_EFAIL;
	vars = sbx_sandbox_vars(c, rec);
	sbx_sandbox_view_of(s, rec, &v);
	memset(&res, 0, sizeof res);
	v.vars = vars;
	v.secrets = secrets;
	r = p->ops->capture(p, &v, &res, &perr);
	if (r == SBX_ENOTFOUND) {
		snprintf(out->note, sizeof out->note, "%s: its last captured snapshot is used", perr.msg);
		r = 0;
	} else if (r) {
		sbx_err_set(err, r, "%s", perr.msg);
	} else if (res.snapshot) {
		snprintf(out->id, sizeof out->id, "%s", res.snapshot);
		snprintf(out->what, sizeof out->what, "sandbox %s (live)", name);
		out->live = 1;
	}
	sbx_provider_result_release(&res);
	json_decref(vars);
	json_decref(secrets);
	return r;
}

static int from_sandbox(struct sbx_store *s, struct sbx_config *c, json_t *rec, unsigned flags,
			struct sbx_diff_spec *out, struct sbx_err *err)
{
	const char *name = json_string_value(json_object_get(rec, "name"));
	const char *state = json_string_value(json_object_get(rec, "state"));
	const char *snap = json_string_value(json_object_get(rec, "snapshot"));
	json_t *base = json_object_get(rec, "base"), *mb;
	char spec[256];

	if (!strcmp(state, "destroyed"))
		return sbx_err_set(err, SBX_ENOTFOUND, "sandbox '%s' is destroyed", name);
	if (!snap)
		return sbx_err_set(err, SBX_ECORRUPT, "the record of sandbox '%s' names no snapshot", name);
	snprintf(out->id, sizeof out->id, "%s", snap);
	snprintf(out->kind, sizeof out->kind, "sandbox");
	snprintf(out->what, sizeof out->what, "sandbox %s", name);
	/* Its master version: its own, or that of the sandbox it came from. */
	mb = json_object_get(base, "master") ? base : json_object_get(base, "master_base");
	if (json_is_string(json_object_get(mb, "master"))) {
		snprintf(spec, sizeof spec, "%s@%lld", json_string_value(json_object_get(mb, "master")),
			 (long long)json_integer_value(json_object_get(mb, "version")));
		out->policy = policy_of(s, spec);
	}
	if (!strcmp(state, "active")) {
		if (flags & SBX_SPEC_LIVE)
			return live(s, c, rec, out, err);
		out->live_needed = 1;
	} else if (strcmp(state, "inactive")) {
		snprintf(out->note, sizeof out->note, "sandbox '%s' is %s: its last captured snapshot is "
			 "used", name, state);
	}
	return 0;
}

int sbx_diff_resolve(struct sbx_store *s, struct sbx_config *c, const char *spec, unsigned flags,
		     struct sbx_diff_spec *out, struct sbx_err *err)
{
	json_t *rec = NULL, *ver = NULL;
	char id[65];
	int is_snap = 0, is_master = 0, is_sandbox = 0, r;

	memset(out, 0, sizeof *out);
	if ((flags & SBX_SPEC_LIVE) && !c)
		return sbx_err_set(err, SBX_EUSAGE, "a live view needs the configuration");
	if (!strncmp(spec, "master:", 7))
		return from_master(s, spec + 7, out, err);
	if (!strncmp(spec, "snapshot:", 9))
		return from_snapshot(s, spec + 9, out, err);
	if (!strncmp(spec, "sandbox:", 8)) {
		r = sbx_sandbox_load(s, spec + 8, &rec, err);
		if (!r)
			r = from_sandbox(s, c, rec, flags, out, err);
		json_decref(rec);
		return r;
	}
	if (strchr(spec, '@'))
		return from_master(s, spec, out, err);
	if (all_hex(spec)) {
		r = sbx_snapshot_resolve(s, spec, id, err);
		if (r == SBX_EAMBIG)
			return r;
		is_snap = r == 0;
		sbx_err_clear(err);
	}
	is_master = sbx_master_version(s, spec, &ver, id, NULL) == 0;
	json_decref(ver);
	is_sandbox = sbx_sandbox_load(s, spec, &rec, NULL) == 0;
	/* A destroyed sandbox's name stands back for anything else. */
	if (is_sandbox && (is_snap || is_master) &&
	    !strcmp(json_string_value(json_object_get(rec, "state")), "destroyed"))
		is_sandbox = 0;
	if (is_snap + is_master + is_sandbox > 1) {
		struct sbx_buf names = SBX_BUF_INIT, how = SBX_BUF_INIT;

		if (is_snap) {
			sbx_buf_adds(&names, "a snapshot id");
			sbx_buf_addf(&how, "snapshot:%s", spec);
		}
		if (is_master) {
			sbx_buf_addf(&names, "%sa master", names.len ? " and " : "");
			sbx_buf_addf(&how, "%smaster:%s", how.len ? " or " : "", spec);
		}
		if (is_sandbox) {
			sbx_buf_addf(&names, "%sa sandbox", names.len ? " and " : "");
			sbx_buf_addf(&how, "%ssandbox:%s", how.len ? " or " : "", spec);
		}
		r = sbx_err_set(err, SBX_EAMBIG, "'%s' names both %s; write %s", spec, names.data,
				how.data);
		sbx_buf_release(&names);
		sbx_buf_release(&how);
		json_decref(rec);
		return r;
	}
	if (is_snap)
		r = from_snapshot(s, spec, out, err);
	else if (is_master)
		r = from_master(s, spec, out, err);
	else if (is_sandbox)
		r = from_sandbox(s, c, rec, flags, out, err);
	else
		r = sbx_err_set(err, SBX_ENOTFOUND, "no snapshot, master or sandbox '%s'", spec);
	json_decref(rec);
	return r;
}

void sbx_diff_spec_release(struct sbx_diff_spec *sp)
{
	free(sp->policy);
	sp->policy = NULL;
}
