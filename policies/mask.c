#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#else
#include <openssl/hmac.h>
#endif

#include "policies/mask.h"
#include "util/hash.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The reserved domain of every email pseudonym (RFC 2606). */
#define RESERVED "@" SBX_MASK_DOMAIN

/* Word lists.  Their sizes are powers of two, so a digest byte picks a word
 * without bias.  Adjectives and nouns make email local parts; names are
 * ASCII and single words so they survive any file format unquoted. */
static const char *const adjectives[] = {
	"agile", "amber", "ancient", "apt", "ashen", "autumn", "azure", "balmy",
	"bold", "brave", "breezy", "bright", "brisk", "calm", "candid", "cheery",
	"civil", "clever", "cobalt", "cosmic", "cozy", "crimson", "crisp", "curious",
	"dapper", "daring", "dewy", "eager", "early", "earnest", "elated", "emerald",
	"epic", "fair", "fancy", "fearless", "festive", "fluffy", "fresh", "frosty",
	"gentle", "giddy", "glad", "gleaming", "golden", "graceful", "grand", "happy",
	"hardy", "hazel", "hidden", "honest", "humble", "icy", "indigo", "ivory",
	"jade", "jolly", "jovial", "keen", "kind", "lively", "lofty", "loyal",
	"lucky", "lunar", "magic", "mellow", "merry", "mighty", "misty", "modest",
	"mossy", "neat", "nimble", "noble", "oaken", "olive", "opal", "patient",
	"placid", "plucky", "polar", "polite", "proud", "quick", "quiet", "radiant",
	"rapid", "rosy", "royal", "ruby", "rustic", "sandy", "scarlet", "serene",
	"shiny", "silent", "silver", "simple", "sleek", "smooth", "snowy", "solar",
	"spry", "stellar", "stormy", "sturdy", "sunny", "swift", "tawny", "tidy",
	"tranquil", "trusty", "upbeat", "valiant", "velvet", "vivid", "warm", "wavy",
	"wise", "witty", "woodsy", "young", "zany", "zealous", "zen", "zesty",
};

static const char *const nouns[] = {
	"acorn", "albatross", "alder", "anchor", "aspen", "aurora", "badger", "beacon",
	"beetle", "birch", "bison", "bramble", "brook", "buffalo", "cactus", "canyon",
	"caribou", "cedar", "cloud", "clover", "comet", "condor", "coral", "cougar",
	"crane", "creek", "cricket", "cypress", "daisy", "delta", "dolphin", "dove",
	"dune", "eagle", "elm", "ember", "falcon", "fern", "ferret", "finch",
	"fjord", "forest", "fox", "galaxy", "gazelle", "gecko", "geyser", "glacier",
	"grove", "gull", "harbor", "hawk", "heron", "hill", "ibis", "iris",
	"island", "jaguar", "juniper", "kestrel", "koala", "lagoon", "lake", "lark",
	"lemur", "leopard", "lily", "lynx", "magpie", "marmot", "meadow", "meteor",
	"moose", "moth", "nebula", "newt", "oak", "ocean", "orca", "osprey",
	"otter", "owl", "panda", "panther", "parrot", "pebble", "pelican", "pine",
	"planet", "plover", "pond", "puffin", "quail", "quartz", "rabbit", "raven",
	"reef", "ridge", "river", "robin", "salmon", "sequoia", "sparrow", "spruce",
	"star", "stone", "stream", "summit", "swan", "thistle", "thrush", "tiger",
	"trail", "tulip", "valley", "violet", "walrus", "willow", "wolf", "wombat",
	"wren", "yak", "yarrow", "zebra", "zephyr", "bay", "cove", "mesa",
};

static const char *const first_names[] = {
	"Aarav", "Ada", "Aisha", "Akira", "Alejandro", "Amara", "Amir", "Ananya",
	"Anastasia", "Andrei", "Anouk", "Aroha", "Astrid", "Bilal", "Bjorn", "Camille",
	"Carlos", "Chiara", "Chidi", "Daniela", "Dmitri", "Diego", "Eitan", "Elena",
	"Elif", "Emeka", "Emma", "Esperanza", "Farah", "Fatima", "Felipe", "Fiona",
	"Freya", "Gabriel", "Giulia", "Goran", "Hamza", "Hana", "Haruto", "Hiroshi",
	"Hugo", "Ibrahim", "Imani", "Ines", "Ingrid", "Isabella", "Ivan", "Jamal",
	"Jana", "Javier", "Jin", "Jonas", "Kai", "Kalani", "Kavya", "Keanu",
	"Kenji", "Kofi", "Lars", "Layla", "Leila", "Liam", "Lina", "Luca",
	"Lucia", "Mai", "Malik", "Marek", "Mateo", "Maya", "Mehmet", "Mei",
	"Milan", "Mira", "Nadia", "Naveen", "Nia", "Nikos", "Noah", "Nora",
	"Nour", "Olga", "Oliver", "Omar", "Oren", "Oskar", "Pablo", "Paloma",
	"Pedro", "Pia", "Priya", "Quentin", "Rafael", "Rania", "Ravi", "Rin",
	"Rosa", "Ruslan", "Sakura", "Samir", "Sanjay", "Sara", "Sebastian", "Minjun",
	"Sofia", "Soren", "Tariq", "Thabo", "Theo", "Tomas", "Tunde", "Valentina",
	"Vikram", "Wei", "Xavier", "Yara", "Yasmin", "Yuki", "Yusuf", "Zainab",
	"Zara", "Zoe", "Ngozi", "Arjun", "Leilani", "Mateus", "Svetlana", "Kwame",
};

