/* The cost of sandboxes.  Money is computed in integers: amounts are in
 * a currency's minor units (cents, yen, fils). */
#ifndef SBX_COST_H
#define SBX_COST_H

#include <stdint.h>

/* Writes V / 10^DIGITS as a decimal with exactly DIGITS fractional digits
 * ("12.30", or "12" when DIGITS is 0) into OUT: an amount in minor units of
 * a currency with DIGITS minor digits. */
void sbx_money_format(uint64_t v, int digits, char out[32]);

#endif
