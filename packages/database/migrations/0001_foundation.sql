-- Accounts and tenants, refresh tokens and the JWT signing keys of auth-svc.
-- Written for PostgreSQL 15 and for PGlite 0.5 (PostgreSQL 18.7), so it uses no extensions:
-- gen_random_uuid() is built in since PostgreSQL 13.

CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('personal', 'organization')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Emails are stored lowercased (citext is an extension, so it is not used); the check keeps a
-- mixed-case address from slipping past the unique index.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  password_hash text NOT NULL,
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE memberships (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);

-- Lists the tenants of a user at login; the primary key already serves lookups by tenant.
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

-- Refresh tokens rotate on every use. All tokens issued from one login share a family_id, so that
-- the reuse of a spent token can revoke the whole family. Only a hash of each token is stored.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  replaced_by uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

-- Keys that sign access tokens. private_key_ciphertext is the private key as encrypted by
-- auth-svc, and retired_at marks a key that no longer signs new tokens.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  algorithm text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_key_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
