/**
 * Serializes this process's attach and detach actions per server. A server runs one action at a time
 * and answers `locked` to the others, so queueing them here saves the requests that would only be
 * rejected. Other processes are not covered; their conflicts still end in `locked` and a retry.
 */
export class ServerGate {
  readonly #tails = new Map<number, Promise<void>>();

  /** Runs `task` after every task and hold registered earlier for the same server. */
  async run<T>(serverId: number, task: () => Promise<T>): Promise<T> {
    let release = (): void => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#enqueue(serverId, mine);
    await previous;
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Makes later tasks for the server wait until `work` settles, for actions started elsewhere (create with server). */
  hold(serverId: number, work: Promise<unknown>): void {
    void this.#enqueue(
      serverId,
      work.then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  #enqueue(serverId: number, work: Promise<void>): Promise<void> {
    const previous = this.#tails.get(serverId) ?? Promise.resolve();
    const tail = Promise.all([previous, work]).then(() => undefined);
    this.#tails.set(serverId, tail);
    void tail.then(() => {
      if (this.#tails.get(serverId) === tail) this.#tails.delete(serverId);
    });
    return previous;
  }
}
