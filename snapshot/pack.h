/* Pack files: chunks compressed with zstd, appended one after another.
 *
 * A pack starts with the 8-byte magic "SBXPACK1"; each record is a 41-byte
 * header (chunk id[32], raw length u32, stored length u32, flags u8) and the
 * stored bytes.  A pack is written under a temporary name, fsynced and
 * renamed (and its directory fsynced) before any index entry names it. */
#ifndef SBX_PACK_H
#define SBX_PACK_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"

#define SBX_PACK_MAGIC "SBXPACK1"
#define SBX_PACK_HDR 8
#define SBX_PACK_REC_HDR 41
#define SBX_PACK_ID_LEN 16
#define SBX_PACK_TARGET ((uint64_t)16 << 20)
#define SBX_LOC_LEN 33

enum { SBX_CHUNK_ZSTD = 1 };

/* Where a chunk lives. */
struct sbx_chunk_loc {
	uint8_t pack[SBX_PACK_ID_LEN];
	uint64_t off;       /* of the record header */
	uint32_t clen;      /* stored bytes */
	uint32_t ulen;      /* raw bytes */
	uint8_t flags;      /* SBX_CHUNK_ZSTD when compressed */
};

void sbx_loc_encode(const struct sbx_chunk_loc *l, uint8_t out[SBX_LOC_LEN]);
int sbx_loc_decode(const void *p, size_t n, struct sbx_chunk_loc *l);

/* Path of pack ID under PACKDIR (caller frees); TMP selects the temporary name. */
char *sbx_pack_path(const char *packdir, const uint8_t id[SBX_PACK_ID_LEN], int tmp);

struct sbx_pack_writer;

/* Starts a new pack with a random id under PACKDIR. */
int sbx_pack_writer_new(const char *packdir, struct sbx_pack_writer **out, struct sbx_err *err);
/* Appends one record; fills *LOC. */
int sbx_pack_writer_add(struct sbx_pack_writer *w, const uint8_t id[32], const void *data,
			uint32_t clen, uint32_t ulen, uint8_t flags,
			struct sbx_chunk_loc *loc, struct sbx_err *err);
uint64_t sbx_pack_writer_size(const struct sbx_pack_writer *w);
const uint8_t *sbx_pack_writer_id(const struct sbx_pack_writer *w);
/* Makes the pack durable under its final name and frees W. */
int sbx_pack_writer_seal(struct sbx_pack_writer *w, struct sbx_err *err);
/* Removes the temporary file and frees W; accepts NULL. */
void sbx_pack_writer_abort(struct sbx_pack_writer *w);

/* A reader keeps a few packs open and a zstd decompression context; one per
 * thread. */
struct sbx_pack_reader;

struct sbx_pack_reader *sbx_pack_reader_new(const char *packdir);
void sbx_pack_reader_free(struct sbx_pack_reader *r);
/* Reads the chunk ID at LOC into OUT (replacing its contents), checks the
 * record header, and with VERIFY re-hashes the raw bytes.  A mismatch or an
 * unreadable record is SBX_ECORRUPT naming the chunk. */
int sbx_pack_read(struct sbx_pack_reader *r, const uint8_t id[32],
		  const struct sbx_chunk_loc *loc, int verify, struct sbx_buf *out,
		  struct sbx_err *err);

#endif
