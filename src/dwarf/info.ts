// .debug_info: unit headers (read lazily, one length field per unit), DIEs on demand, and a
// name index of the named types and variables at the top level of every compilation unit so
// that one struct is found without building every DIE of every unit.
import { lastAtOrBelow } from '../io/sorted.js';
import type { AbbrevCache, Abbrev, AbbrevTable } from './abbrev.js';
import { addressAt } from './addr.js';
import * as C from './constants.js';
import { Cursor } from './cursor.js';
import { fault, UNSUPPORTED_FEATURE } from './errors.js';
import { fixedFormSize, readForm, skipForm, type AttrValue, type FormContext } from './forms.js';
import { strOffsetAt, type StringTable } from './str.js';

export const SECTION_INFO = '.debug_info';

export interface InfoLimits {
  maxUnits: number;
  maxDepth: number;
  maxDiesPerUnit: number;
}

export const defaultInfoLimits: InfoLimits = { maxUnits: 1_000_000, maxDepth: 256, maxDiesPerUnit: 50_000_000 };

/** How many DW_AT_abstract_origin / DW_AT_specification links originAttr follows. */
const MAX_ORIGIN_CHAIN = 16;

export interface Unit extends FormContext {
  /** Section offset just past the unit. */
  end: number;
  unitType: number;
  abbrevOffset: number;
  /** Section offset of the unit's first (root) DIE. */
  firstDie: number;
}

export interface Die {
  offset: number;
  unit: Unit;
  tag: number;
  hasChildren: boolean;
  attrs: Map<number, AttrValue>;
  /** Section offset just past this DIE's attributes (its first child, when it has children). */
  next: number;
}

/** The sections the info reader needs besides .debug_info itself. */
export interface InfoContext {
  info: Buffer;
  abbrevs: AbbrevCache;
  str: StringTable;
  lineStr: StringTable;
  strOffsets: Buffer | null;
  addr: Buffer | null;
  limits: InfoLimits;
}

/** Per-unit facts from the root DIE, read once the unit is first used. */
interface UnitState {
  abbrevs: AbbrevTable;
  strOffsetsBase: number;
  addrBase: number;
  /** Bytes taken by the attributes of each abbreviation when they are all fixed-size (-1: not). */
  fixed: Map<number, number>;
}

export type IndexKind = 'struct' | 'union' | 'enum' | 'typedef' | 'base' | 'variable';

const indexedTags = new Map<number, IndexKind>([
  [C.DW_TAG_structure_type, 'struct'],
  [C.DW_TAG_union_type, 'union'],
  [C.DW_TAG_enumeration_type, 'enum'],
  [C.DW_TAG_typedef, 'typedef'],
  [C.DW_TAG_base_type, 'base'],
  [C.DW_TAG_variable, 'variable'],
]);

/**
 * First DIE per (kind, name) among the top-level DIEs of every unit. Struct, union and enum
 * entries are complete definitions only (a DW_AT_declaration is skipped), as a debugger resolves an
 * opaque type by name to its definition in another unit.
 */
export class NameIndex {
  readonly byKind: Record<IndexKind, Map<string, number>> = {
    struct: new Map(),
    union: new Map(),
    enum: new Map(),
    typedef: new Map(),
    base: new Map(),
    variable: new Map(),
  };

  get(kind: IndexKind, name: string): number | undefined {
    return this.byKind[kind].get(name);
  }
}

export class DebugInfo {
  private unitList: Unit[] | null = null;
  private states = new Map<number, UnitState>();
  private nameIndex: NameIndex | null = null;

  constructor(private readonly ctx: InfoContext) {}

  /** Every unit header, in section order (parsed once; DIEs are not touched). */
  units(): Unit[] {
    if (this.unitList) return this.unitList;
    const out: Unit[] = [];
    const c = new Cursor(this.ctx.info, SECTION_INFO, 0);
    while (!c.atEnd) {
      if (out.length >= this.ctx.limits.maxUnits) fault('limit', SECTION_INFO, c.pos, `more than ${this.ctx.limits.maxUnits} units`);
      const u = parseUnitHeader(c);
      out.push(u);
      c.pos = u.end;
    }
    this.unitList = out;
    return out;
  }

