// Python versions, and the only place in pycore where version numbers are compared.
export interface PythonVersion {
  major: number;
  minor: number;
  /** null when only the minor version could be established. */
  micro: number | null;
  /** 0xA alpha, 0xB beta, 0xC candidate, 0xF final. */
  level: number;
  serial: number;
}

export function versionFromHex(hex: number): PythonVersion | null {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  const level = (hex >>> 4) & 0xf;
  const serial = hex & 0xf;
  if (major !== 3 || minor > 40 || ![0xa, 0xb, 0xc, 0xf].includes(level)) return null;
  return { major, minor, micro, level, serial };
}

export function parseVersionString(s: string): PythonVersion | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(a|b|rc)(\d+))?/.exec(s);
  if (!m) return null;
  const level = m[4] === 'a' ? 0xa : m[4] === 'b' ? 0xb : m[4] === 'rc' ? 0xc : 0xf;
  return { major: +m[1], minor: +m[2], micro: m[3] === undefined ? null : +m[3], level, serial: m[5] ? +m[5] : 0 };
}

export function formatVersion(v: PythonVersion): string {
  const base = `${v.major}.${v.minor}${v.micro === null ? '' : `.${v.micro}`}`;
  const suffix = v.level === 0xa ? 'a' : v.level === 0xb ? 'b' : v.level === 0xc ? 'rc' : '';
  return suffix ? `${base}${suffix}${v.serial}` : base;
}

/** Whether `v` is a release before the one PY_VERSION_HEX `hex` names (an unknown micro is taken for a later one). */
export function precedesHex(v: PythonVersion, hex: number): boolean {
  if (v.micro === null) return false;
  const own = ((v.major << 24) | (v.minor << 16) | (v.micro << 8) | (v.level << 4) | v.serial) >>> 0;
  return own < hex;
}

export function minorKey(v: PythonVersion): string {
  return `${v.major}.${v.minor}`;
}

export const OLDEST_SUPPORTED = { major: 3, minor: 6 };
export const NEWEST_SUPPORTED = { major: 3, minor: 15 };

export function isSupported(v: PythonVersion): boolean {
  if (v.major === 2) return v.minor === 7;
  const n = v.major * 100 + v.minor;
  return n >= OLDEST_SUPPORTED.major * 100 + OLDEST_SUPPORTED.minor && n <= NEWEST_SUPPORTED.major * 100 + NEWEST_SUPPORTED.minor;
}

/** The versions pycore reads, for messages ("2.7 and 3.6 to 3.15"). */
export function supportedRange(): string {
  return `2.7 and ${OLDEST_SUPPORTED.major}.${OLDEST_SUPPORTED.minor} to ${NEWEST_SUPPORTED.major}.${NEWEST_SUPPORTED.minor}`;
}

/** Versions that carry `_Py_DebugOffsets` at the start of `_PyRuntime`. */
export function hasDebugOffsets(v: PythonVersion): boolean {
  return v.major * 100 + v.minor >= 313;
}

/** The minor version a file name implies: libpython3.12.so.1.0, python3.12, libpython3.13t.so. */
export function minorFromFileName(path: string): { major: number; minor: number; flags: string } | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const m = /^(?:lib)?python(\d)\.(\d+)([dmut]*)(?:\.so(?:\.[\d.]+)?)?$/.exec(base);
  return m ? { major: +m[1], minor: +m[2], flags: m[3] } : null;
}
