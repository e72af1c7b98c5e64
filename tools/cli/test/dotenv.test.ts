import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDotEnv } from '../src/runtime/dotenv.js';
import { CliError } from '../src/runtime/io.js';

describe('withDotEnv', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skillancer-dotenv-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds the variables of .env', async () => {
    await writeFile(path.join(dir, '.env'), '# comment\nAUTH_PORT=3101\nS3_REGION="auto"\n');
    const env = withDotEnv({}, dir);

    expect(env.AUTH_PORT).toBe('3101');
    expect(env.S3_REGION).toBe('auto');
  });

  it('lets the environment win over the file', async () => {
    await writeFile(path.join(dir, '.env'), 'AUTH_PORT=3101\n');

    expect(withDotEnv({ AUTH_PORT: '4000' }, dir).AUTH_PORT).toBe('4000');
  });

  it('returns the environment unchanged without a file', () => {
    const env = { LOG_LEVEL: 'warn' };

    expect(withDotEnv(env, dir)).toBe(env);
  });

  it('rejects a SKILLANCER_ENV_FILE that does not exist', () => {
    expect(() => withDotEnv({ SKILLANCER_ENV_FILE: path.join(dir, 'missing.env') }, dir)).toThrow(CliError);
  });
});
