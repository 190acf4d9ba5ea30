// Native stacks against gdb: every thread of every corpus core unwinds to exactly the frames gdb
// prints (`thread apply all bt`, recorded by corpus/gdb_bt.py with the same stripped binaries):
// same pcs, same function names, signal frames in the same places. The merge of Python frames
// into the native stack matches what CPython's own gdb extension (libpython.py, recorded by
// corpus/gdb_py_frames.py) says each eval-loop call was running. The crash culprit is gdb's first
// frame below the signal frame that lies outside the interpreter and libc.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import type { NativeFrameView } from '../src/analysis/native-view-model.js';
import { openCore } from '../src/cli/open-core.js';
import type { Target } from '../src/target/target.js';
import { NativeUnwinder, type NativeStack } from '../src/target/unwind.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { CORES, SYSROOT, corpusCores, nonPythonCore } from './helpers/corpus.js';
import { gdbBacktracePath, gdbPrintedName, readGdbBacktraces, sha256File, type GdbThread } from './helpers/gdb-bt.js';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';

// qemu-user cores (aarch64) included: corpus/gdb_bt.py records them with gdb-multiarch.
const cores = [
  ...corpusCores().map((c) => ({ name: c.name, core: c.core, scenario: c.truth.scenario })),
  { name: 'nonpython-sleep', core: nonPythonCore(), scenario: 'nonpython-sleep' },
];

const open = (core: string) => openCore(core, { sysroot: SYSROOT, progress: false });

/** What gdb prints for one of our frames. */
function asGdb(s: NativeStack) {
  return s.frames.map((f) => (f.signalTrampoline ? { signal: true } : { pc: f.pc, function: f.symbol ? gdbPrintedName(f.symbol.name) : null }));
}

function gdbFrames(t: GdbThread) {
  return t.frames.map((f) => (f.signal ? { signal: true } : { pc: f.pc, function: f.function }));
}

/**
 * gdb stops at `main` ("backtrace past-main" is off by default) when the executable has a `main`
 * symbol on the stack (Debian's debug build); we go on to __libc_start_main and _start. Where gdb
 * never finished unwinding (a cut record: gdb-multiarch on qemu-user's signal frames), its frames
 * are compared with as many of ours, and we must have gone further.
 */
function comparable(ours: ReturnType<typeof asGdb>, gdb: GdbThread) {
  const g = gdbFrames(gdb);
  const last = gdb.frames[gdb.frames.length - 1];
  if (gdb.cut) expect(ours.length, gdb.cut).toBeGreaterThan(g.length);
  return (last?.function === 'main' && !gdb.stopped) || gdb.cut ? ours.slice(0, g.length) : ours;
}

function unwindAll(t: Target, o: { sigreturnByCode?: boolean } = {}): Map<number, NativeStack> {
  const u = new NativeUnwinder(t, { maxFrames: 100_000, ...o });
  return new Map(t.threads.map((th) => [th.tid, u.unwind(th)]));
}

describe('native stacks match gdb', () => {
  it('every corpus core has a gdb record made from that very core', () => {
    const missing = cores.filter((c) => !existsSync(gdbBacktracePath(c.name))).map((c) => c.name);
    expect(missing, 'run python3 corpus/gdb_bt.py').toEqual([]);
    const stale = cores.filter((c) => existsSync(gdbBacktracePath(c.name)) && readGdbBacktraces(c.name)!.coreSha256 !== sha256File(c.core)).map((c) => c.name);
    expect(stale, 'cores changed since their gdb record: run python3 corpus/gdb_bt.py NAME ...').toEqual([]);
  });

  for (const c of cores) {
    it(`${c.name}: every thread's frames, pcs and names`, async () => {
      const gdb = readGdbBacktraces(c.name);
      if (!gdb) return; // reported by the test above
      const t = await open(c.core);
      const stacks = unwindAll(t);
      expect([...stacks.keys()].sort()).toEqual(gdb.threads.map((x) => x.lwp).sort());
      for (const g of gdb.threads) {
        const s = stacks.get(g.lwp)!;
        expect(comparable(asGdb(s), g), `LWP ${g.lwp}`).toEqual(gdbFrames(g));
        expect(s.stop.reason, `LWP ${g.lwp}: ${s.stop.detail}`).toBe('outermost');
        expect(s.frames.every((f) => f.recovery !== 'frame-pointer')).toBe(true);
      }
      t.close();
    });
  }

  it('finds signal frames through the signal trampoline CFI alone (DWARF expressions), as through its code', async () => {
    const withSignal = cores.filter((c) => readFileSync(gdbBacktracePath(c.name), 'utf8').includes('<signal handler called>'));
    expect(withSignal.length).toBeGreaterThan(20);
    for (const c of withSignal.filter((x) => /^(3\.8|3\.12|debian-3\.11)-/.test(x.name))) {
      const t = await open(c.core);
      const byCfi = unwindAll(t, { sigreturnByCode: false });
      for (const g of readGdbBacktraces(c.name)!.threads) expect(comparable(asGdb(byCfi.get(g.lwp)!), g), `${c.name} LWP ${g.lwp}`).toEqual(gdbFrames(g));
      const signal = [...byCfi.values()].flatMap((s) => s.frames).filter((f) => f.signalTrampoline);
      expect(signal.length).toBeGreaterThan(0);
      t.close();
    }
  });
});

