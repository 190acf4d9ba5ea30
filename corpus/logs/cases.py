"""The programs behind pycore's log corpus: `python3.X -S cases.py CASE`.

Each case makes one real CPython failure and lets the interpreter print it to stderr.
Before it crashes it records what it knows (thread ids, addresses, the stack at the crash
line, ...) in the JSON file named by $PYCORE_FACTS, so that the tests compare pycore's
findings with facts that came from CPython, not from pycore. A case that cannot run on this
interpreter prints `SKIP: <reason>` on stdout and exits with status 77.

Runs on CPython 3.8 .. 3.13. Keep imports to the standard library; `-S` keeps site-packages
out. The crashing call sits on the same line as the `record(...)` that precedes it, so the
recorded line is the line faulthandler prints.
"""
import ctypes
import faulthandler
import json
import os
import sys
import _thread

FACTS = {}
API = ctypes.pythonapi
SKIP_STATUS = 77


def record(**facts):
    FACTS.update(facts)
    path = os.environ.get("PYCORE_FACTS")
    if path:
        with open(path, "w") as f:
            json.dump(FACTS, f, indent=1, sort_keys=True)


def skip(reason):
    print("SKIP: " + reason)
    sys.stdout.flush()
    os._exit(SKIP_STATUS)


def thread_id(ident=None):
    return "0x%016x" % (_thread.get_ident() if ident is None else ident)


def stack(frame):
    """The Python stack from `frame` outwards, most recent call first."""
    out = []
    while frame is not None:
        out.append({"file": frame.f_code.co_filename, "line": frame.f_lineno,
                    "function": frame.f_code.co_name})
        frame = frame.f_back
    return out


def here():
    """The caller's stack (its frame at the current line, then its callers)."""
    return stack(sys._getframe(1))


def extension():
    """Import the C extension built by generate.py (directory in $PYCORE_EXT_DIR)."""
    sys.path.insert(0, os.environ["PYCORE_EXT_DIR"])
    import pycore_crashext
    record(extension={"name": pycore_crashext.__name__, "file": pycore_crashext.__file__})
    return pycore_crashext


def call_testcapi(name, **facts):
    """Call a crashing _testcapi helper; the caller's frame is the top Python frame."""
    fn = testcapi(name)
    record(current_thread=thread_id(), **facts)
    record(crash_stack=here()); fn()


def testcapi(name):
    try:
        import _testcapi
    except ImportError:
        skip("no _testcapi module in this interpreter")
    if not hasattr(_testcapi, name):
        skip("_testcapi has no %s() in this version" % name)
    return getattr(_testcapi, name)


def debug_allocator():
    if os.environ.get("PYTHONMALLOC") != "debug":
        raise SystemExit("run with PYTHONMALLOC=debug")


API.PyMem_Malloc.restype = ctypes.c_void_p
API.PyMem_Malloc.argtypes = [ctypes.c_size_t]
API.PyMem_Free.argtypes = [ctypes.c_void_p]
API.PyObject_Free.argtypes = [ctypes.c_void_p]
API._PyObject_Dump.argtypes = [ctypes.c_void_p]
API._PyObject_AssertFailed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
API.Py_FatalError.argtypes = [ctypes.c_char_p]


# --------------------------------------------------------------------------
# faulthandler: signals, threads, truncation, timeouts

def start_blocked_thread(name):
    """A daemon thread blocked in Event.wait(); returns its thread id."""
    import threading
    ready, stop = threading.Event(), threading.Event()

    def blocked_waiter():
        ready.set()
        stop.wait()

    t = threading.Thread(target=blocked_waiter, name=name, daemon=True)
    t.start()
    ready.wait()
    import time
    time.sleep(0.2)  # let it reach stop.wait()
    return thread_id(t.ident)


def segv_in_ctypes():
    # faulthandler prints at most 100 frames: 120 is enough to compare and keeps truth.json small.
    record(crash_stack=here()[:120], depth=len(here()) + 1); ctypes.string_at(0)


