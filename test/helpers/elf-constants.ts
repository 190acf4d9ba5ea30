export * from '../../src/elf/constants.js';
export const SHT_PROGBITS_FOR_TEST = 1;
export const SHT_STRTAB_FOR_TEST = 3;
