// The plain, serializable result of `pycore analyze`: the only input to the text, JSON and
// Markdown reports and to the TUI. Strings here are raw (as in the core); reports escape them.
import type { NativeFrameRef, NativeOnlyThreadView, NativeStackView } from './native-view-model.js';

import type { Capabilities } from '../cpython-layouts/capabilities.js';
import type { CoreOrigin } from '../io/core-intake.js';
import type { CheckedBlockView, MemoryErrorView } from './memory-check.js';
import type { TasksView } from './tasks.js';

export interface LocalView {
  name: string;
  kind: 'local' | 'cell' | 'free' | 'f_locals';
  address: string;
  type: string;
  repr: string;
}

export interface FrameView {
  function: string | null;
  qualname: string | null;
  file: string | null;
  line: number | null;
  unreadable?: string;
  /** With --locals: arguments, locals, cell and free variables (or the f_locals dict). */
  locals?: LocalView[];
  locals_unreadable?: string;
}

export interface ThreadView {
  native_id: number | null;
  /** pthread id as faulthandler prints it: 0x%016x. */
  thread_id: string | null;
  current: boolean;
  interpreter_id: number | null;
  frames: FrameView[];
  /** Why the frame list may be incomplete. */
  unreadable?: string;
  /** With --native: the thread's native stack merged with its Python frames. */
  native?: NativeStackView;
}

export interface SignalView {
  number: number;
  name: string;
  code: number | null;
  code_text: string | null;
  address: string | null;
}

export interface CrashSiteView {
  module: string;
  module_path: string;
  symbol: string | null;
  offset: string;
  address: string;
  thread_native_id: number;
  /** The frame the signal interrupted (below the kernel's signal frame), when the native stack shows one. */
  interrupted?: NativeFrameRef | null;
  /** The first native frame, from the interrupted one down, outside the interpreter and the C library: the extension that most likely crashed. */
  culprit?: NativeFrameRef | null;
}

/** How this version's faulthandler writes its dump (the layout's capability, as is). */
export type FaulthandlerStyle = Capabilities['faulthandler'];

export interface AnalyzeReport {
  core: string;
  python: {
    version: string;
    version_source: string;
    executable: string | null;
    module: string;
    build: string;
    layout_source: string;
    /** How _PyRuntime was found: its symbol, or a memory scan for _Py_DebugOffsets (no binary). */
    found_by: 'symbol' | 'scan';
  } | null;
  process: { pid: number | null; argv: string[]; argv_source: 'stack' | 'report' | 'psargs' | 'none'; executable: string | null };
  /** How the core arrived (compressed, systemd-coredump, apport) and what was recorded beside it. */
  origin: CoreOrigin | null;
  signal: SignalView | null;
  crash_site: CrashSiteView | null;
  /** How the current thread was chosen. */
  current_thread_rule: 'signal' | 'gil-holder' | 'none';
  threads: ThreadView[];
  /** With --native: threads of the core without a Python thread state. */
  native_threads?: NativeOnlyThreadView[];
  /** Non-stdlib extension modules in sys.modules, as faulthandler lists them (3.10+); null when not listed. */
  extension_modules: string[] | null;
  /** Set when SIGABRT came from Py_FatalError: the function that called it (faulthandler printed nothing). */
  fatal_error_from?: string;
  /** Damaged debug-allocator blocks and use-after-free found in the core (src/analysis/memory-check.ts). */
  memory_errors: MemoryErrorView[];
  /** With --check ADDR: each block's report, damaged or not, or why there is no block there. */
  checked_blocks?: CheckedBlockView[];
  /** With --tasks: asyncio tasks and other suspended coroutines (src/analysis/tasks.ts). */
  tasks?: TasksView;
  warnings: string[];
  faulthandler: FaulthandlerStyle | null;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function threadIdHex(n: number): string {
  return `0x${n.toString(16).padStart(16, '0')}`;
}
