// `pycore triage`: a mixed directory (the same crash twice, once gzip and once as a
// systemd-coredump zstd file; other crashes; another interpreter build; a truncated core; a text
// file; an empty file) groups exactly as CPython's ground truth says, and the bad files are listed
// as failures without stopping the batch.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupEntries, type CrashSignature, type TriageEntry, type TriageReport } from '../src/analysis/triage.js';
import { renderTriageMarkdown } from '../src/reports/triage-md.js';
import { renderTriageText } from '../src/reports/triage-text.js';
import { pycore } from './helpers/cli.js';
import { CORES, ROOT, SYSROOT, type Truth } from './helpers/corpus.js';

const hasZstd = spawnSync('sh', ['-c', 'command -v zstd']).status === 0;
let dir: string;
let report: TriageReport;
let text: string;
const truth = (n: string) => JSON.parse(readFileSync(join(CORES, `${n}.truth.json`), 'utf8')) as Truth;
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const SYSTEMD_NAME = 'core.python3\\x2e12.1000.0123456789abcdef0123456789abcdef.14264.1716000000000000.zst';

/** The signature's frames as CPython recorded the current thread (function, file name, line). */
function expectedFrames(t: Truth, n = 5) {
  return t.threads.find((x) => x.current)!.frames.slice(0, n).map((f) => ({ function: f.function, file: base(f.file), line: f.line }));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pycore-triage-'));
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const put = (name: string, src: string, day: number) => {
    copyFileSync(src, join(dir, name));
    utimesSync(join(dir, name), t0 + day * 86400, t0 + day * 86400);
  };
  put('a-3.12-segv-threads.core.gz', join(CORES, '3.12-segv-threads.core.gz'), 1);
  put('b-3.12-abort.core.gz', join(CORES, '3.12-abort.core.gz'), 2);
  put('c-3.11-segv-threads.core.gz', join(CORES, '3.11-segv-threads.core.gz'), 3);
  put('d-debian-3.11-segv-threads.core.gz', join(CORES, 'debian-3.11-segv-threads.core.gz'), 4);
  const plain = gunzipSync(readFileSync(join(CORES, '3.12-segv-threads.core.gz')));
  if (hasZstd) {
    const tmp = join(dir, 'plain.tmp');
    writeFileSync(tmp, plain);
    spawnSync('zstd', ['-q', '-f', '--rm', tmp, '-o', join(dir, SYSTEMD_NAME)]);
    utimesSync(join(dir, SYSTEMD_NAME), t0 + 5 * 86400, t0 + 5 * 86400);
  }
  // A core cut at 10 %: the program headers survive, most memory does not.
  writeFileSync(join(dir, 'e-truncated.core'), plain.subarray(0, Math.floor(plain.length * 0.1)));
  writeFileSync(join(dir, 'f-notes.txt'), 'Fatal Python error: Segmentation fault\n');
  writeFileSync(join(dir, 'g-empty'), '');
  const r = pycore(['triage', dir, '--sysroot', SYSROOT, '--format', 'json']);
  if (r.code !== 0) throw new Error(`triage failed: ${r.stderr}`);
  report = JSON.parse(r.stdout) as TriageReport;
  text = pycore(['triage', dir, '--sysroot', SYSROOT, '--jobs', '1']).stdout;
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('triage of a mixed directory', () => {
  it('counts every file once', () => {
    expect(report.total).toBe(hasZstd ? 8 : 7);
    const listed = [...report.groups.flatMap((g) => g.cores), ...report.failed.map((f) => f.core)].map(base).sort();
    expect(listed).toEqual(['a-3.12-segv-threads.core.gz', 'b-3.12-abort.core.gz', 'c-3.11-segv-threads.core.gz', 'd-debian-3.11-segv-threads.core.gz', 'e-truncated.core', 'f-notes.txt', 'g-empty', ...(hasZstd ? [SYSTEMD_NAME] : [])].sort());
  });

  it('groups the same crash from two files (gzip, systemd zstd) under one signature from the ground truth', () => {
    const t = truth('3.12-segv-threads');
    const g = report.groups.find((x) => x.cores.some((c) => base(c) === 'a-3.12-segv-threads.core.gz'))!;
    expect(g.signature).toMatchObject({ python: t.python.version, signal: t.signal!.name, frames: expectedFrames(t) });
    // The culprit: the first native frame outside the interpreter and libc (ctypes.string_at).
    expect(g.signature.crash_site).toMatch(/^_ctypes\.cpython-312-x86_64-linux-gnu\.so!/);
    expect(g.cores.map(base).sort()).toEqual(['a-3.12-segv-threads.core.gz', ...(hasZstd ? [SYSTEMD_NAME] : [])].sort());
    expect(g.count).toBe(hasZstd ? 2 : 1);
    expect(g.first_seen).toBe('2026-01-02T00:00:00.000Z');
    if (hasZstd) {
      expect(g.last_seen).toBe('2026-01-06T00:00:00.000Z');
      expect(base(g.example)).toBe(SYSTEMD_NAME);
    }
  });

  it('keeps different crashes, versions and builds apart', () => {
    for (const [file, name] of [
      ['b-3.12-abort.core.gz', '3.12-abort'],
      ['c-3.11-segv-threads.core.gz', '3.11-segv-threads'],
      ['d-debian-3.11-segv-threads.core.gz', 'debian-3.11-segv-threads'],
    ]) {
      const t = truth(name);
      const g = report.groups.find((x) => x.cores.some((c) => base(c) === file))!;
      expect(g.count, file).toBe(1);
      expect(g.signature, file).toMatchObject({ python: t.python.version, signal: t.signal!.name, frames: expectedFrames(t) });
    }
  });

  it('reports the truncated core as partial or failed, and the non-cores as failed with their reason', () => {
    const trunc = report.groups.find((g) => g.cores.some((c) => base(c) === 'e-truncated.core'));
    const truncFailed = report.failed.find((f) => base(f.core) === 'e-truncated.core');
    expect(Boolean(trunc) !== Boolean(truncFailed)).toBe(true);
    if (trunc) {
      expect(trunc.count).toBe(1);
      expect(trunc.partial).toBe(1);
    }
    expect(report.failed.find((f) => base(f.core) === 'f-notes.txt')?.reason).toMatch(/^not an ELF file; pass a core file/);
    expect(report.failed.find((f) => base(f.core) === 'g-empty')?.reason).toMatch(/empty file; pass a core file/);
  });

  it('prints the same grouping as a text table, most frequent first', () => {
    expect(text).toMatch(/^Triage of \d+ cores: \d+ signatures, 2 could not be analyzed/);
    expect(text).toContain('  string_at (__init__.py:525)');
    expect(text).toContain('Could not be analyzed:');
    const firstRow = text.split('\n').find((l) => /^\s+\d+ {2}\d{4}-/.test(l))!;
    expect(firstRow.trim().startsWith(String(report.groups[0].count))).toBe(true);
  });

  it('fails with one line when nothing could be analyzed', () => {
    const r = pycore(['triage', join(dir, 'f-notes.txt'), join(dir, 'g-empty')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('pycore: none of the 2 files could be analyzed; pass core files (see the reasons above)');
  });
});

describe('triage of a crash tree', () => {
  it('looks into subfolders (bounded depth), follows links but takes a directory or file once, and ends on a link loop', () => {
    const tree = mkdtempSync(join(tmpdir(), 'pycore-triage-tree-'));
    try {
      mkdirSync(join(tree, 'host1', '2026-01'), { recursive: true });
      mkdirSync(join(tree, 'host2'));
      copyFileSync(join(CORES, '3.12-segv-threads.core.gz'), join(tree, 'host1', '2026-01', 'core.gz'));
      symlinkSync(tree, join(tree, 'host1', 'loop'));
      symlinkSync(join(tree, 'host1', '2026-01', 'core.gz'), join(tree, 'host2', 'same-core.gz'));
      writeFileSync(join(tree, 'notes.txt'), 'not a core\n');
      const deep = join(tree, 'deep', '1', '2', '3', '4', '5', '6', '7');
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'too-deep.txt'), 'not reached\n');
      const r = pycore(['triage', tree, '--sysroot', SYSROOT, '--format', 'json', '--jobs', '1']);
      expect(r.code).toBe(0);
      const rep = JSON.parse(r.stdout) as TriageReport;
      expect(rep.analyzed).toBe(1);
      expect(rep.groups.map((g) => g.cores)).toEqual([[join(tree, 'host1', '2026-01', 'core.gz')]]);
      expect(rep.groups[0].signature.frames).toEqual(expectedFrames(truth('3.12-segv-threads')));
      expect(rep.failed).toEqual([
        { core: deep, reason: 'a directory more than 8 levels down: not searched; pass it as a DIR of its own' },
        { core: join(tree, 'notes.txt'), reason: expect.stringMatching(/^not an ELF file; pass a core file/) },
      ]);
      expect(rep.total).toBe(3);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('triage progress', () => {
  // `script` gives pycore a terminal for stderr (stdout goes to a file): progress is drawn there
  // (after a second of work; PYCORE_PROGRESS_DELAY_MS=0 here, as the cores take less), and never when the output is JSON.
  it('is drawn on a terminal for text output, and not for JSON', () => {
    const d = mkdtempSync(join(tmpdir(), 'pycore-triage-tty-'));
    const outFile = `${d}.out`;
    try {
      const names = ['3.8-abort', '3.9-abort', '3.10-abort', '3.11-abort', '3.12-abort', '3.13-abort', '3.8-segv-threads', '3.9-segv-threads', '3.10-segv-threads', '3.11-segv-threads'];
      for (const n of names) copyFileSync(join(CORES, `${n}.core.gz`), join(d, `${n}.core.gz`));
      const run = (format: string) => {
        const cmd = `'${process.execPath}' '${join(ROOT, 'bin', 'pycore.js')}' triage '${d}' --sysroot '${SYSROOT}' --jobs 1 --format ${format} > '${outFile}'`;
        const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYCORE_PROGRESS_DELAY_MS: '0' } });
        expect(r.status).toBe(0);
        return { terminal: r.stdout, out: readFileSync(outFile, 'utf8') };
      };
      const text = run('text');
      expect(text.terminal).toMatch(/\r\x1b\[Kpycore: triage: \d+ of 10 cores/);
      expect(text.terminal.endsWith('\r\x1b[K')).toBe(true);
      expect(text.out).toMatch(/^Triage of 10 cores/);
      const json = run('json');
      expect(json.terminal).toBe('');
      expect(JSON.parse(json.out).analyzed).toBe(10);
    } finally {
      rmSync(d, { recursive: true, force: true });
      rmSync(outFile, { force: true });
    }
  }, 120_000);
});

describe('triage reports', () => {
  const sig = (python: string, frames: string[]): CrashSignature => ({
    python,
    signal: 'SIGSEGV',
    crash_site: 'libc.so.6!memcpy+0x23',
    frames: frames.map((f, i) => ({ function: f, file: 'x.py', line: i + 1 })),
    no_frames: null,
  });
  const entry = (core: string, s: CrashSignature, day: number): TriageEntry => ({ core, mtime_ms: Date.UTC(2026, 0, day), status: 'analyzed', signature: s, partial: false, note: null });

  it('groups identical signatures, newest example, and escapes Markdown in core strings', () => {
    const evil = sig('3.12.1', ['a|b', '`x`']);
    const r = groupEntries([entry('/c/1', evil, 3), entry('/c/2', sig('3.12.1', ['f']), 1), entry('/c/3', evil, 5), { core: '/c/bad', mtime_ms: null, status: 'failed', reason: 'not an ELF file' }], 5);
    expect(r.groups.map((g) => [g.count, g.example, g.first_seen, g.last_seen])).toEqual([
      [2, '/c/3', '2026-01-03T00:00:00.000Z', '2026-01-05T00:00:00.000Z'],
      [1, '/c/2', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ]);
    const md = renderTriageMarkdown(r);
    const row = md.split('\n').find((l) => l.startsWith('| 2 |'))!;
    // Unescaped pipes would split the row into more cells.
    expect(row.split(/(?<!\\)\|/).length).toBe(7);
    expect(row).toContain('`` `x` (x.py:2) ``');
    expect(md).toContain('- `/c/bad`: `not an ELF file`');
  });

  it('says why a signature has no current thread in the words of its kind of core: signalled, or a gcore snapshot', () => {
    const none = (signal: string | null): CrashSignature => ({ python: '3.12.1', signal, crash_site: null, frames: [], no_frames: 'no current thread' });
    const r = groupEntries([entry('/c/crash', none('SIGSEGV'), 1), entry('/c/snapshot', none(null), 2)], 5);
    const text = renderTriageText(r);
    expect(text).toContain('(no current thread: the signalled thread was not running Python)');
    expect(text).toContain('(no current thread: no thread held the GIL)');
    expect(text.match(/signalled/g)).toHaveLength(1);
  });
});
