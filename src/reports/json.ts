// `--format json`: the report object with a stable, documented set of names (README: JSON schema).
import type { AnalyzeReport, FrameView } from '../analysis/view-model.js';
import { nativeStackJson } from './native-json.js';

export const ANALYZE_SCHEMA_VERSION = 1;

export function analyzeJson(r: AnalyzeReport): object {
  return {
    schema_version: ANALYZE_SCHEMA_VERSION,
    core: r.core,
    python: r.python,
    process: { pid: r.process.pid, argv: r.process.argv, argv_source: r.process.argv_source, executable: r.process.executable },
    origin: r.origin,
    signal: r.signal,
    crash_site: r.crash_site,
    current_thread_rule: r.current_thread_rule,
    threads: r.threads.map((t) => ({
      native_id: t.native_id,
      thread_id: t.thread_id,
      current: t.current,
      interpreter_id: t.interpreter_id,
      // With --native, `frames` is the merged stack (each frame with a "kind").
      ...(t.native ? nativeStackJson(t.native, frameJson) : { frames: t.frames.map(frameJson) }),
      ...(t.unreadable ? { unreadable: t.unreadable } : {}),
    })),
    ...(r.native_threads ? { native_threads: r.native_threads.map((t) => ({ native_id: t.native_id, ...nativeStackJson(t.native, frameJson) })) } : {}),
    extension_modules: r.extension_modules,
    ...(r.fatal_error_from ? { fatal_error_from: r.fatal_error_from } : {}),
    memory_errors: r.memory_errors.map(({ block: _block, ...e }) => e),
    ...(r.checked_blocks ? { checked_blocks: r.checked_blocks.map((c) => ('block' in c ? (({ block: _block, ...rest }) => rest)(c) : c)) } : {}),
    ...(r.tasks ? { tasks: r.tasks.tasks, coroutines: r.tasks.coroutines, tasks_problems: r.tasks.problems } : {}),
    warnings: r.warnings,
  };
}

export function frameJson(f: FrameView): object {
  return {
    function: f.function,
    qualname: f.qualname,
    file: f.file,
    line: f.line !== null && f.line < 0 ? null : f.line,
    ...(f.unreadable ? { unreadable: f.unreadable } : {}),
    ...(f.locals ? { locals: Object.fromEntries(f.locals.map((l) => [l.name, l.repr])), locals_detail: f.locals } : {}),
    ...(f.locals_unreadable ? { locals_unreadable: f.locals_unreadable } : {}),
  };
}

export function renderAnalyzeJson(r: AnalyzeReport): string {
  return JSON.stringify(analyzeJson(r), null, 2) + '\n';
}
