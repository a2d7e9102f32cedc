/* sbx cost, from the journal: billing intervals (active, stored, saved)
 * derived from the entries of each sandbox, clipped to the windows of the
 * report and cut at UTC midnights into quantities per account and day.
 * lifecycle/cost-report.c prices them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lifecycle/cost-int.h"
#include "lifecycle/jentry.h"
#include "snapshot/refs.h"
#include "util/timeutil.h"

int sbx_cost_by_parse(const char *s, enum sbx_cost_by *by)
{
	static const char *const names[] = { "sandbox", "purpose", "owner", "provider", NULL };
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i])) {
			*by = (enum sbx_cost_by)i;
			return 0;
		}
	return -1;
}

int sbx_cost_parse_time(const char *s, int64_t now_ns, int64_t *out)
{
	int64_t ms;

	if (!s)
		return -1;
	if (!sbx_parse_duration(s, &ms)) {
		*out = now_ns - ms * 1000000;
		return 0;
	}
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		char full[32];

		snprintf(full, sizeof full, "%sT00:00Z", s);
		return sbx_parse_time(full, now_ns, out);
	}
	return sbx_parse_time(s, now_ns, out);
}

int64_t sbx_cost_month_add(int64_t ns, int months)
{
	time_t t = (time_t)floor_div(ns, 1000000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon += months;
	return (int64_t)timegm(&tm) * 1000000000;
}

int64_t sbx_cost_month_start(int64_t ns)
{
	return sbx_cost_month_add(ns, 0);
}

struct sbx_cost *sbx_cost_new(const struct sbx_config *cfg, const struct sbx_cost_query *q)
{
	struct sbx_cost *c = sbx_xcalloc(1, sizeof *c);
	int64_t to = min64(q->to_ns, q->now_ns);

	c->cfg = cfg;
	c->q = *q;
	/* Nothing is billed after now, whatever --to says. */
	c->q.to_ns = to;
	c->win_lo[W_REPORT] = q->from_ns;
	c->win_lo[W_MONTH] = sbx_cost_month_add(to, 0);
	c->win_lo[W_WEEK] = to - 7 * DAY_NS;
	c->win_hi[W_REPORT] = c->win_hi[W_MONTH] = c->win_hi[W_WEEK] = to;
	c->empty = sbx_strmap_intern(&c->names, "", 0, NULL);
	return c;
}

void sbx_cost_free(struct sbx_cost *c)
{
	size_t i;
	int w;

	if (!c)
		return;
	for (i = 0; i < c->nacct; i++)
		for (w = 0; w < NWIN; w++)
			free(c->acct[i].w[w].q);
	free(c->acct);
	free(c->sb);
	sbx_strmap_release(&c->sandboxes);
	sbx_strmap_release(&c->names);
	sbx_strmap_release(&c->acct_keys);
	sbx_buf_release(&c->scratch);
	free(c);
}

/* The quantities of account A in window W for days D0 to D1, in order:
 * the array grows to hold them. */
static struct dayq *days_of(struct account *a, int w, int64_t d0, int64_t d1)
{
	struct days *ds = &a->w[w];
	size_t need;

	if (!ds->q) {
		ds->cap = 8;
		ds->q = sbx_xcalloc(ds->cap, sizeof *ds->q);
		ds->first = d0;
	}
	if (d0 < ds->first) {
		/* Only when the clock went back between entries (--now). */
		size_t shift = (size_t)(ds->first - d0);

		ds->q = sbx_xrealloc(ds->q, (ds->n + shift) * sizeof *ds->q);
		memmove(ds->q + shift, ds->q, ds->n * sizeof *ds->q);
		memset(ds->q, 0, shift * sizeof *ds->q);
		ds->n += shift;
		ds->cap = ds->n;
		ds->first = d0;
	}
	need = (size_t)(d1 - ds->first) + 1;
	if (need > ds->cap) {
		size_t cap = ds->cap * 2 > need ? ds->cap * 2 : need;

		ds->q = sbx_xrealloc(ds->q, cap * sizeof *ds->q);
		memset(ds->q + ds->cap, 0, (cap - ds->cap) * sizeof *ds->q);
		ds->cap = cap;
	}
	if (need > ds->n)
		ds->n = need;
	return &ds->q[d0 - ds->first];
}

static void add(struct dayq *q, enum kind k, int64_t ns, int64_t bytes)
{
	if (k == K_ACTIVE)
		q->active_ns += (uint64_t)ns;
	else if (k == K_SAVED)
		q->saved_ns += (uint64_t)ns;
	else
		q->byte_ns += (sbx_u128)(uint64_t)bytes * (uint64_t)ns;
}

/* Bills [A, B) of KIND to account ACCT, clipped to each window and cut at
 * UTC midnights; what falls before a window goes to its running sums. */
