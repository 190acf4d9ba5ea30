"""extension: a SIGSEGV inside a small C extension (crashext.crash, a NULL write), reached
through Python -> C (crashext.call) -> Python -> C, with a second thread blocked. Under
faulthandler on 3.10+ this also prints `Extension modules: crashext (total: 1)`. The
extension is built by corpus/generate.py into PYCORE_EXT_DIR."""
import os
import sys
import threading

import _common

sys.path.insert(0, os.environ.get("PYCORE_EXT_DIR", "."))
import crashext  # noqa: E402


def waiter(ready):
    ready.set()
    threading.Event().wait()


def callback():
    _common.write_side_file()
    crashext.crash()


def outer():
    crashext.call(callback)


def main():
    t, r = _common.start_worker("waiter", waiter)
    _common.wait_blocked([(t, r, "wait")])
    outer()


if __name__ == "__main__":
    main()
