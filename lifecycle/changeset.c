#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lifecycle/changeset.h"
#include "snapshot/source.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/timeutil.h"

/* Bounds on what a changeset read may hold in memory. */
#define MAX_MANIFEST ((size_t)64 << 20)
#define MAX_FILE ((size_t)1 << 30)
#define MAX_TOTAL ((size_t)4 << 30)

void sbx_changeset_init(struct sbx_changeset *cs)
{
	memset(cs, 0, sizeof *cs);
}

void sbx_changeset_release(struct sbx_changeset *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->files[i].path);
		free(cs->files[i].data);
	}
	free(cs->files);
	free(cs->sandbox);
	free(cs->base_master);
	free(cs->base_snapshot);
	free(cs->theirs_source);
	free(cs->theirs_snapshot);
	memset(cs, 0, sizeof *cs);
}

static char *dup_or_null(const char *s)
{
	return s ? sbx_xstrdup(s) : NULL;
}

void sbx_changeset_set_meta(struct sbx_changeset *cs, const char *sandbox, const char *master,
			    int64_t version, const char *base_snapshot, const char *source,
			    const char *theirs_snapshot, int64_t created_ns)
{
	free(cs->sandbox);
	free(cs->base_master);
	free(cs->base_snapshot);
	free(cs->theirs_source);
	free(cs->theirs_snapshot);
	cs->sandbox = dup_or_null(sandbox);
	cs->base_master = dup_or_null(master);
	cs->base_version = version;
	cs->base_snapshot = dup_or_null(base_snapshot);
	cs->theirs_source = dup_or_null(source);
	cs->theirs_snapshot = dup_or_null(theirs_snapshot);
	cs->created_ns = created_ns;
}

int sbx_changeset_path_ok(const char *path)
{
	const char *p = path, *c;

	if (!path || !*path || *path == '/' || !strcmp(path, SBX_CHANGESET_MANIFEST))
		return 0;
	for (c = path; *c; c++)
		if (*c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!len || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!e)
			break;
		p = e + 1;
		if (!*p)
			return 0;    /* a trailing '/' */
	}
	return 1;
}

static struct sbx_changeset_file *add_file(struct sbx_changeset *cs)
{
	struct sbx_changeset_file *f;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		cs->files = sbx_xrealloc(cs->files, cs->cap * sizeof *cs->files);
	}
	f = &cs->files[cs->n++];
	memset(f, 0, sizeof *f);
	return f;
}

int sbx_changeset_add(struct sbx_changeset *cs, const char *path, const struct sbx_merge_result *res,
		      uint32_t mode, const int64_t *mtime_ns, struct sbx_err *err)
{
	struct sbx_changeset_file *f;

	if (res->conflicts)
		return sbx_err_set(err, SBX_ECONFLICT, "%s: %zu merge conflict%s still open", path,
				   res->conflicts, res->conflicts == 1 ? "" : "s");
	if (!sbx_changeset_path_ok(path))
		return sbx_err_set(err, SBX_EINVAL, "'%s' cannot be a path in a changeset", path);
	if (res->action == SBX_MERGE_KEEP)
		return 0;
	f = add_file(cs);
	f->path = sbx_xstrdup(path);
	f->action = res->action;
	memcpy(f->base, res->base, sizeof f->base);
	memcpy(f->ours, res->ours, sizeof f->ours);
	memcpy(f->theirs, res->theirs, sizeof f->theirs);
	memcpy(f->result, res->result, sizeof f->result);
	f->merged = res->merged;
	f->resolved = res->resolved;
	f->mode = mode;
	f->has_mtime = mtime_ns != NULL;
	f->mtime_ns = mtime_ns ? *mtime_ns : 0;
	if (res->action != SBX_MERGE_DELETE) {
		f->len = res->content.len;
		f->data = sbx_xmalloc(f->len + 1);
		if (f->len)
			memcpy(f->data, res->content.data, f->len);
		f->data[f->len] = '\0';
	}
	return 1;
}

