// Runs the real command line (bin/pycore.js) and captures what a user would see.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './corpus.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function pycore(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pycore.js'), ...args], { encoding: 'utf8', timeout: 120_000, input, env: process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-line message on stderr that is not a stack trace. */
export function expectOneLineError(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  if (/\n\s+at .+\(.+:\d+:\d+\)/.test(r.stderr) || /^\s+at /m.test(r.stderr)) throw new Error(`stack trace on stderr:\n${r.stderr}`);
  if (!lines[0].startsWith('pycore: ')) throw new Error(`not a pycore message: ${lines[0]}`);
  return lines[0];
}

/** A usage error: one line naming the problem, one pointing at the help (exit 2 is checked by the caller). */
export function expectUsageError(r: CliResult, help: string): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 2) throw new Error(`expected two lines on stderr, got:\n${r.stderr}`);
  if (/^\s+at /m.test(r.stderr)) throw new Error(`stack trace on stderr:\n${r.stderr}`);
  if (!lines[0].startsWith('pycore: ')) throw new Error(`not a pycore message: ${lines[0]}`);
  if (lines[1] !== `pycore: see \`${help}\` for usage`) throw new Error(`no pointer at ${help}: ${lines[1]}`);
  return lines[0];
}
