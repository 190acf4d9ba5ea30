// `pycore refs`, `referrers` and `path`: what an object refers to (its type's references, one
// object, no walk); what refers to it (one walk over every object the heap walk finds: the
// gc.get_referrers() of a dead process, for any number of objects at once); and the shortest
// chain from a root (sys.modules, the sys and builtins dicts, gc.garbage, a thread's frame
// locals) to it, searched backwards one walk per level.
import { walkFrames } from '../../cpython/frames.js';
import type { HeapObject } from '../../cpython/heap.js';
import type { TypeProfile } from '../../cpython/heap-objects.js';
import { defaultLimits } from '../../cpython/limits.js';
import { frameLocals } from '../../cpython/locals.js';
import { referenceLabel, type Via } from '../../cpython/objects/referents.js';
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
  else if (report.references.length === 0 && !p.type.heap && p.kind === null) report.warnings.push(`pycore does not know the references of ${typeLabel(p.module, p.qualname)} objects (a C type it has no traverse rule for)`);
  return report;
}

/** What refers to each of `addresses`: one walk over the whole heap for all of them. */
export function referrers(s: HeapSession, addresses: number[], progress?: (done: number, total: number) => void): RefsReport[] {
  const d = s.objects.decoder;
  const wanted = new Map<number, ReferenceView[]>(addresses.map((a) => [a, []]));
  const found: { target: number; from: number; via: Via; arg: number | string }[] = [];
  const summary = s.heap.walk(() => {}, {
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

interface Root {
  label: string;
}

/** Objects held directly by a root, with the root's name: thread frame locals, sys.modules, the sys and builtins dicts, gc.garbage. */
function roots(s: HeapSession): Map<number, Root> {
  const { rt, objects } = s;
  const d = objects.decoder;
  const L = rt.layout;
  const out = new Map<number, Root>();
  const add = (address: number | null, label: string) => {
    if (address && !out.has(address)) out.set(address, { label });
  };
  for (const interp of s.interpreters) {
    const tag = s.interpreters.length > 1 ? ` (interpreter ${interp.id ?? hex(interp.address)})` : '';
    for (const ts of interp.threads) {
      const walk = walkFrames(rt, ts, d.codes, defaultLimits);
      const thread = ts.threadId === null ? hex(ts.address) : `0x${ts.threadId.toString(16).padStart(16, '0')}`;
      for (const f of walk.frames) {
        const { locals } = frameLocals(d, f, 10_000);
        const where = `thread ${thread}${tag}, frame ${f.function ?? '?'} (${f.file ?? '?'}:${f.line ?? '?'})`;
        // Module and class bodies keep their variables in f_locals (a module's is its globals).
        for (const l of locals) add(l.value, `${where}, ${l.kind === 'f_locals' ? (f.function === '<module>' ? 'global' : 'f_locals') : 'local'} ${l.name}`);
      }
    }
    const ptr = (name: 'interp.modules' | 'interp.sysdict' | 'interp.builtins') => (L.offsets[name] === undefined ? null : d.r.ptr(interp.address + L.offsets[name]!));
    add(ptr('interp.modules'), `sys.modules${tag}`);
    add(ptr('interp.sysdict'), `sys.__dict__${tag}`);
    add(ptr('interp.builtins'), `builtins.__dict__${tag}`);
  }
  for (const st of s.heap.gcStates) add(st.garbage, 'gc.garbage');
  return out;
}

/** The shortest chain of references from a root to the object at `address`. */
export function path(s: HeapSession, address: number, maxLevels = 12, progress?: (done: number, total: number) => void): PathReport {
  const d = s.objects.decoder;
  const held = roots(s);
  const report: PathReport = { object: describe(s, address), root: null, hops: [], levels: 0, warnings: [...s.warnings] };
  // For each object met walking backwards: the object it refers to on the way to the target.
  const toward = new Map<number, { to: number; via: Via; arg: number | string }>();
  const finish = (start: number): PathReport => {
    const hops: PathHop[] = [{ ...describe(s, start), label: '' }];
    let cur = start;
    for (let i = 0; cur !== address && i <= maxLevels; i++) {
      const step = toward.get(cur)!;
      hops.push({ ...describe(s, step.to), label: referenceLabel(d, step.via, step.arg) });
      cur = step.to;
    }
    return { ...report, root: held.get(start)!.label, hops };
  };
  if (held.has(address)) return finish(address);
  let frontier = new Set([address]);
  const seen = new Set([address]);
  for (let level = 1; level <= maxLevels && frontier.size > 0; level++) {
    report.levels = level;
    const next = new Set<number>();
    const current = frontier;
    const summary = s.heap.walk(() => {}, {
      progress,
      onReference: (from, target, via, arg) => {
        if (!current.has(target) || seen.has(from.address)) return;
        seen.add(from.address);
        toward.set(from.address, { to: target, via, arg });
        next.add(from.address);
      },
    });
    if (level === 1) report.warnings.push(...summary.problems);
    for (const x of next) if (held.has(x)) return finish(x);
    frontier = next;
  }
  report.warnings.push(frontier.size === 0 ? 'no root reaches this object: nothing else refers to it, or only objects no root reaches (garbage)' : `no root within ${maxLevels} references (--max-levels N to search further)`);
  return report;
}
