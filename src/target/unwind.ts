// Native stacks: every thread unwound from its NT_PRSTATUS registers, frame by frame, with the
// call frame information of the module each pc lies in (src/target/unwind-tables.ts), the
// kernel's signal frame recognised by the sigreturn trampoline's code (the registers the signal
// interrupted are read back from the ucontext), and a frame-pointer step, marked as such, where
// a module has no CFI for the pc. Every walk is bounded and stops at a repeated frame or a
// stack pointer that does not grow. Each frame is named like gdb names it (native-symbols.ts);
// lineOf() gives file:line when the module has DWARF line information.
import * as C from '../dwarf/constants.js';
import { runExpression, type ExprRequest } from '../dwarf/expr.js';
import type { RegisterRule, UnwindRow } from '../dwarf/cfa-program.js';
import type { ThreadStatus } from '../elf/core-notes.js';
import { AddressRanges, SECTION_ARANGES } from '../dwarf/aranges.js';
import type { ElfFile } from '../elf/elf-file.js';
import { elfSectionLoader, openDebugInfo, type DebugInfoSource } from './debug-info.js';
import type { Module } from './modules.js';
import { FunctionIndex, type CallSite, type FunctionAt } from '../dwarf/functions.js';
import type { Dwarf } from '../dwarf/dwarf.js';
import { frameVariables, type NativeVariables } from './native-locals.js';
import { ModuleSymbols, type NativeSymbol } from './native-symbols.js';
import type { Target } from './target.js';
import { unwindArch, type UnwindArch } from './unwind-arch.js';
import { ModuleUnwindTables, type CfiSource } from './unwind-tables.js';

/** How a frame's pc and registers were recovered ('tail-call': a function that jumped to its callee, left no frame, and is known from DWARF call sites). */
export type FrameRecovery = 'registers' | 'cfi' | 'sigcontext' | 'frame-pointer' | 'tail-call';

export interface NativeFrame {
  index: number;
  /** The frame's pc as gdb prints it: a return address for callers, exact for frame 0 and for a frame a signal interrupted. */
  pc: number;
  /** Where lookups (CFI, symbol, line) happen: pc - 1 in a caller frame, inside its call instruction. */
  lookupPc: number;
  sp: number | null;
  /** How this frame was found from the one it called: from the thread's registers (frame 0), CFI, the kernel's signal frame, or the frame-pointer chain. */
  recovery: FrameRecovery;
  /** Which CFI section unwound this frame to its caller (null for the outermost or a heuristic step). */
  cfi: CfiSource | null;
  /** This frame is the kernel's sigreturn trampoline (gdb: `<signal handler called>`). */
  signalTrampoline: boolean;
  module: Module | null;
  /** The function gdb names: from DWARF (the subprogram, or an inlined copy) when the module has it, else the ELF symbol. */
  symbol: NativeSymbol | null;
  /** An inlined call (DW_TAG_inlined_subroutine): it shares pc and registers with the next frame, the function it was inlined into. */
  inlined: boolean;
  /** Where this frame's code called the inlined frame before it (gdb's file:line of the outer frames of an inline chain). */
  callSite: { file: string | null; line: number } | null;
  /** pc minus the symbol's address, or minus the module's start when there is no symbol. */
  offset: number | null;
  /** Where this frame sits in its physical frame's chain of inlined calls: 0 for the physical function, 1 for a call inlined into it, and so on. */
  inlineLevel: number;
  /** The registers known in this frame (shared with the calls inlined into it); null for a tail-call frame, which has none. */
  registers: FrameRegisters | null;
}

/**
 * A frame's registers (DWARF numbers): frame 0 and a frame a signal interrupted have all of them;
 * a caller frame only the stack pointer and the callee-saved registers (CFI restores them or they
 * kept their value), none of those once a frame-pointer step (no CFI) lies below it. `cfa`: the
 * frame's canonical frame address, null when no CFI row gave it.
 */
