"""locals for 2.7 (no faulthandler): a frame whose arguments and locals hold 2.7's own kinds of
object (int, long, str, unicode incl. non-ASCII and astral, float, bool, None, list, tuple,
dict, set, frozenset, a new-style and an old-style instance, an old-style class, a function; an
xrange, which pycore shows as `<xrange object at 0x...>`, is left out of the comparison). repr() of every
local of the named frames is recorded on the crash's own line, then os.abort() (a C call, so the
recorded stack is the stack at the crash)."""
import os
import sys

import _common


class NewStyle(object):
    def __init__(self):
        self.name = "new"


class OldStyle:
    def __init__(self):
        self.name = "old"


def helper(x):
    return x


def record(frame_names):
    """repr() of every local of the named frames on this thread's stack."""
    out = {}
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_name
        if name in frame_names and name not in out:
            out[name] = dict((k, repr(v)) for k, v in f.f_locals.items())
        f = f.f_back
    return out


def facts(**objs):
    """id, type name, repr() and sys.getsizeof() of chosen objects (for `pycore show`)."""
    return dict((k, {"id": "0x%x" % id(v), "type": type(v).__name__, "repr": repr(v), "getsizeof": sys.getsizeof(v)})
                for k, v in objs.items())


def crash_here(arg_int, arg_str):
    small = 42
    negative = -7
    big = 2 ** 70
    neg_long = -5L  # noqa: E999 (2.7 syntax)
    ratio = 2.5
    text = "plain 'quoted' \"both\"\ttab"
    raw = "\xe9\x00end"
    uni = u"caf\xe9 \u20ac \U0001f600"
    empty_uni = u""
    flag = True
    nothing = None
    items = [1, "two", [3.0, None]]
    pair = (1,)
    mapping = {"k": [1, 2], "n": None}
    new_obj = NewStyle()
    old_obj = OldStyle()
    old_class = OldStyle
    fn = helper
    numbers = set([1, 2, 3])
    gone = set(["a", "b", "c"])
    gone.discard("b")  # a deleted slot (setobject.c's dummy key)
    frozen = frozenset(["x"])
    no_items = set()
    span = xrange(3)
    shown = facts(new_obj=new_obj, old_obj=old_obj, old_class=old_class, mapping=mapping, uni=uni, big=big, raw=raw, small=small, items=items)
    recorded = record(("crash_here", "outer"))
    del recorded["crash_here"]["span"]  # no xrange decoder: pycore shows the generic <xrange object at ...>
    _common.write_side_file(extra={"locals": recorded, "objects": shown}); os.abort()  # noqa: E702


def outer():
    count = 3
    label = "outer"
    return crash_here(123, "arg")


if __name__ == "__main__":
    outer()
