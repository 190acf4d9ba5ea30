// `pycore triage --format json`: groups (most frequent first) with every core, and the failures.
import type { TriageReport } from '../analysis/triage.js';

export const TRIAGE_SCHEMA_VERSION = 1;

export function renderTriageJson(r: TriageReport): string {
  return JSON.stringify({ schema_version: TRIAGE_SCHEMA_VERSION, ...r }, null, 2) + '\n';
}
