/* Hardening one file: the policy's rules in order -- redact, mask, rewrite,
 * set -- with every change counted in the report. */
#ifndef SBX_HARDEN_H
#define SBX_HARDEN_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "policies/mask.h"
#include "policies/policy.h"
#include "policies/report.h"
#include "sbx/buf.h"
#include "sbx/err.h"

struct sbx_hardener {
	const struct sbx_policy *p;
	struct sbx_masker *masker;
	struct sbx_report *report;
};

/* Writes the hardened bytes of file PATH (contents IN[0..N)) into OUT
 * (replacing it).  With on_secret "fail", a secret is SBX_ECONFLICT naming
 * the file and the rule, never the value. */
int sbx_harden_file(struct sbx_hardener *h, const char *path, const void *in, size_t n,
		    struct sbx_buf *out, struct sbx_err *err);

/* The gate: the policy's detectors and canaries over BUF, the hardened
 * bytes of PATH, and over what archives and compressed files inside it
 * hold.  A hit is SBX_ECONFLICT naming the file and the rule or canary
 * number (never the value). */
int sbx_gate_check(const struct sbx_policy *p, const char *path, const void *buf, size_t n,
		   struct sbx_err *err);

#endif
