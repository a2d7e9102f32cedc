/* Sandboxes: records under "sandbox/NAME", transitions journaled with
 * intent and outcome, recovery of interrupted ones. */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lifecycle/lifecycle.h"
#include "sbx/master.h"
#include "sbx/snapshot.h"
#include "snapshot/capture.h"
#include "snapshot/refs.h"
#include "util/fsutil.h"
#include "util/hash.h"

static char *ref_of(const char *name)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "sandbox/%s", name);
	return sbx_buf_detach(&b, NULL);
}

static const char *actor_override;

void sbx_actor_set(const char *a)
{
	actor_override = a;
}

const char *sbx_actor(void)
{
	static char buf[64];
	const char *a = getenv("SBX_ACTOR");
	struct passwd *pw;

	if (actor_override)
		return actor_override;
	if (a && *a)
		return a;
	pw = getpwuid(getuid());
	snprintf(buf, sizeof buf, "%s", pw ? pw->pw_name : "unknown");
	return buf;
}

static char *now_iso(void)
{
	char t[32];

	sbx_time_iso(sbx_clock_ns(), t);
	return sbx_xstrdup(t);
}

static int name_ok(const char *n)
{
	const char *p;

	if (!*n || strlen(n) > 63 || *n == '-')
		return 0;
	for (p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

int sbx_sandbox_load(struct sbx_store *s, const char *name, json_t **rec, struct sbx_err *err)
{
	char *ref = ref_of(name), *text = NULL;
	int r = sbx_ref_get(s, ref, &text, err);

	free(ref);
	if (r == SBX_ENOTFOUND)
		return sbx_err_set(err, SBX_ENOTFOUND, "no sandbox '%s'", name);
	if (r)
		return r;
	*rec = json_loads(text, 0, NULL);
	free(text);
	if (!*rec)
		return sbx_err_set(err, SBX_ECORRUPT, "the record of sandbox '%s' is damaged", name);
	return 0;
}

/* Writes REC (with its pins kept in step) and ENTRY in one transaction. */
struct put {
	json_t *rec;
	int del;
};

static char *put_fn(const char *old, void *ctx, int *del, struct sbx_err *err)
{
	struct put *p = ctx;

	(void)old;
	(void)err;
	if (p->del) {
		*del = 1;
		return NULL;
	}
	return json_dumps(p->rec, JSON_COMPACT | JSON_SORT_KEYS);
}

static void set_pins(json_t *rec)
{
	json_t *pins = json_array();
	const char *base = json_string_value(json_object_get(json_object_get(rec, "base"), "snapshot"));
	const char *cur = json_string_value(json_object_get(rec, "snapshot"));

	if (strcmp(json_string_value(json_object_get(rec, "state")), "destroyed")) {
		if (base)
			json_array_append_new(pins, json_string(base));
		if (cur && (!base || strcmp(cur, base)))
			json_array_append_new(pins, json_string(cur));
	}
	json_object_set_new(rec, "pins", pins);
}

int sbx_sandbox_save(struct sbx_store *s, json_t *rec, json_t *entry, struct sbx_err *err)
{
	const char *name = json_string_value(json_object_get(rec, "name"));
	char *ref = ref_of(name), *e = NULL, *now = now_iso();
	struct put p = { rec, 0 };
	int r;

	json_object_set_new(rec, "updated", json_string(now));
	set_pins(rec);
	if (entry) {
		/* Cost is derived from the journal alone: each entry says whose
		 * sandbox it was, for what, and what it kept stored. */
		json_object_set(entry, "purpose", json_object_get(rec, "purpose"));
		json_object_set(entry, "owner", json_object_get(rec, "owner"));
		if (json_object_get(rec, "stored_bytes"))
			json_object_set(entry, "stored_bytes", json_object_get(rec, "stored_bytes"));
		json_object_set_new(entry, "time", json_string(now));
		json_object_set_new(entry, "time_ns", json_integer(sbx_clock_ns()));
		json_object_set_new(entry, "actor", json_string(sbx_actor()));
		json_object_set_new(entry, "sandbox", json_string(name));
		e = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
	}
	r = sbx_ref_update_log(s, ref, put_fn, &p, e, err);
	free(e);
	free(ref);
	free(now);
	return r;
}

static json_t *entry_new(const char *op, const char *phase, const char *from, const char *to,
			 const char *provider, const char *op_id)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "op", op, "phase", phase, "from", from, "to", to,
			 "provider", provider, "op_id", op_id);
}

static void op_id_new(char out[33])
{
	uint8_t b[16];

	if (getrandom(b, sizeof b, 0) != sizeof b)
		memset(b, 0, sizeof b);
	sbx_hex(b, sizeof b, out);
}

/* The variables of REC: the purpose's defaults, then its own. */
static json_t *vars_of(struct sbx_config *c, json_t *rec)
{
	json_t *v = json_object();
	json_t *purpose = sbx_config_purpose(c, json_string_value(json_object_get(rec, "purpose")));

	json_object_update(v, json_object_get(purpose, "vars"));
	json_object_update(v, json_object_get(rec, "vars"));
	return v;
}

