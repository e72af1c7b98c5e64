import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/hetzner/main.ts', import.meta.url));

describe('simulator process', () => {
  it('prints its URL and serves requests with the configured token', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        TOKEN: 'process-token',
        HETZNER_SIM_DURATION_MS: '10',
        HETZNER_SIM_VALIDATE: '1',
        HETZNER_SIM_NODES: 'fsn1:2,hel1:1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const match = /HETZNER_API_URL=(\S+)/.exec(output);
          if (match) resolve(match[1] as string);
        });
        child.once('exit', (code) =>
          reject(new Error(`simulator exited with ${code} before printing its URL`)),
        );
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const response = await fetch(`${url}/servers`, { headers: { authorization: 'Bearer process-token' } });
      expect(response.status).toBe(200);
      const { servers } = (await response.json()) as { servers: Array<{ name: string }> };
      expect(servers.map((server) => server.name)).toEqual([
        'skillpod-node-fsn1-1',
        'skillpod-node-fsn1-2',
        'skillpod-node-hel1-1',
      ]);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
