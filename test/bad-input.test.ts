// Bad input gets a one-line error naming the problem and what to pass instead, a non-zero exit
// when nothing could be shown, partial results where some could, never a stack trace or a hang.
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, closeSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { CodeCache } from '../src/cpython/code.js';
import { walkFrames } from '../src/cpython/frames.js';
import { defaultLimits } from '../src/cpython/limits.js';
import { findRuntime } from '../src/cpython/runtime.js';
import { readInterpreters } from '../src/cpython/threads.js';
import { CORES, SYSROOT, nonPythonCore } from './helpers/corpus.js';
import { expectOneLineError, pycore } from './helpers/cli.js';

let work: string;
let plain312: string;
let plainDebian: string;
const core312 = join(CORES, '3.12-segv-threads.core.gz');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pycore-bad-'));
  plain312 = join(work, '3.12.core');
  writeFileSync(plain312, gunzipSync(readFileSync(core312)));
  plainDebian = join(work, 'debian.core');
  writeFileSync(plainDebian, gunzipSync(readFileSync(join(CORES, 'debian-3.11-segv-threads.core.gz'))));
});

describe('not a core', () => {
  it('an empty file', () => {
    const p = join(work, 'empty');
    writeFileSync(p, '');
    const r = pycore(['analyze', p]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/empty file; pass a core file/);
  });

  it('a directory', () => {
    const r = pycore(['analyze', work]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/is a directory; pass a core file/);
  });

  it('a file that does not exist', () => {
    const r = pycore(['analyze', join(work, 'nope')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/no such file; pass a core file/);
  });

  it('a text file', () => {
    const p = join(work, 'notes.txt');
    writeFileSync(p, 'Fatal Python error: Segmentation fault\n');
    const r = pycore(['analyze', p]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/not an ELF file; pass a core file/);
  });

  it('an ELF executable instead of its core', () => {
    const r = pycore(['analyze', join(SYSROOT, 'usr/bin/sleep')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/an ELF shared object or PIE executable, not a core dump; pass the core file/);
  });

  it('a corrupt gzip file', () => {
    const p = join(work, 'bad.gz');
    writeFileSync(p, Buffer.concat([readFileSync(core312).subarray(0, 5000)]));
    const r = pycore(['analyze', p]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/compressed data is corrupt or truncated/);
  });
});

describe('cores that are not what pycore needs', () => {
  it('a core of a non-Python process', () => {
    const r = pycore(['analyze', nonPythonCore(), '--sysroot', SYSROOT]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/no Python interpreter found in this core .*pass a core of a Python process/);
    expect(r.stdout).toContain('Process:    pid');
  });

  for (const pct of [10, 50, 90]) {
    it(`a core truncated at ${pct}%`, () => {
      const p = join(work, `trunc${pct}.core`);
      copyFileSync(plain312, p);
      truncateSync(p, Math.floor((statSync(plain312).size * pct) / 100));
      const r = pycore(['analyze', p, '--sysroot', SYSROOT, '--format', 'json']);
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) expectOneLineError(r);
      const j = JSON.parse(r.stdout);
      expect(j.warnings.join('\n')).toMatch(/the core is truncated: \d+ of \d+ bytes present/);
    });
  }

  it('a core cut at 1 MB names the cut as the cause, for analyze and heap', () => {
    const p = join(work, 'cut-1mb.core');
    copyFileSync(plain312, p);
    truncateSync(p, 1024 * 1024);
    const expected = `pycore: the core is truncated (1048576 of ${statSync(plain312).size} bytes present) and the Python runtime's interpreter list lies past the cut; pass the whole core`;
    for (const cmd of ['analyze', 'heap']) {
      const r = pycore([cmd, p, '--sysroot', SYSROOT]);
      expect(r.code).toBe(1);
      expect(expectOneLineError(r).startsWith(expected)).toBe(true);
    }
  });

  it('show of an object whose memory was lost to the cut says so', () => {
    const full = gunzipSync(readFileSync(join(CORES, '3.12-locals.core.gz')));
    const p = join(work, 'locals-cut.core');
    writeFileSync(p, full.subarray(0, 1_000_000));
    // The Plain instance the locals scenario made, as CPython's repr() recorded it.
    const truth = JSON.parse(readFileSync(join(CORES, '3.12-locals.truth.json'), 'utf8'));
    const address = /Plain object at (0x[0-9a-f]+)/.exec(JSON.stringify(truth))![1];
    const r = pycore(['show', p, address, '--sysroot', SYSROOT]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(`pycore: ${address} is not an object (the core is truncated (1000000 of ${full.length} bytes present) and its memory there lies past the cut); pass the address of a live object, as pycore heap, show or analyze --locals print them`);
  });

  it('a wrong --executable is refused with both build-ids named, and the right libpython still decodes', () => {
    const r = pycore(['analyze', plain312, '--sysroot', SYSROOT, '--executable', join(SYSROOT, 'usr/bin/sleep'), '--format', 'json']);
    const j = JSON.parse(r.stdout);
    const w = j.warnings.join('\n');
    expect(w).toMatch(/refused .*sleep has [0-9a-f]{40}: the core recorded build-id [0-9a-f]{40} for .*python3\.12; used .*python3\.12 instead/);
    expect(j.threads.length).toBe(3);
    expect(r.code).toBe(0);
  });

  it('a wrong --executable for a static interpreter: the interpreter is found by scanning memory, and the output says why and names the options', () => {
    const empty = join(work, 'empty-sysroot');
    mkdirSync(empty, { recursive: true });
    const r = pycore(['analyze', plainDebian, '--sysroot', empty, '--executable', join(SYSROOT, 'usr/bin/sleep')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/found by scanning memory/);
    expect(r.stdout).toMatch(/\/usr\/bin\/python3\.11 is not available \(no local copy matches its build-id [0-9a-f]+\): the interpreter was found by scanning .*pass the binary with --executable PATH, --lib-path DIR or --sysroot DIR/);
  });

  it('a missing libpython is named with the options that supply it; --lib-path finds it by build-id', () => {
    const partial = join(work, 'partial-sysroot');
    for (const f of ['usr/lib/x86_64-linux-gnu/libc.so.6', 'root/.pyenv/versions/3.12.1/bin/python3.12']) {
      mkdirSync(dirname(join(partial, f)), { recursive: true });
      copyFileSync(join(SYSROOT, f), join(partial, f));
    }
    const r = pycore(['analyze', plain312, '--sysroot', partial, '--layouts', 'dwarf']);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/libpython3\.12\.so\.1\.0 is needed but .* was not found under --sysroot; pass it with --executable PATH, --lib-path DIR or --sysroot DIR/);
    // Without --layouts dwarf the interpreter is found by scanning memory instead, and the output says what is missing.
    const scanned = pycore(['analyze', plain312, '--sysroot', partial]);
    expect(scanned.code).toBe(0);
    expect(scanned.stdout).toMatch(/libpython3\.12\.so\.1\.0 is not available \(.* was not found under --sysroot\): the interpreter was found by scanning/);
    const libs = join(work, 'libs');
    mkdirSync(libs, { recursive: true });
    copyFileSync(join(SYSROOT, 'root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0'), join(libs, 'renamed.so'));
    const ok = pycore(['analyze', plain312, '--sysroot', partial, '--lib-path', libs, '--format', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).threads.length).toBe(3);
  });

  it('a missing --executable file is a usage error', () => {
    const r = pycore(['analyze', plain312, '--executable', join(work, 'nope')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--executable .*no such file/);
  });
});

describe('corrupt Python state', () => {
  it('a frame chain that loops back on itself is shown once, with a warning, without hanging', async () => {
    const target = await openCore(plain312, { sysroot: SYSROOT });
    const rt = findRuntime(target);
    if (!rt.ok) throw new Error('runtime');
    const { interpreters } = readInterpreters(rt.value, defaultLimits);
    const main = interpreters[0].threads.at(-1)!;
    const codes = new CodeCache(rt.value.reader, rt.value.layout, defaultLimits, null);
    const walk = walkFrames(rt.value, main, codes, defaultLimits);
    // Point the third frame's `previous` back at the first frame.
    const third = walk.frames[2].address;
    const prevField = third + rt.value.layout.offsets['iframe.previous']!;
    const region = target.memory.coreRegions.find((r) => prevField >= r.start && prevField < r.end)!;
    const fileOffset = region.sourceOffset + (prevField - region.start);
    const looped = join(work, 'looped.core');
    copyFileSync(plain312, looped);
    const fd = openSync(looped, 'r+');
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(walk.frames[0].address));
    writeSync(fd, b, 0, 8, fileOffset);
    closeSync(fd);

    const { report } = analyze(await openCore(looped, { sysroot: SYSROOT }));
    const t = report.threads.find((x) => x.current)!;
    expect(t.frames.length).toBeLessThanOrEqual(4);
    expect(t.unreadable).toMatch(/frame chain loops back/);
    const r = pycore(['analyze', looped, '--sysroot', SYSROOT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[!\] thread 0x[0-9a-f]+: frame chain loops back/);
  });
});
