import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { CliError } from '../../runtime/io.js';
import type { CommandContext } from '../context.js';
import { migrateLegacy } from './legacy.js';
import { operatorActor } from './phi-session.js';
import { reencrypt, rotateMaster, rotateTenants } from './rotation.js';
import { shredTenant } from './shred.js';
import { printKeyStatus } from './status.js';

interface CommonFlags {
  json?: boolean;
  actor?: string;
  pageSize?: string;
}

function pageSizeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new CliError(`--page-size must be a whole number from 1 to 1000, got ${text}`);
  }
  return value;
}

function jobOptions(flags: CommonFlags) {
  return { json: flags.json, actor: operatorActor(flags.actor), pageSize: pageSizeOf(flags.pageSize) };
}

/** Adds `--json`, `--actor` and (for jobs) `--page-size` to a key command. */
function common(command: Command, job: boolean): Command {
  command
    .option('--json', 'print the result as JSON')
    .option('--actor <name>', 'actor recorded in the audit trail (default cli:<login name>)');
  if (job) command.option('--page-size <n>', 'rows per database round trip (default 100)');
  return command;
}

export function registerKeyCommands(program: Command, { io, state }: CommandContext): void {
  const keys = program
    .command('keys')
    .description('PHI keys: generate, inspect, rotate, re-encrypt and shred')
    .addHelpText(
      'after',
      '\nThe commands use ENCRYPTION_MASTER_KEY (and ENCRYPTION_MASTER_KEY_PREVIOUS during a rotation) and the database of DATABASE_URL or DATA_DIR.',
    );

  keys
    .command('generate')
    .description('Print a new random master key (64 hex characters) for ENCRYPTION_MASTER_KEY')
    .action(() => {
      io.stdout.write(`${randomBytes(32).toString('hex')}\n`);
      io.stderr.write('Keep this key in a secret store; without it the PHI cannot be decrypted.\n');
    });

  common(keys.command('status'), false)
    .description('Show the master key check, key versions per tenant and usage counts')
    .action(async (flags: CommonFlags) => {
      state.exitCode = await printKeyStatus(io, flags);
    });

  common(keys.command('rotate-master'), true)
    .description(
      'Rewrap all keys onto ENCRYPTION_MASTER_KEY (new) from ENCRYPTION_MASTER_KEY_PREVIOUS (old). Resumable',
    )
    .action(async (flags: CommonFlags) => {
      state.exitCode = await rotateMaster(io, jobOptions(flags));
    });

  common(keys.command('rotate-tenant'), false)
    .description('Create the next key version of a tenant, or of every tenant with --all')
    .argument('[tenantId]', 'tenant to rotate')
    .option('--all', 'rotate every tenant that has keys')
    .option('--purpose <purpose>', 'data (field encryption) or index (blind index)', 'data')
    .action(async (tenantId: string | undefined, flags: CommonFlags & { all?: boolean; purpose: string }) => {
      if ((tenantId === undefined) === (flags.all !== true)) {
        throw new CliError('name one tenant id or pass --all');
      }
      if (flags.purpose !== 'data' && flags.purpose !== 'index') {
        throw new CliError(`--purpose must be data or index, got ${flags.purpose}`);
      }
      state.exitCode = await rotateTenants(
        io,
        { tenantId, all: flags.all === true, purpose: flags.purpose },
        jobOptions(flags),
      );
    });

  common(keys.command('reencrypt'), true)
    .description('Move PHI values to the newest data key version. Resumable')
    .option('--tenant <id>', 'only this tenant')
    .action(async (flags: CommonFlags & { tenant?: string }) => {
      state.exitCode = await reencrypt(io, { tenantId: flags.tenant }, jobOptions(flags));
    });

  common(keys.command('shred-tenant'), false)
    .description(
      'Erase a tenant after TENANT_SHRED_DELAY_HOURS, cancel that, or erase at once (--now --confirm)',
    )
    .argument('<tenantId>', 'tenant to erase')
    .option('--now', 'destroy the keys and delete the data at once, without the waiting period')
    .option('--confirm <tenantId>', 'the tenant id again, required with --now')
    .option('--cancel', 'cancel the pending request')
    .option('--reason <text>', 'reason recorded with the request', 'operator request')
    .action(
      async (
        tenantId: string,
        flags: CommonFlags & { now?: boolean; cancel?: boolean; confirm?: string; reason: string },
      ) => {
        state.exitCode = await shredTenant(io, tenantId, { ...flags, actor: operatorActor(flags.actor) });
      },
    );

  common(keys.command('migrate-legacy'), true)
    .description('Rewrite PHI values of the earlier PBKDF2 format. Resumable')
    .option('--tenant <id>', 'only this tenant')
    .action(async (flags: CommonFlags & { tenant?: string }) => {
      state.exitCode = await migrateLegacy(io, { tenantId: flags.tenant }, jobOptions(flags));
    });
}