void sbx_sandbox_view_of(struct sbx_store *s, json_t *rec, struct sbx_sandbox_view *v)
{
	memset(v, 0, sizeof *v);
	v->name = json_string_value(json_object_get(rec, "name"));
	v->purpose = json_string_value(json_object_get(rec, "purpose"));
	v->owner = json_string_value(json_object_get(rec, "owner"));
	v->snapshot = json_string_value(json_object_get(rec, "snapshot"));
	v->provider_id = json_string_value(json_object_get(rec, "provider_id"));
	v->store = s;
}

/* Calls the provider for OP with the sandbox's view. */
static int call(struct sbx_store *s, struct sbx_config *c, struct sbx_provider *p, json_t *rec,
		const char *op, const char *op_id, struct sbx_provider_result *res, struct sbx_err *err)
{
	struct sbx_sandbox_view v;
	json_t *vars = vars_of(c, rec), *secrets = NULL;
	int r;

	sbx_sandbox_view_of(s, rec, &v);
	v.op_id = op_id;
	v.vars = vars;
	if (!strcmp(op, "activate") || !strcmp(op, "deactivate")) {
		secrets = sbx_config_secrets(c, err);
		if (!secrets) {
			json_decref(vars);
			return err ? err->code : SBX_EFAIL;
		}
	}
	v.secrets = secrets;
	if (!strcmp(op, "provision"))
		r = p->ops->provision(p, &v, res, err);
	else if (!strcmp(op, "activate"))
		r = p->ops->activate(p, &v, res, err);
	else if (!strcmp(op, "deactivate"))
		r = p->ops->deactivate(p, &v, res, err);
	else if (!strcmp(op, "destroy"))
		r = p->ops->destroy(p, &v, res, err);
	else
		r = 0;
	json_decref(vars);
	json_decref(secrets);
	return r;
}

static struct sbx_provider *provider_of(struct sbx_config *c, json_t *rec, struct sbx_err *err)
{
	const char *name = json_string_value(json_object_get(rec, "provider"));
	struct sbx_provider *p = name ? sbx_config_provider(c, name) : NULL;

	if (!p)
		sbx_err_set(err, SBX_ENOTFOUND, "sandbox '%s' uses provider '%s', which the configuration "
			    "'%s' does not define", json_string_value(json_object_get(rec, "name")),
			    name ? name : "?", c->path);
	return p;
}

/* Records the stored bytes REC's snapshot adds to its base: what keeping the
 * sandbox costs.  Best effort: a failure leaves the old figure. */
static void account(struct sbx_store *s, json_t *rec)
{
	const char *snap = json_string_value(json_object_get(rec, "snapshot"));
	const char *base = json_string_value(json_object_get(json_object_get(rec, "base"), "snapshot"));
	uint64_t bytes;

	if (snap && sbx_snapshot_unique_bytes(s, snap, base, &bytes, NULL) == 0)
		json_object_set_new(rec, "stored_bytes", json_integer((json_int_t)bytes));
}

/* Applies what a successful OP brings to REC. */
static void apply(json_t *rec, const char *op, const struct sbx_provider_result *res)
{
	char *now = now_iso();

	if (res->provider_id)
		json_object_set_new(rec, "provider_id", json_string(res->provider_id));
	if (!strcmp(op, "deactivate") && res->snapshot)
		json_object_set_new(rec, "snapshot", json_string(res->snapshot));
	if (!strcmp(op, "activate")) {
		json_object_set_new(rec, "activated", json_string(now));
		json_object_set_new(rec, "last_activity", json_pack("{s:s,s:I,s:s,s:s}", "time", now,
			"time_ns", (json_int_t)sbx_clock_ns(), "source", "activate", "by", sbx_actor()));
	}
	if (!strcmp(op, "deactivate"))
		json_object_set_new(rec, "deactivated", json_string(now));
	free(now);
}

/* Runs transition T on REC through provider P: intent, call, outcome. */
static int transition(struct sbx_store *s, struct sbx_config *c, json_t *rec,
		      const struct sbx_transition *t, const char *op_id_in, const char *reason,
		      struct sbx_err *err)
{
	struct sbx_provider *p = provider_of(c, rec, err);
	struct sbx_provider_result res;
	struct sbx_err perr = { 0 };
	char op_id[33];
	json_t *e;
	int r;

