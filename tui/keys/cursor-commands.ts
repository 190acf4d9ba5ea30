// The cursor commands every list screen shares, as cursor moves.
import type { CursorMove } from '../components/shared/cursor.js';
import type { Command } from './bindings.js';

export const cursorCommands = ['up', 'down', 'pageUp', 'pageDown', 'first', 'last'] as const satisfies readonly Command[];

export function cursorMove(c: Command, pageSize: number): CursorMove | null {
  switch (c) {
    case 'up':
      return { kind: 'by', delta: -1 };
    case 'down':
      return { kind: 'by', delta: 1 };
    case 'pageUp':
      return { kind: 'by', delta: -Math.max(pageSize, 1) };
    case 'pageDown':
      return { kind: 'by', delta: Math.max(pageSize, 1) };
    case 'first':
      return { kind: 'first' };
    case 'last':
      return { kind: 'last' };
    default:
      return null;
  }
}
