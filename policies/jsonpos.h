/* A JSON scanner that keeps positions: every value with its path (keys and
 * array indices), its byte range and line:column, and for object members
 * the key's range.  Hardening edits JSON files through these ranges, so that
 * everything a rule does not touch stays byte-identical; policy and config
 * errors use the line:column. */
#ifndef SBX_JSONPOS_H
#define SBX_JSONPOS_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/err.h"

enum sbx_jtype { SBX_J_OBJ, SBX_J_ARR, SBX_J_STR, SBX_J_NUM, SBX_J_TRUE, SBX_J_FALSE, SBX_J_NULL };

struct sbx_jnode {
	enum sbx_jtype type;
	size_t start, end;       /* the value's bytes, quotes included */
	int line, col;           /* of START, 1-based */
	int parent;              /* index of the enclosing node, -1 for the root */
	char *key;               /* member name (decoded), NULL in arrays and at the root */
	long index;              /* position in the parent array, else -1 */
	int key_line, key_col;   /* of the member name */
};

struct sbx_jdoc {
	struct sbx_jnode *n;
	size_t len, cap;
	const char *text;        /* borrowed */
	size_t size;
};

/* Scans TEXT[0..SIZE).  Malformed JSON is SBX_ESYNTAX with "NAME:LINE:COL:
 * WHAT" (NAME names the file in messages).  The caller releases DOC. */
int sbx_json_scan(const char *name, const char *text, size_t size, struct sbx_jdoc *doc,
		  struct sbx_err *err);
void sbx_json_release(struct sbx_jdoc *doc);

/* Formats node I's path as "a.b[2].c" into a malloc'd string. */
char *sbx_json_path(const struct sbx_jdoc *doc, int i);

/* Finds the member KEY of object node OBJ, or -1. */
int sbx_json_member(const struct sbx_jdoc *doc, int obj, const char *key);

/* The decoded contents of string node I (malloc'd, NUL-terminated; *LEN
 * gets its length, which may include NUL bytes). */
char *sbx_json_string(const struct sbx_jdoc *doc, int i, size_t *len);

/* Decodes the escape sequence at P (its backslash) of a JSON string ending
 * before END, appending the character to OUT (NULL: only checks).  Returns
 * how many bytes it took (2, 6, or 12 for a surrogate pair), or one of: */
enum { SBX_JESC_TRUNCATED = -1, SBX_JESC_SHORT_U = -2, SBX_JESC_BAD_U = -3, SBX_JESC_BAD = -4 };
struct sbx_buf;
int sbx_json_unescape(const char *p, const char *end, struct sbx_buf *out);

/* Appends S[0..LEN) as a JSON string literal, quotes included. */
struct sbx_buf;
void sbx_json_quote(struct sbx_buf *out, const char *s, size_t len);

#endif
