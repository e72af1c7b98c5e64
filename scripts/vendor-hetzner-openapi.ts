import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { extractVendoredDocument } from '../packages/testing/src/hetzner/openapi/extract.js';

/** Usage: npx tsx scripts/vendor-hetzner-openapi.ts <path to Hetzner's full cloud.spec.json> */
const source = process.argv[2];
if (!source) {
  process.stderr.write(
    'Usage: npx tsx scripts/vendor-hetzner-openapi.ts <path to the full Hetzner cloud.spec.json>\n',
  );
  process.exit(2);
}
const bytes = await readFile(source);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const subset = extractVendoredDocument(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>, {
  sha256,
});
const target = fileURLToPath(
  new URL('../packages/testing/src/hetzner/openapi/hetzner-cloud-openapi.subset.json', import.meta.url),
);
await writeFile(target, `${JSON.stringify(subset, null, 2)}\n`);
process.stdout.write(`Wrote ${target} (${Object.keys(subset.paths as object).length} paths)\n`);
