import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadConfig, type PlatformConfig } from '@skillancer/config';
import { ServiceMetrics } from '@skillancer/service-kit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform } from '../src/commands/start.js';
import { openPlatformDatabase } from '../src/runtime/database.js';
import { createService, type ServiceName } from '../src/runtime/services.js';
import { closedPort, createDataDir, type DataDir } from './support.js';

const PHOTO = new URL('../../../services/auth-svc/test/fixtures/photo-exif-gps.jpg', import.meta.url);
/** Fixed, because every start on the same database must use the master key that wrapped its keys. */
const MASTER_KEY_HEX = 'c'.repeat(64);
const TIMEOUT_MS = 60_000;

interface Ports {
  auth: number;
  skillpod: number;
  cockpit: number;
}

async function freePorts(): Promise<Ports> {
  return { auth: await closedPort(), skillpod: await closedPort(), cockpit: await closedPort() };
}

function environment(dataDir: DataDir, ports: Ports, extra: Record<string, string> = {}) {
  return {
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir.path,
    ENCRYPTION_MASTER_KEY: MASTER_KEY_HEX,
    AUTH_PORT: String(ports.auth),
    SKILLPOD_PORT: String(ports.skillpod),
    COCKPIT_PORT: String(ports.cockpit),
    ...extra,
  };
}

