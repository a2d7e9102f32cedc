/* Secret detection: the built-in rules (PEM private keys, cloud and SaaS
 * tokens, JWTs, secrets in key/value pairs and in URLs) and a policy's own
 * regular expressions, compiled once with PCRE2 and run over any bytes,
 * text or binary.
 *
 * Every rule is written for precision: it fires on a shape that only a
 * secret has (a vendor prefix, a PEM armour line) or on a value whose key
 * says it is a secret.  There is deliberately no "high entropy" rule, so
 * ids, digests, UUIDs and base64 images are never redacted for merely
 * looking random. */
#ifndef SBX_SECRETS_H
#define SBX_SECRETS_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/buf.h"
#include "sbx/err.h"

/* A compiled rule set (PCRE2, 8-bit code units, no UTF, so binary files
 * scan too).  Immutable once built: any number of threads may scan with
 * one set at the same time. */
struct sbx_secrets;

/* A policy's own rule.  NAME is [a-z0-9-]+; PATTERN is a PCRE2 regular
 * expression compiled with PCRE2_MULTILINE (^ and $ match at line ends, as
 * in grep) and never in UTF mode.  The whole match is the secret value,
 * unless the pattern has a group named "value", in which case that group
 * is (so "token=(?<value>[0-9a-f]{32})" keeps "token=" in the output). */
struct sbx_secret_rule_def {
	const char *name;
	const char *pattern;
};

/* Compiles the built-in rules (when BUILTIN is non-zero) followed by the N
 * rules of CUSTOM into a new set stored in *OUT, which the caller frees
 * with sbx_secrets_free.  The definitions are copied; CUSTOM may go away
 * after the call.  Errors: SBX_ESYNTAX for a custom pattern that does not
 * compile (naming the rule, with PCRE2's message and the offset in the
 * pattern), for a name that is not [a-z0-9-]+, and for a name used twice;
 * SBX_EINVAL for a NULL name or pattern. */
int sbx_secrets_new(int builtin, const struct sbx_secret_rule_def *custom, size_t n,
		    struct sbx_secrets **out, struct sbx_err *err);

/* Frees S and its compiled patterns.  Accepts NULL. */
void sbx_secrets_free(struct sbx_secrets *s);

/* One finding.  [START, END) is the secret value only: the quotes, key and
 * the rest of a URL around it are not part of it.  RULE is the rule's name,
 * borrowed from the set (valid until sbx_secrets_free). */
struct sbx_secret_hit {
	size_t start, end;
	const char *rule;
};

/* Scans BUF[0..N) with every rule of S and calls FN(hit, CTX) for each hit,
 * in increasing order of start, never overlapping: when the values found by
 * two rules overlap, the one starting first wins, then the longer one, then
 * the rule defined first (the built-ins, in the order of
 * sbx_secret_builtin_names, before the custom ones).  FN returning non-zero
 * stops the scan, and that value is returned.  Returns 0 when the whole
 * buffer was scanned, SBX_EFAIL when PCRE2 gives up on a match (a policy's
 * pattern reaching PCRE2's match limit or a 16 MiB JIT stack: the scan
 * fails closed rather than report a buffer as clean; the built-in rules
 * are written to stay linear, possessive and within PCRE2's default JIT
 * stack, and do on the hostile inputs of the unit tests), or
 * SBX_ENOMEM.  Thread-safe: the match data are per call. */
int sbx_secrets_scan(const struct sbx_secrets *s, const void *buf, size_t n,
		     int (*fn)(const struct sbx_secret_hit *h, void *ctx), void *ctx,
		     struct sbx_err *err);

/* Appends BUF[0..N) to OUT with the value of every hit replaced by
 * "${SECRET:RULE}", calling COUNT(rule, CTX) once per replacement (COUNT may
 * be NULL).  Returns the number of replacements (>= 0), or a negative SBX_E
 * code from the scan, in which case OUT is left as it was on entry.  The
 * output of a redaction scans clean: the placeholders match no rule. */
long sbx_secrets_redact(const struct sbx_secrets *s, const void *buf, size_t n,
			struct sbx_buf *out, void (*count)(const char *rule, void *ctx),
			void *ctx, struct sbx_err *err);

/* The names of the built-in rules, in priority order, NULL-terminated (for
 * the documentation and `sbx policy check`). */
extern const char *const sbx_secret_builtin_names[];

#endif
