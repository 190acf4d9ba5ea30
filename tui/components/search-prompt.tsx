// The `/` prompt: what is typed so far, and whether it matches anything in the list.
import { Text } from 'ink';
import { escapeForTerminal } from '../../src/reports/sanitize.js';
import { theme } from '../theme.js';

export function SearchPrompt({ query, failed, list }: { query: string; failed: boolean; list: string }) {
  return (
    <Text wrap="truncate-end">
      <Text color={theme.accent}>{`/${escapeForTerminal(query)}`}</Text>
      <Text color={theme.muted}>█</Text>
      <Text color={failed ? theme.danger : theme.muted}>{failed ? '  no match' : `  searching ${list}; Enter keeps, Esc cancels`}</Text>
    </Text>
  );
}
