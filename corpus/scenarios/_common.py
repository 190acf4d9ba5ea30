"""Shared helpers for the corpus scenario programs.

Imported by the scenario scripts (their directory is sys.path[0]); never run
directly.  Runs unchanged on CPython 2.7 and 3.6 .. 3.13 (2.7 has no faulthandler,
threading.get_ident, time.monotonic or os.replace: stand-ins below).

Environment variables (set by corpus/generate.py; all optional, so every
scenario can also be run by hand):
  PYCORE_SIDE_FILE   where to write the JSON side file (ground truth snapshot)
  PYCORE_FH_DUMP     (gcore-live) where to write faulthandler.dump_traceback()
  PYCORE_READY_FILE  (gcore-live) created once the process is ready for gcore

Deliberately imports only modules the scenarios need anyway (no json, re,
traceback, ...) so that the cores stay small.
"""
try:
    import faulthandler
except ImportError:  # 2.7
    faulthandler = None
import gc
import os
import sys
import threading
import time
import types

_qualname_cache = {}

if sys.version_info[0] == 2:
    threading.get_ident = threading._get_ident
    time.monotonic = time.time  # only for timeouts
    os.replace = os.rename
    _STR = basestring  # noqa: F821 (2.7)
    _INT = (int, long)  # noqa: F821 (2.7)
else:
    _STR = str
    _INT = int

if not hasattr(threading, "get_native_id"):
    # 3.6/3.7 lack threading.get_native_id and Thread.native_id: the kernel's id of the calling
    # thread is the last part of /proc/thread-self (no ctypes: it would add its types to the heap),
    # read in the new thread itself from the ident setter its bootstrap calls before run().
    def _gettid():
        return int(os.readlink("/proc/thread-self").rsplit("/", 1)[1])

    threading.get_native_id = _gettid
    _orig_set_ident = threading.Thread._set_ident

    def _set_ident(self):
        _orig_set_ident(self)
        self.native_id = _gettid()

    threading.Thread._set_ident = _set_ident


def _func_qualname(code):
    """__qualname__ of the function(s) owning `code` (works before 3.11)."""
    key = id(code)
    if key not in _qualname_cache:
        names = set()
        for obj in gc.get_referrers(code):
            if isinstance(obj, types.FunctionType) and obj.__code__ is code:
                names.add(getattr(obj, "__qualname__", None))  # 3.3+
        _qualname_cache[key] = names.pop() if len(names) == 1 else None
    return _qualname_cache[key]


def code_info(code):
    return {
        "co_name": code.co_name,
        "co_qualname": getattr(code, "co_qualname", None),  # 3.11+
        "func_qualname": _func_qualname(code),
        "co_filename": code.co_filename,
        "co_firstlineno": code.co_firstlineno,
    }


def frame_list(frame):
    """Python stack starting at `frame`, most recent call first."""
    out = []
    while frame is not None:
        info = code_info(frame.f_code)
        info["f_lineno"] = frame.f_lineno
        out.append(info)
        frame = frame.f_back
    return out


def snapshot(current_top, extra=None):
    """Everything the generator needs to know about this process, now.

    For the calling thread the stack starts at `current_top` (the scenario
    frame that asked for the snapshot) so that these helper frames are not
    part of it.
    """
    frames = sys._current_frames()
    by_ident = {t.ident: t for t in threading.enumerate()}
    me = threading.get_ident()
    threads = []
    for ident, frame in frames.items():
        if ident == me:
            frame = current_top
        t = by_ident.get(ident)
        threads.append({
            "ident": ident,
            "ident_hex": "0x%016x" % ident,
            "native_id": threading.get_native_id() if ident == me else (
                getattr(t, "native_id", None) if t is not None else None),
            "name": t.name if t is not None else None,
            "daemon": t.daemon if t is not None else None,
            "is_current": ident == me,
            "frames": frame_list(frame),
        })
    return {
        "pid": os.getpid(),
        "argv": sys.argv,
        "orig_argv": getattr(sys, "orig_argv", None),  # 3.10+
        "executable": sys.executable,
        "version": sys.version,
        "hexversion": sys.hexversion,
        "debug_build": hasattr(sys, "gettotalrefcount"),
        # Py_TRACE_REFS builds (whose objects are linked into the refchain) have sys.getobjects.
        "trace_refs": hasattr(sys, "getobjects"),
        # Py_GIL_DISABLED builds (3.13t): their ABI flags say so whether or not the GIL was re-enabled.
        "free_threaded": "t" in getattr(sys, "abiflags", ""),
        "current_ident": me,
        "current_native_id": threading.get_native_id(),
        "started_idents": list(STARTED),
        "threads": threads,
        "extra": extra or {},
    }


