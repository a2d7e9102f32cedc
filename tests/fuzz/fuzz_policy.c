/* libFuzzer target: the hardening policy parser (policies/policy.c over
 * policies/jsonpos.c and jvalid.c, with the key selectors of jsel.c, the
 * mask kinds of mask.c and the PCRE2 rules of secrets.c), which reads a file
 * an admin writes and sbx_policy_load reads whole.  Whatever the input, the
 * parser must either return a policy, or fail with SBX_ESYNTAX and a message
 * that starts with "fuzz.json:LINE:COLUMN: " (the contract of `sbx policy
 * check`), and free everything either way (LeakSanitizer checks). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether MSG is "fuzz.json:LINE:COL: " followed by some text. */
static int positioned(const char *msg)
{
	static const char name[] = "fuzz.json:";
	const char *p = msg;
	int field;

	if (strncmp(p, name, sizeof name - 1))
		return 0;
	p += sizeof name - 1;
	for (field = 0; field < 2; field++) {
		if (*p < '1' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != ':')
			return 0;
	}
	return *p == ' ' && p[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_policy *p = NULL;
	struct sbx_err err = { 0 };
	int r = sbx_policy_parse("fuzz.json", (const char *)data, size, &p, &err);

	if (r == 0) {
		if (!p || p->version != 1) {
			fprintf(stderr, "sbx_policy_parse accepted the input but returned %s\n",
				p ? "a policy whose version is not 1" : "no policy");
			abort();
		}
	} else {
		if (p) {
			fprintf(stderr, "sbx_policy_parse failed (%d) but returned a policy\n", r);
			abort();
		}
		if (r != SBX_ESYNTAX || err.code != r || !positioned(err.msg)) {
			fprintf(stderr, "sbx_policy_parse failed with %d (err.code %d) and a message "
				"without FILE:LINE:COL: '%s'\n", r, err.code, err.msg);
			abort();
		}
	}
	sbx_policy_free(p);
	return 0;
}
