-- First shape of the SkillPod and invoice tables; later migrations extend them.
CREATE TABLE pods (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  owner_user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  state text NOT NULL,
  size_gb integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pods_tenant_created_idx ON pods (tenant_id, created_at DESC);

CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  number text NOT NULL,
  status text NOT NULL,
  currency char(3) NOT NULL,
  total_minor bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, number)
);
CREATE INDEX invoices_tenant_created_idx ON invoices (tenant_id, created_at DESC);
