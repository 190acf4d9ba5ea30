// Glue between ELF files and src/dwarf: a section loader for one ELF file (SHF_COMPRESSED is
// handled by src/elf; `.zdebug_*` is handled here), and the search for a separate debug file:
// DIR/.build-id/ab/cdef….debug under each debug directory, then `.gnu_debuglink` next to the
// file, in its .debug/ folder and under each debug directory (as gdb looks for them).
import { zlib } from '../io/lazy-zlib.js';
import { dirname, join } from 'node:path';
import { isRegularFile, openFile } from '../io/file-source.js';
import { err, ok, type Result } from '../io/result.js';
import { ElfFile } from '../elf/elf-file.js';
import { Dwarf, formatDwarfError, type SectionLoader } from '../dwarf/dwarf.js';

export const DEFAULT_DEBUG_DIRS = ['/usr/lib/debug'];
const MAX_ZDEBUG_BYTES = 1024 * 1024 * 1024;

/** `.zdebug_*` payload: "ZLIB", 8-byte big-endian uncompressed size, zlib stream. */
export function inflateZdebug(raw: Buffer, name: string): Result<Buffer, string> {
  if (raw.length < 12 || raw.toString('latin1', 0, 4) !== 'ZLIB') return err(`${name}: missing ZLIB header`);
  const size = Number(raw.readBigUInt64BE(4));
  if (size > MAX_ZDEBUG_BYTES) return err(`${name}: inflates to ${size} bytes`);
  try {
    const out = zlib().inflateSync(raw.subarray(12), { maxOutputLength: Math.max(1, size) });
    return out.length === size ? ok(out) : err(`${name}: inflated to ${out.length} bytes, header says ${size}`);
  } catch (e) {
    return err(`${name}: ${(e as Error).message}`);
  }
}

/** "section name -> bytes" for src/dwarf over one ELF file; each section is read once. */
export function elfSectionLoader(elf: ElfFile): SectionLoader {
  const cache = new Map<string, Buffer | null>();
  return (name) => {
    if (cache.has(name)) return cache.get(name)!;
    let out: Buffer | null = null;
    const s = elf.section(name);
    if (s) {
      const d = elf.sectionData(s);
      out = d.ok ? d.value : null;
    } else if (name.startsWith('.debug_')) {
      const z = elf.section(`.z${name.slice(1)}`);
      const d = z ? elf.sectionData(z) : null;
      if (d?.ok) {
        const inflated = inflateZdebug(d.value, z!.name);
        out = inflated.ok ? inflated.value : null;
      }
    }
    cache.set(name, out);
    return out;
  };
}

export function hasDwarf(elf: ElfFile): boolean {
  return Boolean(elf.section('.debug_info') ?? elf.section('.zdebug_info'));
}

/**
 * Where separate debug information for `path` (an ELF file) may live, most specific first.
 * `original` is the path the core names (when `path` is a copy under a sysroot): a debug
 * directory mirrors the system's paths, so .gnu_debuglink is looked up under DIR/<its directory>.
 */
export function debugFileCandidates(path: string, elf: ElfFile, debugDirs: readonly string[], original: string = path): string[] {
  const out: string[] = [];
  const id = elf.buildId();
  if (id && id.length > 2) for (const d of debugDirs) out.push(join(d, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const link = elf.debugLink();
  if (link && !link.file.includes('/')) {
    const dir = dirname(path);
    out.push(join(dir, link.file), join(dir, '.debug', link.file));
    for (const d of debugDirs) out.push(join(d, dirname(original), link.file));
  }
  return out.filter((p, i) => out.indexOf(p) === i);
}

/**
 * The first separate debug file of `path` (build-id checked) that `accept` takes, opened; the
 * caller closes `close` when done. One search for DWARF, .symtab, .debug_frame and `pycore files`.
 */
export function findDebugFile(
  path: string,
  elf: ElfFile,
  debugDirs: readonly string[],
  original: string,
  accept: (dbg: ElfFile) => boolean,
): { file: string; elf: ElfFile; close: () => void } | null {
  const want = elf.buildId();
  for (const cand of debugFileCandidates(path, elf, debugDirs, original)) {
    if (cand === path || !isRegularFile(cand)) continue;
    const src = openFile(cand);
    if (!src.ok) continue;
    const dbg = ElfFile.open(src.value);
    if (dbg.ok && (!want || dbg.value.buildId() === want) && accept(dbg.value)) return { file: cand, elf: dbg.value, close: () => src.value.close() };
    src.value.close();
  }
  return null;
}

export interface DebugInfoSource {
  dwarf: Dwarf;
  /** The file the DWARF was read from (the binary itself or its separate debug file). */
  file: string;
  /** That file, open (its .symtab names static functions when the binary has only .dynsym). */
  elf: ElfFile;
  /** Open ELF files to close when done. */
  close: () => void;
}

/**
 * DWARF for ELF file `path`: its own sections when it has them, else a separate debug file
 * whose build-id matches. Err carries a one-line reason (no DWARF found, or malformed DWARF).
 */
export function openDebugInfo(path: string, elf: ElfFile, debugDirs: readonly string[] = DEFAULT_DEBUG_DIRS, original: string = path): Result<DebugInfoSource, string> {
  if (hasDwarf(elf)) {
    const d = Dwarf.open(elfSectionLoader(elf));
    return d.ok ? ok({ dwarf: d.value, file: path, elf, close: () => {} }) : err(`${path}: ${formatDwarfError(d.error)}`);
  }
  const found = findDebugFile(path, elf, debugDirs, original, hasDwarf);
  if (found) {
    const d = Dwarf.open(elfSectionLoader(found.elf));
    if (!d.ok) {
      found.close();
      return err(`${found.file}: ${formatDwarfError(d.error)}`);
    }
    return ok({ dwarf: d.value, file: found.file, elf: found.elf, close: found.close });
  }
  return err(`${path} has no DWARF and no separate debug file was found (looked under ${debugDirs.join(', ') || 'no debug directory'} and next to it)`);
}
