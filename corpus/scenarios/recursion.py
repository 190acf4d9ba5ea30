"""recursion: 300 nested calls of recurse(), then SIGSEGV
(ctypes.string_at(0)) at the bottom.  Single thread.  The side file records
the stack depth of the deepest recurse() frame (the f_back chain length, i.e.
len(traceback.extract_stack()) there; traceback is not imported to keep the
core small)."""
import ctypes
import sys
import time

import _common

DEPTH = 300


def recurse(n):
    if n > 1:
        return recurse(n - 1)
    base = _common.stack_depth(sys._getframe())  # frames up to and including this one
    _common.write_side_file(extra={
        "recursion_calls": DEPTH,
        "depth_at_deepest": base,
        "deepest_function": "recurse",
        "deepest_file": __file__ if __file__.startswith("/") else None,
        "extra_code": _common.extra_code(ctypes.string_at),
    })
    time.sleep(0.2)
    ctypes.string_at(0)


def main():
    recurse(DEPTH)


if __name__ == "__main__":
    main()
