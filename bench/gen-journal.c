/* bench/gen-journal: appends a realistic lifecycle journal to a store, for
 * timing `sbx cost` over many events.
 *
 *   gen-journal STORE [--events N] [--sandboxes N] [--year Y] [--seed S]
 *
 * About N events (default 1,000,000) over about 2,000 sandboxes through
 * year Y (default 2026): each sandbox is provisioned, then goes through
 * activate/deactivate cycles (intent and outcome each, a third of the
 * deactivations by the scheduler) with touches while active, its stored
 * bytes changing at each deactivation; one in ten is destroyed along the
 * way.  Entries look like the ones lifecycle/sandbox.c writes (compact JSON,
 * sorted keys) and go through the journal's own append, in a few large
 * transactions.  Deterministic for a given seed.  Prints the number of
 * entries and the span of time they cover. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx/buf.h"
#include "sbx/clock.h"
#include "sbx/store.h"
#include "snapshot/refs.h"

#define HOUR_NS 3600000000000LL
#define BATCH 100000

enum kind { PROV_I, PROV_O, ACT_I, ACT_O, DEACT_I, DEACT_O, TOUCH, DESTROY_I, DESTROY_O };

struct ev {
	int64_t t;
	uint32_t sb, n;          /* sandbox, its event number (keeps intent before outcome) */
	int64_t bytes;
	uint8_t kind, scheduler;
};

static uint64_t rng;

