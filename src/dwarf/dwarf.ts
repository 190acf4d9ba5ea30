// Entry point of the DWARF reader. It is handed a loader, "section name -> bytes or null"
// (".debug_info", ".debug_abbrev", ...), and never opens files itself: the caller (src/target)
// reads sections from an ELF file, a separate debug file or a test buffer.
import { err, ok, type Result } from '../io/result.js';
import { AbbrevCache, SECTION_ABBREV } from './abbrev.js';
import { addressAt } from './addr.js';
import * as C from './constants.js';
import { capture, dwarfError, type DwarfError } from './errors.js';
import { DebugInfo, SECTION_INFO, defaultInfoLimits, type Die, type InfoLimits, type Unit } from './info.js';
import { LineTable, parseLineProgram, SECTION_LINE } from './line.js';
import { locAt, locListAt, locListOffset, SECTION_LOC, SECTION_LOCLISTS } from './loclists.js';
import { rangesHold, readRanges, readRngList, rngListOffset, type Range, type RangeContext } from './rnglists.js';
import { SECTION_LINE_STR, SECTION_STR, StringTable } from './str.js';
import { Types } from './types.js';

export type SectionLoader = (name: string) => Buffer | null;

export class Dwarf {
  readonly info: DebugInfo;
  readonly types: Types;
  private lineTables = new Map<number, LineTable>();
  private unitRangeCache = new Map<number, Range[]>();

  private constructor(
    private readonly load: SectionLoader,
    info: Buffer,
    abbrev: Buffer,
    limits: InfoLimits,
  ) {
    this.info = new DebugInfo({
      info,
      abbrevs: new AbbrevCache(abbrev),
      str: new StringTable(SECTION_STR, load(SECTION_STR)),
      lineStr: new StringTable(SECTION_LINE_STR, load(SECTION_LINE_STR)),
      strOffsets: load('.debug_str_offsets'),
      addr: load('.debug_addr'),
      limits,
    });
    this.types = new Types(this.info);
  }

  /** Open the DWARF behind `load`; fails when there is no .debug_info (or its abbreviations). */
  static open(load: SectionLoader, limits: InfoLimits = defaultInfoLimits): Result<Dwarf, DwarfError> {
    const info = load(SECTION_INFO);
    if (!info || info.length === 0) return err(dwarfError('missing-section', SECTION_INFO, 0, 'no DWARF debug information'));
    const abbrev = load(SECTION_ABBREV);
    if (!abbrev) return err(dwarfError('missing-section', SECTION_ABBREV, 0, '.debug_info without .debug_abbrev'));
    return ok(new Dwarf(load, info, abbrev, limits));
  }

  /** Run a computation over this reader: a malformed-DWARF fault inside becomes an error value. */
  use<T>(fn: (d: Dwarf) => T): Result<T, DwarfError> {
    const r = capture(() => fn(this));
    return r.ok ? ok(r.value) : err(r.error);
  }

  private root(u: Unit): Die | null {
    return this.info.readDie(u, u.firstDie);
  }

  /** Address ranges covered by unit `u` (DW_AT_low_pc/high_pc or DW_AT_ranges). */
  unitRanges(u: Unit): Range[] {
    const hit = this.unitRangeCache.get(u.offset);
    if (hit) return hit;
    const root = this.root(u);
    const out = root ? this.dieRanges(root) : [];
    this.unitRangeCache.set(u.offset, out);
    return out;
  }

  /** The units whose ranges hold link-time `address`, in section order. */
  *unitsHolding(address: number): Generator<Unit> {
    for (const u of this.info.units()) if (rangesHold(this.unitRanges(u), address)) yield u;
  }

