/* sbx cost, the report: the quantities lifecycle/cost.c derived from the
 * journal, priced at the configuration's rates as line items (account x UTC
 * day x kind) and summed into groups, totals, a forecast and a daily series
 * per purpose, every one of them a sum of the same line items. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle/cost-int.h"
#include "lifecycle/lifecycle.h"
#include "util/timeutil.h"

static const char *by_name(enum sbx_cost_by by)
{
	static const char *const names[] = { "sandbox", "purpose", "owner", "provider" };

	return names[by];
}

struct rates {
	int64_t active, stored;  /* micro-units per hour, per GB-month */
	uint32_t currency;       /* in c->names; the empty string when unrated */
	const char *code;        /* its name, "" when unrated */
	int exp;
	int rated;
};

struct rate_cache {
	struct sbx_strmap keys;  /* (purpose, provider) */
	struct rates *r;
};

static const char *rate_field(json_t *purpose, json_t *provider, const char *k)
{
	const char *v = json_string_value(json_object_get(purpose, k));

	return v ? v : json_string_value(json_object_get(provider, k));
}

/* The rates of PURPOSE on PROVIDER: the purpose's "rates" over the
 * provider's, field by field. */
static int resolve(struct sbx_cost *c, uint32_t purpose, uint32_t provider, struct rates *r,
		   struct sbx_err *err)
{
	const char *pn = sbx_strmap_key(&c->names, purpose, NULL);
	const char *vn = sbx_strmap_key(&c->names, provider, NULL);
	json_t *pr = NULL, *vr = NULL;
	const char *a, *s, *cur;
	struct sbx_err e = { 0 };

	memset(r, 0, sizeof *r);
	r->currency = c->empty;
	r->code = "";
	if (c->cfg) {
		pr = json_object_get(sbx_config_purpose(c->cfg, pn), "rates");
		vr = json_object_get(json_object_get(json_object_get(c->cfg->root, "providers"), vn),
				     "rates");
	}
	a = rate_field(pr, vr, "active_per_hour");
	s = rate_field(pr, vr, "stored_per_gb_month");
	cur = rate_field(pr, vr, "currency");
	if (!a && !s && !cur)
		return 0;
	if ((a && sbx_money_parse(a, &r->active, &e)) || (s && sbx_money_parse(s, &r->stored, &e)))
		return sbx_err_set(err, SBX_ESYNTAX, "%s: rates of purpose '%s' on provider '%s': %s",
				   c->cfg->path, pn, vn, e.msg);
	if (!cur || !sbx_currency_ok(cur))
		return sbx_err_set(err, SBX_ESYNTAX, "%s: rates of purpose '%s' on provider '%s' need a "
				   "\"currency\" (three capital letters, such as \"EUR\")",
				   c->cfg->path, pn, vn);
	r->currency = sbx_strmap_intern(&c->names, cur, strlen(cur), NULL);
	r->code = sbx_strmap_key(&c->names, r->currency, NULL);
	r->exp = sbx_currency_exponent(cur);
	r->rated = 1;
	return 0;
}

static int rates_of(struct sbx_cost *c, struct rate_cache *rc, const struct account *a,
		    const struct rates **out, struct sbx_err *err)
{
	uint32_t key[2] = { a->purpose, a->provider };
	int added;
	uint32_t i = sbx_strmap_intern(&rc->keys, key, sizeof key, &added);

	if (added) {
		int r;

		rc->r = sbx_xrealloc(rc->r, (i + 1) * sizeof *rc->r);
		r = resolve(c, a->purpose, a->provider, &rc->r[i], err);
		if (r)
			return r;
	}
	*out = &rc->r[i];
	return 0;
}

/* RATE x QTY / UNIT in minor units (10^EXP of the major unit), rounded half
 * up. */
static int price(sbx_u128 qty, int exp, int64_t rate, sbx_u128 unit, uint64_t *out,
		 struct sbx_err *err)
{
	sbx_u128 scaled = qty;
	int i;

