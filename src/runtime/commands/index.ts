import { append } from './append.js';
import { copy } from './copy.js';
import type { ClientCommand } from './context.js';
import { read } from './read.js';
import { stats } from './stats.js';
import { tail } from './tail.js';

export type { ClientCommand, CommandContext } from './context.js';
export { DEFAULT_URL } from './context.js';

/**
 * The commands besides `serve`, by name: those that talk to a running server through the client
 * SDK, and `copy`, which opens two stores itself.
 */
export const CLIENT_COMMANDS: Readonly<Record<string, ClientCommand>> = {
  append,
  read,
  tail,
  stats,
  copy,
};
