/* Weekly schedules in an IANA time zone: see schedule.h.
 *
 * Local times become instants through the C library's zone database
 * (TZ + mktime), which knows every zone's history of DST rules.  sbx never
 * reads local time elsewhere, so the process keeps the last zone set
 * rather than switching back and forth. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "policies/schedule.h"

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day_of(const char *p)
{
	int i;

	for (i = 0; i < 7; i++)
		if (!strncasecmp(p, day_names[i], 3) && !isalpha((unsigned char)p[3]))
			return i;
	return -1;
}

static int hhmm(const char **pp, int *out)
{
	const char *p = *pp;
	int h, m;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
	    !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]))
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*out = h * 60 + m;
	*pp = p + 5;
	return 0;
}

int sbx_schedule_parse(const char *text, struct sbx_schedule *out, char *why, size_t n)
{
	const char *p = text;

	memset(out, 0, sizeof *out);
	for (;;) {
		uint8_t days = 0;
		int a, b;

		while (*p == ' ')
			p++;
		if (out->n == SBX_SCHEDULE_MAX) {
			snprintf(why, n, "more than %d windows", SBX_SCHEDULE_MAX);
			return -1;
		}
		if (!strncasecmp(p, "daily", 5)) {
			days = 0x7f;
			p += 5;
		} else {
			for (;;) {
				if ((a = day_of(p)) < 0) {
					snprintf(why, n, "expected a day (Mon ... Sun, or \"daily\") at '%.20s'", p);
					return -1;
				}
				p += 3;
				b = a;
				if (*p == '-') {
					if ((b = day_of(p + 1)) < 0) {
						snprintf(why, n, "expected a day after '-' at '%.20s'", p + 1);
						return -1;
					}
					p += 4;
				}
				/* A range may wrap: "Fri-Mon". */
				for (;;) {
					days |= (uint8_t)(1u << a);
					if (a == b)
						break;
					a = (a + 1) % 7;
				}
				if (*p != ',' || day_of(p + 1) < 0)
					break;
				p++;
			}
		}
		if (*p != ' ') {
			snprintf(why, n, "expected a space and HH:MM-HH:MM after the days at '%.20s'", p);
			return -1;
		}
		while (*p == ' ')
			p++;
		if (hhmm(&p, &a) || *p++ != '-' || hhmm(&p, &b)) {
			snprintf(why, n, "expected HH:MM-HH:MM (00:00 to 24:00) in '%s'", text);
			return -1;
		}
		if (a == b || a == 1440) {
			snprintf(why, n, "the window %02d:%02d-%02d:%02d is empty", a / 60, a % 60, b / 60,
				 b % 60);
			return -1;
		}
		out->c[out->n].days = days;
		out->c[out->n].start = a;
		out->c[out->n].end = b;
		out->n++;
		while (*p == ' ')
			p++;
		if (!*p)
			return 0;
		if (*p != ',' && *p != ';') {
			snprintf(why, n, "unexpected '%.20s' after a window (separate windows with ',')", p);
			return -1;
		}
		p++;
	}
}

int sbx_tz_valid(const char *tz, char *why, size_t n)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[4096], magic[4];
	int fd, ok;

	if (!*tz || *tz == '/' || strstr(tz, "..") || strlen(tz) > 200) {
		snprintf(why, n, "'%s' is not a time zone name (such as \"Europe/Berlin\" or \"UTC\")", tz);
		return 0;
	}
	for (p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p)) {
			snprintf(why, n, "'%s' is not a time zone name (such as \"Europe/Berlin\")", tz);
			return 0;
		}
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ok = fd >= 0 && read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
	if (fd >= 0)
		close(fd);
	if (!ok)
		snprintf(why, n, "unknown time zone '%s' (no '%s'; is the tzdata package installed?)", tz,
			 path);
	return ok;
}

static char cur_tz[256];       /* the zone set, "" when ours is untouched */
static char *orig_tz;          /* the TZ we found (NULL: none) */
static int orig_saved;

static void use_tz(const char *tz)
{
	if (!strcmp(cur_tz, tz))
		return;
	if (!orig_saved) {
		const char *o = getenv("TZ");

		orig_tz = o ? strdup(o) : NULL;
		orig_saved = 1;
	}
	snprintf(cur_tz, sizeof cur_tz, "%s", tz);
	setenv("TZ", tz, 1);
	tzset();
}

void sbx_tz_reset(void)
{
	if (!cur_tz[0])
		return;
	if (orig_tz)
		setenv("TZ", orig_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	cur_tz[0] = '\0';
}

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The instant of local day DAY (days since the epoch) at MINUTE. */
static int64_t local_instant(int64_t day, int minute)
{
	struct tm tm;
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000000000;
}

struct win {
	int64_t start, end;
};

static int by_start(const void *a, const void *b)
{
	const struct win *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The windows of S that start from 8 days before T to 8 days after, merged
 * where they touch; returns how many. */
static size_t windows(const struct sbx_schedule *s, const char *tz, int64_t t, struct win *w)
{
	time_t tt = (time_t)(t / 1000000000);
	struct tm lt;
	int64_t today;
	size_t nw = 0, i, k;
	int off;

	use_tz(tz);
	localtime_r(&tt, &lt);
	today = days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
	for (off = -8; off <= 8; off++) {
		int64_t day = today + off;
		/* 1970-01-01 was a Thursday: 3 with Monday as 0. */
		int wd = (int)(((day % 7) + 7 + 3) % 7);

		for (i = 0; i < s->n; i++) {
			if (!(s->c[i].days & (1u << wd)))
				continue;
			w[nw].start = local_instant(day, s->c[i].start);
			w[nw].end = s->c[i].end > s->c[i].start ? local_instant(day, s->c[i].end)
								: local_instant(day + 1, s->c[i].end);
			/* A window inside the hour a change to summer time skips
			 * ("Sun 02:00-03:00" in Europe/Berlin on that day) does not
			 * happen. */
			if (w[nw].end > w[nw].start)
				nw++;
		}
	}
	qsort(w, nw, sizeof *w, by_start);
	for (i = 0, k = 0; i < nw; i++) {
		if (k && w[i].start <= w[k - 1].end) {
			if (w[i].end > w[k - 1].end)
				w[k - 1].end = w[i].end;
		} else {
			w[k++] = w[i];
		}
	}
	return k;
}

int sbx_schedule_window(const struct sbx_schedule *s, const char *tz, int64_t t, int64_t *start,
			int64_t *end)
{
	struct win w[17 * SBX_SCHEDULE_MAX];
	size_t n = windows(s, tz, t, w), i;

	for (i = 0; i < n; i++) {
		if (w[i].end <= t)
			continue;
		*start = w[i].start;
		*end = w[i].end;
		return w[i].start <= t;
	}
	return -1;
}

int64_t sbx_schedule_last_end(const struct sbx_schedule *s, const char *tz, int64_t t)
{
	struct win w[17 * SBX_SCHEDULE_MAX];
	size_t n = windows(s, tz, t, w), i;
	int64_t last = INT64_MIN;

	for (i = 0; i < n; i++)
		if (w[i].end <= t && w[i].start < t)
			last = w[i].end;
	return last;
}
