// src/dwarf on assembled sections: one compilation unit per DWARF version 2-5 (DWARF 5 with
// strx1, addrx, line_strp, implicit_const and data16), a line program, and malformed variants
// that must come back as errors naming the section and offset, never a throw or a hang.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as C from '../src/dwarf/constants.js';
import { Dwarf, type DwarfError } from '../src/dwarf/dwarf.js';
import { inflateZdebug } from '../src/target/debug-info.js';
import { formatDwarfError } from '../src/dwarf/errors.js';
import { layoutFromDwarf } from '../src/cpython-layouts/from-dwarf.js';
import { FunctionIndex } from '../src/dwarf/functions.js';
import { Bytes, StrSection, unitHeader } from './helpers/dwarf-builder.js';

type Sections = Record<string, Buffer>;

/** [tag, children, [attr, form, implicit const?]...] per abbreviation code (1-based). */
function abbrevs(list: [number, boolean, [number, number, number?][]][]): Buffer {
  const b = new Bytes();
  list.forEach(([tag, children, attrs], i) => {
    b.uleb(i + 1).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form, ic] of attrs) {
      b.uleb(at).uleb(form);
      if (form === C.DW_FORM_implicit_const) b.sleb(ic!);
    }
    b.u8(0, 0);
  });
  return b.u8(0).buf();
}

const LOW_PC = 0x401000;

/** A line program: 0x401000 line 10, 0x401004 line 12, 0x401010 line 15, end at 0x401020. */
function lineProgram(version: number, lineStr: StrSection): Buffer {
  const b = new Bytes();
  b.u32(0).u16(version);
  if (version >= 5) b.u8(8, 0);
  const hlAt = b.length;
  b.u32(0);
  const hStart = b.length;
  b.u8(1); // min inst length
  if (version >= 4) b.u8(1);
  b.u8(1).u8(-5 & 0xff).u8(14).u8(13).u8(0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1);
  if (version >= 5) {
    b.u8(1).uleb(C.DW_LNCT_path).uleb(C.DW_FORM_line_strp).uleb(1).u32(lineStr.add('/src'));
    b.u8(2).uleb(C.DW_LNCT_path).uleb(C.DW_FORM_string).uleb(C.DW_LNCT_directory_index).uleb(C.DW_FORM_udata);
    b.uleb(2).cstr('a.c').uleb(0).cstr('b.h').uleb(0);
  } else {
    b.cstr('inc').u8(0);
    b.cstr('a.c').uleb(0).uleb(0).uleb(0).cstr('b.h').uleb(1).uleb(0).uleb(0).u8(0);
  }
  b.set32(hlAt, b.length - hStart);
  const file = version >= 5 ? 0 : 1;
  b.u8(C.DW_LNS_set_file).uleb(file);
  b.u8(0).uleb(9).u8(C.DW_LNE_set_address).u64(LOW_PC);
  b.u8(C.DW_LNS_advance_line).sleb(9).u8(C.DW_LNS_copy); // line 10 at +0
  b.u8(13 + (2 - -5) + 14 * 4); // special: line +2, address +4 -> line 12 at +4
  b.u8(C.DW_LNS_advance_pc).uleb(12).u8(C.DW_LNS_set_file).uleb(file + 1).u8(C.DW_LNS_advance_line).sleb(3).u8(C.DW_LNS_copy); // b.h:15 at +0x10
  b.u8(C.DW_LNS_advance_pc).uleb(0x10).u8(0).uleb(1).u8(C.DW_LNE_end_sequence);
  b.set32(0, b.length - 4);
  return b.buf();
}

/**
 * One unit holding: base types int/unsigned/char, struct S { int a; char b[4]; unsigned x:3, y:5;
 * struct { int inner; }; const T *p; } (24 bytes), typedef T -> S, enum E {A = -1, B = 3}, a
 * variable `v` of type T, and for DWARF 5 a variable `big` with a data16 constant.
 */