def case_segv_threads():
    faulthandler.enable(all_threads=True)
    others = [start_blocked_thread("waiter-1"), start_blocked_thread("waiter-2")]
    record(current_thread=thread_id(), other_threads=others)

    def worker_step():
        segv_in_ctypes()

    worker_step()


def case_abort():
    faulthandler.enable()
    record(current_thread=thread_id())

    def give_up():
        record(crash_stack=here()); os.abort()

    give_up()


def raise_signal(name):
    import signal
    faulthandler.enable()
    signum = getattr(signal, name)
    record(current_thread=thread_id(), signal=name, signal_number=int(signum))

    def send():
        record(crash_stack=here()); os.kill(os.getpid(), signum)

    send()


def case_sigbus():
    raise_signal("SIGBUS")


def case_sigfpe():
    raise_signal("SIGFPE")


def case_sigill():
    raise_signal("SIGILL")


def case_deep_recursion():
    faulthandler.enable()
    record(current_thread=thread_id())

    def descend(n):
        if n == 0:
            segv_in_ctypes()
        descend(n - 1)

    descend(150)


def case_timeout():
    import time
    other = start_blocked_thread("waiter")
    record(current_thread=thread_id(), other_threads=[other], timeout_seconds=1)

    def slow_operation():
        record(sleep_stack=here()); time.sleep(1.6)

    faulthandler.dump_traceback_later(1)
    slow_operation()


def case_timeout_exit():
    import time
    record(main_thread=thread_id(), timeout_seconds=0.5, exit=True)

    def hang():
        record(sleep_stack=here()); time.sleep(10)

    faulthandler.dump_traceback_later(0.5, exit=True)
    hang()


def case_dump_traceback():
    other = start_blocked_thread("waiter")
    record(current_thread=thread_id(), other_threads=[other])

    def report():
        record(dump_stack=here()); faulthandler.dump_traceback(all_threads=False)
        faulthandler.dump_traceback(all_threads=True)

    report()


def case_gc_segv():
    import gc
    faulthandler.enable()
    record(current_thread=thread_id())

    class Node:
        def __del__(self):
            record(crash_stack=here()); ctypes.string_at(0)

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    gc.collect()


# --------------------------------------------------------------------------
# Fatal Python error: Py_FatalError and friends

def case_fatal_error():
    faulthandler.enable()
    record(current_thread=thread_id(), message="pycore corpus: invariant violated in worker")

    def check_invariant():
        record(crash_stack=here()); API.Py_FatalError(b"pycore corpus: invariant violated in worker")

    check_invariant()


def case_fatal_error_func():
    fn = getattr(API, "_Py_FatalErrorFunc", None)
    if fn is None:
        skip("_Py_FatalErrorFunc (the `func: ` prefix) appeared in 3.9")
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    record(current_thread=thread_id(), function="pycore_check", message="state is inconsistent")
    record(crash_stack=here()); fn(b"pycore_check", b"state is inconsistent")


def case_fatal_finalizing():
    record(message="pycore corpus: fatal error in __del__ at shutdown")

    class Resource:
        def __del__(self, fatal=API.Py_FatalError):
            fatal(b"pycore corpus: fatal error in __del__ at shutdown")

    # A module global: collected while the interpreter finalizes.
    globals()["resource"] = Resource()


def case_fatal_exception():
    ext = extension()
    record(current_thread=thread_id())
    record(crash_stack=here()); ext.fatal_with_exception()


def case_no_thread_state():
    call_testcapi("crash_no_current_thread")


def case_deallocating_none():
    if sys.version_info >= (3, 12):
        skip("None is immortal since 3.12 (PEP 683): its refcount never reaches zero")
    record(current_thread=thread_id())
    ctypes.c_ssize_t.from_address(id(None)).value = 1  # the next Py_DECREF(None) deallocates it


def case_stack_overflow():
    if sys.version_info >= (3, 9):
        # 3.9-3.11 give up only on recursion while the RecursionError itself is being created
        # (no Python code runs there), so this handler just recurses in exponential time; 3.12
        # removed the check.
        skip("the fatal error needs recursion inside RecursionError's creation on 3.9+")
    faulthandler.enable()
    record(current_thread=thread_id(), recursion_limit=sys.getrecursionlimit())

    def recurse():
        try:
            recurse()
        except RecursionError:
            recurse()

    recurse()


