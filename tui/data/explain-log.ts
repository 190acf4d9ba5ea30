// `x`: a fatal log, opened from a file or pasted, explained by src/analysis/log. Files are read
// in 1 MiB chunks in the background (the screen keeps answering keys and shows progress).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LogExplainer, type ExplainReport } from '../../src/analysis/log/explain.js';

const CHUNK = 1024 * 1024;
/** A paste beyond this is cut (a log that large belongs in a file). */
export const MAX_PASTE_CHARS = 8 * 1024 * 1024;

export interface ExplainProgress {
  read: number;
  total: number;
}

export type Explained = { ok: true; report: ExplainReport } | { ok: false; message: string };

export async function explainFile(path: string, onProgress: (p: ExplainProgress) => void): Promise<Explained> {
  let total: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return { ok: false, message: `${path}: not a regular file; pass a log file, or paste the log` };
    total = s.size;
  } catch (e) {
    return { ok: false, message: `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}; pass a log file, or paste the log` };
  }
  const explainer = new LogExplainer(path);
  let read = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
      explainer.push(chunk as Buffer);
      read += (chunk as Buffer).length;
      onProgress({ read, total });
    }
  } catch {
    return { ok: false, message: `${path}: could not be read to the end` };
  }
  if (read === 0) return { ok: false, message: `${path}: empty log; pass a crash log` };
  return { ok: true, report: explainer.finish() };
}

export function explainPasted(text: string): Explained {
  const explainer = new LogExplainer('pasted text');
  explainer.push(Buffer.from(text, 'utf8'));
  return { ok: true, report: explainer.finish() };
}

/** A terminal sends a pasted newline as CR (or CR LF). */
export function normalizePaste(input: string): string {
  return input.replace(/\r\n?/g, '\n');
}
