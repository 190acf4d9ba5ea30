// Numeric values from the ELF specification and Linux's core-file notes.
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export const PT_LOAD = 1;
/** Program header flag: the segment is writable. */
export const PF_W = 2;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PT_PHDR = 6;

export const DT_NULL = 0;
export const DT_DEBUG = 21;

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHF_ALLOC = 0x2;
export const SHF_COMPRESSED = 0x800;

export const NT_PRSTATUS = 1;
export const NT_FPREGSET = 2;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_GNU_BUILD_ID = 3;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;
export const NT_ARM_TLS = 0x401;

export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;

export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_ENTRY = 9;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;

export const auxvNames: Record<number, string> = {
  3: 'AT_PHDR',
  4: 'AT_PHENT',
  5: 'AT_PHNUM',
  6: 'AT_PAGESZ',
  7: 'AT_BASE',
  9: 'AT_ENTRY',
  11: 'AT_UID',
  16: 'AT_HWCAP',
  25: 'AT_RANDOM',
  31: 'AT_EXECFN',
  33: 'AT_SYSINFO_EHDR',
};

export const machineNames: Record<number, string> = {
  [EM_386]: 'i386',
  [EM_ARM]: 'arm',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
};
