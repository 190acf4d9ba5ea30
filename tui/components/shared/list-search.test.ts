import { describe, expect, it } from 'vitest';
import { findSteps, idleSearch, listSearchReducer, searchShown } from './list-search.js';

const run = <T,>(g: Generator<number, T, void>) => {
  let pauses = 0;
  for (;;) {
    const r = g.next();
    if (r.done) return { value: r.value, pauses };
    pauses++;
  }
};

describe('list search', () => {
  it('finds the next or previous item containing the query (any case), wrapping around, pausing on long lists', () => {
    const items = ['alpha', 'Beta', 'gamma', 'beta-2'];
    expect(run(findSteps(items.length, (i) => items[i], 'BETA', 2, 1)).value).toBe(3);
    expect(run(findSteps(items.length, (i) => items[i], 'beta', 0, -1)).value).toBe(3);
    expect(run(findSteps(items.length, (i) => items[i], 'beta', 2, -1)).value).toBe(1);
    expect(run(findSteps(items.length, (i) => items[i], 'zeta', 0, 1)).value).toBeNull();
    const long = run(findSteps(100_000, (i) => `[${i}]`, '[99999]', 0, 1));
    expect(long.value).toBe(99_999);
    expect(long.pauses).toBeGreaterThan(100);
  });

  it('keeps a committed query for n/N, drops an empty one, and clears on Esc', () => {
    let s = listSearchReducer(idleSearch, { type: 'start', origin: 4 });
    expect(searchShown(s)).toBe(true);
    s = listSearchReducer(s, { type: 'input', text: 'ab' });
    s = listSearchReducer(s, { type: 'backspace' });
    s = listSearchReducer(s, { type: 'commit' });
    expect(s).toMatchObject({ editing: false, query: 'a', origin: 4 });
    expect(listSearchReducer(s, { type: 'input', text: 'x' })).toBe(s);
    expect(listSearchReducer(s, { type: 'clear' })).toBe(idleSearch);
    expect(listSearchReducer(listSearchReducer(idleSearch, { type: 'start', origin: 0 }), { type: 'commit' })).toBe(idleSearch);
  });
});
