"""big: objects far larger than any output limit — a 10**7-element list, a 1 GiB str, a
1 MiB bytes, a 100 000-entry dict, a 10 000-deep nested list and a self-referential dict —
as locals of the crashing frame. pycore must show them within its limits, in bounded time
and memory. Generated for 3.12 only (the core is about 1.2 GB before compression)."""
import ctypes

import _common


def hold():
    huge_list = [None] * 10 ** 7
    huge_str = "x" * 2 ** 30
    big_bytes = b"\x00" * 2 ** 20
    big_dict = {i: None for i in range(100000)}
    deep = []
    for _ in range(10000):
        deep = [deep]
    self_ref = {}
    self_ref["me"] = self_ref
    _common.write_side_file(extra={"lengths": {"huge_list": len(huge_list), "huge_str": len(huge_str), "big_dict": len(big_dict)}})
    ctypes.string_at(0)


if __name__ == "__main__":
    hold()
