// One row of a list: a cursor mark when selected (bright when the list has the focus), then
// the caller's segments on a single line that never wraps.
import { Text } from 'ink';
import type { ReactNode } from 'react';
import { theme } from '../../theme.js';

export function ListRow({ selected, focused, children }: { selected: boolean; focused: boolean; children: ReactNode }) {
  const mark = selected ? (focused ? '› ' : '· ') : '  ';
  return (
    <Text wrap="truncate-end" bold={selected && focused}>
      <Text color={selected && focused ? theme.focus : theme.muted}>{mark}</Text>
      {children}
    </Text>
  );
}
