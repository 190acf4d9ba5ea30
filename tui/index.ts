// Entry point of the TUI, imported lazily by `pycore tui` so that other commands never load
// ink or react. Takes over the terminal (alternate screen) until the user quits.
import { render } from 'ink';
import { createElement } from 'react';
import { App } from './app.js';
import type { TuiData } from './data/tui-data.js';

export type { TuiData } from './data/tui-data.js';
export { createSourceReader } from './data/source-lines.js';
export { HeapData } from './data/heap-data.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export async function runTui(data: TuiData): Promise<void> {
  process.stdout.write(ENTER_ALT_SCREEN);
  try {
    const app = render(createElement(App, { data }), { exitOnCtrlC: true, patchConsole: true });
    await app.waitUntilExit();
  } finally {
    process.stdout.write(LEAVE_ALT_SCREEN);
  }
}
