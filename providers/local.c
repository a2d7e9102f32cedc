/* The local provider: a sandbox is a directory under the provider's root.
 * Activating restores its snapshot there with placeholders filled;
 * deactivating captures it back with placeholders restored, then removes
 * the directory, so an inactive sandbox costs only its chunks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/provider.h"
#include "providers/vars.h"
#include "sbx/snapshot.h"
#include "util/fsutil.h"

struct local {
	char *root;
};

static char *path_of(const struct local *l, const char *name, const char *prefix)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_buf_addf(&b, "%s/%s%s", l->root, prefix ? prefix : "", name);
	return sbx_buf_detach(&b, NULL);
}

static int l_init(struct sbx_provider *p, struct sbx_err *err)
{
	const char *root = json_string_value(json_object_get(p->settings, "root"));
	struct local *l;

	if (!root || root[0] != '/')
		return sbx_err_set(err, SBX_ESYNTAX, "%s: provider '%s': \"root\" must be an absolute "
				   "directory", p->config_path, p->name);
	l = sbx_xcalloc(1, sizeof *l);
	l->root = sbx_xstrdup(root);
	p->priv = l;
	return 0;
}

static void l_fini(struct sbx_provider *p)
{
	struct local *l = p->priv;

	if (l)
		free(l->root);
	free(l);
	p->priv = NULL;
}

static int l_provision(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		       struct sbx_provider_result *res, struct sbx_err *err)
{
	(void)p;
	(void)v;
	(void)err;
	snprintf(res->message, sizeof res->message, "nothing to provision: the directory appears on activation");
	return 0;
}

struct fill {
	const struct sbx_sandbox_view *v;
	pthread_mutex_t mu;          /* restore fills files on several threads */
	json_t *missing;             /* variables with no value, as a set */
};

static int fill_fn(void *ctx, const char *path, const void *in, size_t n, struct sbx_buf *out,
		   struct sbx_err *err)
{
	struct fill *f = ctx;

	(void)path;
	(void)err;
	json_t *missing = json_object();

	sbx_buf_reset(out);
	/* Binary files keep their bytes. */
	if (memchr(in, '\0', n)) {
		sbx_buf_add(out, in, n);
		json_decref(missing);
		return 0;
	}
	sbx_vars_fill(f->v->vars, f->v->secrets, in, n, out, missing);
	if (json_object_size(missing)) {
		pthread_mutex_lock(&f->mu);
		json_object_update(f->missing, missing);
		pthread_mutex_unlock(&f->mu);
	}
	json_decref(missing);
	return 0;
}

static int unfill_fn(void *ctx, const char *path, const void *in, size_t n, struct sbx_buf *out,
		     struct sbx_err *err)
{
	struct fill *f = ctx;

	(void)path;
	(void)err;
	sbx_buf_reset(out);
	sbx_vars_unfill(f->v->vars, f->v->secrets, in, n, out);
	return 0;
}

/* With reflinks: files without placeholders are cloned from the cache,
 * the others written filled. */
static int fill_if_needed(void *ctx, const char *path, const void *in, size_t n,
			  struct sbx_buf *out, struct sbx_err *err)
{
	if (memchr(in, '\0', n) || !memmem(in, n, "${", 2))
		return 0;
	return fill_fn(ctx, path, in, n, out, err) ? -1 : 1;
}

/* Where the file system clones files (XFS, btrfs), a snapshot is restored
 * once into ROOT/.cache/ID and every activation clones from it: unchanged
 * files share their blocks, never a hard link (an edit in one sandbox must
 * not change another). */
