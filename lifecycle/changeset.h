/* Changesets: what `sbx promote` hands over for production, as one tar.zst
 * archive (pax format) holding CHANGESET.json, the manifest, and the merged
 * content of every file to add or modify under its own path.  Deletions are
 * in the manifest only.  The manifest:
 *
 *   {"format": 1,
 *    "sandbox": "NAME",
 *    "base": {"master": "NAME", "version": N, "snapshot": "ID"},
 *    "theirs": {"source": "SOURCE", "snapshot": "ID" | null},
 *    "created": "2026-11-23T09:00:00Z",
 *    "files": [{"path": "a/b.json", "action": "add" | "modify" | "delete",
 *               "base": HEX | null, "ours": HEX | null, "theirs": HEX | null,
 *               "result": HEX | null, "merged": true | false,
 *               "resolved": "ours" | "theirs" | "mixed" | null}, ...]}
 *
 * HEX is the SHA-256 of that version's bytes; "result" is the merged file's
 * (null for a deletion).  Files are sorted by path (bytewise), in the
 * manifest and in the archive, whose entries carry fixed owners (0:0), the
 * file's mode and mtime from its snapshot where given, else the
 * changeset's creation time: the same changeset gives the same archive. */
#ifndef SBX_CHANGESET_H
#define SBX_CHANGESET_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lifecycle/merge.h"
#include "sbx/err.h"

#define SBX_CHANGESET_MANIFEST "CHANGESET.json"
#define SBX_CHANGESET_FORMAT 1

struct sbx_changeset_file {
	char *path;
	enum sbx_merge_action action;       /* ADD, MODIFY or DELETE */
	char base[65], ours[65], theirs[65], result[65];   /* hex, "" for null */
	int merged;
	enum sbx_merge_side resolved;
	uint32_t mode;                      /* permission bits (0777 at most); 0644 when 0 */
	int has_mtime;
	int64_t mtime_ns;                   /* when HAS_MTIME */
	char *data;                         /* the merged bytes (ADD, MODIFY) */
	size_t len;
};

struct sbx_changeset {
	char *sandbox;
	char *base_master;
	int64_t base_version;
	char *base_snapshot;
	char *theirs_source;
	char *theirs_snapshot;              /* NULL: null */
	int64_t created_ns;
	struct sbx_changeset_file *files;
	size_t n, cap;
};

void sbx_changeset_init(struct sbx_changeset *cs);
void sbx_changeset_release(struct sbx_changeset *cs);

/* Sets the manifest's header (strings copied; THEIRS_SNAPSHOT may be NULL).
 * CREATED_NS is the changeset's time (the lifecycle clock, for --now). */
void sbx_changeset_set_meta(struct sbx_changeset *cs, const char *sandbox, const char *master,
			    int64_t version, const char *base_snapshot, const char *source,
			    const char *theirs_snapshot, int64_t created_ns);

/* Adds the merge of PATH: the result's action, digests, flags and content
 * are copied.  MODE (0: 0644) and MTIME_NS (NULL: the creation time) come
 * from ours' snapshot.  Returns 1 when added, 0 when RES says production
 * keeps its file (SBX_MERGE_KEEP: nothing to change), or a negative code:
 * SBX_ECONFLICT when RES has open conflicts, SBX_EINVAL for an unsafe path
 * (see sbx_changeset_path_ok). */
int sbx_changeset_add(struct sbx_changeset *cs, const char *path, const struct sbx_merge_result *res,
		      uint32_t mode, const int64_t *mtime_ns, struct sbx_err *err);

/* Whether PATH may name a file of a changeset: relative, '/'-separated,
 * no empty, "." or ".." component, no backslash or control character, and
 * not the manifest's own name. */
int sbx_changeset_path_ok(const char *path);

/* The manifest of CS (new reference), files sorted by path. */
json_t *sbx_changeset_manifest(const struct sbx_changeset *cs);

/* Writes CS as a tar.zst archive to FILE, mode 0600 (it holds production's
 * configuration): into a temporary file beside it,
 * fsynced, then renamed over FILE, so that a failure at any point leaves
 * FILE as it was (absent, or the previous file) and no temporary file.
 * Errors: SBX_EINVAL for an unsafe or repeated path or an entry that
 * contradicts its action; SBX_EIO with libarchive's or the system's
 * message. */
int sbx_changeset_write(const struct sbx_changeset *cs, const char *file, struct sbx_err *err);

/* Reads and checks the changeset archive FILE into CS (initialised by the
 * caller, who releases it): the manifest is well-formed (format 1, every
 * field of the right type, digests of 64 hex digits, actions consistent
 * with the digests, no path twice); every path is safe; each file to add or
 * modify is in the archive, a regular file whose SHA-256 is the manifest's
 * "result"; no deletion has content, and nothing else is in the archive.
 * Errors: SBX_EINVAL naming the file and what is wrong; SBX_EIO when FILE
 * cannot be read. */
int sbx_changeset_read(const char *file, struct sbx_changeset *cs, struct sbx_err *err);

#endif
