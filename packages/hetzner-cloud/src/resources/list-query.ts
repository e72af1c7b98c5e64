import { invalidInput } from '../errors.js';
import { selectorFromLabels } from '../label-selector.js';
import type { QueryValue } from '../transport/index.js';

export interface ListOptions<Sort extends string> {
  page?: number;
  /** Entries per page, 1 to 50 (the API's default is 25). */
  perPage?: number;
  /** Sort keys, each optionally with `:asc` or `:desc`; applied in order. */
  sort?: Sort[];
  signal?: AbortSignal;
}

export interface LabelFilter {
  /** Exact name. */
  name?: string;
  /** A label selector such as `env=prod,tier notin (db)`, or key/value pairs that must all match. */
  labelSelector?: string | Record<string, string>;
}

export function listQuery<Sort extends string>(
  options: ListOptions<Sort> & LabelFilter & { status?: readonly string[] },
): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  if (options.name !== undefined) query.name = options.name;
  if (options.labelSelector !== undefined) {
    const selector =
      typeof options.labelSelector === 'string'
        ? options.labelSelector
        : selectorFromLabels(options.labelSelector);
    if (selector !== '') query.label_selector = selector;
  }
  if (options.status !== undefined && options.status.length > 0) query.status = options.status;
  if (options.sort !== undefined && options.sort.length > 0) query.sort = options.sort;
  if (options.page !== undefined) {
    if (!Number.isInteger(options.page) || options.page < 1)
      throw invalidInput('page', `${options.page} is not a page number`);
    query.page = options.page;
  }
  if (options.perPage !== undefined) {
    if (!Number.isInteger(options.perPage) || options.perPage < 1 || options.perPage > 50) {
      throw invalidInput('per_page', `${options.perPage} is outside 1..50`);
    }
    query.per_page = options.perPage;
  }
  return query;
}