static const char *const last_names[] = {
	"Abe", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker",
	"Bianchi", "Castillo", "Chen", "Cohen", "Costa", "Dubois", "Eriksson", "Esposito",
	"Fernandez", "Fischer", "Garcia", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hoffmann",
	"Horvath", "Ito", "Jansen", "Jensen", "Kaur", "Khan", "Kim", "Kowalski",
	"Kumar", "Lambert", "Larsen", "Lee", "Lindqvist", "Lopez", "Martin", "Meyer",
	"Moreau", "Mori", "Muller", "Nakamura", "Nguyen", "Novak", "Nowak", "Okafor",
	"Oliveira", "Olsen", "Park", "Patel", "Perez", "Petrov", "Popescu", "Quispe",
	"Ramirez", "Reddy", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Smith",
	"Suzuki", "Tanaka", "Tran", "Varga", "Wagner", "Wang", "Weber", "Williams",
	"Wong", "Yamamoto", "Yilmaz", "Zhang", "Zhou", "Achterberg", "Agarwal", "Amato",
	"Antonov", "Asante", "Baptiste", "Barros", "Bauer", "Berg", "Brennan", "Byrne",
	"Campbell", "Chatterjee", "Chaudhry", "Demir", "Diallo", "Dlamini", "Edwards", "Ferrari",
	"Fontaine", "Gallagher", "Hakimi", "Herrera", "Hussain", "Ivanov", "Johansson", "Kariuki",
	"Kaya", "Kovacs", "Lindberg", "Mahlangu", "Mendoza", "Mensah", "Murphy", "Nagy",
	"Ortiz", "Osei", "Pereira", "Rahman", "Ricci", "Sanchez", "Santos", "Sorensen",
	"Takahashi", "Torres", "Vasquez", "Virtanen", "Walsh", "Watanabe", "Yadav", "Zielinski",
};

_Static_assert(NELEM(adjectives) == 128, "adjectives: 128 words");
_Static_assert(NELEM(nouns) == 128, "nouns: 128 words");
_Static_assert(NELEM(first_names) == 128, "first names: 128 names");
_Static_assert(NELEM(last_names) == 128, "last names: 128 names");

/* The built-in patterns, compiled once per masker.
 *
 * An email is a practical RFC 5322 address: a dot-atom local part of the
 * characters real addresses use (not '/', '=', '{', quotes and the like,
 * which in configuration files are syntax around an address), and a domain
 * of at least two LDH labels ending in a label that starts with a letter.
 * It may not start inside a word or a dotted run, which also keeps the
 * search linear. */
static const char email_src[] =
	"(?<![\\w.%+-])"
	"[A-Za-z0-9_%+-]++(?:\\.[A-Za-z0-9_%+-]++)*+"
	"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+"
	"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])"
	"(?![\\w-]|\\.[A-Za-z0-9])";

/* A phone number is one of four shapes, none of which a date, a time, a
 * version, a UUID, an IP or MAC address or a plain integer takes: numbers
 * need a '+' or separators between digit groups, and may neither start nor
 * end inside a word, a number, an address or a path.  phone_ok() then
 * counts the digits (8 to 15) and refuses dates such as 01-02-2024. */
static const char phone_src[] =
	"(?<![\\w.+@/-])"
	"(?:"
	/* +49 30 1234567, +1 (415) 555-0100, +44 (0)20 7946 0958, +4930123456 */
	"\\+[1-9]\\d*+(?:[ .-]?\\(\\d++\\)(?:[ .-]?\\d++)?|[ .-]\\d++)*"
	/* (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0100 */
	"|(?:1[ .-])?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}"
	/* 030 1234567, (030) 123 4567, 0171/1234567, 020 7946 0958 */
	"|\\(?0\\d{1,4}\\)?(?:[ /-]\\d{2,8}){1,4}"
	/* 06 12 34 56 78, 06.12.34.56.78 */
	"|0\\d(?:[ .-]\\d\\d){4}"
	")"
	"(?![\\w@]|[.:/-]\\w)";