interface GdbPy {
  core_sha256: string;
  threads: { lwp: number; eval_frames: { pc: string; python: { file: string; line: number | null; function: string }[]; readable: boolean }[] }[];
}

describe('merged stacks match CPython’s gdb extension', () => {
  const withPy = cores.filter((c) => existsSync(join(CORES, `${c.name}.gdb-py.json`)));

  it('has a record for every pyenv core', () => {
    const pyenv = cores.filter((c) => /^(2\.7|3\.\d+)-/.test(c.name));
    expect(withPy.map((c) => c.name)).toEqual(pyenv.map((c) => c.name));
  });

  for (const c of withPy) {
    it(`${c.name}: each eval-loop frame runs the Python frames libpython.py says it runs`, async () => {
      const truth = JSON.parse(readFileSync(join(CORES, `${c.name}.gdb-py.json`), 'utf8')) as GdbPy;
      expect(truth.core_sha256, 'run python3 corpus/gdb_py_frames.py').toBe(sha256File(c.core));
      const t = await open(c.core);
      const { report } = analyze(t, { native: { all: true } });
      for (const g of truth.threads) {
        const view = report.threads.find((x) => x.native_id === g.lwp);
        if (!view) {
          expect(g.eval_frames, `LWP ${g.lwp} has no Python thread state but gdb found eval frames`).toEqual([]);
          continue;
        }
        const s = view.native!;
        expect(s.merged, `LWP ${g.lwp}: ${s.unreadable}`).toBe(true);
        // Each eval frame with the Python frames placed right before it (most recent first). Lines
        // are left out: libpython.py of 3.8 reads negative co_lnotab line deltas as positive (283
        // for 27); faulthandler's lines, which corpus.test.ts checks, are the truth for lines.
        const ours: { pc: string; python: { file: string | null; function: string | null }[] }[] = [];
        let pending: { file: string | null; function: string | null }[] = [];
        for (const f of s.frames) {
          if (f.kind === 'python') pending.push({ file: f.file, function: f.function });
          else if (f.role === 'eval') {
            ours.push({ pc: f.address, python: pending });
            pending = [];
          }
        }
        expect(pending).toEqual([]);
        expect(g.eval_frames.every((e) => e.readable)).toBe(true);
        expect(ours, `LWP ${g.lwp}`).toEqual(g.eval_frames.map((e) => ({ pc: e.pc, python: e.python.map((p) => ({ file: p.file, function: p.function })) })));
      }
      t.close();
    });
  }
});

describe('crash culprit', () => {
  const SYSTEM = /\/(libc\.so\.6|ld-linux-x86-64\.so\.2|libpython[23]\.\d+m?\.so\.1\.0)$/;
  // Not the qemu-user cores: gdb-multiarch shows no frame below their signal frames (cut records).
  const crashing = cores.filter((x) => x.scenario === 'extension' || x.scenario === 'segv-threads' || x.scenario === 'abort');
  for (const c of crashing.filter((x) => !readGdbBacktraces(x.name)?.threads.some((t) => t.cut))) {
    it(`${c.name}: the first frame below the signal frame outside the interpreter and libc, as gdb shows it`, async () => {
      const text = readFileSync(gdbBacktracePath(c.name), 'utf8').split('\n');
      const t = await open(c.core);
      const { report } = analyze(t);
      const crashing = report.crash_site!.thread_native_id;
      const start = text.findIndex((l) => new RegExp(`\\(LWP ${crashing}\\)\\)?:$`).test(l));
      const lines = text.slice(start + 1, text.findIndex((l, i) => i > start && l.startsWith('Thread ')) >>> 0).filter((l) => l.startsWith('#'));
      const sig = lines.findIndex((l) => l.includes('<signal handler called>'));
      // gdb names a frame's file after "from"; frames of the executable have none.
      const below = lines.slice(sig + 1).map((l) => /^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*\)(?: from (\S+))?$/.exec(l)!);
      const expected = below.find((m) => m[2] && !SYSTEM.test(m[2]));
      const got = report.crash_site!.culprit;
      if (!expected) expect(got).toBeNull();
      else {
        expect(got?.symbol === null ? '??' : got?.symbol).toBe(expected[1]);
        expect(expected[2].endsWith(got!.module!)).toBe(true);
      }
      if (c.scenario === 'extension') {
        expect(got?.symbol).toBe('crashext_crash');
        expect(got?.module_path).toMatch(/\/crashext\.cpython-[^/]+\.so$/);
        expect(report.crash_site!.interrupted?.frame).toBe(got?.frame);
      }
      t.close();
    });
  }
});

