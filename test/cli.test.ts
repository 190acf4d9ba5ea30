// The command line itself: help, --versions, exit codes and one-line errors.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowProgress, progressStream } from '../src/cli/common.js';
import { versionSupport } from '../src/cpython-layouts/support.js';
import { CORES, ROOT, SYSROOT, corpusCores } from './helpers/corpus.js';
import { expectOneLineError, expectUsageError, pycore } from './helpers/cli.js';

describe('pycore', () => {
  it('--versions lists every version with what is verified', () => {
    const r = pycore(['--versions']);
    expect(r.code).toBe(0);
    for (const v of versionSupport) expect(r.stdout).toContain(`${v.version}\n`);
    expect(r.stdout).toContain("verified:    release (pyenv 3.12.1)");
  });

  it('--versions claims only what the corpus has cores for', () => {
    const labels = new Set(corpusCores().map((c) => c.truth.label));
    for (const l of ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', 'debian-3.11', 'debian-3.11d']) expect(labels).toContain(l);
    // Every corpus label a row names has cores of that build.
    for (const v of versionSupport)
      for (const c of v.corpus ?? []) {
        const builds = corpusCores().filter((x) => x.truth.label === c.label).map((x) => x.truth.python.build);
        expect(builds.length, c.label).toBeGreaterThan(0);
        expect(new Set(builds), c.label).toEqual(new Set([c.build]));
      }
  });

  it('an unknown option is a usage error', () => {
    const r = pycore(['analyze', 'x', '--no-such-option']);
    expect(r.code).toBe(2);
  });

  it('a bad repr limit is a usage error', () => {
    const r = pycore(['analyze', 'x', '--max-items', 'lots']);
    expect(r.code).toBe(2);
  });

  it('show refuses something that is not an address', () => {
    const r = pycore(['show', 'core', 'banana']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/banana: not an address; pass a hexadecimal address/);
  });
  it('--version prints the version in package.json', () => {
    const r = pycore(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    expect(r.stderr).toBe('');
  });

  it('help COMMAND is COMMAND --help', () => {
    const r = pycore(['help', 'analyze']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pycore analyze \[options\] <core>/);
  });
});

describe('usage errors: one line naming the problem, one pointing at --help, exit 2', () => {
  const cases: [string, string[], string, RegExp][] = [
    ['a missing core', ['analyze'], 'pycore analyze --help', /^pycore: missing required argument 'core'$/],
    ['an unknown command', ['analyse', 'core'], 'pycore --help', /^pycore: unknown command 'analyse'; the commands are analyze, show, /],
    ['an unknown option', ['analyze', 'core', '--formt', 'json'], 'pycore analyze --help', /^pycore: unknown option '--formt' \(Did you mean --format\?\)$/],
    ['an unknown top-level option', ['--bogus'], 'pycore --help', /^pycore: unknown option '--bogus'$/],
    ['a bad choice', ['analyze', 'core', '--format', 'xml'], 'pycore analyze --help', /^pycore: option '--format <format>' argument 'xml' is invalid\. Allowed choices are text, json, md\.$/],
    ['a bad number', ['analyze', 'core', '--max-items', 'lots'], 'pycore analyze --help', /argument 'lots' is invalid\. expected a whole number/],
    ['an extra argument', ['cache', 'clear', 'now'], 'pycore cache --help', /^pycore: too many arguments for 'clear'/],
    ['a bad --jobs', ['triage', 'dir', '--jobs', '0'], 'pycore triage --help', /^pycore: option '--jobs <n>' argument '0' is invalid\. expected a whole number from 1 to 1024$/],
    ['a bad --limit', ['show', 'core', '0x10', '--limit', '-1'], 'pycore show --help', /^pycore: option '--limit <n>' argument '-1' is invalid\. expected a whole number from 0 to 10000000$/],
    ['a bad --top', ['heap', 'core', '--top', 'x'], 'pycore heap --help', /^pycore: option '--top <n>' argument 'x' is invalid\. expected a whole number from 0 to 1000000000$/],
  ];
  for (const [what, args, help, message] of cases) {
    it(what, () => {
      const r = pycore(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(expectUsageError(r, help)).toMatch(message);
    });
  }
});

/** Runs pycore with its stdout closed before it writes (a reader like `head` that has quit). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'pycore.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('output into a pipe whose reader has gone (`| head`)', () => {
  const core = join(CORES, '3.12-segv-threads.core.gz');
  const runs: [string, string[]][] = [
    ['--versions', ['--versions']],
    ['--help', ['--help']],
    ['analyze', ['analyze', core, '--sysroot', SYSROOT, '--all-frames']],
    ['analyze --format json', ['analyze', core, '--sysroot', SYSROOT, '--format', 'json']],
    ['files', ['files', core, '--sysroot', SYSROOT]],
    ['show', ['show', join(CORES, '3.12-locals.core.gz'), '0x7f2791b38e00', '--sysroot', SYSROOT]],
    ['triage', ['triage', core, '--sysroot', SYSROOT, '--jobs', '1']],
    ['explain', ['explain', join(CORES, '3.12-debugmalloc-trace.stderr.txt')]],
  ];
  for (const [what, args] of runs) {
    it(`${what} ends quietly with exit 0`, async () => {
      const r = await withClosedStdout(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
  }
});

describe('show', () => {
  it('an address that holds no object is refused in one line with the reason, exit 2 (as refs, referrers and path do)', () => {
    const r = pycore(['show', join(CORES, '3.12-locals.core.gz'), '0x10', '--sysroot', SYSROOT]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(expectOneLineError(r)).toBe('pycore: 0x10 is not an object (memory not readable); pass the address of a live object, as pycore heap, show or analyze --locals print them');
  });
});

describe('a gcore snapshot (nothing was signalled)', () => {
  const core = join(CORES, '3.12-gcore-live.core.gz');
  it('says so, and which thread is current and why, without signal wording (text and Markdown)', () => {
    const text = pycore(['analyze', core, '--sysroot', SYSROOT]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('\nSignal:     none (a snapshot of a live process, e.g. by gcore; current thread: the one holding the GIL)\n');
    const md = pycore(['analyze', core, '--sysroot', SYSROOT, '--format', 'md']);
    expect(md.stdout.split('\n')[0]).toBe('## pycore: Snapshot in Python 3.12.1 (pid 14356)');
    expect(md.stdout).toContain('| Signal | none (a snapshot of a live process, e.g. by gcore; current thread: the one holding the GIL) |');
    for (const out of [text.stdout, md.stdout]) expect(out).not.toMatch(/signall|received|Crash site|Fatal Python error/i);
  });
});

describe('progressStream: where commands draw progress', () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { isTTY: false, write: () => true };
  it('a terminal for text output; nothing for a pipe or for JSON', () => {
    try {
      allowProgress('text');
      expect(progressStream(tty)).toBe(tty);
      expect(progressStream(pipe)).toBeNull();
      allowProgress(undefined);
      expect(progressStream(tty)).toBe(tty);
      allowProgress('json');
      expect(progressStream(tty)).toBeNull();
    } finally {
      allowProgress(undefined);
    }
  });
});
