// A frame's locals as the TUI lists them (escaped). `null` when the view model carries none
// (analyze ran without locals): the frame view then says they are pending.
import type { FrameView, LocalView } from '../../src/analysis/view-model.js';
import { escapeForTerminal } from '../../src/reports/sanitize.js';

export interface LocalRow {
  name: string;
  /** "cell", "free" or "f_locals" when not a plain fast local. */
  kind: string | null;
  type: string;
  repr: string;
  address: string;
}

export const LOCALS_PENDING = 'locals: pending (objects issue)';

function localRow(l: LocalView): LocalRow {
  return { name: escapeForTerminal(l.name), kind: l.kind === 'local' ? null : l.kind, type: escapeForTerminal(l.type), repr: escapeForTerminal(l.repr), address: l.address };
}

export function localsOf(frame: FrameView): LocalRow[] | null {
  return frame.locals ? frame.locals.map(localRow) : null;
}
