/* Durations ("90s", "15m", "2h", "30d") and times (ISO-8601, or a duration
 * from now) as the command line and the config write them. */
#ifndef SBX_UTIL_TIMEUTIL_H
#define SBX_UTIL_TIMEUTIL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

/* sbx_parse_duration, sbx_parse_time, sbx_time_iso and the lifecycle clock
 * are public: */
#include "sbx/clock.h"

/* SEC seconds and NSEC nanoseconds as nanoseconds since the epoch into
 * *OUT: 0, or -1 when 64 bits cannot hold them (before 1677, from 2262). */
int sbx_ns_from_sec(int64_t sec, long nsec, int64_t *out);

#endif
