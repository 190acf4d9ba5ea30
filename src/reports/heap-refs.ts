// `pycore refs`, `referrers` and `path`: text, JSON, and Graphviz graphs in the manner of
// objgraph.show_refs()/show_backrefs() (boxes with the type and a short repr, edges labelled
// with the attribute, key or index).
import type { PathReport, RefsReport } from '../analysis/heap/view-model.js';
import { escapeForTerminal as esc } from './sanitize.js';

export function renderRefsText(r: RefsReport, direction: 'refs' | 'referrers'): string {
  const out: string[] = [`${r.object.address}  ${esc(r.object.type)}  ${esc(r.object.repr)}`];
  const n = r.references.length;
  const what = direction === 'refs' ? `refers to ${n} object${n === 1 ? '' : 's'}` : `is referred to by ${n} object${n === 1 ? '' : 's'}`;
  const scanned = r.objects_scanned !== undefined ? ` (of ${r.objects_scanned} objects in the heap)` : '';
  out.push(`  ${what}${scanned}${n ? ':' : ''}`);
  const width = Math.min(32, Math.max(0, ...r.references.map((x) => esc(x.label).length)));
  for (const x of r.references) out.push(`    ${esc(x.label).padEnd(width)}  ${x.address}  ${esc(x.type)}  ${esc(x.repr)}`);
  if (r.unreadable) out.push(`  [!] ${esc(r.unreadable)}`);
  for (const w of r.warnings) out.push(`[!] ${esc(w)}`);
  return out.join('\n') + '\n';
}

export function renderPathText(p: PathReport): string {
  const out: string[] = [`${p.object.address}  ${esc(p.object.type)}  ${esc(p.object.repr)}`];
  if (p.root === null) out.push('  no path from a root found');
  else {
    out.push(`  held by ${esc(p.root)}:`);
    for (const h of p.hops) out.push(`    ${h.label ? `${esc(h.label)} -> ` : ''}${h.address}  ${esc(h.type)}  ${esc(h.repr)}`);
    out.push(`  as an expression: ${esc(pathExpression(p))}`);
  }
  for (const w of p.warnings) out.push(`[!] ${esc(w)}`);
  return out.join('\n') + '\n';
}

/** The chain written the way Python would reach it: root[...].attr[...]. */
export function pathExpression(p: Pick<PathReport, 'root' | 'hops'>): string {
  return `<${p.root}>${p.hops.map((h) => h.label).join('')}`;
}

/** The inside of a DOT string: what escapeForTerminal leaves of it (the file is often read on a terminal), quotes and backslashes escaped. */
function dotText(s: string): string {
  let out = '';
  for (const ch of esc(s)) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return out;
}

function dotString(s: string): string {
  return `"${dotText(s)}"`;
}

/** A box with the type, a short repr and the address, one per line. */
function node(id: string, type: string, repr: string, highlight = false): string {
  const text = repr.length > 60 ? `${repr.slice(0, 57)}...` : repr;
  const label = [type, text, id].map(dotText).join('\\n');
  return `  ${dotString(id)} [label="${label}"${highlight ? ', style=filled, fillcolor="#ffe08a"' : ''}];`;
}

/** refs: the object and what it refers to; referrers: what refers to it and the object. */
export function renderRefsDot(r: RefsReport, direction: 'refs' | 'referrers'): string {
  const out = ['digraph pycore {', '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=9];'];
  out.push(node(r.object.address, r.object.type, r.object.repr, true));
  const seen = new Set([r.object.address]);
  for (const x of r.references) {
    if (!seen.has(x.address)) out.push(node(x.address, x.type, x.repr));
    seen.add(x.address);
    const [a, b] = direction === 'refs' ? [r.object.address, x.address] : [x.address, r.object.address];
    out.push(`  ${dotString(a)} -> ${dotString(b)} [label=${dotString(x.label)}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

export function renderPathDot(p: PathReport): string {
  const out = ['digraph pycore {', '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=9];'];
  if (p.root !== null && p.hops.length) {
    out.push(`  root [shape=plaintext, label=${dotString(p.root)}];`);
    p.hops.forEach((h, i) => out.push(node(h.address, h.type, h.repr, i === p.hops.length - 1)));
    out.push(`  root -> ${dotString(p.hops[0].address)};`);
    for (let i = 1; i < p.hops.length; i++) out.push(`  ${dotString(p.hops[i - 1].address)} -> ${dotString(p.hops[i].address)} [label=${dotString(p.hops[i].label)}];`);
  } else out.push(node(p.object.address, p.object.type, p.object.repr, true));
  out.push('}');
  return out.join('\n') + '\n';
}
