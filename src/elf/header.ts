// The ELF file header (e_ident and the Ehdr that follows).
import { err, ok, type Result } from '../io/result.js';
import { ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB } from './constants.js';
import type { ElfError } from './errors.js';
import { Fields } from './fields.js';

export interface ElfHeader {
  fields: Fields;
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  shoff: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export function parseHeader(file: string, b: Buffer): Result<ElfHeader, ElfError> {
  if (b.length === 0) return err({ kind: 'empty', file });
  if (b.length < 16 || b.readUInt32BE(0) !== 0x7f454c46) return err({ kind: 'bad-magic', file });
  const cls = b[4];
  const data = b[5];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) return err({ kind: 'unsupported', file, what: `EI_CLASS ${cls}` });
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) return err({ kind: 'unsupported', file, what: `EI_DATA ${data}` });
  const f = new Fields(data === ELFDATA2LSB, cls === ELFCLASS64);
  const need = f.is64 ? 64 : 52;
  if (b.length < need) return err({ kind: 'truncated', file, what: 'ELF header', offset: 0 });
  if (f.is64) {
    return ok({
      fields: f,
      type: f.u16(b, 16),
      machine: f.u16(b, 18),
      entry: f.u64(b, 24),
      phoff: f.u64(b, 32),
      shoff: f.u64(b, 40),
      ehsize: f.u16(b, 52),
      phentsize: f.u16(b, 54),
      phnum: f.u16(b, 56),
      shentsize: f.u16(b, 58),
      shnum: f.u16(b, 60),
      shstrndx: f.u16(b, 62),
    });
  }
  return ok({
    fields: f,
    type: f.u16(b, 16),
    machine: f.u16(b, 18),
    entry: f.u32(b, 24),
    phoff: f.u32(b, 28),
    shoff: f.u32(b, 32),
    ehsize: f.u16(b, 40),
    phentsize: f.u16(b, 42),
    phnum: f.u16(b, 44),
    shentsize: f.u16(b, 46),
    shnum: f.u16(b, 48),
    shstrndx: f.u16(b, 50),
  });
}
