/* Durations ("90s", "15m", "2h", "30d") and times (ISO-8601, or a duration
 * from now) as the command line and the config write them. */
#ifndef SBX_UTIL_TIMEUTIL_H
#define SBX_UTIL_TIMEUTIL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

/* Parses a duration: digits followed by ms, s, m, h or d, or plain digits
 * (seconds).  Returns 0 and milliseconds in *MS, or -1. */
int sbx_parse_duration(const char *s, int64_t *ms);

/* Parses a time: "YYYY-MM-DDTHH:MM[:SS[.frac]]" with "Z" or "+HH:MM"/"-HH:MM",
 * or a duration meaning NOW_NS plus it.  Returns 0 and ns since the epoch in
 * *OUT, or -1. */
int sbx_parse_time(const char *s, int64_t now_ns, int64_t *out);

#endif
