// A thread's Python frames, newest first, as faulthandler walks them: frame objects (3.8-3.10)
// or interpreter frames (3.11+), skipping the C-stack entry shims faulthandler skips.
import { field, type Layout } from '../cpython-layouts/layout.js';
import type { CodeCache } from './code.js';
import type { Limits } from './limits.js';
import type { PythonRuntime } from './runtime.js';
import type { ThreadStateInfo } from './threads.js';

export interface FrameInfo {
  address: number;
  code: number | null;
  function: string | null;
  qualname: string | null;
  file: string | null;
  line: number | null;
  unreadable?: string;
  /**
   * This frame is the first one its eval-loop call ran (the C function that called
   * _PyEval_EvalFrameDefault sits right below it): every frame object (3.8-3.10), `is_entry`
   * (3.11), a C-stack shim frame below it (3.12+). Absent when the layout cannot tell.
   */
  entry?: boolean;
}

export interface FrameWalk {
  frames: FrameInfo[];
  /** Why the walk ended before the first frame of the thread, if it did. */
  stopped?: { reason: 'unreadable' | 'cycle' | 'limit'; at: number };
}

function newestFrame(rt: PythonRuntime, ts: ThreadStateInfo): number | null {
  const { reader: r, layout: L } = rt;
  switch (L.caps.currentFrame) {
    case 'tstate.frame':
      return r.ptr(ts.address + field(L, 'tstate.frame'));
    case 'tstate.current_frame':
      return r.ptr(ts.address + field(L, 'tstate.current_frame'));
    case 'tstate.cframe.current_frame': {
      const cf = r.ptr(ts.address + field(L, 'tstate.cframe'));
      if (cf === null) return null;
      if (cf === 0) return 0;
      return r.ptr(cf + field(L, 'cframe.current_frame'));
    }
  }
}

export function walkFrames(rt: PythonRuntime, ts: ThreadStateInfo, codes: CodeCache, limits: Limits): FrameWalk {
  const { reader: r, layout: L } = rt;
  const frames: FrameInfo[] = [];
  const seen = new Set<number>();
  let addr = newestFrame(rt, ts);
  if (addr === null) return { frames, stopped: { reason: 'unreadable', at: ts.address } };
  const objectModel = L.caps.frameModel === 'frame-object';
  const nextOff = objectModel ? field(L, 'frame.f_back') : field(L, 'iframe.previous');
  const isEntryOff = L.offsets['iframe.is_entry'];
  let first = true;
  while (addr !== 0) {
    if (seen.has(addr)) return { frames, stopped: { reason: 'cycle', at: addr } };
    if (frames.length >= limits.maxFrames) return { frames, stopped: { reason: 'limit', at: addr } };
    seen.add(addr);
    // faulthandler prints the newest frame whatever its owner, then skips shim frames.
    const shim = !objectModel && L.caps.skippedFrameOwners.length > 0 && L.caps.skippedFrameOwners.includes(r.u8(addr + field(L, 'iframe.owner')) ?? -1);
    if (shim && frames.length > 0) frames[frames.length - 1].entry = true;
    if (!shim || first) {
      const f = objectModel ? frameObject(rt, addr, codes) : interpreterFrame(rt, addr, codes);
      if (objectModel || shim) f.entry = true;
      else if (isEntryOff !== undefined) f.entry = r.u8(addr + isEntryOff) === 1;
      else if (L.caps.skippedFrameOwners.length > 0) f.entry = false;
      frames.push(f);
    }
    first = false;
    const next = r.ptr(addr + nextOff);
    if (next === null) return { frames, stopped: { reason: 'unreadable', at: addr } };
    addr = next;
  }
  return { frames };
}

function describe(address: number, codeAddr: number | null, codes: CodeCache, line: (c: ReturnType<CodeCache['get']>) => number | null): FrameInfo {
  if (!codeAddr) return { address, code: codeAddr, function: null, qualname: null, file: null, line: null, unreadable: 'code object pointer' };
  const c = codes.get(codeAddr);
  return {
    address,
    code: codeAddr,
    function: c.name,
    qualname: c.qualname,
    file: c.filename,
    line: line(c),
    ...(c.unreadable ? { unreadable: c.unreadable } : {}),
  };
}

export function frameObject(rt: PythonRuntime, address: number, codes: CodeCache): FrameInfo {
  const { reader: r, layout: L } = rt;
  const codeAddr = r.ptr(address + field(L, 'frame.f_code'));
  return describe(address, codeAddr, codes, (c) => {
    const lasti = r.i32(address + field(L, 'frame.f_lasti'));
    if (lasti === null) return null;
    const offset = L.caps.instruction === 'f_lasti-units' ? lasti * 2 : lasti;
    if (L.caps.frameLine === 'f_lineno-else-addr2line') {
      const lineno = r.i32(address + field(L, 'frame.f_lineno'));
      if (lineno) return lineno;
    }
    return codes.line(c, offset);
  });
}

/**
 * The object an interpreter frame's slot names (f_executable, f_funcobj, localsplus, the value
 * stack): 3.14's _PyStackRef tags its low bits (objects are at least 8-aligned, so masking three
 * bits loses nothing; the NULL stackref becomes 0).
 */
export function stackRefObject(L: Layout, raw: number | null): number | null {
  if (raw === null || L.caps.stackRefs === 'plain') return raw;
  return raw - (raw % 8);
}

export function interpreterFrame(rt: PythonRuntime, address: number, codes: CodeCache): FrameInfo {
  const { reader: r, layout: L } = rt;
  const codeAddr = stackRefObject(L, r.ptr(address + field(L, 'iframe.code')));
  return describe(address, codeAddr, codes, (c) => {
    const instr = r.ptr(address + field(L, 'iframe.instr'));
    if (instr === null || !codeAddr) return null;
    return codes.line(c, instr - (codeAddr + field(L, 'code.code_adaptive')));
  });
}
