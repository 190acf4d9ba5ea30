// `pycore refs`, `referrers` and `path`: what an object refers to (its type's references, one
// object, no walk); what refers to it (one walk over every object the heap walk finds: the
// gc.get_referrers() of a dead process, for any number of objects at once); and the shortest
// chain from a root (a thread's frame locals and thread state, sys.modules, the sys and builtins
// dicts, the interned strings, gc.garbage; static types' dicts on the way) to it, searched
// forwards from the roots, one visit per reachable object.
import { walkFrames } from '../../cpython/frames.js';
import { runSteps, type HeapObject, type WalkProgress } from '../../cpython/heap.js';
import type { TypeProfile } from '../../cpython/heap-objects.js';
import type { FieldName } from '../../cpython-layouts/fields.js';
import { defaultLimits } from '../../cpython/limits.js';
import { frameLocals } from '../../cpython/locals.js';
import { knowsReferences, referenceLabel, VIA, type Via } from '../../cpython/objects/referents.js';
import { staticTypeDict } from '../../cpython/objects/types.js';
import { hex, typeLabel, type HeapSession } from './session.js';
import type { PathHop, PathReport, ReferenceView, RefsReport } from './view-model.js';

const REPR_MAX = 200;

function short(text: string): string {
  return text.length > REPR_MAX ? `${text.slice(0, REPR_MAX - 3)}...` : text;
}

function describe(s: HeapSession, address: number): { address: string; type: string; repr: string } {
  return { address: hex(address), type: s.objects.typeName(address), repr: short(s.objects.decoder.repr(address)) };
}

/** The heap profile of the object at `address`, or why it is not an object. */
function profileOf(s: HeapSession, address: number): TypeProfile | string {
  const v = s.objects.decoder.validate(address);
  if (!v.ok) return v.reason;
  const p = s.heap.types.profile(v.type.address);
  return p ?? 'its type is not readable';
}

/** What the object at `address` refers to. */
export function refs(s: HeapSession, address: number): RefsReport {
  const d = s.objects.decoder;
  const report: RefsReport = { object: describe(s, address), references: [], warnings: [...s.warnings] };
  const p = profileOf(s, address);
  if (typeof p === 'string') return { ...report, unreadable: p };
  const problem = s.heap.referents.visit(address, p, (target, via, arg) => {
    report.references.push({ label: referenceLabel(d, via, arg), ...describe(s, target) });
  });
  if (problem) report.unreadable = problem;
  if (!p.mayRefer) report.warnings.push(`a ${p.qualname} refers to no other object`);
  else if (knowsReferences(p, s.rt.layout) && !p.gc) report.warnings.push(`${typeLabel(p.module, p.qualname)} has no GC support in this version: like gc.get_referents(), pycore follows none of what it holds`);
  else if (report.references.length === 0 && !p.type.heap && p.kind === null && !knowsReferences(p, s.rt.layout)) report.warnings.push(`pycore does not know the references of ${typeLabel(p.module, p.qualname)} objects (a C type it has no traverse rule for)`);
  return report;
}

/** What refers to each of `addresses`: one walk over the whole heap for all of them. */
export function referrers(s: HeapSession, addresses: number[], progress?: (done: number, total: number) => void): RefsReport[] {
  return runSteps(referrersSteps(s, addresses, progress));
}

/** referrers() that pauses during its walk (see Heap.walkSteps). */
export function* referrersSteps(s: HeapSession, addresses: number[], progress?: (done: number, total: number) => void): Generator<WalkProgress, RefsReport[], void> {
  const d = s.objects.decoder;
  const wanted = new Map<number, ReferenceView[]>(addresses.map((a) => [a, []]));
  const found: { target: number; from: number; via: Via; arg: number | string }[] = [];
  const summary = yield* s.heap.walkSteps(() => {}, {
    progress,
    onReference: (from: HeapObject, target, via, arg) => {
      if (wanted.has(target)) found.push({ target, from: from.address, via, arg });
    },
  });
  for (const f of found) wanted.get(f.target)!.push({ label: referenceLabel(d, f.via, f.arg), ...describe(s, f.from) });
  return addresses.map((a) => {
    const v = d.validate(a);
    return {
      object: describe(s, a),
      references: wanted.get(a)!,
      objects_scanned: summary.objects,
      ...(v.ok ? {} : { unreadable: v.reason }),
      warnings: [...s.warnings, ...summary.problems],
    };
  });
}

export interface Root {
  label: string;
  /** For a frame's local: the frame object (3.11+: null while the frame has none). */
  frame?: number | null;
}

/** Exception-state items followed per thread (a corrupt previous_item chain must not loop). */
const MAX_EXC_ITEMS = 1000;

