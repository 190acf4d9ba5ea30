// A titled, scrollable page of text: the help, the warnings, and the views not built yet.
import { Box } from 'ink';
import { useMemo, useReducer } from 'react';
import { Pane } from '../../components/shared/pane.js';
import { maxScrollTop, ScrollBox } from '../../components/shared/scroll-box.js';
import { wrapLines } from '../../components/shared/truncate.js';
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

export function useTextScroll(lineCount: number, height: number, isActive: () => boolean): number {
  const [state, dispatch] = useReducer(scrollReducer, { top: 0 });
  useKeypress(
    (input, key) => {
      const c = commandFor(cursorCommands, input, key);
      const move = c && cursorMove(c, height - 1);
      if (!move) return false;
      dispatch({ type: 'scroll', move, maxTop: maxScrollTop(lineCount, height) });
      return true;
    },
    Priority.screen,
    isActive,
  );
  return state.top;
}

export function TextScreen({ title, lines, color, isActive, width, height }: TextScreenProps) {
  const wrapped = useMemo(() => wrapLines(lines, width - 1), [lines, width]);
  const top = useTextScroll(wrapped.length, height - 1, isActive);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title={title} focused height={height}>
        <ScrollBox lines={wrapped} top={top} height={height - 1} color={color} />
      </Pane>
    </Box>
  );
}
