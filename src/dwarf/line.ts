// .debug_line: the line number program of one unit (DWARF 2-5) run into rows, and the
// address -> file:line lookup over them.
import { lastAtOrBelow } from '../io/sorted.js';
import * as C from './constants.js';
import { Cursor } from './cursor.js';
import { fault } from './errors.js';
import { readForm, type AttrValue } from './forms.js';

export const SECTION_LINE = '.debug_line';
export const MAX_LINE_ROWS = 20_000_000;
const MAX_ENTRIES = 1_000_000;

export interface LineRow {
  address: number;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
}

export interface LineProgram {
  version: number;
  /** File names by the index the program uses (DWARF 5: from 0; DWARF 2-4: from 1, index 0 is null). */
  files: (string | null)[];
  rows: LineRow[];
}

export interface LineContext {
  /** Address size of the unit (DWARF 2-4 line headers do not carry it). */
  addrSize: number;
  /** Resolve a string-class value (strp, line_strp, strx) read from a DWARF 5 header. */
  string: (v: AttrValue) => string;
  /** DW_AT_comp_dir of the unit: relative directories are joined to it. */
  compDir: string | null;
}

function join(dir: string | null, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Parse the header and run the program of the line table at `offset`. */
export function parseLineProgram(buf: Buffer, offset: number, ctx: LineContext): LineProgram {
  const c = new Cursor(buf, SECTION_LINE, offset);
  const { length, offsetSize } = c.initialLength();
  const end = c.pos + length;
  if (end > buf.length) fault('truncated', SECTION_LINE, offset, `line program of ${length} bytes runs past the end of the section`);
  c.end = end;
  const version = c.u16();
  if (version < 2 || version > 5) fault('unsupported-version', SECTION_LINE, offset, `line program version ${version}`);
  let addrSize = ctx.addrSize;
  if (version >= 5) {
    addrSize = c.u8();
    c.u8(); // segment selector size
  }
  const headerLength = c.offset(offsetSize);
  const programStart = c.pos + headerLength;
  if (programStart > end) fault('truncated', SECTION_LINE, offset, 'line program header is longer than the program');
  const minInst = c.u8();
  if (version >= 4) c.u8(); // maximum_operations_per_instruction (VLIW only)
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = (c.u8() << 24) >> 24;
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  if (lineRange === 0) fault('malformed', SECTION_LINE, offset, 'line_range is 0');
  const stdLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(c.u8());

  const dirs: (string | null)[] = [];
  const files: (string | null)[] = [];
  if (version >= 5) {
    const form = { version, addrSize, offsetSize, offset: 0 };
    const entries = (): { path: string | null; dir: number }[] => {
      const fmtCount = c.u8();
      const fmt: [number, number][] = [];
      for (let i = 0; i < fmtCount; i++) fmt.push([c.uleb(), c.uleb()]);
      const count = c.uleb();
      if (count > MAX_ENTRIES) fault('limit', SECTION_LINE, c.pos, `${count} directory or file entries`);
      const out: { path: string | null; dir: number }[] = [];
      for (let i = 0; i < count; i++) {
        let path: string | null = null;
        let dir = 0;
        for (const [type, f] of fmt) {
          const v = readForm(c, f, form);
          if (type === C.DW_LNCT_path) path = ctx.string(v);
          else if (type === C.DW_LNCT_directory_index && typeof v.value === 'number') dir = v.value;
        }
        out.push({ path, dir });
      }
      return out;
    };
    for (const d of entries()) dirs.push(d.path === null ? null : join(ctx.compDir, d.path));
    for (const f of entries()) files.push(f.path === null ? null : join(dirs[f.dir] ?? null, f.path));
  } else {
    dirs.push(ctx.compDir);
    for (let i = 0; i < MAX_ENTRIES; i++) {
      const d = c.cstr();
      if (d === '') break;
      dirs.push(join(ctx.compDir, d));
    }
    files.push(null);
    for (let i = 0; i < MAX_ENTRIES; i++) {
      const name = c.cstr();
      if (name === '') break;
      const dir = c.uleb();
      c.uleb(); // mtime
      c.uleb(); // length
      files.push(join(dirs[dir] ?? null, name));
    }
  }

  c.pos = programStart;
  const rows: LineRow[] = [];
  let address = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  const reset = () => {
    address = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
  };
  const emit = (endSequence: boolean) => {
    if (rows.length >= MAX_LINE_ROWS) fault('limit', SECTION_LINE, c.pos, `more than ${MAX_LINE_ROWS} rows`);
    rows.push({ address, file, line, column, isStmt, endSequence });
  };
  while (c.pos < end) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address += Math.floor(adj / lineRange) * minInst;
      line += lineBase + (adj % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb();
        const at = c.pos;
        if (len === 0) break;
        c.need(len, 'extended opcode');
        const sub = c.u8();
        if (sub === C.DW_LNE_end_sequence) {
          emit(true);
          reset();
        } else if (sub === C.DW_LNE_set_address) address = c.uN(len - 1);
        else if (sub === C.DW_LNE_define_file) {
          const name = c.cstr();
          const dir = c.uleb();
          files.push(join(dirs[dir] ?? null, name));
        }
        c.pos = at + len;
        break;
      }
      case C.DW_LNS_copy:
        emit(false);
        break;
      case C.DW_LNS_advance_pc:
        address += c.uleb() * minInst;
        break;
      case C.DW_LNS_advance_line:
        line += c.sleb();
        break;
      case C.DW_LNS_set_file:
        file = c.uleb();
        break;
      case C.DW_LNS_set_column:
        column = c.uleb();
        break;
      case C.DW_LNS_negate_stmt:
        isStmt = !isStmt;
        break;
      case C.DW_LNS_const_add_pc:
        address += Math.floor((255 - opcodeBase) / lineRange) * minInst;
        break;
      case C.DW_LNS_fixed_advance_pc:
        address += c.u16();
        break;
      case C.DW_LNS_set_basic_block:
      case C.DW_LNS_set_prologue_end:
      case C.DW_LNS_set_epilogue_begin:
        break;
      default:
        // An opcode this reader does not know: its operand count is in the header.
        for (let i = 0; i < (stdLengths[op] ?? 0); i++) c.uleb();
    }
  }
  return { version, files, rows };
}

/** Address -> row lookup over a program's sequences. */
export class LineTable {
  /** Rows sorted by address within sequences, sequences sorted by start address. */
  private seqs: { start: number; end: number; rows: LineRow[] }[] = [];

  constructor(readonly program: LineProgram) {
    let cur: LineRow[] = [];
    for (const r of program.rows) {
      cur.push(r);
      if (r.endSequence) {
        if (cur.length > 1) this.seqs.push({ start: cur[0].address, end: r.address, rows: cur });
        cur = [];
      }
    }
    this.seqs.sort((a, b) => a.start - b.start);
  }

  /** The row covering `address` (the last row at or before it in its sequence), or null. */
  find(address: number): { file: string | null; line: number; column: number } | null {
    for (const s of this.seqs) {
      if (address < s.start || address >= s.end) continue;
      const r = s.rows[Math.max(0, lastAtOrBelow(s.rows.length, (i) => s.rows[i].address, address))];
      return { file: this.program.files[r.file] ?? null, line: r.line, column: r.column };
    }
    return null;
  }
}
