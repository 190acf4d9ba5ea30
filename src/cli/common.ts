// What every command shares: core-locating options, exit codes and one-line failures.
import type { Command } from 'commander';
import { escapeForTerminal } from '../reports/sanitize.js';

/** 0: something useful was shown; 1: no Python state found; 2: bad usage or unreadable input; 3: a bug. */
export const EXIT = { ok: 0, noPython: 1, usage: 2, internal: 3 } as const;

const collect = (v: string, prev: string[]) => [...prev, v];

export function withCoreOptions(cmd: Command): Command {
  return cmd
    .option('--executable <path>', 'the Python executable the core came from (default: the path recorded in the core)')
    .option('--lib-path <dir>', 'directory to search for libraries by name and build-id (repeatable)', collect, [])
    .option('--sysroot <dir>', 'prefix for every path named in the core (cores from another machine or container)');
}

export function fail(message: string, code: number): never {
  process.stderr.write(`pycore: ${escapeForTerminal(message)}\n`);
  process.exit(code);
}
