// From lines to blocks: each part of a crash report (a faulthandler dump, a debug-allocator block,
// an object dump, a traceback, ...) is assembled by a small state machine that accepts its own
// continuation lines. Several can be open at once and each tolerates one foreign line, so the
// interleaved output of two processes still yields its parts; closed blocks leave in the order
// they started. Work per line is constant apart from the line's own length.
import { EVERY_FILL_TABLE, wordFill } from '../../cpython/debug-allocator.js';
import type { FrameRef, MemoryBlockDetails, ObjectDumpDetails, ThreadRef } from '../findings.js';
import type { LogLimits } from './limits.js';
import type { LogLine } from './lines.js';
import {
  type AssertionLine,
  type FatalLine,
  type KernelFault,
  type NativeFrame,
  type RuntimeStateLine,
  type ThreadHeader,
  looksLikeExceptionName,
  parseAssertion,
  parseDebugBlockHeader,
  parseExceptionLine,
  parseExtensionModules,
  parseFatal,
  parseFileLine,
  parseFreedObject,
  parseGlibcHeapError,
  parseGdbFrame,
  parseGdbSignal,
  parseKernelSegfault,
  parseObjectField,
  parseOldObjectField,
  parsePadByte,
  parseResourceWarning,
  parseRuntimeState,
  parseThreadHeader,
  parseTimeout,
} from './scan.js';

interface Span {
  start: number;
  end: number;
}

export type RawBlock = Span &
  (
    | { t: 'fatal'; fatal: FatalLine }
    | { t: 'runtime-state'; state: RuntimeStateLine }
    | { t: 'threads'; allThreads: boolean; threads: ThreadRef[]; threadsOmitted: number; threadsCut: boolean }
    | { t: 'timeout'; text: string; seconds: number }
    | { t: 'extension-modules'; modules: string[]; total: number | null; complete: boolean }
    | { t: 'debug-block'; block: MemoryBlockDetails; corruptedStart: boolean }
    | { t: 'object'; object: ObjectDumpDetails }
    | { t: 'assertion'; assertion: AssertionLine; object: ObjectDumpDetails | null; allocatedAt: FrameRef[] | null }
    | { t: 'traceback'; frames: FrameRef[]; framesOmitted: number; repeated: number; exception: string | null; message: string | null }
    | { t: 'exception'; exception: string; message: string | null }
    | { t: 'resource-warning'; file: string; line: number | null; message: string; source: string | null; allocatedAt: FrameRef[] | null; tracemallocHint: boolean }
    | { t: 'gdb'; signal: string; description: string; thread: string | null; location: string | null; frames: NativeFrame[]; framesOmitted: number }
    | { t: 'kernel'; fault: KernelFault }
    | { t: 'heap-error'; message: string }
    | { t: 'path-config'; entries: Record<string, string>; sysPath: string[] }
  );

/** A block under construction. `accept` returns true when the line continues it. */
abstract class Assembler {
  end: number;
  gap = 0;
  lines = 1;
  constructor(readonly start: number) {
    this.end = start;
  }
  abstract accept(text: string): boolean;
  abstract build(): RawBlock;
}

function tracemallocHint(text: string): boolean {
  return text === 'Enable tracemalloc to get the memory block allocation traceback';
}
const ALLOCATED_AT = 'Memory block allocated at (most recent call first):';

function pushCapped<T>(list: T[], item: T, max: number): boolean {
  if (list.length >= max) return false;
  list.push(item);
  return true;
}

function frameOf(f: FrameRef): FrameRef {
  return { file: f.file, line: f.line, function: f.function };
}

