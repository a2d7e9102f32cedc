/* Reading journal entries fast: the handful of top-level fields that
 * derivations from the journal (cost) need, picked out of the entry's JSON
 * text in one pass without building a tree.  A journal of a million entries
 * is read in a fraction of the time jansson takes to parse it. */
#ifndef SBX_JENTRY_H
#define SBX_JENTRY_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"

/* A string field: P[0..LEN) (not NUL-terminated), NULL when absent or not a
 * string. */
struct sbx_jfield {
	const char *p;
	size_t len;
};

struct sbx_jentry {
	struct sbx_jfield actor, op, owner, phase, provider, purpose, result, sandbox, time, to;
	int64_t time_ns, stored_bytes;
	unsigned has_time_ns : 1, has_stored_bytes : 1;
};

/* Extracts the fields of E from TEXT[0..LEN), a JSON object.  String values
 * point into TEXT, or into SCRATCH when they hold escapes (decoded there;
 * valid until the next call with the same SCRATCH).  Members it does not
 * know are skipped, nested values included.  With ONLY_OUTCOMES, stops and
 * returns 1 as soon as a "phase" other than "outcome" is read (E then holds
 * only the members before it).  Returns 0, or -1 when TEXT is not a
 * well-formed JSON object. */
int sbx_jentry_scan(const char *text, size_t len, struct sbx_jentry *e, struct sbx_buf *scratch,
		    int only_outcomes);

/* 1 when field F is present and equals the NUL-terminated S. */
static inline int sbx_jfield_is(const struct sbx_jfield *f, const char *s)
{
	size_t i;

	if (!f->p)
		return 0;
	for (i = 0; i < f->len; i++)
		if (s[i] != f->p[i] || !s[i])
			return 0;
	return s[i] == '\0';
}

#endif
