#!/usr/bin/env python3
"""Generate pycore's corpus of real CPython core dumps with ground truth.

    python3 corpus/generate.py [--labels 3.12,3.13] [--scenarios segv-threads,abort]
                               [--no-nonpython] [--keep-tmp]

For every (label, scenario) pair this runs corpus/scenarios/<scenario>.py under
that interpreter with `-X faulthandler`, collects the kernel core (or a gcore
snapshot), faulthandler's stderr and the side file the scenario wrote, and
writes into corpus/cores/:

    <label>-<scenario>.core.gz      the core, gzip -9 -n
    <label>-<scenario>.stderr.txt   raw stderr of crashed runs (byte for byte)
    <label>-<scenario>.truth.json   ground truth (see corpus/README.md)

and copies the binaries an analyzer needs (interpreter, libpython, libc, ld.so;
debug sections stripped, symbols kept) to corpus/sysroot/<absolute path named
by the core's NT_FILE note>.  Ground truth comes only from CPython itself
(faulthandler output and the scenario's own introspection), never from pycore.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO_DIR = os.path.join(HERE, "scenarios")
CORES_DIR = os.path.join(HERE, "cores")
SYSROOT = os.path.join(HERE, "sysroot")

PYENV = "/root/.pyenv/versions"
LABELS = {
    "2.7": PYENV + "/2.7.18/bin/python2.7",
    "3.6": PYENV + "/3.6.15/bin/python3.6",
    "3.7": PYENV + "/3.7.16/bin/python3.7",
    "3.8": PYENV + "/3.8.18/bin/python3.8",
    "3.9": PYENV + "/3.9.18/bin/python3.9",
    "3.10": PYENV + "/3.10.13/bin/python3.10",
    "3.11": PYENV + "/3.11.7/bin/python3.11",
    "3.12": PYENV + "/3.12.1/bin/python3.12",
    "3.13": PYENV + "/3.13.0/bin/python3.13",
    "debian-3.11": "/usr/bin/python3.11",
    # Debian's debug build, unpacked (not installed) by corpus/get-debian-dbg.sh.
    "debian-3.11d": os.environ.get("PYCORE_PY311D", "/tmp/pycore-debian-dbg/root/usr/bin/python3.11d"),
    # CPython 3.12.1 built here with ./configure --with-trace-refs --with-pydebug --enable-shared
    # --prefix=/opt/py312-tracerefs (corpus/README.md): every object carries _ob_next/_ob_prev.
    "3.12-tracerefs": "/opt/py312-tracerefs/bin/python3.12",
    # Free-threaded CPython 3.13.0rc2 built here with ./configure --disable-gil --prefix=/opt/py313t
    # (corpus/README.md): objects carry ob_tid/ob_ref_local/ob_ref_shared, the heap is mimalloc's.
    "3.13t": "/opt/py313t/bin/python3.13t",
}
# Labels whose interpreter runs under qemu-user in a foreign-architecture root (corpus/README.md):
# qemu writes the guest's core (ELF of the guest's machine, no NT_FILE, no NT_SIGINFO) as
# qemu_<exe>_<date>_<pid>.core. `exe` is a path inside the root that is a symlink to the distro's
# interpreter, so that the core names a file no native label's sysroot copy is at.
QEMU_LABELS = {
    "debian-3.11-arm64": {"root": os.environ.get("PYCORE_ARM64_ROOT", "/tmp/arm64root"),
                          "exe": "/opt/debian-arm64/bin/python3.11", "target": "/usr/bin/python3.11",
                          "libs": ["/lib/aarch64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libm.so.6",
                                   "/lib/aarch64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libexpat.so.1",
                                   "/lib/ld-linux-aarch64.so.1", "/lib/aarch64-linux-gnu/libffi.so.8",
                                   "/usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-aarch64-linux-gnu.so"]},
}
# Where the scenarios are copied inside a qemu label's root (the paths its tracebacks show).
QEMU_WORKDIR = "/pycore-corpus"

# Extra environment per label: the unpacked debug build finds its debug-ABI extension modules here.
LABEL_ENV = {
    "debian-3.11d": {"PYTHONPATH": os.path.join(os.path.dirname(os.environ.get("PYCORE_PY311D", "/tmp/pycore-debian-dbg/root/usr/bin/python3.11d")),
                                                "..", "lib", "python3.11", "lib-dynload")},
}
# scenario name -> (script, kind)
SCENARIOS = {
    "segv-threads": ("segv_threads.py", "crash"),
    "abort": ("abort.py", "crash"),
    "gcore-live": ("gcore_live.py", "gcore"),
    "recursion": ("recursion.py", "crash"),
    "locals": ("locals.py", "crash"),
    "extension": ("extension.py", "crash"),
    "hostile": ("hostile.py", "crash"),
    "big": ("big.py", "crash"),
    "heap": ("heap.py", "crash"),
    "debugmalloc": ("debugmalloc.py", "crash"),
    "debugmalloc-trace": ("debugmalloc_trace.py", "crash"),
    "tasks": ("tasks.py", "crash"),
    "tasks-py": ("tasks.py", "crash"),
    "census": ("census.py", "crash"),
    "wrong-api": ("wrong_api.py", "crash"),
    "wrong-api-testcapi": ("wrong_api_testcapi.py", "crash"),
    "retained": ("retained.py", "crash"),
}
# Labels without faulthandler (2.7): no -X faulthandler; the truth is the side file, which their
# own scenario variants write on the crash's own line (see recorded_threads()).
NO_FAULTHANDLER = {"2.7"}
# Scenario script per (label, scenario) where a label needs its own variant.
SCRIPT_FOR = {("2.7", "segv-threads"): "segv_threads27.py", ("2.7", "abort"): "abort27.py",
              # as is: its side file is recorded from the spin loop, whose line is the line at gcore time
              ("2.7", "gcore-live"): "gcore_live.py", ("2.7", "locals"): "locals27.py",
              ("2.7", "census"): "census27.py"}
# Extra environment per scenario.
SCENARIO_ENV = {"debugmalloc": {"PYTHONMALLOC": "debug"},
                "debugmalloc-trace": {"PYTHONMALLOC": "debug", "PYTHONTRACEMALLOC": "5"}, "tasks-py": {"PYCORE_TASKS_PURE": "1"},
                "wrong-api": {"PYTHONMALLOC": "debug"}, "wrong-api-testcapi": {"PYTHONMALLOC": "debug"}}
# Scenarios made only for some labels (the default run skips the others).
ONLY_LABELS = {"big": ("3.12",), "tasks-py": ("3.13",),
               "retained": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian-3.11"),
               "census": ("2.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian-3.11"),
               "debugmalloc-trace": ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"),
               "wrong-api": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian-3.11"),
               "wrong-api-testcapi": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian-3.11")}
# debugmalloc: labels whose _PyObject_DebugDumpAddress is inlined away (no symbol to call), whose
# dumps a fork per block prints instead (debugmalloc.py's dump_by_fork). 3.8's records stay null.
DUMP_BY_FORK = ("3.6", "3.7")
# Where the extension scenario's module is built: a fixed path, so that the path the core
# records is the same every run and the sysroot copy can sit under it.
EXT_BUILD_ROOT = "/tmp/pycore-corpus-ext"
NONPYTHON = "nonpython-sleep"
SLEEP_ARGV = ["/bin/sleep", "100"]

RUN_TIMEOUT = 60      # one scenario process
GCORE_TIMEOUT = 120   # one gcore invocation
READY_TIMEOUT = 30    # gcore-live: wait for the ready file
ATTEMPTS = int(os.environ.get("PYCORE_CORPUS_ATTEMPTS", "3"))

FATAL_SIGNALS = {"Segmentation fault": 11, "Aborted": 6, "Bus error": 7,
                 "Floating point exception": 8, "Illegal instruction": 4}


class GenError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def child_env(extra):
    env = {
        "PATH": "/usr/bin:/bin",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }
    env.update(extra)
    return env


def kill_group(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def run_checked(argv, timeout, **kw):
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=timeout, **kw)
    if res.returncode != 0:
        raise GenError("%s failed (%d): %s" % (argv[0], res.returncode,
                                                res.stderr.decode(errors="replace")[-2000:]))
    return res


# --------------------------------------------------------------------------
# ELF core notes

NT_PRSTATUS = 1
NT_PRPSINFO = 3
NT_SIGINFO = 0x53494749
NT_FILE = 0x46494C45


def core_notes(path):
    """Parse the PT_NOTE segments of an x86-64 ELF core (pure Python;
    binutils 2.40's readelf cannot decode NT_FILE here)."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
            raise GenError("%s: not a 64-bit little-endian ELF" % path)
        e_type = struct.unpack_from("<H", ehdr, 16)[0]
        if e_type != 4:
            raise GenError("%s: not an ET_CORE file" % path)
        e_phoff = struct.unpack_from("<Q", ehdr, 32)[0]
        e_phentsize, e_phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(e_phoff)
        phdrs = f.read(e_phentsize * e_phnum)
        notes = []
        for i in range(e_phnum):
            p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from(
                "<IIQQQQ", phdrs, i * e_phentsize)
            if p_type != 4:  # PT_NOTE
                continue
            f.seek(p_offset)
            data = f.read(p_filesz)
            off = 0
            while off + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, off)
                off += 12
                name = data[off:off + namesz].rstrip(b"\0").decode(errors="replace")
                off += (namesz + 3) & ~3
                desc = data[off:off + descsz]
                off += (descsz + 3) & ~3
                notes.append((name, ntype, desc))
    out = {"files": [], "lwps": [], "siginfo_signo": None, "prstatus_cursig": [],
           "psargs": None, "fname": None}
    for name, ntype, desc in notes:
        if name == "CORE" and ntype == NT_FILE:
            count, _page = struct.unpack_from("<QQ", desc, 0)
            strings = desc[16 + 24 * count:].split(b"\0")
            for i in range(count):
                start, end, pgoff = struct.unpack_from("<QQQ", desc, 16 + 24 * i)
                out["files"].append((start, end, pgoff, strings[i].decode()))
        elif name == "CORE" and ntype == NT_PRSTATUS:
            cursig = struct.unpack_from("<h", desc, 12)[0]
            pid = struct.unpack_from("<i", desc, 32)[0]
            out["lwps"].append(pid)
            out["prstatus_cursig"].append(cursig)
        elif name == "CORE" and ntype == NT_SIGINFO:
            out["siginfo_signo"] = struct.unpack_from("<i", desc, 0)[0]
        elif name == "CORE" and ntype == NT_PRPSINFO:
            out["fname"] = desc[40:56].split(b"\0")[0].decode(errors="replace")
            out["psargs"] = desc[56:136].split(b"\0")[0].decode(errors="replace")
    return out


