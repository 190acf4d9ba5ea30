import { describe, expect, it } from 'vitest';
import type { CensusTypeView } from '../../../src/analysis/heap/view-model.js';
import { censusReducer, initialCensusState, visibleTypes } from './census-state.js';

const type = (module: string, name: string, count: number, bytes: number): CensusTypeView => ({ module, name, count, bytes, gc_tracked: 0, estimated: false, type_address: '0x1' });
const types = [type('builtins', 'int', 50, 1400), type('__main__', 'Leaky', 12, 600), type('builtins', 'dict', 3, 900)];

describe('census state', () => {
  it('sorts by bytes, then by count, and filters by (qualified) type name in any case', () => {
    expect(visibleTypes(types, initialCensusState).map((t) => t.name)).toEqual(['int', 'dict', 'Leaky']);
    const byCount = censusReducer(initialCensusState, { type: 'toggleSort' });
    expect(visibleTypes(types, byCount).map((t) => t.name)).toEqual(['int', 'Leaky', 'dict']);
    let s = censusReducer(byCount, { type: 'filterStart' });
    for (const ch of '__MAIN__.lea') s = censusReducer(s, { type: 'filterInput', text: ch });
    expect(visibleTypes(types, s).map((t) => t.name)).toEqual(['Leaky']);
    s = censusReducer(s, { type: 'filterCommit' });
    expect(s.editing).toBe(false);
    expect(censusReducer(s, { type: 'filterCancel' }).filter).toBe('');
  });

  it('keeps the cursor within the rows shown and resets it when the rows change', () => {
    let s = censusReducer(initialCensusState, { type: 'move', move: { kind: 'last' }, count: 3 });
    expect(s.selected).toBe(2);
    s = censusReducer(s, { type: 'filterInput', text: 'i' });
    expect(s.selected).toBe(0);
  });
});
