import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

const KEY = 'a'.repeat(64);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.message);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('uses embedded defaults in development', () => {
    const config = loadConfig({}, '/srv/app');

    expect(config.mode).toBe('development');
    expect(config.database.url).toBeUndefined();
    expect(config.database.pgliteDataDir).toBe('/srv/app/.data/db');
    expect(config.storage.driver).toBe('filesystem');
    expect(config.storage.rootDir).toBe('/srv/app/.data/objects');
    expect(config.volumes.provider).toBe('local');
    expect(config.volumes.localRootDir).toBe('/srv/app/.data/volumes');
    expect(config.ports).toEqual({ auth: 3001, skillpod: 3003, cockpit: 3004 });
    expect(config.auth.jwksUrl).toBe('http://127.0.0.1:3001/.well-known/jwks.json');
  });

  it('returns a frozen object', () => {
    const config = loadConfig({}, '/srv/app');

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.storage.buckets)).toBe(true);
  });

  it('rejects a master key with non-hex characters of the right length', () => {
    const problems = problemsOf({ ENCRYPTION_MASTER_KEY: `${'a'.repeat(63)}g` });

    expect(problems).toEqual([
      'ENCRYPTION_MASTER_KEY must be 64 hexadecimal characters (32 bytes); generate one with: openssl rand -hex 32',
    ]);
  });

  it('rejects a short master key', () => {
    expect(problemsOf({ ENCRYPTION_MASTER_KEY: 'abcd' })).toHaveLength(1);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({
      AUTH_PORT: '70000',
      HETZNER_VOLUME_SIZE: '5',
      DATABASE_URL: 'mysql://x',
      S3_FORCE_PATH_STYLE: 'yes',
    });

    expect(problems).toHaveLength(4);
    expect(problems.some((message) => message.startsWith('AUTH_PORT must be a port number'))).toBe(true);
    expect(problems.some((message) => message.startsWith('HETZNER_VOLUME_SIZE must be at least 10 GB'))).toBe(
      true,
    );
    expect(
      problems.some((message) => message.startsWith('DATABASE_URL must be a URL starting with postgres://')),
    ).toBe(true);
    expect(problems.some((message) => message.startsWith('S3_FORCE_PATH_STYLE must be true or false'))).toBe(
      true,
    );
  });

  it('rejects embedded defaults in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });

    expect(
      problems.some((message) => message.startsWith('DATABASE_URL is required when NODE_ENV=production')),
    ).toBe(true);
    expect(
      problems.some((message) => message.startsWith('S3_ENDPOINT is required when NODE_ENV=production')),
    ).toBe(true);
    expect(
      problems.some((message) =>
        message.startsWith('ENCRYPTION_MASTER_KEY is required when NODE_ENV=production'),
      ),
    ).toBe(true);
  });

  it('accepts a complete production environment', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db:5432/app',
        S3_ENDPOINT: 'https://acc.r2.cloudflarestorage.com',
        R2_ACCESS_KEY_ID: 'id',
        R2_SECRET_ACCESS_KEY: 'secret',
        ENCRYPTION_MASTER_KEY: KEY.toUpperCase(),
        HETZNER_API_TOKEN: 'T'.repeat(64),
      },
      '/srv/app',
    );

    expect(config.storage.driver).toBe('s3');
    expect(config.storage.accessKeyId).toBe('id');
    expect(config.volumes.provider).toBe('hetzner');
    expect(config.encryption.masterKeyHex).toBe(KEY);
    expect(config.host).toBe('0.0.0.0');
  });

  it('requires credentials with S3 storage', () => {
    const problems = problemsOf({ S3_ENDPOINT: 'http://127.0.0.1:9000' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
  });

  it('never echoes a secret value in a problem', () => {
    const problems = problemsOf({ HETZNER_API_TOKEN: 'secret-with-dash-0123456789' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('secret-with-dash');
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['2', 2],
    ['10.42.0.0/16,127.0.0.1', '10.42.0.0/16,127.0.0.1'],
  ])('parses %s', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }, '/srv/app').trustProxy).toEqual(expected);
  });

  it('rejects a word', () => {
    expect(problemsOf({ TRUST_PROXY: 'yes please' })[0]).toMatch(/^TRUST_PROXY must be true, false/);
  });
});

describe('AUTH_PUBLIC_URL and COCKPIT_PUBLIC_URL', () => {
  it('are unset by default', () => {
    expect(loadConfig({}, '/srv/app').publicUrls).toEqual({ auth: undefined, cockpit: undefined });
  });

  it.each([
    ['https://dev.skillancer.example', 'https://dev.skillancer.example'],
    ['https://dev.skillancer.example/', 'https://dev.skillancer.example'],
    ['http://Dev.Skillancer.Example:8080/auth-svc/', 'http://dev.skillancer.example:8080/auth-svc'],
    ['https://dev.skillancer.example:443/a b', 'https://dev.skillancer.example/a%20b'],
    ['http://[::1]:3001', 'http://[::1]:3001'],
  ])('normalizes %s', (raw, expected) => {
    const config = loadConfig({ AUTH_PUBLIC_URL: raw, COCKPIT_PUBLIC_URL: raw }, '/srv/app');

    expect(config.publicUrls.auth).toBe(expected);
    expect(config.publicUrls.cockpit).toBe(expected);
  });

  it.each([
    ['dev.skillancer.example', 'must be an absolute http:// or https:// URL'],
    ['/auth', 'must be an absolute http:// or https:// URL'],
    ['ftp://dev.skillancer.example', 'must be an absolute http:// or https:// URL'],
    ['http:/dev.skillancer.example', 'must be an absolute http:// or https:// URL'],
    ['https://dev.skillancer.example:99999', 'must be an absolute http:// or https:// URL'],
    ['https://dev.skillancer.example/?x=1', 'must not have a query string'],
    ['https://dev.skillancer.example?', 'must not have a query string'],
    ['https://dev.skillancer.example/#top', 'must not have a fragment'],
    ['https://ann:pw@dev.skillancer.example', 'must not contain a user name or password'],
  ])('rejects %s', (raw, expected) => {
    const problems = problemsOf({ AUTH_PUBLIC_URL: raw, COCKPIT_PUBLIC_URL: raw });

    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^AUTH_PUBLIC_URL ${expected}`));
    expect(problems[1]).toMatch(new RegExp(`^COCKPIT_PUBLIC_URL ${expected}`));
  });

  it('keeps credentials out of the message', () => {
    const problems = problemsOf({ AUTH_PUBLIC_URL: 'https://ann:hunter2@dev.skillancer.example' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('hunter2');
  });

  it('names one problem in one line', () => {
    const problems = problemsOf({ COCKPIT_PUBLIC_URL: 'localhost:3004' });

    expect(problems).toEqual([
      'COCKPIT_PUBLIC_URL must be an absolute http:// or https:// URL such as https://dev.example.com or https://dev.example.com/cockpit',
    ]);
  });

  it('shows a path example for each service', () => {
    const problems = problemsOf({ AUTH_PUBLIC_URL: 'https://dev.example.com/?x=1', COCKPIT_PUBLIC_URL: 'x' });

    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^AUTH_PUBLIC_URL must not have a query string .*https:\/\/dev\.example\.com\/auth$/,
    );
    expect(problems[1]).toMatch(/^COCKPIT_PUBLIC_URL must be .*https:\/\/dev\.example\.com\/cockpit$/);
    expect(problems[1]).not.toContain('/auth');
  });
});
