import { describe, expect, it } from 'vitest';
import {
  attachmentDisposition,
  createObjectStore,
  normalizeKey,
  objectKey,
  objectKeyPrefix,
} from '../src/index.js';

const TENANT = '6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b';
const USER = 'A1B2C3D4-E5F6-4789-8abc-def012345678';
const OBJECT = '0f0e0d0c-0b0a-4909-8807-060504030201';

describe('objectKey', () => {
  it('builds keys from identifiers only', () => {
    expect(
      objectKey({
        tenantId: TENANT,
        userId: USER,
        kind: 'avatar',
        objectId: OBJECT,
        variant: '256',
        extension: 'webp',
      }),
    ).toBe(`tenant/${TENANT}/user/${USER.toLowerCase()}/avatar/${OBJECT}/256.webp`);
    expect(objectKey({ tenantId: TENANT, kind: 'invoice', objectId: OBJECT, variant: 'original' })).toBe(
      `tenant/${TENANT}/invoice/${OBJECT}/original`,
    );
  });

  it('generates an object id when none is given', () => {
    const first = objectKey({ tenantId: TENANT, kind: 'avatar', variant: '64' });
    const second = objectKey({ tenantId: TENANT, kind: 'avatar', variant: '64' });
    expect(first).toMatch(new RegExp(`^tenant/${TENANT}/avatar/[0-9a-f-]{36}/64$`));
    expect(first).not.toBe(second);
  });

  it('builds prefixes for all variants', () => {
    expect(objectKeyPrefix({ tenantId: TENANT, userId: USER, kind: 'avatar', objectId: OBJECT })).toBe(
      `tenant/${TENANT}/user/${USER.toLowerCase()}/avatar/${OBJECT}/`,
    );
  });

  it('rejects anything but identifiers', () => {
    const cases = [
      { tenantId: '../x', kind: 'avatar', variant: '64' },
      { tenantId: TENANT, userId: 'me.jpg', kind: 'avatar', variant: '64' },
      { tenantId: TENANT, kind: 'Avatar', variant: '64' },
      { tenantId: TENANT, kind: 'avatar', variant: 'photo of me.jpg' },
      { tenantId: TENANT, kind: 'avatar', variant: '64', extension: '.webp' },
      { tenantId: TENANT, kind: 'avatar', variant: '64', extension: 'we/bp' },
    ];
    for (const parts of cases) {
      expect(() => objectKey(parts)).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    }
  });
});

describe('normalizeKey', () => {
  it('normalizes to NFC', () => {
    expect(normalizeKey('cafe\u0301')).toBe('caf\u00e9');
  });

  it('rejects unpaired surrogates and control characters', () => {
    for (const key of ['a\ud800b', 'line\nbreak', 'tab\tkey', 'del\u007f']) {
      expect(() => normalizeKey(key)).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    }
  });

  it('counts the limit in UTF-8 bytes', () => {
    expect(normalizeKey('\u00e9'.repeat(512))).toHaveLength(512);
    expect(() => normalizeKey('\u00e9'.repeat(513))).toThrow(/1024 bytes/);
  });
});

describe('attachmentDisposition', () => {
  it('encodes names safely', () => {
    expect(attachmentDisposition('report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
    expect(attachmentDisposition('Rechnung März "final".pdf')).toBe(
      `attachment; filename="Rechnung M_rz _final_.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20_final_.pdf`,
    );
    expect(attachmentDisposition('../../etc/passwd\r\nX: y')).toBe(
      `attachment; filename=".._.._etc_passwd__X: y"; filename*=UTF-8''.._.._etc_passwd__X%3A%20y`,
    );
    expect(attachmentDisposition('\ud800', 'inline')).toBe(`inline; filename="_"; filename*=UTF-8''_`);
    expect(attachmentDisposition('   ')).toBe('attachment');
  });
});

describe('createObjectStore', () => {
  it('chooses the driver from the configuration', () => {
    expect(
      createObjectStore({ driver: 'filesystem', rootDir: '/tmp/unused', bucket: 'uploads' }).driver,
    ).toBe('filesystem');
    expect(
      createObjectStore({
        driver: 's3',
        bucket: 'uploads',
        endpoint: 'http://127.0.0.1:9',
        region: 'auto',
        forcePathStyle: true,
      }).driver,
    ).toBe('s3');
  });

  it('accepts the platform storage settings', () => {
    // The shape of the configuration package's storage section.
    const storage = {
      driver: 's3' as const,
      rootDir: '/tmp/unused',
      endpoint: 'http://127.0.0.1:9',
      region: 'auto',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      cdnUrl: 'https://cdn.example.com',
      buckets: { uploads: 'skillancer-uploads', assets: 'a-b-c', recordings: 'r-e-c', invoices: 'i-n-v' },
    };
    const store = createObjectStore({ ...storage, bucket: storage.buckets.uploads });
    expect(store.bucket).toBe('skillancer-uploads');
  });

  it('rejects incomplete configurations', () => {
    expect(() => createObjectStore({ driver: 'filesystem', bucket: 'uploads' })).toThrow(/rootDir/);
    expect(() => createObjectStore({ driver: 's3', bucket: 'uploads', endpoint: 'not a url' })).toThrow(
      /S3_ENDPOINT/,
    );
    expect(() => createObjectStore({ driver: 's3', bucket: 'uploads', accessKeyId: 'only-the-id' })).toThrow(
      /S3_SECRET_ACCESS_KEY/,
    );
    expect(() =>
      createObjectStore({ driver: 'filesystem', rootDir: '/tmp/x', bucket: 'Bad_Bucket' }),
    ).toThrow(/Bucket name/);
  });
});
