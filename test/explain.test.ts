// `pycore explain` against real crash logs printed by CPython 3.8-3.13 and Debian's 3.11
// (corpus/logs, made by corpus/logs/generate.py): every pattern, every version, checked against
// the facts each crashing program recorded about itself. Then hostile variants built from those
// logs (CRLF, ANSI escapes, interleaving, cuts, garbage, 100 MB) and bad input on the CLI.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BadPad, Finding, FindingKind, FrameRef, ObjectDumpDetails, ThreadRef } from '../src/analysis/findings.js';
import { explainText, LogExplainer, type ExplainReport } from '../src/analysis/log/explain.js';
import { defaultLogLimits } from '../src/analysis/log/limits.js';
import { renderExplainJson } from '../src/reports/explain-json.js';
import { renderExplainText } from '../src/reports/explain-text.js';
import { CORPUS, ROOT } from './helpers/corpus.js';
import { expectOneLineError, pycore } from './helpers/cli.js';

const LOGS = join(CORPUS, 'logs');

interface Facts {
  hexversion: number;
  current_thread?: string;
  main_thread?: string;
  other_threads?: string[];
  crash_stack?: FrameRef[];
  sleep_stack?: FrameRef[];
  dump_stack?: FrameRef[];
  depth?: number;
  [k: string]: unknown;
}
interface CaseTruth {
  argv: string[];
  env: Record<string, string>;
  returncode: number;
  facts: Facts | null;
  skipped?: string;
}
interface LabelTruth {
  label: string;
  version: string;
  cases: Record<string, CaseTruth>;
}

const labels: LabelTruth[] = existsSync(LOGS)
  ? readdirSync(LOGS)
      .filter((d) => existsSync(join(LOGS, d, 'truth.json')))
      .sort()
      .map((d) => JSON.parse(readFileSync(join(LOGS, d, 'truth.json'), 'utf8')) as LabelTruth)
  : [];

const logPath = (label: string, c: string) => join(LOGS, label, `${c}.log`);
const readLog = (label: string, c: string) => readFileSync(logPath(label, c));
const explainLog = (label: string, c: string) => explainText(logPath(label, c), readLog(label, c));
const atLeast = (f: Facts, major: number, minor: number) => f.hexversion >= ((major << 24) | (minor << 16));

const kinds = (r: ExplainReport) => r.findings.map((f) => f.kind);
function only(r: ExplainReport, kind: FindingKind): Finding {
  const fs = r.findings.filter((f) => f.kind === kind);
  expect(fs.map((f) => f.kind), `exactly one ${kind} in ${kinds(r).join(', ')}`).toEqual([kind]);
  return fs[0];
}
const threadsOf = (f: Finding) => f.details.threads as ThreadRef[];
const frames = (fs: FrameRef[]) => fs.map((f) => ({ file: f.file, line: f.line, function: f.function }));
const D = <T>(f: Finding, k: string) => f.details[k] as T;

/** faulthandler's current thread: ctypes' string_at on top of the recorded stack. */
function expectCtypesCrashStack(t: ThreadRef, facts: Facts): void {
  expect(t.frames[0].function).toBe('string_at');
  expect(t.frames[0].file).toMatch(/ctypes[/\\]__init__\.py$/);
  expect(frames(t.frames.slice(1))).toEqual(frames(facts.crash_stack!).slice(0, t.frames.length - 1));
}

/** The crash finding learned the current thread and its top frame from the dump that follows. */
function expectContext(f: Finding, facts: Facts, top: FrameRef): void {
  expect(D(f, 'current_thread')).toBe(facts.current_thread);
  expect(D<FrameRef>(f, 'top_frame')).toEqual(top);
}

type Check = (r: ExplainReport, facts: Facts, t: CaseTruth) => void;

function signalCase(signal: string): Check {
  return (r, facts) => {
    const f = only(r, 'fatal-signal');
    expect(D(f, 'signal')).toBe(signal);
    if (facts.signal) expect(D(f, 'signal')).toBe(facts.signal);
    if (facts.signal_number) expect(D(f, 'signal_number')).toBe(facts.signal_number);
    const dump = only(r, 'thread-dump');
    const cur = threadsOf(dump).find((t) => t.current)!;
    expect(cur.thread_id).toBe(facts.current_thread);
    expect(frames(cur.frames)).toEqual(frames(facts.crash_stack!));
    expectContext(f, facts, facts.crash_stack![0]);
  };
}

function fatalCase(kind: FindingKind, state = 'initialized'): Check {
  return (r, facts) => {
    const f = only(r, kind);
    expect(D(f, 'runtime_state')).toBe(state);
    expect(only(r, 'runtime-state').details.state).toBe(state);
    const cur = threadsOf(only(r, 'thread-dump')).find((t) => t.current)!;
    if (facts.crash_stack) {
      expect(frames(cur.frames)).toEqual(frames(facts.crash_stack));
      expectContext(f, facts, facts.crash_stack[0]);
    }
  };
}

