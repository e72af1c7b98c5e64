import type { PlatformConfig } from '@skillancer/config';
import { HetznerClient, type Location, type Server } from '@skillancer/hetzner-cloud';
import { DEFAULT_VOLUMES_PER_NODE } from '@skillancer/volumes';
import { diagnoseHetzner } from '../../runtime/diagnose.js';
import { type CheckResult, type DoctorContext, failed, ok, skipped, warning } from './check.js';

/** Creates a client that fails fast (no retries, no pacing), so a doctor run reports a problem instead of waiting it out. */
export function doctorHetznerClient(config: PlatformConfig): HetznerClient {
  return new HetznerClient({
    token: config.volumes.hetznerApiToken ?? '',
    endpoint: config.volumes.hetznerApiUrl,
    timeoutMs: 10_000,
    retry: { maxRetries: 0 },
    pace: false,
  });
}

/**
 * Checks the Hetzner side of the volume provider: the token authenticates, the configured location
 * exists, and servers matching SKILLPOD_NODE_SELECTOR run there with free attachment slots.
 */
export async function checkHetzner(context: DoctorContext): Promise<CheckResult[]> {
  const { volumes } = context.config;
  if (volumes.provider !== 'hetzner') {
    return [ok('volumes', `local provider at ${volumes.localRootDir}`)];
  }
  const client = doctorHetznerClient(context.config);
  const api = volumes.hetznerApiUrl;

  let locations: Location[];
  try {
    locations = await client.locations.all();
  } catch (error) {
    const diagnosis = diagnoseHetzner(error, api);
    return [
      failed('hetzner token', diagnosis.problem, diagnosis.fix),
      skipped('hetzner location', 'not checked, because the API call failed'),
      skipped('hetzner nodes', 'not checked, because the API call failed'),
    ];
  }
  const results: CheckResult[] = [ok('hetzner token', `accepted by ${api}`)];

  const location = locations.find((candidate) => candidate.name === volumes.location);
  if (location === undefined) {
    results.push(
      failed(
        'hetzner location',
        `HETZNER_LOCATION=${volumes.location} is not a location of this API (available: ${locations.map((l) => l.name).join(', ')})`,
        'set HETZNER_LOCATION to the location of the SkillPod nodes',
      ),
    );
  } else {
    results.push(ok('hetzner location', `${location.name} (${location.description})`));
  }

  results.push(await checkNodes(client, context.config));
  const budget = client.rateLimit;
  if (budget !== null && budget.remaining < budget.limit / 10) {
    results.push(
      warning(
        'hetzner rate limit',
        `only ${budget.remaining} of ${budget.limit} API requests left; the budget is full again at ${budget.resetAt.toISOString()}`,
        'look for a process that calls the Hetzner API in a loop',
      ),
    );
  }
  return results;
}

async function checkNodes(client: HetznerClient, config: PlatformConfig): Promise<CheckResult> {
  const { nodeSelector, location } = config.volumes;
  const check = 'hetzner nodes';
  let servers: Server[];
  try {
    servers = await client.servers.all({ labelSelector: nodeSelector });
  } catch (error) {
    const diagnosis = diagnoseHetzner(error, config.volumes.hetznerApiUrl);
    return failed(check, diagnosis.problem, diagnosis.fix);
  }

  const inLocation = servers.filter((server) => server.location.name === location);
  if (inLocation.length === 0) {
    const elsewhere = [...new Set(servers.map((server) => server.location.name))];
    return failed(
      check,
      `no server matching SKILLPOD_NODE_SELECTOR=${nodeSelector} in ${location}` +
        (elsewhere.length > 0 ? ` (${servers.length} match in ${elsewhere.join(', ')})` : ''),
      `label the SkillPod nodes in ${location} with ${nodeSelector}, or set HETZNER_LOCATION to where they are`,
    );
  }
  const freeSlots = inLocation.reduce(
    (sum, server) => sum + Math.max(0, DEFAULT_VOLUMES_PER_NODE - server.volumeIds.length),
    0,
  );
  const running = inLocation.filter((server) => server.status === 'running').length;
  if (freeSlots === 0) {
    return failed(
      check,
      `${inLocation.length} server(s) match ${nodeSelector} in ${location}, but all ${DEFAULT_VOLUMES_PER_NODE} volume slots of each are taken`,
      'add a SkillPod node, or delete unused volumes (`skillancer volumes orphans` lists candidates)',
    );
  }
  const message = `${inLocation.length} server(s) match ${nodeSelector} in ${location} (${running} running), ${freeSlots} free volume slot(s)`;
  if (running === 0) {
    return failed(check, `${message}, but none is running`, 'start a SkillPod node');
  }
  return ok(check, message);
}
