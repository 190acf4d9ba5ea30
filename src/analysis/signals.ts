// Linux signal numbers, their names, and the words faulthandler uses for the fatal ones.
export const signalNames: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 16: 'SIGSTKFLT', 17: 'SIGCHLD',
  18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU', 23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ',
  26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};

/** faulthandler's fatal signals and the text of its `Fatal Python error: ...` line. */
export const faulthandlerSignalText: Record<number, string> = {
  7: 'Bus error',
  4: 'Illegal instruction',
  8: 'Floating point exception',
  6: 'Aborted',
  11: 'Segmentation fault',
};

export function signalName(n: number): string {
  return signalNames[n] ?? `signal ${n}`;
}

const segvCodes: Record<number, string> = { 1: 'SEGV_MAPERR (address not mapped)', 2: 'SEGV_ACCERR (invalid permissions)' };
const busCodes: Record<number, string> = { 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR' };
const genericCodes: Record<number, string> = { 0: 'SI_USER (sent by kill)', [-6]: 'SI_TKILL (sent by tkill/raise)', [-1]: 'SI_QUEUE', 128: 'SI_KERNEL' };

export function signalCodeText(signo: number, code: number): string {
  const table = signo === 11 ? segvCodes : signo === 7 ? busCodes : {};
  return table[code] ?? genericCodes[code] ?? `code ${code}`;
}
