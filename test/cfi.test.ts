// Call frame information against binutils: for every row of every FDE that `readelf
// --debug-dump=frames-interp` decodes in libc (thousands of FDEs, DWARF expressions in the signal
// trampoline), libffi (hand-written assembly CFI), a C extension, ctypes' module and a library
// whose CFI is in .debug_frame only, our lookup finds that FDE (through .eh_frame_hdr's search
// table, or by scanning .debug_frame) and our row has the same CFA rule and register rules.
// Synthetic bytes only for malformed input, which must come back as typed errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CallFrameTable, type CfiSection } from '../src/dwarf/cfi.js';
import { unwindRow, type RegisterRule, type UnwindRow } from '../src/dwarf/cfa-program.js';
import { runExpression } from '../src/dwarf/expr.js';
import { ElfFile } from '../src/elf/elf-file.js';
import { openFile } from '../src/io/file-source.js';
import { CORPUS, SYSROOT } from './helpers/corpus.js';
import { Bytes } from './helpers/dwarf-builder.js';

/** binutils' names of the x86_64 DWARF registers (dwarf.c dwarf_regnames_x86_64); the return address column prints as "ra". */
const REGS = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', ...Array.from({ length: 16 }, (_, i) => `xmm${i}`)];
const regNumber = (name: string) => (name === 'ra' ? 16 : REGS.indexOf(name));

interface ReadelfFde {
  section: '.eh_frame' | '.debug_frame';
  start: number;
  end: number;
  columns: string[];
  rows: { loc: number; cfa: string; cells: string[] }[];
}

function parseReadelf(text: string): ReadelfFde[] {
  const out: ReadelfFde[] = [];
  let section: ReadelfFde['section'] | null = null;
  let cur: ReadelfFde | null = null;
  for (const line of text.split('\n')) {
    const sec = /^Contents of the (\.eh_frame|\.debug_frame) section/.exec(line);
    if (sec) {
      section = sec[1] as ReadelfFde['section'];
      cur = null;
      continue;
    }
    const fde = /^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)$/.exec(line);
    if (fde && section) {
      cur = { section, start: Number.parseInt(fde[1], 16), end: Number.parseInt(fde[2], 16), columns: [], rows: [] };
      out.push(cur);
      continue;
    }
    if (/ CIE /.test(line)) cur = null;
    if (!cur) continue;
    if (line.startsWith('   LOC')) cur.columns = line.trim().split(/\s+/).slice(2);
    else if (/^[0-9a-f]{16} /.test(line)) {
      const tokens = line.trim().split(/\s+/);
      // A register rule prints as "r3 (rbx)": two tokens, one cell.
      const cells: string[] = [];
      for (const t of tokens.slice(2)) {
        if (t.startsWith('(')) cells[cells.length - 1] += ` ${t}`;
        else cells.push(t);
      }
      cur.rows.push({ loc: Number.parseInt(tokens[0], 16), cfa: tokens[1], cells });
    }
  }
  return out.filter((f) => f.rows.length > 0);
}

function cfaText(row: UnwindRow): string {
  if (row.cfa.kind === 'expression') return 'exp';
  const off = row.cfa.offset;
  return `${REGS[row.cfa.register]}${off < 0 ? '-' : '+'}${Math.abs(off)}`;
}

function ruleText(rule: RegisterRule | undefined): string {
  if (!rule || rule.kind === 'undefined') return 'u';
  switch (rule.kind) {
    case 'same-value':
      return 's';
    case 'offset':
      return `c${rule.offset < 0 ? '-' : '+'}${Math.abs(rule.offset)}`;
    case 'val-offset':
      return `v${rule.offset < 0 ? '-' : '+'}${Math.abs(rule.offset)}`;
    case 'register':
      return `r${rule.register} (${REGS[rule.register]})`;
    case 'expression':
      return 'exp';
    case 'val-expression':
      return 'vexp';
  }
}

function tables(path: string): Map<string, CallFrameTable> {
  const src = openFile(path);
  if (!src.ok) throw new Error(`cannot open ${path}`);
  const elf = ElfFile.open(src.value);
  if (!elf.ok) throw new Error(`not ELF: ${path}`);
  const out = new Map<string, CallFrameTable>();
  const data = (name: string) => {
    const s = elf.value.section(name);
    const d = s ? elf.value.sectionData(s) : null;
    return s && d?.ok && d.value.length > 0 ? { data: d.value, address: s.addr } : null;
  };
  for (const name of ['.eh_frame', '.debug_frame'] as const) {
    const d = data(name);
    if (!d) continue;
    const section: CfiSection = { kind: name === '.eh_frame' ? 'eh_frame' : 'debug_frame', data: d.data, address: d.address, name };
    out.set(name, CallFrameTable.open(section, { addressSize: 8, hdr: name === '.eh_frame' ? data('.eh_frame_hdr') : null }));
  }
  src.value.close();
  return out;
}

