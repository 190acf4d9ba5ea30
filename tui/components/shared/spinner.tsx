// A spinner for work that runs in the background while the screen stays live, with a line
// saying how far the work got when it tells.
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { WorkProgress } from '../../data/steps.js';
import { theme } from '../../theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `12,345 objects visited (arena 3 of 10); Esc stops` */
export function progressLine(p: WorkProgress): string {
  return `${p.objects.toLocaleString('en-US')} objects visited (${p.where}); Esc stops`;
}

export function Spinner({ label, progress }: { label: string; progress?: WorkProgress | null }) {
  const [i, setI] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setI((x) => (x + 1) % FRAMES.length), 80);
    return () => clearInterval(t);
  }, []);
  const line = (
    <Text wrap="truncate-end">
      <Text color={theme.accent}>{FRAMES[i]}</Text> {label}
    </Text>
  );
  if (progress === undefined) return line;
  return (
    <Box flexDirection="column">
      {line}
      <Text color={theme.muted} wrap="truncate-end">{`  ${progress ? progressLine(progress) : 'starting...'}`}</Text>
    </Box>
  );
}
