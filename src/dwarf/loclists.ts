// Location lists: which DWARF expression locates a variable at an address. DWARF 5
// .debug_loclists (DW_LLE_* entries, DW_FORM_loclistx through the offsets table at
// DW_AT_loclists_base) and DWARF 2-4 .debug_loc (address pairs, 2-byte expression lengths).
import * as C from './constants.js';
import { Cursor } from './cursor.js';
import { fault } from './errors.js';
import type { RangeContext } from './rnglists.js';

export const SECTION_LOCLISTS = '.debug_loclists';
export const SECTION_LOC = '.debug_loc';
const MAX_ENTRIES = 1_000_000;


/** The expression of the DWARF 5 location list at `offset` that covers `address` (null: none does, the variable is optimized out there). */
export function locListAt(buf: Buffer | null, offset: number, address: number, u: RangeContext): Buffer | null {
  if (!buf) return fault('missing-section', SECTION_LOCLISTS, offset, 'a location list refers to .debug_loclists, which is absent');
  const c = new Cursor(buf, SECTION_LOCLISTS, offset);
  let base = u.base;
  let fallback: Buffer | null = null;
  const expr = () => c.bytes(c.uleb(), 'location expression');
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const kind = c.u8();
    let begin: number;
    let end: number;
    switch (kind) {
      case C.DW_LLE_end_of_list:
        return fallback;
      case C.DW_LLE_base_addressx:
        base = u.addrx(c.uleb());
        continue;
      case C.DW_LLE_base_address:
        base = c.uN(u.addrSize);
        continue;
      case C.DW_LLE_default_location:
        fallback = expr();
        continue;
      case C.DW_LLE_startx_endx:
        begin = u.addrx(c.uleb());
        end = u.addrx(c.uleb());
        break;
      case C.DW_LLE_startx_length:
        begin = u.addrx(c.uleb());
        end = begin + c.uleb();
        break;
      case C.DW_LLE_offset_pair:
        begin = base + c.uleb();
        end = base + c.uleb();
        break;
      case C.DW_LLE_start_end:
        begin = c.uN(u.addrSize);
        end = c.uN(u.addrSize);
        break;
      case C.DW_LLE_start_length:
        begin = c.uN(u.addrSize);
        end = begin + c.uleb();
        break;
      default:
        return fault('malformed', SECTION_LOCLISTS, c.pos - 1, `unknown location list entry 0x${kind.toString(16)}`);
    }
    const e = expr();
    if (address >= begin && address < end) return e;
  }
  return fault('limit', SECTION_LOCLISTS, offset, `location list longer than ${MAX_ENTRIES} entries`);
}

/** Offset of list `index` for DW_FORM_loclistx: offsets are relative to `base` (DW_AT_loclists_base). */
export function locListOffset(buf: Buffer | null, base: number, index: number, offsetSize: 4 | 8): number {
  if (!buf) return fault('missing-section', SECTION_LOCLISTS, base, 'DW_FORM_loclistx used but .debug_loclists is absent');
  return base + new Cursor(buf, SECTION_LOCLISTS, base + index * offsetSize).offset(offsetSize);
}

/** The expression of the DWARF 2-4 location list at `offset` in .debug_loc that covers `address`, or null. */
export function locAt(buf: Buffer | null, offset: number, address: number, u: RangeContext): Buffer | null {
  if (!buf) return fault('missing-section', SECTION_LOC, offset, 'a location list refers to .debug_loc, which is absent');
  const c = new Cursor(buf, SECTION_LOC, offset);
  const max = u.addrSize === 8 ? 0xffff_ffff_ffff_ffff : 2 ** (u.addrSize * 8) - 1;
  let base = u.base;
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const b = c.uN(u.addrSize);
    const e = c.uN(u.addrSize);
    if (b === 0 && e === 0) return null;
    if (b >= max) {
      base = e;
      continue;
    }
    const expr = c.bytes(c.u16(), 'location expression');
    if (address >= base + b && address < base + e) return expr;
  }
  return fault('limit', SECTION_LOC, offset, `location list longer than ${MAX_ENTRIES} entries`);
}
