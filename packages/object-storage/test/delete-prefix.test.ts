import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteObjectsUnderPrefix, isObjectStorageError } from '../src/index.js';
import { filesystemFixture, type StoreFixture, s3Fixture } from './support.js';

async function keysUnder(fixture: StoreFixture, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of fixture.store.list(prefix)) keys.push(object.key);
  return keys;
}

async function putAll(fixture: StoreFixture, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await fixture.store.put(key, Buffer.from(key));
  }
}

const fixtures: Array<[string, () => Promise<StoreFixture>]> = [
  ['filesystem', filesystemFixture],
  ['s3 on a strict R2 peer', () => s3Fixture()],
];

describe.each(fixtures)('deleteObjectsUnderPrefix: %s', (_name, createFixture) => {
  let fixture: StoreFixture;

  beforeAll(async () => {
    fixture = await createFixture();
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('deletes every batch under the prefix only', async () => {
    const under = ['purge/a/1', 'purge/a/2', 'purge/a/x/3', 'purge/a/x/4', 'purge/a/y/5'];
    const outside = ['purge/a-sibling/1', 'purge/ab/1', 'purge/b/1'];
    await putAll(fixture, [...under, ...outside]);

    const result = await deleteObjectsUnderPrefix(fixture.store, 'purge/a/', { batchSize: 2 });

    expect(result).toEqual({ deleted: 5, failed: 0, errorCodes: [] });
    expect(await keysUnder(fixture, 'purge/a/')).toEqual([]);
    expect(await keysUnder(fixture, 'purge/')).toEqual(outside);
  });

  it('counts nothing under an empty prefix', async () => {
    const result = await deleteObjectsUnderPrefix(fixture.store, 'nothing-stored-here/');

    expect(result).toEqual({ deleted: 0, failed: 0, errorCodes: [] });
  });

  it('rejects an invalid batch size', async () => {
    for (const batchSize of [0, 1001, 1.5]) {
      const error = await deleteObjectsUnderPrefix(fixture.store, 'purge/', { batchSize }).catch(
        (caught: unknown) => caught,
      );

      expect(isObjectStorageError(error, 'invalid_argument')).toBe(true);
      expect((error as Error).message).toContain(`Delete batch size ${batchSize} is invalid`);
    }
  });
});

describe('deleteObjectsUnderPrefix with refused deletes', () => {
  let fixture: Awaited<ReturnType<typeof s3Fixture>>;

  beforeAll(async () => {
    fixture = await s3Fixture();
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('counts failures and deletes the rest', async () => {
    const keys = ['refused/1', 'refused/2', 'refused/3', 'refused/4', 'refused/5'];
    const denied = new Set(['refused/1', 'refused/4']);
    await putAll(fixture, keys);
    fixture.peer.setAccessPolicy(
      ({ operation, key }) => !(operation === 'DeleteObject' && key !== undefined && denied.has(key)),
    );
    const listsBefore = listRequests(fixture);

    const result = await deleteObjectsUnderPrefix(fixture.store, 'refused/', { batchSize: 2 }).finally(() =>
      fixture.peer.setAccessPolicy(undefined),
    );
    const lists = listRequests(fixture) - listsBefore;

    expect(result).toEqual({ deleted: 3, failed: 2, errorCodes: ['access_denied'] });
    expect(await keysUnder(fixture, 'refused/')).toEqual(['refused/1', 'refused/4']);
    // Batches of 2, 2 and 1 keys. Each listing starts after the last key of the batch before, so
    // the refused keys are not listed again.
    expect(lists).toBe(3);
  });
});

function listRequests(fixture: Awaited<ReturnType<typeof s3Fixture>>): number {
  return fixture.peer.requests.filter((request) => request.operation === 'ListObjectsV2').length;
}
