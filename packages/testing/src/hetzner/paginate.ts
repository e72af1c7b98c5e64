import { invalidField } from './errors.js';

export interface PageRequest {
  page: number;
  perPage: number;
}

export interface PageResult<T> {
  items: T[];
  meta: {
    pagination: {
      page: number;
      per_page: number;
      previous_page: number | null;
      next_page: number | null;
      last_page: number | null;
      total_entries: number | null;
    };
  };
  /** Value of the `Link` header, or null when there is no other page. */
  link: string | null;
}

/** Reads `page` (default 1) and `per_page` (default 25, at most 50). */
export function readPageRequest(query: URLSearchParams): PageRequest {
  const page = readPositive(query, 'page', 1);
  const perPage = readPositive(query, 'per_page', 25);
  if (perPage > 50) throw invalidField('per_page', 'must be at most 50');
  return { page, perPage };
}

function readPositive(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw invalidField(name, 'must be a positive integer');
  return value;
}

/** Cuts one page out of `all` and builds `meta.pagination` and the `Link` header for `url`. */
export function paginate<T>(all: readonly T[], request: PageRequest, url: URL): PageResult<T> {
  const lastPage = Math.max(1, Math.ceil(all.length / request.perPage));
  const start = (request.page - 1) * request.perPage;
  const items = all.slice(start, start + request.perPage);
  const previousPage = request.page > 1 ? Math.min(request.page - 1, lastPage) : null;
  const nextPage = request.page < lastPage ? request.page + 1 : null;

  const links: string[] = [];
  const linkTo = (page: number, rel: string): void => {
    const target = new URL(url);
    target.searchParams.set('page', String(page));
    target.searchParams.set('per_page', String(request.perPage));
    links.push(`<${target.toString()}>; rel="${rel}"`);
  };
  if (previousPage !== null) linkTo(previousPage, 'prev');
  if (nextPage !== null) linkTo(nextPage, 'next');
  if (lastPage !== request.page) linkTo(lastPage, 'last');

  return {
    items,
    meta: {
      pagination: {
        page: request.page,
        per_page: request.perPage,
        previous_page: previousPage,
        next_page: nextPage,
        last_page: lastPage,
        total_entries: all.length,
      },
    },
    link: links.length === 0 ? null : links.join(', '),
  };
}

/**
 * Sorts by `sort` parameters such as `name:desc` (ascending by default), applied in order, with the id
 * as the final tie-breaker. `allowed` lists the sortable fields.
 */
export function sortBy<T extends { id: number }>(
  items: T[],
  sorts: string[],
  allowed: Record<string, (item: T) => string | number>,
): T[] {
  const keys = sorts.map((sort) => {
    const [field = '', direction = 'asc'] = sort.split(':');
    const read = allowed[field];
    if (read === undefined || (direction !== 'asc' && direction !== 'desc')) {
      throw invalidField(
        'sort',
        `'${sort}' is not one of ${Object.keys(allowed).join(', ')} with optional :asc or :desc`,
      );
    }
    return { read, sign: direction === 'asc' ? 1 : -1 };
  });
  return [...items].sort((left, right) => {
    for (const { read, sign } of keys) {
      const a = read(left);
      const b = read(right);
      if (a < b) return -sign;
      if (a > b) return sign;
    }
    return left.id - right.id;
  });
}
