-- Keys the PHI audit chain: new events are hashed with HMAC-SHA256 under a platform-wide audit MAC
-- key, so rewriting the chain needs the master key as well as write access to the database.

-- The audit MAC key: 32 random bytes, stored only wrapped by a master key (AES-256-GCM, bound to
-- its purpose and version), like tenant keys. One key serves every tenant, because a tenant's
-- audit events outlive the erasure of its keys. @skillancer/phi-store creates version 1 at the
-- first append, and `skillancer keys rotate-master` rewraps it.
CREATE TABLE phi_audit_mac_keys (
  version integer PRIMARY KEY CHECK (version >= 1),
  wrapped_key text NOT NULL,
  master_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- How each event's hash was computed: NULL for plain SHA-256 (events written before the audit MAC
-- key existed), N for HMAC-SHA256 under audit MAC key version N. A nullable column without a
-- default rewrites no rows, so the append-only trigger does not fire.
ALTER TABLE phi_audit_events ADD COLUMN mac_key_version integer REFERENCES phi_audit_mac_keys (version);

-- The head of every chain at the moment the audit MAC key was created: its last plain SHA-256
-- event. `seal` is an HMAC-SHA256 under that key of the tenant id, sequence and hash (see
-- sealUnkeyedPrefix in @skillancer/phi-crypto). Verification accepts plain events only up to this
-- sequence, and only if the event there still has this hash. A chain without a row here must be
-- keyed from its first event.
CREATE TABLE phi_audit_unkeyed_prefixes (
  tenant_id text PRIMARY KEY,
  sequence bigint NOT NULL CHECK (sequence >= 1),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  mac_key_version integer NOT NULL REFERENCES phi_audit_mac_keys (version),
  seal text NOT NULL CHECK (seal ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Rejects plain events once the audit MAC key exists, such as those of a replica that still runs
-- the previous release during an upgrade, because verification would report them as a downgrade.
-- The key's creator holds the same advisory lock exclusively, so it waits for transactions that
-- inserted plain events and its snapshot of the chain heads includes them.
CREATE FUNCTION phi_audit_events_require_mac() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.mac_key_version IS NULL THEN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('skillancer:phi_audit_mac_key_creation', 0));
    IF EXISTS (SELECT 1 FROM phi_audit_mac_keys) THEN
      RAISE EXCEPTION 'phi_audit_events accepts only keyed events once the audit MAC key exists'
        USING HINT = 'Set mac_key_version: stop processes of releases that write plain SHA-256 audit events.';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER phi_audit_events_require_mac
  BEFORE INSERT ON phi_audit_events
  FOR EACH ROW EXECUTE FUNCTION phi_audit_events_require_mac();
