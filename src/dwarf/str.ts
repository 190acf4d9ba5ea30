// String sections: .debug_str (DW_FORM_strp), .debug_line_str (DW_FORM_line_strp) and the
// DWARF 5 index table .debug_str_offsets (DW_FORM_strx*, relative to DW_AT_str_offsets_base).
import { Cursor } from './cursor.js';
import { fault } from './errors.js';

export const SECTION_STR = '.debug_str';
export const SECTION_LINE_STR = '.debug_line_str';
export const SECTION_STR_OFFSETS = '.debug_str_offsets';

/** Longest string decoded; longer ones are cut (names in DWARF are short). */
export const MAX_STRING = 64 * 1024;

export class StringTable {
  /** Decoded strings by offset: mergeable string sections give one offset per distinct name. */
  private decoded = new Map<number, string>();

  constructor(
    readonly section: string,
    private readonly buf: Buffer | null,
  ) {}

  at(offset: number): string {
    const hit = this.decoded.get(offset);
    if (hit !== undefined) return hit;
    if (!this.buf) return fault('missing-section', this.section, offset, `a string refers to ${this.section}, which is absent`);
    if (offset >= this.buf.length) fault('truncated', this.section, offset, 'string offset lies past the end of the section');
    let nul = this.buf.indexOf(0, offset);
    if (nul < 0) fault('truncated', this.section, offset, 'string without a terminating NUL');
    if (nul - offset > MAX_STRING) nul = offset + MAX_STRING;
    const s = this.buf.toString('latin1', offset, nul);
    this.decoded.set(offset, s);
    return s;
  }
}

/** .debug_str_offsets: entry `index` of the table at `base` (DW_AT_str_offsets_base). */
export function strOffsetAt(buf: Buffer | null, base: number, index: number, offsetSize: 4 | 8): number {
  if (!buf) return fault('missing-section', SECTION_STR_OFFSETS, base, 'DW_FORM_strx used but .debug_str_offsets is absent');
  const at = base + index * offsetSize;
  return new Cursor(buf, SECTION_STR_OFFSETS, at).offset(offsetSize);
}
