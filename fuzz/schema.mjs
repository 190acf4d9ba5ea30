// The JSON each command prints, checked against what the README documents (the analyze schema
// in "JSON schema", the heap/explain/files/triage shapes in their sections). Returns null when
// the output conforms, else the first path that breaks it.

const T = {
  str: (v) => typeof v === 'string',
  num: (v) => typeof v === 'number' && Number.isFinite(v),
  int: (v) => Number.isInteger(v),
  bool: (v) => typeof v === 'boolean',
  arr: Array.isArray,
  obj: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
};
const nullable = (f) => (v) => v === null || f(v);
const optional = (f) => (v) => v === undefined || f(v);
const oneOf = (...xs) => (v) => xs.includes(v);
const arrayOf = (f) => (v) => Array.isArray(v) && v.every((x) => f(x));

/** null if `v` has every key of `shape` with a conforming value, else the failing path. */
function check(v, shape, path = '$') {
  if (typeof shape === 'function') return shape(v) ? null : `${path}: unexpected ${JSON.stringify(v)?.slice(0, 80)}`;
  if (!T.obj(v)) return `${path}: expected an object`;
  for (const [k, s] of Object.entries(shape)) {
    const bad = check(v[k], s, `${path}.${k}`);
    if (bad) return bad;
  }
  return null;
}

function checkEach(list, shape, path) {
  if (!T.arr(list)) return `${path}: expected an array`;
  for (let i = 0; i < list.length; i++) {
    const bad = check(list[i], shape, `${path}[${i}]`);
    if (bad) return bad;
  }
  return null;
}

const hex = (v) => typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v);
const warnings = arrayOf(T.str);

// With --native a thread's frames are the merged stack (README "analyze --native").
// --native --locals: a C argument or local has a value, or is optimized out (with why), or unreadable.
const nativeVariable = (v) => typeof v === 'object' && v !== null && typeof v.name === 'string' && (v.type === null || typeof v.type === 'string') && [typeof v.value === 'string', v.optimized_out === true, typeof v.unreadable === 'string'].filter(Boolean).length === 1;
const nativeFrame = { args: optional(arrayOf(nativeVariable)), locals: optional(arrayOf(nativeVariable)), kind: oneOf('native'), index: T.int, module: nullable(T.str), symbol: nullable(T.str), inlined: optional(oneOf(true)), address: hex, recovery: oneOf('registers', 'cfi', 'sigcontext', 'frame-pointer', 'tail-call') };
const frame = {
  function: nullable(T.str),
  qualname: optional(nullable(T.str)),
  file: nullable(T.str),
  line: nullable(T.int),
  unreadable: optional(T.str),
  locals: optional(T.obj),
  locals_detail: optional(arrayOf((d) => T.obj(d) && T.str(d.name) && T.str(d.kind))),
};

export function checkAnalyze(j) {
  const top = check(j, {
    schema_version: oneOf(1),
    core: T.str,
    python: nullable(
      (p) =>
        T.obj(p) &&
        !check(p, { version: T.str, version_source: T.str, executable: nullable(T.str), module: nullable(T.str), build: oneOf('release', 'debug', 'trace-refs', 'free-threaded'), layout_source: oneOf('dwarf', 'debug-offsets', 'builtin'), found_by: oneOf('symbol', 'scan') }),
    ),
    signal: nullable((s) => T.obj(s) && T.int(s.number) && T.str(s.name)),
    crash_site: nullable((c) => T.obj(c) && hex(c.address)),
    current_thread_rule: oneOf('signal', 'gil-holder', 'none'),
    threads: T.arr,
    extension_modules: nullable(arrayOf(T.str)),
    warnings,
  });
  if (top) return top;
  for (let t = 0; t < j.threads.length; t++) {
    const th = j.threads[t];
    const bad = check(th, { native_id: nullable(T.int), current: T.bool, frames: T.arr, unreadable: optional(T.str) }, `$.threads[${t}]`) ?? th.frames.reduce((bad, f, i) => bad ?? check(f, f.kind === 'native' ? nativeFrame : frame, `$.threads[${t}].frames[${i}]`), null);
    if (bad) return bad;
  }
  return null;
}

export function checkHeap(j) {
  if (T.arr(j.heaps)) return check(j, { heaps: T.arr, warnings: optional(warnings) }); // --malloc-stats
  return (
    check(j, { types: T.arr, objects_total: T.int, bytes_total: T.num, warnings }) ??
    checkEach(j.types, { name: T.str, count: T.int, bytes: T.num }, '$.types')
  );
}

export function checkExplain(j) {
  return check(j, { findings: T.arr }) ?? checkEach(j.findings, { kind: T.str, summary: T.str, lines: (l) => T.arr(l) && l.length === 2 && l.every(T.int) }, '$.findings');
}

export function checkFiles(j) {
  return check(j, { schema_version: oneOf(1), core: T.str, files: T.arr, missing: arrayOf(T.str), warnings });
}

export function checkTriage(j) {
  return check(j, { schema_version: oneOf(1), total: T.int, analyzed: T.int, groups: T.arr, failed: arrayOf((f) => T.obj(f) && T.str(f.core) && T.str(f.reason)) });
}

/** Objects (show) and reference listings (refs, referrers, path): an object, or a list of them. */
export function checkObjectish(j) {
  return T.obj(j) || (T.arr(j) && j.every(T.obj)) ? null : '$: expected an object';
}

export const SCHEMAS = { analyze: checkAnalyze, heap: checkHeap, explain: checkExplain, files: checkFiles, triage: checkTriage, show: checkObjectish, refs: checkObjectish, referrers: checkObjectish, path: checkObjectish };
