import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { CliError } from './io.js';

/**
 * Returns `env` with the variables of `<cwd>/.env` (or the file named by `SKILLANCER_ENV_FILE`) added.
 * Variables already set in the environment win, as with Docker Compose and most dotenv loaders, so a
 * deployment's own settings are never overridden by a stray file.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const file = env.SKILLANCER_ENV_FILE ?? path.join(cwd, '.env');
  if (!existsSync(file)) {
    if (env.SKILLANCER_ENV_FILE !== undefined) {
      throw new CliError(`SKILLANCER_ENV_FILE names ${file}, which does not exist; fix the path or unset it`);
    }
    return env;
  }
  const fromFile = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  return { ...fromFile, ...env };
}
