// The crashed process: its memory (core over files), threads, modules and symbols.
import { rebuildMappings } from './link-map.js';
import { AT_ENTRY, AT_PHDR, ET_CORE, ET_DYN, ET_EXEC, PT_LOAD, PT_NOTE, NT_GNU_BUILD_ID, machineNames } from '../elf/constants.js';
import { parseCoreNotes, programCounterName, type CoreNotes, type MappedFile, type ThreadStatus } from '../elf/core-notes.js';
import { ElfFile } from '../elf/elf-file.js';
import { parseHeader } from '../elf/header.js';
import { parseNotes } from '../elf/notes.js';
import type { ByteSource } from '../io/byte-source.js';
import type { CoreOrigin } from '../io/core-intake.js';
import { openFile } from '../io/file-source.js';
import { DEFAULT_DEBUG_DIRS, findDebugFile } from './debug-info.js';
import { err, ok, type Result } from '../io/result.js';
import { AddressSpace, type KnownMapping, type Region } from './address-space.js';
import { WritableSegments } from './writable-segments.js';
import type { TargetError } from './errors.js';
import { FileLocator, type LocatorOptions } from './file-locator.js';
import type { Module } from './modules.js';
import { moduleBaseName } from './modules.js';

export interface Symbolized {
  module: string;
  modulePath: string;
  symbol: string | null;
  offset: number;
}

export interface TargetWarning {
  code: string;
  message: string;
}

const PAGE = 4096;

export class Target {
  readonly warnings: TargetWarning[] = [];
  /** How the core reached us (compressed, apport, systemd-coredump) and what was recorded beside it. */
  origin: CoreOrigin | null = null;

  private constructor(
    readonly corePath: string,
    readonly core: ElfFile,
    readonly notes: CoreNotes,
    readonly memory: AddressSpace,
    readonly modules: Module[],
    readonly truncated: { present: number; expected: number } | null,
    /** Where files named by the core were looked for (--executable, --lib-path, --sysroot). */
    readonly locatorOptions: LocatorOptions,
  ) {}

  /** Closes the core and every file opened for it (long-running callers: triage). */
  close(): void {
    for (const m of this.modules) m.elf?.source.close();
    for (const f of this.symbolFiles.values()) f?.source.close();
    this.symbolFiles.clear();
    this.core.source.close();
  }

  /** Where separate debug files are looked for: --debug-dir, else /usr/lib/debug (under --sysroot when given). */
  get debugDirs(): string[] {
    const o = this.locatorOptions;
    return o.debugDirs ?? (o.sysroot ? DEFAULT_DEBUG_DIRS.map((d) => `${o.sysroot}${d}`) : [...DEFAULT_DEBUG_DIRS]);
  }

  private readonly symbolFiles = new Map<Module, ElfFile | null>();
  private writableIndex: WritableSegments | null = null;

  /** The core's writable segments (built on first use). */
  get writable(): WritableSegments {
    return (this.writableIndex ??= new WritableSegments(this.core.segments));
  }

  /** The file whose symbol table names module `m`'s addresses (see moduleSymbolFile), searched under the target's debug directories. */
  symbolFile(m: Module): ElfFile | null {
    if (!m.elf || m.elf.section('.symtab') || m.status.kind !== 'loaded') return m.elf;
    if (!this.symbolFiles.has(m)) {
      const f = moduleSymbolFile(m, this.debugDirs);
      this.symbolFiles.set(m, f === m.elf ? null : f);
    }
    return this.symbolFiles.get(m) ?? m.elf;
  }

  get machine(): string {
    return machineNames[this.core.header.machine] ?? `machine ${this.core.header.machine}`;
  }

  get threads(): ThreadStatus[] {
    return this.notes.threads;
  }

  get executable(): Module | undefined {
    return this.modules.find((m) => m.isExecutable);
  }

