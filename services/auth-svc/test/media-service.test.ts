import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Environment, loadConfig } from '@skillancer/config';
import { ServiceMetrics } from '@skillancer/service-kit';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import ExifReader from 'exifreader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../src/server.js';
import { readPhoto } from './fixtures/media-harness.js';

const BUCKET = 'skillancer-uploads';
/** One key for every service start, because services that share a database must share its master key. */
const MASTER_KEY = Buffer.alloc(32, 11);

type Variant = { url: string; width: number; height: number };
type Avatar = { variants: Record<string, Variant>; urlsExpireAt: string | null };

/** A port that was free a moment ago, for a configuration that must name its port in advance. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** auth-svc started from environment variables, listening on 127.0.0.1. */
async function startService(db: TestDatabase, env: Environment) {
  const port = await freePort();
  const config = loadConfig({ LOG_LEVEL: 'silent', AUTH_PORT: String(port), ...env }, tmpdir());
  const metrics = new ServiceMetrics('auth-svc');
  const service = await createAuthService({ config, db, masterKey: MASTER_KEY, metrics, listenPort: port });
  await service.app.listen({ host: '127.0.0.1', port });
  return { ...service, baseUrl: `http://127.0.0.1:${port}`, metrics };
}

async function registerOverHttp(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `media-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      displayName: 'Media Tester',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Uploads the fixture photo the way a browser does, with fetch's own multipart encoding. */
async function uploadPhoto(baseUrl: string, token: string) {
  const form = new FormData();
  form.append('file', new Blob([await readPhoto()], { type: 'image/jpeg' }), 'IMG_0042.JPG');
  const response = await fetch(`${baseUrl}/profile/avatar`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as { avatar: Avatar } };
}

/** Fetches every variant over HTTP and checks that it is a WebP image without EXIF or GPS. */
async function expectCleanVariants(variants: Record<string, Variant>) {
  expect(Object.keys(variants).sort()).toEqual(['128', '256', '512', '64', 'original']);
  for (const [name, variant] of Object.entries(variants)) {
    expect(variant.url.startsWith('http://127.0.0.1:'), name).toBe(true);
    const response = await fetch(variant.url);
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status, name).toBe(200);
    expect(response.headers.get('content-type'), name).toBe('image/webp');
    const metadata = await sharp(body).metadata();
    expect([metadata.width, metadata.height], name).toEqual([variant.width, variant.height]);
    expect(metadata.exif, name).toBeUndefined();
    expect(ExifReader.load(body, { expanded: true }).gps, name).toBeUndefined();
  }
}

describe('auth-svc media on embedded defaults', () => {
  let db: TestDatabase;
  let dataDir: string;
  let service: Awaited<ReturnType<typeof startService>>;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-media-data-'));
    service = await startService(db, { DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await service?.close();
    await db?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves a GPS-free avatar from the filesystem', async () => {
    const token = await registerOverHttp(service.baseUrl);
    const upload = await uploadPhoto(service.baseUrl, token);

    expect(upload.status).toBe(200);
    const avatar = upload.body.avatar;
    expect(avatar.variants.original?.url.startsWith(`${service.baseUrl}/files/uploads/tenant/`)).toBe(true);
    await expectCleanVariants(avatar.variants);
  });

  it('reports the uploads bucket as ready', async () => {
    const response = await fetch(`${service.baseUrl}/health/ready`);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { checks: Record<string, string> }).checks['uploads-bucket']).toBe(
      'ok',
    );
  });
});

describe('auth-svc media on the local S3 peer', () => {
  let db: TestDatabase;
  let peer: S3Peer;
  let s3Env: Environment;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    peer = await startS3Peer({ profile: 'r2', buckets: [BUCKET] });
    s3Env = {
      S3_ENDPOINT: peer.endpoint,
      S3_REGION: peer.region,
      S3_ACCESS_KEY_ID: peer.accessKeyId,
      S3_SECRET_ACCESS_KEY: peer.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_BUCKET_UPLOADS: BUCKET,
    };
  });

  afterAll(async () => {
    await peer?.close();
    await db?.close();
  });

  it('serves a GPS-free avatar from presigned URLs', async () => {
    const service = await startService(db, s3Env);
    try {
      const token = await registerOverHttp(service.baseUrl);
      const upload = await uploadPhoto(service.baseUrl, token);

      expect(upload.status).toBe(200);
      const avatar = upload.body.avatar;
      expect(avatar.variants['64']?.url.startsWith(`${peer.endpoint}/${BUCKET}/tenant/`)).toBe(true);
      await expectCleanVariants(avatar.variants);
      expect(peer.listKeys(BUCKET).filter((key) => key.endsWith('.webp'))).toHaveLength(5);

      const metrics = await service.metrics.registry.metrics();
      expect(metrics).toMatch(/dependency_calls_total\{[^}]*dependency="object-store"[^}]*operation="put"/);
    } finally {
      await service.close();
    }
  });

  it('links variants through S3_CDN_URL when it is set', async () => {
    const service = await startService(db, { ...s3Env, S3_CDN_URL: 'https://media.skillancer.test/' });
    try {
      const token = await registerOverHttp(service.baseUrl);
      const upload = await uploadPhoto(service.baseUrl, token);
      const avatar = upload.body.avatar;

      expect(upload.status).toBe(200);
      expect(avatar.urlsExpireAt).toBeNull();
      for (const variant of Object.values(avatar.variants)) {
        expect(variant.url).toMatch(/^https:\/\/media\.skillancer\.test\/tenant\/[0-9a-f-]{36}\/user\//);
      }
    } finally {
      await service.close();
    }
  });

  it('is not ready while the uploads bucket is missing', async () => {
    const service = await startService(db, { ...s3Env, S3_BUCKET_UPLOADS: 'skillancer-missing' });
    try {
      const response = await fetch(`${service.baseUrl}/health/ready`);
      const body = (await response.json()) as { checks: Record<string, string> };

      expect(response.status).toBe(503);
      expect(body.checks['uploads-bucket']).toMatch(/^failed: /);
      expect(body.checks.database).toBe('ok');
    } finally {
      await service.close();
    }
  });
});
