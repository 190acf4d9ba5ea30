"""debugmalloc: run under PYTHONMALLOC=debug. Two bytes objects get their trailing pad bytes
overwritten through ctypes (a buffer overflow as a C extension would make it); one stays
alive, the other is freed, which makes CPython's debug allocator print its diagnostic for that
block and abort (Fatal Python error: bad trailing pad byte). The side file records both
objects' addresses, sizes and what was written."""
import ctypes
import sys

import _common

HEADER = sys.getsizeof(b"") - 1  # offsetof(PyBytesObject, ob_sval)


def overflow(obj, data):
    """Write `data` just past the end of a bytes object's allocation (its trailing pad)."""
    requested = HEADER + len(obj) + 1
    ctypes.memmove(id(obj) + requested, data, len(data))
    return requested


def main():
    survivor = bytes(range(65, 65 + 20))
    victim = b"v" * (30 * len(sys.argv))  # made at run time, not a code constant
    # Held only inside a list: no local names it, so only a walk of pymalloc's pools finds it.
    hidden = [b"h" * (12 * len(sys.argv))]
    facts = {
        "survivor": {"address": "0x%x" % id(survivor), "requested": overflow(survivor, b"xx"), "written": "7878"},
        "victim": {"address": "0x%x" % id(victim), "requested": overflow(victim, b"OUCH"), "written": "4f554348"},
        "hidden": {"address": "0x%x" % id(hidden[0]), "requested": overflow(hidden[0], b"!"), "written": "21"},
    }
    _common.write_side_file(extra={"debugmalloc": facts})
    del victim  # freeing the damaged block trips the debug allocator's check
    print("not reached", survivor)


if __name__ == "__main__":
    main()