export interface FrameRegisters {
  values: ReadonlyMap<number, number>;
  cfa: number | null;
  /**
   * The registers this frame's CFI says it saved for its caller (the ones it may have changed
   * itself, so its own values, not its caller's passing through); empty without CFI.
   */
  saved: number[];
}

export type StopReason = 'outermost' | 'limit' | 'loop' | 'unreadable' | 'no-unwind-info' | 'bad-registers';

export interface NativeStack {
  tid: number;
  frames: NativeFrame[];
  /** Why the walk ended: 'outermost' is the natural end (a CFI rule marks the return address undefined, or it is 0). */
  stop: { reason: StopReason; detail: string };
}

export interface UnwindOptions {
  maxFrames: number;
  /** Recognise the sigreturn trampoline by its code (default true); false leaves signal frames to the 'S' CFI. */
  sigreturnByCode?: boolean;
}

export const defaultUnwindOptions: UnwindOptions = { maxFrames: 100_000 };

type Registers = Map<number, number>;

/** A module's DWARF: the file it came from, its unit index, and its functions by address. */
interface ModuleDebug {
  source: DebugInfoSource;
  ranges: AddressRanges | null;
  functions: FunctionIndex;
  functionCache: Map<number, FunctionAt[]>;
}

const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Callers followed up the stack to resolve an entry value that is its caller's entry value. */
const MAX_ENTRY_VALUE_DEPTH = 8;
/** Longest chain of tail calls looked for between two frames. */
const MAX_TAIL_CALLS = 8;

/** Unwinds threads of one target, with caches of each module's CFI, symbols and lines. */
export class NativeUnwinder {
  readonly arch: UnwindArch | null;
  private readonly tables = new Map<Module, ModuleUnwindTables>();
  private readonly symbols = new Map<Module, ModuleSymbols | null>();
  private readonly lines = new Map<Module, ModuleDebug | null>();
  /** Each thread is walked once (the crash header and --native both ask for the crashing thread). */
  private readonly stacks = new WeakMap<ThreadStatus, NativeStack>();

  constructor(
    readonly target: Target,
    readonly options: UnwindOptions = defaultUnwindOptions,
  ) {
    this.arch = unwindArch(target.core.header.machine);
  }

  /** Problems met reading modules' CFI (malformed tables), once each. */
  get problems(): string[] {
    return [...this.tables.values()].flatMap((t) => t.problems);
  }

  /** Close the separate debug files opened for line tables. */
  close(): void {
    for (const d of this.lines.values()) d?.source.close();
    this.lines.clear();
    this.symbols.clear();
  }

  unwind(thread: ThreadStatus): NativeStack {
    const hit = this.stacks.get(thread);
    if (hit) return hit;
    const stack = this.walk(thread);
    this.stacks.set(thread, stack);
    return stack;
  }

