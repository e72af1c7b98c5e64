import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigurationMarkdown } from '@skillancer/config';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
await writeFile(target, renderConfigurationMarkdown());
process.stdout.write(`Wrote ${target}\n`);
