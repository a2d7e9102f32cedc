/* Reading replies of provider programs and APIs safely: the exec and http
 * providers share these. */
#ifndef SBX_REPLY_H
#define SBX_REPLY_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Length of the valid UTF-8 sequence at S (N bytes left), or 0. */
size_t sbx_reply_utf8_len(const unsigned char *s, size_t n);

/* The first MAX bytes at most of IN[0..N), cut at a character, as one line
 * into OUT (room for MAX + 1): whitespace runs become one space, control
 * characters and bytes that are not UTF-8 become '?', the ends are
 * trimmed. */
void sbx_reply_clean(const char *in, size_t n, size_t max, char *out);

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" into nanoseconds since the epoch:
 * 0, or -1 when S is not such a time. */
int sbx_reply_parse_utc(const char *s, int64_t *ns);

/* 1 for "active", "inactive", "absent" and "unknown". */
int sbx_reply_state_ok(const char *s);

/* The string J holds when it has no NUL inside, else NULL. */
const char *sbx_reply_plain_string(json_t *j);

/* A member of a reply object, NULL when absent or null. */
json_t *sbx_reply_member(json_t *root, const char *key);

/* A reply of a provider program or API, its fields checked. */
struct sbx_reply {
	json_t *root;
	int ok, unsupported;     /* the exec protocol's; the http one leaves them */
	const char *id, *state, *message, *snapshot;
	int has_activity, has_size;
	int64_t activity_ns;
	uint64_t size;
};

/* Checks the type and shape of the fields both protocols share ("message",
 * "id", "state", "snapshot", "last_activity", "size") and fills RP; others
 * are the provider's business.  On error returns -1 and says what is wrong
 * in WHAT (N bytes). */
int sbx_reply_fields(struct sbx_reply *rp, char *what, size_t n);

#endif