  static open(source: ByteSource, displayPath: string, options: LocatorOptions): Result<Target, TargetError> {
    const opened = ElfFile.open(source);
    if (!opened.ok) return err({ kind: 'elf', error: opened.error });
    const core = opened.value;
    const h = core.header;
    if (h.type !== ET_CORE) {
      const elfType = h.type === ET_EXEC ? 'executable' : h.type === ET_DYN ? 'shared object or PIE executable' : `file of type ${h.type}`;
      return err({ kind: 'not-a-core', path: displayPath, elfType });
    }
    if (!(h.machine in machineNames)) return err({ kind: 'unsupported-machine', path: displayPath, machine: h.machine });
    const parsed = parseCoreNotes(core.notes(), h.fields, h.machine);

    // Core segments, clipped to what the file really holds (a truncated core keeps its head).
    const coreRegions: Region[] = [];
    const known: KnownMapping[] = [];
    let expected = 0;
    for (const p of core.segments) {
      if (p.type !== PT_LOAD) continue;
      known.push({ start: p.vaddr, end: p.vaddr + p.memsz, name: `an anonymous mapping at 0x${p.vaddr.toString(16)}` });
      if (p.filesz === 0) continue;
      expected = Math.max(expected, p.offset + p.filesz);
      const present = Math.max(0, Math.min(p.filesz, source.size - p.offset));
      if (present > 0) coreRegions.push({ start: p.vaddr, end: p.vaddr + present, source, sourceOffset: p.offset, zeroFillEnd: 0, origin: 'core' });
    }
    const truncated = expected > source.size ? { present: source.size, expected } : null;

    const coreOnly = new AddressSpace(coreRegions, [], known, h.fields.wordSize, h.fields.littleEndian);
    const locator = new FileLocator(options);
    // No NT_FILE (qemu-user's cores of its guest): the mappings from auxv and the dynamic linker's list.
    let notes = parsed;
    const rebuilt = parsed.files.length === 0 ? rebuildMappings(parsed, coreOnly, locator) : null;
    if (rebuilt) notes = { ...parsed, files: rebuilt.files };
    const modules = buildModules(notes);
    for (const f of notes.files) known.push({ start: f.start, end: f.end, name: f.path });
    const fileRegions: Region[] = [];
    const warnings: TargetWarning[] = [];
    for (const m of modules) {
      m.coreBuildId = buildIdFromMemory(coreOnly, m.start);
      attachFile(m, locator, fileRegions, warnings);
    }
    // Mapped data files (locale archives, caches) are not modules. The kernel dumps the first
    // page of every mapped ELF image, so an ELF image shows its magic in the core.
    const isElfInCore = (m: Module) => coreOnly.readCoreOnly(m.start, 4)?.readUInt32BE(0) === 0x7f454c46;
    for (let i = modules.length - 1; i >= 0; i--) {
      const m = modules[i];
      if (m.status.kind === 'missing' && !m.isExecutable && !isElfInCore(m)) modules.splice(i, 1);
    }
    const memory = new AddressSpace(coreRegions, fileRegions, known, h.fields.wordSize, h.fields.littleEndian);
    const t = new Target(displayPath, core, notes, memory, modules, truncated, options);
    t.warnings.push(...warnings);
    if (truncated) {
      t.warnings.push({
        code: 'core-truncated',
        message: `the core is truncated: ${truncated.present} of ${truncated.expected} bytes present; memory past the cut is unreadable and results may be partial`,
      });
    }
    for (const p of notes.problems) t.warnings.push({ code: 'core-note', message: p });
    if (rebuilt && rebuilt.files.length > 0) t.warnings.push({ code: 'core-note', message: `the core has no NT_FILE note: mapped files rebuilt from AT_PHDR and the dynamic linker's list (${[...new Set(rebuilt.files.map((f) => f.path))].length} files)${rebuilt.problems.length ? `; ${rebuilt.problems.join('; ')}` : ''}` });
    return ok(t);
  }

  /** Module containing `address`. */
  moduleAt(address: number): Module | undefined {
    return this.modules.find((m) => address >= m.start && address < m.end);
  }

