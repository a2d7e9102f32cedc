/* The cost of sandboxes, derived from the journal alone (invariant 4): a
 * sandbox is billed active from an outcome entry that leaves it "active"
 * until the next outcome that does not, and stored from each entry's
 * "stored_bytes" until its destroy outcome, at the rates the configuration
 * gives its purpose and provider.  Amounts are integers in the currency's
 * minor units, rounded once per line item (sandbox x UTC day x kind), so
 * that every total is a sum of the same items whatever the grouping. */
#ifndef SBX_COST_H
#define SBX_COST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sbx/err.h"
#include "sbx/store.h"

struct sbx_config;

enum sbx_cost_by {
	SBX_COST_BY_SANDBOX,
	SBX_COST_BY_PURPOSE,
	SBX_COST_BY_OWNER,
	SBX_COST_BY_PROVIDER,
};

struct sbx_cost_query {
	int64_t from_ns, to_ns;  /* the period [from, to), ns since the epoch */
	int64_t now_ns;          /* what is still running is billed until min(now, to) */
	enum sbx_cost_by by;
};

/* Parses a --by value ("sandbox", "purpose", "owner", "provider") into *BY;
 * -1 when it is none of them. */
int sbx_cost_by_parse(const char *s, enum sbx_cost_by *by);

/* Parses a bound of the period into *OUT: ISO-8601 as the command line takes
 * it, a date "YYYY-MM-DD" (its midnight, UTC), or a duration ("7d", "12h")
 * meaning that long before NOW_NS.  Returns 0, or -1 when S is none of these. */
int sbx_cost_parse_time(const char *s, int64_t now_ns, int64_t *out);

/* The first instant of the UTC calendar month holding NS. */
int64_t sbx_cost_month_start(int64_t ns);

/* Computes the cost report of query Q over the journal of store S with the
 * rates of configuration CFG.  *OUT (a new reference) is the document that
 * `sbx cost --json` prints: "period", "by", "currencies" ({CODE: exponent}),
 * "groups" (one per group and currency: hours, GB-months and amounts, each
 * amount as a decimal string and in integer minor units), "totals" (one per
 * currency), "forecast" (one per currency, with its "definition"), "daily"
 * (per day and currency, the amount per purpose) and "skipped" (journal
 * entries that could not be read).  Errors: the store's, or SBX_ESYNTAX for
 * rates the configuration gives without a currency, SBX_EINVAL for an amount
 * beyond 64 bits. */
int sbx_cost_report(struct sbx_store *s, const struct sbx_config *cfg,
		    const struct sbx_cost_query *q, json_t **out, struct sbx_err *err);

/* The same computation fed one journal entry at a time, for tests and tools:
 * sbx_cost_new (never NULL; CFG is borrowed until sbx_cost_free), then
 * sbx_cost_add for each entry (compact JSON as the journal holds it, oldest
 * first), then sbx_cost_finish (*OUT as sbx_cost_report's), then
 * sbx_cost_free. */
struct sbx_cost;
struct sbx_cost *sbx_cost_new(const struct sbx_config *cfg, const struct sbx_cost_query *q);
void sbx_cost_add(struct sbx_cost *c, const char *entry, size_t len);
int sbx_cost_finish(struct sbx_cost *c, json_t **out, struct sbx_err *err);
void sbx_cost_free(struct sbx_cost *c);

/* Writes V / 10^DIGITS as a decimal with exactly DIGITS fractional digits
 * ("12.30", or "12" when DIGITS is 0) into OUT: an amount in minor units of
 * a currency with DIGITS minor digits. */
void sbx_money_format(uint64_t v, int digits, char out[32]);

#endif