static void bill(struct sbx_cost *c, uint32_t acct, enum kind k, int64_t a, int64_t b, int64_t bytes)
{
	int w;

	for (w = 0; w < NWIN; w++) {
		int64_t lo = max64(a, c->win_lo[w]), hi = min64(b, c->win_hi[w]), d, d0, d1;
		struct dayq *q;

		if (a < min64(b, c->win_lo[w]))
			add(&c->acct[acct].w[w].before, k, min64(b, c->win_lo[w]) - a, bytes);
		if (lo >= hi)
			continue;
		d0 = floor_div(lo, DAY_NS);
		d1 = floor_div(hi - 1, DAY_NS);
		q = days_of(&c->acct[acct], w, d0, d1);
		for (d = d0; d <= d1; d++, q++)
			add(q, k, min64(hi, (d + 1) * DAY_NS) - max64(lo, d * DAY_NS), bytes);
	}
}

static void open_span(struct span *s, uint32_t acct, int64_t t)
{
	if (s->acct == NONE) {
		s->acct = acct;
		s->since = t;
	}
}

static void close_span(struct sbx_cost *c, struct span *s, enum kind k, int64_t t, int64_t bytes)
{
	if (s->acct == NONE)
		return;
	bill(c, s->acct, k, s->since, t, bytes);
	s->acct = NONE;
}

static uint32_t name(struct sbx_cost *c, const struct sbx_jfield *f, uint32_t def)
{
	return f->p ? sbx_strmap_intern(&c->names, f->p, f->len, NULL) : def;
}

static int same(const struct sbx_strmap *m, uint32_t i, const struct sbx_jfield *f)
{
	size_t len;
	const char *k;

	if (!f->p)
		return 1;     /* absent: unchanged */
	k = sbx_strmap_key(m, i, &len);
	return len == f->len && !memcmp(k, f->p, len);
}

/* The account entry E bills to: the sandbox's current one unless E names
 * another purpose, owner or provider (a field E lacks stays as it was). */
static uint32_t account_of(struct sbx_cost *c, uint32_t sb, const struct sbx_jentry *e)
{
	struct sbstate *st = &c->sb[sb];
	const struct account *cur = st->acct == NONE ? NULL : &c->acct[st->acct];
	uint32_t key[4];
	uint32_t i;
	int added;

	if (cur && same(&c->names, cur->purpose, &e->purpose) &&
	    same(&c->names, cur->owner, &e->owner) && same(&c->names, cur->provider, &e->provider))
		return st->acct;
	key[0] = sb;
	key[1] = name(c, &e->purpose, cur ? cur->purpose : c->empty);
	key[2] = name(c, &e->owner, cur ? cur->owner : c->empty);
	key[3] = name(c, &e->provider, cur ? cur->provider : c->empty);
	i = sbx_strmap_intern(&c->acct_keys, key, sizeof key, &added);
	if (added) {
		struct account *a;

		if (c->nacct == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->acct = sbx_xrealloc(c->acct, c->cap * sizeof *c->acct);
		}
		a = &c->acct[c->nacct++];
		memset(a, 0, sizeof *a);
		a->sandbox = key[0];
		a->purpose = key[1];
		a->owner = key[2];
		a->provider = key[3];
	}
	return i;
}

static uint32_t sandbox_of(struct sbx_cost *c, const struct sbx_jfield *f)
{
	int added;
	uint32_t i = sbx_strmap_intern(&c->sandboxes, f->p, f->len, &added);

	if (added) {
		if (i >= c->nsb) {
			size_t n = c->nsb ? c->nsb * 2 : 256;

			c->sb = sbx_xrealloc(c->sb, n * sizeof *c->sb);
			c->nsb = n;
		}
		memset(&c->sb[i], 0, sizeof c->sb[i]);
		c->sb[i].acct = NONE;
		c->sb[i].active.acct = c->sb[i].stored.acct = c->sb[i].saved.acct = NONE;
	}
	return i;
}

/* 1 when TEXT ends with a "to" member naming a transitional state, which
 * only an intent does.  sbx writes entries with sorted keys, "to" the last
 * of them, so most intents are known by their last bytes; an entry written
 * otherwise is simply read. */
static int intent_tail(const char *text, size_t len)
{
#define VIA(s) { s, sizeof s - 1 }
	static const struct {
		const char *s;
		size_t n;
	} via[] = { VIA("provisioning"), VIA("activating"), VIA("deactivating"), VIA("refreshing"),
		    VIA("destroying") };
#undef VIA
	size_t i, n;

	if (len < 2 || memcmp(text + len - 2, "\"}", 2))
		return 0;
	for (i = 0; i < sizeof via / sizeof via[0]; i++) {
		n = via[i].n;
		if (len > n + 9 && !memcmp(text + len - n - 2, via[i].s, n) &&
		    !memcmp(text + len - n - 9, ",\"to\":\"", 7))
			return 1;
	}
	return 0;
}