	if (!p)
		return err->code;
	memset(&res, 0, sizeof res);
	if (op_id_in)
		snprintf(op_id, sizeof op_id, "%s", op_id_in);
	else
		op_id_new(op_id);
	/* Intent: the sandbox is in the "via" state before the provider acts. */
	if (!op_id_in) {
		json_object_set_new(rec, "state", json_string(t->via));
		json_object_set_new(rec, "pending", json_pack("{s:s,s:s,s:s}", "op", t->op, "from", t->from,
							      "op_id", op_id));
		e = entry_new(t->op, "intent", t->from, t->via, p->name, op_id);
		if (reason)
			json_object_set_new(e, "reason", json_string(reason));
		r = sbx_sandbox_save(s, rec, e, err);
		json_decref(e);
		if (r)
			return r;
	}
	r = call(s, c, p, rec, t->op, op_id, &res, &perr);
	e = entry_new(t->op, "outcome", t->via, r ? t->from : t->to, p->name, op_id);
	if (reason)
		json_object_set_new(e, "reason", json_string(reason));
	json_object_del(rec, "pending");
	if (!r) {
		apply(rec, t->op, &res);
		if (!strcmp(t->op, "provision") || !strcmp(t->op, "deactivate"))
			account(s, rec);
		json_object_set_new(rec, "state", json_string(t->to));
		json_object_set_new(e, "result", json_string("ok"));
		if (res.message[0])
			json_object_set_new(e, "message", json_string(res.message));
	} else {
		struct sbx_provider_status st;
		struct sbx_sandbox_view v;
		const char *back = t->from;

		/* Where does the provider stand?  Back to the old state when it
		 * still holds it; failed when nobody can tell. */
		sbx_sandbox_view_of(s, rec, &v);
		memset(&st, 0, sizeof st);
		if (p->ops->status && p->ops->status(p, &v, &st, NULL) == 0 &&
		    (!strcmp(st.state, "unknown") ||
		     (strcmp(st.state, t->from) && strcmp(t->from, "none") &&
		      !(!strcmp(t->from, "inactive") && !strcmp(st.state, "absent")))))
			back = "failed";
		if (!strcmp(t->from, "none"))
			back = "failed";
		json_object_set_new(rec, "state", json_string(back));
		json_object_set_new(e, "to", json_string(back));
		json_object_set_new(e, "result", json_string("error"));
		json_object_set_new(e, "message", json_string(perr.msg));
		if (!strcmp(back, "failed"))
			json_object_set_new(rec, "failure", json_string(perr.msg));
	}
	if (!r)
		json_object_del(rec, "failure");
	{
		int w = sbx_sandbox_save(s, rec, e, err);

		json_decref(e);
		sbx_provider_result_release(&res);
		if (w)
			return w;
	}
	if (r)
		return sbx_err_set(err, perr.code ? perr.code : r, "%s %s: %s", t->op,
				   json_string_value(json_object_get(rec, "name")), perr.msg);
	return 0;
}

/* The outcome of a refresh: the new base from the pending intent. */
static int finish_refresh(struct sbx_store *s, json_t *rec, struct sbx_err *err)
{
	json_t *p = json_object_get(rec, "pending"), *e;
	const char *snap = json_string_value(json_object_get(p, "snapshot"));
	int r;

	json_object_set(rec, "base", json_object_get(p, "base"));
	json_object_set_new(rec, "snapshot", json_string(snap));
	json_object_set_new(rec, "clean_snapshot", json_string(snap));
	json_object_set_new(rec, "state", json_string("inactive"));
	account(s, rec);
	e = entry_new("refresh", "outcome", "refreshing", "inactive",
		      json_string_value(json_object_get(rec, "provider")),
		      json_string_value(json_object_get(p, "op_id")));
	json_object_set_new(e, "result", json_string("ok"));
	json_object_set_new(e, "message", json_string(json_string_value(json_object_get(p, "spec"))));
	if (json_is_string(json_object_get(p, "reason")))
		json_object_set(e, "reason", json_object_get(p, "reason"));
	json_object_del(rec, "pending");
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	return r;
}

/* Finishes an interrupted transition of REC by running it again with the
 * same operation id (providers are idempotent per id); rolls back when that
 * fails. */
static int recover_one(struct sbx_store *s, struct sbx_config *c, json_t *rec, json_t *done,
		       struct sbx_err *err)
{
	json_t *pending = json_object_get(rec, "pending");
	/* Copies: the transition replaces the pending intent. */
	char op[32], from[32], id[64];
	const struct sbx_transition *t;
	struct sbx_err e = { 0 };
	int r;

	snprintf(op, sizeof op, "%s", json_string_value(json_object_get(pending, "op")) ?
		 json_string_value(json_object_get(pending, "op")) : "");
	snprintf(from, sizeof from, "%s", json_string_value(json_object_get(pending, "from")) ?
		 json_string_value(json_object_get(pending, "from")) : "");
	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(pending, "op_id")) ?
		 json_string_value(json_object_get(pending, "op_id")) : "");
	t = *op && *from ? sbx_transition_find(op, from) : NULL;

	if (t && !strcmp(op, "refresh")) {
		r = finish_refresh(s, rec, err);
		json_array_append_new(done, json_pack("{s:s,s:s,s:s,s:s}", "sandbox",
			json_string_value(json_object_get(rec, "name")), "op", op, "result",
			r ? "failed" : "finished", "state", json_string_value(json_object_get(rec, "state"))));
		return r;
	}
	if (!t || !*id)
		return sbx_err_set(err, SBX_ECORRUPT, "sandbox '%s' is %s with no usable intent",
				   json_string_value(json_object_get(rec, "name")),
				   json_string_value(json_object_get(rec, "state")));
	r = transition(s, c, rec, t, id, "recovery", &e);
	json_array_append_new(done, json_pack("{s:s,s:s,s:s,s:s}", "sandbox",
		json_string_value(json_object_get(rec, "name")), "op", op, "result", r ? "rolled back" :
		"finished", "state", json_string_value(json_object_get(rec, "state"))));
	return 0;
}

/* Loads NAME and, when a crash left it mid-transition, recovers it first. */
static int load_ready(struct sbx_store *s, struct sbx_config *c, const char *name, json_t **rec,
		      struct sbx_err *err)
{
	int r = sbx_sandbox_load(s, name, rec, err);
	json_t *done;

	if (r)
		return r;
	if (!sbx_state_transient(json_string_value(json_object_get(*rec, "state"))))
		return 0;
	done = json_array();
	r = recover_one(s, c, *rec, done, err);
	json_decref(done);
	if (r) {
		json_decref(*rec);
		*rec = NULL;
	}
	return r;
}

