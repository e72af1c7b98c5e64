import type { ServiceApp } from '@skillancer/service-kit';
import { createTestDatabase, forEachEngine, type TestDatabase } from '@skillancer/testing/database';
import ExifReader from 'exifreader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_PAGE } from './fixtures/bad-images.js';
import { BLUE, RED } from './fixtures/make-photo.js';
import {
  buildMediaApp,
  DRIVERS,
  fetchUrl,
  fileForm,
  type MediaBackend,
  pixelAt,
  readPhoto,
  solidImage,
  startMediaBackend,
  withAuth,
} from './fixtures/media-harness.js';
import { registerUser } from './support.js';

type User = Awaited<ReturnType<typeof registerUser>>;
type Variant = { url: string; width: number; height: number };
type Item = {
  id: string;
  title: string;
  description: string;
  position: number;
  image: { id: string; sourceType: string; variants: Record<string, Variant> } | null;
};

async function createItem(app: ServiceApp, user: User, title: string, description = ''): Promise<Item> {
  const response = await app.inject({
    method: 'POST',
    url: '/portfolio',
    headers: user.auth,
    payload: { title, description },
  });
  if (response.statusCode !== 201) {
    throw new Error(`creating a portfolio item failed: ${response.statusCode} ${response.body}`);
  }
  return response.json().item as Item;
}

async function listTitles(app: ServiceApp, user: User): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/portfolio', headers: user.auth });
  return (response.json().items as Item[]).map((item) => item.title);
}

