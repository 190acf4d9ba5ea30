// The selected frame: its traceback line, the source line when the file is readable here, and
// its locals (or why there are none yet).
import { Text } from 'ink';
import { ListRow } from '../../components/shared/list-row.js';
import { Pane } from '../../components/shared/pane.js';
import { fitStart } from '../../components/shared/truncate.js';
import { position, VirtualList } from '../../components/shared/virtual-list.js';
import { LOCALS_PENDING } from '../../data/locals.js';
import type { FrameRow } from '../../data/model.js';
import type { SourceLineState } from '../../hooks/use-source-line.js';
import { theme } from '../../theme.js';

export interface FrameDetailProps {
  frame: FrameRow | null;
  index: number;
  count: number;
  source: SourceLineState;
  selectedLocal: number;
  focused: boolean;
  width: number;
  height: number;
}

/** faulthandler's line, the path shortened from the left to fit. */
export function traceback(f: FrameRow, width: number): string {
  const rest = `", line ${f.line} in ${f.function}`;
  return `File "${fitStart(f.file, Math.max(width - 2 - 6 - [...rest].length, 12))}${rest}`;
}

/** Rows the detail pane needs besides its locals: header, traceback line, source line. */
export const DETAIL_FIXED_ROWS = 3;

function SourceLine({ frame, source }: { frame: FrameRow; source: SourceLineState }) {
  const n = frame.sourceLine === null ? '' : String(frame.sourceLine);
  if (source.status === 'ok')
    return (
      <Text wrap="truncate-end">
        <Text color={theme.muted}>{`  ${n.padStart(5)} │ `}</Text>
        <Text color={theme.source}>{source.text}</Text>
      </Text>
    );
  return <Text color={theme.muted}>{source.status === 'loading' ? '  …' : '  (source not readable here)'}</Text>;
}

export function FrameDetail({ frame, index, count, source, selectedLocal, focused, width, height }: FrameDetailProps) {
  if (!frame)
    return (
      <Pane title="Frame" focused={false} height={height}>
        <Text color={theme.muted}>  no frame selected</Text>
      </Pane>
    );
  const locals = frame.locals;
  return (
    <Pane title={`Frame #${index} of ${count}: ${frame.name}`} info={locals && locals.length > 0 ? `locals ${position(selectedLocal, locals.length)}${frame.localsUnreadable ? ' (incomplete)' : ''}` : undefined} focused={focused} height={height}>
      <Text wrap="truncate-end">{`  ${traceback(frame, width)}`}</Text>
      {frame.unreadable ? <Text color={theme.warning} wrap="truncate-end">{`  unreadable: ${frame.unreadable}`}</Text> : <SourceLine frame={frame} source={source} />}
      {locals === null ? (
        <Text color={theme.muted}>{`  ${LOCALS_PENDING}`}</Text>
      ) : (
        <VirtualList
          count={locals.length}
          selected={focused ? selectedLocal : -1}
          height={height - DETAIL_FIXED_ROWS}
          empty={frame.localsUnreadable ? `  locals unreadable: ${frame.localsUnreadable}` : '  no locals'}
          renderRow={(i, sel) => (
            <ListRow selected={sel} focused={focused}>
              <Text>{locals[i].name}</Text>
              <Text color={theme.muted}>{` (${locals[i].kind ? `${locals[i].kind} ` : ''}${locals[i].type}) = `}</Text>
              <Text>{locals[i].repr}</Text>
            </ListRow>
          )}
        />
      )}
    </Pane>
  );
}
