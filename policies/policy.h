/* Hardening policies: the JSON file that says what of a production export
 * may reach a master and how it is changed on the way.  See PRODUCT.md,
 * "Masters and hardening", and doc/sbx.1. */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "policies/jsel.h"
#include "policies/secrets.h"
#include "sbx/err.h"

enum sbx_mask_on { SBX_MASK_KEYS, SBX_MASK_COLUMNS, SBX_MASK_PATTERN };

struct sbx_mask_rule {
	char *name;              /* for the report: "mask[0]" */
	char *files;
	enum sbx_mask_on on;
	char **sel_text;         /* keys (selector text) or columns */
	struct sbx_jsel **sel;   /* compiled keys */
	size_t nsel;
	char *pattern;           /* "email", "phone" or a regex */
	char *as;                /* kind, or NULL for the default */
};

struct sbx_rewrite_rule {
	char *name;
	char *files;
	char *from;              /* literal, or NULL */
	char *regex;             /* or a regex */
	char *to;
	void *re;                /* pcre2_code */
};

struct sbx_set_rule {
	char *name;
	char *files;
	char *key;
	struct sbx_jsel *sel;
	char *value;             /* JSON text of the value */
	int only_bool;           /* built-in outbound rules touch booleans only */
};

struct sbx_policy {
	char *path;
	int version;
	char **include, **exclude;
	size_t ninclude, nexclude;
	struct sbx_secrets *secrets;     /* built-in and custom redaction rules */
	int redact_builtin;
	int on_secret_fail;
	struct sbx_mask_rule *mask;
	size_t nmask;
	struct sbx_rewrite_rule *rewrite;
	size_t nrewrite;
	struct sbx_set_rule *set;        /* the policy's, then the outbound ones */
	size_t nset;
	int outbound_disabled;
	char **canaries;
	size_t ncanaries;
	uint8_t digest[32];              /* SHA-256 of the file */
};

/* The rules "outbound": "disabled" adds, as selectors (documented in sbx(1)). */
extern const char *const sbx_outbound_keys[];

/* Loads and validates the policy at PATH.  Any mistake is SBX_ESYNTAX with
 * "PATH:LINE:COL: WHAT", and a suggestion for a misspelt name. */
int sbx_policy_load(const char *path, struct sbx_policy **out, struct sbx_err *err);

/* Same, from TEXT (NAME is used in messages). */
int sbx_policy_parse(const char *name, const char *text, size_t len, struct sbx_policy **out,
		     struct sbx_err *err);

void sbx_policy_free(struct sbx_policy *p);

/* Returns 1 when PATH is kept by include/exclude; otherwise 0 and the glob
 * that dropped it in *WHY (borrowed). */
int sbx_policy_keeps(const struct sbx_policy *p, const char *path, const char **why);

#endif
