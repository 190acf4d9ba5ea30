// Native frames named from DWARF against gdb WITH separate debug files: for the segv-threads core
// of every label, corpus/gdb_bt.py --dbg recorded gdb's `bt` of the crashing thread with the
// debug files of corpus/debug (libc from libc6-dbg, pyenv's _ctypes, 3.11's libpython). pycore,
// given the same directory with --debug-dir, must name gdb's first 12 frames the same, in the same
// order: static functions, inlined calls (gdb prints no address for the frame an inlined call sits
// in) and tail-call frames included. Without the debug files nothing changes (test/native.test.ts).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { listFiles } from '../src/analysis/files.js';
import { mallocStatsViews, openHeap } from '../src/analysis/heap/session.js';
import { renderAllMallocStats } from '../src/reports/malloc-stats.js';
import type { NativeFrameView } from '../src/analysis/native-view-model.js';
import type { AnalyzeReport } from '../src/analysis/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { pycore } from './helpers/cli.js';
import { CORES, CORPUS, SYSROOT } from './helpers/corpus.js';
import { sha256File } from './helpers/gdb-bt.js';

const DEBUG = join(CORPUS, 'debug');
const NAMES = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', 'debian-3.11'].map((l) => `${l}-segv-threads`);
const FIRST = 12;

interface DbgFrame {
  index: number;
  pc: number | null;
  function: string | null;
  signal: boolean;
}

const FRAME = /^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(\S+) \(.*\)(?: at \S+| from \S+)?$/;

/** gdb's frames from corpus/cores/<name>.gdb-bt-dbg.txt (its own text, parsed here). */
function readDbg(name: string): { sha: string; frames: DbgFrame[] } {
  const text = readFileSync(join(CORES, `${name}.gdb-bt-dbg.txt`), 'utf8');
  const frames: DbgFrame[] = [];
  let sha = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('# core-sha256: ')) sha = line.slice(15).trim();
    if (!/^#\d/.test(line)) continue;
    const index = Number(/^#(\d+)/.exec(line)![1]);
    if (line.endsWith('<signal handler called>')) {
      frames.push({ index, pc: null, function: null, signal: true });
      continue;
    }
    const m = FRAME.exec(line);
    if (!m) throw new Error(`${name}: unparsed gdb frame line: ${line}`);
    frames.push({ index, pc: m[2] ? Number.parseInt(m[2], 16) : null, function: m[3] === '??' ? null : m[3], signal: false });
  }
  return { sha, frames };
}

function crashingNative(report: AnalyzeReport): NativeFrameView[] {
  const t = report.threads.find((x) => x.current)!;
  return t.native!.frames.filter((f): f is NativeFrameView => f.kind === 'native');
}

const reports = new Map<string, AnalyzeReport>();

beforeAll(async () => {
  for (const name of NAMES) {
    const t = await openCore(join(CORES, `${name}.core.gz`), { sysroot: SYSROOT, debugDir: [DEBUG], progress: false });
    reports.set(name, analyze(t, { native: { all: true } }).report);
    t.close();
  }
}, 120_000);

afterAll(() => reports.clear());

