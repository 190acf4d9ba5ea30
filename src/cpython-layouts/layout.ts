// A resolved layout: the offsets of every field pycore reads for one interpreter build, the
// capabilities of its version, and where the numbers came from.
import { err, ok, type Result } from '../io/result.js';
import { capabilitiesByMinor, type Capabilities } from './capabilities.js';
import { bitfieldSources, fieldSources, stableAbiFields, structSizes, type BitfieldName, type FieldName, type SizedStruct } from './fields.js';
import { generatedLayouts, type BitFieldLayout, type GeneratedLayout } from './generated/index.js';
import { formatVersion, isSupported, minorKey, type PythonVersion } from './version.js';

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
}

export type LayoutError =
  | { kind: 'unsupported-version'; version: string }
  | { kind: 'incomplete'; version: string; missing: string[] };

export function formatLayoutError(e: LayoutError): string {
  if (e.kind === 'unsupported-version')
    return `Python ${e.version} is not supported (pycore reads 3.8 to 3.13); see \`pycore --versions\``;
  return `the built-in layout for Python ${e.version} lacks ${e.missing.join(', ')}`;
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
  for (const [name, off] of Object.entries(stableAbiFields) as [FieldName, number][]) if (offsets[name] === undefined) offsets[name] = off;
  const sizes: Partial<Record<SizedStruct, number>> = {};
  for (const s of structSizes) if (g.structs[s]) sizes[s] = g.structs[s].size;
  const bitfields: Partial<Record<BitfieldName, BitFieldLayout>> = {};
  for (const [name, path] of Object.entries(bitfieldSources) as [BitfieldName, string][]) if (g.bitfields[path]) bitfields[name] = g.bitfields[path];
  return { offsets, sizes, bitfields };
}

/** Fields each strategy needs; selection fails early rather than a decoder failing late. */
function requiredFields(c: Capabilities): FieldName[] {
  const req: FieldName[] = [
    'runtime.interpreters_head', 'interp.next', 'interp.threads_head', 'tstate.next', 'tstate.interp', 'tstate.thread_id',
    'code.filename', 'code.name', 'code.firstlineno', 'code.linetable', 'object.type', 'var.size', 'type.name', 'unicode.length', 'unicode.state', 'bytes.sval',
  ];
  if (c.frameModel === 'frame-object') req.push('frame.f_back', 'frame.f_code', 'frame.f_lasti', 'frame.f_lineno');
  else req.push('iframe.code', 'iframe.previous', 'iframe.instr', 'iframe.owner', 'code.code_adaptive');
  if (c.currentFrame === 'tstate.frame') req.push('tstate.frame');
  if (c.currentFrame === 'tstate.cframe.current_frame') req.push('tstate.cframe', 'cframe.current_frame');
  if (c.currentFrame === 'tstate.current_frame') req.push('tstate.current_frame');
  if (c.nativeThreadId) req.push('tstate.native_thread_id');
  return req;
}

export function builtinLayout(version: PythonVersion): Result<Layout, LayoutError> {
  const key = minorKey(version);
  const g = generatedLayouts[key];
  const caps = capabilitiesByMinor[key];
  if (!g || !caps || !isSupported(version)) return err({ kind: 'unsupported-version', version: formatVersion(version) });
  const { offsets, sizes, bitfields } = resolve(g);
  const missing = requiredFields(caps).filter((f) => offsets[f] === undefined);
  if (missing.length > 0) return err({ kind: 'incomplete', version: key, missing });
  return ok({ version, caps, offsets, sizes, bitfields, enums: g.enums, source: 'builtin', mismatches: [] });
}

export function knownMinorVersions(): string[] {
  return Object.keys(generatedLayouts);
}
