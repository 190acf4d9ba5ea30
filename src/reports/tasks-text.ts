// `pycore analyze --tasks` text: every asyncio task with its await chain, then other suspended coroutines.
import type { AwaitStepView, TasksView } from '../analysis/tasks.js';
import { escapeForTerminal as esc } from './sanitize.js';

function stepLine(s: AwaitStepView, indent: string): string {
  const what = s.qualname !== null ? `${esc(s.qualname)} (${esc(s.type)}${s.state ? `, ${esc(s.state)}` : ''})` : esc(s.type);
  const where = s.file !== null || s.line !== null ? ` at ${esc(s.file ?? '???')}:${s.line ?? '?'}` : '';
  return `${indent}${what}${where} ${s.address}${s.unreadable ? ` [!] ${esc(s.unreadable)}` : ''}`;
}

function chainLines(chain: AwaitStepView[]): string[] {
  return chain.map((s, i) => stepLine(s, i === 0 ? '    ' : `    ${'  '.repeat(i - 1)}-> awaits `));
}

export function tasksBlock(t: TasksView): string[] {
  const out: string[] = [`Asyncio tasks (${t.tasks.length}):`];
  for (const p of t.problems) out.push(`[!] ${esc(p)}`);
  for (const task of t.tasks) {
    out.push('', `  Task ${task.name === null ? '(no name)' : `"${esc(task.name)}"`} ${task.address} (${esc(task.type)})${task.unreadable ? ` [!] ${esc(task.unreadable)}` : ''}`);
    out.push(...chainLines(task.chain));
  }
  if (t.coroutines.length) {
    out.push('', `Other suspended coroutines (${t.coroutines.length}):`);
    for (const c of t.coroutines) out.push('', ...chainLines(c));
  }
  return out;
}