  /** Address ranges of a DIE with DW_AT_low_pc/high_pc or DW_AT_ranges (a unit, subprogram, inlined call or block); [] without. */
  dieRanges(die: Die): Range[] {
    const u = die.unit;
    const root = die.offset === u.firstDie ? die : this.root(u);
    if (!root) return [];
    const lowV = die.attrs.get(C.DW_AT_low_pc);
    const low = lowV ? this.info.attrAddress(u, lowV) : 0;
    const high = die.attrs.get(C.DW_AT_high_pc);
    const ranges = die.attrs.get(C.DW_AT_ranges);
    if (ranges) {
      const baseV = root.attrs.get(C.DW_AT_rnglists_base);
      const rbase = baseV && typeof baseV.value === 'number' ? baseV.value : 0;
      const ctx = this.listContext(root);
      if (u.version >= 5) {
        const buf = this.load('.debug_rnglists');
        const off = ranges.cls === 'rnglistx' ? rngListOffset(buf, rbase, ranges.value as number, u.offsetSize) : (ranges.value as number);
        return readRngList(buf, off, ctx);
      }
      return readRanges(this.load('.debug_ranges'), ranges.value as number, ctx);
    }
    if (lowV && high) {
      const end = high.cls === 'address' || high.cls === 'addrx' ? this.info.attrAddress(u, high) : low + (high.value as number);
      return [{ begin: low, end }];
    }
    return [];
  }

  /** Range and location lists are relative to the unit's base address (its DW_AT_low_pc), not the DIE's. */
  private listContext(root: Die): RangeContext {
    const u = root.unit;
    const rootLowV = root.attrs.get(C.DW_AT_low_pc);
    const base = rootLowV ? this.info.attrAddress(u, rootLowV) : 0;
    return { addrSize: u.addrSize, offsetSize: u.offsetSize, base, addrx: (i: number) => addressAt(this.load('.debug_addr'), this.addrBase(root), i, u.addrSize) };
  }

  /**
   * The DWARF expression that locates `die`'s value (attribute `attr`: DW_AT_location or
   * DW_AT_frame_base) at link-time `address`: its exprloc, or the entry of its location list that
   * covers the address. null when it has none there (the variable is optimized out at that pc).
   */
  locationAt(die: Die, address: number, attr: number = C.DW_AT_location): Buffer | null {
    const v = die.attrs.get(attr);
    if (!v) return null;
    if (Buffer.isBuffer(v.value)) return v.value;
    const u = die.unit;
    const root = this.root(u);
    if (!root || typeof v.value !== 'number') return null;
    const ctx = this.listContext(root);
    if (u.version >= 5) {
      const buf = this.load(SECTION_LOCLISTS);
      const baseV = root.attrs.get(C.DW_AT_loclists_base);
      const lbase = baseV && typeof baseV.value === 'number' ? baseV.value : 0;
      const off = v.cls === 'loclistx' ? locListOffset(buf, lbase, v.value, u.offsetSize) : v.value;
      return locListAt(buf, off, address, ctx);
    }
    return locAt(this.load(SECTION_LOC), v.value, address, ctx);
  }

  private addrBase(root: Die): number {
    const v = root.attrs.get(C.DW_AT_addr_base) ?? root.attrs.get(C.DW_AT_GNU_addr_base);
    return v && typeof v.value === 'number' ? v.value : 0;
  }

  /** The line table of unit `u` (parsed once), or null when it has none. */
  lineTable(u: Unit): LineTable | null {
    const hit = this.lineTables.get(u.offset);
    if (hit) return hit;
    const root = this.root(u);
    const stmt = root?.attrs.get(C.DW_AT_stmt_list);
    if (!root || !stmt) return null;
    const buf = this.load(SECTION_LINE);
    if (!buf) return null;
    const compDirV = root.attrs.get(C.DW_AT_comp_dir);
    const compDir = compDirV ? this.info.attrString(u, compDirV) : null;
    const prog = parseLineProgram(buf, stmt.value as number, { addrSize: u.addrSize, compDir, string: (v) => this.info.attrString(u, v) });
    const t = new LineTable(prog);
    this.lineTables.set(u.offset, t);
    return t;
  }

  /** File and line of link-time address `address` (null when no unit's line table covers it). */
  lineAt(address: number): Result<{ file: string | null; line: number; column: number } | null, DwarfError> {
    return this.use(() => {
      for (const u of this.unitsHolding(address)) {
        const row = this.lineTable(u)?.find(address) ?? null;
        if (row) return row;
      }
      return null;
    });
  }
}

export { fault, formatDwarfError, UNSUPPORTED_FEATURE, type DwarfError } from './errors.js';
export type { TypeRef, Member } from './types.js';
export { VOID } from './types.js';
