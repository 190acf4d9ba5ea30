// The root: holds the screen stack and the status line, and shows the screen on top. Each
// screen owns its own state; nothing else lives here.
import { Box } from 'ink';
import { useLayoutEffect, useMemo, useReducer } from 'react';
import { ErrorBoundary } from './components/error-boundary.js';
import { STATUS_BAR_ROWS, StatusBar } from './components/status-bar.js';
import { buildModel, type MainModel } from './data/model.js';
import type { TuiData } from './data/tui-data.js';
import { FixedSizeContext, useTerminalSize, type Size } from './hooks/use-terminal-size.js';
import { hints, type Command } from './keys/bindings.js';
import { KeypressProvider, useKeyHold } from './keys/keypress.js';
import { useSyncedReducer } from './hooks/use-synced-reducer.js';
import { AppActionsContext, type AppActions, type ScreenProps } from './navigation/app-actions.js';
import { pendingViews } from './navigation/pending-views.js';
import { initialStack, navReducer, type NavAction, type Screen } from './navigation/screens.js';
import { statusReducer } from './navigation/status.js';
import { useGlobalKeys } from './navigation/use-global-keys.js';
import { ExplainScreen } from './screens/explain/explain-screen.js';
import { InspectorScreen } from './screens/inspector/inspector-screen.js';
import { MainScreen } from './screens/main/main-screen.js';
import { TextScreen } from './screens/text/text-screen.js';
import { helpText, pendingText, warningsText } from './screens/text/views.js';
import { theme } from './theme.js';

export interface AppProps {
  data: TuiData;
  /** Pin the size (tests); otherwise the terminal's, following resizes. */
  size?: Size;
}

export function App({ data, size }: AppProps) {
  return (
    <FixedSizeContext.Provider value={size ?? null}>
      <KeypressProvider>
        <Root data={data} />
      </KeypressProvider>
    </FixedSizeContext.Provider>
  );
}

const screenHints: Record<Screen['kind'], Command[]> = {
  main: ['up', 'down', 'nextPane', 'open', 'search', 'help', 'quit'],
  inspector: ['up', 'down', 'open', 'back', 'referrers', 'pathFromRoot', 'help', 'quit'],
  help: ['up', 'down', 'back', 'quit'],
  warnings: ['up', 'down', 'back', 'help', 'quit'],
  pending: ['back', 'help', 'quit'],
  explain: ['up', 'down', 'submit', 'back', 'quit'],
};

function ScreenView({ screen, data, model, ...props }: ScreenProps & { screen: Screen; data: TuiData; model: MainModel }) {
  switch (screen.kind) {
    case 'main':
      return <MainScreen data={data} model={model} {...props} />;
    case 'inspector':
      return data.explorer && <InspectorScreen explorer={data.explorer} root={screen} {...props} />;
    case 'help':
      return <TextScreen title="Keys" lines={helpText()} {...props} />;
    case 'warnings':
      return <TextScreen title={`Warnings (${model.header.warnings.length})`} lines={warningsText(model.header.warnings)} color={theme.warning} {...props} />;
    case 'explain':
      return <ExplainScreen {...props} />;
    case 'pending':
      return <TextScreen title={pendingViews[screen.view].title} lines={pendingText(screen.view)} {...props} />;
  }
}

function Root({ data }: { data: TuiData }) {
  const model = useMemo(() => buildModel(data.report), [data.report]);
  const [stack, nav, latestStack] = useSyncedReducer(navReducer, initialStack, (s) => s);
  const [status, setStatus] = useReducer(statusReducer, null);
  const keys = useKeyHold();
  const actions = useMemo<AppActions>(() => {
    // Keys that follow a key opening or closing a screen wait until it is mounted.
    const navigate = (a: NavAction) => {
      const before = latestStack();
      nav(a);
      if (latestStack() !== before) keys.hold();
    };
    return {
      push: (screen) => navigate({ type: 'push', screen }),
      pop: () => navigate({ type: 'pop' }),
      notify: (kind, text) => setStatus({ type: 'show', kind, text }),
    };
  }, []);
  useLayoutEffect(() => keys.release(), [stack]);
  const top = stack[stack.length - 1];
  const latestTop = () => latestStack()[latestStack().length - 1];
  useGlobalKeys(latestTop, actions, () => setStatus({ type: 'clear' }));
  const { columns, rows } = useTerminalSize();
  const height = Math.max(rows - 1, 10);
  const body = height - STATUS_BAR_ROWS;
  return (
    <AppActionsContext.Provider value={actions}>
      <Box flexDirection="column" width={columns} height={height}>
        {stack.map((screen, i) => {
          const onTop = i === stack.length - 1;
          const key = `${i}:${JSON.stringify(screen)}`;
          return (
            <Box key={key} display={onTop ? 'flex' : 'none'} height={body}>
              <ErrorBoundary resetKey={key} onError={(text) => actions.notify('error', text)}>
                <ScreenView screen={screen} data={data} model={model} active={onTop} isActive={() => latestStack().length - 1 === i} width={columns} height={body} />
              </ErrorBoundary>
            </Box>
          );
        })}
        <StatusBar header={model.header} status={status} hints={hints(screenHints[top.kind])} width={columns} />
      </Box>
    </AppActionsContext.Provider>
  );
}
