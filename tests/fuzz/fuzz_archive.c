/* libFuzzer target: the archive source (snapshot/archive-in.c, and through
 * it libarchive's tar, cpio and zip readers and every decompression filter)
 * feeding the tree builder (snapshot/builder.c), as a capture does but
 * without a store.  The input is an archive file; it is handed over through
 * a memfd so that the seekable zip reader is exercised too.
 *
 * Invariants checked besides memory safety (ASan) and undefined behaviour
 * (UBSan): every tree object the builder encodes decodes again. */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot/builder.h"
#include "snapshot/source.h"
#include "snapshot/tree.h"
#include "util/fsutil.h"

/* Bytes of file data one input may expand to before the harness stops
 * reading: compressed bombs would otherwise turn into timeouts, not
 * findings.  The source's own bomb check needs 1 GiB and is left to
 * tests/e2e/t-hostile.sh. */
#define DRAIN_LIMIT ((uint64_t)64 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_tree(const uint8_t id[32], const void *enc, size_t len, void *ctx)
{
	struct sbx_tree t;
	struct sbx_err err = { 0 };

	(void)id;
	(void)ctx;
	if (sbx_tree_decode(enc, len, &t, &err)) {
		fprintf(stderr, "the builder encoded a tree its decoder refuses: %s\n", err.msg);
		abort();
	}
	sbx_tree_release(&t);
	return 0;
}

/* Reads the current file to its end; returns 0, or -1 on a source error
 * or when the input has expanded past DRAIN_LIMIT. */
static int drain(struct sbx_source *src, uint64_t *total, uint64_t *size, struct sbx_err *err)
{
	static char buf[65536];
	ssize_t n;

	while ((n = src->ops->read(src, buf, sizeof buf, err)) > 0) {
		*size += (uint64_t)n;
		*total += (uint64_t)n;
		if (*total > DRAIN_LIMIT)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_source *src = NULL;
	struct sbx_builder *b = NULL;
	struct sbx_source_entry e;
	struct sbx_err err = { 0 };
	uint64_t total = 0;
	uint8_t root[32];
	char path[64];
	int fd, r;

	fd = memfd_create("fuzz_archive", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	if (sbx_write_all(fd, data, size) < 0) {
		perror("write to memfd");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (sbx_source_archive_open(path, &src, &err))
		goto out;
	b = sbx_builder_new();
	while ((r = src->ops->next(src, &e, &err)) == 1) {
		struct sbx_node *n;

		/* A capture stops at the first refused entry; so does this. */
		if (sbx_builder_put(b, e.path, e.type, &n, &err))
			goto out;
		n->mode = e.mode;
		n->mtime_ns = e.mtime_ns;
		if (e.type == SBX_T_SYMLINK) {
			free(n->target);
			n->target = sbx_xstrdup(e.target);
		} else if (e.type == SBX_T_FILE && e.hardlink) {
			struct sbx_node *t = sbx_builder_get(b, e.hardlink);

			if (!t || t->type != SBX_T_FILE)
				goto out;
			n->size = t->size;
		} else if (e.type == SBX_T_FILE) {
			n->size = 0;
			if (drain(src, &total, &n->size, &err))
				goto out;
		}
	}
	if (r == 0)
		sbx_builder_finish(b, check_tree, NULL, root, &err);
out:
	sbx_builder_free(b);
	sbx_source_close(src);
	close(fd);
	return 0;
}