# --------------------------------------------------------------------------
# sysroot

def elf_info(path):
    res = run_checked(["readelf", "-n", "-S", "--wide", path], 60)
    text = res.stdout.decode(errors="replace")
    m = re.search(r"Build ID: ([0-9a-f]+)", text)
    return {"build_id": m.group(1) if m else None,
            "symtab": re.search(r"\]\s+\.symtab\s", text) is not None,
            "debug": re.search(r"\]\s+\.debug_info\s", text) is not None}


_sysroot_done = {}
# --replace-binaries: let a different build replace a sysroot binary other cores were made with.
REPLACE_BINARIES = False


def sysroot_copy(path):
    """Copy `path` (an absolute path from NT_FILE) to corpus/sysroot/<path>,
    debug sections stripped, symbols and build-id kept."""
    if path in _sysroot_done:
        return _sysroot_done[path]
    if not os.path.isfile(path):
        raise GenError("NT_FILE names %s but it is not on this machine" % path)
    src = elf_info(path)
    dest = SYSROOT + path
    if os.path.exists(dest):
        have = elf_info(dest)
        if have == dict(src, debug=False):
            _sysroot_done[path] = dest
            return dest
        # Other cores of the corpus were made with the binary already here: replacing it with
        # another build (e.g. a newer distro package) would leave them without their binary.
        if have["build_id"] and have["build_id"] != src["build_id"] and not REPLACE_BINARIES:
            raise GenError("corpus/sysroot%s is build-id %s, which existing cores need; this machine's "
                           "file is build-id %s. Put the matching build back at %s, or pass "
                           "--replace-binaries and regenerate every core of this label"
                           % (path, have["build_id"], src["build_id"], path))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp"
    run_checked(["objcopy", "--strip-debug", path, tmp], 120)
    got = elf_info(tmp)
    if got["build_id"] != src["build_id"] or not src["build_id"]:
        raise GenError("%s: build-id changed or missing (%s -> %s)"
                       % (path, src["build_id"], got["build_id"]))
    if src["symtab"] and not got["symtab"]:
        raise GenError("%s: .symtab lost by objcopy" % path)
    if got["debug"]:
        raise GenError("%s: debug info survived --strip-debug" % path)
    os.chmod(tmp, os.stat(path).st_mode & 0o777)
    os.replace(tmp, dest)
    _sysroot_done[path] = dest
    return dest