function memoryCase(kind: 'trailing-pad' | 'leading-pad' | 'bad-api-id'): Check {
  return (r, facts) => {
    fatalCase(kind)(r, facts, {} as CaseTruth);
    const f = only(r, kind);
    expect(r.findings.filter((x) => x.kind === 'fatal-error')).toEqual([]);
    const address = D<string>(f, 'address');
    const requested = D<number>(f, 'requested');
    expect(address).toMatch(/^0x[0-9a-f]+$/);
    // CPython's own layout: the trailing pad bytes start right after the requested size.
    if (D(f, 'tail') !== null) expect(BigInt(D<string>(f, 'tail'))).toBe(BigInt(address) + BigInt(requested));
    if (facts.address) expect(address).toBe(facts.address);
    if (facts.requested) expect(requested).toBe(facts.requested);
    if (facts.api) expect(D(f, 'api')).toBe(facts.api);
    if (facts.allocated_api) expect([D(f, 'allocated_api'), D(f, 'verified_api')]).toEqual([facts.allocated_api, facts.verified_api]);
    if (kind === 'bad-api-id') expect(D(f, 'allocated_api')).toBe(D(f, 'api'));
    if (facts.write_offset !== undefined) {
      // The program wrote `write_length` bytes at p+write_offset: exactly the trailing pad bytes.
      expect(BigInt(D<string>(f, 'tail'))).toBe(BigInt(address) + BigInt(facts.write_offset as number));
      expect(D<BadPad[]>(f, 'bad_pads')).toEqual(Array.from({ length: facts.write_length as number }, (_, o) => ({ base: 'tail', offset: o, value: facts.bad_value })));
    }
    if (facts.bad_offset !== undefined) expect(D<BadPad[]>(f, 'bad_pads')).toEqual([{ base: 'p', offset: facts.bad_offset, value: facts.bad_value }]);
    expect(f.next_steps.join('\n')).toMatch(/tracemalloc|allocated at/);
  };
}

function assertionCase(kind: FindingKind): Check {
  return (r, facts) => {
    fatalCase(kind)(r, facts, {} as CaseTruth);
    const f = only(r, kind);
    expect(facts.emulated).toBe(true);
    expect(D(f, 'function')).toBe(facts.function);
    const o = D<ObjectDumpDetails>(f, 'object');
    expect(o.address).toBe(facts.address);
    expect(o.type_name).toBe(facts.type_name);
    expect(D(f, 'fatal_error')).toMatch(/_PyObject_AssertFailed$/);
    expect(r.findings.filter((x) => x.kind === 'fatal-error' || x.kind === 'assertion-failed')).toEqual([]);
  };
}

/** A real assertion of a debug build: the finding, the object CPython dumped, the fatal error merged. */
function debugAssertCase(kind: FindingKind): Check {
  return (r, facts) => {
    const f = only(r, kind);
    expect(facts.emulated).toBeUndefined();
    expect(D(f, 'function')).toBe(facts.function);
    const o = D<ObjectDumpDetails>(f, 'object');
    expect([o.address, o.type_name]).toEqual([facts.address, facts.type_name]);
    if (facts.refcount_written !== undefined) expect(o.refcount).toBe(String(facts.refcount_written));
    expect(r.findings.filter((x) => x.kind === 'fatal-error' || x.kind === 'assertion-failed')).toEqual([]);
  };
}

const gcSteps = (f: Finding) => {
  expect(f.next_steps.join('\n')).toContain('gc.set_threshold(5)');
  expect(f.next_steps.join('\n')).toContain('gc.disable()');
};

