import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

  it('keeps objects in S3_PEER_DATA_DIR after being killed', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 's3-peer-process-'));
    const env = {
      ...process.env,
      S3_PEER_PORT: '0',
      S3_PEER_BUCKETS: 'uploads',
      S3_PEER_ACCESS_KEY_ID: 'PROCESSKEY',
      S3_PEER_SECRET_ACCESS_KEY: 'process-secret',
      S3_PEER_DATA_DIR: dataDir,
    };
    const children: ChildProcessWithoutNullStreams[] = [];
    try {
      const first = spawn(process.execPath, ['--import', tsxLoader, mainPath], { env });
      children.push(first);
      const firstLines = await readUntilListening(first);
      expect(JSON.parse(firstLines[0] ?? '')).toMatchObject({
        event: 's3_peer_records_loaded',
        buckets: 0,
        objects: 0,
      });
      const firstClient = clientFor(JSON.parse(firstLines.at(-1) ?? '').endpoint as string);
      await firstClient.send(
        new PutObjectCommand({
          Bucket: 'uploads',
          Key: 'kept',
          Body: 'kept body',
          ContentType: 'text/plain',
        }),
      );
      firstClient.destroy();
      // SIGKILL skips close(), so the lock file stays behind as after a crash.
      first.kill('SIGKILL');
      await once(first, 'exit');

      const second = spawn(process.execPath, ['--import', tsxLoader, mainPath], { env });
      children.push(second);
      const secondLines = await readUntilListening(second);
      expect(JSON.parse(secondLines[0] ?? '')).toMatchObject({
        event: 's3_peer_records_loaded',
        buckets: 1,
        objects: 1,
        skippedRecords: 0,
      });
      const secondClient = clientFor(JSON.parse(secondLines.at(-1) ?? '').endpoint as string);
      const object = await secondClient.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'kept' }));
      expect(object.ContentType).toBe('text/plain');
      expect(await object.Body?.transformToString()).toBe('kept body');
      secondClient.destroy();
      second.kill('SIGTERM');
      const [code] = (await once(second, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** Reads stdout lines until the s3_peer_listening line, which is the last one returned. */
function readUntilListening(child: ChildProcessWithoutNullStreams): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"s3_peer_listening"')) {
        resolve(output.split('\n').filter((line) => line !== ''));
      }
    });
    child.once('exit', (code) => reject(new Error(`The S3 peer exited with ${code} before listening`)));
  });
}

function clientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'PROCESSKEY', secretAccessKey: 'process-secret' },
  });
}
