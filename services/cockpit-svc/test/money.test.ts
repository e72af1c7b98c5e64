import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, minorUnitsOf } from '../src/invoices/currencies.js';
import {
  computeTotals,
  divideRoundHalfUp,
  formatQuantity,
  lineAmountMinor,
  MAX_AMOUNT_MINOR,
  minorToDecimalString,
  parseQuantity,
} from '../src/invoices/money.js';

const quantity = fc.bigInt({ min: 1n, max: 999_999_999_999n });
const price = fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR });
const line = fc.record({ quantityThousandths: quantity, unitPriceMinor: price });
const taxRate = fc.bigInt({ min: 0n, max: 10_000n });

describe('divideRoundHalfUp', () => {
  it.each([
    [5n, 10n, 1n],
    [4n, 10n, 0n],
    [15n, 10n, 2n],
    [25n, 10n, 3n],
    [1499n, 1000n, 1n],
    [1500n, 1000n, 2n],
    [0n, 7n, 0n],
  ])('%s / %s rounds to %s', (numerator, denominator, expected) => {
    expect(divideRoundHalfUp(numerator, denominator)).toBe(expected);
  });

  it('stays within half a unit of the exact quotient', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (n, d) => {
          const rounded = divideRoundHalfUp(n, d);
          // |rounded − n/d| ≤ 1/2, with ties going up: 2n − d < 2·rounded·d ≤ 2n + d.
          expect(2n * rounded * d).toBeLessThanOrEqual(2n * n + d);
          expect(2n * rounded * d).toBeGreaterThan(2n * n - d);
        },
      ),
    );
  });

  it('rejects a negative numerator', () => {
    expect(() => divideRoundHalfUp(-1n, 2n)).toThrow(RangeError);
  });
});

describe('computeTotals', () => {
  it('rounds each line and taxes the subtotal once', () => {
    // 1.5 × 0.99 = 1.485 → 1.49; 0.333 × 10.00 = 3.33; subtotal 4.82; 19 % tax = 0.9158 → 0.92.
    const totals = computeTotals(
      [
        { quantityThousandths: 1500n, unitPriceMinor: 99n },
        { quantityThousandths: 333n, unitPriceMinor: 1000n },
      ],
      1900n,
    );

    expect(totals.lineAmountsMinor).toEqual([149n, 333n]);
    expect(totals.subtotalMinor).toBe(482n);
    expect(totals.taxMinor).toBe(92n);
    expect(totals.totalMinor).toBe(574n);
  });

  it('makes the subtotal the exact sum of the lines', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 50 }), taxRate, (lines, rate) => {
        const totals = computeTotals(lines, rate);
        expect(totals.subtotalMinor).toBe(totals.lineAmountsMinor.reduce((sum, amount) => sum + amount, 0n));
        expect(totals.totalMinor).toBe(totals.subtotalMinor + totals.taxMinor);
      }),
    );
  });

  it('keeps every line within half a minor unit of quantity × price', () => {
    fc.assert(
      fc.property(line, (priced) => {
        const exactTimes1000 = priced.quantityThousandths * priced.unitPriceMinor;
        const drift = lineAmountMinor(priced) * 1000n - exactTimes1000;
        expect(drift * 2n).toBeLessThanOrEqual(1000n);
        expect(drift * 2n).toBeGreaterThan(-1000n);
      }),
    );
  });

  it('keeps the tax within half a minor unit of rate × subtotal', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), taxRate, (lines, rate) => {
        const totals = computeTotals(lines, rate);
        const drift = totals.taxMinor * 10_000n - totals.subtotalMinor * rate;
        expect(drift * 2n).toBeLessThanOrEqual(10_000n);
        expect(drift * 2n).toBeGreaterThan(-10_000n);
      }),
    );
  });

  it('gives the same totals in any line order', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), taxRate, (lines, rate) => {
        const forward = computeTotals(lines, rate);
        const backward = computeTotals([...lines].reverse(), rate);
        expect(backward.subtotalMinor).toBe(forward.subtotalMinor);
        expect(backward.totalMinor).toBe(forward.totalMinor);
      }),
    );
  });

  it('is additive when lines are whole units', () => {
    // With whole quantities no line rounds, so splitting a line in two never changes the subtotal.
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1000n }),
        fc.bigInt({ min: 1n, max: 1000n }),
        price,
        (a, b, unit) => {
          const together = computeTotals(
            [{ quantityThousandths: (a + b) * 1000n, unitPriceMinor: unit }],
            0n,
          );
          const split = computeTotals(
            [
              { quantityThousandths: a * 1000n, unitPriceMinor: unit },
              { quantityThousandths: b * 1000n, unitPriceMinor: unit },
            ],
            0n,
          );
          expect(split.subtotalMinor).toBe(together.subtotalMinor);
        },
      ),
    );
  });
});

describe('parseQuantity', () => {
  it.each([
    ['1', 1000n],
    ['1.5', 1500n],
    ['0.001', 1n],
    ['0.125', 125n],
    ['999999999.999', 999_999_999_999n],
  ])('parses %s', (text, thousandths) => {
    expect(parseQuantity(text)).toBe(thousandths);
  });

  it.each(['0', '0.000', '-1', '1.2345', '1e3', '+1', ' 1', '1,5', '.5', '1.', '1000000000', ''])(
    'rejects %j',
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );

  it('round-trips through formatQuantity', () => {
    fc.assert(
      fc.property(quantity, (thousandths) => {
        expect(parseQuantity(formatQuantity(thousandths))).toBe(thousandths);
      }),
    );
  });
});

describe('minorToDecimalString', () => {
  it.each([
    [12345n, 2, '123.45'],
    [5n, 3, '0.005'],
    [1234n, 0, '1234'],
    [9_007_199_254_740_991n, 2, '90071992547409.91'],
    [7n, 4, '0.0007'],
  ])('formats %s with %s digits as %s', (minor, digits, expected) => {
    expect(minorToDecimalString(minor, digits)).toBe(expected);
  });
});

describe('currencies', () => {
  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['EUR', 2],
    ['USD', 2],
    ['BHD', 3],
    ['KWD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['JOD', 3],
    ['IQD', 3],
    ['LYD', 3],
    ['CLF', 4],
  ])('%s has %s minor units', (code, digits) => {
    expect(minorUnitsOf(code)).toBe(digits);
  });

  it.each(['XXX', 'eur', 'EURO', 'XAU', '', 'toString', '__proto__'])('does not know %j', (code) => {
    expect(minorUnitsOf(code)).toBeUndefined();
  });

  it('lists only three-letter codes that Intl can format', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
    for (const code of CURRENCY_CODES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(() => new Intl.NumberFormat('en', { style: 'currency', currency: code })).not.toThrow();
    }
  });
});
