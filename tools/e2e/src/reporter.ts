/** Prints one line per step and stops at the first failure. */
export class StepReporter {
  private count = 0;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async step<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.count += 1;
    const started = performance.now();
    try {
      const value = await work();
      this.write(
        `ok     ${String(this.count).padStart(2)} ${name} (${Math.round(performance.now() - started)} ms)`,
      );
      return value;
    } catch (error) {
      this.write(
        `FAILED ${String(this.count).padStart(2)} ${name}: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw error;
    }
  }

  get steps(): number {
    return this.count;
  }
}