  private walk(thread: ThreadStatus): NativeStack {
    const arch = this.arch;
    const frames: NativeFrame[] = [];
    const stack: NativeStack = { tid: thread.tid, frames, stop: { reason: 'outermost', detail: '' } };
    if (!arch) {
      stack.stop = { reason: 'bad-registers', detail: `unwinding ${this.target.machine} is not supported` };
      return stack;
    }
    let regs: Registers = new Map();
    for (const [n, name] of arch.registerNames) {
      const v = thread.registers[name];
      if (v !== undefined) regs.set(n, v);
    }
    let pc = thread.registers[arch.pcName];
    if (pc === undefined || regs.get(arch.sp) === undefined) {
      stack.stop = { reason: 'bad-registers', detail: 'the thread has no pc or stack pointer in NT_PRSTATUS' };
      return stack;
    }
    let exact = true;
    let recovery: FrameRecovery = 'registers';
    let guessed = false;
    const seen = new Set<string>();
    for (;;) {
      const sp = regs.get(arch.sp) ?? null;
      const frame = this.frame(frames.length, pc, exact, sp, recovery);
      // After a frame-pointer step (a callee without CFI) no callee-saved register is known to have kept its value.
      const keep = (n: number) => n === arch.sp || (!guessed && arch.calleeSaved.has(n));
      const known = recovery === 'registers' || recovery === 'sigcontext' ? regs : new Map([...regs].filter(([n]) => keep(n)));
      frame.registers = { values: known, cfa: null, saved: [] };
      // The inlined calls at this pc come first (newest), as gdb numbers them.
      for (const f of this.inlinedFrames(frame)) frames.push(f);
      frame.index = frames.length;
      frames.push(frame);
      const key = `${pc}:${sp}`;
      if (seen.has(key)) {
        stack.stop = { reason: 'loop', detail: `frame #${frame.index} repeats an earlier frame (pc 0x${pc.toString(16)}, sp 0x${(sp ?? 0).toString(16)})` };
        break;
      }
      seen.add(key);
      if (frames.length >= this.options.maxFrames) {
        stack.stop = { reason: 'limit', detail: `more than ${this.options.maxFrames} native frames; the rest are not shown` };
        break;
      }
      const step = this.step(arch, frame, regs);
      if ('saved' in step && step.saved && frame.registers) frame.registers.saved = step.saved;
      if ('stop' in step) {
        stack.stop = step.stop;
        break;
      }
      const newSp = step.regs.get(arch.sp) ?? null;
      // The CFA is the caller's stack pointer; only a CFI row defines it.
      if (step.recovery === 'cfi' && frame.registers) frame.registers.cfa = newSp;
      if (step.pc === 0) {
        stack.stop = { reason: 'outermost', detail: 'the return address is 0' };
        break;
      }
      // A caller's frame lies above its callee's (the stack grows down); only a signal frame may
      // switch stacks (sigaltstack).
      if (!frame.signalTrampoline && sp !== null && newSp !== null && (newSp < sp || newSp - sp > MAX_FRAME_BYTES || (newSp === sp && step.pc === pc))) {
        stack.stop = { reason: 'loop', detail: `the caller of frame #${frame.index} would have stack pointer 0x${newSp.toString(16)}, not above 0x${sp.toString(16)} (corrupt stack?)` };
        break;
      }
      // Functions that tail-called their way from the caller to this frame left no frame of their own.
      if (!frame.signalTrampoline) for (const t of this.tailCallFrames(frame, step.pc, frames.length)) frames.push(t);
      regs = step.regs;
      pc = step.pc;
      if (step.recovery === 'frame-pointer') guessed = true;
      else if (step.recovery === 'sigcontext') guessed = false;
      exact = frame.signalTrampoline;
      recovery = step.recovery;
    }
    return stack;
  }

  private frame(index: number, pc: number, exact: boolean, sp: number | null, recovery: FrameRecovery): NativeFrame {
    const lookupPc = exact ? pc : pc - 1;
    const module = this.target.moduleAt(lookupPc) ?? null;
    const f: NativeFrame = { index, pc, lookupPc, sp, recovery, cfi: null, signalTrampoline: false, module, symbol: null, inlined: false, callSite: null, offset: null, registers: null, inlineLevel: 0 };
    if (!module) return f;
    f.offset = pc - module.start;
    const address = lookupPc - module.bias;
    let sym = this.moduleSymbols(module)?.lookup(address) ?? null;
    const fn = this.functionsAt(module, address);
    const outer = fn[fn.length - 1];
    // gdb's rule (find_frame_funname): the DWARF function, unless an ELF symbol starts after its
    // entry (a `.cold` part of a split function is named by its own symbol).
    if (outer?.name && !(sym && sym.value > outer.entry)) sym = { name: outer.name, value: outer.entry, size: 0 };
    if (sym) {
      f.symbol = sym;
      f.offset = pc - (sym.value + module.bias);
    }
    return f;
  }