def pick_sysroot_files(nt_files, executable):
    paths = []
    for _s, _e, _o, p in nt_files:
        if p not in paths:
            paths.append(p)
    exe = os.path.realpath(executable)
    wanted = []
    if exe not in paths:
        raise GenError("executable %s not in NT_FILE" % exe)
    wanted.append(exe)
    for p in paths:
        base = os.path.basename(p)
        if (base.startswith("libpython") or base == "libc.so.6" or p.startswith(EXT_BUILD_ROOT + "/")
                or base.startswith("ld-linux-x86-64.so")) and p not in wanted:
            wanted.append(p)
    for need in ("libc.so.6", "ld-linux-x86-64.so.2"):
        if not any(os.path.basename(p) == need for p in wanted):
            raise GenError("%s not in NT_FILE" % need)
    return wanted


# --------------------------------------------------------------------------
# faulthandler output

HEADER_RE = re.compile(r"^(Current thread|Thread) (0x[0-9a-fA-F]+) \(most recent call first\):$")
FRAME_RE = re.compile(r'^  File "(.*)", line (\d+|\?\?\?) in (.*)$')


def parse_faulthandler(text, fatal=True):
    """Return (block_text, fatal_reason, threads) from faulthandler output.

    threads: list of dicts {thread_id, current, frames[(file,line,name)],
    ellipsis, no_python_frame}.  block_text runs from 'Fatal Python error'
    (or the first thread header for a dump) through the last line that
    belongs to faulthandler (thread blocks, 'Extension modules' line)."""
    lines = text.splitlines(keepends=True)
    start = None
    reason = None
    for i, line in enumerate(lines):
        if fatal and line.startswith("Fatal Python error: "):
            start = i
            reason = line[len("Fatal Python error: "):].strip()
            break
        if not fatal and HEADER_RE.match(line.rstrip("\n")):
            start = i
            break
    if start is None:
        raise GenError("no faulthandler block in output:\n" + text[-2000:])
    threads = []
    cur = None
    last = start
    i = start + 1 if fatal else start
    while i < len(lines):
        raw = lines[i]
        line = raw.rstrip("\n")
        m = HEADER_RE.match(line)
        if m:
            cur = {"thread_id": m.group(2), "current": m.group(1) == "Current thread",
                   "frames": [], "ellipsis": False, "no_python_frame": False}
            threads.append(cur)
            last = i
        elif cur is not None and FRAME_RE.match(line):
            fm = FRAME_RE.match(line)
            cur["frames"].append((fm.group(1),
                                  None if fm.group(2) == "???" else int(fm.group(2)),
                                  fm.group(3)))
            last = i
        elif cur is not None and line == "  ...":
            cur["ellipsis"] = True
            last = i
        elif cur is not None and line.strip() == "<no Python frame>":
            cur["no_python_frame"] = True
            last = i
        elif line.startswith("Extension modules:"):
            last = i
        elif line == "...":  # more than 100 threads
            last = i
        elif line == "" or line.startswith("Python runtime state") or line.startswith("Stack ("):
            pass
        elif fatal and i == start + 1:
            pass
        else:
            # first line that is not faulthandler's (e.g. a shell message)
            if threads:
                break
        i += 1
    block = "".join(lines[start:last + 1])
    if not threads:
        raise GenError("faulthandler block without threads:\n" + block)
    return block, reason, threads


# --------------------------------------------------------------------------
# truth

def fh_escape(s):
    """faulthandler's _Py_DumpASCII: printable ASCII as is, else \\xhh, \\uhhhh, \\Uhhhhhhhh."""
    out = []
    for i, ch in enumerate(s):
        if i >= 500:
            out.append("...")
            break
        o = ord(ch)
        if 0x20 <= o <= 0x7e:
            out.append(ch)
        elif o <= 0xff:
            out.append("\\x%02x" % o)
        elif o <= 0xffff:
            out.append("\\u%04x" % o)
        else:
            out.append("\\U%08x" % o)
    return "".join(out)


def snapshot_frames(th):
    """The snapshot's frames as faulthandler would print them (names escaped)."""
    return [(fh_escape(f["co_filename"]), f["f_lineno"], fh_escape(f["co_name"])) for f in th["frames"]]


def raw_names(snap):
    """faulthandler-escaped text -> the raw string it came from, for every name in the snapshot."""
    out = {}
    for th in snap["threads"]:
        for f in th["frames"]:
            for key in ("co_filename", "co_name"):
                out[fh_escape(f[key])] = f[key]
    for f in snap.get("extra", {}).get("extra_code", []):
        for key in ("co_filename", "co_name"):
            out[fh_escape(f[key])] = f[key]
    return out


