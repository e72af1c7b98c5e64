import { field, toLocation, toPagination } from '../convert.js';
import { ALL_PER_PAGE, collectAll } from '../pagination.js';
import type { Transport } from '../transport/index.js';
import type { Location, Page } from '../types.js';
import { validateId } from '../validate.js';
import type { WireListMeta, WireLocation } from '../wire.js';
import { type ListOptions, listQuery } from './list-query.js';

export type LocationSort = 'id' | 'name' | `${'id' | 'name'}:${'asc' | 'desc'}`;

export interface ListLocationsOptions extends ListOptions<LocationSort> {
  name?: string;
}

/** Read access to `/locations`. */
export class LocationsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async get(id: number, options: { signal?: AbortSignal } = {}): Promise<Location> {
    validateId(id, 'id');
    const { body } = await this.#transport.request({
      operation: 'get_location',
      method: 'GET',
      path: `/locations/${id}`,
      signal: options.signal,
    });
    return toLocation(field<WireLocation>(body, 'location', 'get_location'));
  }

  async list(options: ListLocationsOptions = {}): Promise<Page<Location>> {
    const { body } = await this.#transport.request({
      operation: 'list_locations',
      method: 'GET',
      path: '/locations',
      query: listQuery(options),
      signal: options.signal,
    });
    const locations = field<WireLocation[]>(body, 'locations', 'list_locations');
    const meta = (body as { meta?: WireListMeta }).meta;
    return { items: locations.map(toLocation), pagination: toPagination(meta?.pagination) };
  }

  /** Lists every location. */
  all(options: Omit<ListLocationsOptions, 'page' | 'perPage'> = {}): Promise<Location[]> {
    return collectAll((page) => this.list({ ...options, page, perPage: ALL_PER_PAGE }));
  }
}
