#!/usr/bin/env python3
"""repr() ground truth for pycore's scalar formatting (floats, complex, str, bytes), written by
CPython itself: corpus/repr/format.json. Usage: python3 corpus/make_repr_fixtures.py"""
import json, os, random, struct

random.seed(5)
floats = [0.1, 1.0, 1e16, 1e15, 123456789012345678.0, 0.0001, 0.00001, 1.5e-7, -2.5, 3.141592653589793, 1e300,
          5e-324, 2.0 ** 60, 100.0, 1234.5678, 1e22, -0.0, float("inf"), float("-inf"), float("nan"), 9007199254740993.0]
floats += [random.uniform(-1e6, 1e6) for _ in range(50)] + [random.random() * 10 ** random.randint(-30, 30) for _ in range(200)]
cs = [complex(1, 2), complex(0, 2), complex(-0.0, 2), complex(1.5, -0.5), complex(0, 0), complex(1e20, 1), complex(0.1, 1e-5),
      complex(-1, -0.0), complex(float("inf"), 1)]
strs = ["", "abc", "it's", 'say "hi"', "both ' and \"", "tab\tnl\ncr\r", "\x00\x1b[2J\x7f\x1b]0;pwned\x07", "é漢字😀",
        "\u200b\u2028\xa0\xad\u0378", "\\back", "\ud800"[:0] + "x"]
bs = [b"", b"abc", b"it's", b'"', b"'\"", bytes(range(0, 256, 7)), b"\\x"]
pack = lambda f: struct.pack("<d", f).hex()
out = {
    "floats": [[pack(f), repr(f)] for f in floats],
    "complex": [[pack(c.real), pack(c.imag), repr(c)] for c in cs],
    "strs": [[s, repr(s)] for s in strs],
    "bytes": [[b.hex(), repr(b), repr(bytearray(b))] for b in bs],
    "ints": [[str(i), repr(i)] for i in [0, 1, -1, 2 ** 30, 2 ** 64 + 1, -(3 ** 200)]],
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "repr", "format.json"), "w") as f:
    json.dump(out, f, ensure_ascii=True)
