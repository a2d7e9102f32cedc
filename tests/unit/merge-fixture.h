/* The fixture the content-merge tests share (test_merge_json.c,
 * test_merge_text.c): options, conflicts and the merged text of one test,
 * and a call of a content merge that returns the merged text, or NULL on an
 * error or an open conflict (m->r and m->e tell which). */
#ifndef SBX_TESTS_MERGE_FIXTURE_H
#define SBX_TESTS_MERGE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "lifecycle/merge.h"

struct m {
	struct sbx_merge_opts o;
	struct sbx_merge_conflicts c;
	struct sbx_buf out;
	struct sbx_err e;
	int r;
};

typedef int (*merge_fn)(const char *, const char *, size_t, const char *, size_t, const char *,
			size_t, const struct sbx_merge_opts *, struct sbx_buf *,
			struct sbx_merge_conflicts *, struct sbx_err *);

static int setup(void **state)
{
	struct m *m = calloc(1, sizeof *m);

	sbx_merge_opts_init(&m->o);
	sbx_merge_conflicts_init(&m->c);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct m *m = *state;

	sbx_merge_opts_release(&m->o);
	sbx_merge_conflicts_release(&m->c);
	sbx_buf_release(&m->out);
	free(m);
	return 0;
}

/* Merges the three versions (NULL: absent) of FILE with FN. */
static const char *merge_with(struct m *m, merge_fn fn, const char *file, const char *b,
			      const char *o, const char *t)
{
	size_t open = m->c.unresolved;

	sbx_buf_release(&m->out);
	sbx_buf_grow(&m->out, 0);
	sbx_err_clear(&m->e);
	m->r = fn(file, b, b ? strlen(b) : 0, o, o ? strlen(o) : 0, t, t ? strlen(t) : 0, &m->o,
		  &m->out, &m->c, &m->e);
	if (m->r)
		return NULL;
	if (m->c.unresolved != open) {
		assert_int_equal(m->out.len, 0);
		return NULL;
	}
	return m->out.data;
}

static void resolve(struct m *m, const char *spec)
{
	struct sbx_err e = { 0 };

	assert_int_equal(sbx_merge_opts_add_resolve(&m->o, spec, &e), 0);
}

#endif
