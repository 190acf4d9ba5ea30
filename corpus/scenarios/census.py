"""census: exact populations for `pycore heap` beyond gc.get_objects().

With the cyclic GC disabled it builds instances of two classes of its own (CensusPlain, with an
instance __dict__, and CensusSlots, with __slots__), and marker objects kept alive in MARKERS:
STR_N str objects (the prefix PREFIX, built at run time so that no constant holds it, then a
5-digit number), BYTES_N bytes objects (BPREFIX + 4 bytes), INT_N ints in (INT_BASE, INT_BASE +
INT_N] and FLOAT_N floats in (FLOAT_BASE, FLOAT_BASE + FLOAT_N]. No other object of the program
holds such a value (the bases themselves lie just outside the ranges).

Just before crashing with os.abort() (SIGABRT) it records, from CPython itself, per type of
gc.get_objects() (its classes and dict, list, tuple, set): the count and sum(sys.getsizeof()); and
the marker counts and ranges. Everything the recording keeps exists before gc.get_objects() (the
counting dicts are filled with every type first, so their sizes do not change while counting);
what it builds afterwards for the side file is deleted before the crash.
"""
import gc
import os
import sys

import _common

gc.collect()
gc.disable()

PLAIN_N = 2345
SLOTS_N = 1234
STR_N = 2000
BYTES_N = 1500
INT_N = 2500
FLOAT_N = 1750


class CensusPlain:
    def __init__(self, i):
        self.i = i
        self.tag = None


class CensusSlots:
    __slots__ = ("a", "b")

    def __init__(self, a):
        self.a = a
        self.b = None


# Built from pieces so that the prefix exists only at run time, once, in PREFIX.
PREFIX = "".join(["pycore", "-census-", "mark"])
BPREFIX = bytes([0x50, 0x43, 0x4D, 0x42])  # b"PCMB", made at run time
INT_BASE = int("7000000123")
FLOAT_BASE = float("654321.125")

PLAIN = [CensusPlain(i) for i in range(PLAIN_N)]
SLOTS = [CensusSlots(i) for i in range(SLOTS_N)]
MARKERS = {
    "str": [PREFIX + ("%05d" % i) for i in range(STR_N)],
    "bytes": [BPREFIX + i.to_bytes(4, "big") for i in range(BYTES_N)],
    "int": [INT_BASE + i for i in range(1, INT_N + 1)],
    "float": [FLOAT_BASE + i for i in range(1, FLOAT_N + 1)],
}
MEASURED = ("dict", "list", "tuple", "set", "CensusPlain", "CensusSlots")


def type_key(t):
    return [t.__module__, t.__qualname__, id(t)]


def crash_here():
    # The thread snapshot first (snapshot() leaves a frame cycle behind); the counts after it.
    snap = _common.write_side_file(extra={})
    counts = {}
    sizes = {}
    for o in gc.get_objects():
        counts[type(o)] = 0
        sizes[type(o)] = 0
    del o
    objs = gc.get_objects()
    for o in objs:
        t = type(o)
        counts[t] += 1
        sizes[t] += sys.getsizeof(o)
    del o, t, objs
    data = {
        "gc_types": [type_key(t) + [counts[t], sizes[t]] for t in counts if t.__qualname__ in MEASURED],
        "classes": {"CensusPlain": PLAIN_N, "CensusSlots": SLOTS_N},
        "markers": {
            "str": {"prefix": PREFIX, "length": len(PREFIX) + 5, "count": STR_N},
            "bytes": {"prefix_hex": BPREFIX.hex(), "length": len(BPREFIX) + 4, "count": BYTES_N},
            # The ranges are (above, above + count]: their ends are not made here (they would be markers).
            "int": {"above": INT_BASE, "count": INT_N},
            "float": {"above": FLOAT_BASE, "count": FLOAT_N},
        },
    }
    snap["extra"] = data
    path = os.environ.get("PYCORE_SIDE_FILE")
    if path:
        _common._atomic_write(path, _common.to_json(snap) + "\n")
    del snap["extra"], data, path
    os.abort()


crash_here()