def _json_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o > 0xFFFF:
            o -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)))
        else:
            out.append("\\u%04x" % o)
    out.append('"')
    return "".join(out)


def to_json(obj, indent=0):
    """A tiny JSON encoder (the json module would pull in re, enum, ...)."""
    pad = "\n" + " " * (indent + 1)
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, _INT):
        return str(obj)
    if isinstance(obj, float):
        return repr(obj)
    if isinstance(obj, _STR):
        return _json_str(obj)
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        return "[" + ",".join(pad + to_json(x, indent + 1) for x in obj) + "\n" + " " * indent + "]"
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        return "{" + ",".join(pad + _json_str(str(k)) + ": " + to_json(obj[k], indent + 1)
                              for k in sorted(obj)) + "\n" + " " * indent + "}"
    raise TypeError("cannot encode %r" % type(obj))


def _atomic_write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_side_file(extra=None, current_top=None):
    """Write the side file; the calling thread's stack starts at the caller."""
    if current_top is None:
        current_top = sys._getframe(1)
    data = snapshot(current_top, extra)
    path = os.environ.get("PYCORE_SIDE_FILE")
    if path:
        _atomic_write(path, to_json(data) + "\n")
    return data


def extra_code(*funcs):
    """code_info() of Python functions the crash call will enter."""
    out = []
    for fn in funcs:
        code = getattr(fn, "__code__", None)
        if code is not None:
            out.append(code_info(code))
    return out


# Idents of the threads start_worker() started, in order (2.7's truth orders threads by it).
STARTED = []


def start_worker(name, target, *args):
    """Start a daemon thread running target(ready, *args); return (thread, ready)."""
    ready = threading.Event()
    t = threading.Thread(name=name, target=target, args=(ready,) + args)
    t.daemon = True
    t.start()
    STARTED.append(t.ident)
    return t, ready


def _stack_key(frame):
    key = []
    while frame is not None:
        key.append((id(frame.f_code), frame.f_lineno))
        frame = frame.f_back
    return tuple(key)


def _task_state(native_id):
    try:
        with open("/proc/self/task/%d/stat" % native_id) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def wait_blocked(expect, timeout=20.0):
    """Wait until every worker is provably blocked.

    expect: list of (thread, ready_event, top_function_name).  A worker is
    blocked when it has set its ready event, its top Python frame is in
    `top_function_name`, its kernel task is sleeping, and its whole Python
    stack is unchanged over several samples 50 ms apart.
    """
    deadline = time.monotonic() + timeout
    for _t, ready, _name in expect:
        if not ready.wait(max(0.0, deadline - time.monotonic())):
            raise RuntimeError("worker never became ready")
    stable = 0
    last = None
    while stable < 4:
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not block")
        frames = sys._current_frames()
        keys = []
        ok = True
        for t, _ready, name in expect:
            f = frames.get(t.ident)
            if f is None or f.f_code.co_name != name or _task_state(t.native_id) != "S":
                ok = False
                break
            keys.append(_stack_key(f))
        keys = tuple(keys) if ok else None
        if ok and keys == last:
            stable += 1
        else:
            stable = 0
        last = keys
        time.sleep(0.05)


def stack_depth(frame):
    """Number of Python frames from `frame` down to the bottom of its stack
    (== len(traceback.extract_stack(frame)), without importing traceback)."""
    n = 0
    while frame is not None:
        n += 1
        frame = frame.f_back
    return n


def descend(n, leaf, *args):
    """n nested Python calls of descend(), then leaf(*args)."""
    if n > 1:
        return descend(n - 1, leaf, *args)
    return leaf(*args)


def at_spin(spin_frame):
    """Called once from the one-line spin loop of gcore-live.

    Records the side file with the main thread's stack starting at the spin
    frame (whose f_lineno *is* the spin-loop line), dumps faulthandler's view
    of all threads (thread order and ids), then signals readiness.
    """
    write_side_file(extra={"spin_line": spin_frame.f_lineno,
                           "spin_function": spin_frame.f_code.co_name},
                    current_top=spin_frame)
    dump = os.environ.get("PYCORE_FH_DUMP")
    if dump and faulthandler is not None:
        with open(dump, "w") as f:
            faulthandler.dump_traceback(file=f, all_threads=True)
    ready = os.environ.get("PYCORE_READY_FILE")
    if ready:
        _atomic_write(ready, "%d\n" % os.getpid())
    return True