json_t *sbx_sandbox_master_base(json_t *rec)
{
	json_t *b = json_object_get(rec, "base");

	return json_object_get(b, "master") ? b : json_object_get(b, "master_base");
}

int sbx_sandbox_unexported(json_t *rec)
{
	const char *snap = json_string_value(json_object_get(rec, "snapshot"));
	const char *clean = json_string_value(json_object_get(rec, "clean_snapshot"));
	const char *exp = json_string_value(json_object_get(json_object_get(rec, "exported"), "snapshot"));

	return snap && clean && strcmp(snap, clean) && (!exp || strcmp(snap, exp));
}

struct actx {
	const char *purpose, *self;
	json_t *names;
};

static int active_one(const char *ref, const char *text, void *ctx)
{
	struct actx *a = ctx;
	json_t *rec;
	const char *st, *name;

	(void)ref;
	/* Records are compact JSON: skip all but the active (or activating)
	 * ones without parsing them. */
	if (!strstr(text, "\"state\":\"activ"))
		return 0;
	rec = json_loads(text, 0, NULL);
	st = json_string_value(json_object_get(rec, "state"));
	name = json_string_value(json_object_get(rec, "name"));
	if (st && name && (!strcmp(st, "active") || !strcmp(st, "activating")) &&
	    !strcmp(json_string_value(json_object_get(rec, "purpose")) ?: "", a->purpose) &&
	    strcmp(name, a->self))
		json_array_append_new(a->names, json_string(name));
	json_decref(rec);
	return 0;
}

int sbx_sandbox_room(struct sbx_store *s, struct sbx_config *c, json_t *rec, json_t *also,
		     struct sbx_err *err)
{
	struct sbx_lpolicy pol;
	struct actx a;
	int r;

	a.purpose = json_string_value(json_object_get(rec, "purpose"));
	a.self = json_string_value(json_object_get(rec, "name"));
	sbx_lpolicy_get(c, a.purpose, &pol);
	if (!pol.max_active)
		return 0;
	a.names = json_array();
	r = sbx_ref_list(s, "sandbox/", active_one, &a, err);
	json_array_extend(a.names, also);
	if (!r && (long)json_array_size(a.names) >= pol.max_active) {
		struct sbx_buf b = SBX_BUF_INIT;
		json_t *v;
		size_t i;

		json_array_foreach(a.names, i, v) {
			if (i == 5) {
				sbx_buf_addf(&b, ", ...");
				break;
			}
			sbx_buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(v));
		}
		r = sbx_err_set(err, SBX_ECONFLICT, "cannot activate '%s': purpose '%s' allows at most %ld "
				"active sandboxes (max_active) and %zu are active (%s); deactivate one first",
				a.self, a.purpose, pol.max_active, json_array_size(a.names), b.data);
		sbx_buf_release(&b);
	}
	json_decref(a.names);
	return r;
}

static int base_of(struct sbx_store *s, const char *from, json_t **base, struct sbx_err *err)
{
	json_t *ver = NULL, *src = NULL;
	char id[65];
	int r;

	/* A master version first; else a sandbox (its current snapshot). */
	r = sbx_master_version(s, from, &ver, id, NULL);
	if (!r) {
		char *name = sbx_xstrdup(from), *at = strchr(name, '@');

		if (at)
			*at = '\0';
		*base = json_pack("{s:s,s:I,s:s}", "master", name, "version",
				  json_integer_value(json_object_get(ver, "version")), "snapshot", id);
		free(name);
		json_decref(ver);
		return 0;
	}
	if (strchr(from, '@'))
		return sbx_master_version(s, from, NULL, id, err);
	r = sbx_sandbox_load(s, from, &src, NULL);
	if (r)
		return sbx_err_set(err, SBX_ENOTFOUND, "no master or sandbox '%s'", from);
	if (!strcmp(json_string_value(json_object_get(src, "state")), "destroyed")) {
		json_decref(src);
		return sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' is destroyed", from);
	}
	*base = json_pack("{s:s,s:O,s:O}", "sandbox", from, "snapshot", json_object_get(src, "snapshot"),
			  "master_base", json_object_get(src, "base"));
	json_decref(src);
	return 0;
}

static json_t *kv_object(const char *const *kv, size_t n, struct sbx_err *err, const char *what)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		char *k;

		if (!eq || eq == kv[i]) {
			json_decref(o);
			sbx_err_set(err, SBX_EUSAGE, "%s '%s' is not KEY=VALUE", what, kv[i]);
			return NULL;
		}
		k = sbx_xstrndup(kv[i], (size_t)(eq - kv[i]));
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	return o;
}

/* Lays the purpose's overlay directory over snapshot BASE: the merged tree
 * becomes the clone's snapshot. */
static int overlay(struct sbx_store *s, const char *dir, const char *base, char out[65],
		   struct sbx_err *err)
{
	struct sbx_buf tmp = SBX_BUF_INIT;
	struct sbx_capture_result cr;
	struct sbx_capture_opts o;
	int r;

