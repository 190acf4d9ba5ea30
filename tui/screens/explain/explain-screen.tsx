// `x`: type the path of a fatal log or paste it, and read what `pycore explain` finds in it.
import { Box, Text } from 'ink';
import { escapeForTerminal } from '../../../src/reports/sanitize.js';
import { Pane } from '../../components/shared/pane.js';
import { Spinner } from '../../components/shared/spinner.js';
import { fitStart, wrapLines } from '../../components/shared/truncate.js';
import { keyBindings, keyLabel } from '../../keys/bindings.js';
import { useAppActions, type ScreenProps } from '../../navigation/app-actions.js';
import { theme } from '../../theme.js';
import { SearchableText } from '../text/text-screen.js';
import type { ExplainState } from './explain-state.js';
import { useExplain } from './use-explain.js';

const PREVIEW_LINES = 6;

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function Input({ state, width }: { state: Extract<ExplainState, { phase: 'input' }>; width: number }) {
  const lines = state.text.split('\n');
  const pasted = lines.length > 1;
  return (
    <>
      {wrapLines([`  Type the path of a log file, or paste the log (a faulthandler dump, "Fatal Python error", a traceback, ...).`], width - 1).map((l, i) => (
        <Text key={i}>{l}</Text>
      ))}
      <Text color={theme.muted} wrap="truncate-end">{`  Enter explains a path; after a paste, ${keyLabel(keyBindings.submit.keys[0])} explains it. Esc goes back.`}</Text>
      <Text> </Text>
      {pasted && <Text color={theme.muted}>{`  pasted ${lines.length} lines${state.cut ? ' (cut: too large; open it as a file instead)' : ''}; the last ones:`}</Text>}
      {lines.slice(-PREVIEW_LINES).map((l, i, shown) => (
        <Text key={i} wrap="truncate-end">
          <Text color={theme.accent}>{i === 0 && !pasted ? '  > ' : '    '}</Text>
          {fitStart(escapeForTerminal(l), width - 6)}
          {i === shown.length - 1 && <Text color={theme.muted}>█</Text>}
        </Text>
      ))}
      {state.error && <Text color={theme.danger} wrap="wrap">{`  ${escapeForTerminal(state.error)}`}</Text>}
    </>
  );
}

export function ExplainScreen({ isActive, width, height }: ScreenProps) {
  const actions = useAppActions();
  const state = useExplain({ isActive, width, height: height - 1, actions });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title="Explain a fatal error log" focused height={height}>
        {state.phase === 'input' && <Input state={state} width={width} />}
        {state.phase === 'running' && <Spinner label={`reading ${fitStart(escapeForTerminal(state.source), width - 30)}: ${mib(state.read)} of ${mib(state.total)}`} />}
        {state.phase === 'done' && <SearchableText lines={state.lines} height={height - 1} isActive={isActive} />}
      </Pane>
    </Box>
  );
}
