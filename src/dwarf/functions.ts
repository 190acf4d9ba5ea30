// Functions by address, as a debugger names a frame from DWARF: the DW_TAG_subprogram whose
// ranges hold the pc, then the chain of DW_TAG_inlined_subroutine entries nested in it (through
// lexical blocks) that also hold it, each with the file:line it was called from. Names follow
// DW_AT_abstract_origin and DW_AT_specification; a linkage name wins over DW_AT_name, as in gdb
// (glibc's `raise` is `__GI_raise` there). Each unit's subprograms are listed once, on first use.
import { lastAtOrBelow } from '../io/sorted.js';
import * as C from './constants.js';
import type { Dwarf } from './dwarf.js';
import { fault } from './errors.js';
import type { Die, Unit } from './info.js';
import { SECTION_INFO } from './info.js';
import { rangesHold } from './rnglists.js';

/** One function of the chain at an address. */
export interface FunctionAt {
  name: string | null;
  /** Link-time address where this function (or this inlined copy of it) begins. */
  entry: number;
  /** An inlined copy (DW_TAG_inlined_subroutine) rather than the out-of-line subprogram. */
  inlined: boolean;
  /** For an inlined copy: where its caller (the next entry of the chain) called it. */
  callFile: string | null;
  callLine: number | null;
}

/** A call instruction recorded by DW_TAG_call_site (DWARF 5) or DW_TAG_GNU_call_site. */
export interface CallSite {
  /** Link-time address just past the call (or the tail-call jump). */
  returnPc: number;
  tail: boolean;
  /** The callee when known: its entry address, or (a declaration) its name for a symbol lookup. */
  target: { entry: number } | { name: string } | null;
  /** The DW_TAG_call_site entry (its DW_TAG_call_site_parameter children give argument values at the call). */
  die: Die;
}

/** A function at an address (the subprogram or an inlined copy) with the lexical blocks in it that hold the address. */
export interface ScopeAt {
  /** The DW_TAG_subprogram or DW_TAG_inlined_subroutine. */
  die: Die;
  /** Lexical blocks inside it (not inside a nested inlined call) holding the address, innermost first. */
  blocks: Die[];
  /** Link-time address where it begins: a subprogram's first range, an inlined copy's lowest. */
  entry: number;
}

interface Subprogram {
  begin: number;
  end: number;
  /** The function's entry: its first range (a hot/cold split function has several). */
  entry: number;
  die: number;
}

const MAX_INLINE_DEPTH = 64;
/** Children of these hold subprograms (C++ namespaces and classes); others are not searched. */
const SCOPES = new Set<number>([C.DW_TAG_namespace, C.DW_TAG_class_type, C.DW_TAG_structure_type]);

export class FunctionIndex {
  private readonly byUnit = new Map<number, Subprogram[]>();
  private readonly names = new Map<number, string | null>();
  private readonly sites = new Map<number, CallSite[]>();

  constructor(private readonly dwarf: Dwarf) {}

  /**
   * The functions at link-time address `address` in unit `unit` (or whichever unit covers it),
   * innermost first: inlined copies, then the subprogram that holds them. [] when no DWARF
   * subprogram covers the address (assembly, or a unit without function entries). A view of scopesAt.
   */
  at(address: number, unit: Unit | null = null): FunctionAt[] {
    return this.scopesAt(address, unit).map((s) => this.functionAt(s));
  }

  /**
   * The DIEs of the functions at `address`, innermost first: each inlined copy
   * (DW_TAG_inlined_subroutine), then the subprogram; each with the lexical blocks inside it
   * (not inside a nested inlined call) that hold the address, innermost first. Their
   * parameters and variables are what a debugger prints for the frame. The one walk of the
   * inline chain: see `enter` for its rule.
   */
  scopesAt(address: number, unit: Unit | null = null): ScopeAt[] {
    const sub = this.subprogramAt(address, unit);
    if (!sub) return [];
    const out: ScopeAt[] = [{ die: sub.die, blocks: [], entry: sub.entry }];
    this.enter(sub.die, address, out, 0);
    return out.reverse();
  }

