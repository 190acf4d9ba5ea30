// `pycore files`: every ELF file the crashed process had mapped (as the core's NT_FILE note names
// them), what the analysis uses it for, the build-id the core recorded for it, and whether a
// matching local file was found and where — so a user can fetch exactly what is missing from the
// machine or image the core came from.
import { minorFromFileName } from '../cpython-layouts/version.js';
import { FileLocator, type Candidate } from '../target/file-locator.js';
import { moduleBaseName, type Module } from '../target/modules.js';
import type { Target } from '../target/target.js';
import { DEFAULT_DEBUG_DIRS, debugFileCandidates, hasDwarf } from '../target/debug-info.js';
import { ElfFile } from '../elf/elf-file.js';
import { isRegularFile, openFile } from '../io/file-source.js';

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
  debug_info: { file: string | null; embedded: boolean; looked_at: string[] } | null;
}

function debugInfoOf(localPath: string, elf: ElfFile, debugDirs: readonly string[]): FileEntry['debug_info'] {
  if (hasDwarf(elf)) return { file: localPath, embedded: true, looked_at: [] };
  const want = elf.buildId();
  const candidates = debugFileCandidates(localPath, elf, debugDirs);
  for (const c of candidates) {
    if (c === localPath || !isRegularFile(c)) continue;
    const src = openFile(c);
    if (!src.ok) continue;
    const dbg = ElfFile.open(src.value);
    const ok = dbg.ok && hasDwarf(dbg.value) && (!want || dbg.value.buildId() === want);
    src.value.close();
    if (ok) return { file: c, embedded: false, looked_at: candidates };
  }
  return { file: null, embedded: false, looked_at: candidates };
}

export interface FilesReport {
  core: string;
  search: { executable: string | null; sysroot: string | null; lib_paths: string[] };
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

function crashModule(target: Target): Module | null {
  const sig = target.notes.signal?.signo ?? 0;
  const t = target.threads.find((x) => x.signal === sig && sig !== 0 && sig !== 19);
  const pc = t ? target.programCounter(t) : null;
  return pc === null ? null : (target.moduleAt(pc) ?? null);
}

export function listFiles(target: Target): FilesReport {
  const interp = interpreterModule(target);
  const crash = crashModule(target);
  const o = target.locatorOptions;
  const locator = new FileLocator(o);
  const debugDirs = o.sysroot ? DEFAULT_DEBUG_DIRS.map((d) => `${o.sysroot}${d}`) : DEFAULT_DEBUG_DIRS;
  const files: FileEntry[] = target.modules.map((m) => {
    const holds = m === interp;
    const role = roleOf(m, holds);
    const needed: string[] = [];
    if (holds) needed.push('the Python interpreter: _PyRuntime, threads, frames and code objects');
    if (m.isExecutable && !holds) needed.push('the main program: its symbols and read-only data');
    if (m === crash) needed.push('the crash site: names the function the signal hit');
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
      debug_info: s.kind === 'loaded' && m.elf ? debugInfoOf(s.localPath, m.elf, debugDirs) : null,
    };
  });
  const warnings: string[] = [];
  if (target.notes.files.length === 0) warnings.push('the core has no NT_FILE note, so it does not say which files were mapped; only the files pycore could infer are listed');
  if (!interp) warnings.push('no mapped file holds a Python interpreter (_PyRuntime) or is named like one: this may not be a core of a Python process');
  for (const f of files) if (f.status === 'found' && f.found && !f.found.verified) warnings.push(`${f.path}: the core did not keep this file's build-id, so ${f.found.path} could not be checked against it`);
  return {
    core: target.corePath,
    search: { executable: o.executable ?? null, sysroot: o.sysroot ?? null, lib_paths: [...o.libPaths] },
    files,
    missing: files.filter((f) => f.status !== 'found').map((f) => f.path),
    warnings,
  };
}
