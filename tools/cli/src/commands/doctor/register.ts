import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { runDoctor } from './doctor.js';

export function registerDoctorCommand(program: Command, { io, state }: CommandContext): void {
  program
    .command('doctor')
    .description('Check the configuration and every dependency, and say how to fix what fails')
    .option('--json', 'print the results as one JSON document')
    .option('--read-only', 'skip the write probe of each bucket, for read-only credentials')
    .action(async (options: { json?: boolean; readOnly?: boolean }) => {
      state.exitCode = await runDoctor(io, options);
    });
}
