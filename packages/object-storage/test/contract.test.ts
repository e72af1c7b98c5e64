import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObjectStorageError, type ObjectStorageErrorCode } from '../src/index.js';
import {
  failingStream,
  filesystemFixture,
  MIB,
  patternBytes,
  patternStream,
  readAll,
  type StoreFixture,
  s3Fixture,
} from './support.js';

async function expectCode(promise: Promise<unknown>, code: ObjectStorageErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isObjectStorageError(error), `expected an ObjectStorageError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

const fixtures: Array<[string, () => Promise<StoreFixture>]> = [
  ['filesystem', filesystemFixture],
  ['s3 on a strict R2 peer', () => s3Fixture()],
  ['s3 on an AWS peer', () => s3Fixture({ profile: 'aws' })],
];

describe.each(fixtures)('ObjectStore contract: %s', (_name, createFixture) => {
  let fixture: StoreFixture;

  beforeAll(async () => {
    fixture = await createFixture();
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('round-trips a buffer with headers', async () => {
    const { store } = fixture;
    const written = await store.put('tenant/t1/buffer.txt', Buffer.from('hello world'), {
      contentType: 'text/plain; charset=utf-8',
      contentDisposition: 'attachment; filename="hello.txt"',
      cacheControl: 'private, max-age=60',
      metadata: { 'uploaded-by': 'user-1', sha256: 'abc' },
    });
    expect(written.size).toBe(11);
    const object = await store.get('tenant/t1/buffer.txt');
    expect((await readAll(object.body)).toString()).toBe('hello world');
    expect(object.contentType).toBe('text/plain; charset=utf-8');
    expect(object.contentDisposition).toBe('attachment; filename="hello.txt"');
    expect(object.cacheControl).toBe('private, max-age=60');
    expect(object.metadata).toEqual({ 'uploaded-by': 'user-1', sha256: 'abc' });
    expect(object.etag).toBe(written.etag);
    expect(object.size).toBe(11);
    const head = await store.head('tenant/t1/buffer.txt');
    expect(head).toMatchObject({ size: 11, etag: written.etag, contentType: 'text/plain; charset=utf-8' });
    expect(head?.lastModified).toBeInstanceOf(Date);
  });

  it('round-trips a large stream of unknown length', async () => {
    const size = 11 * MIB + 12_345;
    const progress: number[] = [];
    const written = await fixture.store.put('tenant/t1/large.bin', patternStream(size), {
      contentType: 'application/octet-stream',
      onProgress: ({ bytes }) => progress.push(bytes),
    });
    expect(written.size).toBe(size);
    expect(progress.at(-1)).toBe(size);
    const object = await fixture.store.get('tenant/t1/large.bin');
    const digest = createHash('sha256')
      .update(await readAll(object.body))
      .digest('hex');
    expect(digest).toBe(createHash('sha256').update(patternBytes(size)).digest('hex'));
    expect((await fixture.store.head('tenant/t1/large.bin'))?.etag).toBe(written.etag);
  });

  it('stores an empty object', async () => {
    await fixture.store.put('tenant/t1/empty', Buffer.alloc(0));
    const object = await fixture.store.get('tenant/t1/empty');
    expect((await readAll(object.body)).length).toBe(0);
    expect(object.size).toBe(0);
    expect(object.contentType).toBe('application/octet-stream');
  });

  it('reports missing objects', async () => {
    expect(await fixture.store.head('tenant/t1/missing')).toBeNull();
    await expectCode(fixture.store.get('tenant/t1/missing'), 'not_found');
    await expectCode(fixture.store.copy('tenant/t1/missing', 'tenant/t1/copy'), 'not_found');
  });

  it('reads byte ranges', async () => {
    await fixture.store.put('tenant/t1/digits', Buffer.from('0123456789'));
    const middle = await fixture.store.get('tenant/t1/digits', { range: { start: 2, end: 4 } });
    expect((await readAll(middle.body)).toString()).toBe('234');
    expect(middle.range).toEqual({ start: 2, end: 4 });
    expect(middle.contentLength).toBe(3);
    expect(middle.size).toBe(10);
    const tail = await fixture.store.get('tenant/t1/digits', { range: { start: 7 } });
    expect((await readAll(tail.body)).toString()).toBe('789');
    const suffix = await fixture.store.get('tenant/t1/digits', { range: { suffixLength: 4 } });
    expect((await readAll(suffix.body)).toString()).toBe('6789');
    const clamped = await fixture.store.get('tenant/t1/digits', { range: { start: 8, end: 100 } });
    expect((await readAll(clamped.body)).toString()).toBe('89');
    await expectCode(fixture.store.get('tenant/t1/digits', { range: { start: 10 } }), 'invalid_range');
    await expectCode(fixture.store.get('tenant/t1/digits', { range: { start: 5, end: 2 } }), 'invalid_range');
  });

  it('reads a range across multipart parts', async () => {
    const object = await fixture.store.get('tenant/t1/large.bin', {
      range: { start: 5 * MIB - 2, end: 5 * MIB + 1 },
    });
    expect(await readAll(object.body)).toEqual(patternBytes(5 * MIB + 2).subarray(5 * MIB - 2));
  });

  it('enforces conditional reads and writes', async () => {
    const first = await fixture.store.put('tenant/t1/conditional', Buffer.from('v1'), { ifNoneMatch: '*' });
    await expectCode(
      fixture.store.put('tenant/t1/conditional', Buffer.from('v2'), { ifNoneMatch: '*' }),
      'precondition_failed',
    );
    await expectCode(
      fixture.store.put('tenant/t1/conditional', Buffer.from('v2'), { ifMatch: 'not-the-etag' }),
      'precondition_failed',
    );
    await expectCode(
      fixture.store.put('tenant/t1/never-written', Buffer.from('v1'), { ifMatch: first.etag }),
      'precondition_failed',
    );
    expect(await fixture.store.head('tenant/t1/never-written')).toBeNull();
    const second = await fixture.store.put('tenant/t1/conditional', Buffer.from('v2'), {
      ifMatch: first.etag,
    });
    await expectCode(
      fixture.store.get('tenant/t1/conditional', { ifMatch: first.etag }),
      'precondition_failed',
    );
    const current = await fixture.store.get('tenant/t1/conditional', { ifMatch: second.etag });
    expect((await readAll(current.body)).toString()).toBe('v2');
  });

  it('replaces content and headers on overwrite', async () => {
    await fixture.store.put('tenant/t1/replaced', Buffer.from('old'), {
      contentType: 'text/plain',
      metadata: { a: '1' },
    });
    await fixture.store.put('tenant/t1/replaced', Buffer.from('new!'), { contentType: 'image/png' });
    const head = await fixture.store.head('tenant/t1/replaced');
    expect(head).toMatchObject({ size: 4, contentType: 'image/png', metadata: {} });
  });

  it('deletes idempotently', async () => {
    await fixture.store.put('tenant/t1/deleted', Buffer.from('x'));
    await fixture.store.delete('tenant/t1/deleted');
    expect(await fixture.store.head('tenant/t1/deleted')).toBeNull();
    await expect(fixture.store.delete('tenant/t1/deleted')).resolves.toBeUndefined();
  });

  it('deletes many keys and reports invalid ones', async () => {
    await fixture.store.put('tenant/t2/a', Buffer.from('a'));
    await fixture.store.put('tenant/t2/b', Buffer.from('b'));
    const result = await fixture.store.deleteMany([
      'tenant/t2/a',
      'tenant/t2/b',
      'tenant/t2/never',
      '../escape',
    ]);
    expect(result.deleted).toEqual(['tenant/t2/a', 'tenant/t2/b', 'tenant/t2/never']);
    expect(result.failed).toMatchObject([{ key: '../escape', code: 'invalid_key' }]);
    expect(await fixture.store.head('tenant/t2/a')).toBeNull();
  });

  it('lists every page in byte order', async () => {
    const keys = [
      'list/a',
      'list/a-b',
      'list/a/c',
      'list/a/d/e',
      'list/b',
      'list/b\u00e9',
      'list/c/1',
      'listing-other',
    ];
    for (const key of [...keys].reverse()) {
      await fixture.store.put(key, Buffer.from(key));
    }
    const listed: string[] = [];
    for await (const entry of fixture.store.list('list/', { pageSize: 2 })) {
      listed.push(entry.key);
      expect(entry.size).toBe(Buffer.byteLength(entry.key));
    }
    expect(listed).toEqual([
      'list/a',
      'list/a-b',
      'list/a/c',
      'list/a/d/e',
      'list/b',
      'list/b\u00e9',
      'list/c/1',
    ]);
    const partial: string[] = [];
    for await (const entry of fixture.store.list('list/a')) {
      partial.push(entry.key);
    }
    expect(partial).toEqual(['list/a', 'list/a-b', 'list/a/c', 'list/a/d/e']);

    const after: string[] = [];
    for await (const entry of fixture.store.list('list/', { startAfter: 'list/a/d/e' })) {
      after.push(entry.key);
    }
    expect(after).toEqual(['list/b', 'list/b\u00e9', 'list/c/1']);

    const none: string[] = [];
    for await (const entry of fixture.store.list('nothing-here/')) {
      none.push(entry.key);
    }
    expect(none).toEqual([]);
  });

  it('copies with or without new headers', async () => {
    const source = await fixture.store.put('tenant/t3/source', Buffer.from('copy me'), {
      contentType: 'text/plain',
      metadata: { origin: 'source' },
    });
    const copied = await fixture.store.copy('tenant/t3/source', 'tenant/t3/copy');
    expect(copied.key).toBe('tenant/t3/copy');
    expect(await fixture.store.head('tenant/t3/copy')).toMatchObject({
      contentType: 'text/plain',
      metadata: { origin: 'source' },
    });
    await fixture.store.copy('tenant/t3/source', 'tenant/t3/replaced', {
      metadataDirective: 'replace',
      contentType: 'application/json',
      metadata: { origin: 'replaced' },
    });
    const replaced = await fixture.store.get('tenant/t3/replaced');
    expect((await readAll(replaced.body)).toString()).toBe('copy me');
    expect(replaced).toMatchObject({ contentType: 'application/json', metadata: { origin: 'replaced' } });
    await expectCode(
      fixture.store.copy('tenant/t3/source', 'tenant/t3/guarded', { ifSourceMatch: 'other' }),
      'precondition_failed',
    );
    await fixture.store.copy('tenant/t3/source', 'tenant/t3/guarded', { ifSourceMatch: source.etag });
    await fixture.store.delete('tenant/t3/source');
    const survivor = await fixture.store.get('tenant/t3/copy');
    expect((await readAll(survivor.body)).toString()).toBe('copy me');
  });

  it('normalizes keys to NFC', async () => {
    await fixture.store.put('tenant/t4/cafe\u0301', Buffer.from('nfc'));
    const object = await fixture.store.get('tenant/t4/caf\u00e9');
    expect((await readAll(object.body)).toString()).toBe('nfc');
    const listed: string[] = [];
    for await (const entry of fixture.store.list('tenant/t4/')) {
      listed.push(entry.key);
    }
    expect(listed).toEqual(['tenant/t4/caf\u00e9']);
  });

  it('rejects unsafe keys', async () => {
    for (const key of [
      '',
      '../etc/passwd',
      'a/../../b',
      '/absolute',
      'back\\slash',
      'nul\u0000byte',
      'a//b',
      'a/./b',
      'dir/',
    ]) {
      await expectCode(fixture.store.put(key, Buffer.from('x')), 'invalid_key');
      await expectCode(fixture.store.head(key), 'invalid_key');
    }
    await expectCode(fixture.store.put('x'.repeat(1025), Buffer.from('x')), 'invalid_key');
  });

  it('rejects unportable metadata', async () => {
    await expectCode(
      fixture.store.put('tenant/t5/m', Buffer.from('x'), { metadata: { Upper: 'x' } }),
      'invalid_metadata',
    );
    await expectCode(
      fixture.store.put('tenant/t5/m', Buffer.from('x'), { metadata: { name: 'caf\u00e9' } }),
      'invalid_metadata',
    );
    await expectCode(
      fixture.store.put('tenant/t5/m', Buffer.from('x'), { contentType: 'not a type' }),
      'invalid_metadata',
    );
    await expectCode(
      fixture.store.put('tenant/t5/m', Buffer.from('x'), { metadata: { big: 'x'.repeat(3000) } }),
      'invalid_metadata',
    );
    expect(await fixture.store.head('tenant/t5/m')).toBeNull();
  });

  it('rejects a wrong declared length and keeps the old object', async () => {
    await fixture.store.put('tenant/t6/length', Buffer.from('original'));
    await expectCode(
      fixture.store.put('tenant/t6/length', patternStream(1000), { contentLength: 999 }),
      'length_mismatch',
    );
    await expectCode(
      fixture.store.put('tenant/t6/length', patternStream(1000), { contentLength: 1001 }),
      'length_mismatch',
    );
    await expectCode(
      fixture.store.put('tenant/t6/length', Buffer.from('abc'), { contentLength: 4 }),
      'length_mismatch',
    );
    await expectCode(
      fixture.store.put('tenant/t6/new', patternStream(6 * MIB), { contentLength: 6 * MIB + 1 }),
      'length_mismatch',
    );
    const object = await fixture.store.get('tenant/t6/length');
    expect((await readAll(object.body)).toString()).toBe('original');
    expect(await fixture.store.head('tenant/t6/new')).toBeNull();
  });

  it('fails on a broken source stream and keeps the old object', async () => {
    await fixture.store.put('tenant/t7/stream', Buffer.from('original'));
    await expectCode(fixture.store.put('tenant/t7/stream', failingStream(7 * MIB)), 'upload_failed');
    await expectCode(fixture.store.put('tenant/t7/small', failingStream(1000)), 'upload_failed');
    const object = await fixture.store.get('tenant/t7/stream');
    expect((await readAll(object.body)).toString()).toBe('original');
    expect(await fixture.store.head('tenant/t7/small')).toBeNull();
  });

  it('serves presigned GET and PUT URLs', async () => {
    const upload = await fixture.store.presignedPutUrl('tenant/t8/avatar.png', {
      expiresInSeconds: 300,
      contentType: 'image/png',
      contentLength: 4,
    });
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({ 'content-type': 'image/png', 'content-length': '4' });
    expect(upload.url).not.toContain('x-amz-checksum');
    const html = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<h1>',
    });
    expect(html.status).toBe(403);
    const longer = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: 'PNG!!',
    });
    expect(longer.status).toBe(403);
    expect(await fixture.store.head('tenant/t8/avatar.png')).toBeNull();
    const stored = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'PNG!' });
    expect(stored.status).toBe(200);
    expect(await fixture.store.head('tenant/t8/avatar.png')).toMatchObject({
      size: 4,
      contentType: 'image/png',
    });

    const download = await fixture.store.presignedGetUrl('tenant/t8/avatar.png', { expiresInSeconds: 60 });
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(await response.text()).toBe('PNG!');
    const readUrl = await fixture.store.readUrl('tenant/t8/avatar.png', { expiresInSeconds: 60 });
    expect((await fetch(readUrl)).status).toBe(200);
  });

  it('rejects expired presigned URLs', async () => {
    await fixture.store.put('tenant/t8/expiring', Buffer.from('x'));
    const download = await fixture.store.presignedGetUrl('tenant/t8/expiring', { expiresInSeconds: 60 });
    fixture.advanceClock(61_000);
    try {
      expect((await fetch(download.url)).status).toBe(403);
    } finally {
      fixture.advanceClock(0);
    }
    expect((await fetch(download.url)).status).toBe(200);
    await expectCode(
      fixture.store.presignedGetUrl('tenant/t8/expiring', { expiresInSeconds: 604_801 }),
      'invalid_argument',
    );
  });

  it('checks the bucket', async () => {
    await expect(fixture.store.checkBucket()).resolves.toBeUndefined();
  });

  it('reports each operation to the observer', async () => {
    fixture.calls.length = 0;
    await fixture.store.put('tenant/t9/observed', Buffer.from('x'));
    await fixture.store.head('tenant/t9/observed');
    await fixture.store.get('tenant/t9/missing').catch(() => undefined);
    expect(fixture.calls.map((call) => call.operation)).toEqual(['put', 'head', 'get']);
    expect(fixture.calls.map((call) => call.outcome)).toEqual(['ok', 'ok', 'error']);
    expect(fixture.calls[2]?.errorCode).toBe('not_found');
    expect(fixture.calls.every((call) => call.durationSeconds >= 0)).toBe(true);
    fixture.calls.length = 0;
    for await (const _entry of fixture.store.list('tenant/t9/')) {
      // Only the observer calls matter here.
    }
    expect(fixture.calls.map((call) => `${call.operation}:${call.outcome}`)).toEqual(['list:ok']);
  });
});
