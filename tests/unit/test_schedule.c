/* Weekly schedules: parsing, windows in a time zone, and the DST changes of
 * Europe/Berlin in 2027 (summer time from Sunday 28 March, winter time from
 * Sunday 31 October).  Expected instants were worked out by hand from the
 * zone's offsets: CET is UTC+1, CEST UTC+2. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policies/schedule.h"
#include "sbx/clock.h"

static int64_t at(const char *iso)
{
	int64_t t;

	assert_int_equal(sbx_parse_time(iso, 0, &t), 0);
	return t;
}

static void parse_ok(const char *text, struct sbx_schedule *s)
{
	char why[200] = "";

	if (sbx_schedule_parse(text, s, why, sizeof why))
		fail_msg("'%s': %s", text, why);
}

static void test_parse(void **state)
{
	struct sbx_schedule s;
	char why[200];

	(void)state;
	parse_ok("Mon-Fri 08:00-18:00", &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].days, 0x1f);
	assert_int_equal(s.c[0].start, 480);
	assert_int_equal(s.c[0].end, 1080);
	parse_ok("sat 02:00-04:00", &s);
	assert_int_equal(s.c[0].days, 1 << 5);
	parse_ok("Fri-Mon 22:00-06:00", &s);       /* wraps over the week */
	assert_int_equal(s.c[0].days, (1 << 4) | (1 << 5) | (1 << 6) | 1);
	parse_ok("Mon,Wed 09:00-12:00, Fri 13:00-24:00", &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.c[0].days, 1 | 4);
	assert_int_equal(s.c[1].end, 1440);
	parse_ok("daily 00:00-24:00", &s);
	assert_int_equal(s.c[0].days, 0x7f);

	assert_int_equal(sbx_schedule_parse("Mon-Fri", &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "HH:MM"));
	assert_int_equal(sbx_schedule_parse("Mon-Fry 08:00-18:00", &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "day"));
	assert_int_equal(sbx_schedule_parse("Mon 08:00-08:00", &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(sbx_schedule_parse("Mon 25:00-26:00", &s, why, sizeof why), -1);
	assert_int_equal(sbx_schedule_parse("Mon 08:00-18:00 extra", &s, why, sizeof why), -1);
	assert_int_equal(sbx_schedule_parse("", &s, why, sizeof why), -1);
}

static void test_tz(void **state)
{
	char why[300];

	(void)state;
	assert_int_equal(sbx_tz_valid("Europe/Berlin", why, sizeof why), 1);
	assert_int_equal(sbx_tz_valid("UTC", why, sizeof why), 1);
	assert_int_equal(sbx_tz_valid("Europe/Berlinn", why, sizeof why), 0);
	assert_non_null(strstr(why, "unknown time zone"));
	assert_int_equal(sbx_tz_valid("../../etc/passwd", why, sizeof why), 0);
	assert_int_equal(sbx_tz_valid("/etc/localtime", why, sizeof why), 0);
	/* A file of the zone directory that is not a zone. */
	assert_int_equal(sbx_tz_valid("zone.tab", why, sizeof why), 0);
}

static void test_berlin_dst(void **state)
{
	struct sbx_schedule s;
	int64_t a, b;

	(void)state;
	parse_ok("Mon-Fri 08:00-18:00", &s);
	/* Friday before summer time: 08:00 CET = 07:00Z. */
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-03-26T10:00:00Z"), &a, &b), 1);
	assert_int_equal(a, at("2027-03-26T07:00:00Z"));
	assert_int_equal(b, at("2027-03-26T17:00:00Z"));
	/* After Friday's end the next window is Monday, in summer time. */
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-03-26T17:00:00Z"), &a, &b), 0);
	assert_int_equal(a, at("2027-03-29T06:00:00Z"));
	assert_int_equal(b, at("2027-03-29T16:00:00Z"));
	/* 06:30Z on that Monday is 08:30 CEST: inside (it was not in winter). */
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-03-29T06:30:00Z"), &a, &b), 1);
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-03-26T06:30:00Z"), &a, &b), 0);
	/* Back to winter time. */
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-10-29T15:30:00Z"), &a, &b), 1);
	assert_int_equal(b, at("2027-10-29T16:00:00Z"));
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-10-30T12:00:00Z"), &a, &b), 0);
	assert_int_equal(a, at("2027-11-01T07:00:00Z"));
	/* The last window that closed before Monday morning: Friday's. */
	assert_int_equal(sbx_schedule_last_end(&s, "Europe/Berlin", at("2027-11-01T06:59:00Z")),
			 at("2027-10-29T16:00:00Z"));
	/* The same schedule in UTC does not move. */
	assert_int_equal(sbx_schedule_window(&s, "UTC", at("2027-03-29T07:30:00Z"), &a, &b), 0);
	assert_int_equal(a, at("2027-03-29T08:00:00Z"));
}

static void test_time_range(void **state)
{
	int64_t t;

	(void)state;
	/* 64-bit nanoseconds end in 2262: later years are refused, not
	 * overflowed (found by fuzz_changeset in a manifest's time). */
	assert_int_equal(sbx_parse_time("2262-04-11T23:47:15Z", 0, &t), 0);
	assert_true(t > 0);
	assert_int_equal(sbx_parse_time("2262-04-11T23:47:17Z", 0, &t), -1);
	assert_int_equal(sbx_parse_time("4026-01-01T00:00:00Z", 0, &t), -1);
	assert_int_equal(sbx_parse_time("1600-01-01T00:00:00Z", 0, &t), -1);
	assert_int_equal(sbx_parse_time("1970-01-01T00:00:01Z", 0, &t), 0);
	assert_int_equal(t, 1000000000);
}

static void test_skipped_hour(void **state)
{
	struct sbx_schedule s;
	int64_t a, b;

	(void)state;
	/* 02:00-03:00 does not exist in Berlin on 28 March 2027: no window
	 * that day, the next one a week later (found by fuzz_schedule). */
	parse_ok("Sun 02:00-03:00", &s);
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-03-27T23:30:00Z"), &a, &b), 0);
	assert_true(b > a);
	assert_int_equal(a, at("2027-04-04T00:00:00Z"));
	assert_int_equal(b, at("2027-04-04T01:00:00Z"));
}

static void test_overnight_and_adjacent(void **state)
{
	struct sbx_schedule s;
	int64_t a, b;

	(void)state;
	parse_ok("Sat 22:00-02:00", &s);
	assert_int_equal(sbx_schedule_window(&s, "UTC", at("2027-01-10T01:00:00Z"), &a, &b), 1);
	assert_int_equal(a, at("2027-01-09T22:00:00Z"));
	assert_int_equal(b, at("2027-01-10T02:00:00Z"));
	/* Windows that touch are one: no stop at midnight. */
	parse_ok("daily 00:00-24:00", &s);
	assert_int_equal(sbx_schedule_window(&s, "Europe/Berlin", at("2027-01-10T12:00:00Z"), &a, &b), 1);
	assert_true(b - a > (int64_t)7 * 86400 * 1000000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tz),
		cmocka_unit_test(test_berlin_dst),
		cmocka_unit_test(test_time_range),
		cmocka_unit_test(test_skipped_hour),
		cmocka_unit_test(test_overnight_and_adjacent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