/** What each corpus case must yield. Facts come from the crashing program (truth.json). */
const CHECKS: Record<string, Check> = {
  'segv-threads': (r, facts) => {
    const f = only(r, 'fatal-signal');
    expect(D(f, 'signal')).toBe('SIGSEGV');
    const ts = threadsOf(only(r, 'thread-dump'));
    expect(new Set(ts.map((t) => t.thread_id))).toEqual(new Set([facts.current_thread, ...facts.other_threads!]));
    const cur = ts.find((t) => t.current)!;
    expect(cur.thread_id).toBe(facts.current_thread);
    expectCtypesCrashStack(cur, facts);
    expect(D<FrameRef>(f, 'top_frame').function).toBe('string_at');
    expect(D(f, 'threads_dumped')).toBe(3);
    expect(f.details.likely_causes as string[]).toContainEqual(expect.stringContaining('ctypes'));
    expect(f.next_steps.join('\n')).toContain('pycore analyze');
  },
  abort: signalCase('SIGABRT'),
  sigbus: signalCase('SIGBUS'),
  sigfpe: signalCase('SIGFPE'),
  sigill: signalCase('SIGILL'),
  'deep-recursion': (r, facts) => {
    const cur = threadsOf(only(r, 'thread-dump'))[0];
    expect(facts.depth).toBeGreaterThan(100);
    expect(cur.frames.length).toBe(100);
    expect(cur.truncated).toBe(true);
    expectCtypesCrashStack(cur, facts);
    expect(D(only(r, 'fatal-signal'), 'stack_truncated')).toBe(true);
  },
  timeout: (r, facts) => {
    const t = only(r, 'timeout');
    expect(D(t, 'seconds')).toBe(facts.timeout_seconds);
    expect(D(t, 'timeout')).toBe('0:00:01');
    const ts = threadsOf(only(r, 'thread-dump'));
    expect(new Set(ts.map((x) => x.thread_id))).toEqual(new Set([facts.current_thread, ...facts.other_threads!]));
    expect(ts.some((x) => x.current)).toBe(false);
    expect(frames(ts.find((x) => x.thread_id === facts.current_thread)!.frames)).toEqual(frames(facts.sleep_stack!));
  },
  'timeout-exit': (r, facts, t) => {
    expect(t.returncode).toBe(1);
    expect(D(only(r, 'timeout'), 'seconds')).toBe(facts.timeout_seconds);
    const ts = threadsOf(only(r, 'thread-dump'));
    expect(ts.map((x) => x.thread_id)).toEqual([facts.main_thread]);
    expect(frames(ts[0].frames)).toEqual(frames(facts.sleep_stack!));
  },
  'dump-traceback': (r, facts) => {
    const dumps = r.findings.filter((f) => f.kind === 'thread-dump');
    expect(dumps.length).toBe(2);
    expect(dumps[0].details.all_threads).toBe(false);
    expect(frames(threadsOf(dumps[0])[0].frames)).toEqual(frames(facts.dump_stack!));
    const ts = threadsOf(dumps[1]);
    expect(new Set(ts.map((x) => x.thread_id))).toEqual(new Set([facts.current_thread, ...facts.other_threads!]));
    const cur = ts.find((x) => x.current)!;
    expect(cur.thread_id).toBe(facts.current_thread);
    expect(cur.frames[0].line).toBe(facts.dump_stack![0].line! + 1);
  },
  'gc-segv': (r, facts) => {
    const f = only(r, 'fatal-signal');
    const cur = threadsOf(only(r, 'thread-dump'))[0];
    expectCtypesCrashStack(cur, facts);
    // faulthandler prints `  Garbage-collecting` since 3.10.
    expect(cur.garbage_collecting).toBe(atLeast(facts, 3, 10));
    expect(D(f, 'garbage_collecting')).toBe(atLeast(facts, 3, 10));
    if (atLeast(facts, 3, 10)) gcSteps(f);
  },
  'fatal-error': (r, facts, t) => {
    fatalCase('fatal-error')(r, facts, t);
    const f = only(r, 'fatal-error');
    expect(D(f, 'message')).toBe(facts.message);
    expect(D(f, 'function')).toBe(null);
  },
  'fatal-error-func': (r, facts, t) => {
    fatalCase('fatal-error')(r, facts, t);
    const f = only(r, 'fatal-error');
    expect([D(f, 'function'), D(f, 'message')]).toEqual([facts.function, facts.message]);
  },
  'fatal-finalizing': (r, facts) => {
    const f = only(r, 'fatal-error');
    expect(D(f, 'message')).toBe(facts.message);
    expect(D(f, 'runtime_state')).toBe('finalizing');
    expect(D(f, 'runtime_tstate')).toMatch(/^0x[0-9a-f]+$/);
    expect(D<FrameRef>(f, 'top_frame').function).toBe('__del__');
    expect(f.details.likely_causes as string[]).toContainEqual(expect.stringContaining('shutdown'));
  },
  'fatal-exception': (r, facts, t) => {
    fatalCase('fatal-error')(r, facts, t);
    const f = only(r, 'fatal-error');
    expect(D(f, 'pending_exception')).toEqual({ exception: 'ValueError', message: 'pycore corpus: exception pending at the fatal error' });
    const ext = facts.extension as { name: string };
    if (atLeast(facts, 3, 10)) expect(D(f, 'extension_modules')).toEqual([ext.name]);
  },
  'no-thread-state': fatalCase('gil-not-held'),
  'malloc-without-gil': fatalCase('gil-not-held'),
  'glibc-double-free': (r, facts) => {
    const f = only(r, 'heap-corruption');
    expect(f.details).toMatchObject({ message: 'free(): double free detected in tcache 2', signal: 'SIGABRT', current_thread: facts.current_thread });
    expect(r.findings.filter((x) => x.kind === 'fatal-signal')).toEqual([]);
    expect(frames(threadsOf(only(r, 'thread-dump'))[0].frames)).toEqual(frames(facts.crash_stack!));
  },
  'deallocating-none': (r, facts, t) => {
    fatalCase('deallocating-none')(r, facts, t);
    expect(D(only(r, 'deallocating-none'), 'object')).toBe('None');
    expect(threadsOf(only(r, 'thread-dump'))[0].no_python_frame).toBe(true);
  },
  'stack-overflow': (r) => {
    expect(D(only(r, 'stack-overflow'), 'message')).toMatch(/^Cannot recover from stack overflow/);
    expect(threadsOf(only(r, 'thread-dump'))[0].frames.every((f) => f.function === 'recurse')).toBe(true);
  },
  'startup-failure': (r, _facts, t) => {
    const f = only(r, 'startup-failure');
    expect(D(f, 'runtime_state')).toBe('core initialized');
    expect(D(f, 'pending_exception')).toEqual({ exception: 'ModuleNotFoundError', message: "No module named 'encodings'" });
    expect(threadsOf(only(r, 'thread-dump'))[0].no_python_frame).toBe(true);
    const pc = r.findings.find((x) => x.kind === 'path-configuration');
    if (pc) expect(D<Record<string, string>>(pc, 'entries').PYTHONHOME).toBe(`'${t.env.PYTHONHOME}'`);
    expect(f.next_steps.join('\n')).toContain('PYTHONHOME');
  },
  'recursion-error': (r, facts) => {
    const f = only(r, 'recursion-error');
    expect(D(f, 'exception')).toBe('RecursionError');
    expect(D<FrameRef>(f, 'top_frame').function).toBe('recurse');
    const shown = D<FrameRef[]>(f, 'frames').length;
    expect(shown + D<number>(f, 'repeated')).toBeGreaterThan((facts.recursion_limit as number) - 20);
    expect(shown + D<number>(f, 'repeated')).toBeLessThanOrEqual((facts.recursion_limit as number) + 5);
  },
  'memory-error': (r, facts) => {
    const f = only(r, 'memory-error');
    expect(D(f, 'exception')).toBe('MemoryError');
    expect(frames([D<FrameRef>(f, 'top_frame')])).toEqual(frames([facts.crash_stack![0]]));
    expect(frames(D<FrameRef[]>(f, 'frames')).reverse()).toEqual(frames(facts.crash_stack!));
  },
  'resource-warning': (r, facts) => {
    const f = only(r, 'resource-warning');
    expect([D(f, 'file'), D(f, 'line')]).toEqual([facts.warning_file, (facts.allocated_line as number) + 1]);
    expect(D(f, 'message')).toMatch(/^unclosed file </);
    expect(D(f, 'tracemalloc')).toBe(true);
    const at = D<FrameRef[]>(f, 'allocated_at');
    expect([at.at(-1)!.file, at.at(-1)!.line]).toEqual([facts.warning_file, facts.allocated_line]);
  },
  'resource-warning-plain': (r, facts) => {
    const f = only(r, 'resource-warning');
    expect([D(f, 'file'), D(f, 'line'), D(f, 'tracemalloc'), D(f, 'allocated_at')]).toEqual([facts.warning_file, (facts.allocated_line as number) + 1, false, null]);
    expect(f.next_steps.join('\n')).toContain('-X tracemalloc=5');
  },
  'ext-segv': (r, facts) => {
    const f = only(r, 'fatal-signal');
    const cur = threadsOf(only(r, 'thread-dump'))[0];
    expect(frames(cur.frames)).toEqual(frames(facts.crash_stack!));
    const ext = facts.extension as { name: string };
    if (atLeast(facts, 3, 10)) {
      expect(D(f, 'extension_modules')).toEqual([ext.name]);
      expect(only(r, 'extension-modules').details).toMatchObject({ modules: [ext.name], total: 1, complete: true });
      expect(f.next_steps[0]).toContain(ext.name);
    } else expect(r.findings.filter((x) => x.kind === 'extension-modules')).toEqual([]);
  },
  'ext-assert': (r, facts) => {
    const f = only(r, 'assertion-failed');
    expect(f.details).toMatchObject({ style: 'c-assert', function: 'assert_fail', expression: 'maybe_null != NULL', signal: 'SIGABRT' });
    expect(D(f, 'file')).toMatch(/pycore_crashext\.c$/);
    expect(r.findings.filter((x) => x.kind === 'fatal-signal')).toEqual([]);
    expect(frames(threadsOf(only(r, 'thread-dump'))[0].frames)).toEqual(frames(facts.crash_stack!));
  },
  'ext-segv-gdb': (r) => {
    const f = only(r, 'native-crash');
    expect(f.details).toMatchObject({ source: 'gdb', signal: 'SIGSEGV' });
    const top = D<{ function: string; file: string }[]>(f, 'frames')[0];
    expect(top.function).toBe('segv');
    expect(top.file).toMatch(/pycore_crashext\.c$/);
    expect(f.summary).toContain('not CPython or the C library');
  },
  'ext-segv-kernel': (r, facts) => {
    const f = only(r, 'native-crash');
    expect(f.details).toMatchObject({ source: 'kernel', pid: facts.pid, fault_address: '0' });
    expect(D(f, 'module')).toMatch(/^pycore_crashext/);
    expect(f.summary).toContain('not CPython or the C library');
  },
  'pymem-overflow': memoryCase('trailing-pad'),
  'pymem-overflow-tracemalloc': (r, facts, t) => {
    memoryCase('trailing-pad')(r, facts, t);
    const at = D<FrameRef[]>(only(r, 'trailing-pad'), 'allocated_at');
    expect(frames(at)).toEqual(frames(facts.crash_stack!).map((f) => ({ ...f, function: null })));
    expect(only(r, 'trailing-pad').next_steps[0]).toContain(`${facts.crash_stack![0].file}:${facts.crash_stack![0].line}`);
  },
  'pymem-api-misuse': memoryCase('bad-api-id'),
  'pymem-api-mix': memoryCase('bad-api-id'),
  'pymem-leading-pad': memoryCase('leading-pad'),
  'bytearray-overflow': memoryCase('trailing-pad'),
  'object-dump': (r, facts) => {
    const f = only(r, 'object-dump');
    expect(f.details).toMatchObject({ address: facts.address, type_name: facts.type_name, repr: facts.repr, freed: false, refcount_pattern: null });
  },
  'object-dump-freed': (r, facts) => {
    expect(only(r, 'use-after-free').details).toMatchObject({ address: facts.address, freed: true });
  },
  'object-dump-dead-refcnt': (r, facts) => {
    // A debug build trips over the count first (_Py_NegativeRefcount, the object dumped inside).
    const f = only(r, 'use-after-free');
    const o = (f.details.object ?? f.details) as ObjectDumpDetails;
    expect(o).toMatchObject({ address: facts.address, type_name: facts.type_name, freed: false, refcount_pattern: 'dead-bytes' });
    // The printed count is the written one, give or take the references taken since.
    expect(Math.abs(Number(BigInt(o.refcount!) - BigInt(facts.refcount_written as number)))).toBeLessThan(64);
  },
  'gc-assert-decref': (r, facts, t) => {
    assertionCase('gc-assertion')(r, facts, t);
    const f = only(r, 'gc-assertion');
    expect(f.details).toMatchObject({ expression: 'gc_get_refs(g) > 0', message: 'refcount is too small' });
    gcSteps(f);
  },
  'gc-assert-update-refs': (r, facts, t) => {
    assertionCase('gc-assertion')(r, facts, t);
    gcSteps(only(r, 'gc-assertion'));
  },
  'gc-assert-visit-decref': (r, facts, t) => {
    assertionCase('gc-assertion')(r, facts, t);
    expect(D(only(r, 'gc-assertion'), 'freed_referent')).toBe(true);
  },
  'negative-refcount': (r, facts, t) => {
    assertionCase('negative-refcount')(r, facts, t);
    const o = D<ObjectDumpDetails>(only(r, 'negative-refcount'), 'object');
    expect([o.refcount, o.refcount_pattern]).toEqual(['-1', 'negative']);
  },
};

