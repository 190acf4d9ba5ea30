// Type resolution over .debug_info: typedef/cv-qualifier stripping, declarations resolved to
// their definitions by name, struct/union members with bit positions, array element sizes and
// enumerators. Types are named by the section offset of their DIE; VOID stands for "no type".
import * as C from './constants.js';
import { Cursor } from './cursor.js';
import { fault, UNSUPPORTED_FEATURE } from './errors.js';
import type { AttrValue } from './forms.js';
import { SECTION_INFO, type DebugInfo, type Die, type IndexKind } from './info.js';

export type TypeRef = number;
export const VOID: TypeRef = -1;

export type TypeKind = 'struct' | 'union' | 'enum' | 'typedef' | 'pointer' | 'array' | 'base' | 'qualifier' | 'function' | 'void' | 'other';

export interface Member {
  /** null for an anonymous member (an anonymous struct/union, or unnamed padding bits). */
  name: string | null;
  type: TypeRef;
  /** Bit position from the start of the enclosing struct (little-endian bit numbering). */
  bitpos: number;
  /** Width of a bitfield; 0 for an ordinary member. */
  bitsize: number;
}

export interface TypeLimits {
  /** Longest typedef/qualifier chain or nesting followed before it is called a loop. */
  maxChain: number;
  maxMembers: number;
}

export const defaultTypeLimits: TypeLimits = { maxChain: 64, maxMembers: 100_000 };

const kinds = new Map<number, TypeKind>([
  [C.DW_TAG_structure_type, 'struct'],
  [C.DW_TAG_union_type, 'union'],
  [C.DW_TAG_enumeration_type, 'enum'],
  [C.DW_TAG_typedef, 'typedef'],
  [C.DW_TAG_pointer_type, 'pointer'],
  [C.DW_TAG_array_type, 'array'],
  [C.DW_TAG_base_type, 'base'],
  [C.DW_TAG_const_type, 'qualifier'],
  [C.DW_TAG_volatile_type, 'qualifier'],
  [C.DW_TAG_restrict_type, 'qualifier'],
  [C.DW_TAG_atomic_type, 'qualifier'],
  [C.DW_TAG_subroutine_type, 'function'],
]);

function num(v: AttrValue | undefined): number | null {
  if (!v) return null;
  if (typeof v.value === 'number' && (v.cls === 'constant' || v.cls === 'sconstant')) return v.value;
  return null;
}

export class Types {
  private dies = new Map<number, Die>();
  private memberCache = new Map<number, Member[]>();

  constructor(
    readonly info: DebugInfo,
    readonly limits: TypeLimits = defaultTypeLimits,
  ) {}

  die(t: TypeRef): Die {
    let d = this.dies.get(t);
    if (!d) {
      d = this.info.die(t);
      this.dies.set(t, d);
    }
    return d;
  }

  kind(t: TypeRef): TypeKind {
    if (t === VOID) return 'void';
    return kinds.get(this.die(t).tag) ?? 'other';
  }

  name(t: TypeRef): string | null {
    return t === VOID ? null : this.info.name(this.die(t));
  }

  /** The type a typedef, qualifier, pointer or array refers to (VOID when it has none). */
  target(t: TypeRef): TypeRef {
    const d = this.die(t);
    const v = d.attrs.get(C.DW_AT_type);
    if (!v) return VOID;
    if (v.cls === 'ref_sig8') fault('unsupported-feature', SECTION_INFO, d.offset, `DW_AT_type ${UNSUPPORTED_FEATURE.typeUnit}`);
    if (v.cls === 'ref_sup') fault('unsupported-feature', SECTION_INFO, d.offset, `DW_AT_type ${UNSUPPORTED_FEATURE.dwz}`);
    if (v.cls !== 'ref' || typeof v.value !== 'number') fault('bad-reference', SECTION_INFO, d.offset, `DW_AT_type of form 0x${v.form.toString(16)} is not a reference`);
    return v.value;
  }

  /**
   * A C type by name as a debugger looks it up: "struct X", "union X", "enum X" (tags), or a
   * typedef or base type name. A struct/union/enum tag finds only complete definitions.
   */
  lookup(name: string): TypeRef | null {
    const m = /^(struct|union|enum)\s+(\S+)$/.exec(name);
    const idx = this.info.index();
    if (m) return idx.get(m[1] as IndexKind, m[2]) ?? null;
    return idx.get('typedef', name) ?? idx.get('base', name) ?? null;
  }

  /** Follow typedefs and qualifiers; a struct/union/enum declaration becomes its definition when one exists. */
  strip(t: TypeRef): TypeRef {
    let cur = t;
    for (let i = 0; i <= this.limits.maxChain; i++) {
      const k = this.kind(cur);
      if (k === 'typedef' || k === 'qualifier') {
        cur = this.target(cur);
        continue;
      }
      if (k === 'struct' || k === 'union' || k === 'enum') return this.definition(cur);
      return cur;
    }
    return fault('reference-loop', SECTION_INFO, t, `typedef/qualifier chain longer than ${this.limits.maxChain} from 0x${t.toString(16)}`);
  }

