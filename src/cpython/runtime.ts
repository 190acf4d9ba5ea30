// Finding the interpreter in a target: the module that defines _PyRuntime, its version and
// build flavour, and the layout to decode it with.
import { debugOffsetsSize, parseDebugOffsetsHeader, type DebugOffsetsHeader } from '../cpython-layouts/debug-offsets.js';
import { scanForDebugOffsets } from './runtime-scan.js';
import { PT_LOAD } from '../elf/constants.js';
import { scanForInterpreterState } from './interpreter-scan.js';
import { dwarfLayoutCached } from '../cpython-layouts/layout-cache.js';
import { decideScannedVersion, detectVersion, type DetectedVersion } from '../cpython-layouts/detect.js';
import { formatLayoutError, scanCandidateLayouts, selectLayout, type Layout, type LayoutChoice } from '../cpython-layouts/layout.js';
import type { GeneratedLayout } from '../cpython-layouts/generated/types.js';
import type { RuntimeStatics } from '../cpython-layouts/capabilities.js';
import { formatVersion, hasDebugOffsets, minorFromFileName, minorKey } from '../cpython-layouts/version.js';
import { cacheDir } from '../io/cache-dir.js';
import { err, ok, type Result } from '../io/result.js';
import { openDebugInfo } from '../target/debug-info.js';
import type { Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import { Reader } from './reader.js';

export type BuildFlavour = 'release' | 'debug' | 'trace-refs' | 'free-threaded';

export interface PythonRuntime {
  /** The module holding the interpreter; with `foundBy: 'scan'` its file may be missing. */
  module: Module;
  /** How _PyRuntime was found: its symbol, or a scan of memory for _Py_DebugOffsets (no binary). */
  foundBy: 'symbol' | 'scan';
  /** With `foundBy: 'scan'`: what was scanned for (the 3.13+ cookie, or an interpreter state before 3.13). */
  scannedFor?: '_Py_DebugOffsets' | 'interpreter state';
  /** Address of _PyRuntime; for versions without it (2.7, 3.6), of the static interpreter list head. */
  runtimeAddress: number;
  /** Versions without _PyRuntime: addresses of the statics that hold its roots (those found). */
  statics: Partial<Record<keyof RuntimeStatics, number>>;
  detected: DetectedVersion;
  build: BuildFlavour;
  layout: Layout;
  reader: Reader;
}

export type RuntimeError =
  | { kind: 'no-python'; detail: string }
  | { kind: 'python-module-missing'; module: string; detail: string }
  | { kind: 'unknown-version'; module: string }
  | { kind: 'unsupported'; detail: string };

/** The cut of a truncated core, as the one-line reason a command fails with. */
export function truncationCause(t: { present: number; expected: number }, what: string): string {
  return `the core is truncated (${t.present} of ${t.expected} bytes present) and ${what}; pass the whole core (check \`ulimit -c\`, free disk space, and systemd-coredump's ProcessSizeMax/ExternalSizeMax)`;
}

/** The one-line reason; in a truncated core where no interpreter was found, the cut comes first. */
export function formatRuntimeError(e: RuntimeError, truncated: { present: number; expected: number } | null = null): string {
  switch (e.kind) {
    case 'no-python':
      if (truncated) return truncationCause(truncated, `no Python interpreter was found in what is left (${e.detail}): it may lie past the cut`);
      return `no Python interpreter found in this core (${e.detail}); pass a core of a Python process`;
    case 'python-module-missing':
      return `the Python interpreter ${e.module} is needed but ${e.detail}; pass it with --executable PATH, --lib-path DIR or --sysroot DIR`;
    case 'unknown-version':
      return `cannot tell which Python version ${e.module} is; pass a binary with symbols (--executable/--lib-path)`;
    case 'unsupported':
      return e.detail;
  }
}

function looksLikePython(m: Module): boolean {
  return minorFromFileName(m.path) !== null;
}

export interface RuntimeOptions {
  /** --layouts: use exactly this layout source. */
  layouts?: LayoutChoice;
  /** Where extracted layouts are cached (default: the user's cache directory). */
  cacheRoot?: string;
}

export function findRuntime(target: Target, options: RuntimeOptions = {}): Result<PythonRuntime, RuntimeError> {
  const reader = new Reader(target.memory);
  // The executable first (static builds), then modules named like Python, then the rest.
  const ordered = [...target.modules].sort((a, b) => rank(a) - rank(b));
  let missingPython: Module | null = null;
  for (const m of ordered) {
    if (!m.elf) {
      if (looksLikePython(m) && !missingPython) missingPython = m;
      continue;
    }
    const rt = target.symbolAddress(m, '_PyRuntime') ?? oldRuntimeSymbol(target, m);
    if (!rt) continue;
    return describe(target, reader, m, rt.address, options);
  }
  // No binary defines _PyRuntime: 3.13+ publish _Py_DebugOffsets at its start, findable by
  // scanning; before 3.13, an interpreter state whose thread states point back at it, validated
  // down to frames. A file name that tells the minor version picks which scan runs first.
  const named = missingPython ? minorFromFileName(missingPython.path) : null;
  const holder = missingPython ?? target.executable ?? target.modules[0];
  const cookieScan = () => {
    if (options.layouts === 'dwarf' || !holder) return null;
    const hits = scanForDebugOffsets(target, 1);
    return hits.length > 0 ? describeScanned(reader, staticOwner(target, hits[0].address) ?? holder, hits[0].address, hits[0].header, options) : null;
  };
  const stateScan = () => ((options.layouts === undefined || options.layouts === 'builtin') && holder ? describeInterpreterScan(target, reader, holder, options) : null);
  const olderFirst = named !== null && !hasDebugOffsets({ major: named.major, minor: named.minor, micro: null, level: 0xf, serial: 0 });
  for (const scan of olderFirst ? [stateScan, cookieScan] : [cookieScan, stateScan]) {
    const found = scan();
    if (found) return found;
  }
  if (missingPython) return err({ kind: 'python-module-missing', module: missingPython.path, detail: whyMissing(target, missingPython) });
  const names = target.modules.map((m) => m.path.split('/').pop()).slice(0, 4).join(', ');
  return err({ kind: 'no-python', detail: `no mapped file defines _PyRuntime${names ? `; mapped: ${names}${target.modules.length > 4 ? ', ...' : ''}` : ''}` });
}

/**
 * 2.7 and 3.6 have no _PyRuntime: pystate.c's static `interp_head` stands for it, in a module
 * that also exports _PyThreadState_Current (so an unrelated library's `interp_head` is not taken).
 */
function oldRuntimeSymbol(target: Target, m: Module): { address: number } | null {
  if (!target.symbolAddress(m, '_PyThreadState_Current', true)) return null;
  return target.symbolAddress(m, 'interp_head');
}

/** Addresses of the statics a version without _PyRuntime keeps its roots in. */
function resolveStatics(target: Target, m: Module, layout: Layout): PythonRuntime['statics'] {
  const out: PythonRuntime['statics'] = {};
  const rs = layout.caps.runtimeState;
  if (rs.kind !== 'statics') return out;
  for (const [root, name] of Object.entries(rs.symbols) as [keyof RuntimeStatics, string | null][]) {
    const a = name ? target.symbolAddress(m, name) : null;
    if (a) out[root] = a.address;
  }
  return out;
}

/** Why a module's file is not available locally, for messages. */
export function whyMissing(target: Target, m: Module): string {
  if (m.status.kind === 'mismatch') return `no local copy matches its build-id ${m.coreBuildId}`;
  if (m.status.kind === 'loaded') return `${m.path} defines no _PyRuntime symbol`;
  return `${m.path} was not found${target.modules.some((x) => x.status.kind === 'loaded' && x.status.how === 'sysroot') ? ' under --sysroot' : ''}`;
}

function rank(m: Module): number {
  if (m.isExecutable) return 0;
  if (looksLikePython(m)) return 1;
  return 2;
}

function describe(target: Target, reader: Reader, m: Module, runtimeAddress: number, options: RuntimeOptions): Result<PythonRuntime, RuntimeError> {
  const pyVersion = target.symbolAddress(m, 'Py_Version');
  const pyVersionHex = pyVersion ? reader.u32(pyVersion.address) : null;
  const head = reader.bytes(runtimeAddress, 24);
  const dbgHeader = head ? parseDebugOffsetsHeader(head) : null;
  // Py_GetVersion()'s buffer is a local static: look for it (parsing .symtab) only before 3.11,
  // when neither Py_Version nor _Py_DebugOffsets exists.
  const versionBuffer = pyVersionHex === null && !dbgHeader ? (target.symbolAddress(m, 'version.0') ?? target.symbolAddress(m, 'version')) : null;
  const versionString = versionBuffer && versionBuffer.size === 250 ? reader.cString(versionBuffer.address, 250) : null;
  const detected = detectVersion({ pyVersionHex, debugOffsetsHex: dbgHeader?.hex ?? null, versionString, modulePath: m.path });
  if (!detected) return err({ kind: 'unknown-version', module: m.path });

  // All of these are exported API: .dynsym answers, without parsing .symtab.
  const has = (name: string) => target.symbolAddress(m, name, true) !== null;
  const name = minorFromFileName(m.path);
  let build: BuildFlavour = 'release';
  if (dbgHeader?.freeThreaded || name?.flags.includes('t')) build = 'free-threaded';
  // _Py_ForgetReference exists only in Py_TRACE_REFS builds (3.12 no longer exports _Py_PrintReferences).
  else if (has('_Py_ForgetReference') || has('_Py_PrintReferences')) build = 'trace-refs';
  else if (has('_Py_RefTotal') || has('_Py_GetGlobalRefTotal') || has('_Py_NegativeRefcount') || name?.flags.includes('d')) build = 'debug';

  const n = hasDebugOffsets(detected.version) && dbgHeader ? debugOffsetsSize(detected.version) : null;
  const debugOffsets = n ? reader.bytes(runtimeAddress, n) : null;
  const layout = selectLayout({
    version: detected.version,
    debugOffsets,
    force: options.layouts,
    traceRefs: build === 'trace-refs',
    freeThreaded: build === 'free-threaded',
    dwarf: () => dwarfLayoutOf(target, m, detected.version, options),
  });
  if (!layout.ok) return err({ kind: 'unsupported', detail: formatLayoutError(layout.error) });
  return ok({ module: m, foundBy: 'symbol', runtimeAddress, statics: resolveStatics(target, m, layout.value), detected, build, layout: layout.value, reader });
}

function describeScanned(reader: Reader, m: Module, runtimeAddress: number, header: DebugOffsetsHeader, options: RuntimeOptions): Result<PythonRuntime, RuntimeError> {
  const n = debugOffsetsSize(header.version);
  const debugOffsets = n ? reader.bytes(runtimeAddress, n) : null;
  const layout = selectLayout({ version: header.version, debugOffsets, force: options.layouts, freeThreaded: header.freeThreaded, dwarf: () => err('no binary with debug info') });
  if (!layout.ok) return err({ kind: 'unsupported', detail: formatLayoutError(layout.error) });
  // Without the binary, whether this is a debug build cannot be told; the published offsets still hold.
  return ok({ module: m, foundBy: 'scan', scannedFor: '_Py_DebugOffsets', runtimeAddress, statics: {}, detected: { version: header.version, from: '_Py_DebugOffsets' }, build: header.freeThreaded ? 'free-threaded' : 'release', layout: layout.value, reader });
}

/** 3.8-3.12 with no binary: the scan of writable memory (src/cpython/interpreter-scan.ts); null when it found nothing. */
function describeInterpreterScan(target: Target, reader: Reader, m: Module, options: RuntimeOptions): Result<PythonRuntime, RuntimeError> | null {
  const scan = scanForInterpreterState(target, reader, scanCandidateLayouts(), m);
  if (!scan.hit) return null;
  const { runtimeAddress, checks } = scan.hit;
  const decided = decideScannedVersion(checks.map((c) => ({ version: c.layout.version, sysVersion: c.sysVersion })));
  if (!decided.ok)
    return err({
      kind: 'unsupported',
      detail: `an interpreter found by scanning memory at 0x${runtimeAddress.toString(16)} decodes as Python ${decided.candidates.join(' and ')} alike and nothing in memory tells which; pass the interpreter binary with --executable PATH, --lib-path DIR or --sysroot DIR`,
    });
  const layout = selectLayout({ version: decided.detected.version, debugOffsets: null, force: options.layouts, dwarf: () => err('no binary with debug info') });
  if (!layout.ok) return err({ kind: 'unsupported', detail: formatLayoutError(layout.error) });
  return ok({ module: staticOwner(target, runtimeAddress) ?? m, foundBy: 'scan', scannedFor: 'interpreter state', runtimeAddress, statics: {}, detected: decided.detected, build: 'release', layout: layout.value, reader });
}

/**
 * The module a static variable found by a scan belongs to: the one whose data mapping holds the
 * segment, or whose end the segment (.bss) starts at. A shared build's runtime lives in
 * libpython, not in the executable the scan was started from.
 */
function staticOwner(target: Target, address: number): Module | null {
  const seg = target.core.segments.find((p) => p.type === PT_LOAD && address >= p.vaddr && address < p.vaddr + p.memsz);
  if (!seg) return null;
  return target.modules.find((m) => seg.vaddr >= m.start && seg.vaddr <= m.end) ?? null;
}

/** The interpreter module's own layout from its DWARF (or its separate debug file), via the cache. */
function dwarfLayoutOf(target: Target, m: Module, version: DetectedVersion['version'], options: RuntimeOptions): Result<GeneratedLayout, string> {
  if (m.status.kind !== 'loaded' || !m.elf) return err(`${m.path} is not available locally`);
  const elf = m.elf;
  const buildId = elf.buildId() ?? m.coreBuildId;
  if (!buildId) return err(`${m.path} has no build-id to key its layout by`);
  const localPath = m.status.localPath;
  let close = () => {};
  const r = dwarfLayoutCached({
    cacheRoot: options.cacheRoot ?? cacheDir(),
    buildId,
    version: minorKey(version),
    micro: formatVersion(version),
    binary: m.path,
    open: () => {
      const d = openDebugInfo(localPath, elf, target.debugDirs, m.path);
      if (!d.ok) return d;
      close = d.value.close;
      return ok(d.value.dwarf);
    },
  });
  close();
  return r.ok ? ok(r.value.layout) : r;
}
