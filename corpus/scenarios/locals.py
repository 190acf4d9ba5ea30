"""locals: a crash in a frame whose arguments and locals hold one of each kind of object
pycore decodes (numbers, strings incl. non-ASCII and astral ones, bytes, containers nested and
cyclic, instances with dicts and slots, functions, methods, a class, a module, an exception, a
suspended generator, a cell, a range and a slice). Just before crashing, the side file records
repr() of every local of the crashing frames (from frame.f_locals), and id()/type/repr/
sys.getsizeof of chosen objects. The crash is ctypes.string_at(0) (SIGSEGV)."""
import ctypes
import sys

import _common


class Plain:
    def __init__(self):
        self.name = "plain"
        self.count = 3
        self.items = [1, 2]


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 10
        self.y = "why"


class Boom(Exception):
    pass


def gen_fn(n):
    for i in range(n):
        yield i


def record(frame_names):
    """repr() of every local of the named frames on this thread's stack."""
    out = {}
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_name
        if name in frame_names and name not in out:
            out[name] = {k: repr(v) for k, v in f.f_locals.items()}
        f = f.f_back
    return out


# A legacy str that was never made ready (3.8-3.11: PyUnicode_FromUnicode(NULL, n) then written
# through its wchar_t buffer). Kept out of every recorded frame: repr() would make it ready.
WSTR_ONLY = []


def make_wstr_only(text):
    if sys.version_info >= (3, 12):
        return None
    new = ctypes.pythonapi.PyUnicode_FromUnicode
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    obj = new(None, len(text))
    as_unicode = ctypes.pythonapi.PyUnicode_AsUnicode
    as_unicode.restype = ctypes.c_void_p
    as_unicode.argtypes = [ctypes.py_object]
    data = text.encode("utf-32-le")
    ctypes.memmove(as_unicode(obj), data, len(data))
    WSTR_ONLY.append(obj)
    return {"id": "0x%x" % id(obj), "repr": repr(text)}


def crash_here(outer_value):
    cyclic = [1, 2]
    cyclic.append(cyclic)
    d_cyc = {"k": 1}
    d_cyc["self"] = d_cyc
    nested = {"a": [1, (2, 3), {"b": None}], "t": (1,), "e": (), "s": {7}, "fs": frozenset()}
    big = 2 ** 100
    neg = -12345678901234567890
    small_neg = -5
    zero = 0
    flag = True
    nothing = None
    f = 3.25
    tiny = 1e-7
    c = complex(1.5, -2)
    s = "hello"
    quote = "it's"
    u = "caf\u00e9 \u6f22\u5b57"
    astral = "\U0001f600 smile"
    ctrl = "bell\x07\x1b[2J"
    b = b"\x00bytes\xff'"
    ba = bytearray(b"abc")
    empty_set = set()
    a_set = {1, 2, 3}
    rng = range(2, 20, 3)
    sl = slice(1, None, 2)
    plain = Plain()
    slotted = Slotted()
    exc = Boom("bad", 42)
    gen = gen_fn(5)
    next(gen)
    meth = plain.__init__
    builtin = len
    bmeth = [].append
    klass = Plain
    mod = ctypes
    ell = ...
    ni = NotImplemented
    func = gen_fn
    try:
        try:
            raise ValueError("inner")
        except ValueError as first:
            raise Boom("outer") from first
    except Boom as second:
        chained = second

    def inner():
        return outer_value + len(s)

    locs = record({"crash_here", "middle"})
    objs = {}
    for name in ("nested", "plain", "slotted", "cyclic", "d_cyc", "big", "u", "exc", "a_set", "b"):
        v = locals()[name] if name in locals() else None
        objs[name] = {"id": "0x%x" % id(v), "type": type(v).__name__, "repr": repr(v), "getsizeof": sys.getsizeof(v)}
    facts = {
        "wstr_only": make_wstr_only("wide\u00e9 \U0001f600"),
        "generator": {"id": "0x%x" % id(gen), "line": gen.gi_frame.f_lineno, "function": gen.gi_code.co_name},
        "chained": {"id": "0x%x" % id(chained), "cause": repr(chained.__cause__), "context": repr(chained.__context__)},
    }
    _common.write_side_file(extra={"locals": locs, "objects": objs, "inner_repr": repr(inner), "facts": facts})
    ctypes.string_at(0)


def middle(count, label="mid", *args, **kwargs):
    total = count * 2
    return crash_here([total, label])


if __name__ == "__main__":
    middle(21, "lbl", 1, 2, key="v")
