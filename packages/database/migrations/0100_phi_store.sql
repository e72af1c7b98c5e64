-- PHI protection: wrapped tenant keys, master key check values, the token vault, encrypted PHI
-- records with their blind indexes, the hash-chained audit trail and tenant shred requests.
--
-- Key, token, audit and shred rows carry the tenant id as text without a foreign key, because
-- destroyed keys, audit events and executed shred requests must outlive the tenant as the record
-- of its erasure. PHI records reference tenants and disappear with them.

-- Each version of a tenant's data or blind-index key, stored only wrapped by a master key. A
-- destroyed version keeps its row (without the wrapped bytes) so that audits can list it.
CREATE TABLE phi_tenant_keys (
  tenant_id text NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 200),
  purpose text NOT NULL CHECK (purpose IN ('data', 'index')),
  version integer NOT NULL CHECK (version >= 1),
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired', 'destroyed')),
  wrapped_key text,
  master_key_id text NOT NULL,
  usage_count bigint NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  created_at timestamptz NOT NULL,
  retired_at timestamptz,
  destroyed_at timestamptz,
  PRIMARY KEY (tenant_id, purpose, version),
  CONSTRAINT phi_tenant_keys_destroyed_check CHECK (
    (state = 'destroyed') = (wrapped_key IS NULL) AND (state = 'destroyed') = (destroyed_at IS NOT NULL)
  )
);

-- Serves master key rotation: "live keys not wrapped by the current master key".
CREATE INDEX phi_tenant_keys_master_key_idx ON phi_tenant_keys (master_key_id) WHERE state <> 'destroyed';

-- Per tenant and purpose: the newest version, the minimum decryption version (the lowest active
-- version; lower versions are retired or destroyed) and the encryptions reserved in total.
CREATE VIEW phi_tenant_key_summary AS
SELECT
  tenant_id,
  purpose,
  max(version) AS newest_version,
  min(version) FILTER (WHERE state = 'active') AS min_decryption_version,
  count(*) FILTER (WHERE state = 'active') AS active_versions,
  count(*) FILTER (WHERE state = 'retired') AS retired_versions,
  count(*) FILTER (WHERE state = 'destroyed') AS destroyed_versions,
  sum(usage_count) AS usage_count
FROM phi_tenant_keys
GROUP BY tenant_id, purpose;

-- Check values (an HMAC under each master key) recorded at the first start with that key, so
-- that a wrong ENCRYPTION_MASTER_KEY is reported before any data is read or written.
CREATE TABLE phi_master_key_checks (
  master_key_id text PRIMARY KEY,
  check_value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_verified_at timestamptz NOT NULL DEFAULT now()
);

-- Token vault: token -> encrypted canonical value, and the blind index that makes the same value
-- in the same tenant and field map to the same token.
CREATE TABLE phi_tokens (
  tenant_id text NOT NULL,
  token text NOT NULL,
  field text NOT NULL,
  blind_index text NOT NULL,
  ciphertext text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, token),
  CONSTRAINT phi_tokens_blind_index_key UNIQUE (tenant_id, field, blind_index)
);

-- PHI records: `fields` maps a field name to its field ciphertext. Plaintext never reaches this
-- table; the ciphertext is bound to (tenant, record type, record id, field name).
CREATE TABLE phi_records (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  record_type text NOT NULL CHECK (record_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(fields) = 'object'),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX phi_records_tenant_id_idx ON phi_records (tenant_id, id);

-- One blind index per indexed field of a record, computed with the tenant's index key version
-- named in its `bi<version>_` prefix. `phi_type` lets a job recompute it after an index key rotation.
CREATE TABLE phi_record_indexes (
  record_id uuid NOT NULL REFERENCES phi_records (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  field text NOT NULL,
  phi_type text NOT NULL,
  blind_index text NOT NULL,
  PRIMARY KEY (record_id, field)
);

CREATE INDEX phi_record_indexes_lookup_idx ON phi_record_indexes (tenant_id, field, blind_index);

-- The audit trail: one hash chain per tenant. `hash` covers every column from tenant_id to
-- key_version (see hashAuditEvent in @skillancer/phi-crypto); `details` is informational and not
-- covered. Rows never hold PHI, only identifiers.
CREATE TABLE phi_audit_events (
  tenant_id text NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 200),
  sequence bigint NOT NULL CHECK (sequence >= 1),
  occurred_at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  action text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  purpose text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  key_version integer CHECK (key_version >= 1),
  details jsonb,
  previous_hash text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sequence)
);

-- The newest event of each chain. Appenders lock this row (SELECT ... FOR UPDATE), so writers on
-- several connections or replicas append one after another and the chain stays linear. It is also
-- the expected head during verification, which detects events deleted from the end.
CREATE TABLE phi_audit_chain_heads (
  tenant_id text PRIMARY KEY,
  sequence bigint NOT NULL CHECK (sequence >= 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION phi_audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'phi_audit_events is append-only: % is not allowed', TG_OP
    USING HINT = 'Audit events can only be inserted; the hash chain would record any change.';
END;
$$;

CREATE TRIGGER phi_audit_events_append_only
  BEFORE UPDATE OR DELETE ON phi_audit_events
  FOR EACH ROW EXECUTE FUNCTION phi_audit_events_reject_change();

CREATE TRIGGER phi_audit_events_no_truncate
  BEFORE TRUNCATE ON phi_audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION phi_audit_events_reject_change();

-- Requests to erase a tenant: its keys are destroyed and its data deleted once `due_at` has
-- passed, unless the request was cancelled first. At most one request per tenant is pending.
-- `started_at` is set when the job claims a request; from then on it can no longer be cancelled,
-- and a job that crashed resumes it on its next run.
CREATE TABLE phi_shred_requests (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('account', 'tenant')),
  user_id uuid,
  requested_by text NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  requested_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  cancelled_by text,
  started_at timestamptz,
  executed_at timestamptz,
  CHECK (due_at >= requested_at),
  CHECK (cancelled_at IS NULL OR (started_at IS NULL AND executed_at IS NULL)),
  CHECK ((scope = 'account') = (user_id IS NOT NULL))
);

CREATE UNIQUE INDEX phi_shred_requests_pending_key ON phi_shred_requests (tenant_id)
  WHERE cancelled_at IS NULL AND executed_at IS NULL;
CREATE INDEX phi_shred_requests_due_idx ON phi_shred_requests (due_at)
  WHERE cancelled_at IS NULL AND executed_at IS NULL;
