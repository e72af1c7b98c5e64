-- When skillpod-svc deleted the session recording chunks of an executed erasure from the recordings
-- bucket; NULL while they are still to be removed. Recording rows cascade with the tenant row, so
-- skillpod-svc deletes the chunks of every executed erasure whose tenant row is gone, tenant and
-- account erasures alike. Erasures executed before this migration start out NULL, so the chunks
-- they left behind are deleted at the first purge run.
ALTER TABLE phi_shred_requests ADD COLUMN recordings_purged_at timestamptz;
CREATE INDEX phi_shred_requests_recording_purge_idx ON phi_shred_requests (id)
  WHERE executed_at IS NOT NULL AND recordings_purged_at IS NULL;
