// Call frame information: CIEs and FDEs of `.eh_frame` (LSB "Exception Frames", present even in
// stripped libraries) and `.debug_frame` (DWARF 5 spec 6.4), pointer encodings (DW_EH_PE_*),
// and the FDE lookup by address: the binary search table of `.eh_frame_hdr` when there is one,
// otherwise a sorted index built by one scan of the section. Nothing is parsed until an address
// is looked up; each CIE is parsed once. The caller supplies the section bytes and the link-time
// address each section is loaded at (pc-relative pointers need it).
import { err, ok, type Result } from '../io/result.js';
import { lastAtOrBelow } from '../io/sorted.js';
import * as C from './cfi-constants.js';
import { Cursor } from './cursor.js';
import { capture, fault, type DwarfError } from './errors.js';

export type CfiKind = 'eh_frame' | 'debug_frame';

export interface CfiSection {
  kind: CfiKind;
  data: Buffer;
  /** Link-time address of the section's first byte (0 for non-allocated .debug_frame). */
  address: number;
  /** Section name for error messages (".eh_frame", ".debug_frame"). */
  name: string;
}

/** Bases of DW_EH_PE_textrel / datarel pointers in .eh_frame (rare on x86_64 and AArch64). */
export interface CfiBases {
  text?: number;
  data?: number;
}

export interface Cie {
  offset: number;
  version: number;
  augmentation: string;
  addressSize: number;
  codeAlign: number;
  dataAlign: number;
  /** The column that holds the return address (x86_64: 16, AArch64: 30). */
  returnAddressRegister: number;
  /** How the FDEs of this CIE encode their addresses (R augmentation; absptr otherwise). */
  fdeEncoding: number;
  lsdaEncoding: number;
  /** 'S' augmentation: frames of this CIE are signal trampolines (their caller's pc is exact). */
  signalFrame: boolean;
  hasAugmentationData: boolean;
  /** Initial instructions: [start, end) in the section. */
  instructions: { start: number; end: number };
}

export interface Fde {
  offset: number;
  cie: Cie;
  /** Link-time address of the first instruction the FDE covers. */
  initialLocation: number;
  addressRange: number;
  instructions: { start: number; end: number };
}

export interface CfiLimits {
  /** FDEs indexed by one scan (no .eh_frame_hdr). */
  maxEntries: number;
}

export const defaultCfiLimits: CfiLimits = { maxEntries: 5_000_000 };

export interface PointerContext {
  section: CfiSection;
  bases: CfiBases;
  addressSize: number;
  /** DW_EH_PE_funcrel base (the FDE's initial location), when known. */
  funcStart?: number;
}

/** Read a DW_EH_PE-encoded pointer at the cursor; null for DW_EH_PE_omit. Indirect pointers are not dereferenced. */
export function readEncodedPointer(c: Cursor, enc: number, ctx: PointerContext): number | null {
  if (enc === C.DW_EH_PE_omit) return null;
  const app = enc & 0x70;
  if (app === C.DW_EH_PE_aligned) {
    const a = ctx.addressSize;
    c.pos = Math.ceil(c.pos / a) * a;
  }
  const fieldAt = ctx.section.address + c.pos;
  let v: number;
  switch (enc & 0x0f) {
    case C.DW_EH_PE_absptr:
      v = c.uN(ctx.addressSize);
      break;
    case C.DW_EH_PE_uleb128:
      v = c.uleb();
      break;
    case C.DW_EH_PE_udata2:
      v = c.u16();
      break;
    case C.DW_EH_PE_udata4:
      v = c.u32();
      break;
    case C.DW_EH_PE_udata8:
      v = c.u64();
      break;
    case C.DW_EH_PE_sleb128:
      v = c.sleb();
      break;
    case C.DW_EH_PE_sdata2:
      v = (c.u16() << 16) >> 16;
      break;
    case C.DW_EH_PE_sdata4:
      v = c.u32() | 0;
      break;
    case C.DW_EH_PE_sdata8:
      v = c.i64();
      break;
    default:
      return fault('malformed', ctx.section.name, c.pos, `pointer encoding 0x${enc.toString(16)} has an unknown value format`);
  }
  switch (app) {
    case 0:
    case C.DW_EH_PE_aligned:
      break;
    case C.DW_EH_PE_pcrel:
      v += fieldAt;
      break;
    case C.DW_EH_PE_textrel:
      if (ctx.bases.text === undefined) fault('malformed', ctx.section.name, c.pos, 'DW_EH_PE_textrel pointer without a text base');
      v += ctx.bases.text!;
      break;
    case C.DW_EH_PE_datarel:
      if (ctx.bases.data === undefined) fault('malformed', ctx.section.name, c.pos, 'DW_EH_PE_datarel pointer without a data base');
      v += ctx.bases.data!;
      break;
    case C.DW_EH_PE_funcrel:
      if (ctx.funcStart === undefined) fault('malformed', ctx.section.name, c.pos, 'DW_EH_PE_funcrel pointer outside an FDE');
      v += ctx.funcStart!;
      break;
    default:
      return fault('malformed', ctx.section.name, c.pos, `pointer encoding 0x${enc.toString(16)} has an unknown application`);
  }
  // Addresses wrap at the address size (a pc-relative sdata4 can step below 0 in tests).
  return ctx.addressSize === 4 ? v >>> 0 : v < 0 ? v + 2 ** 64 : v;
}

