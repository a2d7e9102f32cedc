/* What a purpose's lifecycle policy asks of one sandbox at a given time:
 * the notices and the action due now, and the next one to come.  Pure, so
 * that `sbx tick` is deterministic and `sbx status` can say what comes
 * next and why.
 *
 * The rules, in order (at most one action per sandbox and tick):
 *   - a sandbox left mid-transition is recovered;
 *   - past its ttl, it is destroyed (warned warn_before ahead);
 *   - inactive for destroy_after_inactive, it is destroyed, but only once a
 *     notice went out warn_before (default 24h) earlier;
 *   - active and idle for idle_after, it is deactivated (warned
 *     warn_before ahead: a touch moves the deadline, and the warning with
 *     it);
 *   - active when the active hours closed (and activated before they did:
 *     an activation after hours is left to the idle rule), it is
 *     deactivated; with auto_activate, inactive at the start of a window
 *     (and not deactivated since), it is activated;
 *   - when its master has a newer version, a notice goes out notify_before
 *     the refresh window, and inside the window an inactive sandbox with
 *     nothing unexported is refreshed; otherwise the owner is told why not.
 * A sandbox kept (`sbx keep`) is left alone until its hold expires. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lifecycle/lifecycle.h"
#include "util/timeutil.h"

#define NS 1000000000LL
#define DEFAULT_DESTROY_NOTICE (24 * 3600 * NS)

static int64_t duration_ns(json_t *purpose, const char *key)
{
	int64_t ms;

	if (sbx_parse_duration(json_string_value(json_object_get(purpose, key)), &ms))
		return 0;
	return ms * 1000000;
}

void sbx_lpolicy_get(const struct sbx_config *c, const char *purpose, struct sbx_lpolicy *p)
{
	json_t *pp = purpose ? sbx_config_purpose(c, purpose) : NULL;
	char why[300];

	memset(p, 0, sizeof *p);
	p->tz = "UTC";
	if (!pp)
		return;
	p->idle_after = duration_ns(pp, "idle_after");
	p->warn_before = duration_ns(pp, "warn_before");
	p->ttl = duration_ns(pp, "ttl");
	p->destroy_after_inactive = duration_ns(pp, "destroy_after_inactive");
	p->notify_before = duration_ns(pp, "notify_before");
	p->hours_text = json_string_value(json_object_get(pp, "active_hours"));
	p->refresh_text = json_string_value(json_object_get(pp, "refresh_window"));
	p->has_hours = p->hours_text && !sbx_schedule_parse(p->hours_text, &p->hours, why, sizeof why);
	p->has_refresh = p->refresh_text &&
			 !sbx_schedule_parse(p->refresh_text, &p->refresh, why, sizeof why);
	p->auto_activate = json_is_true(json_object_get(pp, "auto_activate"));
	p->max_active = (long)json_integer_value(json_object_get(pp, "max_active"));
	if (json_is_string(json_object_get(pp, "timezone")))
		p->tz = json_string_value(json_object_get(pp, "timezone"));
	p->notify = json_object_get(pp, "notify");
}

const char *sbx_plan_act_name(enum sbx_plan_act a)
{
	static const char *const names[] = { "notice", "recover", "destroy", "deactivate", "refresh",
					      "activate", "resume" };

	return names[a];
}

/* ---- reading the record ---- */

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A time field of REC ("activated", ...) in ns, or 0. */
static int64_t time_of(json_t *rec, const char *k)
{
	int64_t t;

	if (!str(rec, k) || sbx_parse_time(str(rec, k), 0, &t))
		return 0;
	return t;
}

/* When notice KEY went out, or 0. */
static int64_t sent(json_t *rec, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(rec, "notices"), key));
}

/* ---- formatting ---- */

static const char *iso(int64_t t, char out[32])
{
	sbx_time_iso(t, out);
	return out;
}

