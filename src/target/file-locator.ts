// Finding local copies of the files a core names: the executable, libpython, libc...
// Order: --executable for the main program; under --sysroot when one is given (and nowhere
// else, so a container's core never picks up the host's libraries); the path itself; then each
// --lib-path directory by file name, by build-id (DIR/.build-id/ab/cdef... or any ELF file in DIR
// whose build-id matches).
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isRegularFile, openFile } from '../io/file-source.js';
import { ElfFile } from '../elf/elf-file.js';

export interface LocatorOptions {
  executable?: string;
  libPaths: string[];
  sysroot?: string;
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
    if (isExecutable && this.options.executable) add(this.options.executable, 'executable-option');
    if (this.options.sysroot) add(join(this.options.sysroot, corePath), 'sysroot');
    else add(corePath, 'core-path');
    for (const dir of this.options.libPaths) {
      add(join(dir, basename(corePath)), 'lib-path');
      if (buildId) {
        add(join(dir, '.build-id', buildId.slice(0, 2), buildId.slice(2)), 'lib-path-build-id');
        const hit = this.indexDir(dir).get(buildId);
        if (hit) add(hit, 'lib-path-build-id');
      }
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