  /** The inlined calls at a physical frame's pc, innermost first, as frames of their own. */
  private inlinedFrames(phys: NativeFrame): NativeFrame[] {
    const m = phys.module;
    if (!m || phys.signalTrampoline) return [];
    const fn = this.functionsAt(m, phys.lookupPc - m.bias);
    const out: NativeFrame[] = [];
    for (let i = 0; i < fn.length - 1; i++) {
      const symbol = fn[i].name === null ? null : { name: fn[i].name!, value: fn[i].entry, size: 0 };
      const callSite = i > 0 && fn[i - 1].callLine !== null ? { file: fn[i - 1].callFile, line: fn[i - 1].callLine! } : null;
      out.push({ ...phys, index: phys.index + i, inlined: true, inlineLevel: fn.length - 1 - i, symbol, callSite, offset: symbol ? phys.pc - (symbol.value + m.bias) : phys.offset });
    }
    // The subprogram itself is executing where its innermost inlined callee was called.
    const last = fn.length >= 2 ? fn[fn.length - 2] : null;
    if (last && last.callLine !== null) phys.callSite = { file: last.callFile, line: last.callLine };
    return out;
  }

  /**
   * gdb's tail-call frames: the caller's call site at `callerPc` (DW_TAG_call_site) names a callee
   * other than the function of `callee`, and that callee reaches it by tail calls only (a unique
   * chain of call sites marked DW_AT_call_tail_call). Each function of the chain gets a frame at
   * its jump, named like gdb names it (the innermost function there). Same module only.
   */
  private tailCallFrames(callee: NativeFrame, callerPc: number, index: number): NativeFrame[] {
    const m = callee.module;
    if (!m || this.target.moduleAt(callerPc - 1) !== m) return [];
    const fn = this.functionsAt(m, callee.lookupPc - m.bias);
    const d = this.moduleLines(m);
    if (fn.length === 0 || !d) return [];
    const goal = fn[fn.length - 1].entry;
    const syms = this.moduleSymbols(m);
    const resolve = (t: CallSite['target']) => (t === null ? null : 'entry' in t ? t.entry : (syms?.addressOf(t.name) ?? null));
    const unitOf = (dw: Dwarf, a: number) => {
      const u = d.ranges?.unitFor(a) ?? null;
      return u === null ? null : dw.info.unitAt(u);
    };
    const r = d.source.dwarf.use((dw) => {
      const at = callerPc - m.bias;
      const sub = d.functions.subprogramAt(at - 1, unitOf(dw, at - 1));
      const site = sub ? d.functions.callSites(sub.die).find((s) => s.returnPc === at) : undefined;
      const start = site ? resolve(site.target) : null;
      if (start === null || start === goal) return [];
      const chains: CallSite[][] = [];
      const seen = new Set<number>();
      const walk = (entry: number, path: CallSite[]) => {
        if (path.length >= MAX_TAIL_CALLS || chains.length > 1 || seen.has(entry)) return;
        seen.add(entry);
        const f = d.functions.subprogramAt(entry, unitOf(dw, entry));
        if (!f) return;
        for (const s of d.functions.callSites(f.die)) {
          if (!s.tail) continue;
          const t = resolve(s.target);
          if (t === goal) chains.push([...path, s]);
          else if (t !== null) walk(t, [...path, s]);
        }
      };
      walk(start, []);
      return chains.length === 1 ? chains[0] : [];
    });
    if (!r.ok) return [];
    return r.value.reverse().map((s, i) => {
      const pc = s.returnPc + m.bias;
      const names = this.functionsAt(m, s.returnPc - 1);
      const elf = this.moduleSymbols(m)?.lookup(s.returnPc - 1) ?? null;
      const symbol = names[0]?.name ? { name: names[0].name, value: names[0].entry, size: 0 } : elf;
      // Named by the innermost function at its jump, whose variables it shows too.
      const inlineLevel = Math.max(0, names.length - 1);
      return { index: index + i, pc, lookupPc: pc - 1, sp: null, recovery: 'tail-call' as const, cfi: null, signalTrampoline: false, module: m, symbol, inlined: false, callSite: null, offset: symbol ? pc - (symbol.value + m.bias) : pc - m.start, registers: null, inlineLevel };
    });
  }

