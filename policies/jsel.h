/* Key selectors over JSON documents: dotted paths where a component is a
 * member name, '*' (any one member), '**' (any depth, zero included), and
 * any component may be followed by '[*]' (every element) or '[N]'.
 * Examples: "**.email", "users[*].name", "smtp.enabled", "webhooks[*].active". */
#ifndef SBX_JSEL_H
#define SBX_JSEL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include "policies/jsonpos.h"
#include "sbx/err.h"

struct sbx_jsel;

/* Compiles SEL; a malformed selector is SBX_ESYNTAX naming it. */
int sbx_jsel_compile(const char *sel, struct sbx_jsel **out, struct sbx_err *err);
void sbx_jsel_free(struct sbx_jsel *s);

/* Returns 1 when the path KEYS[0..N) is selected by S; a key "[]" stands
 * for an array element (any index). */
int sbx_jsel_match_keys(const struct sbx_jsel *s, const char *const *keys, size_t n);

/* Returns 1 when node I of DOC is selected by S. */
int sbx_jsel_match(const struct sbx_jsel *s, const struct sbx_jdoc *doc, int i);

#endif
