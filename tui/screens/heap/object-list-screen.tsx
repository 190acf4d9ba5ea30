// A list of heap objects that takes a walk to find (a type's instances, an object's referrers,
// the path from a root): a spinner while the walk runs, then the list; Enter opens an object
// in the inspector.
import { Box, Text } from 'ink';
import { useRef } from 'react';
import { ListSearchPrompt } from '../../components/search-prompt.js';
import { searchShown } from '../../components/shared/list-search.js';
import { useListSearch } from '../../hooks/use-list-search.js';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { Spinner } from '../../components/shared/spinner.js';
import { moveCursor } from '../../components/shared/cursor.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import { useAsync } from '../../hooks/use-async.js';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import { commandFor, type Command } from '../../keys/bindings.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import { useAppActions, type ScreenProps } from '../../navigation/app-actions.js';
import { escapeForTerminal } from '../../../src/reports/sanitize.js';
import type { Watch } from '../../data/steps.js';
import { theme } from '../../theme.js';
import type { ObjectRows } from './object-rows.js';

const listCommands = [...cursorCommands, 'open'] as const satisfies readonly Command[];

export interface ObjectListScreenProps extends ScreenProps {
  title: string;
  /** What the spinner says while `load` runs. */
  working: string;
  load: (watch: Watch) => Promise<ObjectRows>;
}

type SelectAction = { move: Parameters<typeof moveCursor>[1]; count: number } | { to: number };
const selectReducer = (selected: number, a: SelectAction) => ('to' in a ? a.to : moveCursor(selected, a.move, a.count));

export function ObjectListScreen({ title, working, load, active, isActive, width, height }: ObjectListScreenProps) {
  const actions = useAppActions();
  const rows = useAsync(load, []);
  const [selected, dispatch, latestSelected] = useSyncedReducer(selectReducer, 0, (x) => x);
  const done = rows.status === 'done' ? rows.value : null;
  const latestDone = useRef(done);
  latestDone.current = done;
  const [search] = useListSearch({
    isActive,
    count: () => latestDone.current?.count ?? 0,
    text: (i) => latestDone.current!.searchText(i),
    cursor: latestSelected,
    moveTo: (to) => dispatch({ to }),
  });
  const notes = done?.notes ?? [];
  const prompt = searchShown(search) ? 1 : 0;
  const listHeight = Math.max(height - 1 - notes.length - prompt, 1);
  useKeypress(
    (input, key) => {
      const c = commandFor(listCommands, input, key);
      const now = latestDone.current;
      if (c === null || !now) return false;
      const move = cursorMove(c, listHeight);
      if (move) dispatch({ move, count: now.count });
      else if (now.count > 0) {
        const r = now.row(latestSelected());
        if (r.open !== null) actions.push(r.open ?? { kind: 'inspector', address: r.address, label: r.label });
      }
      return true;
    },
    Priority.screen,
    isActive,
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title={title} info={done ? position(selected, done.count) : undefined} focused={active} height={height}>
        {rows.status === 'loading' && <Spinner label={working} progress={rows.progress} />}
        {rows.status === 'error' && <Text color={theme.danger} wrap="wrap">{`  ${escapeForTerminal(rows.error)}`}</Text>}
        {notes.map((n, i) => (
          <Text key={i} color={theme.muted} wrap="truncate-end">{`  ${n}`}</Text>
        ))}
        {done && (
          <VirtualList
            count={done.count}
            selected={selected}
            height={listHeight}
            empty="  (none)"
            renderRow={(i, sel) => {
              const r = done.row(i);
              if (r.text !== undefined)
                return (
                  <ListRow selected={sel} focused>
                    <Text color={r.heading ? theme.accent : undefined} bold={r.heading}>{r.text}</Text>
                  </ListRow>
                );
              return (
                <ListRow selected={sel} focused>
                  <Text>{r.label}</Text>
                  <Text color={theme.muted}>{` ${r.address} (${r.type}) `}</Text>
                  <Text>{r.repr}</Text>
                </ListRow>
              );
            }}
          />
        )}
        {prompt > 0 && <ListSearchPrompt state={search} list="the list" />}
      </Pane>
    </Box>
  );
}
