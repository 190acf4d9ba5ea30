// From the analysis view model to what the screens show: rows of escaped strings. Built once
// per report; nothing here reads the core.
import { basename } from 'node:path';
import type { AnalyzeReport, FrameView, ThreadView } from '../../src/analysis/view-model.js';
import { escapeForTerminal } from '../../src/reports/sanitize.js';
import { localsOf, type LocalRow } from './locals.js';

export interface ThreadRow {
  /** "Thread 0x00007f3bb3998700 (LWP 1234)". */
  title: string;
  current: boolean;
  /** The signal this thread received, e.g. "SIGSEGV". */
  signal: string | null;
  frameCount: number;
  unreadable: string | null;
}

export interface FrameRow {
  /** qualname when known, else the function name. */
  name: string;
  /** "/p/x.py:12". */
  location: string;
  /** The parts of faulthandler's line `File "/p/x.py", line 12 in inner`. */
  file: string;
  line: string;
  function: string;
  /** Raw (unescaped) path and line: only for reading the source file. */
  sourceFile: string | null;
  sourceLine: number | null;
  unreadable: string | null;
  /** null: pending (the view model has no locals). */
  locals: LocalRow[] | null;
  /** Why the locals may be incomplete. */
  localsUnreadable: string | null;
}

export interface ThreadModel {
  row: ThreadRow;
  frames: FrameRow[];
}

export interface Header {
  /** The core's file name (the status bar is narrow). */
  core: string;
  python: string;
  signal: string | null;
  crashSite: string | null;
  warnings: string[];
}

export interface MainModel {
  header: Header;
  /** The current thread first, then the others in faulthandler's order. */
  threads: ThreadModel[];
}

const esc = escapeForTerminal;

function frameRow(f: FrameView): FrameRow {
  const name = esc(f.qualname ?? f.function ?? '???');
  const file = esc(f.file ?? '???');
  const line = f.line === null ? '???' : String(f.line);
  return {
    name,
    location: `${file}:${line}`,
    file,
    line,
    function: esc(f.function ?? '???'),
    sourceFile: f.file,
    sourceLine: f.line,
    unreadable: f.unreadable ? esc(f.unreadable) : null,
    locals: localsOf(f),
    localsUnreadable: f.locals_unreadable ? esc(f.locals_unreadable) : null,
  };
}

function threadModel(t: ThreadView, signal: string | null): ThreadModel {
  const id = t.thread_id ?? '0x????????????????';
  const lwp = t.native_id === null ? '' : ` (LWP ${t.native_id})`;
  return {
    row: { title: `Thread ${id}${lwp}`, current: t.current, signal: t.current ? signal : null, frameCount: t.frames.length, unreadable: t.unreadable ? esc(t.unreadable) : null },
    frames: t.frames.map(frameRow),
  };
}

export function buildModel(report: AnalyzeReport): MainModel {
  const signal = report.signal?.name ?? null;
  const ordered = [...report.threads.filter((t) => t.current), ...report.threads.filter((t) => !t.current)];
  const site = report.crash_site;
  return {
    header: {
      core: esc(basename(report.core)),
      python: report.python ? `Python ${esc(report.python.version)}${report.python.build === 'release' ? '' : ` (${esc(report.python.build)})`}` : 'Python: not found',
      signal: report.signal ? `${esc(report.signal.name)}${report.signal.address ? ` at ${esc(report.signal.address)}` : ''}` : null,
      crashSite: site ? `${esc(site.module)}${site.symbol ? ` at ${esc(site.symbol)}+${esc(site.offset)}` : `+${esc(site.offset)}`}` : null,
      warnings: report.warnings.map(esc),
    },
    threads: ordered.map((t) => threadModel(t, signal)),
  };
}

/** What `/` searches in each list. */
export function threadSearchText(t: ThreadModel): string {
  return t.row.title;
}

export function frameSearchText(f: FrameRow): string {
  return `${f.name} ${f.location}`;
}

export function localSearchText(l: LocalRow): string {
  return `${l.name} ${l.type} ${l.repr}`;
}