function build(version: number): Sections {
  const v5 = version >= 5;
  const str = new StrSection();
  const lineStr = new StrSection();
  const nameForm = v5 ? C.DW_FORM_strx1 : C.DW_FORM_strp;
  const loc = version === 2 ? C.DW_FORM_block1 : v5 ? C.DW_FORM_udata : C.DW_FORM_data1;
  const A = abbrevs([
    [C.DW_TAG_compile_unit, true, [[C.DW_AT_name, v5 ? C.DW_FORM_line_strp : C.DW_FORM_strp], ...(v5 ? ([[C.DW_AT_str_offsets_base, C.DW_FORM_sec_offset], [C.DW_AT_addr_base, C.DW_FORM_sec_offset]] as [number, number][]) : []), [C.DW_AT_low_pc, v5 ? C.DW_FORM_addrx : C.DW_FORM_addr], [C.DW_AT_high_pc, C.DW_FORM_data4], [C.DW_AT_stmt_list, version >= 4 ? C.DW_FORM_sec_offset : C.DW_FORM_data4], [C.DW_AT_comp_dir, C.DW_FORM_string]]],
    [C.DW_TAG_base_type, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_byte_size, C.DW_FORM_data1], [C.DW_AT_encoding, v5 ? C.DW_FORM_implicit_const : C.DW_FORM_data1, 7]]],
    [C.DW_TAG_structure_type, true, [[C.DW_AT_name, nameForm], [C.DW_AT_byte_size, C.DW_FORM_data1]]],
    [C.DW_TAG_member, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4], [C.DW_AT_data_member_location, loc]]],
    [C.DW_TAG_member, false, version >= 4 ? [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4], [C.DW_AT_bit_size, C.DW_FORM_data1], [C.DW_AT_data_bit_offset, C.DW_FORM_data1]] : [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4], [C.DW_AT_byte_size, C.DW_FORM_data1], [C.DW_AT_bit_size, C.DW_FORM_data1], [C.DW_AT_bit_offset, C.DW_FORM_data1], [C.DW_AT_data_member_location, loc]]],
    [C.DW_TAG_typedef, false, [[C.DW_AT_name, nameForm], [C.DW_AT_type, C.DW_FORM_ref4]]],
    [C.DW_TAG_array_type, true, [[C.DW_AT_type, C.DW_FORM_ref4]]],
    [C.DW_TAG_subrange_type, false, [[C.DW_AT_upper_bound, C.DW_FORM_data1]]],
    [C.DW_TAG_member, false, [[C.DW_AT_type, C.DW_FORM_ref4], [C.DW_AT_data_member_location, loc]]],
    [C.DW_TAG_enumeration_type, true, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_byte_size, C.DW_FORM_data1]]],
    [C.DW_TAG_enumerator, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_const_value, C.DW_FORM_sdata]]],
    [C.DW_TAG_variable, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4], ...(v5 ? ([[C.DW_AT_const_value, C.DW_FORM_data16]] as [number, number][]) : [])]],
    [C.DW_TAG_pointer_type, false, [[C.DW_AT_byte_size, C.DW_FORM_data1], [C.DW_AT_type, C.DW_FORM_ref4]]],
    [C.DW_TAG_const_type, false, [[C.DW_AT_type, C.DW_FORM_ref4]]],
    [C.DW_TAG_structure_type, true, [[C.DW_AT_byte_size, C.DW_FORM_data1]]],
  ]);
  // .debug_str_offsets (DWARF 5 header: length, version, padding) and .debug_addr
  const strOff = new Bytes().u32(4 + 2 * 4).u16(5).u16(0);
  const soBase = strOff.length;
  strOff.u32(str.add('S')).u32(str.add('T'));
  const addr = new Bytes().u32(4 + 8).u16(5).u8(8, 0);
  const addrBase = addr.length;
  addr.u64(LOW_PC);

  const b = new Bytes();
  const h = unitHeader(b, version);
  const refs: Record<string, number> = {};
  const fix: [number, string][] = [];
  const ref = (name: string) => {
    fix.push([b.length, name]);
    b.u32(0);
  };
  const memberLoc = (n: number) => (version === 2 ? b.u8(2, C.DW_OP_plus_uconst, n) : v5 ? b.uleb(n) : b.u8(n));
  b.uleb(1);
  v5 ? b.u32(lineStr.add('a.c')).u32(soBase).u32(addrBase).uleb(0) : b.u32(str.add('a.c')).u64(LOW_PC);
  b.u32(0x20).u32(0).cstr('/src');
  const base = (key: string, name: string, size: number) => {
    refs[key] = b.length - h.start;
    b.uleb(2).cstr(name).u8(size);
    if (!v5) b.u8(name === 'int' ? C.DW_ATE_signed : 7);
  };
  base('int', 'int', 4);
  base('unsigned', 'unsigned int', 4);
  base('char', 'char', 1);
  refs.S = b.length - h.start;
  b.uleb(3);
  v5 ? b.u8(0) : b.u32(str.add('S'));
  b.u8(24);
  b.uleb(4).cstr('a');
  ref('int');
  memberLoc(0);
  b.uleb(4).cstr('b');
  ref('arr');
  memberLoc(4);
  for (const [name, bitpos, size] of [['x', 64, 3], ['y', 67, 5]] as const) {
    b.uleb(5).cstr(name);
    ref('unsigned');
    if (version >= 4) b.u8(size).u8(bitpos);
    else {
      b.u8(4).u8(size).u8(32 - (bitpos - 64) - size);
      memberLoc(8);
    }
  }
  b.uleb(9);
  ref('anon');
  memberLoc(12);
  b.uleb(4).cstr('p');
  ref('ptr');
  memberLoc(16);
  b.u8(0);
  refs.anon = b.length - h.start;
  b.uleb(15).u8(4).uleb(4).cstr('inner');
  ref('int');
  memberLoc(0);
  b.u8(0);
  refs.arr = b.length - h.start;
  b.uleb(7);
  ref('char');
  b.uleb(8).u8(3).u8(0);
  refs.T = b.length - h.start;
  b.uleb(6);
  v5 ? b.u8(1) : b.u32(str.add('T'));
  ref('S');
  refs.ptr = b.length - h.start;
  b.uleb(13).u8(8);
  ref('constT');
  refs.constT = b.length - h.start;
  b.uleb(14);
  ref('T');
  b.uleb(10).cstr('E').u8(4);
  b.uleb(11).cstr('A').sleb(-1).uleb(11).cstr('B').sleb(3).u8(0);
  b.uleb(12).cstr('v');
  ref('T');
  if (v5) b.bytes(Buffer.alloc(16));
  if (v5) {
    b.uleb(12).cstr('big');
    ref('int');
    b.bytes([...Array(16).keys()]);
  }
  b.u8(0);
  h.finish();
  const info = b.buf();
  for (const [at, name] of fix) info.writeUInt32LE(refs[name], at);
  const line = lineProgram(version, lineStr);
  return {
    '.debug_info': info,
    '.debug_abbrev': A,
    '.debug_str': str.b.buf(),
    '.debug_line_str': lineStr.b.buf(),
    '.debug_str_offsets': strOff.buf(),
    '.debug_addr': addr.buf(),
    '.debug_line': line,
  };
}

