// Address ranges of a DIE: DWARF 5 .debug_rnglists (DW_RLE_* entries, DW_FORM_rnglistx through
// the offsets table at DW_AT_rnglists_base) and DWARF 2-4 .debug_ranges (address pairs).
import * as C from './constants.js';
import { Cursor } from './cursor.js';
import { fault } from './errors.js';

export const SECTION_RNGLISTS = '.debug_rnglists';
export const SECTION_RANGES = '.debug_ranges';
export const MAX_RANGES = 1_000_000;

export interface Range {
  begin: number;
  /** Exclusive. */
  end: number;
}

/** Whether one of `ranges` holds `address` (the one test of a pc against DWARF ranges). */
export function rangesHold(ranges: readonly Range[], address: number): boolean {
  return ranges.some((r) => address >= r.begin && address < r.end);
}

export interface RangeContext {
  addrSize: number;
  offsetSize: 4 | 8;
  /** The unit's base address (DW_AT_low_pc of the unit DIE, 0 when absent). */
  base: number;
  /** Resolve a .debug_addr index (DW_RLE_*x entries). */
  addrx: (index: number) => number;
}

/** The range list at `offset` in .debug_rnglists. */
export function readRngList(buf: Buffer | null, offset: number, u: RangeContext): Range[] {
  if (!buf) return fault('missing-section', SECTION_RNGLISTS, offset, 'a range list refers to .debug_rnglists, which is absent');
  const c = new Cursor(buf, SECTION_RNGLISTS, offset);
  const out: Range[] = [];
  let base = u.base;
  for (let n = 0; n < MAX_RANGES; n++) {
    const kind = c.u8();
    switch (kind) {
      case C.DW_RLE_end_of_list:
        return out;
      case C.DW_RLE_base_addressx:
        base = u.addrx(c.uleb());
        break;
      case C.DW_RLE_startx_endx: {
        const b = u.addrx(c.uleb());
        out.push({ begin: b, end: u.addrx(c.uleb()) });
        break;
      }
      case C.DW_RLE_startx_length: {
        const b = u.addrx(c.uleb());
        out.push({ begin: b, end: b + c.uleb() });
        break;
      }
      case C.DW_RLE_offset_pair: {
        const b = c.uleb();
        out.push({ begin: base + b, end: base + c.uleb() });
        break;
      }
      case C.DW_RLE_base_address:
        base = c.uN(u.addrSize);
        break;
      case C.DW_RLE_start_end: {
        const b = c.uN(u.addrSize);
        out.push({ begin: b, end: c.uN(u.addrSize) });
        break;
      }
      case C.DW_RLE_start_length: {
        const b = c.uN(u.addrSize);
        out.push({ begin: b, end: b + c.uleb() });
        break;
      }
      default:
        fault('malformed', SECTION_RNGLISTS, c.pos - 1, `unknown range list entry 0x${kind.toString(16)}`);
    }
  }
  return fault('limit', SECTION_RNGLISTS, offset, `range list longer than ${MAX_RANGES} entries`);
}

/** Offset of list `index` for DW_FORM_rnglistx: offsets are relative to `base` (DW_AT_rnglists_base). */
export function rngListOffset(buf: Buffer | null, base: number, index: number, offsetSize: 4 | 8): number {
  if (!buf) return fault('missing-section', SECTION_RNGLISTS, base, 'DW_FORM_rnglistx used but .debug_rnglists is absent');
  return base + new Cursor(buf, SECTION_RNGLISTS, base + index * offsetSize).offset(offsetSize);
}

/** The DWARF 2-4 range list at `offset` in .debug_ranges. */
export function readRanges(buf: Buffer | null, offset: number, u: RangeContext): Range[] {
  if (!buf) return fault('missing-section', SECTION_RANGES, offset, 'a range list refers to .debug_ranges, which is absent');
  const c = new Cursor(buf, SECTION_RANGES, offset);
  const max = u.addrSize === 8 ? 0xffff_ffff_ffff_ffff : 2 ** (u.addrSize * 8) - 1;
  const out: Range[] = [];
  let base = u.base;
  for (let n = 0; n < MAX_RANGES; n++) {
    const b = c.uN(u.addrSize);
    const e = c.uN(u.addrSize);
    if (b === 0 && e === 0) return out;
    if (b >= max) base = e;
    else out.push({ begin: base + b, end: base + e });
  }
  return fault('limit', SECTION_RANGES, offset, `range list longer than ${MAX_RANGES} entries`);
}
