import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';

const mainPath = fileURLToPath(new URL('../../src/s3/main.ts', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

describe('S3 peer process', () => {
  it('starts from the environment and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath], {
      env: {
        ...process.env,
        S3_PEER_PORT: '0',
        S3_PEER_PROFILE: 'r2',
        S3_PEER_BUCKETS: 'one,two',
        S3_PEER_ACCESS_KEY_ID: 'PROCESSKEY',
        S3_PEER_SECRET_ACCESS_KEY: 'process-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      while (!output.includes('\n')) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        output += chunk;
      }
      const started = JSON.parse(output.split('\n')[0] ?? '') as {
        endpoint: string;
        region: string;
        profile: string;
      };
      expect(started.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.region).toBe('auto');
      const client = new S3Client({
        endpoint: started.endpoint,
        region: 'auto',
        forcePathStyle: true,
        credentials: { accessKeyId: 'PROCESSKEY', secretAccessKey: 'process-secret' },
      });
      await expect(client.send(new HeadBucketCommand({ Bucket: 'two' }))).resolves.toBeDefined();
      client.destroy();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
  });
});