  /**
   * The first split-DWARF skeleton unit (-gsplit-dwarf), whose types live in a .dwo file this
   * reader does not open: its offset and the .dwo name. Null when there is none.
   */
  splitUnit(): { offset: number; dwo: string | null } | null {
    for (const u of this.units()) {
      if (u.unitType === C.DW_UT_skeleton || u.unitType === C.DW_UT_split_compile) return { offset: u.offset, dwo: this.dwoName(u) };
      const name = this.dwoName(u);
      if (name !== null) return { offset: u.offset, dwo: name };
    }
    return null;
  }

  private dwoName(u: Unit): string | null {
    const root = this.readDie(u, u.firstDie);
    const v = root?.attrs.get(C.DW_AT_dwo_name) ?? root?.attrs.get(C.DW_AT_GNU_dwo_name);
    return v ? this.attrString(u, v) : null;
  }

  /** The unit holding section offset `offset`. */
  unitAt(offset: number): Unit {
    const us = this.units();
    const u = us[lastAtOrBelow(us.length, (i) => us[i].offset, offset)];
    if (u && offset < u.end) return u;
    return fault('bad-reference', SECTION_INFO, offset, 'offset lies in no unit');
  }

  private state(u: Unit): UnitState {
    let s = this.states.get(u.offset);
    if (s) return s;
    const abbrevs = this.ctx.abbrevs.get(u.abbrevOffset);
    s = { abbrevs, strOffsetsBase: 0, addrBase: 0, fixed: new Map() };
    this.states.set(u.offset, s);
    const root = this.readDie(u, u.firstDie);
    if (root) {
      const so = root.attrs.get(C.DW_AT_str_offsets_base);
      if (so && typeof so.value === 'number') s.strOffsetsBase = so.value;
      const ab = root.attrs.get(C.DW_AT_addr_base) ?? root.attrs.get(C.DW_AT_GNU_addr_base);
      if (ab && typeof ab.value === 'number') s.addrBase = ab.value;
    }
    return s;
  }

  private abbrev(u: Unit, table: AbbrevTable, code: number, at: number): Abbrev {
    const a = table.get(code);
    if (!a) fault('bad-abbrev', SECTION_INFO, at, `abbreviation code ${code} is not in the unit's table (at .debug_abbrev+0x${u.abbrevOffset.toString(16)})`);
    return a;
  }

  /** The DIE at `offset` in unit `u`, or null for a null entry (end of siblings). */
  readDie(u: Unit, offset: number): Die | null {
    const s = this.states.get(u.offset) ?? this.state(u);
    const c = new Cursor(this.ctx.info, SECTION_INFO, offset, u.end);
    const code = c.uleb();
    if (code === 0) return null;
    const a = this.abbrev(u, s.abbrevs, code, offset);
    const attrs = new Map<number, AttrValue>();
    for (const spec of a.attrs) attrs.set(spec.name, readForm(c, spec.form, u, spec.implicitConst));
    return { offset, unit: u, tag: a.tag, hasChildren: a.hasChildren, attrs, next: c.pos };
  }

  /** The DIE at section offset `offset`; a null entry there is a bad reference. */
  die(offset: number): Die {
    const u = this.unitAt(offset);
    if (offset < u.firstDie) fault('bad-reference', SECTION_INFO, offset, 'reference into a unit header');
    const d = this.readDie(u, offset);
    if (!d) fault('bad-reference', SECTION_INFO, offset, 'reference to a null entry');
    return d;
  }

  /** Section offset just past `die` and all its descendants. */
  skipSubtree(die: Die): number {
    const sib = die.attrs.get(C.DW_AT_sibling);
    if (sib && sib.cls === 'ref' && typeof sib.value === 'number' && sib.value > die.offset && sib.value <= die.unit.end) return sib.value;
    if (!die.hasChildren) return die.next;
    const c = new Cursor(this.ctx.info, SECTION_INFO, die.next, die.unit.end);
    this.skipChildren(c, die.unit, this.state(die.unit));
    return c.pos;
  }

