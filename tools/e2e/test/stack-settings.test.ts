import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_S3_PORT, loadStackS3Credentials, stackPortsFromEnv } from '../src/stack-settings.js';

describe('stackPortsFromEnv', () => {
  it('uses the npm start ports and 9310 by default', () => {
    expect(stackPortsFromEnv({})).toEqual({
      auth: 3001,
      skillpod: 3003,
      cockpit: 3004,
      s3: DEFAULT_STACK_S3_PORT,
    });
    expect(DEFAULT_STACK_S3_PORT).toBe(9310);
  });

  it('reads the service and S3 peer ports', () => {
    const ports = stackPortsFromEnv({
      AUTH_PORT: '4001',
      SKILLPOD_PORT: '4003',
      COCKPIT_PORT: '4004',
      STACK_S3_PORT: '4010',
    });
    expect(ports).toEqual({ auth: 4001, skillpod: 4003, cockpit: 4004, s3: 4010 });
  });

  it('treats an empty value as unset', () => {
    expect(stackPortsFromEnv({ AUTH_PORT: '' }).auth).toBe(3001);
  });

  it.each(['0', '65536', 'abc', '30 01', '-1'])('rejects port %j', (value) => {
    expect(() => stackPortsFromEnv({ SKILLPOD_PORT: value })).toThrow(
      `SKILLPOD_PORT "${value}" is invalid: use a port number from 1 to 65535`,
    );
  });
});

describe('loadStackS3Credentials', () => {
  let dataDir: string | undefined;

  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the same credentials across starts', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-stack-settings-'));
    const first = await loadStackS3Credentials(path.join(dataDir, 'stack'));
    const second = await loadStackS3Credentials(path.join(dataDir, 'stack'));

    expect(first.accessKeyId).toMatch(/^STACK[0-9A-F]{12}$/);
    expect(first.secretAccessKey.length).toBeGreaterThanOrEqual(32);
    expect(second).toEqual(first);
    const file = path.join(dataDir, 'stack', 's3-credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(first);
  });

  it('rejects an invalid credentials file', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-stack-settings-'));
    const file = path.join(dataDir, 's3-credentials.json');
    await writeFile(file, '{"accessKeyId":"only-the-id"}');

    await expect(loadStackS3Credentials(dataDir)).rejects.toThrow(`${file} is invalid`);
  });
});
