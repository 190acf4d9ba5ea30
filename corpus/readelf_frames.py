#!/usr/bin/env python3
"""Record binutils' decoded call frame tables (ground truth for src/dwarf/cfi.ts and cfa-program.ts).

    python3 corpus/readelf_frames.py

For a few sysroot files (libc: thousands of FDEs, hand-written CFI with DWARF expressions for the
signal trampoline; libffi: hand-written assembly CFI; a small C extension and ctypes' module)
this saves `readelf --debug-dump=frames-interp` (every row of every FDE: CFA rule and register
rules) to corpus/cfi/<file>.readelf-wF.txt.gz, with a header naming the file, its build-id and
the readelf version.

It also builds corpus/cfi/libframes-debug-frame.so from corpus/cfi/frames.c without unwind
tables, so that its CFI lives in .debug_frame only, and records its table the same way.
"""
import gzip
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SYSROOT = os.path.join(HERE, "sysroot")
OUT = os.path.join(HERE, "cfi")
FILES = [
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2",
    "/tmp/pycore-corpus-ext/3.12/crashext.cpython-312-x86_64-linux-gnu.so",
    "/root/.pyenv/versions/3.12.1/lib/python3.12/lib-dynload/_ctypes.cpython-312-x86_64-linux-gnu.so",
]


DEBUG_FRAME_SO = os.path.join(OUT, "libframes-debug-frame.so")


def build_debug_frame_library():
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-g1",
                    "-ffile-prefix-map=%s=." % HERE, "-o", DEBUG_FRAME_SO, os.path.join(OUT, "frames.c")], check=True, timeout=120)


def main():
    os.makedirs(OUT, exist_ok=True)
    build_debug_frame_library()
    version = subprocess.run(["readelf", "--version"], stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()[0]
    for path in FILES + [DEBUG_FRAME_SO]:
        local = path if path == DEBUG_FRAME_SO else SYSROOT + path
        if not os.path.isfile(local):
            sys.exit("%s is not in the sysroot; run corpus/generate.py and corpus/gdb_bt.py first" % path)
        notes = subprocess.run(["readelf", "-n", local], stdout=subprocess.PIPE, check=True).stdout.decode()
        m = re.search(r"Build ID: ([0-9a-f]+)", notes)
        # readelf exits with 1 on these files without saying why (it cannot follow .gnu_debuglink);
        # the table itself is complete, which the check below makes sure of.
        text = subprocess.run(["readelf", "--wide", "--debug-dump=frames-interp", local], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        if "Contents of the .eh_frame section" not in text or " FDE " not in text:
            sys.exit("readelf printed no frame table for %s" % local)
        shown = "corpus/cfi/" + os.path.basename(path) if path == DEBUG_FRAME_SO else "<sysroot>" + path
        head = "# readelf --wide --debug-dump=frames-interp %s\n# build-id: %s\n# %s\n" % (shown, m.group(1) if m else "none", version)
        dest = os.path.join(OUT, os.path.basename(path) + ".readelf-wF.txt.gz")
        with gzip.GzipFile(dest, "wb", mtime=0) as f:
            f.write((head + text.replace(local, shown)).encode())
        print("  %-60s %d FDEs" % (path, text.count(" FDE ")))


if __name__ == "__main__":
    main()