	for (i = 0; i < exp; i++) {
		if (scaled > ~(sbx_u128)0 / 10)
			return sbx_err_set(err, SBX_EINVAL, "an amount of the cost report does not fit "
					   "in 128 bits");
		scaled *= 10;
	}
	if (sbx_muldiv_round(scaled, (uint64_t)rate, unit, out))
		return sbx_err_set(err, SBX_EINVAL, "an amount of the cost report does not fit 64 bits");
	return 0;
}

#define ACTIVE_UNIT ((sbx_u128)HOUR_NS * SBX_MICRO)
#define STORED_UNIT ((sbx_u128)GB_BYTES * MONTH_HOURS * HOUR_NS * SBX_MICRO)

/* One kind of an account's cost as it runs through a window: the quantity
 * so far (from the account's first entry) and its price, rounded. */
struct running {
	sbx_u128 qty;
	uint64_t price;
	int64_t rate;
	sbx_u128 unit;
};

static int run_start(struct running *ru, sbx_u128 before, int64_t rate, sbx_u128 unit,
		     const struct rates *r, struct sbx_err *err)
{
	ru->qty = before;
	ru->rate = rate;
	ru->unit = unit;
	ru->price = 0;
	return r->rated ? price(before, r->exp, rate, unit, &ru->price, err) : 0;
}

/* The line item of quantity DQ: the rounded price of the running sum after
 * it less the one before, so that the items of any run of days add up to
 * its exact price rounded once, and no small amount is lost to rounding
 * day after day. */
static int run_item(struct running *ru, sbx_u128 dq, const struct rates *r, uint64_t *item,
		    struct sbx_err *err)
{
	uint64_t p;
	int rc;

	*item = 0;
	if (!dq || !r->rated)
		return 0;
	ru->qty += dq;
	if ((rc = price(ru->qty, r->exp, ru->rate, ru->unit, &p, err)))
		return rc;
	*item = p - ru->price;
	ru->price = p;
	return 0;
}

/* What one line item costs. */
struct item {
	uint64_t active, stored, saved;  /* minor units */
};

struct runs {
	struct running active, stored, saved;
};

static int runs_start(struct runs *rs, const struct dayq *before, const struct rates *r,
		      struct sbx_err *err)
{
	int rc;

	if ((rc = run_start(&rs->active, before->active_ns, r->active, ACTIVE_UNIT, r, err)) ||
	    (rc = run_start(&rs->saved, before->saved_ns, r->active, ACTIVE_UNIT, r, err)) ||
	    (rc = run_start(&rs->stored, before->byte_ns, r->stored, STORED_UNIT, r, err)))
		return rc;
	return 0;
}

static int price_item(struct runs *rs, const struct dayq *q, const struct rates *r,
		      struct item *it, struct sbx_err *err)
{
	int rc;

	if ((rc = run_item(&rs->active, q->active_ns, r, &it->active, err)) ||
	    (rc = run_item(&rs->saved, q->saved_ns, r, &it->saved, err)) ||
	    (rc = run_item(&rs->stored, q->byte_ns, r, &it->stored, err)))
		return rc;
	return 0;
}

/* A row of the report: a group (or a total) in one currency. */
struct row {
	const char *key;
	uint32_t currency;
	const char *code;        /* the currency's, "" when unrated */
	int exp, rated;
	uint64_t active_ns, saved_ns;
	sbx_u128 byte_ns;
	uint64_t active, stored, saved;   /* minor units */
	uint64_t mtd, week;      /* totals: the month to date, the last 7 days */
	size_t sandboxes;
	uint32_t last_acct;
};

struct rows {
	struct sbx_strmap keys;  /* (currency, key) */
	struct sbx_strmap members;  /* (row, sandbox): counts the sandboxes */
	struct row *r;
};

