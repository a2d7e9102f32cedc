/* The lifecycle planner (lifecycle/plan.c): what a policy asks of one
 * sandbox at a given time.  Records and policies are built by hand; the
 * expected instants are worked out from the rules in plan.c's header. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lifecycle/lifecycle.h"
#include "sbx/clock.h"

#define H (3600LL * 1000000000)
#define M (60LL * 1000000000)

static int64_t at(const char *iso)
{
	int64_t t;

	assert_int_equal(sbx_parse_time(iso, 0, &t), 0);
	return t;
}

static json_t *record(const char *state, const char *created, const char *activated,
		      const char *deactivated)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:i,s:s}}", "name", "s1", "state", state,
			      "created", created, "snapshot", "aa", "clean_snapshot", "aa", "base",
			      "master", "acme", "version", 1, "snapshot", "aa");

	if (activated)
		json_object_set_new(r, "activated", json_string(activated));
	if (deactivated)
		json_object_set_new(r, "deactivated", json_string(deactivated));
	return r;
}

static void plan(json_t *rec, const struct sbx_lpolicy *pol, const char *now, int64_t activity,
		 long long latest, struct sbx_plan *p)
{
	struct sbx_plan_in in;

	memset(&in, 0, sizeof in);
	in.rec = rec;
	in.pol = pol;
	in.now = at(now);
	in.activity = activity;
	in.activity_what = "touch by alice";
	in.latest = latest;
	sbx_plan_sandbox(&in, p);
}

static void policy(struct sbx_lpolicy *pol)
{
	memset(pol, 0, sizeof *pol);
	pol->tz = "UTC";
}

static void mark_sent(json_t *rec, const char *key, const char *when)
{
	if (!json_object_get(rec, "notices"))
		json_object_set_new(rec, "notices", json_object());
	json_object_set_new(json_object_get(rec, "notices"), key, json_integer(at(when)));
}

static void test_idle(void **state)
{
	json_t *rec = record("active", "2027-01-04T08:00:00Z", "2027-01-04T09:00:00Z", NULL);
	int64_t act = at("2027-01-04T09:30:00Z");
	struct sbx_lpolicy pol;
	struct sbx_plan p;

	(void)state;
	policy(&pol);
	pol.idle_after = 2 * H;
	pol.warn_before = 15 * M;
	plan(rec, &pol, "2027-01-04T11:14:59Z", act, 0, &p);
	assert_int_equal(p.n, 0);
	assert_true(p.has_next);
	assert_int_equal(p.next.act, SBX_PLAN_DEACTIVATE);
	assert_int_equal(p.next.due, at("2027-01-04T11:30:00Z"));
	plan(rec, &pol, "2027-01-04T11:15:00Z", act, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_NOTICE);
	assert_string_equal(p.item[0].key, "idle@2027-01-04T11:30:00Z");
	mark_sent(rec, "idle@2027-01-04T11:30:00Z", "2027-01-04T11:15:00Z");
	plan(rec, &pol, "2027-01-04T11:29:59Z", act, 0, &p);
	assert_int_equal(p.n, 0);
	plan(rec, &pol, "2027-01-04T11:30:00Z", act, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_DEACTIVATE);
	assert_string_equal(p.item[0].kind, "idle");
	assert_non_null(strstr(p.item[0].reason, "touch by alice"));
	/* Newer activity moves the deadline and the warning with it. */
	plan(rec, &pol, "2027-01-04T11:30:00Z", at("2027-01-04T11:00:00Z"), 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.due, at("2027-01-04T13:00:00Z"));
	/* Inactive sandboxes are not idle. */
	json_object_set_new(rec, "state", json_string("inactive"));
	plan(rec, &pol, "2027-01-05T11:30:00Z", act, 0, &p);
	assert_int_equal(p.n, 0);
	json_decref(rec);
}

