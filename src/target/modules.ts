// A module: one ELF file mapped into the process (executable, libpython, libc, ...), with the
// local file that supplies its bytes when the build-ids agree.
import type { ElfFile } from '../elf/elf-file.js';
import type { MappedFile } from '../elf/core-notes.js';

export type ModuleStatus =
  | { kind: 'loaded'; localPath: string; how: string; verified: boolean }
  | { kind: 'missing' }
  | { kind: 'mismatch'; candidates: { path: string; buildId: string | null }[] };

export interface Module {
  /** Path as recorded in the core. */
  path: string;
  start: number;
  end: number;
  /** Load bias: runtime address = link-time address + bias. */
  bias: number;
  isExecutable: boolean;
  /** Build-id read from the module's ELF headers in the core's memory, when the core kept them. */
  coreBuildId: string | null;
  mappings: MappedFile[];
  elf: ElfFile | null;
  status: ModuleStatus;
}

export function moduleBaseName(m: Module): string {
  const i = m.path.lastIndexOf('/');
  return i >= 0 ? m.path.slice(i + 1) : m.path;
}
