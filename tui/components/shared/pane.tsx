// A titled region: one header line (highlighted when the pane has the focus) and its content.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { theme } from '../../theme.js';

export interface PaneProps {
  title: string;
  /** Right-aligned in the header, e.g. "3/7". */
  info?: string;
  focused: boolean;
  height: number;
  children: ReactNode;
}

export function Pane({ title, info, focused, height, children }: PaneProps) {
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box height={1}>
        <Box flexGrow={1}>
          <Text bold color={focused ? theme.focus : theme.muted} wrap="truncate-end">
            {focused ? '▌' : ' '}
            {title}
          </Text>
        </Box>
        {info !== undefined && <Text color={theme.muted}>{` ${info} `}</Text>}
      </Box>
      {children}
    </Box>
  );
}
