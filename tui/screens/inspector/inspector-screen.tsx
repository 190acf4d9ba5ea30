// Enter on a local opens it here: what it is, and its items/attributes, paged; Enter goes
// deeper, Backspace/Esc back up the breadcrumb.
import { Box, Text } from 'ink';
import { ListSearchPrompt } from '../../components/search-prompt.js';
import { searchShown } from '../../components/shared/list-search.js';
import type { ObjectExplorer } from '../../../src/analysis/object-view.js';
import type { HeapData } from '../../data/heap-data.js';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { fitStart } from '../../components/shared/truncate.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import { useAppActions, type ScreenProps } from '../../navigation/app-actions.js';
import { theme } from '../../theme.js';
import { breadcrumb, currentLevel } from './inspector-state.js';
import type { ObjectHeader } from './object-pages.js';
import { useInspector } from './use-inspector.js';

/** Title, facts, two lines of repr, unreadable reason. */
const HEADER_ROWS = 5;

function facts(h: ObjectHeader): string {
  const parts = [`${h.type} at ${h.address}`];
  parts.push(`refcount ${h.refcount ?? '?'}`);
  parts.push(`size ${h.size === null ? '?' : `${h.size} bytes`}`);
  if (h.gcTracked !== null) parts.push(h.gcTracked ? 'GC-tracked' : 'not GC-tracked');
  return parts.join('  ');
}

export interface InspectorScreenProps extends ScreenProps {
  explorer: ObjectExplorer;
  /** For `r` and `p`; null: those keys say why they are not available. */
  heap: HeapData | null;
  root: { address: string; label: string };
}

export function InspectorScreen({ explorer, heap, root, active, isActive, width, height }: InspectorScreenProps) {
  const actions = useAppActions();
  const fullHeight = Math.max(height - HEADER_ROWS - 1, 1);
  const { state, header, error, child, search } = useInspector(explorer, root, { isActive, pageSize: fullHeight, actions, heap: heap !== null });
  const prompt = searchShown(search) ? 1 : 0;
  const listHeight = Math.max(fullHeight - prompt, 1);
  const level = currentLevel(state);
  const total = header?.total ?? 0;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title={`Inspector: ${fitStart(breadcrumb(state), Math.max(width - 20, 10))}`} focused={false} height={HEADER_ROWS}>
        {header ? (
          <>
            <Text wrap="truncate-end">{`  ${facts(header)}`}</Text>
            <Box height={2} overflow="hidden" paddingLeft={2}>
              <Text wrap="wrap">{header.repr}</Text>
            </Box>
            {header.unreadable ? <Text color={theme.warning} wrap="truncate-end">{`  unreadable: ${header.unreadable}`}</Text> : <Text> </Text>}
          </>
        ) : (
          <Text color={theme.danger} wrap="truncate-end">{`  cannot inspect ${level.address}: ${error}`}</Text>
        )}
      </Pane>
      <Pane title="Items and attributes" info={position(level.selected, total)} focused={active} height={height - HEADER_ROWS}>
        <VirtualList
          count={total}
          selected={level.selected}
          height={listHeight}
          empty="  (no items or attributes)"
          renderRow={(i, sel) => {
            const c = child(i);
            return (
              <ListRow selected={sel} focused>
                {c ? (
                  <>
                    <Text>{c.label}</Text>
                    <Text color={theme.muted}>{` (${c.type}) = `}</Text>
                    <Text>{c.repr}</Text>
                  </>
                ) : (
                  <Text color={theme.muted}>{`#${i} unreadable`}</Text>
                )}
              </ListRow>
            );
          }}
        />
        {prompt > 0 && <ListSearchPrompt state={search} list="the items" />}
      </Pane>
    </Box>
  );
}