const open = (s: Sections) => {
  const d = Dwarf.open((n) => s[n] ?? null);
  if (!d.ok) throw new Error(JSON.stringify(d.error));
  return d.value;
};

function mustFail<T>(r: { ok: true; value: T } | { ok: false; error: DwarfError }): DwarfError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe.each([2, 3, 4, 5])('DWARF %i', (version) => {
  const d = open(build(version));

  it('reads the unit header', () => {
    const [u] = d.info.units();
    expect(u).toMatchObject({ version, addrSize: 8, offsetSize: 4, offset: 0 });
  });

  it('resolves the typedef to the struct and lays out its members', () => {
    const r = d.use(({ types }) => {
      const t = types.lookup('T')!;
      const s = types.strip(t);
      return {
        kind: types.kind(s),
        name: types.name(s),
        size: types.sizeOf(t),
        byTag: types.lookup('struct S') === s,
        members: types.members(t).map((m) => ({ name: m.name, bitpos: m.bitpos, bitsize: m.bitsize, kind: types.kind(types.strip(m.type)) })),
        inner: types.members(types.strip(types.members(t)[4].type)).map((m) => [m.name, m.bitpos]),
        arr: { size: types.sizeOf(types.members(t)[1].type), elem: types.elementSize(types.members(t)[1].type), dims: types.dimensions(types.members(t)[1].type) },
        ptrTarget: types.name(types.strip(types.target(types.strip(types.members(t)[5].type)))),
        ptrSize: types.sizeOf(types.members(t)[5].type),
        enum: types.enumerators(types.lookup('enum E')!),
        variable: d.info.index().get('variable', 'v') !== undefined,
      };
    });
    expect(r.ok ? r.value : r.error).toEqual({
      kind: 'struct',
      name: 'S',
      size: 24,
      byTag: true,
      members: [
        { name: 'a', bitpos: 0, bitsize: 0, kind: 'base' },
        { name: 'b', bitpos: 32, bitsize: 0, kind: 'array' },
        { name: 'x', bitpos: 64, bitsize: 3, kind: 'base' },
        { name: 'y', bitpos: 67, bitsize: 5, kind: 'base' },
        { name: null, bitpos: 96, bitsize: 0, kind: 'struct' },
        { name: 'p', bitpos: 128, bitsize: 0, kind: 'pointer' },
      ],
      inner: [['inner', 0]],
      arr: { size: 4, elem: 1, dims: [4] },
      ptrTarget: 'S',
      ptrSize: 8,
      enum: [['A', -1], ['B', 3]],
      variable: true,
    });
  });

  it('maps addresses to file:line through the line program', () => {
    const at = (a: number) => {
      const r = d.lineAt(a);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value && `${r.value.file}:${r.value.line}`;
    };
    expect([at(LOW_PC), at(LOW_PC + 3), at(LOW_PC + 4), at(LOW_PC + 0x10), at(LOW_PC + 0x1f), at(LOW_PC + 0x20), at(0x10)]).toEqual([
      '/src/a.c:10',
      '/src/a.c:10',
      '/src/a.c:12',
      version >= 5 ? '/src/b.h:15' : '/src/inc/b.h:15',
      version >= 5 ? '/src/b.h:15' : '/src/inc/b.h:15',
      null,
      null,
    ]);
  });
});

