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

struct sbx_harden_temp_result {
	char id[65];                       /* the hardened tree: unrecorded */
	char base[65];                     /* the snapshot of the version compared with */
	int version;                       /* that version */
	char *policy;                      /* the policy applied (malloc'd) */
	int policy_changed;                /* the recorded policy's file no longer has the
					      digest recorded with the version */
	json_t *report;                    /* the hardening report (new reference) */
};

/* What production looks like now, hardened as master SPEC's versions are:
 * hardens SOURCE as a refresh of master SPEC (NAME, or NAME@VERSION for
 * that version rather than the latest) would, with the master's masking
 * key (so pseudonyms match its versions), through POLICY or, when it is
 * NULL, the policy recorded with the version -- but stores the result as an
 * unrecorded tree (sbx_capture_opts.unrecorded): no master version, no
 * snapshot record, nothing any record points to.  The tree can be read by
 * its id (sbx_snapshot_diff) while the caller keeps the store open; the
 * next gc removes it, as it removes everything no snapshot references.
 * It holds nothing secret: it passed the policy and the gate like any
 * version.  S must be open with SBX_STORE_WRITE | SBX_STORE_PACKS (which
 * also keeps gc away until it is closed).  Errors are those of
 * sbx_master_refresh (a gate hit or a secret with on_secret "fail":
 * SBX_ECONFLICT), and SBX_ENOTFOUND when the recorded policy's file is gone
 * and POLICY is NULL.  The caller releases RES with
 * sbx_harden_temp_release. */
int sbx_master_harden_temp(struct sbx_store *s, const char *spec, const char *source,
			   const char *policy, const struct sbx_progress *progress,
			   struct sbx_harden_temp_result *res, struct sbx_err *err);
void sbx_harden_temp_release(struct sbx_harden_temp_result *res);

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
