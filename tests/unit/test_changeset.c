/*
 * Unit tests for changesets (lifecycle/changeset.c): merge results written
 * as a tar.zst with CHANGESET.json, read back and checked file by file;
 * the archive inspected with libarchive directly; deterministic output;
 * failed writes that leave nothing behind; a reader that refuses damaged
 * or hostile archives.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lifecycle/changeset.h"
#include "lifecycle/merge.h"
#include "util/fsutil.h"
#include "util/hash.h"

/* 2026-11-23T09:00:00Z */
#define CREATED ((int64_t)1795424400 * 1000000000)

struct t {
	char dir[64];
	char file[128];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof *t);

	strcpy(t->dir, "/tmp/sbx-test-changeset-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof t->file, "%s/promote.tar.zst", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	sbx_rm_rf(t->dir, NULL);
	free(t);
	return 0;
}

static const char *sha(const char *s)
{
	static char hex[4][65];
	static int k;
	uint8_t d[32];

	k = (k + 1) % 4;
	if (!s)
		return "";
	sbx_sha256(s, strlen(s), d);
	sbx_hex(d, 32, hex[k]);
	return hex[k];
}

/* One path of the test promotion. */
struct pv {
	const char *path, *base, *ours, *theirs;
};

static const struct pv paths[] = {
	/* Both changed different keys: merged. */
	{ "conf/app.json", "{\"a\": 1, \"b\": 1}", "{\"a\": 2, \"b\": 1}", "{\"a\": 1, \"b\": 2}" },
	/* Added in the sandbox. */
	{ "docs/new.md", NULL, "# New\n", NULL },
	/* Deleted in the sandbox. */
	{ "old.txt", "old\n", NULL, "old\n" },
	/* Untouched in the sandbox: not in the changeset. */
	{ "same.txt", "s\n", "s\n", "s2\n" },
	/* Changed in the sandbox only. */
	{ "z/ours-only.txt", "1\n", "2\n", "1\n" },
	/* Both changed one line; resolved as ours below. */
	{ "r.txt", "r\n", "ours\n", "theirs\n" },
};

#define NPATHS (sizeof paths / sizeof paths[0])

/* Merges every path into CS the way `sbx promote` will. */
static void build(struct sbx_changeset *cs)
{
	struct sbx_merge_opts o;
	struct sbx_merge_conflicts c;
	struct sbx_err e = { 0 };
	size_t i;

	sbx_merge_opts_init(&o);
	sbx_merge_conflicts_init(&c);
	assert_int_equal(sbx_merge_opts_add_resolve(&o, "r.txt=ours", &e), 0);
	sbx_changeset_init(cs);
	sbx_changeset_set_meta(cs, "qa-1", "crm", 7, "aaaa", "/srv/prod", NULL, CREATED);
	for (i = 0; i < NPATHS; i++) {
		const struct pv *p = &paths[i];
		struct sbx_merge_input in = { p->path, p->base, p->ours, p->theirs,
					      p->base ? strlen(p->base) : 0, p->ours ? strlen(p->ours) : 0,
					      p->theirs ? strlen(p->theirs) : 0, 0 };
		struct sbx_merge_result r;
		int64_t mt = (int64_t)1700000000 * 1000000000 + 123456789;
		int added;

		sbx_merge_result_init(&r);
		assert_int_equal(sbx_merge_file(&in, &o, &r, &c, &e), 0);
		added = sbx_changeset_add(cs, p->path, &r, i == 4 ? 04755 : 0,
					  i == 4 ? &mt : NULL, &e);
		assert_int_equal(added, strcmp(p->path, "same.txt") ? 1 : 0);
		sbx_merge_result_release(&r);
	}
	assert_int_equal(c.unresolved, 0);
	sbx_merge_conflicts_release(&c);
	sbx_merge_opts_release(&o);
}

static const struct sbx_changeset_file *find_file(const struct sbx_changeset *cs, const char *path)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->files[i].path, path))
			return &cs->files[i];
	return NULL;
}

