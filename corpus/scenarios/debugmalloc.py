"""debugmalloc: run under PYTHONMALLOC=debug. Two bytes objects get their trailing pad bytes
overwritten through ctypes (a buffer overflow as a C extension would make it); one stays
alive, the other is freed, which makes CPython's debug allocator print its diagnostic for that
block and abort (Fatal Python error: bad trailing pad byte). Before that:

- more damaged blocks CPython never checks: one only a list holds (in a pymalloc pool), a big
  bytes object and a big tuple (over 512 bytes: system malloc, outside pymalloc's pools; the
  tuple is GC-tracked), and a block whose leading pad bytes were hit, right after a known
  neighbour in the same pool;
- a use-after-free made with ctypes: a list and a local still point at objects whose last
  reference was dropped with Py_DecRef (one in a pool, one from system malloc);
- CPython's own _PyObject_DebugDumpAddress() output for those blocks and for an intact one,
  when the generator found the function (PYCORE_DUMP_ADDRESS="file:offset"; it is a static
  function, inlined away in 3.6-3.8); or else, with PYCORE_DUMP_BY_FORK=1, from a fork of this
  process per block that frees it with PyMem_RawFree: the hooks' API check fails ('o' or 'm'
  block, verified for 'r'), so CPython dumps the block (the same bytes: the child's memory is a
  copy) and aborts in the child, whose core is turned off.

The side file records addresses, requested sizes, what was written and what CPython printed."""
import ctypes
import os
import sys

import _common

HEADER = sys.getsizeof(b"") - 1  # offsetof(PyBytesObject, ob_sval)
# What the debug hooks add to every request: 3 * sizeof(size_t) (PYMEM_DEBUG_EXTRA_BYTES, 3.8+);
# 3.6 and 3.7 add 4 * sizeof(size_t), the last word a serial number after the trailing pad.
DEBUG_EXTRA = 32 if sys.version_info < (3, 8) else 24
# pymalloc's block sizes are multiples of this (64-bit; 8 before 3.8).
ALIGNMENT = 8 if sys.version_info < (3, 8) else 16


def overflow(obj, data):
    """Write `data` just past the end of a bytes object's allocation (its trailing pad)."""
    requested = HEADER + len(obj) + 1
    ctypes.memmove(id(obj) + requested, data, len(data))
    return requested


def cpython_dump(p):
    """What CPython's _PyObject_DebugDumpAddress(p) prints, captured from fd 2; None when the
    generator could not name the function."""
    spec = os.environ.get("PYCORE_DUMP_ADDRESS")
    side = os.environ.get("PYCORE_SIDE_FILE")
    if not side:
        return None
    if not spec:
        return dump_by_fork(p, side + ".dump") if os.environ.get("PYCORE_DUMP_BY_FORK") == "1" else None
    path, off = spec.rsplit(":", 1)
    base = None
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5] == path and int(parts[2], 16) == 0:
                base = int(parts[0].split("-")[0], 16)
                break
    if base is None:
        return None
    fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(base + int(off, 16))
    out = side + ".dump"
    saved = os.dup(2)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        fn(p)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    with open(out) as f:
        return f.read()


def dump_by_fork(p, out):
    """CPython's dump of the block at p as its check prints it before a fatal error: a child
    frees p with PyMem_RawFree, whose hook finds the wrong API id, dumps the block to the child's
    fd 2 (a file) and aborts. The child writes no core; the parent only reads the file."""
    free = ctypes.pythonapi.PyMem_RawFree
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    pid = os.fork()
    if pid == 0:
        try:
            # prctl(PR_SET_DUMPABLE, 0): no core for the child (the resource module would map one more file).
            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 2)
            free(p)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != 6:
        raise RuntimeError("the dump child of p=0x%x did not abort (status %d)" % (p, status))
    with open(out) as f:
        text = f.read()
    head = "Debug memory block at address p=0x%x:" % p
    if not text.startswith(head):
        raise RuntimeError("the dump child of p=0x%x printed %r" % (p, text[:200]))
    # Only the dump: the fatal error and faulthandler's traceback that follow are the child's.
    return text[:text.index("\nFatal Python error: ") + 1]


