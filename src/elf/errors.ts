// Failures of the ELF layer, each with where it happened.
export type ElfError =
  | { kind: 'empty'; file: string }
  | { kind: 'bad-magic'; file: string }
  | { kind: 'truncated'; file: string; what: string; offset: number }
  | { kind: 'unsupported'; file: string; what: string }
  | { kind: 'malformed'; file: string; what: string; offset: number };

export function formatElfError(e: ElfError): string {
  switch (e.kind) {
    case 'empty':
      return `${e.file}: empty file`;
    case 'bad-magic':
      return `${e.file}: not an ELF file`;
    case 'truncated':
      return `${e.file}: truncated: ${e.what} at offset 0x${e.offset.toString(16)} lies past the end of the file`;
    case 'unsupported':
      return `${e.file}: unsupported ELF: ${e.what}`;
    case 'malformed':
      return `${e.file}: malformed ELF: ${e.what} at offset 0x${e.offset.toString(16)}`;
  }
}