static void test_round_trip(void **state)
{
	struct t *t = *state;
	struct sbx_changeset cs, back;
	const struct sbx_changeset_file *f;
	struct sbx_err e = { 0 };

	build(&cs);
	assert_int_equal(sbx_changeset_write(&cs, t->file, &e), 0);
	sbx_changeset_init(&back);
	assert_int_equal(sbx_changeset_read(t->file, &back, &e), 0);
	assert_string_equal(back.sandbox, "qa-1");
	assert_string_equal(back.base_master, "crm");
	assert_int_equal(back.base_version, 7);
	assert_string_equal(back.base_snapshot, "aaaa");
	assert_string_equal(back.theirs_source, "/srv/prod");
	assert_null(back.theirs_snapshot);
	assert_int_equal(back.created_ns, CREATED);
	assert_int_equal(back.n, 5);

	f = find_file(&back, "conf/app.json");
	assert_non_null(f);
	assert_int_equal(f->action, SBX_MERGE_MODIFY);
	assert_string_equal(f->base, sha(paths[0].base));
	assert_string_equal(f->ours, sha(paths[0].ours));
	assert_string_equal(f->theirs, sha(paths[0].theirs));
	assert_string_equal(f->result, sha("{\"a\": 2, \"b\": 2}"));
	assert_int_equal(f->len, strlen("{\"a\": 2, \"b\": 2}"));
	assert_memory_equal(f->data, "{\"a\": 2, \"b\": 2}", f->len);
	assert_int_equal(f->merged, 1);
	assert_int_equal(f->resolved, SBX_MERGE_NONE);
	assert_int_equal(f->mode, 0644);
	assert_int_equal(f->mtime_ns, CREATED);

	f = find_file(&back, "docs/new.md");
	assert_non_null(f);
	assert_int_equal(f->action, SBX_MERGE_ADD);
	assert_string_equal(f->base, "");
	assert_string_equal(f->theirs, "");
	assert_string_equal(f->ours, sha("# New\n"));
	assert_string_equal(f->result, sha("# New\n"));
	assert_memory_equal(f->data, "# New\n", 6);
	assert_int_equal(f->merged, 0);

	f = find_file(&back, "old.txt");
	assert_non_null(f);
	assert_int_equal(f->action, SBX_MERGE_DELETE);
	assert_string_equal(f->ours, "");
	assert_string_equal(f->result, "");
	assert_string_equal(f->theirs, sha("old\n"));
	assert_null(f->data);

	assert_null(find_file(&back, "same.txt"));

	f = find_file(&back, "z/ours-only.txt");
	assert_non_null(f);
	assert_int_equal(f->action, SBX_MERGE_MODIFY);
	assert_int_equal(f->merged, 0);
	assert_int_equal(f->mode, 0755);     /* no set-id bit travels */
	assert_int_equal(f->mtime_ns, (int64_t)1700000000 * 1000000000 + 123456789);
	assert_memory_equal(f->data, "2\n", 2);

	f = find_file(&back, "r.txt");
	assert_non_null(f);
	assert_int_equal(f->resolved, SBX_MERGE_OURS);
	assert_memory_equal(f->data, "ours\n", 5);
	assert_string_equal(f->result, sha("ours\n"));

	sbx_changeset_release(&back);
	sbx_changeset_release(&cs);
}

/* The archive as another tool sees it: zstd-compressed pax tar, the
 * manifest first, files sorted, no entry for the deletion. */