static json_t *hex_or_null(const char *h)
{
	return *h ? json_string(h) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int by_path(const void *a, const void *b)
{
	const struct sbx_changeset_file *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

/* The files of CS sorted by path (an array of pointers, caller frees). */
static const struct sbx_changeset_file **sorted(const struct sbx_changeset *cs)
{
	const struct sbx_changeset_file **v = sbx_xmalloc((cs->n + 1) * sizeof *v);
	size_t i;

	for (i = 0; i < cs->n; i++)
		v[i] = &cs->files[i];
	qsort(v, cs->n, sizeof *v, by_path);
	return v;
}

json_t *sbx_changeset_manifest(const struct sbx_changeset *cs)
{
	const struct sbx_changeset_file **v = sorted(cs);
	json_t *files = json_array(), *m;
	char created[32];
	size_t i;

	if (!files)
		abort();
	for (i = 0; i < cs->n; i++) {
		const struct sbx_changeset_file *f = v[i];
		const char *side = sbx_merge_side_name(f->resolved);

		json_array_append_new(files, json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:b,s:o}",
						       "path", str_or_null(f->path),
						       "action", sbx_merge_action_name(f->action),
						       "base", hex_or_null(f->base),
						       "ours", hex_or_null(f->ours),
						       "theirs", hex_or_null(f->theirs),
						       "result", hex_or_null(f->result),
						       "merged", f->merged,
						       "resolved", str_or_null(side)));
	}
	free(v);
	sbx_time_iso(cs->created_ns, created);
	m = json_pack("{s:i,s:o,s:{s:o,s:I,s:o},s:{s:o,s:o},s:s,s:o}",
		      "format", SBX_CHANGESET_FORMAT,
		      "sandbox", str_or_null(cs->sandbox),
		      "base", "master", str_or_null(cs->base_master), "version",
		      (json_int_t)cs->base_version, "snapshot", str_or_null(cs->base_snapshot),
		      "theirs", "source", str_or_null(cs->theirs_source), "snapshot",
		      str_or_null(cs->theirs_snapshot),
		      "created", created,
		      "files", files);
	if (!m)
		abort();
	return m;
}

/* ---- Writing ------------------------------------------------------------ */

static int arc_err(struct archive *a, const char *file, const char *what, struct sbx_err *err)
{
	const char *m = archive_error_string(a);

	return sbx_err_set(err, SBX_EIO, "cannot write changeset '%s' (%s): %s", file, what,
			   m ? m : "write failed");
}

static int put(struct archive *a, struct archive_entry *ae, const char *file, const char *path,
	       uint32_t mode, int64_t mtime_ns, const void *data, size_t len, struct sbx_err *err)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, AE_IFREG);
	/* Permission bits only: no set-id bit travels to production. */
	archive_entry_set_perm(ae, (mode_t)(mode ? mode & 0777 : 0644));
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_size(ae, (la_int64_t)len);
	archive_entry_set_mtime(ae, (time_t)(mtime_ns / 1000000000),
				(long)(mtime_ns % 1000000000));
	if (archive_write_header(a, ae) < ARCHIVE_WARN)
		return arc_err(a, file, path, err);
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return arc_err(a, file, path, err);
	return 0;
}

/* Checks each entry against its action, and that no path comes twice. */
static int check_files(const struct sbx_changeset_file **v, size_t n, struct sbx_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sbx_changeset_file *f = v[i];
		int want_data = f->action == SBX_MERGE_ADD || f->action == SBX_MERGE_MODIFY;

		if (!sbx_changeset_path_ok(f->path))
			return sbx_err_set(err, SBX_EINVAL, "'%s' cannot be a path in a changeset",
					   f->path ? f->path : "(null)");
		if (i && !strcmp(v[i - 1]->path, f->path))
			return sbx_err_set(err, SBX_EINVAL, "changeset: '%s' is listed twice", f->path);
		if (f->action == SBX_MERGE_KEEP || want_data != (f->data != NULL) ||
		    want_data != (f->result[0] != '\0') ||
		    (f->action == SBX_MERGE_ADD) != (f->theirs[0] == '\0'))
			return sbx_err_set(err, SBX_EINVAL, "changeset: '%s': %s contradicts its content",
					   f->path, sbx_merge_action_name(f->action));
	}
	return 0;
}