async function register(authUrl: string): Promise<string> {
  const response = await fetch(`${authUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `links-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      displayName: 'Link Tester',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Uploads the fixture photo as the avatar and returns the URL of its original variant. */
async function avatarLink(authUrl: string, token: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([await readFile(PHOTO)], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`${authUrl}/profile/avatar`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { avatar: { variants: Record<string, { url: string }> } };
  const url = body.avatar.variants.original?.url;
  if (url === undefined) throw new Error('the avatar has no original variant');
  return url;
}

/** Creates an invoice, renders its PDF and returns the download URL. */
async function invoiceLink(cockpitUrl: string, token: string): Promise<string> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const today = new Date().toISOString().slice(0, 10);
  const created = await fetch(`${cockpitUrl}/finance/invoices`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      client: { name: 'Link Clinic', email: 'billing@example.com', address: 'Main Street 1' },
      items: [{ description: 'Review', quantity: '1', unitPriceMinor: 10_000 }],
      currency: 'EUR',
      taxRateBps: 1900,
      issueDate: today,
      dueDate: today,
      locale: 'en-GB',
    }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };

  const auth = { authorization: `Bearer ${token}` };
  const rendered = await fetch(`${cockpitUrl}/finance/invoices/${id}/pdf`, { method: 'POST', headers: auth });
  expect(rendered.status).toBe(200);
  const link = await fetch(`${cockpitUrl}/finance/invoices/${id}/pdf`, { headers: auth });
  expect(link.status).toBe(200);
  return ((await link.json()) as { url: string }).url;
}

async function expectDownload(url: string, contentType: string): Promise<void> {
  const response = await fetch(url);

  expect(response.status, url).toBe(200);
  expect(response.headers.get('content-type'), url).toBe(contentType);
}

describe('download links of the filesystem driver', () => {
  let dataDir: DataDir;

  beforeAll(async () => {
    dataDir = await createDataDir();
  });

  afterAll(async () => {
    await dataDir?.remove();
  });

  it(
    'name the service ports when PORT is set for all services',
    async () => {
      const ports = await freePorts();
      const config = loadConfig(environment(dataDir, ports, { PORT: String(await closedPort()) }));
      const platform = await startPlatform(config, undefined, {
        installSignalHandlers: false,
        printBanner: false,
      });
      try {
        const authUrl = `http://127.0.0.1:${ports.auth}`;
        const cockpitUrl = `http://127.0.0.1:${ports.cockpit}`;
        const token = await register(authUrl);
        const avatar = await avatarLink(authUrl, token);
        const invoice = await invoiceLink(cockpitUrl, token);

        expect(avatar.startsWith(`${authUrl}/files/uploads/`), avatar).toBe(true);
        expect(invoice.startsWith(`${cockpitUrl}/files/invoices/`), invoice).toBe(true);
        await expectDownload(avatar, 'image/webp');
        await expectDownload(invoice, 'application/pdf');
      } finally {
        await platform.stop();
      }
    },
    TIMEOUT_MS,
  );

  it(
    'name PORT for auth-svc started alone',
    async () => {
      const port = await closedPort();
      const config = loadConfig(environment(dataDir, await freePorts(), { PORT: String(port) }));
      const platform = await startPlatform(config, ['auth-svc'], {
        installSignalHandlers: false,
        printBanner: false,
      });
      try {
        const authUrl = `http://127.0.0.1:${port}`;
        const avatar = await avatarLink(authUrl, await register(authUrl));

        expect(avatar.startsWith(`${authUrl}/files/uploads/`), avatar).toBe(true);
        await expectDownload(avatar, 'image/webp');
      } finally {
        await platform.stop();
      }
    },
    TIMEOUT_MS,
  );

  it(
    'name 127.0.0.1 in both services for a wildcard HOST',
    async () => {
      for (const host of ['0.0.0.0', '::']) {
        const ports = await freePorts();
        // The configuration names the wildcard, but the services listen on 127.0.0.1 only, so the
        // test opens no port on other interfaces.
        const config = loadConfig(environment(dataDir, ports, { HOST: host }));
        const services = await startOnLoopback(config, ports);
        try {
          const authUrl = `http://127.0.0.1:${ports.auth}`;
          const cockpitUrl = `http://127.0.0.1:${ports.cockpit}`;
          const token = await register(authUrl);
          const avatar = await avatarLink(authUrl, token);
          const invoice = await invoiceLink(cockpitUrl, token);

          expect(avatar.startsWith(`${authUrl}/files/uploads/`), `${host}: ${avatar}`).toBe(true);
          expect(invoice.startsWith(`${cockpitUrl}/files/invoices/`), `${host}: ${invoice}`).toBe(true);
        } finally {
          await services.stop();
        }
      }
    },
    TIMEOUT_MS,
  );

  it(
    'use AUTH_PUBLIC_URL and COCKPIT_PUBLIC_URL when set',
    async () => {
      const ports = await freePorts();
      const config = loadConfig(
        environment(dataDir, ports, {
          AUTH_PUBLIC_URL: 'https://dev.skillancer.test/auth-svc/',
          COCKPIT_PUBLIC_URL: 'https://dev.skillancer.test:8443',
        }),
      );
      const platform = await startPlatform(config, undefined, {
        installSignalHandlers: false,
        printBanner: false,
      });
      try {
        const authUrl = `http://127.0.0.1:${ports.auth}`;
        const cockpitUrl = `http://127.0.0.1:${ports.cockpit}`;
        const token = await register(authUrl);
        const avatar = new URL(await avatarLink(authUrl, token));
        const invoice = new URL(await invoiceLink(cockpitUrl, token));

        expect(avatar.origin).toBe('https://dev.skillancer.test');
        expect(avatar.pathname.startsWith('/auth-svc/files/uploads/'), avatar.pathname).toBe(true);
        expect(invoice.origin).toBe('https://dev.skillancer.test:8443');
        expect(invoice.pathname.startsWith('/files/invoices/'), invoice.pathname).toBe(true);
        // A proxy that strips its path prefix and forwards to the service gets a valid signature.
        const forwarded = avatar.pathname.slice('/auth-svc'.length);
        await expectDownload(`${authUrl}${forwarded}${avatar.search}`, 'image/webp');
        await expectDownload(`${cockpitUrl}${invoice.pathname}${invoice.search}`, 'application/pdf');
      } finally {
        await platform.stop();
      }
    },
    TIMEOUT_MS,
  );
});

/**
 * Starts auth-svc and cockpit-svc on 127.0.0.1 at their configured ports, whatever the value of
 * `HOST`, the way `startPlatform` would start them on `HOST`.
 */
async function startOnLoopback(config: PlatformConfig, ports: Ports): Promise<{ stop: () => Promise<void> }> {
  const db = await openPlatformDatabase(config, pino({ level: 'silent' }));
  const masterKey = Buffer.from(MASTER_KEY_HEX, 'hex');
  const started: Array<{ close: () => Promise<void> }> = [];
  const listed: Array<[ServiceName, number]> = [
    ['auth-svc', ports.auth],
    ['cockpit-svc', ports.cockpit],
  ];
  try {
    for (const [name, port] of listed) {
      const metrics = new ServiceMetrics(name);
      const service = await createService(name, { config, db, masterKey, metrics, listenPort: port });
      started.push(service);
      await service.app.listen({ host: '127.0.0.1', port });
    }
  } catch (error) {
    for (const service of started.reverse()) await service.close();
    await db.close();
    throw error;
  }
  return {
    stop: async () => {
      for (const service of started.reverse()) await service.close();
      await db.close();
    },
  };
}
