import { HetznerApiError } from './errors.js';
import { type BackoffOptions, backoffDelay } from './transport/backoff.js';
import { abortedError } from './transport/sleep.js';
import type { Action } from './types.js';

export interface PollOptions extends BackoffOptions {
  /** Wait before the first poll, in milliseconds; actions rarely finish sooner than this. */
  initialDelayMs: number;
  /** Give up waiting after this many milliseconds with `action_timeout`. */
  timeoutMs: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  initialDelayMs?: number;
}

type FetchActions = (ids: number[]) => Promise<Action[]>;

interface Registration {
  actions: Map<number, Action>;
  attempt: number;
  interval: number;
  dueAt: number;
  settleOnly: boolean;
  resolve: (actions: Action[]) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * Waits for actions by polling `GET /actions?id=…` with exponential backoff. All concurrent waits of one
 * client share the poll requests: when one wait is due, every other wait that would be due within half
 * of its own interval is polled in the same request, so 100 concurrent waits cost a few requests per
 * round instead of 100.
 */
export class ActionWaiter {
  readonly #fetch: FetchActions;
  readonly #options: PollOptions;
  readonly #random: () => number;
  readonly #waiting = new Set<Registration>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #polling = false;

  constructor(fetch: FetchActions, options: PollOptions, random: () => number = Math.random) {
    this.#fetch = fetch;
    this.#options = options;
    this.#random = random;
  }

  /**
   * Resolves with the finished actions once all have succeeded; rejects with `action_failed` (carrying
   * the action) as soon as one has failed.
   */
  wait(actions: readonly Action[], options: WaitOptions = {}): Promise<Action[]> {
    return this.#register(actions, options, false);
  }

  /** Resolves with the finished actions once none is running, whether they succeeded or failed. */
  settle(actions: readonly Action[], options: WaitOptions = {}): Promise<Action[]> {
    return this.#register(actions, options, true);
  }

  #register(actions: readonly Action[], options: WaitOptions, settleOnly: boolean): Promise<Action[]> {
    const byId = new Map(actions.map((action) => [action.id, action]));
    const early = this.#outcome(byId, settleOnly);
    if (early !== null) return early;
    if (options.signal?.aborted) return Promise.reject(abortedError(options.signal, 'waiting for actions'));

    return new Promise<Action[]>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
      const deadline = setTimeout(() => {
        const pending = [...registration.actions.values()].filter((action) => action.status === 'running');
        finish(() =>
          reject(
            new HetznerApiError({
              code: 'action_timeout',
              origin: 'client',
              message: `actions ${pending.map((action) => `${action.id} (${action.command})`).join(', ')} still running after ${timeoutMs} ms; wait longer or check them with GET /actions/{id}`,
              details: { action_ids: pending.map((action) => action.id) },
            }),
          ),
        );
      }, timeoutMs);
      const onAbort = (): void => finish(() => reject(abortedError(options.signal, 'waiting for actions')));
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const finish = (settle: () => void): void => {
        if (!this.#waiting.delete(registration)) return;
        registration.cleanup();
        settle();
      };
      const initial = options.initialDelayMs ?? this.#options.initialDelayMs;
      const registration: Registration = {
        actions: byId,
        attempt: 0,
        interval: initial,
        dueAt: Date.now() + initial,
        settleOnly,
        resolve: (result) => finish(() => resolve(result)),
        reject: (error) => finish(() => reject(error)),
        cleanup: () => {
          clearTimeout(deadline);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      this.#waiting.add(registration);
      this.#schedule();
    });
  }

  /** Returns a settled promise when the actions need no more polling, otherwise null. */
  #outcome(actions: Map<number, Action>, settleOnly: boolean): Promise<Action[]> | null {
    const all = [...actions.values()];
    const failed = all.find((action) => action.status === 'error');
    if (failed && !settleOnly) return Promise.reject(actionFailed(failed));
    if (all.every((action) => action.status !== 'running')) return Promise.resolve(all);
    return null;
  }

  #schedule(): void {
    if (this.#polling || this.#waiting.size === 0) return;
    const next = Math.min(...[...this.#waiting].map((registration) => registration.dueAt));
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => void this.#poll(), Math.max(0, next - Date.now()));
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#polling = true;
    const now = Date.now();
    const due = [...this.#waiting].filter(
      (registration) => registration.dueAt <= now + registration.interval / 2,
    );
    const ids = new Set<number>();
    for (const registration of due) {
      for (const action of registration.actions.values()) if (action.status === 'running') ids.add(action.id);
    }

    try {
      const fresh = new Map((await this.#fetch([...ids])).map((action) => [action.id, action]));
      for (const registration of due) this.#update(registration, fresh);
    } catch (error) {
      for (const registration of due) registration.reject(error);
    } finally {
      this.#polling = false;
      this.#schedule();
    }
  }

  #update(registration: Registration, fresh: Map<number, Action>): void {
    for (const [id, action] of registration.actions) {
      if (action.status !== 'running') continue;
      const update = fresh.get(id);
      if (update === undefined) {
        registration.reject(
          new HetznerApiError({
            code: 'action_not_found',
            origin: 'api',
            message: `action ${id} (${action.command}) is missing from GET /actions; it cannot be waited for`,
            details: { action_ids: [id] },
          }),
        );
        return;
      }
      registration.actions.set(id, update);
    }
    const outcome = this.#outcome(registration.actions, registration.settleOnly);
    if (outcome !== null) {
      outcome.then(registration.resolve, registration.reject);
      return;
    }
    registration.attempt += 1;
    registration.interval = backoffDelay(this.#options, registration.attempt, this.#random);
    registration.dueAt = Date.now() + registration.interval;
  }
}

export function actionFailed(action: Action): HetznerApiError {
  const reason = action.error ? `${action.error.message} (${action.error.code})` : 'no reason given';
  return new HetznerApiError({
    code: 'action_failed',
    origin: 'api',
    action,
    message: `action ${action.id} (${action.command}) failed: ${reason}`,
    details: { action_id: action.id, command: action.command, error: action.error },
  });
}
