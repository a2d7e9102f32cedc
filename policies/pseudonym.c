/* The pseudonyms the masker makes, recognised in any text: an address at
 * the reserved domain, and the "h" + 16 hex digits of a hashed value.  One
 * recogniser for the reveal of diffs (policies/reveal.c) and the placeholder
 * scan of merges (lifecycle/placeholder.c). */
#include "config.h"

#include <string.h>

#include "policies/mask.h"

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_word(int c)
{
	return is_alnum(c) || c == '_';
}

/* The characters of an address's local part that mask's email pattern
 * takes, and the dot. */
static int is_local(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The end of an address at the reserved domain whose local part starts at
 * S[I], or 0. */
static size_t email_at(const char *s, size_t n, size_t i)
{
	static const char domain[] = "@" SBX_MASK_DOMAIN;
	size_t j = i, k, d = sizeof domain - 1;

	while (j < n && is_local((unsigned char)s[j]))
		j++;
	if (j == i || n - j < d)
		return 0;
	for (k = 0; k < d; k++)
		if (lower((unsigned char)s[j + k]) != domain[k])
			return 0;
	k = j + d;
	/* "...@example.invalid.com" or "...@example.invalidx" is another domain. */
	if (k < n && (is_alnum((unsigned char)s[k]) || s[k] == '-' ||
		      (s[k] == '.' && k + 1 < n && is_alnum((unsigned char)s[k + 1]))))
		return 0;
	return k;
}

/* Whether S[I..I+17) is a whole-word hash pseudonym "h" + 16 hex digits. */
static int hash_at(const char *s, size_t n, size_t i)
{
	size_t k;

	if (s[i] != 'h' || n - i < 17 || (i > 0 && is_word((unsigned char)s[i - 1])))
		return 0;
	for (k = i + 1; k < i + 17; k++)
		if (!((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f')))
			return 0;
	return k == n || !is_word((unsigned char)s[k]);
}

size_t sbx_mask_pseudonym_at(const char *s, size_t n, size_t from, size_t i, const char **kind)
{
	size_t e;

	/* A local part starts where a run of its characters does. */
	if (is_local((unsigned char)s[i]) && (i == from || !is_local((unsigned char)s[i - 1])) &&
	    (e = email_at(s, n, i))) {
		if (kind)
			*kind = "email";
		return e;
	}
	if (hash_at(s, n, i)) {
		if (kind)
			*kind = "hash";
		return i + 17;
	}
	return 0;
}
