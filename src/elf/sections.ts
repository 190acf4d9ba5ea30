// Section headers (Shdr) and their names; section contents, including SHF_COMPRESSED ones.
import { zlib } from '../io/lazy-zlib.js';
import type { ByteSource } from '../io/byte-source.js';
import { err, ok, type Result } from '../io/result.js';
import { SHF_COMPRESSED, SHT_NOBITS } from './constants.js';
import type { ElfError } from './errors.js';
import type { ElfHeader } from './header.js';

export interface SectionHeader {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export const MAX_SECTIONS = 1_000_000;

export function parseSectionHeader(h: ElfHeader, b: Buffer, o: number, index: number): SectionHeader {
  const f = h.fields;
  return f.is64
    ? {
        index,
        name: '',
        nameOffset: f.u32(b, o),
        type: f.u32(b, o + 4),
        flags: f.u64(b, o + 8),
        addr: f.u64(b, o + 16),
        offset: f.u64(b, o + 24),
        size: f.u64(b, o + 32),
        link: f.u32(b, o + 40),
        info: f.u32(b, o + 44),
        addralign: f.u64(b, o + 48),
        entsize: f.u64(b, o + 56),
      }
    : {
        index,
        name: '',
        nameOffset: f.u32(b, o),
        type: f.u32(b, o + 4),
        flags: f.u32(b, o + 8),
        addr: f.u32(b, o + 12),
        offset: f.u32(b, o + 16),
        size: f.u32(b, o + 20),
        link: f.u32(b, o + 24),
        info: f.u32(b, o + 28),
        addralign: f.u32(b, o + 32),
        entsize: f.u32(b, o + 36),
      };
}

/** Section 0 carries the real counts when e_shnum / e_phnum / e_shstrndx overflow. */
export function readSectionZero(src: ByteSource, h: ElfHeader): SectionHeader | null {
  if (h.shoff === 0) return null;
  const size = h.fields.is64 ? 64 : 40;
  const b = src.read(h.shoff, size);
  if (b.length < size) return null;
  return parseSectionHeader(h, b, 0, 0);
}

export function readSectionHeaders(src: ByteSource, h: ElfHeader): Result<SectionHeader[], ElfError> {
  if (h.shoff === 0) return ok([]);
  const f = h.fields;
  const entsize = f.is64 ? 64 : 40;
  if (h.shentsize < entsize) return err({ kind: 'malformed', file: src.name, what: `e_shentsize ${h.shentsize}`, offset: f.is64 ? 58 : 46 });
  let count = h.shnum;
  let strndx = h.shstrndx;
  if (count === 0 || strndx === 0xffff) {
    const zero = readSectionZero(src, h);
    if (zero && count === 0) count = zero.size;
    if (zero && strndx === 0xffff) strndx = zero.link;
  }
  if (count > MAX_SECTIONS) return err({ kind: 'malformed', file: src.name, what: `${count} sections`, offset: h.shoff });
  if (h.shoff + count * h.shentsize > src.size) return err({ kind: 'truncated', file: src.name, what: 'section header table', offset: h.shoff });
  const b = src.read(h.shoff, count * h.shentsize);
  const out: SectionHeader[] = [];
  for (let i = 0; i < count; i++) out.push(parseSectionHeader(h, b, i * h.shentsize, i));
  const names = out[strndx];
  if (names && names.type !== SHT_NOBITS && names.offset + names.size <= src.size) {
    const table = src.read(names.offset, Math.min(names.size, 16 * 1024 * 1024));
    for (const s of out) s.name = cString(table, s.nameOffset);
  }
  return ok(out);
}

export function cString(b: Buffer, offset: number, max = 4096): string {
  if (offset < 0 || offset >= b.length) return '';
  let end = offset;
  const limit = Math.min(b.length, offset + max);
  while (end < limit && b[end] !== 0) end++;
  return b.toString('latin1', offset, end);
}

/** A section's bytes, decompressed when SHF_COMPRESSED; at most `maxBytes`. */
export function readSectionData(src: ByteSource, h: ElfHeader, s: SectionHeader, maxBytes: number): Result<Buffer, ElfError> {
  if (s.type === SHT_NOBITS) return ok(Buffer.alloc(0));
  if (s.size > maxBytes) return err({ kind: 'malformed', file: src.name, what: `section ${s.name} of ${s.size} bytes exceeds the ${maxBytes}-byte limit`, offset: s.offset });
  if (s.offset + s.size > src.size) return err({ kind: 'truncated', file: src.name, what: `section ${s.name}`, offset: s.offset });
  const raw = src.read(s.offset, s.size);
  if (!(s.flags & SHF_COMPRESSED)) return ok(raw);
  const f = h.fields;
  const hdr = f.is64 ? 24 : 12;
  if (raw.length < hdr) return err({ kind: 'truncated', file: src.name, what: `compression header of ${s.name}`, offset: s.offset });
  const type = f.u32(raw, 0);
  const size = f.is64 ? f.u64(raw, 8) : f.u32(raw, 4);
  if (type !== 1) return err({ kind: 'unsupported', file: src.name, what: `section ${s.name} compressed with type ${type}` });
  if (size > maxBytes) return err({ kind: 'malformed', file: src.name, what: `section ${s.name} inflates to ${size} bytes`, offset: s.offset });
  try {
    return ok(zlib().inflateSync(raw.subarray(hdr), { maxOutputLength: Math.max(1, size) }));
  } catch (e) {
    return err({ kind: 'malformed', file: src.name, what: `zlib data of ${s.name}: ${(e as Error).message}`, offset: s.offset });
  }
}