const FILES = [
  { file: join(SYSROOT, 'usr/lib/x86_64-linux-gnu/libc.so.6'), truth: 'libc.so.6' },
  { file: join(SYSROOT, 'usr/lib/x86_64-linux-gnu/libffi.so.8.1.2'), truth: 'libffi.so.8.1.2' },
  { file: join(SYSROOT, 'tmp/pycore-corpus-ext/3.12/crashext.cpython-312-x86_64-linux-gnu.so'), truth: 'crashext.cpython-312-x86_64-linux-gnu.so' },
  { file: join(SYSROOT, 'root/.pyenv/versions/3.12.1/lib/python3.12/lib-dynload/_ctypes.cpython-312-x86_64-linux-gnu.so'), truth: '_ctypes.cpython-312-x86_64-linux-gnu.so' },
  { file: join(CORPUS, 'cfi', 'libframes-debug-frame.so'), truth: 'libframes-debug-frame.so' },
];

describe('call frame information matches readelf --debug-dump=frames-interp', () => {
  for (const f of FILES) {
    it(f.truth, () => {
      const fdes = parseReadelf(gunzipSync(readFileSync(join(CORPUS, 'cfi', `${f.truth}.readelf-wF.txt.gz`))).toString('utf8'));
      expect(fdes.length).toBeGreaterThan(0);
      const t = tables(f.file);
      if (f.truth.startsWith('libc')) expect(t.get('.eh_frame')?.indexed).toBe(true);
      // Collected and compared once: libc has tens of thousands of rows.
      const ours: string[] = [];
      const theirs: string[] = [];
      for (const fde of fdes) {
        const table = t.get(fde.section)!;
        fde.rows.forEach((r, i) => {
          // The row holds from its LOC up to the next row's LOC (or the FDE's end).
          const last = (fde.rows[i + 1]?.loc ?? fde.end) - 1;
          for (const pc of new Set([r.loc, last])) {
            const where = `${fde.section} FDE 0x${fde.start.toString(16)} row 0x${r.loc.toString(16)} at 0x${pc.toString(16)}:`;
            theirs.push(`${where} 0x${fde.start.toString(16)}..0x${fde.end.toString(16)} ${r.cfa} ${r.cells.join(' ')}`);
            const found = table.findFde(pc);
            if (!found.ok || !found.value) {
              ours.push(`${where} ${found.ok ? 'no FDE' : found.error.what}`);
              continue;
            }
            const got = found.value;
            const row = unwindRow(table, got, pc);
            if (!row.ok) {
              ours.push(`${where} ${row.error.what}`);
              continue;
            }
            const range = `0x${got.initialLocation.toString(16)}..0x${(got.initialLocation + got.addressRange).toString(16)}`;
            ours.push(`${where} ${range} ${cfaText(row.value)} ${fde.columns.map((c) => ruleText(row.value.registers.get(regNumber(c)))).join(' ')}`);
            const stray = [...row.value.registers.keys()].filter((reg) => !fde.columns.map(regNumber).includes(reg));
            if (stray.length) ours.push(`${where} rules for registers readelf does not list: ${stray.join(', ')}`);
          }
        });
      }
      expect(ours).toEqual(theirs);
      const rows = theirs.length;
      expect(rows).toBeGreaterThan(fdes.length);
    });
  }
});

// ---- malformed input: synthetic bytes ----

/** One CIE ("zR", pcrel|sdata4 FDE pointers) and one FDE with `program`, in .eh_frame at address 0x1000. */
function ehFrame(o: { program?: number[]; version?: number; ciePointer?: number; truncate?: number; initial?: number[] } = {}): CfiSection {
  const b = new Bytes();
  const cie = new Bytes().u32(0).u8(o.version ?? 1).cstr('zR').uleb(1).sleb(-8).u8(16).uleb(1).u8(0x1b).bytes(o.initial ?? [0x0c, 7, 8, 0x90, 1]);
  while ((cie.length + 4) % 8) cie.u8(0);
  b.u32(cie.length).bytes(cie.buf());
  const fdeAt = b.length;
  const fde = new Bytes();
  const body = new Bytes().u32(0x100 - (fdeAt + 8)).u32(0x40).uleb(0).bytes(o.program ?? []);
  fde.u32(o.ciePointer ?? fdeAt + 4).bytes(body.buf());
  b.u32(fde.length).bytes(fde.buf()).u32(0);
  let data = b.buf();
  // The FDE's pc-relative initial location: field at fdeAt + 8, value chosen to give 0x1100.
  data.writeInt32LE(0x1100 - (0x1000 + fdeAt + 8), fdeAt + 8);
  if (o.truncate !== undefined) data = data.subarray(0, o.truncate);
  return { kind: 'eh_frame', data, address: 0x1000, name: '.eh_frame' };
}

