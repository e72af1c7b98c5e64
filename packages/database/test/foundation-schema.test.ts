import { randomBytes } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { expect, it } from 'vitest';
import type { DatabaseError, Queryable } from '../src/index.js';

async function createUser(db: Queryable, email: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'hash', 'Test User') RETURNING id`,
    [email],
  );
  return rows[0]?.id ?? '';
}

async function createTenant(db: Queryable, name: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO tenants (name, kind) VALUES ($1, 'personal') RETURNING id`,
    [name],
  );
  return rows[0]?.id ?? '';
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error as DatabaseError).code,
  );
}

forEachEngine('foundation schema', (getDb) => {
  it('generates uuid ids and timestamps', async () => {
    const { rows } = await getDb().query<{ id: string; created_at: Date }>(
      `INSERT INTO tenants (name, kind) VALUES ('Acme', 'organization') RETURNING id, created_at`,
    );

    expect(rows[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rows[0]?.created_at).toBeInstanceOf(Date);
  });

  it('rejects unknown tenant kinds and roles', async () => {
    const tenantId = await createTenant(getDb(), 'Kinds');
    const userId = await createUser(getDb(), 'roles@example.com');

    expect(await codeOf(getDb().query(`INSERT INTO tenants (name, kind) VALUES ('x', 'team')`))).toBe(
      'check_violation',
    );
    expect(
      await codeOf(
        getDb().query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'root')`, [
          tenantId,
          userId,
        ]),
      ),
    ).toBe('check_violation');
  });

  it('requires lowercased unique emails', async () => {
    await createUser(getDb(), 'unique@example.com');

    expect(await codeOf(createUser(getDb(), 'Unique@Example.com'))).toBe('check_violation');
    expect(await codeOf(createUser(getDb(), 'unique@example.com'))).toBe('unique_violation');
  });

  it('stores a refresh token family', async () => {
    const db = getDb();
    const tenantId = await createTenant(db, 'Tokens');
    const userId = await createUser(db, 'tokens@example.com');
    const familyId = '6f1c1a8e-0d7f-4b5e-9a43-2b1f0c9e7d11';
    const firstHash = randomBytes(32);
    const insert = `INSERT INTO refresh_tokens (family_id, user_id, tenant_id, token_hash, expires_at)
                    VALUES ($1, $2, $3, $4, now() + interval '30 days') RETURNING id`;

    const first = (await db.query<{ id: string }>(insert, [familyId, userId, tenantId, firstHash])).rows[0]
      ?.id;
    const second = (await db.query<{ id: string }>(insert, [familyId, userId, tenantId, randomBytes(32)]))
      .rows[0]?.id;
    await db.query('UPDATE refresh_tokens SET used_at = now(), replaced_by = $2 WHERE id = $1', [
      first,
      second,
    ]);

    const { rows } = await db.query<{ token_hash: Buffer; replaced_by: string | null }>(
      'SELECT token_hash, replaced_by FROM refresh_tokens WHERE token_hash = $1',
      [firstHash],
    );
    expect(Buffer.isBuffer(rows[0]?.token_hash)).toBe(true);
    expect(rows[0]?.token_hash.equals(firstHash)).toBe(true);
    expect(rows[0]?.replaced_by).toBe(second);
    expect(await codeOf(db.query(insert, [familyId, userId, tenantId, firstHash]))).toBe('unique_violation');
  });

  it('deletes memberships and tokens with their user', async () => {
    const db = getDb();
    const tenantId = await createTenant(db, 'Cascade');
    const userId = await createUser(db, 'cascade@example.com');
    await db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, [
      tenantId,
      userId,
    ]);
    await db.query(
      `INSERT INTO refresh_tokens (family_id, user_id, tenant_id, token_hash, expires_at)
       VALUES (gen_random_uuid(), $1, $2, $3, now())`,
      [userId, tenantId, randomBytes(32)],
    );

    await db.query('DELETE FROM users WHERE id = $1', [userId]);

    const { rows } = await db.query<{ memberships: string; tokens: string }>(
      `SELECT (SELECT count(*) FROM memberships WHERE user_id = $1) AS memberships,
              (SELECT count(*) FROM refresh_tokens WHERE user_id = $1) AS tokens`,
      [userId],
    );
    expect(rows[0]).toEqual({ memberships: '0', tokens: '0' });
  });

  it('stores signing keys with a JWK', async () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    await getDb().query(
      `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext) VALUES ($1, 'EdDSA', $2, 'ciphertext')`,
      ['key-1', JSON.stringify(jwk)],
    );

    const { rows } = await getDb().query<{ public_jwk: unknown; retired_at: Date | null }>(
      'SELECT public_jwk, retired_at FROM signing_keys WHERE kid = $1',
      ['key-1'],
    );

    expect(rows[0]).toEqual({ public_jwk: jwk, retired_at: null });
  });

  it('returns the same value types on both engines', async () => {
    const { rows } = await getDb().query(
      `SELECT 9007199254740993::int8 AS big, '2026-02-03'::date AS day, 1.50::numeric AS amount,
              '\\x0102'::bytea AS bytes, now() AS at, ARRAY[1, 2]::int8[] AS bigs`,
    );

    expect(rows[0]).toEqual({
      big: '9007199254740993',
      day: '2026-02-03',
      amount: '1.50',
      bytes: Buffer.from([1, 2]),
      at: expect.any(Date),
      bigs: ['1', '2'],
    });
  });
});
