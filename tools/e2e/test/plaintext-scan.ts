import type { Queryable } from '@skillancer/database';

/** The PHI of the flows in every form the services might store it: as sent and normalized. */
export const PHI_NEEDLES = [
  '123-45-6789',
  '123456789',
  '1980-04-12',
  '+14155550123',
  '4155550123',
  'MRN-0012345',
  'MRN0012345',
];

/** Returns `table: needle` for every table row whose JSON text contains one of the needles. */
export async function findPlaintext(db: Queryable, needles: readonly string[]): Promise<string[]> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const hits: string[] = [];
  for (const { table_name: table } of tables) {
    const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
    for (const { row } of rows) {
      for (const needle of needles) if (row.includes(needle)) hits.push(`${table}: ${needle}`);
    }
  }
  return hits;
}
