// The landing screen: threads, the selected thread's frames, the selected frame in detail.
import { Box } from 'ink';
import { SearchPrompt } from '../../components/search-prompt.js';
import type { MainModel } from '../../data/model.js';
import type { TuiData } from '../../data/tui-data.js';
import { useSourceLine } from '../../hooks/use-source-line.js';
import { useAppActions, type ScreenProps } from '../../navigation/app-actions.js';
import { DETAIL_FIXED_ROWS, FrameDetail } from './frame-detail.js';
import { FramesPane } from './frames-pane.js';
import { selectedFrame, selectedThread, type MainState } from './main-state.js';
import { ThreadsPane } from './threads-pane.js';
import { useMainScreen } from './use-main-screen.js';

const MAX_THREAD_ROWS = 5;
const MIN_FRAME_ROWS = 3;
const MIN_LOCAL_ROWS = 3;

/**
 * How the body's rows are shared: threads (up to 5 rows), then frames and the frame detail
 * (with its locals) each as much as they need; when both do not fit, the detail gets 40 %.
 */
export function mainLayout(state: MainState, height: number): { threads: number; frames: number; detail: number; prompt: number } {
  const prompt = state.search ? 1 : 0;
  const threads = 1 + Math.min(Math.max(state.model.threads.length, 1), MAX_THREAD_ROWS);
  const thread = selectedThread(state);
  const wantFrames = 1 + Math.max(thread?.frames.length ?? 0, 1) + (thread?.row.unreadable ? 1 : 0);
  const locals = selectedFrame(state)?.locals;
  const wantDetail = DETAIL_FIXED_ROWS + (locals ? Math.max(locals.length, 1) : 1);
  const available = height - prompt - threads;
  const detail = wantFrames + wantDetail <= available ? available - wantFrames : Math.min(wantDetail, Math.max(DETAIL_FIXED_ROWS + MIN_LOCAL_ROWS, Math.floor(available * 0.4)));
  const frames = Math.max(available - detail, MIN_FRAME_ROWS);
  return { threads, frames, detail: available - frames, prompt };
}

export function MainScreen({ data, model, isActive, width, height }: ScreenProps & { data: TuiData; model: MainModel }) {
  const actions = useAppActions();
  const state = useMainScreen(model, { isActive, pageSize: Math.max(height - 10, 1), actions, canInspect: data.explorer !== null });
  const thread = selectedThread(state);
  const frame = selectedFrame(state);
  const source = useSourceLine(data.sources, frame?.sourceFile ?? null, frame?.sourceLine ?? null);
  const rows = mainLayout(state, height);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ThreadsPane threads={model.threads} selected={state.thread} focused={state.focus === 'threads'} height={rows.threads} />
      <FramesPane thread={thread} selected={state.frame} focused={state.focus === 'frames'} width={width} height={rows.frames} />
      <FrameDetail frame={frame} index={state.frame} count={thread?.frames.length ?? 0} source={source} selectedLocal={state.local} focused={state.focus === 'locals'} width={width} height={rows.detail} />
      {state.search && <SearchPrompt query={state.search.query} failed={state.search.failed} list={state.focus} />}
    </Box>
  );
}