static void test_keep_and_recover(void **state)
{
	json_t *rec = record("active", "2027-01-04T08:00:00Z", "2027-01-04T09:00:00Z", NULL);
	struct sbx_lpolicy pol;
	struct sbx_plan p;

	(void)state;
	policy(&pol);
	pol.idle_after = H;
	json_object_set_new(rec, "keep", json_pack("{s:I,s:s}", "until_ns",
		(json_int_t)at("2027-01-04T15:00:00Z"), "by", "carol"));
	plan(rec, &pol, "2027-01-04T14:59:00Z", at("2027-01-04T09:00:00Z"), 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.act, SBX_PLAN_RESUME);
	assert_int_equal(p.next.due, at("2027-01-04T15:00:00Z"));
	plan(rec, &pol, "2027-01-04T15:00:00Z", at("2027-01-04T09:00:00Z"), 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_DEACTIVATE);
	json_object_set_new(rec, "state", json_string("deactivating"));
	plan(rec, &pol, "2027-01-04T15:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_RECOVER);
	json_decref(rec);
}

static void test_hours(void **state)
{
	json_t *rec = record("active", "2027-01-04T06:00:00Z", "2027-01-04T07:00:00Z", NULL);
	struct sbx_lpolicy pol;
	struct sbx_plan p;
	char why[100];

	(void)state;
	policy(&pol);
	assert_int_equal(sbx_schedule_parse("Mon-Fri 08:00-18:00", &pol.hours, why, sizeof why), 0);
	pol.has_hours = 1;
	pol.hours_text = "Mon-Fri 08:00-18:00";
	pol.tz = "Europe/Berlin";
	pol.auto_activate = 1;
	plan(rec, &pol, "2027-01-04T16:59:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.due, at("2027-01-04T17:00:00Z"));
	plan(rec, &pol, "2027-01-04T17:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_DEACTIVATE);
	/* Activated by hand after hours: left to the idle rule. */
	json_object_set_new(rec, "activated", json_string("2027-01-04T19:00:00Z"));
	plan(rec, &pol, "2027-01-04T20:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	/* Inactive since the evening: activated at the next window's start. */
	json_object_set_new(rec, "state", json_string("inactive"));
	json_object_set_new(rec, "deactivated", json_string("2027-01-04T21:00:00Z"));
	plan(rec, &pol, "2027-01-05T06:59:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.act, SBX_PLAN_ACTIVATE);
	assert_int_equal(p.next.due, at("2027-01-05T07:00:00Z"));
	plan(rec, &pol, "2027-01-05T07:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_ACTIVATE);
	/* Deactivated by hand inside the window: the next window. */
	json_object_set_new(rec, "deactivated", json_string("2027-01-05T09:00:00Z"));
	plan(rec, &pol, "2027-01-05T10:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.due, at("2027-01-06T07:00:00Z"));
	json_decref(rec);
}

static void test_ttl_and_inactive(void **state)
{
	json_t *rec = record("inactive", "2027-01-04T09:00:00Z", "2027-01-04T09:00:00Z",
			     "2027-01-04T10:00:00Z");
	struct sbx_lpolicy pol;
	struct sbx_plan p;

	(void)state;
	policy(&pol);
	pol.destroy_after_inactive = 14 * 24 * H;
	pol.warn_before = 24 * H;
	plan(rec, &pol, "2027-01-17T09:59:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	/* Due, but never noticed: the notice first, the end a lead later. */
	plan(rec, &pol, "2027-01-18T10:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_NOTICE);
	assert_string_equal(p.item[0].key, "inactive@2027-01-18T10:00:00Z");
	mark_sent(rec, "inactive@2027-01-18T10:00:00Z", "2027-01-18T10:00:00Z");
	plan(rec, &pol, "2027-01-19T09:59:00Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.due, at("2027-01-19T10:00:00Z"));
	plan(rec, &pol, "2027-01-19T10:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_DESTROY);
	assert_string_equal(p.item[0].kind, "inactive");
	/* ttl first, whatever the state. */
	pol.ttl = 30 * 24 * H;
	json_object_set_new(rec, "state", json_string("active"));
	plan(rec, &pol, "2027-02-02T08:59:59Z", 0, 0, &p);
	assert_int_equal(p.n, 0);
	/* Warned warn_before ahead. */
	plan(rec, &pol, "2027-02-03T08:59:59Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_NOTICE);
	assert_string_equal(p.item[0].key, "ttl@2027-02-03T09:00:00Z");
	plan(rec, &pol, "2027-02-03T09:00:00Z", 0, 0, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_DESTROY);
	assert_string_equal(p.item[0].kind, "ttl");
	json_decref(rec);
}

static void test_refresh(void **state)
{
	json_t *rec = record("inactive", "2027-01-04T09:00:00Z", NULL, NULL);
	struct sbx_lpolicy pol;
	struct sbx_plan p;
	char why[100];

	(void)state;
	policy(&pol);
	assert_int_equal(sbx_schedule_parse("Sat 02:00-04:00", &pol.refresh, why, sizeof why), 0);
	pol.has_refresh = 1;
	pol.refresh_text = "Sat 02:00-04:00";
	pol.notify_before = 48 * H;
	/* Nothing newer: nothing to do. */
	plan(rec, &pol, "2027-01-09T02:30:00Z", 0, 1, &p);
	assert_int_equal(p.n, 0);
	assert_false(p.has_next);
	plan(rec, &pol, "2027-01-07T01:59:00Z", 0, 2, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.act, SBX_PLAN_NOTICE);
	plan(rec, &pol, "2027-01-07T02:00:00Z", 0, 2, &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.item[0].key, "refresh@2027-01-09T02:00:00Z");
	/* Inside the window without a notice before it: next week's. */
	plan(rec, &pol, "2027-01-09T02:30:00Z", 0, 2, &p);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next.due, at("2027-01-16T02:00:00Z") - 48 * H);
	mark_sent(rec, "refresh@2027-01-09T02:00:00Z", "2027-01-07T02:00:00Z");
	plan(rec, &pol, "2027-01-09T02:30:00Z", 0, 2, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_REFRESH);
	/* Unexported changes: a notice instead, once. */
	json_object_set_new(rec, "snapshot", json_string("bb"));
	plan(rec, &pol, "2027-01-09T02:30:00Z", 0, 2, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.item[0].act, SBX_PLAN_NOTICE);
	assert_string_equal(p.item[0].kind, "refresh-skipped");
	/* ... unless exported since. */
	json_object_set_new(rec, "exported", json_pack("{s:s}", "snapshot", "bb"));
	plan(rec, &pol, "2027-01-09T02:30:00Z", 0, 2, &p);
	assert_int_equal(p.item[0].act, SBX_PLAN_REFRESH);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_keep_and_recover),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_ttl_and_inactive),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
