// What every command shares: core-locating options, exit codes and one-line failures.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { defaultReprLimits, type ReprLimits } from '../cpython/objects/decoder.js';
import { escapeForTerminal } from '../reports/sanitize.js';

/** 0: something useful was shown; 1: no Python state found; 2: bad usage or unreadable input; 3: a bug. */
export const EXIT = { ok: 0, noPython: 1, usage: 2, internal: 3 } as const;

const collect = (v: string, prev: string[]) => [...prev, v];

export function withCoreOptions(cmd: Command): Command {
  return cmd
    .option('--executable <path>', 'the Python executable the core came from (default: the path recorded in the core)')
    .option('--lib-path <dir>', 'directory to search for libraries by name and build-id (repeatable)', collect, [])
    .option('--sysroot <dir>', 'prefix for every path named in the core (cores from another machine or container)')
    .option('--debug-dir <dir>', 'where separate debug files live (DIR/.build-id/ab/cdef.debug, .gnu_debuglink under DIR); repeatable; default /usr/lib/debug (under --sysroot when given)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
}

export function fail(message: string, code: number): never {
  process.stderr.write(`pycore: ${escapeForTerminal(message)}\n`);
  process.exit(code);
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 10_000_000) throw new InvalidArgumentError('expected a whole number from 0 to 10000000');
  return n;
}

export interface ReprLimitArgs {
  maxDepth?: number;
  maxItems?: number;
  maxStr?: number;
}

export const reprLimitOptions = {
  depth: new Option('--max-depth <n>', 'how deep repr() goes into nested containers').argParser(positiveInt).default(defaultReprLimits.maxDepth),
  items: new Option('--max-items <n>', 'items shown per container').argParser(positiveInt).default(defaultReprLimits.maxItems),
  str: new Option('--max-str <n>', 'characters shown per string').argParser(positiveInt).default(defaultReprLimits.maxStr),
};

export function reprLimits(o: ReprLimitArgs): ReprLimits {
  return { maxDepth: o.maxDepth ?? defaultReprLimits.maxDepth, maxItems: o.maxItems ?? defaultReprLimits.maxItems, maxStr: o.maxStr ?? defaultReprLimits.maxStr };
}
