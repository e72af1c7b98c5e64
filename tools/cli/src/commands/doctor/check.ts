import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import type { LoadedKeyring } from '../../runtime/master-keyring.js';
import type { SchemaStatus } from '../../runtime/operations-database.js';

/** `warning` does not fail the doctor run; `skipped` means a check could not run because another failed. */
export type CheckStatus = 'ok' | 'failed' | 'warning' | 'skipped';

/** The outcome of one check, printed as one line. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** The fix, for `failed` and `warning`. */
  fix?: string;
}

/** State shared by the checks: the configuration, and the database and keyring once earlier checks opened them. */
export interface DoctorContext {
  config: PlatformConfig;
  db?: Database;
  schema?: SchemaStatus;
  keyring?: LoadedKeyring | null;
  /** Skip the write probe of each bucket (for read-only credentials on purpose). */
  readOnly: boolean;
}

export function ok(check: string, message: string): CheckResult {
  return { check, status: 'ok', message };
}

export function failed(check: string, message: string, fix: string): CheckResult {
  return { check, status: 'failed', message, fix };
}

export function warning(check: string, message: string, fix: string): CheckResult {
  return { check, status: 'warning', message, fix };
}

export function skipped(check: string, message: string): CheckResult {
  return { check, status: 'skipped', message };
}

/** Rejects with a timeout message when `work` takes longer than `ms`, so one hung dependency cannot stall the run. */
export async function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${operation} timed out after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
