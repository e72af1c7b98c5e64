import { Writable } from 'node:stream';
import type { Database } from '@skillancer/database';
import { createPhiStore, type PhiStore } from '@skillancer/phi-store';
import type { ServiceApp } from '@skillancer/service-kit';
import { buildAuthApp } from '../src/app.js';
import { masterKeyringOf, type PhiSettings } from '../src/phi/phi-setup.js';
import { MemoryRateLimiter } from '../src/security/rate-limiter.js';
import { registerUser, TEST_ISSUER, TEST_MASTER_KEY } from './support.js';

/** Collects the JSON log lines of an app, so a test can scan them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }

  get text(): string {
    return this.lines.join('');
  }
}

/** Creates a clock the test moves by hand. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advanceHours: (hours: number) => {
      now += hours * 3_600_000;
    },
  };
}

export async function buildPhiApp(
  db: Database,
  options: {
    logs?: LogCapture;
    phi?: PhiSettings;
    masterKey?: Buffer;
    previousMasterKeys?: Buffer[];
  } = {},
): Promise<ServiceApp> {
  const app = await buildAuthApp({
    db,
    masterKey: options.masterKey ?? TEST_MASTER_KEY,
    ...(options.previousMasterKeys === undefined ? {} : { previousMasterKeys: options.previousMasterKeys }),
    rateLimiter: new MemoryRateLimiter(),
    issuer: TEST_ISSUER,
    accessTokenTtlSeconds: 300,
    refreshTokenTtlSeconds: 3600,
    logLevel: options.logs === undefined ? 'silent' : 'debug',
    ...(options.logs === undefined ? {} : { logStream: options.logs }),
    phi: { tenantShredDelayHours: 72, ...options.phi },
  });
  await app.ready();
  return app;
}

/** Opens a PhiStore on the same database and master key as the app, as the CLI would. */
export function operatorStore(db: Database, clock?: () => number): PhiStore {
  return createPhiStore({
    db,
    masterKeys: masterKeyringOf(TEST_MASTER_KEY),
    ...(clock === undefined ? {} : { clock }),
  });
}

/** Registers a second account and makes it a plain member of `tenantId` only; returns its auth header. */
export async function memberOf(app: ServiceApp, db: Database, tenantId: string) {
  const user = await registerUser(app);
  await db.query('DELETE FROM memberships WHERE user_id = $1', [user.userId]);
  await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [
    tenantId,
    user.userId,
  ]);
  const login = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email: user.email, password: user.password },
  });
  if (login.statusCode !== 200) {
    throw new Error(`member login failed: ${login.statusCode} ${login.body}`);
  }
  return { ...user, tenantId, auth: { authorization: `Bearer ${login.json().accessToken as string}` } };
}

/** PHI of a fictitious patient, in the forms a client might send. */
export const PATIENT = {
  ssn: '123-45-6789',
  dateOfBirth: '1980-04-12',
  phone: '+1 (415) 555-0123',
  email: 'Jane.Doe@Example.com',
  name: 'Jane Doe',
  address: '1 Main Street\nSpringfield, IL 62704',
  medicalRecordNumber: 'MRN-0042-7781',
  insuranceId: 'INS 99887766',
};

/** Pieces of PATIENT, raw and canonical, that must never appear in a stored row, log line or audit event. */
export const PATIENT_FRAGMENTS = [
  '123-45-6789',
  '123456789',
  '1980-04-12',
  '4155550123',
  'jane.doe',
  'Jane Doe',
  'Main Street',
  'Springfield',
  'MRN0042',
  '99887766',
];

/** Returns the fragments found in `text`, for an assertion that lists what leaked. */
export function leakedFragments(text: string, fragments: readonly string[] = PATIENT_FRAGMENTS): string[] {
  const lower = text.toLowerCase();
  return fragments.filter((fragment) => lower.includes(fragment.toLowerCase()));
}

/** Returns every row of a table as one JSON text, for scanning it for plaintext. */
export async function dumpTable(db: Database, table: string): Promise<string> {
  const { rows } = await db.query(`SELECT * FROM ${table}`);
  return JSON.stringify(rows);
}
