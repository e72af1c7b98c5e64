import { type ServerSeed, SKILLPOD_NODE_LABEL } from './fixtures.js';
import { OpenApiValidator } from './openapi-validator.js';
import { startHetznerSimulator } from './server.js';

// Runs the simulator as its own process. Environment:
//   PORT                          port on 127.0.0.1 (default 0: a free port)
//   TOKEN                         accepted API token, comma-separated for several (default test-token)
//   HETZNER_SIM_DURATION_MS       duration of every volume action in ms (default 2000)
//   HETZNER_SIM_RATE_LIMIT        requests per bucket (default 3600)
//   HETZNER_SIM_REFILL_PER_SECOND bucket refill per second (default 1)
//   HETZNER_SIM_VOLUME_QUOTA      maximum volumes in the project (default unlimited)
//   HETZNER_SIM_VALIDATE          "1" to check traffic against the OpenAPI document and print problems
//   HETZNER_SIM_NODES             SkillPod nodes to seed per location, for example "fsn1:3,nbg1:1"
//                                 (default: three in fsn1, one in nbg1, plus one server that is no node)
// It prints one line, `HETZNER_API_URL=<url>`, once it listens.

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name}=${raw} is not a non-negative number`);
  }
  return value;
}

/** Parses `fsn1:3,nbg1:1` into server seeds labelled as SkillPod nodes. */
function nodesFromEnv(raw: string | undefined): ServerSeed[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').flatMap((entry) => {
    const [location = '', countText = ''] = entry.trim().split(':');
    const count = Number(countText);
    if (location === '' || !Number.isInteger(count) || count < 0) {
      throw new Error(`HETZNER_SIM_NODES entry '${entry}' is not <location>:<count>, for example fsn1:3`);
    }
    return Array.from({ length: count }, (_, index) => ({
      name: `skillpod-node-${location}-${index + 1}`,
      location,
      labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    }));
  });
}

const servers = nodesFromEnv(process.env.HETZNER_SIM_NODES);
const duration = numberFromEnv('HETZNER_SIM_DURATION_MS', 2000);
const quota = process.env.HETZNER_SIM_VOLUME_QUOTA;
const validator = process.env.HETZNER_SIM_VALIDATE === '1' ? new OpenApiValidator() : undefined;
const simulator = await startHetznerSimulator({
  port: numberFromEnv('PORT', 0),
  tokens: (process.env.TOKEN ?? 'test-token').split(',').filter((token) => token !== ''),
  durations: {
    create_volume: duration,
    attach_volume: duration,
    detach_volume: duration,
    resize_volume: duration,
  },
  rateLimit: {
    limit: numberFromEnv('HETZNER_SIM_RATE_LIMIT', 3600),
    refillPerSecond: numberFromEnv('HETZNER_SIM_REFILL_PER_SECOND', 1),
  },
  ...(quota === undefined || quota === ''
    ? {}
    : { volumeQuota: numberFromEnv('HETZNER_SIM_VOLUME_QUOTA', 0) }),
  ...(validator === undefined ? {} : { validator }),
  ...(servers === undefined ? {} : { servers }),
});
process.stdout.write(`HETZNER_API_URL=${simulator.url}\n`);

let reported = 0;
const report = setInterval(() => {
  for (const violation of simulator.violations.slice(reported))
    process.stderr.write(`openapi: ${violation}\n`);
  reported = simulator.violations.length;
}, 1000);

const stop = (): void => {
  clearInterval(report);
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
