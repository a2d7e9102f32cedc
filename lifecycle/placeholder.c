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

int sbx_ph_find(const char *s, size_t n, size_t from, const char *const *extra, size_t nextra,
		struct sbx_ph_hit *hit)
{
	size_t i, k, e;
	int secret;

	for (i = from; i < n; i++) {
		if (s[i] == '$' && (k = sbx_vars_match(s, n, i, &secret))) {
			hit->start = i;
			hit->end = i + k;
			hit->kind = secret ? SBX_PH_SECRET : SBX_PH_VARIABLE;
			return 1;
		}
		if ((e = sbx_mask_pseudonym_at(s, n, from, i, NULL))) {
			hit->start = i;
			hit->end = e;
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