# --------------------------------------------------------------------------
# Python tracebacks

def case_recursion_error():
    record(recursion_limit=sys.getrecursionlimit())

    def recurse(n):
        return recurse(n + 1)

    recurse(0)


def case_memory_error():
    import resource
    record(rlimit_as=resource.getrlimit(resource.RLIMIT_AS)[0])

    def load_everything():
        record(crash_stack=here()); return bytearray(8 * 1024 ** 3)

    load_everything()


def case_resource_warning():
    def leak():
        f = open(__file__)
        record(allocated_line=sys._getframe().f_lineno - 1); f = None

    record(warning_file=__file__)
    leak()
    import gc
    gc.collect()


# --------------------------------------------------------------------------
# C extensions

def crash_in_extension(method):
    faulthandler.enable()
    fn = getattr(extension(), method)
    record(current_thread=thread_id())

    def call_extension():
        record(crash_stack=here()); fn()

    call_extension()


def case_ext_segv():
    crash_in_extension("segv")


def case_ext_segv_plain():
    """No faulthandler: what a kernel log or a debugger sees."""
    ext = extension()
    record(pid=os.getpid())
    ext.segv()


def case_ext_assert():
    crash_in_extension("assert_fail")


# --------------------------------------------------------------------------
# The debug allocator (PYTHONMALLOC=debug)

def case_pymem_overflow():
    debug_allocator()
    call_testcapi("pymem_buffer_overflow")


def case_pymem_api_misuse():
    debug_allocator()
    call_testcapi("pymem_api_misuse")


def case_pymem_api_mix():
    debug_allocator()
    p = API.PyMem_Malloc(16)
    record(current_thread=thread_id(), address="0x%x" % p, requested=16, allocated_api="m", verified_api="o")
    record(crash_stack=here()); API.PyObject_Free(p)


def case_pymem_leading_pad():
    debug_allocator()
    p = API.PyMem_Malloc(16)
    record(current_thread=thread_id(), address="0x%x" % p, requested=16, api="m", bad_offset=-1, bad_value="0x78")
    ctypes.memmove(p - 1, b"x", 1)
    record(crash_stack=here()); API.PyMem_Free(p)


def case_bytearray_overflow():
    debug_allocator()
    buf = bytearray(16)
    p = ctypes.addressof((ctypes.c_char * 16).from_buffer(buf))
    # bytearray keeps one byte more than its length (for a trailing NUL): write 8 bytes after it.
    record(current_thread=thread_id(), address="0x%x" % p, write_offset=17, write_length=8, bad_value="0x78")
    ctypes.memmove(p + 17, b"xxxxxxxx", 8)
    record(crash_stack=here()); del buf


def case_malloc_without_gil():
    debug_allocator()
    call_testcapi("pymem_malloc_without_gil")


# --------------------------------------------------------------------------
# _PyObject_Dump and _PyObject_AssertFailed

def case_object_dump():
    obj = ["pycore", 1, 2]
    record(address="0x%x" % id(obj), type_name="list", repr=repr(obj))
    API._PyObject_Dump(id(obj))


def case_object_dump_freed():
    debug_allocator()
    # 70 items: over pymalloc's 512-byte limit and the tuple free lists, so the freed block is
    # neither cached nor handed to the next small allocation before the dump reads it.
    obj = tuple(range(70))
    address = "0x%x" % id(obj)
    record(address=address, type_name="tuple")
    del obj
    API._PyObject_Dump(int(address, 16))


DEAD_REFCNT = -0x2222222222222223  # 0xdddddddddddddddd: the debug allocator's dead byte, 8 times


def case_object_dump_dead_refcnt():
    obj = ["stale"]
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    saved = refcnt.value
    record(address="0x%x" % id(obj), type_name="list", refcount_written=DEAD_REFCNT)
    refcnt.value = DEAD_REFCNT
    API._PyObject_Dump(id(obj))
    refcnt.value = saved


