/* The lifecycle state machine: every legal transition, in one table. */
#include "config.h"

#include <string.h>

#include "lifecycle/lifecycle.h"

static const struct sbx_transition table[] = {
	{ "provision", "none", "provisioning", "inactive" },
	{ "activate", "inactive", "activating", "active" },
	{ "activate", "failed", "activating", "active" },
	{ "deactivate", "active", "deactivating", "inactive" },
	{ "deactivate", "failed", "deactivating", "inactive" },
	{ "refresh", "inactive", "refreshing", "inactive" },
	{ "destroy", "inactive", "destroying", "destroyed" },
	{ "destroy", "active", "destroying", "destroyed" },
	{ "destroy", "failed", "destroying", "destroyed" },
	{ NULL, NULL, NULL, NULL },
};

const struct sbx_transition *sbx_transition_find(const char *op, const char *from)
{
	const struct sbx_transition *t;

	for (t = table; t->op; t++)
		if (!strcmp(t->op, op) && !strcmp(t->from, from))
			return t;
	return NULL;
}

int sbx_state_transient(const char *state)
{
	const struct sbx_transition *t;

	for (t = table; t->op; t++)
		if (!strcmp(t->via, state))
			return 1;
	return 0;
}