Object.assign(CHECKS, {
  'debug-gc-decref': (r, facts, t) => {
    debugAssertCase('gc-assertion')(r, facts, t);
    const f = only(r, 'gc-assertion');
    expect(f.details).toMatchObject({ expression: 'gc_get_refs(g) > 0', message: 'refcount is too small', garbage_collecting: true });
    expect(frames(threadsOf(only(r, 'thread-dump'))[0].frames)).toEqual(frames(facts.crash_stack!));
    gcSteps(f);
  },
  'debug-gc-update-refs': (r, facts, t) => {
    debugAssertCase('gc-assertion')(r, facts, t);
    expect(only(r, 'gc-assertion').details).toMatchObject({ expression: 'gc_get_refs(gc) != 0', garbage_collecting: true });
  },
  'debug-gc-visit-decref': (r, facts, t) => {
    // The dump of the container crashed on its freed item: faulthandler's header lands mid-line.
    debugAssertCase('gc-assertion')(r, facts, t);
    expect(only(r, 'gc-assertion').details).toMatchObject({ expression: '!_PyObject_IsFreed(op)', freed_referent: true });
    const sig = only(r, 'fatal-signal');
    expect(sig.details).toMatchObject({ signal: 'SIGSEGV', garbage_collecting: true, current_thread: facts.current_thread });
    expect(frames(threadsOf(only(r, 'thread-dump'))[0].frames)).toEqual(frames(facts.crash_stack!));
  },
  'debug-negative-refcount': (r, facts, t) => {
    debugAssertCase('negative-refcount')(r, facts, t);
    expect(D<ObjectDumpDetails>(only(r, 'negative-refcount'), 'object').refcount_pattern).toBe('negative');
    expect(frames(threadsOf(only(r, 'thread-dump'))[0].frames)).toEqual(frames(facts.crash_stack!));
  },
} satisfies Record<string, Check>);

