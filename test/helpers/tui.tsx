// Renders the TUI with ink-testing-library on a real corpus core, at a fixed terminal size,
// and types keys at it the way a terminal would.
import { render } from 'ink-testing-library';
import { join } from 'node:path';
import { findRuntime } from '../../src/cpython/runtime.js';
import { Objects } from '../../src/analysis/objects.js';
import { analyze } from '../../src/analysis/analyze.js';
import { openHeapSteps } from '../../src/analysis/heap/session.js';
import { HeapData } from '../../tui/data/heap-data.js';
import type { AnalyzeReport } from '../../src/analysis/view-model.js';
import { openCore } from '../../src/cli/open-core.js';
import { App } from '../../tui/app.js';
import { createSourceReader, type SourceReader } from '../../tui/data/source-lines.js';
import type { TuiData } from '../../tui/data/tui-data.js';
import type { Size } from '../../tui/hooks/use-terminal-size.js';
import { CORES, SYSROOT } from './corpus.js';

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageDown: '\x1b[6~',
  pageUp: '\x1b[5~',
  home: '\x1b[H',
  end: '\x1b[F',
  enter: '\r',
  escape: '\x1b',
  backspace: '\x7f',
  tab: '\t',
  shiftTab: '\x1b[Z',
} as const;

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

export interface CoreData {
  report: AnalyzeReport;
  data: TuiData;
}

/** The report (with locals) and a real explorer for corpus/cores/<name>.core.gz. */
export async function loadCore(name: string, o: { locals?: boolean; explorer?: boolean } = {}): Promise<CoreData> {
  const target = await openCore(join(CORES, `${name}.core.gz`), { sysroot: SYSROOT });
  const { report } = analyze(target, { locals: o.locals ?? true });
  const rt = findRuntime(target);
  const explorer = o.explorer !== false && rt.ok ? Objects.create(rt.value, target) : null;
  return { report, data: { report, explorer, heap: new HeapData(() => openHeapSteps(target)), sources: createSourceReader() } };
}

export interface Screen {
  /** The whole screen as text, without colours. */
  text(): string;
  /** Types each key, letting the UI settle after each one. */
  press(...keys: string[]): Promise<string>;
  /** Waits until `pattern` is on the screen (async work such as source lines). */
  waitFor(pattern: RegExp | string | ((text: string) => boolean), ms?: number): Promise<string>;
  unmount(): void;
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

export async function renderTui(data: TuiData, size: Size = { columns: 80, rows: 24 }, sources?: SourceReader): Promise<Screen> {
  const ink = render(<App data={sources ? { ...data, sources } : data} size={size} />);
  const text = () => stripAnsi(ink.lastFrame() ?? '');
  await tick();
  return {
    text,
    async press(...keys) {
      for (const k of keys) {
        ink.stdin.write(k);
        await tick();
      }
      return text();
    },
    async waitFor(pattern, ms = 2000) {
      const deadline = Date.now() + ms;
      const hit = () => (typeof pattern === 'string' ? text().includes(pattern) : typeof pattern === 'function' ? pattern(text()) : pattern.test(text()));
      while (!hit()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on:\n${text()}`);
        await tick();
      }
      return text();
    },
    unmount: () => ink.unmount(),
  };
}
