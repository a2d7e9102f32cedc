/* Three-way merge for `sbx promote`: base is the sandbox's master version,
 * ours the sandbox, theirs the source (production now).  The caller hands
 * over, one path at a time, the three versions' bytes (or their absence)
 * and whether the file is binary; sbx_merge_file merges them:
 *
 *   - a .json file key by key (lifecycle/merge-json.c): a change to
 *     different keys of one object is not a conflict, arrays of objects
 *     with an "id" merge by id, equal-length arrays of objects or arrays
 *     merge element by element, other arrays are single values; the output
 *     keeps ours' formatting (see sbx_merge_json);
 *   - any other text file by lines (lifecycle/merge-text.c, a diff3);
 *   - a binary file whole: both sides changed it differently is a conflict.
 *
 * Placeholders the policy introduced (lifecycle/placeholder.h: "${NAME}",
 * "${SECRET:RULE}", masked values) are never carried into production: a
 * value or line that ours changed and that still holds one is a conflict
 * of kind "placeholder" naming it.  A placeholder ours merely inherited
 * from base is no conflict: where theirs has another value, theirs wins.
 *
 * Conflicts collect in a struct sbx_merge_conflicts, which renders side by
 * side or as JSON.  Resolution rules (`--resolve ours|theirs`, `--resolve
 * PATH=ours`, `--resolve PATH:KEYPATH=theirs`) settle conflicts while they
 * are found; a resolved conflict stays in the list, marked resolved.
 *
 * Typical use by `sbx promote`:
 *
 *	struct sbx_merge_opts o;
 *	struct sbx_merge_conflicts c;
 *	sbx_merge_opts_init(&o);
 *	for each --resolve SPEC: sbx_merge_opts_add_resolve(&o, SPEC, err);
 *	sbx_merge_conflicts_init(&c);
 *	for each path in base, ours or theirs (sorted):
 *		struct sbx_merge_result res;
 *		sbx_merge_result_init(&res);
 *		r = sbx_merge_file(&in, &o, &res, &c, err);   (r < 0: stop)
 *		(res.residual: theirs' placeholders are in the file; see below)
 *		if (res.action != SBX_MERGE_KEEP)
 *			sbx_changeset_add(cs, in.path, &res, mode, &mtime_ns, err);
 *		sbx_merge_result_release(&res);
 *	if (c.unresolved) { render c; exit 4, no changeset }
 *	else sbx_changeset_write(cs, FILE, err);
 *
 * The merge checks ours' changes only.  When theirs is production hardened
 * by the policy, a file ours changed also holds theirs' placeholders and
 * pseudonyms where ours changed nothing: RES->residual counts them, and
 * such a file must not go to production as it is.
 */
#ifndef SBX_MERGE_H
#define SBX_MERGE_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include <jansson.h>

#include "sbx/buf.h"
#include "sbx/err.h"

/* A side of the merge, as a resolution or as what a file's conflicts were
 * resolved to. */
enum sbx_merge_side {
	SBX_MERGE_NONE = 0,
	SBX_MERGE_OURS,
	SBX_MERGE_THEIRS,
	SBX_MERGE_MIXED,      /* results only: some conflicts one way, some the other */
};

/* "ours", "theirs", "mixed" or NULL (for NONE). */
const char *sbx_merge_side_name(enum sbx_merge_side s);

/* ---- Resolution rules ---------------------------------------------------- */

struct sbx_merge_rule {
	char *target;                /* NULL: every conflict; else "FILE" or "FILE:KEYPATH" */
	enum sbx_merge_side side;    /* OURS or THEIRS */
};

struct sbx_merge_opts {
	struct sbx_merge_rule *rules;
	size_t nrules;
	/* Values the caller knows to be masked (pseudonyms the policy made
	 * that no shape gives away, such as names): treated as placeholders.
	 * Borrowed; may be NULL. */
	const char *const *masked;
	size_t nmasked;
};

void sbx_merge_opts_init(struct sbx_merge_opts *o);
void sbx_merge_opts_release(struct sbx_merge_opts *o);

/* Adds the rule of one `--resolve SPEC`: "ours" or "theirs" for every
 * conflict, "PATH=ours|theirs" for the conflicts of file PATH, and
 * "PATH:KEYPATH=ours|theirs" for those of a JSON file at KEYPATH or below
 * it (KEYPATH as conflicts spell it: "rules[id=42].actions[0].to").  The
 * side is what follows the last '='.  When several rules match a conflict
 * the most specific wins: the longest key path, then the file, then the
 * global one.  Errors (SBX_EUSAGE): an empty target, a side that is neither
 * "ours" nor "theirs", or the same target given twice with two sides. */
int sbx_merge_opts_add_resolve(struct sbx_merge_opts *o, const char *spec, struct sbx_err *err);

/* The index of the rule that applies to a conflict in FILE at KEYPATH (NULL
 * for text and binary files), or -1. */
int sbx_merge_opts_find(const struct sbx_merge_opts *o, const char *file, const char *keypath);