describe('DWARF 5 forms', () => {
  const d = open(build(5));
  it('reads strx1 names, addrx low_pc, implicit_const and data16', () => {
    const r = d.use(({ info }) => {
      const [u] = info.units();
      const root = info.die(u.firstDie);
      const kids = [...info.children(root)];
      const big = kids.find((k) => info.name(k) === 'big')!;
      return {
        name: info.name(root),
        lowPc: info.attrAddress(u, root.attrs.get(C.DW_AT_low_pc)!),
        encoding: kids[0].attrs.get(C.DW_AT_encoding)!.value,
        data16: (big.attrs.get(C.DW_AT_const_value)!.value as Buffer).toString('hex'),
        structName: info.name(kids.find((k) => k.tag === C.DW_TAG_structure_type)!),
      };
    });
    expect(r.ok ? r.value : r.error).toEqual({ name: 'a.c', lowPc: LOW_PC, encoding: 7, data16: '000102030405060708090a0b0c0d0e0f', structName: 'S' });
  });
});

describe('malformed DWARF', () => {
  const good = build(5);
  const info = good['.debug_info'];
  const withInfo = (b: Buffer) => open({ ...good, '.debug_info': b });

  it('a unit longer than the section: truncated at the unit', () => {
    const b = Buffer.from(info);
    b.writeUInt32LE(info.length + 100, 0);
    expect(mustFail(withInfo(b).use((d) => d.info.units()))).toMatchObject({ kind: 'truncated', section: '.debug_info', offset: 0 });
  });

  it('a truncated unit (cut in the middle of a DIE): truncated, no hang', () => {
    const cut = info.indexOf('inner') + 2;
    const b = Buffer.from(info.subarray(0, cut));
    b.writeUInt32LE(cut - 4, 0);
    const e = mustFail(withInfo(b).use((d) => d.info.index()));
    expect(e).toMatchObject({ kind: 'truncated', section: '.debug_info', offset: cut - 2 });
  });

  it('an abbreviation code the table lacks: bad-abbrev at the DIE', () => {
    const b = Buffer.from(info);
    const first = 12; // DWARF 5 unit header size: the root DIE's code
    b[first] = 0x63;
    const e = mustFail(withInfo(b).use((d) => d.info.index()));
    expect(e).toMatchObject({ kind: 'bad-abbrev', section: '.debug_info', offset: first });
    expect(e.what).toContain('99');
  });

  it('a form past the section end: truncated', () => {
    const d = open({ ...good, '.debug_str_offsets': good['.debug_str_offsets'].subarray(0, 10) });
    expect(mustFail(d.use((x) => x.types.lookup('T')))).toMatchObject({ kind: 'truncated', section: '.debug_str_offsets' });
  });

  it('an unknown form in the abbreviation table: bad-form', () => {
    const a = abbrevs([[C.DW_TAG_compile_unit, false, [[C.DW_AT_name, 0x7f]]]]);
    const e = mustFail(open({ ...good, '.debug_abbrev': a }).use((d) => d.info.index()));
    expect(e).toMatchObject({ kind: 'bad-form', section: '.debug_info' });
  });

  it('an abbreviation table without its terminator: truncated in .debug_abbrev', () => {
    const a = good['.debug_abbrev'].subarray(0, 20);
    expect(mustFail(open({ ...good, '.debug_abbrev': a }).use((d) => d.info.index()))).toMatchObject({ kind: 'truncated', section: '.debug_abbrev' });
  });

  it('an unsupported unit version', () => {
    const b = Buffer.from(info);
    b.writeUInt16LE(9, 4);
    expect(mustFail(withInfo(b).use((d) => d.info.units()))).toMatchObject({ kind: 'unsupported-version', section: '.debug_info', offset: 0 });
  });

  it('a typedef loop: reference-loop, no hang', () => {
    const A = abbrevs([
      [C.DW_TAG_compile_unit, true, []],
      [C.DW_TAG_typedef, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4]]],
    ]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1);
    const a = b.length;
    b.uleb(2).cstr('A').u32(a + 7); // -> B
    b.uleb(2).cstr('B').u32(a); // -> A
    b.u8(0);
    h.finish();
    const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A });
    const e = mustFail(d.use((x) => x.types.strip(x.types.lookup('A')!)));
    expect(e).toMatchObject({ kind: 'reference-loop', section: '.debug_info', offset: a });
    expect(mustFail(d.use((x) => x.types.sizeOf(x.types.lookup('A')!))).kind).toBe('reference-loop');
  });

  it('a reference outside every unit: bad-reference', () => {
    const A = abbrevs([
      [C.DW_TAG_compile_unit, true, []],
      [C.DW_TAG_typedef, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref_addr]]],
    ]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1).uleb(2).cstr('A').u32(0x10000).u8(0);
    h.finish();
    const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A });
    expect(mustFail(d.use((x) => x.types.strip(x.types.lookup('A')!)))).toMatchObject({ kind: 'bad-reference', section: '.debug_info', offset: 0x10000 });
  });

  it('random corruption gives a value or an error, never a throw or a hang', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 400; i++) {
      const s: Sections = { ...good };
      const which = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str_offsets'][i % 4];
      const b = Buffer.from(s[which]);
      for (let k = 0; k < 1 + (i % 3); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      s[which] = b;
      const d = Dwarf.open((n) => s[n] ?? null);
      if (!d.ok) continue;
      const r = d.value.use((x) => {
        x.info.index();
        const t = x.types.lookup('T');
        if (t !== null) x.types.members(t);
        return x.lineAt(LOW_PC + 4);
      });
      expect(typeof r.ok).toBe('boolean');
    }
  });
});