static void test_archive_layout(void **state)
{
	static const char *const order[] = { "CHANGESET.json", "conf/app.json", "docs/new.md",
					     "r.txt", "z/ours-only.txt" };
	struct t *t = *state;
	struct sbx_changeset cs;
	struct sbx_err e = { 0 };
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	json_t *m = NULL, *files, *f;
	size_t i = 0;

	build(&cs);
	assert_int_equal(sbx_changeset_write(&cs, t->file, &e), 0);
	sbx_changeset_release(&cs);
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, t->file, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		assert_true(i < 5);
		assert_string_equal(archive_entry_pathname(ae), order[i]);
		assert_int_equal(archive_entry_uid(ae), 0);
		assert_int_equal(archive_entry_gid(ae), 0);
		assert_int_equal(archive_entry_filetype(ae), AE_IFREG);
		if (i == 0) {
			char buf[8192];
			la_ssize_t n = archive_read_data(a, buf, sizeof buf - 1);

			assert_true(n > 0);
			buf[n] = '\0';
			m = json_loads(buf, 0, NULL);
			assert_int_equal(archive_entry_mtime(ae), CREATED / 1000000000);
		}
		i++;
	}
	assert_int_equal(i, 5);
	assert_int_equal(archive_filter_code(a, 0), ARCHIVE_FILTER_ZSTD);
	assert_int_equal(archive_format(a) & ARCHIVE_FORMAT_BASE_MASK, ARCHIVE_FORMAT_TAR);
	archive_read_free(a);

	/* The manifest, read as plain JSON. */
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "format")), 1);
	assert_string_equal(json_string_value(json_object_get(m, "sandbox")), "qa-1");
	assert_string_equal(json_string_value(json_object_get(m, "created")), "2026-11-23T09:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "base"), "master")), "crm");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "base"), "version")), 7);
	assert_true(json_is_null(json_object_get(json_object_get(m, "theirs"), "snapshot")));
	files = json_object_get(m, "files");
	assert_int_equal(json_array_size(files), 5);
	/* Sorted; the deletion listed with null digests where absent. */
	f = json_array_get(files, 2);
	assert_string_equal(json_string_value(json_object_get(f, "path")), "old.txt");
	assert_string_equal(json_string_value(json_object_get(f, "action")), "delete");
	assert_true(json_is_null(json_object_get(f, "ours")));
	assert_true(json_is_null(json_object_get(f, "result")));
	assert_string_equal(json_string_value(json_object_get(f, "base")), sha("old\n"));
	assert_true(json_is_false(json_object_get(f, "merged")));
	assert_true(json_is_null(json_object_get(f, "resolved")));
	f = json_array_get(files, 3);
	assert_string_equal(json_string_value(json_object_get(f, "path")), "r.txt");
	assert_string_equal(json_string_value(json_object_get(f, "resolved")), "ours");
	f = json_array_get(files, 0);
	assert_string_equal(json_string_value(json_object_get(f, "path")), "conf/app.json");
	assert_true(json_is_true(json_object_get(f, "merged")));
	json_decref(m);
}

static char *slurp(const char *path, size_t *n)
{
	char *p = NULL;

	assert_int_equal(sbx_read_file(path, 1 << 24, &p, n, NULL), 0);
	return p;
}

static void test_deterministic(void **state)
{
	struct t *t = *state;
	struct sbx_changeset a, b;
	struct sbx_err e = { 0 };
	char other[160];
	char *x, *y;
	size_t nx, ny;

	build(&a);
	build(&b);
	/* The same changeset, whatever order its files were added in. */
	{
		struct sbx_changeset_file tmp = b.files[0];

		b.files[0] = b.files[b.n - 1];
		b.files[b.n - 1] = tmp;
	}
	snprintf(other, sizeof other, "%s/other.tar.zst", t->dir);
	assert_int_equal(sbx_changeset_write(&a, t->file, &e), 0);
	assert_int_equal(sbx_changeset_write(&b, other, &e), 0);
	x = slurp(t->file, &nx);
	y = slurp(other, &ny);
	assert_int_equal(nx, ny);
	assert_memory_equal(x, y, nx);
	free(x);
	free(y);
	sbx_changeset_release(&a);
	sbx_changeset_release(&b);
}

/* The names in DIR, one per line. */
static void list_dir(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	out[0] = '\0';
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strncat(out, de->d_name, n - strlen(out) - 2);
		strcat(out, "\n");
	}
	closedir(d);
}

static void test_failed_write_leaves_nothing(void **state)
{
	struct t *t = *state;
	struct sbx_changeset cs;
	struct sbx_merge_result r;
	struct sbx_err e = { 0 };
	struct rlimit old, small;
	char names[1024], bad[160];
	unsigned char *big;
	size_t i;
	FILE *fp;
	int rc;

	/* A directory that does not exist. */
	build(&cs);
	snprintf(bad, sizeof bad, "%s/missing/promote.tar.zst", t->dir);
	assert_int_equal(sbx_changeset_write(&cs, bad, &e), SBX_EIO);
	assert_non_null(strstr(e.msg, "cannot create changeset"));

	/* A write that fails half-way (the file size limit), over an
	 * existing file: the old file stays, no temporary file is left. */
	fp = fopen(t->file, "w");
	fputs("previous", fp);
	fclose(fp);
	big = malloc(1 << 20);
	{
		uint32_t x = 2463534242u;    /* xorshift32: zstd cannot shrink it */

		for (i = 0; i < 1 << 20; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			big[i] = (unsigned char)x;
		}
	}
	sbx_merge_result_init(&r);
	r.action = SBX_MERGE_ADD;
	r.present = 1;
	sbx_buf_add(&r.content, big, 1 << 20);
	strcpy(r.ours, sha("x"));
	strcpy(r.result, sha("x"));
	assert_int_equal(sbx_changeset_add(&cs, "big.bin", &r, 0, NULL, &e), 1);
	sbx_merge_result_release(&r);
	free(big);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	sbx_err_clear(&e);
	rc = sbx_changeset_write(&cs, t->file, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, SBX_EIO);
	list_dir(t->dir, names, sizeof names);
	assert_string_equal(names, "promote.tar.zst\n");
	{
		size_t n;
		char *p = slurp(t->file, &n);

		assert_string_equal(p, "previous");
		free(p);
	}
	sbx_changeset_release(&cs);
}

