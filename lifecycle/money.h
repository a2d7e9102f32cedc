/* Money without floating point: rates are decimal strings parsed into
 * integer micro-units (10^-6 of a major unit), amounts are integers in a
 * currency's minor units (ISO 4217: cents, yen, fils), and every conversion
 * rounds once, half up, in 128-bit integers. */
#ifndef SBX_MONEY_H
#define SBX_MONEY_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stdint.h>

#include "sbx/err.h"

#define SBX_MICRO 1000000
/* Rates up to 10^12 major units: micro-units stay below 2^63. */
#define SBX_MONEY_MAX_INT_DIGITS 12

typedef unsigned __int128 sbx_u128;

/* Parses S, a decimal string such as "0.42" or "12" (digits, optionally a
 * point and 1 to 6 more digits; no sign, no exponent), into *MICRO.  A
 * malformed string is SBX_ESYNTAX saying why, without a position (the caller
 * adds it). */
int sbx_money_parse(const char *s, int64_t *micro, struct sbx_err *err);

/* 1 when S is a currency code: three upper-case ASCII letters. */
int sbx_currency_ok(const char *s);

/* The number of minor-unit digits of currency CODE (ISO 4217): 0 for JPY,
 * KRW and the other currencies without minor units, 3 for BHD, KWD, OMR,
 * JOD, TND and the other three-digit ones, 2 for all others. */
int sbx_currency_exponent(const char *code);

/* A * B / D rounded half up into *OUT.  Exact for every input, the product
 * being taken in 192 bits when it does not fit 128; -1 when the result does
 * not fit 64 bits or D is 0. */
int sbx_muldiv_round(sbx_u128 a, uint64_t b, sbx_u128 d, uint64_t *out);

/* sbx_money_format (V / 10^DIGITS as a decimal) is public: */
#include "sbx/cost.h"

#endif
