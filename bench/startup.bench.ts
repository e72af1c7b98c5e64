import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 120_000;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitUntilReady(ports: number[], child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`skillancer start exited with code ${child.exitCode}`);
    const statuses = await Promise.all(
      ports.map((port) =>
        fetch(`http://127.0.0.1:${port}/health/ready`)
          .then((response) => response.status)
          .catch(() => 0),
      ),
    );
    if (statuses.every((status) => status === 200)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the services did not become ready in time');
}

async function residentMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match?.[1]) throw new Error('VmRSS not found');
  return Number(match[1]) / 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** Time from `skillancer start` to all three services ready on existing embedded data, and the steady memory. */
export default async function run(): Promise<BenchResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-startup-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    AUTH_PORT: String(ports[0]),
    SKILLPOD_PORT: String(ports[1]),
    COCKPIT_PORT: String(ports[2]),
  };
  const launch = () =>
    spawn(process.execPath, [path.join(repositoryRoot, 'tools/cli/bin/skillancer.js'), 'start'], {
      env,
      stdio: 'ignore',
    });

  try {
    // The first start creates the database and the development key; only later starts are measured.
    const first = launch();
    await waitUntilReady(ports, first);
    await stop(first);

    const started = performance.now();
    const second = launch();
    await waitUntilReady(ports, second);
    const readySeconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const rss = await residentMegabytes(second.pid as number);
    await stop(second);

    return {
      name: 'startup',
      figures: [
        {
          metric: 'npm start to ready, existing data',
          value: readySeconds,
          unit: 's',
          target: { op: '<=', value: 5 },
        },
        {
          metric: 'steady resident memory, all services',
          value: rss,
          unit: 'MB',
          target: { op: '<=', value: 500 },
        },
      ],
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
