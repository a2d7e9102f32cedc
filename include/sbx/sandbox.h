/* Sandboxes: clones of master versions (or of other sandboxes) with a
 * purpose, an owner, variables and a provider, driven through a lifecycle
 * state machine whose every transition is journaled, intent before and
 * outcome after the provider is called. */
#ifndef SBX_SANDBOX_H
#define SBX_SANDBOX_H

#include <stddef.h>

#include <jansson.h>

#include "sbx/err.h"
#include "sbx/store.h"

struct sbx_config;

/* Loads the configuration: PATH, or STORE/config.json, or (when neither
 * exists) the default: one "local" provider rooted at STORE/sandboxes.
 * Mistakes are SBX_ESYNTAX "FILE:LINE:COL: WHAT". */
int sbx_config_load(const char *store_path, const char *path, struct sbx_config **out,
		    struct sbx_err *err);
void sbx_config_free(struct sbx_config *c);
/* What the configuration holds (new reference). */
json_t *sbx_config_summary(const struct sbx_config *c);

struct sbx_clone_opts {
	const char *purpose;
	const char *provider;            /* NULL: the purpose's, else "local" */
	const char *owner;               /* NULL: the actor */
	const char *const *vars;         /* "K=V" */
	size_t nvars;
	const char *const *labels;       /* "K=V" */
	size_t nlabels;
	int activate;
};

/* Creates sandbox NAME from FROM: MASTER[@VERSION] or an existing sandbox
 * (its current snapshot).  Records metadata only.  *RECORD (new
 * reference) is the sandbox record. */
int sbx_sandbox_clone(struct sbx_store *s, struct sbx_config *c, const char *from,
		      const char *name, const struct sbx_clone_opts *o, json_t **record,
		      struct sbx_err *err);

/* Runs OP ("activate", "deactivate", "destroy") on sandbox NAME.  An op its
 * state does not allow is SBX_ECONFLICT naming the state. */
int sbx_sandbox_do(struct sbx_store *s, struct sbx_config *c, const char *name, const char *op,
		   json_t **record, struct sbx_err *err);

/* Rebases an inactive sandbox onto master version TO (NULL: the latest);
 * refuses while it holds changes since its last refresh, unless FORCE. */
int sbx_sandbox_refresh(struct sbx_store *s, struct sbx_config *c, const char *name,
			const char *to, int force, json_t **record, struct sbx_err *err);

/* Records activity on sandbox NAME by the actor, from SOURCE (NULL:
 * "touch"; "api", "ci", ... for tools that report activity). */
int sbx_sandbox_touch(struct sbx_store *s, const char *name, const char *source, json_t **record,
		      struct sbx_err *err);

/* Writes the content of inactive sandbox NAME as an archive to FILE
 * (format from its suffix), or, when FILE is NULL, to
 * STORE/exports/NAME-YYYYMMDDTHHMMSSZ.tar.zst, and records it: its changes
 * count as exported (refresh no longer refuses them).  *PATH (caller frees,
 * may be NULL) gets the file written.  An active sandbox is SBX_ECONFLICT:
 * its live changes are captured by deactivating it. */
int sbx_sandbox_export(struct sbx_store *s, const char *name, const char *file, char **path,
		       struct sbx_err *err);

struct sbx_promote_opts {
	const char *source;              /* --onto: production now (directory or archive) */
	const char *out;                 /* --out: the changeset file */
	const char *policy;              /* NULL: the policy recorded with the base version */
	const char *const *resolve;      /* --resolve specs: "ours", "theirs", "PATH=SIDE" */
	size_t nresolve;
	int apply;                       /* hand the changeset to the provider's import */
	int width;                       /* columns of the side-by-side rendering (>= 40) */
	const struct sbx_progress *progress;
};

struct sbx_promote_result {
	json_t *doc;         /* the summary (success): sandbox, file, base, source,
				files [{path, action, base, ours, theirs, result, merged,
				resolved}], counts, conflicts (resolved ones), applied */
	json_t *conflicts;   /* open conflicts as JSON (SBX_ECONFLICT), else NULL */
	char *side_by_side;  /* the same, rendered side by side (malloc'd), else NULL */
};

/* Promotes sandbox NAME's own changes onto production: a three-way merge
 * with the sandbox's master version as base, its content as ours (live when
 * it is active) and O->source hardened through the master's policy as
 * theirs, un-hardened again with production's own bytes so that the result
 * holds production's values and only the sandbox's change.  On success
 * writes the changeset O->out (mode 0600), journals a "promote" event and
 * marks the sandbox's changes as promoted; with O->apply hands the file to
 * the provider's import (journaled intent, outcome).  Open conflicts are
 * SBX_ECONFLICT with RES->conflicts and RES->side_by_side set and nothing
 * written; so is a provider that cannot import (checked first).  S must be
 * open with SBX_STORE_WRITE | SBX_STORE_PACKS.  The caller releases RES. */
int sbx_sandbox_promote(struct sbx_store *s, struct sbx_config *c, const char *name,
			const struct sbx_promote_opts *o, struct sbx_promote_result *res,
			struct sbx_err *err);
void sbx_promote_result_release(struct sbx_promote_result *res);

/* Holds sandbox NAME: the scheduler leaves it alone until UNTIL (ns since
 * the epoch; 0 releases the hold now).  The hold expires by itself. */
int sbx_sandbox_keep(struct sbx_store *s, const char *name, int64_t until, const char *reason,
		     json_t **record, struct sbx_err *err);

/* Evaluates every sandbox's lifecycle policy at the lifecycle clock's time
 * and performs what is due (unless DRY_RUN): deactivations (idle, outside
 * active hours), activations (auto_activate), destructions (ttl,
 * destroy_after_inactive, after exporting unexported changes), refreshes
 * in their windows, and notices.  *ACTIONS (new reference) lists each with
 * its reason and result.  A failure on one sandbox does not stop the
 * others: the return is SBX_EFAIL when any failed, with ERR saying how
 * many.  S must be open for writing (the writer lock keeps ticks apart). */
int sbx_tick(struct sbx_store *s, struct sbx_config *c, int dry_run, json_t **actions,
	     struct sbx_err *err);

/* Sandboxes (not destroyed unless STATE says "destroyed"), filtered by
 * state, purpose and owner (NULL: any).  New reference. */
int sbx_sandbox_list(struct sbx_store *s, const char *state, const char *purpose,
		     const char *owner, json_t **out, struct sbx_err *err);

/* The record, the provider's view of it, and a drift flag when the two
 * disagree.  New reference. */
int sbx_sandbox_status(struct sbx_store *s, struct sbx_config *c, const char *name, json_t **out,
		       struct sbx_err *err);

/* The journal entries of sandbox NAME, oldest first.  New reference. */
int sbx_sandbox_history(struct sbx_store *s, const char *name, json_t **out, struct sbx_err *err);

/* Finishes or rolls back interrupted transitions: of NAME, or of all.
 * *DONE lists what was done (new reference). */
int sbx_sandbox_recover(struct sbx_store *s, struct sbx_config *c, const char *name,
			json_t **done, struct sbx_err *err);

#endif
