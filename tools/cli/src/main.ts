import { ConfigError, loadConfig, type PlatformConfig } from '@skillancer/config';
import { Command, CommanderError } from 'commander';
import { migrateDatabase } from './commands/db.js';
import { startPlatform } from './commands/start.js';
import { SERVICE_NAMES, type ServiceName } from './runtime/services.js';

/** A failure the user can fix: printed as one line, without a stack trace. */
export class CliError extends Error {}

function config(): PlatformConfig {
  return loadConfig(process.env);
}

function parseServices(values: string[]): ServiceName[] {
  for (const value of values) {
    if (!(SERVICE_NAMES as readonly string[]).includes(value)) {
      throw new CliError(`Unknown service "${value}"; choose from: ${SERVICE_NAMES.join(', ')}`);
    }
  }
  return values.length > 0 ? (values as ServiceName[]) : [...SERVICE_NAMES];
}

export function buildProgram(): Command {
  const program = new Command('skillancer')
    .description('Runs and operates the Skillancer platform core')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description(
      'Start services in this process (all three by default) on the configured or embedded backends',
    )
    .argument('[services...]', `services to start: ${SERVICE_NAMES.join(', ')}`)
    .action(async (services: string[]) => {
      await startPlatform(config(), parseServices(services));
    });

  const db = program.command('db').description('Database schema');
  db.command('migrate')
    .description('Apply pending migrations to DATABASE_URL (or the embedded PGlite database)')
    .action(async () => {
      await migrateDatabase(config());
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`${problem.message}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`skillancer: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await main(process.argv.slice(2));
  // A started server keeps the process alive; every other command ends here.
  if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
}