	sbx_buf_addf(&tmp, "%s/tmp/overlay-XXXXXX", sbx_store_path(s));
	if (!mkdtemp(tmp.data)) {
		r = sbx_err_sys(err, SBX_EIO, "cannot create '%s'", tmp.data);
		goto out;
	}
	rmdir(tmp.data);
	r = sbx_snapshot_restore(s, base, tmp.data, NULL, err);
	if (!r)
		r = sbx_copy_tree(dir, tmp.data, err);
	if (r)
		goto out;
	memset(&o, 0, sizeof o);
	o.message = "overlay";
	r = sbx_snapshot_capture(s, tmp.data, &o, &cr, err);
	sbx_buf_release(&cr.warnings);
	if (!r)
		memcpy(out, cr.id, 65);
out:
	{
		struct sbx_err ignore = { 0 };

		sbx_rm_rf(tmp.data, &ignore);
	}
	sbx_buf_release(&tmp);
	return r;
}

int sbx_sandbox_clone(struct sbx_store *s, struct sbx_config *c, const char *from,
		      const char *name, const struct sbx_clone_opts *o, json_t **record,
		      struct sbx_err *err)
{
	json_t *base = NULL, *vars = NULL, *labels = NULL, *rec = NULL, *old = NULL, *purpose;
	const char *prov;
	char snap[65], *now = now_iso();
	int r;

	*record = NULL;
	if (!name_ok(name)) {
		r = sbx_err_set(err, SBX_EUSAGE, "'%s' is not a sandbox name (a-z, 0-9, '-'; up to 63)", name);
		goto out;
	}
	if (sbx_sandbox_load(s, name, &old, NULL) == 0 &&
	    strcmp(json_string_value(json_object_get(old, "state")), "destroyed")) {
		r = sbx_err_set(err, SBX_EEXIST, "sandbox '%s' exists (%s)", name,
				json_string_value(json_object_get(old, "state")));
		goto out;
	}
	purpose = sbx_config_purpose(c, o->purpose);
	if (!purpose && json_object_size(json_object_get(c->root, "purposes")) &&
	    strcmp(o->purpose, "dev") && strcmp(o->purpose, "qa") && strcmp(o->purpose, "training") &&
	    strcmp(o->purpose, "uat")) {
		r = sbx_err_set(err, SBX_EUSAGE, "no purpose '%s' in the configuration '%s'", o->purpose,
				c->path);
		goto out;
	}
	prov = o->provider ? o->provider : json_string_value(json_object_get(purpose, "provider"));
	if (!prov)
		prov = "local";
	if (!sbx_config_provider(c, prov)) {
		r = sbx_err_set(err, SBX_EUSAGE, "no provider '%s' in the configuration '%s'", prov, c->path);
		goto out;
	}
	if (!(vars = kv_object(o->vars, o->nvars, err, "variable")) ||
	    !(labels = kv_object(o->labels, o->nlabels, err, "label"))) {
		r = err->code;
		goto out;
	}
	r = base_of(s, from, &base, err);
	if (r)
		goto out;
	snprintf(snap, sizeof snap, "%s", json_string_value(json_object_get(base, "snapshot")));
	if (json_is_string(json_object_get(purpose, "overlay"))) {
		r = overlay(s, json_string_value(json_object_get(purpose, "overlay")), snap, snap, err);
		if (r)
			goto out;
	}
	rec = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:s,s:s,s:s}", "name", name, "purpose",
			o->purpose, "owner", o->owner ? o->owner : sbx_actor(), "provider", prov, "vars", vars,
			"labels", labels, "base", base, "snapshot", snap, "state", "none", "created", now);
	json_object_set_new(rec, "clean_snapshot", json_string(snap));
	r = transition(s, c, rec, sbx_transition_find("provision", "none"), NULL, NULL, err);
	if (!r && o->activate)
		r = sbx_sandbox_room(s, c, rec, NULL, err) ?:
		    transition(s, c, rec, sbx_transition_find("activate", "inactive"), NULL, NULL, err);
	if (!r)
		*record = json_incref(rec);
out:
	json_decref(base);
	json_decref(vars);
	json_decref(labels);
	json_decref(rec);
	json_decref(old);
	free(now);
	return r;
}

static const char *state_of(json_t *rec)
{
	return json_string_value(json_object_get(rec, "state"));
}

int sbx_sandbox_do(struct sbx_store *s, struct sbx_config *c, const char *name, const char *op,
		   json_t **record, struct sbx_err *err)
{
	return sbx_sandbox_do_why(s, c, name, op, NULL, record, err);
}

int sbx_sandbox_do_why(struct sbx_store *s, struct sbx_config *c, const char *name, const char *op,
		       const char *reason, json_t **record, struct sbx_err *err)
{
	const struct sbx_transition *t;
	json_t *rec;
	int r = load_ready(s, c, name, &rec, err);

	*record = NULL;
	if (r)
		return r;
	t = sbx_transition_find(op, state_of(rec));
	if (!t) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' is %s: it cannot %s", name,
				state_of(rec), op);
		goto out;
	}
	if (!strcmp(op, "activate") && (r = sbx_sandbox_room(s, c, rec, NULL, err)))
		goto out;
	r = transition(s, c, rec, t, NULL, reason, err);
	if (!r && !strcmp(op, "destroy")) {
		/* The sandbox's own data goes: its pins with it (save drops them). */
		r = sbx_sandbox_save(s, rec, NULL, err);
	}
	if (!r)
		*record = json_incref(rec);
out:
	json_decref(rec);
	return r;
}

