/*
 * FastCDC content-defined chunking (Wen Xia et al., "FastCDC: a Fast and
 * Efficient Content-Defined Chunking Approach for Data Deduplication",
 * USENIX ATC 2016), with normalisation level 2.
 *
 * The rolling "gear" hash is updated as h = (h << 1) + gear[byte].  Each
 * shift pushes old contributions up, so bit k of h depends on the last
 * k + 1 bytes only: a mask whose highest one bit is bit 47 makes the cut
 * decision a function of a 48-byte window, and the boundaries resynchronise
 * shortly after an insertion or a deletion.
 */
#include "chunker.h"

/*
 * The two FastCDC "spread" masks, from the canonical FastCDC mask table
 * used by the reference implementation and its ports (destor, fastcdc-rs,
 * duplicacy), indexed there by the number of one bits.  Their one bits
 * are scattered over bits 12..47 rather than packed together, which the
 * paper found to give a better chunk size distribution, and none sits in
 * the lowest bits, which depend on too few bytes.
 *
 * Normalisation level 2 for a 64 KiB average (16 bits): MASK_S has
 * 16 + 2 = 18 one bits (cut probability 2^-18 per byte) and applies before
 * SBX_CHUNK_AVG; MASK_L has 16 - 2 = 14 (2^-14) and applies after it.
 */
#define MASK_S 0x0000d90707537000ull
#define MASK_L 0x0000d90313530000ull

/*
 * gear[i] is the (i + 1)-th output of splitmix64 (Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014) seeded
 * with 0x5362780000000001:
 *
 *	state += 0x9e3779b97f4a7c15;
 *	z = state;
 *	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
 *	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
 *	gear[i] = z ^ (z >> 31);
 *
 * It is part of the storage format: every chunk boundary depends on it,
 * so it must never change.
 */