  private definition(t: TypeRef): TypeRef {
    const d = this.die(t);
    if (!d.attrs.get(C.DW_AT_declaration)) return t;
    const name = this.info.name(d);
    if (name === null) return t;
    const k = this.kind(t) as 'struct' | 'union' | 'enum';
    return this.info.index().get(k, name) ?? t;
  }

  /** sizeof(t) in bytes; null when unknown (void, function, incomplete). */
  sizeOf(t: TypeRef, depth = 0): number | null {
    if (depth > this.limits.maxChain) fault('reference-loop', SECTION_INFO, t, 'type size depends on itself');
    if (t === VOID) return null;
    const d = this.die(t);
    const bs = num(d.attrs.get(C.DW_AT_byte_size));
    const k = this.kind(t);
    if (k === 'typedef' || k === 'qualifier') return this.sizeOf(this.target(t), depth + 1);
    if (bs !== null) return bs;
    if (k === 'pointer') return d.unit.addrSize;
    if (k === 'struct' || k === 'union' || k === 'enum') {
      const def = this.definition(t);
      return def === t ? null : this.sizeOf(def, depth + 1);
    }
    if (k === 'array') {
      const dims = this.dimensions(t);
      const elem = this.sizeOf(this.target(t), depth + 1);
      if (elem === null) return null;
      return dims.reduce((a, b) => a * b, elem);
    }
    return null;
  }

  /** Element counts of each dimension of an array type (0 for a flexible array member). */
  dimensions(t: TypeRef): number[] {
    const out: number[] = [];
    for (const sub of this.info.children(this.die(t))) {
      if (sub.tag !== C.DW_TAG_subrange_type) continue;
      const count = num(sub.attrs.get(C.DW_AT_count));
      const upper = num(sub.attrs.get(C.DW_AT_upper_bound));
      out.push(count !== null ? count : upper !== null ? upper + 1 : 0);
      if (out.length > this.limits.maxChain) fault('limit', SECTION_INFO, t, 'array with too many dimensions');
    }
    return out.length ? out : [0];
  }

  /** sizeof(a[0]) for array type `t`: the element type, or the inner array of a multi-dimensional one. */
  elementSize(t: TypeRef): number | null {
    const elem = this.sizeOf(this.target(t));
    if (elem === null) return null;
    return this.dimensions(t).slice(1).reduce((a, b) => a * b, elem);
  }

  /** Members of struct/union `t` (after strip), with bit positions. */
  members(t: TypeRef): Member[] {
    const s = this.strip(t);
    const hit = this.memberCache.get(s);
    if (hit) return hit;
    const out: Member[] = [];
    const d = this.die(s);
    for (const m of this.info.children(d)) {
      if (m.tag !== C.DW_TAG_member) continue;
      if (out.length >= this.limits.maxMembers) fault('limit', SECTION_INFO, m.offset, 'too many members');
      const type = this.target(m.offset);
      this.dies.set(m.offset, m);
      out.push({ name: this.info.name(m), type, ...this.position(m, type) });
    }
    this.memberCache.set(s, out);
    return out;
  }

  private position(m: Die, type: TypeRef): { bitpos: number; bitsize: number } {
    const bitsize = num(m.attrs.get(C.DW_AT_bit_size)) ?? 0;
    const dbo = num(m.attrs.get(C.DW_AT_data_bit_offset));
    if (dbo !== null) return { bitpos: dbo, bitsize };
    const base = this.memberLocation(m) * 8;
    const bo = m.attrs.get(C.DW_AT_bit_offset);
    if (bo && bitsize) {
      // DWARF 2/3: bit_offset counts from the most significant bit of the storage unit.
      const storage = num(m.attrs.get(C.DW_AT_byte_size)) ?? this.sizeOf(type) ?? 0;
      const off = num(bo) ?? 0;
      return { bitpos: base + storage * 8 - off - bitsize, bitsize };
    }
    return { bitpos: base, bitsize };
  }

  private memberLocation(m: Die): number {
    const v = m.attrs.get(C.DW_AT_data_member_location);
    if (!v) return 0;
    const n = num(v);
    if (n !== null) return n;
    if (v.cls === 'block' && Buffer.isBuffer(v.value)) {
      const c = new Cursor(v.value, SECTION_INFO, 0);
      const op = c.u8();
      if (op === C.DW_OP_plus_uconst || op === C.DW_OP_constu) return c.uleb();
    }
    return fault('malformed', SECTION_INFO, m.offset, 'DW_AT_data_member_location is not a constant or DW_OP_plus_uconst');
  }

  /** Enumerators of enum `t` (after strip), in declaration order. */
  enumerators(t: TypeRef): [string, number][] {
    const out: [string, number][] = [];
    for (const e of this.info.children(this.die(this.strip(t)))) {
      if (e.tag !== C.DW_TAG_enumerator) continue;
      const name = this.info.name(e);
      const v = num(e.attrs.get(C.DW_AT_const_value));
      if (name !== null && v !== null) out.push([name, v]);
    }
    return out;
  }
}
