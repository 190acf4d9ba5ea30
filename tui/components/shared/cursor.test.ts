import { describe, expect, it } from 'vitest';
import { clampIndex, moveCursor, windowTop } from './cursor.js';

describe('list cursor', () => {
  it('clamps to the list', () => {
    expect(clampIndex(-3, 10)).toBe(0);
    expect(clampIndex(12, 10)).toBe(9);
    expect(clampIndex(5, 0)).toBe(0);
  });

  it('moves by steps, to the first and to the last item', () => {
    expect(moveCursor(3, { kind: 'by', delta: 1 }, 10)).toBe(4);
    expect(moveCursor(3, { kind: 'by', delta: -20 }, 10)).toBe(0);
    expect(moveCursor(3, { kind: 'first' }, 10)).toBe(0);
    expect(moveCursor(3, { kind: 'last' }, 10)).toBe(9);
    expect(moveCursor(0, { kind: 'last' }, 0)).toBe(0);
  });

  it('scrolls the window only as far as needed to keep the selection visible', () => {
    expect(windowTop(100, 0, 10, 0)).toBe(0);
    expect(windowTop(100, 9, 10, 0)).toBe(0);
    expect(windowTop(100, 10, 10, 0)).toBe(1);
    expect(windowTop(100, 50, 10, 45)).toBe(45);
    expect(windowTop(100, 44, 10, 45)).toBe(44);
    expect(windowTop(100, 99, 10, 0)).toBe(90);
    expect(windowTop(5, 4, 10, 3)).toBe(0);
    expect(windowTop(100_000, 99_999, 20, 0)).toBe(99_980);
  });
});
