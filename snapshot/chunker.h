#ifndef SBX_CHUNKER_H
#define SBX_CHUNKER_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif
#include <stddef.h>
#include <stdint.h>
#define SBX_CHUNK_MIN   (16u * 1024)
#define SBX_CHUNK_AVG   (64u * 1024)
#define SBX_CHUNK_MAX   (256u * 1024)
/* Files up to this size are stored as one chunk. */
#define SBX_CHUNK_SMALL (128u * 1024)
/*
 * Content-defined chunking: FastCDC (Xia et al., USENIX ATC 2016), i.e.
 * gear-hash chunking with normalisation level 2.  Between SBX_CHUNK_MIN
 * and SBX_CHUNK_AVG a cut needs 18 hash bits to be zero, from
 * SBX_CHUNK_AVG on only 14, which pulls chunk sizes towards the average.
 *
 * `p` points at the first byte of a chunk and `n` is the number of bytes
 * available from there.  Returns the length of the chunk that starts at
 * `p`:
 *   - `n` itself when n <= SBX_CHUNK_MIN (so 0 for 0);
 *   - otherwise a value in [SBX_CHUNK_MIN, min(n, SBX_CHUNK_MAX)], the
 *     upper bound being returned when no cut point is found.
 * The caller hands over at least SBX_CHUNK_MAX bytes unless it is at the
 * end of its input, in which case it passes whatever is left; bytes past
 * min(n, SBX_CHUNK_MAX) are never read.  A shorter `n` never moves a cut
 * found before it: the result is the cut over the full input when that
 * lies below `n`, and `n` otherwise.
 *
 * The function is stateless and deterministic: the hash restarts at
 * every chunk start and the first SBX_CHUNK_MIN bytes are skipped without
 * hashing, so boundaries depend only on the content, never on buffering,
 * alignment or the platform.  Changing the gear table, the masks or the
 * size constants changes every boundary and therefore defeats
 * deduplication against chunks already stored.  Never fails.
 */
size_t sbx_chunker_cut(const uint8_t *p, size_t n);
#endif