static const uint64_t gear[256] = {
	0x0c68098d7135d8acull, 0x3248658737fa3e8dull,
	0x6ef9a76765343a7dull, 0xa70816eb38749e4bull,
	0x149a23222f975c74ull, 0xc747a64856f70916ull,
	0xeaf335b26aced2feull, 0x2bba874fc0ebf8a9ull,
	0x282bedd5119006c5ull, 0xad6a8101ecf26745ull,
	0x5415a64df7752924ull, 0x80013543b981d3f1ull,
	0x703f06aba2371469ull, 0x99d6a84fdff34754ull,
	0xae1deed7007706a2ull, 0xacbabe3e4438d2d7ull,
	0x8b2ff56f3613481aull, 0x76ccbfadc687ecbeull,
	0xec9bf236dedaaba5ull, 0x008747710a51d532ull,
	0x8584f48dc2c389e8ull, 0x9f5e232f051882eaull,
	0xd8d819473019f024ull, 0x4b2723cecec71876ull,
	0xd303d13a4dfd18b1ull, 0x3a6795583ee518e0ull,
	0xe7e3d3030a33e1b4ull, 0xf9ee4b3d9e2bab73ull,
	0x01bf52283d7303e9ull, 0x77be049fb4af5394ull,
	0xdee46743b1fa2dc6ull, 0xe91fca111fb5ee97ull,
	0xcc564d75ace6dc0dull, 0x0e80b2cb5f707ea0ull,
	0x3afa8b5aeee04a36ull, 0x941e73c02d9039dcull,
	0x13fea08cf161e353ull, 0x9558711da885ab18ull,
	0xba3091465408f903ull, 0x4dbb9fc6c2193b00ull,
	0x1eba8831d90d694dull, 0x2079d4e9c3567740ull,
	0x94aa5808fc97760full, 0xb81ae329068cd472ull,
	0x434ab77237819589ull, 0x2819988334c1c809ull,
	0xb3e7f06fb8cc342bull, 0xf0427b8fc8979c92ull,
	0x743b5afed16aa92cull, 0x1b05c8aeaf166753ull,
	0x72e15af40cec4773ull, 0x8379b852311f7830ull,
	0x38d09389edd1c02aull, 0x8272daf09154c713ull,
	0x5061767ad97d2fb6ull, 0x2b0f26acce1f21e9ull,
	0x911e748afa3a03efull, 0x06a23c4d37843fcfull,
	0x22f3608d59a61314ull, 0x0a8fc6ee0d673aa8ull,
	0x0de7b6ec13688191ull, 0x7385b9eb0d4b3709ull,
	0x72a17a028836712aull, 0xcf472728f2eb7f7eull,
	0x9803e67704f1abf9ull, 0x1d6e60bc636ddba9ull,
	0xcc7eedf17c07a906ull, 0x60c68d212e79c061ull,
	0xcc4804c0cdd177faull, 0xfeb1f756daaf2986ull,
	0xbaf3b6ea34d7e514ull, 0xb55d5d7da80c92b6ull,
	0x134724a0e54a9469ull, 0xa0b6c0beb1f144b7ull,
	0x04df8662223647a5ull, 0xbf88de568b39a0e3ull,
	0xd07f5dfa3e71f0daull, 0xf8c4b99ab6ae7506ull,
	0xa773bb4f868bbaa9ull, 0xaa6c12a6727c229eull,
	0x83c724f165b9be4dull, 0xcd9edf0bad6f320cull,
	0x85b053d968a52c19ull, 0x0a1545dc4751e375ull,
	0x8a7dd8fb31ddeb06ull, 0x731d0184d9c7145cull,
	0x604481886782a21aull, 0x8f8e0ffab83b3c91ull,
	0x38cefb094a035e07ull, 0x592fd36a3056b74dull,
	0x2fc47661ddf4c191ull, 0xdd54b35d4193b28dull,
	0xfc8b4e1f18aae978ull, 0x90355a0198e2eee4ull,
	0x1692af2c9eae617eull, 0xeeadc262e370c165ull,
	0xaa04275b011b3c59ull, 0x18c51373c4de60f9ull,
	0x510efaa50e019541ull, 0x1867e05b199aed80ull,
	0x43ed57455114526dull, 0x2d8bde4a18efd699ull,
	0x1c5adfb2b35954dbull, 0x6e53962562155badull,
	0xf71fcc2d13c99b4full, 0x62005d890112ec22ull,
	0x39d2e9c741d1a767ull, 0x93f31c78fa51c29cull,
	0xbbb774ae9d332fc7ull, 0x7ed27c5ef36970adull,
	0x31cc3262e356cc42ull, 0xb2aa7425be111ad3ull,
	0x9438d978a823f2deull, 0x3051bfb8192328d8ull,
	0x37cfc11e43aca490ull, 0xaee234db395951eeull,
	0x31132b93ed7ad885ull, 0x2f94c0b7f2941cbeull,
	0x570d087c1f0131cbull, 0x257881f108b59f41ull,
	0x1c64d728ba364d19ull, 0x0a39b24332cee990ull,
	0x42ebcb9399dfe69bull, 0xec175a1dea28de83ull,
	0x7ca23dd7511e1040ull, 0xc8d931ac06dd9ad7ull,
	0xf34f98368f589d41ull, 0xd3b95d54530928a0ull,
	0x944db3e36d60e92aull, 0xf95b2f1ac49cb2acull,
	0x92ec450067cd92c0ull, 0x563b596b68913a40ull,
	0xc96bafbacf7efa14ull, 0x2e4490f0a6ca60bcull,
	0xa3769208d010eaf7ull, 0x4ec10b66d235371eull,
	0xabfb7711fe90f2d1ull, 0x43f4698496f3f207ull,
	0x67b91a09db98275full, 0x7e91f875e4626c87ull,
	0x80389d80ba7a025aull, 0x1b044cb61a5a12dbull,
	0x557df0e36e67b229ull, 0x112a87dbdb665fc5ull,
	0x39ea025055772eabull, 0x26b637652d39564cull,
	0x808e8910ff149c0full, 0x692e7dbda5d71298ull,
	0x88a112ae53dc028cull, 0x68ec60eb33e8d959ull,
	0x5f8406486037685cull, 0xfae75e9ed953b86cull,
	0xa25c89565d3a0c49ull, 0x8b893d76888b2f75ull,
	0x0ec6174da63f2576ull, 0x1b2db1d2d85e5938ull,
	0x54e2cc094a9da321ull, 0xcefda56f24ef27caull,
	0x8a7d3df3f8c004d5ull, 0x39d8325a4bb707a2ull,
	0x9d7f43bb6b3ad42bull, 0xa368c56950371a4full,
	0x0f6217cc135f1027ull, 0x316c9e901e1d7b91ull,
	0x6f8962db0a7a318aull, 0x0e94071d79f1eec1ull,
	0xb66635a4491612c5ull, 0x1fd6e0550dc85d7dull,
	0x5e34f9fa205b4294ull, 0x8b345b4263b24fabull,
	0xa56704feb11f039bull, 0xe4e0024d1c972beeull,
	0x9d50229d4a11076full, 0x6cdc659aca190573ull,
	0x052b7f73d9fd7f06ull, 0xe55448ca90bb701full,
	0xef0a9104e7d91cedull, 0xe81b742b53641f3dull,
	0x979507d7ed249a2bull, 0x6b532fb004e99275ull,
	0x932e832efb3f539aull, 0x14720cf4a390cda1ull,
	0xa6c169bdef8d460eull, 0x02ea4277449075daull,
	0x938febf339cd6dc6ull, 0x50c3c29c4f9194b9ull,
	0x0b9d8473762a5521ull, 0x81926d71df996301ull,
	0xbc9a9d334aa594f3ull, 0xadf55ed4cc0a7cd9ull,
	0xba636f33ce46071bull, 0x6d095cdf4ef0313eull,
	0xb72763ced0577923ull, 0xf9b58d1008b14a76ull,
	0xf02a734dfd5ac7caull, 0xf567f20e9d168bceull,
	0x5119862a439eb946ull, 0x87a512ad27e0c92full,
	0xc0f4b73174e0ef09ull, 0xbf058a6389197e54ull,
	0x353285f2649da94cull, 0x6b0d54453f64f5d7ull,
	0x4d2daec9af272273ull, 0x1898e7ebaecbd857ull,
	0x1857c888160e627bull, 0xdde99ae1f5d23388ull,
	0xd721c500659e5623ull, 0x7814c0e001373091ull,
	0xa2c51b6a4a0928f8ull, 0x4c16f7762182b521ull,
	0xc4668130bb0aaec3ull, 0x1ba4c247bcbb1fd0ull,
	0x4f3d1e30f0aef72bull, 0x3c61488474cda1fbull,
	0x819d6de0f074d4e6ull, 0x5fec6df79de97cfbull,
	0x1332c455f807f0cbull, 0x0c956bfc8a5f1b9dull,
	0xb9d6b67dcb571217ull, 0x1c20ff1e852c38cbull,
	0xb960239dd0f05661ull, 0x0eb0512bb68b2ce1ull,
	0x65fe5c9f39ba4024ull, 0x9cde0195a02046a6ull,
	0x18b2882a2c27b3a7ull, 0x503531fc197237b0ull,
	0xb5393bf6dbf9eae8ull, 0xe5991fd3134ea621ull,
	0xb57f2da6c5f15ca7ull, 0xbb24389f4daa45cfull,
	0xec4247644f011b2eull, 0x3d8beaa320420e19ull,
	0xec125d99c15b7012ull, 0x6c46dee634e05fa6ull,
	0x43e40212b6254ab7ull, 0xe0b0b730804b446cull,
	0x1d5c40a4e820ba41ull, 0xb7b1acf7956de25cull,
	0x5cf768c9a60c789cull, 0x84f1766e523c572eull,
	0x5f57fd9049eb99eaull, 0x9b295b426e0865daull,
	0x9b0db72c5dd21ed7ull, 0xe156b30972615b96ull,
	0xe28a18d35ee82757ull, 0x3657275b51094a61ull,
	0xebc8c8d15d191d1aull, 0x83cde7f83cdd4b43ull,
	0xb553a8649b281315ull, 0x76160c42885301c5ull,
	0x7750d3d5de7382d0ull, 0xcf44130b7bfabee5ull,
	0x5c052ecdde0dd447ull, 0xb0ad507f63654f7dull,
	0x22f794f1ba6a3f12ull, 0x5f814cf4bbc023cfull,
};

