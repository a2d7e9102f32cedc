/* Line diffs for the text merge: files split into lines, equal lines given
 * one number, and a minimal diff between two line sequences (Myers'
 * O((N+M)D) algorithm in linear space, as GNU diff runs it without its
 * speed heuristics). */
#ifndef SBX_LINEDIFF_H
#define SBX_LINEDIFF_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

struct sbx_line {
	const char *p;       /* borrowed from the text */
	size_t len;          /* the terminator ("\n" or "\r\n") included */
	uint32_t id;         /* equal lines, equal ids (sbx_lines_number) */
};

struct sbx_lines {
	struct sbx_line *v;
	size_t n;
};

/* Splits S[0..N) into lines, each ending after a '\n' (the last one may
 * have no end).  The lines borrow S.  The caller releases L. */
void sbx_lines_split(const char *s, size_t n, struct sbx_lines *l);
void sbx_lines_release(struct sbx_lines *l);

/* Numbers the lines of the NF files F[0..NF) so that two lines (of any of
 * them) have the same id exactly when their bytes are equal. */
void sbx_lines_number(struct sbx_lines *const *f, size_t nf);

/* A changed region: lines [A0, A1) of the old sequence became [B0, B1) of
 * the new one (either may be empty, not both). */
struct sbx_hunk {
	size_t a0, a1, b0, b1;
};

/* The hunks of a minimal diff of A[0..N) into B[0..M), in order, each a
 * maximal run of changed lines (between two hunks at least one line is
 * common).  Returns their number; *H (malloc'd, caller frees) gets them. */
size_t sbx_linediff(const uint32_t *a, size_t n, const uint32_t *b, size_t m,
		    struct sbx_hunk **h);

#endif
