// The lines of each text screen: help (generated from the key bindings), warnings, pending views.
import { helpLines, keyBindings } from '../../keys/bindings.js';
import { keyLabel } from '../../keys/bindings.js';
import { notAvailable, pendingViews } from '../../navigation/pending-views.js';
import type { PendingView } from '../../navigation/screens.js';
import { padEnd } from '../../components/shared/truncate.js';

export function helpText(): string[] {
  const rows = helpLines();
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2;
  const out: string[] = [];
  let group = '';
  for (const r of rows) {
    if (r.group !== group) {
      if (group !== '') out.push('');
      out.push(r.group);
      group = r.group;
    }
    out.push(`  ${padEnd(r.keys, keyWidth)}${r.description}`);
  }
  out.push('', `${keyLabel(keyBindings.back.keys[0])} closes this help.`);
  return out;
}

export function warningsText(warnings: readonly string[]): string[] {
  return warnings.length === 0 ? ['No warnings: everything pycore read was verified.'] : warnings.map((w) => `[!] ${w}`);
}

export function pendingText(view: PendingView): string[] {
  return [`${pendingViews[view].title}: ${notAvailable(view)}.`, '', `${keyLabel(keyBindings.back.keys[0])} goes back.`];
}
