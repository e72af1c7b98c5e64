import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MasterKey } from '@skillancer/phi-crypto';
import { checkPostgres, createTestDatabase } from '@skillancer/testing/database';
import { type HetznerSimulator, startHetznerSimulator } from '@skillancer/testing/hetzner';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createDataDir, type DataDir, linesWith, runCli, withDatabase } from './support.js';

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);
const TOKEN = 'doctorSimulatorToken0123456789';
const BUCKETS = ['skillancer-uploads', 'skillancer-assets', 'skillancer-recordings', 'skillancer-invoices'];

let peer: S3Peer;
let hetzner: HetznerSimulator;
let dataDir: DataDir;
/** A DATA_DIR without a database, for checks that do not need one; opening PGlite costs seconds. */
let emptyDataDir: string;

beforeAll(async () => {
  [peer, hetzner, dataDir] = await Promise.all([
    startS3Peer({ profile: 'r2', buckets: BUCKETS }),
    startHetznerSimulator({ tokens: [TOKEN] }),
    createDataDir(),
  ]);
  emptyDataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-doctor-'));
  const key = MasterKey.fromHex(KEY_A);
  await withDatabase(dataDir, (db) =>
    db.query('INSERT INTO phi_master_key_checks (master_key_id, check_value) VALUES ($1, $2)', [
      key.id,
      key.checkValue,
    ]),
  );
});

afterAll(async () => {
  await Promise.all([
    peer?.close(),
    hetzner?.close(),
    dataDir?.remove(),
    rm(emptyDataDir, { recursive: true, force: true }),
  ]);
});

function healthyEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATA_DIR: emptyDataDir,
    S3_ENDPOINT: peer.endpoint,
    S3_REGION: 'auto',
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: peer.accessKeyId,
    S3_SECRET_ACCESS_KEY: peer.secretAccessKey,
    ENCRYPTION_MASTER_KEY: KEY_A,
    HETZNER_API_TOKEN: TOKEN,
    HETZNER_API_URL: hetzner.url,
    HETZNER_LOCATION: 'fsn1',
    ...overrides,
  };
}

