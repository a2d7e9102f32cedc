/* Path globs of policies: '*' and '?' within one path component, '[...]'
 * classes, and '**' for any number of components (zero included).  A glob
 * ending in "/" followed by "**" also matches the directory itself. */
#ifndef SBX_GLOB_H
#define SBX_GLOB_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

/* Returns 1 when PATH (relative, '/'-separated) matches GLOB. */
int sbx_glob_match(const char *glob, const char *path);

#endif