static void test_path_rules(void **state)
{
	static const char *const bad[] = { "", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", "a/./b",
					   "a//b", "a/", "CHANGESET.json", "a\\b", "a\nb" };
	static const char *const good[] = { "a", "a/b.json", "..a", "a..", ".env", "dir/CHANGESET.json",
					     "caf\xc3\xa9.txt" };
	struct sbx_changeset cs;
	struct sbx_merge_result r;
	struct sbx_err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(sbx_changeset_path_ok(bad[i]));
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(sbx_changeset_path_ok(good[i]));
	sbx_changeset_init(&cs);
	sbx_merge_result_init(&r);
	r.action = SBX_MERGE_ADD;
	assert_int_equal(sbx_changeset_add(&cs, "../x", &r, 0, NULL, &e), SBX_EINVAL);
	sbx_err_clear(&e);
	r.conflicts = 2;
	assert_int_equal(sbx_changeset_add(&cs, "x", &r, 0, NULL, &e), SBX_ECONFLICT);
	assert_non_null(strstr(e.msg, "2 merge conflicts still open"));
	assert_int_equal(cs.n, 0);
	sbx_merge_result_release(&r);
	sbx_changeset_release(&cs);
}

static void test_write_refuses_bad_entries(void **state)
{
	struct t *t = *state;
	struct sbx_changeset cs;
	struct sbx_err e = { 0 };
	char names[1024];

	build(&cs);
	free(cs.files[1].path);
	cs.files[1].path = sbx_xstrdup(cs.files[0].path);
	assert_int_equal(sbx_changeset_write(&cs, t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "listed twice"));
	sbx_changeset_release(&cs);

	build(&cs);
	free(cs.files[0].path);
	cs.files[0].path = sbx_xstrdup("/etc/passwd");
	sbx_err_clear(&e);
	assert_int_equal(sbx_changeset_write(&cs, t->file, &e), SBX_EINVAL);
	sbx_changeset_release(&cs);

	list_dir(t->dir, names, sizeof names);
	assert_string_equal(names, "");
}

/* ---- Hostile archives ---------------------------------------------------- */

struct ent {
	const char *path;
	const char *data;     /* NULL: a symlink to "target" */
};

/* The mtime (seconds) craft gives its entries. */
static la_int64_t craft_mtime;

/* Writes a tar.zst at FILE holding MANIFEST (unless NULL) and ENTS. */
static void craft(const char *file, const char *manifest, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	size_t i;

	archive_write_set_format_pax(a);
	archive_write_add_filter_zstd(a);
	assert_int_equal(archive_write_open_filename(a, file), ARCHIVE_OK);
	for (i = 0; i <= n; i++) {
		const char *path = i ? ents[i - 1].path : "CHANGESET.json";
		const char *data = i ? ents[i - 1].data : manifest;

		if (!i && !manifest)
			continue;
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, path);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_mtime(ae, (time_t)craft_mtime, 0);
		if (!data) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, "target");
			archive_write_header(a, ae);
			continue;
		}
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_size(ae, (la_int64_t)strlen(data));
		archive_write_header(a, ae);
		archive_write_data(a, data, strlen(data));
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(ae);
}

/* A manifest with one file PATH of ACTION whose result is the digest of
 * RESULT (NULL: null); EXTRA is spliced into the file's object. */
