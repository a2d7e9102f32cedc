/* Validating JSON documents with positions (policy files, the config):
 * every error is SBX_ESYNTAX "NAME:LINE:COL: WHAT". */
#ifndef SBX_JVALID_H
#define SBX_JVALID_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include "policies/jsonpos.h"
#include "sbx/err.h"

struct sbx_jv {
	const char *name;        /* the file, for messages */
	struct sbx_jdoc doc;
	struct sbx_err *err;
};

/* Sets the error at NODE (its member name when ON_KEY): FMT takes two %s,
 * A and B (NULL prints nothing). */
int sbx_jv_at(struct sbx_jv *c, int node, int on_key, const char *fmt, const char *a,
	      const char *b);
/* Checks every member name of object OBJ against KNOWN (NULL-terminated);
 * an unknown one is an error with a "did you mean" for a near miss. */
int sbx_jv_known(struct sbx_jv *c, int obj, const char *const *known, const char *what);
/* NODE must be of type T (SBX_J_TRUE: a boolean). */
int sbx_jv_want(struct sbx_jv *c, int node, enum sbx_jtype t, const char *what);
/* The decoded string NODE (malloc'd). */
char *sbx_jv_str(struct sbx_jv *c, int node);
/* A non-empty string member KEY of OBJ, or NULL: absent (an error in *R
 * when REQUIRED) or wrong (the error in *R). */
char *sbx_jv_member_str(struct sbx_jv *c, int obj, const char *key, const char *what,
			int required, int *r);
/* The strings of member KEY of OBJ, an array of strings or one string. */
char **sbx_jv_member_strs(struct sbx_jv *c, int obj, const char *key, size_t *n, int *r);
void sbx_jv_free_strs(char **v, size_t n);

#endif
