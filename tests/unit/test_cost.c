/* Cost: money parsing and rounding, the journal scanner, and the report
 * computed from hand-made journal entries: clipping at the period's edges,
 * intervals cut at midnight, storage, savings, totals that agree across
 * groupings, currencies kept apart, the forecast. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lifecycle/jentry.h"
#include "lifecycle/money.h"
#include "sbx/cost.h"
#include "sbx/sandbox.h"
#include "util/timeutil.h"

static struct sbx_config *cfg;
static char dir[64];

static const char config_text[] =
	"{\"providers\": {\n"
	"  \"local\": {\"type\": \"local\", \"root\": \"/nonexistent/sbx-test\",\n"
	"            \"rates\": {\"stored_per_gb_month\": \"0.10\", \"currency\": \"EUR\"}},\n"
	"  \"cloud\": {\"type\": \"local\", \"root\": \"/nonexistent/sbx-cloud\",\n"
	"            \"rates\": {\"active_per_hour\": \"2.00\", \"currency\": \"USD\"}},\n"
	"  \"bare\": {\"type\": \"local\", \"root\": \"/nonexistent/sbx-bare\"}},\n"
	" \"purposes\": {\n"
	"  \"training\": {\"rates\": {\"active_per_hour\": \"0.42\", \"currency\": \"EUR\"}},\n"
	"  \"uat\": {\"rates\": {\"active_per_hour\": \"1.10\", \"currency\": \"EUR\"}},\n"
	"  \"one\": {\"rates\": {\"active_per_hour\": \"1.00\", \"stored_per_gb_month\": \"0\", \"currency\": \"EUR\"}},\n"
	"  \"tiny\": {\"rates\": {\"active_per_hour\": \"0.01\", \"stored_per_gb_month\": \"0\", \"currency\": \"EUR\"}},\n"
	"  \"odd\": {\"rates\": {\"active_per_hour\": \"0.333333\", \"stored_per_gb_month\": \"0.777777\", \"currency\": \"EUR\"}},\n"
	"  \"jp\": {\"rates\": {\"active_per_hour\": \"150\", \"stored_per_gb_month\": \"0\", \"currency\": \"JPY\"}},\n"
	"  \"kw\": {\"rates\": {\"active_per_hour\": \"0.125\", \"stored_per_gb_month\": \"0\", \"currency\": \"KWD\"}},\n"
	"  \"free\": {}\n"
	" }}\n";

static int setup(void **state)
{
	char path[128];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sbx-test-cost.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/config.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(config_text, f);
	fclose(f);
	return sbx_config_load(dir, path, &cfg, NULL);
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	sbx_config_free(cfg);
	snprintf(path, sizeof path, "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int64_t at(const char *iso)
{
	int64_t t;

	assert_int_equal(sbx_parse_time(iso, 0, &t), 0);
	return t;
}

/* ---- money ---- */

static void test_money_parse(void **state)
{
	static const struct {
		const char *s;
		int64_t micro;
	} good[] = {
		{ "0.42", 420000 }, { "12", 12000000 }, { "0.000001", 1 }, { "1.5", 1500000 },
		{ "0", 0 }, { "007.10", 7100000 }, { "999999999999.999999", 999999999999999999LL },
	};
	static const char *const bad[] = {
		"", "-1", "+1", "1e3", ".5", "5.", "1,5", "0.1234567", "1234567890123", "1 ", " 1",
		"0x10", "1.2.3", "NaN",
	};
	struct sbx_err err;
	int64_t m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(sbx_money_parse(good[i].s, &m, &err), 0);
		assert_true(m == good[i].micro);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(sbx_money_parse(bad[i], &m, &err), SBX_ESYNTAX);
		assert_true(err.msg[0] != '\0');
	}
	memset(&err, 0, sizeof err);
	sbx_money_parse("0.1234567", &m, &err);
	assert_non_null(strstr(err.msg, "more than 6 digits"));
}

