#!/usr/bin/env python3
"""Build corpus/debug/: separate debug files for a few sysroot binaries, so that the tests of
DWARF function names and inlined frames run without libc6-dbg or the pyenv builds installed.

    python3 corpus/make_debug.py            # the default set (below)
    python3 corpus/make_debug.py PATH ...   # these files (absolute paths as the cores name them)

Each file is stored as corpus/debug/.build-id/ab/cdef....debug (gdb's and pycore's lookup by
build-id), made from the DWARF this machine has for the exact build in corpus/sysroot:
  - libc: Debian's libc6-dbg (/usr/lib/debug/.build-id/..., build-id checked);
  - pyenv modules: the installed file itself (pyenv builds keep their DWARF).
Only what naming, inlined frames and C arguments/locals need is kept: `objcopy --only-keep-debug`,
then macros and .debug_frame are removed (the unwinder uses .eh_frame) and the rest is
zlib-compressed (SHF_COMPRESSED, which src/elf reads). Location lists (.debug_loclists/.debug_loc)
stay for `analyze --native --locals` and gdb's `bt full` record: they add 2.3 MB (11.3 -> 13.6 MB). .symtab/.strtab stay: the libc binary has
only .dynsym, and gdb names static functions like `__GI_raise` from the debug file's .symtab.

Default set: the C library, and the _ctypes module of every pyenv label (frames 0-11 of the
segv-threads crash lie in libc, _ctypes and libffi), plus 3.11's libpython (for the README's
examples of interpreter frames; the others' libpython DWARF is 3-10 MB each).
"""
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SYSROOT = os.path.join(HERE, "sysroot")
DEBUG = os.path.join(HERE, "debug")
SYSTEM_DEBUG = "/usr/lib/debug"
REMOVE = [".debug_macro", ".debug_macinfo", ".debug_frame", ".gnu_debuglink", ".gnu_debugaltlink"]


def build_id(path):
    out = subprocess.run(["readelf", "-n", "--wide", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def has_dwarf(path):
    out = subprocess.run(["readelf", "-S", "--wide", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
    return re.search(r"\]\s+\.debug_info\s", out) is not None


def default_set():
    out = sorted(p[len(SYSROOT):] for p in glob.glob(SYSROOT + "/usr/lib/x86_64-linux-gnu/libc.so.6"))
    out += sorted(p[len(SYSROOT):] for p in glob.glob(SYSROOT + "/root/.pyenv/versions/3.*/lib/python3.*/lib-dynload/_ctypes.cpython-3*.so"))
    out += [p[len(SYSROOT):] for p in glob.glob(SYSROOT + "/root/.pyenv/versions/3.11.*/lib/libpython3.11.so.1.0")]
    return out


def source_of(path, bid):
    """The local file with DWARF for build-id `bid` of `path`."""
    sysdbg = os.path.join(SYSTEM_DEBUG, ".build-id", bid[:2], bid[2:] + ".debug")
    for cand in (path, sysdbg):
        if os.path.isfile(cand) and build_id(cand) == bid and has_dwarf(cand):
            return cand
    raise SystemExit("no DWARF for %s (build-id %s): looked at %s and %s" % (path, bid, path, sysdbg))


def make(path):
    bid = build_id(SYSROOT + path)
    if not bid:
        raise SystemExit("corpus/sysroot%s has no build-id" % path)
    src = source_of(path, bid)
    dest = os.path.join(DEBUG, ".build-id", bid[:2], bid[2:] + ".debug")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp"
    subprocess.run(["objcopy", "--only-keep-debug", src, tmp], check=True, timeout=300)
    argv = ["objcopy", "--compress-debug-sections=zlib"]
    for s in REMOVE:
        argv += ["--remove-section=" + s]
    subprocess.run(argv + [tmp, dest], check=True, timeout=300)
    os.unlink(tmp)
    if build_id(dest) != bid:
        raise SystemExit("%s: build-id changed" % dest)
    print("  %-70s %s (%d KB, from %s)" % (path, dest[len(HERE) + 1:], os.path.getsize(dest) // 1024, src), flush=True)


def main():
    for p in sys.argv[1:] or default_set():
        make(p)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(DEBUG) for f in fs)
    print("corpus/debug: %.1f MB" % (total / 1e6))


if __name__ == "__main__":
    main()
