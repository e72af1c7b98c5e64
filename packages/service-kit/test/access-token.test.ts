import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError, createAccessTokenVerifier } from '../src/index.js';

const ISSUER = 'skillancer-auth';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const verify = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [jwk] }), issuer: ISSUER });
  const claims = { tid: randomUUID(), role: 'member', sid: randomUUID() };
  const sign = (overrides: { kid?: string; exp?: string | number; issuer?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: overrides.kid ?? 'k1' })
      .setSubject(randomUUID())
      .setIssuer(overrides.issuer ?? ISSUER)
      .setAudience('skillancer')
      .setIssuedAt()
      .setExpirationTime(overrides.exp ?? '5m')
      .sign(privateKey);
  return { verify, sign, claims };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('createAccessTokenVerifier', () => {
  it('accepts a valid token', async () => {
    const { verify, sign, claims } = await setup();
    const principal = await verify(await sign());

    expect(principal.tenantId).toBe(claims.tid);
    expect(principal.role).toBe('member');
    expect(principal.permissions).toContain('phi:read');
  });

  it('rejects an expired token with token_expired', async () => {
    const { verify, sign } = await setup();

    expect(await codeOf(verify(await sign({ exp: Math.floor(Date.now() / 1000) - 60 })))).toBe(
      'token_expired',
    );
  });

  it('rejects alg none', async () => {
    const { verify } = await setup();
    const token = new UnsecuredJWT({ tid: randomUUID(), role: 'owner', sid: 'x' })
      .setSubject(randomUUID())
      .setIssuer(ISSUER)
      .setAudience('skillancer')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();

    expect(await codeOf(verify(token))).toBe('invalid_token');
  });

  it('rejects a token of an unknown key', async () => {
    const { verify, sign } = await setup();

    expect(await codeOf(verify(await sign({ kid: 'other' })))).toBe('invalid_token');
  });

  it('rejects a forged signature', async () => {
    const { verify, sign } = await setup();
    const token = await sign();
    const forged = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;

    expect(await codeOf(verify(forged))).toBe('invalid_token');
  });

  it('rejects another issuer', async () => {
    const { verify, sign } = await setup();

    expect(await codeOf(verify(await sign({ issuer: 'someone-else' })))).toBe('invalid_token');
  });
});
