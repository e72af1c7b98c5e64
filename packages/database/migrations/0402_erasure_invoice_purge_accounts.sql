-- cockpit-svc now deletes the invoice PDFs of every executed erasure whose tenant row is gone,
-- account erasures included, because the invoice rows cascade with the tenant and PDFs without
-- rows could never be found or deleted again. Account erasures executed before this migration
-- still have invoices_purged_at NULL, so their PDFs are deleted at the next purge run.
DROP INDEX phi_shred_requests_invoice_purge_idx;
CREATE INDEX phi_shred_requests_invoice_purge_idx ON phi_shred_requests (id)
  WHERE executed_at IS NOT NULL AND invoices_purged_at IS NULL;
