import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createObjectStore,
  FilesystemObjectStore,
  FilesystemPresigner,
  isObjectStorageError,
  registerFilesystemObjectRoutes,
} from '../src/index.js';
import { failingStream, PRESIGN_SECRET, readAll } from './support.js';

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('filesystem driver on disk', () => {
  let parent: string;
  let rootDir: string;
  let store: FilesystemObjectStore;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'fs-driver-'));
    rootDir = path.join(parent, 'root');
    store = new FilesystemObjectStore({ rootDir, bucket: 'uploads' });
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('keeps every file inside the bucket directory', async () => {
    for (const key of ['../outside', '../../outside', 'a/../../outside', '/tmp/outside', 'a\\..\\outside']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toMatchObject({ code: 'invalid_key' });
    }
    await store.put('tenant/a/b.txt', Buffer.from('inside'));
    const files = await listFiles(parent);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((file) => file.startsWith(path.join(rootDir, 'uploads') + path.sep))).toBe(true);
  });

  it('stores headers in a JSON sidecar', async () => {
    await store.put('tenant/a/b.txt', Buffer.from('inside'), {
      contentType: 'text/plain',
      metadata: { sha256: 'abc' },
    });
    const sidecar = JSON.parse(
      await readFile(path.join(rootDir, 'uploads', 'keys', 'd_tenant', 'd_a', 'm_b.txt'), 'utf8'),
    );
    expect(sidecar).toMatchObject({
      key: 'tenant/a/b.txt',
      size: 6,
      contentType: 'text/plain',
      metadata: { sha256: 'abc' },
    });
    const blob = await readFile(
      path.join(rootDir, 'uploads', 'blobs', sidecar.blobId.slice(0, 2), sidecar.blobId),
    );
    expect(blob.toString()).toBe('inside');
  });

  it('stores a key and keys below it', async () => {
    await store.put('a', Buffer.from('file'));
    await store.put('a/b', Buffer.from('nested'));
    expect((await readAll((await store.get('a')).body)).toString()).toBe('file');
    expect((await readAll((await store.get('a/b')).body)).toString()).toBe('nested');
  });

  it('leaves no temporary or orphan files after failures', async () => {
    await store.put('kept', Buffer.from('original'));
    await expect(store.put('kept', failingStream(200_000))).rejects.toMatchObject({ code: 'upload_failed' });
    await expect(store.put('kept', Buffer.from('x'), { ifNoneMatch: '*' })).rejects.toMatchObject({
      code: 'precondition_failed',
    });
    expect(await listFiles(path.join(rootDir, 'uploads', 'tmp'))).toEqual([]);
    expect(await listFiles(path.join(rootDir, 'uploads', 'blobs'))).toHaveLength(1);
    expect((await readAll((await store.get('kept')).body)).toString()).toBe('original');
  });

  it('removes replaced blobs and empty directories', async () => {
    await store.put('deep/er/key', Buffer.from('one'));
    await store.put('deep/er/key', Buffer.from('two'));
    expect(await listFiles(path.join(rootDir, 'uploads', 'blobs'))).toHaveLength(1);
    await store.delete('deep/er/key');
    expect(await listFiles(path.join(rootDir, 'uploads', 'blobs'))).toHaveLength(0);
    await expect(stat(path.join(rootDir, 'uploads', 'keys', 'd_deep'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('serves readers during concurrent overwrites', async () => {
    await store.put('busy', Buffer.alloc(100_000, 1));
    const writes = Array.from({ length: 10 }, (_, index) =>
      store.put('busy', Buffer.alloc(100_000, index + 2)),
    );
    const reads = Array.from({ length: 10 }, async () => {
      const object = await store.get('busy');
      const bytes = await readAll(object.body);
      expect(bytes.length).toBe(100_000);
      expect(new Set(bytes).size).toBe(1);
    });
    await Promise.all([...writes, ...reads]);
  });

  it('rejects key segments too long for a file name', async () => {
    await expect(store.put(`tenant/${'x'.repeat(254)}`, Buffer.from('x'))).rejects.toMatchObject({
      code: 'invalid_key',
    });
  });

  it('needs a presigner for presigned URLs', async () => {
    const error = await store
      .presignedGetUrl('k', { expiresInSeconds: 60 })
      .catch((caught: unknown) => caught);
    expect(isObjectStorageError(error, 'not_supported')).toBe(true);
  });

  it('returns CDN URLs when configured', async () => {
    const cdn = createObjectStore({
      driver: 'filesystem',
      rootDir,
      bucket: 'uploads',
      cdnUrl: 'https://cdn.example.com',
    });
    expect(await cdn.readUrl('tenant/ä.webp', { expiresInSeconds: 60 })).toBe(
      'https://cdn.example.com/tenant/%C3%A4.webp',
    );
  });
});

describe('filesystem presigner', () => {
  let clock = 1_000_000;
  const presigner = new FilesystemPresigner({
    secret: PRESIGN_SECRET,
    baseUrl: 'https://api.example.com/files',
    now: () => clock,
  });

  function incoming(url: string, method: string, headers: Record<string, string> = {}) {
    const parsed = new URL(url);
    return {
      method,
      bucket: 'uploads',
      key: decodeURIComponent(parsed.pathname.slice('/files/'.length)),
      query: Object.fromEntries(parsed.searchParams),
      headers,
    };
  }

  it('verifies its own URLs', () => {
    const signed = presigner.sign({
      method: 'PUT',
      bucket: 'uploads',
      key: 'tenant/a b.png',
      expiresInSeconds: 60,
      headers: { 'content-type': 'image/png', 'content-length': '10' },
    });
    expect(signed.url.startsWith('https://api.example.com/files/tenant/a%20b.png?')).toBe(true);
    expect(presigner.verify(incoming(signed.url, 'PUT', signed.headers))).toEqual(signed.headers);
  });

  it('rejects changed requests', () => {
    const signed = presigner.sign({
      method: 'PUT',
      bucket: 'uploads',
      key: 'k',
      expiresInSeconds: 60,
      headers: { 'content-type': 'image/png' },
    });
    const cases = [
      incoming(signed.url, 'PUT', { 'content-type': 'text/html' }),
      incoming(signed.url, 'GET', signed.headers),
      { ...incoming(signed.url, 'PUT', signed.headers), key: 'other' },
      { ...incoming(signed.url, 'PUT', signed.headers), bucket: 'assets' },
      incoming(signed.url.replace(/X-Expires=\d+/, 'X-Expires=9999999999'), 'PUT', signed.headers),
      incoming(signed.url.replace('X-Signed-Headers=content-type&', ''), 'PUT', signed.headers),
    ];
    for (const request of cases) {
      expect(() => presigner.verify(request)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
    }
  });

  it('rejects expired URLs', () => {
    const signed = presigner.sign({ method: 'GET', bucket: 'uploads', key: 'k', expiresInSeconds: 60 });
    clock += 60_000;
    expect(() => presigner.verify(incoming(signed.url, 'GET'))).toThrow(
      expect.objectContaining({ code: 'token_expired' }),
    );
  });

  it('rejects short secrets', () => {
    expect(() => new FilesystemPresigner({ secret: 'short', baseUrl: 'https://x.example' })).toThrow(
      /32 random bytes/,
    );
  });
});

describe('filesystem routes', () => {
  let parent: string;
  let app: FastifyInstance;
  let store: FilesystemObjectStore;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'fs-routes-'));
    const routesStore = new FilesystemObjectStore({
      rootDir: parent,
      bucket: 'uploads',
      presign: { secret: PRESIGN_SECRET, baseUrl: 'http://127.0.0.1/files' },
    });
    app = Fastify();
    app.post('/echo', async (request) => request.body);
    await registerFilesystemObjectRoutes(app, routesStore, { prefix: '/files' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    store = new FilesystemObjectStore({
      rootDir: parent,
      bucket: 'uploads',
      presign: { secret: PRESIGN_SECRET, baseUrl: `http://127.0.0.1:${port}/files` },
    });
  });

  afterEach(async () => {
    await app.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('returns errors in the platform envelope', async () => {
    await store.put('doc.pdf', Buffer.from('%PDF'), { contentType: 'application/pdf' });
    const signed = await store.presignedGetUrl('doc.pdf', { expiresInSeconds: 60 });
    const tampered = await fetch(signed.url.replace('doc.pdf', 'other.pdf'));
    expect(tampered.status).toBe(403);
    const body = (await tampered.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('invalid_token');
    expect(body.error.requestId).toBeTruthy();
  });

  it('serves ranges and object headers', async () => {
    await store.put('doc.pdf', Buffer.from('0123456789'), {
      contentType: 'application/pdf',
      contentDisposition: 'attachment; filename="invoice.pdf"',
    });
    const signed = await store.presignedGetUrl('doc.pdf', { expiresInSeconds: 60 });
    const response = await fetch(signed.url, { headers: { range: 'bytes=2-5' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="invoice.pdf"');
    expect(await response.text()).toBe('2345');
  });

  it('keeps the app JSON parser outside its scope', async () => {
    const response = await fetch(`${app.listeningOrigin}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    });
    expect(await response.json()).toEqual({ ok: true });
  });

  it('requires a length within the limit', async () => {
    const limited = Fastify();
    await registerFilesystemObjectRoutes(limited, store, { prefix: '/limited', maxUploadBytes: 10 });
    await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const upload = await store.presignedPutUrl('limited.bin', {
        expiresInSeconds: 60,
        contentType: 'text/plain',
      });
      const url = upload.url.replace('/files/', '/limited/');
      const port = (limited.server.address() as AddressInfo).port;
      const target = url.replace(/:\d+\//, `:${port}/`);
      const tooLarge = await fetch(target, { method: 'PUT', headers: upload.headers, body: 'eleven byte' });
      expect(tooLarge.status).toBe(413);
      const chunked = await fetch(target, {
        method: 'PUT',
        headers: upload.headers,
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('short'));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(411);
      const fits = await fetch(target, { method: 'PUT', headers: upload.headers, body: 'ten bytes!' });
      expect(fits.status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('streams large uploads to disk', async () => {
    const upload = await store.presignedPutUrl('big.bin', {
      expiresInSeconds: 60,
      contentType: 'application/octet-stream',
    });
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await store.head('big.bin'))?.size).toBe(body.length);
  });
});
