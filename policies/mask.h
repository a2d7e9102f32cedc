/* Masking: deterministic, format-preserving pseudonyms for the personal data
 * of a production export (emails, phone numbers, names, numbers), keyed by
 * the master's secret masking key.  The same value gives the same pseudonym
 * in every file of a tree and across refreshes of a master (referential
 * integrity); another key gives other pseudonyms.  Each pseudonym is
 * HMAC-SHA256(key, kind "\0" normalised value), spelt in the shape of the
 * original.  Values are masked one at a time (JSON leaves, by the hardener),
 * in free text by pattern, or in CSV files by column. */
#ifndef SBX_MASK_H
#define SBX_MASK_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>
#include <stdint.h>

#include "sbx/buf.h"
#include "sbx/err.h"

struct sbx_masker;

/* The reserved domain (RFC 2606) of every email pseudonym: an address there
 * is masked, never a real one (sbx_mask_pseudonym_at recognises them). */
#define SBX_MASK_DOMAIN "example.invalid"

/* Whether a pseudonym starts at S[I] (I >= FROM, FROM where the scan of S
 * began, N its length): an address at SBX_MASK_DOMAIN whose local part
 * starts there, or a whole-word "h" + 16 hex digits.  Returns the offset of
 * its end and sets *KIND ("email", "hash") when KIND is not NULL; 0 when
 * none starts there (policies/pseudonym.c). */
size_t sbx_mask_pseudonym_at(const char *s, size_t n, size_t from, size_t i, const char **kind);

/* Returns a masker for KEY, the master's 32-byte secret masking key (copied;
 * the caller may wipe its own copy).  Compiles the built-in patterns once.
 * Never returns NULL: like sbx_xmalloc it aborts with a message when
 * libcrypto or libpcre2 cannot set up (out of memory).  A const masker is
 * never modified by the functions below, so one may be shared by threads. */
struct sbx_masker *sbx_masker_new(const uint8_t key[32]);

/* Wipes the key and frees M.  Accepts NULL. */
void sbx_masker_free(struct sbx_masker *m);

/* Returns 1 if KIND is a known kind -- "email", "phone", "name", "digits" or
 * "hash" -- else 0 (also for NULL). */
int sbx_mask_kind_ok(const char *kind);

/* Returns the default kind (a static string) for a JSON key, a CSV column
 * name or a pattern name, matched case-insensitively: a name containing
 * "mail" is "email"; "phone", "mobile", "fax" or a word "tel"/"telephone"/
 * "telefon" (not "hotel" or "intel") is "phone"; "name", "first", "last",
 * "surname", "fullname" or "display" is "name"; anything else is "hash". */
const char *sbx_mask_kind_for(const char *keyname);

/* Appends to OUT the pseudonym of VALUE[0..LEN) as KIND.  An empty value
 * appends nothing; a NULL or unknown KIND masks as "hash" (never as the
 * value itself).  Digest input: KIND "\0" and the value normalised -- for
 * email trimmed and lower-cased, for phone its digits only, for name trimmed,
 * lower-cased and with single spaces, else the value as it is -- so
 * " Bob@X.com" and "bob@x.com" share a pseudonym, as do "+49 30 1234567" and
 * "+49-30-1234567" (each spelt in its own shape).  Shapes:
 *   email   "<adjective>.<noun>.<6 hex>@example.invalid", a valid RFC 5322
 *           dot-atom address that never contains the original local part;
 *   phone   same length, every non-digit in place, a leading '+' with its
 *           country code kept, every other digit replaced, never equal to
 *           the input (a leading trunk '0' stays '0', the first replaced
 *           digit is never 0 or 1 otherwise, so numbers stay plausible);
 *           a value without digits to replace masks as "hash";
 *   name    "First Last" from built-in lists (a one-word value gives a first
 *           name), never reusing a word of the input, in the input's case
 *           style (ALL CAPS, all lower, or Capitalised);
 *   digits  every digit replaced, everything else kept, never equal to the
 *           input; a value without digits masks as "hash";
 *   hash    "h" and 16 lower-case hex digits.
 * Surrounding whitespace of an email or name is kept around the pseudonym. */
void sbx_mask_value(const struct sbx_masker *m, const char *kind, const char *value, size_t len,
		    struct sbx_buf *out);

/* Appends to OUT the text IN[0..N) with every match of PATTERN replaced by
 * its pseudonym of KIND (NULL: sbx_mask_kind_for(PATTERN)), and adds the
 * number of replacements to *COUNT.  PATTERN is "email" (a practical
 * RFC 5322 address: dot-atom local part, dotted domain), "phone"
 * (international +CC numbers, NANP (555) 123-4567 / 555-123-4567, national
 * numbers with a trunk 0 such as 030 1234567 or 06 12 34 56 78; 8 to 15
 * digits; never dates, times, versions, timestamps, UUIDs, IP or MAC
 * addresses, or plain integers), or else a PCRE2 regex compiled as the
 * policy parser compiles it (8-bit, no options: use (?m) or (?i) inline).  A
 * regex with a named group "mask" replaces only what that group matched
 * (e.g. "customer: (?<mask>\d+)"); otherwise the whole match is replaced.
 * A match that ends in "@example.invalid" (an earlier pseudonym) is left
 * alone, so masking is idempotent for emails.  Errors: an unknown KIND or a
 * regex that does not compile is SBX_ESYNTAX (with PCRE2's message and
 * offset); a match that exceeds PCRE2's limits is SBX_EFAIL.  On error OUT
 * and *COUNT are as they were. */
int sbx_mask_text(const struct sbx_masker *m, const char *pattern, const char *kind, const void *in,
		  size_t n, struct sbx_buf *out, size_t *count, struct sbx_err *err);

/* Appends to OUT the CSV file IN[0..N) (RFC 4180: comma separator, fields
 * quoted with '"' and "" escapes, CRLF, LF or CR line ends, an optional
 * UTF-8 BOM) with every non-empty cell of the columns named in COLUMNS
 * replaced by its pseudonym of KIND (NULL: sbx_mask_kind_for(column name)),
 * and adds the number of masked cells to *COUNT.  The first row is the
 * header; COLUMNS match header names case-insensitively, ignoring
 * surrounding blanks; names not in the header are ignored, and a file with
 * none of them is copied as it is.  Every byte outside the masked cells
 * stays identical: a quoted cell stays quoted, and a pseudonym that needs
 * quoting is quoted.  Errors: a malformed file (an unterminated quoted
 * field, or text after a closing quote) is SBX_EINVAL naming the line; an
 * unknown KIND is SBX_ESYNTAX.  On error OUT and *COUNT are as they were. */
int sbx_mask_csv(const struct sbx_masker *m, const char *const *columns, size_t ncolumns,
		 const char *kind, const void *in, size_t n, struct sbx_buf *out, size_t *count,
		 struct sbx_err *err);

#endif
