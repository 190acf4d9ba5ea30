"""debugmalloc-trace: debugmalloc under tracemalloc (PYTHONMALLOC=debug, PYTHONTRACEMALLOC=5,
the environment form of -X tracemalloc=5). The same overflows as debugmalloc.py; when the
victim is freed, CPython's debug allocator prints the block and then, from tracemalloc's tables,
where it was allocated ("Memory block allocated at (most recent call first):"). The side file
also records tracemalloc's own traceback of every damaged object, newest frame first. Before
that, _PyObject_Dump prints the survivor (`object address  : 0x...`), so that the log names an
object for `pycore explain LOG --core CORE` to look up."""
import ctypes
import sys
import tracemalloc

import _common
from debugmalloc import overflow


def traceback_of(obj):
    tb = tracemalloc.get_object_traceback(obj)
    if tb is None:
        return None
    # Traceback iterates oldest first (3.7+; newest first before); CPython's dump prints newest first.
    frames = list(tb) if sys.version_info < (3, 7) else list(reversed(list(tb)))
    return [[f.filename, f.lineno] for f in frames]


def make(n, byte):
    return byte * (n * len(sys.argv))  # made at run time, in a frame of its own


def main():
    survivor = make(20, b"s")
    victim = make(30, b"v")
    hidden = [make(12, b"h")]
    facts = {
        "survivor": {"address": "0x%x" % id(survivor), "requested": overflow(survivor, b"xx"), "written": "7878",
                     "traceback": traceback_of(survivor)},
        "victim": {"address": "0x%x" % id(victim), "requested": overflow(victim, b"OUCH"), "written": "4f554348",
                   "traceback": traceback_of(victim)},
        "hidden": {"address": "0x%x" % id(hidden[0]), "requested": overflow(hidden[0], b"!"), "written": "21",
                   "traceback": traceback_of(hidden[0])},
    }
    dumped = {"address": "0x%x" % id(survivor), "type": type(survivor).__name__, "repr": repr(survivor)}
    ctypes.pythonapi._PyObject_Dump.argtypes = [ctypes.py_object]
    ctypes.pythonapi._PyObject_Dump(survivor)
    _common.write_side_file(extra={"debugmalloc": facts, "dumped": dumped, "tracemalloc_tracing": tracemalloc.is_tracing()})
    del victim  # freeing the damaged block trips the debug allocator's check
    print("not reached", survivor)


if __name__ == "__main__":
    main()
