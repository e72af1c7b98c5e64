import type { Page } from './types.js';

/** `per_page` for `all()`: the API's maximum, so that a full listing costs the fewest requests. */
export const ALL_PER_PAGE = 50;

/**
 * Fetches page after page by following `meta.pagination.next_page` and returns every item once (by id).
 * Stops when a response has no pagination, no or a non-advancing `next_page`, an empty page, or
 * names a page that was already fetched, so a misbehaving server cannot cause an endless loop.
 */
export async function collectAll<T extends { id: number }>(
  fetchPage: (page: number) => Promise<Page<T>>,
): Promise<T[]> {
  const items = new Map<number, T>();
  const fetched = new Set<number>();
  let page = 1;
  for (;;) {
    fetched.add(page);
    const result = await fetchPage(page);
    for (const item of result.items) if (!items.has(item.id)) items.set(item.id, item);

    const next = result.pagination?.nextPage;
    if (result.items.length === 0 || typeof next !== 'number' || !Number.isInteger(next) || next < 1) break;
    if (fetched.has(next)) break;
    page = next;
  }
  return [...items.values()];
}