/** Size in bytes of a fixed-size pointer encoding, or null for LEB128 / absptr of unknown size. */
function encodedSize(enc: number, addressSize: number): number | null {
  switch (enc & 0x0f) {
    case C.DW_EH_PE_absptr:
      return addressSize;
    case C.DW_EH_PE_udata2:
    case C.DW_EH_PE_sdata2:
      return 2;
    case C.DW_EH_PE_udata4:
    case C.DW_EH_PE_sdata4:
      return 4;
    case C.DW_EH_PE_udata8:
    case C.DW_EH_PE_sdata8:
      return 8;
    default:
      return null;
  }
}

type Entry = { kind: 'cie'; cie: Cie } | { kind: 'fde'; fde: Fde } | { kind: 'terminator' };

/** `.eh_frame_hdr`'s binary search table: sorted (initial location, FDE address) pairs. */
interface SearchTable {
  data: Buffer;
  address: number;
  tableStart: number;
  count: number;
  encoding: number;
  entrySize: number;
}

interface IndexEntry {
  start: number;
  end: number;
  offset: number;
}

export class CallFrameTable {
  private readonly cies = new Map<number, Cie>();
  private index: IndexEntry[] | null = null;

  private constructor(
    readonly section: CfiSection,
    readonly bases: CfiBases,
    readonly addressSize: 4 | 8,
    private readonly table: SearchTable | null,
    readonly limits: CfiLimits,
  ) {}

  /**
   * A lookup table over `section`. With `hdr` (the `.eh_frame_hdr` bytes and address) lookups use
   * its binary search table; a header this reader cannot use is ignored (lookups then scan).
   */
  static open(section: CfiSection, o: { addressSize: 4 | 8; bases?: CfiBases; hdr?: { data: Buffer; address: number } | null; limits?: CfiLimits }): CallFrameTable {
    const table = o.hdr ? searchTable(o.hdr.data, o.hdr.address, o.addressSize) : null;
    return new CallFrameTable(section, o.bases ?? {}, o.addressSize, table, o.limits ?? defaultCfiLimits);
  }

  /** True when lookups go through `.eh_frame_hdr`. */
  get indexed(): boolean {
    return this.table !== null;
  }

  /** The FDE covering link-time address `pc`, or null when none does. */
  findFde(pc: number): Result<Fde | null, DwarfError> {
    const r = capture(() => (this.table ? this.viaTable(this.table, pc) : this.viaIndex(pc)));
    return r.ok ? ok(r.value) : err(r.error);
  }

  private covering(fde: Fde, pc: number): Fde | null {
    return pc >= fde.initialLocation && pc - fde.initialLocation < fde.addressRange ? fde : null;
  }

  private viaTable(t: SearchTable, pc: number): Fde | null {
    const ctx: PointerContext = { section: { kind: 'eh_frame', data: t.data, address: t.address, name: '.eh_frame_hdr' }, bases: { data: t.address }, addressSize: this.addressSize };
    const at = (i: number, second: boolean) => {
      const c = new Cursor(t.data, '.eh_frame_hdr', t.tableStart + i * t.entrySize + (second ? t.entrySize / 2 : 0));
      return readEncodedPointer(c, t.encoding, ctx)!;
    };
    const best = lastAtOrBelow(t.count, (i) => at(i, false), pc);
    if (best < 0) return null;
    const fdeOffset = at(best, true) - this.section.address;
    if (fdeOffset < 0 || fdeOffset >= this.section.data.length) fault('bad-reference', '.eh_frame_hdr', t.tableStart + best * t.entrySize, `FDE address points outside ${this.section.name}`);
    const e = this.parseEntry(fdeOffset).entry;
    if (e.kind !== 'fde') return fault('bad-reference', '.eh_frame_hdr', t.tableStart + best * t.entrySize, `the search table points at a ${e.kind}, not an FDE`);
    return this.covering(e.fde, pc);
  }

