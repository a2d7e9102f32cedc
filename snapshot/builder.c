#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot/builder.h"
#include "util/hash.h"

/* Path -> node map, open addressing with FNV-1a hashes. */
struct slot {
	char *path;
	struct sbx_node *node;
};

struct sbx_builder {
	struct sbx_node *root;
	struct slot *tab;
	size_t cap, len;
	/* The parent found last: entries of one directory come together. */
	struct sbx_buf last_parent;
	struct sbx_node *last_parent_node;
	int unique;
};

void sbx_builder_set_unique(struct sbx_builder *b, int unique)
{
	b->unique = unique;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	/* FNV's low bits cluster for paths that differ at the end; mix them
	 * (murmur3's finaliser) before masking. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static struct slot *slot_for(struct sbx_builder *b, const char *path)
{
	size_t i = (size_t)fnv(path) & (b->cap - 1);

	while (b->tab[i].path && strcmp(b->tab[i].path, path))
		i = (i + 1) & (b->cap - 1);
	return &b->tab[i];
}

static void map_grow(struct sbx_builder *b)
{
	struct slot *old = b->tab;
	size_t oldcap = b->cap, i;

	b->cap = oldcap ? oldcap * 2 : 1024;
	b->tab = sbx_xcalloc(b->cap, sizeof *b->tab);
	for (i = 0; i < oldcap; i++)
		if (old[i].path)
			*slot_for(b, old[i].path) = old[i];
	free(old);
}

static struct sbx_node *node_new(const char *name, size_t len, uint8_t type)
{
	struct sbx_node *n = sbx_xcalloc(1, sizeof *n);

	n->name = sbx_xstrndup(name, len);
	n->type = type;
	n->mode = type == SBX_T_DIR ? 0755 : type == SBX_T_SYMLINK ? 0777 : 0644;
	return n;
}

static void node_free(struct sbx_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->chunks);
	free(n->target);
	free(n->name);
	free(n);
}

struct sbx_builder *sbx_builder_new(void)
{
	struct sbx_builder *b = sbx_xcalloc(1, sizeof *b);

	b->root = node_new("", 0, SBX_T_DIR);
	map_grow(b);
	return b;
}

void sbx_builder_free(struct sbx_builder *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->cap; i++)
		free(b->tab[i].path);
	free(b->tab);
	node_free(b->root);
	sbx_buf_release(&b->last_parent);
	free(b);
}

int sbx_path_normalise(char *path, struct sbx_err *err)
{
	char *r = path, *w = path;

	if (*path == '/')
		return sbx_err_set(err, SBX_EINVAL, "entry '%s' has an absolute path", path);
	/* Refuse ".." before rewriting, so the message names the entry as given. */
	for (; *r; r += strcspn(r, "/"), r += strspn(r, "/"))
		if (r[0] == '.' && r[1] == '.' && (r[2] == '/' || !r[2]))
			return sbx_err_set(err, SBX_EINVAL, "entry '%s' climbs out with '..'", path);
	r = path;
	while (*r) {
		char *end = strchr(r, '/');
		size_t len = end ? (size_t)(end - r) : strlen(r);

		if (len && !(len == 1 && r[0] == '.')) {
			if (w != path)
				*w++ = '/';
			memmove(w, r, len);
			w += len;
		}
		r += len;
		while (*r == '/')
			r++;
	}
	*w = '\0';
	return 0;
}

struct sbx_node *sbx_builder_get(struct sbx_builder *b, const char *path)
{
	if (!*path)
		return b->root;
	return slot_for(b, path)->node;
}

static const char *type_name(uint8_t t)
{
	return t == SBX_T_DIR ? "directory" : t == SBX_T_SYMLINK ? "symlink" : "file";
}

int sbx_builder_put(struct sbx_builder *b, const char *path, uint8_t type,
		    struct sbx_node **out, struct sbx_err *err)
{
	struct sbx_node *parent, *n;
	const char *slash, *leaf;
	struct slot *s;