  /** The subprogram DIE holding `address` and its entry, or null. */
  subprogramAt(address: number, unit: Unit | null = null): { die: Die; entry: number } | null {
    for (const u of unit ? [unit] : this.dwarf.unitsHolding(address)) {
      const hit = find(this.subprograms(u), address);
      if (hit) return { die: this.dwarf.info.die(hit.die), entry: hit.entry };
    }
    return null;
  }

  /** Every call site inside subprogram `die` (through inlined calls and blocks), read once. */
  callSites(die: Die): CallSite[] {
    const hit = this.sites.get(die.offset);
    if (hit) return hit;
    const out: CallSite[] = [];
    this.collectSites(die, out, 0);
    this.sites.set(die.offset, out);
    return out;
  }

  private collectSites(die: Die, out: CallSite[], depth: number): void {
    if (depth > MAX_INLINE_DEPTH) return;
    const info = this.dwarf.info;
    for (const d of info.children(die)) {
      if (d.tag === C.DW_TAG_call_site || d.tag === C.DW_TAG_GNU_call_site) {
        const pcV = d.attrs.get(C.DW_AT_call_return_pc) ?? (d.tag === C.DW_TAG_GNU_call_site ? d.attrs.get(C.DW_AT_low_pc) : undefined);
        if (!pcV) continue;
        const tail = Boolean(d.attrs.get(C.DW_AT_call_tail_call)?.value || d.attrs.get(C.DW_AT_GNU_tail_call)?.value);
        out.push({ returnPc: info.attrAddress(d.unit, pcV), tail, target: this.callTarget(d), die: d });
      } else if (d.tag === C.DW_TAG_inlined_subroutine || d.tag === C.DW_TAG_lexical_block) this.collectSites(d, out, depth + 1);
    }
  }

  /**
   * The expression (DW_AT_call_value, evaluated in the caller's frame) that gives the value a
   * call passed in DWARF register `register` (its DW_TAG_call_site_parameter located by DW_OP_regN), or null.
   */
  callValue(site: CallSite, register: number): Buffer | null {
    for (const p of this.dwarf.info.children(site.die)) {
      if (p.tag !== C.DW_TAG_call_site_parameter && p.tag !== C.DW_TAG_GNU_call_site_parameter) continue;
      const loc = p.attrs.get(C.DW_AT_location)?.value;
      if (!Buffer.isBuffer(loc) || loc.length !== 1 || loc[0] !== 0x50 + register) continue;
      const v = (p.attrs.get(C.DW_AT_call_value) ?? p.attrs.get(C.DW_AT_GNU_call_site_value))?.value;
      return Buffer.isBuffer(v) ? v : null;
    }
    return null;
  }

  /** A call site's callee: DW_AT_call_target as a constant address (DW_OP_addr), else DW_AT_call_origin (or abstract_origin for GNU). */
  private callTarget(site: Die): CallSite['target'] {
    const t = site.attrs.get(C.DW_AT_call_target);
    if (t && Buffer.isBuffer(t.value) && t.value.length === 1 + site.unit.addrSize && t.value[0] === 0x03) return { entry: Number(t.value.readUIntLE(1, Math.min(6, site.unit.addrSize))) };
    const o = site.attrs.get(C.DW_AT_call_origin) ?? site.attrs.get(C.DW_AT_abstract_origin);
    if (!o || o.cls !== 'ref' || typeof o.value !== 'number') return null;
    const callee = this.dwarf.info.die(o.value);
    const ranges = callee.attrs.has(C.DW_AT_declaration) ? [] : this.dwarf.dieRanges(callee);
    if (ranges.length > 0) return { entry: ranges[0].begin };
    const name = this.nameOf(callee);
    return name === null ? null : { name };
  }

