/* Differences: between two stored trees (which paths were added, removed or
 * changed, and how), between two JSON documents (which keys, with values
 * shown only as a hardening policy allows), between two texts (a line diff);
 * and what a name on the command line designates as one side of a diff (a
 * snapshot, a master version, a sandbox's current content).
 *
 * snapshot/diff.c, policies/jdiff.c, policies/reveal.c, util/linediff.c,
 * lifecycle/resolve.c. */
#ifndef SBX_DIFF_H
#define SBX_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "sbx/store.h"

/* ------------------------------------------------------------ tree diff */

enum sbx_diff_kind { SBX_DIFF_ADDED = 1, SBX_DIFF_REMOVED = 2, SBX_DIFF_CHANGED = 3 };

/* What differs in a changed entry (bits of sbx_diff_entry.what).  A change
 * of mtime alone is no change. */
enum {
	SBX_DIFF_TYPE = 1 << 0,      /* file, directory, symlink (and nothing else is said) */
	SBX_DIFF_MODE = 1 << 1,      /* permission bits, of entries of one type */
	SBX_DIFF_TARGET = 1 << 2,    /* both symlinks, to different targets */
	SBX_DIFF_CONTENT = 1 << 3,   /* both files, with different bytes */
};

/* One side of an entry.  TYPE is 0 on the side where the path is absent. */
struct sbx_diff_side {
	char type;                   /* 'f', 'd', 'l', or 0 */
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;               /* files */
	const char *target;          /* symlinks */
	uint32_t nchunks;            /* files: their chunk ids, 32 bytes each */
	const uint8_t *chunks;
};

struct sbx_diff_walk;

/* A path that differs, with both sides.  Everything is borrowed until the
 * callback returns. */
struct sbx_diff_entry {
	const char *path;            /* "config/triggers/t1.json" */
	enum sbx_diff_kind kind;
	unsigned what;               /* SBX_DIFF_* bits, for SBX_DIFF_CHANGED */
	struct sbx_diff_side a, b;   /* old, new */
	struct sbx_diff_walk *walk;  /* for sbx_diff_read */
};

struct sbx_diff_stats {
	uint64_t trees_loaded;       /* tree objects read from the index */
	uint64_t subtrees_skipped;   /* directories equal on both sides, not entered */
	uint64_t added, removed, changed;
};

/* Compares the trees A and B (hex ids: a snapshot id, or the root of an
 * unrecorded capture -- see sbx_capture_opts.unrecorded), calling FN(e, CTX)
 * for every path that differs, in tree order (each directory's entries by
 * name, a directory before what it holds).  Both trees are walked in
 * lockstep and a directory whose subtree digest is the same on both sides
 * is not entered, so the cost follows the size of the difference, not of
 * the trees.  An added (removed) directory is reported, then everything
 * under it as added (removed); a path whose type changed is reported as
 * changed (SBX_DIFF_TYPE), then what a directory on either side holds as
 * removed or added.  File contents are compared by their chunk lists
 * (chunking is deterministic, so equal bytes give equal lists).  FN
 * returning non-zero stops the walk and is returned.  ST (may be NULL)
 * gets counters.  An id that is neither a snapshot nor a stored tree is
 * SBX_ENOTFOUND.  Reads the index only (no pack) unless FN calls
 * sbx_diff_read. */
int sbx_snapshot_diff(struct sbx_store *s, const char *a, const char *b,
		      int (*fn)(const struct sbx_diff_entry *e, void *ctx), void *ctx,
		      struct sbx_diff_stats *st, struct sbx_err *err);

/* From inside the callback of sbx_snapshot_diff: reads the bytes of side
 * SIDE ('a' or 'b') of file entry E into OUT (replacing its contents).  The
 * caller checks the size first (it is E->a.size or E->b.size): the file is
 * read whole.  The store must be open with SBX_STORE_PACKS. */
int sbx_diff_read(const struct sbx_diff_entry *e, char side, struct sbx_buf *out,
		  struct sbx_err *err);

/* ------------------------------------------------------------ showing values */

/* What a diff may show of a value: nothing a hardening policy would have
 * hidden.  Built from the built-in secret detectors and any number of
 * policies (those recorded with the master versions being compared); a
 * value is hidden when any of them says so. */
struct sbx_reveal;

/* A new reveal holding the built-in secret detectors only.  Caller frees. */
struct sbx_reveal *sbx_reveal_new(void);
void sbx_reveal_free(struct sbx_reveal *r);

/* Adds the rules of the hardening policy at PATH: its secret rules,
 * canaries and mask rules.  A policy that does not load is its error
 * (SBX_ESYNTAX, SBX_ENOTFOUND, ...) and changes nothing. */
int sbx_reveal_add_policy(struct sbx_reveal *r, const char *path, struct sbx_err *err);

/* Appends TEXT[0..N), a piece of file PATH shown in a text diff, to OUT with
 * every secret the detectors find (and every canary) replaced by
 * "${SECRET:RULE}". */
void sbx_reveal_text(const struct sbx_reveal *r, const char *path, const char *text, size_t n,
		     struct sbx_buf *out);

/* ------------------------------------------------------------ JSON diff */

/* One key that differs.  PATH is dotted: "rules[3].actions.email.to",
 * with "[N]" for an array index and "[id=42]" for the element of an array
 * of objects that all carry a distinct scalar "id" (matched by id, not by
 * position); "" is the document itself.  For arrays matched by position,
 * elements are aligned by a diff of the arrays (an insertion is one added
 * element, not a change of every later one): a removed or changed element
 * has its old index, an added one its new index.  A and B are the values as
 * compact JSON text (NULL on the side where the key is absent), every
 * string that a policy masks or that holds a secret replaced by a
 * placeholder: "${MASKED:KIND}" or "${SECRET:RULE}". */
