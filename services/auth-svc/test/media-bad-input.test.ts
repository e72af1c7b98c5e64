import type { ServiceApp } from '@skillancer/service-kit';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emptyZipArchive,
  gifJavaScriptPolyglot,
  HTML_PAGE,
  jpegHeaderOnRandomBytes,
  PDF_DOCUMENT,
  pixelBombPng,
  pseudoRandomBytes,
  SVG_WITH_SCRIPT,
  truncated,
  withJpegComment,
} from './fixtures/bad-images.js';
import {
  buildMediaApp,
  DRIVERS,
  type FormPart,
  fileForm,
  type MediaBackend,
  multipartForm,
  readPhoto,
  solidImage,
  startMediaBackend,
  withAuth,
} from './fixtures/media-harness.js';
import { registerUser } from './support.js';

type Form = { payload: Buffer; headers: Record<string, string> };

interface BadInput {
  name: string;
  /** Builds the request body; a form for multipart cases, raw bytes with a content type otherwise. */
  build: () => Promise<Form>;
  status: number;
  code: string;
}

const file = (data: Buffer, filename?: string | Buffer, contentType?: string): Form =>
  fileForm(data, filename, contentType);
const form = (parts: FormPart[]): Form => multipartForm(parts);

/** Every case must fail with a clear 4xx and leave the bucket and the current avatar as they were. */
const BAD_INPUTS: BadInput[] = [
  {
    name: 'a truncated JPEG',
    build: async () => file(truncated(await readPhoto())),
    status: 422,
    code: 'invalid_image',
  },
  {
    name: 'a truncated PNG',
    build: async () => file(truncated(await solidImage('png', 300, 200)), 'a.png', 'image/png'),
    status: 422,
    code: 'invalid_image',
  },
  {
    name: 'a JPEG header on random bytes',
    build: async () => file(jpegHeaderOnRandomBytes()),
    status: 422,
    code: 'invalid_image',
  },
  {
    name: 'a 1×1 PNG claiming 100,000×100,000 pixels',
    build: async () => file(await pixelBombPng(), 'bomb.png', 'image/png'),
    status: 422,
    code: 'pixel_limit_exceeded',
  },
  {
    name: 'a PNG followed by an HTML page',
    build: async () => file(Buffer.concat([await solidImage('png'), Buffer.from(HTML_PAGE)]), 'a.png'),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'a JPEG with HTML in a comment segment',
    build: async () => file(withJpegComment(await solidImage('jpeg'), HTML_PAGE)),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'a JPEG with a PDF in a comment segment',
    build: async () => file(withJpegComment(await solidImage('jpeg'), PDF_DOCUMENT)),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'a JPEG followed by a ZIP archive',
    build: async () => file(Buffer.concat([await solidImage('jpeg'), emptyZipArchive()])),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'a GIF followed by JavaScript',
    build: async () => file(await gifJavaScriptPolyglot(), 'a.gif', 'image/gif'),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'a WebP followed by extra bytes',
    build: async () => file(Buffer.concat([await solidImage('webp'), pseudoRandomBytes(64)]), 'a.webp'),
    status: 415,
    code: 'polyglot_file',
  },
  {
    name: 'an SVG with a script',
    build: async () => file(Buffer.from(SVG_WITH_SCRIPT), 'a.svg', 'image/svg+xml'),
    status: 415,
    code: 'unsupported_image_type',
  },
  {
    name: 'an HTML page declared as PNG',
    build: async () => file(Buffer.from(HTML_PAGE), 'a.png', 'image/png'),
    status: 415,
    code: 'unsupported_image_type',
  },
  {
    name: 'a PDF document',
    build: async () => file(Buffer.from(PDF_DOCUMENT), 'a.pdf', 'application/pdf'),
    status: 415,
    code: 'unsupported_image_type',
  },
  {
    name: 'a TIFF image',
    build: async () => file(await solidImage('tiff'), 'a.tif', 'image/tiff'),
    status: 415,
    code: 'unsupported_image_type',
  },
  {
    name: 'random bytes',
    build: async () => file(pseudoRandomBytes(2048, 7), 'a.jpg'),
    status: 415,
    code: 'unsupported_image_type',
  },
  { name: 'a zero-byte file', build: async () => file(Buffer.alloc(0)), status: 400, code: 'empty_file' },
  {
    name: 'two files',
    build: async () =>
      form([
        { name: 'file', filename: 'a.png', data: await solidImage('png') },
        { name: 'file', filename: 'b.png', data: await solidImage('png') },
      ]),
    status: 400,
    code: 'too_many_files',
  },
  {
    name: 'a form without a file',
    build: async () => form([{ name: 'title', data: 'no file here' }]),
    status: 400,
    code: 'unexpected_field',
  },
  { name: 'an empty form', build: async () => form([]), status: 400, code: 'missing_file' },
  {
    name: 'text in the file field',
    build: async () => form([{ name: 'file', data: 'not a file' }]),
    status: 400,
    code: 'missing_file',
  },
  {
    name: 'a file in another field',
    build: async () => form([{ name: 'image', filename: 'a.png', data: await solidImage('png') }]),
    status: 400,
    code: 'unexpected_field',
  },
  {
    name: 'a 10,000-character file name',
    build: async () => file(await solidImage('png'), `${'n'.repeat(10_000)}.png`),
    status: 400,
    code: 'file_name_too_long',
  },
  {
    name: 'a 300-byte UTF-8 file name',
    build: async () => file(await solidImage('png'), `${'é'.repeat(150)}.png`),
    status: 400,
    code: 'file_name_too_long',
  },
  {
    name: 'a file name that is not UTF-8',
    // "café.png" in ISO-8859-1: 0xE9 is not valid UTF-8 on its own.
    build: async () =>
      file(await solidImage('png'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x6e, 0x67])),
    status: 400,
    code: 'invalid_file_name',
  },
  {
    name: 'a file name with a control character',
    build: async () => file(await solidImage('png'), 'a\u0007b.png'),
    status: 400,
    code: 'invalid_file_name',
  },
  {
    name: 'a file over 10 MiB',
    build: async () => file(Buffer.concat([await solidImage('jpeg'), Buffer.alloc(10 * 1024 * 1024)])),
    status: 413,
    code: 'file_too_large',
  },
  {
    name: 'a JSON body',
    build: async () => ({
      payload: Buffer.from('{"file":"x"}'),
      headers: { 'content-type': 'application/json' },
    }),
    status: 415,
    code: 'multipart_required',
  },
  {
    name: 'a raw image body',
    build: async () => ({ payload: await solidImage('png'), headers: { 'content-type': 'image/png' } }),
    status: 415,
    code: 'multipart_required',
  },
  {
    name: 'a multipart body cut short',
    build: async () => {
      const full = fileForm(await solidImage('png'), 'a.png');
      return { payload: full.payload.subarray(0, full.payload.length - 40), headers: full.headers };
    },
    status: 400,
    code: 'invalid_multipart',
  },
];

