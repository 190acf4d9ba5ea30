// 3.7-3.12 cores analyzed with every binary hidden: no symbols and no _Py_DebugOffsets, so the
// interpreter is found by scanning writable memory for an interpreter state whose thread states
// point back at it, the version from the layout that decodes the whole chain and sys.version.
// Tracebacks must still equal faulthandler's, and _PyRuntime must be where its symbol says.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideScannedVersion } from '../src/cpython-layouts/detect.js';
import { openCore } from '../src/cli/open-core.js';
import { findRuntime } from '../src/cpython/runtime.js';
import { analyzeCore, corpusCores, SYSROOT } from './helpers/corpus.js';

const empty = mkdtempSync(join(tmpdir(), 'pycore-empty-sysroot-'));
const SCANNED = ['3.7', '3.8', '3.9', '3.10', '3.11', '3.12', 'debian-3.11'];
const cores = corpusCores().filter((c) => SCANNED.includes(c.truth.label));

describe('3.7-3.12 without binaries', () => {
  it('has release and stripped Debian cores of every version', () => {
    for (const label of SCANNED) expect(cores.filter((c) => c.truth.label === label).length, label).toBeGreaterThanOrEqual(4);
  });
  for (const c of cores) {
    it(`${c.name}: found by scan at the symbol's address; tracebacks equal the truth`, async () => {
      const withBinary = await openCore(c.core, { sysroot: SYSROOT });
      const bySymbol = findRuntime(withBinary);
      withBinary.close();
      expect(bySymbol.ok && bySymbol.value.foundBy).toBe('symbol');

      const hidden = await openCore(c.core, { sysroot: empty });
      const scanned = findRuntime(hidden);
      hidden.close();
      expect(scanned.ok).toBe(true);
      if (!scanned.ok || !bySymbol.ok) return;
      expect(scanned.value.foundBy).toBe('scan');
      expect(scanned.value.runtimeAddress).toBe(bySymbol.value.runtimeAddress);
      // Named after the module that holds _PyRuntime (libpython in a shared build), not the executable.
      expect(scanned.value.module.path).toBe(bySymbol.value.module.path);

      const { report, fatal } = await analyzeCore(c.core, { sysroot: empty });
      expect(fatal).toBeNull();
      expect(report.python?.found_by).toBe('scan');
      expect(report.python?.version).toBe(c.truth.python.version);
      expect(report.python?.version_source).toBe('sys.version');
      expect(report.warnings.join('\n')).toMatch(/found by scanning the core's writable memory for an interpreter state/);
      expect(report.threads.map((t) => t.thread_id)).toEqual(c.truth.threads.map((t) => t.thread_id));
      for (const [i, tt] of c.truth.threads.entries()) {
        const mine = report.threads[i];
        expect(mine.current).toBe(tt.current);
        expect(mine.frames.slice(0, tt.frames.length).map((f) => [f.function, f.file, f.line])).toEqual(tt.frames.map((f) => [f.function, f.file, f.line]));
      }
    });
  }
});

describe('deciding the version of a scanned interpreter', () => {
  const v = (minor: number) => ({ major: 3, minor, micro: null, level: 0xf, serial: 0 });
  it('takes the layout whose sys.version names the same minor version, micro included', () => {
    const d = decideScannedVersion([
      { version: v(8), sysVersion: null },
      { version: v(9), sysVersion: '3.9.18 (main, Nov 20 2026, 10:00:00) \n[GCC 12.2.0]' },
      { version: v(10), sysVersion: '3.9.18 (main, Nov 20 2026, 10:00:00) \n[GCC 12.2.0]' },
    ]);
    expect(d).toEqual({ ok: true, index: 1, detected: { version: { major: 3, minor: 9, micro: 18, level: 0xf, serial: 0 }, from: 'sys.version' } });
  });
  it('keeps the only layout that validated, minor version only', () => {
    expect(decideScannedVersion([{ version: v(11), sysVersion: null }])).toEqual({ ok: true, index: 0, detected: { version: v(11), from: 'interpreter scan' } });
  });
  it('says it cannot decide rather than guess', () => {
    expect(decideScannedVersion([{ version: v(8), sysVersion: null }, { version: v(9), sysVersion: 'garbage' }])).toEqual({ ok: false, candidates: ['3.8', '3.9'] });
  });
});
