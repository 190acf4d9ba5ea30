#!/usr/bin/env python3
"""Generate pycore's corpus of real CPython crash logs (for `pycore explain`).

    python3 corpus/logs/generate.py [--labels 3.12,3.13] [--cases segv-threads,abort] [--keep-tmp]

For every (label, case) pair this runs `<python> -S corpus/logs/cases.py <case>` (or, for a
few cases, the interpreter under gdb, or the kernel's log of the crash) and writes

    corpus/logs/<label>/<case>.log     what the interpreter printed to stderr, byte for byte
                                       (gdb cases: gdb's merged output; kernel cases: the
                                       kernel's log lines for the crashed pid)
    corpus/logs/<label>/truth.json     per case: the command, its exit status, and the facts the
                                       case program recorded just before it crashed (thread ids,
                                       addresses, the stack at the crash line); skipped cases
                                       with the reason

The logs and facts come from CPython itself, never from pycore. The C extension
(pycore_crashext.c) is built per interpreter with the machine's gcc in a temporary directory.
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_PY = os.path.join(HERE, "cases.py")
EXT_SOURCE = os.path.join(HERE, "pycore_crashext.c")


def _core_generator():
    """corpus/generate.py, for the interpreters it uses (one list for cores and logs)."""
    spec = importlib.util.spec_from_file_location("pycore_core_generator", os.path.join(os.path.dirname(HERE), "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CORE = _core_generator()
LABELS = _CORE.LABELS
# Extra environment per label (the unpacked debug build finds its extension modules with it).
LABEL_ENV = getattr(_CORE, "LABEL_ENV", {})

DEBUG_MALLOC = {"PYTHONMALLOC": "debug"}


def case(marker, fn=None, env=None, xargs=(), runner="plain", argv=None, rlimit_as=None, ext=False):
    """One corpus entry. `marker` must occur in the log (a sanity check of the run, not pycore's
    ground truth); `fn` is the cases.py function (default: the entry's name)."""
    return {"marker": marker, "fn": fn, "env": env or {}, "xargs": list(xargs), "runner": runner,
            "argv": argv, "rlimit_as": rlimit_as, "ext": ext}


CASES = {
    # faulthandler
    "segv-threads": case("Fatal Python error: Segmentation fault"),
    "abort": case("Fatal Python error: Aborted"),
    "sigbus": case("Fatal Python error: Bus error"),
    "sigfpe": case("Fatal Python error: Floating"),
    "sigill": case("Fatal Python error: Illegal instruction"),
    "deep-recursion": case("Fatal Python error: Segmentation fault"),
    "timeout": case("Timeout (0:00:01)!"),
    "timeout-exit": case("Timeout (0:00:00.500000)!"),
    "dump-traceback": case("Stack (most recent call first):"),
    "gc-segv": case("Fatal Python error: Segmentation fault"),
    # Fatal Python error
    "fatal-error": case("Fatal Python error: pycore corpus: invariant violated"),
    "fatal-error-func": case("Fatal Python error: pycore_check: state is inconsistent"),
    "fatal-finalizing": case("Python runtime state: finalizing"),
    "fatal-exception": case("Fatal Python error: ", ext=True),
    "no-thread-state": case("Fatal Python error: PyThreadState_Get: "),
    "deallocating-none": case("deallocating None"),
    "stack-overflow": case("Cannot recover from stack overflow"),
    "startup-failure": case("Python runtime state: core initialized",
                            env={"PYTHONHOME": "/nonexistent/pycore-home"}, argv=["-c", "pass"]),
    # Python tracebacks and warnings
    "recursion-error": case("RecursionError: maximum recursion depth exceeded"),
    "memory-error": case("MemoryError", rlimit_as=1 << 30),
    "resource-warning": case("Object allocated at", fn="resource_warning",
                             xargs=["-X", "tracemalloc=5", "-W", "always"]),
    "resource-warning-plain": case("Enable tracemalloc to get the object allocation traceback",
                                   fn="resource_warning", xargs=["-W", "always"]),
    # C extensions
    "ext-segv": case("Fatal Python error: Segmentation fault", ext=True),
    "ext-assert": case("Assertion `maybe_null != NULL' failed", ext=True),
    "ext-segv-gdb": case("received signal SIGSEGV", fn="ext_segv_plain", runner="gdb", ext=True),
    "ext-segv-kernel": case("segfault at", fn="ext_segv_plain", runner="kernel", ext=True),
    # the debug allocator
    "pymem-overflow": case("bad trailing pad byte", env=DEBUG_MALLOC),
    "pymem-overflow-tracemalloc": case("Memory block allocated at (most recent call first):",
                                       fn="pymem_overflow", env=DEBUG_MALLOC, xargs=["-X", "tracemalloc=5"]),
    "pymem-api-misuse": case("bad ID: Allocated using API 'm', verified using API 'r'", env=DEBUG_MALLOC),
    "pymem-api-mix": case("bad ID: Allocated using API 'm', verified using API 'o'", env=DEBUG_MALLOC),
    "pymem-leading-pad": case("bad leading pad byte", env=DEBUG_MALLOC),
    "bytearray-overflow": case("bad trailing pad byte", env=DEBUG_MALLOC),
    "glibc-double-free": case("free(): double free detected"),
    "malloc-without-gil": case("Python memory allocator called without holding the GIL", env=DEBUG_MALLOC),
    # _PyObject_Dump and _PyObject_AssertFailed
    "object-dump": case("object address  : "),
    "object-dump-freed": case(" is freed>", env=DEBUG_MALLOC),
    "object-dump-dead-refcnt": case("object repr     : <refcnt "),
    "gc-assert-decref": case("gc_decref: Assertion \"gc_get_refs(g) > 0\" failed: refcount is too small"),
    "gc-assert-update-refs": case("update_refs: Assertion \"gc_get_refs(gc) != 0\" failed"),
    "gc-assert-visit-decref": case("visit_decref: Assertion \"!_PyObject_IsFreed(op)\" failed"),
    "negative-refcount": case("_Py_NegativeRefcount: Assertion failed: object has negative ref count"),
    # real debug-build assertions (skipped by release builds)
    "debug-gc-decref": case("gc_decref: Assertion \"gc_get_refs(g) > 0\" failed: refcount is too small"),
    "debug-gc-update-refs": case("update_refs: Assertion \"gc_get_refs(gc) != 0\" failed"),
    "debug-gc-visit-decref": case("visit_decref: Assertion \"!_PyObject_IsFreed(op)\" failed"),
    "debug-negative-refcount": case("_Py_NegativeRefcount: Assertion failed: object has negative ref count"),
}

RUN_TIMEOUT = 60
SKIP_STATUS = 77


class GenError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def base_env(extra):
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONNOUSERSITE": "1"}
    env.update(extra)
    return env


_built = {}


def build_extension(python, workdir, env):
    """pycore_crashext for this interpreter, with its own headers and extension suffix."""
    if python in _built:
        return _built[python]
    query = "import sysconfig as s; print(s.get_paths()['include']); print(s.get_config_var('EXT_SUFFIX'))"
    out = subprocess.run([python, "-S", "-c", query], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True, timeout=30, env=env)
    include, suffix = out.stdout.decode().split()
    os.makedirs(workdir, exist_ok=True)
    target = os.path.join(workdir, "pycore_crashext" + suffix)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O0", "-g", "-I" + include, "-o", target, EXT_SOURCE],
                   check=True, timeout=120)
    _built[python] = workdir
    return workdir