/* ---- Conflicts ----------------------------------------------------------- */

enum sbx_merge_kind {
	SBX_MERGE_BOTH_CHANGED,      /* both changed one value or region differently */
	SBX_MERGE_DELETE_VS_CHANGE,  /* one side deleted what the other changed */
	SBX_MERGE_PLACEHOLDER,       /* ours' change still holds a placeholder */
	SBX_MERGE_BINARY,            /* both changed a binary file differently */
	SBX_MERGE_TYPE,              /* both changed a JSON value, into different types */
};

/* "both-changed", "delete-vs-change", "placeholder", "binary", "type". */
const char *sbx_merge_kind_name(enum sbx_merge_kind k);

/* Lines of a text region: FIRST is 1-based; COUNT 0 is an empty region
 * just before line FIRST (an insertion point). */
struct sbx_merge_lines {
	size_t first, count;
};

/* A placeholder found in ours' side of a conflict. */
struct sbx_merge_ph {
	char *token;     /* as it appears: "${API_BASE}", "${SECRET:aws-key}",
			  * "brave.fox.1a2b3c@example.invalid", "h0123456789abcdef" */
	const char *what;/* "variable", "secret" or "masked value" (static) */
	size_t line;     /* text files: the line of ours holding it; else 0 */
};

struct sbx_merge_conflict {
	char *file;
	char *path;      /* JSON: the key path ("" for the whole document); else NULL */
	enum sbx_merge_kind kind;
	/* Text files: the region in each version; zero otherwise. */
	struct sbx_merge_lines base_lines, ours_lines, theirs_lines;
	/* The region's or value's text in each version, NULL when absent there
	 * (JSON values indented by two spaces; binary files described by size
	 * and digest). */
	char *base, *ours, *theirs;
	/* Placeholders in ours' change (any kind of conflict may have some:
	 * then it cannot be resolved as ours). */
	struct sbx_merge_ph *ph;
	size_t nph;
	enum sbx_merge_side resolved;   /* NONE while the conflict is open */
	int rule;                       /* the resolving rule's index, else -1 */
};

struct sbx_merge_conflicts {
	struct sbx_merge_conflict *v;
	size_t n, cap;
	size_t unresolved;
};

void sbx_merge_conflicts_init(struct sbx_merge_conflicts *c);
void sbx_merge_conflicts_release(struct sbx_merge_conflicts *c);

/* Renders the conflicts (all of them, or only the open ones when
 * OPEN_ONLY) for a terminal WIDTH columns wide (at least 40): for each, a
 * title line ("CONFLICT (both-changed) config/app.json: rules[id=42].to"),
 * the placeholders found, base's text, then ours and theirs in two columns
 * separated by " | ", long lines wrapped.  Appends to OUT. */
void sbx_merge_render_side_by_side(const struct sbx_merge_conflicts *c, int open_only, int width,
				   struct sbx_buf *out);

/* The conflicts as a JSON array (new reference): one object each with
 * "file", "path" (null for text and binary), "kind", "lines" (text only:
 * {"base": [first, count], "ours": [...], "theirs": [...]}), "base",
 * "ours", "theirs" (strings or null), "placeholders" ([{"token", "what",
 * "line"}]) and "resolved" ("ours", "theirs" or null). */
json_t *sbx_merge_conflicts_json(const struct sbx_merge_conflicts *c);

/* ---- Merging ------------------------------------------------------------- */

/* One path's three versions.  A NULL pointer is a version without the
 * file (an empty file is a non-NULL pointer with length 0). */
struct sbx_merge_input {
	const char *path;            /* '/'-separated, relative */
	const void *base, *ours, *theirs;
	size_t nbase, nours, ntheirs;
	int binary;                  /* merge whole, not by lines or keys */
};

/* What production (theirs) must do to hold the merged file. */
enum sbx_merge_action {
	SBX_MERGE_KEEP,      /* nothing: the merged file is theirs as it is */
	SBX_MERGE_ADD,
	SBX_MERGE_MODIFY,
	SBX_MERGE_DELETE,
};

/* "keep", "add", "modify", "delete". */
const char *sbx_merge_action_name(enum sbx_merge_action a);

struct sbx_merge_result {
	enum sbx_merge_action action;   /* meaningful when CONFLICTS is 0 */
	int present;                    /* the merged file exists */
	struct sbx_buf content;         /* its bytes, when present and no conflict is open */
	/* SHA-256 (lower-case hex) of each version; "" when absent. */
	char base[65], ours[65], theirs[65], result[65];
	int merged;                     /* the result is neither ours nor theirs:
					 * changes of both sides were combined */
	enum sbx_merge_side resolved;   /* how this file's conflicts were resolved */
	size_t conflicts;               /* open conflicts of this file */
	int fallback;                   /* a .json file merged by lines: see NOTE */
	char note[512];
	/* Placeholders the merged content still holds, none of them from a
	 * change of ours (those are conflicts): they come from theirs, or
	 * from base on lines ours did not change.  When theirs is production
	 * hardened by the policy, they stand for production's real values, so
	 * a caller must not hand such a file to production as it is. */
	size_t residual;
	char residual_token[128];       /* the first of them, cut to fit */
};

