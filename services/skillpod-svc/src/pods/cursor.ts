/** Position in the newest-first pod list: the last pod returned on the previous page. */
export interface PodCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Encodes a cursor as base64url of `<created_at ISO>|<id>`. `created_at` is written by the service
 * with millisecond precision, so the ISO string round-trips exactly.
 */
export function encodeCursor(cursor: PodCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; returns null for anything else. */
export function decodeCursor(text: string): PodCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const [iso, id, ...rest] = decoded.split('|');
  if (iso === undefined || id === undefined || rest.length > 0 || !UUID.test(id)) return null;
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso) return null;
  return { createdAt, id };
}
