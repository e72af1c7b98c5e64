-- Invoices with line items, payments and a gapless number per tenant and year. The first shape of
-- the invoices table held no rows in any deployment, so it is replaced rather than altered.
DROP TABLE invoices;

-- The last number handed out per tenant and calendar year. Creating an invoice increments the row
-- with INSERT ... ON CONFLICT DO UPDATE in the same transaction as the invoice insert: concurrent
-- creations queue on the row lock, and a rolled-back creation also rolls back its increment, so
-- numbers have neither gaps nor duplicates.
CREATE TABLE invoice_number_counters (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  year integer NOT NULL CHECK (year BETWEEN 1 AND 9999),
  last_sequence integer NOT NULL CHECK (last_sequence > 0),
  PRIMARY KEY (tenant_id, year)
);

CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- INV-<year>-<sequence>, with the sequence zero-padded to at least four digits.
  number text NOT NULL,
  number_year integer NOT NULL,
  number_sequence integer NOT NULL,
  -- A deleted draft stays as a row without content so that its number remains accounted for.
  status text NOT NULL CHECK (status IN ('draft', 'sent', 'paid', 'void', 'deleted')),
  currency char(3) NOT NULL,
  -- BCP 47 tag that selects number and date formats in the PDF.
  locale text NOT NULL,
  tax_rate_bps integer NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 10000),
  issue_date date NOT NULL,
  due_date date NOT NULL CHECK (due_date >= issue_date),
  client_name text NOT NULL,
  client_email text,
  client_address text,
  issuer_name text NOT NULL,
  issuer_email text,
  issuer_address text,
  issuer_tax_id text,
  notes text,
  -- Amounts in minor units of the currency, at most 2^53 - 1 so that JSON numbers carry them exactly.
  subtotal_minor bigint NOT NULL CHECK (subtotal_minor BETWEEN 0 AND 9007199254740991),
  tax_minor bigint NOT NULL CHECK (tax_minor BETWEEN 0 AND 9007199254740991),
  total_minor bigint NOT NULL CHECK (total_minor = subtotal_minor + tax_minor AND total_minor <= 9007199254740991),
  paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0 AND paid_minor <= total_minor),
  -- Incremented by every change to what the PDF shows; a stored PDF is current when pdf_revision matches.
  revision integer NOT NULL DEFAULT 1,
  -- Object key in the invoices bucket, its SHA-256 (hex) and size, and the revision it shows.
  pdf_key text,
  pdf_sha256 char(64),
  pdf_size integer,
  pdf_revision integer,
  pdf_rendered_at timestamptz,
  sent_at timestamptz,
  paid_at timestamptz,
  voided_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, number),
  UNIQUE (tenant_id, number_year, number_sequence)
);
-- Lists page through a tenant's invoices newest number first.
CREATE INDEX invoices_tenant_number_idx ON invoices (tenant_id, number_year DESC, number_sequence DESC);

CREATE TABLE invoice_items (
  invoice_id uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 1),
  description text NOT NULL,
  quantity_thousandths bigint NOT NULL CHECK (quantity_thousandths > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor BETWEEN 0 AND 9007199254740991),
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 0 AND 9007199254740991),
  PRIMARY KEY (invoice_id, position)
);

CREATE TABLE invoice_payments (
  id uuid PRIMARY KEY,
  invoice_id uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 9007199254740991),
  paid_on date NOT NULL,
  reference text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_payments_invoice_idx ON invoice_payments (invoice_id, created_at);
