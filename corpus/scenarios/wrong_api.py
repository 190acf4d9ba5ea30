"""wrong-api: run under PYTHONMALLOC=debug. A block allocated with PyMem_Malloc (API 'm') is
freed with PyMem_RawFree (API 'r'). CPython's debug hooks check the block's API id first:
_PyObject_DebugDumpAddress() prints the block and Py_FatalError dies with "bad ID: Allocated
using API 'm', verified using API 'r'" (SIGABRT).

The two calls go through ctypes.pythonapi, not _testcapi.pymem_api_misuse(): the same two
exported functions on every label (Debian's python3.11 included), and a block whose size and
contents are ours (pymem_api_misuse frees a 16-byte block it never wrote). One byte past the
block's end is overwritten before the free, so that the dump's trailing pads show a bad byte as
well. A second block, PyMem_Malloc'd and never written (all CLEANBYTE 0xCD), stays alive.

The side file records both blocks' addresses, sizes and what was written."""
import ctypes
import sys

import _common

# 45 bytes: not a multiple of 8, so the trailing pads start unaligned.
DATA = b"pycore wrong-api block: PyMem_Malloc'd, m->r!"
CLEAN_SIZE = 72


def api(name, restype, argtypes):
    f = getattr(ctypes.pythonapi, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


def main():
    malloc = api("PyMem_Malloc", ctypes.c_void_p, [ctypes.c_size_t])
    raw_free = api("PyMem_RawFree", None, [ctypes.c_void_p])
    fresh = malloc(CLEAN_SIZE)  # never written, never freed
    p = malloc(len(DATA))
    ctypes.memmove(p, DATA, len(DATA))
    ctypes.memmove(p + len(DATA), b"!", 1)  # tail+0
    facts = {
        "block": {"address": "0x%x" % p, "requested": len(DATA), "data": DATA.hex(), "api": "m",
                  "freed_with": "PyMem_RawFree", "written_at_tail": {"0": "21"}},
        "clean": {"address": "0x%x" % fresh, "requested": CLEAN_SIZE, "api": "m"},
    }
    _common.write_side_file(extra={"wrong_api": facts})
    raw_free(p)
    print("not reached", fresh)


if __name__ == "__main__":
    main()
