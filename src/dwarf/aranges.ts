// .debug_aranges (DWARF 5 spec 6.1.2): which compilation unit covers an address, from one sorted
// table, so that an address -> file:line lookup parses one unit's line program instead of the
// root DIE of every unit.
import { err, ok, type Result } from '../io/result.js';
import { Cursor } from './cursor.js';
import { capture, fault, type DwarfError } from './errors.js';

export const SECTION_ARANGES = '.debug_aranges';
const MAX_RANGES = 10_000_000;

interface Arange {
  begin: number;
  end: number;
  unit: number;
}

export class AddressRanges {
  private constructor(private readonly ranges: Arange[]) {}

  static parse(buf: Buffer): Result<AddressRanges, DwarfError> {
    const r = capture(() => {
      const out: Arange[] = [];
      const c = new Cursor(buf, SECTION_ARANGES, 0);
      while (!c.atEnd) {
        const start = c.pos;
        const { length, offsetSize } = c.initialLength();
        const end = c.pos + length;
        if (end > buf.length) fault('truncated', SECTION_ARANGES, start, 'address range set runs past the end of the section');
        const version = c.u16();
        if (version !== 2) fault('unsupported-version', SECTION_ARANGES, start, `address range set version ${version}`);
        const unit = c.offset(offsetSize);
        const addrSize = c.u8();
        if (c.u8() !== 0) fault('malformed', SECTION_ARANGES, start, 'segmented addresses');
        // Tuples start at a multiple of twice the address size from the set's start.
        const tuple = 2 * addrSize;
        c.pos = start + Math.ceil((c.pos - start) / tuple) * tuple;
        c.end = end;
        while (c.pos + tuple <= end) {
          const begin = c.uN(addrSize);
          const len = c.uN(addrSize);
          if (begin === 0 && len === 0) break;
          if (out.length >= MAX_RANGES) fault('limit', SECTION_ARANGES, c.pos, `more than ${MAX_RANGES} address ranges`);
          if (len > 0) out.push({ begin, end: begin + len, unit });
        }
        c.end = buf.length;
        c.pos = end;
      }
      return out.sort((a, b) => a.begin - b.begin);
    });
    return r.ok ? ok(new AddressRanges(r.value)) : err(r.error);
  }

  /** Section offset of the unit whose ranges cover `address`, or null. */
  unitFor(address: number): number | null {
    const rs = this.ranges;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (address < rs[mid].begin) hi = mid - 1;
      else if (address >= rs[mid].end) lo = mid + 1;
      else return rs[mid].unit;
    }
    return null;
  }
}
