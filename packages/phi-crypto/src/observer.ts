/** One finished call to an outside dependency (here: a repository or vault), reported for metrics. */
export interface DependencyCall {
  operation: string;
  durationSeconds: number;
  outcome: 'ok' | 'error';
  /** The error's stable code when `outcome` is `error`. */
  errorCode?: string;
}

export type DependencyObserver = (call: DependencyCall) => void;
