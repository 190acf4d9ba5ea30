// Failures of the DWARF reader as values: each names the section and the offset where reading
// went wrong, so "bad abbrev code 0x99 in .debug_info at 0x1234" can be printed as is.
export type DwarfErrorKind =
  | 'missing-section' // a section the data refers to is absent
  | 'truncated' // a read ran past the end of the section or unit
  | 'bad-abbrev' // an abbreviation code that the unit's table does not define, or a malformed table
  | 'bad-form' // an attribute form this reader does not know
  | 'unsupported-version' // a unit or line program version outside 2..5
  | 'bad-reference' // a reference that points outside its section or at no DIE
  | 'reference-loop' // type references that loop back on themselves
  | 'limit' // a size, count or depth cap was hit
  | 'unsupported-feature' // valid DWARF this reader does not follow (type units, dwz files, split DWARF)
  | 'malformed'; // anything else that contradicts the spec

export interface DwarfError {
  kind: DwarfErrorKind;
  section: string;
  offset: number;
  what: string;
}

export function dwarfError(kind: DwarfErrorKind, section: string, offset: number, what: string): DwarfError {
  return { kind, section, offset, what };
}

/** "section+0x…: what" — the one formatter for DWARF failures. */
export function formatDwarfError(e: DwarfError): string {
  return `${e.section}+0x${e.offset.toString(16)}: ${e.what}`;
}

/**
 * Carries a DwarfError out of the hot decoding loops (cursor reads, attribute forms). It never
 * escapes this folder: every exported entry point catches it with `capture` and returns a Result.
 */
export class DwarfFault extends Error {
  constructor(readonly error: DwarfError) {
    super(formatDwarfError(error));
  }
}

export function fault(kind: DwarfErrorKind, section: string, offset: number, what: string): never {
  throw new DwarfFault(dwarfError(kind, section, offset, what));
}

/** Run `fn`; a DwarfFault raised inside becomes an error value, anything else is a bug and propagates. */
export function capture<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: DwarfError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof DwarfFault) return { ok: false, error: e.error };
    if (e instanceof RangeError && /Invalid array length|Maximum call stack/.test(e.message)) return { ok: false, error: dwarfError('limit', '.debug_info', 0, e.message) };
    throw e;
  }
}

/**
 * What to say about DWARF features this reader does not follow: one line naming the feature and
 * what to pass instead. One place, so every path that meets them says the same.
 */
export const UNSUPPORTED_FEATURE = {
  typeUnit: 'refers to a type unit (DW_FORM_ref_sig8, from -fdebug-types-section), which pycore does not read; pass debug info built without type units, or --layouts builtin',
  dwz: 'refers into a dwz supplementary file (.gnu_debugaltlink), which pycore does not load; pass debug info not processed by dwz, or --layouts builtin',
  splitDwarf: (dwo: string | null) =>
    `split DWARF: the types are in ${dwo ? `${dwo} (a .dwo file)` : 'a .dwo/.dwp file'}, which pycore does not read (-gsplit-dwarf); pass debug info built without -gsplit-dwarf, or --layouts builtin`,
};