def qualname_catalog(snap):
    cat = []
    for th in snap["threads"]:
        for f in th["frames"]:
            cat.append(f)
    cat.extend(snap.get("extra", {}).get("extra_code", []))
    return cat


def resolve_qualname(cat, file, line, name):
    """co_qualname of the code object a faulthandler frame runs (3.11+):
    among code objects seen by the scenario with the same file and name, the
    one with the greatest co_firstlineno <= line.  None when unknown."""
    best = None
    for c in cat:
        if c["co_filename"] != file or c["co_name"] != name or c.get("co_qualname") is None:
            continue
        if line is not None and c["co_firstlineno"] > line:
            continue
        if best is None or c["co_firstlineno"] > best["co_firstlineno"]:
            best = c
    return best["co_qualname"] if best else None


def python_info(snap):
    return {"version": snap["version"].split()[0],
            "hexversion": snap["hexversion"],
            "executable": snap["executable"],
            "build": "trace-refs" if snap.get("trace_refs") else "debug" if snap["debug_build"]
            else "free-threaded" if snap.get("free_threaded") else "release"}


def crash_threads(fh_threads, snap):
    by_ident = {th["ident"]: th for th in snap["threads"]}
    if len(fh_threads) != len(snap["threads"]):
        raise GenError("faulthandler printed %d threads, snapshot has %d"
                       % (len(fh_threads), len(snap["threads"])))
    cat = qualname_catalog(snap)
    extra = snap.get("extra", {})
    out = []
    for ft in fh_threads:
        st = by_ident.get(int(ft["thread_id"], 16))
        if st is None:
            raise GenError("thread %s not in snapshot" % ft["thread_id"])
        raw = raw_names(snap)
        frames = [{"function": raw.get(name, name), "qualname": resolve_qualname(cat, raw.get(file, file), line, raw.get(name, name)),
                   "file": raw.get(file, file), "line": line} for file, line, name in ft["frames"]]
        snapf = snapshot_frames(st)
        if ft["current"] != st["is_current"]:
            raise GenError("current thread mismatch for %s" % ft["thread_id"])
        if not ft["current"]:
            # a blocked thread: faulthandler must agree with the snapshot
            if ft["frames"] != snapf[:len(ft["frames"])]:
                raise GenError("blocked thread %s moved between snapshot and crash:\n%s\n%s"
                               % (ft["thread_id"], ft["frames"], snapf))
        else:
            # the crashing thread: below the crash function, same frames
            fhf = ft["frames"]
            k = next((i for i, fr in enumerate(fhf)
                      if (fr[0], fr[2]) == (snapf[0][0], snapf[0][2])), None)
            if k is None:
                raise GenError("crash frame %s not in faulthandler output" % (snapf[0],))
            tail = fhf[k + 1:]
            if tail != snapf[1:1 + len(tail)]:
                raise GenError("current thread callers differ from snapshot")
        if "depth_at_deepest" in extra and ft["current"]:
            # depth recorded by the scenario in its deepest frame, plus the
            # frames faulthandler shows above that frame (the crash call)
            k = next(i for i, fr in enumerate(ft["frames"])
                     if fr[2] == extra["deepest_function"])
            depth = extra["depth_at_deepest"] + k
        elif ft["ellipsis"] or len(ft["frames"]) >= 100:
            if ft["current"]:
                raise GenError("current thread truncated but no depth recorded")
            depth = len(snapf)
        else:
            depth = len(frames)
        truncated = ft["ellipsis"] or len(ft["frames"]) < depth
        out.append({"thread_id": ft["thread_id"], "native_id": st["native_id"],
                    "name": st["name"], "current": ft["current"], "frames": frames,
                    "faulthandler_truncated": truncated, "depth": depth})
    if sum(1 for t in out if t["current"]) != 1:
        raise GenError("expected exactly one current thread")
    return out


def gcore_threads(dump_threads, snap):
    by_ident = {th["ident"]: th for th in snap["threads"]}
    if len(dump_threads) != len(snap["threads"]):
        raise GenError("dump has %d threads, snapshot %d" % (len(dump_threads), len(snap["threads"])))
    extra = snap["extra"]
    out = []
    for dt in dump_threads:
        st = by_ident.get(int(dt["thread_id"], 16))
        if st is None:
            raise GenError("thread %s not in snapshot" % dt["thread_id"])
        snapf = snapshot_frames(st)
        if dt["current"]:
            # drop the at_spin() helper frames faulthandler saw above the spin frame
            k = next((i for i, fr in enumerate(dt["frames"])
                      if fr[2] == extra["spin_function"] and fr[1] == extra["spin_line"]), None)
            if k is None or dt["frames"][k:] != snapf:
                raise GenError("spinning thread: dump and snapshot disagree")
            top = st["frames"][0]
            if (top["co_name"], top["f_lineno"]) != (extra["spin_function"], extra["spin_line"]):
                raise GenError("spinning thread's top frame is not the spin loop")
        elif dt["frames"] != snapf:
            raise GenError("blocked thread %s: dump and snapshot disagree" % dt["thread_id"])
        frames = [{"function": f["co_name"], "qualname": f.get("co_qualname"),
                   "file": f["co_filename"], "line": f["f_lineno"]} for f in st["frames"]]
        out.append({"thread_id": dt["thread_id"], "native_id": st["native_id"],
                    "name": st["name"], "current": dt["current"], "frames": frames,
                    "faulthandler_truncated": False, "depth": len(frames)})
    cur = [t for t in out if t["current"]]
    if len(cur) != 1 or cur[0]["name"] != "MainThread":
        raise GenError("expected the spinning MainThread to be current")
    return out


# --------------------------------------------------------------------------
# running scenarios

def compress_core(core_path, dest):
    tmp = dest + ".tmp"
    with open(tmp, "wb") as out:
        subprocess.run(["gzip", "-9", "-n", "-c", core_path], stdout=out, check=True, timeout=300)
    os.replace(tmp, dest)
    os.unlink(core_path)


