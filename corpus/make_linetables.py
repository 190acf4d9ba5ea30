#!/usr/bin/env python3
"""Record line-table ground truth from each CPython on this machine.

For every code object compiled from a fixed set of sources, each interpreter writes its raw
line table (co_lnotab before 3.10, co_linetable after), co_firstlineno, and the line CPython
itself assigns to every instruction offset: from co_lines() (3.10+, the same ranges
PyCode_Addr2Line walks) or dis.findlinestarts() (2.7, 3.6-3.9). Output: corpus/linetables/<label>.json.
Usage: python3 corpus/make_linetables.py
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "linetables")
SOURCES = [os.path.join(HERE, "scenarios", n) for n in ("segv_threads.py", "gcore_live.py")]

CHILD = r'''
import dis, json, sys, types
def walk(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            for x in walk(c):  # (not `yield from`: 2.7 runs this too)
                yield x
out = []
srcs = sys.argv[1:]
import threading, json as _j, textwrap
srcs_code = [(p, open(p).read()) for p in srcs]
for mod in (threading, textwrap):
    src = mod.__file__[:-1] if mod.__file__.endswith(".pyc") else mod.__file__  # 2.7 names the .pyc
    srcs_code.append((src, open(src).read()))
for path, text in srcs_code:
    top = compile(text, path, "exec")
    for co in walk(top):
        n = len(co.co_code)
        if hasattr(co, "co_lines"):
            table = co.co_linetable
            lines = [-1] * (n // 2)
            for start, end, line in co.co_lines():
                for off in range(start, end, 2):
                    if off // 2 < len(lines):
                        lines[off // 2] = -1 if line is None else line
        else:
            table = co.co_lnotab
            starts = list(dis.findlinestarts(co))
            lines = []
            for off in range(0, n, 2):
                cur = co.co_firstlineno
                for a, l in starts:
                    if a <= off:
                        cur = l
                lines.append(cur)
        hexed = table.hex() if hasattr(table, "hex") else table.encode("hex")  # 2.7: str
        out.append({"name": co.co_name, "firstlineno": co.co_firstlineno, "table": hexed, "lines": lines})
        if len(out) >= 400:
            break
print(json.dumps({"version": sys.version.split()[0], "codes": out[:400]}))
'''


def interpreters():
    found = {}
    for path in sorted(glob.glob("/root/.pyenv/versions/[23].*/bin/python[23].*")):
        m = re.search(r"/([23]\.(\d+))\.\d+/bin/python[23]\.\d+$", path)
        if m and (m.group(1) == "2.7" or int(m.group(2)) >= 6):
            found[m.group(1)] = path
    return found


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, py in interpreters().items():
        res = subprocess.run([py, "-S", "-c", CHILD, *SOURCES], capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            print(f"{label}: failed: {res.stderr.strip()[-300:]}", file=sys.stderr)
            continue
        data = json.loads(res.stdout)
        with open(os.path.join(OUT, f"{label}.json"), "w") as f:
            json.dump(data, f, separators=(",", ":"))
        print(f"{label}: {len(data['codes'])} code objects")


if __name__ == "__main__":
    main()
