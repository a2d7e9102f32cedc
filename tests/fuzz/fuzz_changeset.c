/* libFuzzer target: the changeset reader (lifecycle/changeset.c), which
 * reads archives handed to `sbx promote --apply` and to whoever applies a
 * changeset.  The input is the archive's bytes, in a memory file.  Whatever
 * they hold: reading accepts or refuses with SBX_EINVAL or SBX_EIO and a
 * message; an accepted changeset names only safe paths, each once, and each
 * added or modified file's bytes hash to its "result" digest; everything is
 * freed (LeakSanitizer checks). */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifecycle/changeset.h"
#include "util/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_changeset cs;
	struct sbx_err err = { 0 };
	char path[64];
	size_t i, j;
	int fd = memfd_create("changeset", MFD_CLOEXEC), r;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	sbx_changeset_init(&cs);
	r = sbx_changeset_read(path, &cs, &err);
	if (r && ((r != SBX_EINVAL && r != SBX_EIO && r != SBX_ENOMEM) || !err.msg[0]))
		abort();
	if (!r) {
		for (i = 0; i < cs.n; i++) {
			const struct sbx_changeset_file *f = &cs.files[i];

			if (!sbx_changeset_path_ok(f->path))
				abort();
			for (j = 0; j < i; j++)
				if (!strcmp(cs.files[j].path, f->path))
					abort();
			if (f->action == SBX_MERGE_ADD || f->action == SBX_MERGE_MODIFY) {
				uint8_t d[32];
				char hex[65];

				sbx_sha256(f->data, f->len, d);
				sbx_hex(d, 32, hex);
				if (strcmp(hex, f->result))
					abort();
			}
		}
	}
	sbx_changeset_release(&cs);
	close(fd);
	return 0;
}
