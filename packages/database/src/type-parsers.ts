/**
 * Column parsers that make both engines return the same JavaScript values, so that a repository
 * test passing on one engine passes on the other:
 *
 * - `bigint` (int8) as a decimal string: `pg` does this by default, while PGlite returns a lossy
 *   number above 2^53.
 * - `date` as the `YYYY-MM-DD` string: `pg` would build a Date at local midnight and PGlite one at
 *   UTC midnight.
 * - `bytea` as a Node.js `Buffer`: PGlite returns a plain Uint8Array.
 *
 * Other types keep the drivers' defaults, which already agree: `timestamptz` as Date, `numeric` as
 * string, `json`/`jsonb` parsed, `uuid` as string.
 */
export const TYPE_OIDS = {
  bytea: 17,
  int8: 20,
  text: 25,
  date: 1082,
  textArray: 1009,
  int8Array: 1016,
  dateArray: 1182,
} as const;

/** Parsers for PGlite's `parsers` option. PGlite derives the array parsers from these. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [TYPE_OIDS.int8]: (value) => value,
  [TYPE_OIDS.date]: (value) => value,
  [TYPE_OIDS.bytea]: (value) => Buffer.from(value.slice(2), 'hex'),
};