void sbx_merge_result_init(struct sbx_merge_result *r);
void sbx_merge_result_release(struct sbx_merge_result *r);

/* Merges one path: appends its conflicts to CONF (resolved ones too, marked)
 * and fills RES (which the caller has initialised, and releases).  Files
 * present in one version only, deleted on one side, or added on both are
 * handled here; otherwise the content is merged by kind: binary when
 * IN->binary, JSON when the path ends in ".json" (any case; falling back to
 * lines, with RES->fallback and RES->note, when a version is not valid
 * JSON), else text.  Open conflicts are counted in RES->conflicts (and
 * CONF->unresolved) and leave RES->content empty: no changeset must be
 * written then.  Returns 0, or a negative code: SBX_ECONFLICT when a rule
 * resolves as ours a conflict whose ours side holds a placeholder (the
 * message says which and why), SBX_EINVAL for a NULL path. */
int sbx_merge_file(const struct sbx_merge_input *in, const struct sbx_merge_opts *o,
		   struct sbx_merge_result *res, struct sbx_merge_conflicts *conf,
		   struct sbx_err *err);

/* The content merges sbx_merge_file uses, for callers and tests that have
 * the three texts in hand.  Each version is a pointer and a length, a NULL
 * pointer meaning absent; FILE names the file in conflicts and rules.  On
 * success the merged bytes are appended to OUT unless a conflict stayed
 * open (CONF->unresolved grew).  Both return 0 or a negative code. */

/* Line-based diff3.  Lines end in "\n" (a "\r\n" stays part of its line);
 * the last line may have no end.  Changes of base→ours and base→theirs that
 * touch different lines merge, including changes on adjacent lines and an
 * insertion next to a changed line; changes to the same lines, and two
 * different insertions at one place, conflict unless they are identical.
 * A region that ours changed and that holds a placeholder is a placeholder
 * conflict unless theirs made the same change. */
int sbx_merge_text(const char *file, const char *base, size_t nb, const char *ours, size_t no,
		   const char *theirs, size_t nt, const struct sbx_merge_opts *o, struct sbx_buf *out,
		   struct sbx_merge_conflicts *conf, struct sbx_err *err);

/* Key-by-key JSON merge.  For each value: unchanged on one side, the other
 * side's; changed identically, that; ours changed alone, ours' (unless it
 * holds a placeholder); changed differently on both sides (or deleted on
 * one, changed on the other), a conflict at its key path, unless both are
 * objects (merged key by key), arrays of objects whose "id" (a string or an
 * integer) is unique (merged by id: removed on one side and unchanged on
 * the other is removed; the order is ours' with theirs' additions after it
 * in theirs' order), or arrays of equal length (up to 256) on all three
 * sides holding only objects and arrays, where neither side moved an
 * element of base to another index (merged element by element).  Key order: ours',
 * then keys only theirs has, in theirs' order.
 * The output keeps ours' text wherever the merged value is ours' (a result
 * equal to ours or to theirs is their exact bytes), numbers and strings as
 * they were spelt, and ours' indentation (spaces or tabs), separators,
 * line ends, byte order mark and final newline elsewhere.
 * A version that is not valid JSON (or has a key twice) is SBX_EINVAL with
 * the parser's message; sbx_merge_file then merges by lines. */
int sbx_merge_json(const char *file, const char *base, size_t nb, const char *ours, size_t no,
		   const char *theirs, size_t nt, const struct sbx_merge_opts *o, struct sbx_buf *out,
		   struct sbx_merge_conflicts *conf, struct sbx_err *err);

/* ---- Internal: shared by the merge modules ------------------------------ */

/* Appends a conflict to C (the strings are copied; NULL stays NULL) and
 * returns it, with RESOLVED NONE and RULE -1; counts it open. */
struct sbx_merge_conflict *sbx_merge_conflict_add(struct sbx_merge_conflicts *c, const char *file,
						  const char *path, enum sbx_merge_kind kind,
						  const char *base, const char *ours,
						  const char *theirs);

/* Adds the placeholders found in S[0..N) to conflict X (each token once),
 * LINE being S's line in ours (0: none).  Returns how many it found. */
size_t sbx_merge_conflict_scan(struct sbx_merge_conflict *x, const struct sbx_merge_opts *o,
			       const char *s, size_t n, size_t line);

/* Applies the matching rule of O to conflict X: marks it resolved (no
 * longer counted open) and returns the side, or returns NONE when no rule
 * applies.  Resolving as ours a conflict with placeholders is SBX_ECONFLICT
 * (returned, negative) with the reason in ERR. */
int sbx_merge_conflict_resolve(struct sbx_merge_conflicts *c, struct sbx_merge_conflict *x,
			       const struct sbx_merge_opts *o, struct sbx_err *err);

#endif