describe('native frames named like gdb with separate debug files', () => {
  it('every record was made from the corpus core it names', () => {
    for (const name of NAMES) {
      expect(existsSync(join(CORES, `${name}.gdb-bt-dbg.txt`)), `run python3 corpus/gdb_bt.py --dbg ${name}`).toBe(true);
      expect(readDbg(name).sha, name).toBe(sha256File(join(CORES, `${name}.core.gz`)));
    }
  });

  for (const name of NAMES) {
    it(`${name}: gdb's first ${FIRST} frames, same names in the same order, inlined calls and tail calls included`, () => {
      const gdb = readDbg(name).frames.slice(0, FIRST);
      const ours = crashingNative(reports.get(name)!).slice(0, FIRST);
      expect(ours.map((f) => (f.signal_frame ? '<signal handler called>' : f.symbol))).toEqual(gdb.map((f) => (f.signal ? '<signal handler called>' : f.function)));
      // Where gdb printed an address it is ours too; a frame after which gdb prints none (and
      // that is no signal frame) holds an inlined call at the same pc.
      for (let i = 0; i < gdb.length; i++) {
        if (gdb[i].pc !== null) expect(Number.parseInt(ours[i].address, 16), `${name} #${i}`).toBe(gdb[i].pc);
        if (i + 1 < gdb.length && !gdb[i].signal) expect(ours[i].inlined, `${name} #${i} inlined`).toBe(gdb[i + 1].pc === null && !gdb[i + 1].signal);
      }
      expect(ours.some((f) => f.inlined)).toBe(gdb.some((f, i) => i > 0 && f.pc === null && !f.signal && !gdb[i - 1].signal));
      expect(ours.some((f) => f.recovery === 'tail-call')).toBe(true);
    });
  }

  it("3.11 with its libpython's DWARF: the whole crashing thread matches gdb", () => {
    const gdb = readDbg('3.11-segv-threads').frames;
    const ours = crashingNative(reports.get('3.11-segv-threads')!);
    expect(ours.map((f) => (f.signal_frame ? '<signal handler called>' : f.symbol))).toEqual(gdb.map((f) => (f.signal ? '<signal handler called>' : f.function)));
  });

  it('the crash site and culprit use the DWARF names', () => {
    const r = reports.get('debian-3.11-segv-threads')!;
    expect(r.crash_site?.symbol).toBe('__pthread_kill_implementation');
    expect(r.crash_site?.interrupted?.symbol).toBe('__strlen_evex');
  });

  it('JSON marks inlined frames', () => {
    const res = pycore(['analyze', join(CORES, '3.11-segv-threads.core.gz'), '--native', '--sysroot', SYSROOT, '--debug-dir', DEBUG, '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    const frames = report.threads.find((t: { current: boolean }) => t.current).frames.filter((f: { kind: string }) => f.kind === 'native');
    const inlined = frames.filter((f: { inlined?: boolean }) => f.inlined === true).map((f: { symbol: string }) => f.symbol);
    expect(inlined).toContain('_call_function_pointer');
    expect(frames.find((f: { symbol: string }) => f.symbol === '_ctypes_callproc').inlined).toBeUndefined();
  });

  it('files: says what each debug file provides, and names the crash function only when something does', async () => {
    const t = await openCore(join(CORES, 'debian-3.11-segv-threads.core.gz'), { sysroot: SYSROOT, progress: false });
    const libc = (r: ReturnType<typeof listFiles>) => r.files.find((f) => f.role === 'libc')!;
    const without = libc(listFiles(t));
    expect(without.debug_info?.file).toBeNull();
    expect(without.needed_for.join('\n')).toMatch(/neither its symbols nor its debug information name the function/);
    // --debug-dir reaches listFiles through the target, as from the command line.
    const td = await openCore(join(CORES, 'debian-3.11-segv-threads.core.gz'), { sysroot: SYSROOT, debugDir: [DEBUG], progress: false });
    const withDbg = libc(listFiles(td));
    td.close();
    expect(withDbg.debug_info).toMatchObject({ embedded: false, file: join(DEBUG, '.build-id/93/ac61ec5a8eb1396f9fbd350e3169a558528a40.debug') });
    // corpus/make_debug.py keeps .debug_info, .debug_line, location lists (for --native --locals) and .symtab, and drops .debug_frame.
    expect(withDbg.debug_info?.provides).toEqual(['function-names', 'inlined-calls', 'types', 'line-tables', 'symbol-table', 'variable-locations']);
    expect(withDbg.needed_for).toContain('the crash site: names the function the signal hit (__pthread_kill_implementation)');
    t.close();
  });
});

/** Every file of corpus/sysroot linked into a fresh directory, but `hide`'s .symtab made invisible (type PROGBITS, renamed) in a copy. */
function sysrootWithoutSymtab(hide: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pycore-no-symtab-'));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const dest = join(root, relative(SYSROOT, p));
        mkdirSync(dirname(dest), { recursive: true });
        if (relative(SYSROOT, p) === hide) copyFileSync(p, dest);
        else symlinkSync(p, dest);
      }
    }
  };
  walk(SYSROOT);
  const file = join(root, hide);
  const b = readFileSync(file);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const strtab = Number(b.readBigUInt64LE(shoff + b.readUInt16LE(0x3e) * shentsize + 0x18));
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    if (b.readUInt32LE(h + 4) !== 2) continue; // SHT_SYMTAB
    b.writeUInt32LE(1, h + 4);
    b[strtab + b.readUInt32LE(h)] = 0x5f; // ".symtab" -> "_symtab"
  }
  writeFileSync(file, b);
  return root;
}

describe("a separate debug file's .symtab", () => {
  const LIBPY = 'root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0';
  let root = '';
  beforeAll(() => {
    root = sysrootWithoutSymtab(LIBPY);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const stats = async (debugDir?: string[]) => {
    const t = await openCore(join(CORES, '3.11-heap.core.gz'), { sysroot: root, debugDir, progress: false });
    const s = openHeap(t);
    if ('fatal' in s) throw new Error(s.fatal);
    const out = renderAllMallocStats(mallocStatsViews(s));
    t.close();
    return out;
  };

  it("--malloc-stats: pymalloc's static counters come from the debug file's .symtab when libpython has only .dynsym", async () => {
    const recorded = readFileSync(join(CORES, '3.11-heap.stderr.txt'), 'latin1');
    const want = recorded.slice(recorded.indexOf('Small block threshold'), recorded.indexOf('Fatal Python error: Aborted'));
    const without = await stats();
    expect(without).toMatch(/# arenas allocated total += +\?/);
    expect(await stats([DEBUG])).toBe(want);
  });
});