static uint32_t row_of(struct rows *rs, const char *key, const struct rates *rt)
{
	struct sbx_buf k = SBX_BUF_INIT;
	uint32_t i;
	int added;

	sbx_buf_add(&k, &rt->currency, sizeof rt->currency);
	sbx_buf_adds(&k, key);
	i = sbx_strmap_intern(&rs->keys, k.data, k.len, &added);
	sbx_buf_release(&k);
	if (added) {
		rs->r = sbx_xrealloc(rs->r, (i + 1) * sizeof *rs->r);
		memset(&rs->r[i], 0, sizeof rs->r[i]);
		rs->r[i].key = key;
		rs->r[i].currency = rt->currency;
		rs->r[i].code = rt->code;
		rs->r[i].exp = rt->exp;
		rs->r[i].rated = rt->rated;
	}
	return i;
}

static void row_add(struct row *r, const struct dayq *q, const struct item *it)
{
	r->active_ns += q->active_ns;
	r->saved_ns += q->saved_ns;
	r->byte_ns += q->byte_ns;
	r->active += it->active;
	r->stored += it->stored;
	r->saved += it->saved;
}

/* Counts SANDBOX in row I once. */
static void row_member(struct rows *rs, uint32_t i, uint32_t sandbox)
{
	uint32_t pair[2] = { i, sandbox };
	int added;

	sbx_strmap_intern(&rs->members, pair, sizeof pair, &added);
	rs->r[i].sandboxes += (size_t)added;
}

static void rows_release(struct rows *rs)
{
	sbx_strmap_release(&rs->keys);
	sbx_strmap_release(&rs->members);
	free(rs->r);
}

/* Rounded fixed-point text of NUM / DEN with DIGITS decimals. */
static json_t *fixed(sbx_u128 num, sbx_u128 den, int digits)
{
	uint64_t v = 0, scale = 1;
	char s[32];
	int i;

	for (i = 0; i < digits; i++)
		scale *= 10;
	if (sbx_muldiv_round(num, scale, den, &v))
		return json_null();
	sbx_money_format(v, digits, s);
	return json_string(s);
}

/* KEY: the amount as a decimal string (null when unrated); KEY_minor: in
 * minor units. */
static void put_money(json_t *o, const char *k, uint64_t minor, const struct row *r)
{
	char s[32], km[64];

	snprintf(km, sizeof km, "%s_minor", k);
	if (r->rated) {
		sbx_money_format(minor, r->exp, s);
		json_object_set_new(o, k, json_string(s));
	} else {
		json_object_set_new(o, k, json_null());
	}
	json_object_set_new(o, km, json_integer((json_int_t)minor));
}

static json_t *row_json(struct sbx_cost *c, const struct row *r, int with_key)
{
	json_t *o = json_object();

	if (with_key)
		json_object_set_new(o, "key", json_string(r->key));
	json_object_set_new(o, "currency", r->rated ? json_string(r->code) : json_null());
	json_object_set_new(o, "sandboxes", json_integer((json_int_t)r->sandboxes));
	json_object_set_new(o, "active_hours", fixed(r->active_ns, HOUR_NS, 2));
	put_money(o, "active", r->active, r);
	json_object_set_new(o, "gb_months", fixed(r->byte_ns, (sbx_u128)GB_BYTES * MONTH_HOURS * HOUR_NS, 4));
	put_money(o, "storage", r->stored, r);
	put_money(o, "total", r->active + r->stored, r);
	json_object_set_new(o, "savings_hours", fixed(r->saved_ns, HOUR_NS, 2));
	put_money(o, "savings", r->saved, r);
	if (with_key && c->q.by == SBX_COST_BY_SANDBOX) {
		const struct account *a = &c->acct[r->last_acct];

		json_object_set_new(o, "purpose", json_string(sbx_strmap_key(&c->names, a->purpose, NULL)));
		json_object_set_new(o, "owner", json_string(sbx_strmap_key(&c->names, a->owner, NULL)));
		json_object_set_new(o, "provider", json_string(sbx_strmap_key(&c->names, a->provider, NULL)));
	}
	return o;
}