static void test_currencies(void **state)
{
	(void)state;
	assert_true(sbx_currency_ok("EUR"));
	assert_false(sbx_currency_ok("eur"));
	assert_false(sbx_currency_ok("EURO"));
	assert_false(sbx_currency_ok("E1R"));
	assert_false(sbx_currency_ok(""));
	assert_int_equal(sbx_currency_exponent("EUR"), 2);
	assert_int_equal(sbx_currency_exponent("USD"), 2);
	assert_int_equal(sbx_currency_exponent("JPY"), 0);
	assert_int_equal(sbx_currency_exponent("KRW"), 0);
	assert_int_equal(sbx_currency_exponent("BHD"), 3);
	assert_int_equal(sbx_currency_exponent("KWD"), 3);
	assert_int_equal(sbx_currency_exponent("OMR"), 3);
	assert_int_equal(sbx_currency_exponent("JOD"), 3);
	assert_int_equal(sbx_currency_exponent("TND"), 3);
}

static void test_round_half_up(void **state)
{
	uint64_t v;
	sbx_u128 big;

	(void)state;
	/* Half goes up, whatever the parity (not banker's rounding). */
	assert_int_equal(sbx_muldiv_round(5, 1, 10, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sbx_muldiv_round(15, 1, 10, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sbx_muldiv_round(25, 1, 10, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(sbx_muldiv_round(49, 1, 100, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbx_muldiv_round(1, 1, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbx_muldiv_round(2, 1, 3, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sbx_muldiv_round(0, 7, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbx_muldiv_round(1, 1, 0, &v), -1);
	/* 3.5 hours at 0.42/h in cents: 3.5 h x 420000 micro x 100 / 10^6 / 1 h = 147. */
	assert_int_equal(sbx_muldiv_round((sbx_u128)12600000000000 * 100, 420000,
					  (sbx_u128)3600000000000 * 1000000, &v), 0);
	assert_int_equal(v, 147);
	/* The product beyond 128 bits: 2^100 x 2^40 / 2^90 = 2^50, and the
	 * half of 2^90 on top rounds up. */
	big = (sbx_u128)1 << 100;
	assert_int_equal(sbx_muldiv_round(big, (uint64_t)1 << 40, (sbx_u128)1 << 90, &v), 0);
	assert_true(v == (uint64_t)1 << 50);
	assert_int_equal(sbx_muldiv_round(big + ((sbx_u128)1 << 49), (uint64_t)1 << 40,
					  (sbx_u128)1 << 90, &v), 0);
	assert_true(v == ((uint64_t)1 << 50) + 1);
	assert_int_equal(sbx_muldiv_round(big + ((sbx_u128)1 << 49) - 1, (uint64_t)1 << 40,
					  (sbx_u128)1 << 90, &v), 0);
	assert_true(v == (uint64_t)1 << 50);
	/* A quotient beyond 64 bits is refused, not wrapped. */
	assert_int_equal(sbx_muldiv_round(big, (uint64_t)1 << 40, 1, &v), -1);
	assert_int_equal(sbx_muldiv_round((sbx_u128)1 << 64, 1, 1, &v), -1);
}

static void test_money_format(void **state)
{
	char s[32];

	(void)state;
	sbx_money_format(123, 2, s);
	assert_string_equal(s, "1.23");
	sbx_money_format(5, 2, s);
	assert_string_equal(s, "0.05");
	sbx_money_format(0, 2, s);
	assert_string_equal(s, "0.00");
	sbx_money_format(7, 0, s);
	assert_string_equal(s, "7");
	sbx_money_format(1234, 3, s);
	assert_string_equal(s, "1.234");
	sbx_money_format(UINT64_MAX, 2, s);
	assert_string_equal(s, "184467440737095516.15");
}

static void test_parse_time(void **state)
{
	int64_t now = at("2027-01-10T12:00:00Z"), t;

	(void)state;
	assert_int_equal(sbx_cost_parse_time("7d", now, &t), 0);
	assert_true(t == at("2027-01-03T12:00:00Z"));
	assert_int_equal(sbx_cost_parse_time("2h", now, &t), 0);
	assert_true(t == at("2027-01-10T10:00:00Z"));
	assert_int_equal(sbx_cost_parse_time("2027-01-04", now, &t), 0);
	assert_true(t == at("2027-01-04T00:00:00Z"));
	assert_int_equal(sbx_cost_parse_time("2027-01-04T09:30:00+01:00", now, &t), 0);
	assert_true(t == at("2027-01-04T08:30:00Z"));
	assert_int_equal(sbx_cost_parse_time("yesterday", now, &t), -1);
	assert_int_equal(sbx_cost_parse_time("2027-13-01", now, &t), -1);
	assert_true(sbx_cost_month_start(at("2027-02-28T23:59:59Z")) == at("2027-02-01T00:00:00Z"));
	assert_true(sbx_cost_month_start(at("2027-03-01T00:00:00Z")) == at("2027-03-01T00:00:00Z"));
}

/* ---- the journal scanner ---- */

static void test_jentry_scan(void **state)
{
	static const char text[] =
		"{\"actor\":\"scheduler\",\"extra\":{\"to\":\"nested\",\"a\":[1,{\"b\":\"}\"}]},"
		"\"message\":\"said \\\"hi\\\" \\\\\",\"op\":\"deactivate\",\"owner\":\"ana \\\"q\\\" "
		"\\u00e9\\ud83d\\ude00\",\"phase\":\"outcome\",\"seq\":12,\"stored_bytes\":1234,"
		"\"time_ns\":1799999999000000000,\"to\":\"inactive\",\"sandbox\":\"a-1\",\"ok\":true,"
		"\"none\":null,\"f\":1.5e3,\"z\":{\"sandbox\":\"evil\"}}";
	struct sbx_buf scratch = SBX_BUF_INIT;
	struct sbx_jentry e;

	(void)state;
	assert_int_equal(sbx_jentry_scan(text, strlen(text), &e, &scratch, 0), 0);
	assert_true(sbx_jfield_is(&e.actor, "scheduler"));
	assert_true(sbx_jfield_is(&e.op, "deactivate"));
	assert_true(sbx_jfield_is(&e.phase, "outcome"));
	assert_true(sbx_jfield_is(&e.to, "inactive"));
	assert_true(sbx_jfield_is(&e.sandbox, "a-1"));
	assert_true(sbx_jfield_is(&e.owner, "ana \"q\" \xc3\xa9\xf0\x9f\x98\x80"));
	assert_false(sbx_jfield_is(&e.to, "inactiv"));
	assert_false(sbx_jfield_is(&e.to, "inactivee"));
	assert_null(e.purpose.p);
	assert_true(e.has_stored_bytes && e.stored_bytes == 1234);
	assert_true(e.has_time_ns && e.time_ns == 1799999999000000000LL);
	/* Not objects, or cut short. */
	assert_int_equal(sbx_jentry_scan("[1]", 3, &e, &scratch, 0), -1);
	assert_int_equal(sbx_jentry_scan("{\"a\":\"b", 7, &e, &scratch, 0), -1);
	assert_int_equal(sbx_jentry_scan("{\"a\" 1}", 7, &e, &scratch, 0), -1);
	assert_int_equal(sbx_jentry_scan(text, strlen(text) - 1, &e, &scratch, 0), -1);
	assert_int_equal(sbx_jentry_scan("{}", 2, &e, &scratch, 0), 0);
	sbx_buf_release(&scratch);
}

/* ---- the report, from hand-made journals ---- */

struct journal {
	struct sbx_cost *c;
	const char *purpose, *owner, *provider;
	int64_t bytes;           /* -1: none in the entries */
};

static void put(struct journal *j, const char *sandbox, const char *iso, const char *op,
		const char *phase, const char *to, const char *result, const char *actor)
{
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s}", "sandbox", sandbox, "time", iso,
			      "op", op, "phase", phase, "actor", actor ? actor : "ana", "time_ns",
			      (json_int_t)at(iso), "purpose", j->purpose, "owner", j->owner,
			      "provider", j->provider);
	char *s;

	if (to)
		json_object_set_new(e, "to", json_string(to));
	if (result)
		json_object_set_new(e, "result", json_string(result));
	if (j->bytes >= 0)
		json_object_set_new(e, "stored_bytes", json_integer(j->bytes));
	s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	sbx_cost_add(j->c, s, strlen(s));
	free(s);
	json_decref(e);
}

static void activate(struct journal *j, const char *sb, const char *iso)
{
	put(j, sb, iso, "activate", "intent", "activating", NULL, NULL);
	put(j, sb, iso, "activate", "outcome", "active", "ok", NULL);
}

static void deactivate(struct journal *j, const char *sb, const char *iso, const char *actor)
{
	put(j, sb, iso, "deactivate", "intent", "deactivating", NULL, actor);
	put(j, sb, iso, "deactivate", "outcome", "inactive", "ok", actor);
}

static json_t *report(struct journal *j)
{
	json_t *doc = NULL;
	struct sbx_err err = { 0 };

	assert_int_equal(sbx_cost_finish(j->c, &doc, &err), 0);
	sbx_cost_free(j->c);
	j->c = NULL;
	assert_non_null(doc);
	return doc;
}

static void start(struct journal *j, const char *from, const char *to, enum sbx_cost_by by)
{
	struct sbx_cost_query q;

	q.from_ns = at(from);
	q.to_ns = q.now_ns = at(to);
	q.by = by;
	j->c = sbx_cost_new(cfg, &q);
	j->purpose = "one";
	j->owner = "ana";
	j->provider = "local";
	j->bytes = -1;
}

static json_t *group(json_t *doc, const char *key)
{
	json_t *g;
	size_t i;

	json_array_foreach(json_object_get(doc, "groups"), i, g)
		if (!strcmp(json_string_value(json_object_get(g, "key")), key))
			return g;
	fail_msg("no group '%s'", key);
	return NULL;
}

static long long minor(json_t *o, const char *k)
{
	char km[64];

	snprintf(km, sizeof km, "%s_minor", k);
	assert_true(json_is_integer(json_object_get(o, km)));
	return (long long)json_integer_value(json_object_get(o, km));
}

static const char *text(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	assert_non_null(s);
	return s;
}

static void test_clip_to_period(void **state)
{
	struct journal j;
	json_t *doc, *g;

	(void)state;
	/* Period: 2027-01-02 00:00 to 2027-01-03 00:00, at 1.00 EUR an hour. */
	start(&j, "2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z", SBX_COST_BY_SANDBOX);
	/* a: 22:00 the day before to 03:00: 3 hours inside. */
	activate(&j, "a", "2027-01-01T22:00:00Z");
	deactivate(&j, "a", "2027-01-02T03:00:00Z", NULL);
	/* b: 21:15 to 01:00 the day after: 2.75 hours inside. */
	activate(&j, "b", "2027-01-02T21:15:00Z");
	deactivate(&j, "b", "2027-01-03T01:00:00Z", NULL);
	/* c: all before the period; d: all after. */
	activate(&j, "c", "2027-01-01T01:00:00Z");
	deactivate(&j, "c", "2027-01-01T05:00:00Z", NULL);
	activate(&j, "d", "2027-01-03T00:00:00Z");
	deactivate(&j, "d", "2027-01-03T05:00:00Z", NULL);
	doc = report(&j);
	assert_int_equal(json_array_size(json_object_get(doc, "groups")), 2);
	g = group(doc, "a");
	assert_string_equal(text(g, "active_hours"), "3.00");
	assert_int_equal(minor(g, "active"), 300);
	g = group(doc, "b");
	assert_string_equal(text(g, "active_hours"), "2.75");
	assert_string_equal(text(g, "active"), "2.75");
	g = json_array_get(json_object_get(doc, "totals"), 0);
	assert_int_equal(minor(g, "total"), 575);
	assert_string_equal(text(json_object_get(doc, "period"), "to"), "2027-01-03T00:00:00Z");
	json_decref(doc);
}

static void test_midnight_split(void **state)
{
	struct journal j;
	json_t *doc, *daily;

	(void)state;
	/* 23:30 to 00:30 at 0.01 EUR an hour: two line items of half an hour.
	 * The first is 0.005 rounded half up, 0.01; the second is the running
	 * sum 0.01 rounded (0.01) less what was billed (0.01): 0.00.  The
	 * total is the exact 0.01, not 0.02. */
	start(&j, "2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z", SBX_COST_BY_PURPOSE);
	j.purpose = "tiny";
	activate(&j, "a", "2027-01-04T23:30:00Z");
	deactivate(&j, "a", "2027-01-05T00:30:00Z", NULL);
	doc = report(&j);
	assert_string_equal(text(group(doc, "tiny"), "active_hours"), "1.00");
	assert_int_equal(minor(group(doc, "tiny"), "active"), 1);
	daily = json_object_get(doc, "daily");
	assert_int_equal(json_array_size(daily), 2);
	assert_string_equal(text(json_array_get(daily, 0), "date"), "2027-01-04");
	assert_string_equal(text(json_object_get(json_array_get(daily, 0), "purposes"), "tiny"), "0.01");
	assert_string_equal(text(json_array_get(daily, 1), "date"), "2027-01-05");
	assert_int_equal(minor(json_array_get(daily, 1), "total"), 0);
	json_decref(doc);
}

/* 1 GB stored at 0.10 EUR a GB-month: 0.0033 a day, which rounds to
 * nothing day by day, yet January costs 744 / 730 x 0.10 = 0.1019, 0.10. */
static void small_days(struct journal *j, const char *provision, const char *from, const char *to)
{
	start(j, from, to, SBX_COST_BY_SANDBOX);
	j->purpose = "uat";
	j->bytes = 1000000000;
	put(j, "a", provision, "provision", "outcome", "inactive", "ok", NULL);
}

static long long storage_of(json_t *doc)
{
	long long v = minor(group(doc, "a"), "storage");

	json_decref(doc);
	return v;
}

static void test_small_daily_amounts(void **state)
{
	struct journal j;
	json_t *month, *late, *d;
	long long sum = 0, a, b, ab;
	size_t i;

	(void)state;
	small_days(&j, "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z");
	month = report(&j);
	assert_string_equal(text(group(month, "a"), "gb_months"), "1.0192");
	assert_string_equal(text(group(month, "a"), "storage"), "0.10");
	json_array_foreach(json_object_get(month, "daily"), i, d)
		sum += minor(d, "total");
	assert_int_equal(sum, 10);
	/* A day's item is the same whichever period holds it. */
	small_days(&j, "2027-01-01T00:00:00Z", "2027-01-11T00:00:00Z", "2027-02-01T00:00:00Z");
	late = report(&j);
	for (i = 0; i < 21; i++)
		assert_int_equal(minor(json_array_get(json_object_get(late, "daily"), i), "total"),
				 minor(json_array_get(json_object_get(month, "daily"), i + 10), "total"));
	json_decref(month);
	json_decref(late);
	/* Adjacent periods add up to the period that holds both, whatever
	 * came before them (here a day stored in December: 0.0033). */
	small_days(&j, "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z", "2027-01-11T07:00:00Z");
	a = storage_of(report(&j));
	small_days(&j, "2026-12-31T00:00:00Z", "2027-01-11T07:00:00Z", "2027-02-01T00:00:00Z");
	b = storage_of(report(&j));
	small_days(&j, "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z");
	ab = storage_of(report(&j));
	assert_int_equal(a + b, ab);
	/* 0.0033 + 0.1019 = 0.1052 rounds to 0.11, less the 0.00 billed before. */
	assert_int_equal(ab, 11);
}

/* Five sandboxes across purposes, owners and providers, odd rates, odd
 * times: the same grand total whatever the grouping, and the daily chart
 * sums to it too. */
static void mixed(struct journal *j, enum sbx_cost_by by)
{
	start(j, "2027-01-01T00:00:00Z", "2027-01-08T00:00:00Z", by);
	j->purpose = "odd";
	j->owner = "ana";
	j->bytes = 1234567891;
	put(j, "s1", "2026-12-30T10:00:00Z", "provision", "outcome", "inactive", "ok", NULL);
	activate(j, "s1", "2026-12-31T23:59:59Z");
	deactivate(j, "s1", "2027-01-02T00:00:01Z", NULL);
	activate(j, "s1", "2027-01-03T08:17:13Z");
	j->owner = "bob";
	j->purpose = "training";
	j->bytes = 987654321;
	put(j, "s2", "2027-01-01T05:00:00Z", "provision", "outcome", "inactive", "ok", NULL);
	activate(j, "s2", "2027-01-01T07:07:07Z");
	deactivate(j, "s2", "2027-01-01T19:19:19Z", "scheduler");
	activate(j, "s2", "2027-01-02T07:00:00Z");
	j->bytes = 2000000000;
	deactivate(j, "s2", "2027-01-02T17:33:00Z", NULL);
	j->purpose = "uat";
	j->owner = "cy";
	j->bytes = 0;
	activate(j, "s3", "2027-01-05T11:11:11Z");
	put(j, "s3", "2027-01-06T11:11:11Z", "destroy", "outcome", "destroyed", "ok", NULL);
	j->provider = "cloud";
	j->purpose = "free";
	activate(j, "s4", "2027-01-02T00:00:00Z");
	deactivate(j, "s4", "2027-01-04T00:00:00Z", NULL);
	j->provider = "local";
	j->owner = "ana";
	j->purpose = "odd";
	j->bytes = 55555;
	activate(j, "s5", "2027-01-06T22:22:22Z");
}

static void test_totals_agree(void **state)
{
	static const enum sbx_cost_by bys[] = { SBX_COST_BY_SANDBOX, SBX_COST_BY_PURPOSE,
						SBX_COST_BY_OWNER, SBX_COST_BY_PROVIDER };
	long long first[3] = { -1, -1, -1 };
	size_t b, i;

	(void)state;
	for (b = 0; b < 4; b++) {
		struct journal j;
		json_t *doc, *g, *t, *d;
		long long sum[3] = { 0, 0, 0 }, tot[3] = { 0, 0, 0 }, daily = 0;

		mixed(&j, bys[b]);
		doc = report(&j);
		json_array_foreach(json_object_get(doc, "groups"), i, g) {
			if (!json_is_string(json_object_get(g, "currency")) ||
			    strcmp(json_string_value(json_object_get(g, "currency")), "EUR"))
				continue;
			sum[0] += minor(g, "total");
			sum[1] += minor(g, "savings");
			sum[2] += minor(g, "storage");
		}
		json_array_foreach(json_object_get(doc, "totals"), i, t) {
			if (!json_is_string(json_object_get(t, "currency")) ||
			    strcmp(json_string_value(json_object_get(t, "currency")), "EUR"))
				continue;
			tot[0] = minor(t, "total");
			tot[1] = minor(t, "savings");
			tot[2] = minor(t, "storage");
		}
		json_array_foreach(json_object_get(doc, "daily"), i, d)
			if (!strcmp(text(d, "currency"), "EUR"))
				daily += minor(d, "total");
		for (i = 0; i < 3; i++) {
			assert_int_equal(sum[i], tot[i]);
			if (first[i] < 0)
				first[i] = tot[i];
			assert_int_equal(tot[i], first[i]);
		}
		assert_int_equal(daily, tot[0]);
		assert_true(tot[0] > 0 && tot[1] > 0 && tot[2] > 0);
		json_decref(doc);
	}
}

static void test_currencies_apart(void **state)
{
	struct journal j;
	json_t *doc, *t, *g;
	size_t i;
	int seen = 0;

	(void)state;
	start(&j, "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z", SBX_COST_BY_OWNER);
	/* One owner, four currencies' worth of sandboxes, and one unrated. */
	j.purpose = "one";
	activate(&j, "eur", "2027-01-04T10:00:00Z");
	deactivate(&j, "eur", "2027-01-04T12:00:00Z", NULL);
	j.purpose = "jp";
	activate(&j, "yen", "2027-01-04T10:00:00Z");
	deactivate(&j, "yen", "2027-01-04T10:20:00Z", NULL);  /* 150 / 3 = 50 yen */
	j.purpose = "kw";
	activate(&j, "dinar", "2027-01-04T10:00:00Z");
	deactivate(&j, "dinar", "2027-01-04T10:30:00Z", NULL);  /* 0.0625 -> 0.063 */
	j.purpose = "training";
	j.provider = "cloud";  /* the purpose's EUR rate over the provider's USD one */
	activate(&j, "mixed", "2027-01-04T10:00:00Z");
	deactivate(&j, "mixed", "2027-01-04T11:00:00Z", NULL);
	j.purpose = "free";
	activate(&j, "usd", "2027-01-04T10:00:00Z");  /* the provider's 2.00 USD */
	deactivate(&j, "usd", "2027-01-04T10:45:00Z", NULL);
	j.provider = "bare";
	activate(&j, "nothing", "2027-01-04T10:00:00Z");
	deactivate(&j, "nothing", "2027-01-04T13:00:00Z", NULL);
	doc = report(&j);
	json_array_foreach(json_object_get(doc, "totals"), i, t) {
		json_t *cur = json_object_get(t, "currency");

		if (json_is_null(cur)) {
			seen |= 1;
			assert_string_equal(text(t, "active_hours"), "3.00");
			assert_true(json_is_null(json_object_get(t, "total")));
			assert_int_equal(minor(t, "total"), 0);
		} else if (!strcmp(json_string_value(cur), "EUR")) {
			seen |= 2;
			assert_string_equal(text(t, "total"), "2.42");
		} else if (!strcmp(json_string_value(cur), "JPY")) {
			seen |= 4;
			assert_string_equal(text(t, "total"), "50");
		} else if (!strcmp(json_string_value(cur), "KWD")) {
			seen |= 8;
			assert_string_equal(text(t, "total"), "0.063");
		} else if (!strcmp(json_string_value(cur), "USD")) {
			seen |= 16;
			assert_string_equal(text(t, "total"), "1.50");
		}
	}
	assert_int_equal(seen, 31);
	/* The one owner has a row per currency, in code order, unrated last. */
	assert_int_equal(json_array_size(json_object_get(doc, "groups")), 5);
	g = json_array_get(json_object_get(doc, "groups"), 0);
	assert_string_equal(text(g, "currency"), "EUR");
	g = json_array_get(json_object_get(doc, "groups"), 4);
	assert_true(json_is_null(json_object_get(g, "currency")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "currencies"), "KWD")), 3);
	json_decref(doc);
}

static void test_storage(void **state)
{
	struct journal j;
	json_t *doc, *g;

	(void)state;
	/* 73 GB from 2027-01-04 00:00 (its provision) until destroyed at 12:00
	 * the next day: 36 h, 73 x 36 / 730 = 3.6 GB-months at 0.10 EUR
	 * (the provider's rate) -- as two line items, 2.4 and 1.2 GB-months:
	 * 0.24 + 0.12 = 0.36 EUR. */
	start(&j, "2027-01-01T00:00:00Z", "2027-01-10T00:00:00Z", SBX_COST_BY_SANDBOX);
	j.purpose = "uat";
	j.bytes = 73000000000LL;
	put(&j, "a", "2027-01-04T00:00:00Z", "provision", "outcome", "inactive", "ok", NULL);
	put(&j, "a", "2027-01-05T12:00:00Z", "destroy", "intent", "destroying", NULL, NULL);
	put(&j, "a", "2027-01-05T12:00:00Z", "destroy", "outcome", "destroyed", "ok", NULL);
	/* The name again, later: a new sandbox, storing 1 GB from 2027-01-09. */
	j.bytes = -1;
	put(&j, "a", "2027-01-08T00:00:00Z", "provision", "intent", "provisioning", NULL, NULL);
	j.bytes = 1000000000;
	put(&j, "a", "2027-01-09T00:00:00Z", "provision", "outcome", "inactive", "ok", NULL);
	doc = report(&j);
	g = group(doc, "a");
	/* + 1 GB x 24 h / 730 h = 0.0329 GB-months, 0.0033 EUR -> 0.00 */
	assert_string_equal(text(g, "gb_months"), "3.6329");
	assert_string_equal(text(g, "storage"), "0.36");
	assert_string_equal(text(g, "active_hours"), "0.00");
	json_decref(doc);
}

static void test_savings(void **state)
{
	struct journal j;
	json_t *doc, *g;

	(void)state;
	start(&j, "2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z", SBX_COST_BY_SANDBOX);
	j.purpose = "uat";
	/* a: the scheduler at 10:00, a failed activation at 12:00 (still
	 * inactive), active again at 16:00: 6 h saved x 1.10 = 6.60. */
	activate(&j, "a", "2027-01-04T08:00:00Z");
	deactivate(&j, "a", "2027-01-04T10:00:00Z", "scheduler");
	put(&j, "a", "2027-01-04T12:00:00Z", "activate", "outcome", "inactive", "error", NULL);
	activate(&j, "a", "2027-01-04T16:00:00Z");
	deactivate(&j, "a", "2027-01-04T17:00:00Z", NULL);  /* a user's: no savings */
	/* b: the scheduler at 20:00, destroyed at 23:00: 3 h. */
	activate(&j, "b", "2027-01-04T19:00:00Z");
	deactivate(&j, "b", "2027-01-04T20:00:00Z", "scheduler");
	put(&j, "b", "2027-01-04T23:00:00Z", "destroy", "outcome", "destroyed", "ok", NULL);
	/* c: the scheduler at 22:00, never active again: until the end, 26 h. */
	activate(&j, "c", "2027-01-04T21:00:00Z");
	deactivate(&j, "c", "2027-01-04T22:00:00Z", "scheduler");
	doc = report(&j);
	g = group(doc, "a");
	assert_string_equal(text(g, "active_hours"), "3.00");
	assert_string_equal(text(g, "savings_hours"), "6.00");
	assert_string_equal(text(g, "savings"), "6.60");
	assert_string_equal(text(group(doc, "b"), "savings_hours"), "3.00");
	assert_string_equal(text(group(doc, "c"), "savings_hours"), "26.00");
	/* 26 h as two items: 2 h (2.20) and 24 h (26.40). */
	assert_string_equal(text(group(doc, "c"), "savings"), "28.60");
	assert_int_equal(minor(json_array_get(json_object_get(doc, "totals"), 0), "savings"),
			 660 + 330 + 2860);
	json_decref(doc);
}

static void test_forecast(void **state)
{
	struct journal j;
	json_t *doc, *f;

	(void)state;
	/* Active at 1.00 EUR an hour from 2027-01-01 00:00 to the end,
	 * 2027-01-10 12:00: 228 h month to date, 168 h in the last 7 days
	 * (24.00 a day), 21.5 days left: 228 + 24 x 21.5 = 744.00. */
	start(&j, "2027-01-05T00:00:00Z", "2027-01-10T12:00:00Z", SBX_COST_BY_PURPOSE);
	activate(&j, "a", "2027-01-01T00:00:00Z");
	doc = report(&j);
	f = json_array_get(json_object_get(doc, "forecast"), 0);
	assert_string_equal(text(f, "month"), "2027-01");
	assert_string_equal(text(f, "month_to_date"), "228.00");
	assert_string_equal(text(f, "last_7_days"), "168.00");
	assert_string_equal(text(f, "daily_average"), "24.00");
	assert_string_equal(text(f, "days_left"), "21.50");
	assert_string_equal(text(f, "forecast"), "744.00");
	assert_int_equal(minor(f, "forecast"), 74400);
	/* The period's own total: 5.5 days. */
	assert_string_equal(text(group(doc, "one"), "total"), "132.00");
	json_decref(doc);
}

/* --to beyond now: nothing is billed after now. */
static void test_not_after_now(void **state)
{
	struct sbx_cost_query q;
	struct journal j;
	json_t *doc;

	(void)state;
	q.from_ns = at("2027-01-04T00:00:00Z");
	q.to_ns = at("2027-01-31T00:00:00Z");
	q.now_ns = at("2027-01-04T12:00:00Z");
	q.by = SBX_COST_BY_PURPOSE;
	start(&j, "2027-01-04T00:00:00Z", "2027-01-04T12:00:00Z", SBX_COST_BY_PURPOSE);
	sbx_cost_free(j.c);
	j.c = sbx_cost_new(cfg, &q);
	activate(&j, "a", "2027-01-04T10:00:00Z");
	doc = report(&j);
	assert_string_equal(text(group(doc, "one"), "active_hours"), "2.00");
	assert_string_equal(text(json_object_get(doc, "period"), "to"), "2027-01-04T12:00:00Z");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_parse),
		cmocka_unit_test(test_currencies),
		cmocka_unit_test(test_round_half_up),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_jentry_scan),
		cmocka_unit_test(test_clip_to_period),
		cmocka_unit_test(test_midnight_split),
		cmocka_unit_test(test_small_daily_amounts),
		cmocka_unit_test(test_totals_agree),
		cmocka_unit_test(test_currencies_apart),
		cmocka_unit_test(test_storage),
		cmocka_unit_test(test_savings),
		cmocka_unit_test(test_forecast),
		cmocka_unit_test(test_not_after_now),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
