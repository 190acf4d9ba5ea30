// Deciding which Python a core holds, from facts the decoders gathered (symbols, memory, names).
import { minorFromFileName, parseVersionString, versionFromHex, type PythonVersion } from './version.js';

export interface VersionFacts {
  /** Value of the `Py_Version` constant (3.11+). */
  pyVersionHex: number | null;
  /** `version` field of `_Py_DebugOffsets` (3.13+). */
  debugOffsetsHex: number | null;
  /** Text of Py_GetVersion()'s buffer, e.g. "3.9.18 (main, ...)". */
  versionString: string | null;
  /** Path of the module holding _PyRuntime (libpython3.12.so.1.0, python3.11). */
  modulePath: string;
}

export interface DetectedVersion {
  version: PythonVersion;
  /** Where it came from, for the report. */
  from: 'Py_Version' | '_Py_DebugOffsets' | 'Py_GetVersion buffer' | 'file name' | 'sys.version' | 'interpreter scan';
}

export function detectVersion(f: VersionFacts): DetectedVersion | null {
  const hex = f.pyVersionHex !== null ? versionFromHex(f.pyVersionHex) : null;
  if (hex) return { version: hex, from: 'Py_Version' };
  const dbg = f.debugOffsetsHex !== null ? versionFromHex(f.debugOffsetsHex) : null;
  if (dbg) return { version: dbg, from: '_Py_DebugOffsets' };
  const s = f.versionString ? parseVersionString(f.versionString) : null;
  if (s && (s.major === 3 || (s.major === 2 && s.minor === 7))) return { version: s, from: 'Py_GetVersion buffer' };
  const n = minorFromFileName(f.modulePath);
  if (n) return { version: { major: n.major, minor: n.minor, micro: null, level: 0xf, serial: 0 }, from: 'file name' };
  return null;
}

export type ScannedVersion = { ok: true; detected: DetectedVersion; index: number } | { ok: false; candidates: string[] };

/**
 * The version of an interpreter found by scanning memory (no binary): among the layouts whose
 * whole chain validated, the one whose sys.version names the same minor version; else the only
 * one that validated (minor version only); else undecided, listing the candidates.
 */
export function decideScannedVersion(checks: { version: PythonVersion; sysVersion: string | null }[]): ScannedVersion {
  const matching: { detected: DetectedVersion; index: number }[] = [];
  checks.forEach((c, index) => {
    const s = c.sysVersion ? parseVersionString(c.sysVersion) : null;
    if (s && s.major === c.version.major && s.minor === c.version.minor) matching.push({ detected: { version: s, from: 'sys.version' }, index });
  });
  if (matching.length === 1) return { ok: true, ...matching[0] };
  if (matching.length === 0 && checks.length === 1) return { ok: true, detected: { version: checks[0].version, from: 'interpreter scan' }, index: 0 };
  return { ok: false, candidates: checks.map((c) => `${c.version.major}.${c.version.minor}`) };
}
