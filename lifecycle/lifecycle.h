/* The lifecycle layer's internal view: the configuration and the state
 * machine. */
#ifndef SBX_LIFECYCLE_H
#define SBX_LIFECYCLE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

#include <jansson.h>

#include "policies/schedule.h"
#include "providers/provider.h"
#include "sbx/sandbox.h"

struct sbx_config {
	char *path;
	char *store_path;
	json_t *root;
	struct sbx_provider **providers;
	size_t nproviders;
};

/* Provider NAME of the configuration, or NULL. */
struct sbx_provider *sbx_config_provider(const struct sbx_config *c, const char *name);
/* Purpose PURPOSE's settings, or NULL (borrowed). */
json_t *sbx_config_purpose(const struct sbx_config *c, const char *purpose);
/* The secrets file's object (new reference; an empty object when none is
 * configured), or NULL with ERR set. */
json_t *sbx_config_secrets(const struct sbx_config *c, struct sbx_err *err);

/* Fills V with what providers see of sandbox record REC (name, purpose,
 * owner, snapshot, provider id, store; pointers borrowed from REC). */
void sbx_sandbox_view_of(struct sbx_store *s, json_t *rec, struct sbx_sandbox_view *v);

/* The variables of sandbox record REC (the purpose's defaults, then its
 * own; new reference). */
json_t *sbx_sandbox_vars(struct sbx_config *c, json_t *rec);

/* The state machine: one table of legal transitions. */
struct sbx_transition {
	const char *op;      /* "activate", "deactivate", "destroy", "refresh", "provision" */
	const char *from;
	const char *via;     /* the state while the provider works */
	const char *to;
};

/* The transition OP from state FROM, or NULL when it is not allowed. */
const struct sbx_transition *sbx_transition_find(const char *op, const char *from);
/* 1 for the states a crash can leave behind (provisioning, activating, ...). */
int sbx_state_transient(const char *state);

/* ---- sandbox records (sandbox.c) ---- */

/* Who the journal names as acting: $SBX_ACTOR, else the user, unless
 * sbx_actor_set chose someone ("scheduler"); NULL goes back. */
void sbx_actor_set(const char *actor);
const char *sbx_actor(void);

/* The record of sandbox NAME as stored, without recovering it (new
 * reference). */
int sbx_sandbox_load(struct sbx_store *s, const char *name, json_t **rec, struct sbx_err *err);

/* Stores REC with the journal entry ENTRY (NULL: none) in one transaction;
 * the entry gets its time, actor and the sandbox's name. */
int sbx_sandbox_save(struct sbx_store *s, json_t *rec, json_t *entry, struct sbx_err *err);

/* sbx_sandbox_do with REASON (NULL: none) written in its journal entries. */
int sbx_sandbox_do_why(struct sbx_store *s, struct sbx_config *c, const char *name, const char *op,
		       const char *reason, json_t **record, struct sbx_err *err);

/* sbx_sandbox_refresh with REASON in its journal entries. */
int sbx_sandbox_refresh_why(struct sbx_store *s, struct sbx_config *c, const char *name,
			    const char *to, int force, const char *reason, json_t **record,
			    struct sbx_err *err);

/* The master version REC stems from: its "base", or for a clone of a
 * sandbox that sandbox's base (borrowed; {master, version, snapshot}). */
json_t *sbx_sandbox_master_base(json_t *rec);

/* 0 when REC may be activated, SBX_ECONFLICT naming the limit and who
 * holds it when its purpose's max_active sandboxes are active already,
 * counting the names in ALSO (an array or NULL: activations planned) as
 * active too. */
int sbx_sandbox_room(struct sbx_store *s, struct sbx_config *c, json_t *rec, json_t *also,
		     struct sbx_err *err);

/* 1 when REC holds changes since its last refresh that were not exported
 * since (`sbx refresh` refuses then, and the scheduler exports them before
 * destroying it). */
int sbx_sandbox_unexported(json_t *rec);

/* The newest activity of REC: its last touch or activation, and for an
 * active sandbox what its provider reports (file changes, usage): KNOWN
 * when the caller asked it already, else asked now.  *WHAT describes it
 * ("touch by alice", "file change"); 0 when none is known. */
struct sbx_provider_usage;
int64_t sbx_sandbox_activity(struct sbx_store *s, struct sbx_config *c, json_t *rec,
			     const struct sbx_provider_usage *known, char *what, size_t n);

/* ---- lifecycle policy and what is due (plan.c) ---- */

/* A purpose's lifecycle policy (durations in ns; 0: not set). */
struct sbx_lpolicy {
	int64_t idle_after, warn_before, ttl, destroy_after_inactive, notify_before;
	struct sbx_schedule hours, refresh;
	int has_hours, has_refresh, auto_activate;
	long max_active;                 /* 0: no limit */
	const char *tz;                  /* borrowed; "UTC" when not set */
	const char *hours_text, *refresh_text;
	json_t *notify;                  /* borrowed: target names, or NULL */
};

/* The policy of purpose PURPOSE (validated when the configuration was
 * loaded; an unknown purpose has an empty policy). */
void sbx_lpolicy_get(const struct sbx_config *c, const char *purpose, struct sbx_lpolicy *p);

enum sbx_plan_act {
	SBX_PLAN_NOTICE, SBX_PLAN_RECOVER, SBX_PLAN_DESTROY, SBX_PLAN_DEACTIVATE,
	SBX_PLAN_REFRESH, SBX_PLAN_ACTIVATE, SBX_PLAN_RESUME,
};

struct sbx_plan_item {
	enum sbx_plan_act act;
	const char *kind;        /* "idle", "hours", "ttl", "inactive", "refresh", "keep", ... */
	int64_t due;             /* when it is (or was) due, ns */
	char key[96];            /* a notice: the name that marks it sent */
	char reason[400];
};

struct sbx_plan_in {
	json_t *rec;                     /* the sandbox record */
	const struct sbx_lpolicy *pol;
	int64_t now;
	int64_t activity;                /* sbx_sandbox_activity */
	const char *activity_what;
	long long latest;                /* newest version of its master; 0: unknown */
};

struct sbx_plan {
	struct sbx_plan_item item[8];    /* due now: notices, then at most one action */
	size_t n;
	struct sbx_plan_item next;       /* the next action after now */
	int has_next;
};

/* What the policy asks of the sandbox at IN->now: the actions and notices
 * due, and the next one to come.  Pure: the same input gives the same plan. */
void sbx_plan_sandbox(const struct sbx_plan_in *in, struct sbx_plan *out);

/* The name of A ("deactivate", "notice", ...). */
const char *sbx_plan_act_name(enum sbx_plan_act a);

/* ---- the scheduler (tick.c) ---- */

/* The plan for REC at NOW with its inputs gathered: the purpose's policy
 * into POL, the activity from the record and the provider (USAGE: its
 * answer when the caller has it, NULL: asked now), the newest version of
 * its master (cached in VERSIONS, a JSON object). */
void sbx_tick_plan(struct sbx_store *s, struct sbx_config *c, json_t *rec, int64_t now,
		   json_t *versions, const struct sbx_provider_usage *usage, struct sbx_lpolicy *pol,
		   struct sbx_plan *p);

/* ---- notifications (notify.c) ---- */

/* Sends NOTICE (a JSON object) to each target named in TARGETS (an array of
 * names of the configuration's "notify"); the first failure is returned. */
int sbx_notify_send(const struct sbx_config *c, json_t *targets, json_t *notice,
		    struct sbx_err *err);

#endif