describe('malformed DWARF: more places a read can run off', () => {
  it('a string offset past the end of .debug_str: an error naming .debug_str, no throw', () => {
    const A = abbrevs([[C.DW_TAG_compile_unit, true, []], [C.DW_TAG_base_type, false, [[C.DW_AT_name, C.DW_FORM_strp], [C.DW_AT_byte_size, C.DW_FORM_data1]]]]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1).uleb(2).u32(0x5000).u8(4).u8(0);
    h.finish();
    const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A, '.debug_str': Buffer.from('int\0') });
    const e = mustFail(d.use((x) => x.info.index()));
    expect(e.section).toBe('.debug_str');
    expect(formatDwarfError(e)).toMatch(/^\.debug_str\+0x5000: /);
  });

  it('a block whose length runs past the unit: truncated in .debug_info at the block', () => {
    const A = abbrevs([[C.DW_TAG_compile_unit, true, []], [C.DW_TAG_variable, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_location, C.DW_FORM_block4]]]]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1).uleb(2).cstr('v');
    const at = b.length;
    b.u32(0x7fff_0000).u8(0);
    h.finish();
    const e = mustFail(open({ '.debug_info': b.buf(), '.debug_abbrev': A }).use((x) => x.info.index()));
    expect(e).toMatchObject({ kind: 'truncated', section: '.debug_info' });
    expect(e.offset).toBeGreaterThanOrEqual(at);
    expect(formatDwarfError(e)).toMatch(/^\.debug_info\+0x[0-9a-f]+: /);
  });

  it('a reference loop through qualifiers and pointers is found, never walked forever', () => {
    const A = abbrevs([
      [C.DW_TAG_compile_unit, true, []],
      [C.DW_TAG_typedef, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, C.DW_FORM_ref4]]],
      [C.DW_TAG_const_type, false, [[C.DW_AT_type, C.DW_FORM_ref4]]],
      [C.DW_TAG_volatile_type, false, [[C.DW_AT_type, C.DW_FORM_ref4]]],
    ]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1);
    const t = b.length;
    b.uleb(2).cstr('T').u32(t + 7); // typedef T -> const
    b.uleb(3).u32(t + 12); // const -> volatile
    b.uleb(4).u32(t); // volatile -> T
    b.u8(0);
    h.finish();
    const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A });
    const e = mustFail(d.use((x) => x.types.strip(x.types.lookup('T')!)));
    expect(e.kind).toBe('reference-loop');
    expect(formatDwarfError(e)).toMatch(/^\.debug_info\+0x[0-9a-f]+: /);
  });

  it('a DW_AT_sibling pointing backwards does not make the index loop', () => {
    const A = abbrevs([
      [C.DW_TAG_compile_unit, true, []],
      [C.DW_TAG_structure_type, true, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_byte_size, C.DW_FORM_data1], [C.DW_AT_sibling, C.DW_FORM_ref4]]],
    ]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1);
    b.uleb(2).cstr('S').u8(8).u32(0).u8(0); // sibling -> the unit header
    b.u8(0);
    h.finish();
    const r = open({ '.debug_info': b.buf(), '.debug_abbrev': A }).use((x) => x.info.index());
    expect(typeof r.ok).toBe('boolean');
  });
});

