#!/usr/bin/env python3
"""Record gdb's native backtraces of the corpus cores (ground truth for pycore's unwinder).

    python3 corpus/gdb_bt.py [NAME ...]      # default: every corpus/cores/*.core.gz
    python3 corpus/gdb_bt.py --stale         # only cores whose record is missing or older than the core

For each core this runs

    gdb -batch -nx -ex 'thread apply all bt'

against the binaries in corpus/sysroot (no debug info, debuginfod off: gdb sees exactly what
pycore sees: .eh_frame, .symtab/.dynsym) and writes corpus/cores/<name>.gdb-bt.txt.

When a thread's stack runs through a mapped ELF file that the sysroot lacks (ctypes' _ctypes
module and libffi on the `segv-threads` and `recursion` stacks), gdb cannot unwind past it;
the script then copies that file into the sysroot the way corpus/generate.py does
(debug sections stripped, build-id checked) and runs gdb again.

A qemu-user label's (aarch64) cores are read with gdb-multiarch (`apt-get install gdb-multiarch`),
one thread at a time: gdb-multiarch 13.1 never returns from unwinding the signal frame qemu-user
writes (its sigcontext carries an SVE record, vector length 64, which the core's registers lack:
gdb re-initialises its frame cache in a loop). A thread whose `bt` has not finished after
QEMU_THREAD_TIMEOUT seconds keeps the frames gdb printed before, followed by the line
"Backtrace cut by gdb_bt.py: ..." naming the frame gdb could not compute.

With --dbg (`python3 corpus/gdb_bt.py --dbg [NAME ...]`, default: the segv-threads cores of
3.8-3.13 and debian-3.11) it records instead gdb's `bt` of the crashing thread WITH the separate
debug files of corpus/debug (made by corpus/make_debug.py; gdb reads a private copy of that
directory and nothing else) into corpus/cores/<name>.gdb-bt-dbg.txt: the ground truth for
function names from DWARF and inlined frames; and gdb's `bt full` of that thread (arguments and
locals of every frame) into corpus/cores/<name>.gdb-bt-full-dbg.txt, the ground truth of
`analyze --native --locals`.

The output keeps gdb's thread headers, frame lines and "Backtrace stopped" lines as gdb
printed them, with the sysroot directory replaced by `<sysroot>`, after a header that
records the core's sha256 (tests refuse a record made from another core), the gdb version
and the command.
"""
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402  (core_notes, sysroot_copy, run_checked, SYSROOT, CORES_DIR)

