// C arguments and locals of native frames (`analyze --native --locals`) against gdb's `bt full`
// of the crashing thread, recorded by corpus/gdb_bt.py --dbg with the debug files of corpus/debug
// (which keep their location lists). For every frame whose function pycore names as gdb does:
// the same parameters in the same order; and wherever both print a value, the same value.
// Entry values (DW_OP_entry_value(DW_OP_regN)) are resolved, as gdb does, from the caller's
// DW_TAG_call_site_parameter when the call site's callee is the frame's function (a call value
// that is the caller's own entry value one frame further up; DW_OP_fbreg in it from the caller's
// frame base). Wherever gdb prints a value pycore prints the same one (312 values over the seven
// cores); where gdb says `<optimized out>` pycore does too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import type { NativeFrameView, NativeVariableView } from '../src/analysis/native-view-model.js';
import type { AnalyzeReport } from '../src/analysis/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { renderAnalyzeText } from '../src/reports/text.js';
import { pycore } from './helpers/cli.js';
import { CORES, CORPUS, SYSROOT } from './helpers/corpus.js';
import { sha256File } from './helpers/gdb-bt.js';

const DEBUG = join(CORPUS, 'debug');
const NAMES = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', 'debian-3.11'].map((l) => `${l}-segv-threads`);

interface GdbVar {
  name: string;
  /** The value gdb printed for the variable itself (null: `<optimized out>`, or only its entry value `x@entry=V`). */
  value: string | null;
  /** gdb knew only the value at entry (`x@entry=V`), from the caller's call site. */
  entryOnly: boolean;
}

interface GdbFrame {
  index: number;
  function: string | null;
  args: GdbVar[] | null;
  locals: GdbVar[];
}

/** Split gdb's argument list at top-level commas (values may hold `{...}`, quoted strings and `<...>`). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === '\\') cur += s[i++];
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '(' || ch === '<') depth++;
    else if (ch === '}' || ch === ')' || ch === '>') depth--;
    else if (ch === ',' && depth === 0 && s[i + 1] === ' ') {
      out.push(cur);
      cur = '';
      i++;
      continue;
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function gdbVar(text: string): GdbVar {
  const eq = text.indexOf('=');
  let name = text.slice(0, eq).trim();
  let value: string | null = text.slice(eq + 1).trim();
  let entryOnly = false;
  if (name.endsWith('@entry')) {
    name = name.slice(0, -'@entry'.length);
    entryOnly = true;
    value = null;
  } else if (value.startsWith(`${name}@entry=`)) value = value.slice(name.length + '@entry='.length);
  if (value === '<optimized out>') value = null;
  return { name, value, entryOnly };
}

/** gdb's frames from corpus/cores/<name>.gdb-bt-full-dbg.txt (its own text, parsed here). */
function readFull(name: string): { sha: string; frames: GdbFrame[] } {
  const text = readFileSync(join(CORES, `${name}.gdb-bt-full-dbg.txt`), 'utf8');
  const frames: GdbFrame[] = [];
  let sha = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('# core-sha256: ')) sha = line.slice(15).trim();
    const m = /^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \((.*)\)(?: at \S+| from \S+)?$/.exec(line);
    if (m) {
      frames.push({ index: Number(m[1]), function: m[2] === '??' ? null : m[2], args: m[3] === '' ? [] : splitTop(m[3]).map(gdbVar), locals: [] });
      continue;
    }
    if (/^#\d/.test(line)) frames.push({ index: Number(/^#(\d+)/.exec(line)![1]), function: null, args: null, locals: [] });
    const l = /^ {8}(\S+) = (.*)$/.exec(line);
    if (l && frames.length) frames[frames.length - 1].locals.push(gdbVar(`${l[1]}=${l[2]}`));
  }
  return { sha, frames };
}

/** The part of gdb's value pycore prints: a pointer's address without gdb's `<symbol>` or `"string"` after it; an aggregate as `{...}`. */
function comparable(v: string): string {
  // An array (gdb prints a char array as its string) or struct.
  if (v.startsWith('{') || /^".*"$/.test(v)) return '{...}';
  if (/^0x[0-9a-f]+ /.test(v)) return v.slice(0, v.indexOf(' '));
  return v;
}

const reports = new Map<string, AnalyzeReport>();

beforeAll(async () => {
  for (const name of NAMES) {
    const t = await openCore(join(CORES, `${name}.core.gz`), { sysroot: SYSROOT, debugDir: [DEBUG], progress: false });
    reports.set(name, analyze(t, { native: { all: true, locals: true } }).report);
    t.close();
  }
}, 120_000);

afterAll(() => reports.clear());

function crashing(name: string): NativeFrameView[] {
  const t = reports.get(name)!.threads.find((x) => x.current)!;
  return t.native!.frames.filter((f): f is NativeFrameView => f.kind === 'native');
}

/** Each variable both list, paired by name; gdb lists a name twice when two blocks declare it (then paired in order). */
function pairs(gdb: GdbVar[], ours: NativeVariableView[]): [GdbVar, NativeVariableView | undefined][] {
  const used = new Set<NativeVariableView>();
  return gdb.map((g) => {
    const o = ours.find((x) => x.name === g.name && !used.has(x));
    if (o) used.add(o);
    return [g, o];
  });
}

