import type { ServiceApp } from '@skillancer/service-kit';
import { createTestDatabase, forEachEngine, type TestDatabase } from '@skillancer/testing/database';
import ExifReader from 'exifreader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, GPS, RED, STORED_HEIGHT, STORED_WIDTH } from './fixtures/make-photo.js';
import {
  buildMediaApp,
  DRIVERS,
  fetchUrl,
  fileForm,
  type MediaBackend,
  pixelAt,
  readPhoto,
  riffChunkTypes,
  solidImage,
  startMediaBackend,
  withAuth,
} from './fixtures/media-harness.js';
import { registerUser } from './support.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const AVATAR_VARIANTS = ['original', '64', '128', '256', '512'];

type Variant = { url: string; width: number; height: number };
type Avatar = {
  id: string;
  sourceType: string;
  urlsExpireAt: string | null;
  variants: Record<string, Variant>;
};

/** Colours within this distance per channel count as the same after lossy encoding. */
function isNear(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) <= 40);
}

describe.each(DRIVERS)('avatars [%s]', (driver) => {
  let db: TestDatabase;
  let backend: MediaBackend;
  let app: ServiceApp;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    backend = await startMediaBackend(driver);
    app = await buildMediaApp(db, backend.store);
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close();
    await db?.close();
  });

  async function uploadAvatar(auth: Record<string, string>, image: Buffer, filename = 'me.jpg') {
    return app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(auth, fileForm(image, filename)),
    });
  }

  async function keysOf(user: { tenantId: string; userId: string }): Promise<string[]> {
    const prefix = `tenant/${user.tenantId}/user/${user.userId}/`;
    return (await backend.keys()).filter((key) => key.startsWith(prefix));
  }

  it('stores the photo as WebP variants without EXIF or GPS', async () => {
    const photo = await readPhoto();
    const original = ExifReader.load(photo, { expanded: true });
    const [degrees = 0, minutes = 0, seconds = 0] = GPS.latitude;
    expect(original.gps?.Latitude).toBeCloseTo(degrees + minutes / 60 + seconds / 3600, 5);
    expect(original.exif?.Orientation?.value).toBe(6);

    const user = await registerUser(app);
    const response = await uploadAvatar(user.auth, photo);
    expect(response.statusCode).toBe(200);
    const avatar = response.json().avatar as Avatar;
    expect(avatar.sourceType).toBe('image/jpeg');
    expect(Object.keys(avatar.variants).sort()).toEqual([...AVATAR_VARIANTS].sort());

    for (const name of AVATAR_VARIANTS) {
      const variant = avatar.variants[name] as Variant;
      const fetched = await fetchUrl(app, variant.url);
      expect(fetched.status, name).toBe(200);
      expect(fetched.headers['content-type'], name).toBe('image/webp');
      expect(fetched.headers['content-disposition'], name).toBe(
        `inline; filename="avatar-${name}.webp"; filename*=UTF-8''avatar-${name}.webp`,
      );

      const metadata = await sharp(fetched.body).metadata();
      expect(metadata.format, name).toBe('webp');
      expect([metadata.width, metadata.height], name).toEqual([variant.width, variant.height]);
      expect(metadata.exif, name).toBeUndefined();
      expect(metadata.xmp, name).toBeUndefined();
      expect(metadata.orientation, name).toBeUndefined();
      expect(
        riffChunkTypes(fetched.body).filter((type) => !['VP8 ', 'VP8L', 'VP8X', 'ALPH'].includes(type)),
      ).toEqual([]);
      const tags = ExifReader.load(fetched.body, { expanded: true });
      expect(tags.gps, name).toBeUndefined();
      expect(fetched.body.includes(Buffer.from('Test Fixture Camera')), name).toBe(false);
    }
  });

  it('applies the EXIF orientation', async () => {
    const user = await registerUser(app);
    const avatar = (await uploadAvatar(user.auth, await readPhoto())).json().avatar as Avatar;
    const original = avatar.variants.original as Variant;
    // Orientation 6 turns the stored 600×400 picture into an upright 400×600 one.
    expect([original.width, original.height]).toEqual([STORED_HEIGHT, STORED_WIDTH]);

    const body = (await fetchUrl(app, original.url)).body;
    // The red square, stored top-left, is displayed top-right; the blue one bottom-left.
    expect(isNear(await pixelAt(body, original.width - 10, 10), RED)).toBe(true);
    expect(isNear(await pixelAt(body, 10, original.height - 10), BLUE)).toBe(true);
    expect(isNear(await pixelAt(body, 10, 10), RED)).toBe(false);

    for (const size of [64, 128, 256, 512]) {
      expect(avatar.variants[String(size)]).toMatchObject({ width: size, height: size });
    }
  });

  it('names objects by server-side ids only', async () => {
    const user = await registerUser(app);
    const response = await uploadAvatar(user.auth, await solidImage('png'), 'Résumé photo ../../etc.png');
    const avatar = response.json().avatar as Avatar;
    const keys = await keysOf(user);

    expect(keys.sort()).toEqual(
      AVATAR_VARIANTS.map(
        (name) => `tenant/${user.tenantId}/user/${user.userId}/avatar/${avatar.id}/${name}.webp`,
      ).sort(),
    );
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^tenant/${UUID}/user/${UUID}/avatar/${UUID}/(original|\\d+)\\.webp$`));
    }
  });

  it('detects the type from the content, not the name', async () => {
    const user = await registerUser(app);
    const png = await solidImage('png');
    const response = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...withAuth(user.auth, fileForm(png, 'drawing.svg', 'image/svg+xml')),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().avatar.sourceType).toBe('image/png');
  });

  it('accepts JPEG, PNG, WebP and GIF', async () => {
    const user = await registerUser(app);
    for (const format of ['jpeg', 'png', 'webp', 'gif'] as const) {
      const response = await uploadAvatar(user.auth, await solidImage(format, 40, 30), 'image.bin');

      expect(response.statusCode, format).toBe(200);
      expect(response.json().avatar.sourceType, format).toBe(`image/${format}`);
      expect(response.json().avatar.variants['512'], format).toMatchObject({ width: 512, height: 512 });
    }
  });

  it('returns the variant URLs with a short expiry', async () => {
    const user = await registerUser(app);
    const uploaded = (await uploadAvatar(user.auth, await solidImage('jpeg'))).json().avatar as Avatar;
    const response = await app.inject({ method: 'GET', url: '/profile/avatar', headers: user.auth });
    const avatar = response.json().avatar as Avatar;

    expect(response.statusCode).toBe(200);
    expect(avatar.id).toBe(uploaded.id);
    const expiresInSeconds = (Date.parse(avatar.urlsExpireAt ?? '') - Date.now()) / 1000;
    expect(expiresInSeconds).toBeGreaterThan(800);
    expect(expiresInSeconds).toBeLessThanOrEqual(900);
    const url = new URL((avatar.variants['128'] as Variant).url);
    expect(url.searchParams.get(driver === 's3' ? 'X-Amz-Expires' : 'X-Expires')).toBeTruthy();
    expect((await fetchUrl(app, url.toString())).status).toBe(200);
  });

  it('rejects a presigned URL with a changed signature', async () => {
    const user = await registerUser(app);
    const avatar = (await uploadAvatar(user.auth, await solidImage('jpeg'))).json().avatar as Avatar;
    const url = new URL((avatar.variants['64'] as Variant).url);
    const name = driver === 's3' ? 'X-Amz-Signature' : 'X-Signature';
    const signature = url.searchParams.get(name) ?? '';
    url.searchParams.set(name, `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);

    expect((await fetchUrl(app, url.toString())).status).toBe(403);
  });

  it('replaces the avatar and deletes the previous variants', async () => {
    const user = await registerUser(app);
    const first = (await uploadAvatar(user.auth, await solidImage('jpeg'))).json().avatar as Avatar;
    const second = (await uploadAvatar(user.auth, await solidImage('png', 80, 80, '#aa3300'))).json()
      .avatar as Avatar;
    const keys = await keysOf(user);

    expect(second.id).not.toBe(first.id);
    expect(keys).toHaveLength(AVATAR_VARIANTS.length);
    expect(keys.every((key) => key.includes(`/avatar/${second.id}/`))).toBe(true);
    expect((await fetchUrl(app, (first.variants['256'] as Variant).url)).status).toBe(404);
    expect((await fetchUrl(app, (second.variants['256'] as Variant).url)).status).toBe(200);
  });

  it('keeps the previous avatar when storing a replacement fails', async () => {
    const user = await registerUser(app);
    const first = (await uploadAvatar(user.auth, await solidImage('jpeg'))).json().avatar as Avatar;
    const before = await keysOf(user);
    const restore = backend.failPuts(/\/avatar\/[^/]+\/256\.webp$/);
    let response: Awaited<ReturnType<typeof uploadAvatar>>;
    try {
      response = await uploadAvatar(user.auth, await readPhoto());
    } finally {
      restore();
    }

    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('storage_unavailable');
    expect((await keysOf(user)).sort()).toEqual(before.sort());
    const current = await app.inject({ method: 'GET', url: '/profile/avatar', headers: user.auth });
    expect(current.json().avatar.id).toBe(first.id);
    expect((await fetchUrl(app, (current.json().avatar.variants['512'] as Variant).url)).status).toBe(200);
    expect(backend.peer?.listPendingUploads() ?? []).toEqual([]);
  });

  it('deletes the avatar and its objects', async () => {
    const user = await registerUser(app);
    await uploadAvatar(user.auth, await solidImage('webp'));
    const deleted = await app.inject({ method: 'DELETE', url: '/profile/avatar', headers: user.auth });
    const after = await app.inject({ method: 'GET', url: '/profile/avatar', headers: user.auth });
    const again = await app.inject({ method: 'DELETE', url: '/profile/avatar', headers: user.auth });

    expect(deleted.statusCode).toBe(204);
    expect(await keysOf(user)).toEqual([]);
    expect(after.statusCode).toBe(404);
    expect(after.json().error.code).toBe('not_found');
    expect(again.statusCode).toBe(404);
  });

  it('keeps avatars of users apart', async () => {
    const alice = await registerUser(app);
    const bob = await registerUser(app);
    const aliceAvatar = (await uploadAvatar(alice.auth, await solidImage('jpeg'))).json().avatar as Avatar;
    await uploadAvatar(bob.auth, await solidImage('png'));
    await app.inject({ method: 'DELETE', url: '/profile/avatar', headers: bob.auth });
    const aliceNow = await app.inject({ method: 'GET', url: '/profile/avatar', headers: alice.auth });

    expect(aliceNow.json().avatar.id).toBe(aliceAvatar.id);
    expect(await keysOf(alice)).toHaveLength(AVATAR_VARIANTS.length);
    expect(await keysOf(bob)).toEqual([]);
  });

  it('requires an access token', async () => {
    const upload = await app.inject({
      method: 'PUT',
      url: '/profile/avatar',
      ...fileForm(await solidImage('jpeg')),
    });
    const read = await app.inject({ method: 'GET', url: '/profile/avatar' });

    expect(upload.statusCode).toBe(401);
    expect(read.statusCode).toBe(401);
  });

  it('reports the uploads bucket in readiness', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(200);
    expect(response.json().checks['uploads-bucket']).toBe('ok');
  });
});

forEachEngine('avatar replacement race', (getDb) => {
  let backend: MediaBackend;
  let app: ServiceApp;

  beforeAll(async () => {
    backend = await startMediaBackend('filesystem');
    app = await buildMediaApp(getDb(), backend.store);
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('leaves one avatar after concurrent uploads', async () => {
    const user = await registerUser(app);
    const images = await Promise.all(
      ['#aa0000', '#00aa00', '#0000aa', '#aaaa00'].map((colour) => solidImage('png', 32, 32, colour)),
    );
    const responses = await Promise.all(
      images.map((image) =>
        app.inject({ method: 'PUT', url: '/profile/avatar', ...withAuth(user.auth, fileForm(image)) }),
      ),
    );
    const current = await app.inject({ method: 'GET', url: '/profile/avatar', headers: user.auth });
    const keys = await backend.keys();

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200]);
    expect(keys).toHaveLength(AVATAR_VARIANTS.length);
    expect(keys.every((key) => key.includes(`/avatar/${current.json().avatar.id}/`))).toBe(true);
  });
});