	*out = NULL;
	if (!*path) {
		if (type != SBX_T_DIR)
			return sbx_err_set(err, SBX_EINVAL, "the root entry is a %s", type_name(type));
		*out = b->root;
		return 0;
	}
	n = b->unique ? NULL : sbx_builder_get(b, path);
	if (n) {
		if (n->type != type)
			return sbx_err_set(err, SBX_EINVAL, "entry '%s' appears as a %s and as a %s",
					   path, type_name(n->type), type_name(type));
		*out = n;
		return 0;
	}
	slash = strrchr(path, '/');
	if (slash && b->last_parent_node && b->last_parent.len == (size_t)(slash - path) &&
	    !memcmp(b->last_parent.data, path, b->last_parent.len)) {
		parent = b->last_parent_node;
		leaf = slash + 1;
	} else if (slash) {
		char *pp = sbx_xstrndup(path, (size_t)(slash - path));
		int r;

		parent = sbx_builder_get(b, pp);
		if (!parent) {
			r = sbx_builder_put(b, pp, SBX_T_DIR, &parent, err);
			if (r) {
				free(pp);
				return r;
			}
			/* An implicit directory has no mtime of its own. */
			parent->mtime_ns = 0;
		} else if (parent->type != SBX_T_DIR) {
			r = sbx_err_set(err, SBX_EINVAL, "entry '%s' goes through %s '%s'",
					path, parent->type == SBX_T_SYMLINK ? "the symlink" : "the file", pp);
			free(pp);
			return r;
		}
		sbx_buf_reset(&b->last_parent);
		sbx_buf_adds(&b->last_parent, pp);
		b->last_parent_node = parent;
		free(pp);
		leaf = slash + 1;
	} else {
		parent = b->root;
		leaf = path;
	}
	if (!sbx_tree_name_ok(leaf, strlen(leaf)))
		return sbx_err_set(err, SBX_EINVAL, "entry '%s' has an invalid name", path);
	n = node_new(leaf, strlen(leaf), type);
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? 2 * parent->capkids : 8;
		parent->kids = sbx_xrealloc(parent->kids, parent->capkids * sizeof *parent->kids);
	}
	parent->kids[parent->nkids++] = n;
	/* With unique paths only directories are ever looked up (as parents). */
	if (b->unique && type != SBX_T_DIR) {
		*out = n;
		return 0;
	}
	if ((b->len + 1) * 2 > b->cap)
		map_grow(b);
	s = slot_for(b, path);
	s->path = sbx_xstrdup(path);
	s->node = n;
	b->len++;
	*out = n;
	return 0;
}

void sbx_node_set_chunks(struct sbx_node *n, const uint8_t *chunks, uint32_t nchunks)
{
	free(n->chunks);
	n->chunks = NULL;
	n->nchunks = nchunks;
	if (nchunks) {
		n->chunks = sbx_xmalloc((size_t)nchunks * 32);
		memcpy(n->chunks, chunks, (size_t)nchunks * 32);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct sbx_node *const *)a)->name, (*(struct sbx_node *const *)b)->name);
}

static int build(struct sbx_node *d,
		 int (*emit)(const uint8_t id[32], const void *enc, size_t len, void *ctx),
		 void *ctx, struct sbx_buf *enc, struct sbx_err *err)
{
	struct sbx_tree_entry *e;
	size_t i;
	int r = 0;

	for (i = 0; i < d->nkids; i++) {
		if (d->kids[i]->type == SBX_T_DIR) {
			r = build(d->kids[i], emit, ctx, enc, err);
			if (r)
				return r;
		}
	}
	if (d->nkids > 1)
		qsort(d->kids, d->nkids, sizeof *d->kids, by_name);
	e = sbx_xcalloc(d->nkids ? d->nkids : 1, sizeof *e);
	for (i = 0; i < d->nkids; i++) {
		struct sbx_node *k = d->kids[i];

		e[i].name = k->name;
		e[i].type = k->type;
		e[i].mode = k->mode & 07777;
		e[i].mtime_ns = k->mtime_ns;
		e[i].size = k->type == SBX_T_FILE ? k->size : 0;
		e[i].nchunks = k->nchunks;
		e[i].chunks = k->chunks;
		e[i].subtree = k->id;
		e[i].target = k->target ? k->target : "";
	}
	sbx_buf_reset(enc);
	sbx_tree_encode(e, d->nkids, enc);
	free(e);
	sbx_sha256(enc->data, enc->len, d->id);
	if (emit)
		r = emit(d->id, enc->data, enc->len, ctx);
	return r;
}

int sbx_builder_finish(struct sbx_builder *b,
		       int (*emit)(const uint8_t id[32], const void *enc, size_t len, void *ctx),
		       void *ctx, uint8_t root[32], struct sbx_err *err)
{
	struct sbx_buf enc = SBX_BUF_INIT;
	int r = build(b->root, emit, ctx, &enc, err);

	sbx_buf_release(&enc);
	if (!r)
		memcpy(root, b->root->id, 32);
	return r;
}