int sbx_changeset_write(const struct sbx_changeset *cs, const char *file, struct sbx_err *err)
{
	const struct sbx_changeset_file **v = sorted(cs);
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	struct sbx_buf tmp = SBX_BUF_INIT, body = SBX_BUF_INIT;
	json_t *m = NULL;
	char *text = NULL, *dir = NULL, *slash;
	int fd = -1, r, rc;
	size_t i;

	r = check_files(v, cs->n, err);
	if (r)
		goto out;
	m = sbx_changeset_manifest(cs);
	text = json_dumps(m, JSON_INDENT(2));
	if (!text)
		abort();
	sbx_buf_adds(&body, text);
	sbx_buf_addc(&body, '\n');
	/* Beside FILE, renamed at the end: a failure leaves no half file. */
	sbx_buf_addf(&tmp, "%s.tmp-XXXXXX", file);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot create changeset '%s'", file);
		sbx_buf_release(&tmp);
		goto out;
	}
	/* It holds production's configuration: for its owner only (mkstemp's
	 * 0600, kept). */
	a = archive_write_new();
	ae = archive_entry_new();
	if (!a || !ae)
		abort();
	rc = archive_write_set_format_pax(a);
	if (rc == ARCHIVE_OK)
		rc = archive_write_add_filter_zstd(a);
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_filter_option(a, "zstd", "compression-level", "3");
	if (rc == ARCHIVE_OK)
		rc = archive_write_open_fd(a, fd);
	if (rc != ARCHIVE_OK) {
		r = arc_err(a, file, "tar.zst", err);
		goto out;
	}
	r = put(a, ae, file, SBX_CHANGESET_MANIFEST, 0644, cs->created_ns, body.data, body.len, err);
	for (i = 0; !r && i < cs->n; i++) {
		const struct sbx_changeset_file *f = v[i];

		if (f->action == SBX_MERGE_DELETE)
			continue;
		r = put(a, ae, file, f->path, f->mode, f->has_mtime ? f->mtime_ns : cs->created_ns,
			f->data, f->len, err);
	}
	if (!r && archive_write_close(a) != ARCHIVE_OK)
		r = arc_err(a, file, "closing", err);
	if (r)
		goto out;
	if (fsync(fd) < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot write changeset '%s'", file);
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot write changeset '%s'", file);
		goto out;
	}
	if (rename(tmp.data, file) < 0) {
		r = sbx_err_sys(err, SBX_EIO, "cannot rename onto '%s'", file);
		goto out;
	}
	sbx_buf_reset(&tmp);
	dir = sbx_xstrdup(file);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	r = sbx_fsync_dir(slash ? dir : ".", err);
out:
	if (a)
		archive_write_free(a);
	archive_entry_free(ae);
	if (fd >= 0)
		close(fd);
	if (tmp.len)
		unlink(tmp.data);
	sbx_buf_release(&tmp);
	sbx_buf_release(&body);
	free(dir);
	free(text);
	json_decref(m);
	free(v);
	return r;
}

/* ---- Reading ------------------------------------------------------------ */

struct entry {
	char *path;
	char *data;
	size_t len;
	uint32_t mode;
	int64_t mtime_ns;
	int used;
};

static int bad(struct sbx_err *err, const char *file, const char *fmt, const char *a)
{
	return sbx_err_set(err, SBX_EINVAL, "changeset '%s': %s%s%s", file, fmt, a ? " " : "",
			   a ? a : "");
}

static int read_data(struct archive *a, const char *file, const char *path, size_t limit,
		     struct sbx_buf *b, struct sbx_err *err)
{
	char chunk[65536];
	la_ssize_t k;

	sbx_buf_grow(b, 0);
	while ((k = archive_read_data(a, chunk, sizeof chunk)) > 0) {
		if (b->len + (size_t)k > limit)
			return sbx_err_set(err, SBX_EINVAL, "changeset '%s': '%s' is too large", file,
					   path);
		sbx_buf_add(b, chunk, (size_t)k);
	}
	if (k < 0)
		return sbx_err_set(err, SBX_EINVAL, "changeset '%s': cannot read '%s': %s", file, path,
				   archive_error_string(a) ? archive_error_string(a) : "read failed");
	return 0;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* Reads digest member KEY of F into OUT ("" for null). */
static int get_hex(json_t *f, const char *key, char out[65])
{
	json_t *v = json_object_get(f, key);

	if (json_is_null(v)) {
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) != 64 || !is_hex64(json_string_value(v)))
		return -1;
	memcpy(out, json_string_value(v), 65);
	return 0;
}

static char *get_str(json_t *o, const char *key, int nullable, int *ok)
{
	json_t *v = json_object_get(o, key);

	if (nullable && json_is_null(v))
		return NULL;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		*ok = 0;
		return NULL;
	}
	return sbx_xstrdup(json_string_value(v));
}

