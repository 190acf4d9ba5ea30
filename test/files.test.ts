// `pycore files`: with --sysroot pointing at an incomplete tree it names exactly the files that
// are missing, each with the build-id the core recorded. Ground truth: which files the process
// had mapped (gdb's reading of the core) and their build-ids (readelf on the files themselves),
// recorded by corpus/intake/make_files_truth.py.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilesReport } from '../src/analysis/files.js';
import { pycore } from './helpers/cli.js';
import { CORES, CORPUS, SYSROOT } from './helpers/corpus.js';

interface FilesTruth {
  elf_files: { path: string; build_id: string }[];
  data_files: string[];
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pycore-files-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A sysroot holding only `keep` (paths as in the core), copied from the corpus sysroot. */
function partialSysroot(name: string, keep: string[]): string {
  const dir = join(root, name);
  for (const p of keep) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    copyFileSync(join(SYSROOT, p), join(dir, p));
  }
  return dir;
}

const cases = [
  { core: '3.12-segv-threads', keep: ['/root/.pyenv/versions/3.12.1/bin/python3.12', '/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0'], interpreter: '/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0' },
  { core: 'debian-3.11-segv-threads', keep: ['/usr/bin/python3.11', '/usr/lib/x86_64-linux-gnu/libc.so.6'], interpreter: '/usr/bin/python3.11' },
];

describe('pycore files with an incomplete --sysroot', () => {
  for (const c of cases) {
    it(`${c.core}: lists every mapped ELF file with its build-id and names exactly the missing ones`, () => {
      const truth = JSON.parse(readFileSync(join(CORPUS, 'intake', `${c.core}.files.json`), 'utf8')) as FilesTruth;
      const sysroot = partialSysroot(c.core, c.keep);
      const r = pycore(['files', join(CORES, `${c.core}.core.gz`), '--sysroot', sysroot, '--format', 'json']);
      expect(r.code).toBe(0);
      const rep = JSON.parse(r.stdout) as FilesReport & { schema_version: number };
      expect(rep.schema_version).toBe(1);
      // Every ELF file the process mapped, with the build-id of the real file; no data files.
      expect(rep.files.map((f) => [f.path, f.build_id]).sort()).toEqual(truth.elf_files.map((f) => [f.path, f.build_id]).sort());
      const expectedMissing = truth.elf_files.map((f) => f.path).filter((p) => !c.keep.includes(p));
      expect([...rep.missing].sort()).toEqual(expectedMissing.sort());
      for (const f of rep.files) {
        if (c.keep.includes(f.path)) {
          expect(f.status).toBe('found');
          expect(f.found).toEqual({ path: join(sysroot, f.path), how: 'sysroot', verified: true });
        } else {
          expect(f.status).toBe('missing');
          expect(f.looked_at).toEqual([{ path: join(sysroot, f.path), how: 'sysroot' }]);
        }
      }
      const interp = rep.files.filter((f) => f.holds_interpreter);
      expect(interp.map((f) => f.path)).toEqual([c.interpreter]);
      expect(interp[0].required).toBe(true);

      const text = pycore(['files', join(CORES, `${c.core}.core.gz`), '--sysroot', sysroot]).stdout;
      const listed = text.split('Missing:')[1].split('\n').filter((l) => l.startsWith('  /')).map((l) => l.trim().split(/\s+/)[0]);
      expect(listed.sort()).toEqual(expectedMissing.sort());
      for (const p of expectedMissing) expect(text).toContain(`${p}  build-id ${truth.elf_files.find((f) => f.path === p)!.build_id}`);
    });
  }

  it('a file with the wrong build-id is refused and listed as a mismatch', () => {
    // Debian's libc and python3.11 put where the 3.12 core expects its own executable.
    const dir = join(root, 'wrong');
    mkdirSync(join(dir, 'root/.pyenv/versions/3.12.1/bin'), { recursive: true });
    copyFileSync(join(SYSROOT, 'usr/bin/python3.11'), join(dir, 'root/.pyenv/versions/3.12.1/bin/python3.12'));
    const r = pycore(['files', join(CORES, '3.12-segv-threads.core.gz'), '--sysroot', dir, '--format', 'json']);
    const rep = JSON.parse(r.stdout) as FilesReport;
    const exe = rep.files.find((f) => f.role === 'executable')!;
    expect(exe.status).toBe('mismatch');
    expect(exe.rejected).toEqual([{ path: join(dir, 'root/.pyenv/versions/3.12.1/bin/python3.12'), build_id: '571d98e01096d5c1c32420d229a6731a0a50d2a0' }]);
    expect(rep.missing).toContain('/root/.pyenv/versions/3.12.1/bin/python3.12');
  });

  it('finds files by build-id in a --lib-path directory', () => {
    const dir = join(root, 'bybuildid');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(SYSROOT, 'usr/lib/x86_64-linux-gnu/libc.so.6'), join(dir, 'renamed-libc'));
    const r = pycore(['files', join(CORES, '3.12-segv-threads.core.gz'), '--sysroot', join(root, '3.12-segv-threads'), '--lib-path', dir, '--format', 'json']);
    const libc = (JSON.parse(r.stdout) as FilesReport).files.find((f) => f.role === 'libc')!;
    expect(libc.found).toEqual({ path: join(dir, 'renamed-libc'), how: 'lib-path-build-id', verified: true });
  });
});
