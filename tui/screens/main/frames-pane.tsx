// The selected thread's frames, most recent call first (faulthandler's order).
import { Text } from 'ink';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { fitStart, padEnd, fitEnd } from '../../components/shared/truncate.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import type { ThreadModel } from '../../data/model.js';
import { theme } from '../../theme.js';

export interface FramesPaneProps {
  thread: ThreadModel | null;
  selected: number;
  focused: boolean;
  width: number;
  height: number;
}

export function FramesPane({ thread, selected, focused, width, height }: FramesPaneProps) {
  const frames = thread?.frames ?? [];
  const numberWidth = String(Math.max(frames.length - 1, 0)).length + 1;
  const nameWidth = Math.min(Math.max(8, ...frames.map((f) => [...f.name].length)), Math.floor(width / 3));
  const locationWidth = Math.max(width - 2 - numberWidth - 1 - nameWidth - 2, 8);
  const title = thread ? `Frames of ${thread.row.title} (most recent call first)` : 'Frames';
  return (
    <Pane title={title} info={position(selected, frames.length)} focused={focused} height={height}>
      <VirtualList
        count={frames.length}
        selected={selected}
        height={height - 1 - (thread?.row.unreadable ? 1 : 0)}
        empty="<no Python frame>"
        renderRow={(i, sel) => {
          const f = frames[i];
          return (
            <ListRow selected={sel} focused={focused}>
              <Text color={theme.muted}>{padEnd(`#${i}`, numberWidth)} </Text>
              <Text>{padEnd(fitEnd(f.name, nameWidth), nameWidth)}  </Text>
              <Text color={f.unreadable ? theme.warning : theme.muted}>{f.unreadable ? `unreadable: ${f.unreadable}` : fitStart(f.location, locationWidth)}</Text>
            </ListRow>
          );
        }}
      />
      {thread?.row.unreadable && <Text color={theme.warning} wrap="truncate-end">{`  frame list incomplete: ${thread.row.unreadable}`}</Text>}
    </Pane>
  );
}