const ALL_KINDS_SEEN = new Set<FindingKind>();

describe('real logs of every version', () => {
  it('the corpus is there, small, and every case is checked', () => {
    expect(labels.map((l) => l.label)).toEqual(['3.10', '3.11', '3.12', '3.13', '3.8', '3.9', 'debian-3.11', 'debian-3.11d']);
    let bytes = 0;
    for (const l of labels) for (const f of readdirSync(join(LOGS, l.label))) bytes += readFileSync(join(LOGS, l.label, f)).length;
    expect(bytes).toBeLessThan(700_000);
    for (const l of labels) expect(Object.keys(l.cases).sort()).toEqual(Object.keys(CHECKS).sort());
  });

  for (const l of labels) {
    describe(l.label, () => {
      for (const [name, truth] of Object.entries(l.cases)) {
        if (truth.skipped) {
          it.skip(`${name}: ${truth.skipped}`, () => {});
          continue;
        }
        it(name, () => {
          const r = explainLog(l.label, name);
          const total = readLog(l.label, name).toString('utf8').split('\n').length;
          for (const f of r.findings) {
            expect(Object.keys(f)).toEqual(['kind', 'summary', 'lines', 'details', 'next_steps']);
            expect(f.summary.length).toBeGreaterThan(10);
            expect(f.lines[0]).toBeGreaterThanOrEqual(1);
            expect(f.lines[1]).toBeGreaterThanOrEqual(f.lines[0]);
            expect(f.lines[1]).toBeLessThanOrEqual(total);
            ALL_KINDS_SEEN.add(f.kind);
          }
          CHECKS[name](r, truth.facts ?? ({ hexversion: 0 } as Facts), truth);
        });
      }
    });
  }

  it('together the logs exercise every finding kind (except the cap)', () => {
    const expected: FindingKind[] = ['fatal-signal', 'fatal-error', 'startup-failure', 'stack-overflow', 'gil-not-held', 'bad-api-id', 'trailing-pad', 'leading-pad', 'use-after-free', 'negative-refcount', 'deallocating-none', 'gc-assertion', 'heap-corruption', 'assertion-failed', 'object-dump', 'thread-dump', 'timeout', 'runtime-state', 'extension-modules', 'path-configuration', 'recursion-error', 'memory-error', 'resource-warning', 'native-crash'];
    for (const l of labels) for (const [c, t] of Object.entries(l.cases)) if (!t.skipped) for (const f of explainLog(l.label, c).findings) ALL_KINDS_SEEN.add(f.kind);
    expect([...ALL_KINDS_SEEN].sort()).toEqual(expected.sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile variants, built from the real logs.

const REPRESENTATIVE = ['segv-threads', 'pymem-overflow-tracemalloc', 'gc-assert-decref', 'startup-failure', 'resource-warning', 'recursion-error', 'timeout', 'ext-segv-gdb', 'object-dump-dead-refcnt', 'ext-assert'];

/** Reproducible noise: SHA-256 of a seed and a counter, so failures reproduce. */
function noise(seed: string, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0, n = 0; n < length; i++, n += 32) out.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(out).subarray(0, length);
}

const strip = (r: ExplainReport) => r.findings.map((f) => ({ kind: f.kind, lines: f.lines, summary: f.summary, details: f.details }));
const lf = (label: string, c: string) => readLog(label, c).toString('utf8');

describe('hostile logs', () => {
  const label = labels.find((l) => l.label === '3.12')?.label ?? labels[0]?.label;

  it('CRLF line endings change nothing', () => {
    for (const l of labels)
      for (const c of REPRESENTATIVE) {
        if (l.cases[c]?.skipped || !l.cases[c]) continue;
        expect(strip(explainText('x', lf(l.label, c).replace(/\n/g, '\r\n')))).toEqual(strip(explainText('x', lf(l.label, c))));
      }
  });

  it('ANSI colour and cursor sequences anywhere in a line change nothing', () => {
    const seqs = ['\x1b[31m', '\x1b[0m', '\x1b[1;33;44m', '\x1b[2K', '\x1b]0;title\x07', '\x1b[?25l', '\x1b(B'];
    for (const c of REPRESENTATIVE) {
      const text = lf(label, c);
      const dice = noise(c, text.length);
      let noisy = '';
      for (let i = 0; i < text.length; i++) {
        // About one character in twenty gets a sequence in front of it.
        if (text[i] !== '\n' && dice[i] < 13) noisy += seqs[dice[i] % seqs.length];
        noisy += text[i];
      }
      expect(strip(explainText('x', noisy))).toEqual(strip(explainText('x', text)));
    }
  });

  it('byte-order marks: UTF-8 with BOM and UTF-16 (PowerShell redirection) change nothing', () => {
    for (const c of REPRESENTATIVE) {
      const text = lf(label, c);
      const want = strip(explainText('x', text));
      expect(strip(explainText('x', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])))).toEqual(want);
      expect(strip(explainText('x', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])))).toEqual(want);
      const be = Buffer.from(text, 'utf16le').swap16();
      expect(strip(explainText('x', Buffer.concat([Buffer.from([0xfe, 0xff]), be])))).toEqual(want);
    }
  });

  it('CI timestamp prefixes (GitHub Actions style) change nothing', () => {
    for (const c of REPRESENTATIVE) {
      const text = lf(label, c);
      const stamped = text.split('\n').map((s, i) => (i === text.split('\n').length - 1 && s === '' ? s : `2024-05-01T12:34:${String(i % 60).padStart(2, '0')}.1234567Z ${s}`)).join('\n');
      expect(strip(explainText('x', stamped))).toEqual(strip(explainText('x', text)));
    }
  });

  it('two logs interleaved line by line: the crash of each is still found', () => {
    const anchor = (r: ExplainReport) => r.findings.filter((f) => !['thread-dump', 'runtime-state', 'extension-modules', 'path-configuration'].includes(f.kind)).map((f) => f.kind);
    for (const a of REPRESENTATIVE)
      for (const b of REPRESENTATIVE) {
        if (a === b) continue;
        const la = lf(label, a).split('\n');
        const lb = lf(label, b).split('\n');
        const mixed: string[] = [];
        for (let i = 0; i < Math.max(la.length, lb.length); i++) {
          if (i < la.length) mixed.push(la[i]);
          if (i < lb.length) mixed.push(lb[i]);
        }
        const got = kinds(explainText('x', mixed.join('\n')));
        for (const k of [...anchor(explainLog(label, a)), ...anchor(explainLog(label, b))]) expect(got, `${a} + ${b}`).toContain(k);
      }
  });

  it('a log cut anywhere: never a crash, findings for what is there', () => {
    for (const c of ['pymem-overflow-tracemalloc', 'segv-threads', 'gc-assert-decref', 'ext-segv-gdb']) {
      const bytes = readLog(label, c);
      const full = explainLog(label, c);
      for (let n = 0; n <= bytes.length; n++) {
        const r = explainText('x', bytes.subarray(0, n));
        expect(r.findings.length).toBeLessThanOrEqual(full.findings.length + 1);
        expect(r.ends_mid_line).toBe(n > 0 && bytes[n - 1] !== 10);
      }
    }
    // Cut in the middle of the current thread's stack: the crash and the frames up to the cut,
    // the last one as far as it goes.
    const text = lf(label, 'segv-threads');
    const cut = text.indexOf('segv_in_ctypes') + 5;
    const r = explainText('x', text.slice(0, cut));
    expect(r.ends_mid_line).toBe(true);
    expect(D(only(r, 'fatal-signal'), 'signal')).toBe('SIGSEGV');
    const cur = threadsOf(only(r, 'thread-dump')).find((t) => t.current)!;
    expect(cur.frames.map((f) => f.function)).toEqual(['string_at', 'segv_']);
  });

  it('binary garbage: no crash, no findings; a real log inside garbage is still found', () => {
    const garbage = noise('garbage', 4 * 1024 * 1024);
    const r = explainText('x', garbage);
    expect(r.findings).toEqual([]);
    expect(r.bytes).toBe(garbage.length);
    const embedded = explainText('x', Buffer.concat([garbage.subarray(0, 100_000), Buffer.from('\n'), readLog(label, 'pymem-overflow'), garbage.subarray(0, 100_000)]));
    expect(kinds(embedded)).toEqual(expect.arrayContaining(['trailing-pad', 'runtime-state', 'thread-dump']));
  });

  it('endless and pathological lines are cut and cost linear time (no regex blow-up)', () => {
    const bad = [
      '  File "'.repeat(4000),
      `  File "${'", line '.repeat(3000)}`,
      'a: Assertion '.repeat(3000),
      `x:1: y: Assertion "${'" failed'.repeat(2000)}`,
      `${'a'.repeat(15000)}: ResourceWarning: `,
      `#0 ${' at '.repeat(4000)}) at x:1`,
      `Thread 0x${'0'.repeat(16000)} (most recent call first):`,
      `Extension modules: ${'m, '.repeat(5000)}(total: 5000)`,
      `[1] p[1]: segfault at ${'x '.repeat(6000)}`,
      `Debug memory block at address p=0x${'f'.repeat(16000)}: API 'm'`,
      'ValueError.'.repeat(2000),
    ];
    const text = Array.from({ length: 100 }, () => bad.join('\n')).join('\n');
    const t0 = performance.now();
    explainText('x', text);
    expect(performance.now() - t0).toBeLessThan(10_000); // well under 1 s alone; a blow-up takes minutes
    // A block kept open by its own lines while other parts pile up between them.
    const alternating = ['Current thread 0x00007f0000000001 (most recent call first):'];
    for (let i = 0; i < 200_000; i++) alternating.push('  File "a.py", line 1 in f', i % 2 ? 'Python runtime state: initialized' : 'Extension modules: a (total: 1)');
    const t1 = performance.now();
    expect(explainText('x', alternating.join('\n')).findings.length).toBe(defaultLogLimits.maxFindings + 1);
    expect(performance.now() - t1).toBeLessThan(10_000);
    const oneLine = Buffer.alloc(64 * 1024 * 1024, 0x41);
    const r = explainText('x', Buffer.concat([oneLine, Buffer.from('\n'), readLog(label, 'abort')]));
    expect(r.cut_lines).toBe(1);
    expect(kinds(r)).toContain('fatal-signal');
  });

  it('a 100 MB log made of repeated real logs: linear time, findings capped', () => {
    const unit = Buffer.concat(REPRESENTATIVE.map((c) => readLog(label, c)));
    const chunk = Buffer.concat(Array(Math.ceil((1 << 20) / unit.length)).fill(unit));
    const run = (mb: number) => {
      const e = new LogExplainer('big');
      const t0 = performance.now();
      for (let n = 0; n < mb * 1e6; n += chunk.length) e.push(chunk);
      const r = e.finish();
      return { r, ms: performance.now() - t0 };
    };
    const small = run(10);
    const big = run(100);
    expect(big.r.bytes).toBeGreaterThan(100e6);
    expect(big.ms).toBeLessThan(30_000); // about 2 s alone; generous for a loaded CI machine
    expect(big.ms / small.ms).toBeLessThan(30); // 10x the input: about 10x the time (quadratic: 100x)
    expect(big.r.findings.length).toBe(defaultLogLimits.maxFindings + 1);
    const capped = big.r.findings.at(-1)!;
    expect(capped.kind).toBe('findings-capped');
    expect(D<number>(capped, 'total_omitted')).toBeGreaterThan(100_000);
    expect(big.r.findings.slice(0, 10).map((f) => f.kind)).toEqual(small.r.findings.slice(0, 10).map((f) => f.kind));
  });
});