  /**
   * Descend from `scope` into the first child inlined call or lexical block whose ranges hold
   * `address`: an inlined call opens a new scope of `out`, a block joins the innermost one. A child
   * without ranges (rare: a block GCC emitted before 2008) is looked through, as gdb does. True
   * when a child held the address.
   */
  private enter(scope: Die, address: number, out: ScopeAt[], depth: number): boolean {
    if (depth > MAX_INLINE_DEPTH) fault('limit', SECTION_INFO, scope.offset, `inlined calls nested deeper than ${MAX_INLINE_DEPTH}`);
    for (const child of this.dwarf.info.children(scope)) {
      if (child.tag !== C.DW_TAG_inlined_subroutine && child.tag !== C.DW_TAG_lexical_block) continue;
      const ranges = this.dwarf.dieRanges(child);
      if (ranges.length === 0) {
        if (this.enter(child, address, out, depth + 1)) return true;
        continue;
      }
      if (!rangesHold(ranges, address)) continue;
      if (child.tag === C.DW_TAG_inlined_subroutine) out.push({ die: child, blocks: [], entry: Math.min(...ranges.map((x) => x.begin)) });
      else out[out.length - 1].blocks.unshift(child);
      this.enter(child, address, out, depth + 1);
      return true;
    }
    return false;
  }

  /** A scope of the chain as a function: its name, and for an inlined copy where it was called from. */
  private functionAt(s: ScopeAt): FunctionAt {
    if (s.die.tag !== C.DW_TAG_inlined_subroutine) return { name: this.nameOf(s.die), entry: s.entry, inlined: false, callFile: null, callLine: null };
    const fileV = s.die.attrs.get(C.DW_AT_call_file);
    const lineV = s.die.attrs.get(C.DW_AT_call_line);
    const files = fileV ? this.dwarf.lineTable(s.die.unit)?.program.files : undefined;
    return {
      name: this.nameOf(s.die),
      entry: s.entry,
      inlined: true,
      callFile: files && typeof fileV!.value === 'number' ? (files[fileV!.value] ?? null) : null,
      callLine: lineV && typeof lineV.value === 'number' ? lineV.value : null,
    };
  }

  /** A function DIE's name: linkage name, else DW_AT_name, through abstract_origin/specification. */
  nameOf(die: Die): string | null {
    const hit = this.names.get(die.offset);
    if (hit !== undefined) return hit;
    const v = this.dwarf.info.originAttr(die, C.DW_AT_linkage_name, C.DW_AT_MIPS_linkage_name, C.DW_AT_name);
    const name = v ? this.dwarf.info.attrString(v.die.unit, v.value) : null;
    this.names.set(die.offset, name);
    return name;
  }

  /** The unit's subprograms with code (abstract instances and declarations have none), sorted. */
  private subprograms(u: Unit): Subprogram[] {
    const hit = this.byUnit.get(u.offset);
    if (hit) return hit;
    const out: Subprogram[] = [];
    const root = this.dwarf.info.readDie(u, u.firstDie);
    if (root) this.collect(root, out, 0);
    out.sort((a, b) => a.begin - b.begin || b.end - a.end);
    this.byUnit.set(u.offset, out);
    return out;
  }

  private collect(scope: Die, out: Subprogram[], depth: number): void {
    if (depth > MAX_INLINE_DEPTH) return;
    for (const d of this.dwarf.info.children(scope)) {
      if (d.tag === C.DW_TAG_subprogram) {
        const ranges = this.dwarf.dieRanges(d);
        for (const r of ranges) if (r.end > r.begin) out.push({ begin: r.begin, end: r.end, entry: ranges[0].begin, die: d.offset });
      } else if (SCOPES.has(d.tag)) this.collect(d, out, depth + 1);
    }
  }
}

/** The innermost subprogram range holding `address` (ranges do not overlap in practice; the last start wins). */
function find(subs: Subprogram[], address: number): Subprogram | null {
  const best = lastAtOrBelow(subs.length, (i) => subs[i].begin, address);
  for (let i = best; i >= 0 && i > best - 8; i--) if (address < subs[i].end) return subs[i];
  return null;
}