struct sbx_masker {
	uint8_t key[32];
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MAC *mac;
	EVP_MAC_CTX *keyed;  /* initialised with the key; duplicated per digest */
#endif
	pcre2_code *email;
	pcre2_code *phone;
};

static void die(const char *what)
{
	fprintf(stderr, "sbx: error: %s\n", what);
	abort();
}

/* ASCII only: the locale must not change a pseudonym. */
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int to_lower(int c)
{
	return is_upper(c) ? c - 'A' + 'a' : c;
}

static int to_upper(int c)
{
	return is_lower(c) ? c - 'a' + 'A' : c;
}

/* Case-insensitive equality of P[0..N) and the string S. */
static int eq_ci(const char *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || to_lower((unsigned char)p[i]) != to_lower((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

/* Whether H[0..HN) contains N[0..NN) (exact bytes). */
static int contains(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	if (nn > hn)
		return 0;
	for (i = 0; i + nn <= hn; i++)
		if (!memcmp(h + i, n, nn))
			return 1;
	return 0;
}

static void trim(const char *v, size_t len, size_t *a, size_t *b)
{
	*a = 0;
	*b = len;
	while (*a < *b && is_space((unsigned char)v[*a]))
		(*a)++;
	while (*b > *a && is_space((unsigned char)v[*b - 1]))
		(*b)--;
}

struct sbx_masker *sbx_masker_new(const uint8_t key[32])
{
	struct sbx_masker *m = sbx_xcalloc(1, sizeof *m);
	PCRE2_SIZE off;
	int code;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	OSSL_PARAM params[2];
	char digest[] = "SHA256";
#endif

	memcpy(m->key, key, sizeof m->key);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	m->keyed = m->mac ? EVP_MAC_CTX_new(m->mac) : NULL;
	if (!m->keyed || !EVP_MAC_init(m->keyed, m->key, sizeof m->key, params))
		die("HMAC-SHA256 set-up failed in libcrypto");
#endif
	m->email = pcre2_compile((PCRE2_SPTR)email_src, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	m->phone = pcre2_compile((PCRE2_SPTR)phone_src, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (!m->email || !m->phone)
		die("cannot compile the built-in mask patterns");
	/* Without JIT support pcre2_match interprets, a little slower. */
	pcre2_jit_compile(m->email, PCRE2_JIT_COMPLETE);
	pcre2_jit_compile(m->phone, PCRE2_JIT_COMPLETE);
	return m;
}

void sbx_masker_free(struct sbx_masker *m)
{
	if (!m)
		return;
	OPENSSL_cleanse(m->key, sizeof m->key);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MAC_CTX_free(m->keyed);
	EVP_MAC_free(m->mac);
#endif
	pcre2_code_free(m->email);
	pcre2_code_free(m->phone);
	free(m);
}

/* OUT = HMAC-SHA256(key, KIND "\0" V[0..N)). */
static void keyed_digest(const struct sbx_masker *m, const char *kind, const void *v, size_t n,
			 uint8_t out[32])
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(m->keyed);
	size_t len = 0;

	if (!c || !EVP_MAC_update(c, (const unsigned char *)kind, strlen(kind) + 1) ||
	    (n && !EVP_MAC_update(c, v, n)) || !EVP_MAC_final(c, out, &len, 32) || len != 32)
		die("HMAC-SHA256 failed in libcrypto");
	EVP_MAC_CTX_free(c);
#else
	HMAC_CTX *c = HMAC_CTX_new();
	unsigned int len = 0;

	if (!c || !HMAC_Init_ex(c, m->key, sizeof m->key, EVP_sha256(), NULL) ||
	    !HMAC_Update(c, (const unsigned char *)kind, strlen(kind) + 1) ||
	    (n && !HMAC_Update(c, v, n)) || !HMAC_Final(c, out, &len) || len != 32)
		die("HMAC-SHA256 failed in libcrypto");
	HMAC_CTX_free(c);
#endif
}

/* The bytes a pseudonym is spelt from: the digest itself, then
 * SHA-256(digest || counter) blocks, as many as a long value needs.  The
 * digest is secret and uniform, so the blocks are too. */
struct stream {
	uint8_t seed[32];
	uint8_t block[32];
	uint32_t counter;
	size_t pos;
};

static void stream_init(struct stream *s, const uint8_t d[32])
{
	memcpy(s->seed, d, 32);
	memcpy(s->block, d, 32);
	s->counter = 0;
	s->pos = 0;
}

static unsigned stream_byte(struct stream *s)
{
	if (s->pos == sizeof s->block) {
		unsigned char in[36];

		memcpy(in, s->seed, 32);
		sbx_put_u32(in + 32, ++s->counter);
		sbx_sha256(in, sizeof in, s->block);
		s->pos = 0;
	}
	return s->block[s->pos++];
}

/* A uniform number below N (1..256): bytes past the last multiple of N are
 * skipped, so no value is favoured. */
static unsigned stream_below(struct stream *s, unsigned n)
{
	unsigned limit = 256 - 256 % n, b;

	do
		b = stream_byte(s);
	while (b >= limit);
	return b % n;
}

static void mask_hash(const struct sbx_masker *m, const char *v, size_t len, struct sbx_buf *out)
{
	uint8_t d[32];
	char hex[17];

	keyed_digest(m, "hash", v, len, d);
	sbx_hex(d, 8, hex);
	sbx_buf_addc(out, 'h');
	sbx_buf_add(out, hex, 16);
}

static void mask_email(const struct sbx_masker *m, const char *v, size_t len, struct sbx_buf *out)
{
	struct sbx_buf norm = SBX_BUF_INIT, local = SBX_BUF_INIT;
	struct stream s;
	size_t a, b, i, nlocal;
	unsigned attempt;
	uint8_t d[32], h[3];
	char hex[7];

	trim(v, len, &a, &b);
	if (a == b) {
		sbx_buf_add(out, v, len);
		return;
	}
	for (i = a; i < b; i++)
		sbx_buf_addc(&norm, (char)to_lower((unsigned char)v[i]));
	keyed_digest(m, "email", norm.data, norm.len, d);
	/* The original local part: everything before the last '@'. */
	for (nlocal = norm.len; nlocal > 0 && norm.data[nlocal - 1] != '@'; nlocal--)
		;
	nlocal = nlocal ? nlocal - 1 : norm.len;
	stream_init(&s, d);
	/* A pseudonym may not contain the original local part (think of
	 * "fox@..." and "brave.fox.1a2b3c"): another draw almost always fixes
	 * that. */
	for (attempt = 0; attempt < 16; attempt++) {
		sbx_buf_reset(&local);
		sbx_buf_adds(&local, adjectives[stream_below(&s, NELEM(adjectives))]);
		sbx_buf_addc(&local, '.');
		sbx_buf_adds(&local, nouns[stream_below(&s, NELEM(nouns))]);
		for (i = 0; i < sizeof h; i++)
			h[i] = (uint8_t)stream_byte(&s);
		sbx_hex(h, sizeof h, hex);
		sbx_buf_addc(&local, '.');
		sbx_buf_add(&local, hex, 6);
		if (!nlocal || !contains(local.data, local.len, norm.data, nlocal))
			goto found;
	}
	/* A one- or two-letter local part can defeat every draw.  Spell the
	 * pseudonym in letters other than the original's first one: then it
	 * cannot contain the original. */
	sbx_buf_reset(&local);
	for (i = 0; i < 16; i++) {
		int first = (unsigned char)norm.data[0];
		unsigned c = stream_below(&s, is_lower(first) ? 25 : 26);

		if (is_lower(first) && c >= (unsigned)(first - 'a'))
			c++;
		sbx_buf_addc(&local, (char)('a' + c));
	}
found:
	sbx_buf_add(out, v, a);
	sbx_buf_add(out, local.data, local.len);
	sbx_buf_adds(out, RESERVED);
	sbx_buf_add(out, v + b, len - b);
	sbx_buf_release(&local);
	sbx_buf_release(&norm);
}

/* The length of the ITU-T E.164 country code at the start of the digits
 * D[0..N): zones 1 and 7 have one digit, the two-digit codes are listed, the
 * rest have three. */
static size_t country_code_len(const char *d, size_t n)
{
	static const unsigned char two[] = {
		20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
		51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
		81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
	};
	unsigned cc;
	size_t i;

	if (n == 0 || d[0] == '0')
		return 0;
	if (d[0] == '1' || d[0] == '7' || n == 1)
		return 1;
	cc = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
	for (i = 0; i < sizeof two; i++)
		if (two[i] == cc)
			return 2;
	return n < 3 ? n : 3;
}

/* How many leading digits of phone number V[0..LEN) are its country code:
 * after a leading '+', the digits up to the first separator when they are
 * one to three, else as many as the E.164 code at their start. */
static size_t kept_digits(const char *v, size_t len)
{
	size_t i = 0, run = 0;

	while (i < len && (is_space((unsigned char)v[i]) || v[i] == '('))
		i++;
	if (i == len || v[i] != '+')
		return 0;
	for (i++; i + run < len && is_digit((unsigned char)v[i + run]); run++)
		;
	if (run >= 1 && run <= 3 && i + run < len)
		return run;
	return country_code_len(v + i, run);
}

/* Replaces the digits of V[0..LEN) after the first KEEP of them, drawing
 * from the digest of NORM (under KIND).  PLAUSIBLE: a leading '0' (a trunk
 * prefix) stays, and the first replaced digit is otherwise 2-9, as area
 * codes are.  The result always differs from V.  Returns 0 if there was no
 * digit to replace (nothing appended). */
static int mask_digit_run(const struct sbx_masker *m, const char *kind, const char *norm,
			  size_t nnorm, const char *v, size_t len, size_t keep, int plausible,
			  struct sbx_buf *out)
{
	struct stream s;
	uint8_t d[32];
	size_t i, seen = 0, last = 0, start = out->len;
	int replaced = 0, same = 1;
	char *p;

	for (i = 0; i < len; i++)
		if (is_digit((unsigned char)v[i]) && ++seen > keep)
			break;
	if (i == len)
		return 0;
	keyed_digest(m, kind, norm, nnorm, d);
	stream_init(&s, d);
	sbx_buf_add(out, v, len);
	p = out->data + start;
	for (i = 0, seen = 0; i < len; i++) {
		if (!is_digit((unsigned char)v[i]) || ++seen <= keep)
			continue;
		if (plausible && !replaced)
			p[i] = v[i] == '0' ? '0' : (char)('2' + stream_below(&s, 8));
		else
			p[i] = (char)('0' + stream_below(&s, 10));
		same &= p[i] == v[i];
		replaced = 1;
		last = i;
	}
	/* Every drawn digit equal to the original (one chance in 10^n) would
	 * leak the number: move the last one by 1 to 9. */
	if (same)
		p[last] = (char)('0' + (v[last] - '0' + 1 + (int)stream_below(&s, 9)) % 10);
	return 1;
}

static void mask_phone(const struct sbx_masker *m, const char *v, size_t len, struct sbx_buf *out)
{
	struct sbx_buf norm = SBX_BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++)
		if (is_digit((unsigned char)v[i]))
			sbx_buf_addc(&norm, v[i]);
	if (!mask_digit_run(m, "phone", norm.data, norm.len, v, len, kept_digits(v, len), 1, out))
		mask_hash(m, v, len, out);
	sbx_buf_release(&norm);
}

static void mask_digits(const struct sbx_masker *m, const char *v, size_t len, struct sbx_buf *out)
{
	if (!mask_digit_run(m, "digits", v, len, v, len, 0, 0, out))
		mask_hash(m, v, len, out);
}

/* Whether the lower-case word W is one of the words of the normalised name
 * NORM (single spaces). */
static int has_word(const char *norm, size_t n, const char *w)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && norm[j] != ' '; j++)
			;
		if (eq_ci(norm + i, j - i, w))
			return 1;
		i = j + 1;
	}
	return 0;
}

