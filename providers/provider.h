/* Providers: the adapters that make a sandbox real.  Each built-in provider
 * file exports one `const struct sbx_provider_ops` made with designated
 * initialisers; providers/registry.c lists them.  The core calls through the
 * table and never switches on a provider's type or name.  Fields are only
 * ever appended.
 *
 * Nothing in providers/ knows about LMDB or the journal: a provider gets a
 * view of the sandbox and answers with a result; the lifecycle layer records
 * intent and outcome around every call. */
#ifndef SBX_PROVIDER_H
#define SBX_PROVIDER_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sbx/err.h"
#include "sbx/store.h"

/* What a provider sees of a sandbox for one operation (all borrowed). */
struct sbx_sandbox_view {
	const char *name;
	const char *purpose;
	const char *owner;
	const char *snapshot;       /* hex id of the tree to materialise */
	const char *provider_id;    /* what provision answered, or NULL */
	const char *op_id;          /* idempotency key: the same across retries of one operation */
	json_t *vars;               /* resolved variables {NAME: value}, placeholders filled from */
	json_t *secrets;            /* {RULE: value} from the admin's secrets file, or NULL */
	struct sbx_store *store;    /* to read and capture snapshots (public API only) */
};

struct sbx_provider_result {
	char *provider_id;          /* set by provision when the provider names the sandbox (malloc'd) */
	char *snapshot;             /* deactivate: the sandbox's new own snapshot, hex (malloc'd) */
	char message[512];          /* a note for the journal (stderr of a program, say) */
};

/* "active", "inactive", "absent" (the provider holds nothing), "unknown". */
struct sbx_provider_status {
	char state[32];
	char message[256];
};

struct sbx_provider_usage {
	int64_t last_activity_ns;   /* 0 when unknown */
	uint64_t size_bytes;
	char source[64];            /* what the activity is: "file change", "provider usage", ... */
};

struct sbx_provider;

struct sbx_provider_ops {
	const char *type;           /* "local", "exec", "http" */
	/* Checks SETTINGS (the config object of this provider) and prepares P;
	 * an error names the setting. */
	int (*init)(struct sbx_provider *p, struct sbx_err *err);
	void (*fini)(struct sbx_provider *p);
	int (*provision)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			 struct sbx_provider_result *res, struct sbx_err *err);
	int (*activate)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			struct sbx_provider_result *res, struct sbx_err *err);
	int (*deactivate)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			  struct sbx_provider_result *res, struct sbx_err *err);
	int (*destroy)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err);
	int (*status)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		      struct sbx_provider_status *st, struct sbx_err *err);
	int (*usage)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		     struct sbx_provider_usage *u, struct sbx_err *err);
	/* Optional (NULL when unsupported): an archive of the sandbox's current
	 * content to FILE, and applying a changeset archive FILE. */
	int (*export_)(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		       struct sbx_err *err);
	int (*import)(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
		      struct sbx_err *err);
	/* Optional (NULL when the provider cannot show it): captures the
	 * sandbox's current content into the store as an unrecorded tree
	 * (sbx_capture_opts.unrecorded), placeholders put back as deactivate
	 * puts them back, the sandbox left as it is; the tree's id in
	 * RES->snapshot.  SBX_ENOTFOUND when the provider holds no content. */
	int (*capture)(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err);
};

struct sbx_provider {
	const struct sbx_provider_ops *ops;
	char *name;                 /* its name in the config: "local", "k8s" */
	json_t *settings;           /* its config object (a reference held) */
	char *config_path;          /* for messages: "config.json" */
	void *priv;                 /* the provider's own state */
};

/* The built-in provider types, NULL-terminated (providers/registry.c). */
extern const struct sbx_provider_ops *const sbx_provider_types[];

/* Makes provider NAME of type settings SETTINGS["type"]; an unknown type is
 * SBX_ESYNTAX listing the known ones.  Caller frees with sbx_provider_free. */
int sbx_provider_new(const char *name, json_t *settings, const char *config_path,
		     struct sbx_provider **out, struct sbx_err *err);
void sbx_provider_free(struct sbx_provider *p);

/* Calls an optional verb: SBX_ENOTSUP "provider 'TYPE:NAME' cannot VERB"
 * when the provider lacks it. */
int sbx_provider_export(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
			struct sbx_err *err);
int sbx_provider_import(struct sbx_provider *p, const struct sbx_sandbox_view *v, const char *file,
			struct sbx_err *err);

/* Releases the strings of RES. */
void sbx_provider_result_release(struct sbx_provider_result *res);

/* Helpers for providers: a duration setting ("90s", "15m", "2h", "30d", or a
 * number of seconds) in milliseconds, DEF when absent; SBX_ESYNTAX naming
 * KEY when malformed. */
int sbx_provider_duration_ms(struct sbx_provider *p, const char *key, long def, long *out,
			     struct sbx_err *err);

#endif
