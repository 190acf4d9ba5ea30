// Shapes of the layout data generated from DWARF (with src/dwarf) by
// `npm run layouts` (src/cli/generate-layouts.ts).
// Hand-written (not regenerated). Offsets are x86_64 byte offsets from the start of
// the struct; a member/struct/enum that does not exist in a version is absent (never 0).

export interface StructLayout { size: number; fields: Record<string, number> }   // byte offset of each member; nested embedded struct/union members flattened as dotted paths ("interpreters.head")
export interface BitFieldLayout { byteOffset: number; bitOffset: number; bitSize: number } // bitOffset from the start of the byte at byteOffset, little-endian bit numbering
export interface GeneratedLayout {
  version: string;                    // "3.12"
  generatedFrom: { micro: string; binary: string; buildId: string };  // "3.12.1", path, hex build-id from .note.gnu.build-id
  structs: Record<string, StructLayout>;
  bitfields: Record<string, BitFieldLayout>;   // "PyASCIIObject.state.kind" etc.
  enums: Record<string, Record<string, number>>;  // enum name -> enumerator -> value
}