def adjacent_pair(objs, requested):
    """Two of `objs` whose blocks are next to each other: (before, after), in one pool (or, without
    pymalloc, in malloc chunks)."""
    if not PYMALLOC:
        return adjacent(objs, (requested + DEBUG_EXTRA + 8 + 15) // 16 * 16)
    return adjacent(objs, (requested + DEBUG_EXTRA + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT)


# Whether the debug hooks sit on pymalloc (its blocks in use are counted) or on malloc: 3.6's
# PYTHONMALLOC=debug puts them on malloc in a release build (checked on 3.6.15).
PYMALLOC = sys.getallocatedblocks() > 0


# Debug layers around a request too big for pymalloc: 3.7+ serve it with PyMem_RawMalloc, whose
# debug hook adds its own header and pads; 3.6's object hook calls malloc directly (one layer:
# the bytes before a big object's header are glibc's chunk header, checked on 3.6.15).
BIG_LAYERS = 1 if sys.version_info < (3, 7) or not PYMALLOC else 2


def adjacent_chunks(objs, requested):
    """Two of `objs` in malloc chunks next to each other: (before, after). Each debug layer adds
    DEBUG_EXTRA bytes; glibc adds its 8-byte size word and rounds to 16."""
    return adjacent(objs, (requested + BIG_LAYERS * DEBUG_EXTRA + 8 + 15) // 16 * 16)


def adjacent(objs, block):
    by_address = {id(o): o for o in objs}
    for o in objs:
        nxt = by_address.get(id(o) + block)
        if nxt is not None:
            return o, nxt
    raise RuntimeError("no two adjacent blocks")


def main():
    n = len(sys.argv)
    survivor = bytes(range(65, 65 + 20))
    victim = b"v" * (30 * n)  # made at run time, not a code constant
    # Held only inside a list: no local names it, so only a walk of pymalloc's pools finds it.
    hidden = [b"h" * (12 * n)]
    # Over 512 bytes with the debug header: served by malloc, outside pymalloc's pools. Held only
    # by a list: found by following references from GC-tracked objects.
    # The bytes object sits right after another one in the next malloc chunk (the block before it).
    big_row = [bytes([97 + i % 26]) * (700 * n) for i in range(32)]
    big_before, big_after = adjacent_chunks(big_row, HEADER + 700 * n + 1)
    big = [big_after, tuple(range(1000, 1000 + 100 * n))]
    del big_row, big_after
    # Neighbours: 40 blocks of one size class; in two adjacent ones, the second's leading pad bytes are hit.
    row = [bytes([65 + i % 26]) * (90 * n) for i in range(40)]
    before, after = adjacent_pair(row, HEADER + 90 * n + 1)
    intact = b"i" * (20 * n)
    facts = {
        "survivor": {"address": "0x%x" % id(survivor), "requested": overflow(survivor, b"xx"), "written": "7878"},
        "victim": {"address": "0x%x" % id(victim), "requested": overflow(victim, b"OUCH"), "written": "4f554348"},
        "hidden": {"address": "0x%x" % id(hidden[0]), "requested": overflow(hidden[0], b"!"), "written": "21"},
        "big": {"address": "0x%x" % id(big[0]), "requested": overflow(big[0], b"BIG!"), "written": "42494721",
                "before": {"address": "0x%x" % id(big_before), "repr": repr(big_before)}},
    }
    # The tuple's block starts at its GC header (16 bytes; 32 before 3.8, whose PyGC_Head is
    # padded to a long double): p = id - that; it asked for getsizeof() bytes.
    t = big[1]
    tp = id(t) - (sys.getsizeof(t) - t.__sizeof__())
    ctypes.memmove(tp + sys.getsizeof(t), b"T", 1)
    facts["bigtuple"] = {"address": "0x%x" % tp, "object": "0x%x" % id(t), "requested": sys.getsizeof(t), "written": "54"}
    ctypes.memmove(id(after) - 3, b"<<<", 3)
    facts["leading"] = {"address": "0x%x" % id(after), "requested": HEADER + len(after) + 1, "written": "3c3c3c",
                        "before": {"address": "0x%x" % id(before), "repr": repr(before),
                                   "where": "same pool" if PYMALLOC else "previous malloc chunk"}}
    facts["pymalloc"] = PYMALLOC
    facts["intact"] = {"address": "0x%x" % id(intact), "requested": HEADER + len(intact) + 1}
    dumps = {}
    for name in ("survivor", "hidden", "big", "bigtuple", "leading", "intact"):
        dumps[name] = cpython_dump(int(facts[name]["address"], 16))
    facts["cpython_dumps"] = dumps if dumps["intact"] is not None else None

    # Use after free: a list and a local keep pointing at objects freed behind their back.
    uaf_small = b"u" * (300 * n)  # a pymalloc size class nothing else here uses
    uaf_big = b"U" * (800 * n)    # malloc'd, small enough for glibc's tcache (keeps the 0xdd bytes)
    dangling = [uaf_small, uaf_big]
    facts["uaf"] = {
        "small": "0x%x" % id(uaf_small), "big": "0x%x" % id(uaf_big), "list": "0x%x" % id(dangling),
        "local": "uaf_small", "function": "main",
    }
    addresses = [id(uaf_small), id(uaf_small), id(uaf_big)]
    del uaf_big
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.c_void_p]
    decref.restype = None
    _common.write_side_file(extra={"debugmalloc": facts})
    # uaf_small is held by the local and the list (2), uaf_big by the list (1): drop them all.
    for a in addresses:
        decref(a)
    del victim  # freeing the damaged block trips the debug allocator's check
    print("not reached", survivor, hidden, big, big_before, row, intact, dangling, uaf_small)


if __name__ == "__main__":
    main()
