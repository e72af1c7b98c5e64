/**
 * `npm run smoke`: runs the critical flows against a deployment and prints one line per step.
 *
 *   npm run smoke -- --base-url https://api.example.com        (an ingress that routes by path prefix)
 *   npm run smoke -- --auth-url URL --skillpod-url URL --cockpit-url URL
 *
 * It creates its own throwaway accounts, exits 0 when every step passes and 1 at the first failure.
 */
import { parseArgs } from 'node:util';
import { runCriticalFlows, type Targets } from './flows/index.js';
import { StepReporter } from './reporter.js';

const USAGE = `Usage: npm run smoke -- --base-url URL
       npm run smoke -- --auth-url URL --skillpod-url URL --cockpit-url URL

Runs the critical flows with throwaway accounts against running services and prints one line per step.
  --base-url URL       one URL for all services, when an ingress routes them by path prefix
  --auth-url URL       auth-svc (default: SMOKE_AUTH_URL)
  --skillpod-url URL   skillpod-svc (default: SMOKE_SKILLPOD_URL)
  --cockpit-url URL    cockpit-svc (default: SMOKE_COCKPIT_URL)
Exit codes: 0 all steps passed, 1 a step failed, 2 invalid arguments.
`;

function targetsFrom(argv: string[]): Targets {
  const { values } = parseArgs({
    args: argv,
    options: {
      'base-url': { type: 'string' },
      'auth-url': { type: 'string' },
      'skillpod-url': { type: 'string' },
      'cockpit-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const base = values['base-url'];
  const targets = {
    auth: values['auth-url'] ?? base ?? process.env.SMOKE_AUTH_URL,
    skillpod: values['skillpod-url'] ?? base ?? process.env.SMOKE_SKILLPOD_URL,
    cockpit: values['cockpit-url'] ?? base ?? process.env.SMOKE_COCKPIT_URL,
  };
  for (const [name, url] of Object.entries(targets)) {
    if (!url) throw new Error(`missing the ${name} URL: pass --base-url URL, or --${name}-url URL`);
    try {
      new URL(url);
    } catch {
      throw new Error(`invalid ${name} URL "${url}": expected an absolute URL such as http://127.0.0.1:3001`);
    }
  }
  const strip = (url: string) => url.replace(/\/+$/, '');
  return {
    auth: strip(targets.auth as string),
    skillpod: strip(targets.skillpod as string),
    cockpit: strip(targets.cockpit as string),
  };
}

let targets: Targets;
try {
  targets = targetsFrom(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`smoke: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

const steps = new StepReporter();
try {
  await runCriticalFlows(targets, steps);
  process.stdout.write(`\nsmoke: all ${steps.steps} steps passed\n`);
} catch {
  process.stdout.write(`\nsmoke: failed at step ${steps.steps}\n`);
  process.exit(1);
}