def find_core(tmpdir, pid):
    for name in ("core.%d" % pid, "core"):
        p = os.path.join(tmpdir, name)
        if os.path.exists(p):
            return p
    return None


def build_extension(label, exe):
    """Compile scenarios/crashext.c for `exe`; returns the build directory."""
    out_dir = os.path.join(EXT_BUILD_ROOT, label)
    os.makedirs(out_dir, exist_ok=True)
    info = subprocess.run([exe, "-S", "-c", "import sysconfig; print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.split()
    target = os.path.join(out_dir, "crashext" + info[1])
    run_checked(["gcc", "-shared", "-fPIC", "-O1", "-fno-omit-frame-pointer", "-I", info[0],
                 os.path.join(SCENARIO_DIR, "crashext.c"), "-o", target], 120)
    return out_dir


def debug_dump_function(exe):
    """"file:offset" of CPython's static _PyObject_DebugDumpAddress in the file that holds the
    interpreter (libpython beside the executable, or the executable), from its .symtab; None when
    no symbol names it (3.8 inlines it; stripped builds have no .symtab)."""
    exe = os.path.realpath(exe)
    lib = os.path.join(os.path.dirname(os.path.dirname(exe)), "lib")
    files = [os.path.join(lib, f) for f in sorted(os.listdir(lib)) if re.match(r"libpython3\.\d+d?\.so\.1\.0$", f)] if os.path.isdir(lib) else []
    for path in files + [exe]:
        out = subprocess.run(["nm", path], capture_output=True, text=True).stdout
        m = re.search(r"^([0-9a-f]+) [tT] _PyObject_DebugDumpAddress$", out, re.M)
        if m:
            # Relative to the file's first PT_LOAD (0 for PIE and shared libraries), which is
            # mapped at the start of the file's offset-0 mapping.
            loads = re.findall(r"^\s*LOAD\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout, re.M)
            return "%s:%x" % (os.path.realpath(path), int(m.group(1), 16) - int(loads[0], 16))
    return None


def recorded_threads(snap):
    """2.7: every thread's stack as sys._current_frames() recorded it on the crash's own line
    (the crash itself is a C call, so no Python frame is above the recording one). Ordered as
    the interpreter lists thread states: PyThreadState_New puts a new one at the head, so the
    newest started thread comes first and the main thread last."""
    order = list(reversed(snap["started_idents"])) + [t["ident"] for t in snap["threads"] if t["ident"] not in snap["started_idents"]]
    by_ident = {t["ident"]: t for t in snap["threads"]}
    if sorted(order) != sorted(by_ident):
        raise GenError("threads other than the main thread and the started workers: %s" % sorted(by_ident))
    out = []
    for ident in order:
        st = by_ident[ident]
        frames = [{"function": f["co_name"], "qualname": None, "file": f["co_filename"], "line": f["f_lineno"]} for f in st["frames"]]
        out.append({"thread_id": st["ident_hex"], "native_id": st["native_id"], "name": st["name"], "current": st["is_current"],
                    "frames": frames, "faulthandler_truncated": False, "depth": len(frames)})
    if sum(1 for t in out if t["current"]) != 1:
        raise GenError("expected exactly one current thread")
    return out


def run_crash(label, scenario, exe, script, tmpdir):
    side = os.path.join(tmpdir, "side.json")
    argv = [exe, "-S", script] if label in NO_FAULTHANDLER else [exe, "-S", "-X", "faulthandler", script]
    shell = ["bash", "-c", 'ulimit -c unlimited && exec "$@"', "bash"] + argv
    env = {"PYCORE_SIDE_FILE": side}
    if scenario == "extension":
        env["PYCORE_EXT_DIR"] = build_extension(label, exe)
    env.update(LABEL_ENV.get(label, {}))
    env.update(SCENARIO_ENV.get(scenario, {}))
    if scenario == "debugmalloc":
        where = debug_dump_function(exe)
        if where:
            env["PYCORE_DUMP_ADDRESS"] = where
        elif label in DUMP_BY_FORK:
            env["PYCORE_DUMP_BY_FORK"] = "1"
    proc = subprocess.Popen(shell, cwd=tmpdir, env=child_env(env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise GenError("timed out")
    finally:
        kill_group(proc)
    rc = proc.returncode
    if rc >= 0:
        raise GenError("exited with %d instead of a signal:\n%s" % (rc, err.decode(errors="replace")[-3000:]))
    core = find_core(tmpdir, proc.pid)
    if core is None:
        raise GenError("no core file written (signal %d)" % -rc)
    if not os.path.exists(side):
        raise GenError("no side file")
    with open(side) as f:
        snap = json.load(f)
    if snap["pid"] != proc.pid:
        raise GenError("pid mismatch: side file %d, process %d" % (snap["pid"], proc.pid))
    text = err.decode("utf-8", errors="surrogateescape")
    signo = -rc
    if label in NO_FAULTHANDLER:
        truth = {
            "label": label, "scenario": scenario,
            "python": python_info(snap),
            "process": {"pid": proc.pid, "argv": argv},
            "signal": {"number": signo, "name": signal.Signals(signo).name},
            "faulthandler_text": None, "fatal_error": None, "fatal_error_text": None,
            "threads": recorded_threads(snap),
            "truth_source": "sys._current_frames() recorded on the crash's own source line",
        }
        return truth, snap, core, err
    block, reason, fh_threads = parse_faulthandler(text, fatal=True)
    # Py_FatalError (e.g. the debug allocator's "bad trailing pad byte") prints its own dump,
    # turns faulthandler off and aborts: SIGABRT with a message rather than a signal name.
    fatal_error = reason if reason not in FATAL_SIGNALS and signo == signal.SIGABRT else None
    if FATAL_SIGNALS.get(reason) != signo and fatal_error is None:
        raise GenError("faulthandler says %r but process died of signal %d" % (reason, signo))
    threads = crash_threads(fh_threads, snap)
    census = refchain_census(text)
    truth = {
        "label": label, "scenario": scenario,
        "python": python_info(snap),
        "process": {"pid": proc.pid, "argv": argv},
        "signal": {"number": signo, "name": signal.Signals(signo).name},
        "faulthandler_text": None if fatal_error else block,
        "fatal_error": fatal_error,
        "fatal_error_text": block if fatal_error else None,
        "threads": threads,
    }
    if census is not None:
        truth["refchain_census"] = census
    if scenario in ("wrong-api", "wrong-api-testcapi"):
        truth["debug_block_dump"] = wrong_api_dump(text, fatal_error, snap)
    return truth, snap, core, err


DUMP_HEAD_RE = re.compile(r"^Debug memory block at address p=(0x[0-9a-f]+): API '(.)'$")
DUMP_PAD_RE = re.compile(r"^        at (p-\d|tail\+\d): 0x([0-9a-f]{2})( \*\*\* OUCH)?$")
BAD_ID_RE = re.compile(r"^(?:(\w+): )?bad ID: Allocated using API '(.)', verified using API '(.)'$")


def wrong_api_dump(text, fatal_error, snap):
    """The wrong-api scenario's truth, from what CPython printed: _PyObject_DebugDumpAddress's
    dump of the block (address, API id, bytes requested, every pad byte it listed, the data
    line) and the fatal error's two API ids."""
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if DUMP_HEAD_RE.match(line)]
    if len(heads) != 1:
        raise GenError("expected one debug block dump on stderr, found %d" % len(heads))
    i = heads[0]
    m = DUMP_HEAD_RE.match(lines[i])
    out = {"address": m.group(1), "api": m.group(2), "requested": None, "leading_intact": None,
           "trailing_intact": None, "pads": [], "data": None}
    for line in lines[i + 1:]:
        if not line.startswith("    "):
            break
        r = re.match(r"^    (\d+) bytes originally requested$", line)
        if r:
            out["requested"] = int(r.group(1))
        elif line.startswith("    The 7 pad bytes at p-7 "):
            out["leading_intact"] = line.endswith("are FORBIDDENBYTE, as expected.")
        elif line.startswith("    The 8 pad bytes at tail="):
            out["trailing_intact"] = line.endswith("are FORBIDDENBYTE, as expected.")
        elif line.startswith("    Data at p:"):
            out["data"] = line[len("    Data at p:"):].strip()
        else:
            pad = DUMP_PAD_RE.match(line)
            if pad:
                out["pads"].append({"at": pad.group(1), "value": "0x" + pad.group(2), "bad": pad.group(3) is not None})
    b = BAD_ID_RE.match(fatal_error or "")
    if not b:
        raise GenError("fatal error is not a bad ID: %r" % fatal_error)
    out.update({"function": b.group(1), "allocated_api": b.group(2), "verified_api": b.group(3)})
    facts = snap["extra"]["wrong_api"].get("block")
    if facts and (out["address"], out["requested"], out["allocated_api"]) != (facts["address"], facts["requested"], facts["api"]):
        raise GenError("the dump (%s, %s, %s) is not the block the program freed %s" % (out["address"], out["requested"], out["allocated_api"], facts))
    return out


REFCHAIN_RE = re.compile(r"^pycore-refchain: (\d+) (\d+) (\S+) (.*)$")


def refchain_census(text):
    """The heap scenario's `pycore-refchain:` lines (Py_TRACE_REFS builds): live objects per type
    from sys.getobjects(0) just before the crash, as [module, qualname, id of type, count]."""
    if "pycore-refchain: end\n" not in text:
        return None
    if "pycore-refchain: objects of a type made after the index\n" in text:
        raise GenError("refchain census saw a type made after its index")
    types = []
    for line in text.splitlines():
        m = REFCHAIN_RE.match(line)
        if m:
            types.append([m.group(3), m.group(4), int(m.group(1)), int(m.group(2))])
    if not types:
        raise GenError("refchain census without types")
    return {"types": types, "objects": sum(t[3] for t in types)}


def run_gcore(label, scenario, exe, script, tmpdir):
    side = os.path.join(tmpdir, "side.json")
    ready = os.path.join(tmpdir, "ready")
    dump = os.path.join(tmpdir, "faulthandler-dump.txt")
    argv = [exe, "-S", script] if label in NO_FAULTHANDLER else [exe, "-S", "-X", "faulthandler", script]
    errpath = os.path.join(tmpdir, "stderr.txt")
    with open(errpath, "wb") as errf:
        proc = subprocess.Popen(argv, cwd=tmpdir,
                                env=child_env({"PYCORE_SIDE_FILE": side, "PYCORE_READY_FILE": ready,
                                               "PYCORE_FH_DUMP": dump}),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=errf, start_new_session=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not os.path.exists(ready):
            if proc.poll() is not None:
                with open(errpath, "rb") as f:
                    raise GenError("exited with %d before ready:\n%s"
                                   % (proc.returncode, f.read().decode(errors="replace")[-3000:]))
            if time.monotonic() > deadline:
                raise GenError("never became ready")
            time.sleep(0.05)
        time.sleep(0.5)
        prefix = os.path.join(tmpdir, "gcore")
        run_checked(["gcore", "-o", prefix, str(proc.pid)], GCORE_TIMEOUT,
                    stdin=subprocess.DEVNULL)
        if proc.poll() is not None:
            raise GenError("process died during gcore")
    finally:
        kill_group(proc)
    core = "%s.%d" % (prefix, proc.pid)
    if not os.path.exists(core):
        raise GenError("gcore wrote no %s" % core)
    with open(side) as f:
        snap = json.load(f)
    if snap["pid"] != proc.pid:
        raise GenError("pid mismatch")
    if label in NO_FAULTHANDLER:
        dump_text = None
        threads = recorded_threads(snap)
    else:
        with open(dump, encoding="utf-8", errors="surrogateescape") as f:
            dump_text = f.read()
        _block, _reason, dump_threads = parse_faulthandler(dump_text, fatal=False)
        threads = gcore_threads(dump_threads, snap)
    truth = {
        "label": label, "scenario": scenario,
        "python": python_info(snap),
        "process": {"pid": proc.pid, "argv": argv},
        "signal": None,
        "faulthandler_text": None,
        "faulthandler_dump": dump_text,
        "threads": threads,
    }
    return truth, snap, core, None


def finish(name, truth, snap, core, stderr_bytes, executable, expect_signal):
    notes = core_notes(core)
    if executable is not None:
        lwps = set(notes["lwps"])
        for t in truth["threads"]:
            if t["native_id"] not in lwps:
                raise GenError("native id %s not among the core's LWPs %s" % (t["native_id"], sorted(lwps)))
    if expect_signal is not None and notes["siginfo_signo"] != expect_signal:
        raise GenError("core NT_SIGINFO signo %s != %s" % (notes["siginfo_signo"], expect_signal))
    sysroot = [sysroot_copy(p) for p in pick_sysroot_files(notes["files"], executable or SLEEP_ARGV[0])]
    truth["core"] = {
        "file": name + ".core.gz",
        "size": os.path.getsize(core),
        "lwps": notes["lwps"],
        "nt_siginfo_signo": notes["siginfo_signo"],
        "psargs": notes["psargs"],
        "sysroot": sorted(p[len(SYSROOT):] for p in sysroot),
    }
    truth["snapshot"] = snap
    for suffix in (".core.gz", ".stderr.txt", ".truth.json"):
        p = os.path.join(CORES_DIR, name + suffix)
        if os.path.exists(p):
            os.unlink(p)
    if stderr_bytes is not None:
        with open(os.path.join(CORES_DIR, name + ".stderr.txt"), "wb") as f:
            f.write(stderr_bytes)
    with open(os.path.join(CORES_DIR, name + ".truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    compress_core(core, os.path.join(CORES_DIR, name + ".core.gz"))


def run_qemu_crash(label, scenario, script):
    """A crash scenario under qemu-user in the label's root: truth from faulthandler and the
    side file as for native runs; the core is the one qemu wrote for the guest."""
    q = QEMU_LABELS[label]
    root = q["root"]
    work = root + QEMU_WORKDIR
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for f in (script, os.path.join(SCENARIO_DIR, "_common.py")):
        shutil.copy(f, work)
    link = root + q["exe"]
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(q["target"], link)
    guest_script = QEMU_WORKDIR + "/" + os.path.basename(script)
    argv = [q["exe"], "-S", "-X", "faulthandler", guest_script]
    inner = "cd %s && ulimit -c unlimited && exec %s" % (QEMU_WORKDIR, " ".join(shlex.quote(a) for a in argv))
    # The host kernel's core of qemu itself would be written too: ulimit -c 0 outside, and qemu
    # honours the guest's own (raised inside) limit for the guest core.
    proc = subprocess.Popen([shutil.which("chroot", path="/usr/sbin:/usr/bin:/sbin:/bin") or "chroot", root, "/bin/sh", "-c", inner], cwd="/",
                            env=child_env({"PYCORE_SIDE_FILE": QEMU_WORKDIR + "/side.json"}),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT * 3)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise GenError("timed out")
    finally:
        kill_group(proc)
    rc = proc.returncode
    if rc >= 0:
        raise GenError("exited with %d instead of a signal:\n%s" % (rc, err.decode(errors="replace")[-3000:]))
    cores = [f for f in os.listdir(work) if f.startswith("qemu_") and f.endswith("_%d.core" % proc.pid)]
    if len(cores) != 1:
        raise GenError("qemu wrote no guest core (%s)" % os.listdir(work))
    core = os.path.join(work, cores[0])
    if os.path.exists(os.path.join(work, "core")):
        os.unlink(os.path.join(work, "core"))  # the host kernel's core of qemu itself
    with open(os.path.join(work, "side.json")) as f:
        snap = json.load(f)
    if snap["pid"] != proc.pid:
        raise GenError("pid mismatch: side file %d, process %d" % (snap["pid"], proc.pid))
    text = err.decode("utf-8", errors="surrogateescape")
    block, reason, fh_threads = parse_faulthandler(text, fatal=True)
    signo = -rc
    if FATAL_SIGNALS.get(reason) != signo:
        raise GenError("faulthandler says %r but process died of signal %d" % (reason, signo))
    truth = {
        "label": label, "scenario": scenario,
        "python": python_info(snap),
        "process": {"pid": proc.pid, "argv": argv},
        "signal": {"number": signo, "name": signal.Signals(signo).name},
        "faulthandler_text": block, "fatal_error": None, "fatal_error_text": None,
        "threads": crash_threads(fh_threads, snap),
        "machine": "aarch64 (qemu-user %s)" % subprocess.run(["qemu-aarch64-static", "--version"], capture_output=True,
                                                               text=True).stdout.split("\n")[0],
    }
    name = "%s-%s" % (label, scenario)
    notes = core_notes(core)
    lwps = set(notes["lwps"])
    for t in truth["threads"]:
        if t["native_id"] not in lwps:
            raise GenError("native id %s not among the core's LWPs %s" % (t["native_id"], sorted(lwps)))
    # No NT_FILE to pick the sysroot files from: the interpreter and the libraries it loads
    # (Debian's binaries are stripped already; the host's objcopy cannot read aarch64 files).
    copied = []
    for guest, real in [(q["exe"], q["target"])] + [(lib, lib) for lib in q["libs"]]:
        dest = SYSROOT + guest
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(os.path.realpath(root + real), dest)
        copied.append(guest)
    truth["core"] = {"file": name + ".core.gz", "size": os.path.getsize(core), "lwps": notes["lwps"],
                     "nt_siginfo_signo": notes["siginfo_signo"], "psargs": notes["psargs"], "sysroot": sorted(copied)}
    truth["snapshot"] = snap
    with open(os.path.join(CORES_DIR, name + ".stderr.txt"), "wb") as f:
        f.write(err)
    with open(os.path.join(CORES_DIR, name + ".truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    compress_core(core, os.path.join(CORES_DIR, name + ".core.gz"))
    return truth


def generate_one(label, scenario, keep_tmp):
    if label in QEMU_LABELS:
        try:
            truth = run_qemu_crash(label, scenario, os.path.join(SCENARIO_DIR, SCENARIOS[scenario][0]))
            log("  %-26s ok  (threads=%d, depths=%s)" % ("%s-%s" % (label, scenario), len(truth["threads"]), [t["depth"] for t in truth["threads"]]))
            return True
        except (GenError, subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
            log("  %s-%s FAILED: %s" % (label, scenario, e))
            return False
    exe = LABELS[label]
    script_name, kind = SCENARIOS[scenario]
    script = os.path.join(SCENARIO_DIR, SCRIPT_FOR.get((label, scenario), script_name))
    name = "%s-%s" % (label, scenario)
    last = None
    for attempt in range(1, ATTEMPTS + 1):
        tmpdir = tempfile.mkdtemp(prefix="pycore-corpus-%s-" % name)
        try:
            t0 = time.monotonic()
            if kind == "crash":
                truth, snap, core, err = run_crash(label, scenario, exe, script, tmpdir)
                finish(name, truth, snap, core, err, exe, truth["signal"]["number"])
            else:
                truth, snap, core, err = run_gcore(label, scenario, exe, script, tmpdir)
                finish(name, truth, snap, core, None, exe, None)
            log("  %-26s ok  (%.1fs, threads=%d, depths=%s)" % (
                name, time.monotonic() - t0, len(truth["threads"]),
                [t["depth"] for t in truth["threads"]]))
            return True
        except (GenError, subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
            last = e
            log("  %-26s attempt %d failed: %s" % (name, attempt, e))
        finally:
            if not keep_tmp:
                shutil.rmtree(tmpdir, ignore_errors=True)
    log("  %-26s FAILED: %s" % (name, last))
    return False


def generate_nonpython(keep_tmp):
    name = NONPYTHON
    tmpdir = tempfile.mkdtemp(prefix="pycore-corpus-%s-" % name)
    proc = None
    try:
        proc = subprocess.Popen(SLEEP_ARGV, cwd=tmpdir, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(0.3)
        prefix = os.path.join(tmpdir, "gcore")
        run_checked(["gcore", "-o", prefix, str(proc.pid)], GCORE_TIMEOUT, stdin=subprocess.DEVNULL)
        kill_group(proc)
        core = "%s.%d" % (prefix, proc.pid)
        truth = {
            "label": None, "scenario": name, "python": None,
            "process": {"pid": proc.pid, "argv": SLEEP_ARGV},
            "signal": None, "faulthandler_text": None, "threads": [],
        }
        finish(name, truth, None, core, None, None, None)
        log("  %-26s ok" % name)
        return True
    except (GenError, subprocess.SubprocessError, OSError) as e:
        log("  %-26s FAILED: %s" % (name, e))
        return False
    finally:
        kill_group(proc)
        if not keep_tmp:
            shutil.rmtree(tmpdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", default=",".join(LABELS),
                    help="comma-separated labels (default: all): " + ",".join(LABELS))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help="comma-separated scenarios (default: all): " + ",".join(SCENARIOS)
                    + "; add %s to (re)make the non-Python core" % NONPYTHON)
    ap.add_argument("--no-nonpython", action="store_true",
                    help="do not (re)make %s when running all scenarios" % NONPYTHON)
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary run directories")
    ap.add_argument("--replace-binaries", action="store_true",
                    help="allow a sysroot binary to be replaced by a build with another build-id "
                         "(then regenerate every core that used it)")
    args = ap.parse_args()
    global REPLACE_BINARIES
    REPLACE_BINARIES = args.replace_binaries

    labels = [x for x in args.labels.split(",") if x]
    scenarios = [x for x in args.scenarios.split(",") if x]
    for x in labels:
        if x not in LABELS and x not in QEMU_LABELS:
            ap.error("unknown label %r" % x)
    for x in scenarios:
        if x not in SCENARIOS and x != NONPYTHON:
            ap.error("unknown scenario %r" % x)
    want_nonpython = NONPYTHON in scenarios or (
        args.scenarios == ap.get_default("scenarios") and not args.no_nonpython)
    scenarios = [s for s in scenarios if s != NONPYTHON]

    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern.startswith("|") or "/" in pattern:
        sys.exit("core_pattern is %r; kernel cores must be written to the cwd as 'core'" % pattern)
    for label in labels:
        if label in QEMU_LABELS:
            q = QEMU_LABELS[label]
            if not os.access(q["root"] + q["target"], os.X_OK):
                sys.exit("interpreter for %s not found: %s%s (corpus/README.md: debootstrap --arch=arm64)" % (label, q["root"], q["target"]))
        elif not os.access(LABELS[label], os.X_OK):
            sys.exit("interpreter for %s not found: %s" % (label, LABELS[label]))

    os.makedirs(CORES_DIR, exist_ok=True)
    t0 = time.monotonic()
    failed = []
    for label in labels:
        log("%s (%s)" % (label, LABELS.get(label) or QEMU_LABELS[label]["root"]))
        for scenario in scenarios:
            if label not in ONLY_LABELS.get(scenario, (label,)):
                continue
            if label in NO_FAULTHANDLER and (label, scenario) not in SCRIPT_FOR:
                continue  # scenarios whose truth needs faulthandler
            if not generate_one(label, scenario, args.keep_tmp):
                failed.append("%s-%s" % (label, scenario))
    if want_nonpython:
        log("non-Python")
        if not generate_nonpython(args.keep_tmp):
            failed.append(NONPYTHON)
    log("done in %.1fs" % (time.monotonic() - t0))
    if failed:
        log("FAILED: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