int sbx_sandbox_refresh(struct sbx_store *s, struct sbx_config *c, const char *name,
			const char *to, int force, json_t **record, struct sbx_err *err)
{
	return sbx_sandbox_refresh_why(s, c, name, to, force, NULL, record, err);
}

int sbx_sandbox_refresh_why(struct sbx_store *s, struct sbx_config *c, const char *name,
			    const char *to, int force, const char *reason, json_t **record,
			    struct sbx_err *err)
{
	const struct sbx_transition *t;
	json_t *rec, *base = NULL, *e, *b;
	const char *master;
	char spec[200], id[65], op_id[33];
	int r = load_ready(s, c, name, &rec, err);

	*record = NULL;
	if (r)
		return r;
	t = sbx_transition_find("refresh", state_of(rec));
	if (!t) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' is %s: it cannot refresh (deactivate it "
				"first)", name, state_of(rec));
		goto out;
	}
	b = sbx_sandbox_master_base(rec);
	master = json_string_value(json_object_get(b, "master"));
	if (!master) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' has no master to refresh from", name);
		goto out;
	}
	if (!force && sbx_sandbox_unexported(rec)) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' holds changes made since its last refresh "
				"that were not exported; export them ('sbx export %s'), or refresh with --force to "
				"drop them", name, name);
		goto out;
	}
	if (to)
		snprintf(spec, sizeof spec, "%s@%s", master, to);
	else
		snprintf(spec, sizeof spec, "%s", master);
	r = sbx_master_version(s, spec, &base, id, err);
	if (r)
		goto out;
	{
		json_t *purpose = sbx_config_purpose(c, json_string_value(json_object_get(rec, "purpose")));
		char snap[65];

		memcpy(snap, id, sizeof snap);
		if (json_is_string(json_object_get(purpose, "overlay"))) {
			r = overlay(s, json_string_value(json_object_get(purpose, "overlay")), id, snap, err);
			if (r)
				goto out;
		}
		op_id_new(op_id);
		/* The intent carries the target, so that recovery can finish it. */
		json_object_set_new(rec, "state", json_string(t->via));
		json_object_set_new(rec, "pending", json_pack("{s:s,s:s,s:s,s:{s:s,s:O,s:s},s:s,s:s}",
			"op", "refresh", "from", t->from, "op_id", op_id, "base", "master", master,
			"version", json_object_get(base, "version"), "snapshot", id, "snapshot", snap,
			"spec", spec));
		if (reason)
			json_object_set_new(json_object_get(rec, "pending"), "reason", json_string(reason));
		e = entry_new("refresh", "intent", t->from, t->via,
			      json_string_value(json_object_get(rec, "provider")), op_id);
		if (reason)
			json_object_set_new(e, "reason", json_string(reason));
		r = sbx_sandbox_save(s, rec, e, err);
		json_decref(e);
		if (r)
			goto out;
		r = finish_refresh(s, rec, err);
	}
	if (!r)
		*record = json_incref(rec);
out:
	json_decref(base);
	json_decref(rec);
	return r;
}

int sbx_sandbox_touch(struct sbx_store *s, const char *name, const char *source, json_t **record,
		      struct sbx_err *err)
{
	json_t *rec, *e;
	char *now = now_iso();
	int r = sbx_sandbox_load(s, name, &rec, err);

	*record = NULL;
	if (r) {
		free(now);
		return r;
	}
	if (!source || !*source)
		source = "touch";
	json_object_set_new(rec, "last_activity", json_pack("{s:s,s:I,s:s,s:s}", "time", now, "time_ns",
		(json_int_t)sbx_clock_ns(), "source", source, "by", sbx_actor()));
	e = json_pack("{s:s,s:s,s:s,s:s}", "op", "touch", "phase", "event", "result", "ok", "message",
		      source);
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (!r)
		*record = json_incref(rec);
	json_decref(rec);
	free(now);
	return r;
}

int sbx_sandbox_keep(struct sbx_store *s, const char *name, int64_t until, const char *reason,
		     json_t **record, struct sbx_err *err)
{
	json_t *rec, *e;
	char t[32];
	int r = sbx_sandbox_load(s, name, &rec, err);

	*record = NULL;
	if (r)
		return r;
	if (!strcmp(json_string_value(json_object_get(rec, "state")), "destroyed")) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' is destroyed", name);
		goto out;
	}
	if (until && until <= sbx_clock_ns()) {
		sbx_time_iso(until, t);
		r = sbx_err_set(err, SBX_EUSAGE, "--until %s is not in the future", t);
		goto out;
	}
	e = json_pack("{s:s,s:s,s:s}", "op", "keep", "phase", "event", "result", "ok");
	if (until) {
		sbx_time_iso(until, t);
		json_object_set_new(rec, "keep", json_pack("{s:s,s:I,s:s,s:I}", "until", t, "until_ns",
			(json_int_t)until, "by", sbx_actor(), "since_ns", (json_int_t)sbx_clock_ns()));
		if (reason)
			json_object_set_new(json_object_get(rec, "keep"), "reason", json_string(reason));
		json_object_set_new(e, "message", json_string(t));
	} else {
		json_object_del(rec, "keep");
		json_object_set_new(e, "message", json_string("released"));
	}
	if (reason)
		json_object_set_new(e, "reason", json_string(reason));
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (!r)
		*record = json_incref(rec);
out:
	json_decref(rec);
	return r;
}

