import { createHash } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { attachmentDisposition, type ObjectStore, objectKey } from '@skillancer/object-storage';
import { AppError, conflict } from '@skillancer/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Invoice, StoredPdf } from './invoice.js';
import type { InvoiceService } from './invoice-service.js';
import { recordPdf } from './invoice-updates.js';

/** Object kind in the keys of invoice PDFs: `tenant/<tenantId>/invoice/<uuid>/document.pdf`. */
export const INVOICE_OBJECT_KIND = 'invoice';

export interface InvoiceDocumentsOptions {
  db: Database;
  invoices: InvoiceService;
  /** The invoices bucket (`S3_BUCKET`). */
  store: ObjectStore;
  render: (invoice: Invoice) => Promise<Buffer>;
  /** Lifetime of download URLs; five minutes by default. */
  urlLifetimeSeconds?: number;
}

export interface RenderResult {
  invoice: Invoice;
  pdf: StoredPdf;
  /** True when the stored document was kept because the invoice or its bytes had not changed. */
  reused: boolean;
}

export interface DownloadLink {
  url: string;
  expiresAt: Date;
  pdf: StoredPdf;
  /** False when the invoice changed after the PDF was rendered. */
  upToDate: boolean;
}

/**
 * Invoice PDFs in object storage, under server-generated keys
 * (`tenant/<tenantId>/invoice/<uuid>/document.pdf`). A render stores a new object only when the
 * bytes differ from the stored document, by SHA-256, and records key, hash, size and invoice
 * revision on the invoice row.
 */
export class InvoiceDocuments {
  private readonly urlLifetimeSeconds: number;

  constructor(private readonly options: InvoiceDocumentsOptions) {
    this.urlLifetimeSeconds = options.urlLifetimeSeconds ?? 300;
  }

  /**
   * Renders and stores the invoice's PDF. An unchanged invoice (same revision, object still there)
   * is not rendered again, and a render whose bytes match the stored hash keeps the stored object.
   */
  async render(tenantId: string, id: string, log: FastifyBaseLogger): Promise<RenderResult> {
    const { store } = this.options;
    const invoice = await this.options.invoices.get(tenantId, id);
    const stored = invoice.pdf;
    if (stored !== null && stored.revision === invoice.revision && (await store.head(stored.key)) !== null) {
      return { invoice, pdf: stored, reused: true };
    }

    const bytes = await this.options.render(invoice);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const reused = stored !== null && stored.sha256 === sha256 && (await store.head(stored.key)) !== null;
    const key = reused
      ? stored.key
      : objectKey({ tenantId, kind: INVOICE_OBJECT_KIND, variant: 'document', extension: 'pdf' });
    if (!reused) {
      await store.put(key, bytes, {
        contentType: 'application/pdf',
        contentDisposition: attachmentDisposition(`${invoice.number}.pdf`),
        contentLength: bytes.length,
        metadata: { sha256 },
      });
    }

    const pdf = { key, sha256, size: bytes.length, revision: invoice.revision };
    const recorded = await recordPdf(this.options.db, tenantId, id, pdf, stored?.key ?? null);
    if (!recorded) {
      if (!reused) await this.deleteQuietly(key, invoice.id, log);
      // A concurrent render of the same revision may have won; its document is as good as ours.
      const current = await this.options.invoices.get(tenantId, id);
      if (current.pdf !== null && current.pdf.revision === current.revision) {
        return { invoice: current, pdf: current.pdf, reused: true };
      }
      throw conflict(
        'invoice_changed',
        `Invoice ${invoice.number} changed while its PDF was being rendered; render it again`,
      );
    }
    if (stored !== null && stored.key !== key) await this.deleteQuietly(stored.key, invoice.id, log);

    const updated = await this.options.invoices.get(tenantId, id);
    if (updated.pdf === null) throw new Error(`Invoice ${id} lost its PDF record right after it was written`);
    return { invoice: updated, pdf: updated.pdf, reused };
  }

  /** Returns a short-lived download URL for the stored PDF: presigned on S3, signed by this service on the filesystem driver. */
  async downloadLink(tenantId: string, id: string): Promise<DownloadLink> {
    const invoice = await this.options.invoices.get(tenantId, id);
    if (invoice.pdf === null) {
      throw new AppError(
        404,
        'pdf_not_rendered',
        `Invoice ${invoice.number} has no PDF yet; render one with POST /finance/invoices/${id}/pdf`,
      );
    }
    const signed = await this.options.store.presignedGetUrl(invoice.pdf.key, {
      expiresInSeconds: this.urlLifetimeSeconds,
    });
    return {
      url: signed.url,
      expiresAt: signed.expiresAt,
      pdf: invoice.pdf,
      upToDate: invoice.pdf.revision === invoice.revision,
    };
  }

  /** Deletes a PDF that is no longer referenced; a failure leaves an orphan object and is logged. */
  async deleteQuietly(key: string, invoiceId: string, log: FastifyBaseLogger): Promise<void> {
    try {
      await this.options.store.delete(key);
    } catch (error) {
      log.warn({ err: error, invoiceId }, 'could not delete an unreferenced invoice PDF; the object remains');
    }
  }
}
