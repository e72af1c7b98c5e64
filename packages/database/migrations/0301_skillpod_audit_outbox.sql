-- Transactional outbox of SkillPod lifecycle events. skillpod-svc inserts a row in the transaction
-- that changes the pod's state, and delivers it to the audit trail (phi_audit_events) in a later
-- transaction that also deletes the row. A crash between the two leaves the row, and the next
-- delivery or periodic drain of any replica appends it, so no committed state change loses its event.
--
-- Rows hold what the audit event will hold: identifiers, sizes, states and failure codes, never PHI
-- or secrets. tenant_id and pod_id are not foreign keys, because the audit trail keeps events of
-- erased tenants and deleted pods, and a pending event must outlive them too.
CREATE TABLE pod_audit_outbox (
  -- Delivery order. Every transaction that inserts an event of a pod first updates (or inserts) that
  -- pod's row, which waits for the previous such transaction to commit, so one pod's ids grow in
  -- commit order.
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL,
  pod_id uuid NOT NULL,
  -- User whose request started the change; null for work the reconciler finished on its own.
  actor_user_id uuid,
  action text NOT NULL CHECK (action ~ '^pod\.[a-z_]+$'),
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
  details jsonb NOT NULL,
  -- Start of the transaction that changed the pod; becomes the audit event's occurred_at.
  occurred_at timestamptz NOT NULL DEFAULT now()
);

-- Delivery locks and reads one pod's rows in id order.
CREATE INDEX pod_audit_outbox_pod_idx ON pod_audit_outbox (pod_id, id);
