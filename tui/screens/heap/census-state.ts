// The census screen's state: sort key, type-name filter (typed after `/`), and the cursor.
import { moveCursor, type CursorMove } from '../../components/shared/cursor.js';
import type { CensusTypeView } from '../../../src/analysis/heap/view-model.js';

export type CensusSort = 'count' | 'bytes';

export interface CensusState {
  sort: CensusSort;
  filter: string;
  /** The filter prompt is open: typed characters go to the filter. */
  editing: boolean;
  selected: number;
}

export type CensusAction =
  | { type: 'move'; move: CursorMove; count: number }
  | { type: 'toggleSort' }
  | { type: 'filterStart' }
  | { type: 'filterInput'; text: string }
  | { type: 'filterBackspace' }
  | { type: 'filterCommit' }
  | { type: 'filterCancel' };

export const initialCensusState: CensusState = { sort: 'bytes', filter: '', editing: false, selected: 0 };

export function censusReducer(s: CensusState, a: CensusAction): CensusState {
  switch (a.type) {
    case 'move': {
      const selected = moveCursor(s.selected, a.move, a.count);
      return selected === s.selected ? s : { ...s, selected };
    }
    case 'toggleSort':
      return { ...s, sort: s.sort === 'bytes' ? 'count' : 'bytes', selected: 0 };
    case 'filterStart':
      return { ...s, editing: true };
    case 'filterInput':
      return { ...s, filter: s.filter + a.text, selected: 0 };
    case 'filterBackspace':
      return { ...s, filter: s.filter.slice(0, -1), selected: 0 };
    case 'filterCommit':
      return { ...s, editing: false };
    case 'filterCancel':
      return { ...s, editing: false, filter: '', selected: 0 };
  }
}

/** The types shown: those whose name or module.name contains the filter (any case), sorted. */
export function visibleTypes(types: readonly CensusTypeView[], s: Pick<CensusState, 'sort' | 'filter'>): CensusTypeView[] {
  const f = s.filter.toLowerCase();
  const shown = f ? types.filter((t) => `${t.module}.${t.name}`.toLowerCase().includes(f)) : [...types];
  return shown.sort((a, b) => b[s.sort] - a[s.sort] || b.count - a.count || a.name.localeCompare(b.name));
}
