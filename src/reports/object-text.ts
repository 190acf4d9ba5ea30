// `pycore show` output: one object, its header and its children one level deep.
import type { ObjectView } from '../analysis/object-view.js';
import { escapeForTerminal as esc, faulthandlerAscii } from './sanitize.js';

export function renderObjectText(v: ObjectView): string {
  const out: string[] = [];
  out.push(`${v.address}  ${esc(v.type)}`);
  out.push(`  repr:       ${esc(v.repr)}`);
  if (v.refcount !== null) out.push(`  refcount:   ${v.refcount}`);
  if (v.size !== null) out.push(`  size:       ${v.size_estimated ? `~${v.size} bytes (an estimate: the type has its own __sizeof__)` : `${v.size} bytes (sys.getsizeof)`}`);
  if (v.retained_bytes !== undefined) {
    const apart = [
      ...(v.retained_estimated_bytes ? [`+${v.retained_estimated_bytes} bytes estimated`] : []),
      ...(v.retained_unsized_objects ? [`${v.retained_unsized_objects} objects of unknown size`] : []),
    ];
    out.push(`  retained:   ${v.retained_bytes} bytes in ${v.retained_objects} objects (what freeing it would free)${apart.length ? ` (${apart.join(', ')})` : ''}`);
  }
  if (v.retained_unknown) out.push(`  retained:   unknown: ${esc(v.retained_unknown)}`);
  if (v.gc_tracked !== null) out.push(`  gc tracked: ${v.gc_tracked ? 'yes' : 'no'}`);
  for (const [k, val] of v.details) out.push(`  ${`${esc(k)}:`.padEnd(11)} ${esc(val)}`);
  if (v.unreadable) out.push(`  [!] ${esc(v.unreadable)}`);
  if (v.allocated_at) {
    out.push('  allocated at (tracemalloc, most recent call first):');
    for (const f of v.allocated_at) out.push(`    File "${f.filename === null ? '???' : faulthandlerAscii(f.filename)}", line ${f.lineno}`);
  }
  if (v.children_total !== null && v.children_total > 0) {
    const last = v.children_offset + v.children.length;
    out.push(`  items ${v.children_offset}..${last - 1} of ${v.children_total}:`);
    const width = Math.min(40, Math.max(...v.children.map((c) => esc(c.label).length)));
    for (const c of v.children) out.push(`    ${esc(c.label).padEnd(width)}  ${c.object.address}  ${esc(c.object.type)}  ${esc(c.object.repr)}`);
    if (last < v.children_total) out.push(`    ... ${v.children_total - last} more (--offset ${last})`);
  }
  return out.join('\n') + '\n';
}

export function renderObjectJson(v: ObjectView): string {
  return JSON.stringify(v, null, 2) + '\n';
}
