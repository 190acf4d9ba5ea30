/* A few functions compiled without unwind tables and with -g1, so that gcc describes their frames
 * in .debug_frame only (corpus/readelf_frames.py builds corpus/cfi/libframes-debug-frame.so). */
#include <alloca.h>
#include <stdarg.h>
#include <string.h>
int sink(const char *p, int n);
int leaf(int a, int b) { return a * b + 1; }
int recurse(int n) { if (n <= 0) return sink("x", 1); return recurse(n - 1) + leaf(n, n); }
int dynamic(int n) { char *p = alloca(n + 16); memset(p, 1, n + 16); return sink(p, n); }
int varargs(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return sink("v", s); }
int many(int a, int b, int c, int d, int e, int f, int g) { int x[64]; for (int i = 0; i < 64; i++) x[i] = a + i * b; return sink((char *)x, c + d + e + f + g) + varargs(3, a, b, c); }