class ThreadDump extends Assembler {
  private threads: ThreadRef[] = [];
  private omitted = 0;
  private cut = false;
  private ids = new Set<string>();
  private sawCurrent = false;
  private readonly allThreads: boolean;
  constructor(start: number, header: ThreadHeader, private readonly limits: LogLimits) {
    super(start);
    this.allThreads = header.threadId !== null;
    this.add(header);
  }
  private add(h: ThreadHeader): void {
    if (h.threadId) this.ids.add(h.threadId);
    this.sawCurrent ||= h.current;
    const t: ThreadRef = { thread_id: h.threadId, current: h.current, garbage_collecting: false, frames: [], truncated: false, no_python_frame: false };
    if (!pushCapped(this.threads, t, this.limits.maxThreads)) this.omitted++;
  }
  private get cur(): ThreadRef | null {
    return this.omitted > 0 ? null : this.threads[this.threads.length - 1];
  }
  accept(text: string): boolean {
    const h = parseThreadHeader(text);
    if (h) {
      // One dump lists each thread once and at most one current thread; anything else is a new dump.
      if (!this.allThreads || h.threadId === null || (h.current && this.sawCurrent) || this.ids.has(h.threadId)) return false;
      this.add(h);
      return true;
    }
    const cur = this.cur;
    const f = parseFileLine(text);
    if (f) {
      if (f.style !== 'faulthandler') return false;
      if (cur && !pushCapped(cur.frames, frameOf(f), this.limits.maxFrames)) cur.frames_omitted = (cur.frames_omitted ?? 0) + 1;
      return true;
    }
    if (text === '  ...') {
      if (cur) cur.truncated = true;
      return true;
    }
    if (text === '...') {
      this.cut = true;
      return true;
    }
    if (text === '  <no Python frame>' || text === '<no Python frame>') {
      if (cur) cur.no_python_frame = true;
      return true;
    }
    if (text === '  Garbage-collecting') {
      if (cur) cur.garbage_collecting = true;
      return true;
    }
    // Later versions print `  <freed frame>`, `  <invalid frame>`, `  <tstate is freed>`.
    return text.startsWith('  <') && text.endsWith('>') && text.length < 40;
  }
  build(): RawBlock {
    for (const t of this.threads) {
      // 3.13.0 stops at 100 frames without printing `  ...`.
      if (t.frames.length === 100 && !t.frames_omitted) t.truncated = true;
    }
    return { t: 'threads', start: this.start, end: this.end, allThreads: this.allThreads, threads: this.threads, threadsOmitted: this.omitted, threadsCut: this.cut };
  }
}

/** The tracemalloc part shared by debug blocks and assertion reports. */
class AllocationTrace {
  frames: FrameRef[] | null = null;
  hint = false;
  constructor(private readonly limits: LogLimits) {}
  accept(text: string): boolean {
    if (tracemallocHint(text)) {
      this.hint = true;
      return true;
    }
    if (text === ALLOCATED_AT) {
      this.frames = [];
      return true;
    }
    if (this.frames) {
      const f = parseFileLine(text);
      if (f && f.style === 'tracemalloc') {
        pushCapped(this.frames, frameOf(f), this.limits.maxFrames);
        return true;
      }
    }
    return false;
  }
}

class DebugBlock extends Assembler {
  private block: MemoryBlockDetails;
  private corruptedStart = false;
  private trace: AllocationTrace;
  constructor(start: number, address: string, api: string, limits: LogLimits) {
    super(start);
    this.block = { address, api, requested: null, leading_pads_ok: null, trailing_pads_ok: null, tail: null, bad_pads: [], data: null, allocated_at: null };
    this.trace = new AllocationTrace(limits);
  }
  accept(text: string): boolean {
    const b = this.block;
    if (text.startsWith('    ')) {
      const req = /^ {4}([0-9]+) bytes originally requested$/.exec(text);
      if (req) {
        b.requested = Number(req[1]);
        return true;
      }
      if (text.startsWith('    The ') && text.includes(' pad bytes at ')) {
        const ok = text.endsWith(' are FORBIDDENBYTE, as expected.');
        if (!ok && !text.includes(' are not all FORBIDDENBYTE')) return false;
        if (text.includes(' at p-')) b.leading_pads_ok = ok;
        else {
          b.trailing_pads_ok = ok;
          const m = /^ {4}The [0-9]+ pad bytes at tail=(0x[0-9a-fA-F]+|\(nil\)) /.exec(text);
          if (m) b.tail = m[1];
        }
        return true;
      }
      const pad = parsePadByte(text);
      if (pad) {
        if (pad.bad && b.bad_pads.length < 64) b.bad_pads.push({ base: pad.base, offset: pad.offset, value: pad.value });
        return true;
      }
      if (text.startsWith('    Because memory is corrupted at the start') || text.startsWith('       may be bogus')) {
        this.corruptedStart = true;
        return true;
      }
      if (text.startsWith('    Data at p:')) {
        b.data = text.slice('    Data at p:'.length).trim();
        return true;
      }
      return text.startsWith('    The block was made by call #');
    }
    return this.trace.accept(text);
  }
  build(): RawBlock {
    this.block.allocated_at = this.trace.frames;
    return { t: 'debug-block', start: this.start, end: this.end, block: this.block, corruptedStart: this.corruptedStart };
  }
}