  /** DWARF functions at link-time `address` of `m`, innermost first ([] without DWARF or on malformed DWARF). */
  private functionsAt(m: Module, address: number): FunctionAt[] {
    const d = this.moduleLines(m);
    if (!d) return [];
    const key = address;
    const hit = d.functionCache.get(key);
    if (hit) return hit;
    const unit = d.ranges?.unitFor(address) ?? null;
    const r = d.source.dwarf.use((dw) => d.functions.at(address, unit === null ? null : dw.info.unitAt(unit)));
    const out = r.ok ? r.value : [];
    d.functionCache.set(key, out);
    return out;
  }

  /**
   * File and line of a frame from its module's DWARF line table (the module's own, or a separate
   * debug file's), or null. Asked per frame shown: a line table is parsed only when needed.
   */
  lineOf(f: NativeFrame): { file: string | null; line: number } | null {
    if (!f.module || f.signalTrampoline) return null;
    if (f.callSite) return f.callSite;
    const info = this.moduleLines(f.module);
    if (!info) return null;
    const address = f.lookupPc - f.module.bias;
    const dwarf = info.source.dwarf;
    // .debug_aranges names the unit; without it Dwarf.lineAt reads every unit's root DIE.
    const unit = info.ranges?.unitFor(address) ?? null;
    const row = unit === null ? dwarf.lineAt(address) : dwarf.use((d) => d.lineTable(d.info.unitAt(unit))?.find(address) ?? null);
    return row.ok && row.value ? { file: row.value.file, line: row.value.line } : null;
  }

  /**
   * The C arguments and locals of a frame (`--native --locals`), from its module's DWARF; null when
   * the module has no DWARF function at the frame's pc (or the frame is the signal trampoline).
   * A string when the DWARF is malformed.
   */
  variablesOf(f: NativeFrame, callerOf: (x: NativeFrame) => NativeFrame | null = () => null): NativeVariables | string | null {
    const m = f.module;
    const d = m ? this.moduleLines(m) : null;
    if (!m || !d || f.signalTrampoline) return null;
    const address = f.lookupPc - m.bias;
    const unit = d.ranges?.unitFor(address) ?? null;
    const r = d.source.dwarf.use((dw) => {
      const scopes = d.functions.scopesAt(address, unit === null ? null : dw.info.unitAt(unit));
      const scope = scopes[scopes.length - 1 - f.inlineLevel];
      if (!scope) return null;
      const sub = scopes[scopes.length - 1].die;
      const read = (a: number, n: number) => this.target.memory.read(a, n);
      return frameVariables(dw, sub, scope, address, f.registers, read, 8, (expr) => this.entryValue(f, callerOf, expr, 0));
    });
    return r.ok ? r.value : `the DWARF of ${m.path} is malformed: ${r.error.what}`;
  }

