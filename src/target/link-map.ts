// Cores without an NT_FILE note (qemu-user writes none for its guest): the files the process
// had mapped, rebuilt as a debugger does. The executable is placed by AT_PHDR (where its program
// headers were mapped), its PT_DYNAMIC's DT_DEBUG entry points at the dynamic linker's r_debug,
// and r_debug.r_map lists every loaded object with its load bias (l_addr) and name (l_name).
// Each object's mappings are its file's PT_LOAD segments moved by that bias; the files are the
// local copies the locator finds (--executable, --sysroot, --lib-path), as for NT_FILE cores.
import { AT_PHDR, DT_DEBUG, DT_NULL, PT_DYNAMIC, PT_LOAD, PT_PHDR } from '../elf/constants.js';
import type { CoreNotes, MappedFile } from '../elf/core-notes.js';
import { ElfFile } from '../elf/elf-file.js';
import { openFile } from '../io/file-source.js';
import type { AddressSpace } from './address-space.js';
import type { FileLocator } from './file-locator.js';

const PAGE = 4096;
/** Bounds for walking memory that may be corrupt. */
const MAX_DYNAMIC = 512;
const MAX_OBJECTS = 1024;
const MAX_NAME = 4096;

export interface RebuiltMappings {
  files: MappedFile[];
  /** Why the rebuild stopped short, when it did. */
  problems: string[];
}

/** The PT_LOAD mappings of the ELF file at `path` loaded with `bias`, or null when no local copy opens. */
function loadMappings(locator: FileLocator, path: string, isExecutable: boolean, place: (elf: ElfFile) => number | null): { files: MappedFile[]; elf: ElfFile; bias: number } | null {
  for (const c of locator.candidates(path, isExecutable, null)) {
    const src = openFile(c.path);
    if (!src.ok) continue;
    const elf = ElfFile.open(src.value);
    if (!elf.ok) {
      src.value.close();
      continue;
    }
    const bias = place(elf.value);
    if (bias === null) {
      src.value.close();
      continue;
    }
    const files = elf.value.segments
      .filter((s) => s.type === PT_LOAD && s.filesz > 0)
      .map((s) => ({
        start: bias + s.vaddr - (s.vaddr % PAGE),
        end: bias + Math.ceil((s.vaddr + s.filesz) / PAGE) * PAGE,
        fileOffset: s.offset - (s.offset % PAGE),
        path,
      }));
    return { files, elf: elf.value, bias };
  }
  return null;
}

function cString(mem: AddressSpace, address: number): string | null {
  let out = '';
  for (let a = address; out.length < MAX_NAME; a += 64) {
    const b = mem.readCoreOnly(a, 64) ?? mem.readCoreOnly(a, PAGE - (a % PAGE));
    if (!b) return out || null;
    const z = b.indexOf(0);
    if (z >= 0) return out + b.subarray(0, z).toString('latin1');
    out += b.toString('latin1');
  }
  return out;
}

/** The files of a core that has no NT_FILE note; empty when the executable cannot be placed. */
export function rebuildMappings(notes: CoreNotes, mem: AddressSpace, locator: FileLocator): RebuiltMappings {
  const problems: string[] = [];
  const phdr = notes.auxv.get(AT_PHDR);
  const exePath = notes.process?.psargs.split(' ')[0] ?? '';
  if (phdr === undefined || !exePath.startsWith('/')) return { files: [], problems: ['no NT_FILE note, and no AT_PHDR or executable path to place the executable by'] };
  const exe = loadMappings(locator, exePath, true, (elf) => {
    const ph = elf.segments.find((s) => s.type === PT_PHDR);
    const first = elf.segments.find((s) => s.type === PT_LOAD && s.offset === 0);
    const vaddr = ph ? ph.vaddr : first ? first.vaddr + elf.header.phoff : null;
    return vaddr === null ? null : phdr - vaddr;
  });
  if (!exe) return { files: [], problems: [`no NT_FILE note, and no local copy of ${exePath} to place the executable by`] };
  const files = [...exe.files];
  const dyn = exe.elf.segments.find((s) => s.type === PT_DYNAMIC);
  const w = 8;
  let rDebug: number | null = null;
  for (let i = 0; dyn && i < Math.min(MAX_DYNAMIC, dyn.memsz / (2 * w)); i++) {
    const e = mem.readCoreOnly(exe.bias + dyn.vaddr + i * 2 * w, 2 * w);
    if (!e) break;
    const tag = Number(e.readBigInt64LE(0));
    if (tag === DT_NULL) break;
    if (tag === DT_DEBUG) rDebug = Number(e.readBigUInt64LE(w));
  }
  if (!rDebug) return { files, problems: ['no NT_FILE note, and no r_debug (DT_DEBUG) in memory: only the executable is mapped'] };
  const head = mem.readCoreOnly(rDebug + w, w);
  let lm = head ? Number(head.readBigUInt64LE(0)) : 0;
  const seen = new Set<number>();
  while (lm !== 0 && !seen.has(lm) && seen.size < MAX_OBJECTS) {
    seen.add(lm);
    const b = mem.readCoreOnly(lm, 4 * w);
    if (!b) {
      problems.push(`link_map entry 0x${lm.toString(16)} is not in the core`);
      break;
    }
    const lAddr = Number(b.readBigUInt64LE(0));
    const name = cString(mem, Number(b.readBigUInt64LE(w)));
    // The executable's own entry has an empty name; the vDSO's name is no file.
    if (name && name.startsWith('/')) {
      const lib = loadMappings(locator, name, false, () => lAddr);
      if (lib) files.push(...lib.files);
      else problems.push(`${name} (loaded at 0x${lAddr.toString(16)}) was not found`);
    }
    lm = Number(b.readBigUInt64LE(3 * w));
  }
  return { files, problems };
}