// ---------------------------------------------------------------------------------------------
// Output and the command line.

describe('explain output', () => {
  const label = labels.find((l) => l.label === '3.12')?.label ?? labels[0]?.label;

  it('text escapes control characters and bidi overrides from the log; JSON keeps them raw', () => {
    const text = lf(label, 'segv-threads').replace(' in string_at', ' in str\x7fing\u202e_at\x07');
    const r = explainText('x', text);
    const out = renderExplainText(r);
    expect(out).not.toMatch(/[\x07\x7f\u202e]/);
    expect(out).toContain('str\\x7fing\\u202e_at\\x07 (');
    const cur = threadsOf(only(r, 'thread-dump')).find((t) => t.current)!;
    expect(cur.frames[0].function).toBe('str\x7fing\u202e_at\x07');
    expect(JSON.parse(renderExplainJson(r)).findings[0].details.top_frame.function).toBe('str\x7fing\u202e_at\x07');
  });

  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pycore-explain-'));
  });

  it('`pycore explain FILE` prints each finding with causes and next steps', () => {
    const r = pycore(['explain', logPath(label, 'ext-segv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Log: .*ext-segv\.log \(\d+ lines, 3 findings\)\n/);
    expect(r.stdout).toContain('[1] fatal-signal, line 1');
    expect(r.stdout).toContain('    Likely causes:\n      - ');
    expect(r.stdout).toContain('    Next steps:\n      - Check the non-standard C extensions loaded at the crash first (pycore_crashext)');
    expect(r.stderr).toBe('');
  });

  it('`--format json` is {"findings": [...]} and equals the library result; `-` reads stdin', () => {
    const r = pycore(['explain', '--format', 'json', logPath(label, 'pymem-api-mix')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['findings']);
    expect(j.findings).toEqual(JSON.parse(JSON.stringify(explainLog(label, 'pymem-api-mix').findings)));
    const s = pycore(['explain', '-', '--format', 'json'], lf(label, 'pymem-api-mix'));
    expect(JSON.parse(s.stdout)).toEqual(j);
    const implicit = pycore(['explain', '--format', 'json'], lf(label, 'pymem-api-mix'));
    expect(JSON.parse(implicit.stdout)).toEqual(j);
  });

  it('a 100 MB log file through the CLI: flat memory, within seconds', () => {
    const p = join(work, 'big.log');
    const unit = Buffer.concat(REPRESENTATIVE.map((c) => readLog(label, c)));
    writeFileSync(p, Buffer.concat(Array(Math.ceil(100e6 / unit.length)).fill(unit)));
    const t0 = performance.now();
    // A 100 MiB JS heap is far less than the log: the file must be read in pieces.
    const r = spawnSync(process.execPath, ['--max-old-space-size=100', join(ROOT, 'bin', 'pycore.js'), 'explain', p, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(performance.now() - t0).toBeLessThan(30_000); // about 3 s alone
    expect(JSON.parse(r.stdout).findings.at(-1).kind).toBe('findings-capped');
  });

  it('bad input: a directory, a missing file, an empty log, empty stdin', () => {
    const dir = join(work, 'dir');
    mkdirSync(dir, { recursive: true });
    const empty = join(work, 'empty.log');
    writeFileSync(empty, '');
    for (const [args, input, msg] of [
      [['explain', dir], undefined, /dir: is a directory, not a file; pass the text of a crash log/],
      [['explain', join(work, 'nope.log')], undefined, /nope\.log: no such file; pass the text of a crash log/],
      [['explain', empty], undefined, /empty\.log: empty log; pass the text of a crash log/],
      [['explain', '-'], '', /stdin: empty log; pass the text of a crash log/],
    ] as const) {
      const r = pycore([...args], input);
      expect(r.code).toBe(2);
      expect(expectOneLineError(r)).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });

  it('a log with nothing recognizable: says so, exit 1', () => {
    const p = join(work, 'plain.log');
    writeFileSync(p, 'hello\nworld\n');
    const r = pycore(['explain', p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('No known crash report was found');
    const j = pycore(['explain', p, '--format', 'json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({ findings: [] });
  });
});
