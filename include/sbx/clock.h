/* Time as lifecycle commands see it: the real clock, or the time `--now`
 * set (so that schedules are testable), and the command line's time and
 * duration syntax. */
#ifndef SBX_CLOCK_H
#define SBX_CLOCK_H

#include <stdint.h>

/* Makes sbx_clock_ns return NS (ns since the epoch) from now on; 0 goes
 * back to the real clock. */
void sbx_clock_set(int64_t ns);

/* The lifecycle clock: the time set by sbx_clock_set, else the real time. */
int64_t sbx_clock_ns(void);

/* Parses a duration: digits followed by ms, s, m, h or d, or plain digits
 * (seconds).  Returns 0 and milliseconds in *MS, or -1. */
int sbx_parse_duration(const char *s, int64_t *ms);

/* Parses a time: "YYYY-MM-DDTHH:MM[:SS[.frac]]" with "Z" or "+HH:MM"/"-HH:MM",
 * or a duration meaning NOW_NS plus it.  Returns 0 and ns since the epoch in
 * *OUT, or -1 (also for times that 64-bit nanoseconds cannot hold: before
 * 1677 or from 2262 on). */
int sbx_parse_time(const char *s, int64_t now_ns, int64_t *out);

/* Formats NS as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into OUT. */
void sbx_time_iso(int64_t ns, char out[32]);

#endif
