// `--format json --native`: a thread's merged stack. Every frame carries "kind": "native" frames
// have module, symbol, offset, address, file and line (with --locals, "args" and "locals": name,
// type, and value or "optimized_out": true); "python" frames are the usual frame objects.
import type { NativeStackView } from '../analysis/native-view-model.js';
import type { FrameView } from '../analysis/view-model.js';

export function nativeStackJson(s: NativeStackView, frameJson: (f: FrameView) => object): object {
  return {
    frames: s.frames.map((f) => {
      if (f.kind === 'python') {
        const { kind, ...frame } = f;
        return { kind, ...frameJson(frame) };
      }
      return {
        kind: f.kind,
        index: f.index,
        module: f.module,
        module_path: f.module_path,
        symbol: f.symbol,
        ...(f.inlined ? { inlined: true } : {}),
        offset: f.offset,
        address: f.address,
        file: f.file,
        line: f.line,
        recovery: f.recovery,
        ...(f.signal_frame ? { signal_frame: true } : {}),
        role: f.role,
        ...(f.args ? { args: f.args } : {}),
        ...(f.locals ? { locals: f.locals } : {}),
        ...(f.variables_unreadable ? { variables_unreadable: f.variables_unreadable } : {}),
      };
    }),
    native: { merged: s.merged, folded: s.folded, ...(s.unreadable ? { unreadable: s.unreadable } : {}) },
  };
}
