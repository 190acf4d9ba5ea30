// Two lines at the bottom: what is open (core, Python, signal, warnings, crash site), then the
// latest message or error, else the key hints of the screen on top.
import { Box, Text } from 'ink';
import type { Header } from '../data/model.js';
import type { Status } from '../navigation/status.js';
import { theme } from '../theme.js';
import { fitStart } from './shared/truncate.js';

export interface StatusBarProps {
  header: Header;
  status: Status;
  hints: string;
  width: number;
}

export const STATUS_BAR_ROWS = 2;

export function StatusBar({ header, status, hints, width }: StatusBarProps) {
  const n = header.warnings.length;
  const warnings = n > 0 ? ` │ ${n} warning${n === 1 ? '' : 's'} (w)` : '';
  const crash = header.crashSite ? ` │ crash in ${header.crashSite}` : '';
  const facts = [header.python, header.signal].filter((x): x is string => Boolean(x)).join(' │ ');
  const coreWidth = Math.min([...header.core].length, Math.max(width - [...facts].length - [...warnings].length - 6, 12));
  return (
    <Box flexDirection="column" height={STATUS_BAR_ROWS} width={width}>
      <Text wrap="truncate-end" inverse>
        {` ${fitStart(header.core, coreWidth)} │ `}
        <Text color={header.signal ? theme.signal : undefined}>{facts}</Text>
        <Text color={theme.warning}>{warnings}</Text>
        {crash}{' '}
      </Text>
      {status ? (
        <Text wrap="truncate-end" color={status.kind === 'error' ? theme.danger : theme.accent}>{` ${status.text}`}</Text>
      ) : (
        <Text wrap="truncate-end" color={theme.muted}>{` ${hints}`}</Text>
      )}
    </Box>
  );
}
