import { ALIASES, VARIABLES, type VariableSpec } from './variables.js';

const HEADER = `# Configuration

<!-- Generated from packages/config/src/variables.ts by \`npm run docs:config\`; a test fails when this file is out of date. -->

Every setting comes from an environment variable, read once at start-up. A bad or missing value stops
the process with one line per problem that names the variable and the fix. Without any variable,
\`npm start\` runs on embedded defaults (PGlite, filesystem storage, local volumes and a generated
development master key, all under \`DATA_DIR\`). With \`NODE_ENV=production\` those defaults are rejected:
\`DATABASE_URL\`, \`S3_ENDPOINT\` with credentials, and \`ENCRYPTION_MASTER_KEY\` are required.

Variables marked as secret belong in the Kubernetes secret (\`deploy/kubernetes/base/secrets.template.yaml\`),
the others in the config map.
`;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function row(spec: VariableSpec): string {
  const aliases = Object.entries(ALIASES)
    .filter(([, target]) => target === spec.name)
    .map(([alias]) => `\`${alias}\``);
  const name = `\`${spec.name}\`${aliases.length > 0 ? ` (alias ${aliases.join(', ')})` : ''}`;
  const cells = [
    name,
    spec.type + (spec.secret ? ', secret' : ''),
    spec.defaultText === undefined ? '(none)' : `\`${spec.defaultText}\``,
    `\`${spec.example}\``,
    spec.services.join(', '),
    spec.description,
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

/** Renders docs/configuration.md from the variable list. */
export function renderConfigurationMarkdown(): string {
  const lines = [
    HEADER,
    '| Variable | Type | Default | Example | Read by | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...VARIABLES.map(row),
    '',
  ];
  return lines.join('\n');
}
