// `h`: the heap census, one row per type with its count and bytes. `s` switches the sort, `/`
// filters by type name, Enter lists the instances of the selected type. The walk runs once,
// on first use, behind a spinner.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { CensusTypeView, HeapReport } from '../../../src/analysis/heap/view-model.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { Spinner } from '../../components/shared/spinner.js';
import { fitEnd, padEnd } from '../../components/shared/truncate.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import { typeLabel, type HeapData } from '../../data/heap-data.js';
import { useAsync } from '../../hooks/use-async.js';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import { commandFor, type Command } from '../../keys/bindings.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import { useAppActions, type ScreenProps } from '../../navigation/app-actions.js';
import { promptAction } from '../main/use-main-screen.js';
import { theme } from '../../theme.js';
import { censusReducer, initialCensusState, visibleTypes, type CensusAction } from './census-state.js';

const censusCommands = [...cursorCommands, 'open', 'search', 'sort'] as const satisfies readonly Command[];
const NUMBER_WIDTH = 12;

const promptToCensus: Record<string, CensusAction['type']> = {
  searchCancel: 'filterCancel',
  searchCommit: 'filterCommit',
  searchBackspace: 'filterBackspace',
  searchInput: 'filterInput',
};

function CensusTable({ report, heap, active, isActive, width, height }: ScreenProps & { report: HeapReport; heap: HeapData }) {
  const actions = useAppActions();
  const [state, dispatch, latest] = useSyncedReducer(censusReducer, initialCensusState, (s) => s);
  const types = useMemo(() => visibleTypes(report.types, state), [report, state.sort, state.filter]);
  const latestTypes = () => visibleTypes(report.types, latest());
  const listHeight = Math.max(height - 3, 1);
  useKeypress(
    (input, key) => {
      const a = promptAction(input, key);
      if (a === null) return false;
      dispatch({ ...a, type: promptToCensus[a.type] } as CensusAction);
      return true;
    },
    Priority.prompt,
    () => isActive() && latest().editing,
  );
  useKeypress(
    (input, key) => {
      const c = commandFor(censusCommands, input, key);
      if (c === null) return false;
      const shown = latestTypes();
      const move = cursorMove(c, listHeight);
      if (move) dispatch({ type: 'move', move, count: shown.length });
      else if (c === 'sort') dispatch({ type: 'toggleSort' });
      else if (c === 'search') dispatch({ type: 'filterStart' });
      else {
        const t: CensusTypeView | undefined = shown[latest().selected];
        if (t) actions.push({ kind: 'instances', typeAddress: t.type_address, typeName: esc(typeLabel(t.module, t.name)) });
      }
      return true;
    },
    Priority.screen,
    isActive,
  );
  const nameWidth = Math.max(width - 2 - 2 * NUMBER_WIDTH - 2, 10);
  const sortMark = (k: 'count' | 'bytes') => (state.sort === k ? `${k} ▼` : k);
  return (
    <Pane title={censusTitle(report)} info={position(state.selected, types.length)} focused={active} height={height}>
      <Text wrap="truncate-end">
        {state.editing || state.filter ? (
          <Text color={theme.accent}>{`  filter: ${esc(state.filter)}${state.editing ? '█' : ''}`}</Text>
        ) : (
          <Text color={theme.muted}>{`  sorted by ${state.sort}; s sorts by ${state.sort === 'bytes' ? 'count' : 'bytes'}, / filters by type name, Enter lists instances`}</Text>
        )}
      </Text>
      <Text color={theme.muted} wrap="truncate-end">{`  ${padEnd('type', nameWidth)}${sortMark('count').padStart(NUMBER_WIDTH)}${sortMark('bytes').padStart(NUMBER_WIDTH)}`}</Text>
      <VirtualList
        count={types.length}
        selected={state.selected}
        height={listHeight}
        empty="  (no type matches the filter)"
        renderRow={(i, sel) => {
          const t = types[i];
          return (
            <ListRow selected={sel} focused={active}>
              <Text>{padEnd(fitEnd(esc(typeLabel(t.module, t.name)), nameWidth), nameWidth)}</Text>
              <Text>{String(t.count).padStart(NUMBER_WIDTH)}</Text>
              <Text color={t.estimated ? theme.warning : undefined}>{`${t.bytes}${t.estimated ? '~' : ''}`.padStart(NUMBER_WIDTH)}</Text>
            </ListRow>
          );
        }}
      />
    </Pane>
  );
}

/** The census totals as `pycore heap` prints them: estimates and rejected candidates apart from the totals. */
export function censusTitle(r: HeapReport): string {
  const apart = [r.bytes_estimated > 0 ? `+~${r.bytes_estimated} estimated` : '', r.rejected.total > 0 ? `${r.rejected.total} rejected` : ''].filter(Boolean).join(', ');
  return `Heap census: ${r.types_total} types, ${r.objects_total} objects, ${r.bytes_total} bytes${apart ? ` (${apart})` : ''}`;
}

export function CensusScreen(props: ScreenProps & { heap: HeapData }) {
  const census = useAsync((watch) => props.heap.census(watch), [props.heap]);
  if (census.status === 'done') return <CensusTable report={census.value} {...props} />;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Pane title="Heap census" focused={props.active} height={props.height}>
        {census.status === 'loading' ? <Spinner label="walking the heap (arenas and GC lists)..." progress={census.progress} /> : <Text color={theme.danger} wrap="wrap">{`  cannot walk the heap: ${esc(census.error)}`}</Text>}
      </Pane>
    </Box>
  );
}
