/* The hardening report: per action and rule, the paths touched and how many
 * values, never a value itself. */
#ifndef SBX_REPORT_H
#define SBX_REPORT_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include <jansson.h>

struct sbx_report;

struct sbx_report *sbx_report_new(void);
void sbx_report_free(struct sbx_report *r);

/* Counts COUNT changes by ACTION ("excluded", "redacted", "masked",
 * "rewritten", "set") under RULE in PATH. */
void sbx_report_add(struct sbx_report *r, const char *action, const char *rule, const char *path,
		    size_t count);
/* Counts a file kept. */
void sbx_report_kept(struct sbx_report *r);

/* {"files_kept": N, "files_excluded": N, "values_redacted": N, ...,
 *  "rules": [{"action", "rule", "count", "files", "paths": {PATH: N}}]}.
 * New reference. */
json_t *sbx_report_json(const struct sbx_report *r);

/* Total count for ACTION. */
size_t sbx_report_total(const struct sbx_report *r, const char *action);

#endif
