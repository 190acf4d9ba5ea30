// From a path on the command line to a plain core file: a plain core is used as it is; a
// compressed one (gzip, zstd, xz, lz4: by magic bytes) and an apport `.crash` report (by its first
// line) are unpacked once into the cache. What the tool that saved the core recorded beside it
// (apport's fields, systemd-coredump's file name) comes back as CoreOrigin metadata, for the
// analysis to use where the core itself lacks something.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApportError, apportCoreDump, looksLikeApport, splitProcCmdline } from './apport.js';
import { compressionOfHead, formatDecompressError, type Compression, type DecompressError } from './compression.js';
import { openFile, type IoError } from './file-source.js';
import type { ProgressStream } from './progress.js';
import { err, ok, type Result } from './result.js';

export interface OriginMetadata {
  /** Which record the fields come from. */
  source: 'apport' | 'systemd-coredump file name';
  /** The ELF program that ran (apport: InterpreterPath, else ExecutablePath). */
  executable: string | null;
  /** apport's ExecutablePath when the program was a script run by an interpreter. */
  script: string | null;
  argv: string[] | null;
  signal: number | null;
  pid: number | null;
  uid: number | null;
  /** The process name (systemd: comm). */
  comm: string | null;
  /** ISO 8601 when the source gives a time zone (systemd); apport's Date is the crashing machine's local asctime, kept as written. */
  time: string | null;
  bootId: string | null;
  /** apport only: Package, DistroRelease, Architecture, ProblemType when present. */
  extra: Record<string, string>;
}

export interface CoreOrigin {
  container: 'plain' | 'compressed' | 'systemd-coredump' | 'apport';
  compression: Compression | null;
  metadata: OriginMetadata | null;
}

export type IntakeError = { kind: 'io'; error: IoError } | DecompressError | { kind: 'apport'; path: string; message: string };

export function formatIntakeError(e: Exclude<IntakeError, { kind: 'io' }>): string {
  if (e.kind === 'apport') return `${e.path}: ${e.message}`;
  return formatDecompressError(e);
}

export interface IntakeOptions {
  progress?: ProgressStream | null;
}

export interface Intake {
  /** A plain (uncompressed) core file: the path given, or a file in the cache. */
  path: string;
  origin: CoreOrigin;
}

export async function intakeCore(path: string, cacheRoot: string, options: IntakeOptions = {}): Promise<Result<Intake, IntakeError>> {
  const opened = openFile(path);
  if (!opened.ok) return err({ kind: 'io', error: opened.error });
  const head = opened.value.read(0, 64);
  opened.value.close();
  const systemd = systemdMetadata(path);
  const compression = compressionOfHead(head);
  if (compression) {
    // The decoders are loaded only for a compressed core.
    const { decompressToCache } = await import('./decompress.js');
    const plain = await decompressToCache(path, compression, cacheRoot, options);
    if (!plain.ok) return plain;
    return ok({ path: plain.value, origin: { container: systemd ? 'systemd-coredump' : 'compressed', compression, metadata: systemd } });
  }
  if (looksLikeApport(head)) return unpackApport(path, cacheRoot, options);
  return ok({ path, origin: { container: systemd ? 'systemd-coredump' : 'plain', compression: null, metadata: systemd } });
}

// ---------------------------------------------------------------------------------------------
// systemd-coredump: /var/lib/systemd/coredump/core.<comm>.<uid>.<boot id>.<pid>.<usec>[.zst|.lz4|.xz],
// with comm escaped as \xNN for '.', '/', ' ' and control characters.

const SYSTEMD_NAME = /^core\.(.+)\.(\d+)\.([0-9a-f]{32})\.(\d+)\.(\d{1,20})(?:\.(?:zst|lz4|xz))?$/;

export function systemdMetadata(path: string): OriginMetadata | null {
  const m = SYSTEMD_NAME.exec(basename(path));
  if (!m) return null;
  const usec = Number(m[5]);
  const date = new Date(usec / 1000);
  return {
    source: 'systemd-coredump file name',
    executable: null,
    script: null,
    argv: null,
    signal: null,
    pid: Number(m[4]),
    uid: Number(m[2]),
    comm: m[1].replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    time: Number.isFinite(date.getTime()) ? date.toISOString() : null,
    bootId: m[3],
    extra: {},
  };
}

// ---------------------------------------------------------------------------------------------
// apport

const APPORT_EXTRA = ['ProblemType', 'Package', 'DistroRelease', 'Architecture', 'SignalName'];

export function apportMetadata(fields: Map<string, string>): OriginMetadata {
  const interp = fields.get('InterpreterPath') ?? null;
  const exe = fields.get('ExecutablePath') ?? null;
  const signal = Number(fields.get('Signal'));
  const pid = /^Pid:\s*(\d+)/m.exec(fields.get('ProcStatus') ?? '')?.[1];
  const uid = /^Uid:\s*(\d+)/m.exec(fields.get('ProcStatus') ?? '')?.[1];
  const comm = /^Name:\s*(.*)$/m.exec(fields.get('ProcStatus') ?? '')?.[1] ?? null;
  const cmdline = fields.get('ProcCmdline');
  const extra: Record<string, string> = {};
  for (const k of APPORT_EXTRA) {
    const v = fields.get(k);
    if (v !== undefined) extra[k] = v;
  }
  return {
    source: 'apport',
    executable: interp ?? exe,
    script: interp ? exe : null,
    argv: cmdline ? splitProcCmdline(cmdline) : null,
    signal: Number.isInteger(signal) && signal > 0 ? signal : null,
    pid: pid ? Number(pid) : null,
    uid: uid ? Number(uid) : null,
    comm,
    time: fields.get('Date') ?? null,
    bootId: null,
    extra,
  };
}

async function unpackApport(path: string, cacheRoot: string, options: IntakeOptions): Promise<Result<Intake, IntakeError>> {
  const { decode, inCache, writeAtomically } = await import('./decompress.js');
  return inCache<Intake, IntakeError>(path, cacheRoot, options, async (job) => {
    const target = join(job.dir, `${job.key}.core`);
    const metaPath = join(job.dir, `${job.key}.apport.json`);
    if (existsSync(target) && existsSync(metaPath)) {
      const fields = new Map(Object.entries(JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, string>));
      return ok({ path: target, origin: { container: 'apport', compression: 'gzip', metadata: apportMetadata(fields) } });
    }
    const fields = new Map<string, string>();
    let apportProblem: string | null = null;
    const written = await writeAtomically(target, path, job.dir, async (write) => {
      const payload = apportCoreDump(job.read(`unpacking ${path} (apport report)`), fields);
      try {
        const first = await payload.next();
        if (first.done) throw new ApportError('the CoreDump field is empty; pass the core file itself');
        const gzip = first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
        await decode(gzip ? 'gzip' : 'zlib', prepend(first.value, payload), write);
      } catch (e) {
        if (e instanceof ApportError) apportProblem = e.message;
        throw e;
      }
    });
    if (apportProblem) return err({ kind: 'apport', path, message: apportProblem });
    if (!written.ok) return written;
    writeFileSync(metaPath, JSON.stringify(Object.fromEntries(fields)));
    return ok({ path: written.value, origin: { container: 'apport', compression: 'gzip', metadata: apportMetadata(fields) } });
  });
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}
