// A titled, scrollable page of text: the help, the warnings, the memory errors, pymalloc's
// statistics, explain's findings. `/` finds a line (n/N the next/previous one).
import { Box } from 'ink';
import { useMemo, useRef } from 'react';
import { ListSearchPrompt } from '../../components/search-prompt.js';
import { searchShown } from '../../components/shared/list-search.js';
import { Pane } from '../../components/shared/pane.js';
import { maxScrollTop, ScrollBox } from '../../components/shared/scroll-box.js';
import { wrapLines } from '../../components/shared/truncate.js';
import { useListSearch } from '../../hooks/use-list-search.js';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import { commandFor } from '../../keys/bindings.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import type { ScreenProps } from '../../navigation/app-actions.js';
import { scrollReducer } from './scroll-state.js';

export interface TextScreenProps extends ScreenProps {
  title: string;
  lines: readonly string[];
  color?: string;
}

/** Lines (already wrapped to the width) that scroll, with `/` search; `height` counts the prompt's row. */
export function SearchableText({ lines, height, color, isActive }: { lines: readonly string[]; height: number; color?: string; isActive: () => boolean }) {
  const [state, dispatch, latest] = useSyncedReducer(scrollReducer, { top: 0, match: -1 }, (s) => s);
  // Key handlers read the lines and height as they are now.
  const now = useRef({ lines, height });
  now.current = { lines, height };
  // The prompt takes a row while the search is shown.
  const bodyHeight = () => now.current.height - (searchShown(latestSearch()) ? 1 : 0);
  const [search, latestSearch] = useListSearch({
    isActive,
    count: () => now.current.lines.length,
    text: (i) => now.current.lines[i],
    cursor: () => {
      const s = latest();
      return s.match !== undefined && s.match >= 0 ? s.match : s.top;
    },
    moveTo: (line) => dispatch({ type: 'show', line, maxTop: maxScrollTop(now.current.lines.length, bodyHeight()) }),
  });
  useKeypress(
    (input, key) => {
      const c = commandFor(cursorCommands, input, key);
      const move = c && cursorMove(c, bodyHeight() - 1);
      if (!move) return false;
      dispatch({ type: 'scroll', move, maxTop: maxScrollTop(now.current.lines.length, bodyHeight()) });
      return true;
    },
    Priority.screen,
    isActive,
  );
  const shown = searchShown(search);
  return (
    <>
      <ScrollBox lines={lines} top={state.top} height={height - (shown ? 1 : 0)} color={color} mark={shown && !search.failed ? state.match : -1} />
      {shown && <ListSearchPrompt state={search} list="the text" />}
    </>
  );
}

export function TextScreen({ title, lines, color, isActive, width, height }: TextScreenProps) {
  const wrapped = useMemo(() => wrapLines(lines, width - 1), [lines, width]);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title={title} focused height={height}>
        <SearchableText lines={wrapped} height={height - 1} color={color} isActive={isActive} />
      </Pane>
    </Box>
  );
}
