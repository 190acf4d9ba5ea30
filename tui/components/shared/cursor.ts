// Pure list-cursor arithmetic shared by every screen's reducer.

export function clampIndex(index: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(Math.max(index, 0), count - 1);
}

export type CursorMove = { kind: 'by'; delta: number } | { kind: 'first' } | { kind: 'last' };

export function moveCursor(index: number, move: CursorMove, count: number): number {
  if (move.kind === 'first') return 0;
  if (move.kind === 'last') return clampIndex(count - 1, count);
  return clampIndex(index + move.delta, count);
}

/**
 * The first visible row of a window of `height` rows over `count` items that keeps `selected`
 * visible while moving as little as possible from `previousTop`.
 */
export function windowTop(count: number, selected: number, height: number, previousTop: number): number {
  if (height <= 0 || count <= height) return 0;
  let top = Math.min(Math.max(previousTop, 0), count - height);
  if (selected < top) top = selected;
  else if (selected >= top + height) top = selected - height + 1;
  return top;
}
