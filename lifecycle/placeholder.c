#include "config.h"

#include <string.h>

#include "lifecycle/placeholder.h"
#include "policies/mask.h"
#include "providers/vars.h"

const char *sbx_ph_kind_name(enum sbx_ph_kind k)
{
	switch (k) {
	case SBX_PH_VARIABLE:
		return "variable";
	case SBX_PH_SECRET:
		return "secret";
	default:
		return "masked value";
	}
}

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

int sbx_ph_find(const char *s, size_t n, size_t from, const char *const *extra, size_t nextra,
		struct sbx_ph_hit *hit)
{
	size_t i, k, e;
	int secret;

	for (i = from; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '$' && (k = sbx_vars_match(s, n, i, &secret))) {
			hit->start = i;
			hit->end = i + k;
			hit->kind = secret ? SBX_PH_SECRET : SBX_PH_VARIABLE;
			return 1;
		}
		/* A local part starts where a run of its characters does. */
		if (is_local(c) && (i == from || !is_local((unsigned char)s[i - 1])) &&
		    (e = email_at(s, n, i))) {
			hit->start = i;
			hit->end = e;
			hit->kind = SBX_PH_MASKED;
			return 1;
		}
		if (hash_at(s, n, i)) {
			hit->start = i;
			hit->end = i + 17;
			hit->kind = SBX_PH_MASKED;
			return 1;
		}
		for (k = 0; k < nextra; k++) {
			size_t len = extra[k] ? strlen(extra[k]) : 0;

			if (len && n - i >= len && !memcmp(s + i, extra[k], len)) {
				hit->start = i;
				hit->end = i + len;
				hit->kind = SBX_PH_MASKED;
				return 1;
			}
		}
	}
	return 0;
}
