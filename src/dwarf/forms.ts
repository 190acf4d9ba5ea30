// Attribute forms (DWARF 5 section 7.5.6): how each value is encoded, read raw or skipped.
// Interpretation (string tables, address tables, unit-relative references) is the unit's job.
import * as C from './constants.js';
import type { Cursor } from './cursor.js';
import { fault } from './errors.js';

/** What a form needs from its unit. */
export interface FormContext {
  version: number;
  addrSize: number;
  offsetSize: 4 | 8;
  /** Section offset of the unit header (for unit-relative references). */
  offset: number;
}

export type AttrClass =
  | 'address' // raw address
  | 'addrx' // index into .debug_addr
  | 'constant' // data1/2/4/8, udata (unsigned)
  | 'sconstant' // sdata, implicit_const (signed)
  | 'block' // bytes (block*, exprloc, data16)
  | 'flag'
  | 'string' // inline string
  | 'strp' // .debug_str offset
  | 'line_strp' // .debug_line_str offset
  | 'strx' // index into .debug_str_offsets
  | 'ref' // .debug_info offset (unit-relative forms already made absolute)
  | 'ref_sig8' // type unit signature
  | 'ref_sup' // offset into a supplementary or alternate file (dwz)
  | 'strp_sup' // string in a supplementary or alternate file
  | 'sec_offset' // offset into another section (line program, range list, ...)
  | 'loclistx'
  | 'rnglistx';

export interface AttrValue {
  form: number;
  cls: AttrClass;
  /** Number for everything but block (Buffer), string (string) and ref_sig8 / data8 above 2^53 (bigint). */
  value: number | bigint | string | Buffer;
}

const MAX_INDIRECT = 4;

function n(form: number, cls: AttrClass, value: number | bigint | string | Buffer): AttrValue {
  return { form, cls, value };
}

