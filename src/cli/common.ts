// What every command shares: core-locating options, exit codes and one-line failures.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { defaultReprLimits, type ReprLimits } from '../cpython/objects/decoder.js';
import type { ProgressStream } from '../io/progress.js';
import type { Target } from '../target/target.js';
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

/**
 * A usage error (a missing argument, an unknown command or option, a bad option value): one
 * line naming the problem, one pointing at the help that lists what to pass, exit 2.
 */
export function usageFail(message: string, help: string): never {
  process.stderr.write(`pycore: ${escapeForTerminal(message.replace(/\s*\n\s*/g, ' ').trim())}\npycore: see \`${help}\` for usage\n`);
  process.exit(EXIT.usage);
}

let pipeGuarded = false;

/**
 * Output piped into `head` or a pager that quits: the reader is gone, nothing more can be shown
 * and nothing went wrong, so the run ends quietly with 0 instead of Node's EPIPE stack trace.
 */
export function quietOnClosedPipe(): void {
  // Once per process: main() runs many times in one process under the fuzzer.
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(EXIT.ok);
      if (stream === process.stdout) fail(`cannot write the output: ${e.message}; pass a writable destination`, EXIT.usage);
      process.exit(EXIT.internal);
    });
  }
}

/**
 * An address that holds no valid object (show, refs, referrers, path): one line, exit 2. In a
 * truncated core, memory the core should hold but lost to the cut is named as such.
 */
export function notAnObjectFail(address: number, reason: string, target?: Target): never {
  const t = target?.truncated;
  const cut = t && target.memory.fault(address)?.kind === 'not-in-core';
  const why = cut ? `the core is truncated (${t.present} of ${t.expected} bytes present) and its memory there lies past the cut` : reason;
  fail(`0x${address.toString(16)} is not an object (${why}); pass the address of a live object, as pycore heap, show or analyze --locals print them`, EXIT.usage);
}

let progressAllowed = true;

/**
 * Called before each command runs (main's preAction hook) with its --format: JSON is read by
 * programs, so no progress is drawn beside it, whatever stderr is.
 */
export function allowProgress(format: unknown): void {
  progressAllowed = format !== 'json';
}

/**
 * Where progress of work that may take over a second goes (heap walks, triage, decompression,
 * dominators): stderr when it is a terminal and the output is not JSON, else nowhere (never into
 * a pipe or a file). Pass the result to `new Progress(...)` (src/io/progress.ts), which also
 * waits a second before drawing anything and erases its line when done.
 */
export function progressStream(stderr: ProgressStream = process.stderr): ProgressStream | null {
  return progressAllowed && stderr.isTTY ? stderr : null;
}

/** An option's parser for a whole number in [min, max]; a bad value is a usage error (commander words it). */
export function wholeNumberArg(min: number, max = 10_000_000): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

const positiveInt = wholeNumberArg(0);

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
