export { buildCockpitApp, type CockpitAppDependencies, FILESYSTEM_DOWNLOAD_PREFIX } from './app.js';
export { CURRENCY_CODES, minorUnitsOf } from './invoices/currencies.js';
export type { Invoice, InvoiceLine, InvoiceStatus } from './invoices/invoice.js';
export { computeTotals, type InvoiceTotals } from './invoices/money.js';
export { renderInvoicePdf } from './pdf/invoice-pdf.js';
export { type CockpitServiceContext, createCockpitService } from './server.js';
