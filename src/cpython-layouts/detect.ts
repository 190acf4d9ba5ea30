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
  from: 'Py_Version' | '_Py_DebugOffsets' | 'Py_GetVersion buffer' | 'file name';
}

export function detectVersion(f: VersionFacts): DetectedVersion | null {
  const hex = f.pyVersionHex !== null ? versionFromHex(f.pyVersionHex) : null;
  if (hex) return { version: hex, from: 'Py_Version' };
  const dbg = f.debugOffsetsHex !== null ? versionFromHex(f.debugOffsetsHex) : null;
  if (dbg) return { version: dbg, from: '_Py_DebugOffsets' };
  const s = f.versionString ? parseVersionString(f.versionString) : null;
  if (s && s.major === 3) return { version: s, from: 'Py_GetVersion buffer' };
  const n = minorFromFileName(f.modulePath);
  if (n) return { version: { major: n.major, minor: n.minor, micro: null, level: 0xf, serial: 0 }, from: 'file name' };
  return null;
}
