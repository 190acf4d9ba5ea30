// .debug_abbrev: the abbreviation tables that say which attributes (and forms) each DIE has.
import { Cursor } from './cursor.js';
import { DW_FORM_implicit_const } from './constants.js';
import { fault } from './errors.js';

export const SECTION_ABBREV = '.debug_abbrev';

export interface AttrSpec {
  name: number;
  form: number;
  /** The value of a DW_FORM_implicit_const attribute (it lives in the table, not the DIE). */
  implicitConst: number;
}

export interface Abbrev {
  code: number;
  tag: number;
  hasChildren: boolean;
  attrs: AttrSpec[];
}

/** Codes are usually dense from 1: an array indexed by code, with a map for the stragglers. */
export class AbbrevTable {
  private dense: (Abbrev | undefined)[] = [];
  private sparse = new Map<number, Abbrev>();

  constructor(readonly offset: number) {}

  add(a: Abbrev): void {
    if (a.code < 100_000) this.dense[a.code] = a;
    else this.sparse.set(a.code, a);
  }

  get(code: number): Abbrev | undefined {
    return code < 100_000 ? this.dense[code] : this.sparse.get(code);
  }
}

export interface AbbrevLimits {
  maxAbbrevs: number;
  maxAttrs: number;
}

export const defaultAbbrevLimits: AbbrevLimits = { maxAbbrevs: 1_000_000, maxAttrs: 1_000 };

/** Parse the table starting at `offset` in .debug_abbrev (faults on malformed input). */
export function parseAbbrevTable(section: Buffer, offset: number, limits: AbbrevLimits = defaultAbbrevLimits): AbbrevTable {
  if (offset >= section.length) fault('bad-abbrev', SECTION_ABBREV, offset, 'abbreviation table offset lies past the end of the section');
  const c = new Cursor(section, SECTION_ABBREV, offset);
  const table = new AbbrevTable(offset);
  for (let n = 0; ; n++) {
    if (n > limits.maxAbbrevs) fault('limit', SECTION_ABBREV, c.pos, `more than ${limits.maxAbbrevs} abbreviations in one table`);
    const at = c.pos;
    const code = c.uleb();
    if (code === 0) return table;
    const tag = c.uleb();
    const children = c.u8();
    if (children > 1) fault('bad-abbrev', SECTION_ABBREV, at, `abbreviation ${code}: children flag ${children} is neither 0 nor 1`);
    const attrs: AttrSpec[] = [];
    for (;;) {
      if (attrs.length > limits.maxAttrs) fault('limit', SECTION_ABBREV, c.pos, `abbreviation ${code} has more than ${limits.maxAttrs} attributes`);
      const name = c.uleb();
      const form = c.uleb();
      if (name === 0 && form === 0) break;
      if (name === 0 || form === 0) fault('bad-abbrev', SECTION_ABBREV, c.pos, `abbreviation ${code}: attribute 0x${name.toString(16)} with form 0x${form.toString(16)}`);
      const implicitConst = form === DW_FORM_implicit_const ? c.sleb() : 0;
      attrs.push({ name, form, implicitConst });
    }
    if (table.get(code)) fault('bad-abbrev', SECTION_ABBREV, at, `abbreviation code ${code} defined twice`);
    table.add({ code, tag, hasChildren: children === 1, attrs });
  }
}

/** Named cache of parsed tables, keyed by .debug_abbrev offset; it also remembers failures. */
export class AbbrevCache {
  private tables = new Map<number, AbbrevTable | Error>();

  constructor(private readonly section: Buffer) {}

  get(offset: number): AbbrevTable {
    const hit = this.tables.get(offset);
    if (hit instanceof Error) throw hit;
    if (hit) return hit;
    try {
      const t = parseAbbrevTable(this.section, offset);
      this.tables.set(offset, t);
      return t;
    } catch (e) {
      this.tables.set(offset, e as Error);
      throw e;
    }
  }
}
