/* The built-in providers, and the calls every provider shares. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"
#include "sbx/buf.h"
#include "util/timeutil.h"

extern const struct sbx_provider_ops sbx_local_ops;
extern const struct sbx_provider_ops sbx_exec_ops;
extern const struct sbx_provider_ops sbx_http_ops;

const struct sbx_provider_ops *const sbx_provider_types[] = {
	&sbx_local_ops,
	&sbx_exec_ops,
	&sbx_http_ops,
	NULL,
};

int sbx_provider_new(const char *name, json_t *settings, const char *config_path,
		     struct sbx_provider **out, struct sbx_err *err)
{
	const char *type = json_string_value(json_object_get(settings, "type"));
	struct sbx_buf known = SBX_BUF_INIT;
	struct sbx_provider *p;
	size_t i;
	int r;

	*out = NULL;
	for (i = 0; sbx_provider_types[i]; i++)
		if (type && !strcmp(sbx_provider_types[i]->type, type))
			break;
	if (!sbx_provider_types[i]) {
		for (i = 0; sbx_provider_types[i]; i++)
			sbx_buf_addf(&known, "%s%s", i ? ", " : "", sbx_provider_types[i]->type);
		r = sbx_err_set(err, SBX_ESYNTAX, "%s: provider '%s' has %s type%s%s%s (known: %s)",
				config_path, name, type ? "the unknown" : "no", type ? " '" : "",
				type ? type : "", type ? "'" : "", known.data);
		sbx_buf_release(&known);
		return r;
	}
	p = sbx_xcalloc(1, sizeof *p);
	p->ops = sbx_provider_types[i];
	p->name = sbx_xstrdup(name);
	p->settings = json_incref(settings);
	p->config_path = sbx_xstrdup(config_path);
	r = p->ops->init ? p->ops->init(p, err) : 0;
	if (r) {
		sbx_provider_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void sbx_provider_free(struct sbx_provider *p)
{
	if (!p)
		return;
	if (p->ops && p->ops->fini)
		p->ops->fini(p);
	json_decref(p->settings);
	free(p->name);
	free(p->config_path);
	free(p);
}

static int unsupported(struct sbx_provider *p, const char *verb, struct sbx_err *err)
{
	return sbx_err_set(err, SBX_ENOTSUP, "provider '%s:%s' cannot %s", p->ops->type, p->name, verb);
}

int sbx_provider_export(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
			struct sbx_err *err)
{
	if (!p->ops->export_)
		return unsupported(p, "export", err);
	return p->ops->export_(p, v, file, err);
}

int sbx_provider_import(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
			struct sbx_err *err)
{
	if (!p->ops->import)
		return unsupported(p, "import", err);
	return p->ops->import(p, v, file, err);
}

void sbx_provider_result_release(struct sbx_provider_result *res)
{
	free(res->provider_id);
	free(res->snapshot);
	res->provider_id = NULL;
	res->snapshot = NULL;
}

int sbx_provider_duration_ms(struct sbx_provider *p, const char *key, long def, long *out,
			     struct sbx_err *err)
{
	json_t *v = json_object_get(p->settings, key);
	int64_t ms;

	if (!v) {
		*out = def;
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (long)json_integer_value(v) * 1000;
		return 0;
	}
	if (!json_is_string(v) || sbx_parse_duration(json_string_value(v), &ms))
		return sbx_err_set(err, SBX_ESYNTAX, "%s: provider '%s': \"%s\" must be a duration "
				   "such as \"90s\", \"15m\" or \"2h\"", p->config_path, p->name, key);
	*out = (long)ms;
	return 0;
}