describe('skillancer doctor', async () => {
  it('passes on a healthy set-up', async () => {
    const run = await runCli(['doctor'], healthyEnv({ DATA_DIR: dataDir.path }));
    expect(linesWith(run.stdout, 'FAILED')).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok +database: embedded PGlite .* all \d+ migrations applied$/m);
    expect(run.stdout).toMatch(/^ok +master key: mk_[0-9a-f]{16} matches the stored key check value$/m);
    for (const bucket of BUCKETS) {
      expect(run.stdout).toMatch(new RegExp(`^ok +bucket ${bucket} .*read and write access$`, 'm'));
    }
    expect(run.stdout).toMatch(/^ok +hetzner token: accepted/m);
    expect(run.stdout).toMatch(/^ok +hetzner location: fsn1/m);
    expect(run.stdout).toMatch(/^ok +hetzner nodes: 3 server\(s\) match .* 48 free volume slot\(s\)$/m);
    expect(run.stdout).toMatch(/^WARN +production readiness: embedded PGlite/m);
    expect(run.stdout).toContain('All checks passed');
    expect(peer.listKeys('skillancer-uploads')).toEqual([]);
  });

  it('prints one JSON document with --json', async () => {
    const run = await runCli(['doctor', '--json'], healthyEnv());
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      checks: Array<{ check: string; status: string }>;
    };
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.check)).toContain('hetzner nodes');
  });

  it('never prints secrets', async () => {
    const run = await runCli(['doctor', '--json'], healthyEnv({ S3_ACCESS_KEY_ID: 'wrong-key-id' }));
    for (const secret of [KEY_A, TOKEN, peer.secretAccessKey]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('lists every configuration problem', async () => {
    const run = await runCli(['doctor'], healthyEnv({ HETZNER_LOCATION: 'moon', AUTH_PORT: 'abc' }));
    expect(run.code).toBe(1);
    const failures = linesWith(run.stdout, 'FAILED');
    expect(failures).toHaveLength(2);
    expect(failures.join('\n')).toContain('AUTH_PORT must be a port number');
    expect(failures.join('\n')).toContain('HETZNER_LOCATION must be a Hetzner location name');
  });

  it('names a missing bucket', async () => {
    const run = await runCli(['doctor'], healthyEnv({ S3_BUCKET: 'skillancer-missing' }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')).toEqual([
      expect.stringMatching(
        /bucket skillancer-missing \(S3_BUCKET\): bucket missing: skillancer-missing does not exist.*fix: create the bucket skillancer-missing/,
      ),
    ]);
  });

  it('reports rejected S3 credentials', async () => {
    const run = await runCli(['doctor'], healthyEnv({ S3_SECRET_ACCESS_KEY: 'not-the-secret' }));
    expect(run.code).toBe(1);
    const failures = linesWith(run.stdout, 'FAILED');
    expect(failures).toHaveLength(4);
    expect(failures[0]).toContain('S3 credentials rejected');
  });

  it('catches credentials that cannot write', async () => {
    peer.setAccessPolicy((request) => request.operation !== 'PutObject');
    try {
      const probing = await runCli(['doctor'], healthyEnv());
      expect(probing.code).toBe(1);
      expect(linesWith(probing.stdout, 'FAILED')[0]).toContain('S3 credentials rejected');
      const readOnly = await runCli(['doctor', '--read-only'], healthyEnv());
      expect(readOnly.code).toBe(0);
      expect(readOnly.stdout).toContain('write access not checked');
    } finally {
      peer.setAccessPolicy(undefined);
    }
  });

  it('reports a refused S3 connection', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['doctor'], healthyEnv({ S3_ENDPOINT: endpoint }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')[0]).toContain(
      `cannot connect to S3 at ${endpoint}: connection refused`,
    );
  });

  it('reports TLS spoken to a plain HTTP store', async () => {
    const endpoint = peer.endpoint.replace('http:', 'https:');
    const run = await runCli(['doctor'], healthyEnv({ S3_ENDPOINT: endpoint }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')[0]).toMatch(/cannot connect to S3 at .*: TLS handshake failed/);
  });

  it('reports an invalid master key', async () => {
    const run = await runCli(
      ['doctor'],
      healthyEnv({ DATA_DIR: dataDir.path, ENCRYPTION_MASTER_KEY: KEY_B }),
    );
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')).toEqual([
      expect.stringMatching(
        /^FAILED +master key: invalid master key: ENCRYPTION_MASTER_KEY \(mk_\w+\) matches none/,
      ),
    ]);
  });

  it('accepts a rotation in progress', async () => {
    const env = healthyEnv({
      DATA_DIR: dataDir.path,
      ENCRYPTION_MASTER_KEY: KEY_B,
      ENCRYPTION_MASTER_KEY_PREVIOUS: KEY_A,
    });
    const run = await runCli(['doctor'], env);
    expect(linesWith(run.stdout, 'FAILED')).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('reports a refused database connection', async () => {
    const url = `postgres://skillancer:secret-password@127.0.0.1:${await closedPort()}/skillancer`;
    const run = await runCli(['doctor'], healthyEnv({ DATABASE_URL: url }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')[0]).toMatch(
      /^FAILED +database: cannot connect to the database: connection refused/,
    );
    expect(run.stdout).not.toContain('secret-password');
  });

  const postgres = await checkPostgres();
  it.runIf(postgres.available)('passes on PostgreSQL', async () => {
    const db = await createTestDatabase('postgres');
    try {
      const run = await runCli(['doctor'], healthyEnv({ DATABASE_URL: db.url ?? '' }));
      expect(run.stdout).toMatch(/^ok +database: PostgreSQL reachable; all \d+ migrations applied$/m);
      expect(run.stdout).toMatch(/^ok +master key: .*no check value stored yet/m);
      expect(run.code).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('lists pending migrations', async () => {
    // Forgetting the first migration makes it pending without a second PGlite database.
    const [first] = await withDatabase(dataDir, async (db) => {
      const { rows } = await db.query<{ name: string; checksum: string }>(
        'DELETE FROM schema_migrations WHERE name = (SELECT min(name) FROM schema_migrations) RETURNING name, checksum',
      );
      return rows;
    });
    try {
      const run = await runCli(['doctor'], healthyEnv({ DATA_DIR: dataDir.path }));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^FAILED +database: .* 1 migration\(s\) are pending: 0001_foundation.sql; fix: run `skillancer db migrate`$/m,
      );
    } finally {
      await withDatabase(dataDir, (db) =>
        db.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
          first?.name,
          first?.checksum,
        ]),
      );
    }
  });

  it('skips the key check before migrations', async () => {
    const run = await runCli(['doctor'], healthyEnv());
    expect(run.stdout).toMatch(/^ok +database: embedded PGlite .* does not exist yet/m);
    expect(run.stdout).toMatch(/^skip +master key: mk_\w+ loaded; not compared with the stored check value/m);
  });

  it('reports Hetzner authentication failure', async () => {
    const run = await runCli(['doctor'], healthyEnv({ HETZNER_API_TOKEN: 'revokedToken0123456789abcd' }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')).toEqual([
      expect.stringMatching(
        /hetzner token: Hetzner authentication failed.*fix: create a Read & Write API token/,
      ),
    ]);
    expect(linesWith(run.stdout, 'skip').filter((line) => line.includes('hetzner'))).toHaveLength(2);
  });

  it('reports rate limiting by Hetzner', async () => {
    hetzner.setRateLimit({ limit: 0, refillPerSecond: 0 });
    try {
      const run = await runCli(['doctor'], healthyEnv());
      expect(run.code).toBe(1);
      expect(linesWith(run.stdout, 'FAILED')[0]).toContain('rate limited by Hetzner');
    } finally {
      hetzner.setRateLimit({ limit: 3600, refillPerSecond: 1 });
    }
  });

  it('reports a location without nodes', async () => {
    const run = await runCli(['doctor'], healthyEnv({ HETZNER_LOCATION: 'hel1' }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ok +hetzner location: hel1/m);
    expect(linesWith(run.stdout, 'FAILED')).toEqual([
      expect.stringMatching(
        /no server matching SKILLPOD_NODE_SELECTOR=\S+ in hel1 \(4 match in fsn1, nbg1\)/,
      ),
    ]);
  });

  it('reports full nodes', async () => {
    const node = hetzner.addServer({
      name: 'full-node',
      location: 'ash',
      labels: { 'skillancer.io/role': 'skillpod-node' },
    });
    for (let index = 0; index < 16; index += 1) {
      hetzner.state.addVolume({ name: `filler-${index}`, location: 'ash', serverId: node.id });
    }
    const run = await runCli(['doctor'], healthyEnv({ HETZNER_LOCATION: 'ash' }));
    expect(run.code).toBe(1);
    expect(linesWith(run.stdout, 'FAILED')[0]).toContain('all 16 volume slots of each are taken');
  });

  it('reports an unreachable Redis', async () => {
    const run = await runCli(
      ['doctor'],
      healthyEnv({ REDIS_URL: `redis://:hunter2@127.0.0.1:${await closedPort()}` }),
    );
    expect(run.code).toBe(1);
    const [failure] = linesWith(run.stdout, 'FAILED');
    expect(failure).toMatch(
      /^FAILED +redis: cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/,
    );
    expect(run.stdout).not.toContain('hunter2');
  });

  const redisServer = spawnSync('redis-server', ['--version']).status === 0;
  it.runIf(redisServer)('passes with a reachable Redis', async () => {
    const port = await closedPort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      for await (const chunk of redis.stdout) {
        if (String(chunk).includes('Ready to accept connections')) break;
      }
      const run = await runCli(['doctor'], healthyEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
      expect(run.stdout).toMatch(/^ok +redis: reachable at redis:\/\/127\.0\.0\.1:\d+$/m);
      expect(run.code).toBe(0);
    } finally {
      redis.kill();
      await once(redis, 'exit');
    }
  });
});

describe('skillancer usage errors', () => {
  it('exit with code 2', async () => {
    const missing = await runCli(['storage', 'migrate'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--to <target>' not specified");
    const unknown = await runCli(['doctor', '--no-such-option'], {});
    expect(unknown.code).toBe(2);
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('doctor');
  });
});