describe('analyze --native-all --format json on the aarch64 (qemu-user) cores matches gdb-multiarch', () => {
  const arm64 = cores.filter((c) => c.name.includes('-arm64-'));

  it('covers every aarch64 core', () => {
    expect(arm64.map((c) => c.scenario).sort()).toEqual(['abort', 'locals', 'segv-threads']);
  });

  for (const c of arm64) {
    it(`${c.name}: every thread's native frames, pcs and names as gdb-multiarch prints them`, () => {
      const gdb = readGdbBacktraces(c.name);
      if (!gdb) return; // reported by 'every corpus core has a gdb record'
      const r = pycore(['analyze', c.core, '--sysroot', SYSROOT, '--native-all', '--format', 'json']);
      expect(r.code).toBe(0);
      type F = { kind: string; address: string; symbol: string | null; signal_frame?: boolean };
      const j = JSON.parse(r.stdout) as { threads: { native_id: number; frames: F[] }[]; native_threads: { native_id: number; frames: F[] }[] };
      const byLwp = new Map([...j.threads, ...j.native_threads].map((t) => [t.native_id, t.frames.filter((f) => f.kind === 'native')]));
      expect([...byLwp.keys()].sort()).toEqual(gdb.threads.map((t) => t.lwp).sort());
      for (const g of gdb.threads) {
        const ours = byLwp.get(g.lwp)!.map((f) => (f.signal_frame ? { signal: true } : { pc: Number.parseInt(f.address, 16), function: f.symbol ? gdbPrintedName(f.symbol) : null }));
        expect(comparable(ours, g), `LWP ${g.lwp}`).toEqual(gdbFrames(g));
      }
    });
  }
});

