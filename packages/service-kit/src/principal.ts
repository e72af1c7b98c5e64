/** A tenant role, from the membership of the user in the tenant of the token. */
export type Role = 'owner' | 'admin' | 'member';

/** The actions a role grants; checked by routes with `requirePermission`. */
export type Permission =
  | 'phi:read'
  | 'phi:write'
  | 'phi:reveal'
  | 'audit:read'
  | 'tenant:admin'
  | 'pods:manage'
  | 'recordings:watch'
  | 'invoices:manage';

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: [
    'phi:read',
    'phi:write',
    'phi:reveal',
    'audit:read',
    'tenant:admin',
    'pods:manage',
    'recordings:watch',
    'invoices:manage',
  ],
  admin: [
    'phi:read',
    'phi:write',
    'phi:reveal',
    'audit:read',
    'tenant:admin',
    'pods:manage',
    'recordings:watch',
    'invoices:manage',
  ],
  member: ['phi:read', 'phi:write', 'pods:manage', 'invoices:manage'],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

/** The authenticated caller of a request, taken from a verified access token. */
export interface Principal {
  userId: string;
  tenantId: string;
  role: Role;
  /** The refresh-token family (login session) the access token belongs to. */
  sessionId: string;
  permissions: readonly Permission[];
}

/** Claims of an access token beyond the registered ones (`sub`, `iss`, `aud`, `iat`, `exp`, `jti`). */
export interface AccessTokenClaims {
  tid: string;
  role: Role;
  sid: string;
}

export const ACCESS_TOKEN_AUDIENCE = 'skillancer';
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