/**
 * Objects held directly by a root, with the root's name: thread frame locals, each thread
 * state's dict, pending async exception, current exception and handled-exception stack,
 * sys.modules, the sys and builtins dicts, the interned-strings dict and gc.garbage.
 */
export function pathRoots(s: HeapSession): Map<number, Root> {
  const { rt, objects } = s;
  const d = objects.decoder;
  const L = rt.layout;
  const mem = s.heap.mem;
  const out = new Map<number, Root>();
  const add = (address: number | null, label: string, frame?: number | null) => {
    if (address && !out.has(address)) out.set(address, frame === undefined ? { label } : { label, frame });
  };
  const at = (base: number, name: FieldName) => (L.offsets[name] === undefined ? null : mem.u64(base + L.offsets[name]!));
  for (const interp of s.interpreters) {
    const tag = s.interpreters.length > 1 ? ` (interpreter ${interp.id ?? hex(interp.address)})` : '';
    for (const ts of interp.threads) {
      const walk = walkFrames(rt, ts, d.codes, defaultLimits);
      const thread = ts.threadId === null ? hex(ts.address) : `0x${ts.threadId.toString(16).padStart(16, '0')}`;
      for (const f of walk.frames) {
        const { locals } = frameLocals(d, f, 10_000);
        const where = `thread ${thread}${tag}, frame ${f.function ?? '?'} (${f.file ?? '?'}:${f.line ?? '?'})`;
        const frame = L.caps.frameModel === 'frame-object' ? f.address : at(f.address, 'iframe.frame_obj') || null;
        // Module and class bodies keep their variables in f_locals (a module's is its globals).
        for (const l of locals) add(l.value, `${where}, ${l.kind === 'f_locals' ? (f.function === '<module>' ? 'global' : 'f_locals') : 'local'} ${l.name}`, frame);
      }
      const state = `thread state ${thread}${tag}`;
      add(at(ts.address, 'tstate.dict'), `${state}, dict`);
      add(at(ts.address, 'tstate.async_exc'), `${state}, async_exc`);
      add(at(ts.address, 'tstate.current_exception'), `${state}, current exception`);
      add(at(ts.address, 'tstate.curexc_value'), `${state}, current exception`);
      add(at(ts.address, 'tstate.curexc_type'), `${state}, current exception type`);
      add(at(ts.address, 'tstate.curexc_traceback'), `${state}, current exception traceback`);
      add(at(ts.address, 'tstate.exc_value'), `${state}, exc_info value`);
      add(at(ts.address, 'tstate.exc_type'), `${state}, exc_info type`);
      add(at(ts.address, 'tstate.exc_traceback'), `${state}, exc_info traceback`);
      // exc_info: the stack of exceptions being handled (sys.exc_info()), newest first.
      let item = at(ts.address, 'tstate.exc_info');
      const items = new Set<number>();
      for (let i = 0; item && !items.has(item) && i < MAX_EXC_ITEMS; i++) {
        items.add(item);
        const which = i === 0 ? 'exc_info' : `exc_info (handler ${i + 1} down)`;
        add(at(item, 'errstack.exc_value'), `${state}, ${which} value`);
        add(at(item, 'errstack.exc_type'), `${state}, ${which} type`);
        add(at(item, 'errstack.exc_traceback'), `${state}, ${which} traceback`);
        item = at(item, 'errstack.previous_item');
      }
    }
    const ptr = (name: 'interp.modules' | 'interp.sysdict' | 'interp.builtins') => (L.offsets[name] === undefined ? null : d.r.ptr(interp.address + L.offsets[name]!));
    add(ptr('interp.modules'), `sys.modules${tag}`);
    add(ptr('interp.sysdict'), `sys.__dict__${tag}`);
    add(ptr('interp.builtins'), `builtins.__dict__${tag}`);
    // 3.12+: interp->cached_objects.interned_strings (the struct's first member).
    const interned = at(interp.address, 'interp.cached_objects');
    if (interned && s.objects.typeName(interned) === 'dict') add(interned, `interned strings${tag}`);
  }
  // 3.8-3.11: the static `interned` dict of unicodeobject.c (a local symbol: needs .symtab).
  const sym = s.target.symbolAddress(rt.module, 'interned');
  const interned = sym ? mem.u64(sym.address) : null;
  if (interned && s.objects.typeName(interned) === 'dict') add(interned, 'interned strings');
  for (const st of s.heap.gcStates) add(st.garbage, 'gc.garbage');
  return out;
}

/** What a static type holds (its tp_dict, bases and MRO; 3.12+ keeps static builtins' dicts per interpreter: staticTypeDict). */
const STATIC_TYPE_FIELDS: [string, FieldName][] = [
  ['__dict__', 'type.dict'], ['__bases__', 'type.bases'], ['__mro__', 'type.mro'], ['__base__', 'type.base'],
];

