/* The hardening gate: after the rules, every detector runs again and every
 * canary is searched for, in each file and in what archives and compressed
 * files inside the tree hold.  One hit refuses the whole refresh. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "policies/harden.h"

#define MAX_DEPTH 3
#define MAX_INNER ((size_t)512 << 20)

struct first_hit {
	const char *rule;
};

static int stop_at_first(const struct sbx_secret_hit *h, void *ctx)
{
	((struct first_hit *)ctx)->rule = h->rule;
	return 1;
}

/* Case-insensitive search of NEEDLE in BUF (canaries are emails, card
 * numbers: case must not hide one). */
static int contains(const char *buf, size_t n, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (!nl || nl > n)
		return 0;
	for (i = 0; i + nl <= n; i++) {
		size_t k;

		if (tolower((unsigned char)buf[i]) != tolower((unsigned char)needle[0]))
			continue;
		for (k = 1; k < nl; k++)
			if (tolower((unsigned char)buf[i + k]) != tolower((unsigned char)needle[k]))
				break;
		if (k == nl)
			return 1;
	}
	return 0;
}

static int check(const struct sbx_policy *p, const char *path, const char *inner, const void *buf,
		 size_t n, int depth, struct sbx_err *err);

/* Cheap test before asking libarchive: the magic of a container format. */
static int looks_packed(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return 1;                               /* gzip */
	if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return 1;                               /* zstd */
	if (n >= 3 && !memcmp(b, "BZh", 3))
		return 1;                               /* bzip2 */
	if (n >= 6 && !memcmp(b, "\xfd" "7zXZ", 5))
		return 1;                               /* xz */
	if (n >= 4 && !memcmp(b, "PK\x03\x04", 4))
		return 1;                               /* zip */
	if (n >= 6 && (!memcmp(b, "070701", 6) || !memcmp(b, "070707", 6)))
		return 1;                               /* cpio */
	return n >= 262 && !memcmp(b + 257, "ustar", 5);   /* tar */
}

/* Opens BUF as an archive or a compressed file and checks what it holds.
 * Returns 0 when BUF is neither. */
static int check_inside(const struct sbx_policy *p, const char *path, const void *buf, size_t n,
			int depth, struct sbx_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct sbx_buf data = SBX_BUF_INIT;
	size_t total = 0;
	int r = 0;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, buf, n) != ARCHIVE_OK)
		goto out;
	while (!r && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		char tmp[64];

		/* "raw" takes anything: it counts only behind a decompressor. */
		if (archive_format(a) == ARCHIVE_FORMAT_RAW && archive_filter_count(a) < 2)
			break;
		if (archive_entry_filetype(ae) != AE_IFREG)
			continue;
		sbx_buf_reset(&data);
		for (;;) {
			la_ssize_t got;

			sbx_buf_grow(&data, 65536);
			got = archive_read_data(a, data.data + data.len, data.cap - data.len - 1);
			if (got <= 0)
				break;
			data.len += (size_t)got;
			total += (size_t)got;
			if (total > MAX_INNER) {
				r = sbx_err_set(err, SBX_ECONFLICT, "gate: '%s' expands past %zu MiB inside; "
						"refusing what cannot be checked", path, MAX_INNER >> 20);
				goto out;
			}
		}
		if (!name || !*name || !strcmp(name, "data")) {
			snprintf(tmp, sizeof tmp, "(decompressed)");
			name = tmp;
		}
		r = check(p, path, name, data.data ? data.data : "", data.len, depth + 1, err);
	}
out:
	archive_read_free(a);
	sbx_buf_release(&data);
	return r;
}

static int check(const struct sbx_policy *p, const char *path, const char *inner, const void *buf,
		 size_t n, int depth, struct sbx_err *err)
{
	struct first_hit hit = { NULL };
	size_t i;
	int r;

	r = sbx_secrets_scan(p->secrets, buf, n, stop_at_first, &hit, err);
	if (r < 0)
		return r;
	if (hit.rule)
		return sbx_err_set(err, SBX_ECONFLICT, "gate: '%s'%s%s%s still holds a secret (rule %s); "
				   "nothing stored", path, inner ? " (inside: '" : "", inner ? inner : "",
				   inner ? "')" : "", hit.rule);
	for (i = 0; i < p->ncanaries; i++)
		if (contains(buf, n, p->canaries[i]))
			return sbx_err_set(err, SBX_ECONFLICT, "gate: '%s'%s%s%s holds canary #%zu; "
					   "nothing stored", path, inner ? " (inside: '" : "",
					   inner ? inner : "", inner ? "')" : "", i + 1);
	if (depth < MAX_DEPTH && looks_packed(buf, n))
		return check_inside(p, path, buf, n, depth, err);
	return 0;
}

int sbx_gate_check(const struct sbx_policy *p, const char *path, const void *buf, size_t n,
		   struct sbx_err *err)
{
	return check(p, path, NULL, buf, n, 0, err);
}
