"""census for 2.7 (no faulthandler): exact populations for `pycore heap` on a 2.7 core.

census.py's populations in 2.7's own kinds: instances of a new-style class with a __dict__
(CensusPlain), of one with __slots__ (CensusSlots) and of an old-style class (CensusOld, whose
instances are all of type `instance`); marker objects kept alive in MARKERS: STR_N str (bytes:
PREFIX, built at run time, then a 5-digit number), UNICODE_N unicode (UPREFIX + 5 digits), INT_N
int (a C long) in (INT_BASE, INT_BASE + INT_N], LONG_N long in (LONG_BASE, LONG_BASE + LONG_N]
and FLOAT_N float in (FLOAT_BASE, FLOAT_BASE + FLOAT_N]. No other object holds such a value.

With the cyclic GC disabled and no garbage left (gc.collect() until nothing changes), it records from CPython
itself, per type of gc.get_objects() (its classes and dict, list, tuple, set), the count and
sum(sys.getsizeof()), and per old-style class the same for the instances whose __class__ it is;
and gc.get_referrers()/gc.get_referents() of one old-style instance (KNOWN), gc.get_referents() of
an old-style class, a bound method, a dict, new-style instances (__dict__, __slots__), a set and a
suspended generator (SAMPLES).
What the recording builds afterwards (the side file's data, and the reference cycle
_common.snapshot() leaves: its frame and sys._current_frames()) is freed by the gc.collect() on the
crash's own line, after the side file is written and before os.abort(): the stack the side file
records is the stack at the crash (no faulthandler on 2.7).
"""
import gc
import os
import sys

import _common

gc.collect()
gc.disable()

PLAIN_N = 2345
SLOTS_N = 1234
OLD_N = 1111
STR_N = 2000
UNICODE_N = 1300
INT_N = 2500
LONG_N = 900
FLOAT_N = 1750


class CensusPlain(object):
    def __init__(self, i):
        self.i = i
        self.tag = None


class CensusSlots(object):
    __slots__ = ("a", "b")

    def __init__(self, a):
        self.a = a
        self.b = None


class CensusOld:
    def __init__(self, i):
        self.i = i


# Built from pieces so that the prefixes exist only at run time, once.
PREFIX = "".join(["pycore", "-census-", "mark"])
UPREFIX = u"".join([u"pycore", u"-census-", u"umark"])
INT_BASE = int("700000123")
LONG_BASE = long("7000000000000000000000123")  # noqa: F821 (2.7)
FLOAT_BASE = float("654321.125")

PLAIN = [CensusPlain(i) for i in range(PLAIN_N)]
SLOTS = [CensusSlots(i) for i in range(SLOTS_N)]
OLD = [CensusOld(i) for i in range(OLD_N)]
MARKERS = {
    "str": [PREFIX + ("%05d" % i) for i in range(STR_N)],
    "unicode": [UPREFIX + (u"%05d" % i) for i in range(UNICODE_N)],
    "int": [INT_BASE + i for i in range(1, INT_N + 1)],
    "long": [LONG_BASE + i for i in range(1, LONG_N + 1)],
    "float": [FLOAT_BASE + i for i in range(1, FLOAT_N + 1)],
}
# One old-style instance whose references CPython itself lists (for referrers, refs and path):
# what holds it (the OLD list and, through KNOWN, the module's dict) and what it holds (its class
# and its __dict__). Recorded before the counts, so that the lists it makes are counted too.
KNOWN = OLD[7]
KNOWN_REFS = {
    "id": id(KNOWN),
    "referrers": sorted([type(r).__name__, id(r)] for r in gc.get_referrers(KNOWN)),
    "referents": sorted(id(r) for r in gc.get_referents(KNOWN)),
    "old_list": id(OLD),
    "module_dict": id(globals()),
}


def suspended():
    held = OLD[3]
    yield held


# gc.get_referents() of one object of each kind 2.7 traverses its own way (kept alive here).
GEN = suspended()
next(GEN)
SAMPLED = {
    "old_class": CensusOld,
    "bound_method": OLD[1].__init__,
    "old_instance_dict": KNOWN.__dict__,
    "new_instance": PLAIN[3],
    "slots_instance": SLOTS[2],
    "set": set([OLD[4], OLD[5], PREFIX]),
    "generator": GEN,
}
SAMPLES = dict((name, {"id": id(o), "referents": sorted(id(r) for r in gc.get_referents(o))}) for name, o in SAMPLED.items())
MEASURED = ("dict", "list", "tuple", "set", "CensusPlain", "CensusSlots")
# Holds the side file's data from its making to the crash line, which takes it out.
PENDING = []


def type_key(t):
    return [t.__module__, t.__name__, id(t)]


def crash_here():
    # Writing the side file's unicode text imports a codec module (its functions and classes): done
    # once here, before the counts, so that the side file adds nothing that lives on.
    with open(os.devnull, "w") as f:
        f.write(_common.to_json({"u": UPREFIX}))
    del f
    # The counting dicts are filled with every type first (their sizes do not change while
    # counting); asking a type its __name__ and an object its size readies a static type 2.7 had
    # not readied yet (PyType_Ready makes its tuples of bases and MRO): all done before the counts.
    counts = {}
    sizes = {}
    old_counts = {}
    old_sizes = {}
    for o in gc.get_objects():
        counts[type(o)] = 0
        sizes[type(o)] = sys.getsizeof(o) * 0
        if type(o).__name__ == "instance":
            old_counts[o.__class__] = 0
            old_sizes[o.__class__] = 0
    del o
    # A collection also stops tracking tuples and dicts that hold only untracked objects (one level
    # per pass): collect until that settles, so that the last one (on the crash line) untracks none.
    tracked = -1
    while tracked != len(gc.get_objects()):
        gc.collect()
        tracked = len(gc.get_objects())
    objs = gc.get_objects()
    for o in objs:
        t = type(o)
        counts[t] += 1
        sizes[t] += sys.getsizeof(o)
        if t.__name__ == "instance":
            old_counts[o.__class__] += 1
            old_sizes[o.__class__] += sys.getsizeof(o)
    del o, t, objs
    PENDING.append({
        "gc_types": [type_key(t) + [counts[t], sizes[t]] for t in counts if t.__name__ in MEASURED],
        "old_classes": [[c.__module__, c.__name__, id(c), old_counts[c], old_sizes[c]] for c in old_counts if c.__name__ == "CensusOld"],
        "known": KNOWN_REFS,
        "samples": SAMPLES,
        "classes": {"CensusPlain": PLAIN_N, "CensusSlots": SLOTS_N, "CensusOld": OLD_N},
        "markers": {
            "str": {"prefix": PREFIX, "length": len(PREFIX) + 5, "count": STR_N},
            "unicode": {"prefix": UPREFIX, "length": len(UPREFIX) + 5, "count": UNICODE_N},
            # The ranges are (above, above + count]: their ends are not made here (they would be markers).
            "int": {"above": INT_BASE, "count": INT_N},
            "long": {"above": str(LONG_BASE), "count": LONG_N},
            "float": {"above": FLOAT_BASE, "count": FLOAT_N},
        },
    })
    _common.write_side_file(extra=PENDING.pop()); gc.collect(); os.abort()  # noqa: E702 (one line: the record is the crash's line)


crash_here()