/**
 * What the object at `address` refers to, as its type's references (refs) see it, plus for a
 * static type what its type object holds: static types live as long as the interpreter, so what
 * they hold is reachable too. Returns false when `address` holds no readable object.
 */
function expand(s: HeapSession, address: number, visit: (target: number, via: Via, arg: number | string) => void): boolean {
  const { mem } = s.heap;
  const tp = mem.u64(address + s.heap.types.off.obType);
  const prof = tp ? s.heap.types.profile(tp) : null;
  if (!prof) return false;
  if (prof.mayRefer) s.heap.referents.visit(address, prof, visit);
  if (prof.kind === 'type' && !prof.type.heap) {
    const t = s.objects.decoder.types.get(address);
    if (typeof t !== 'string' && !t.heap) {
      for (const [name, key] of STATIC_TYPE_FIELDS) {
        const off = s.rt.layout.offsets[key];
        const v = off === undefined ? null : mem.u64(address + off);
        if (v) visit(v, VIA.field, name);
        else if (key === 'type.dict') {
          for (const interp of s.interpreters) {
            const dict = staticTypeDict(s.objects.decoder.r, s.rt.layout, interp.address, address);
            if (dict) visit(dict, VIA.field, '__dict__');
          }
        }
      }
    }
  }
  return true;
}

/** The hops of a chain of references (root first), each labelled with how the previous object holds it. */
export function chainHops(s: HeapSession, chain: number[]): PathHop[] {
  const d = s.objects.decoder;
  const hops: PathHop[] = [{ ...describe(s, chain[0]), label: '' }];
  for (let i = 1; i < chain.length; i++) {
    let label = '?';
    expand(s, chain[i - 1], (t, via, arg) => {
      if (t === chain[i] && label === '?') label = referenceLabel(d, via, arg);
    });
    hops.push({ ...describe(s, chain[i]), label });
  }
  return hops;
}

/** Objects a path search remembers at most (each costs a map entry; a Map holds at most 2^24). */
const MAX_PATH_OBJECTS = 15_000_000;

/**
 * The shortest chain of references from a root to the object at `address`: a breadth-first
 * search forwards from every root at once, one visit per reachable object (no heap walk).
 */
/** `progress` gets the objects followed so far and the current depth. */
export function path(s: HeapSession, address: number, maxLevels = 12, progress?: (done: number, level: number) => void): PathReport {
  return runSteps(pathSteps(s, address, maxLevels, progress));
}

/** Where a path search stands when pathSteps pauses: objects followed, and the current depth. */
export interface PathProgress {
  objects: number;
  level: number;
}

/** path() that pauses every few thousand objects followed. */
export function* pathSteps(s: HeapSession, address: number, maxLevels = 12, progress?: (done: number, level: number) => void): Generator<PathProgress, PathReport, void> {
  const d = s.objects.decoder;
  const held = pathRoots(s);
  const report: PathReport = { object: describe(s, address), root: null, hops: [], levels: 0, warnings: [...s.warnings] };
  // For each object reached: the object that refers to it on the way from a root (0 for roots).
  const parent = new Map<number, number>();
  for (const r of held.keys()) parent.set(r, 0);
  const finish = (): PathReport => {
    const chain = [address];
    for (let cur = address; parent.get(cur) !== 0 && chain.length <= maxLevels + 1; ) chain.push((cur = parent.get(cur)!));
    chain.reverse();
    return { ...report, root: held.get(chain[0])!.label, hops: chainHops(s, chain) };
  };
  if (held.has(address)) return finish();
  let frontier = [...held.keys()];
  let done = 0;
  let full = false;
  for (let level = 1; level <= maxLevels && frontier.length > 0 && !full; level++) {
    report.levels = level;
    const next: number[] = [];
    for (const from of frontier) {
      expand(s, from, (t) => {
        if (parent.has(t) || full) return;
        if (parent.size >= MAX_PATH_OBJECTS) {
          full = true;
          return;
        }
        parent.set(t, from);
        next.push(t);
      });
      if (parent.has(address)) {
        report.levels = level;
        return finish();
      }
      if (++done % 4096 === 0) {
        progress?.(done, level);
        yield { objects: done, level };
      }
    }
    frontier = next;
  }
  report.warnings.push(
    full
      ? `stopped after ${MAX_PATH_OBJECTS} objects reachable from the roots`
      : frontier.length === 0
        ? 'no root reaches this object: nothing else refers to it, or only objects no root reaches (garbage)'
        : `no root within ${maxLevels} references (--max-levels N to search further)`,
  );
  return report;
}