static int parse_manifest(const char *file, const char *text, size_t n, struct sbx_changeset *cs,
			  struct sbx_err *err)
{
	json_error_t je;
	json_t *m = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je), *base, *theirs, *files, *f;
	int ok = 1, r = 0;
	int64_t created;
	char *s = NULL;
	size_t i;

	if (!m) {
		r = sbx_err_set(err, SBX_EINVAL, "changeset '%s': %s: line %d, column %d: %s", file,
				SBX_CHANGESET_MANIFEST, je.line, je.column, je.text);
		goto out;
	}
	if (!json_is_object(m) || !json_is_integer(json_object_get(m, "format"))) {
		r = bad(err, file, "the manifest has no format number", NULL);
		goto out;
	}
	if (json_integer_value(json_object_get(m, "format")) != SBX_CHANGESET_FORMAT) {
		r = bad(err, file, "unknown manifest format (this sbx reads format 1)", NULL);
		goto out;
	}
	base = json_object_get(m, "base");
	theirs = json_object_get(m, "theirs");
	files = json_object_get(m, "files");
	if (!json_is_object(base) || !json_is_object(theirs) || !json_is_array(files) ||
	    !json_is_integer(json_object_get(base, "version"))) {
		r = bad(err, file, "the manifest lacks base, theirs or files", NULL);
		goto out;
	}
	cs->sandbox = get_str(m, "sandbox", 0, &ok);
	cs->base_master = get_str(base, "master", 0, &ok);
	cs->base_version = json_integer_value(json_object_get(base, "version"));
	cs->base_snapshot = get_str(base, "snapshot", 0, &ok);
	cs->theirs_source = get_str(theirs, "source", 0, &ok);
	cs->theirs_snapshot = get_str(theirs, "snapshot", 1, &ok);
	s = get_str(m, "created", 0, &ok);
	if (!ok || !s || sbx_parse_time(s, 0, &created)) {
		r = bad(err, file, "the manifest's sandbox, base, theirs or created is malformed", NULL);
		goto out;
	}
	cs->created_ns = created;
	json_array_foreach(files, i, f) {
		struct sbx_changeset_file *cf;
		const char *act = json_string_value(json_object_get(f, "action"));
		json_t *res = json_object_get(f, "resolved");
		const char *path = json_string_value(json_object_get(f, "path"));

		if (!json_is_object(f) || !path || !sbx_changeset_path_ok(path) ||
		    strlen(path) != json_string_length(json_object_get(f, "path"))) {
			r = bad(err, file, "a file of the manifest has no path or an unsafe one:",
				path ? path : "(none)");
			goto out;
		}
		cf = add_file(cs);
		cf->path = sbx_xstrdup(path);
		if (act && !strcmp(act, "add")) {
			cf->action = SBX_MERGE_ADD;
		} else if (act && !strcmp(act, "modify")) {
			cf->action = SBX_MERGE_MODIFY;
		} else if (act && !strcmp(act, "delete")) {
			cf->action = SBX_MERGE_DELETE;
		} else {
			r = bad(err, file, "unknown action for", path);
			goto out;
		}
		if (get_hex(f, "base", cf->base) || get_hex(f, "ours", cf->ours) ||
		    get_hex(f, "theirs", cf->theirs) || get_hex(f, "result", cf->result) ||
		    !json_is_boolean(json_object_get(f, "merged"))) {
			r = bad(err, file, "malformed digests or merged flag for", path);
			goto out;
		}
		cf->merged = json_is_true(json_object_get(f, "merged"));
		if (json_is_null(res))
			cf->resolved = SBX_MERGE_NONE;
		else if (json_is_string(res) && !strcmp(json_string_value(res), "ours"))
			cf->resolved = SBX_MERGE_OURS;
		else if (json_is_string(res) && !strcmp(json_string_value(res), "theirs"))
			cf->resolved = SBX_MERGE_THEIRS;
		else if (json_is_string(res) && !strcmp(json_string_value(res), "mixed"))
			cf->resolved = SBX_MERGE_MIXED;
		else {
			r = bad(err, file, "malformed resolved for", path);
			goto out;
		}
		/* A deletion has no result and removes an existing file; an
		 * addition creates one that production lacks. */
		if ((cf->action == SBX_MERGE_DELETE) != !cf->result[0] ||
		    (cf->action == SBX_MERGE_ADD) != !cf->theirs[0]) {
			r = bad(err, file, "the action contradicts the digests for", path);
			goto out;
		}
	}
out:
	free(s);
	json_decref(m);
	return r;
}

