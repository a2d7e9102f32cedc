/* Placeholders: "${NAME}" takes a sandbox variable, "${SECRET:RULE}" a value
 * from the admin's secrets file (else it stays).  Materialising fills them;
 * capturing a sandbox back puts them back, so that neither per-sandbox
 * values nor secrets ever reach a stored snapshot. */
#ifndef SBX_VARS_H
#define SBX_VARS_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include <jansson.h>

#include "sbx/buf.h"

/* The length of the "${NAME}" or "${SECRET:RULE}" placeholder starting at
 * IN[I] (IN[0..N)), or 0 when none starts there.  *SECRET tells which kind
 * it is.  The one definition of the placeholder syntax: the functions below
 * and the merge's placeholder check (lifecycle/placeholder.c) use it. */
size_t sbx_vars_match(const char *in, size_t n, size_t i, int *secret);

/* Adds to NAMES (a JSON object used as a set) every variable IN[0..N) names
 * in a "${NAME}" placeholder ("${SECRET:...}" excluded). */
void sbx_vars_scan(const char *in, size_t n, json_t *names);

/* Writes IN with placeholders filled from VARS and SECRETS into OUT
 * (appending).  Names missing from VARS stay as they are and are added to
 * MISSING (an object used as a set) when it is not NULL.  Returns the
 * number of placeholders filled. */
size_t sbx_vars_fill(json_t *vars, json_t *secrets, const char *in, size_t n, struct sbx_buf *out,
		     json_t *missing);

/* The reverse: every value of SECRETS, then of VARS (longer values first),
 * becomes its placeholder again.  Returns the number of replacements. */
size_t sbx_vars_unfill(json_t *vars, json_t *secrets, const char *in, size_t n, struct sbx_buf *out);

#endif
