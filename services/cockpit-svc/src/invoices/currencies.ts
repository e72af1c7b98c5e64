/**
 * Active ISO 4217 currency and fund codes with their minor-unit counts (the digits after the
 * decimal point), from Table A.1 of ISO 4217. Codes without a minor unit (gold, silver, SDR and
 * the other "N.A." entries such as XAU or XDR) are left out because an invoice cannot be priced in
 * them.
 *
 * NOTE: the table was transcribed by hand. Recheck it against the current Table A.1 when a
 * currency is added or withdrawn, as with XCG replacing ANG, ZWG replacing ZWL and SLE replacing SLL.
 */
/** Minor-unit counts with the codes that have them, separated by whitespace. */
const CODES_BY_MINOR_UNITS: ReadonlyArray<readonly [number, string]> = [
  [0, 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'],
  [
    2,
    `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD
     BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP
     ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR
     JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU
     MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR
     RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
     TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`,
  ],
  [3, 'BHD IQD JOD KWD LYD OMR TND'],
  [4, 'CLF UYW'],
];

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  CODES_BY_MINOR_UNITS.flatMap(([digits, codes]) =>
    codes.split(/\s+/).map((code) => [code, digits] as const),
  ),
);

/** Every accepted currency code, sorted. */
export const CURRENCY_CODES: readonly string[] = Object.freeze([...MINOR_UNITS.keys()].sort());

/** Returns the minor-unit count of an ISO 4217 code, or undefined for an unknown code. */
export function minorUnitsOf(currency: string): number | undefined {
  return MINOR_UNITS.get(currency);
}