  private viaIndex(pc: number): Fde | null {
    const idx = this.index ?? (this.index = this.buildIndex());
    const best = lastAtOrBelow(idx.length, (i) => idx[i].start, pc);
    // Ranges may nest or overlap in odd tables: look back over the few that start at or below pc.
    for (let i = best; i >= 0 && i > best - 8; i--) {
      if (pc < idx[i].end) {
        const e = this.parseEntry(idx[i].offset).entry;
        return e.kind === 'fde' ? e.fde : null;
      }
    }
    return null;
  }

  private buildIndex(): IndexEntry[] {
    const out: IndexEntry[] = [];
    const data = this.section.data;
    let off = 0;
    while (off + 4 <= data.length) {
      if (out.length >= this.limits.maxEntries) fault('limit', this.section.name, off, `more than ${this.limits.maxEntries} FDEs`);
      const { entry, next } = this.parseEntry(off);
      if (entry.kind === 'terminator' && this.section.kind === 'eh_frame') break;
      if (entry.kind === 'fde' && entry.fde.addressRange > 0) out.push({ start: entry.fde.initialLocation, end: entry.fde.initialLocation + entry.fde.addressRange, offset: entry.fde.offset });
      off = next;
    }
    return out.sort((a, b) => a.start - b.start);
  }

  private parseEntry(offset: number): { entry: Entry; next: number } {
    const s = this.section;
    const c = new Cursor(s.data, s.name, offset);
    const { length, offsetSize } = c.initialLength();
    if (length === 0) return { entry: { kind: 'terminator' }, next: c.pos };
    const end = c.pos + length;
    if (end > s.data.length) fault('truncated', s.name, offset, `entry of ${length} bytes runs past the end of the section`);
    c.end = end;
    const idAt = c.pos;
    const isEh = s.kind === 'eh_frame';
    // .eh_frame's CIE id / pointer is 4 bytes even in the 64-bit format (LSB).
    const id = isEh ? c.u32() : c.offset(offsetSize);
    const isCie = isEh ? id === 0 : offsetSize === 4 ? id === 0xffffffff : id === 2 ** 64 - 1 || id === 0xffffffffffffffff;
    if (isCie) return { entry: { kind: 'cie', cie: this.cieAt(offset) }, next: end };
    const cieOffset = isEh ? idAt - id : id;
    if (cieOffset < 0 || cieOffset >= s.data.length) fault('bad-reference', s.name, idAt, `CIE pointer 0x${id.toString(16)} points outside the section`);
    const cie = this.cieAt(cieOffset);
    const ctx: PointerContext = { section: s, bases: this.bases, addressSize: cie.addressSize };
    const initialLocation = readEncodedPointer(c, cie.fdeEncoding, ctx);
    if (initialLocation === null) fault('malformed', s.name, c.pos, 'FDE without an initial location');
    const addressRange = readEncodedPointer(c, cie.fdeEncoding & 0x0f, ctx) ?? 0;
    if (cie.hasAugmentationData) {
      const augLength = c.uleb();
      c.skip(augLength, 'FDE augmentation data');
    }
    const fde: Fde = { offset, cie, initialLocation: initialLocation!, addressRange, instructions: { start: c.pos, end } };
    return { entry: { kind: 'fde', fde }, next: end };
  }

  private cieAt(offset: number): Cie {
    const hit = this.cies.get(offset);
    if (hit) return hit;
    const cie = this.parseCie(offset);
    this.cies.set(offset, cie);
    return cie;
  }