function emptyObject(): ObjectDumpDetails {
  return { address: null, refcount: null, type_address: null, type_name: null, repr: null, freed: false, refcount_pattern: null };
}

/** The refcount's bytes: the debug allocator's fill patterns, with room for a few INCREF/DECREFs. */
export function refcountPattern(refcount: string | null): ObjectDumpDetails['refcount_pattern'] {
  if (refcount === null || !/^-?[0-9]{1,20}$/.test(refcount)) return null;
  const v = BigInt.asUintN(64, BigInt(refcount));
  // A log may come from any version: the pre-3.7.4 fill bytes count too.
  const fill = wordFill(v, EVERY_FILL_TABLE, 64n);
  if (fill) return `${fill}-bytes`;
  return refcount.startsWith('-') ? 'negative' : null;
}

class ObjectFields {
  obj = emptyObject();
  done = false;
  /** 3.6-3.7's dump (told by its first line, the repr): its fields end with the address. */
  private old: boolean | null = null;
  accept(text: string): boolean {
    if (this.done) return false;
    const freed = this.old ? null : parseFreedObject(text);
    if (freed !== null) {
      this.obj.address ??= freed;
      this.obj.freed = true;
      this.done = true;
      return true;
    }
    if (this.old === null) this.old = parseObjectField(text) === null && parseOldObjectField(text)?.field === 'repr';
    const f = this.old ? parseOldObjectField(text) : parseObjectField(text);
    if (!f || this.obj[f.field] !== null) return false;
    this.obj[f.field] = f.value;
    if (f.field === 'refcount') this.obj.refcount_pattern = refcountPattern(f.value);
    if (f.field === (this.old ? 'address' : 'repr')) this.done = true;
    return true;
  }
}

class ObjectDump extends Assembler {
  private fields = new ObjectFields();
  constructor(start: number, first: string) {
    super(start);
    this.fields.accept(first);
  }
  accept(text: string): boolean {
    return this.fields.accept(text);
  }
  build(): RawBlock {
    return { t: 'object', start: this.start, end: this.end, object: this.fields.obj };
  }
}

class AssertionReport extends Assembler {
  private fields: ObjectFields | null = null;
  private trace: AllocationTrace;
  constructor(start: number, private readonly assertion: AssertionLine, limits: LogLimits) {
    super(start);
    this.trace = new AllocationTrace(limits);
  }
  accept(text: string): boolean {
    if (this.trace.accept(text)) return true;
    // The dump follows the tracemalloc part (a hint or a traceback), never the assertion line itself.
    const traced = this.trace.hint || this.trace.frames !== null;
    if (!this.fields && traced && (parseObjectField(text) || parseFreedObject(text) !== null)) this.fields = new ObjectFields();
    return this.fields ? this.fields.accept(text) : false;
  }
  build(): RawBlock {
    return { t: 'assertion', start: this.start, end: this.end, assertion: this.assertion, object: this.fields?.obj ?? null, allocatedAt: this.trace.frames };
  }
}

class Traceback extends Assembler {
  private frames: FrameRef[] = [];
  private omitted = 0;
  private repeated = 0;
  private exception: string | null = null;
  private message: string | null = null;
  constructor(start: number, private readonly limits: LogLimits) {
    super(start);
  }
  accept(text: string): boolean {
    if (this.exception !== null) return false;
    const f = parseFileLine(text);
    if (f) {
      if (f.style !== 'traceback') return false;
      if (!pushCapped(this.frames, frameOf(f), this.limits.maxFrames)) this.omitted++;
      return true;
    }
    if (text.startsWith('    ')) {
      const last = this.omitted === 0 ? this.frames[this.frames.length - 1] : undefined;
      // The first indented line under a frame is its source; carets (^~) follow on 3.11+.
      if (last && last.source === undefined && !/^ *[\^~]+ *$/.test(text)) last.source = text.trim();
      return true;
    }
    const rep = /^ {2}\[Previous line repeated ([0-9]+) more times?\]$/.exec(text);
    if (rep) {
      this.repeated += Number(rep[1]);
      return true;
    }
    const e = parseExceptionLine(text);
    // The exception line ends the traceback. Right after the frames any class name will do; after
    // a foreign line (interleaved output) only one that looks like an exception's.
    if (e && (looksLikeExceptionName(e.exception) || (this.gap === 0 && /^[A-Z]/.test(e.exception)))) {
      this.exception = e.exception;
      this.message = e.message;
      return true;
    }
    return false;
  }
  build(): RawBlock {
    return { t: 'traceback', start: this.start, end: this.end, frames: this.frames, framesOmitted: this.omitted, repeated: this.repeated, exception: this.exception, message: this.message };
  }
}