describe('DWARF features pycore does not follow: one line naming the feature and what to pass', () => {
  const oneLine = (e: DwarfError) => {
    const s = formatDwarfError(e);
    expect(s).not.toContain('\n');
    expect(s).toMatch(/^\.debug_info\+0x[0-9a-f]+: /);
    expect(s).toMatch(/; pass .+, or --layouts builtin$/);
    return s;
  };
  function typedefTo(form: number, write: (b: Bytes) => void): Dwarf {
    const A = abbrevs([
      [C.DW_TAG_compile_unit, true, []],
      [C.DW_TAG_typedef, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_type, form]]],
    ]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1).uleb(2).cstr('A');
    write(b);
    b.u8(0);
    h.finish();
    return open({ '.debug_info': b.buf(), '.debug_abbrev': A });
  }

  it('type units (DW_FORM_ref_sig8)', () => {
    const e = mustFail(typedefTo(C.DW_FORM_ref_sig8, (b) => b.u32(0x12345678).u32(0x9abcdef0)).use((x) => x.types.strip(x.types.lookup('A')!)));
    expect(e.kind).toBe('unsupported-feature');
    expect(oneLine(e)).toMatch(/type unit .*-fdebug-types-section.*pass debug info built without type units/);
  });

  it('dwz supplementary files (DW_FORM_GNU_ref_alt, DW_FORM_ref_sup4, DW_FORM_GNU_strp_alt)', () => {
    for (const d of [typedefTo(C.DW_FORM_GNU_ref_alt, (b) => b.u32(0x40)), typedefTo(C.DW_FORM_ref_sup4, (b) => b.u32(0x40))]) {
      const e = mustFail(d.use((x) => x.types.strip(x.types.lookup('A')!)));
      expect(e.kind).toBe('unsupported-feature');
      expect(oneLine(e)).toMatch(/dwz supplementary file \(\.gnu_debugaltlink\).*pass debug info not processed by dwz/);
    }
    const A = abbrevs([[C.DW_TAG_compile_unit, true, []], [C.DW_TAG_base_type, false, [[C.DW_AT_name, C.DW_FORM_GNU_strp_alt], [C.DW_AT_byte_size, C.DW_FORM_data1]]]]);
    const b = new Bytes();
    const h = unitHeader(b, 4);
    b.uleb(1).uleb(2).u32(0x10).u8(4).u8(0);
    h.finish();
    const e = mustFail(open({ '.debug_info': b.buf(), '.debug_abbrev': A }).use((x) => x.info.index()));
    expect(e.kind).toBe('unsupported-feature');
    expect(oneLine(e)).toMatch(/dwz/);
  });

  it('split DWARF (a skeleton unit naming its .dwo): the layout extraction says so instead of "no PyObject"', () => {
    const A = abbrevs([[C.DW_TAG_skeleton_unit, false, [[C.DW_AT_dwo_name, C.DW_FORM_string], [C.DW_AT_comp_dir, C.DW_FORM_string]]]]);
    const b = new Bytes();
    const start = b.length;
    b.u32(0).u16(5).u8(C.DW_UT_skeleton, 8).u32(0).u64(0x11223344556677);
    b.uleb(1).cstr('Objects/object.dwo').cstr('/build');
    b.set32(start, b.length - start - 4);
    const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A });
    const r = layoutFromDwarf(d, { version: '3.12', micro: '3.12.1', binary: 'libpython3.12.so', buildId: 'ab' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('unsupported-feature');
    expect(oneLine(r.error)).toMatch(/^\.debug_info\+0x0: split DWARF: the types are in Objects\/object\.dwo .*-gsplit-dwarf.*pass debug info built without -gsplit-dwarf/);
  });
});