  /** The children of `die`, in order (bounded by the unit's end and the DIE limit). */
  *children(die: Die): Generator<Die> {
    if (!die.hasChildren) return;
    let at = die.next;
    for (let n = 0; ; n++) {
      if (n > this.ctx.limits.maxDiesPerUnit) fault('limit', SECTION_INFO, at, 'too many children');
      if (at >= die.unit.end) fault('truncated', SECTION_INFO, at, `children of the DIE at 0x${die.offset.toString(16)} run past the end of the unit`);
      const child = this.readDie(die.unit, at);
      if (!child) return;
      yield child;
      at = this.skipSubtree(child);
    }
  }

  /** Skip DIEs from `c.pos` up to and including the null entry that closes this sibling list. */
  private skipChildren(c: Cursor, u: Unit, s: UnitState): void {
    let depth = 1;
    for (let n = 0; depth > 0; n++) {
      if (n > this.ctx.limits.maxDiesPerUnit) fault('limit', SECTION_INFO, c.pos, 'too many DIEs in one unit');
      const at = c.pos;
      const code = c.uleb();
      if (code === 0) {
        depth--;
        continue;
      }
      const a = this.abbrev(u, s.abbrevs, code, at);
      this.skipAttrs(c, u, s, a);
      if (a.hasChildren && ++depth > this.ctx.limits.maxDepth) fault('limit', SECTION_INFO, at, `DIEs nested deeper than ${this.ctx.limits.maxDepth}`);
    }
  }

  private skipAttrs(c: Cursor, u: Unit, s: UnitState, a: Abbrev): void {
    let fixed = s.fixed.get(a.code);
    if (fixed === undefined) {
      fixed = 0;
      for (const spec of a.attrs) {
        const size = fixedFormSize(spec.form, u);
        if (size < 0) {
          fixed = -1;
          break;
        }
        fixed += size;
      }
      s.fixed.set(a.code, fixed);
    }
    if (fixed >= 0) c.skip(fixed, 'DIE attributes');
    else for (const spec of a.attrs) skipForm(c, spec.form, u);
  }

  /** A string-class attribute's text (string, strp, line_strp, strx*). */
  attrString(u: Unit, v: AttrValue): string {
    switch (v.cls) {
      case 'string':
        return v.value as string;
      case 'strp':
        return this.ctx.str.at(v.value as number);
      case 'line_strp':
        return this.ctx.lineStr.at(v.value as number);
      case 'strx': {
        const s = this.state(u);
        return this.ctx.str.at(strOffsetAt(this.ctx.strOffsets, s.strOffsetsBase, v.value as number, u.offsetSize));
      }
      case 'strp_sup':
        return fault('unsupported-feature', SECTION_INFO, u.offset, `a name ${UNSUPPORTED_FEATURE.dwz}`);
      default:
        return fault('malformed', SECTION_INFO, 0, `attribute of form 0x${v.form.toString(16)} is not a string`);
    }
  }

  /** An address-class attribute's value (addr or addrx*). */
  attrAddress(u: Unit, v: AttrValue): number {
    if (v.cls === 'address') return v.value as number;
    if (v.cls === 'addrx') return addressAt(this.ctx.addr, this.state(u).addrBase, v.value as number, u.addrSize);
    return fault('malformed', SECTION_INFO, u.offset, `attribute of form 0x${v.form.toString(16)} is not an address`);
  }

  /**
   * The first of `attrs` found on `d`, else on the DIE it refers to by DW_AT_abstract_origin or
   * DW_AT_specification, and so on (an inlined copy, a concrete instance or a definition names
   * nothing itself), as gdb looks attributes up; with the DIE that holds it. Null when none has one.
   */
  originAttr(d: Die, ...attrs: number[]): { die: Die; value: AttrValue } | null {
    let cur = d;
    for (let i = 0; i < MAX_ORIGIN_CHAIN; i++) {
      for (const a of attrs) {
        const v = cur.attrs.get(a);
        if (v) return { die: cur, value: v };
      }
      const ref = cur.attrs.get(C.DW_AT_abstract_origin) ?? cur.attrs.get(C.DW_AT_specification);
      if (!ref || ref.cls !== 'ref' || typeof ref.value !== 'number') return null;
      cur = this.die(ref.value);
    }
    return null;
  }

