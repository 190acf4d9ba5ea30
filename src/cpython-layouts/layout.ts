// A resolved layout: the offsets of every field pycore reads for one interpreter build, the
// capabilities of its version, and where the numbers came from.
import { err, ok, type Result } from '../io/result.js';
import { capabilitiesByMinor, freeThreadedCapabilities, freeThreadedMinors, type Capabilities } from './capabilities.js';
import { bitfieldSources, fieldSources, stableAbiFields, structSizes, type BitfieldName, type FieldName, type SizedStruct } from './fields.js';
import { type BitFieldLayout, type GeneratedLayout } from './generated/index.js';
import { layoutTables, tableFirstRelease, unverifiedTables } from './tables.js';
import { applyDebugOffsets } from './debug-offsets.js';
import { formatVersion, hasDebugOffsets, isSupported, minorKey, precedesHex, supportedRange, type PythonVersion } from './version.js';

export type LayoutSource = 'builtin' | 'debug-offsets' | 'dwarf';

export interface Layout {
  version: PythonVersion;
  caps: Capabilities;
  offsets: Partial<Record<FieldName, number>>;
  sizes: Partial<Record<SizedStruct, number>>;
  bitfields: Partial<Record<BitfieldName, BitFieldLayout>>;
  /** Enumerations from the build's debug info (e.g. _framestate), by enum name. */
  enums: Record<string, Record<string, number>>;
  source: LayoutSource;
  /** Fields where two sources disagreed: the preferred source's value was used. */
  mismatches: string[];
  /** Why a more trusted source was not used (e.g. "no DWARF"), for the report's warnings. */
  notes?: string[];
  /** Set when the built-in table behind this layout is not verified by any real core: why. */
  unverified?: string;
}

export type LayoutError =
  | { kind: 'unsupported-version'; version: string }
  | { kind: 'incomplete'; version: string; missing: string[]; source?: LayoutSource }
  | { kind: 'unavailable'; source: LayoutSource; reason: string }
  /** A prerelease older than the header-derived table of its version (tables.ts tableFirstRelease). */
  | { kind: 'prerelease'; version: string; why: string };

export function formatLayoutError(e: LayoutError): string {
  if (e.kind === 'unsupported-version')
    return `Python ${e.version} is not supported (pycore reads ${supportedRange()}); see \`pycore --versions\``;
  if (e.kind === 'prerelease') return `Python ${e.version} has no built-in layout: ${e.why}; pass the build's debug info (the unstripped binary, --sysroot or --debug-dir)`;
  if (e.kind === 'unavailable') return `--layouts ${e.source}: ${e.reason}; pass another --layouts source (dwarf, debug-offsets or builtin)`;
  if (e.source === 'debug-offsets') return `the built-in layout for Python ${e.version} with the core's _Py_DebugOffsets still lacks ${e.missing.join(', ')}`;
  return `the ${e.source === 'dwarf' ? 'DWARF' : 'built-in'} layout for Python ${e.version} lacks ${e.missing.join(', ')}${unverifiedTables[e.version] ? ' (this table needs the _Py_DebugOffsets of the core: do not force --layouts builtin)' : ''}`;
}

/** The offset of a field that selection has verified exists for this layout's capabilities. */
export function field(L: Layout, name: FieldName): number {
  const v = L.offsets[name];
  if (v === undefined) throw new Error(`layout for ${formatVersion(L.version)} has no ${name}`);
  return v;
}

export function size(L: Layout, name: SizedStruct): number {
  const v = L.sizes[name];
  if (v === undefined) throw new Error(`layout for ${formatVersion(L.version)} has no size for ${name}`);
  return v;
}

function resolve(g: GeneratedLayout) {
  const offsets: Partial<Record<FieldName, number>> = {};
  for (const [name, [struct, ...paths]] of Object.entries(fieldSources) as [FieldName, readonly [string, ...string[]]][]) {
    const s = g.structs[struct];
    if (!s) continue;
    for (const p of paths) {
      if (p in s.fields) {
        offsets[name] = s.fields[p];
        break;
      }
    }
  }
  const headerGrowth = (g.structs.PyObject?.size ?? 16) - 16;
  for (const [name, off] of Object.entries(stableAbiFields) as [FieldName, number][]) if (offsets[name] === undefined) offsets[name] = off + headerGrowth;
  const sizes: Partial<Record<SizedStruct, number>> = {};
  for (const s of structSizes) if (g.structs[s]) sizes[s] = g.structs[s].size;
  const bitfields: Partial<Record<BitfieldName, BitFieldLayout>> = {};
  for (const [name, path] of Object.entries(bitfieldSources) as [BitfieldName, string][]) if (g.bitfields[path]) bitfields[name] = g.bitfields[path];
  return { offsets, sizes, bitfields };
}

