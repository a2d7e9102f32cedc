/* The scheduler: `sbx tick` evaluates every sandbox's lifecycle policy at
 * one time and performs what is due, as the actor "scheduler".
 *
 * It runs under the store's writer lock, so two ticks never both act and
 * nothing else changes a record while it works.  Each action is planned,
 * then planned again from a fresh read of the record and of the provider's
 * activity right before it runs: a sandbox used since the first look is
 * left alone.  A failure on one sandbox is reported and the others go on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lifecycle/lifecycle.h"
#include "sbx/master.h"
#include "sbx/snapshot.h"
#include "snapshot/refs.h"
#include "util/fsutil.h"
#include "util/timeutil.h"

#define NOTICE_KEEP_NS (90LL * 86400 * 1000000000)

/* The newest version of MASTER, cached in VERSIONS; 0 when unknown. */
static long long latest_version(struct sbx_store *s, json_t *versions, const char *master)
{
	json_t *ver = NULL;
	char id[65];
	long long v = 0;

	if (!master)
		return 0;
	if (json_object_get(versions, master))
		return (long long)json_integer_value(json_object_get(versions, master));
	if (sbx_master_version(s, master, &ver, id, NULL) == 0)
		v = (long long)json_integer_value(json_object_get(ver, "version"));
	json_decref(ver);
	json_object_set_new(versions, master, json_integer(v));
	return v;
}

void sbx_tick_plan(struct sbx_store *s, struct sbx_config *c, json_t *rec, int64_t now,
		   json_t *versions, const struct sbx_provider_usage *usage, struct sbx_lpolicy *pol,
		   struct sbx_plan *p)
{
	struct sbx_plan_in in;
	char what[128] = "";

	sbx_lpolicy_get(c, json_string_value(json_object_get(rec, "purpose")), pol);
	memset(&in, 0, sizeof in);
	in.rec = rec;
	in.pol = pol;
	in.now = now;
	/* Only an active sandbox with an idle rule needs its provider asked
	 * (with the user's time zone, not the last purpose's). */
	if (pol->idle_after) {
		if (!usage && !strcmp(json_string_value(json_object_get(rec, "state")) ?: "", "active"))
			sbx_tz_reset();
		in.activity = sbx_sandbox_activity(s, c, rec, usage, what, sizeof what);
	}
	in.activity_what = what;
	if (pol->has_refresh)
		in.latest = latest_version(s, versions, json_string_value(json_object_get(
			sbx_sandbox_master_base(rec), "master")));
	sbx_plan_sandbox(&in, p);
}

struct names {
	json_t *arr;
};

static int name_one(const char *ref, const char *text, void *ctx)
{
	struct names *n = ctx;
	const char *st;

	(void)ref;
	/* Cheap skip of the destroyed without parsing them. */
	if (strstr(text, "\"state\":\"destroyed\""))
		return 0;
	st = strchr(ref, '/');
	json_array_append_new(n->arr, json_string(st ? st + 1 : ref));
	return 0;
}

static json_t *report(json_t *actions, const char *name, const struct sbx_plan_item *it)
{
	json_t *a = json_pack("{s:s,s:s,s:s,s:s}", "sandbox", name, "action",
			      sbx_plan_act_name(it->act), "kind", it->kind, "reason", it->reason);

	json_array_append_new(actions, a);
	return a;
}

static int64_t sent_at(json_t *rec, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(rec, "notices"), key));
}

static void drop_old_notices(json_t *rec, int64_t now)
{
	json_t *n = json_object_get(rec, "notices"), *v;
	const char *k;
	void *tmp;

	json_object_foreach_safe(n, tmp, k, v)
		if (json_integer_value(v) < now - NOTICE_KEEP_NS)
			json_object_del(n, k);
}

/* Sends notice IT about REC to the purpose's targets and journals it; it
 * counts as sent (and is not sent again) only when every target took it. */
