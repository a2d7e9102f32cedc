/* Weekly schedules in an IANA time zone: "Mon-Fri 08:00-18:00",
 * "Sat 02:00-04:00", "Mon,Wed 09:00-12:00, Fri 13:00-17:00", "daily
 * 22:00-06:00" (a window ending at or before its start runs past
 * midnight).  Windows are found in local time and converted to instants
 * with the zone's rules, so a DST change moves them as a wall clock would:
 * "08:00" is 07:00Z in winter and 06:00Z in summer in Europe/Berlin. */
#ifndef SBX_POLICIES_SCHEDULE_H
#define SBX_POLICIES_SCHEDULE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#define SBX_SCHEDULE_MAX 8

struct sbx_schedule {
	struct {
		uint8_t days;        /* bit 0 Monday ... bit 6 Sunday */
		int start, end;      /* minutes after local midnight, 0..1440 */
	} c[SBX_SCHEDULE_MAX];
	size_t n;
};

/* Parses TEXT.  Returns 0, or -1 with what is wrong in WHY. */
int sbx_schedule_parse(const char *text, struct sbx_schedule *out, char *why, size_t n);

/* 1 when TZ names a time zone of the system's database ("UTC",
 * "Europe/Berlin"), 0 otherwise (then WHY says why). */
int sbx_tz_valid(const char *tz, char *why, size_t n);

/* The window of S (in zone TZ) that holds instant T (ns), or else the
 * next one: *START and *END in ns.  Adjacent windows are one.  Returns 1
 * when T is inside, 0 when the window is the next one, -1 when S has no
 * window at all. */
int sbx_schedule_window(const struct sbx_schedule *s, const char *tz, int64_t t, int64_t *start,
			int64_t *end);

/* Puts the process's TZ back as it was before schedules were evaluated,
 * so that programs sbx starts inherit the user's. */
void sbx_tz_reset(void);

/* The end of the last window of S that closed at or before T (ns), or
 * INT64_MIN when none closed in the week before T. */
int64_t sbx_schedule_last_end(const struct sbx_schedule *s, const char *tz, int64_t t);

#endif
