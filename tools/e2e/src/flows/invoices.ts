import { check, expectStatus, request } from '../http.js';
import { pdfText } from '../pdf-text.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

/** Creates an invoice, adds items, renders the PDF, downloads it through the returned URL and reads it. */
export async function invoiceFlow(
  targets: Targets,
  steps: StepReporter,
  owner: Session,
  stranger: Session,
): Promise<void> {
  const base = `${targets.cockpit}/finance/invoices`;
  const today = new Date().toISOString().slice(0, 10);

  const invoice = await steps.step('create an invoice draft', async () => {
    const response = expectStatus(
      await request('POST', base, {
        token: owner.accessToken,
        json: {
          client: {
            name: 'Zażółć Gęślą Klinika',
            email: 'billing@example.com',
            address: 'ul. Długa 1, Gdańsk',
          },
          items: [{ description: 'Security review', quantity: '2', unitPriceMinor: 45_000 }],
          currency: 'EUR',
          taxRateBps: 1900,
          issueDate: today,
          dueDate: today,
          locale: 'de-DE',
        },
      }),
      201,
      'POST /finance/invoices',
    );
    return response.json<{ id: string; number: string }>();
  });

  await steps.step('add items to the draft', async () => {
    expectStatus(
      await request('PATCH', `${base}/${invoice.id}`, {
        token: owner.accessToken,
        json: {
          items: [
            { description: 'Security review', quantity: '2', unitPriceMinor: 45_000 },
            { description: 'Ελληνικά και Кириллица, 中文', quantity: '1.5', unitPriceMinor: 12_345 },
          ],
        },
      }),
      200,
      'PATCH /finance/invoices/:id',
    );
  });

  await steps.step('render, download and read the PDF', async () => {
    expectStatus(
      await request('POST', `${base}/${invoice.id}/pdf`, { token: owner.accessToken }),
      200,
      'render the PDF',
    );
    const link = expectStatus(
      await request('GET', `${base}/${invoice.id}/pdf`, { token: owner.accessToken }),
      200,
      'get the PDF URL',
    );
    const url = new URL(link.json<{ url: string }>().url, targets.cockpit).toString();
    const download = expectStatus(await request('GET', url), 200, 'download the PDF');
    check(download.body.subarray(0, 5).toString('latin1') === '%PDF-', 'the download is not a PDF');
    const text = await pdfText(download.body);
    if (text !== undefined) {
      check(text.includes(invoice.number), `the PDF text lacks the invoice number ${invoice.number}`);
      check(text.includes('Zażółć Gęślą Klinika'), 'the PDF text lacks the client name');
    }
  });

  await steps.step('another tenant gets 404 for the invoice', async () => {
    expectStatus(
      await request('GET', `${base}/${invoice.id}`, { token: stranger.accessToken }),
      404,
      'GET as another tenant',
    );
    expectStatus(
      await request('GET', `${base}/${invoice.id}/pdf`, { token: stranger.accessToken }),
      404,
      'PDF as another tenant',
    );
  });
}
