/* The configuration: providers, purposes (lifecycle policy, overlay,
 * default variables, cost rates), notification targets, the secrets file. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lifecycle/lifecycle.h"
#include "lifecycle/money.h"
#include "policies/jvalid.h"
#include "policies/schedule.h"
#include "providers/provider.h"
#include "sbx/buf.h"
#include "util/fsutil.h"
#include "util/timeutil.h"

#define MAX_CONFIG (4u << 20)

static const char *const purpose_keys[] = {
	"provider", "idle_after", "warn_before", "active_hours", "timezone", "ttl",
	"destroy_after_inactive", "max_active", "refresh_window", "notify_before", "notify",
	"overlay", "vars", "rates", "auto_activate", NULL,
};
static const char *const duration_keys[] = {
	"idle_after", "warn_before", "ttl", "destroy_after_inactive", "notify_before", NULL,
};

static int each_member(struct sbx_jv *c, int obj, int (*fn)(struct sbx_jv *c, int node, void *ctx),
		       void *ctx)
{
	size_t i;
	int r = 0;

	for (i = (size_t)obj + 1; !r && i < c->doc.len && c->doc.n[i].start < c->doc.n[obj].end; i++)
		if (c->doc.n[i].parent == obj)
			r = fn(c, (int)i, ctx);
	return r;
}

/* A "rates" object, of a purpose or a provider: decimal strings, a
 * currency code.  *HAS_AMOUNT and *HAS_CURRENCY say what it holds. */
static int check_rates(struct sbx_jv *c, int node, int *has_amount, int *has_currency)
{
	static const char *const keys[] = { "active_per_hour", "stored_per_gb_month", "currency", NULL };
	int r = sbx_jv_want(c, node, SBX_J_OBJ, "rates"), m, i;
	char *v;

	*has_amount = *has_currency = 0;
	if (r || (r = sbx_jv_known(c, node, keys, "rate")))
		return r;
	for (i = 0; i < 2; i++) {
		struct sbx_err e = { 0 };
		int64_t micro;

		m = sbx_json_member(&c->doc, node, keys[i]);
		if (m < 0)
			continue;
		*has_amount = 1;
		if (c->doc.n[m].type == SBX_J_NUM)
			return sbx_jv_at(c, m, 0, "\"%s\" must be a decimal string such as \"0.42\", not a "
					 "number (binary floating point cannot hold most amounts)%s",
					 keys[i], NULL);
		if ((r = sbx_jv_want(c, m, SBX_J_STR, keys[i])))
			return r;
		v = sbx_jv_str(c, m);
		if (sbx_money_parse(v, &micro, &e))
			r = sbx_jv_at(c, m, 0, "\"%s\": %s", keys[i], e.msg);
		free(v);
		if (r)
			return r;
	}
	m = sbx_json_member(&c->doc, node, "currency");
	if (m < 0)
		return 0;
	if ((r = sbx_jv_want(c, m, SBX_J_STR, "currency")))
		return r;
	v = sbx_jv_str(c, m);
	if (!sbx_currency_ok(v))
		r = sbx_jv_at(c, m, 0, "\"%s\" is not a currency code (three capital letters, such "
			      "as \"EUR\")%s", v, NULL);
	free(v);
	*has_currency = 1;
	return r;
}

static int check_provider(struct sbx_jv *c, int node, void *ctx)
{
	int r = sbx_jv_want(c, node, SBX_J_OBJ, "a provider"), t, m, amount, currency;

	(void)ctx;
	if (r)
		return r;
	t = sbx_json_member(&c->doc, node, "type");
	if (t < 0)
		return sbx_jv_at(c, node, 1, "provider \"%s\" needs a \"type\" (local, exec, http)%s",
				 c->doc.n[node].key, NULL);
	if ((r = sbx_jv_want(c, t, SBX_J_STR, "type")))
		return r;
	/* Rates are the same setting for every type of provider. */
	m = sbx_json_member(&c->doc, node, "rates");
	if (m >= 0 && (r = check_rates(c, m, &amount, &currency)))
		return r;
	if (m >= 0 && amount && !currency)
		return sbx_jv_at(c, m, 0, "rates need a \"currency\" (three capital letters, such as "
				 "\"EUR\")%s%s", NULL, NULL);
	return 0;
}