describe('analyze --native (CLI)', () => {
  const core = join(CORES, '3.12-extension.core.gz');

  it('prints merged stacks and names the extension in the header', () => {
    const r = pycore(['analyze', core, '--sysroot', SYSROOT, '--native']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Culprit: {4}crashext_crash\+0x0 in \/tmp\/pycore-corpus-ext\/3\.12\/crashext\.cpython-312-x86_64-linux-gnu\.so \(0x[0-9a-f]+, frame #3\): where the signal arrived/m);
    expect(r.stdout).toMatch(/^ {2}C {3}#2 {2}<signal handler called>$/m);
    expect(r.stdout).toMatch(/^ {2}Py {2}File "\/work\/main\/corpus\/scenarios\/extension\.py", line 22 in callback$/m);
    expect(r.stdout).toMatch(/interpreter-internal frames? folded; --native-all shows them/);
    expect(r.stdout).not.toContain('_PyEval_EvalFrameDefault');
    const all = pycore(['analyze', core, '--sysroot', SYSROOT, '--native-all']);
    expect(all.stdout).toContain('_PyEval_EvalFrameDefault');
    expect(all.stdout).not.toContain('folded');
  });

  it('gives JSON frames with a kind', () => {
    const j = JSON.parse(pycore(['analyze', core, '--sysroot', SYSROOT, '--native', '--format', 'json']).stdout);
    const cur = j.threads.find((t: { current: boolean }) => t.current);
    expect(cur.native).toMatchObject({ merged: true });
    const kinds = new Set(cur.frames.map((f: { kind: string }) => f.kind));
    expect(kinds).toEqual(new Set(['native', 'python']));
    const crash = cur.frames.find((f: { symbol?: string }) => f.symbol === 'crashext_crash');
    expect(Object.keys(crash)).toEqual(expect.arrayContaining(['kind', 'module', 'symbol', 'offset', 'file', 'line', 'address']));
    expect(j.crash_site.culprit).toMatchObject({ symbol: 'crashext_crash', frame: 3 });
    const py = cur.frames.find((f: { kind: string }) => f.kind === 'python');
    expect(Object.keys(py)).toEqual(expect.arrayContaining(['kind', 'function', 'qualname', 'file', 'line']));
    expect(j.native_threads).toEqual([]);
  });

  it('shows a core without Python as native threads only', () => {
    const r = pycore(['analyze', nonPythonCore(), '--sysroot', SYSROOT, '--native']);
    expect(r.code).toBe(1);
    expectOneLineError(r);
    expect(r.stdout).toMatch(/^Thread LWP \d+, without a Python thread state \(most recent call first\):\n {2}C {3}#0 {2}0x[0-9a-f]{16} in clock_nanosleep\+/m);
  });

  it('marks frames found without CFI when a library is missing', async () => {
    // An empty --lib-path and no sysroot for libc: frames in libc have no file, so no CFI.
    const t = await openCore(join(CORES, '3.12-abort.core.gz'), { sysroot: join(CORES, '..', 'no-such-sysroot'), progress: false });
    const s = new NativeUnwinder(t, { maxFrames: 64 }).unwind(t.threads[0]);
    expect(s.frames.length).toBeGreaterThan(0);
    expect(['no-unwind-info', 'loop', 'limit', 'unreadable', 'outermost']).toContain(s.stop.reason);
    expect(s.frames.slice(1).every((f) => f.recovery === 'frame-pointer' || f.recovery === 'sigcontext')).toBe(true);
    t.close();
  });
});

describe('file:line of native frames', () => {
  // The sysroot's copies are stripped; the builds on this machine carry DWARF (and libc's
  // separate debug file may be installed). gdb's `info line *ADDR` reads the same line tables.
  // (binutils 2.40's addr2line is no reference: it misnumbers DWARF 5 file entries, naming
  // thread.c where the line table says thread_pthread.h.)
  const real = '/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0';
  const canRun = existsSync(real) && spawnSync('gdb', ['--version']).status === 0;

  it.skipIf(!canRun)("match gdb's `info line` for every frame shown with a line (3.12 cores, real binaries)", async () => {
    let checked = 0;
    for (const name of ['3.12-segv-threads', '3.12-extension']) {
      const t = await openCore(join(CORES, `${name}.core.gz`), { libPath: [join(SYSROOT, 'tmp/pycore-corpus-ext/3.12')], progress: false });
      const { report } = analyze(t, { native: { all: true } });
      // `info line` gives the line at the pc: the innermost inlined call's. The frames an inlined
      // call sits in show where they called it (test/native-dwarf.test.ts compares those with gdb's bt).
      const frames = report.threads
        .flatMap((th) => th.native!.frames.filter((f): f is NativeFrameView => f.kind === 'native').filter((f, i, all) => !(i > 0 && all[i - 1].inlined)))
        .filter((f) => f.file !== null);
      const byFile = new Map<string, { f: NativeFrameView; lookup: number }[]>();
      for (const f of frames) {
        const m = t.modules.find((x) => x.path === f.module_path)!;
        if (m.status.kind !== 'loaded') continue;
        const lookup = Number(f.address) - (f.index === 0 || f.recovery === 'sigcontext' ? 0 : 1) - m.bias;
        byFile.set(m.status.localPath, [...(byFile.get(m.status.localPath) ?? []), { f, lookup }]);
      }
      for (const [file, list] of byFile) {
        const args = ['-batch', '-nx', '-ex', 'set debuginfod enabled off', ...list.flatMap((x) => ['-ex', `info line *0x${x.lookup.toString(16)}`]), file];
        const lines = spawnSync('gdb', args, { encoding: 'utf8' }).stdout.split('\n').filter((l) => /^(Line \d+ of|No line number)/.test(l));
        expect(lines.length).toBe(list.length);
        list.forEach(({ f }, i) => {
          const want = /^Line (\d+) of "([^"]+)"/.exec(lines[i]);
          if (!want) return;
          expect(`${basename(f.file!)}:${f.line}`, `${name} #${f.index} ${f.symbol}`).toBe(`${basename(want[2])}:${want[1]}`);
          checked++;
        });
      }
      t.close();
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('hostile registers', () => {
  it('garbage registers end the walk with a reason, never a throw or a hang', async () => {
    const t = await open(join(CORES, '3.12-segv-threads.core.gz'));
    const u = new NativeUnwinder(t, { maxFrames: 100_000 });
    const real = t.threads[0];
    const libc = t.modules.find((m) => m.path.endsWith('/libc.so.6'))!;
    const cases: Record<string, number>[] = [
      { rip: 0x1234, rsp: 0x10, rbp: 0 },
      { rip: libc.start + 0x8aeec, rsp: 0xdead0000, rbp: 0xdead0000 },
      // A stack pointer into the thread's real stack but a pc in the middle of libc's data.
      { rip: libc.end - 8, rsp: real.registers.rsp, rbp: real.registers.rsp },
      { rip: real.registers.rip, rsp: 2 ** 53 - 8, rbp: 2 ** 53 - 8 },
    ];
    for (const regs of cases) {
      const s = u.unwind({ ...real, registers: { ...real.registers, ...regs } });
      expect(s.frames.length).toBeGreaterThan(0);
      expect(s.frames.length).toBeLessThan(100);
      expect(s.stop.detail.length).toBeGreaterThan(0);
    }
    const none = u.unwind({ ...real, registers: {} });
    expect(none.stop.reason).toBe('bad-registers');
    t.close();
  });
});

// Keep the role type referenced (frames of other roles are compared above through gdb).
export type _Role = NativeFrameView['role'];