  name(d: Die): string | null {
    const v = d.attrs.get(C.DW_AT_name);
    return v ? this.attrString(d.unit, v) : null;
  }

  /** The name index over all units (built on first use: one pass over the top level of each unit). */
  index(): NameIndex {
    if (this.nameIndex) return this.nameIndex;
    const idx = new NameIndex();
    for (const u of this.units()) {
      if (u.unitType !== C.DW_UT_compile && u.unitType !== C.DW_UT_partial) continue;
      this.indexUnit(u, idx);
    }
    this.nameIndex = idx;
    return idx;
  }

  private indexUnit(u: Unit, idx: NameIndex): void {
    const s = this.state(u);
    const c = new Cursor(this.ctx.info, SECTION_INFO, u.firstDie, u.end);
    const rootCode = c.uleb();
    if (rootCode === 0) return;
    const root = this.abbrev(u, s.abbrevs, rootCode, u.firstDie);
    this.skipAttrs(c, u, s, root);
    if (!root.hasChildren) return;
    for (let n = 0; ; n++) {
      if (n > this.ctx.limits.maxDiesPerUnit) fault('limit', SECTION_INFO, c.pos, 'too many DIEs in one unit');
      if (c.atEnd) return; // a unit may end without the closing null entry
      const at = c.pos;
      const code = c.uleb();
      if (code === 0) return;
      const a = this.abbrev(u, s.abbrevs, code, at);
      const kind = indexedTags.get(a.tag);
      let sibling = -1;
      if (kind === undefined) {
        this.skipAttrs(c, u, s, a);
      } else {
        let name: string | null = null;
        let declaration = false;
        for (const spec of a.attrs) {
          if (spec.name === C.DW_AT_name || spec.name === C.DW_AT_sibling || spec.name === C.DW_AT_declaration) {
            const v = readForm(c, spec.form, u, spec.implicitConst);
            if (spec.name === C.DW_AT_name) name = this.attrString(u, v);
            else if (spec.name === C.DW_AT_sibling) sibling = v.value as number;
            else declaration = v.value !== 0;
          } else skipForm(c, spec.form, u);
        }
        if (name !== null && !(declaration && kind !== 'typedef')) {
          const m = idx.byKind[kind];
          if (!m.has(name)) m.set(name, at);
        }
      }
      if (a.hasChildren) {
        if (sibling > at && sibling <= u.end) c.pos = sibling;
        else this.skipChildren(c, u, s);
      }
    }
  }
}

/** One unit header (DWARF 2-5). Faults name the header's offset. */
export function parseUnitHeader(c: Cursor): Unit {
  const offset = c.pos;
  const { length, offsetSize } = c.initialLength();
  const end = c.pos + length;
  if (end > c.buf.length) fault('truncated', SECTION_INFO, offset, `unit of ${length} bytes runs past the end of the section`);
  const version = c.u16();
  if (version < 2 || version > 5) fault('unsupported-version', SECTION_INFO, offset, `unit version ${version} (this reader knows 2 to 5)`);
  let unitType: number = C.DW_UT_compile;
  let addrSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = c.u8();
    addrSize = c.u8();
    abbrevOffset = c.offset(offsetSize);
    if (unitType === C.DW_UT_type || unitType === C.DW_UT_split_type) c.skip(8 + offsetSize, 'type unit signature');
    else if (unitType === C.DW_UT_skeleton || unitType === C.DW_UT_split_compile) c.skip(8, 'unit id');
    else if (unitType !== C.DW_UT_compile && unitType !== C.DW_UT_partial) fault('malformed', SECTION_INFO, offset, `unknown unit type 0x${unitType.toString(16)}`);
  } else {
    abbrevOffset = c.offset(offsetSize);
    addrSize = c.u8();
  }
  if (addrSize !== 1 && addrSize !== 2 && addrSize !== 4 && addrSize !== 8) fault('malformed', SECTION_INFO, offset, `address size ${addrSize}`);
  if (c.pos > end) fault('truncated', SECTION_INFO, offset, 'unit header is longer than the unit');
  return { offset, end, version, unitType, addrSize, offsetSize, abbrevOffset, firstDie: c.pos };
}
