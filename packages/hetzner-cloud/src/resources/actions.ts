import { field, toAction } from '../convert.js';
import type { Transport } from '../transport/index.js';
import type { Action } from '../types.js';
import { validateId } from '../validate.js';
import type { WireAction } from '../wire.js';

/** Maximum ids per `GET /actions?id=…` request, as hcloud-go uses. */
export const ACTIONS_PER_REQUEST = 25;

/** Read access to actions. Waiting is done by `ActionWaiter`. */
export class ActionsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async get(id: number, options: { signal?: AbortSignal } = {}): Promise<Action> {
    validateId(id, 'id');
    const { body } = await this.#transport.request({
      operation: 'get_action',
      method: 'GET',
      path: `/actions/${id}`,
      signal: options.signal,
    });
    return toAction(field<WireAction>(body, 'action', 'get_action'));
  }

  /**
   * Fetches several actions by id with `GET /actions?id=1&id=2`, 25 ids per request. Ids the API does
   * not return are simply absent from the result.
   */
  async getMany(ids: readonly number[], options: { signal?: AbortSignal } = {}): Promise<Action[]> {
    const unique = [...new Set(ids)];
    for (const id of unique) validateId(id, 'id');
    const result: Action[] = [];
    for (let start = 0; start < unique.length; start += ACTIONS_PER_REQUEST) {
      const chunk = unique.slice(start, start + ACTIONS_PER_REQUEST);
      const { body } = await this.#transport.request({
        operation: 'get_actions',
        method: 'GET',
        path: '/actions',
        query: { id: chunk },
        signal: options.signal,
      });
      result.push(...field<WireAction[]>(body, 'actions', 'get_actions').map(toAction));
    }
    return result;
  }
}
