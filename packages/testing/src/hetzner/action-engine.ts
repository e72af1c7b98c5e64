import type { FaultInjector } from './faults.js';
import type { SimAction, SimState } from './state.js';

/** Duration of each action command in milliseconds. */
export interface ActionDurations {
  create_volume: number;
  attach_volume: number;
  detach_volume: number;
  resize_volume: number;
  change_protection: number;
}

export const DEFAULT_DURATIONS: ActionDurations = {
  create_volume: 50,
  attach_volume: 50,
  detach_volume: 50,
  resize_volume: 50,
  change_protection: 0,
};

export interface ActionPlan {
  command: keyof ActionDurations;
  resources: SimAction['resources'];
  locks: SimAction['locks'];
  /** Applies the effect when the action succeeds. */
  apply: () => void;
  /** Checked when the action becomes active; a returned error fails the action instead of running it. */
  precondition?: () => { code: string; message: string } | null;
}

/**
 * Runs actions on timers: an action is `running` for its command's duration while holding its locks,
 * then becomes `success` (after applying its effect) or `error` (when a precondition or an injected
 * fault says so). Queued actions (the attach that follows a create) take their locks only when started.
 */
export class ActionEngine {
  readonly #state: SimState;
  readonly #faults: FaultInjector;
  readonly #durations: ActionDurations;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(state: SimState, faults: FaultInjector, durations: ActionDurations) {
    this.#state = state;
    this.#faults = faults;
    this.#durations = durations;
  }

  /** Creates an action in the queued state; `start` makes it active. */
  queue(plan: ActionPlan): SimAction {
    const action: SimAction = {
      id: this.#state.nextActionId(),
      command: plan.command,
      status: 'running',
      started: new Date().toISOString(),
      finished: null,
      resources: plan.resources,
      error: null,
      activeFrom: null,
      endsAt: null,
      locks: plan.locks,
    };
    this.#state.actions.set(action.id, action);
    return action;
  }

  /** Starts an action now; `then` runs after it has finished, successfully or not. */
  start(action: SimAction, plan: ActionPlan, then?: (action: SimAction) => void): SimAction {
    const failure = plan.precondition?.() ?? null;
    if (failure !== null) {
      this.#finish(action, failure);
      then?.(action);
      return action;
    }
    const duration = this.#durations[plan.command];
    action.activeFrom = Date.now();
    action.endsAt = action.activeFrom + duration;
    const complete = (): void => {
      const injected = this.#faults.takeActionFailure(plan.command);
      if (injected === null) plan.apply();
      this.#finish(action, injected);
      then?.(action);
    };
    if (duration <= 0) {
      complete();
    } else {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        complete();
      }, duration);
      this.#timers.add(timer);
    }
    return action;
  }

  /** Queues and starts an action in one step. */
  run(plan: ActionPlan, then?: (action: SimAction) => void): SimAction {
    return this.start(this.queue(plan), plan, then);
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #finish(action: SimAction, error: { code: string; message: string } | null): void {
    action.status = error === null ? 'success' : 'error';
    action.error = error;
    action.finished = new Date().toISOString();
    action.activeFrom = null;
    action.endsAt = null;
  }
}

/** Progress in percent of a running action, from the elapsed share of its duration. */
export function progressOf(action: SimAction, now = Date.now()): number {
  if (action.status !== 'running') return 100;
  if (action.activeFrom === null || action.endsAt === null) return 0;
  const total = action.endsAt - action.activeFrom;
  if (total <= 0) return 99;
  return Math.max(0, Math.min(99, Math.floor(((now - action.activeFrom) / total) * 100)));
}