class ResourceWarningBlock extends Assembler {
  private source: string | null = null;
  private allocatedAt: FrameRef[] | null = null;
  private hint = false;
  constructor(start: number, private readonly head: { file: string; line: number | null; message: string }, private readonly limits: LogLimits) {
    super(start);
  }
  accept(text: string): boolean {
    if (text === 'ResourceWarning: Enable tracemalloc to get the object allocation traceback') {
      this.hint = true;
      return true;
    }
    if (text.startsWith('Object allocated at (most recent call ')) {
      this.allocatedAt = [];
      return true;
    }
    const f = parseFileLine(text);
    if (f) {
      if (f.style !== 'warnings' || !this.allocatedAt) return false;
      pushCapped(this.allocatedAt, frameOf(f), this.limits.maxFrames);
      return true;
    }
    if (this.allocatedAt) {
      const last = this.allocatedAt[this.allocatedAt.length - 1];
      if (last && last.source === undefined && text.startsWith('    ')) {
        last.source = text.trim();
        return true;
      }
      return false;
    }
    if (this.source === null && text.startsWith('  ') && this.lines === 1) {
      this.source = text.trim();
      return true;
    }
    return false;
  }
  build(): RawBlock {
    return { t: 'resource-warning', start: this.start, end: this.end, ...this.head, source: this.source, allocatedAt: this.allocatedAt, tracemallocHint: this.hint };
  }
}

class GdbBacktrace extends Assembler {
  private frames: NativeFrame[] = [];
  private omitted = 0;
  private location: string | null = null;
  constructor(start: number, private readonly sig: { signal: string; description: string; thread: string | null }, private readonly limits: LogLimits) {
    super(start);
  }
  accept(text: string): boolean {
    const f = parseGdbFrame(text);
    if (f) {
      if (!pushCapped(this.frames, f, this.limits.maxFrames)) this.omitted++;
      return true;
    }
    // Before `bt`: the stop location (`func (args) at file.c:18`, `0x... in func () from lib.so`)
    // and the source line (`18\t    *p = 42;`).
    if (this.frames.length > 0 || this.lines > 3) return false;
    if (/^[0-9]+\t/.test(text)) return true;
    if (this.location === null && text.includes(' (') && (text.includes(') at ') || text.includes(') from '))) {
      this.location = text;
      return true;
    }
    return false;
  }
  build(): RawBlock {
    return { t: 'gdb', start: this.start, end: this.end, ...this.sig, location: this.location, frames: this.frames, framesOmitted: this.omitted };
  }
}

class PathConfig extends Assembler {
  private entries: Record<string, string> = {};
  private count = 0;
  private sysPath: string[] = [];
  constructor(start: number, private readonly limits: LogLimits) {
    super(start);
  }
  accept(text: string): boolean {
    if (!text.startsWith('  ')) return false;
    const eq = text.indexOf(' = ');
    if (!text.startsWith('   ') && eq > 2) {
      if (this.count++ < this.limits.maxListItems) this.entries[text.slice(2, eq)] = text.slice(eq + 3);
      return true;
    }
    const item = /^ {4}'(.*)',$/.exec(text);
    if (item) pushCapped(this.sysPath, item[1], this.limits.maxListItems);
    return true;
  }
  build(): RawBlock {
    return { t: 'path-config', start: this.start, end: this.end, entries: this.entries, sysPath: this.sysPath };
  }
}

/** Foreign (non-blank) lines a block tolerates between two of its own lines. */
const MAX_GAP = 1;

export class BlockAssembler {
  private open: Assembler[] = [];
  private pending: RawBlock[] = [];
  private lastSingle: { t: string; end: number } | null = null;

  constructor(
    private readonly limits: LogLimits,
    private readonly emit: (b: RawBlock) => void,
  ) {}

  feed(line: LogLine): void {
    // faulthandler writes straight to fd 2, so its header can land in the middle of a line that
    // buffered output had started (`object repr     : Fatal Python error: Segmentation fault`).
    const at = line.text.indexOf('Fatal Python error');
    if (at > 0 && parseFatal(line.text.slice(at))) {
      this.feedOne({ ...line, text: line.text.slice(0, at) });
      this.feedOne({ ...line, text: line.text.slice(at) });
    } else this.feedOne(line);
  }