struct sbx_jdiff_change {
	const char *path;
	enum sbx_diff_kind op;
	const char *a, *b;
};

/* Compares the JSON documents A[0..NA) and B[0..NB) of file PATH (PATH
 * decides which mask rules apply), calling FN for each changed, added or
 * removed key, depth first, object members in key order.  Values are shown
 * through R (NULL: nothing hidden; only tests should pass NULL).  A side
 * that is not JSON is SBX_EINVAL (the caller shows a text diff instead).
 * FN returning non-zero stops and is returned. */
int sbx_json_diff(const char *path, const void *a, size_t na, const void *b, size_t nb,
		  const struct sbx_reveal *r,
		  int (*fn)(const struct sbx_jdiff_change *c, void *ctx), void *ctx,
		  struct sbx_err *err);

/* ------------------------------------------------------------ line diff */

/* A line of a text: P[0..LEN), its '\n' included when it has one (so a last
 * line without a newline differs from the same line with one). */
struct sbx_line {
	const char *p;
	size_t len;
};

/* Splits TEXT[0..N) into lines pointing into TEXT; *LINES is malloc'd (the
 * caller frees it).  Returns the number of lines. */
size_t sbx_lines_split(const char *text, size_t n, struct sbx_line **lines);

/* One step of an edit script: '=' (line A[a] is B[b]), '-' (A[a] goes; B is
 * at b), '+' (B[b] comes; A is at a). */
struct sbx_edit {
	char op;
	size_t a, b;
};

/* Computes an edit script turning A[0..NA) into B[0..NB) (Myers' algorithm,
 * linear space): a shortest one, unless a region differs by thousands of
 * lines, which then comes out as removed whole and added whole.  In each
 * run of changes the removals come first, then the additions.  *SCRIPT is
 * malloc'd (the caller frees it), *N steps long.  Aborts only on
 * out-of-memory. */
void sbx_line_diff(const struct sbx_line *a, size_t na, const struct sbx_line *b, size_t nb,
		   struct sbx_edit **script, size_t *n);

/* A hunk of a unified diff: steps [START, END) of a script, covering NA
 * lines of A from A's line A (0-based) and NB lines of B from line B. */
struct sbx_hunk {
	size_t start, end;
	size_t a, na, b, nb;
};

/* Groups the changes of SCRIPT[0..N) into hunks with CONTEXT unchanged
 * lines around each (hunks closer than two contexts merge).  *HUNKS is
 * malloc'd (the caller frees it); returns their number (0: no change). */
size_t sbx_diff_hunks(const struct sbx_edit *script, size_t n, size_t context,
		      struct sbx_hunk **hunks);

/* A changed region of a script, without context: lines [A0, A1) of A
 * became [B0, B1) of B (either may be empty, not both). */
struct sbx_line_change {
	size_t a0, a1, b0, b1;
};

/* The maximal runs of changes of SCRIPT[0..N), in order: between two of
 * them at least one line is common (what a three-way merge compares).
 * *CHANGES is malloc'd (the caller frees it; NULL when there is none);
 * returns their number. */
size_t sbx_line_changes(const struct sbx_edit *script, size_t n,
			struct sbx_line_change **changes);

/* ------------------------------------------------------------ the sides */

struct sbx_config;

/* One side of a diff, from a name on the command line. */
struct sbx_diff_spec {
	char id[65];                 /* the tree to compare */
	char kind[16];               /* "snapshot", "master", "sandbox" */
	char what[320];              /* for people: "master acme@2", "sandbox qa1 (live)" */
	char *policy;                /* the hardening policy recorded with the master
					version it comes from, or NULL (malloc'd) */
	int live;                    /* ID is an unrecorded capture of a live sandbox */
	int live_needed;             /* without SBX_SPEC_LIVE: an active sandbox, whose
					live content may differ from ID */
	char note[600];              /* a caveat for people, or "" */
};

enum {
	/* Capture an active sandbox's live content (the store must be open
	 * with SBX_STORE_WRITE; C must not be NULL).  Without it, an active
	 * sandbox gives its last captured snapshot and LIVE_NEEDED, and C may
	 * be NULL. */
	SBX_SPEC_LIVE = 1 << 0,
};

/* Resolves SPEC into OUT: "master:NAME[@VERSION]", "sandbox:NAME",
 * "snapshot:ID", or without a prefix, NAME@VERSION (a master version), a
 * snapshot id or unambiguous prefix of 8+ hex digits, a master's name (its
 * latest version) or a sandbox's name (its current snapshot; with
 * SBX_SPEC_LIVE and an active sandbox whose provider can capture, its live
 * content, captured through the same placeholder-restoring filter as a
 * deactivation but unrecorded, so the next gc drops it).  A name that
 * designates nothing is SBX_ENOTFOUND; one that designates two things (a
 * master and a sandbox, an id prefix and a name) is SBX_EAMBIG, and the
 * message says how to pick one.  The caller releases OUT. */
int sbx_diff_resolve(struct sbx_store *s, struct sbx_config *c, const char *spec, unsigned flags,
		     struct sbx_diff_spec *out, struct sbx_err *err);
void sbx_diff_spec_release(struct sbx_diff_spec *sp);

#endif