  symbolize(address: number): Symbolized | null {
    const m = this.moduleAt(address);
    if (!m) return null;
    const base = { module: moduleBaseName(m), modulePath: m.path };
    const elf = this.symbolFile(m);
    if (!elf) return { ...base, symbol: null, offset: address - m.start };
    const sym = elf.symbols().nearest(address - m.bias);
    // Only claim a symbol that covers the address: a stripped library's nearest exported name
    // is often an unrelated function that happens to precede a static one.
    const inside = sym && (sym.size > 0 ? address - m.bias < sym.value + sym.size : address - m.bias - sym.value < 4096);
    if (!sym || !inside) return { ...base, symbol: null, offset: address - m.start };
    return { ...base, symbol: sym.name, offset: address - m.bias - sym.value };
  }

  /** Runtime address of a symbol defined in module `m`. */
  symbolAddress(m: Module, name: string, exportedOnly = false): { address: number; size: number } | null {
    const s = this.symbolFile(m)?.lookupSymbol(name, exportedOnly);
    return s ? { address: s.value + m.bias, size: s.size } : null;
  }

  /** Every symbol of module `m` with this name (file-local ones can repeat: several files' `static int numfree`). */
  symbolsNamed(m: Module, name: string): { address: number; size: number }[] {
    const elf = this.symbolFile(m);
    if (!elf) return [];
    return elf.symbols().symbols.filter((x) => x.name === name && x.shndx !== 0).map((x) => ({ address: x.value + m.bias, size: x.size }));
  }

  programCounter(t: ThreadStatus): number | null {
    const pc = programCounterName(this.core.header.machine);
    return pc ? (t.registers[pc] ?? null) : null;
  }
}

function attachFile(m: Module, locator: FileLocator, regions: Region[], warnings: TargetWarning[]): void {
  const rejected: { path: string; buildId: string | null; how: string }[] = [];
  const refusedWarning = (r: { path: string; buildId: string | null }[]) =>
    `refused ${r.map((x) => `${x.path} has ${x.buildId ?? 'no build-id'}`).join('; ')}: the core recorded build-id ${m.coreBuildId} for ${m.path}`;
  for (const c of locator.candidates(m.path, m.isExecutable, m.coreBuildId)) {
    const src = openFile(c.path);
    if (!src.ok) continue;
    const elf = ElfFile.open(src.value);
    if (!elf.ok) {
      src.value.close();
      if (c.how === 'executable-option') rejected.push({ path: c.path, buildId: null, how: c.how });
      continue;
    }
    const localId = elf.value.buildId();
    if (m.coreBuildId && localId !== m.coreBuildId) {
      src.value.close();
      rejected.push({ path: c.path, buildId: localId, how: c.how });
      continue;
    }
    m.elf = elf.value;
    m.status = { kind: 'loaded', localPath: c.path, how: c.how, verified: m.coreBuildId !== null };
    const first = m.mappings.reduce((a, b) => (b.fileOffset < a.fileOffset ? b : a));
    const linkAddr = elf.value.vaddrOfOffset(first.fileOffset);
    if (linkAddr !== null) m.bias = first.start - linkAddr;
    for (const f of m.mappings) {
      const fileEndAddr = f.start + (src.value.size - f.fileOffset);
      const zeroFillEnd = Math.min(f.end, Math.ceil(fileEndAddr / PAGE) * PAGE);
      regions.push({ start: f.start, end: f.end, source: src.value, sourceOffset: f.fileOffset, zeroFillEnd, origin: c.path });
    }
    // A file the user named explicitly and that does not match is worth saying even when
    // another candidate matched.
    const explicit = rejected.filter((r) => r.how === 'executable-option');
    if (explicit.length) warnings.push({ code: 'build-id-mismatch', message: `${refusedWarning(explicit)}; used ${c.path} instead` });
    return;
  }
  if (rejected.length > 0) {
    m.status = { kind: 'mismatch', candidates: rejected };
    warnings.push({
      code: 'build-id-mismatch',
      message: `${refusedWarning(rejected)}; pass the matching file with --lib-path DIR${m.isExecutable ? ' or --executable PATH' : ''}`,
    });
  }
}

