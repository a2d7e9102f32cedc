/* Output helpers of the command line: notes, JSON, byte counts, progress. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_usage(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sbx_err_set(&c->err, SBX_EUSAGE, "%s", msg);
}

int cli_bad_usage(struct cli *c)
{
	return sbx_err_set(&c->err, SBX_EUSAGE, "usage: %s", c->cmd ? c->cmd->usage : "sbx help");
}

void cli_json_out(struct cli *c, json_t *doc)
{
	if (c->json && doc) {
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (s) {
			puts(s);
			free(s);
		}
		c->json_done = 1;
	}
	json_decref(doc);
}

static void vnote(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_note(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbose < 0)
		return;
	va_start(ap, fmt);
	vnote("", fmt, ap);
	va_end(ap);
}

void cli_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	vnote("sbx: warning: ", fmt, ap);
	va_end(ap);
}

const char *cli_bytes(uint64_t n, char out[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, 32, "%llu B", (unsigned long long)n);
	else
		snprintf(out, 32, "%.1f %s", v, unit[u]);
	return out;
}

struct bar {
	double last;
	int drawn;
};

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void draw(void *ctx, const char *what, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct bar *b = ctx;
	double now = mono();
	char sz[32];
	int finished = total && done >= total;

	if (!finished && now - b->last < 0.1)
		return;
	b->last = now;
	b->drawn = 1;
	cli_bytes(bytes, sz);
	if (total) {
		int width = 30, fill = (int)((double)done / (double)total * width), i;

		fprintf(stderr, "\r\033[K%-8s [", what);
		for (i = 0; i < width; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %3d%%  %llu/%llu  %s", (int)(100.0 * (double)done / (double)total),
			(unsigned long long)done, (unsigned long long)total, sz);
	} else {
		fprintf(stderr, "\r\033[K%-8s %llu  %s", what, (unsigned long long)done, sz);
	}
	fflush(stderr);
}

void cli_progress_init(struct cli *c, struct sbx_progress *p)
{
	p->fn = NULL;
	p->ctx = NULL;
	if (c->verbose < 0 || !isatty(2))
		return;
	p->ctx = calloc(1, sizeof(struct bar));
	if (p->ctx)
		p->fn = draw;
}

void cli_progress_done(struct sbx_progress *p)
{
	struct bar *b = p->ctx;

	if (b && b->drawn)
		fputs("\r\033[K", stderr);
	free(b);
	p->fn = NULL;
	p->ctx = NULL;
}
