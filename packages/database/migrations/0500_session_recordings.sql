-- Session recordings of SkillPods. A recorder uploads a recording in numbered chunks; each chunk is
-- one object in the recordings bucket, encrypted under the tenant's data key in the segmented
-- stream format of @skillancer/phi-crypto. Completing a recording seals its chunk list.

-- Retention per tenant. Tenants without a row keep recordings for the configured default
-- (RECORDING_RETENTION_DAYS). Expiry is computed from the current policy at every read, so a
-- shorter policy also applies to recordings made before it.
CREATE TABLE recording_retention_policies (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recordings (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  pod_id uuid NOT NULL REFERENCES pods (id) ON DELETE CASCADE,
  started_by uuid REFERENCES users (id) ON DELETE SET NULL,
  -- recording: accepts chunks; completed: sealed and playable; deleting: objects are being removed,
  -- and the row goes once they are gone. Deleting rows are invisible to the API.
  state text NOT NULL CHECK (state IN ('recording', 'completed', 'deleting')),
  content_type text NOT NULL,
  -- Random UUID in every object key of the recording. It differs from `id`, so object names
  -- reveal neither the recording, the pod nor the session.
  storage_id uuid NOT NULL UNIQUE,
  -- Set when the recording is completed: number of chunks, plaintext bytes and the duration the
  -- recorder reported.
  chunk_count integer CHECK (chunk_count BETWEEN 1 AND 100000),
  total_bytes bigint CHECK (total_bytes >= 0),
  duration_ms bigint CHECK (duration_ms >= 0),
  created_at timestamptz NOT NULL,
  completed_at timestamptz,
  deleting_since timestamptz,
  CONSTRAINT recordings_completed_check CHECK (
    (completed_at IS NULL) = (chunk_count IS NULL) AND (completed_at IS NULL) = (total_bytes IS NULL)
  ),
  CONSTRAINT recordings_lifecycle_check CHECK (
    (state <> 'completed' OR completed_at IS NOT NULL) AND ((state = 'deleting') = (deleting_since IS NOT NULL))
  )
);

CREATE INDEX recordings_pod_created_idx ON recordings (tenant_id, pod_id, created_at DESC, id DESC);
CREATE INDEX recordings_created_idx ON recordings (created_at);
CREATE INDEX recordings_deleting_idx ON recordings (deleting_since) WHERE state = 'deleting';

-- One row per stored chunk. `sha256` is the digest of the plaintext the recorder sent, which makes
-- a re-sent chunk idempotent and a different body for the same index a conflict. `stream_header`
-- is the header of the chunk's object, kept here so a ranged read needs no extra request.
-- `plaintext_offset` and `seal` are written when the recording is completed; the seal is an
-- HMAC under the tenant's data key over (recording, index, offset, size, header, chunk count,
-- total size), checked before a chunk is played.
CREATE TABLE recording_chunks (
  recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  chunk_index integer NOT NULL CHECK (chunk_index BETWEEN 0 AND 99999),
  object_key text NOT NULL,
  plaintext_bytes integer NOT NULL CHECK (plaintext_bytes BETWEEN 1 AND 16777216),
  ciphertext_bytes bigint NOT NULL CHECK (ciphertext_bytes > plaintext_bytes),
  sha256 bytea NOT NULL CHECK (length(sha256) = 32),
  stream_header bytea NOT NULL,
  plaintext_offset bigint CHECK (plaintext_offset >= 0),
  seal text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, chunk_index),
  CONSTRAINT recording_chunks_sealed_check CHECK ((plaintext_offset IS NULL) = (seal IS NULL))
);

CREATE INDEX recording_chunks_offset_idx ON recording_chunks (recording_id, plaintext_offset)
  WHERE plaintext_offset IS NOT NULL;