struct pctx {
	json_t *providers;
	json_t *notify;
	json_t *root_purposes;
};

/* The scheduling part of a purpose: schedules, time zone, notices. */
static int check_schedules(struct sbx_jv *c, int node, struct pctx *pc)
{
	static const char *const sched_keys[] = { "active_hours", "refresh_window", NULL };
	char why[300], *v;
	size_t i, n = 0;
	char **targets;
	int m, r = 0;

	for (i = 0; sched_keys[i]; i++) {
		struct sbx_schedule sc;

		m = sbx_json_member(&c->doc, node, sched_keys[i]);
		if (m < 0)
			continue;
		if ((r = sbx_jv_want(c, m, SBX_J_STR, sched_keys[i])))
			return r;
		v = sbx_jv_str(c, m);
		if (sbx_schedule_parse(v, &sc, why, sizeof why))
			r = sbx_jv_at(c, m, 0, "%s: %s (for example \"Mon-Fri 08:00-18:00\")", sched_keys[i],
				      why);
		free(v);
		if (r)
			return r;
	}
	m = sbx_json_member(&c->doc, node, "timezone");
	if (m >= 0) {
		if ((r = sbx_jv_want(c, m, SBX_J_STR, "timezone")))
			return r;
		v = sbx_jv_str(c, m);
		if (!sbx_tz_valid(v, why, sizeof why))
			r = sbx_jv_at(c, m, 0, "%s%s", why, NULL);
		free(v);
		if (r)
			return r;
	}
	m = sbx_json_member(&c->doc, node, "max_active");
	if (m >= 0) {
		/* A whole number from 1 up, as written. */
		const char *p = c->doc.text + c->doc.n[m].start, *e = c->doc.text + c->doc.n[m].end;

		if (*p == '0' || p == e || (size_t)(e - p) > 9 || strspn(p, "0123456789") < (size_t)(e - p))
			return sbx_jv_at(c, m, 0, "max_active must be a whole number of at least 1%s%s",
					 NULL, NULL);
	}
	m = sbx_json_member(&c->doc, node, "auto_activate");
	if (m >= 0 && sbx_json_member(&c->doc, node, "active_hours") < 0)
		return sbx_jv_at(c, m, 1, "auto_activate needs \"active_hours\" (when to activate)%s%s",
				 NULL, NULL);
	targets = sbx_jv_member_strs(c, node, "notify", &n, &r);
	for (i = 0; !r && i < n; i++)
		if (!json_object_get(pc->notify, targets[i]))
			r = sbx_jv_at(c, sbx_json_member(&c->doc, node, "notify"), 0,
				      "no notification target \"%s\" in the top-level \"notify\"%s",
				      targets[i], NULL);
	sbx_jv_free_strs(targets, n);
	return r;
}

/* A notification target: a webhook (POST of JSON) or a program (JSON on
 * its stdin). */