function buildModules(notes: CoreNotes): Module[] {
  const byPath = new Map<string, MappedFile[]>();
  for (const f of notes.files) {
    const list = byPath.get(f.path);
    if (list) list.push(f);
    else byPath.set(f.path, [f]);
  }
  const exeAddr = notes.auxv.get(AT_PHDR) ?? notes.auxv.get(AT_ENTRY);
  const modules: Module[] = [];
  for (const [path, maps] of byPath) {
    // Only files mapped from offset 0 are ELF images we can reason about (skips data files).
    const head = maps.find((m) => m.fileOffset === 0);
    if (!head) continue;
    const start = Math.min(...maps.map((m) => m.start));
    const end = Math.max(...maps.map((m) => m.end));
    modules.push({
      path,
      start,
      end,
      bias: head.start,
      isExecutable: exeAddr !== undefined && exeAddr >= start && exeAddr < end,
      coreBuildId: null,
      mappings: maps,
      elf: null,
      status: { kind: 'missing' },
    });
  }
  return modules.sort((a, b) => a.start - b.start);
}

/** The build-id note of the ELF image whose headers the core kept at `base`. */
function buildIdFromMemory(mem: AddressSpace, base: number): string | null {
  const ehdr = mem.readCoreOnly(base, 64);
  if (!ehdr) return null;
  const h = parseHeader('memory', ehdr);
  if (!h.ok) return null;
  const f = h.value.fields;
  const entsize = f.is64 ? 56 : 32;
  if (h.value.phnum === 0 || h.value.phnum > 256) return null;
  const ph = mem.readCoreOnly(base + h.value.phoff, h.value.phnum * entsize);
  if (!ph) return null;
  let firstLoad: number | null = null;
  const notes: { vaddr: number; size: number; align: number }[] = [];
  for (let i = 0; i < h.value.phnum; i++) {
    const o = i * entsize;
    const type = f.u32(ph, o);
    const offset = f.is64 ? f.u64(ph, o + 8) : f.u32(ph, o + 4);
    const vaddr = f.is64 ? f.u64(ph, o + 16) : f.u32(ph, o + 8);
    const filesz = f.is64 ? f.u64(ph, o + 32) : f.u32(ph, o + 16);
    const align = f.is64 ? f.u64(ph, o + 48) : f.u32(ph, o + 28);
    if (type === PT_LOAD && firstLoad === null) firstLoad = vaddr - offset;
    if (type === PT_NOTE) notes.push({ vaddr, size: filesz, align });
  }
  if (firstLoad === null) return null;
  const bias = base - firstLoad;
  for (const n of notes) {
    const b = mem.readCoreOnly(bias + n.vaddr, Math.min(n.size, 4096));
    if (!b) continue;
    for (const note of parseNotes(b, f, n.align)) if (note.name === 'GNU' && note.type === NT_GNU_BUILD_ID) return note.desc.toString('hex');
  }
  return null;
}

/**
 * The file whose symbol table names module `m`'s addresses: `m` itself when it has .symtab,
 * else its separate debug file under `debugDirs` when that one has (a stripped distro binary keeps
 * only .dynsym; its -dbg package has the .symtab with the static functions and variables), else
 * `m` (.dynsym). A separate file returned is open: Target.symbolFile keeps it and closes it with the target.
 */
function moduleSymbolFile(m: Module, debugDirs: readonly string[]): ElfFile | null {
  if (!m.elf || m.elf.section('.symtab') || m.status.kind !== 'loaded') return m.elf;
  return findDebugFile(m.status.localPath, m.elf, debugDirs, m.path, (d) => Boolean(d.section('.symtab')))?.elf ?? m.elf;
}
