// The `/` prompt: what is typed so far, and whether it matches anything in the list.
import { Text } from 'ink';
import { escapeForTerminal } from '../../src/reports/sanitize.js';
import type { ListSearchState } from './shared/list-search.js';
import { theme } from '../theme.js';

export function SearchPrompt({ query, failed, list, editing = true, scanning = false }: { query: string; failed: boolean; list: string; editing?: boolean; scanning?: boolean }) {
  const note = scanning ? '  searching...' : failed ? '  no match' : editing ? `  searching ${list}; Enter keeps, Esc cancels` : '  n/N next/previous match, Esc clears';
  return (
    <Text wrap="truncate-end">
      <Text color={theme.accent}>{`/${escapeForTerminal(query)}`}</Text>
      {editing && <Text color={theme.muted}>█</Text>}
      <Text color={failed ? theme.danger : theme.muted}>{note}</Text>
    </Text>
  );
}

/** The prompt for a list or text screen's useListSearch state. */
export function ListSearchPrompt({ state, list }: { state: ListSearchState; list: string }) {
  return <SearchPrompt query={state.query} failed={state.failed} list={list} editing={state.editing} scanning={state.scanning} />;
}
