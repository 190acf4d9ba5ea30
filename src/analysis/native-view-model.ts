// View model of native stacks (`pycore analyze --native`): each thread's C frames with the Python
// frames each eval-loop call ran placed where that call sits, and the crash's likely culprit.
// Plain data, like view-model.ts: the only input to the reports. Strings are raw.
import type { FrameView } from './view-model.js';

/** How a frame was found: from the thread's registers (frame 0), call frame information, the kernel's signal frame, the frame-pointer chain (a guess), or DWARF call sites (a function that tail-called its callee). */
export type NativeRecovery = 'registers' | 'cfi' | 'sigcontext' | 'frame-pointer' | 'tail-call';

export interface NativeFrameView {
  kind: 'native';
  /** gdb's frame number (`#N`). */
  index: number;
  /** The frame's pc (a return address for callers), as gdb prints it. */
  address: string;
  module: string | null;
  module_path: string | null;
  /** The function gdb would name: from DWARF when the module or its debug file has it, else the ELF symbol; null where gdb prints `??`. */
  symbol: string | null;
  /** An inlined call (DWARF DW_TAG_inlined_subroutine): no frame of its own on the stack; it shares the address of the next frame, the function it was inlined into. */
  inlined: boolean;
  /** From the symbol when there is one, else from the module's start. */
  offset: string | null;
  /** From DWARF line tables, when the module (or its separate debug file) has them. */
  file: string | null;
  line: number | null;
  recovery: NativeRecovery;
  /** The kernel's signal trampoline (gdb: `<signal handler called>`). */
  signal_frame: boolean;
  /** 'eval': an eval-loop call, followed by the Python frames it ran; 'internal': interpreter plumbing, folded unless --native-all. */
  role: 'eval' | 'internal' | 'other';
  /** --locals: the C function's parameters and local variables (gdb's `bt full`), from DWARF; absent when the module has no DWARF function at this pc. */
  args?: NativeVariableView[];
  locals?: NativeVariableView[];
  /** --locals: why the arguments and locals could not be read (malformed DWARF). */
  variables_unreadable?: string;
}

/** A C argument or local: its value as gdb prints it, or `optimized_out` (DWARF gives no location at this pc, or one in a register the unwinder could not recover). */
export interface NativeVariableView {
  name: string;
  /** The C type as written (`PyObject *`); null when DWARF gives none. */
  type: string | null;
  value?: string;
  optimized_out?: true;
  /** Why it is optimized out (pycore's reason; gdb says only `<optimized out>`). */
  why?: string;
  /** It has a location, but the value could not be read there (memory not in the core, unsupported expression). */
  unreadable?: string;
}

export type PythonStackFrameView = FrameView & { kind: 'python' };

export type StackFrameView = NativeFrameView | PythonStackFrameView;

export interface NativeStackView {
  /** Most recent call first: native frames, each eval-loop call followed by the Python frames it ran. */
  frames: StackFrameView[];
  /** Interpreter-internal native frames left out (0 with --native-all). */
  folded: number;
  /** False when the Python frames could not all be placed under eval-loop frames (they are then listed after the native frames). */
  merged: boolean;
  /** Why the native walk ended early, or why the merge failed; absent when it reached the outermost frame. */
  unreadable?: string;
}

/** A thread of the core that has no Python thread state (a C thread, or one that has not started Python). */
export interface NativeOnlyThreadView {
  native_id: number;
  native: NativeStackView;
}

/** A frame of the crashing thread singled out in the header. */
export interface NativeFrameRef {
  module: string | null;
  module_path: string | null;
  symbol: string | null;
  offset: string | null;
  address: string;
  /** gdb's frame number in the crashing thread. */
  frame: number;
}
