/** One invalid or missing environment variable. */
export interface ConfigProblem {
  variable: string;
  /** The full sentence, starting with the variable name, e.g. `PORT must be a port number between 1 and 65535`. */
  message: string;
}

/** Raised by `loadConfig` with every problem found, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  readonly code = 'invalid_configuration';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
