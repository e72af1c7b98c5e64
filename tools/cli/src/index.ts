export { type StartedPlatform, startPlatform } from './commands/start.js';
export { buildProgram, CliError, main } from './main.js';
