import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/shutdown-child.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

interface Started {
  process: ChildProcess;
  messages: string[];
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

afterEach(() => {
  for (const process of started.splice(0)) process.kill('SIGKILL');
});

/** Starts the fixture and resolves once it has installed its handlers. */
async function startChild(stepMs: number): Promise<Started> {
  const process = spawn(globalThis.process.execPath, ['--import', tsx, child], {
    env: { ...globalThis.process.env, STEP_MS: String(stepMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(process);
  const exited = once(process, 'exit').then(([code]) => code as number | null);
  const messages: string[] = [];
  const lines = createInterface({ input: process.stdout as NonNullable<ChildProcess['stdout']> });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const { msg } = JSON.parse(line) as { msg: string };
      messages.push(msg);
      if (msg === 'ready') resolve();
    });
    void exited.then((code) => reject(new Error(`the fixture exited with ${code} before it was ready`)));
  });
  return { process, messages, exited };
}

describe('installGracefulShutdown', () => {
  it('finishes when the signal repeats at once', async () => {
    const { process, messages, exited } = await startChild(300);

    // Ctrl-C under npm: the terminal and npm both deliver SIGINT.
    process.kill('SIGINT');
    process.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(0);
    expect(messages).toContain('shutdown complete');
  });

  it('exits at once on a later signal', async () => {
    const { process, messages, exited } = await startChild(20_000);

    process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.kill('SIGTERM');
    const code = await exited;

    expect(code).toBe(1);
    expect(messages).toContain('second signal received; exiting without waiting');
    expect(messages).not.toContain('shutdown complete');
  });
});
