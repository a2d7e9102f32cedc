/* Money: decimal rates into micro-units, ISO 4217 minor units, rounding
 * half up in integers. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lifecycle/money.h"

#define MICRO_DIGITS 6

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

int sbx_money_parse(const char *s, int64_t *micro, struct sbx_err *err)
{
	static const char want[] = "a decimal amount such as \"0.42\" (digits, then optionally a "
				   "point and up to 6 more digits)";
	const char *p = s;
	int64_t whole = 0, frac = 0;
	int nint = 0, nfrac = 0;

	*micro = 0;
	if (!s || !*s)
		return sbx_err_set(err, SBX_ESYNTAX, "an empty amount is not %s", want);
	for (; digit(*p); p++) {
		if (++nint > SBX_MONEY_MAX_INT_DIGITS)
			return sbx_err_set(err, SBX_ESYNTAX, "\"%s\" is too large (at most %d digits "
					   "before the point)", s, SBX_MONEY_MAX_INT_DIGITS);
		whole = whole * 10 + (*p - '0');
	}
	if (!nint)
		return sbx_err_set(err, SBX_ESYNTAX, "\"%s\" is not %s", s, want);
	if (*p == '.') {
		for (p++; digit(*p); p++) {
			if (++nfrac > MICRO_DIGITS)
				return sbx_err_set(err, SBX_ESYNTAX, "\"%s\" has more than 6 digits after "
						   "the point", s);
			frac = frac * 10 + (*p - '0');
		}
		if (!nfrac)
			return sbx_err_set(err, SBX_ESYNTAX, "\"%s\" is not %s", s, want);
	}
	if (*p)
		return sbx_err_set(err, SBX_ESYNTAX, "\"%s\" is not %s", s, want);
	for (; nfrac < MICRO_DIGITS; nfrac++)
		frac *= 10;
	*micro = whole * SBX_MICRO + frac;
	return 0;
}

int sbx_currency_ok(const char *s)
{
	return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	       s[2] >= 'A' && s[2] <= 'Z';
}

int sbx_currency_exponent(const char *code)
{
	/* ISO 4217 currencies whose minor unit is not the cent. */
	static const char *const zero[] = {
		"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
		"UYI", "VND", "VUV", "XAF", "XOF", "XPF", NULL,
	};
	static const char *const three[] = { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", NULL };
	static const char *const four[] = { "CLF", "UYW", NULL };
	size_t i;

	for (i = 0; zero[i]; i++)
		if (!strcmp(code, zero[i]))
			return 0;
	for (i = 0; three[i]; i++)
		if (!strcmp(code, three[i]))
			return 3;
	for (i = 0; four[i]; i++)
		if (!strcmp(code, four[i]))
			return 4;
	return 2;
}

/* Q and R of N / D rounded half up: one more when the remainder is at
 * least half of D (2R >= D, written so that it cannot overflow). */
static int round_out(sbx_u128 q, sbx_u128 r, sbx_u128 d, uint64_t *out)
{
	if (r >= d - r)
		q++;
	if (q > UINT64_MAX)
		return -1;
	*out = (uint64_t)q;
	return 0;
}

int sbx_muldiv_round(sbx_u128 a, uint64_t b, sbx_u128 d, uint64_t *out)
{
	uint64_t limb[3];
	sbx_u128 p0, p1, t, q = 0, r = 0;
	int i;

	*out = 0;
	if (!d)
		return -1;
	if (!a || !b)
		return 0;
	if (a <= ~(sbx_u128)0 / b) {
		sbx_u128 p = a * b;

		return round_out(p / d, p % d, d, out);
	}
	/* The product in three 64-bit limbs, then long division one bit at a
	 * time: rare (only absurd rates or sizes get here), so simple. */
	p0 = (sbx_u128)(uint64_t)a * b;
	p1 = (sbx_u128)(uint64_t)(a >> 64) * b;
	t = (p0 >> 64) + (uint64_t)p1;
	limb[0] = (uint64_t)p0;
	limb[1] = (uint64_t)t;
	limb[2] = (uint64_t)((p1 >> 64) + (t >> 64));
	for (i = 191; i >= 0; i--) {
		int carry = (int)(r >> 127);

		r = r << 1 | ((limb[i / 64] >> (i % 64)) & 1);
		q <<= 1;
		/* With the carry the true remainder is 2^128 + r > d, and
		 * r - d wraps to exactly the difference. */
		if (carry || r >= d) {
			r -= d;
			q |= 1;
		}
		if (q > UINT64_MAX)
			return -1;
	}
	return round_out(q, r, d, out);
}

void sbx_money_format(uint64_t v, int digits, char out[32])
{
	char frac[10], full[48];
	int i;

	if (digits > 9)
		digits = 9;
	if (digits <= 0) {
		snprintf(out, 32, "%llu", (unsigned long long)v);
		return;
	}
	/* The fraction's digits, least significant first, then the rest: at
	 * most 20 + 1 + 9 characters, which OUT holds. */
	for (i = digits - 1; i >= 0; i--, v /= 10)
		frac[i] = (char)('0' + v % 10);
	frac[digits] = '\0';
	snprintf(full, sizeof full, "%llu.%s", (unsigned long long)v, frac);
	snprintf(out, 32, "%.31s", full);
}