static int check_target(struct sbx_jv *c, int node, void *ctx)
{
	static const char *const webhook_keys[] = { "type", "url", "token_env", "timeout", "retries",
						    "ca_file", NULL };
	static const char *const exec_keys[] = { "type", "program", "args", "timeout", NULL };
	char *type, *v;
	int r = sbx_jv_want(c, node, SBX_J_OBJ, "a notification target"), m;
	int64_t ms;

	(void)ctx;
	if (r)
		return r;
	type = sbx_jv_member_str(c, node, "type", "type", 1, &r);
	if (r)
		return r;
	if ((!strcmp(type, "webhook") && (r = sbx_jv_known(c, node, webhook_keys, "webhook setting"))) ||
	    (!strcmp(type, "exec") && (r = sbx_jv_known(c, node, exec_keys, "exec target setting")))) {
		free(type);
		return r;
	}
	if (!strcmp(type, "webhook")) {
		v = sbx_jv_member_str(c, node, "url", "url", 1, &r);
		if (!r && strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
			r = sbx_jv_at(c, sbx_json_member(&c->doc, node, "url"), 0,
				      "\"%s\" is not an http:// or https:// URL%s", v, NULL);
		free(v);
	} else if (!strcmp(type, "exec")) {
		v = sbx_jv_member_str(c, node, "program", "program", 1, &r);
		if (!r && *v != '/')
			r = sbx_jv_at(c, sbx_json_member(&c->doc, node, "program"), 0,
				      "\"%s\" must be an absolute path%s", v, NULL);
		free(v);
		if (!r && (m = sbx_json_member(&c->doc, node, "args")) >= 0) {
			size_t n = 0;
			char **a = sbx_jv_member_strs(c, node, "args", &n, &r);

			sbx_jv_free_strs(a, n);
		}
	} else {
		r = sbx_jv_at(c, sbx_json_member(&c->doc, node, "type"), 0,
			      "unknown notification type \"%s\" (webhook, exec)%s", type, NULL);
	}
	free(type);
	if (!r && (m = sbx_json_member(&c->doc, node, "timeout")) >= 0) {
		if (!(r = sbx_jv_want(c, m, SBX_J_STR, "timeout"))) {
			v = sbx_jv_str(c, m);
			if (sbx_parse_duration(v, &ms) || ms < 1)
				r = sbx_jv_at(c, m, 0, "\"%s\" is not a duration (10s, 2m)%s", v, NULL);
			free(v);
		}
	}
	if (!r && (m = sbx_json_member(&c->doc, node, "retries")) >= 0) {
		const char *p = c->doc.text + c->doc.n[m].start, *e = c->doc.text + c->doc.n[m].end;

		if (c->doc.n[m].type != SBX_J_NUM || e - p > 2 ||
		    strspn(p, "0123456789") < (size_t)(e - p) || atoi(p) > 20)
			r = sbx_jv_at(c, m, 0, "retries must be a whole number from 0 to 20%s%s", NULL, NULL);
	}
	if (!r && (m = sbx_json_member(&c->doc, node, "token_env")) >= 0)
		r = sbx_jv_want(c, m, SBX_J_STR, "token_env");
	if (!r && (m = sbx_json_member(&c->doc, node, "ca_file")) >= 0)
		r = sbx_jv_want(c, m, SBX_J_STR, "ca_file");
	return r;
}

static int check_purpose(struct sbx_jv *c, int node, void *ctx)
{
	struct pctx *pc = ctx;
	int r = sbx_jv_want(c, node, SBX_J_OBJ, "a purpose"), m;
	size_t i;

	if (r || (r = sbx_jv_known(c, node, purpose_keys, "purpose setting")))
		return r;
	for (i = 0; duration_keys[i]; i++) {
		int64_t ms;
		char *v;

		m = sbx_json_member(&c->doc, node, duration_keys[i]);
		if (m < 0)
			continue;
		if ((r = sbx_jv_want(c, m, SBX_J_STR, duration_keys[i])))
			return r;
		v = sbx_jv_str(c, m);
		if (sbx_parse_duration(v, &ms))
			r = sbx_jv_at(c, m, 0, "\"%s\" is not a duration (90s, 15m, 2h, 30d)%s", v, NULL);
		free(v);
		if (r)
			return r;
	}
	m = sbx_json_member(&c->doc, node, "provider");
	if (m >= 0) {
		char *v;

		if ((r = sbx_jv_want(c, m, SBX_J_STR, "provider")))
			return r;
		v = sbx_jv_str(c, m);
		if (!json_object_get(pc->providers, v))
			r = sbx_jv_at(c, m, 0, "no provider \"%s\" in \"providers\"%s", v, NULL);
		free(v);
		if (r)
			return r;
	}
	m = sbx_json_member(&c->doc, node, "vars");
	if (m >= 0) {
		size_t k;

		if ((r = sbx_jv_want(c, m, SBX_J_OBJ, "vars")))
			return r;
		for (k = (size_t)m + 1; k < c->doc.len && c->doc.n[k].start < c->doc.n[m].end; k++)
			if (c->doc.n[k].parent == m && (r = sbx_jv_want(c, (int)k, SBX_J_STR, "a variable")))
				return r;
	}
	m = sbx_json_member(&c->doc, node, "max_active");
	if (m >= 0 && (r = sbx_jv_want(c, m, SBX_J_NUM, "max_active")))
		return r;
	if ((r = check_schedules(c, node, pc)))
		return r;
	m = sbx_json_member(&c->doc, node, "auto_activate");
	if (m >= 0 && (r = sbx_jv_want(c, m, SBX_J_TRUE, "auto_activate")))
		return r;
	m = sbx_json_member(&c->doc, node, "overlay");
	if (m >= 0 && (r = sbx_jv_want(c, m, SBX_J_STR, "overlay")))
		return r;
	m = sbx_json_member(&c->doc, node, "rates");
	if (m >= 0) {
		int amount, currency;

		if ((r = check_rates(c, m, &amount, &currency)))
			return r;
		/* Without its own currency, the provider's rates must give one. */
		if (amount && !currency) {
			const char *prov = json_string_value(json_object_get(
				json_object_get(pc->root_purposes, c->doc.n[node].key), "provider"));

			if (!prov)
				prov = "local";
			if (!json_is_string(json_object_get(json_object_get(json_object_get(pc->providers,
				prov), "rates"), "currency")))
				return sbx_jv_at(c, m, 0, "rates need a \"currency\" (three capital letters, "
						 "such as \"EUR\"), here or in the rates of provider \"%s\"%s",
						 prov, NULL);
		}
	}
	return 0;
}

static int validate(struct sbx_config *cfg, const char *name, const char *text, size_t len,
		    struct sbx_err *err)
{
	static const char *const known[] = { "providers", "purposes", "notify", "secrets_file", NULL };
	struct sbx_jv c = { name, { 0 }, err };
	struct pctx pc;
	int r, m;

	r = sbx_json_scan(name, text, len, &c.doc, err);
	if (r)
		return r;
	if ((r = sbx_jv_want(&c, 0, SBX_J_OBJ, "the configuration")) ||
	    (r = sbx_jv_known(&c, 0, known, "setting")))
		goto out;
	m = sbx_json_member(&c.doc, 0, "providers");
	if (m >= 0 && ((r = sbx_jv_want(&c, m, SBX_J_OBJ, "providers")) ||
		       (r = each_member(&c, m, check_provider, NULL))))
		goto out;
	pc.providers = json_object_get(cfg->root, "providers");
	pc.notify = json_object_get(cfg->root, "notify");
	m = sbx_json_member(&c.doc, 0, "notify");
	if (m >= 0 && ((r = sbx_jv_want(&c, m, SBX_J_OBJ, "notify")) ||
		       (r = each_member(&c, m, check_target, NULL))))
		goto out;
	pc.root_purposes = json_object_get(cfg->root, "purposes");
	m = sbx_json_member(&c.doc, 0, "purposes");
	if (m >= 0 && ((r = sbx_jv_want(&c, m, SBX_J_OBJ, "purposes")) ||
		       (r = each_member(&c, m, check_purpose, &pc))))
		goto out;
	m = sbx_json_member(&c.doc, 0, "secrets_file");
	if (m >= 0)
		r = sbx_jv_want(&c, m, SBX_J_STR, "secrets_file");
out:
	sbx_json_release(&c.doc);
	return r;
}

int sbx_config_load(const char *store_path, const char *path, struct sbx_config **out,
		    struct sbx_err *err)
{
	struct sbx_config *cfg = sbx_xcalloc(1, sizeof *cfg);
	struct sbx_buf def = SBX_BUF_INIT;
	char *text = NULL;
	size_t len;
	json_error_t je;
	const char *k;
	json_t *v;
	int r;

	*out = NULL;
	cfg->store_path = sbx_xstrdup(store_path);
	if (path) {
		cfg->path = sbx_xstrdup(path);
	} else {
		sbx_buf_addf(&def, "%s/config.json", store_path);
		cfg->path = sbx_buf_detach(&def, NULL);
	}
	r = sbx_read_file(cfg->path, MAX_CONFIG, &text, &len, NULL);
	if (r == SBX_ENOTFOUND && !path) {
		/* No config: one local provider inside the store. */
		sbx_buf_addf(&def, "{\"providers\": {\"local\": {\"type\": \"local\", \"root\": \"%s/sandboxes\"}}}",
			     store_path);
		text = sbx_buf_detach(&def, &len);
		r = 0;
	} else if (r) {
		r = sbx_err_set(err, r == SBX_ENOTFOUND ? SBX_ENOTFOUND : SBX_EIO,
				"cannot read the configuration '%s'", cfg->path);
		goto fail;
	}
	cfg->root = json_loadb(text, len, 0, &je);
	if (!cfg->root) {
		r = sbx_err_set(err, SBX_ESYNTAX, "%s:%d:%d: %s", cfg->path, je.line, je.column, je.text);
		goto fail;
	}
	r = validate(cfg, cfg->path, text, len, err);
	if (r)
		goto fail;
	if (!json_object_get(cfg->root, "providers"))
		json_object_set_new(cfg->root, "providers", json_object());
	if (!json_object_get(cfg->root, "purposes"))
		json_object_set_new(cfg->root, "purposes", json_object());
	/* Every provider is made once here, so that a bad setting is found by
	 * `config check` and not halfway through an operation. */
	json_object_foreach(json_object_get(cfg->root, "providers"), k, v) {
		struct sbx_provider *p;
		/* "rates" are the configuration's, checked above: the provider
		 * gets its own settings only. */
		json_t *own = json_is_object(v) ? json_copy(v) : json_incref(v);

		if (json_is_object(own))
			json_object_del(own, "rates");
		r = sbx_provider_new(k, own, cfg->path, &p, err);
		json_decref(own);
		if (r)
			goto fail;
		cfg->providers = sbx_xrealloc(cfg->providers, (cfg->nproviders + 1) * sizeof *cfg->providers);
		cfg->providers[cfg->nproviders++] = p;
	}
	free(text);
	*out = cfg;
	return 0;
fail:
	free(text);
	sbx_config_free(cfg);
	return r;
}

void sbx_config_free(struct sbx_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nproviders; i++)
		sbx_provider_free(c->providers[i]);
	free(c->providers);
	json_decref(c->root);
	free(c->path);
	free(c->store_path);
	free(c);
}

