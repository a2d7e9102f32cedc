#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot/tree.h"

#define MAGIC "SBXT"
#define TREE_VERSION 1
/* type, mode, mtime, size, name length */
#define FIXED 23
/* the smallest entry: a one-byte symlink name and a one-byte target */
#define MIN_ENTRY (FIXED + 1 + 2 + 1)

int sbx_tree_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > 65535)
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}

void sbx_tree_encode(const struct sbx_tree_entry *e, size_t n, struct sbx_buf *out)
{
	size_t i;

	sbx_buf_add(out, MAGIC, 4);
	sbx_buf_add_u8(out, TREE_VERSION);
	sbx_buf_add_u32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		size_t nl = strlen(e[i].name);

		sbx_buf_add_u8(out, e[i].type);
		sbx_buf_add_u32(out, e[i].mode);
		sbx_buf_add_u64(out, (uint64_t)e[i].mtime_ns);
		sbx_buf_add_u64(out, e[i].size);
		sbx_buf_add_u16(out, (uint16_t)nl);
		sbx_buf_add(out, e[i].name, nl);
		switch (e[i].type) {
		case SBX_T_FILE:
			sbx_buf_add_u32(out, e[i].nchunks);
			sbx_buf_add(out, e[i].chunks, (size_t)e[i].nchunks * 32);
			break;
		case SBX_T_DIR:
			sbx_buf_add(out, e[i].subtree, 32);
			break;
		default: {
			size_t tl = strlen(e[i].target);

			sbx_buf_add_u16(out, (uint16_t)tl);
			sbx_buf_add(out, e[i].target, tl);
		}
		}
	}
}

int sbx_tree_decode(const void *p, size_t len, struct sbx_tree *t, struct sbx_err *err)
{
	const unsigned char *c = p, *end = c + len;
	uint32_t n, i;
	char *mem;

	memset(t, 0, sizeof *t);
	if (len < 9 || memcmp(c, MAGIC, 4) || c[4] != TREE_VERSION)
		return sbx_err_set(err, SBX_ECORRUPT, "tree object has a bad header");
	n = sbx_get_u32(c + 5);
	c += 9;
	/* Each entry takes at least MIN_ENTRY bytes: bound N before allocating. */
	if ((uint64_t)n * MIN_ENTRY > len - 9)
		return sbx_err_set(err, SBX_ECORRUPT, "tree object claims %u entries in %zu bytes", n, len);
	t->e = sbx_xcalloc(n ? n : 1, sizeof *t->e);
	/* Names and targets are copied NUL-terminated; LEN bounds their total. */
	t->mem = mem = sbx_xmalloc(len + 2 * (size_t)n + 1);
	for (i = 0; i < n; i++) {
		struct sbx_tree_entry *e = &t->e[i];
		uint16_t nl;

		if (end - c < FIXED)
			goto bad;
		e->type = c[0];
		e->mode = sbx_get_u32(c + 1);
		e->mtime_ns = (int64_t)sbx_get_u64(c + 5);
		e->size = sbx_get_u64(c + 13);
		nl = sbx_get_u16(c + 21);
		c += 23;
		if (end - c < nl || !sbx_tree_name_ok((const char *)c, nl) || (e->mode & ~07777u))
			goto bad;
		memcpy(mem, c, nl);
		mem[nl] = '\0';
		e->name = mem;
		mem += nl + 1;
		c += nl;
		if (i && strcmp(t->e[i - 1].name, e->name) >= 0)
			goto bad;
		switch (e->type) {
		case SBX_T_FILE:
			if (end - c < 4)
				goto bad;
			e->nchunks = sbx_get_u32(c);
			c += 4;
			if ((uint64_t)(end - c) < (uint64_t)e->nchunks * 32)
				goto bad;
			e->chunks = c;
			c += (size_t)e->nchunks * 32;
			break;
		case SBX_T_DIR:
			if (end - c < 32 || e->size)
				goto bad;
			e->subtree = c;
			c += 32;
			break;
		case SBX_T_SYMLINK: {
			uint16_t tl;

			if (end - c < 2)
				goto bad;
			tl = sbx_get_u16(c);
			c += 2;
			if (end - c < tl || tl == 0 || tl >= SBX_TARGET_MAX || memchr(c, '\0', tl))
				goto bad;
			memcpy(mem, c, tl);
			mem[tl] = '\0';
			e->target = mem;
			mem += tl + 1;
			c += tl;
			break;
		}
		default:
			goto bad;
		}
	}
	if (c != end)
		goto bad;
	t->n = n;
	return 0;
bad:
	sbx_tree_release(t);
	return sbx_err_set(err, SBX_ECORRUPT, "tree object is malformed (entry %u)", i);
}

void sbx_tree_release(struct sbx_tree *t)
{
	free(t->e);
	free(t->mem);
	memset(t, 0, sizeof *t);
}

const struct sbx_tree_entry *sbx_tree_find(const struct sbx_tree *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->e[mid].name, name);

		if (!c)
			return &t->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