  /**
   * DW_OP_entry_value(DW_OP_regN) of frame `f`: the value its caller passed in register N, from
   * the caller's DW_TAG_call_site at its return address (DW_AT_call_value evaluated with the
   * caller's registers), as gdb resolves it. Only when the call site's callee is f's function
   * (by entry, or by name for a call into another module) and the caller was unwound by CFI (or
   * is a tail-call frame, whose jump site's values must then be constants); null otherwise (the
   * value stays optimized out).
   */
  private entryValue(f: NativeFrame, callerOf: (x: NativeFrame) => NativeFrame | null, expr: Buffer, depth: number): bigint | null {
    if (expr.length !== 1 || expr[0] < 0x50 || expr[0] > 0x6f || depth > MAX_ENTRY_VALUE_DEPTH) return null;
    const caller = callerOf(f);
    const m = f.module;
    const cm = caller?.module;
    // A tail-call caller has no registers: only a call value that needs none (a constant) resolves there.
    if (!m || !caller || !cm || (caller.recovery !== 'cfi' && caller.recovery !== 'tail-call')) return null;
    const fn = this.functionsAt(m, f.lookupPc - m.bias);
    const d = this.moduleLines(cm);
    if (fn.length === 0 || !d) return null;
    const callee = fn[fn.length - 1];
    const regs = caller.registers;
    const at = caller.pc - cm.bias;
    const r = d.source.dwarf.use((dw) => {
      const unit = d.ranges?.unitFor(at - 1) ?? null;
      const sub = d.functions.subprogramAt(at - 1, unit === null ? null : dw.info.unitAt(unit));
      const site = sub ? d.functions.callSites(sub.die).find((s) => s.returnPc === at) : undefined;
      if (!site || site.tail !== (caller.recovery === 'tail-call') || !site.target) return null;
      // A callee known by name (a declaration) is compared by its address in the same module (aliases: `__pthread_kill` is `__GI___pthread_kill`), by name across modules.
      const named = 'name' in site.target ? site.target.name : null;
      const entry = named === null ? (site.target as { entry: number }).entry : cm === m ? (this.moduleSymbols(cm)?.addressOf(named) ?? null) : null;
      const same = entry !== null ? entry + cm.bias === callee.entry + m.bias : named === callee.name;
      const value = same ? d.functions.callValue(site, expr[0] - 0x50) : null;
      return value && sub ? { value, frameBase: dw.locationAt(sub.die, at - 1, C.DW_AT_frame_base) } : null;
    });
    if (!r.ok || !r.value) return null;
    const base = this.exprAnswer(regs?.values ?? new Map(), regs?.cfa ?? null);
    // The value the caller passed may itself be the caller's own entry value: resolved one frame further up.
    // The caller's frame base (DW_OP_fbreg in the call value): its DW_AT_frame_base, usually the CFA.
    const frameBase = (): bigint | null => {
      if (!r.value!.frameBase) return null;
      const fb = runExpression(r.value!.frameBase, { addressSize: 8 }, base);
      if (!fb.ok) return null;
      if (fb.value.kind === 'register') return base({ kind: 'register', register: fb.value.register });
      return fb.value.kind === 'address' || fb.value.kind === 'value' ? fb.value.value : null;
    };
    const answer = (req: ExprRequest) => (req.kind === 'entry-value' ? this.entryValue(caller, callerOf, req.expr, depth + 1) : req.kind === 'frame-base' ? frameBase() : base(req));
    const v = runExpression(r.value.value, { addressSize: 8 }, answer);
    if (!v.ok) return null;
    if (v.value.kind === 'register') return answer({ kind: 'register', register: v.value.register });
    return v.value.kind === 'address' || v.value.kind === 'value' ? v.value.value : null;
  }

  /**
   * The module's ELF symbols: its own .symtab, else its separate debug file's, else its .dynsym
   * (Target.symbolFile's choice; the target owns and closes that file).
   */
  private moduleSymbols(m: Module): ModuleSymbols | null {
    if (!this.symbols.has(m)) {
      const elf = this.target.symbolFile(m);
      this.symbols.set(m, elf ? new ModuleSymbols(elf) : null);
    }
    return this.symbols.get(m)!;
  }

  private moduleLines(m: Module): ModuleDebug | null {
    if (!this.lines.has(m)) {
      const d = m.elf && m.status.kind === 'loaded' ? openDebugInfo(m.status.localPath, m.elf, this.target.debugDirs, m.path) : null;
      this.lines.set(m, d?.ok ? { source: d.value, ranges: addressRanges(d.value.elf), functions: new FunctionIndex(d.value.dwarf), functionCache: new Map() } : null);
    }
    return this.lines.get(m)!;
  }

  private moduleTables(m: Module): ModuleUnwindTables {
    let t = this.tables.get(m);
    if (!t) this.tables.set(m, (t = new ModuleUnwindTables(m, this.target.debugDirs)));
    return t;
  }

