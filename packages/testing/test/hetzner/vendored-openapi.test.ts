import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractVendoredDocument } from '../../src/hetzner/openapi/extract.js';
import { VENDORED_DOCUMENT_PATH } from '../../src/hetzner/spec-path.js';

/** Hetzner's full published document, when a copy sits beside the repository (as on CI). */
const fullDocumentPath = fileURLToPath(
  new URL('../../../../../shared/reference/hetzner-cloud-openapi.json', import.meta.url),
);

describe('vendored Hetzner OpenAPI subset', () => {
  it('covers the paths the client uses', () => {
    const document = JSON.parse(readFileSync(VENDORED_DOCUMENT_PATH, 'utf8')) as {
      paths: Record<string, unknown>;
    };

    for (const path of [
      '/volumes',
      '/volumes/{id}',
      '/volumes/{id}/actions/attach',
      '/actions',
      '/servers',
      '/locations',
    ]) {
      expect(document.paths, path).toHaveProperty([path]);
    }
  });

  it.skipIf(!existsSync(fullDocumentPath))(
    'matches an extraction of the full document beside the repository',
    () => {
      const bytes = readFileSync(fullDocumentPath);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const expected = extractVendoredDocument(
        JSON.parse(bytes.toString('utf8')) as Record<string, unknown>,
        { sha256 },
      );

      expect(JSON.parse(readFileSync(VENDORED_DOCUMENT_PATH, 'utf8'))).toEqual(expected);
    },
  );
});
