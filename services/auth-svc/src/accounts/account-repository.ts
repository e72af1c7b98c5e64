import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@skillancer/database';
import type { Role } from '@skillancer/service-kit';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: Date;
}

export interface MembershipRecord {
  tenantId: string;
  tenantName: string;
  tenantKind: 'personal' | 'organization';
  role: Role;
}

type UserRow = { id: string; email: string; display_name: string; password_hash: string; created_at: Date };
type MembershipRow = { tenant_id: string; name: string; kind: 'personal' | 'organization'; role: Role };

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

/** Users, tenants and memberships. Emails are stored lowercased and unique. */
export class AccountRepository {
  constructor(private readonly db: Database) {}

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const { rows } = await this.db.query<UserRow>(
      'SELECT id, email, display_name, password_hash, created_at FROM users WHERE email = $1',
      [email],
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.db.query<UserRow>(
      'SELECT id, email, display_name, password_hash, created_at FROM users WHERE id = $1',
      [id],
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  /** Creates the user with a personal tenant it owns, all in the caller's transaction. */
  async createUserWithPersonalTenant(
    tx: Queryable,
    input: {
      email: string;
      displayName: string;
      passwordHash: string;
      tenantKind?: 'personal' | 'organization';
      tenantName?: string;
    },
  ): Promise<{ user: UserRecord; membership: MembershipRecord }> {
    const userId = randomUUID();
    const tenantId = randomUUID();
    const kind = input.tenantKind ?? 'personal';
    const tenantName = input.tenantName ?? input.displayName;
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, email, display_name, password_hash, created_at`,
      [userId, input.email, input.displayName, input.passwordHash],
    );
    await tx.query('INSERT INTO tenants (id, name, kind) VALUES ($1, $2, $3)', [tenantId, tenantName, kind]);
    await tx.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')", [
      tenantId,
      userId,
    ]);
    return {
      user: toUser(rows[0] as UserRow),
      membership: { tenantId, tenantName, tenantKind: kind, role: 'owner' },
    };
  }

  /** Lists the user's memberships, the personal tenant first. */
  async listMemberships(userId: string): Promise<MembershipRecord[]> {
    const { rows } = await this.db.query<MembershipRow>(
      `SELECT m.tenant_id, t.name, t.kind, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
        WHERE m.user_id = $1 ORDER BY (t.kind = 'personal') DESC, t.created_at`,
      [userId],
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      tenantName: row.name,
      tenantKind: row.kind,
      role: row.role,
    }));
  }

  /** The user together with one membership, in one query; undefined if either is gone. */
  async findUserInTenant(
    userId: string,
    tenantId: string,
  ): Promise<{ user: UserRecord; membership: MembershipRecord } | undefined> {
    const { rows } = await this.db.query<UserRow & MembershipRow>(
      `SELECT u.id, u.email, u.display_name, u.password_hash, u.created_at, m.tenant_id, t.name, t.kind, m.role
         FROM users u
         JOIN memberships m ON m.user_id = u.id AND m.tenant_id = $2
         JOIN tenants t ON t.id = m.tenant_id
        WHERE u.id = $1`,
      [userId, tenantId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      user: toUser(row),
      membership: { tenantId: row.tenant_id, tenantName: row.name, tenantKind: row.kind, role: row.role },
    };
  }

  async findMembership(userId: string, tenantId: string): Promise<MembershipRecord | undefined> {
    const memberships = await this.listMemberships(userId);
    return memberships.find((membership) => membership.tenantId === tenantId);
  }
}
