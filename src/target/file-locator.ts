// Finding local copies of the files a core names: the executable, libpython, libc...
// Order: --executable for the main program; under --sysroot when one is given (and nowhere
// else, so a container's core never picks up the host's libraries); the path itself; then each
// --lib-path directory by file name, by build-id (DIR/.build-id/ab/cdef... or any ELF file in DIR
// whose build-id matches).
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isRegularFile, openFile } from '../io/file-source.js';
import { pathUnder } from '../io/under-root.js';
import { ElfFile } from '../elf/elf-file.js';

export interface LocatorOptions {
  executable?: string;
  libPaths: string[];
  sysroot?: string;
  /** --debug-dir: where separate debug files live (default /usr/lib/debug, under the sysroot when one is given). */
  debugDirs?: string[];
}

export interface Candidate {
  path: string;
  how: 'executable-option' | 'sysroot' | 'core-path' | 'lib-path' | 'lib-path-build-id';
}

export class FileLocator {
  private readonly buildIdIndex = new Map<string, Map<string, string>>();
  constructor(readonly options: LocatorOptions) {}

  /** Candidate local files for `corePath`, best first; the caller checks build-ids. */
  candidates(corePath: string, isExecutable: boolean, buildId: string | null): Candidate[] {
    const out: Candidate[] = [];
    const add = (path: string, how: Candidate['how']) => {
      if (isRegularFile(path) && !out.some((c) => c.path === path)) out.push({ path, how });
    };
    for (const p of this.places(corePath, isExecutable, buildId)) {
      add(p.path, p.how);
      if (p.indexDir && buildId) {
        const hit = this.indexDir(p.indexDir).get(buildId);
        if (hit) add(hit, 'lib-path-build-id');
      }
    }
    return out;
  }

  /** Every place looked at for `corePath`, in order, whether or not a file is there (for `pycore files`). */
  places(corePath: string, isExecutable: boolean, buildId: string | null): (Candidate & { indexDir?: string })[] {
    const out: (Candidate & { indexDir?: string })[] = [];
    if (isExecutable && this.options.executable) out.push({ path: this.options.executable, how: 'executable-option' });
    if (this.options.sysroot) {
      // A name that climbs out of the sysroot is looked for nowhere: never on the host.
      const under = pathUnder(this.options.sysroot, corePath);
      if (under) out.push({ path: under, how: 'sysroot' });
    } else out.push({ path: corePath, how: 'core-path' });
    for (const dir of this.options.libPaths) {
      out.push({ path: join(dir, basename(corePath)), how: 'lib-path' });
      // Then DIR/.build-id/ab/cdef..., then any file in DIR with that build-id.
      if (buildId) out.push({ path: join(dir, '.build-id', buildId.slice(0, 2), buildId.slice(2)), how: 'lib-path-build-id', indexDir: dir });
    }
    return out;
  }

  private indexDir(dir: string): Map<string, string> {
    let idx = this.buildIdIndex.get(dir);
    if (idx) return idx;
    idx = new Map();
    this.buildIdIndex.set(dir, idx);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return idx;
    }
    for (const name of names.slice(0, 10_000)) {
      const path = join(dir, name);
      if (!isRegularFile(path)) continue;
      const src = openFile(path);
      if (!src.ok) continue;
      const elf = ElfFile.open(src.value);
      const id = elf.ok ? elf.value.buildId() : null;
      if (id && !idx.has(id)) idx.set(id, path);
      src.value.close();
    }
    return idx;
  }
}