describe.each(DRIVERS)('avatar bad input [%s]', (driver) => {
  let db: TestDatabase;
  let backend: MediaBackend;
  let app: ServiceApp;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    backend = await startMediaBackend(driver);
    app = await buildMediaApp(db, backend.store);
    user = await registerUser(app);
    const first = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(user.auth, fileForm(await readPhoto())),
    });
    if (first.statusCode !== 200) {
      throw new Error(`uploading the first avatar failed: ${first.statusCode} ${first.body}`);
    }
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close();
    await db?.close();
  });

  /** The bucket's keys and the id of the user's avatar, which every rejected upload must leave alone. */
  async function storedState() {
    const current = await app.inject({ method: 'GET', url: '/profile/avatar', headers: user.auth });
    return { keys: (await backend.keys()).sort(), avatarId: current.json().avatar.id as string };
  }

  it.each(BAD_INPUTS)('rejects $name', async ({ build, status, code }) => {
    const before = await storedState();
    const response = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(user.auth, await build()),
    });
    const after = await storedState();

    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
    expect(response.json().error.message.length).toBeGreaterThan(20);
    expect(after.keys).toEqual(before.keys);
    expect(after.avatarId).toBe(before.avatarId);
    expect(backend.peer?.listPendingUploads() ?? []).toEqual([]);
  });

  it('names the detected type of a rejected file', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(user.auth, file(Buffer.from(PDF_DOCUMENT), 'photo.jpg', 'image/jpeg')),
    });

    expect(response.json().error.details.detected).toBe('application/pdf');
    expect(response.json().error.message).toContain('application/pdf');
  });

  it('states the pixel limit for a bomb', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(user.auth, file(await pixelBombPng(), 'bomb.png')),
    });

    expect(response.json().error.details).toEqual({ width: 100_000, height: 100_000 });
    expect(response.json().error.message).toContain('50 megapixels');
  });
});
