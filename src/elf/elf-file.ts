// One ELF file (executable, shared library or core) read positionally: nothing is loaded whole.
import type { ByteSource } from '../io/byte-source.js';
import { err, ok, type Result } from '../io/result.js';
import { NT_GNU_BUILD_ID, PT_LOAD, PT_NOTE, SHT_DYNSYM, SHT_NOTE, SHT_SYMTAB } from './constants.js';
import type { ElfError } from './errors.js';
import { parseHeader, type ElfHeader } from './header.js';
import { parseNotes, type Note } from './notes.js';
import { readProgramHeaders, type ProgramHeader } from './segments.js';
import { readSectionData, readSectionHeaders, readSectionZero, type SectionHeader } from './sections.js';
import { SymbolTable, type RawSymbolSection } from './symbols.js';

export interface ElfLimits {
  maxSectionBytes: number;
  maxSymbols: number;
  maxNoteBytes: number;
}

export const defaultElfLimits: ElfLimits = { maxSectionBytes: 512 * 1024 * 1024, maxSymbols: 4_000_000, maxNoteBytes: 256 * 1024 * 1024 };

export class ElfFile {
  private sectionCache: Result<SectionHeader[], ElfError> | null = null;
  private symbolCache: SymbolTable | null = null;
  private dynamicCache: SymbolTable | null = null;

  private constructor(
    readonly source: ByteSource,
    readonly header: ElfHeader,
    readonly segments: readonly ProgramHeader[],
    readonly limits: ElfLimits,
  ) {}

  static open(source: ByteSource, limits: ElfLimits = defaultElfLimits): Result<ElfFile, ElfError> {
    const h = parseHeader(source.name, source.read(0, 64));
    if (!h.ok) return h;
    let phnum = h.value.phnum;
    if (phnum === 0xffff) {
      // PN_XNUM: the real count lives in section 0's sh_info.
      const zero = readSectionZero(source, h.value);
      if (!zero) return err({ kind: 'malformed', file: source.name, what: 'e_phnum is PN_XNUM but section 0 is unreadable', offset: h.value.shoff });
      phnum = zero.info;
    }
    const ph = readProgramHeaders(source, h.value, phnum);
    if (!ph.ok) return ph;
    return ok(new ElfFile(source, h.value, ph.value, limits));
  }

  get name(): string {
    return this.source.name;
  }

  get loadSegments(): ProgramHeader[] {
    return this.segments.filter((s) => s.type === PT_LOAD);
  }

  sections(): Result<SectionHeader[], ElfError> {
    if (!this.sectionCache) this.sectionCache = readSectionHeaders(this.source, this.header);
    return this.sectionCache;
  }

  section(name: string): SectionHeader | undefined {
    const s = this.sections();
    return s.ok ? s.value.find((x) => x.name === name) : undefined;
  }

  sectionData(s: SectionHeader): Result<Buffer, ElfError> {
    return readSectionData(this.source, this.header, s, this.limits.maxSectionBytes);
  }

  /** Notes from PT_NOTE segments, or from SHT_NOTE sections when there are no segments. */
  *notes(): Generator<Note> {
    const f = this.header.fields;
    const segs = this.segments.filter((p) => p.type === PT_NOTE);
    if (segs.length > 0) {
      for (const p of segs) {
        const size = Math.min(p.filesz, this.limits.maxNoteBytes);
        yield* parseNotes(this.source.read(p.offset, size), f, p.align);
      }
      return;
    }
    const secs = this.sections();
    if (!secs.ok) return;
    for (const s of secs.value) {
      if (s.type !== SHT_NOTE) continue;
      const d = this.sectionData(s);
      if (d.ok) yield* parseNotes(d.value, f, s.addralign);
    }
  }

  buildId(): string | null {
    for (const n of this.notes()) if (n.name === 'GNU' && n.type === NT_GNU_BUILD_ID) return n.desc.toString('hex');
    return null;
  }

  debugLink(): { file: string; crc: number } | null {
    const s = this.section('.gnu_debuglink');
    if (!s) return null;
    const d = this.sectionData(s);
    if (!d.ok) return null;
    const end = d.value.indexOf(0);
    if (end <= 0) return null;
    const crcAt = (end + 4) & ~3;
    const crc = crcAt + 4 <= d.value.length ? this.header.fields.u32(d.value, crcAt) : 0;
    return { file: d.value.toString('latin1', 0, end), crc };
  }

  /**
   * A defined symbol by name. Exported names are found in .dynsym alone, which is a fraction of
   * .symtab's size; only names missing there (local statics) cost parsing .symtab.
   */
  lookupSymbol(name: string, exportedOnly = false) {
    this.dynamicCache ??= new SymbolTable(this.parseTables([SHT_DYNSYM]), this.header.fields, this.limits.maxSymbols);
    const hit = this.dynamicCache.lookup(name);
    if (hit || exportedOnly) return hit;
    return this.symbols().lookup(name);
  }

  /** .symtab and .dynsym together; empty when neither is present (fully stripped). */
  symbols(): SymbolTable {
    this.symbolCache ??= new SymbolTable(this.parseTables([SHT_SYMTAB, SHT_DYNSYM]), this.header.fields, this.limits.maxSymbols);
    return this.symbolCache;
  }

  private parseTables(types: number[]): RawSymbolSection[] {
    const all: RawSymbolSection[] = [];
    const secs = this.sections();
    if (secs.ok) {
      for (const s of secs.value) {
        if (!types.includes(s.type)) continue;
        const strtab = secs.value[s.link];
        if (!strtab) continue;
        const entries = this.sectionData(s);
        const strings = this.sectionData(strtab);
        if (!entries.ok || !strings.ok) continue;
        all.push({ entries: entries.value, strings: strings.value, table: s.type === SHT_SYMTAB ? '.symtab' : '.dynsym' });
      }
    }
    return all;
  }

  /** Link-time address that file offset `offset` is loaded at (via the PT_LOAD holding it). */
  vaddrOfOffset(offset: number): number | null {
    for (const p of this.loadSegments) if (offset >= p.offset && offset < p.offset + Math.max(p.filesz, 1)) return p.vaddr + (offset - p.offset);
    // Mapping offsets are page-aligned and may precede a segment's first byte.
    const first = this.loadSegments.find((p) => offset <= p.offset && p.offset - offset < 65536);
    return first ? first.vaddr - (first.offset - offset) : null;
  }

  /** File offset holding the byte at link-time address `vaddr`, if a PT_LOAD covers it with file bytes. */
  offsetOfVaddr(vaddr: number): number | null {
    for (const p of this.loadSegments) if (vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
    return null;
  }
}
