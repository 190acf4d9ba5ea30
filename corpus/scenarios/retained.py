"""retained: what `pycore heap --dominators` must find. A dict CACHE of 20 000 str -> bytearray
entries that only the module global CACHE holds (keys and values are made inside build(), so no
loop variable or interned string holds any of them), and two Holder objects (HOLDER_A, HOLDER_B,
with __slots__, so no instance dict) that each own a list of their own, both lists holding the same
500 bytearrays that nothing else holds.

Just before crashing (ctypes.string_at(0), SIGSEGV) it records, from CPython itself, in
extra.retained: the cache's id, sys.getsizeof() of the dict plus every key and value (what the
cache retains) and their count; for each holder its id, the id of its list, and
sys.getsizeof(holder) + sys.getsizeof(its list) (what a holder retains: the shared items are held
by both, so neither retains them); and the shared items' count and getsizeof sum.
"""
import ctypes
import sys

import _common


class Holder:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = list(items)


def build():
    cache = {}
    for i in range(20000):
        cache["key-%05d" % i] = bytearray(40)
    return cache


def make_holders():
    shared = [bytearray(100) for _ in range(500)]
    return Holder(shared), Holder(shared)


CACHE = build()
HOLDER_A, HOLDER_B = make_holders()


def record():
    getsizeof = sys.getsizeof
    cache_bytes = getsizeof(CACHE)
    for k in CACHE:
        cache_bytes += getsizeof(k) + getsizeof(CACHE[k])
    holders = []
    for h in (HOLDER_A, HOLDER_B):
        holders.append({"id": id(h), "list_id": id(h.items), "type": type(h).__name__,
                        "retained_bytes": getsizeof(h) + getsizeof(h.items), "retained_objects": 2})
    shared = HOLDER_A.items
    return {"cache": {"id": id(CACHE), "type": "dict", "len": len(CACHE),
                      "retained_bytes": cache_bytes, "retained_objects": 1 + 2 * len(CACHE)},
            "holders": holders,
            "shared": {"items": len(shared), "bytes": sum(getsizeof(x) for x in shared)}}


def crash():
    _common.write_side_file(extra={"retained": record()})
    ctypes.string_at(0)


if __name__ == "__main__":
    crash()
