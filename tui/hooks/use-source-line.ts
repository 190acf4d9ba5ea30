// The source line of the selected frame, fetched in the background: the screen never waits.
import { useEffect, useState } from 'react';
import type { SourceReader } from '../data/source-lines.js';

export type SourceLineState = { status: 'loading' } | { status: 'ok'; text: string } | { status: 'unavailable' };

export function useSourceLine(reader: SourceReader, file: string | null, line: number | null): SourceLineState {
  const [state, setState] = useState<{ key: string; value: SourceLineState } | null>(null);
  const key = `${file}\0${line}`;
  useEffect(() => {
    if (file === null || line === null) return;
    let live = true;
    reader.line(file, line).then(
      (text) => live && setState({ key, value: text === null ? { status: 'unavailable' } : { status: 'ok', text } }),
      () => live && setState({ key, value: { status: 'unavailable' } }),
    );
    return () => {
      live = false;
    };
  }, [reader, file, line, key]);
  if (file === null || line === null) return { status: 'unavailable' };
  return state?.key === key ? state.value : { status: 'loading' };
}