/* By key, then currency code, the unrated last. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int d = strcmp(a->key, b->key);

	if (d)
		return d;
	if (a->rated != b->rated)
		return a->rated ? -1 : 1;
	return strcmp(a->code, b->code);
}

static const char *group_key(struct sbx_cost *c, const struct account *a)
{
	uint32_t i;

	switch (c->q.by) {
	case SBX_COST_BY_SANDBOX:
		return sbx_strmap_key(&c->sandboxes, a->sandbox, NULL);
	case SBX_COST_BY_PURPOSE:
		i = a->purpose;
		break;
	case SBX_COST_BY_OWNER:
		i = a->owner;
		break;
	default:
		i = a->provider;
		break;
	}
	return i == c->empty ? "(unknown)" : sbx_strmap_key(&c->names, i, NULL);
}

/* The daily cost (active and storage) of one purpose in one currency, per
 * day of the period. */
struct series {
	uint32_t currency, purpose;
	const char *name;        /* the purpose's */
	uint64_t *v;
};

struct daily {
	int64_t day0;
	size_t ndays;
	struct sbx_strmap keys;  /* (currency, purpose) */
	struct series *s;
};

static uint32_t series_of(struct daily *dl, uint32_t currency, uint32_t purpose, const char *name)
{
	uint32_t key[2] = { currency, purpose };
	int added;
	uint32_t i = sbx_strmap_intern(&dl->keys, key, sizeof key, &added);

	if (added) {
		dl->s = sbx_xrealloc(dl->s, (i + 1) * sizeof *dl->s);
		dl->s[i].currency = currency;
		dl->s[i].purpose = purpose;
		dl->s[i].name = name;
		dl->s[i].v = sbx_xcalloc(dl->ndays, sizeof *dl->s[i].v);
	}
	return i;
}

static void daily_release(struct daily *dl)
{
	size_t i;

	for (i = 0; i < dl->keys.n; i++)
		free(dl->s[i].v);
	free(dl->s);
	sbx_strmap_release(&dl->keys);
}

