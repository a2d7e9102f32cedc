/* Masters: named lines of hardened snapshots.  A refresh reads a source,
 * applies a hardening policy, runs the gate, and stores the result as the
 * master's next version; a retention rule keeps the last N. */
#ifndef SBX_MASTER_H
#define SBX_MASTER_H

#include <jansson.h>

#include "sbx/err.h"
#include "sbx/snapshot.h"
#include "sbx/store.h"

#define SBX_KEEP_DEFAULT 5

struct sbx_refresh_opts {
	const char *message;
	int keep;                          /* versions kept; 0: the default */
	const struct sbx_progress *progress;
};

struct sbx_refresh_result {
	char id[65];                       /* the version's snapshot */
	int version;
	json_t *report;                    /* new reference; caller decrefs */
	json_t *dropped;                   /* versions retention removed */
};

/* Refreshes master NAME from SOURCE through the policy at POLICY.  S must be
 * open with SBX_STORE_WRITE.  On any failure (a secret with on_secret
 * "fail", a gate hit: SBX_ECONFLICT) nothing is stored. */
int sbx_master_refresh(struct sbx_store *s, const char *name, const char *source,
		       const char *policy, const struct sbx_refresh_opts *o,
		       struct sbx_refresh_result *res, struct sbx_err *err);

/* Dry run of a policy on SOURCE: the report and the snapshot id it would
 * give, nothing stored (pseudonyms use a throw-away key).  S may be NULL. */
int sbx_policy_test(const char *policy, const char *source, struct sbx_refresh_result *res,
		    struct sbx_err *err);

/* Validates the policy at PATH (SBX_ESYNTAX with file:line:column); fills
 * *SUMMARY (new reference) with what it holds. */
int sbx_policy_check(const char *path, json_t **summary, struct sbx_err *err);

/* All masters: [{"name", "versions", "latest": {...}}] (new reference). */
int sbx_master_list(struct sbx_store *s, json_t **out, struct sbx_err *err);

/* Master NAME's record (SPEC is NAME or NAME@VERSION): with a version, that
 * version's entry; without, the whole master.  New reference. */
int sbx_master_show(struct sbx_store *s, const char *spec, json_t **out, struct sbx_err *err);

/* Resolves NAME[@VERSION] (latest without) into its version entry (new
 * reference) and the snapshot id. */
int sbx_master_version(struct sbx_store *s, const char *spec, json_t **version, char id[65],
		       struct sbx_err *err);

/* Runs the gate (every detector, and the canaries of POLICY, or of the
 * policy recorded with the version when POLICY is NULL and its file is
 * still there) over a stored version.  A hit is SBX_ECONFLICT. */
int sbx_master_verify(struct sbx_store *s, const char *spec, const char *policy,
		      json_t **summary, struct sbx_err *err);

#endif