FRAME_RE = re.compile(r"^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(.*?) \(.*\)(?: from (\S+))?$")
NOT_ELF = ("/usr/lib/locale/", "/usr/lib/x86_64-linux-gnu/gconv/")
GDB_TIMEOUT = 300
MAX_ROUNDS = 6
QEMU_THREAD_TIMEOUT = 30
CUT = "Backtrace cut by gdb_bt.py: "


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def soname(path):
    res = subprocess.run(["readelf", "-d", "--wide", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    m = re.search(rb"\(SONAME\)\s+Library soname: \[([^\]]+)\]", res.stdout)
    return m.group(1).decode() if m else None


def gdb_sysroot(tmp):
    """A directory of symlinks in which gdb finds every sysroot file under the names the
    dynamic linker used (/lib/... as well as /usr/lib/..., and the SONAME)."""
    root = os.path.join(tmp, "root")
    for dirpath, _dirs, files in os.walk(generate.SYSROOT):
        for name in files:
            real = os.path.join(dirpath, name)
            path = real[len(generate.SYSROOT):]
            names = [path]
            if path.startswith("/usr/lib/"):
                names.append(path[len("/usr"):])
            so = soname(real)
            if so and so != name:
                names += [os.path.join(os.path.dirname(p), so) for p in list(names)]
            for n in names:
                dest = root + n
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if not os.path.lexists(dest):
                    os.symlink(real, dest)
    return root


def gdb_argv(gdb, executable, core, root, debug_dir, command):
    return [gdb, "-batch", "-nx", "-ex", "set debuginfod enabled off", "-ex", "set sysroot " + root,
            "-ex", "set debug-file-directory " + debug_dir, "-ex", "set auto-load no", "-ex", "set width 0",
            "-ex", "file " + root + executable, "-ex", "core-file " + core, "-ex", command]


def run_gdb(executable, core, root, debug_dir="/nonexistent", command="thread apply all bt", gdb="gdb"):
    res = subprocess.run(gdb_argv(gdb, executable, core, root, debug_dir, command), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=GDB_TIMEOUT)
    return res.stdout.decode("utf-8", errors="replace")


def run_gdb_partial(argv, timeout):
    """gdb's output, and whether it finished within `timeout` (else it is killed: what it printed stays)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return out.decode("utf-8", errors="replace"), True
    except subprocess.TimeoutExpired:
        proc.terminate()  # gdb flushes what it printed on SIGTERM, not on SIGKILL
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return out.decode("utf-8", errors="replace"), False


def qemu_backtraces(executable, core, root):
    """`thread apply all bt` as gdb-multiarch prints it, one thread per gdb run; a thread whose
    unwinding never returns keeps what gdb printed and gets a CUT line."""
    text, done = run_gdb_partial(gdb_argv("gdb-multiarch", executable, core, root, "/nonexistent", "info threads"), GDB_TIMEOUT)
    if not done:
        raise generate.GenError("gdb-multiarch did not list the threads")
    ids = [int(m.group(1)) for m in re.finditer(r"^[* ] +(\d+) +(?:Thread|LWP)", text, re.M)]
    lines = []
    for tid in sorted(ids, reverse=True):  # the order `thread apply all` uses
        text, done = run_gdb_partial(gdb_argv("gdb-multiarch", executable, core, root, "/nonexistent", "thread apply %d bt" % tid), QEMU_THREAD_TIMEOUT)
        thread = keep_lines(text, root)
        if not done:
            # `thread apply` prints nothing until its command returns; `thread N` then `bt` prints
            # each frame as it is found. The thread's header is gdb's "[Current thread is N (...)]"
            # in `thread apply`'s form.
            argv = gdb_argv("gdb-multiarch", executable, core, root, "/nonexistent", "thread %d" % tid)
            text, _ = run_gdb_partial(argv + ["-ex", "bt"], QEMU_THREAD_TIMEOUT)
            heads = list(re.finditer(r"^\[(?:Switching to thread|Current thread is) (\d+) (\(.*\))\]$", text, re.M))
            head = heads[-1] if heads else None
            # After the header: the one frame `thread N` prints, then bt's frames.
            frames = [l for l in text[head.end():].splitlines() if re.match(r"^#\d", l)][1:] if head else []
            if not head or not frames:
                raise generate.GenError("gdb-multiarch printed no frame of thread %d before it was stopped" % tid)
            thread = keep_lines("Thread %s %s:\n" % (head.group(1), head.group(2)) + "\n".join(frames), root)
            thread.append(CUT + "gdb-multiarch did not return within %d s from computing frame #%d, the caller of frame #%d" % (
                QEMU_THREAD_TIMEOUT, len(frames), len(frames) - 1))
        lines += thread
    return lines


def keep_lines(text, root):
    out = []
    for line in text.splitlines():
        if not out and not line.startswith("Thread "):
            continue  # what gdb prints on loading the core, before `thread apply all bt`
        if line.startswith("Thread ") or line.startswith("#") or line.startswith("Backtrace stopped") or line.startswith(CUT):
            out.append(line.replace(root, "<sysroot>").replace(generate.SYSROOT, "<sysroot>"))
    return out


def missing_on_stack(lines, files):
    """Mapped files (absent from the sysroot) that hold a frame gdb could not name a library for."""
    want = []
    for line in lines:
        m = FRAME_RE.match(line)
        if not m or m.group(4) or not m.group(2):
            continue
        pc = int(m.group(2), 16)
        for start, end, _off, path in files:
            if start <= pc < end and not path.startswith(NOT_ELF) and not os.path.exists(generate.SYSROOT + path):
                if path not in want:
                    want.append(path)
    return want


def record(name, executable, tmp):
    gz = os.path.join(generate.CORES_DIR, name + ".core.gz")
    core = os.path.join(tmp, name + ".core")
    with gzip.open(gz, "rb") as src, open(core, "wb") as dst:
        shutil.copyfileobj(src, dst)
    qemu = any(name.startswith(label + "-") for label in generate.QEMU_LABELS)
    files = [] if qemu else generate.core_notes(core)["files"]
    for _round in range(1 if qemu else MAX_ROUNDS):
        if qemu:
            # No NT_FILE note in qemu's cores: every mapped file the stacks run through is in the sysroot already.
            root_tmp = tempfile.mkdtemp(dir=tmp)
            lines = qemu_backtraces(executable, core, gdb_sysroot(root_tmp))
            shutil.rmtree(root_tmp, ignore_errors=True)
            break
        root_tmp = tempfile.mkdtemp(dir=tmp)
        root = gdb_sysroot(root_tmp)
        lines = keep_lines(run_gdb(executable, core, root), root)
        need = [p for p in missing_on_stack(lines, files) if os.path.isfile(p)]
        shutil.rmtree(root_tmp, ignore_errors=True)
        if not need:
            break
        for p in need:
            generate.sysroot_copy(p)
            print("  copied %s into the sysroot" % p, flush=True)
    os.unlink(core)
    if not any(l.startswith("#") for l in lines):
        raise generate.GenError("gdb printed no frames for %s" % name)
    gdb = "gdb-multiarch" if qemu else "gdb"
    version = subprocess.run([gdb, "--version"], stdout=subprocess.PIPE, timeout=60).stdout.decode().splitlines()[0]
    command = ("%s -batch -nx -ex 'set sysroot <sysroot>' -ex 'file <sysroot>%s' -ex 'core-file CORE' -ex 'thread apply all bt'" % (gdb, executable)
               if not qemu else
               "%s -batch -nx -ex 'set sysroot <sysroot>' -ex 'file <sysroot>%s' -ex 'core-file CORE' -ex 'thread apply N bt' (one run per thread, %d s each; a cut thread's frames from -ex 'thread N' -ex 'bt')" % (gdb, executable, QEMU_THREAD_TIMEOUT))
    head = ["# gdb's native backtraces of %s.core.gz (made by corpus/gdb_bt.py; do not edit)" % name,
            "# core-sha256: " + sha256(gz),
            "# gdb: " + version,
            "# command: " + command]
    with open(os.path.join(generate.CORES_DIR, name + ".gdb-bt.txt"), "w") as f:
        f.write("\n".join(head + lines) + "\n")
    return sum(1 for l in lines if l.startswith("Thread "))


DBG_DEFAULT = ["3.8-segv-threads", "3.9-segv-threads", "3.10-segv-threads", "3.11-segv-threads", "3.12-segv-threads", "3.13-segv-threads", "debian-3.11-segv-threads"]
DEBUG_DIR = os.path.join(HERE, "debug")


def dbg_lines(text, root, full):
    """Frame lines (and with `full` the indented locals and "No locals." under each) of the
    crashing thread's backtrace; gdb shows the selected frame once on loading the core, so the
    backtrace starts at the last "#0"."""
    lines = []
    for l in text.splitlines():
        if l.startswith("#") or l.startswith("Backtrace stopped") or (full and lines and (l.startswith(" ") or l == "No locals.")):
            lines.append(l.replace(root, "<sysroot>").replace(generate.SYSROOT, "<sysroot>"))
    starts = [i for i, l in enumerate(lines) if l.startswith("#0 ")]
    return lines[starts[-1]:] if starts else lines


def record_dbg(name, executable, tmp):
    """gdb's `bt` of the crashing thread (the one gdb selects on loading the core) with corpus/debug."""
    gz = os.path.join(generate.CORES_DIR, name + ".core.gz")
    core = os.path.join(tmp, name + ".core")
    with gzip.open(gz, "rb") as src, open(core, "wb") as dst:
        shutil.copyfileobj(src, dst)
    root_tmp = tempfile.mkdtemp(dir=tmp)
    root = gdb_sysroot(root_tmp)
    dbg = os.path.join(root_tmp, "debug")
    shutil.copytree(DEBUG_DIR, dbg)
    text = run_gdb(executable, core, root, debug_dir=dbg, command="bt")
    lines = dbg_lines(text, root, False)
    # `bt full`: each frame's arguments (on its line) and locals (indented below it), the
    # ground truth of `analyze --native --locals`.
    full = dbg_lines(run_gdb(executable, core, root, debug_dir=dbg, command="bt full"), root, True)
    shutil.rmtree(root_tmp, ignore_errors=True)
    os.unlink(core)
    if not lines:
        raise generate.GenError("gdb printed no frames for %s" % name)
    used = sorted(os.path.relpath(os.path.join(d, f), DEBUG_DIR) for d, _, fs in os.walk(DEBUG_DIR) for f in fs)
    version = subprocess.run(["gdb", "--version"], stdout=subprocess.PIPE, timeout=60).stdout.decode().splitlines()[0]
    head = ["# gdb's `bt` of the crashing thread of %s.core.gz with corpus/debug (made by corpus/gdb_bt.py --dbg; do not edit)" % name,
            "# core-sha256: " + sha256(gz),
            "# gdb: " + version,
            "# debug files: " + " ".join(used),
            "# command: gdb -batch -nx -ex 'set sysroot <sysroot>' -ex 'set debug-file-directory <copy of corpus/debug>' -ex 'file <sysroot>%s' -ex 'core-file CORE' -ex 'bt'" % executable]
    with open(os.path.join(generate.CORES_DIR, name + ".gdb-bt-dbg.txt"), "w") as f:
        f.write("\n".join(head + lines) + "\n")
    head[0] = head[0].replace("`bt`", "`bt full`").replace("--dbg;", "--dbg, with the -dbg record;")
    head[-1] = head[-1].replace("-ex 'bt'", "-ex 'bt full'")
    with open(os.path.join(generate.CORES_DIR, name + ".gdb-bt-full-dbg.txt"), "w") as f:
        f.write("\n".join(head + full) + "\n")
    return sum(1 for l in lines if l.startswith("#"))


def executable_of(name):
    import json
    with open(os.path.join(generate.CORES_DIR, name + ".truth.json")) as f:
        truth = json.load(f)
    if truth.get("python"):
        return os.path.realpath(truth["python"]["executable"])
    return generate.SLEEP_ARGV[0].replace("/bin/", "/usr/bin/")


def all_cores():
    return sorted(f[:-len(".core.gz")] for f in os.listdir(generate.CORES_DIR) if f.endswith(".core.gz"))


def recorded_sha(path):
    """The core sha256 a record was made from (gdb-bt.txt header or gdb-py.json), or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read()
    m = re.search(r'(?:# core-sha256: |"core_sha256": ")([0-9a-f]{64})', text)
    return m.group(1) if m else None


def stale(suffix, names):
    return [n for n in names if recorded_sha(os.path.join(generate.CORES_DIR, n + suffix)) != sha256(os.path.join(generate.CORES_DIR, n + ".core.gz"))]


def main():
    args = sys.argv[1:]
    dbg = "--dbg" in args
    args = [a for a in args if a != "--dbg"]
    if dbg:
        names = args or DBG_DEFAULT
    else:
        names = stale(".gdb-bt.txt", all_cores()) if args == ["--stale"] else args or all_cores()
    tmp = tempfile.mkdtemp(prefix="pycore-gdb-bt-")
    failed = []
    try:
        for name in names:
            # The host's gdb reads only x86_64 cores: a qemu label's (aarch64) core needs gdb-multiarch,
            # and gets no record rather than a wrong one without it (and no --dbg record: no debug files).
            if any(name.startswith(label + "-") for label in generate.QEMU_LABELS) and (dbg or not shutil.which("gdb-multiarch")):
                print("  %-26s skipped (foreign architecture: %s)" % (name, "no debug files for it" if dbg else "no gdb-multiarch"), flush=True)
                continue
            try:
                if dbg:
                    n = record_dbg(name, executable_of(name), tmp)
                    print("  %-26s ok (%d frames)" % (name, n), flush=True)
                else:
                    n = record(name, executable_of(name), tmp)
                    print("  %-26s ok (%d threads)" % (name, n), flush=True)
            except (generate.GenError, subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
                failed.append(name)
                print("  %-26s FAILED: %s" % (name, e), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        sys.exit("FAILED: " + ", ".join(failed))


if __name__ == "__main__":
    main()