forEachEngine('portfolio items', (getDb) => {
  let backend: MediaBackend;
  let app: ServiceApp;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    backend = await startMediaBackend('filesystem');
    app = await buildMediaApp(getDb(), backend.store);
    alice = await registerUser(app);
    bob = await registerUser(app);
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('creates, lists and reorders items', async () => {
    const first = await createItem(app, alice, '  Logo design  ', 'A logo for a bakery');
    const second = await createItem(app, alice, 'Web shop');
    const third = await createItem(app, alice, 'Annual report');

    expect([first.position, second.position, third.position]).toEqual([0, 1, 2]);
    expect(first).toMatchObject({ title: 'Logo design', description: 'A logo for a bakery', image: null });
    expect(await listTitles(app, alice)).toEqual(['Logo design', 'Web shop', 'Annual report']);

    const reordered = await app.inject({
      method: 'PUT',
      url: '/portfolio/order',
      headers: alice.auth,
      payload: { itemIds: [third.id, first.id.toUpperCase(), second.id] },
    });
    expect(reordered.statusCode).toBe(200);
    expect((reordered.json().items as Item[]).map((item) => [item.title, item.position])).toEqual([
      ['Annual report', 0],
      ['Logo design', 1],
      ['Web shop', 2],
    ]);
    expect(await listTitles(app, alice)).toEqual(['Annual report', 'Logo design', 'Web shop']);

    const one = await app.inject({ method: 'GET', url: `/portfolio/${second.id}`, headers: alice.auth });
    expect(one.json().item).toMatchObject({ id: second.id, title: 'Web shop', position: 2 });
  });

  it.each([
    ['a missing item', (ids: string[]) => ids.slice(1)],
    ['a repeated item', (ids: string[]) => [...ids.slice(1), ids[1] as string]],
    ['an unknown item', (ids: string[]) => [...ids.slice(1), '00000000-0000-4000-8000-000000000000']],
  ])('rejects an order with %s', async (_case, change) => {
    const user = await registerUser(app);
    const items = [await createItem(app, user, 'One'), await createItem(app, user, 'Two')];
    const response = await app.inject({
      method: 'PUT',
      url: '/portfolio/order',
      headers: user.auth,
      payload: { itemIds: change(items.map((item) => item.id)) },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_order');
    expect(await listTitles(app, user)).toEqual(['One', 'Two']);
  });

  it.each([
    ['an empty title', { title: '   ' }],
    ['a long title', { title: 'x'.repeat(201) }],
    ['a long description', { title: 'ok', description: 'x'.repeat(5001) }],
    ['an unknown field', { title: 'ok', ownerId: '00000000-0000-4000-8000-000000000000' }],
  ])('rejects %s', async (_case, payload) => {
    const response = await app.inject({ method: 'POST', url: '/portfolio', headers: alice.auth, payload });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
  });

  it("answers 404 for another user's item", async () => {
    const item = await createItem(app, alice, 'Private work');
    const requests = [
      app.inject({ method: 'GET', url: `/portfolio/${item.id}`, headers: bob.auth }),
      app.inject({ method: 'DELETE', url: `/portfolio/${item.id}`, headers: bob.auth }),
      app.inject({
        method: 'POST',
        url: `/portfolio/${item.id}/image`,
        ...withAuth(bob.auth, fileForm(await solidImage('png'))),
      }),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }

    const bobReorder = await app.inject({
      method: 'PUT',
      url: '/portfolio/order',
      headers: bob.auth,
      payload: { itemIds: [item.id] },
    });
    expect(bobReorder.statusCode).toBe(400);
    expect(await listTitles(app, bob)).not.toContain('Private work');
    const stillThere = await app.inject({ method: 'GET', url: `/portfolio/${item.id}`, headers: alice.auth });
    expect(stillThere.statusCode).toBe(200);
  });

  it('deletes an item', async () => {
    const user = await registerUser(app);
    const item = await createItem(app, user, 'Old work');
    const deleted = await app.inject({ method: 'DELETE', url: `/portfolio/${item.id}`, headers: user.auth });
    const after = await app.inject({ method: 'GET', url: `/portfolio/${item.id}`, headers: user.auth });

    expect(deleted.statusCode).toBe(204);
    expect(after.statusCode).toBe(404);
    expect(await listTitles(app, user)).toEqual([]);
  });

  it('rejects an item id that is not a UUID', async () => {
    const response = await app.inject({ method: 'GET', url: '/portfolio/not-a-uuid', headers: alice.auth });

    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.field).toBe('params.itemId');
  });
});

describe.each(DRIVERS)('portfolio images [%s]', (driver) => {
  let db: TestDatabase;
  let backend: MediaBackend;
  let app: ServiceApp;
  let user: User;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    backend = await startMediaBackend(driver);
    app = await buildMediaApp(db, backend.store);
    user = await registerUser(app);
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close();
    await db?.close();
  });

  async function uploadImage(itemId: string, image: Buffer) {
    return app.inject({
      method: 'POST',
      url: `/portfolio/${itemId}/image`,
      ...withAuth(user.auth, fileForm(image, 'work.jpg')),
    });
  }

  async function itemKeys(imageId: string): Promise<string[]> {
    return (await backend.keys()).filter((key) => key.includes(`/portfolio-image/${imageId}/`));
  }

  it('stores gallery variants of the photo without GPS', async () => {
    const item = await createItem(app, user, 'Street photo');
    const response = await uploadImage(item.id, await readPhoto());
    expect(response.statusCode).toBe(200);
    const image = (response.json().item as Item).image;
    if (image === null) throw new Error('the item has no image');

    // The upright photo is 400×600; gallery variants keep the aspect ratio and never enlarge.
    expect(image.variants).toMatchObject({
      original: { width: 400, height: 600 },
      '320': { width: 213, height: 320 },
      '800': { width: 400, height: 600 },
      '1600': { width: 400, height: 600 },
    });
    expect(await itemKeys(image.id)).toHaveLength(4);
    for (const [name, variant] of Object.entries(image.variants)) {
      const fetched = await fetchUrl(app, variant.url);
      expect(fetched.status, name).toBe(200);
      expect(fetched.headers['content-type'], name).toBe('image/webp');
      expect(fetched.headers['content-disposition'], name).toContain(`portfolio-image-${name}.webp`);
      expect((await sharp(fetched.body).metadata()).exif, name).toBeUndefined();
      expect(ExifReader.load(fetched.body, { expanded: true }).gps, name).toBeUndefined();
    }
    const thumbnail = (await fetchUrl(app, (image.variants['320'] as Variant).url)).body;
    const red = await pixelAt(thumbnail, 205, 8);
    const blue = await pixelAt(thumbnail, 8, 312);
    expect(red.every((value, index) => Math.abs(value - (RED[index] ?? 0)) <= 40)).toBe(true);
    expect(blue.every((value, index) => Math.abs(value - (BLUE[index] ?? 0)) <= 40)).toBe(true);
  });

  it('replaces the image and deletes the old objects', async () => {
    const item = await createItem(app, user, 'Poster');
    const first = (await uploadImage(item.id, await solidImage('png', 900, 300))).json().item as Item;
    const second = (await uploadImage(item.id, await solidImage('jpeg', 300, 900))).json().item as Item;

    expect(first.image?.variants['800']).toMatchObject({ width: 800, height: 267 });
    expect(second.image?.variants['800']).toMatchObject({ width: 267, height: 800 });
    expect(await itemKeys(first.image?.id ?? '')).toEqual([]);
    expect(await itemKeys(second.image?.id ?? '')).toHaveLength(4);
  });

  it('deletes the objects with the item', async () => {
    const item = await createItem(app, user, 'Brochure');
    const uploaded = (await uploadImage(item.id, await solidImage('webp', 500, 500))).json().item as Item;
    const url = uploaded.image?.variants['320']?.url ?? '';
    const deleted = await app.inject({ method: 'DELETE', url: `/portfolio/${item.id}`, headers: user.auth });

    expect(deleted.statusCode).toBe(204);
    expect(await itemKeys(uploaded.image?.id ?? '')).toEqual([]);
    expect((await fetchUrl(app, url)).status).toBe(404);
  });

  it('stores nothing for a rejected image', async () => {
    const item = await createItem(app, user, 'Sketch');
    const before = await backend.keys();
    const response = await uploadImage(
      item.id,
      Buffer.concat([await solidImage('png'), Buffer.from(HTML_PAGE)]),
    );
    const after = await app.inject({ method: 'GET', url: `/portfolio/${item.id}`, headers: user.auth });

    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('polyglot_file');
    expect(await backend.keys()).toEqual(before);
    expect(after.json().item.image).toBeNull();
  });

  it('stores nothing for a missing item', async () => {
    const before = await backend.keys();
    const response = await uploadImage('00000000-0000-4000-8000-000000000000', await solidImage('png'));

    expect(response.statusCode).toBe(404);
    expect(await backend.keys()).toEqual(before);
  });

  it('keeps the previous image when storing a replacement fails', async () => {
    const item = await createItem(app, user, 'Mural');
    const first = (await uploadImage(item.id, await solidImage('png', 400, 400))).json().item as Item;
    const before = await backend.keys();
    const restore = backend.failPuts(/\/portfolio-image\/[^/]+\/800\.webp$/);
    let response: Awaited<ReturnType<typeof uploadImage>>;
    try {
      response = await uploadImage(item.id, await readPhoto());
    } finally {
      restore();
    }
    const current = await app.inject({ method: 'GET', url: `/portfolio/${item.id}`, headers: user.auth });

    expect(response.statusCode).toBe(503);
    expect(await backend.keys()).toEqual(before);
    expect(current.json().item.image.id).toBe(first.image?.id);
  });
});
