import { createHash } from 'node:crypto';
import { type Database, DatabaseError } from '@skillancer/database';
import { AppError, conflict, tooManyRequests, unauthorized } from '@skillancer/service-kit';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { AccessTokenIssuer } from '../tokens/access-tokens.js';
import type { RefreshTokenStore } from '../tokens/refresh-tokens.js';
import type { AccountRepository, MembershipRecord, UserRecord } from './account-repository.js';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface LoginLimits {
  perAccount: { limit: number; windowSeconds: number };
  perIp: { limit: number; windowSeconds: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: { limit: 10, windowSeconds: 15 * 60 },
  perIp: { limit: 100, windowSeconds: 15 * 60 },
};

const invalidCredentials = () => unauthorized('invalid_credentials', 'The email or password is incorrect');

/** Registration, login, refresh and logout. */
export class AccountService {
  /** Verified when the email is unknown, so a login takes the same time whether or not the account exists. */
  private dummyHash: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly accounts: AccountRepository,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly rateLimiter: RateLimiter,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {
    this.dummyHash = hashPassword('dummy password that matches no account');
  }

  async register(input: {
    email: string;
    password: string;
    displayName: string;
    accountType?: 'freelancer' | 'client';
    organizationName?: string;
  }): Promise<{ user: UserRecord; membership: MembershipRecord; tokens: TokenPair }> {
    const email = input.email.trim().toLowerCase();
    assertPasswordPolicy(input.password, email);
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.transaction(async (tx) => {
        const created = await this.accounts.createUserWithPersonalTenant(tx, {
          email,
          displayName: input.displayName.trim(),
          passwordHash,
          tenantKind: input.accountType === 'client' ? 'organization' : 'personal',
          tenantName: input.organizationName?.trim(),
        });
        const refresh = await this.refreshTokens.issue(created.user.id, created.membership.tenantId, tx);
        const access = await this.accessTokens.issue({
          userId: created.user.id,
          tenantId: created.membership.tenantId,
          role: created.membership.role,
          sessionId: refresh.familyId,
        });
        return { ...created, tokens: pair(access, refresh.token) };
      });
    } catch (error) {
      if (error instanceof DatabaseError && error.code === 'unique_violation') {
        throw conflict('email_taken', 'An account with this email already exists; log in instead');
      }
      throw error;
    }
  }

  async login(input: {
    email: string;
    password: string;
    ip: string;
  }): Promise<{ user: UserRecord; tokens: TokenPair }> {
    const email = input.email.trim().toLowerCase();
    const emailKey = createHash('sha256').update(email).digest('base64url').slice(0, 22);
    const [byAccount, byIp] = await Promise.all([
      this.rateLimiter.hit(
        `login:account:${emailKey}`,
        this.limits.perAccount.limit,
        this.limits.perAccount.windowSeconds,
      ),
      this.rateLimiter.hit(`login:ip:${input.ip}`, this.limits.perIp.limit, this.limits.perIp.windowSeconds),
    ]);
    if (!byAccount.allowed || !byIp.allowed) {
      const wait = Math.max(
        byAccount.allowed ? 0 : byAccount.retryAfterSeconds,
        byIp.allowed ? 0 : byIp.retryAfterSeconds,
      );
      throw tooManyRequests(`Too many login attempts; retry in ${wait} seconds`, wait);
    }

    const user = await this.accounts.findUserByEmail(email);
    const valid = await verifyPassword(user?.passwordHash ?? (await this.dummyHash), input.password);
    if (!user || !valid) throw invalidCredentials();

    const membership = (await this.accounts.listMemberships(user.id))[0];
    if (!membership) {
      throw new AppError(
        403,
        'no_tenant',
        'This account belongs to no tenant; ask a tenant administrator to invite you',
      );
    }
    const refresh = await this.refreshTokens.issue(user.id, membership.tenantId);
    const access = await this.accessTokens.issue({
      userId: user.id,
      tenantId: membership.tenantId,
      role: membership.role,
      sessionId: refresh.familyId,
    });
    return { user, tokens: pair(access, refresh.token) };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const membership = await this.accounts.findMembership(rotated.session.userId, rotated.session.tenantId);
    if (!membership) {
      await this.refreshTokens.revokeFamily(rotated.session.familyId, rotated.session.userId);
      throw unauthorized(
        'invalid_refresh_token',
        'The account no longer belongs to this tenant; log in again',
      );
    }
    const access = await this.accessTokens.issue({
      userId: rotated.session.userId,
      tenantId: rotated.session.tenantId,
      role: membership.role,
      sessionId: rotated.session.familyId,
    });
    return pair(access, rotated.token);
  }

  /** Ends the session of the access token and, when given, of the refresh token. */
  async logout(input: { userId: string; sessionId: string; refreshToken?: string }): Promise<void> {
    await this.refreshTokens.revokeFamily(input.sessionId, input.userId);
    if (input.refreshToken) await this.refreshTokens.revokeFamilyOf(input.refreshToken);
  }
}

function pair(access: { token: string; expiresIn: number }, refreshToken: string): TokenPair {
  return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
}