describe('.zdebug sections', () => {
  it('inflates the ZLIB header + big-endian size format', () => {
    const payload = build(4)['.debug_info'];
    const head = Buffer.alloc(12);
    head.write('ZLIB', 0, 'latin1');
    head.writeBigUInt64BE(BigInt(payload.length), 4);
    const z = inflateZdebug(Buffer.concat([head, deflateSync(payload)]), '.zdebug_info');
    expect(z.ok && z.value.equals(payload)).toBe(true);
    expect(inflateZdebug(Buffer.from('nope'), '.zdebug_info').ok).toBe(false);
    head.writeBigUInt64BE(BigInt(payload.length + 1), 4);
    expect(inflateZdebug(Buffer.concat([head, deflateSync(payload)]), '.zdebug_info').ok).toBe(false);
  });
});

describe('functions at an address: one walk of the inline chain', () => {
  // subprogram outer [0x1000, 0x1100) holds a block [0x1000, 0x1010), then a block without
  // ranges holding an inlined copy of `inl` [0x1040, 0x1080) (called at line 7) with a block
  // [0x1048, 0x1058) in it. `inl`'s abstract instance names nothing itself: its name is on the
  // declaration its DW_AT_specification points at.
  const A = abbrevs([
    [C.DW_TAG_compile_unit, true, [[C.DW_AT_low_pc, C.DW_FORM_addr], [C.DW_AT_high_pc, C.DW_FORM_data4]]],
    [C.DW_TAG_subprogram, false, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_declaration, C.DW_FORM_flag_present]]],
    [C.DW_TAG_subprogram, false, [[C.DW_AT_specification, C.DW_FORM_ref4]]],
    [C.DW_TAG_subprogram, true, [[C.DW_AT_name, C.DW_FORM_string], [C.DW_AT_low_pc, C.DW_FORM_addr], [C.DW_AT_high_pc, C.DW_FORM_data4]]],
    [C.DW_TAG_lexical_block, false, [[C.DW_AT_low_pc, C.DW_FORM_addr], [C.DW_AT_high_pc, C.DW_FORM_data4]]],
    [C.DW_TAG_lexical_block, true, []],
    [C.DW_TAG_inlined_subroutine, true, [[C.DW_AT_abstract_origin, C.DW_FORM_ref4], [C.DW_AT_low_pc, C.DW_FORM_addr], [C.DW_AT_high_pc, C.DW_FORM_data4], [C.DW_AT_call_line, C.DW_FORM_data1]]],
  ]);
  const b = new Bytes();
  const h = unitHeader(b, 4);
  b.uleb(1).u64(0x1000).u32(0x100);
  const decl = b.length - h.start;
  b.uleb(2).cstr('inl');
  const abstract = b.length - h.start;
  b.uleb(3).u32(decl);
  const outer = b.length - h.start;
  b.uleb(4).cstr('outer').u64(0x1000).u32(0x100);
  b.uleb(5).u64(0x1000).u32(0x10);
  b.uleb(6);
  const inlined = b.length - h.start;
  b.uleb(7).u32(abstract).u64(0x1040).u32(0x40).u8(7);
  const block = b.length - h.start;
  b.uleb(5).u64(0x1048).u32(0x10);
  b.u8(0, 0, 0, 0);
  h.finish();
  const d = open({ '.debug_info': b.buf(), '.debug_abbrev': A });
  const index = new FunctionIndex(d);

  it('enters the inlined call through the block without ranges; at() names the same chain', () => {
    const r = d.use(() => ({ scopes: index.scopesAt(0x1050).map((s) => ({ die: s.die.offset, blocks: s.blocks.map((x) => x.offset), entry: s.entry })), at: index.at(0x1050) }));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.scopes).toEqual([
      { die: inlined, blocks: [block], entry: 0x1040 },
      { die: outer, blocks: [], entry: 0x1000 },
    ]);
    expect(r.value.at).toEqual([
      { name: 'inl', entry: 0x1040, inlined: true, callFile: null, callLine: 7 },
      { name: 'outer', entry: 0x1000, inlined: false, callFile: null, callLine: null },
    ]);
  });

  it('outside the inlined call: the subprogram and the block that holds the pc', () => {
    const r = d.use(() => index.scopesAt(0x1004).map((s) => ({ die: s.die.offset, blocks: s.blocks.length })));
    expect(r.ok && r.value).toEqual([{ die: outer, blocks: 1 }]);
    expect(d.use(() => index.at(0x1200))).toEqual({ ok: true, value: [] });
  });
});
