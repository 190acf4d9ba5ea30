// The threads list: the current thread first, marked, with the signal it received.
import { Text } from 'ink';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import type { ThreadModel } from '../../data/model.js';
import { theme } from '../../theme.js';

export interface ThreadsPaneProps {
  threads: readonly ThreadModel[];
  selected: number;
  focused: boolean;
  height: number;
}

export function ThreadsPane({ threads, selected, focused, height }: ThreadsPaneProps) {
  return (
    <Pane title={`Threads (${threads.length})`} info={position(selected, threads.length)} focused={focused} height={height}>
      <VirtualList
        count={threads.length}
        selected={selected}
        height={height - 1}
        empty="no Python threads"
        renderRow={(i, sel) => {
          const t = threads[i].row;
          return (
            <ListRow selected={sel} focused={focused}>
              <Text color={t.current ? theme.current : undefined}>{t.current ? '* ' : '  '}{t.title}</Text>
              <Text color={theme.muted}>{`  ${t.frameCount} frame${t.frameCount === 1 ? '' : 's'}`}</Text>
              {t.current && <Text color={theme.current}>{'  current'}</Text>}
              {t.signal && <Text color={theme.signal}>{`  ${t.signal}`}</Text>}
              {t.unreadable && <Text color={theme.warning}>{'  (incomplete)'}</Text>}
            </ListRow>
          );
        }}
      />
    </Pane>
  );
}
