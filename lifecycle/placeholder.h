/* What hardening leaves in a tree instead of production's values, found in
 * any bytes: the placeholders "${NAME}" (a rewrite to a sandbox variable)
 * and "${SECRET:RULE}" (a redacted secret), in the one syntax
 * providers/vars.c defines, and the masked values whose shape gives them
 * away (policies/mask.h):
 *   - an email pseudonym: any address at the reserved domain
 *     "example.invalid" (mask's are "adjective.noun.6hex@example.invalid");
 *   - a hash pseudonym: "h" and 16 lower-case hex digits, as a whole word.
 * Masked names, phone numbers and digit runs look like real ones; a caller
 * that knows such values passes them as EXTRA literals. */
#ifndef SBX_PLACEHOLDER_H
#define SBX_PLACEHOLDER_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

enum sbx_ph_kind {
	SBX_PH_VARIABLE,   /* ${NAME} */
	SBX_PH_SECRET,     /* ${SECRET:RULE} */
	SBX_PH_MASKED,     /* a masked value */
};

/* "variable", "secret" or "masked value" (static strings). */
const char *sbx_ph_kind_name(enum sbx_ph_kind k);

struct sbx_ph_hit {
	size_t start, end;         /* the token: S[START..END) */
	enum sbx_ph_kind kind;
};

/* Finds the first placeholder or masked value starting at or after FROM in
 * S[0..N), or one of the EXTRA[0..NEXTRA) literal values (empty ones are
 * ignored).  Returns 1 with HIT filled, or 0. */
int sbx_ph_find(const char *s, size_t n, size_t from, const char *const *extra, size_t nextra,
		struct sbx_ph_hit *hit);

#endif
