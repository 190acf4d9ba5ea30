// C++ (Itanium) and Rust symbol names as gdb prints them ("print demangle" is on by default).
// The demanglers are Rust's cpp_demangle and rustc-demangle compiled to WebAssembly
// (gecko-profiler-demangle, Mozilla's Firefox profiler): loaded on the first mangled name only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type DemangleAny = (name: string) => string;
type Exports = Record<string, unknown>;
// The lib settings here leave out the DOM's WebAssembly typings; the part used is this small.
const wasmApi = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: Exports } };
}).WebAssembly;

let demangler: DemangleAny | null | undefined;

function load(): DemangleAny | null {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('gecko-profiler-demangle/package.json'));
    // The package's own entry imports the .wasm as an ES module, which Node 20 cannot; wire
    // its wasm-bindgen glue to a synchronously compiled instance instead.
    const glue = require(join(dir, 'index_bg.js')) as { demangle_any: DemangleAny; __wbg_set_wasm: (w: Exports) => void };
    const module = new wasmApi.Module(readFileSync(join(dir, 'index_bg.wasm')));
    const instance = new wasmApi.Instance(module, { './index_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    return glue.demangle_any;
  } catch {
    return null;
  }
}

/** The demangled name, or the name itself when it is not mangled or cannot be demangled. */
export function demangle(name: string): string {
  if (!name.startsWith('_Z') && !name.startsWith('_R')) return name;
  if (demangler === undefined) demangler = load();
  if (!demangler) return name;
  try {
    const out = demangler(name);
    // A real demangling names a scope or a signature; anything else (a garbage name the
    // fallback demanglers mangled further) is not trusted.
    return out.includes('::') || out.includes('(') ? out : name;
  } catch {
    return name;
  }
}
