// Call frame information of one module, read lazily from its local file: `.eh_frame` with the
// `.eh_frame_hdr` search table (present in stripped libraries), then `.debug_frame` (the file's
// own, or a separate debug file's). Sections are read on the first lookup in the module; a
// module whose sections are unreadable says so once, as a reason, and answers "no CFI".
import { CallFrameTable, type CfiSection } from '../dwarf/cfi.js';
import { unwindRow, type UnwindRow } from '../dwarf/cfa-program.js';
import { formatDwarfError } from '../dwarf/errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { findDebugFile } from './debug-info.js';
import type { Module } from './modules.js';

export type CfiSource = '.eh_frame' | '.debug_frame';

export interface RowLookup {
  row: UnwindRow;
  source: CfiSource;
}

interface Table {
  table: CallFrameTable;
  source: CfiSource;
}

function sectionOf(elf: ElfFile, name: string): { data: Buffer; address: number } | null {
  const s = elf.section(name);
  if (!s || s.type === 8 /* SHT_NOBITS */ || s.size === 0) return null;
  const d = elf.sectionData(s);
  return d.ok ? { data: d.value, address: s.addr } : null;
}

function tableFrom(elf: ElfFile, name: CfiSource): Table | null {
  const sec = sectionOf(elf, name);
  if (!sec) return null;
  const section: CfiSection = { kind: name === '.eh_frame' ? 'eh_frame' : 'debug_frame', data: sec.data, address: sec.address, name };
  const hdr = name === '.eh_frame' ? sectionOf(elf, '.eh_frame_hdr') : null;
  const got = elf.section('.got');
  const table = CallFrameTable.open(section, { addressSize: elf.header.fields.is64 ? 8 : 4, hdr, bases: { data: got?.addr } });
  return { table, source: name };
}

/** The unwind tables of one module, loaded on first use. */
export class ModuleUnwindTables {
  private eh: Table | null | undefined;
  private debug: Table | null | undefined;
  /** Problems met while reading this module's CFI (each said once). */
  readonly problems: string[] = [];
  private readonly said = new Set<string>();

  constructor(
    readonly module: Module,
    private readonly debugDirs: readonly string[],
  ) {}

  /** The unwind row for link-time address `pc`, or null when no CFI covers it. */
  rowAt(pc: number): RowLookup | null {
    if (!this.module.elf) return null;
    if (this.eh === undefined) this.eh = tableFrom(this.module.elf, '.eh_frame');
    const fromEh = this.eh ? this.lookup(this.eh, pc) : null;
    if (fromEh) return fromEh;
    if (this.debug === undefined) this.debug = this.loadDebugFrame();
    return this.debug ? this.lookup(this.debug, pc) : null;
  }

  private lookup(t: Table, pc: number): RowLookup | null {
    const fde = t.table.findFde(pc);
    if (!fde.ok) {
      this.problem(`${this.module.path}: ${formatDwarfError(fde.error)}`);
      return null;
    }
    if (!fde.value) return null;
    const row = unwindRow(t.table, fde.value, pc);
    if (!row.ok) {
      this.problem(`${this.module.path}: ${formatDwarfError(row.error)}`);
      return null;
    }
    return { row: row.value, source: t.source };
  }

  private loadDebugFrame(): Table | null {
    const elf = this.module.elf!;
    const own = tableFrom(elf, '.debug_frame');
    if (own) return own;
    const localPath = this.module.status.kind === 'loaded' ? this.module.status.localPath : null;
    if (!localPath) return null;
    let t: Table | null = null;
    const found = findDebugFile(localPath, elf, this.debugDirs, this.module.path, (dbg) => (t = tableFrom(dbg, '.debug_frame')) !== null);
    // The table holds the section bytes; the file is not needed afterwards.
    found?.close();
    return t;
  }

  private problem(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.problems.push(message);
  }
}
