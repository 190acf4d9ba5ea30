// Failures that stop the target from opening at all; each names what to pass instead.
import { formatElfError, type ElfError } from '../elf/errors.js';
import { formatIoError, type IoError } from '../io/file-source.js';

export type TargetError =
  | { kind: 'io'; error: IoError }
  | { kind: 'elf'; error: ElfError }
  | { kind: 'not-a-core'; path: string; elfType: string }
  | { kind: 'unsupported-machine'; path: string; machine: number };

export function formatTargetError(e: TargetError): string {
  switch (e.kind) {
    case 'io':
      return `${formatIoError(e.error)}; pass a core file`;
    case 'elf':
      return e.error.kind === 'bad-magic' || e.error.kind === 'empty'
        ? `${formatElfError(e.error)}; pass a core file (an ELF core, e.g. \`core\` or \`core.1234\`, or one compressed with gzip, zstd, xz or lz4, or an apport .crash report)`
        : `${formatElfError(e.error)}; pass an intact core file`;
    case 'not-a-core':
      return `${e.path}: an ELF ${e.elfType}, not a core dump; pass the core file (give the program itself with --executable)`;
    case 'unsupported-machine':
      return `${e.path}: core for machine type ${e.machine}, which pycore does not support (x86_64, aarch64, i386)`;
  }
}