  private feedOne(line: LogLine): void {
    const text = line.text;
    if (text.trim() === '') return;
    for (const b of this.open) {
      if (b.accept(text)) {
        b.end = line.no;
        b.gap = 0;
        if (++b.lines >= this.limits.maxBlockLines) this.close(b);
        this.flush();
        return;
      }
    }
    const started = this.start(line);
    for (let i = this.open.length - 1; i >= 0; i--) {
      const b = this.open[i];
      if (b !== started && ++b.gap > MAX_GAP) this.close(b);
    }
    this.flush();
  }

  finish(): void {
    for (const b of [...this.open]) this.close(b);
    this.flush();
  }

  private single(b: RawBlock): void {
    this.lastSingle = { t: b.t, end: b.end };
    this.queue(b);
  }

  /** Open a block (closing an open one of the same kind) or emit a one-line part. */
  private start(line: LogLine): Assembler | null {
    const text = line.text;
    const no = line.no;
    const span = { start: no, end: no };
    const opened = (a: Assembler) => {
      const same = this.open.find((b) => b.constructor === a.constructor);
      if (same) this.close(same);
      this.open.unshift(a);
      return a;
    };
    const fatal = parseFatal(text);
    if (fatal) return this.single({ t: 'fatal', ...span, fatal }), null;
    const state = parseRuntimeState(text);
    if (state) return this.single({ t: 'runtime-state', ...span, state }), null;
    const header = parseThreadHeader(text);
    if (header) return opened(new ThreadDump(no, header, this.limits));
    const timeout = parseTimeout(text);
    if (timeout) return this.single({ t: 'timeout', ...span, ...timeout }), null;
    const ext = parseExtensionModules(text, this.limits.maxListItems);
    if (ext) return this.single({ t: 'extension-modules', ...span, ...ext }), null;
    const dbg = parseDebugBlockHeader(text);
    if (dbg) return opened(new DebugBlock(no, dbg.address, dbg.api, this.limits));
    if (parseObjectField(text)?.field === 'address' || parseOldObjectField(text)?.field === 'repr') return opened(new ObjectDump(no, text));
    const freed = parseFreedObject(text);
    if (freed !== null) return this.single({ t: 'object', ...span, object: { ...emptyObject(), address: freed, freed: true } }), null;
    if (text === 'Traceback (most recent call last):') return opened(new Traceback(no, this.limits));
    const warning = parseResourceWarning(text);
    if (warning) return opened(new ResourceWarningBlock(no, warning, this.limits));
    const assertion = parseAssertion(text);
    if (assertion) {
      if (assertion.style === 'c-assert') return this.single({ t: 'assertion', ...span, assertion, object: null, allocatedAt: null }), null;
      return opened(new AssertionReport(no, assertion, this.limits));
    }
    const gdb = parseGdbSignal(text);
    if (gdb) return opened(new GdbBacktrace(no, gdb, this.limits));
    const heap = parseGlibcHeapError(text);
    if (heap) return this.single({ t: 'heap-error', ...span, message: heap }), null;
    const fault = parseKernelSegfault(text);
    if (fault) return this.single({ t: 'kernel', ...span, fault }), null;
    if (text === 'Python path configuration:') return opened(new PathConfig(no, this.limits));
    // The exception pending at a fatal error, printed right after `Python runtime state:`.
    const last = this.lastSingle;
    if (last && no - last.end <= 2 && (last.t === 'runtime-state' || last.t === 'fatal')) {
      const e = parseExceptionLine(text);
      if (e && looksLikeExceptionName(e.exception)) return this.single({ t: 'exception', ...span, ...e }), null;
    }
    return null;
  }

  private close(b: Assembler): void {
    this.open.splice(this.open.indexOf(b), 1);
    this.queue(b.build());
  }

  /** Keep closed blocks ordered by their first line (an earlier block may still be open). */
  private queue(b: RawBlock): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].start > b.start) i--;
    this.pending.splice(i, 0, b);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    let limit = Infinity;
    for (const b of this.open) limit = Math.min(limit, b.start);
    let n = 0;
    while (n < this.pending.length && (this.pending[n].start < limit || this.pending.length - n > this.limits.maxPendingBlocks)) n++;
    if (n === 0) return;
    const out = this.pending.splice(0, n);
    for (const b of out) this.emit(b);
  }
}
