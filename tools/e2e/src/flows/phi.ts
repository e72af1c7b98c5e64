import { check, expectStatus, request } from '../http.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

export const PHI_VALUES = {
  ssn: '123-45-6789',
  dateOfBirth: '1980-04-12',
  phone: '+14155550123',
  medicalRecordNumber: 'MRN-0012345',
};

interface RecordView {
  id: string;
  fields: Record<string, string | null>;
}

/**
 * Stores a PHI record, reads it masked, reveals it with a purpose, finds it by its blind index and
 * reads the verified access log. Returns the record id.
 */
export async function phiFlow(
  targets: Targets,
  steps: StepReporter,
  owner: Session,
  stranger: Session,
): Promise<string> {
  const base = `${targets.auth}/hipaa/phi/records`;

  const record = await steps.step('store a PHI record', async () => {
    const response = expectStatus(
      await request('POST', base, {
        token: owner.accessToken,
        json: { recordType: 'patient', fields: PHI_VALUES },
      }),
      201,
      'POST /hipaa/phi/records',
    );
    return response.json<RecordView>();
  });

  await steps.step('read the record masked', async () => {
    const masked = expectStatus(
      await request('GET', `${base}/${record.id}`, { token: owner.accessToken }),
      200,
      'GET record',
    ).json<RecordView>();
    for (const [field, value] of Object.entries(PHI_VALUES)) {
      check(masked.fields[field] !== undefined && masked.fields[field] !== value, `${field} is not masked`);
    }
    check(String(masked.fields.ssn).endsWith('6789'), 'the masked SSN does not keep its last four digits');
  });

  await steps.step('reveal the record with a purpose', async () => {
    const revealed = expectStatus(
      await request('POST', `${base}/${record.id}/reveal`, {
        token: owner.accessToken,
        json: { purpose: 'treatment' },
      }),
      200,
      'reveal',
    ).json<RecordView>();
    check(String(revealed.fields.ssn).replace(/\D/g, '') === '123456789', 'the revealed SSN differs');
    const alphanumeric = (value: string | null | undefined) =>
      String(value)
        .replace(/[^0-9A-Za-z]/g, '')
        .toUpperCase();
    check(
      alphanumeric(revealed.fields.medicalRecordNumber) === alphanumeric(PHI_VALUES.medicalRecordNumber),
      'the revealed MRN differs',
    );
  });

  await steps.step('find the record by its blind index', async () => {
    const found = expectStatus(
      await request('POST', `${base}/search`, {
        token: owner.accessToken,
        json: { field: 'ssn', value: '123 45 6789' },
      }),
      200,
      'search',
    ).json<{ records: RecordView[] }>();
    check(
      found.records.some((candidate) => candidate.id === record.id),
      'the search did not find the record',
    );
  });

  await steps.step('read a verified access log with each step', async () => {
    const log = expectStatus(
      await request('GET', `${targets.auth}/hipaa/phi/access-log`, { token: owner.accessToken }),
      200,
      'access log',
    ).json<{
      events: Array<{ action: string; purpose: string | null }>;
      verified: boolean;
    }>();
    check(log.verified, 'the access log does not verify');
    const actions = new Set(log.events.map((event) => event.action));
    check(actions.size >= 3, `the access log shows too few kinds of events: ${[...actions].join(', ')}`);
    check(
      log.events.some((event) => event.purpose === 'treatment'),
      'the access log lacks the reveal with its purpose',
    );
  });

  await steps.step('another tenant gets 404 for the record', async () => {
    expectStatus(
      await request('GET', `${base}/${record.id}`, { token: stranger.accessToken }),
      404,
      'GET as another tenant',
    );
    expectStatus(
      await request('POST', `${base}/${record.id}/reveal`, {
        token: stranger.accessToken,
        json: { purpose: 'treatment' },
      }),
      404,
      'reveal as another tenant',
    );
  });
  return record.id;
}
