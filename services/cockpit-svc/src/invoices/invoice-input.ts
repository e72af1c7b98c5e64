import { badRequest } from '@skillancer/service-kit';
import type { CreateInvoiceBody } from '../routes/invoice-schemas.js';
import { minorUnitsOf } from './currencies.js';
import type { InvoiceContent, InvoiceLine, IssuerSnapshot } from './invoice.js';
import { computeTotals, MAX_AMOUNT_MINOR, parseQuantity } from './money.js';

/** Line items per invoice; exactly this many are accepted. */
export const MAX_ITEMS = 500;
/** Characters (Unicode code points) per item description; exactly this many are accepted. */
export const MAX_DESCRIPTION_CHARACTERS = 10_000;
export const MAX_TAX_RATE_BPS = 10_000;

/** A draft as the API receives it, after the zod schema has checked its shape. */
export type DraftInput = Omit<CreateInvoiceBody, 'taxRateBps'> & { taxRateBps: number };

function invalid(code: string, field: string, message: string) {
  return badRequest(code, `${field}: ${message}`, { field });
}

/**
 * Validates a draft and computes its totals. Throws a 400 `AppError` whose code names the rule
 * (`empty_items`, `too_many_items`, `invalid_currency`, `invalid_quantity`, `invalid_unit_price`,
 * `amount_too_large`, `description_too_long`, `tax_rate_out_of_range`, `invalid_date`,
 * `invalid_due_date`, `invalid_locale`) and whose `details.field` names the field.
 */
export function buildInvoiceContent(input: DraftInput, defaultIssuer: IssuerSnapshot): InvoiceContent {
  const minorUnits = checkCurrency(input.currency);
  const taxRateBps = checkTaxRate(input.taxRateBps);
  const issueDate = checkDate(input.issueDate, 'body.issueDate');
  const dueDate = checkDate(input.dueDate, 'body.dueDate');
  if (dueDate < issueDate) {
    throw invalid('invalid_due_date', 'body.dueDate', `${dueDate} is before the issue date ${issueDate}`);
  }
  const locale = checkLocale(input.locale ?? 'en-US');
  const priced = checkItems(input.items);

  const totals = computeTotals(priced, BigInt(taxRateBps));
  const items: InvoiceLine[] = priced.map((line, index) => ({
    ...line,
    amountMinor: totals.lineAmountsMinor[index] ?? 0n,
  }));
  items.forEach((item, index) => {
    checkAmount(item.amountMinor, `body.items.${index}`, 'the line amount (quantity × unit price)');
  });
  checkAmount(totals.subtotalMinor, 'body.items', 'the subtotal');
  checkAmount(totals.totalMinor, 'body.items', 'the total including tax');

  return {
    client: {
      name: input.client.name,
      email: input.client.email ?? null,
      address: input.client.address ?? null,
    },
    issuer: input.issuer
      ? {
          name: input.issuer.name,
          email: input.issuer.email ?? null,
          address: input.issuer.address ?? null,
          taxId: input.issuer.taxId ?? null,
        }
      : defaultIssuer,
    items,
    currency: input.currency,
    minorUnits,
    taxRateBps,
    issueDate,
    dueDate,
    notes: input.notes ?? null,
    locale,
    subtotalMinor: totals.subtotalMinor,
    taxMinor: totals.taxMinor,
    totalMinor: totals.totalMinor,
  };
}

function checkCurrency(currency: string): number {
  const minorUnits = minorUnitsOf(currency);
  if (minorUnits === undefined) {
    throw invalid(
      'invalid_currency',
      'body.currency',
      `"${currency.slice(0, 10)}" is not an active ISO 4217 currency code; use three uppercase letters such as EUR, USD or JPY`,
    );
  }
  return minorUnits;
}

function checkTaxRate(taxRateBps: number): number {
  if (!Number.isInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > MAX_TAX_RATE_BPS) {
    throw invalid(
      'tax_rate_out_of_range',
      'body.taxRateBps',
      `${taxRateBps} is not a whole number of basis points from 0 to ${MAX_TAX_RATE_BPS} (0 % to 100 %); 19 % is 1900`,
    );
  }
  return taxRateBps;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Accepts `YYYY-MM-DD` for a real calendar day in years 1 to 9999. */
export function checkDate(value: string, field: string): string {
  const match = DATE_PATTERN.exec(value);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  const real =
    match !== null &&
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
  if (!real) {
    throw invalid(
      'invalid_date',
      field,
      `"${value.slice(0, 20)}" is not a calendar date in the form YYYY-MM-DD`,
    );
  }
  return value;
}

function checkLocale(locale: string): string {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(locale)[0];
  } catch {
    canonical = undefined;
  }
  if (canonical === undefined || Intl.NumberFormat.supportedLocalesOf(canonical).length === 0) {
    throw invalid(
      'invalid_locale',
      'body.locale',
      `"${locale}" is not a supported BCP 47 locale; use a tag such as en-US, de-DE or zh-CN`,
    );
  }
  return canonical;
}

function checkItems(items: DraftInput['items']): Array<Omit<InvoiceLine, 'amountMinor'>> {
  if (items.length === 0) {
    throw invalid('empty_items', 'body.items', 'an invoice needs at least one line item');
  }
  if (items.length > MAX_ITEMS) {
    throw invalid(
      'too_many_items',
      'body.items',
      `${items.length} line items exceed the maximum of ${MAX_ITEMS}; split the work across several invoices`,
    );
  }
  return items.map((item, index) => {
    const field = `body.items.${index}`;
    const characters = [...item.description].length;
    if (characters > MAX_DESCRIPTION_CHARACTERS) {
      throw invalid(
        'description_too_long',
        `${field}.description`,
        `${characters} characters exceed the maximum of ${MAX_DESCRIPTION_CHARACTERS}`,
      );
    }
    return {
      description: item.description,
      quantityThousandths: checkQuantity(item.quantity, `${field}.quantity`),
      unitPriceMinor: checkUnitPrice(item.unitPriceMinor, `${field}.unitPriceMinor`),
    };
  });
}

function checkQuantity(quantity: string | number, field: string): bigint {
  const thousandths = typeof quantity === 'string' ? parseQuantity(quantity) : undefined;
  if (thousandths === undefined) {
    throw invalid(
      'invalid_quantity',
      field,
      `${JSON.stringify(quantity).slice(0, 30)} is not a quantity; send a positive decimal string with at most 3 decimal places and 9 integer digits, such as "2" or "1.5"`,
    );
  }
  return thousandths;
}

function checkUnitPrice(unitPriceMinor: number, field: string): bigint {
  if (Number.isInteger(unitPriceMinor) && !Number.isSafeInteger(unitPriceMinor)) {
    throw invalid(
      'amount_too_large',
      field,
      `${unitPriceMinor} exceeds the maximum amount of ${MAX_AMOUNT_MINOR} minor units (2^53 - 1)`,
    );
  }
  if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) {
    throw invalid(
      'invalid_unit_price',
      field,
      `${unitPriceMinor} is not a whole, non-negative number of minor units (cents for EUR, yen for JPY)`,
    );
  }
  return BigInt(unitPriceMinor);
}

function checkAmount(amount: bigint, field: string, description: string): void {
  if (amount > MAX_AMOUNT_MINOR) {
    throw badRequest(
      'amount_too_large',
      `${field}: ${description} is ${amount} minor units, above the maximum of ${MAX_AMOUNT_MINOR} (2^53 - 1)`,
      { field },
    );
  }
}
