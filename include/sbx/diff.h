/* Differences between two texts (a line diff).
 *
 * util/linediff.c. */
#ifndef SBX_DIFF_H
#define SBX_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"
#include "sbx/store.h"

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
 * lines, which then comes out as removed whole and added whole.  *SCRIPT is
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

#endif
