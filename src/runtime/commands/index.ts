import { append } from './append.js';
import type { ClientCommand } from './context.js';
import { read } from './read.js';
import { stats } from './stats.js';
import { tail } from './tail.js';

export type { ClientCommand, CommandContext } from './context.js';
export { DEFAULT_URL } from './context.js';

/** The commands that talk to a running server through the client SDK, by name. */
export const CLIENT_COMMANDS: Readonly<Record<string, ClientCommand>> = {
  append,
  read,
  tail,
  stats,
};
