import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '@skillancer/database';
import { FilesystemObjectStore, type ObjectStore } from '@skillancer/object-storage';
import { createAccessTokenVerifier, type ServiceApp } from '@skillancer/service-kit';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { buildCockpitApp, type CockpitAppDependencies, FILESYSTEM_DOWNLOAD_PREFIX } from '../src/app.js';

const ISSUER = 'skillancer-auth-test';
const keys = generateKeyPair('EdDSA', { crv: 'Ed25519' });

/** A tenant row with a user that can call the API: use `auth` as request headers. */
export interface TestTenant {
  tenantId: string;
  name: string;
  auth: { authorization: string };
}

/** Inserts a tenant and signs an access token for a member of it, as auth-svc would. */
export async function createTenant(
  db: Database,
  name = `Studio ${randomUUID().slice(0, 8)}`,
): Promise<TestTenant> {
  const tenantId = randomUUID();
  await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, $2, 'personal')", [tenantId, name]);
  const { privateKey } = await keys;
  const token = await new SignJWT({ tid: tenantId, role: 'member', sid: randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'test' })
    .setSubject(randomUUID())
    .setIssuer(ISSUER)
    .setAudience('skillancer')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  return { tenantId, name, auth: { authorization: `Bearer ${token}` } };
}

export interface TestCockpit {
  app: ServiceApp;
  /** The invoices bucket: `overrides.invoiceStore`, or a filesystem store in a temporary directory. */
  store: ObjectStore;
  /** Origin the download URLs point at; `listen()` starts the app there. */
  origin: string;
  listen: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Builds cockpit-svc on a filesystem invoices bucket in a temporary directory, unless
 * `overrides.invoiceStore` names another bucket. Filesystem download URLs are signed for a free port
 * on 127.0.0.1, and `listen()` binds the app to it, so tests can fetch them. `close()` also closes
 * the store.
 */
export async function buildTestCockpit(
  db: Database,
  overrides: Partial<CockpitAppDependencies> = {},
): Promise<TestCockpit> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let rootDir: string | undefined;
  let store = overrides.invoiceStore;
  if (store === undefined) {
    rootDir = await mkdtemp(path.join(tmpdir(), 'cockpit-test-'));
    store = new FilesystemObjectStore({
      rootDir,
      bucket: 'skillancer-invoices',
      presign: {
        secret: 'a test secret of at least thirty-two bytes',
        baseUrl: `${origin}${FILESYSTEM_DOWNLOAD_PREFIX}`,
      },
    });
  }
  const { publicKey } = await keys;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: 'EdDSA' };
  const app = await buildCockpitApp({
    db,
    invoiceStore: store,
    verifyAccessToken: createAccessTokenVerifier({
      keys: createLocalJWKSet({ keys: [jwk] }),
      issuer: ISSUER,
    }),
    logLevel: 'silent',
    ...overrides,
  });
  await app.ready();
  return {
    app,
    store,
    origin,
    listen: async () => {
      await app.listen({ host: '127.0.0.1', port });
    },
    close: async () => {
      await app.close();
      await store.close();
      if (rootDir !== undefined) await rm(rootDir, { recursive: true, force: true });
    },
  };
}

/** Asks the kernel for a free port on 127.0.0.1 and releases it for the caller to bind. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('The probe server has no port'));
      });
    });
  });
}

/** Returns a valid draft body with the given fields replaced. */
export function draftBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client: { name: 'Zoë Müller', email: 'zoe@example.com', address: 'Hauptstraße 1\n10115 Berlin' },
    items: [
      { description: 'Design workshop', quantity: '2', unitPriceMinor: 45_000 },
      { description: 'Travel', quantity: '1.5', unitPriceMinor: 1999 },
    ],
    currency: 'EUR',
    taxRateBps: 1900,
    issueDate: '2026-03-02',
    dueDate: '2026-03-16',
    notes: 'Payable by bank transfer.',
    locale: 'de-DE',
    ...overrides,
  };
}

/** Extracts the text of a PDF with poppler's pdftotext in layout mode; pages are separated by form feeds. */
export async function pdfText(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'pdftotext',
      ['-layout', '-enc', 'UTF-8', '-', '-'],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error)
          reject(new Error(`pdftotext failed (install poppler-utils): ${error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
    child.stdin?.end(pdf);
  });
}

/** A word as pdftotext -bbox reports it: the glyphs in painted order, left to right, and its box. */
export interface PdfWord {
  text: string;
  xMin: number;
  yMin: number;
}

/** Lists the words of a PDF with their positions, in painted order, from poppler's pdftotext -bbox. */
export async function pdfWords(pdf: Buffer): Promise<PdfWord[]> {
  const html = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      'pdftotext',
      ['-bbox', '-enc', 'UTF-8', '-', '-'],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error)
          reject(new Error(`pdftotext failed (install poppler-utils): ${error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
    child.stdin?.end(pdf);
  });
  const words: PdfWord[] = [];
  for (const match of html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<\/word>/g)) {
    words.push({ xMin: Number(match[1]), yMin: Number(match[2]), text: match[3] ?? '' });
  }
  return words;
}