int sbx_sandbox_export(struct sbx_store *s, const char *name, const char *file, char **path,
		       struct sbx_err *err)
{
	struct sbx_buf dir = SBX_BUF_INIT, def = SBX_BUF_INIT;
	const char *snap, *st;
	char t[32], compact[32];
	json_t *rec, *e;
	size_t i, k;
	int r = sbx_sandbox_load(s, name, &rec, err);

	if (path)
		*path = NULL;
	if (r)
		return r;
	st = json_string_value(json_object_get(rec, "state"));
	snap = json_string_value(json_object_get(rec, "snapshot"));
	if (strcmp(st, "inactive") && strcmp(st, "failed")) {
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' is %s: deactivate it first, so that its "
				"live changes are captured", name, st);
		goto out;
	}
	sbx_time_iso(sbx_clock_ns(), t);
	if (!file) {
		for (i = k = 0; t[i]; i++)
			if (t[i] != '-' && t[i] != ':')
				compact[k++] = t[i];
		compact[k] = '\0';
		sbx_buf_addf(&dir, "%s/exports", sbx_store_path(s));
		if ((r = sbx_mkdir_p(dir.data, 0700, err)))
			goto out;
		sbx_buf_addf(&def, "%s/%s-%s.tar.zst", dir.data, name, compact);
		file = def.data;
	}
	r = sbx_snapshot_export(s, snap, file, NULL, NULL, err);
	if (r)
		goto out;
	json_object_set_new(rec, "exported", json_pack("{s:s,s:s,s:s}", "snapshot", snap, "file", file,
						       "time", t));
	e = json_pack("{s:s,s:s,s:s,s:s}", "op", "export", "phase", "event", "result", "ok", "message",
		      file);
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (!r && path)
		*path = sbx_xstrdup(file);
out:
	sbx_buf_release(&dir);
	sbx_buf_release(&def);
	json_decref(rec);
	return r;
}

int64_t sbx_sandbox_activity(struct sbx_store *s, struct sbx_config *c, json_t *rec,
			     const struct sbx_provider_usage *known, char *what, size_t n)
{
	json_t *la = json_object_get(rec, "last_activity");
	int64_t best = json_integer_value(json_object_get(la, "time_ns")), t;
	const char *by = json_string_value(json_object_get(la, "by"));
	struct sbx_provider *p;

	snprintf(what, n, "%s%s%s", json_string_value(json_object_get(la, "source")) ?
		 json_string_value(json_object_get(la, "source")) : "none", by ? " by " : "", by ? by : "");
	if (json_string_value(json_object_get(rec, "activated")) &&
	    !sbx_parse_time(json_string_value(json_object_get(rec, "activated")), 0, &t) && t > best) {
		best = t;
		snprintf(what, n, "activation");
	}
	if (strcmp(json_string_value(json_object_get(rec, "state")) ?: "", "active"))
		return best;
	p = sbx_config_provider(c, json_string_value(json_object_get(rec, "provider")) ?: "");
	if (p && (known || p->ops->usage)) {
		struct sbx_provider_usage u;
		struct sbx_sandbox_view v;

		memset(&u, 0, sizeof u);
		if (known) {
			u = *known;
		} else {
			sbx_sandbox_view_of(s, rec, &v);
			if (p->ops->usage(p, &v, &u, NULL))
				memset(&u, 0, sizeof u);
		}
		if (u.last_activity_ns > best) {
			best = u.last_activity_ns;
			snprintf(what, n, "%s (%s)", u.source[0] ? u.source : "provider usage", p->name);
		}
	}
	return best;
}

struct lctx {
	json_t *arr;
	const char *state, *purpose, *owner;
};

static int list_one(const char *ref, const char *text, void *ctx)
{
	struct lctx *l = ctx;
	json_t *rec = json_loads(text, 0, NULL);
	const char *st;

	(void)ref;
	if (!rec)
		return 0;
	st = state_of(rec);
	if ((l->state ? strcmp(st, l->state) : !strcmp(st, "destroyed")) ||
	    (l->purpose && strcmp(json_string_value(json_object_get(rec, "purpose")), l->purpose)) ||
	    (l->owner && strcmp(json_string_value(json_object_get(rec, "owner")), l->owner))) {
		json_decref(rec);
		return 0;
	}
	json_object_del(rec, "pins");
	json_array_append_new(l->arr, rec);
	return 0;
}

int sbx_sandbox_list(struct sbx_store *s, const char *state, const char *purpose,
		     const char *owner, json_t **out, struct sbx_err *err)
{
	struct lctx l = { json_array(), state, purpose, owner };
	int r = sbx_ref_list(s, "sandbox/", list_one, &l, err);

	if (r) {
		json_decref(l.arr);
		return r;
	}
	*out = l.arr;
	return 0;
}

int sbx_sandbox_status(struct sbx_store *s, struct sbx_config *c, const char *name, json_t **out,
		       struct sbx_err *err)
{
	struct sbx_provider_status st;
	struct sbx_provider_usage u;
	struct sbx_sandbox_view v;
	struct sbx_provider *p;
	json_t *rec, *prov;
	const char *want;
	int r = sbx_sandbox_load(s, name, &rec, err);