# CPython's own _PyObject_AssertFailed, called with the arguments a --with-pydebug build passes at
# these assertions (no debug build is installed here). The file:line is illustrative.
GC_ASSERTS = {
    "gc_decref": (b"gc_get_refs(g) > 0", b"refcount is too small"),
    "update_refs": (b"gc_get_refs(gc) != 0", None),
    "visit_decref": (b"!_PyObject_IsFreed(op)", None),
}


def emulated_assert(function, expr, msg, filename, line, obj, refcount=None):
    address = id(obj)
    record(current_thread=thread_id(), address="0x%x" % address, type_name=type(obj).__name__,
           function=function, emulated=True)
    if refcount is not None:
        # Set last: a negative count must not pass through zero while Python still uses obj.
        ctypes.c_ssize_t.from_address(address).value = refcount
    record(crash_stack=here()); API._PyObject_AssertFailed(address, expr, msg, filename, line, function.encode())


def gc_assert(function):
    expr, msg = GC_ASSERTS[function]
    emulated_assert(function, expr, msg, b"Modules/gcmodule.c", 100, {"owner": "pycore"})


def case_gc_assert_decref():
    gc_assert("gc_decref")


def case_gc_assert_update_refs():
    gc_assert("update_refs")


def case_gc_assert_visit_decref():
    gc_assert("visit_decref")


def case_negative_refcount():
    obj = ["over-released"]
    emulated_assert("_Py_NegativeRefcount", None, b"object has negative ref count", b"pycore_crashext.c", 42, obj,
                    refcount=-1)


def case_glibc_double_free():
    faulthandler.enable()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    p = libc.malloc(32)
    libc.free(p)
    record(current_thread=thread_id(), address="0x%x" % p)
    record(crash_stack=here()); libc.free(p)


# --------------------------------------------------------------------------
# Real assertion failures of a debug build (--with-pydebug); skipped elsewhere.

def debug_build():
    if not hasattr(sys, "gettotalrefcount"):
        skip("needs a debug build (--with-pydebug): release builds have no such assertion")


def case_debug_gc_decref():
    import gc
    debug_build()
    obj = ["shared"]
    holders = [obj], [obj]
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    record(current_thread=thread_id(), address="0x%x" % id(obj), type_name="list", function="gc_decref",
           refcount_written=refcnt.value - 2, holders=len(holders))
    del obj
    # Two lists refer to it, but its count says one: the collector finds it referenced too often.
    record(crash_stack=here()); refcnt.value -= 1; gc.collect()


def case_debug_gc_update_refs():
    import gc
    debug_build()
    obj = ["tracked"]
    holder = [obj]
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    record(current_thread=thread_id(), address="0x%x" % id(obj), type_name="list", function="update_refs",
           refcount_written=0, holders=len(holder))
    del obj
    record(crash_stack=here()); refcnt.value = 0; gc.collect()


def case_debug_gc_visit_decref():
    import gc
    debug_build()
    faulthandler.enable()  # the dump of the container crashes on its freed item
    API.Py_DecRef.argtypes = [ctypes.c_void_p]

    class Box:  # instances are really freed (lists and tuples would go to a free list)
        pass

    obj = Box()
    holder = [obj]
    address = id(obj)
    record(current_thread=thread_id(), address="0x%x" % id(holder), type_name="list", function="visit_decref",
           freed_address="0x%x" % address)
    del obj
    # Free the list while `holder` still refers to it; the collector then visits freed memory.
    record(crash_stack=here()); API.Py_DecRef(address); gc.collect()


def case_debug_negative_refcount():
    debug_build()
    obj = ["over-released"]
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    record(current_thread=thread_id(), address="0x%x" % id(obj), type_name="list", function="_Py_NegativeRefcount",
           refcount_written=-1)
    record(crash_stack=here()); refcnt.value = 0; del obj


def main():
    name = sys.argv[1]
    fn = globals().get("case_" + name.replace("-", "_"))
    if fn is None:
        raise SystemExit("unknown case %r" % name)
    record(case=name, version=sys.version.split()[0], hexversion=sys.hexversion,
           executable=sys.executable, main_thread=thread_id())
    fn()


if __name__ == "__main__":
    main()
