/* The library side of struct sbx_reveal (include/sbx/diff.h): how one JSON
 * value of a diff is shown. */
#ifndef SBX_REVEAL_H
#define SBX_REVEAL_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/buf.h"
#include "sbx/diff.h"

/* Decides how the scalar leaf VALUE[0..LEN) (JSON text for numbers,
 * booleans and null; the decoded string for strings, IS_STRING set) of
 * file PATH, at the key path KEYS[0..N) (member names, "[]" for an array
 * element), may be shown: 1 with the placeholder to show instead written to
 * OUT ("${SECRET:RULE}", "${MASKED:KIND}"), or 0 when it may be shown as it
 * is.  Hidden: a secret any detector finds (with the leaf's key around it,
 * as key/value rules need), a canary, a string under a mask rule of a
 * policy (its keys, or its pattern, for PATH), and a string that looks like
 * a pseudonym.  A string holding a "${...}" placeholder is shown. */
int sbx_reveal_leaf(const struct sbx_reveal *r, const char *path, const char *const *keys,
		    size_t n, const char *value, size_t len, int is_string, struct sbx_buf *out);

#endif
