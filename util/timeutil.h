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

#endif