  private parseCie(offset: number): Cie {
    const s = this.section;
    const c = new Cursor(s.data, s.name, offset);
    const { length, offsetSize } = c.initialLength();
    const end = c.pos + length;
    if (length === 0 || end > s.data.length) fault('truncated', s.name, offset, 'CIE runs past the end of the section');
    c.end = end;
    const id = s.kind === 'eh_frame' ? c.u32() : c.offset(offsetSize);
    const expected = s.kind === 'eh_frame' ? 0 : offsetSize === 4 ? 0xffffffff : 2 ** 64 - 1;
    if (id !== expected) fault('bad-reference', s.name, offset, 'an FDE points at an entry that is not a CIE');
    const version = c.u8();
    if (version !== 1 && version !== 3 && version !== 4) fault('unsupported-version', s.name, offset, `CIE version ${version}`);
    const augmentation = c.cstr();
    let addressSize: number = this.addressSize;
    if (version === 4) {
      addressSize = c.u8();
      const segmentSize = c.u8();
      if (segmentSize !== 0) fault('malformed', s.name, offset, `segment selector size ${segmentSize}`);
      if (addressSize !== 4 && addressSize !== 8) fault('malformed', s.name, offset, `address size ${addressSize}`);
    }
    if (augmentation.includes('eh')) c.skip(addressSize, 'eh_data');
    const codeAlign = c.uleb();
    const dataAlign = c.sleb();
    const returnAddressRegister = version === 1 ? c.u8() : c.uleb();
    const cie: Cie = {
      offset,
      version,
      augmentation,
      addressSize,
      codeAlign,
      dataAlign,
      returnAddressRegister,
      fdeEncoding: C.DW_EH_PE_absptr,
      lsdaEncoding: C.DW_EH_PE_omit,
      signalFrame: false,
      hasAugmentationData: augmentation.startsWith('z'),
      instructions: { start: 0, end },
    };
    if (cie.hasAugmentationData) {
      const augLength = c.uleb();
      const augEnd = c.pos + augLength;
      if (augEnd > end) fault('truncated', s.name, c.pos, 'CIE augmentation data runs past the entry');
      const ctx: PointerContext = { section: s, bases: this.bases, addressSize };
      for (const ch of augmentation.slice(1)) {
        if (ch === 'L') cie.lsdaEncoding = c.u8();
        else if (ch === 'R') cie.fdeEncoding = c.u8();
        else if (ch === 'P') readEncodedPointer(c, c.u8() & ~C.DW_EH_PE_indirect, ctx);
        else if (ch === 'S') cie.signalFrame = true;
        // 'B' (AArch64 BTI) and 'G' (MTE tagged frames) carry no data; anything else is skipped
        // along with the rest of the augmentation data, whose length is known.
        else if (ch !== 'B' && ch !== 'G') break;
      }
      c.pos = augEnd;
    } else if (augmentation !== '' && augmentation !== 'eh') {
      fault('malformed', s.name, offset, `CIE augmentation "${augmentation}" without augmentation data`);
    }
    if (encodedSize(cie.fdeEncoding, addressSize) === null && (cie.fdeEncoding & 0x0f) !== C.DW_EH_PE_uleb128 && (cie.fdeEncoding & 0x0f) !== C.DW_EH_PE_sleb128)
      fault('malformed', s.name, offset, `FDE pointer encoding 0x${cie.fdeEncoding.toString(16)}`);
    cie.instructions = { start: c.pos, end };
    return cie;
  }
}

/** Parse `.eh_frame_hdr`; null when it has no usable search table. */
function searchTable(data: Buffer, address: number, addressSize: 4 | 8): SearchTable | null {
  const r = capture(() => {
    const c = new Cursor(data, '.eh_frame_hdr', 0);
    const version = c.u8();
    if (version !== 1) return null;
    const ehFramePtrEnc = c.u8();
    const countEnc = c.u8();
    const tableEnc = c.u8();
    const ctx: PointerContext = { section: { kind: 'eh_frame', data, address, name: '.eh_frame_hdr' }, bases: { data: address }, addressSize };
    readEncodedPointer(c, ehFramePtrEnc, ctx);
    if (countEnc === C.DW_EH_PE_omit || tableEnc === C.DW_EH_PE_omit) return null;
    const count = readEncodedPointer(c, countEnc, ctx);
    const size = encodedSize(tableEnc, addressSize);
    if (count === null || size === null || (tableEnc & C.DW_EH_PE_indirect) !== 0) return null;
    if (c.pos + count * 2 * size > data.length) return null;
    return { data, address, tableStart: c.pos, count, encoding: tableEnc, entrySize: 2 * size };
  });
  return r.ok ? r.value : null;
}
