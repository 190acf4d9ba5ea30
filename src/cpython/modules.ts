// sys.modules as faulthandler sees it: the non-stdlib extension modules it lists after a dump
// (`Extension modules: ... (total: N)`, 3.10+), read the way _Py_DumpExtensionModules reads them.
import { field } from '../cpython-layouts/layout.js';
import { dictItems, setItems } from './objects/containers.js';
import type { ObjectDecoder } from './objects/decoder.js';

const MAX_MODULES = 100_000;

export function extensionModules(d: ObjectDecoder, interp: number): string[] | null {
  const { r, L } = d;
  const modules = r.ptr(interp + field(L, 'interp.modules'));
  const sysdict = r.ptr(interp + field(L, 'interp.sysdict'));
  if (!modules) return null;
  const mv = d.validate(modules);
  if (!mv.ok || mv.type.kind !== 'dict') return null;
  // If sys.stdlib_module_names is missing or not a frozenset, stdlib modules are not excluded.
  let stdlib: Set<string> | null = null;
  const names = sysdict ? d.lookup(sysdict, 'stdlib_module_names') : null;
  const nv = names ? d.validate(names) : null;
  if (names && nv?.ok && nv.type.kind === 'frozenset') {
    const items = setItems(r, L, names, MAX_MODULES, null);
    if (typeof items !== 'string') stdlib = new Set(items.items.map((a) => d.str(a, 1024)?.value).filter((s): s is string => s !== undefined));
  }
  const items = dictItems(r, L, modules, MAX_MODULES);
  if (typeof items === 'string') return null;
  const out: string[] = [];
  for (const [k, v] of items.items) {
    const key = d.str(k, 4096);
    if (!key) continue;
    const vv = d.validate(v);
    if (!vv.ok) continue;
    const isModule = vv.type.kind === 'module' || d.heapChain(vv.type).some((t) => t.kind === 'module') || d.builtinBase(vv.type)?.kind === 'module';
    if (!isModule) continue;
    const def = r.ptr(v + field(L, 'module.def'));
    if (!def || !r.ptr(def + field(L, 'moduledef.methods'))) continue;
    if (stdlib?.has(key.value)) continue;
    out.push(key.value);
  }
  return out;
}
