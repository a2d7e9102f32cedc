/* What the exec and http providers share to read a reply safely: message
 * text made printable, ISO-8601 times, the fields of a JSON reply. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "providers/reply.h"

#include <stdlib.h>

size_t sbx_reply_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void sbx_reply_clean(const char *in, size_t n, size_t max, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, len;
	int space = 0;

	if (n > max) {
		n = max;
		while (n && (s[n] & 0xc0) == 0x80)
			n--;
	}
	while (i < n) {
		if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
			space = 1;
			i++;
			continue;
		}
		if (space && o)
			out[o++] = ' ';
		space = 0;
		len = sbx_reply_utf8_len(s + i, n - i);
		if (!len || s[i] < 0x20 || s[i] == 0x7f ||
		    (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			out[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" into nanoseconds since the epoch. */
int sbx_reply_parse_utc(const char *s, int64_t *ns)
{
	int y, mo, d, hh, mi, sec;
	int64_t frac = 0, scale = 100000000;
	struct tm tm = { 0 }, back;
	time_t t;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &hh) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (strcmp(s, "Z") || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm carries 31 April into May: refuse dates that do not exist. */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	*ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

int sbx_reply_state_ok(const char *s)
{
	return !strcmp(s, "active") || !strcmp(s, "inactive") || !strcmp(s, "absent") ||
	       !strcmp(s, "unknown");
}

const char *sbx_reply_plain_string(json_t *j)
{
	const char *s = json_string_value(j);

	return s && strlen(s) == json_string_length(j) ? s : NULL;
}

/* A member of the reply, NULL when absent or null. */
json_t *sbx_reply_member(json_t *root, const char *key)
{
	json_t *j = json_object_get(root, key);

	return json_is_null(j) ? NULL : j;
}


#define MAX_ID 255          /* longest provider id we keep */
#define SNAPSHOT_HEX 64

int sbx_reply_fields(struct sbx_reply *rp, char *what, size_t n)
{
	json_t *j;
	const char *s;
	size_t i;

	if ((j = sbx_reply_member(rp->root, "message"))) {
		if (!json_is_string(j)) {
			snprintf(what, n, "\"message\" must be a string");
			return -1;
		}
		rp->message = json_string_value(j);
	}
	if ((j = sbx_reply_member(rp->root, "id"))) {
		s = json_string_value(j);
		if (!s || !*s || json_string_length(j) > MAX_ID) {
			snprintf(what, n, "\"id\" must be a string of 1 to %d bytes", MAX_ID);
			return -1;
		}
		for (i = 0; i < json_string_length(j); i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(what, n, "\"id\" holds a control character");
				return -1;
			}
		rp->id = s;
	}
	if ((j = sbx_reply_member(rp->root, "state"))) {
		s = json_string_value(j);
		if (!s || strlen(s) != json_string_length(j) || !sbx_reply_state_ok(s)) {
			snprintf(what, n, "\"state\" must be \"active\", \"inactive\", \"absent\" or "
				 "\"unknown\"");
			return -1;
		}
		rp->state = s;
	}
	if ((j = sbx_reply_member(rp->root, "snapshot"))) {
		s = json_string_value(j);
		if (!s || json_string_length(j) != SNAPSHOT_HEX ||
		    strspn(s, "0123456789abcdef") != SNAPSHOT_HEX) {
			snprintf(what, n, "\"snapshot\" must be a snapshot id (%d hex digits)",
				 SNAPSHOT_HEX);
			return -1;
		}
		rp->snapshot = s;
	}
	if ((j = sbx_reply_member(rp->root, "last_activity"))) {
		double secs = json_number_value(j);

		if (json_is_string(j)) {
			if (strlen(json_string_value(j)) != json_string_length(j) ||
			    sbx_reply_parse_utc(json_string_value(j), &rp->activity_ns))
				goto bad_time;
		} else if (json_is_integer(j)) {
			if (json_integer_value(j) < 0 || json_integer_value(j) > INT64_MAX / 1000000000)
				goto bad_time;
			rp->activity_ns = (int64_t)json_integer_value(j) * 1000000000;
		} else if (json_is_real(j)) {
			if (!isfinite(secs) || secs < 0 || secs >= (double)(INT64_MAX / 1000000000))
				goto bad_time;
			rp->activity_ns = (int64_t)(secs * 1e9);
		} else {
			goto bad_time;
		}
		rp->has_activity = 1;
	}
	if ((j = sbx_reply_member(rp->root, "size"))) {
		if (!json_is_integer(j) || json_integer_value(j) < 0) {
			snprintf(what, n, "\"size\" must be a number of bytes");
			return -1;
		}
		rp->size = (uint64_t)json_integer_value(j);
		rp->has_size = 1;
	}
	return 0;
bad_time:
	snprintf(what, n, "\"last_activity\" must be \"YYYY-MM-DDTHH:MM:SSZ\" or seconds since "
		 "1970");
	return -1;
}
