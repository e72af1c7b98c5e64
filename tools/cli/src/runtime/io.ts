import type { Environment, PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';

/** A text destination of a command: `process.stdout`, `process.stderr`, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/** The process surroundings a command runs in, injectable so tests run commands in-process. */
export interface CliIo {
  env: Environment;
  /** Directory that relative paths such as `DATA_DIR` resolve against. */
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
  /**
   * Opens the database of the operations commands (keys, audit, volumes) in place of DATABASE_URL or
   * the embedded PGlite, so tests can hand in one that is already open. The doctor ignores it.
   */
  openDatabase?: (config: PlatformConfig) => Promise<Database>;
}

export function processIo(): CliIo {
  return { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
}

/** A failure the user can fix: printed as one line, without a stack trace, with exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * A failure found by a command that could run, such as an unreachable source bucket or a broken
 * audit chain: printed as one line on stderr, with exit code 1 unless another is given.
 */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';

  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