static int from_cache(struct local *l, const struct sbx_sandbox_view *v, struct fill *f,
		      const char *tmp, struct sbx_err *err)
{
	char *cache = path_of(l, v->snapshot, ".cache/"), *ctmp = path_of(l, v->snapshot, ".cache/.new-");
	struct stat st;
	int r = 0;

	if (stat(cache, &st) < 0) {
		char *dir = path_of(l, "", ".cache/");

		r = sbx_mkdir_p(dir, 0700, err);
		free(dir);
		sbx_rm_rf(ctmp, err);
		if (!r)
			r = sbx_snapshot_restore(v->store, v->snapshot, ctmp, NULL, err);
		if (!r && rename(ctmp, cache) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot move the cache into '%s'", cache);
	}
	if (!r)
		r = sbx_copy_tree_with(cache, tmp, fill_if_needed, f, err);
	free(cache);
	free(ctmp);
	return r;
}

/* Moves DIR aside under a temporary name, then removes it: a crash never
 * leaves half a directory under the sandbox's name. */
static int remove_dir(struct local *l, const char *name, struct sbx_err *err)
{
	char *dir = path_of(l, name, NULL), *trash = path_of(l, name, ".trash-");
	int r = 0;

	sbx_rm_rf(trash, err);
	if (rename(dir, trash) < 0 && errno != ENOENT)
		r = sbx_err_sys(err, SBX_EIO, "cannot remove '%s'", dir);
	if (!r)
		r = sbx_rm_rf(trash, err);
	free(dir);
	free(trash);
	return r;
}

static int l_activate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		      struct sbx_provider_result *res, struct sbx_err *err)
{
	struct local *l = p->priv;
	struct sbx_content_filter filter;
	struct fill f = { v, PTHREAD_MUTEX_INITIALIZER, json_object() };
	char *dir = path_of(l, v->name, NULL), *tmp = path_of(l, v->name, ".new-");
	struct stat st;
	int r;

	if (stat(dir, &st) == 0) {
		/* Already there (a repeated or recovered activation): keep it. */
		snprintf(res->message, sizeof res->message, "%s is already materialised", dir);
		r = 0;
		goto out;
	}
	filter.fn = fill_fn;
	filter.ctx = &f;
	filter.text_only = 1;
	r = sbx_mkdir_p(l->root, 0700, err);
	if (r)
		goto out;
	sbx_rm_rf(tmp, err);
	if (sbx_reflink_supported(l->root))
		r = from_cache(l, v, &f, tmp, err);
	else
		r = sbx_snapshot_restore_filtered(v->store, v->snapshot, tmp, NULL, &filter, err);
	/* A placeholder with no value stops the activation, naming them all. */
	if (!r && json_object_size(f.missing)) {
		json_t *names = json_array();
		const char *k;
		json_t *val;
		char *list;

		json_object_foreach(f.missing, k, val) {
			(void)val;
			json_array_append_new(names, json_string(k));
		}
		list = json_dumps(names, JSON_COMPACT);
		r = sbx_err_set(err, SBX_ECONFLICT, "sandbox '%s' cannot activate: variables %s have no "
				"value (clone with --var NAME=VALUE or set the purpose's vars)", v->name, list);
		free(list);
		json_decref(names);
	}
	if (!r && rename(tmp, dir) < 0)
		r = sbx_err_sys(err, SBX_EIO, "cannot move the sandbox into '%s'", dir);
	if (r) {
		struct sbx_err ignore = { 0 };

		sbx_rm_rf(tmp, &ignore);
		goto out;
	}
	{
		char *mark = path_of(l, v->name, ".captured-");

		unlink(mark);
		free(mark);
	}
	snprintf(res->message, sizeof res->message, "materialised in %s", dir);
out:
	json_decref(f.missing);
	free(dir);
	free(tmp);
	return r;
}

/* Captures DIR with the values of variables and secrets put back into
 * their placeholders: deactivation's capture, and (UNRECORDED) the live
 * view of a sandbox. */
static int capture_dir(const struct sbx_sandbox_view *v, const char *dir, int unrecorded,
		       struct sbx_capture_result *cr, struct sbx_err *err)
{
	struct sbx_content_filter filter;
	struct sbx_capture_opts o;
	struct fill f = { v, PTHREAD_MUTEX_INITIALIZER, NULL };
	int r;

	memset(&o, 0, sizeof o);
	filter.fn = unfill_fn;
	filter.ctx = &f;
	filter.text_only = 0;
	o.filter = &filter;
	o.message = unrecorded ? "live view" : "deactivated";
	o.unrecorded = unrecorded;
	r = sbx_snapshot_capture(v->store, dir, &o, cr, err);
	sbx_buf_release(&cr->warnings);
	return r;
}

