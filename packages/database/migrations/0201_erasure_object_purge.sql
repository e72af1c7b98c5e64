-- When the uploads (avatars, portfolio images) of an executed erasure were deleted from object
-- storage; NULL while they are still to be removed.
ALTER TABLE phi_shred_requests ADD COLUMN objects_purged_at timestamptz;
CREATE INDEX phi_shred_requests_purge_idx ON phi_shred_requests (executed_at) WHERE objects_purged_at IS NULL;
