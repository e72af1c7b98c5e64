import { loadConfig } from '@skillancer/config';
import { createVolumeProvider } from '@skillancer/skillpod-svc';
import type { Command } from 'commander';
import { diagnoseHetzner } from '../../runtime/diagnose.js';
import { CommandFailed } from '../../runtime/io.js';
import { openOperationsDatabase } from '../../runtime/operations-database.js';
import { formatTable, Output } from '../../runtime/output.js';
import type { CommandContext } from '../context.js';
import { listManagedVolumes, type OrphanReason, type VolumeEntry } from './inventory.js';

const REASONS: Record<OrphanReason, string> = {
  no_pod_label: 'the volume has no pod label',
  pod_missing: 'no pod row with this id',
  pod_deleted: 'the pod is deleted',
  pod_has_other_volume: 'the pod records another volume',
};

function toJson(entry: VolumeEntry): Record<string, unknown> {
  const { volume } = entry;
  return {
    id: volume.id,
    name: volume.name,
    sizeGb: volume.sizeGb,
    location: volume.location,
    serverId: volume.serverId,
    protected: volume.protected,
    createdAt: volume.createdAt.toISOString(),
    podId: entry.podId,
    podState: entry.pod?.state ?? null,
    tenantId: entry.pod?.tenantId ?? null,
    orphanReason: entry.orphanReason,
    orphanSince: entry.orphanSince?.toISOString() ?? null,
  };
}

async function inventory(context: CommandContext): Promise<{ entries: VolumeEntry[]; provider: string }> {
  const config = loadConfig(context.io.env, context.io.cwd);
  const provider = createVolumeProvider(config.volumes);
  const db = await openOperationsDatabase(config, context.io);
  try {
    return { entries: await listManagedVolumes(provider, db), provider: provider.kind };
  } catch (error) {
    const diagnosis = diagnoseHetzner(error, config.volumes.hetznerApiUrl);
    throw new CommandFailed(`listing volumes failed: ${diagnosis.problem}; fix: ${diagnosis.fix}`);
  } finally {
    await db.close();
  }
}

export function registerVolumeCommands(program: Command, context: CommandContext): void {
  const volumes = program.command('volumes').description('SkillPod volumes at the configured provider');

  volumes
    .command('list')
    .description("List the volumes labelled as the platform's, with the pod each belongs to")
    .option('--json', 'print the volumes as JSON')
    .action(async (options: { json?: boolean }) => {
      const output = new Output(context.io, { json: options.json ?? false });
      const { entries, provider } = await inventory(context);
      const rows = entries.map((entry) => [
        entry.volume.id,
        entry.volume.name,
        `${entry.volume.sizeGb} GB`,
        entry.volume.location,
        entry.volume.serverId ?? '-',
        entry.podId ?? '-',
        entry.orphanReason === null ? (entry.pod?.state ?? '-') : `orphan (${REASONS[entry.orphanReason]})`,
      ]);
      for (const line of formatTable([
        ['VOLUME', 'NAME', 'SIZE', 'LOCATION', 'SERVER', 'POD', 'POD STATE'],
        ...rows,
      ])) {
        output.line(line);
      }
      output.line(`${entries.length} volume(s) at the ${provider} provider.`);
      output.result(entries.map(toJson));
    });

  volumes
    .command('orphans')
    .description(
      "List the platform's volumes without a live pod, which skillpod-svc deletes after a grace period",
    )
    .option('--json', 'print the orphans as JSON')
    .action(async (options: { json?: boolean }) => {
      const output = new Output(context.io, { json: options.json ?? false });
      const { entries, provider } = await inventory(context);
      const orphans = entries.filter((entry) => entry.orphanReason !== null);
      const rows = orphans.map((entry) => [
        entry.volume.id,
        entry.volume.name,
        `${entry.volume.sizeGb} GB`,
        entry.podId ?? '-',
        entry.orphanSince?.toISOString() ?? 'not yet',
        REASONS[entry.orphanReason as OrphanReason],
      ]);
      if (orphans.length > 0) {
        for (const line of formatTable([
          ['VOLUME', 'NAME', 'SIZE', 'POD', 'SEEN BY RECONCILER', 'REASON'],
          ...rows,
        ])) {
          output.line(line);
        }
      }
      output.line(`${orphans.length} orphan volume(s) of ${entries.length} at the ${provider} provider.`);
      output.result(orphans.map(toJson));
    });
}