describe("C arguments and locals like gdb's bt full", () => {
  it('every record was made from the corpus core it names', () => {
    for (const name of NAMES) expect(readFull(name).sha, `run python3 corpus/gdb_bt.py --dbg ${name}`).toBe(sha256File(join(CORES, `${name}.core.gz`)));
  });

  const tally = { same: 0, optimizedOut: 0 };
  for (const name of NAMES) {
    it(`${name}: same parameters in the same order, the same value wherever both print one`, () => {
      const gdb = readFull(name).frames;
      const ours = crashing(name);
      let compared = 0;
      for (const g of gdb) {
        const o = ours[g.index];
        if (!o || g.args === null || o.signal_frame || o.symbol !== g.function) continue;
        if (!o.args) {
          // No DWARF function here for pycore: gdb knows none either (a frame from .symtab only prints `()`).
          expect(g.args, `${name} #${g.index}`).toEqual([]);
          continue;
        }
        compared++;
        expect(o.args.map((a) => a.name), `${name} #${g.index} ${g.function}`).toEqual(g.args.map((a) => a.name));
        for (const [gv, ov] of [...pairs(g.args, o.args), ...pairs(g.locals, o.locals ?? [])]) {
          const where = `${name} #${g.index} ${g.function}: ${gv.name}`;
          // gdb lists some locals twice (an inlined function's abstract variables again, all optimized out): pycore lists them once.
          if (!ov) {
            expect(gv.value, where).toBeNull();
            continue;
          }
          if (ov.value !== undefined) {
            // pycore printed a value: gdb printed the same one.
            expect(gv.value === null ? `${gv.entryOnly ? 'entry-only' : '<optimized out>'}` : comparable(gv.value), where).toBe(ov.value);
            tally.same++;
          } else {
            // pycore says optimized out (or unreadable): so does gdb.
            expect(gv.value, where).toBeNull();
            tally.optimizedOut++;
          }
        }
      }
      expect(compared, name).toBeGreaterThan(3);
    });
  }

  it('both print hundreds of values, and agree on hundreds of optimized-out ones', () => {
    expect(tally.same).toBeGreaterThanOrEqual(300);
    expect(tally.optimizedOut).toBeGreaterThanOrEqual(100);
  });

  it("3.11: string_at's NULL pointer and size -1, as gdb shows the crash's cause", () => {
    const f = crashing('3.11-segv-threads').find((x) => x.symbol === 'string_at' && !x.inlined)!;
    expect(f.args).toEqual([
      { name: 'ptr', type: 'const char *', value: '0x0' },
      { name: 'size', type: 'int', value: '-1' },
    ]);
  });

  it('text: each C frame lists its arguments and locals under it', () => {
    const text = renderAnalyzeText(reports.get('3.11-segv-threads')!, {});
    expect(text).toMatch(/string_at\+0x8 .*\n {8}arg size = -1\n {8}arg ptr = 0x0\n/);
    expect(text).toMatch(/__pthread_kill_implementation\+0x10c [^\n]*\n {8}arg threadid = <optimized out>\n {8}arg signo = 11\n/);
  });

  it("entry values come from the caller's call site: frame 0's no_tid is the 0 __pthread_kill_internal's tail call passes", () => {
    for (const name of NAMES) expect(crashing(name)[0].args!.find((a) => a.name === 'no_tid'), name).toMatchObject({ value: '0' });
  });

  it('JSON: args and locals with name, type and value or optimized_out', () => {
    const res = pycore(['analyze', join(CORES, '3.11-segv-threads.core.gz'), '--native', '--locals', '--sysroot', SYSROOT, '--debug-dir', DEBUG, '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    const frames = report.threads.find((t: { current: boolean }) => t.current).frames.filter((f: { kind: string }) => f.kind === 'native');
    const kill = frames.find((f: { symbol: string }) => f.symbol === '__pthread_kill_implementation');
    expect(kill.args[0]).toEqual({ name: 'threadid', type: 'pthread_t', optimized_out: true, why: expect.any(String) });
    expect(kill.args[1]).toEqual({ name: 'signo', type: 'int', value: '11' });
    // Without the debug files (the sysroot's binaries have no DWARF) no C frame has arguments to show.
    const bare = JSON.parse(pycore(['analyze', join(CORES, '3.11-segv-threads.core.gz'), '--native', '--locals', '--sysroot', SYSROOT, '--format', 'json']).stdout);
    expect(bare.threads.flatMap((t: { frames: { args?: unknown }[] }) => t.frames).some((f: { args?: unknown }) => f.args)).toBe(false);
    // Without --locals nothing is decoded.
    const plain = JSON.parse(pycore(['analyze', join(CORES, '3.11-segv-threads.core.gz'), '--native', '--sysroot', SYSROOT, '--debug-dir', DEBUG, '--format', 'json']).stdout);
    expect(plain.threads.find((t: { current: boolean }) => t.current).frames.some((f: { args?: unknown }) => f.args)).toBe(false);
  });
});
