/** What a fault does to a matching request. */
export type FaultEffect =
  /** Answer with this API error instead of handling the request. */
  | { kind: 'error'; status: number; code: string; message?: string }
  /**
   * Close the connection without an answer. `before` drops the request unhandled; `after` applies it
   * first, like a response lost on the way back. `reset` destroys the socket; `hang` never answers.
   */
  | { kind: 'drop'; when: 'before' | 'after'; mode: 'reset' | 'hang' }
  /** Answer normally after a delay in milliseconds. */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  /** OpenAPI operation id to match, for example `attach_volume`; all operations when omitted. */
  operation?: string;
  effect: FaultEffect;
  /** How many matching requests it affects; `Infinity` makes the fault permanent. Default 1. */
  times?: number;
}

export interface ActionFailure {
  /** Action command to fail, for example `attach_volume`. */
  command: string;
  code?: string;
  message?: string;
  times?: number;
}

interface ActiveRule {
  operation: string | undefined;
  effect: FaultEffect;
  remaining: number;
}

interface ActiveActionFailure {
  command: string;
  code: string;
  message: string;
  remaining: number;
}

/** Fault injection for the simulator: one-off or permanent errors, dropped answers and failing actions. */
export class FaultInjector {
  readonly #rules: ActiveRule[] = [];
  readonly #actionFailures: ActiveActionFailure[] = [];

  /** Adds a fault; the returned function removes it. */
  inject(rule: FaultRule): () => void {
    const active: ActiveRule = { operation: rule.operation, effect: rule.effect, remaining: rule.times ?? 1 };
    this.#rules.push(active);
    return () => this.#remove(this.#rules, active);
  }

  /** Answers the next `times` requests of `operation` with an API error. */
  error(operation: string | undefined, status: number, code: string, times = 1): () => void {
    return this.inject({
      ...(operation === undefined ? {} : { operation }),
      effect: { kind: 'error', status, code },
      times,
    });
  }

  /** Makes the next `times` actions with this command end in `error`. */
  failActions(failure: ActionFailure): () => void {
    const active: ActiveActionFailure = {
      command: failure.command,
      code: failure.code ?? 'action_failed',
      message: failure.message ?? 'Action failed',
      remaining: failure.times ?? 1,
    };
    this.#actionFailures.push(active);
    return () => this.#remove(this.#actionFailures, active);
  }

  clear(): void {
    this.#rules.length = 0;
    this.#actionFailures.length = 0;
  }

  /** Takes the first fault that matches the operation, counting it down. */
  take(operation: string): FaultEffect | null {
    const rule = this.#rules.find(
      (candidate) => candidate.operation === undefined || candidate.operation === operation,
    );
    if (rule === undefined) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#remove(this.#rules, rule);
    return rule.effect;
  }

  takeActionFailure(command: string): { code: string; message: string } | null {
    const failure = this.#actionFailures.find((candidate) => candidate.command === command);
    if (failure === undefined) return null;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.#remove(this.#actionFailures, failure);
    return { code: failure.code, message: failure.message };
  }

  #remove<T>(list: T[], item: T): void {
    const index = list.indexOf(item);
    if (index !== -1) list.splice(index, 1);
  }
}
