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
import { CensusScreen } from './screens/heap/census-screen.js';
import { ObjectListScreen } from './screens/heap/object-list-screen.js';
import { instanceRows, pathRows, referrerRows } from './screens/heap/object-rows.js';
import { leakRows } from './screens/heap/leak-rows.js';
import { dominatorRows } from './screens/heap/dominator-rows.js';
import { mallocLines, memoryErrorLines } from './screens/heap/report-lines.js';
import { useAsync } from './hooks/use-async.js';
import { Spinner } from './components/shared/spinner.js';
import type { HeapData } from './data/heap-data.js';
import { escapeForTerminal } from '../src/reports/sanitize.js';
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
  inspector: ['up', 'down', 'open', 'back', 'referrers', 'pathFromRoot', 'search', 'help', 'quit'],
  help: ['up', 'down', 'search', 'back', 'quit'],
  warnings: ['up', 'down', 'search', 'back', 'help', 'quit'],
  pending: ['back', 'help', 'quit'],
  census: ['up', 'down', 'open', 'search', 'sort', 'back', 'quit'],
  instances: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  referrers: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  path: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  malloc: ['up', 'down', 'search', 'back', 'help', 'quit'],
  leaks: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  dominators: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  dominated: ['up', 'down', 'open', 'search', 'back', 'help', 'quit'],
  errors: ['up', 'down', 'search', 'back', 'help', 'quit'],
  explain: ['up', 'down', 'submit', 'back', 'quit'],
};

function ScreenView({ screen, data, model, ...props }: ScreenProps & { screen: Screen; data: TuiData; model: MainModel }) {
  switch (screen.kind) {
    case 'main':
      return <MainScreen data={data} model={model} {...props} />;
    case 'inspector':
      return data.explorer && <InspectorScreen explorer={data.explorer} heap={data.heap ?? null} root={screen} {...props} />;
    case 'help':
      return <TextScreen title="Keys" lines={helpText()} {...props} />;
    case 'warnings':
      return <TextScreen title={`Warnings (${model.header.warnings.length})`} lines={warningsText(model.header.warnings)} color={theme.warning} {...props} />;
    case 'explain':
      return <ExplainScreen {...props} />;
    case 'pending':
      return <TextScreen title={pendingViews[screen.view].title} lines={pendingText(screen.view)} {...props} />;
    case 'errors':
      return <TextScreen title={`Memory errors (${data.report.memory_errors.length})`} lines={memoryErrorLines(data.report.memory_errors)} {...props} />;
    case 'census':
    case 'malloc':
    case 'dominators':
    case 'leaks': {
      const view = screen.kind === 'census' ? 'heap' : screen.kind;
      if (!data.heap) return <TextScreen title={pendingViews[view].title} lines={pendingText(view)} {...props} />;
      const heap = data.heap;
      if (screen.kind === 'census') return <CensusScreen heap={heap} {...props} />;
      if (screen.kind === 'malloc') return <MallocScreen heap={heap} {...props} />;
      if (screen.kind === 'dominators') return <ObjectListScreen title="Dominator tree (retained sizes, as pycore heap --dominators)" working="walking the heap, then computing the dominator tree..." load={async (watch) => dominatorRows(heap, await heap.dominators(watch), null)} {...props} />;
      return <ObjectListScreen title="Leak hints (as pycore heap --leaks)" working="walking the heap, then looking for uncollected cycles..." load={async (watch) => leakRows(heap, await heap.leaks(watch))} {...props} />;
    }
    case 'instances': {
      const heap = data.heap!;
      return <ObjectListScreen title={`Instances of ${screen.typeName}`} working={`finding the instances of ${screen.typeName}...`} load={async (watch) => instanceRows(heap, await heap.instances(screen.typeAddress, watch), screen.typeName)} {...props} />;
    }
    case 'referrers': {
      const heap = data.heap!;
      return <ObjectListScreen title={`Referrers of ${screen.label}`} working="walking the heap for referrers..." load={async (watch) => referrerRows(await heap.referrers(screen.address, watch))} {...props} />;
    }
    case 'dominated': {
      const heap = data.heap!;
      return <ObjectListScreen title={`What ${screen.label} dominates`} working="computing the dominator tree..." load={async (watch) => dominatorRows(heap, await heap.dominators(watch), screen.address)} {...props} />;
    }
    case 'path': {
      const heap = data.heap!;
      return <ObjectListScreen title={`Path from a root to ${screen.label}`} working="following references from the roots..." load={async (watch) => pathRows(await heap.path(screen.address, watch))} {...props} />;
    }
  }
}

function MallocScreen({ heap, ...props }: ScreenProps & { heap: HeapData }) {
  const stats = useAsync((watch) => heap.mallocStats(watch), [heap]);
  if (stats.status === 'loading') return <Spinner label="reading pymalloc's arenas..." progress={stats.progress} />;
  const lines = stats.status === 'done' ? mallocLines(stats.value.heaps, stats.value.note, props.width) : [`cannot read pymalloc's state: ${escapeForTerminal(stats.error)}`];
  return <TextScreen title="pymalloc statistics" lines={lines} {...props} />;
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
