import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { verifyAudit } from './verify.js';

export function registerAuditCommands(program: Command, { io, state }: CommandContext): void {
  const audit = program.command('audit').description('The hash-chained PHI audit trail');
  audit
    .command('verify')
    .description(
      "Walk every tenant's audit chain and report the first broken link; exit code 1 when one is broken",
    )
    .option(
      '--tenant <id>',
      "verify only this tenant's chain (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { tenant: string[]; json?: boolean }) => {
      state.exitCode = await verifyAudit(io, { tenantIds: options.tenant, json: options.json });
    });
}
