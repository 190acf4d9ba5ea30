// Text output of native stacks (`analyze --native`): per thread, native frames numbered as gdb
// numbers them (`C` lines) with the Python frames each eval-loop call ran (`Py` lines, in
// faulthandler's frame syntax) where that call sits; and the header lines naming the frame a
// signal interrupted and the likely culprit.
import type { NativeFrameRef, NativeFrameView, NativeStackView, NativeVariableView } from '../analysis/native-view-model.js';
import type { AnalyzeReport, FrameView } from '../analysis/view-model.js';
import { escapeForTerminal as esc, faulthandlerAscii } from './sanitize.js';

function where(f: { symbol: string | null; offset: string | null; module: string | null }): string {
  if (f.symbol) return `${esc(f.symbol)}+${f.offset} (${esc(f.module ?? '?')})`;
  return f.module ? `?? (${esc(f.module)}+${f.offset})` : '?? (no mapped file)';
}

function refText(f: NativeFrameRef, path: boolean): string {
  const mod = path ? (f.module_path ?? f.module) : f.module;
  const name = f.symbol ? `${esc(f.symbol)}+${f.offset}` : `offset ${f.offset}`;
  return `${name} in ${esc(mod ?? '?')} (${f.address}, frame #${f.frame})`;
}

/** Header lines: the interrupted frame (when it is not already the crash site) and the culprit. */
export function crashFrameLines(r: AnalyzeReport): string[] {
  const c = r.crash_site;
  if (!c) return [];
  const out: string[] = [];
  const i = c.interrupted;
  const same = i && c.culprit && i.frame === c.culprit.frame;
  if (i && i.address !== c.address && !same) out.push(`Interrupted: ${refText(i, false)}, where the signal arrived`);
  if (c.culprit) out.push(`Culprit:    ${refText(c.culprit, true)}: ${same ? 'where the signal arrived, ' : ''}the first frame outside the interpreter and the C library`);
  return out;
}

function nativeLine(f: NativeFrameView): string {
  const n = `#${f.index}`.padEnd(4);
  if (f.signal_frame) return `  C   ${n}<signal handler called>`;
  const pc = `0x${f.address.slice(2).padStart(16, '0')}`;
  const at = f.file ? ` at ${esc(f.file)}:${f.line ?? '?'}` : '';
  const how =
    f.recovery === 'frame-pointer' ? '  [found by the frame-pointer chain, no CFI]' : f.inlined ? '  [inlined]' : f.recovery === 'tail-call' ? '  [tail call: left no frame of its own]' : '';
  return `  C   ${n}${pc} in ${where(f)}${at}${how}`;
}

function variableLines(f: NativeFrameView): string[] {
  const out: string[] = [];
  const value = (v: NativeVariableView) => (v.value !== undefined ? esc(v.value) : v.optimized_out ? '<optimized out>' : `<unreadable: ${esc(v.unreadable ?? '')}>`);
  for (const v of f.args ?? []) out.push(`        arg ${esc(v.name)} = ${value(v)}`);
  for (const v of f.locals ?? []) out.push(`        ${esc(v.name)} = ${value(v)}`);
  if (f.args && f.locals && out.length === 0) out.push('        No arguments or locals.');
  if (f.variables_unreadable) out.push(`        [!] arguments and locals: ${esc(f.variables_unreadable)}`);
  return out;
}

function pythonLine(f: FrameView): string {
  const file = f.file === null ? '???' : `"${faulthandlerAscii(f.file)}"`;
  const line = f.line === null || f.line < 0 ? '???' : String(f.line);
  return `  Py  File ${file}, line ${line} in ${f.function === null ? '???' : faulthandlerAscii(f.function)}`;
}

export function stackLines(s: NativeStackView, out: string[]): void {
  for (const f of s.frames) {
    out.push(f.kind === 'native' ? nativeLine(f) : pythonLine(f));
    // --locals: a C frame's arguments then locals, as gdb's `bt full` lists them under the frame.
    if (f.kind === 'native') out.push(...variableLines(f));
    // --locals: under the Python frame they belong to, as in the faulthandler-style output.
    if (f.kind === 'python') for (const l of f.locals ?? []) out.push(`        ${esc(l.name)} = ${esc(l.repr)}`);
    if (f.kind === 'python' && f.locals_unreadable) out.push(`        [!] locals: ${esc(f.locals_unreadable)}`);
  }
  if (s.folded > 0) out.push(`  (${s.folded} interpreter-internal frame${s.folded === 1 ? '' : 's'} folded; --native-all shows them)`);
  if (s.unreadable) out.push(`  [!] ${esc(s.unreadable)}`);
}

/** Every thread's merged stack, in the report's thread order, then threads without Python. */
export function nativeBlock(r: AnalyzeReport): string[] {
  const out: string[] = [];
  for (const t of r.threads) {
    if (out.length) out.push('');
    const lwp = t.native_id === null ? '' : ` (LWP ${t.native_id})`;
    out.push(`${t.current ? 'Current thread' : 'Thread'} ${t.thread_id ?? '0x????????????????'}${lwp} (most recent call first):`);
    if (t.native) stackLines(t.native, out);
  }
  for (const t of r.native_threads ?? []) {
    if (out.length) out.push('');
    out.push(`Thread LWP ${t.native_id}, without a Python thread state (most recent call first):`);
    stackLines(t.native, out);
  }
  return out;
}