/* "2h 5m", "3d 4h", "45s". */
static const char *span(int64_t ns, char out[32])
{
	int64_t s = ns / NS;

	if (s < 0)
		s = 0;
	if (s >= 86400 && s % 86400 / 3600)
		snprintf(out, 32, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 86400)
		snprintf(out, 32, "%lldd", (long long)(s / 86400));
	else if (s >= 3600 && s % 3600 / 60)
		snprintf(out, 32, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 3600)
		snprintf(out, 32, "%lldh", (long long)(s / 3600));
	else if (s >= 60 && s % 60)
		snprintf(out, 32, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s >= 60)
		snprintf(out, 32, "%lldm", (long long)(s / 60));
	else
		snprintf(out, 32, "%llds", (long long)s);
	return out;
}

static struct sbx_plan_item *add(struct sbx_plan *p, enum sbx_plan_act act, const char *kind,
				 int64_t due)
{
	struct sbx_plan_item *it = &p->item[p->n++];

	memset(it, 0, sizeof *it);
	it->act = act;
	it->kind = kind;
	it->due = due;
	return it;
}

static void notice(struct sbx_plan *p, const char *kind, int64_t due, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void notice(struct sbx_plan *p, const char *kind, int64_t due, const char *fmt, ...)
{
	struct sbx_plan_item *it = add(p, SBX_PLAN_NOTICE, kind, due);
	char t[32];
	va_list ap;

	snprintf(it->key, sizeof it->key, "%s@%s", kind, iso(due, t));
	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof it->reason, fmt, ap);
	va_end(ap);
}

/* Remembers the earliest action to come. */
static void next(struct sbx_plan *p, enum sbx_plan_act act, const char *kind, int64_t due,
		 const char *reason)
{
	if (p->has_next && p->next.due <= due)
		return;
	memset(&p->next, 0, sizeof p->next);
	p->next.act = act;
	p->next.kind = kind;
	p->next.due = due;
	snprintf(p->next.reason, sizeof p->next.reason, "%s", reason);
	p->has_next = 1;
}

/* ---- the rules ---- */

static int rule_ttl(const struct sbx_plan_in *in, struct sbx_plan *p, int64_t created)
{
	const struct sbx_lpolicy *pol = in->pol;
	int64_t due = created + pol->ttl;
	char a[32], b[32], d[32];

	if (!pol->ttl || !created)
		return 0;
	if (in->now >= due) {
		snprintf(add(p, SBX_PLAN_DESTROY, "ttl", due)->reason, sizeof p->item[0].reason,
			 "its ttl of %s ran out at %s (created %s)", span(pol->ttl, d), iso(due, a),
			 iso(created, b));
		return 1;
	}
	if (pol->warn_before && in->now >= due - pol->warn_before) {
		char key[96];

		snprintf(key, sizeof key, "ttl@%s", iso(due, a));
		if (!sent(in->rec, key))
			notice(p, "ttl", due, "will be destroyed at %s, when its ttl of %s runs out; "
			       "unexported changes are exported first", a, span(pol->ttl, d));
	}
	snprintf(d, sizeof d, "ttl %s", span(pol->ttl, b));
	next(p, SBX_PLAN_DESTROY, "ttl", due, d);
	return 0;
}

static int rule_inactive(const struct sbx_plan_in *in, struct sbx_plan *p, int64_t created)
{
	const struct sbx_lpolicy *pol = in->pol;
	int64_t since = time_of(in->rec, "deactivated"), lead, due, when;
	char a[32], b[32], d[32], key[96];

	if (!pol->destroy_after_inactive || strcmp(str(in->rec, "state"), "inactive"))
		return 0;
	if (!since || since < time_of(in->rec, "activated"))
		since = created;
	if (!since)
		return 0;
	lead = pol->warn_before ? pol->warn_before : DEFAULT_DESTROY_NOTICE;
	due = since + pol->destroy_after_inactive;
	snprintf(key, sizeof key, "inactive@%s", iso(due, a));
	when = sent(in->rec, key);
	if (!when && in->now >= due - lead) {
		notice(p, "inactive", due, "inactive since %s: will be destroyed at %s unless "
		       "activated (destroy_after_inactive %s); unexported changes are exported first",
		       iso(since, b), a, span(pol->destroy_after_inactive, d));
		/* The notice must have had its time before anything goes. */
		when = in->now;
	}
	if (when && in->now >= due && in->now >= when + lead) {
		snprintf(add(p, SBX_PLAN_DESTROY, "inactive", due)->reason, sizeof p->item[0].reason,
			 "inactive since %s, longer than destroy_after_inactive %s (notice sent %s)",
			 iso(since, b), span(pol->destroy_after_inactive, d), iso(when, a));
		return 1;
	}
	snprintf(d, sizeof d, "inactive for %s", span(pol->destroy_after_inactive, b));
	next(p, SBX_PLAN_DESTROY, "inactive", when && when + lead > due ? when + lead : due, d);
	return 0;
}

