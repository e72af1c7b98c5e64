import { ConfigError, loadConfig, type PlatformConfig } from '@skillancer/config';
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './commands/audit/register.js';
import { migrateDatabase } from './commands/db.js';
import { registerDoctorCommand } from './commands/doctor/register.js';
import { registerKeyCommands } from './commands/keys/register.js';
import { startPlatform } from './commands/start.js';
import { registerStorageCommands } from './commands/storage/register.js';
import { registerVolumeCommands } from './commands/volumes/register.js';
import { withDotEnv } from './runtime/dotenv.js';
import { CliError, type CliIo, CommandFailed, processIo } from './runtime/io.js';
import { SERVICE_NAMES, type ServiceName } from './runtime/services.js';

export { CliError } from './runtime/io.js';

/** Set by a command that finished with a non-zero exit code without throwing. */
export interface ProgramState {
  exitCode: number;
}

function parseServices(values: string[]): ServiceName[] {
  for (const value of values) {
    if (!(SERVICE_NAMES as readonly string[]).includes(value)) {
      throw new CliError(`Unknown service "${value}"; choose from: ${SERVICE_NAMES.join(', ')}`);
    }
  }
  return values.length > 0 ? (values as ServiceName[]) : [...SERVICE_NAMES];
}

export function buildProgram(io: CliIo = processIo(), state: ProgramState = { exitCode: 0 }): Command {
  const config = (): PlatformConfig => loadConfig(io.env, io.cwd);
  const program = new Command('skillancer')
    .description('Runs and operates the Skillancer platform core')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

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
      await migrateDatabase(config(), io);
    });

  registerDoctorCommand(program, { io, state });
  registerKeyCommands(program, { io, state });
  registerAuditCommands(program, { io, state });
  registerStorageCommands(program, { io, state });
  registerVolumeCommands(program, { io, state });

  // Subcommands inherit the program's output and error handling.
  for (const command of program.commands) inheritSettings(program, command);
  return program;
}

function inheritSettings(parent: Command, command: Command): void {
  command.exitOverride().configureOutput(parent.configureOutput()).showHelpAfterError();
  for (const child of command.commands) inheritSettings(parent, child);
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: readonly string[], overrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...processIo(), ...overrides };
  const state: ProgramState = { exitCode: 0 };
  try {
    if (overrides.env === undefined) io.env = withDotEnv(io.env, io.cwd);
    await buildProgram(io, state).parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    // Commander has printed the help or the usage error; usage errors exit with 2 like CliError.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.stderr.write(`${problem.message}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandFailed) {
      io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`skillancer: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await main(process.argv.slice(2));
  // A started server keeps the process alive; every other command ends here.
  if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
}
