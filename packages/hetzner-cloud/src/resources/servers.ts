import { field, toPagination, toServer } from '../convert.js';
import { ALL_PER_PAGE, collectAll } from '../pagination.js';
import type { Transport } from '../transport/index.js';
import type { Page, Server } from '../types.js';
import { validateId } from '../validate.js';
import type { WireListMeta, WireServer } from '../wire.js';
import { type LabelFilter, type ListOptions, listQuery } from './list-query.js';

export type ServerSort = 'id' | 'name' | 'created' | `${'id' | 'name' | 'created'}:${'asc' | 'desc'}`;

export interface ListServersOptions extends ListOptions<ServerSort>, LabelFilter {
  /** Server statuses such as `running` or `off`. */
  status?: string[];
}

/** Read access to `/servers`. */
export class ServersResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async get(id: number, options: { signal?: AbortSignal } = {}): Promise<Server> {
    validateId(id, 'id');
    const { body } = await this.#transport.request({
      operation: 'get_server',
      method: 'GET',
      path: `/servers/${id}`,
      signal: options.signal,
    });
    return toServer(field<WireServer>(body, 'server', 'get_server'));
  }

  async list(options: ListServersOptions = {}): Promise<Page<Server>> {
    const { body } = await this.#transport.request({
      operation: 'list_servers',
      method: 'GET',
      path: '/servers',
      query: listQuery(options),
      signal: options.signal,
    });
    const servers = field<WireServer[]>(body, 'servers', 'list_servers');
    const meta = (body as { meta?: WireListMeta }).meta;
    return { items: servers.map(toServer), pagination: toPagination(meta?.pagination) };
  }

  all(options: Omit<ListServersOptions, 'page' | 'perPage'> = {}): Promise<Server[]> {
    return collectAll((page) => this.list({ ...options, page, perPage: ALL_PER_PAGE }));
  }
}
