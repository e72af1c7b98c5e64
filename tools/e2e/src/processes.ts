import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Lines the process wrote, kept to explain a failure. */
  output: string[];
  stop(): Promise<void>;
}

const MAX_KEPT_LINES = 200;

/**
 * Spawns `command` and resolves once a line of its output matches `ready` (returning the match),
 * or rejects when it exits first or `timeoutMs` passes, with its last output lines in the message.
 */
export async function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: RegExp;
  timeoutMs?: number;
  cwd?: string;
  /** Starts the process in a process group of its own, as a terminal starts a command. */
  detached?: boolean;
}): Promise<{ process: ManagedProcess; match: RegExpMatchArray }> {
  const child = spawn(options.command, options.args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const output: string[] = [];
  const managed: ManagedProcess = {
    name: options.name,
    child,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };

  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void managed.stop();
      reject(new Error(`${error.message}; last output:\n${output.slice(-20).join('\n')}`));
    };
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > MAX_KEPT_LINES) output.shift();
      const found = line.match(options.ready);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (error) => fail(error));
    child.once('exit', (code, signal) =>
      fail(new Error(`${options.name} exited with ${signal ?? `code ${code}`}`)),
    );
  });
  return { process: managed, match };
}