/** Fields each strategy needs; selection fails early rather than a decoder failing late. */
function requiredFields(c: Capabilities): FieldName[] {
  const req: FieldName[] = [
    ...(c.runtimeState.kind === 'struct' ? (['runtime.interpreters_head'] as const) : []),
    'interp.next', 'interp.threads_head', 'tstate.next', 'tstate.interp', 'tstate.thread_id',
    'code.filename', 'code.name', 'code.firstlineno', 'code.linetable', 'object.type', 'var.size', 'type.name', 'bytes.sval',
  ];
  if (c.str === 'unicode') req.push('unicode.length', 'unicode.state');
  if (c.frameModel === 'frame-object') req.push('frame.f_back', 'frame.f_code', 'frame.f_lasti', 'frame.f_lineno');
  else req.push('iframe.code', 'iframe.previous', 'iframe.instr', 'iframe.owner', 'code.code_adaptive');
  if (c.currentFrame === 'tstate.frame') req.push('tstate.frame');
  if (c.currentFrame === 'tstate.cframe.current_frame') req.push('tstate.cframe', 'cframe.current_frame');
  if (c.currentFrame === 'tstate.current_frame') req.push('tstate.current_frame');
  if (c.nativeThreadId) req.push('tstate.native_thread_id');
  if (c.refcount === 'local-shared') req.push('object.ref_local', 'object.ref_shared', 'object.gc_bits');
  return req;
}

/** Key of the built-in table for a Py_TRACE_REFS build whose object header carries the refchain links. */
export const TRACE_REFS_SUFFIX = '-trace-refs';

/** Key of the built-in table for a free-threaded build (Py_GIL_DISABLED: another object header). */
export const FREE_THREADED_SUFFIX = '-free-threaded';

/** The capabilities of one build: its version's, changed for a free-threaded build; null when unknown. */
export function capabilitiesOf(version: PythonVersion, freeThreaded: boolean): Capabilities | null {
  const key = minorKey(version);
  let caps = capabilitiesByMinor[key];
  if (!caps) return null;
  // bpo-36389's new fill bytes came to 3.7 in 3.7.4 (an unknown micro is taken for a later one).
  if (key === '3.7' && version.micro !== null && version.micro < 4) caps = { ...caps, debugFill: 'pre-3.7.4' };
  if (!freeThreaded) return caps;
  return freeThreadedMinors.includes(key) ? freeThreadedCapabilities(caps) : null;
}

/** Whether a Py_TRACE_REFS build of this version has the bigger object header (3.8-3.12). */
export function traceRefsGrowsHeader(version: PythonVersion): boolean {
  const caps = capabilitiesByMinor[minorKey(version)];
  return caps !== undefined && caps.refchain !== 'hashtable';
}

export interface BuiltinLayoutOptions {
  /** A Py_TRACE_REFS build: its own table where the object header grew. */
  traceRefs?: boolean;
  /** false when `_Py_DebugOffsets` will fill fields in (then check with missingFields). */
  requireAll?: boolean;
  /** A free-threaded build (Py_GIL_DISABLED): its own table and capabilities. */
  freeThreaded?: boolean;
}

export function builtinLayout(version: PythonVersion, { traceRefs = false, requireAll = true, freeThreaded = false }: BuiltinLayoutOptions = {}): Result<Layout, LayoutError> {
  const key = minorKey(version) + (freeThreaded ? FREE_THREADED_SUFFIX : traceRefs && traceRefsGrowsHeader(version) ? TRACE_REFS_SUFFIX : '');
  const g = layoutTables[key];
  if (!g && freeThreaded)
    return err({ kind: 'unavailable', source: 'builtin', reason: `no built-in layout for a free-threaded build of ${minorKey(version)} (its objects have another header); pass the build's debug info (the unstripped binary or --debug-dir)` });
  if (!g && key !== minorKey(version))
    return err({ kind: 'unavailable', source: 'builtin', reason: `no built-in layout for a Py_TRACE_REFS build of ${minorKey(version)} (its objects have a bigger header); pass the build's debug info (the unstripped libpython or --debug-dir)` });
  if (!g) return err({ kind: 'unsupported-version', version: formatVersion(version) });
  const first = tableFirstRelease[key];
  if (first && precedesHex(version, first.hex))
    return err({ kind: 'prerelease', version: formatVersion(version), why: first.why });
  const L = layoutFromTables(version, g, 'builtin', requireAll, freeThreaded);
  const unverified = unverifiedTables[key];
  return L.ok && unverified ? ok({ ...L.value, unverified }) : L;
}

/** Fields this layout's capabilities need that it lacks. */
export function missingFields(L: Layout): FieldName[] {
  return requiredFields(L.caps).filter((f) => L.offsets[f] === undefined);
}

/** A layout from tables of the GeneratedLayout shape: the built-in ones, or a build's own DWARF. */
export function layoutFromTables(version: PythonVersion, g: GeneratedLayout, source: LayoutSource, requireAll = true, freeThreaded = false): Result<Layout, LayoutError> {
  const key = minorKey(version);
  const caps = capabilitiesOf(version, freeThreaded);
  if (!caps || !isSupported(version)) return err({ kind: 'unsupported-version', version: formatVersion(version) + (freeThreaded ? ' (free-threaded)' : '') });
  const { offsets, sizes, bitfields } = resolve(g);
  const missing = requiredFields(caps).filter((f) => offsets[f] === undefined);
  if (requireAll && missing.length > 0) return err({ kind: 'incomplete', version: key, missing, source });
  return ok({ version, caps, offsets, sizes, bitfields, enums: g.enums, source, mismatches: [] });
}

