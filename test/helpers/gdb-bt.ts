// Reads corpus/cores/<name>.gdb-bt.txt: gdb's `thread apply all bt` of a corpus core, recorded by
// corpus/gdb_bt.py with the sysroot's binaries (no debug info). Parsed from gdb's text alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORES } from './corpus.js';

export interface GdbFrame {
  index: number;
  /** The address gdb printed (absent for `<signal handler called>`). */
  pc: number | null;
  /** The function gdb printed; null for `??`. */
  function: string | null;
  /** `<signal handler called>`: the kernel's signal trampoline. */
  signal: boolean;
}

export interface GdbThread {
  lwp: number;
  frames: GdbFrame[];
  /** gdb's "Backtrace stopped: ..." line, if it printed one. */
  stopped: string | null;
  /**
   * gdb_bt.py's "Backtrace cut by gdb_bt.py: ..." line: gdb never finished unwinding the next
   * frame (gdb-multiarch on qemu-user's signal frames), so the frames end early.
   */
  cut: string | null;
}

export interface GdbBacktraces {
  coreSha256: string;
  threads: GdbThread[];
}

const THREAD = /^Thread \d+ \((?:Thread 0x[0-9a-f]+ )?\(?LWP (\d+)\)\)?:$/;
const FRAME = /^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(\S+) \(.*\)(?: from \S+)?$/;
const SIGNAL = /^#(\d+)\s+<signal handler called>$/;

export function gdbBacktracePath(name: string): string {
  return join(CORES, `${name}.gdb-bt.txt`);
}

export function readGdbBacktraces(name: string): GdbBacktraces | null {
  const p = gdbBacktracePath(name);
  if (!existsSync(p)) return null;
  const out: GdbBacktraces = { coreSha256: '', threads: [] };
  let cur: GdbThread | null = null;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (line.startsWith('# core-sha256: ')) out.coreSha256 = line.slice('# core-sha256: '.length).trim();
    if (line.startsWith('#') && !/^#\d/.test(line)) continue;
    const t = THREAD.exec(line);
    if (t) {
      cur = { lwp: Number(t[1]), frames: [], stopped: null, cut: null };
      out.threads.push(cur);
      continue;
    }
    if (!cur) continue;
    const s = SIGNAL.exec(line);
    if (s) {
      cur.frames.push({ index: Number(s[1]), pc: null, function: null, signal: true });
      continue;
    }
    const f = FRAME.exec(line);
    if (f) {
      cur.frames.push({ index: Number(f[1]), pc: f[2] ? Number.parseInt(f[2], 16) : null, function: f[3] === '??' ? null : f[3], signal: false });
      continue;
    }
    if (line.startsWith('Backtrace stopped')) cur.stopped = line;
    else if (line.startsWith('Backtrace cut by gdb_bt.py: ')) cur.cut = line;
    else if (line.startsWith('#')) throw new Error(`${p}: unparsed frame line: ${line}`);
  }
  return out;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The name gdb 13 prints for an ELF symbol. gdb tries its language demanglers on every minimal
 * symbol; the Ada one (ada-lang.c ada_decode) accepts an all-lowercase C name that does not start
 * with '_' and rewrites it: it drops a trailing `.<digits>` (GCC's clone number, so
 * `pymain_run_python.constprop.0` prints as `pymain_run_python.constprop`) and turns `__` into `.`.
 */
export function gdbPrintedName(symbol: string): string {
  if (symbol.startsWith('_') || symbol.startsWith('<') || /[A-Z ]/.test(symbol)) return symbol;
  // gdb shows GCC's split-off cold part `f.cold` as `f[cold]`.
  return symbol.replace(/\.\d+$/, '').replace(/__/g, '.').replace(/\.cold$/, '[cold]');
}
