-- When cockpit-svc deleted the invoice PDFs of an executed tenant erasure from the invoices bucket;
-- NULL while they are still to be removed. Tenant erasures executed before this migration start
-- out NULL, so their PDFs are deleted too. Account erasures keep their invoice PDFs, because
-- invoices are business records under legal retention, so the column stays NULL for them.
ALTER TABLE phi_shred_requests ADD COLUMN invoices_purged_at timestamptz;
CREATE INDEX phi_shred_requests_invoice_purge_idx ON phi_shred_requests (id)
  WHERE scope = 'tenant' AND executed_at IS NOT NULL AND invoices_purged_at IS NULL;
