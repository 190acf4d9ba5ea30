// What the unwinder needs to know per architecture: DWARF register numbers and their names in
// NT_PRSTATUS, which registers are the pc, sp, frame pointer and return address, the
// frame-pointer chain, and the kernel's signal frame (the sigreturn trampoline's code and where
// the interrupted registers sit in the ucontext the kernel pushed). x86_64 and AArch64 share
// everything else.
import { EM_AARCH64, EM_X86_64 } from '../elf/constants.js';

export interface SigreturnLayout {
  /** The trampoline's machine code (x86_64: glibc's __restore_rt; AArch64: the vDSO's __kernel_rt_sigreturn). */
  code: Buffer;
  /** Offset from the trampoline frame's sp to each saved register (by DWARF number). */
  registerOffsets: ReadonlyMap<number, number>;
  /** Offset from sp to the saved pc. */
  pcOffset: number;
}

export interface UnwindArch {
  name: 'x86_64' | 'aarch64';
  pointerSize: 8;
  /** DWARF register number -> NT_PRSTATUS register name. */
  registerNames: ReadonlyMap<number, string>;
  /** NT_PRSTATUS name of the program counter (not a DWARF column on AArch64). */
  pcName: string;
  sp: number;
  fp: number;
  /** The column of the return address when no CIE says otherwise. */
  returnAddress: number;
  /** Registers a callee preserves (the ABI's callee-saved set): the only ones besides sp that a caller frame's values are known for. */
  calleeSaved: ReadonlySet<number>;
  /** Significant bits of a user-space address: AArch64 return addresses may carry a pointer-authentication code above them. */
  addressBits: number | null;
  sigreturn: SigreturnLayout;
  /** Frame-pointer chain: caller's fp at fp + savedFp, return address at fp + savedReturn, caller's sp = fp + callerSp. */
  frameRecord: { savedFp: number; savedReturn: number; callerSp: number };
}

const X86_64_DWARF = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];

/** `struct sigcontext` inside the ucontext at sp (rt_sigframe minus the popped return address): uc_mcontext at +40. */
const X86_64_SIGCONTEXT: [string, number][] = [
  ['r8', 0], ['r9', 1], ['r10', 2], ['r11', 3], ['r12', 4], ['r13', 5], ['r14', 6], ['r15', 7],
  ['rdi', 8], ['rsi', 9], ['rbp', 10], ['rbx', 11], ['rdx', 12], ['rax', 13], ['rcx', 14], ['rsp', 15], ['rip', 16],
];
const X86_64_UC_MCONTEXT = 40;

const x86_64: UnwindArch = {
  name: 'x86_64',
  pointerSize: 8,
  registerNames: new Map(X86_64_DWARF.map((n, i) => [i, n])),
  pcName: 'rip',
  sp: 7,
  fp: 6,
  returnAddress: 16,
  calleeSaved: new Set([3, 6, 12, 13, 14, 15]),
  addressBits: null,
  sigreturn: {
    // mov $15, %rax (rt_sigreturn); syscall
    code: Buffer.from([0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05]),
    registerOffsets: new Map(X86_64_SIGCONTEXT.filter(([n]) => n !== 'rip').map(([n, i]) => [X86_64_DWARF.indexOf(n), X86_64_UC_MCONTEXT + i * 8])),
    pcOffset: X86_64_UC_MCONTEXT + 16 * 8,
  },
  frameRecord: { savedFp: 0, savedReturn: 8, callerSp: 16 },
};

// AArch64: rt_sigframe at sp is siginfo (128 bytes) then ucontext, whose uc_mcontext (struct
// sigcontext: fault_address, regs[31], sp, pc, pstate) starts 176 bytes in.
const A64_SIGCONTEXT_REGS = 128 + 176 + 8;

const aarch64: UnwindArch = {
  name: 'aarch64',
  pointerSize: 8,
  registerNames: new Map([...Array.from({ length: 31 }, (_, i) => [i, `x${i}`] as [number, string]), [31, 'sp']]),
  pcName: 'pc',
  sp: 31,
  fp: 29,
  returnAddress: 30,
  calleeSaved: new Set([19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]),
  addressBits: 48,
  sigreturn: {
    // mov x8, #139 (rt_sigreturn); svc #0
    code: Buffer.from([0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]),
    registerOffsets: new Map(Array.from({ length: 32 }, (_, i) => [i, A64_SIGCONTEXT_REGS + i * 8] as [number, number])),
    pcOffset: A64_SIGCONTEXT_REGS + 32 * 8,
  },
  frameRecord: { savedFp: 0, savedReturn: 8, callerSp: 16 },
};

export function unwindArch(machine: number): UnwindArch | null {
  return machine === EM_X86_64 ? x86_64 : machine === EM_AARCH64 ? aarch64 : null;
}
