// The census with its pool scan split over threads (censusSplit, `pycore heap` on worker threads)
// must give the report the one-thread census gives, byte for byte: on every corpus heap core whose
// heap can be split, with the arenas cut as finely as possible (one arena per range, ranges dealt
// to three scanners in turn, each with its own session as a worker has), and through the built
// CLI with real worker threads forced on (PYCORE_HEAP_THREADS; small cores would run on one thread).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { census, censusScanner, censusSplit, censusSplittable, type CensusOptions, type ScanArenas } from '../src/analysis/heap/census.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import { renderHeapJson } from '../src/reports/heap-text.js';
import { openCore } from '../src/cli/open-core.js';
import type { GcBits } from '../src/cpython/heap.js';
import { corpusCores, ROOT, SYSROOT } from './helpers/corpus.js';

const cores = corpusCores().filter((c) => /-(census|heap)$/.test(c.name));

async function session(core: string): Promise<HeapSession> {
  const s = openHeap(await openCore(core, { sysroot: SYSROOT, progress: false }));
  if ('fatal' in s) throw new Error(s.fatal);
  return s;
}

/** Scans on `scanners` sessions of their own, one arena per range, the ranges dealt in turn (each scanner's in address order). */
function inProcess(core: string, scanners: number, o: CensusOptions): ScanArenas {
  return async (gc: GcBits) => {
    const own = await Promise.all(Array.from({ length: scanners }, async () => censusScanner(await session(core), { largest: o.largest })));
    const scans = [];
    for (let ai = 0; ai < gc.bitmaps.length; ai++) scans.push(own[ai % scanners].scan(ai, ai + 1, gc));
    return { scans, parts: own.map((x) => x.part()) };
  };
}

describe('split census', () => {
  it('has splittable cores of several versions', async () => {
    const names: string[] = [];
    for (const c of cores) if (censusSplittable(await session(c.core), {})) names.push(c.truth.label);
    for (const l of ['3.8', '3.10', '3.11', '3.12', '3.13', 'debian-3.11']) expect(names).toContain(l);
  });

  for (const c of cores) {
    it(`${c.name}: the split census's report is the one-thread census's`, async () => {
      const s = await session(c.core);
      if (!censusSplittable(s, {})) {
        // Free-threaded and Py_TRACE_REFS heaps are counted on one thread only.
        expect(s.heap.splittable).toBe(false);
        return;
      }
      // Each census on a session of its own, as each run of the CLI has (see censusSplit).
      for (const o of [{ top: 0 }, { top: 0, sort: 'count', largest: 3 }, { top: 5, largest: 0 }] as CensusOptions[]) {
        const serial = renderHeapJson(census(await session(c.core), o));
        const split = renderHeapJson(await censusSplit(await session(c.core), o, inProcess(c.core, 3, o)));
        expect(split).toBe(serial);
        expect(JSON.parse(serial).objects_total).toBeGreaterThan(1000);
      }
    });
  }

  const cli = (core: string, threads: string, extra: string[] = []) =>
    spawnSync(process.execPath, [join(ROOT, 'bin', 'pycore.js'), 'heap', core, '--sysroot', SYSROOT, '--format', 'json', '--top', '0', ...extra], {
      encoding: 'utf8',
      env: { ...process.env, PYCORE_HEAP_THREADS: threads },
    });

  for (const name of ['3.12-census', '3.11-heap', '3.8-census', 'debian-3.11-census']) {
    it(`the built CLI on worker threads prints what it prints on one: ${name}`, () => {
      const core = cores.find((c) => c.name === name)!.core;
      const one = cli(core, '0');
      const two = cli(core, '2', ['--sort', 'count']);
      const oneByCount = cli(core, '0', ['--sort', 'count']);
      expect(one.status).toBe(0);
      expect(two.status).toBe(0);
      expect(two.stderr).toBe('');
      expect(two.stdout).toBe(oneByCount.stdout);
      expect(cli(core, '3').stdout).toBe(one.stdout);
    });
  }

  it('a worker that cannot start: one line on stderr, then the census on one thread, the same report', () => {
    const core = cores.find((c) => c.name === '3.12-census')!.core;
    // A copy of the built CLI whose worker entry is missing (a broken install).
    const dir = mkdtempSync(join(tmpdir(), 'pycore-no-worker-'));
    try {
      for (const d of ['bin', 'dist']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      rmSync(join(dir, 'dist', 'cli', 'census-worker.js'));
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'pycore.js'), 'heap', core, '--sysroot', SYSROOT, '--format', 'json', '--top', '0'], {
        encoding: 'utf8',
        env: { ...process.env, PYCORE_HEAP_THREADS: '2' },
        timeout: 60_000,
      });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^pycore: a census worker (failed|exited)[^\n]*; counting on one thread instead\n$/);
      expect(r.stdout).toBe(cli(core, '0').stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the workers end with the run when the reader of the output goes away (EPIPE)', () => {
    const core = cores.find((c) => c.name === '3.12-census')!.core;
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${join(ROOT, 'bin', 'pycore.js')}" heap "${core}" --sysroot "${SYSROOT}" --top 0 | head -c 10 >/dev/null; echo "exit $?"`], {
      encoding: 'utf8',
      env: { ...process.env, PYCORE_HEAP_THREADS: '2' },
      timeout: 60_000,
    });
    expect(r.stdout.trim()).toBe('exit 0');
    expect(r.stderr).toBe('');
  });
});
