/**
 * Invoice arithmetic on integers only. Amounts are bigints in minor units of the invoice's
 * currency (cents for EUR, yen for JPY, fils for BHD), quantities are bigints in thousandths, and
 * tax rates are basis points (1 bp = 0.01 %).
 *
 * Rounding rule, applied in exactly two places:
 * 1. Each line amount is quantity × unit price, rounded to a whole minor unit, half up.
 * 2. Tax is the subtotal (the sum of the rounded line amounts) × rate, rounded the same way.
 * The total is subtotal + tax, with no further rounding, so the printed lines always add up to
 * the printed subtotal and the subtotal plus the tax line always equals the total. Half up
 * (ties go away from zero; every amount here is non-negative) is the commercial rounding that
 * invoice readers and tax offices expect. Taxing the subtotal once, instead of rounding tax on
 * every line, keeps the tax within half a minor unit of rate × subtotal however many lines there are.
 */

/** Thousandths per unit of quantity: quantities carry up to three decimal places. */
export const QUANTITY_SCALE = 1000n;
/** Basis points in 100 %. */
export const BASIS_POINTS_PER_UNIT = 10_000n;
/** The largest amount the API accepts or returns: 2^53 − 1, the largest integer a JSON number represents exactly. */
export const MAX_AMOUNT_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** Divides a non-negative integer by a positive one, rounding ties away from zero. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) {
    throw new RangeError(
      `divideRoundHalfUp needs numerator >= 0 and denominator > 0, got ${numerator}/${denominator}`,
    );
  }
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export interface PricedLine {
  quantityThousandths: bigint;
  unitPriceMinor: bigint;
}

export interface InvoiceTotals {
  /** One amount per line, in input order. */
  lineAmountsMinor: bigint[];
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

/** Returns quantity × unit price in minor units, rounded half up. */
export function lineAmountMinor(line: PricedLine): bigint {
  return divideRoundHalfUp(line.quantityThousandths * line.unitPriceMinor, QUANTITY_SCALE);
}

/** Computes line amounts, subtotal, tax and total by the rounding rule at the top of this module. */
export function computeTotals(lines: readonly PricedLine[], taxRateBps: bigint): InvoiceTotals {
  const lineAmountsMinor = lines.map(lineAmountMinor);
  const subtotalMinor = lineAmountsMinor.reduce((sum, amount) => sum + amount, 0n);
  const taxMinor = divideRoundHalfUp(subtotalMinor * taxRateBps, BASIS_POINTS_PER_UNIT);
  return { lineAmountsMinor, subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor };
}

const QUANTITY_PATTERN = /^(\d{1,9})(?:\.(\d{1,3}))?$/;

/**
 * Parses a quantity such as `"2"`, `"1.5"` or `"0.125"` into thousandths. Returns undefined for
 * anything else: a sign, an exponent, more than three decimals, more than nine integer digits,
 * or zero.
 */
export function parseQuantity(text: string): bigint | undefined {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) return undefined;
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(3, '0'));
  const thousandths = whole * QUANTITY_SCALE + fraction;
  return thousandths > 0n ? thousandths : undefined;
}

/** Formats thousandths as the shortest decimal string: 1500n → `"1.5"`, 2000n → `"2"`. */
export function formatQuantity(thousandths: bigint): string {
  return scaledToDecimalString(thousandths, 3).replace(/\.?0+$/, '');
}

/** Formats an amount in minor units as a decimal string in major units: 12345n with 2 digits → `"123.45"`. */
export function minorToDecimalString(minor: bigint, minorUnits: number): string {
  return scaledToDecimalString(minor, minorUnits);
}

function scaledToDecimalString(value: bigint, digits: number): string {
  const negative = value < 0n;
  const magnitude = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - digits);
  const fraction = magnitude.slice(magnitude.length - digits);
  const sign = negative ? '-' : '';
  return digits === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}