static int send_notice(struct sbx_store *s, struct sbx_config *c, json_t *rec,
		       const struct sbx_lpolicy *pol, const struct sbx_plan_item *it, int64_t now,
		       json_t *a, struct sbx_err *err)
{
	struct sbx_err nerr = { 0 };
	json_t *notice, *e, *v, *targets = json_is_array(pol->notify) ? pol->notify : NULL;
	char due[32], t[32];
	size_t i;
	int r, nr;

	sbx_time_iso(it->due, due);
	sbx_time_iso(now, t);
	notice = json_pack("{s:s,s:s,s:O,s:O,s:O,s:s,s:s,s:s}", "event", "sbx.notice", "kind", it->kind,
			   "sandbox", json_object_get(rec, "name"), "owner", json_object_get(rec, "owner"),
			   "purpose", json_object_get(rec, "purpose"), "due", due, "reason", it->reason,
			   "time", t);
	if (!json_is_object(json_object_get(rec, "notices")))
		json_object_set_new(rec, "notices", json_object());
	/* Each target once: after a partial failure, only those that did not
	 * take it get it again at the next tick. */
	nr = 0;
	sbx_tz_reset();
	json_array_foreach(targets, i, v) {
		struct sbx_err terr = { 0 };
		json_t *one;
		char key[160];

		snprintf(key, sizeof key, "%s>%s", it->key, json_string_value(v) ?: "");
		if (sent_at(rec, key))
			continue;
		one = json_pack("[O]", v);
		if (sbx_notify_send(c, one, notice, &terr) == 0)
			json_object_set_new(json_object_get(rec, "notices"), key, json_integer(now));
		else if (!nr++)
			nerr = terr;
		json_decref(one);
	}
	json_decref(notice);
	e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "op", "notice", "phase", "event", "kind", it->kind,
		      "due", due, "reason", it->reason, "result", nr ? "error" : "ok");
	if (nr) {
		json_object_set_new(e, "message", json_string(nerr.msg));
	} else {
		json_object_set_new(json_object_get(rec, "notices"), it->key, json_integer(now));
		drop_old_notices(rec, now);
	}
	json_object_set_new(a, "targets", targets ? json_incref(targets) : json_array());
	r = sbx_sandbox_save(s, rec, e, err);
	json_decref(e);
	if (!r && nr)
		r = sbx_err_set(err, nerr.code ? nerr.code : SBX_EFAIL, "%s", nerr.msg);
	return r;
}

/* Runs action IT on sandbox NAME once a fresh look confirms it is due. */
static int act(struct sbx_store *s, struct sbx_config *c, const char *name,
	       const struct sbx_plan_item *it, int64_t now, json_t *versions, json_t *a,
	       struct sbx_err *err)
{
	struct sbx_lpolicy pol;
	struct sbx_plan p;
	json_t *rec = NULL, *out = NULL;
	size_t i;
	int r;

	if (it->act == SBX_PLAN_RECOVER) {
		sbx_tz_reset();
		r = sbx_sandbox_recover(s, c, name, &out, err);
		goto out;
	}
	r = sbx_sandbox_load(s, name, &rec, err);
	if (r)
		goto out;
	sbx_tick_plan(s, c, rec, now, versions, NULL, &pol, &p);
	for (i = 0; i < p.n; i++)
		if (p.item[i].act == it->act && !strcmp(p.item[i].kind, it->kind))
			break;
	if (i == p.n) {
		json_object_set_new(a, "result", json_string("skipped"));
		json_object_set_new(a, "message", json_string("no longer due on a second look (new "
							      "activity or a change since)"));
		goto out;
	}
	/* Providers run with the user's time zone, not a purpose's. */
	sbx_tz_reset();
	switch (it->act) {
	case SBX_PLAN_DEACTIVATE:
	case SBX_PLAN_ACTIVATE:
		r = sbx_sandbox_do_why(s, c, name, sbx_plan_act_name(it->act), it->reason, &out, err);
		break;
	case SBX_PLAN_REFRESH:
		r = sbx_sandbox_refresh_why(s, c, name, NULL, 0, it->reason, &out, err);
		break;
	case SBX_PLAN_DESTROY:
		if (!strcmp(json_string_value(json_object_get(rec, "state")), "active")) {
			r = sbx_sandbox_do_why(s, c, name, "deactivate", "before it is destroyed", &out, err);
			json_decref(out);
			out = NULL;
			json_decref(rec);
			rec = NULL;
			if (r || (r = sbx_sandbox_load(s, name, &rec, err)))
				break;
		}
		if (sbx_sandbox_unexported(rec)) {
			char *file = NULL;

			r = sbx_sandbox_export(s, name, NULL, &file, err);
			if (r)
				break;
			json_object_set_new(a, "exported", json_string(file));
			free(file);
		}
		r = sbx_sandbox_do_why(s, c, name, "destroy", it->reason, &out, err);
		break;
	default:
		break;
	}
out:
	if (r == SBX_ECONFLICT && it->act == SBX_PLAN_ACTIVATE && rec) {
		/* max_active: not a failure of the scheduler but a limit kept,
		 * reported (and journaled) once per window. */
		char key[96], t[32];
		json_t *e;

		sbx_time_iso(it->due, t);
		snprintf(key, sizeof key, "refused@%s", t);
		json_object_set_new(a, "result", json_string("skipped"));
		json_object_set_new(a, "message", json_string(err->msg));
		if (sent_at(rec, key)) {
			json_object_set_new(a, "quiet", json_true());
			r = 0;
		} else {
			if (!json_is_object(json_object_get(rec, "notices")))
				json_object_set_new(rec, "notices", json_object());
			json_object_set_new(json_object_get(rec, "notices"), key, json_integer(now));
			e = json_pack("{s:s,s:s,s:s,s:s,s:s}", "op", "activate", "phase", "event", "result",
				      "refused", "reason", it->reason, "message", err->msg);
			memset(err, 0, sizeof *err);
			r = sbx_sandbox_save(s, rec, e, err);
			json_decref(e);
		}
		if (!r)
			memset(err, 0, sizeof *err);
	} else if (!json_object_get(a, "result")) {
		json_object_set_new(a, "result", json_string(r ? "failed" : "done"));
		if (r)
			json_object_set_new(a, "message", json_string(err->msg));
	}
	json_decref(out);
	json_decref(rec);
	return r;
}

