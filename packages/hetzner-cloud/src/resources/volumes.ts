import { field, toAction, toCreateVolumeRequest, toPagination, toVolume } from '../convert.js';
import { ALL_PER_PAGE, collectAll } from '../pagination.js';
import type { Transport } from '../transport/index.js';
import type {
  Action,
  CreateVolumeOptions,
  CreateVolumeResult,
  Page,
  Volume,
  VolumeStatus,
} from '../types.js';
import { validateCreateVolume, validateId, validateLabels, validateName, validateSize } from '../validate.js';
import type { WireAction, WireCreateVolumeResponse, WireListMeta, WireVolume } from '../wire.js';
import { type LabelFilter, type ListOptions, listQuery } from './list-query.js';

export type VolumeSort = 'id' | 'name' | 'created' | `${'id' | 'name' | 'created'}:${'asc' | 'desc'}`;

export interface ListVolumesOptions extends ListOptions<VolumeSort>, LabelFilter {
  status?: VolumeStatus[];
}

export interface Signal {
  signal?: AbortSignal;
}

/**
 * The `/volumes` endpoints, one request per call. Mutating calls return the API's actions without
 * waiting; `VolumeOperations` adds waiting, re-reading and idempotency on top.
 */
export class VolumesResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async get(id: number, options: Signal = {}): Promise<Volume> {
    validateId(id, 'id');
    const { body } = await this.#transport.request({
      operation: 'get_volume',
      method: 'GET',
      path: `/volumes/${id}`,
      signal: options.signal,
    });
    return toVolume(field<WireVolume>(body, 'volume', 'get_volume'));
  }

  async list(options: ListVolumesOptions = {}): Promise<Page<Volume>> {
    const { body } = await this.#transport.request({
      operation: 'list_volumes',
      method: 'GET',
      path: '/volumes',
      query: listQuery(options),
      signal: options.signal,
    });
    const volumes = field<WireVolume[]>(body, 'volumes', 'list_volumes');
    const meta = (body as { meta?: WireListMeta }).meta;
    return { items: volumes.map(toVolume), pagination: toPagination(meta?.pagination) };
  }

  /** Lists every matching volume, 50 per request. */
  all(options: Omit<ListVolumesOptions, 'page' | 'perPage'> = {}): Promise<Volume[]> {
    return collectAll((page) => this.list({ ...options, page, perPage: ALL_PER_PAGE }));
  }

  async create(options: CreateVolumeOptions, signal?: AbortSignal): Promise<CreateVolumeResult> {
    validateCreateVolume(options);
    const { body } = await this.#transport.request({
      operation: 'create_volume',
      method: 'POST',
      path: '/volumes',
      body: toCreateVolumeRequest(options),
      signal,
    });
    const wire = body as WireCreateVolumeResponse;
    return {
      volume: toVolume(field<WireVolume>(body, 'volume', 'create_volume')),
      action: toAction(field<WireAction>(body, 'action', 'create_volume')),
      nextActions: (wire.next_actions ?? []).map(toAction),
    };
  }

  /** Renames the volume and/or replaces its whole label set. */
  async update(
    id: number,
    changes: { name?: string; labels?: Record<string, string> },
    options: Signal = {},
  ): Promise<Volume> {
    validateId(id, 'id');
    if (changes.name !== undefined) validateName(changes.name);
    if (changes.labels !== undefined) validateLabels(changes.labels);
    const { body } = await this.#transport.request({
      operation: 'update_volume',
      method: 'PUT',
      path: `/volumes/${id}`,
      body: {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.labels === undefined ? {} : { labels: changes.labels }),
      },
      signal: options.signal,
    });
    return toVolume(field<WireVolume>(body, 'volume', 'update_volume'));
  }

  /** Deletes a detached, unprotected volume (synchronous: the API returns 204 and no action). */
  async delete(id: number, options: Signal = {}): Promise<void> {
    validateId(id, 'id');
    await this.#transport.request({
      operation: 'delete_volume',
      method: 'DELETE',
      path: `/volumes/${id}`,
      signal: options.signal,
    });
  }

  attach(id: number, server: number, options: Signal & { automount?: boolean } = {}): Promise<Action> {
    validateId(id, 'id');
    validateId(server, 'server');
    const body = options.automount === undefined ? { server } : { server, automount: options.automount };
    return this.#action(id, 'attach', 'attach_volume', body, options.signal);
  }

  /** Detaches the volume from whichever server it is attached to. */
  detach(id: number, options: Signal = {}): Promise<Action> {
    validateId(id, 'id');
    return this.#action(id, 'detach', 'detach_volume', undefined, options.signal);
  }

  /** Starts growing the volume; `size` must be a valid size, and the API rejects sizes not above the current one. */
  resize(id: number, size: number, options: Signal = {}): Promise<Action> {
    validateId(id, 'id');
    validateSize(size);
    return this.#action(id, 'resize', 'resize_volume', { size }, options.signal);
  }

  changeProtection(id: number, protection: { delete: boolean }, options: Signal = {}): Promise<Action> {
    validateId(id, 'id');
    return this.#action(
      id,
      'change_protection',
      'change_volume_protection',
      { delete: protection.delete },
      options.signal,
    );
  }

  /** Lists the actions of one volume, for example the running ones of a volume that is being created. */
  async listActions(
    id: number,
    options: { status?: Array<'running' | 'success' | 'error'>; signal?: AbortSignal } = {},
  ): Promise<Action[]> {
    validateId(id, 'id');
    const actions: Action[] = [];
    await collectAll(async (page) => {
      const { body } = await this.#transport.request({
        operation: 'list_volume_actions',
        method: 'GET',
        path: `/volumes/${id}/actions`,
        query: { ...listQuery({ status: options.status, page, perPage: ALL_PER_PAGE }) },
        signal: options.signal,
      });
      const items = field<WireAction[]>(body, 'actions', 'list_volume_actions').map(toAction);
      actions.push(...items);
      return { items, pagination: toPagination((body as { meta?: WireListMeta }).meta?.pagination) };
    });
    return actions;
  }

  async #action(
    id: number,
    name: string,
    operation: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<Action> {
    const response = await this.#transport.request({
      operation,
      method: 'POST',
      path: `/volumes/${id}/actions/${name}`,
      body,
      signal,
    });
    return toAction(field<WireAction>(response.body, 'action', operation));
  }
}