  private word(address: number): number | null {
    const b = this.target.memory.read(address, 8);
    return b ? Number(b.readBigUInt64LE(0)) : null;
  }

  private isSigreturn(arch: UnwindArch, pc: number): boolean {
    if (this.options.sigreturnByCode === false) return false;
    const code = this.target.memory.read(pc, arch.sigreturn.code.length);
    return code !== null && code.equals(arch.sigreturn.code);
  }

  /** One frame up: the caller's registers and pc, or why there is none. */
  private step(arch: UnwindArch, frame: NativeFrame, regs: Registers): { regs: Registers; pc: number; recovery: FrameRecovery; saved?: number[] } | { stop: NativeStack['stop'] } {
    const sp = regs.get(arch.sp);
    if (this.isSigreturn(arch, frame.pc) && sp !== undefined) {
      frame.signalTrampoline = true;
      const out: Registers = new Map();
      for (const [reg, off] of arch.sigreturn.registerOffsets) {
        const v = this.word(sp + off);
        if (v !== null) out.set(reg, v);
      }
      const pc = this.word(sp + arch.sigreturn.pcOffset);
      if (pc === null || !out.has(arch.sp)) return { stop: { reason: 'unreadable', detail: `the signal frame at 0x${sp.toString(16)} is unreadable` } };
      if (!arch.sigreturn.registerOffsets.has(arch.returnAddress)) out.set(arch.returnAddress, pc);
      return { regs: out, pc, recovery: 'sigcontext' };
    }
    const m = frame.module;
    const found = m ? this.moduleTables(m).rowAt(frame.lookupPc - m.bias) : null;
    if (found) {
      frame.cfi = found.source;
      if (found.row.signalFrame) frame.signalTrampoline = true;
      return this.applyRow(arch, found.row, regs, m!);
    }
    return this.framePointerStep(arch, frame, regs);
  }

  private applyRow(arch: UnwindArch, row: UnwindRow, regs: Registers, m: Module): { regs: Registers; pc: number; recovery: FrameRecovery; saved: number[] } | { stop: NativeStack['stop'] } {
    const where = `${m.path} (CFI row 0x${row.start.toString(16)}..0x${row.end.toString(16)})`;
    const answer = this.exprAnswer(regs, null);
    let cfa: number;
    if (row.cfa.kind === 'register-offset') {
      const base = regs.get(row.cfa.register);
      if (base === undefined) return { stop: { reason: 'unreadable', detail: `${where}: the CFA is based on register ${row.cfa.register}, whose value is unknown` } };
      cfa = base + row.cfa.offset;
    } else {
      const r = runExpression(row.cfa.expr, { addressSize: 8 }, answer);
      if (!r.ok || (r.value.kind !== 'address' && r.value.kind !== 'value')) return { stop: { reason: 'unreadable', detail: `${where}: the CFA expression could not be evaluated` } };
      cfa = Number(r.value.value);
    }
    const out: Registers = new Map(regs);
    out.set(arch.sp, cfa);
    const ra = row.returnAddressRegister;
    const saved: number[] = [];
    for (const [reg, rule] of row.registers) {
      if (reg !== ra && rule.kind !== 'same-value' && rule.kind !== 'undefined') saved.push(reg);
      if (rule.kind === 'undefined') {
        if (reg === ra) return { stop: { reason: 'outermost', detail: 'the return address is marked undefined (the outermost frame)' } };
        out.delete(reg);
        continue;
      }
      const v = this.ruleValue(rule, cfa, regs, answer);
      if (v === null) {
        if (reg === ra) return { stop: { reason: 'unreadable', detail: `${where}: the return address saved at ${describeRule(rule, cfa)} is unreadable` } };
        out.delete(reg);
      } else out.set(reg, v);
    }
    let pc = out.get(ra) ?? regs.get(ra);
    if (pc === undefined) return { stop: { reason: 'unreadable', detail: `${where}: no rule gives the return address` } };
    if (arch.addressBits !== null && (row.returnAddressSigned || pc >= 2 ** arch.addressBits)) pc = pc % 2 ** arch.addressBits;
    return { regs: out, pc, recovery: 'cfi', saved };
  }

