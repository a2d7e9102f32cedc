#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "policies/glob.h"
#include "sbx/buf.h"

/* Matches one component (up to '/' or the end) with fnmatch. */
static int comp_match(const char *g, size_t gl, const char *p, size_t pl)
{
	char gb[512], pb[512];

	if (gl >= sizeof gb || pl >= sizeof pb)
		return 0;
	memcpy(gb, g, gl);
	gb[gl] = '\0';
	memcpy(pb, p, pl);
	pb[pl] = '\0';
	return fnmatch(gb, pb, 0) == 0;
}

static int match(const char *g, const char *p)
{
	for (;;) {
		const char *gs = strchr(g, '/'), *ps;
		size_t gl = gs ? (size_t)(gs - g) : strlen(g);

		if (gl == 2 && g[0] == '*' && g[1] == '*') {
			const char *rest = gs ? gs + 1 : NULL;

			if (!rest)
				return 1;          /* trailing ** matches everything below */
			/* Zero components, or one more and try again. */
			for (;;) {
				if (match(rest, p))
					return 1;
				ps = strchr(p, '/');
				if (!ps)
					return 0;
				p = ps + 1;
			}
		}
		ps = strchr(p, '/');
		if (!comp_match(g, gl, p, ps ? (size_t)(ps - p) : strlen(p)))
			return 0;
		if (!gs && !ps)
			return 1;
		if (!gs) 
			return 0;
		if (!ps)
			/* A trailing double star after "dir/" matches "dir" itself. */
			return !strcmp(gs + 1, "**");
		g = gs + 1;
		p = ps + 1;
	}
}

int sbx_glob_match(const char *glob, const char *path)
{
	return match(glob, path);
}
