#!/usr/bin/env python3
"""Record which Python frames each eval-loop call was running, according to CPython's own gdb
extension (ground truth for the merge of native and Python stacks in `pycore analyze --native`).

    python3 corpus/gdb_py_frames.py [NAME ...]   # default: every pyenv core in corpus/cores
    python3 corpus/gdb_py_frames.py --stale      # only cores whose record is missing or older than the core

For each core whose interpreter is a pyenv build (they carry DWARF and ship
bin/python3.X-gdb.py, CPython's Tools/gdb/libpython.py), this runs gdb on the core with the
real binaries of this machine, loads that extension, and for every thread and every native frame
that libpython calls an eval frame (`Frame.is_evalframe()`: a _PyEval_EvalFrameDefault call)
records the frame's pc and what libpython's own `Frame.print_traceback()` prints for it: the
Python frames that call ran (one on 3.8-3.10; up to the entry frame on 3.11; up to the C-stack
shim on 3.12+). Output: corpus/cores/<name>.gdb-py.json. Debian's python3.11 has no debug
information on this machine, so its cores get no record.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402
from gdb_bt import all_cores, sha256, stale  # noqa: E402

GDB_TIMEOUT = 300

# Runs inside gdb after the core is loaded; libpython.py was sourced first.
INSIDE = r'''
import io, json, re, sys
import gdb
# libpython prints "line ?" when it cannot compute the line (current_line_num() is None) and
# "line ???" for other failures: both are frames, with no line.
FILE = re.compile(r'^  File "(.*)", line (\d+|\?+), in (.*)$')
out = []
for inf in gdb.inferiors():
    for th in sorted(inf.threads(), key=lambda t: t.ptid[1]):
        th.switch()
        evals = []
        f = gdb.newest_frame()
        while f is not None:
            if f.type() != gdb.INLINE_FRAME:
                fr = Frame(f)
                if (fr.is_evalframe() if hasattr(fr, "is_evalframe") else fr.is_evalframeex()):  # 2.7: is_evalframeex
                    buf = io.StringIO()
                    saved, sys.stdout = sys.stdout, buf
                    try:
                        fr.print_traceback()
                    finally:
                        sys.stdout = saved
                    raw = buf.getvalue().splitlines()
                    py = []
                    for line in raw:
                        m = FILE.match(line)
                        if m:
                            py.append({"file": m.group(1), "line": None if m.group(2).startswith("?") else int(m.group(2)), "function": m.group(3)})
                    evals.append({"pc": hex(f.pc()), "python": py, "readable": not any("unable to read" in l or "optimized out" in l for l in raw)})
            f = f.older()
        out.append({"lwp": th.ptid[1], "eval_frames": evals})
with open(OUTPUT, "w") as fh:
    json.dump(out, fh)
'''


def record(name, tmp):
    with open(os.path.join(generate.CORES_DIR, name + ".truth.json")) as f:
        truth = json.load(f)
    if not truth.get("python") or not truth["label"] or truth["label"].startswith("debian"):
        return None
    exe = truth["python"]["executable"]
    ext = exe + "-gdb.py"
    if not os.path.isfile(ext):
        raise generate.GenError("%s not found" % ext)
    gz = os.path.join(generate.CORES_DIR, name + ".core.gz")
    core = os.path.join(tmp, name + ".core")
    subprocess.run("gzip -dc '%s' > '%s'" % (gz, core), shell=True, check=True, timeout=300)
    result = os.path.join(tmp, name + ".json")
    script = os.path.join(tmp, "inside.py")
    with open(script, "w") as f:
        f.write("OUTPUT = %r\n" % result + INSIDE)
    argv = ["gdb", "-batch", "-nx", "-ex", "set debuginfod enabled off", "-ex", "set auto-load no",
            "-ex", "set solib-search-path " + os.path.join(generate.EXT_BUILD_ROOT, truth["label"]),
            "-ex", "file " + exe, "-ex", "core-file " + core, "-ex", "source " + ext, "-ex", "source " + script]
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=GDB_TIMEOUT)
    os.unlink(core)
    if not os.path.exists(result):
        raise generate.GenError("gdb wrote no result:\n" + res.stdout.decode(errors="replace")[-3000:])
    with open(result) as f:
        threads = json.load(f)
    version = subprocess.run(["gdb", "--version"], stdout=subprocess.PIPE, timeout=60).stdout.decode().splitlines()[0]
    doc = {"core_sha256": sha256(gz), "gdb": version, "extension": ext, "threads": threads}
    with open(os.path.join(generate.CORES_DIR, name + ".gdb-py.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return sum(len(t["eval_frames"]) for t in threads)


def main():
    args = sys.argv[1:]
    pythons = [n for n in all_cores() if not n.startswith("nonpython")]
    names = stale(".gdb-py.json", pythons) if args == ["--stale"] else args or pythons
    tmp = tempfile.mkdtemp(prefix="pycore-gdb-py-")
    failed = []
    for name in names:
        try:
            n = record(name, tmp)
            print("  %-26s %s" % (name, "skipped (no debug information)" if n is None else "ok (%d eval frames)" % n), flush=True)
        except (generate.GenError, subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
            failed.append(name)
            print("  %-26s FAILED: %s" % (name, e), flush=True)
    os.rmdir(tmp) if not os.listdir(tmp) else None
    if failed:
        sys.exit("FAILED: " + ", ".join(failed))


if __name__ == "__main__":
    main()