	*out = NULL;
	if (r)
		return r;
	p = provider_of(c, rec, err);
	if (!p) {
		json_decref(rec);
		return err->code;
	}
	sbx_sandbox_view_of(s, rec, &v);
	memset(&st, 0, sizeof st);
	memset(&u, 0, sizeof u);
	prov = json_object();
	if (p->ops->status(p, &v, &st, NULL) == 0) {
		json_object_set_new(prov, "state", json_string(st.state));
		json_object_set_new(prov, "message", json_string(st.message));
	} else {
		json_object_set_new(prov, "state", json_string("unknown"));
	}
	/* Asked once: the activity and the plan below read this answer. */
	if (p->ops->usage && p->ops->usage(p, &v, &u, NULL))
		memset(&u, 0, sizeof u);
	if (u.last_activity_ns) {
		char t[32];

		sbx_time_iso(u.last_activity_ns, t);
		json_object_set_new(prov, "last_activity", json_pack("{s:s,s:I,s:s}", "time", t, "time_ns",
			(json_int_t)u.last_activity_ns, "source", u.source));
		json_object_set_new(prov, "size", json_integer((json_int_t)u.size_bytes));
	}
	/* What the scheduler sees: the newest activity, and what comes next. */
	{
		json_t *versions = json_object();
		struct sbx_lpolicy pol;
		struct sbx_plan pl;
		char what[128], t[32];
		int64_t at = sbx_sandbox_activity(s, c, rec, &u, what, sizeof what);
		size_t i;

		if (at) {
			sbx_time_iso(at, t);
			json_object_set_new(rec, "activity", json_pack("{s:s,s:I,s:s}", "time", t, "time_ns",
				(json_int_t)at, "source", what));
		}
		sbx_tick_plan(s, c, rec, sbx_clock_ns(), versions, &u, &pol, &pl);
		if (pl.has_next) {
			sbx_time_iso(pl.next.due, t);
			json_object_set_new(rec, "next", json_pack("{s:s,s:s,s:s,s:s}", "action",
				sbx_plan_act_name(pl.next.act), "kind", pl.next.kind, "at", t, "reason",
				pl.next.reason));
		}
		if (pl.n) {
			json_t *due = json_array();

			for (i = 0; i < pl.n; i++)
				json_array_append_new(due, json_pack("{s:s,s:s,s:s}", "action",
					sbx_plan_act_name(pl.item[i].act), "kind", pl.item[i].kind, "reason",
					pl.item[i].reason));
			json_object_set_new(rec, "due", due);
		}
		json_decref(versions);
	}
	/* Drift: the provider's truth differs from the record. */
	want = state_of(rec);
	json_object_del(rec, "pins");
	json_object_set_new(rec, "provider_status", prov);
	json_object_set_new(rec, "drift", json_boolean(
		(!strcmp(want, "active") || !strcmp(want, "inactive")) &&
		strcmp(json_string_value(json_object_get(prov, "state")), "unknown") &&
		strcmp(json_string_value(json_object_get(prov, "state")), want) &&
		!(!strcmp(want, "inactive") && !strcmp(json_string_value(json_object_get(prov, "state")), "absent"))));
	*out = rec;
	return 0;
}

struct hctx {
	const char *name;
	json_t *arr;
};

static int hist_one(uint64_t seq, const char *text, void *ctx)
{
	struct hctx *h = ctx;
	json_t *e = json_loads(text, 0, NULL);

	(void)seq;
	if (e && !strcmp(json_string_value(json_object_get(e, "sandbox")) ?
			 json_string_value(json_object_get(e, "sandbox")) : "", h->name))
		json_array_append(h->arr, e);
	json_decref(e);
	return 0;
}

int sbx_sandbox_history(struct sbx_store *s, const char *name, json_t **out, struct sbx_err *err)
{
	struct hctx h = { name, json_array() };
	json_t *rec;
	int r = sbx_sandbox_load(s, name, &rec, err);

	if (r) {
		json_decref(h.arr);
		return r;
	}
	json_decref(rec);
	r = sbx_log_list(s, 0, hist_one, &h, err);
	if (r) {
		json_decref(h.arr);
		return r;
	}
	*out = h.arr;
	return 0;
}

struct rctx {
	json_t *names;
};

static int transient_one(const char *ref, const char *text, void *ctx)
{
	struct rctx *rc = ctx;
	json_t *rec = json_loads(text, 0, NULL);

	(void)ref;
	if (rec && sbx_state_transient(state_of(rec)))
		json_array_append_new(rc->names, json_string(json_string_value(json_object_get(rec, "name"))));
	json_decref(rec);
	return 0;
}

int sbx_sandbox_recover(struct sbx_store *s, struct sbx_config *c, const char *name,
			json_t **done, struct sbx_err *err)
{
	struct rctx rc = { json_array() };
	json_t *v;
	size_t i;
	int r = 0;

	*done = json_array();
	if (name)
		json_array_append_new(rc.names, json_string(name));
	else
		r = sbx_ref_list(s, "sandbox/", transient_one, &rc, err);
	json_array_foreach(rc.names, i, v) {
		json_t *rec;

		if (r || (r = sbx_sandbox_load(s, json_string_value(v), &rec, err)))
			break;
		if (sbx_state_transient(state_of(rec)))
			r = recover_one(s, c, rec, *done, err);
		json_decref(rec);
	}
	json_decref(rc.names);
	return r;
}

json_t *sbx_sandbox_vars(struct sbx_config *c, json_t *rec)
{
	return vars_of(c, rec);
}