enum name_case { NAME_TITLE, NAME_UPPER, NAME_LOWER };

static void add_name(struct sbx_buf *out, const char *name, enum name_case style)
{
	for (; *name; name++)
		sbx_buf_addc(out, (char)(style == NAME_UPPER ? to_upper((unsigned char)*name) :
					 style == NAME_LOWER ? to_lower((unsigned char)*name) : *name));
}

static void mask_name(const struct sbx_masker *m, const char *v, size_t len, struct sbx_buf *out)
{
	struct sbx_buf norm = SBX_BUF_INIT;
	struct stream s;
	size_t a, b, i, words = 0, upper = 0, lower = 0;
	const char *first = NULL, *last = NULL;
	enum name_case style = NAME_TITLE;
	unsigned attempt;
	uint8_t d[32];

	trim(v, len, &a, &b);
	if (a == b) {
		sbx_buf_add(out, v, len);
		return;
	}
	for (i = a; i < b; i++) {
		int c = (unsigned char)v[i];

		upper += is_upper(c);
		lower += is_lower(c);
		if (is_space(c))
			continue;
		if (i == a || is_space((unsigned char)v[i - 1])) {
			if (words++)
				sbx_buf_addc(&norm, ' ');
		}
		sbx_buf_addc(&norm, (char)to_lower(c));
	}
	if (upper && !lower)
		style = NAME_UPPER;
	else if (lower && !upper)
		style = NAME_LOWER;
	keyed_digest(m, "name", norm.data, norm.len, d);
	stream_init(&s, d);
	/* Never hand back a word of the real name ("Maria Lopez" -> "Maria
	 * Chen" would keep half of it). */
	for (attempt = 0; attempt < 8; attempt++) {
		first = first_names[stream_below(&s, NELEM(first_names))];
		last = words > 1 ? last_names[stream_below(&s, NELEM(last_names))] : NULL;
		if (!has_word(norm.data, norm.len, first) &&
		    (!last || !has_word(norm.data, norm.len, last)))
			break;
	}
	sbx_buf_add(out, v, a);
	add_name(out, first, style);
	if (last) {
		sbx_buf_addc(out, ' ');
		add_name(out, last, style);
	}
	sbx_buf_add(out, v + b, len - b);
	sbx_buf_release(&norm);
}