static int cmp_file(const void *a, const void *b)
{
	const struct sbx_changeset_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

int sbx_changeset_read(const char *file, struct sbx_changeset *cs, struct sbx_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct sbx_buf manifest = SBX_BUF_INIT, data = SBX_BUF_INIT;
	struct entry *ents = NULL, key;
	size_t nents = 0, total = 0, i;
	int have_manifest = 0, r = 0, rc;
	int64_t mtime;

	if (!a)
		abort();
	sbx_archive_read_support(a, 1);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		r = sbx_err_set(err, SBX_EIO, "cannot read changeset '%s': %s", file,
				archive_error_string(a) ? archive_error_string(a) : "open failed");
		goto out;
	}
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(ae);

		if (!path) {
			r = bad(err, file, "an entry has no name", NULL);
			goto out;
		}
		if (archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae)) {
			r = bad(err, file, "holds something other than a regular file:", path);
			goto out;
		}
		if (!strcmp(path, SBX_CHANGESET_MANIFEST)) {
			if (have_manifest++) {
				r = bad(err, file, "holds two manifests", NULL);
				goto out;
			}
			r = read_data(a, file, path, MAX_MANIFEST, &manifest, err);
			if (r)
				goto out;
			continue;
		}
		if (!sbx_changeset_path_ok(path)) {
			r = bad(err, file, "holds an unsafe path:", path);
			goto out;
		}
		sbx_buf_reset(&data);
		r = read_data(a, file, path, MAX_FILE, &data, err);
		if (r)
			goto out;
		total += data.len;
		if (total > MAX_TOTAL) {
			r = bad(err, file, "holds more than 4 GiB", NULL);
			goto out;
		}
		if (sbx_ns_from_sec((int64_t)archive_entry_mtime(ae), archive_entry_mtime_nsec(ae),
				    &mtime)) {
			r = bad(err, file, "has an entry whose mtime is out of range", NULL);
			goto out;
		}
		ents = sbx_xrealloc(ents, (nents + 1) * sizeof *ents);
		ents[nents].path = sbx_xstrdup(path);
		ents[nents].data = sbx_buf_detach(&data, &ents[nents].len);
		ents[nents].mode = (uint32_t)archive_entry_perm(ae);
		ents[nents].mtime_ns = mtime;
		ents[nents].used = 0;
		nents++;
	}
	if (rc != ARCHIVE_EOF) {
		r = sbx_err_set(err, SBX_EINVAL, "changeset '%s' is damaged: %s", file,
				archive_error_string(a) ? archive_error_string(a) : "read failed");
		goto out;
	}
	if (!have_manifest) {
		r = bad(err, file, "has no " SBX_CHANGESET_MANIFEST, NULL);
		goto out;
	}
	r = parse_manifest(file, manifest.data, manifest.len, cs, err);
	if (r)
		goto out;
	if (nents)
		qsort(ents, nents, sizeof *ents, cmp_entry);
	for (i = 1; i < nents; i++)
		if (!strcmp(ents[i - 1].path, ents[i].path)) {
			r = bad(err, file, "holds a file twice:", ents[i].path);
			goto out;
		}
	if (cs->n)
		qsort(cs->files, cs->n, sizeof *cs->files, cmp_file);
	for (i = 0; i < cs->n; i++) {
		struct sbx_changeset_file *f = &cs->files[i];
		struct entry *e;
		uint8_t d[SBX_ID_LEN];
		char hex[65];

		if (i && !strcmp(cs->files[i - 1].path, f->path)) {
			r = bad(err, file, "the manifest lists a path twice:", f->path);
			goto out;
		}
		key.path = f->path;
		e = nents ? bsearch(&key, ents, nents, sizeof *ents, cmp_entry) : NULL;
		if (f->action == SBX_MERGE_DELETE) {
			if (e) {
				r = bad(err, file, "holds content for a deleted file:", f->path);
				goto out;
			}
			continue;
		}
		if (!e) {
			r = bad(err, file, "lacks the content of", f->path);
			goto out;
		}
		sbx_sha256(e->data, e->len, d);
		sbx_hex(d, sizeof d, hex);
		if (strcmp(hex, f->result)) {
			r = bad(err, file, "digest mismatch (the content is not the manifest's result):",
				f->path);
			goto out;
		}
		e->used = 1;
		f->data = e->data;
		f->len = e->len;
		e->data = NULL;
		f->mode = e->mode;
		f->has_mtime = 1;
		f->mtime_ns = e->mtime_ns;
	}
	for (i = 0; i < nents; i++)
		if (!ents[i].used) {
			r = bad(err, file, "holds a file the manifest does not list:", ents[i].path);
			goto out;
		}
out:
	for (i = 0; i < nents; i++) {
		free(ents[i].path);
		free(ents[i].data);
	}
	free(ents);
	sbx_buf_release(&manifest);
	sbx_buf_release(&data);
	archive_read_free(a);
	return r;
}
