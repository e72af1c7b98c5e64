import { formatQuantity, minorToDecimalString } from '../invoices/money.js';

/**
 * Locale-aware formatting for the PDF. Values reach Intl.NumberFormat as exact decimal strings
 * (supported since ECMA-402 NumberFormat v3, in Node.js 20), never as floats, so amounts up to
 * 2^53 − 1 minor units print exactly. The fraction digits are the currency's ISO 4217 minor units,
 * even where the locale's data would round (CLDR prints IQD with no decimals, ISO 4217 has three).
 */
export class LocaleFormat {
  private readonly money: Intl.NumberFormat;
  private readonly quantity: Intl.NumberFormat;
  private readonly percent: Intl.NumberFormat;
  private readonly date: Intl.DateTimeFormat;

  constructor(
    locale: string,
    currency: string,
    private readonly minorUnits: number,
  ) {
    this.money = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: minorUnits,
      maximumFractionDigits: minorUnits,
    });
    this.quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
    this.percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
    this.date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  }

  formatMoney(minor: bigint): string {
    return this.money.format(asNumericString(minorToDecimalString(minor, this.minorUnits)));
  }

  formatQuantity(thousandths: bigint): string {
    return this.quantity.format(asNumericString(formatQuantity(thousandths)));
  }

  /** Formats basis points as a percentage: 1950 → "19.5%" in en-US. */
  formatTaxRate(basisPoints: number): string {
    return this.percent.format(asNumericString(minorToDecimalString(BigInt(basisPoints), 4)));
  }

  /** Formats a `YYYY-MM-DD` date as the calendar day itself, whatever the server's time zone. */
  formatDate(isoDate: string): string {
    return this.date.format(new Date(`${isoDate}T00:00:00Z`));
  }
}

/** Narrows a decimal string produced by `money.ts` to the type Intl.NumberFormat accepts for exact values. */
function asNumericString(decimal: string): `${number}` {
  return decimal as `${number}`;
}