static int l_deactivate(struct sbx_provider *p, const struct sbx_sandbox_view *v,
			struct sbx_provider_result *res, struct sbx_err *err)
{
	struct local *l = p->priv;
	struct sbx_capture_result cr;
	char *dir = path_of(l, v->name, NULL);
	struct stat st;
	int r;

	if (stat(dir, &st) < 0) {
		/* Gone already: a deactivation interrupted after its capture, run
		 * again by recovery.  The marker holds what was captured. */
		char *mark = path_of(l, v->name, ".captured-"), *id = NULL;
		size_t len;

		if (sbx_read_file(mark, 128, &id, &len, NULL) == 0 && len == 64)
			res->snapshot = id;
		else {
			free(id);
			res->snapshot = v->snapshot ? sbx_xstrdup(v->snapshot) : NULL;
		}
		free(mark);
		free(dir);
		return 0;
	}
	r = capture_dir(v, dir, 0, &cr, err);
	if (!r) {
		/* Note what was captured before the directory goes, for recovery. */
		char *mark = path_of(l, v->name, ".captured-");
		int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || sbx_write_all(fd, cr.id, 64) < 0 || fsync(fd) < 0)
			r = sbx_err_sys(err, SBX_EIO, "cannot write '%s'", mark);
		if (fd >= 0)
			close(fd);
		free(mark);
		res->snapshot = sbx_xstrdup(cr.id);
		if (!r)
			r = remove_dir(l, v->name, err);
		snprintf(res->message, sizeof res->message, "captured %llu files into %.12s",
			 (unsigned long long)cr.files, cr.id);
	}
	free(dir);
	return r;
}

static int l_capture(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		     struct sbx_provider_result *res, struct sbx_err *err)
{
	struct sbx_capture_result cr;
	char *dir = path_of(p->priv, v->name, NULL);
	struct stat st;
	int r;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		r = sbx_err_set(err, SBX_ENOTFOUND, "sandbox '%s' has no directory '%s'", v->name, dir);
	else
		r = capture_dir(v, dir, 1, &cr, err);
	if (!r) {
		res->snapshot = sbx_xstrdup(cr.id);
		snprintf(res->message, sizeof res->message, "live view of %s: %llu files", dir,
			 (unsigned long long)cr.files);
	}
	free(dir);
	return r;
}

static int l_destroy(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		     struct sbx_provider_result *res, struct sbx_err *err)
{
	(void)res;
	return remove_dir(p->priv, v->name, err);
}

static int l_status(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		    struct sbx_provider_status *st, struct sbx_err *err)
{
	char *dir = path_of(p->priv, v->name, NULL);
	struct stat sb;

	(void)err;
	snprintf(st->state, sizeof st->state, "%s", stat(dir, &sb) == 0 ? "active" : "inactive");
	snprintf(st->message, sizeof st->message, "%s", dir);
	free(dir);
	return 0;
}

/* nftw has no context pointer: usage walks one tree at a time. */
static __thread int64_t newest;
static __thread uint64_t total;

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	int64_t t = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;

	(void)path;
	(void)ftw;
	if (t > newest)
		newest = t;
	if (flag == FTW_F)
		total += (uint64_t)sb->st_size;
	return 0;
}

static int l_usage(struct sbx_provider *p, const struct sbx_sandbox_view *v,
		   struct sbx_provider_usage *u, struct sbx_err *err)
{
	char *dir = path_of(p->priv, v->name, NULL);

	(void)err;
	newest = 0;
	total = 0;
	memset(u, 0, sizeof *u);
	if (nftw(dir, visit, 16, FTW_PHYS) == 0) {
		u->last_activity_ns = newest;
		u->size_bytes = total;
		snprintf(u->source, sizeof u->source, "file change");
	}
	free(dir);
	return 0;
}

const struct sbx_provider_ops sbx_local_ops = {
	.type = "local",
	.init = l_init,
	.fini = l_fini,
	.provision = l_provision,
	.activate = l_activate,
	.deactivate = l_deactivate,
	.destroy = l_destroy,
	.status = l_status,
	.usage = l_usage,
	.capture = l_capture,
};