def limit_address_space(limit):
    def apply():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def run(argv, env, preexec=None, merge=False):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                            env=env, cwd=HERE, start_new_session=True, preexec_fn=preexec)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise GenError("%s timed out" % " ".join(argv))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return proc, out, err or b""


def kernel_lines(pid):
    """The kernel's log lines about `pid`'s fault (the `segfault at` line and its `Code:` line)."""
    for _ in range(20):
        res = subprocess.run(["dmesg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if res.returncode != 0:
            raise GenError("dmesg is not readable here: " + res.stderr.decode(errors="replace").strip())
        lines = res.stdout.split(b"\n")
        for i, line in enumerate(lines):
            if (b"[%d]: segfault at " % pid) in line:
                out = [line]
                if i + 1 < len(lines) and b" Code: " in lines[i + 1]:
                    out.append(lines[i + 1])
                return b"\n".join(out) + b"\n"
        time.sleep(0.1)
    raise GenError("no kernel log line for pid %d" % pid)


def run_case(label, python, name, spec, tmp):
    facts_path = os.path.join(tmp, "facts-%s-%s.json" % (label, name))
    if os.path.exists(facts_path):
        os.unlink(facts_path)
    env = base_env(dict(LABEL_ENV.get(label, {}), **spec["env"], PYCORE_FACTS=facts_path))
    if spec["ext"] or spec["runner"] != "plain":
        try:
            env["PYCORE_EXT_DIR"] = build_extension(python, os.path.join(tmp, "ext-" + label), env)
        except subprocess.CalledProcessError as e:
            return {"skipped": "the C extension cannot be built for this interpreter (%s)" % " ".join(e.cmd[:2])}, None
    if spec["argv"] is not None:
        argv = [python, "-S"] + spec["argv"]
    else:
        argv = [python, "-S"] + spec["xargs"] + [CASES_PY, (spec["fn"] or name).replace("_", "-")]
    shown = list(argv)
    if spec["runner"] == "gdb":
        argv = ["gdb", "-nx", "-q", "-batch", "-ex", "run", "-ex", "bt", "--args"] + argv
    preexec = limit_address_space(spec["rlimit_as"]) if spec["rlimit_as"] else None
    proc, out, err = run(argv, env, preexec, merge=spec["runner"] == "gdb")
    if proc.returncode == SKIP_STATUS:
        return {"skipped": out.decode(errors="replace").strip().replace("SKIP: ", "", 1)}, None
    if spec["runner"] == "gdb":
        text = out
    elif spec["runner"] == "kernel":
        facts = json.load(open(facts_path))
        text = kernel_lines(facts["pid"])
    else:
        text = err
    if spec["marker"].encode() not in text:
        raise GenError("%s %s: %r not in the log:\n%s" % (label, name, spec["marker"], text.decode(errors="replace")[-3000:]))
    facts = json.load(open(facts_path)) if os.path.exists(facts_path) else None
    entry = {"argv": shown, "env": spec["env"], "runner": spec["runner"], "returncode": proc.returncode,
             "facts": facts}
    if spec["rlimit_as"]:
        entry["rlimit_as"] = spec["rlimit_as"]
    return entry, text


def write_truth(path, truth):
    """One case per line: small, and a regenerated case shows up as a one-line diff."""
    head = {k: v for k, v in sorted(truth.items()) if k != "cases"}
    lines = ['{%s,' % json.dumps(head, sort_keys=True)[1:-1], ' "cases": {']
    items = sorted(truth["cases"].items())
    for i, (name, entry) in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        lines.append("  %s: %s%s" % (json.dumps(name), json.dumps(entry, sort_keys=True, separators=(",", ":")), comma))
    lines.append(" }}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", help="comma-separated labels (default: all)")
    ap.add_argument("--cases", help="comma-separated cases (default: all)")
    ap.add_argument("--keep-tmp", action="store_true")
    args = ap.parse_args()
    labels = args.labels.split(",") if args.labels else list(LABELS)
    names = args.cases.split(",") if args.cases else list(CASES)
    for n in names + labels:
        if n not in CASES and n not in LABELS:
            raise SystemExit("unknown label or case: " + n)
    tmp = tempfile.mkdtemp(prefix="pycore-logs-")
    try:
        for label in labels:
            python = LABELS[label]
            if not os.path.exists(python):
                log("%s: %s is not installed, skipped" % (label, python))
                continue
            outdir = os.path.join(HERE, label)
            os.makedirs(outdir, exist_ok=True)
            truth_path = os.path.join(outdir, "truth.json")
            truth = json.load(open(truth_path)) if os.path.exists(truth_path) else {"label": label, "cases": {}}
            version = subprocess.run([python, "-S", "-c", "import sys; print(sys.version.split()[0])"], stdout=subprocess.PIPE,
                                     check=True, timeout=30, env=base_env(LABEL_ENV.get(label, {}))).stdout.decode().strip()
            truth.update(label=label, version=version, executable=python)
            for name in names:
                entry, text = run_case(label, python, name, CASES[name], tmp)
                path = os.path.join(outdir, name + ".log")
                if text is None:
                    if os.path.exists(path):
                        os.unlink(path)
                    log("%s %s: skipped (%s)" % (label, name, entry["skipped"]))
                else:
                    with open(path, "wb") as f:
                        f.write(text)
                    log("%s %s: %d bytes, exit %d" % (label, name, len(text), entry["returncode"]))
                truth["cases"][name] = entry
            write_truth(truth_path, truth)
    except GenError as e:
        raise SystemExit("generate.py: %s" % e)
    finally:
        if args.keep_tmp:
            log("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