/*
 * Hashes p[i], p[i + 1], ... up to p[end - 1], continuing from *hp, and
 * returns the first position whose hash has no bit of `mask` set, or `end`
 * (with the hash left in *hp) when there is none.
 *
 * This is the plain FastCDC loop
 *
 *	for (; i < end; i++) {
 *		h = (h << 1) + gear[p[i]];
 *		if (!(h & mask))
 *			return i;
 *	}
 *
 * unrolled four times.  In the plain loop every byte waits for the
 * previous byte's shift and add; here the four table entries are first
 * combined among themselves (t1..t3) and each position's hash is formed
 * straight from the hash before the group, so the dependency chain
 * through h is one step per four bytes and the loop runs about 1.5 times
 * as fast.  The cut positions are exactly those of the plain loop.
 */
static size_t scan(const uint8_t *p, size_t i, size_t end, uint64_t mask,
		uint64_t *hp)
{
	uint64_t h = *hp;

	for (; i + 4 <= end; i += 4) {
		uint64_t g0 = gear[p[i]], g1 = gear[p[i + 1]];
		uint64_t g2 = gear[p[i + 2]], g3 = gear[p[i + 3]];
		uint64_t t1 = (g0 << 1) + g1;
		uint64_t t2 = (t1 << 1) + g2;
		uint64_t t3 = (t2 << 1) + g3;

		if (!(((h << 1) + g0) & mask))
			return i;
		if (!(((h << 2) + t1) & mask))
			return i + 1;
		if (!(((h << 3) + t2) & mask))
			return i + 2;
		h = (h << 4) + t3;
		if (!(h & mask))
			return i + 3;
	}
	for (; i < end; i++) {
		h = (h << 1) + gear[p[i]];
		if (!(h & mask))
			return i;
	}
	*hp = h;
	return end;
}

size_t sbx_chunker_cut(const uint8_t *p, size_t n)
{
	uint64_t h = 0;
	size_t norm, cut;

	if (n <= SBX_CHUNK_MIN)
		return n;
	if (n > SBX_CHUNK_MAX)
		n = SBX_CHUNK_MAX;
	norm = n < SBX_CHUNK_AVG ? n : SBX_CHUNK_AVG;

	/*
	 * As in the paper, the byte that completes a matching hash becomes
	 * the first byte of the next chunk, so the shortest cut is exactly
	 * SBX_CHUNK_MIN.  Hashing starts there, from zero; 48 bytes later
	 * the hash tests the same as if every byte had been hashed, since a
	 * mask that stops at bit 47 only sees the last 48 bytes.
	 */
	cut = scan(p, SBX_CHUNK_MIN, norm, MASK_S, &h);
	if (cut < norm)
		return cut;
	return scan(p, norm, n, MASK_L, &h);
}
