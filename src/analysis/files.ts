// `pycore files`: every ELF file the crashed process had mapped (as the core's NT_FILE note names
// them), what the analysis uses it for, the build-id the core recorded for it, and whether a
// matching local file was found and where — so a user can fetch exactly what is missing from the
// machine or image the core came from.
import { minorFromFileName } from '../cpython-layouts/version.js';
import { FileLocator, type Candidate } from '../target/file-locator.js';
import { moduleBaseName, type Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import { debugFileCandidates, findDebugFile, hasDwarf } from '../target/debug-info.js';
import type { ElfFile } from '../elf/elf-file.js';
import { NativeUnwinder } from '../target/unwind.js';

export type FileRole = 'executable' | 'interpreter' | 'libc' | 'dynamic-loader' | 'extension-module' | 'library';

export type FoundHow = Candidate['how'];

export interface FileEntry {
  /** The path as the core recorded it. */
  path: string;
  role: FileRole;
  /** This file defines _PyRuntime (libpython, or a statically linked python executable). */
  holds_interpreter: boolean;
  /** Without it no Python state can be shown (the interpreter); the others improve symbols and the crash site. */
  required: boolean;
  needed_for: string[];
  /** The build-id read from the file's headers in the core; null when the core did not keep them. */
  build_id: string | null;
  status: 'found' | 'missing' | 'mismatch';
  found: { path: string; how: FoundHow; verified: boolean } | null;
  /** Local files that were looked at and refused because their build-id differs. */
  rejected: { path: string; build_id: string | null }[];
  /** Every place looked at, in order. */
  looked_at: { path: string; how: FoundHow }[];
  /**
   * DWARF for the found file (types for layouts, line tables for native frames): in the file
   * itself, in a separate debug file under a debug directory (or by .gnu_debuglink), or none;
   * with every debug-file place looked at.
   */
  debug_info: { file: string | null; embedded: boolean; looked_at: string[]; provides: DebugProvision[] } | null;
}

/** What a file's debug information gives the analysis, from the sections it has. */
export type DebugProvision = 'function-names' | 'inlined-calls' | 'types' | 'line-tables' | 'symbol-table' | 'call-frame-info' | 'variable-locations';

function provisions(elf: ElfFile): DebugProvision[] {
  const has = (n: string) => Boolean(elf.section(n) ?? elf.section(`.z${n.slice(1)}`));
  const out: DebugProvision[] = [];
  // .debug_info holds the subprograms (names, inlined calls) and the types together.
  if (has('.debug_info')) out.push('function-names', 'inlined-calls', 'types');
  if (has('.debug_line')) out.push('line-tables');
  if (elf.section('.symtab')) out.push('symbol-table');
  if (has('.debug_frame')) out.push('call-frame-info');
  if (has('.debug_loc') || has('.debug_loclists')) out.push('variable-locations');
  return out;
}

function debugInfoOf(localPath: string, elf: ElfFile, debugDirs: readonly string[], original: string): FileEntry['debug_info'] {
  if (hasDwarf(elf)) return { file: localPath, embedded: true, looked_at: [], provides: provisions(elf) };
  const candidates = debugFileCandidates(localPath, elf, debugDirs, original);
  const found = findDebugFile(localPath, elf, debugDirs, original, hasDwarf);
  const provides = found ? provisions(found.elf) : [];
  found?.close();
  return { file: found?.file ?? null, embedded: false, looked_at: candidates, provides };
}

export interface FilesReport {
  core: string;
  search: { executable: string | null; sysroot: string | null; lib_paths: string[]; debug_dirs: string[] };
  files: FileEntry[];
  /** Paths (as in the core) of the files that are missing or whose local copy does not match. */
  missing: string[];
  warnings: string[];
}

const EXTENSION = /\.(cpython-\d+[^/]*|abi3)\.so$/;

export function roleOf(m: Module, holdsInterpreter: boolean): FileRole {
  const base = moduleBaseName(m);
  if (m.isExecutable) return 'executable';
  if (holdsInterpreter || /^libpython\d/.test(base)) return 'interpreter';
  if (/^ld-linux[^/]*\.so|^ld-[\d.]+\.so$|^ld64\.so|^ld-musl/.test(base)) return 'dynamic-loader';
  if (/^libc\.so|^libc-[\d.]+\.so$/.test(base)) return 'libc';
  if (EXTENSION.test(base) || m.path.includes('/lib-dynload/')) return 'extension-module';
  return 'library';
}

/** The module that holds the interpreter: it defines _PyRuntime, or (when not found locally) it is named like Python. */
function interpreterModule(target: Target): Module | null {
  const withSymbol = target.modules.find((m) => m.elf && target.symbolAddress(m, '_PyRuntime'));
  if (withSymbol) return withSymbol;
  return target.modules.find((m) => !m.elf && minorFromFileName(m.path) !== null) ?? null;
}

/** The module the crashing thread's pc lies in, and the name the analysis gives that function (null: none). */
function crashModule(target: Target): { module: Module; name: string | null } | null {
  const sig = target.notes.signal?.signo ?? 0;
  const t = target.threads.find((x) => x.signal === sig && sig !== 0 && sig !== 19);
  const pc = t ? target.programCounter(t) : null;
  const module = pc === null ? undefined : target.moduleAt(pc);
  if (!t || !module) return null;
  // Frame 0 named the way `analyze` names it: DWARF, then .symtab (the debug file's too), then .dynsym.
  const u = new NativeUnwinder(target, { maxFrames: 1 });
  const name = u.unwind(t).frames[0]?.symbol?.name ?? null;
  u.close();
  return { module, name };
}

export function listFiles(target: Target): FilesReport {
  const interp = interpreterModule(target);
  const o = target.locatorOptions;
  const locator = new FileLocator(o);
  const debugDirs = target.debugDirs;
  const crashAt = crashModule(target);
  const crash = crashAt?.module ?? null;
  const files: FileEntry[] = target.modules.map((m) => {
    const holds = m === interp;
    const role = roleOf(m, holds);
    const needed: string[] = [];
    if (holds) needed.push('the Python interpreter: _PyRuntime, threads, frames and code objects');
    if (m.isExecutable && !holds) needed.push('the main program: its symbols and read-only data');
    if (m === crash && m.elf) {
      needed.push(
        crashAt!.name
          ? `the crash site: names the function the signal hit (${crashAt!.name})`
          : 'the crash site: but neither its symbols nor its debug information name the function the signal hit (a separate debug file would: --debug-dir DIR)',
      );
    } else if (m === crash) needed.push('the crash site: names the function the signal hit');
    if (role === 'extension-module') needed.push('native code of a Python extension module: its symbols');
    if (role === 'libc' || role === 'dynamic-loader' || role === 'library') needed.push('native code: its symbols and read-only data');
    const s = m.status;
    return {
      path: m.path,
      role,
      holds_interpreter: holds,
      required: holds,
      needed_for: needed,
      build_id: m.coreBuildId,
      status: s.kind === 'loaded' ? 'found' : s.kind,
      found: s.kind === 'loaded' ? { path: s.localPath, how: s.how as FoundHow, verified: s.verified } : null,
      rejected: s.kind === 'mismatch' ? s.candidates.map((c) => ({ path: c.path, build_id: c.buildId })) : [],
      looked_at: locator.places(m.path, m.isExecutable, m.coreBuildId).map((p) => ({ path: p.path, how: p.how })),
      debug_info: s.kind === 'loaded' && m.elf ? debugInfoOf(s.localPath, m.elf, debugDirs, m.path) : null,
    };
  });
  const warnings: string[] = [];
  if (target.notes.files.length === 0) warnings.push('the core has no NT_FILE note, so it does not say which files were mapped; only the files pycore could infer are listed');
  if (!interp) warnings.push('no mapped file holds a Python interpreter (_PyRuntime) or is named like one: this may not be a core of a Python process');
  for (const f of files) if (f.status === 'found' && f.found && !f.found.verified) warnings.push(`${f.path}: the core did not keep this file's build-id, so ${f.found.path} could not be checked against it`);
  return {
    core: target.corePath,
    search: { executable: o.executable ?? null, sysroot: o.sysroot ?? null, lib_paths: [...o.libPaths], debug_dirs: [...debugDirs] },
    files,
    missing: files.filter((f) => f.status !== 'found').map((f) => f.path),
    warnings,
  };
}
