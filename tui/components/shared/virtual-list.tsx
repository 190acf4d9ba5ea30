// A list that renders only the rows it shows, so 100 000 items cost what 20 do. The caller
// owns the selection (a reducer); the list keeps its scroll position and renders rows lazily.
import { Box, Text } from 'ink';
import { useRef, type ReactNode } from 'react';
import { theme } from '../../theme.js';
import { windowTop } from './cursor.js';

export interface VirtualListProps {
  count: number;
  /** -1: nothing selected (the list is not focused or has no cursor). */
  selected: number;
  height: number;
  renderRow: (index: number, selected: boolean) => ReactNode;
  /** Shown when count is 0. */
  empty?: string;
}

export function VirtualList({ count, selected, height, renderRow, empty }: VirtualListProps) {
  const top = useRef(0);
  const rows = Math.max(height, 1);
  top.current = windowTop(count, selected < 0 ? top.current : selected, rows, top.current);
  if (count === 0) return <Box height={rows}><Text color={theme.muted}>{empty ?? '(empty)'}</Text></Box>;
  const shown = Math.min(rows, count - top.current);
  const items: ReactNode[] = [];
  for (let i = 0; i < shown; i++) {
    const index = top.current + i;
    items.push(<Box key={index} height={1} overflow="hidden">{renderRow(index, index === selected)}</Box>);
  }
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {items}
    </Box>
  );
}

/** "12/345" for a pane title: where the cursor is in how many items. */
export function position(selected: number, count: number): string {
  return count === 0 ? '0/0' : `${selected + 1}/${count}`;
}
