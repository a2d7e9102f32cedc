/* The inside of sbx cost, shared by lifecycle/cost.c (the journal read into
 * billed quantities per account and UTC day) and lifecycle/cost-report.c
 * (those quantities priced and summed into the report). */
#ifndef SBX_COST_INT_H
#define SBX_COST_INT_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

#include "lifecycle/money.h"
#include "sbx/buf.h"
#include "sbx/cost.h"
#include "util/strmap.h"

#define HOUR_NS 3600000000000LL
#define DAY_NS (24 * HOUR_NS)
#define GB_BYTES 1000000000ull
#define MONTH_HOURS 730
#define NONE UINT32_MAX

/* The windows items are summed over: the report's period, the month to
 * date and the 7 days before its end (for the forecast). */
enum { W_REPORT, W_MONTH, W_WEEK, NWIN };
enum kind { K_ACTIVE, K_STORED, K_SAVED };

/* What one account used in one day (or before a window). */
struct dayq {
	uint64_t active_ns, saved_ns;
	sbx_u128 byte_ns;        /* stored bytes x ns */
};

/* An account's quantities per UTC day of one window, from day FIRST on,
 * and what came before the window. */
struct days {
	int64_t first;
	size_t n, cap;
	struct dayq *q;
	struct dayq before;      /* everything before the window, for the running sums */
};

/* Who is billed: a sandbox under one purpose, owner and provider. */
struct account {
	uint32_t sandbox;        /* in c->sandboxes */
	uint32_t purpose, owner, provider;  /* in c->names */
	struct days w[NWIN];
};

/* An interval being billed: open since SINCE, to account ACCT. */
struct span {
	uint32_t acct;           /* NONE when closed */
	int64_t since;
};

/* What the journal has said so far of one sandbox (by name). */
struct sbstate {
	uint32_t acct;           /* the account of its latest entry */
	int64_t bytes;           /* stored bytes as of its latest entry */
	struct span active, stored, saved;
	int destroyed;
};

/* One computation, from sbx_cost_new to sbx_cost_free. */
struct sbx_cost {
	const struct sbx_config *cfg;
	struct sbx_cost_query q;
	int64_t win_lo[NWIN], win_hi[NWIN];
	struct sbx_strmap sandboxes, names, acct_keys;
	struct sbstate *sb;
	size_t nsb;
	struct account *acct;
	size_t nacct, cap;
	struct sbx_buf scratch;
	uint32_t empty;          /* the interned "" */
	size_t skipped, entries;
};

static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Bills what is still running until the end of the period (once, before
 * the report is made). */
void sbx_cost_close(struct sbx_cost *c);

/* The first instant of the UTC month holding NS, MONTHS months later. */
int64_t sbx_cost_month_add(int64_t ns, int months);

#endif
