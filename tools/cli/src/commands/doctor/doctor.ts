import { ConfigError, loadConfig } from '@skillancer/config';
import type { CliIo } from '../../runtime/io.js';
import { Output } from '../../runtime/output.js';
import { type CheckResult, type DoctorContext, failed, ok } from './check.js';
import { checkDatabase } from './database-check.js';
import { checkHetzner } from './hetzner-check.js';
import { checkMasterKey } from './master-key-check.js';
import { checkProductionReadiness } from './readiness.js';
import { checkRedis } from './redis-check.js';
import { checkBuckets } from './storage-check.js';

export interface DoctorOptions {
  json?: boolean;
  readOnly?: boolean;
}

const LABELS: Record<CheckResult['status'], string> = {
  ok: 'ok',
  failed: 'FAILED',
  warning: 'WARN',
  skipped: 'skip',
};

/**
 * Loads the configuration and checks every dependency, printing one line per check as it finishes.
 * Returns the exit code: 0 when no check failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(io: CliIo, options: DoctorOptions = {}): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  const results: CheckResult[] = [];
  const report = (result: CheckResult | undefined): void => {
    if (result === undefined) return;
    results.push(result);
    const fix = result.fix === undefined ? '' : `; fix: ${result.fix}`;
    output.line(`${LABELS[result.status].padEnd(6)}  ${result.check}: ${result.message}${fix}`);
  };

  let context: DoctorContext;
  try {
    const config = loadConfig(io.env, io.cwd);
    context = { config, readOnly: options.readOnly ?? false };
    report(ok('configuration', `loaded (${config.mode} mode)`));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      report(failed('configuration', problem.message, `fix ${problem.variable} and run the doctor again`));
    }
    return finish(output, results);
  }

  try {
    report(await checkDatabase(context));
    report(await checkMasterKey(context));
    const [buckets, hetzner, redis] = await Promise.all([
      checkBuckets(context),
      checkHetzner(context),
      checkRedis(context),
    ]);
    for (const result of [...buckets, ...hetzner, redis]) report(result);
    for (const result of checkProductionReadiness(context)) report(result);
  } finally {
    await context.db?.close();
  }
  return finish(output, results);
}

function finish(output: Output, results: CheckResult[]): number {
  const failures = results.filter((result) => result.status === 'failed').length;
  const warnings = results.filter((result) => result.status === 'warning').length;
  output.line();
  output.line(
    failures === 0
      ? `All checks passed${warnings > 0 ? ` (${warnings} warning(s))` : ''}.`
      : `${failures} check(s) failed${warnings > 0 ? `, ${warnings} warning(s)` : ''}.`,
  );
  output.result({ ok: failures === 0, failures, warnings, checks: results });
  return failures === 0 ? 0 : 1;
}