int sbx_mask_kind_ok(const char *kind)
{
	static const char *const kinds[] = { "email", "phone", "name", "digits", "hash" };
	size_t i;

	if (!kind)
		return 0;
	for (i = 0; i < NELEM(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}


/* Whether P starts with the lower-case WORD, case-insensitively. */
static int prefix_ci(const char *p, const char *word)
{
	for (; *word; p++, word++)
		if (!*p || to_lower((unsigned char)*p) != *word)
			return 0;
	return 1;
}

static int key_has(const char *key, const char *word)
{
	for (; *key; key++)
		if (prefix_ci(key, word))
			return 1;
	return 0;
}

/* "tel" as a word of KEY: "tel", "tel_no", "homeTel", "telNumber",
 * "telephone", "telefon"; not "hotel", "intel" or "telemetry". */
static int key_has_tel(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++) {
		int prev = i ? (unsigned char)key[i - 1] : 0, next;

		if (!prefix_ci(key + i, "tel"))
			continue;
		if (prev && (is_lower(prev) || is_upper(prev)) && !(is_lower(prev) && key[i] == 'T'))
			continue;
		next = (unsigned char)key[i + 3];
		if (!(is_lower(next) || is_upper(next)) || (is_upper(next) && is_lower((unsigned char)key[i + 2])) ||
		    prefix_ci(key + i, "teleph") || prefix_ci(key + i, "telef"))
			return 1;
	}
	return 0;
}

const char *sbx_mask_kind_for(const char *keyname)
{
	static const char *const names[] = { "name", "first", "last", "surname", "fullname", "display" };
	size_t i;

	if (!keyname)
		return "hash";
	if (key_has(keyname, "mail"))
		return "email";
	if (key_has(keyname, "phone") || key_has(keyname, "mobile") || key_has(keyname, "fax") ||
	    key_has_tel(keyname))
		return "phone";
	for (i = 0; i < NELEM(names); i++)
		if (key_has(keyname, names[i]))
			return "name";
	return "hash";
}

void sbx_mask_value(const struct sbx_masker *m, const char *kind, const char *value, size_t len,
		    struct sbx_buf *out)
{
	if (!len)
		return;
	if (!kind)
		kind = "hash";
	if (!strcmp(kind, "email"))
		mask_email(m, value, len, out);
	else if (!strcmp(kind, "phone"))
		mask_phone(m, value, len, out);
	else if (!strcmp(kind, "name"))
		mask_name(m, value, len, out);
	else if (!strcmp(kind, "digits"))
		mask_digits(m, value, len, out);
	else
		mask_hash(m, value, len, out);
}

/* Whether P[0..N) ends in the reserved domain: an earlier pseudonym. */
static int reserved_at_end(const char *p, size_t n)
{
	size_t r = strlen(RESERVED);

	return n >= r && eq_ci(p + n - r, r, RESERVED);
}

static int is_date_sep(int c)
{
	return c == '.' || c == '/' || c == '-';
}

/* Whether P[0..N) is a calendar date: 2024-01-15, 15.01.2024, 01/15/24. */
static int looks_like_date(const char *p, size_t n)
{
	unsigned g[3];
	size_t len[3], i = 0, k;
	int sep = 0;

	for (k = 0; k < 3; k++) {
		for (g[k] = 0, len[k] = 0; i < n && is_digit((unsigned char)p[i]) && len[k] < 5; i++, len[k]++)
			g[k] = g[k] * 10 + (unsigned)(p[i] - '0');
		if (!len[k])
			return 0;
		if (k == 2)
			break;
		if (i == n || !is_date_sep((unsigned char)p[i]) || (sep && p[i] != sep))
			return 0;
		sep = (unsigned char)p[i++];
	}
	if (i != n)
		return 0;
	if (len[0] == 4 && len[1] <= 2 && len[2] <= 2)
		return g[1] >= 1 && g[1] <= 12 && g[2] >= 1 && g[2] <= 31;
	if (len[0] <= 2 && len[1] <= 2 && (len[2] == 2 || len[2] == 4))
		return g[0] >= 1 && g[0] <= 31 && g[1] >= 1 && g[1] <= 31 && (g[0] <= 12 || g[1] <= 12);
	return 0;
}

/* Checks a match [MS, *ME) of the phone pattern: 8 to 15 digits (E.164's
 * limit; a longer match gives back trailing groups, it does not fail, so a
 * number followed by another stays masked), and not a date. */
static int phone_ok(const char *s, size_t ms, size_t *me)
{
	size_t b = *me, nd, i;

	for (;;) {
		for (nd = 0, i = ms; i < b; i++)
			nd += is_digit((unsigned char)s[i]);
		if (nd <= 15)
			break;
		while (b > ms && is_digit((unsigned char)s[b - 1]))
			b--;
		while (b > ms && !is_digit((unsigned char)s[b - 1]))
			b--;
	}
	if (nd < 8 || looks_like_date(s + ms, b - ms))
		return 0;
	*me = b;
	return 1;
}

int sbx_mask_text(const struct sbx_masker *m, const char *pattern, const char *kind, const void *in,
		  size_t n, struct sbx_buf *out, size_t *count, struct sbx_err *err)
{
	const char *s = in ? in : "";
	const pcre2_code *re;
	pcre2_code *own = NULL;
	pcre2_match_data *md = NULL;
	size_t start = out->len, pos = 0, last = 0, found = 0;
	uint32_t group = 0;
	int phone = 0, r = 0, rc;

	if (!kind)
		kind = sbx_mask_kind_for(pattern);
	if (!sbx_mask_kind_ok(kind))
		return sbx_err_set(err, SBX_ESYNTAX,
				   "unknown mask kind \"%s\" (email, phone, name, digits, hash)", kind);
	if (!strcmp(pattern, "email")) {
		re = m->email;
	} else if (!strcmp(pattern, "phone")) {
		re = m->phone;
		phone = 1;
	} else {
		PCRE2_SIZE off;
		int code;

		own = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
		if (!own) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(code, msg, sizeof msg);
			r = sbx_err_set(err, SBX_ESYNTAX, "bad regex \"%s\": %s at offset %zu", pattern,
					(char *)msg, (size_t)off);
			goto out;
		}
		pcre2_jit_compile(own, PCRE2_JIT_COMPLETE);
		rc = pcre2_substring_number_from_name(own, (PCRE2_SPTR)"mask");
		if (rc > 0)
			group = (uint32_t)rc;
		re = own;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (!md)
		die("out of memory in libpcre2");
	while (pos <= n) {
		PCRE2_SIZE *ov;
		size_t ms, me, next;

		rc = pcre2_match(re, (PCRE2_SPTR)s, n, pos, 0, md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(rc, msg, sizeof msg);
			r = sbx_err_set(err, SBX_EFAIL, "mask pattern \"%s\": %s", pattern, (char *)msg);
			goto out;
		}
		ov = pcre2_get_ovector_pointer(md);
		next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		ms = ov[2 * group];
		me = ov[2 * group + 1];
		/* An unset or empty group, or one reaching back into text
		 * already replaced (a lookbehind), replaces nothing. */
		if (ms == PCRE2_UNSET || ms >= me || ms < last) {
			pos = next;
			continue;
		}
		if (phone && !phone_ok(s, ms, &me)) {
			pos = ov[0] + 1;
			continue;
		}
		if (!reserved_at_end(s + ms, me - ms)) {
			sbx_buf_add(out, s + last, ms - last);
			sbx_mask_value(m, kind, s + ms, me - ms, out);
			last = me;
			found++;
		}
		pos = phone ? me : next;
	}
	sbx_buf_add(out, s + last, n - last);
	if (count)
		*count += found;
out:
	if (r && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	pcre2_match_data_free(md);
	pcre2_code_free(own);
	return r;
}

/* A CSV field: bytes [START, END) of the file, quotes included. */
struct cell {
	size_t start, end;
	int quoted;
};

/* The 1-based line of offset POS in S[0..N): lines end in LF, CRLF or CR. */
static size_t line_at(const char *s, size_t n, size_t pos)
{
	size_t line = 1, i;

	for (i = 0; i < pos; i++)
		line += s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'));
	return line;
}

static int ends_field(int c)
{
	return c == ',' || c == '\n' || c == '\r';
}

/* Reads the field at *POS into C and moves *POS past it (to the ',' or line
 * end that follows, or to N).  A bare '"' inside an unquoted field is kept
 * as text, as most writers produce and most readers accept. */
static int csv_field(const char *s, size_t n, size_t *pos, struct cell *c, struct sbx_err *err)
{
	size_t i = *pos;

	c->start = i;
	c->quoted = i < n && s[i] == '"';
	if (!c->quoted) {
		while (i < n && !ends_field((unsigned char)s[i]))
			i++;
	} else {
		for (i++;; i++) {
			const char *q = i < n ? memchr(s + i, '"', n - i) : NULL;

			if (!q)
				return sbx_err_set(err, SBX_EINVAL, "line %zu: unterminated quoted field",
						   line_at(s, n, c->start));
			i = (size_t)(q - s);
			if (i + 1 < n && s[i + 1] == '"') {
				i++;
				continue;
			}
			i++;
			break;
		}
		if (i < n && !ends_field((unsigned char)s[i]))
			return sbx_err_set(err, SBX_EINVAL,
					   "line %zu: text after the closing quote of a field",
					   line_at(s, n, i));
	}
	c->end = i;
	*pos = i;
	return 0;
}

/* Appends the text of field C (quotes removed, "" read as ") to V. */
static void cell_value(const char *s, const struct cell *c, struct sbx_buf *v)
{
	size_t i;

	if (!c->quoted) {
		sbx_buf_add(v, s + c->start, c->end - c->start);
		return;
	}
	for (i = c->start + 1; i + 1 < c->end; i++) {
		sbx_buf_addc(v, s[i]);
		if (s[i] == '"')
			i++;
	}
}

static void add_csv_field(struct sbx_buf *out, const char *v, size_t n, int quoted)
{
	size_t i;

	for (i = 0; i < n && !quoted; i++)
		quoted = v[i] == '"' || ends_field((unsigned char)v[i]);
	if (!quoted) {
		sbx_buf_add(out, v, n);
		return;
	}
	sbx_buf_addc(out, '"');
	for (i = 0; i < n; i++) {
		if (v[i] == '"')
			sbx_buf_addc(out, '"');
		sbx_buf_addc(out, v[i]);
	}
	sbx_buf_addc(out, '"');
}

/* Whether header name H[0..N) names column COL: case-insensitive, blanks
 * around either ignored. */
static int column_is(const char *h, size_t n, const char *col)
{
	size_t a, b, ca, cb, k;

	trim(h, n, &a, &b);
	trim(col, strlen(col), &ca, &cb);
	if (b - a != cb - ca)
		return 0;
	for (k = 0; k < b - a; k++)
		if (to_lower((unsigned char)h[a + k]) != to_lower((unsigned char)col[ca + k]))
			return 0;
	return 1;
}

int sbx_mask_csv(const struct sbx_masker *m, const char *const *columns, size_t ncolumns,
		 const char *kind, const void *in, size_t n, struct sbx_buf *out, size_t *count,
		 struct sbx_err *err)
{
	const char *s = in ? in : "";
	const char **kinds = NULL;  /* per header column: its kind, or NULL */
	struct sbx_buf value = SBX_BUF_INIT, pseudo = SBX_BUF_INIT;
	size_t nkinds = 0, start = out->len, pos = 0, last = 0, found = 0, row, col, j;
	struct cell c;
	int r = 0, any = 0;

	if (kind && !sbx_mask_kind_ok(kind))
		return sbx_err_set(err, SBX_ESYNTAX,
				   "unknown mask kind \"%s\" (email, phone, name, digits, hash)", kind);
	sbx_buf_grow(&value, 0);
	sbx_buf_grow(&pseudo, 0);
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		pos = 3;
	for (row = 0; pos < n; row++) {
		for (col = 0;; col++) {
			r = csv_field(s, n, &pos, &c, err);
			if (r)
				goto out;
			sbx_buf_reset(&value);
			if (row == 0) {
				cell_value(s, &c, &value);
				kinds = sbx_xrealloc(kinds, (col + 1) * sizeof *kinds);
				kinds[col] = NULL;
				nkinds = col + 1;
				for (j = 0; j < ncolumns && !kinds[col]; j++)
					if (columns[j] && column_is(value.data, value.len, columns[j]))
						kinds[col] = kind ? kind : sbx_mask_kind_for(columns[j]);
				any |= kinds[col] != NULL;
			} else if (col < nkinds && kinds[col]) {
				cell_value(s, &c, &value);
				if (value.len) {
					sbx_buf_reset(&pseudo);
					sbx_mask_value(m, kinds[col], value.data, value.len, &pseudo);
					sbx_buf_add(out, s + last, c.start - last);
					add_csv_field(out, pseudo.data, pseudo.len, c.quoted);
					last = c.end;
					found++;
				}
			}
			if (pos < n && s[pos] == ',') {
				pos++;
				continue;
			}
			break;
		}
		if (pos < n && s[pos] == '\r')
			pos++;
		if (pos < n && s[pos] == '\n')
			pos++;
		/* No column to mask: the rest of the file is copied unread. */
		if (!any)
			break;
	}
	sbx_buf_add(out, s + last, n - last);
	if (count)
		*count += found;
out:
	if (r && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	free(kinds);
	sbx_buf_release(&value);
	sbx_buf_release(&pseudo);
	return r;
}
