// .debug_addr: the DWARF 5 address table indexed by DW_FORM_addrx* (relative to DW_AT_addr_base).
import { Cursor } from './cursor.js';
import { fault } from './errors.js';

export const SECTION_ADDR = '.debug_addr';

export function addressAt(buf: Buffer | null, base: number, index: number, addrSize: number): number {
  if (!buf) return fault('missing-section', SECTION_ADDR, base, 'DW_FORM_addrx used but .debug_addr is absent');
  return new Cursor(buf, SECTION_ADDR, base + index * addrSize).uN(addrSize);
}
