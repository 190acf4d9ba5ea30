// The notes Linux writes into a core: per-thread status and registers, process info, signal
// info, the auxiliary vector and the list of mapped files.
import { EM_386, EM_AARCH64, EM_X86_64, NT_ARM_TLS, NT_AUXV, NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NT_SIGINFO } from './constants.js';
import type { Fields } from './fields.js';
import type { Note } from './notes.js';
import { cString } from './sections.js';

export interface ThreadStatus {
  /** The LWP (kernel thread id). */
  tid: number;
  /** pr_cursig: the signal this thread was handling, 0 if none. */
  signal: number;
  registers: Record<string, number>;
  /** Thread pointer register (fs_base on x86_64, TPIDR_EL0 on aarch64) when known. */
  threadPointer: number | null;
  /** Index of this NT_PRSTATUS among the core's threads: the kernel writes the dumping thread first. */
  index: number;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  fname: string;
  psargs: string;
}

export interface SignalInfo {
  signo: number;
  errno: number;
  code: number;
  /** si_addr for fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE); null otherwise. */
  address: number | null;
}

export interface MappedFile {
  start: number;
  end: number;
  /** File offset in bytes (NT_FILE stores it in pages). */
  fileOffset: number;
  path: string;
}

interface ArchLayout {
  regOffset: number;
  regNames: readonly string[];
  pidOffset: number;
  threadPointerReg: string | null;
  pcReg: string;
  spReg: string;
}

const X86_64_REGS = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'];
const I386_REGS = ['ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'eax', 'ds', 'es', 'fs', 'gs', 'orig_eax', 'eip', 'cs', 'eflags', 'esp', 'ss'];
const AARCH64_REGS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'pstate'];

const archLayouts: Record<number, ArchLayout> = {
  [EM_X86_64]: { regOffset: 112, regNames: X86_64_REGS, pidOffset: 32, threadPointerReg: 'fs_base', pcReg: 'rip', spReg: 'rsp' },
  [EM_AARCH64]: { regOffset: 112, regNames: AARCH64_REGS, pidOffset: 32, threadPointerReg: null, pcReg: 'pc', spReg: 'sp' },
  [EM_386]: { regOffset: 72, regNames: I386_REGS, pidOffset: 24, threadPointerReg: null, pcReg: 'eip', spReg: 'esp' },
};

export function programCounterName(machine: number): string | null {
  return archLayouts[machine]?.pcReg ?? null;
}

export function stackPointerName(machine: number): string | null {
  return archLayouts[machine]?.spReg ?? null;
}

export interface CoreNotes {
  threads: ThreadStatus[];
  process: ProcessInfo | null;
  signal: SignalInfo | null;
  auxv: Map<number, number>;
  files: MappedFile[];
  /** Notes whose contents did not fit the expected layout: [note type, reason]. */
  problems: string[];
}

const FAULT_SIGNALS = new Set([4, 7, 8, 11]);

export function parseCoreNotes(notes: Iterable<Note>, f: Fields, machine: number): CoreNotes {
  const out: CoreNotes = { threads: [], process: null, signal: null, auxv: new Map(), files: [], problems: [] };
  const arch = archLayouts[machine];
  const w = f.wordSize;
  for (const n of notes) {
    if (n.name !== 'CORE' && n.name !== 'LINUX') continue;
    const d = n.desc;
    switch (n.type) {
      case NT_PRSTATUS: {
        if (!arch) {
          out.problems.push(`NT_PRSTATUS for unsupported machine ${machine}`);
          break;
        }
        if (d.length < arch.regOffset + arch.regNames.length * w) {
          out.problems.push(`NT_PRSTATUS of ${d.length} bytes is too short`);
          break;
        }
        const registers: Record<string, number> = {};
        arch.regNames.forEach((r, i) => (registers[r] = f.word(d, arch.regOffset + i * w)));
        out.threads.push({
          tid: f.i32(d, arch.pidOffset),
          signal: f.i16(d, 12),
          registers,
          threadPointer: arch.threadPointerReg ? registers[arch.threadPointerReg] : null,
          index: out.threads.length,
        });
        break;
      }
      case NT_ARM_TLS: {
        // Follows the NT_PRSTATUS of the thread it belongs to.
        const t = out.threads[out.threads.length - 1];
        if (t && d.length >= 8) t.threadPointer = f.u64(d, 0);
        break;
      }
      case NT_PRPSINFO: {
        const is64 = f.is64;
        const [uidOff, pidOff, fnameOff] = is64 ? [16, 24, 40] : [8, 12, 28];
        if (d.length < fnameOff + 16 + 80) {
          out.problems.push(`NT_PRPSINFO of ${d.length} bytes is too short`);
          break;
        }
        out.process = {
          uid: is64 ? f.u32(d, uidOff) : f.u16(d, uidOff),
          pid: f.i32(d, pidOff),
          ppid: f.i32(d, pidOff + 4),
          fname: cString(d.subarray(fnameOff, fnameOff + 16), 0, 16),
          psargs: cString(d.subarray(fnameOff + 16, fnameOff + 96), 0, 80).trimEnd(),
        };
        break;
      }
      case NT_SIGINFO: {
        if (d.length < 12) break;
        const signo = f.i32(d, 0);
        const addrOff = f.is64 ? 16 : 12;
        out.signal = {
          signo,
          errno: f.i32(d, 4),
          code: f.i32(d, 8),
          // si_addr is only meaningful when the kernel raised the fault (si_code > 0); a signal
          // re-raised by a handler (faulthandler does this) carries a sender pid there instead.
          address: FAULT_SIGNALS.has(signo) && f.i32(d, 8) > 0 && d.length >= addrOff + w ? f.word(d, addrOff) : null,
        };
        break;
      }
      case NT_AUXV: {
        for (let o = 0; o + 2 * w <= d.length; o += 2 * w) {
          const key = f.word(d, o);
          if (key === 0) break;
          out.auxv.set(key, f.word(d, o + w));
        }
        break;
      }
      case NT_FILE: {
        out.files.push(...parseFileNote(d, f, out.problems));
        break;
      }
    }
  }
  return out;
}

const MAX_MAPPED_FILES = 1_000_000;

function parseFileNote(d: Buffer, f: Fields, problems: string[]): MappedFile[] {
  const w = f.wordSize;
  if (d.length < 2 * w) return [];
  const count = f.word(d, 0);
  const pageSize = f.word(d, w);
  if (count > MAX_MAPPED_FILES || 2 * w + count * 3 * w > d.length) {
    problems.push(`NT_FILE claims ${count} entries in ${d.length} bytes`);
    return [];
  }
  let strAt = 2 * w + count * 3 * w;
  const out: MappedFile[] = [];
  for (let i = 0; i < count; i++) {
    const o = 2 * w + i * 3 * w;
    const end = d.indexOf(0, strAt);
    const stop = end < 0 ? d.length : end;
    out.push({ start: f.word(d, o), end: f.word(d, o + w), fileOffset: f.word(d, o + 2 * w) * pageSize, path: d.toString('utf8', strAt, stop) });
    strAt = stop + 1;
  }
  return out;
}
