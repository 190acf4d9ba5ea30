"""heap: known object populations for `pycore heap`, `referrers` and `--malloc-stats`.

With the cyclic GC disabled it builds 12345 instances of Leaky, 4321 Node objects in 149
unreachable rings of 29 (uncollected cyclic garbage), 50 unreachable self-cycles of Finalized
(a class with __del__), 7 Saved self-cycles that a DEBUG_SAVEALL collection put in gc.garbage,
777 two-item lists, a TARGET object with known referrers (a list, a dict, a tuple, a set, an
instance attribute, a closure cell, a __slots__ slot and the module's globals) and a few large
objects (a str, a bytes, a list, a dict and a tuple bigger than pymalloc's 512-byte blocks).

Just before crashing with os.abort() (SIGABRT) it records, from CPython itself:
  * per type, the number of objects gc.get_objects() returns and the sum of their
    sys.getsizeof(), plus len(gc.get_objects(generation=g)) for g = 0, 1, 2, and the
    sys.getsizeof() of every GC-tracked dict;
  * gc.get_referrers(TARGET) (id and type of each referrer);
  * the uncollected cyclic garbage: a fork()ed child (libc's fork, without Python's at-fork
    hooks) runs gc.collect() with DEBUG_SAVEALL and reports the types of what it found;
  * the contents of gc.garbage; id() and sys.getsizeof() of the large objects;
  * on stderr, `pycore-heap: allocated blocks N` (sys.getallocatedblocks()) and then
    sys._debugmallocstats()'s report, printed after the last allocation the script makes.

Between gc.get_objects() and the crash the script creates no GC-tracked object that outlives
its use: everything it keeps (the counting dicts, the generation list) exists before the
snapshot, and everything it builds afterwards for the side file is deleted before the crash
(the thread part of the side file is taken before the snapshot: snapshot() leaves cyclic garbage).

The side file also records id(sys.intern("TARGET")) (the interned-strings root); and
gc.get_referents() of GEN, a generator suspended with a local `held` (GEN_HELD), and of one
object of each C type in SAMPLES (descriptors, a traceback, a weakref, a deque, property,
_abc_data, io objects, itertools objects, ...).

A second thread (heap-worker) holds three objects that nothing else holds: a local of its
frame (ThreadHeld), a value in its thread state's dict (PyThreadState_GetDict(), TstateHeld)
and the argument of the exception it is handling (ExcHeld); it blocks inside the except
block. The side file records their ids, the thread's ident, the id and function of the frame
sys._current_frames() gives for it, and gc.get_referrers() of each. It also records
id(int.__dict__["from_bytes"]) and gc.get_referrers() of it (the type's dict: from 3.12 on a
static builtin type keeps its dict in the interpreter state, not in tp_dict), and
gc.get_referrers(int) with a subclass MyInt defined.
"""
import abc
import collections
import ctypes
import functools
import gc
import itertools
import os
import sys
import threading
import types
import weakref

import _common

# libc's fork(), not os.fork(): os.fork() runs at-fork hooks (threading._after_fork) in the
# child, which leave cyclic garbage of their own; a bare fork() child is an exact copy.
_fork = ctypes.CDLL(None).fork

gc.collect()  # start-up garbage out of the way; from here on nothing is collected
gc.disable()


class Leaky:
    def __init__(self, i):
        self.i = i
        self.name = "leaky"


class Node:
    def __init__(self, i):
        self.i = i
        self.next = None


class Finalized:
    def __init__(self):
        self.me = self

    def __del__(self):
        pass


class Saved:
    def __init__(self):
        self.me = self


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a):
        self.a = a
        self.b = None


class Holder:
    pass


class Target:
    pass


class ThreadHeld:
    pass


class TstateHeld:
    pass


class ExcHeld:
    pass


class ThreadError(Exception):
    pass


class MyInt(int):
    pass


class MyABC(abc.ABC):
    pass


# gc.garbage: a collection with DEBUG_SAVEALL keeps what it finds instead of freeing it.
gc.set_debug(gc.DEBUG_SAVEALL)
for _k in range(7):
    Saved()
