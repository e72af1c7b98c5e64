import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The vendored subset of Hetzner's OpenAPI document (volumes, actions, servers, locations), so the
 * suite validates traffic on a fresh clone. `scripts/vendor-hetzner-openapi.ts` regenerates it.
 */
export const VENDORED_DOCUMENT_PATH = fileURLToPath(
  new URL('./openapi/hetzner-cloud-openapi.subset.json', import.meta.url),
);

/** Path of the OpenAPI document: `HETZNER_OPENAPI_PATH` (for example the full published document) when set, else the vendored subset. */
export function openApiDocumentPath(): string {
  return process.env.HETZNER_OPENAPI_PATH ?? VENDORED_DOCUMENT_PATH;
}

let cached: Record<string, unknown> | undefined;

/** Loads and parses the OpenAPI document once per process; fails with the path it looked at. */
export function loadOpenApiDocument(): Record<string, unknown> {
  if (cached !== undefined) return cached;
  const path = openApiDocumentPath();
  if (!existsSync(path)) {
    throw new Error(
      `Hetzner OpenAPI document not found at ${path}; unset HETZNER_OPENAPI_PATH to use the vendored subset`,
    );
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return cached;
}
