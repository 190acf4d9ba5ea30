// Read-only text that scrolls: `top` is owned by the caller's reducer; only visible lines render.
import { Box, Text } from 'ink';
import { theme } from '../../theme.js';

export interface ScrollBoxProps {
  lines: readonly string[];
  top: number;
  height: number;
  color?: string;
  /** A line to highlight (a search match). */
  mark?: number;
}

export function ScrollBox({ lines, top, height, color, mark = -1 }: ScrollBoxProps) {
  const rows = Math.max(height, 1);
  const start = Math.min(Math.max(top, 0), Math.max(lines.length - rows, 0));
  const more = lines.length - start - rows;
  const shown = lines.slice(start, start + (more > 0 ? rows - 1 : rows));
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {shown.map((l, i) => (
        <Text key={start + i} color={start + i === mark ? theme.accent : color} inverse={start + i === mark} wrap="truncate-end">
          {l === '' ? ' ' : l}
        </Text>
      ))}
      {more > 0 && <Text color={theme.muted}>{`… ${more + 1} more lines (↓ to scroll)`}</Text>}
    </Box>
  );
}

/** The largest sensible `top` for a ScrollBox of `height` over `count` lines. */
export function maxScrollTop(count: number, height: number): number {
  return Math.max(count - Math.max(height, 1), 0);
}
