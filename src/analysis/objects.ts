// The object explorer: `show`, `--locals` and the TUI inspector all look at objects through it.
import { gcTracked } from '../cpython/gc.js';
import { CodeCache } from '../cpython/code.js';
import { defaultLimits, type Limits } from '../cpython/limits.js';
import { frameLocals } from '../cpython/locals.js';
import type { FrameInfo } from '../cpython/frames.js';
import { dictItems, listItems, setItems, tupleItems } from '../cpython/objects/containers.js';
import { defaultReprLimits, ObjectDecoder, type ReprLimits } from '../cpython/objects/decoder.js';
import { type TypeInfo } from '../cpython/objects/types.js';
import { HeapTypes } from '../cpython/heap-objects.js';
import { HeapMemory } from '../cpython/heap-memory.js';
import type { PythonRuntime } from '../cpython/runtime.js';
import { field } from '../cpython-layouts/layout.js';
import { generatorState } from '../cpython/generators.js';
import type { Target } from '../target/target.js';
import type { ObjectChild, ObjectExplorer, ObjectSummary, ObjectView } from './object-view.js';
import { hex, type LocalView } from './view-model.js';

export function parseAddress(text: string): number | null {
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(text.trim());
  if (!m) return null;
  const v = Number.parseInt(m[1], 16);
  return Number.isSafeInteger(v) ? v : null;
}

export class Objects implements ObjectExplorer {
  readonly decoder: ObjectDecoder;

  constructor(
    readonly rt: PythonRuntime,
    private readonly target: Target,
    codes: CodeCache,
    readonly reprLimits: ReprLimits = defaultReprLimits,
    readonly limits: Limits = defaultLimits,
  ) {
    this.decoder = new ObjectDecoder(rt, target, codes, reprLimits);
  }

  static create(rt: PythonRuntime, target: Target, reprLimits?: ReprLimits, limits: Limits = defaultLimits): Objects {
    const codeType = target.symbolAddress(rt.module, 'PyCode_Type')?.address ?? null;
    return new Objects(rt, target, new CodeCache(rt.reader, rt.layout, limits, codeType), reprLimits, limits);
  }

  typeName(address: number): string {
    const v = this.decoder.validate(address);
    if (!v.ok) return '<invalid>';
    const n = this.decoder.typeNames(v.type);
    return n.module === 'builtins' ? n.qualname : `${n.module}.${n.qualname}`;
  }

  summary(address: number): ObjectSummary {
    return { address: hex(address), type: this.typeName(address), repr: this.decoder.repr(address) };
  }

  locals(frame: FrameInfo): { locals: LocalView[]; unreadable?: string } {
    const { locals, unreadable } = frameLocals(this.decoder, frame, this.reprLimits.maxItems);
    return {
      locals: locals.map((l) => ({ name: l.name, kind: l.kind, address: hex(l.value), type: this.typeName(l.value), repr: this.decoder.repr(l.value) })),
      ...(unreadable ? { unreadable } : {}),
    };
  }

  inspect(addressText: string, offset = 0, limit = 50): ObjectView {
    const address = parseAddress(addressText) ?? 0;
    const d = this.decoder;
    const v = d.validate(address);
    const base: ObjectView = { address: hex(address), type: '<invalid>', repr: d.repr(address), refcount: null, size: null, gc_tracked: null, children: [], children_total: null, children_offset: offset, details: [] };
    if (!v.ok) return { ...base, unreadable: v.reason };
    const t = v.type;
    const kids = this.children(address, t, offset, limit);
    const sized = this.sizeof(address, t);
    return {
      ...base,
      type: this.typeName(address),
      refcount: v.refcount,
      size: sized?.size ?? null,
      ...(sized?.estimated ? { size_estimated: true } : {}),
      gc_tracked: this.gcTracked(address, t),
      children: typeof kids === 'string' ? [] : kids.items,
      children_total: typeof kids === 'string' ? null : kids.total,
      details: this.details(address, t),
      ...(typeof kids === 'string' ? { unreadable: kids } : {}),
    };
  }

  private details(address: number, t: TypeInfo): [string, string][] {
    const d = this.decoder;
    const kind = d.kind(t);
    if (kind === 'generator' || kind === 'coroutine' || kind === 'async_generator') {
      const g = generatorState(d, address);
      if (!g) return [['state', 'unreadable']];
      const out: [string, string][] = [['state', g.state]];
      if (g.frame) out.push(['suspended at', `File "${g.frame.file ?? '???'}", line ${g.frame.line ?? '???'} in ${g.frame.function ?? '???'}`]);
      return out;
    }
    if (kind === 'exception') {
      const { r, L } = d;
      const out: [string, string][] = [];
      for (const [label, f] of [['__cause__', 'exc.cause'], ['__context__', 'exc.context']] as const) {
        const p = r.ptr(address + field(L, f));
        if (p) out.push([label, d.repr(p)]);
      }
      return out;
    }
    return [];
  }

  private children(address: number, t: TypeInfo, offset: number, limit: number): { items: ObjectChild[]; total: number } | string {
    const d = this.decoder;
    const { r, L } = d;
    const want = offset + limit;
    const page = <T,>(e: { items: T[]; total: number } | string, f: (x: T, i: number) => ObjectChild) =>
      typeof e === 'string' ? e : { items: e.items.slice(offset, want).map((x, i) => f(x, i + offset)), total: e.total };
    const kind = d.kind(t) ?? (t.heap ? d.builtinBase(t)?.kind ?? null : null);
    switch (kind) {
      case 'tuple':
        return page(tupleItems(r, L, address, want), (a, i) => ({ label: `[${i}]`, object: this.summary(a) }));
      case 'list':
        return page(listItems(r, L, address, want), (a, i) => ({ label: `[${i}]`, object: this.summary(a) }));
      case 'set':
      case 'frozenset':
        return page(setItems(r, L, address, want, null), (a) => ({ label: 'item', object: this.summary(a) }));
      case 'dict':
        return page(dictItems(r, L, address, want), ([k, v]) => ({ label: `[${d.repr(k)}]`, object: this.summary(v) }));
      default: {
        const attrs = d.attributes(address, t, want);
        return page(attrs, ([name, v]) => ({ label: `.${name}`, object: this.summary(v) }));
      }
    }
  }

  private heapTypes: HeapTypes | null = null;

  /**
   * sys.getsizeof(), computed as the heap census computes it (one implementation): exact for the
   * types whose __sizeof__ pycore reproduces, an estimate (basicsize + items) for the others.
   */
  sizeof(address: number, t: TypeInfo): { size: number; estimated: boolean } | null {
    this.heapTypes ??= new HeapTypes(this.decoder, new HeapMemory(this.target.memory));
    const prof = this.heapTypes.profile(t.address);
    const size = prof ? this.heapTypes.sizeof(address, prof, null, 0, 0) : null;
    return prof && size !== null ? { size, estimated: !prof.exact } : null;
  }

  gcTracked(address: number, t: TypeInfo): boolean | null {
    return gcTracked(this.decoder.r, this.decoder.L, address, t);
  }
}
