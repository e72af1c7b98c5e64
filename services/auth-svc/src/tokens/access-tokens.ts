import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_AUDIENCE, type Role } from '@skillancer/service-kit';
import { SignJWT } from 'jose';
import type { SigningKeyStore } from './signing-keys.js';

export interface AccessTokenSubject {
  userId: string;
  tenantId: string;
  role: Role;
  sessionId: string;
}

/** Issues short-lived EdDSA access tokens whose header names the signing key id. */
export class AccessTokenIssuer {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {}

  async issue(subject: AccessTokenSubject): Promise<{ token: string; expiresIn: number }> {
    const { kid, privateKey } = this.keys.signingKey();
    const token = await new SignJWT({ tid: subject.tenantId, role: subject.role, sid: subject.sessionId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer(this.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(privateKey);
    return { token, expiresIn: this.ttlSeconds };
  }
}
