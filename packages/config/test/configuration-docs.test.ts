import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigurationMarkdown, VARIABLES } from '../src/index.js';

const docsPath = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));
const envExamplePath = fileURLToPath(new URL('../../../.env.example', import.meta.url));

describe('docs/configuration.md', () => {
  it('matches the configuration schema; run npm run docs:config to update it', async () => {
    expect(await readFile(docsPath, 'utf8')).toBe(renderConfigurationMarkdown());
  });

  it('lists every variable in .env.example', async () => {
    const example = await readFile(envExamplePath, 'utf8');
    for (const spec of VARIABLES) expect(example, spec.name).toMatch(new RegExp(`^#? ?${spec.name}=`, 'm'));
  });
});
