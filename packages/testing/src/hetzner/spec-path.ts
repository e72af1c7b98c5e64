import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root is four levels above this file (packages/testing/src/hetzner). */
const DEFAULT_PATH = new URL('../../../../../shared/reference/hetzner-cloud-openapi.json', import.meta.url);

/**
 * Path of Hetzner's OpenAPI document: `HETZNER_OPENAPI_PATH` when set, otherwise
 * `shared/reference/hetzner-cloud-openapi.json` in the folder beside the repository.
 */
export function openApiDocumentPath(): string {
  return process.env.HETZNER_OPENAPI_PATH ?? fileURLToPath(DEFAULT_PATH);
}

let cached: Record<string, unknown> | undefined;

/** Loads and parses the OpenAPI document once per process; fails with the path it looked at. */
export function loadOpenApiDocument(): Record<string, unknown> {
  if (cached !== undefined) return cached;
  const path = openApiDocumentPath();
  if (!existsSync(path)) {
    throw new Error(
      `Hetzner OpenAPI document not found at ${path}; place shared/reference/hetzner-cloud-openapi.json beside the repository or set HETZNER_OPENAPI_PATH`,
    );
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return cached;
}
