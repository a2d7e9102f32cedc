/* The lifecycle layer's internal view: the configuration and the state
 * machine. */
#ifndef SBX_LIFECYCLE_H
#define SBX_LIFECYCLE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <jansson.h>

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

/* Sandbox records (lifecycle/sandbox.c): the record of sandbox NAME (new
 * reference; SBX_ENOTFOUND naming it), and the variables of record REC
 * (the purpose's defaults, then its own; new reference). */
int sbx_sandbox_load(struct sbx_store *s, const char *name, json_t **rec, struct sbx_err *err);
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

#endif
