import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseError } from './errors.js';

/** One SQL migration file. */
export interface Migration {
  /** The file name, such as `0001_foundation.sql`; also the key in `schema_migrations`. */
  name: string;
  path: string;
  /** SHA-256 of the file in hex, after CRLF line endings are turned into LF. */
  checksum: string;
  sql: string;
}

/** The migrations of this package: packages/database/migrations. */
export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * Reads the migrations in `directory`, sorted by file name. Every `.sql` file must be named
 * `NNNN_name.sql` (four digits, then lowercase letters, digits and underscores), and no two files may
 * share a number. Other files, such as a README, are ignored.
 */
export async function listMigrations(directory: string = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw new DatabaseError(
      'invalid_migration',
      `Cannot read the migrations directory ${directory}; check that it exists and is readable.`,
      { cause: error },
    );
  }

  const names = entries.filter((entry) => entry.endsWith('.sql')).sort();
  const byNumber = new Map<string, string>();
  for (const name of names) {
    const match = FILE_NAME.exec(name);
    if (match === null) {
      throw new DatabaseError(
        'invalid_migration',
        `Migration file ${join(directory, name)} is misnamed; name it NNNN_name.sql with four digits ` +
          'and lowercase letters, digits or underscores, such as 0002_add_invoices.sql.',
      );
    }
    const number = match[1] ?? '';
    const earlier = byNumber.get(number);
    if (earlier !== undefined) {
      throw new DatabaseError(
        'invalid_migration',
        `Migration files ${earlier} and ${name} in ${directory} share the number ${number}; renumber the newer one.`,
      );
    }
    byNumber.set(number, name);
  }

  return Promise.all(
    names.map(async (name) => {
      const path = join(directory, name);
      const sql = await readFile(path, 'utf8');
      return { name, path, checksum: checksumOf(sql), sql };
    }),
  );
}

/** Line endings are normalized so that a checkout with CRLF endings keeps the same checksum. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replaceAll('\r\n', '\n'), 'utf8').digest('hex');
}
