-- A user's profile within one tenant. Headline and bio are plaintext; the sensitive fields
-- (phone, date of birth, address, tax id) live encrypted in the phi_records row it points to,
-- under the keys of the same tenant.
CREATE TABLE user_profiles (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  headline text CHECK (length(headline) <= 200),
  bio text CHECK (length(bio) <= 5000),
  phi_record_id uuid REFERENCES phi_records (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);

CREATE INDEX user_profiles_user_id_idx ON user_profiles (user_id);