/* Only outcomes change what is billed: an intent, a touch or another event
 * repeats the purpose, owner and stored bytes of the sandbox's record as its
 * last outcome left them (the state changes, and stored_bytes is measured,
 * when an operation's outcome is written).  So an entry is dropped as soon
 * as its "phase" says it is no outcome, before the rest of it is read (an
 * intent even before that, by its end): most of a journal is intents and
 * touches. */
void sbx_cost_add(struct sbx_cost *c, const char *text, size_t len)
{
	struct sbx_jentry e;
	struct sbstate *st;
	uint32_t sb, acct;
	int64_t t, bytes;
	int r, outcome, to_active, destroyed, was_active;

	c->entries++;
	if (intent_tail(text, len))
		return;
	r = sbx_jentry_scan(text, len, &e, &c->scratch, 1);
	if (r > 0)
		return;       /* an intent or an event: nothing new */
	if (r < 0) {
		c->skipped++;
		return;
	}
	if (!e.sandbox.p)
		return;       /* not about one sandbox */
	if (e.has_time_ns) {
		t = e.time_ns;
	} else {
		char iso[40];

		/* Entries written before time_ns existed: the ISO time. */
		if (!e.time.p || e.time.len >= sizeof iso) {
			c->skipped++;
			return;
		}
		memcpy(iso, e.time.p, e.time.len);
		iso[e.time.len] = '\0';
		if (sbx_parse_time(iso, 0, &t)) {
			c->skipped++;
			return;
		}
	}
	sb = sandbox_of(c, &e.sandbox);
	st = &c->sb[sb];
	if (st->destroyed) {
		/* The name is used again: a new sandbox, storing nothing yet. */
		st->destroyed = 0;
		st->bytes = 0;
	}
	acct = account_of(c, sb, &e);
	st->acct = acct;
	outcome = sbx_jfield_is(&e.phase, "outcome");
	to_active = outcome && sbx_jfield_is(&e.to, "active");
	destroyed = outcome && sbx_jfield_is(&e.to, "destroyed");
	was_active = st->active.acct != NONE;

	/* Storage: the latest entry's bytes, until the destroy outcome. */
	bytes = e.has_stored_bytes ? e.stored_bytes : st->bytes;
	if (st->stored.acct != NONE && (bytes != st->bytes || acct != st->stored.acct || destroyed))
		close_span(c, &st->stored, K_STORED, t, st->bytes);
	st->bytes = destroyed ? 0 : bytes;
	if (destroyed)
		st->destroyed = 1;
	else if (st->bytes > 0)
		open_span(&st->stored, acct, t);

	/* Active: from an outcome that leaves it active to the next that does
	 * not (an activation that failed leaves the state it had). */
	if (to_active)
		open_span(&st->active, acct, t);
	else if (outcome)
		close_span(c, &st->active, K_ACTIVE, t, 0);

	/* Savings: a scheduler's deactivation of an active sandbox saves until
	 * it is active again, or destroyed. */
	if (to_active || destroyed)
		close_span(c, &st->saved, K_SAVED, t, 0);
	else if (outcome && was_active && sbx_jfield_is(&e.op, "deactivate") &&
		 sbx_jfield_is(&e.result, "ok") && sbx_jfield_is(&e.actor, "scheduler"))
		open_span(&st->saved, acct, t);
}

void sbx_cost_close(struct sbx_cost *c)
{
	size_t i;

	for (i = 0; i < c->sandboxes.n; i++) {
		struct sbstate *st = &c->sb[i];

		close_span(c, &st->active, K_ACTIVE, c->q.to_ns, 0);
		close_span(c, &st->stored, K_STORED, c->q.to_ns, st->bytes);
		close_span(c, &st->saved, K_SAVED, c->q.to_ns, 0);
	}
}

static int feed(uint64_t seq, const char *json, size_t len, void *ctx)
{
	(void)seq;
	sbx_cost_add(ctx, json, len);
	return 0;
}

int sbx_cost_report(struct sbx_store *s, const struct sbx_config *cfg,
		    const struct sbx_cost_query *q, json_t **out, struct sbx_err *err)
{
	struct sbx_cost *c;
	int r;

	*out = NULL;
	if (q->from_ns >= min64(q->to_ns, q->now_ns))
		return sbx_err_set(err, SBX_EUSAGE, "the period is empty: --from must come before --to "
				   "and before now");
	c = sbx_cost_new(cfg, q);
	r = sbx_log_scan(s, 0, feed, c, err);
	if (!r)
		r = sbx_cost_finish(c, out, err);
	sbx_cost_free(c);
	return r;
}