gc.collect()
gc.set_debug(0)

LEAKY = [Leaky(i) for i in range(12345)]


def make_rings(rings, size):
    for _r in range(rings):
        first = Node(0)
        prev = first
        for i in range(1, size):
            n = Node(i)
            prev.next = n
            prev = n
        prev.next = first


make_rings(149, 29)
for _k in range(50):
    Finalized()

LISTS = [[i, "item"] for i in range(777)]

TARGET = Target()
HOLDER_LIST = [TARGET]
HOLDER_DICT = {"target": TARGET}
HOLDER_TUPLE = (TARGET, "held")
HOLDER_SET = {TARGET}
HOLDER_OBJ = Holder()
HOLDER_OBJ.ref = TARGET
SLOT_HOLDER = Slotted(TARGET)


def make_closure():
    held = TARGET

    def closure():
        return held

    return closure


CLOSURE = make_closure()


BIG_STR = "s" * 200000
BIG_BYTES = bytes(300000)
BIG_LIST = list(range(20000))
BIG_DICT = {i: i for i in range(5000)}
BIG_TUPLE = tuple(range(10000))


def type_key(t):
    return [t.__module__, t.__qualname__, id(t)]


def forked_garbage():
    """What gc.collect() would find now: a child collects with DEBUG_SAVEALL and reports."""
    r, w = os.pipe()
    pid = _fork()
    if pid == 0:
        os.close(r)
        before = len(gc.garbage)
        gc.set_debug(gc.DEBUG_SAVEALL)
        n = gc.collect()
        found = {}
        for o in gc.garbage[before:]:
            k = "%s\t%s\t%d\t%d" % (type(o).__module__, type(o).__qualname__, id(type(o)),
                                     1 if hasattr(type(o), "__del__") else 0)
            found[k] = found.get(k, 0) + 1
        out = ["%d" % n] + ["%s\t%d" % (k, v) for k, v in found.items()]
        os.write(w, ("\n".join(out) + "\n").encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    lines = b"".join(chunks).decode().splitlines()
    types_ = []
    for line in lines[1:]:
        mod, qual, tid, has_del, count = line.split("\t")
        types_.append({"module": mod, "qualname": qual, "type_id": int(tid),
                       "has_del": has_del == "1", "count": int(count)})
    return {"collected": int(lines[0]), "types": types_}


def suspended(x):
    held = x
    yield held


class WithDescriptors:
    @classmethod
    def cm(cls):
        pass

    @staticmethod
    def sm():
        pass

    @property
    def prop(self):
        """a property"""


THREAD_READY = threading.Event()
THREAD_GO = threading.Event()  # never set: the worker waits inside its except block until the crash
THREAD_FACTS = {}
# Made by the main thread, referred to by the worker too: in a free-threaded build the worker's
# references go to ob_ref_shared, the main thread's to ob_ref_local (Py_REFCNT adds them).
class Shared:
    pass


SHARED_TARGET = Shared()
SHARED_REFS = []


def thread_worker():
    SHARED_REFS.extend([SHARED_TARGET] * 3)
    held = ThreadHeld()  # only this frame holds it
    get_dict = ctypes.pythonapi.PyThreadState_GetDict
    get_dict.restype = ctypes.py_object
    state = get_dict()
    # ctypes takes the result of a py_object function as a new reference; this one is borrowed.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(state))
    state["pycore-heap"] = TstateHeld()  # only the thread state's dict holds it
    THREAD_FACTS.update(ident=threading.get_ident(), held=id(held), tstate_dict=id(state),
                        tstate_held=id(state["pycore-heap"]))
    del state, get_dict
    try:
        raise ThreadError(ExcHeld())  # only the exception being handled holds its argument
    except ThreadError:
        THREAD_FACTS.update(exc=id(sys.exc_info()[1]), exc_held=id(sys.exc_info()[1].args[0]))
        THREAD_READY.set()
        THREAD_GO.wait()


def _object_at(address):
    return ctypes.cast(address, ctypes.py_object).value


def thread_truth():
    """Who holds the worker's objects, as CPython sees it (after sys._current_frames() made
    frame objects of every thread's frames, which gc.get_referrers() then reports)."""
    frame = sys._current_frames()[THREAD_FACTS["ident"]]
    out = dict(THREAD_FACTS)
    out["functions"] = []
    while frame is not None:
        out["functions"].append(frame.f_code.co_name)
        if frame.f_code is thread_worker.__code__:
            out["frame"] = id(frame)
            out["frame_function"] = frame.f_code.co_name
            out["frame_varnames"] = list(frame.f_code.co_varnames)  # (not f_locals: that would make a dict holding them)
        frame = frame.f_back
    del frame
    out["referrers"] = {name: [type_key(type(x)) + [id(x)] for x in gc.get_referrers(_object_at(THREAD_FACTS[name]))]
                        for name in ("held", "tstate_held", "tstate_dict", "exc", "exc_held")}
    return out


def finished_frame():
    return sys._getframe()


def make_traceback():
    try:
        return types.TracebackType(None, finished_frame(), 0, 0)
    except TypeError:  # 3.6: "cannot create 'traceback' instances"
        return None


def build_more():
    """A generator and objects of C types (SAMPLES), and gc.get_referents() of each, recorded
    before the snapshot (so counted in it). Called through C (functools.partial) from the module:
    running this in the module's own eval-loop call changed which stale `frame` value gdb's
    libpython.py (3.11+) read there, and its record then left frames out."""
    global GEN, GEN_HELD, SAMPLES, MORE, THREAD, IO_TEXT, TEE
    THREAD = threading.Thread(target=thread_worker, name="heap-worker", daemon=True)
    THREAD.start()
    THREAD_READY.wait()
    MyABC.register(Holder)
    isinstance(TARGET, MyABC)  # fills the negative cache
    isinstance(HOLDER_OBJ, MyABC)  # and the cache
    IO_TEXT = open(__file__, encoding="utf-8")
    IO_TEXT.readline()  # a decoder and a snapshot
    TEE = itertools.tee([TARGET, "held", 3])
    next(TEE[0])
    GEN_HELD = Holder()
    GEN = suspended(GEN_HELD)
    next(GEN)
    SAMPLES = {
        "method_descriptor": dict.__dict__["get"],
        "wrapper_descriptor": object.__dict__["__init__"],
        "getset_descriptor": type.__dict__["__dict__"],
        "member_descriptor": Slotted.__dict__["a"],
        "classmethod": WithDescriptors.__dict__["cm"],
        "staticmethod": WithDescriptors.__dict__["sm"],
        "property": WithDescriptors.__dict__["prop"],
        "traceback": make_traceback(),
        # (to a class, with a callback: a weak reference to TARGET made 3.13 free a 48-byte block
        # after sys._debugmallocstats() had printed, so the recorded stats no longer matched the core)
        "weakref": weakref.ref(Holder, make_closure),
        "method-wrapper": TARGET.__str__,
        "builtin_method": HOLDER_LIST.append,
        "SimpleNamespace": types.SimpleNamespace(a=TARGET),
        "OrderedDict": collections.OrderedDict(a=TARGET),
        "structseq": sys.flags,
        "deque": collections.deque([TARGET, "held"]),
        "partial": functools.partial(make_closure, TARGET, k="held"),
        "_abc_data": getattr(MyABC, "_abc_impl", None),  # 3.7+ (C _abc)
        "TextIOWrapper": IO_TEXT,
        "BufferedReader": IO_TEXT.buffer,
        "FileIO": IO_TEXT.buffer.raw,
        "count": itertools.count(10 ** 20, 3),
        "chain": itertools.chain([TARGET], ("held",)),
        "cycle": itertools.cycle([TARGET, "held"]),
        "islice": itertools.islice(iter([TARGET, "held", 3]), 1, None, 2),
        "groupby": itertools.groupby([TARGET, TARGET, "held"], key=id),
        "_tee": TEE[0],
        "_tee_dataobject": None,
    }
    for name in ("traceback", "_abc_data"):  # 3.6 cannot make a traceback by hand, has no C _abc
        if SAMPLES[name] is None:
            del SAMPLES[name]
    next(SAMPLES["cycle"])
    next(SAMPLES["chain"])
    next(SAMPLES["groupby"])
    SAMPLES["_tee_dataobject"] = [x for x in gc.get_referents(TEE[0]) if type(x).__name__ == "_tee_dataobject"][0]
    MORE = {
        "samples": {name: {"id": id(obj), "referents": [id(x) for x in gc.get_referents(obj)]} for name, obj in SAMPLES.items()},
        "interned": {"TARGET": id(sys.intern("TARGET"))},
        "generator": {"id": id(GEN), "held": id(GEN_HELD), "referents": [type_key(type(x)) + [id(x)] for x in gc.get_referents(GEN)]},
        "thread": thread_truth(),
        "static_dict": {"type": id(int), "subclass": id(MyInt), "name": "from_bytes",
                        "descriptor": id(int.__dict__["from_bytes"]),
                        "referrers": [type_key(type(x)) + [id(x)] for x in gc.get_referrers(int.__dict__["from_bytes"])],
                        "type_referrers": [type_key(type(x)) + [id(x)] for x in gc.get_referrers(int)]},
    }
    for name, x in MORE["samples"].items():
        x["type"] = type_key(type(SAMPLES[name]))


def crash_here():
    # The side file's thread snapshot is taken first; it is written again with the heap data
    # at the end by to_json() alone (snapshot() itself leaves a frame cycle behind each time).
    snap = _common.write_side_file(extra={})
    garbage = forked_garbage()
    refchain = refchain_prepare() if hasattr(sys, "getobjects") else None
    # Everything that lives through the crash exists before gc.get_objects().
    # The counting containers are sized up front (a first pass puts every type in the dicts, a
    # list gets a slot for each dict) so that their sizes do not change while they are counted.
    counts = {"_": []}
    sizes = {"_": []}
    gens = [0, 0, 0]
    ndicts = 0
    for o in gc.get_objects():
        counts[type(o)] = 0
        sizes[type(o)] = 0
        if type(o) is dict:
            ndicts += 1
    del o
    dict_sizes = [0] * (2 * ndicts)  # id, sys.getsizeof() of every GC-tracked dict
    k = 0
    if sys.version_info >= (3, 8):  # gc.get_objects(generation=) is 3.8+
        gens[0] = len(gc.get_objects(generation=0))
        gens[1] = len(gc.get_objects(generation=1))
        gens[2] = len(gc.get_objects(generation=2))
    else:
        gens = None
    objs = gc.get_objects()
    for o in objs:
        t = type(o)
        counts[t] += 1
        sizes[t] += sys.getsizeof(o)
        if t is dict:
            dict_sizes[k] = id(o)
            dict_sizes[k + 1] = sys.getsizeof(o)
            k += 2
    del o, t, objs

    refs = gc.get_referrers(TARGET)
    me = sys._getframe()
    data = {
        "gc_types": [type_key(t) + [n, sizes[t]] for t, n in counts.items() if isinstance(t, type)],
        "gc_generations": None if gens is None else list(gens),
        "dict_sizes": dict_sizes[:k],
        "gc_enabled": gc.isenabled(),
        "referrers": {
            "target": id(TARGET),
            "target_type": type_key(Target),
            "referrers": [type_key(type(x)) + [id(x)] for x in refs],
            "recording_frame": id(me),
        },
        "garbage": garbage,
        "more": MORE,
        "gc_garbage": [type_key(type(x)) + [id(x)] for x in gc.garbage],
        "populations": {"Leaky": 12345, "Node": 4321, "Finalized": 50, "Saved": 7, "lists": 777},
        "big": {name: {"id": id(obj), "size": sys.getsizeof(obj), "type": type(obj).__name__}
                for name, obj in (("BIG_STR", BIG_STR), ("BIG_BYTES", BIG_BYTES), ("BIG_LIST", BIG_LIST),
                                  ("BIG_DICT", BIG_DICT), ("BIG_TUPLE", BIG_TUPLE))},
        "known": {"TARGET": id(TARGET), "HOLDER_LIST": id(HOLDER_LIST), "HOLDER_DICT": id(HOLDER_DICT),
                  "HOLDER_TUPLE": id(HOLDER_TUPLE), "HOLDER_SET": id(HOLDER_SET), "HOLDER_OBJ": id(HOLDER_OBJ),
                  "SLOT_HOLDER": id(SLOT_HOLDER), "CLOSURE": id(CLOSURE), "LEAKY": id(LEAKY),
                  "globals": id(globals()), "sys.modules": id(sys.modules)},
    }
    del refs, me
    # Py_REFCNT at the crash (getrefcount's own argument taken off), each read through its global
    # name alone so that no temporary (a tuple, a loop variable, `refs`) holds an extra reference.
    data["refcounts"] = [[id(SHARED_TARGET), sys.getrefcount(SHARED_TARGET) - 1], [id(TARGET), sys.getrefcount(TARGET) - 1],
                         [id(LEAKY), sys.getrefcount(LEAKY) - 1], [id(SHARED_REFS), sys.getrefcount(SHARED_REFS) - 1]]
    snap["extra"] = data
    path = os.environ.get("PYCORE_SIDE_FILE")
    if path:
        _common._atomic_write(path, _common.to_json(snap) + "\n")
    del snap["extra"], data, path
    blocks = sys.getallocatedblocks()
    os.write(2, b"pycore-heap: allocated blocks %d\n" % blocks)
    sys._debugmallocstats()
    if refchain is not None:
        refchain_census(refchain)  # crashes
    os.abort()


def refchain_prepare():
    """Py_TRACE_REFS builds (sys.getobjects): what refchain_census() needs, made before the GC
    counts so that they see it (and it outlives them): an index of every type, an array of
    counters (machine words, not int objects) and each type's line of text."""
    import array
    objs = sys.getobjects(0)
    index = {}
    for o in objs:
        t = type(o)
        if t not in index:
            index[t] = len(index)
    del o, t, objs
    for t in (type(sys), array.array, list, bytes, dict, tuple, int, str):
        index.setdefault(t, len(index))
    counts = array.array("q", bytes(8 * (len(index) + 1)))
    lines = [b""] * len(index)
    for t, i in index.items():
        lines[i] = ("pycore-refchain: %d %%d %s %s\n" % (id(t), t.__module__, t.__qualname__)).encode("utf-8", "backslashreplace")
    del t, i
    return index, counts, lines


def refchain_census(state):
    """Every live object per type, from the interpreter's refchain (sys.getobjects(0)), written to
    stderr as `pycore-refchain: <id of type> <count> <module> <qualname>` lines; then the crash.
    Everything it keeps was made by refchain_prepare() before the GC counts; what it makes here
    (the list sys.getobjects() returns, ints, the lines' bytes) is freed before the crash."""
    index, counts, lines = state
    other = len(lines)
    objs = sys.getobjects(0)
    for o in objs:
        counts[index.get(type(o), other)] += 1
    del o
    # sys.getobjects() leaves out the sys module (its `self`), its argument tuple and its result
    # list; of those only the sys module outlives the call.
    counts[index[type(sys)]] += 1
    del objs
    for i in range(len(lines)):
        if counts[i]:
            os.write(2, lines[i] % counts[i])
    del i  # an int above 256 would be a new object
    if counts[other]:
        os.write(2, b"pycore-refchain: objects of a type made after the index\n")
    os.write(2, b"pycore-refchain: end\n")
    # The crash comes here, while what the count saw is still alive.
    os.abort()


def main():
    crash_here()


if __name__ == "__main__":
    functools.partial(build_more)()
    main()
