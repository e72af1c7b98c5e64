import { loadConfig } from '@skillancer/config';
import type { Command } from 'commander';
import { CliError } from '../../runtime/io.js';
import { Output } from '../../runtime/output.js';
import type { CommandContext } from '../context.js';
import { SOURCE_ETAG_METADATA } from './copy-object.js';
import { parseSource, parseTarget, type SourceFlags } from './locations.js';
import { type MigrationCounts, migrateObjects } from './migrate.js';

interface MigrateFlags extends SourceFlags {
  from: string;
  to: string;
  dryRun?: boolean;
  concurrency: string;
  json?: boolean;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function progressLine(counts: MigrationCounts, dryRun: boolean): string {
  const copied = dryRun ? `${counts.planned} to copy` : `${counts.copied} copied`;
  return `${counts.listed} listed: ${copied}, ${counts.skipped} skipped, ${counts.failed} failed (${formatBytes(counts.bytes)})`;
}

export function registerStorageCommands(program: Command, { io, state }: CommandContext): void {
  const storage = program.command('storage').description('Object storage');
  storage
    .command('migrate')
    .description(
      'Copy objects under a prefix from an S3-compatible bucket (AWS S3) to the configured store (R2). Verified, resumable',
    )
    .option(
      '--from <source>',
      's3://bucket/prefix (connection from SOURCE_S3_* and the --source-* options) or an environment prefix NAME (NAME_ENDPOINT, NAME_REGION, NAME_ACCESS_KEY_ID, NAME_SECRET_ACCESS_KEY, NAME_BUCKET, NAME_PREFIX, NAME_FORCE_PATH_STYLE)',
      'SOURCE_S3',
    )
    .requiredOption(
      '--to <target>',
      'uploads, assets, recordings or invoices (optionally /prefix) in the configured store, s3://bucket/prefix in the configured store, or an environment prefix',
    )
    .option('--source-endpoint <url>', 'source endpoint URL; omit for AWS S3')
    .option('--source-region <region>', 'source signing region, such as eu-central-1')
    .option(
      '--source-access-key-id <id>',
      'source access key id; the secret is read from SOURCE_S3_SECRET_ACCESS_KEY only',
    )
    .option('--source-path-style', 'address the source bucket as a path (MinIO, LocalStack)')
    .option('--concurrency <n>', 'objects copied at once; each buffers up to about 32 MiB', '4')
    .option('--dry-run', 'list what would be copied and skipped without writing')
    .option('--json', 'print the final report as JSON')
    .addHelpText(
      'after',
      `\nEach copy keeps the content type, content disposition, cache control and metadata, and records the source ETag in the metadata "${SOURCE_ETAG_METADATA}". Objects already in the target with the same size and ETag are skipped, so an interrupted run can be started again. Exit code 1 when any object failed.`,
    )
    .action(async (flags: MigrateFlags) => {
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new CliError(`--concurrency must be a whole number from 1 to 64, got ${flags.concurrency}`);
      }
      const config = loadConfig(io.env, io.cwd);
      const from = parseSource(flags.from, io.env, flags);
      const to = parseTarget(flags.to, io.env, config);
      const output = new Output(io, { json: flags.json ?? false });
      const dryRun = flags.dryRun ?? false;
      const progress = output.throttledProgress();

      output.progress(`${dryRun ? 'Dry run: ' : ''}copying ${from.description} to ${to.description}`);
      const report = await migrateObjects(from, to, {
        dryRun,
        concurrency,
        onProgress: (counts) => progress(progressLine(counts, dryRun)),
      });
      output.progress(progressLine(report, dryRun));

      for (const failure of report.failures) output.line(`failed  ${failure.key}: ${failure.message}`);
      output.line(
        dryRun
          ? `Dry run: ${report.planned} object(s) (${formatBytes(report.bytes)}) would be copied, ${report.skipped} are already present, ${report.failed} failed.`
          : `Copied ${report.copied} object(s) (${formatBytes(report.bytes)}; ${report.verifiedByEtag} verified by ETag, ${report.verifiedBySha256} by SHA-256 read-back), skipped ${report.skipped} already present, ${report.failed} failed.`,
      );
      output.result(report);
      if (report.failed > 0) state.exitCode = 1;
    });
}
