/* libFuzzer target: the schedule parser of active_hours and refresh_window
 * (policies/schedule.c), config input.  The input is the schedule's text.
 * Whatever it holds: parsing accepts or says why; an accepted schedule has
 * 1 to SBX_SCHEDULE_MAX windows within the day, and the window it gives for
 * a few instants in Europe/Berlin (across both DST changes of 2027) either
 * holds the instant or lies after it, and ends after it starts. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 2027-03-27T23:30Z, 2027-03-28T01:30Z, 2027-10-31T00:30Z, 2027-10-31T01:30Z */
	static const int64_t at[] = { 1806190200, 1806197400, 1824942600, 1824946200 };
	struct sbx_schedule s;
	char *text = malloc(size + 1), why[300];
	size_t i;

	memcpy(text, data, size);
	text[size] = '\0';
	if (sbx_schedule_parse(text, &s, why, sizeof why) == 0) {
		if (s.n < 1 || s.n > SBX_SCHEDULE_MAX)
			abort();
		for (i = 0; i < s.n; i++)
			if (!s.c[i].days || s.c[i].start < 0 || s.c[i].start >= 1440 || s.c[i].end < 0 ||
			    s.c[i].end > 1440 || s.c[i].start == s.c[i].end)
				abort();
		for (i = 0; i < sizeof at / sizeof at[0]; i++) {
			int64_t t = at[i] * 1000000000LL, a, b;
			int in = sbx_schedule_window(&s, "Europe/Berlin", t, &a, &b);

			if (in < 0 || b <= a || (in == 1 && (a > t || b <= t)) || (in == 0 && a <= t)) {
				fprintf(stderr, "'%s': a bad window (%d) for %lld\n", text, in, (long long)t);
				abort();
			}
		}
	} else if (!why[0]) {
		abort();
	}
	free(text);
	return 0;
}
