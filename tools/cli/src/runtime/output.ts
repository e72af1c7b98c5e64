import type { CliIo } from './io.js';

/**
 * Writes a command's report: human-readable lines on stdout by default, or one JSON document with
 * `--json`. Progress of long jobs goes to stderr in both modes, so stdout stays parseable.
 */
export class Output {
  readonly json: boolean;
  readonly #io: CliIo;

  constructor(io: CliIo, options: { json?: boolean } = {}) {
    this.#io = io;
    this.json = options.json ?? false;
  }

  /** Writes one human-readable line to stdout; suppressed with `--json`. */
  line(text = ''): void {
    if (!this.json) this.#io.stdout.write(`${text}\n`);
  }

  /** Writes the JSON document of a `--json` run; ignored otherwise. */
  result(value: unknown): void {
    if (this.json) this.#io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a progress or warning line to stderr. */
  progress(text: string): void {
    this.#io.stderr.write(`${text}\n`);
  }

  /**
   * Returns a progress writer that prints at most one line per `intervalMs`, plus every line
   * passed with `force`, so a job over a million rows does not flood the terminal.
   */
  throttledProgress(intervalMs = 1000): (text: string, force?: boolean) => void {
    let last = 0;
    return (text, force = false) => {
      const now = Date.now();
      if (!force && now - last < intervalMs) return;
      last = now;
      this.progress(text);
    };
  }
}

/** Pads a table's columns to the widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
