// `pycore explain --format json`: {"findings": [{kind, summary, lines, details, next_steps}]}.
import type { ExplainReport } from '../analysis/log/explain.js';

export function renderExplainJson(r: ExplainReport): string {
  const findings = r.findings.map((f) => ({ kind: f.kind, summary: f.summary, lines: f.lines, details: f.details, next_steps: f.next_steps }));
  return JSON.stringify({ findings, ...(r.core ? { core: r.core } : {}) }, null, 2) + '\n';
}
