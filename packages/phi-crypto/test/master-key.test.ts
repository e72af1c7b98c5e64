import { describe, expect, it } from 'vitest';
import { MasterKey, MasterKeyring, unwrapKey, wrapKey } from '../src/index.js';
import { errorCode, MASTER_HEX_A, MASTER_HEX_B } from './support/harness.js';

describe('MasterKey', () => {
  it('parses 64 hex characters', () => {
    const key = MasterKey.fromHex(MASTER_HEX_A);
    expect(key.id).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(key.exposeMaterial()).toEqual(Buffer.from(MASTER_HEX_A, 'hex'));
  });

  it('derives the same id and check value from the same key', () => {
    const first = MasterKey.fromHex(MASTER_HEX_A);
    const second = MasterKey.fromHex(` ${MASTER_HEX_A.toUpperCase()}\n`);
    expect(second.id).toBe(first.id);
    expect(second.checkValue).toBe(first.checkValue);
    expect(MasterKey.fromHex(MASTER_HEX_B).id).not.toBe(first.id);
  });

  it.each([
    ['too short', 'ab'.repeat(31)],
    ['too long', 'ab'.repeat(33)],
    ['not hex', 'zz'.repeat(32)],
    ['empty', ''],
  ])('rejects a key that is %s', async (_case, hex) => {
    expect(await errorCode(() => MasterKey.fromHex(hex, 'ENCRYPTION_MASTER_KEY'))).toBe('invalid_master_key');
  });

  it('names the source and never echoes the key in the error', () => {
    const bad = `${MASTER_HEX_A.slice(0, 60)}xyz!`;
    try {
      MasterKey.fromHex(bad, 'ENCRYPTION_MASTER_KEY');
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain('ENCRYPTION_MASTER_KEY');
      expect(String(error)).not.toContain(MASTER_HEX_A.slice(0, 60));
    }
  });

  it('verifies its check value and rejects another key', async () => {
    const a = MasterKey.fromHex(MASTER_HEX_A);
    const b = MasterKey.fromHex(MASTER_HEX_B);
    expect(a.verifyCheckValue(a.checkValue)).toBe(true);
    expect(a.verifyCheckValue(b.checkValue)).toBe(false);
    expect(a.verifyCheckValue('')).toBe(false);
    expect(await errorCode(() => a.assertCheckValue(b.checkValue))).toBe('master_key_check_failed');
  });

  it('refuses use after destroy', async () => {
    const key = MasterKey.fromHex(MASTER_HEX_A);
    const material = key.exposeMaterial();
    key.destroy();
    expect(material.every((byte) => byte === 0)).toBe(true);
    expect(await errorCode(() => key.exposeMaterial())).toBe('invalid_master_key');
  });
});

describe('MasterKeyring', () => {
  it('finds current and previous keys by id', () => {
    const ring = MasterKeyring.fromHex({ current: MASTER_HEX_B, previous: [MASTER_HEX_A] });
    const a = MasterKey.fromHex(MASTER_HEX_A);
    expect(ring.current.id).toBe(MasterKey.fromHex(MASTER_HEX_B).id);
    expect(ring.get(a.id).id).toBe(a.id);
    expect(ring.ids).toEqual([ring.current.id, a.id]);
  });

  it('reports an unknown key id with the configured ids', async () => {
    const ring = MasterKeyring.fromHex({ current: MASTER_HEX_A });
    expect(await errorCode(() => ring.get('mk_0000000000000000'))).toBe('master_key_unknown');
  });

  it('names the bad previous key', () => {
    expect(() => MasterKeyring.fromHex({ current: MASTER_HEX_A, previous: ['nope'] })).toThrow(
      /previous master key #1/,
    );
  });
});

describe('key wrapping', () => {
  const master = MasterKey.fromHex(MASTER_HEX_A);
  const binding = { tenantId: 'tenant-a', purpose: 'data' as const, version: 3 };
  const dataKey = Buffer.alloc(32, 7);

  it('round-trips a tenant key', () => {
    const wrapped = wrapKey(master, binding, dataKey);
    expect(wrapped).toMatch(/^[A-Za-z0-9_-]{82}$/);
    expect(unwrapKey(master, binding, wrapped)).toEqual(dataKey);
  });

  it('uses a fresh nonce per wrap', () => {
    expect(wrapKey(master, binding, dataKey)).not.toBe(wrapKey(master, binding, dataKey));
  });

  it.each([
    ['tenant', { ...binding, tenantId: 'tenant-b' }],
    ['version', { ...binding, version: 4 }],
    ['purpose', { ...binding, purpose: 'index' as const }],
  ])('fails to unwrap under another %s', async (_case, other) => {
    const wrapped = wrapKey(master, binding, dataKey);
    expect(await errorCode(() => unwrapKey(master, other, wrapped))).toBe('wrapped_key_invalid');
  });

  it('fails to unwrap with another master key', async () => {
    const wrapped = wrapKey(master, binding, dataKey);
    expect(await errorCode(() => unwrapKey(MasterKey.fromHex(MASTER_HEX_B), binding, wrapped))).toBe(
      'wrapped_key_invalid',
    );
  });

  it('rejects malformed and altered wrapped keys', async () => {
    const wrapped = wrapKey(master, binding, dataKey);
    const bytes = Buffer.from(wrapped, 'base64url');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    expect(await errorCode(() => unwrapKey(master, binding, bytes.toString('base64url')))).toBe(
      'wrapped_key_invalid',
    );
    expect(await errorCode(() => unwrapKey(master, binding, wrapped.slice(0, -4)))).toBe(
      'wrapped_key_invalid',
    );
    expect(await errorCode(() => unwrapKey(master, binding, `${wrapped} `))).toBe('wrapped_key_invalid');
  });

  it('rejects a key that is not 32 bytes', async () => {
    expect(await errorCode(() => wrapKey(master, binding, Buffer.alloc(16)))).toBe('invalid_argument');
  });
});