export type LayoutChoice = LayoutSource;

/** What the caller found about one interpreter; selection below decides what to use. */
export interface LayoutFacts {
  version: PythonVersion;
  /** The build's own tables from its DWARF (computed on demand; Err says why there are none). */
  dwarf: () => Result<GeneratedLayout, string>;
  /** The `_Py_DebugOffsets` struct read from the start of `_PyRuntime` (3.13+), or null. */
  debugOffsets: Buffer | null;
  /** --layouts: use exactly this source or fail. */
  force?: LayoutChoice;
  /** A Py_TRACE_REFS build (from its symbols): 3.8-3.12 need a table with the bigger object header. */
  traceRefs?: boolean;
  /** A free-threaded build (the _Py_DebugOffsets flag or the binary's name). */
  freeThreaded?: boolean;
}

/**
 * Order of preference: DWARF (describes this very build, every field), then `_Py_DebugOffsets`
 * over the built-in table (3.13+), then the built-in table. Disagreements between DWARF and
 * `_Py_DebugOffsets` are recorded as mismatches; why a preferred source was passed over is a note.
 */
export function selectLayout(f: LayoutFacts): Result<Layout, LayoutError> {
  const notes: string[] = [];
  const traceRefs = f.traceRefs === true;
  const freeThreaded = f.freeThreaded === true;
  if (f.force === 'builtin') return builtinLayout(f.version, { traceRefs, freeThreaded });
  if (f.force === undefined || f.force === 'dwarf') {
    const g = f.dwarf();
    let L = g.ok ? layoutFromTables(f.version, g.value, 'dwarf', true, freeThreaded) : null;
    // Debug info of a GIL build says nothing of this free-threaded one's object header.
    if (L?.ok && freeThreaded && L.value.offsets['object.ref_local'] === undefined)
      L = err({ kind: 'incomplete', version: minorKey(f.version), missing: ['PyObject.ob_ref_local (the debug info is not of this free-threaded build)'], source: 'dwarf' });
    // Debug info that lacks the refchain links describes another build than this Py_TRACE_REFS one.
    if (L?.ok && traceRefs && traceRefsGrowsHeader(f.version) && L.value.offsets['object.next'] === undefined)
      L = err({ kind: 'incomplete', version: minorKey(f.version), missing: ['PyObject._ob_next (the debug info is not of this Py_TRACE_REFS build)'], source: 'dwarf' });
    if (L?.ok) {
      if (!f.debugOffsets) return L;
      const cross = applyDebugOffsets(L.value, f.debugOffsets, 'DWARF');
      return ok({ ...L.value, mismatches: cross.mismatches });
    }
    const why = !g.ok ? g.error : L && !L.ok ? formatLayoutError(L.error) : 'no layout';
    if (f.force === 'dwarf') return err({ kind: 'unavailable', source: 'dwarf', reason: why });
    notes.push(`layouts not from DWARF: ${why}`);
  }
  const base = builtinLayout(f.version, { traceRefs, freeThreaded, requireAll: !f.debugOffsets });
  if (!base.ok) return base;
  if (f.debugOffsets) {
    const L = applyDebugOffsets(base.value, f.debugOffsets, 'table');
    const missing = missingFields(L);
    if (missing.length > 0) return err({ kind: 'incomplete', version: minorKey(f.version), missing, source: 'debug-offsets' });
    return ok({ ...L, notes: [...(L.notes ?? []), ...notes] });
  }
  if (f.force === 'debug-offsets') return err({ kind: 'unavailable', source: 'debug-offsets', reason: 'no _Py_DebugOffsets in this core (Python 3.13+ publishes them at the start of _PyRuntime)' });
  return ok({ ...base.value, notes });
}

export function knownMinorVersions(): string[] {
  return Object.keys(layoutTables).filter((k) => !k.endsWith(TRACE_REFS_SUFFIX) && !k.endsWith(FREE_THREADED_SUFFIX));
}

/**
 * Built-in layouts a memory scan can try when nothing says which version a core is: the versions
 * without _Py_DebugOffsets (3.13+ are found by their cookie instead), micro version unknown.
 */
export function scanCandidateLayouts(): Layout[] {
  const out: Layout[] = [];
  for (const key of knownMinorVersions()) {
    const [major, minor] = key.split('.').map(Number);
    const version: PythonVersion = { major, minor, micro: null, level: 0xf, serial: 0 };
    if (hasDebugOffsets(version)) continue;
    // The scan looks for the runtime struct's interpreter list; 2.7/3.6 keep it in a static.
    if (capabilitiesByMinor[key]?.runtimeState.kind !== 'struct') continue;
    const L = builtinLayout(version);
    if (L.ok) out.push(L.value);
  }
  return out;
}