static char *manifest(const char *path, const char *action, const char *result, const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof buf,
		 "{\"format\": 1, \"sandbox\": \"s\", \"base\": {\"master\": \"m\", \"version\": 1,"
		 " \"snapshot\": \"b\"}, \"theirs\": {\"source\": \"p\", \"snapshot\": null},"
		 " \"created\": \"2026-11-23T09:00:00Z\", \"files\": [{\"path\": \"%s\", \"action\": \"%s\","
		 " \"base\": null, \"ours\": null, \"theirs\": %s%s%s, \"result\": %s%s%s,"
		 " \"merged\": false, \"resolved\": null%s}]}",
		 path, action, strcmp(action, "add") ? "\"" : "", strcmp(action, "add") ? sha("t") : "null",
		 strcmp(action, "add") ? "\"" : "", result ? "\"" : "", result ? sha(result) : "null",
		 result ? "\"" : "", extra);
	return buf;
}

static int read_back(const char *file, struct sbx_err *e)
{
	struct sbx_changeset cs;
	int r;

	sbx_changeset_init(&cs);
	sbx_err_clear(e);
	r = sbx_changeset_read(file, &cs, e);
	sbx_changeset_release(&cs);
	return r;
}

static void test_reader_refuses(void **state)
{
	struct t *t = *state;
	struct sbx_err e = { 0 };
	const struct ent ok[] = { { "a.txt", "A\n" } };

	/* The well-formed one first: the cases below differ by one thing. */
	craft(t->file, manifest("a.txt", "modify", "A\n", ""), ok, 1);
	assert_int_equal(read_back(t->file, &e), 0);

	craft(t->file, manifest("a.txt", "modify", "B\n", ""), ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "digest mismatch"));

	{
		const struct ent ev[] = { { "a.txt", "A\n" }, { "../evil", "x" } };

		craft(t->file, manifest("a.txt", "modify", "A\n", ""), ev, 2);
		assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
		assert_non_null(strstr(e.msg, "unsafe path: ../evil"));
	}
	{
		const struct ent ev[] = { { "/etc/cron.d/x", "A\n" } };

		craft(t->file, manifest("/etc/cron.d/x", "modify", "A\n", ""), ev, 1);
		assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	}
	craft(t->file, manifest("../a.txt", "modify", "A\n", ""), NULL, 0);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "unsafe one"));
	{
		const struct ent ev[] = { { "a.txt", "A\n" }, { "b.txt", "x" } };

		craft(t->file, manifest("a.txt", "modify", "A\n", ""), ev, 2);
		assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
		assert_non_null(strstr(e.msg, "does not list: b.txt"));
	}
	craft(t->file, manifest("a.txt", "modify", "A\n", ""), NULL, 0);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "lacks the content of a.txt"));

	craft(t->file, manifest("a.txt", "delete", NULL, ""), ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "content for a deleted file"));
	craft(t->file, manifest("a.txt", "delete", NULL, ""), NULL, 0);
	assert_int_equal(read_back(t->file, &e), 0);
	{
		const struct ent ev[] = { { "a.txt", NULL } };

		craft(t->file, manifest("a.txt", "modify", "A\n", ""), ev, 1);
		assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
		assert_non_null(strstr(e.msg, "other than a regular file"));
	}
	craft(t->file, NULL, ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "has no CHANGESET.json"));

	craft(t->file, "{\"format\": 2}", ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "unknown manifest format"));

	craft(t->file, manifest("a.txt", "rewrite", "A\n", ""), ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "unknown action"));

	/* An addition with a digest for theirs contradicts itself. */
	craft(t->file, manifest("a.txt", "modify", "A\n", ""), ok, 1);
	{
		char *mf = manifest("a.txt", "add", "A\n", "");
		char *at = strstr(mf, "\"theirs\": null");

		assert_non_null(at);
		memcpy(at, "\"theirs\": 0   ", 14);
		craft(t->file, mf, ok, 1);
		assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	}
	craft(t->file, "{\"format\": 1, ", ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "CHANGESET.json: line"));

	/* An mtime 64-bit nanoseconds cannot hold (found by fuzz_changeset:
	 * the reader overflowed). */
	craft_mtime = (la_int64_t)1 << 40;
	craft(t->file, manifest("a.txt", "modify", "A\n", ""), ok, 1);
	assert_int_equal(read_back(t->file, &e), SBX_EINVAL);
	assert_non_null(strstr(e.msg, "mtime is out of range"));
	craft_mtime = 0;

	/* Not an archive at all. */
	{
		FILE *fp = fopen(t->file, "w");

		fputs("hello", fp);
		fclose(fp);
		assert_true(read_back(t->file, &e) < 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_path_rules),
		cmocka_unit_test_setup_teardown(test_write_refuses_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
