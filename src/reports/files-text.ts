// `pycore files` output: one block per file the analysis uses, then the list of what is missing.
import type { DebugProvision, FileEntry, FilesReport, FoundHow } from '../analysis/files.js';
import { escapeForTerminal as esc } from './sanitize.js';

export const FILES_SCHEMA_VERSION = 1;

const howText: Record<FoundHow, string> = {
  'executable-option': '--executable',
  sysroot: '--sysroot',
  'core-path': 'the path in the core',
  'lib-path': '--lib-path, by name',
  'lib-path-build-id': '--lib-path, by build-id',
};

const roleText: Record<FileEntry['role'], string> = {
  executable: 'executable',
  interpreter: 'interpreter',
  libc: 'libc',
  'dynamic-loader': 'ld.so',
  'extension-module': 'extension',
  library: 'library',
};

const provisionText: Record<DebugProvision, string> = {
  'function-names': 'function names',
  'inlined-calls': 'inlined calls',
  types: 'types',
  'line-tables': 'file:line',
  'symbol-table': '.symtab',
  'call-frame-info': '.debug_frame',
  'variable-locations': 'variable locations',
};

function entry(f: FileEntry, out: string[]): void {
  const status = f.status === 'found' ? 'found' : f.status === 'mismatch' ? 'MISMATCH' : 'MISSING';
  const role = roleText[f.role] + (f.holds_interpreter && f.role !== 'interpreter' ? ' (interpreter)' : '');
  out.push(`  ${status.padEnd(9)}${role.padEnd(25)}${esc(f.path)}`);
  const pad = ' '.repeat(11);
  out.push(`${pad}build-id ${f.build_id ?? '(not recorded in the core)'}`);
  if (f.found) out.push(`${pad}at ${esc(f.found.path)} (${howText[f.found.how]}${f.found.verified ? ', build-id matches' : ', unverified'})`);
  for (const r of f.rejected) out.push(`${pad}refused ${esc(r.path)}: build-id ${r.build_id ?? 'none'}`);
  if (!f.found) out.push(`${pad}looked at ${f.looked_at.map((p) => esc(p.path)).join(', ')}`);
  if (f.debug_info) {
    const d = f.debug_info;
    const gives = d.provides.length ? ` (${d.provides.map((p) => provisionText[p]).join(', ')})` : '';
    if (d.embedded) out.push(`${pad}debug info: in the file itself${gives}`);
    else if (d.file) out.push(`${pad}debug info: ${esc(d.file)}${gives}`);
    else if (d.looked_at.length) out.push(`${pad}debug info: none (looked at ${d.looked_at.map(esc).join(', ')})`);
    else out.push(`${pad}debug info: none (no build-id or .gnu_debuglink to look it up by)`);
  }
  for (const n of f.needed_for) out.push(`${pad}for ${n}`);
}

export function renderFilesText(r: FilesReport): string {
  const out: string[] = [];
  out.push(`Core:      ${esc(r.core)}`);
  const search = [
    r.search.executable ? `--executable ${esc(r.search.executable)}` : null,
    r.search.sysroot ? `--sysroot ${esc(r.search.sysroot)}` : null,
    ...r.search.lib_paths.map((d) => `--lib-path ${esc(d)}`),
  ].filter(Boolean);
  out.push(`Searched:  ${search.length ? search.join(' ') : 'the paths recorded in the core'}`);
  out.push(`Debug:     separate debug files under ${r.search.debug_dirs.map(esc).join(', ') || 'no directory'} (.build-id/ab/cdef….debug), then by .gnu_debuglink`);
  const n = r.files.length;
  out.push('', `${n} file${n === 1 ? '' : 's'} mapped by the process, ${r.missing.length} missing or mismatched:`);
  for (const f of r.files) entry(f, out);
  for (const w of r.warnings) out.push(`[!] ${esc(w)}`);
  if (r.missing.length) {
    out.push('', 'Missing: copy these from the machine or image the core came from (the build-ids must match),');
    out.push('then pass them with --sysroot DIR (at the same paths under DIR) or --lib-path DIR:');
    for (const f of r.files.filter((x) => x.status !== 'found')) out.push(`  ${esc(f.path)}${f.build_id ? `  build-id ${f.build_id}` : ''}${f.required ? '  (required)' : ''}`);
  } else out.push('', 'Nothing is missing.');
  return out.join('\n') + '\n';
}

export function renderFilesJson(r: FilesReport): string {
  return JSON.stringify({ schema_version: FILES_SCHEMA_VERSION, ...r }, null, 2) + '\n';
}