static int rule_idle(const struct sbx_plan_in *in, struct sbx_plan *p)
{
	const struct sbx_lpolicy *pol = in->pol;
	int64_t due = in->activity + pol->idle_after;
	char a[32], b[32], d[32], key[96];

	if (!pol->idle_after || !in->activity || strcmp(str(in->rec, "state"), "active"))
		return 0;
	if (in->now >= due) {
		snprintf(add(p, SBX_PLAN_DEACTIVATE, "idle", due)->reason, sizeof p->item[0].reason,
			 "idle for %s, longer than idle_after %s (last activity: %s at %s)",
			 span(in->now - in->activity, d), span(pol->idle_after, b), in->activity_what,
			 iso(in->activity, a));
		return 1;
	}
	if (pol->warn_before && in->now >= due - pol->warn_before) {
		snprintf(key, sizeof key, "idle@%s", iso(due, a));
		if (!sent(in->rec, key))
			notice(p, "idle", due, "will be deactivated at %s unless touched: idle since %s "
			       "(last activity: %s)", a, iso(in->activity, b), in->activity_what);
	}
	snprintf(d, sizeof d, "idle_after %s", span(pol->idle_after, b));
	next(p, SBX_PLAN_DEACTIVATE, "idle", due, d);
	return 0;
}

static int rule_hours(const struct sbx_plan_in *in, struct sbx_plan *p)
{
	const struct sbx_lpolicy *pol = in->pol;
	const char *state = str(in->rec, "state");
	int64_t ws, we, last;
	char a[32], why[200];
	int inside;

	if (!pol->has_hours)
		return 0;
	inside = sbx_schedule_window(&pol->hours, pol->tz, in->now, &ws, &we);
	if (inside < 0)
		return 0;
	snprintf(why, sizeof why, "active hours %s (%s)", pol->hours_text, pol->tz);
	if (!strcmp(state, "active")) {
		if (inside == 1) {
			next(p, SBX_PLAN_DEACTIVATE, "hours", we, why);
			return 0;
		}
		last = sbx_schedule_last_end(&pol->hours, pol->tz, in->now);
		if (last != INT64_MIN && time_of(in->rec, "activated") < last) {
			snprintf(add(p, SBX_PLAN_DEACTIVATE, "hours", last)->reason,
				 sizeof p->item[0].reason, "outside its %s: they ended at %s", why,
				 iso(last, a));
			return 1;
		}
		return 0;
	}
	if (strcmp(state, "inactive") || !pol->auto_activate)
		return 0;
	if (inside == 1) {
		int64_t acted = time_of(in->rec, "activated");

		if (time_of(in->rec, "deactivated") > acted)
			acted = time_of(in->rec, "deactivated");
		if (acted < ws) {
			snprintf(add(p, SBX_PLAN_ACTIVATE, "hours", ws)->reason, sizeof p->item[0].reason,
				 "its %s began at %s (auto_activate)", why, iso(ws, a));
			return 1;
		}
		/* Deactivated by hand inside the window: the next one. */
		if (sbx_schedule_window(&pol->hours, pol->tz, we, &ws, &we) < 0)
			return 0;
	}
	next(p, SBX_PLAN_ACTIVATE, "hours", ws, why);
	return 0;
}

