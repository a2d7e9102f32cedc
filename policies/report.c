#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policies/report.h"
#include "sbx/buf.h"

/* Paths listed per rule; beyond this only the counts grow. */
#define MAX_PATHS 1000

struct line {
	char *action, *rule;
	size_t count, files;
	json_t *paths;
};

struct sbx_report {
	struct line *l;
	size_t n;
	size_t kept;
};

struct sbx_report *sbx_report_new(void)
{
	return sbx_xcalloc(1, sizeof(struct sbx_report));
}

void sbx_report_free(struct sbx_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->l[i].action);
		free(r->l[i].rule);
		json_decref(r->l[i].paths);
	}
	free(r->l);
	free(r);
}

void sbx_report_add(struct sbx_report *r, const char *action, const char *rule, const char *path,
		    size_t count)
{
	struct line *l = NULL;
	json_t *old;
	size_t i;

	if (!count)
		return;
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->l[i].action, action) && !strcmp(r->l[i].rule, rule))
			l = &r->l[i];
	if (!l) {
		r->l = sbx_xrealloc(r->l, (r->n + 1) * sizeof *r->l);
		l = &r->l[r->n++];
		l->action = sbx_xstrdup(action);
		l->rule = sbx_xstrdup(rule);
		l->count = l->files = 0;
		l->paths = json_object();
	}
	l->count += count;
	old = json_object_get(l->paths, path);
	if (old) {
		json_integer_set(old, json_integer_value(old) + (json_int_t)count);
		return;
	}
	l->files++;
	if (json_object_size(l->paths) < MAX_PATHS)
		json_object_set_new(l->paths, path, json_integer((json_int_t)count));
}

void sbx_report_kept(struct sbx_report *r)
{
	r->kept++;
}

size_t sbx_report_total(const struct sbx_report *r, const char *action)
{
	size_t i, t = 0;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->l[i].action, action))
			t += r->l[i].count;
	return t;
}

json_t *sbx_report_json(const struct sbx_report *r)
{
	json_t *o = json_object(), *rules = json_array();
	size_t i;

	json_object_set_new(o, "files_kept", json_integer((json_int_t)r->kept));
	json_object_set_new(o, "files_excluded", json_integer((json_int_t)sbx_report_total(r, "excluded")));
	json_object_set_new(o, "values_redacted", json_integer((json_int_t)sbx_report_total(r, "redacted")));
	json_object_set_new(o, "values_masked", json_integer((json_int_t)sbx_report_total(r, "masked")));
	json_object_set_new(o, "values_rewritten", json_integer((json_int_t)sbx_report_total(r, "rewritten")));
	json_object_set_new(o, "values_set", json_integer((json_int_t)sbx_report_total(r, "set")));
	for (i = 0; i < r->n; i++) {
		json_t *l = json_object();

		json_object_set_new(l, "action", json_string(r->l[i].action));
		json_object_set_new(l, "rule", json_string(r->l[i].rule));
		json_object_set_new(l, "count", json_integer((json_int_t)r->l[i].count));
		json_object_set_new(l, "files", json_integer((json_int_t)r->l[i].files));
		json_object_set(l, "paths", r->l[i].paths);
		json_array_append_new(rules, l);
	}
	json_object_set_new(o, "rules", rules);
	return o;
}
