// The terminal's size, following resizes; 80x24 when the output is not a terminal (tests).
import { useStdout } from 'ink';
import { createContext, useContext, useEffect, useState } from 'react';

export interface Size {
  columns: number;
  rows: number;
}

/** Tests pin the size here; null: follow the real terminal. */
export const FixedSizeContext = createContext<Size | null>(null);

const DEFAULT: Size = { columns: 80, rows: 24 };

export function useTerminalSize(): Size {
  const fixed = useContext(FixedSizeContext);
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || DEFAULT.columns, rows: stdout.rows || DEFAULT.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