function rowAt(section: CfiSection, pc: number) {
  const t = CallFrameTable.open(section, { addressSize: 8 });
  const f = t.findFde(pc);
  if (!f.ok) return f;
  if (!f.value) return { ok: true as const, value: null };
  return unwindRow(t, f.value, pc);
}

describe('malformed call frame information', () => {
  it('reads a well-formed synthetic table (the builder is right)', () => {
    const r = rowAt(ehFrame({ program: [0x41, 0x0e, 16] }), 0x1101);
    expect(r.ok && r.value && cfaTextOrNull(r.value)).toBe('rsp+16');
  });

  it('an entry that runs past the section is "truncated"', () => {
    const full = ehFrame().data.length;
    const r = CallFrameTable.open(ehFrame({ truncate: full - 10 }), { addressSize: 8 }).findFde(0x1100);
    expect(!r.ok && r.error.kind).toBe('truncated');
  });

  it('a CIE version other than 1, 3 or 4 is "unsupported-version"', () => {
    const r = CallFrameTable.open(ehFrame({ version: 9 }), { addressSize: 8 }).findFde(0x1100);
    expect(!r.ok && r.error.kind).toBe('unsupported-version');
  });

  it('a CIE pointer outside the section is "bad-reference"', () => {
    const r = CallFrameTable.open(ehFrame({ ciePointer: 0x7fffffff }), { addressSize: 8 }).findFde(0x1100);
    expect(!r.ok && r.error.kind).toBe('bad-reference');
  });

  it('an unknown instruction, an unmatched restore_state and runaway nesting are errors, not crashes', () => {
    const bad = rowAt(ehFrame({ program: [0x3f] }), 0x1100);
    expect(!bad.ok && bad.error.kind).toBe('malformed');
    const restore = rowAt(ehFrame({ program: [0x0b] }), 0x1100);
    expect(!restore.ok && restore.error.what).toMatch(/restore_state without/);
    const deep = rowAt(ehFrame({ program: Array(100).fill(0x0a) }), 0x1100);
    expect(!deep.ok && deep.error.kind).toBe('limit');
  });

  it('an instruction block that runs past its FDE is "truncated"', () => {
    const r = rowAt(ehFrame({ program: [0x0f, 0x7f] }), 0x1100);
    expect(!r.ok && r.error.kind).toBe('truncated');
  });

  it('no FDE covers an address outside every range', () => {
    const r = rowAt(ehFrame(), 0x5000);
    expect(r.ok && r.value).toBeNull();
  });

  it('a garbage .eh_frame_hdr is ignored and lookups scan instead', () => {
    const t = CallFrameTable.open(ehFrame(), { addressSize: 8, hdr: { data: Buffer.from([1, 0xff, 0xff, 0xff]), address: 0x800 } });
    expect(t.indexed).toBe(false);
    const f = t.findFde(0x1100);
    expect(f.ok && f.value?.initialLocation).toBe(0x1100);
  });
});

function cfaTextOrNull(row: UnwindRow | null): string | null {
  return row ? cfaText(row) : null;
}

describe('malformed DWARF expressions', () => {
  const run = (bytes: number[], answer: (r: { kind: string }) => bigint | null = () => 0n) => runExpression(Buffer.from(bytes), { addressSize: 8 }, answer);

  it('popping an empty stack, an unknown operation and a branch outside the expression are "malformed"', () => {
    for (const e of [[0x22], [0xe0], [0x2f, 0x10, 0x00]]) {
      const r = run(e);
      expect(!r.ok && r.error.kind === 'dwarf' && r.error.error.kind).toBe('malformed');
    }
  });

  it('an expression that loops is stopped by the step limit', () => {
    const r = run([0x2f, 0xfd, 0xff]);
    expect(!r.ok && r.error.kind === 'dwarf' && r.error.error.kind).toBe('limit');
  });

  it('asks for registers and memory instead of reading them, and says which one was unavailable', () => {
    const asked: string[] = [];
    const r = run([0x77, 0x08, 0x06], (req) => {
      asked.push(req.kind);
      return req.kind === 'register' ? 0x1000n : null;
    });
    expect(asked).toEqual(['register', 'memory']);
    expect(!r.ok && r.error.kind === 'unavailable' && r.error.request).toEqual({ kind: 'memory', address: 0x1008n, size: 8 });
  });

  it('a truncated operand is "truncated"', () => {
    const r = run([0x0e, 1, 2]);
    expect(!r.ok && r.error.kind === 'dwarf' && r.error.error.kind).toBe('truncated');
  });
});