static uint64_t next(void)
{
	/* splitmix64: small, fast, and the same everywhere. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t between(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

static int cmp(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->sb != b->sb)
		return a->sb < b->sb ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static const char *const purposes[] = { "dev", "qa", "training", "uat" };
static const char *const providers[] = { "local", "cloud" };

static void entry(struct sbx_buf *b, const struct ev *e)
{
	static const char *const ops[] = { "provision", "provision", "activate", "activate",
					   "deactivate", "deactivate", "touch", "destroy", "destroy" };
	static const char *const from[] = { "none", "provisioning", "inactive", "activating", "active",
					    "deactivating", NULL, "inactive", "destroying" };
	static const char *const to[] = { "provisioning", "inactive", "activating", "active",
					  "deactivating", "inactive", NULL, "destroying", "destroyed" };
	const char *purpose = purposes[e->sb % 4], *provider = providers[e->sb % 7 == 0];
	int outcome = e->kind == PROV_O || e->kind == ACT_O || e->kind == DEACT_O || e->kind == DESTROY_O;
	char t[32], name[32], owner[32];
	uint64_t id = (uint64_t)e->sb << 32 | (e->n & ~1u);

	sbx_time_iso(e->t, t);
	snprintf(name, sizeof name, "%s-%04u", purpose, e->sb);
	snprintf(owner, sizeof owner, "owner%02u", e->sb % 53);
	b->len = 0;
	sbx_buf_addf(b, "{\"actor\":\"%s\"", e->scheduler ? "scheduler" : owner);
	if (e->kind != TOUCH)
		sbx_buf_addf(b, ",\"from\":\"%s\"", from[e->kind]);
	if (outcome && e->kind == ACT_O)
		sbx_buf_addf(b, ",\"message\":\"materialised /var/lib/sbx/sandboxes/%s (%u files)\"", name,
			     1000 + e->sb % 900);
	else if (outcome && e->kind == DEACT_O)
		sbx_buf_addf(b, ",\"message\":\"captured %u changed files into the sandbox's snapshot\"",
			     e->n % 97);
	sbx_buf_addf(b, ",\"op\":\"%s\"", ops[e->kind]);
	if (e->kind != TOUCH)
		sbx_buf_addf(b, ",\"op_id\":\"%016llx%016llx\"", (unsigned long long)id,
			     (unsigned long long)(id * 0x9e3779b97f4a7c15ull));
	sbx_buf_addf(b, ",\"owner\":\"%s\",\"phase\":\"%s\"", owner,
		     e->kind == TOUCH ? "event" : outcome ? "outcome" : "intent");
	if (e->kind != TOUCH)
		sbx_buf_addf(b, ",\"provider\":\"%s\"", provider);
	sbx_buf_addf(b, ",\"purpose\":\"%s\"", purpose);
	if (outcome || e->kind == TOUCH)
		sbx_buf_adds(b, ",\"result\":\"ok\"");
	sbx_buf_addf(b, ",\"sandbox\":\"%s\"", name);
	if (e->bytes >= 0)
		sbx_buf_addf(b, ",\"stored_bytes\":%lld", (long long)e->bytes);
	sbx_buf_addf(b, ",\"time\":\"%s\",\"time_ns\":%lld", t, (long long)e->t);
	if (e->kind != TOUCH)
		sbx_buf_addf(b, ",\"to\":\"%s\"", to[e->kind]);
	sbx_buf_addc(b, '}');
}

static void usage(void)
{
	fprintf(stderr, "usage: gen-journal STORE [--events N] [--sandboxes N] [--year Y] [--seed S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long events = 1000000, nsb = 2000, year = 2026;
	uint64_t seed = 1;
	struct sbx_store *s = NULL;
	struct sbx_err err = { 0 };
	struct ev *ev;
	size_t n = 0, cap, i;
	int64_t y0, y1;
	char ystart[40], yend[40];
	int a, r;

	if (argc < 2)
		usage();
	for (a = 2; a < argc; a++) {
		if (a + 1 >= argc)
			usage();
		if (!strcmp(argv[a], "--events"))
			events = atol(argv[++a]);
		else if (!strcmp(argv[a], "--sandboxes"))
			nsb = atol(argv[++a]);
		else if (!strcmp(argv[a], "--year"))
			year = atol(argv[++a]);
		else if (!strcmp(argv[a], "--seed"))
			seed = strtoull(argv[++a], NULL, 10);
		else
			usage();
	}
	if (events <= 0 || nsb <= 0 || year < 1971 || year > 9998)
		usage();
	/* Each sandbox needs room for its provision and its destroy. */
	if (nsb > events / 4)
		nsb = events / 4 ? events / 4 : 1;
	rng = seed;
	snprintf(ystart, sizeof ystart, "%ld-01-01T00:00:00Z", year);
	snprintf(yend, sizeof yend, "%ld-01-01T00:00:00Z", year + 1);
	if (sbx_parse_time(ystart, 0, &y0) || sbx_parse_time(yend, 0, &y1))
		usage();
	cap = (size_t)events + 16;
	ev = sbx_xcalloc(cap, sizeof *ev);
	for (i = 0; i < (size_t)nsb; i++) {
		/* Each sandbox's share of the events, lived through in order. */
		size_t quota = (size_t)events / (size_t)nsb + (i < (size_t)events % (size_t)nsb), k = 0;
		int64_t t = between(y0, y0 + 60 * 24 * HOUR_NS), bytes = between(0, 50) * 1000000;
		int destroy = next() % 10 == 0;
		size_t reserve = destroy ? 2 : 0;
		uint32_t m = 0;

#define ADD(KIND, SCHED, BYTES) do { \
		ev[n].t = t; ev[n].sb = (uint32_t)i; ev[n].n = m++; ev[n].kind = (KIND); \
		ev[n].scheduler = (SCHED); ev[n].bytes = (BYTES); n++; k++; } while (0)

		ADD(PROV_I, 0, -1);
		ADD(PROV_O, 0, bytes);
		while (k + 4 + 3 + reserve <= quota) {
			int touches = (int)(next() % 4), sched = next() % 3 == 0, j;
			int64_t on = between(HOUR_NS / 4, 10 * HOUR_NS);
			/* Spread the cycles left (about 5.5 entries each) over
			 * the rest of the year. */
			int64_t span = (y1 - t) / (int64_t)((quota - k) * 2 / 11 + 1) - on;

			if (span < HOUR_NS)
				span = HOUR_NS;
			t += between(HOUR_NS / 2, 2 * span - HOUR_NS / 2);
			if (t + on >= y1)
				break;
			ADD(ACT_I, 0, bytes);
			t += between(1000000000LL, 60000000000LL);
			ADD(ACT_O, 0, bytes);
			for (j = 0; j < touches && k + 2 + 2 + reserve < quota; j++) {
				t += on / (touches + 1);
				ADD(TOUCH, 0, bytes);
			}
			t += on / (touches + 1);
			ADD(DEACT_I, (uint8_t)sched, bytes);
			bytes += between(-2, 10) * 100000;
			if (bytes < 0)
				bytes = 0;
			t += between(1000000000LL, 30000000000LL);
			ADD(DEACT_O, (uint8_t)sched, bytes);
		}
		/* The rest of its share: touches while inactive, then the end. */
		while (k + reserve < quota) {
			t += between(60000000000LL, HOUR_NS);
			ADD(TOUCH, 0, bytes);
		}
		if (destroy) {
			t += HOUR_NS;
			ADD(DESTROY_I, 0, bytes);
			ADD(DESTROY_O, 0, bytes);
		}
#undef ADD
	}
	qsort(ev, n, sizeof *ev, cmp);

	r = sbx_store_open(argv[1], SBX_STORE_WRITE, "gen-journal", &s, &err);
	for (i = 0; !r && i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH, j;
		struct sbx_buf b = SBX_BUF_INIT;
		char **texts = sbx_xcalloc(m, sizeof *texts);

		for (j = 0; j < m; j++) {
			entry(&b, &ev[i + j]);
			texts[j] = sbx_xstrndup(b.data, b.len);
		}
		r = sbx_log_append_many(s, (const char *const *)texts, m, &err);
		for (j = 0; j < m; j++)
			free(texts[j]);
		free(texts);
		sbx_buf_release(&b);
	}
	sbx_store_close(s);
	if (r) {
		fprintf(stderr, "gen-journal: error: %s\n", err.msg);
		free(ev);
		return 1;
	}
	if (n) {
		sbx_time_iso(ev[0].t, ystart);
		sbx_time_iso(ev[n - 1].t, yend);
	}
	printf("%zu journal entries for %ld sandboxes, %s to %s\n", n, nsb, ystart, yend);
	free(ev);
	return 0;
}
