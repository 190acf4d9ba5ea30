// Markdown building blocks for reports pasted into bug trackers. Every string from a core goes
// through escapeForTerminal first (no control characters, no line breaks), then into a code span
// or a fenced block whose backtick run is longer than any inside it, so nothing from the core can
// end the code, start HTML or break a table.
import { escapeForTerminal } from './sanitize.js';

function longestBacktickRun(s: string): number {
  let best = 0;
  for (const m of s.matchAll(/`+/g)) best = Math.max(best, m[0].length);
  return best;
}

/** An inline code span holding `s` literally. */
export function mdCode(s: string): string {
  const t = escapeForTerminal(s);
  const ticks = '`'.repeat(longestBacktickRun(t) + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t === '' ? ' ' : '';
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

/**
 * Plain text with the Markdown that could act escaped (for sentences that quote core strings):
 * code, emphasis, links, HTML, tables and strikethrough anywhere; `_` only at a word's edge
 * (GitHub ignores it inside words); headings, lists and rules only at the start. The rest of
 * the punctuation stays as it is, so "3.12.1" and "SI_TKILL (sent by tkill/raise)" read plainly.
 */
export function mdText(s: string): string {
  return escapeForTerminal(s)
    .replace(/[\\`*{}[\]|<>&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`)
    .replace(/^(#+|[+=-]|\d+(?=[.)]))(?=[.)]?(\s|$))/, (c) => (/\d/.test(c) ? `${c}\\` : `\\${c}`));
}

/** A table cell: a pipe ends a cell even inside a code span, so escape it. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A fenced code block around lines that are already safe for a terminal. */
export function mdFence(lines: string[], info = 'text'): string[] {
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(lines.join('\n')) + 1));
  return [`${ticks}${info}`, ...lines, ticks];
}
