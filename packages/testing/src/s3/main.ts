/**
 * Runs the S3 peer as its own process, for stacks that start it beside the services.
 *
 * Environment (all optional):
 *   S3_PEER_PORT (or PORT)       port on 127.0.0.1; 0 or unset picks a free one
 *   S3_PEER_ACCESS_KEY_ID        access key id (falls back to S3_ACCESS_KEY_ID)
 *   S3_PEER_SECRET_ACCESS_KEY    secret access key (falls back to S3_SECRET_ACCESS_KEY)
 *   S3_PEER_PROFILE              aws, r2 or minio; default aws
 *   S3_PEER_REGION               signing region; default from the profile
 *   S3_PEER_BUCKETS              comma-separated buckets to create
 *   S3_PEER_STRICT_MD5           "true" to require Content-MD5 on DeleteObjects
 *   S3_PEER_DATA_DIR             directory for object data and records, kept across restarts
 *                                (default: a temporary directory, removed at exit)
 *
 * Prints one JSON line with the endpoint once listening, and stops on SIGINT or SIGTERM. With
 * S3_PEER_DATA_DIR it first prints what it loaded from the directory, and one line on stderr for each
 * record file it could not use.
 */
import { startS3Peer } from './peer.js';
import { PROFILES, type S3PeerProfileName } from './profiles.js';

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ event: 's3_peer_failed', message })}\n`);
  process.exit(1);
}

const env = process.env;
const portText = env.S3_PEER_PORT ?? env.PORT ?? '0';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65_535) {
  fail(`S3_PEER_PORT "${portText}" must be a port number from 0 to 65535.`);
}
const profile = env.S3_PEER_PROFILE ?? 'aws';
if (!(profile in PROFILES)) {
  fail(`S3_PEER_PROFILE "${profile}" must be one of: ${Object.keys(PROFILES).join(', ')}.`);
}
const buckets = (env.S3_PEER_BUCKETS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const accessKeyId = env.S3_PEER_ACCESS_KEY_ID ?? env.S3_ACCESS_KEY_ID;
const secretAccessKey = env.S3_PEER_SECRET_ACCESS_KEY ?? env.S3_SECRET_ACCESS_KEY;

try {
  const peer = await startS3Peer({
    port,
    profile: profile as S3PeerProfileName,
    buckets,
    strictMd5: env.S3_PEER_STRICT_MD5 === 'true',
    ...(accessKeyId === undefined ? {} : { accessKeyId }),
    ...(secretAccessKey === undefined ? {} : { secretAccessKey }),
    ...(env.S3_PEER_REGION === undefined ? {} : { region: env.S3_PEER_REGION }),
    ...(env.S3_PEER_DATA_DIR === undefined ? {} : { dataDir: env.S3_PEER_DATA_DIR }),
  });
  if (peer.recovery !== undefined) {
    const { skippedRecords, ...counts } = peer.recovery;
    for (const skipped of skippedRecords) {
      process.stderr.write(`${JSON.stringify({ event: 's3_peer_record_skipped', ...skipped })}\n`);
    }
    process.stdout.write(
      `${JSON.stringify({ event: 's3_peer_records_loaded', dataDir: env.S3_PEER_DATA_DIR, ...counts, skippedRecords: skippedRecords.length })}\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ event: 's3_peer_listening', endpoint: peer.endpoint, region: peer.region, profile: peer.profile, buckets })}\n`,
  );
  const stop = (signal: string): void => {
    peer.close().then(
      () => {
        process.stdout.write(`${JSON.stringify({ event: 's3_peer_stopped', signal })}\n`);
        process.exit(0);
      },
      (error: unknown) => fail(`Closing the S3 peer failed: ${String(error)}`),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  fail(`Starting the S3 peer failed: ${error instanceof Error ? error.message : String(error)}`);
}
