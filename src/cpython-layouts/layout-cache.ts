// Layouts extracted from an interpreter's DWARF, cached per build-id under the cache directory
// ($XDG_CACHE_HOME/pycore/layouts/<build-id>.<spec>.json), so that the second analysis of a core
// from the same build skips the DWARF entirely. The key includes a hash of what is extracted
// (STRUCT_SPECS, ELEM_SIZE, ENUM_SPECS): changing that list invalidates old entries.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dwarf } from '../dwarf/dwarf.js';
import { err, ok, type Result } from '../io/result.js';
import { xxh32 } from '../io/xxhash32.js';
import { ELEM_SIZE, ENUM_SPECS, formatExtractionError, layoutFromDwarf, STRUCT_SPECS } from './from-dwarf.js';
import type { GeneratedLayout } from './generated/types.js';

const MAX_CACHE_BYTES = 16 * 1024 * 1024;

// A checksum, not a digest: it only tells spec lists apart (and node's crypto costs every run a few ms to load).
export const specHash = xxh32(Buffer.from(JSON.stringify({ STRUCT_SPECS, ELEM_SIZE, ENUM_SPECS, v: 1 }))).toString(16).padStart(8, '0');

export function layoutCachePath(cacheRoot: string, buildId: string): string {
  return join(cacheRoot, 'layouts', `${buildId}.${specHash}.json`);
}

function isLayout(x: unknown): x is GeneratedLayout {
  const g = x as GeneratedLayout;
  return Boolean(g && typeof g === 'object' && typeof g.version === 'string' && g.structs && typeof g.structs === 'object' && g.bitfields && typeof g.bitfields === 'object' && g.enums && typeof g.enums === 'object' && Object.values(g.structs).every((s) => s && typeof s.size === 'number' && s.fields && Object.values(s.fields).every((v) => typeof v === 'number')));
}

export function readCachedLayout(cacheRoot: string, buildId: string): GeneratedLayout | null {
  if (!/^[0-9a-f]{8,80}$/.test(buildId)) return null;
  try {
    const text = readFileSync(layoutCachePath(cacheRoot, buildId), 'utf8');
    if (text.length > MAX_CACHE_BYTES) return null;
    const g: unknown = JSON.parse(text);
    return isLayout(g) && g.generatedFrom?.buildId === buildId ? g : null;
  } catch {
    return null;
  }
}

/** Best effort: a cache that cannot be written only costs the next run the extraction. */
export function writeCachedLayout(cacheRoot: string, buildId: string, g: GeneratedLayout): void {
  if (!/^[0-9a-f]{8,80}$/.test(buildId)) return;
  const path = layoutCachePath(cacheRoot, buildId);
  try {
    mkdirSync(join(cacheRoot, 'layouts'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(g));
    renameSync(tmp, path);
  } catch {
    // read-only or full cache directory
  }
}

export interface DwarfLayoutRequest {
  cacheRoot: string;
  buildId: string;
  /** "3.12" */
  version: string;
  micro: string;
  binary: string;
  /** Opens the DWARF only on a cache miss; Err says why there is none. */
  open: () => Result<Dwarf, string>;
}

/** The layout of one build from its DWARF, through the per-build-id cache. */
export function dwarfLayoutCached(r: DwarfLayoutRequest): Result<{ layout: GeneratedLayout; cached: boolean }, string> {
  const hit = readCachedLayout(r.cacheRoot, r.buildId);
  if (hit && hit.version === r.version) return ok({ layout: hit, cached: true });
  const d = r.open();
  if (!d.ok) return d;
  const g = layoutFromDwarf(d.value, { version: r.version, micro: r.micro, binary: r.binary, buildId: r.buildId });
  if (!g.ok) return err(`malformed DWARF in ${r.binary}: ${formatExtractionError(g.error)}`);
  writeCachedLayout(r.cacheRoot, r.buildId, g.value);
  return ok({ layout: g.value, cached: false });
}
