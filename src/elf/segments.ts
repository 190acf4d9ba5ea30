// Program headers (Phdr): segments of an executable, library or core.
import type { ByteSource } from '../io/byte-source.js';
import { err, ok, type Result } from '../io/result.js';
import type { ElfError } from './errors.js';
import type { ElfHeader } from './header.js';

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

// A core of a large process can have more than 65535 segments; the cap keeps a corrupt count
// from asking for an absurd allocation while leaving room for real ones.
export const MAX_PROGRAM_HEADERS = 4_000_000;

export function readProgramHeaders(src: ByteSource, h: ElfHeader, count: number): Result<ProgramHeader[], ElfError> {
  const f = h.fields;
  const entsize = f.is64 ? 56 : 32;
  if (count === 0) return ok([]);
  if (h.phentsize < entsize) return err({ kind: 'malformed', file: src.name, what: `e_phentsize ${h.phentsize}`, offset: f.is64 ? 54 : 42 });
  if (count > MAX_PROGRAM_HEADERS) return err({ kind: 'malformed', file: src.name, what: `${count} program headers`, offset: h.phoff });
  const total = h.phentsize * count;
  if (h.phoff + total > src.size) return err({ kind: 'truncated', file: src.name, what: 'program header table', offset: h.phoff });
  const b = src.read(h.phoff, total);
  const out: ProgramHeader[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * h.phentsize;
    out[i] = f.is64
      ? { type: f.u32(b, o), flags: f.u32(b, o + 4), offset: f.u64(b, o + 8), vaddr: f.u64(b, o + 16), filesz: f.u64(b, o + 32), memsz: f.u64(b, o + 40), align: f.u64(b, o + 48) }
      : { type: f.u32(b, o), offset: f.u32(b, o + 4), vaddr: f.u32(b, o + 8), filesz: f.u32(b, o + 16), memsz: f.u32(b, o + 20), flags: f.u32(b, o + 24), align: f.u32(b, o + 28) };
  }
  return ok(out);
}