static int series_cmp(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

/* One object per rated currency and day: the amount of each purpose that
 * cost anything that day, and their sum. */
static json_t *daily_json(struct daily *dl, const struct row *totals, size_t ntot)
{
	json_t *arr = json_array();
	size_t t, d, i, n = dl->keys.n;

	if (n)
		qsort(dl->s, n, sizeof *dl->s, series_cmp);
	for (t = 0; t < ntot; t++) {
		const struct row *tr = &totals[t];

		if (!tr->rated)
			continue;
		for (d = 0; d < dl->ndays; d++) {
			json_t *o = json_object(), *pm = json_object(), *pmm = json_object();
			uint64_t sum = 0;
			char date[32];

			sbx_time_iso((dl->day0 + (int64_t)d) * DAY_NS, date);
			date[10] = '\0';
			for (i = 0; i < n; i++) {
				const struct series *s = &dl->s[i];
				const char *p = s->name;
				char text[32];

				if (s->currency != tr->currency || !s->v[d])
					continue;
				sbx_money_format(s->v[d], tr->exp, text);
				json_object_set_new(pm, p, json_string(text));
				json_object_set_new(pmm, p, json_integer((json_int_t)s->v[d]));
				sum += s->v[d];
			}
			json_object_set_new(o, "date", json_string(date));
			json_object_set_new(o, "currency", json_string(tr->code));
			put_money(o, "total", sum, tr);
			json_object_set_new(o, "purposes", pm);
			json_object_set_new(o, "purposes_minor", pmm);
			json_array_append_new(arr, o);
		}
	}
	return arr;
}

static const char forecast_definition[] =
	"month-to-date cost + (cost of the 7 days before the end of the period / 7) x the days "
	"left in the month from the end of the period";

/* One object per rated currency. */
static json_t *forecast_json(struct sbx_cost *c, const struct row *totals, size_t ntot,
			     struct sbx_err *err)
{
	json_t *arr = json_array();
	int64_t left = sbx_cost_month_add(c->q.to_ns, 1) - c->q.to_ns;
	char month[32];
	size_t t;

	sbx_time_iso(sbx_cost_month_add(c->q.to_ns, 0), month);
	month[7] = '\0';
	for (t = 0; t < ntot; t++) {
		const struct row *tr = &totals[t];
		uint64_t rest, avg;
		json_t *o;

		if (!tr->rated)
			continue;
		if (sbx_muldiv_round(tr->week, (uint64_t)left, (sbx_u128)7 * DAY_NS, &rest) ||
		    sbx_muldiv_round(tr->week, 1, 7, &avg) || tr->mtd + rest < tr->mtd) {
			json_decref(arr);
			sbx_err_set(err, SBX_EINVAL, "the forecast does not fit 64 bits");
			return NULL;
		}
		o = json_object();
		json_object_set_new(o, "currency", json_string(tr->code));
		json_object_set_new(o, "month", json_string(month));
		put_money(o, "month_to_date", tr->mtd, tr);
		put_money(o, "last_7_days", tr->week, tr);
		put_money(o, "daily_average", avg, tr);
		json_object_set_new(o, "days_left", fixed((sbx_u128)left, DAY_NS, 2));
		put_money(o, "forecast", tr->mtd + rest, tr);
		json_object_set_new(o, "definition", json_string(forecast_definition));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Prices every line item of every account and sums them into the groups,
 * the totals, the forecast windows and the daily series. */
static int sum_items(struct sbx_cost *c, struct rows *groups, struct rows *totals, struct daily *dl,
		     struct sbx_err *err)
{
	struct rate_cache rc = { SBX_STRMAP_INIT, NULL };
	size_t i, d;
	int r = 0, w;

	for (i = 0; i < c->nacct; i++) {
		const struct account *a = &c->acct[i];
		const struct rates *rt;
		uint32_t g = NONE, t = NONE, s = NONE;

		if ((r = rates_of(c, &rc, a, &rt, err)))
			break;
		for (w = 0; w < NWIN; w++) {
			const struct days *ds = &a->w[w];
			struct runs runs;

			if (!ds->n)
				continue;
			if ((r = runs_start(&runs, &ds->before, rt, err)))
				goto out;
			for (d = 0; d < ds->n; d++) {
				const struct dayq *q = &ds->q[d];
				struct item it;

				if (!q->active_ns && !q->saved_ns && !q->byte_ns)
					continue;
				if ((r = price_item(&runs, q, rt, &it, err)))
					goto out;
				/* Rows are made for what has items only. */
				if (t == NONE)
					t = row_of(totals, "total", rt);
				if (w == W_REPORT && g == NONE)
					g = row_of(groups, group_key(c, a), rt);
				if (w == W_REPORT && s == NONE && rt->rated)
					s = series_of(dl, rt->currency, a->purpose,
						      a->purpose == c->empty ? "(unknown)" :
						      sbx_strmap_key(&c->names, a->purpose, NULL));
				if (w == W_MONTH) {
					totals->r[t].mtd += it.active + it.stored;
				} else if (w == W_WEEK) {
					totals->r[t].week += it.active + it.stored;
				} else {
					row_add(&groups->r[g], q, &it);
					row_add(&totals->r[t], q, &it);
					groups->r[g].last_acct = (uint32_t)i;
					row_member(groups, g, a->sandbox);
					row_member(totals, t, a->sandbox);
					if (rt->rated)
						dl->s[s].v[ds->first + (int64_t)d - dl->day0] +=
							it.active + it.stored;
				}
			}
		}
	}
out:
	sbx_strmap_release(&rc.keys);
	free(rc.r);
	return r;
}

int sbx_cost_finish(struct sbx_cost *c, json_t **out, struct sbx_err *err)
{
	struct rows groups = { SBX_STRMAP_INIT, SBX_STRMAP_INIT, NULL };
	struct rows totals = { SBX_STRMAP_INIT, SBX_STRMAP_INIT, NULL };
	struct daily dl = { 0, 0, SBX_STRMAP_INIT, NULL };
	json_t *doc = NULL, *arr, *cur, *fc;
	size_t i, ng, nt;
	char from[32], to[32];
	int r;

	*out = NULL;
	sbx_cost_close(c);
	dl.day0 = floor_div(c->q.from_ns, DAY_NS);
	dl.ndays = c->q.to_ns > c->q.from_ns ?
		   (size_t)(floor_div(c->q.to_ns - 1, DAY_NS) - dl.day0 + 1) : 0;
	r = sum_items(c, &groups, &totals, &dl, err);
	if (r)
		goto out;
	ng = groups.keys.n;
	nt = totals.keys.n;
	if (ng)
		qsort(groups.r, ng, sizeof *groups.r, row_cmp);
	if (nt)
		qsort(totals.r, nt, sizeof *totals.r, row_cmp);
	fc = forecast_json(c, totals.r, nt, err);
	if (!fc) {
		r = err ? err->code : SBX_EINVAL;
		goto out;
	}
	doc = json_object();
	sbx_time_iso(c->q.from_ns, from);
	sbx_time_iso(c->q.to_ns, to);
	json_object_set_new(doc, "period", json_pack("{s:s,s:s,s:I,s:I}", "from", from, "to", to,
						     "from_ns", (json_int_t)c->q.from_ns,
						     "to_ns", (json_int_t)c->q.to_ns));
	json_object_set_new(doc, "by", json_string(by_name(c->q.by)));
	cur = json_object();
	for (i = 0; i < nt; i++)
		if (totals.r[i].rated)
			json_object_set_new(cur, totals.r[i].code, json_integer(totals.r[i].exp));
	json_object_set_new(doc, "currencies", cur);
	arr = json_array();
	for (i = 0; i < ng; i++)
		json_array_append_new(arr, row_json(c, &groups.r[i], 1));
	json_object_set_new(doc, "groups", arr);
	arr = json_array();
	for (i = 0; i < nt; i++)
		if (totals.r[i].sandboxes)
			json_array_append_new(arr, row_json(c, &totals.r[i], 0));
	json_object_set_new(doc, "totals", arr);
	json_object_set_new(doc, "forecast", fc);
	json_object_set_new(doc, "daily", daily_json(&dl, totals.r, nt));
	json_object_set_new(doc, "definitions", json_pack("{s:s,s:s,s:s,s:s,s:s}",
		"active", "from an outcome entry that leaves the sandbox active to the next outcome "
		"that does not, at active_per_hour",
		"storage", "the stored_bytes of the sandbox's latest entry, from that entry until its "
		"destroy outcome, at stored_per_gb_month; 1 GB = 10^9 bytes, 1 month = 730 hours",
		"savings", "from each deactivation of an active sandbox by the scheduler until it is "
		"active again (or destroyed), at active_per_hour",
		"rounding", "one line item per sandbox, UTC day and kind: the sandbox's running cost "
		"of that kind at the item's end, rounded half up to the currency's minor unit, less "
		"the same at its start; so any run of days costs its exact amount rounded once, and "
		"every total is a sum of line items",
		"forecast", forecast_definition));
	json_object_set_new(doc, "entries", json_integer((json_int_t)c->entries));
	json_object_set_new(doc, "skipped", json_integer((json_int_t)c->skipped));
	*out = doc;
out:
	rows_release(&groups);
	rows_release(&totals);
	daily_release(&dl);
	return r;
}

