import type { ProgramState } from '../main.js';
import type { CliIo } from '../runtime/io.js';

/** The arguments of every command registration: the process surroundings and the exit code holder. */
export interface CommandContext {
  io: CliIo;
  state: ProgramState;
}