export function readForm(c: Cursor, form: number, u: FormContext, implicitConst = 0, depth = 0): AttrValue {
  switch (form) {
    case C.DW_FORM_addr:
      return n(form, 'address', c.uN(u.addrSize));
    case C.DW_FORM_block2:
      return n(form, 'block', c.bytes(c.u16(), 'block2'));
    case C.DW_FORM_block4:
      return n(form, 'block', c.bytes(c.u32(), 'block4'));
    case C.DW_FORM_data2:
      return n(form, 'constant', c.u16());
    case C.DW_FORM_data4:
      return n(form, 'constant', c.u32());
    case C.DW_FORM_data8: {
      c.need(8, 'data8');
      const v = c.buf.readBigUInt64LE(c.pos);
      c.pos += 8;
      return n(form, 'constant', v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
    }
    case C.DW_FORM_string:
      return n(form, 'string', c.cstr());
    case C.DW_FORM_block:
    case C.DW_FORM_exprloc:
      return n(form, 'block', c.bytes(c.uleb(), 'block'));
    case C.DW_FORM_block1:
      return n(form, 'block', c.bytes(c.u8(), 'block1'));
    case C.DW_FORM_data1:
      return n(form, 'constant', c.u8());
    case C.DW_FORM_flag:
      return n(form, 'flag', c.u8());
    case C.DW_FORM_sdata:
      return n(form, 'sconstant', c.sleb());
    case C.DW_FORM_strp:
      return n(form, 'strp', c.offset(u.offsetSize));
    case C.DW_FORM_udata:
      return n(form, 'constant', c.uleb());
    case C.DW_FORM_ref_addr:
      return n(form, 'ref', u.version <= 2 ? c.uN(u.addrSize) : c.offset(u.offsetSize));
    case C.DW_FORM_ref1:
      return n(form, 'ref', u.offset + c.u8());
    case C.DW_FORM_ref2:
      return n(form, 'ref', u.offset + c.u16());
    case C.DW_FORM_ref4:
      return n(form, 'ref', u.offset + c.u32());
    case C.DW_FORM_ref8:
      return n(form, 'ref', u.offset + c.u64());
    case C.DW_FORM_ref_udata:
      return n(form, 'ref', u.offset + c.uleb());
    case C.DW_FORM_indirect: {
      if (depth >= MAX_INDIRECT) fault('bad-form', c.section, c.pos, 'DW_FORM_indirect nested too deep');
      const real = c.uleb();
      return readForm(c, real, u, real === C.DW_FORM_implicit_const ? c.sleb() : implicitConst, depth + 1);
    }
    case C.DW_FORM_sec_offset:
      return n(form, 'sec_offset', c.offset(u.offsetSize));
    case C.DW_FORM_flag_present:
      return n(form, 'flag', 1);
    case C.DW_FORM_strx:
    case C.DW_FORM_GNU_str_index:
      return n(form, 'strx', c.uleb());
    case C.DW_FORM_addrx:
    case C.DW_FORM_GNU_addr_index:
      return n(form, 'addrx', c.uleb());
    case C.DW_FORM_ref_sup4:
      return n(form, 'ref_sup', c.u32());
    case C.DW_FORM_strp_sup:
    case C.DW_FORM_GNU_strp_alt:
      return n(form, 'strp_sup', c.offset(u.offsetSize));
    case C.DW_FORM_GNU_ref_alt:
      return n(form, 'ref_sup', c.offset(u.offsetSize));
    case C.DW_FORM_data16:
      return n(form, 'block', c.bytes(16, 'data16'));
    case C.DW_FORM_line_strp:
      return n(form, 'line_strp', c.offset(u.offsetSize));
    case C.DW_FORM_ref_sig8: {
      c.need(8, 'ref_sig8');
      const v = c.buf.readBigUInt64LE(c.pos);
      c.pos += 8;
      return n(form, 'ref_sig8', v);
    }
    case C.DW_FORM_implicit_const:
      return n(form, 'sconstant', implicitConst);
    case C.DW_FORM_loclistx:
      return n(form, 'loclistx', c.uleb());
    case C.DW_FORM_rnglistx:
      return n(form, 'rnglistx', c.uleb());
    case C.DW_FORM_ref_sup8:
      return n(form, 'ref_sup', c.u64());
    case C.DW_FORM_strx1:
      return n(form, 'strx', c.u8());
    case C.DW_FORM_strx2:
      return n(form, 'strx', c.u16());
    case C.DW_FORM_strx3:
      return n(form, 'strx', c.u24());
    case C.DW_FORM_strx4:
      return n(form, 'strx', c.u32());
    case C.DW_FORM_addrx1:
      return n(form, 'addrx', c.u8());
    case C.DW_FORM_addrx2:
      return n(form, 'addrx', c.u16());
    case C.DW_FORM_addrx3:
      return n(form, 'addrx', c.u24());
    case C.DW_FORM_addrx4:
      return n(form, 'addrx', c.u32());
    default:
      return fault('bad-form', c.section, c.pos, `unknown attribute form 0x${form.toString(16)}`);
  }
}

/** Bytes a form occupies when that does not depend on the data (-1: variable). */
export function fixedFormSize(form: number, u: FormContext): number {
  switch (form) {
    case C.DW_FORM_flag_present:
    case C.DW_FORM_implicit_const:
      return 0;
    case C.DW_FORM_data1:
    case C.DW_FORM_ref1:
    case C.DW_FORM_flag:
    case C.DW_FORM_strx1:
    case C.DW_FORM_addrx1:
      return 1;
    case C.DW_FORM_data2:
    case C.DW_FORM_ref2:
    case C.DW_FORM_strx2:
    case C.DW_FORM_addrx2:
      return 2;
    case C.DW_FORM_strx3:
    case C.DW_FORM_addrx3:
      return 3;
    case C.DW_FORM_data4:
    case C.DW_FORM_ref4:
    case C.DW_FORM_strx4:
    case C.DW_FORM_addrx4:
    case C.DW_FORM_ref_sup4:
      return 4;
    case C.DW_FORM_data8:
    case C.DW_FORM_ref8:
    case C.DW_FORM_ref_sig8:
    case C.DW_FORM_ref_sup8:
      return 8;
    case C.DW_FORM_data16:
      return 16;
    case C.DW_FORM_addr:
      return u.addrSize;
    case C.DW_FORM_ref_addr:
      return u.version <= 2 ? u.addrSize : u.offsetSize;
    case C.DW_FORM_strp:
    case C.DW_FORM_line_strp:
    case C.DW_FORM_sec_offset:
    case C.DW_FORM_strp_sup:
    case C.DW_FORM_GNU_strp_alt:
    case C.DW_FORM_GNU_ref_alt:
      return u.offsetSize;
    default:
      return -1;
  }
}

/** Advance past one attribute value without building it. */
export function skipForm(c: Cursor, form: number, u: FormContext, depth = 0): void {
  const size = fixedFormSize(form, u);
  if (size >= 0) {
    c.skip(size, 'attribute value');
    return;
  }
  switch (form) {
    case C.DW_FORM_block1:
      c.skip(c.u8(), 'block1');
      return;
    case C.DW_FORM_block2:
      c.skip(c.u16(), 'block2');
      return;
    case C.DW_FORM_block4:
      c.skip(c.u32(), 'block4');
      return;
    case C.DW_FORM_block:
    case C.DW_FORM_exprloc:
      c.skip(c.uleb(), 'block');
      return;
    case C.DW_FORM_string:
      c.skipCstr();
      return;
    case C.DW_FORM_indirect: {
      if (depth >= MAX_INDIRECT) fault('bad-form', c.section, c.pos, 'DW_FORM_indirect nested too deep');
      const real = c.uleb();
      if (real === C.DW_FORM_implicit_const) c.sleb();
      skipForm(c, real, u, depth + 1);
      return;
    }
    case C.DW_FORM_sdata:
    case C.DW_FORM_udata:
    case C.DW_FORM_ref_udata:
    case C.DW_FORM_strx:
    case C.DW_FORM_addrx:
    case C.DW_FORM_loclistx:
    case C.DW_FORM_rnglistx:
    case C.DW_FORM_GNU_addr_index:
    case C.DW_FORM_GNU_str_index:
      c.uleb();
      return;
    default:
      fault('bad-form', c.section, c.pos, `unknown attribute form 0x${form.toString(16)}`);
  }
}
