// A spinner for work that runs in the background while the screen stays live.
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { theme } from '../../theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function Spinner({ label }: { label: string }) {
  const [i, setI] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setI((x) => (x + 1) % FRAMES.length), 80);
    return () => clearInterval(t);
  }, []);
  return (
    <Text wrap="truncate-end">
      <Text color={theme.accent}>{FRAMES[i]}</Text> {label}
    </Text>
  );
}
