-- Token signing keys are wrapped by the master keyring of @skillancer/phi-crypto, which records
-- the id of the master key that wrapped each one, so a master key rotation can rewrap them.
-- NULL marks a key still sealed in the earlier format (AES-GCM under an HMAC of the raw master
-- key); auth-svc rewraps such keys at start-up.
ALTER TABLE signing_keys ADD COLUMN master_key_id text;
