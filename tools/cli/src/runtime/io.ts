import type { Environment } from '@skillancer/config';

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
}

export function processIo(): CliIo {
  return { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
}

/** A failure the user can fix: printed as one line, without a stack trace, with exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * The outcome of a command that ran to the end but found problems, such as a failed doctor check
 * or a broken audit chain. Its report is already printed, so only the exit code remains.
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