static int rule_refresh(const struct sbx_plan_in *in, struct sbx_plan *p)
{
	const struct sbx_lpolicy *pol = in->pol;
	json_t *base = sbx_sandbox_master_base(in->rec);
	const char *master = str(base, "master");
	long long have = (long long)json_integer_value(json_object_get(base, "version"));
	int64_t ws, we, when;
	char a[32], b[32], key[96], why[200];
	int inside;

	if (!pol->has_refresh || !master || in->latest <= have)
		return 0;
	inside = sbx_schedule_window(&pol->refresh, pol->tz, in->now, &ws, &we);
	if (inside < 0)
		return 0;
	snprintf(key, sizeof key, "refresh@%s", iso(ws, a));
	when = sent(in->rec, key);
	/* With notify_before, a window counts only when its notice went out
	 * before it opened; else the owner hears of the next one. */
	if (inside == 1 && pol->notify_before && !(when && when < ws)) {
		if (sbx_schedule_window(&pol->refresh, pol->tz, we, &ws, &we) < 0)
			return 0;
		inside = 0;
		snprintf(key, sizeof key, "refresh@%s", iso(ws, a));
		when = sent(in->rec, key);
	}
	snprintf(why, sizeof why, "refresh to %s version %lld (now on %lld) in the window %s (%s)",
		 master, in->latest, have, pol->refresh_text, pol->tz);
	if (inside == 0) {
		if (pol->notify_before && !when && in->now >= ws - pol->notify_before)
			notice(p, "refresh", ws, "will be refreshed to %s version %lld (now on %lld) "
			       "between %s and %s; export or promote its changes before then",
			       master, in->latest, have, a, iso(we, b));
		if (pol->notify_before && !when && in->now < ws - pol->notify_before)
			next(p, SBX_PLAN_NOTICE, "refresh", ws - pol->notify_before, why);
		else
			next(p, SBX_PLAN_REFRESH, "refresh", ws, why);
		return 0;
	}
	if (!strcmp(str(in->rec, "state"), "inactive") && !sbx_sandbox_unexported(in->rec)) {
		snprintf(add(p, SBX_PLAN_REFRESH, "refresh", ws)->reason, sizeof p->item[0].reason,
			 "%s", why);
		return 1;
	}
	snprintf(key, sizeof key, "refresh-skipped@%s", iso(ws, a));
	if (!sent(in->rec, key))
		notice(p, "refresh-skipped", ws, "not refreshed to %s version %lld in the window "
		       "opened at %s: %s", master, in->latest, a,
		       strcmp(str(in->rec, "state"), "inactive") ? "it is active; deactivate it to "
		       "take the refresh in a later window" : "it holds changes not exported; export "
		       "them (sbx export), or drop them (sbx refresh --force)");
	return 0;
}

void sbx_plan_sandbox(const struct sbx_plan_in *in, struct sbx_plan *p)
{
	const char *state = str(in->rec, "state");
	json_t *keep = json_object_get(in->rec, "keep");
	int64_t created = time_of(in->rec, "created");
	int64_t until = json_integer_value(json_object_get(keep, "until_ns"));
	char a[32];

	memset(p, 0, sizeof *p);
	if (!state || !strcmp(state, "destroyed"))
		return;
	if (sbx_state_transient(state)) {
		snprintf(add(p, SBX_PLAN_RECOVER, "interrupted", in->now)->reason,
			 sizeof p->item[0].reason, "left %s by an interrupted operation", state);
		return;
	}
	if (until > in->now) {
		const char *why = str(keep, "reason");

		snprintf(p->next.reason, sizeof p->next.reason, "kept by %s until %s%s%s",
			 str(keep, "by") ? str(keep, "by") : "?", iso(until, a), why ? ": " : "",
			 why ? why : "");
		p->next.act = SBX_PLAN_RESUME;
		p->next.kind = "keep";
		p->next.due = until;
		p->has_next = 1;
		return;
	}
	if (rule_ttl(in, p, created) || rule_inactive(in, p, created) || rule_idle(in, p) ||
	    rule_hours(in, p))
		return;
	rule_refresh(in, p);
}