  /** Answers a DWARF expression's requests from registers `regs`, the CFA and the target's memory (null: not available). */
  private exprAnswer(regs: ReadonlyMap<number, number>, cfa: number | null): (req: ExprRequest) => bigint | null {
    return (req) => {
      if (req.kind === 'register') {
        const v = regs.get(req.register);
        return v === undefined ? null : BigInt(v);
      }
      if (req.kind === 'cfa') return cfa === null ? null : BigInt(cfa);
      if (req.kind !== 'memory') return null;
      const b = this.target.memory.read(Number(req.address), req.size);
      return b ? BigInt.asUintN(64, b.length === 8 ? b.readBigUInt64LE(0) : BigInt(b.readUIntLE(0, b.length))) : null;
    };
  }

  private ruleValue(rule: RegisterRule, cfa: number, regs: Registers, answer: (req: ExprRequest) => bigint | null): number | null {
    switch (rule.kind) {
      case 'same-value':
      case 'undefined':
        return null;
      case 'offset':
        return this.word(cfa + rule.offset);
      case 'val-offset':
        return cfa + rule.offset;
      case 'register':
        return regs.get(rule.register) ?? null;
      case 'expression':
      case 'val-expression': {
        const r = runExpression(rule.expr, { addressSize: 8, initialStack: [BigInt(cfa)] }, answer);
        if (!r.ok || (r.value.kind !== 'address' && r.value.kind !== 'value')) return null;
        const v = Number(r.value.value);
        return rule.kind === 'expression' ? this.word(v) : v;
      }
    }
  }

  /** No CFI for the pc: follow the frame-pointer chain (a guess; the frame says so). */
  private framePointerStep(arch: UnwindArch, frame: NativeFrame, regs: Registers): { regs: Registers; pc: number; recovery: FrameRecovery } | { stop: NativeStack['stop'] } {
    const what = frame.module ? `${frame.module.path} has no call frame information for 0x${frame.lookupPc.toString(16)}` : `0x${frame.pc.toString(16)} is in no mapped file`;
    const fp = regs.get(arch.fp);
    const sp = regs.get(arch.sp);
    if (fp === undefined || sp === undefined || fp < sp || fp - sp > MAX_FRAME_BYTES || fp % 8 !== 0) return { stop: { reason: 'no-unwind-info', detail: `${what} and the frame pointer is not usable` } };
    const r = arch.frameRecord;
    const savedFp = this.word(fp + r.savedFp);
    const ret = this.word(fp + r.savedReturn);
    if (savedFp === null || ret === null) return { stop: { reason: 'no-unwind-info', detail: `${what} and the frame-pointer chain is unreadable at 0x${fp.toString(16)}` } };
    const out: Registers = new Map(regs);
    out.set(arch.fp, savedFp);
    out.set(arch.sp, fp + r.callerSp);
    out.set(arch.returnAddress, ret);
    const pc = arch.addressBits !== null ? ret % 2 ** arch.addressBits : ret;
    return { regs: out, pc, recovery: 'frame-pointer' };
  }
}

/** The .debug_aranges of the file that holds a module's DWARF (the module's own file or its separate debug file). */
function addressRanges(elf: ElfFile): AddressRanges | null {
  const buf = elfSectionLoader(elf)(SECTION_ARANGES);
  if (!buf) return null;
  const r = AddressRanges.parse(buf);
  return r.ok ? r.value : null;
}

function describeRule(rule: RegisterRule, cfa: number): string {
  return rule.kind === 'offset' ? `0x${(cfa + rule.offset).toString(16)}` : rule.kind;
}
