/** Result of reading a `Range` header against a representation of `size` bytes. */
export type RangeRequest =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Reads a `Range` header as RFC 9110 §14 describes: `bytes=a-b`, `bytes=a-` and the suffix form
 * `bytes=-n`, with `b` clamped to the last byte. A header this server does not serve (several
 * ranges, another unit, invalid syntax) is ignored, which §14.2 allows, so the whole
 * representation is sent. A range that starts at or past the end, or an empty suffix, is
 * unsatisfiable (416).
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) {
    return { kind: 'full' };
  }
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) {
    return { kind: 'full' };
  }
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') {
    return { kind: 'full' };
  }
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) {
      return { kind: 'unsatisfiable' };
    }
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || (last !== '' && Number(last) < start)) {
    return { kind: 'full' };
  }
  if (start >= size) {
    return { kind: 'unsatisfiable' };
  }
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}
