-- SkillPod lifecycle: every pod row is a state machine that records its volume and the operation in
-- flight, so that a reconciler can finish or roll back work a crashed replica left behind.
-- The pods table holds no rows before this migration (no release created pods), so the new NOT NULL
-- columns need no default.
ALTER TABLE pods
  ADD COLUMN location text NOT NULL,
  -- Provider volume id: the Hetzner volume id as a decimal string, or a UUID for local volumes.
  ADD COLUMN volume_id text,
  -- Node (Hetzner server id) the volume is attached to; null while detached.
  ADD COLUMN server_id text,
  ADD COLUMN device_path text,
  -- Operation in flight: create, stop, start, resize or delete; null in a settled state.
  ADD COLUMN operation text,
  -- Target size of a resize in GB.
  ADD COLUMN operation_size_gb integer,
  -- Settled state to return to when a stop, start, resize or delete fails (and after a resize).
  ADD COLUMN resume_state text,
  ADD COLUMN operation_started_at timestamptz,
  -- Attempts of the operation in flight that ended in a transient provider error.
  ADD COLUMN operation_attempts integer NOT NULL DEFAULT 0,
  -- Lease of the worker running the operation. A reconciler takes over an operation only after the
  -- lease has expired; the worker renews it while it runs and writes results only under its token.
  ADD COLUMN lease_token uuid,
  ADD COLUMN lease_expires_at timestamptz,
  -- Why the pod failed (state failed), or why the latest operation failed (other states).
  ADD COLUMN failure_code text,
  ADD COLUMN failure_message text,
  ADD COLUMN failed_at timestamptz,
  -- Idempotency-Key of the POST /pods request and the SHA-256 of its normalized body.
  ADD COLUMN idempotency_key text,
  ADD COLUMN request_fingerprint text,
  -- Incremented on every update, for compare-and-set updates by the reconciler.
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN deleted_at timestamptz,
  ADD CONSTRAINT pods_state_check CHECK (
    state IN ('provisioning', 'ready', 'stopping', 'stopped', 'starting', 'resizing', 'deleting', 'deleted', 'failed')
  ),
  ADD CONSTRAINT pods_operation_check CHECK (
    operation IS NULL OR operation IN ('create', 'stop', 'start', 'resize', 'delete')
  ),
  -- A pod is in a transitional state exactly when an operation is in flight.
  ADD CONSTRAINT pods_operation_state_check CHECK (
    (operation IS NULL) = (state IN ('ready', 'stopped', 'failed', 'deleted'))
  ),
  ADD CONSTRAINT pods_size_check CHECK (size_gb BETWEEN 10 AND 10240),
  ADD CONSTRAINT pods_resize_target_check CHECK (operation <> 'resize' OR operation_size_gb IS NOT NULL);

DROP INDEX pods_tenant_created_idx;
CREATE INDEX pods_tenant_created_idx ON pods (tenant_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX pods_tenant_idempotency_key_idx ON pods (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX pods_operation_lease_idx ON pods (lease_expires_at) WHERE operation IS NOT NULL;

-- Volumes labelled as SkillPod volumes whose pod is gone or deleted. The reconciler deletes one when
-- it has been seen as an orphan for longer than the grace period, counted from first_seen_at.
CREATE TABLE pod_orphan_volumes (
  provider text NOT NULL,
  volume_id text NOT NULL,
  -- Value of the pod label on the volume; not a foreign key, because the pod row may be gone.
  pod_label text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (provider, volume_id)
);
