import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const peerMain = fileURLToPath(new URL('../packages/testing/src/s3/main.ts', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

export interface S3PeerProcess {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the local S3 peer as its own process, so its memory and CPU stay out of the measured
 * process, and resolves once it prints its `s3_peer_listening` line.
 */
export async function startS3PeerProcess(options: {
  dataDir: string;
  profile: 'aws' | 'r2';
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<S3PeerProcess> {
  const child = spawn(process.execPath, ['--import', tsxLoader, peerMain], {
    env: {
      ...process.env,
      S3_PEER_PORT: '0',
      S3_PEER_PROFILE: options.profile,
      S3_PEER_BUCKETS: options.bucket,
      S3_PEER_ACCESS_KEY_ID: options.accessKeyId,
      S3_PEER_SECRET_ACCESS_KEY: options.secretAccessKey,
      S3_PEER_DATA_DIR: options.dataDir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  // The peer prints other events (such as the records it loaded) before it listens.
  const endpoint = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { event?: string; endpoint?: string };
      if (event.event === 's3_peer_listening' && event.endpoint !== undefined) {
        lines.close();
        resolve(event.endpoint);
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`The S3 peer process exited with code ${code} before listening.`));
    });
  });
  return { endpoint, stop };
}