int sbx_tick(struct sbx_store *s, struct sbx_config *c, int dry_run, json_t **actions,
	     struct sbx_err *err)
{
	struct names n = { json_array() };
	json_t *versions = json_object(), *planned = json_object(), *v;
	int64_t now = sbx_clock_ns();
	size_t i, failed = 0;
	int r;

	*actions = json_array();
	r = sbx_ref_list(s, "sandbox/", name_one, &n, err);
	if (r)
		goto out;
	sbx_actor_set("scheduler");
	json_array_foreach(n.arr, i, v) {
		const char *name = json_string_value(v);
		struct sbx_err e = { 0 };
		struct sbx_lpolicy pol;
		struct sbx_plan p;
		json_t *rec = NULL;
		size_t k;

		if (sbx_sandbox_load(s, name, &rec, &e)) {
			json_array_append_new(*actions, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "sandbox",
				name, "action", "read", "kind", "record", "reason", "cannot read its record",
				"result", "failed", "message", e.msg));
			failed++;
			continue;
		}
		sbx_tick_plan(s, c, rec, now, versions, NULL, &pol, &p);
		for (k = 0; k < p.n; k++) {
			const struct sbx_plan_item *it = &p.item[k];
			json_t *a = report(*actions, name, it);

			memset(&e, 0, sizeof e);
			if (dry_run) {
				json_object_set_new(a, "result", json_string("planned"));
				if (it->act == SBX_PLAN_ACTIVATE) {
					/* The activations planned before count: none ran. */
					const char *pp = json_string_value(json_object_get(rec, "purpose"));
					json_t *also = json_object_get(planned, pp ?: "");

					if (sbx_sandbox_room(s, c, rec, also, &e)) {
						json_object_set_new(a, "message", json_string(e.msg));
					} else {
						if (!also)
							json_object_set_new(planned, pp ?: "", also = json_array());
						json_array_append_new(also, json_string(name));
					}
				}
				continue;
			}
			if (it->act == SBX_PLAN_NOTICE) {
				if (send_notice(s, c, rec, &pol, it, now, a, &e)) {
					json_object_set_new(a, "result", json_string("failed"));
					json_object_set_new(a, "message", json_string(e.msg));
					failed++;
				} else {
					/* No target: the journal is where owners read it. */
					json_object_set_new(a, "result", json_string(
						json_array_size(json_object_get(a, "targets")) ? "sent" :
						"journaled"));
				}
				continue;
			}
			if (act(s, c, name, it, now, versions, a, &e))
				failed++;
			else if (json_is_true(json_object_get(a, "quiet")))
				json_array_remove(*actions, json_array_size(*actions) - 1);
		}
		json_decref(rec);
	}
	sbx_actor_set(NULL);
	if (failed)
		r = sbx_err_set(err, SBX_EFAIL, "%zu of %zu scheduled actions failed (see above)", failed,
				json_array_size(*actions));
out:
	json_decref(n.arr);
	json_decref(versions);
	json_decref(planned);
	return r;
}