struct sbx_provider *sbx_config_provider(const struct sbx_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nproviders; i++)
		if (!strcmp(c->providers[i]->name, name))
			return c->providers[i];
	return NULL;
}

json_t *sbx_config_purpose(const struct sbx_config *c, const char *purpose)
{
	return json_object_get(json_object_get(c->root, "purposes"), purpose);
}

json_t *sbx_config_secrets(const struct sbx_config *c, struct sbx_err *err)
{
	const char *path = json_string_value(json_object_get(c->root, "secrets_file"));
	json_error_t je;
	struct stat st;
	json_t *s;

	if (!path)
		return json_object();
	if (stat(path, &st) < 0) {
		sbx_err_sys(err, SBX_EIO, "cannot read the secrets file '%s'", path);
		return NULL;
	}
	if (st.st_mode & 077) {
		sbx_err_set(err, SBX_ECONFLICT, "the secrets file '%s' is readable by others (mode %o); "
			    "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	s = json_load_file(path, 0, &je);
	if (!json_is_object(s)) {
		json_decref(s);
		sbx_err_set(err, SBX_ESYNTAX, "%s:%d:%d: %s", path, je.line, je.column,
			    s ? "the secrets file must be an object of RULE: value" : je.text);
		return NULL;
	}
	return s;
}

json_t *sbx_config_summary(const struct sbx_config *c)
{
	json_t *o = json_object(), *prov = json_object();
	size_t i;

	for (i = 0; i < c->nproviders; i++)
		json_object_set_new(prov, c->providers[i]->name, json_string(c->providers[i]->ops->type));
	json_object_set_new(o, "config", json_string(c->path));
	json_object_set_new(o, "providers", prov);
	json_object_set(o, "purposes", json_object_get(c->root, "purposes"));
	return o;
}
