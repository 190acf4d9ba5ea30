"""segv-threads: SIGSEGV (ctypes.string_at(0)) in a nested call chain that
includes methods, while two other threads are blocked elsewhere:
  - "event-waiter": Event().wait() three calls deep (plus threading.py frames)
  - "sleeper":      time.sleep() two calls deep
The crashing (main) thread first waits until both are provably blocked,
writes the side file, sleeps 0.2 s and then crashes."""
import ctypes
import threading
import time

import _common


def wait_level3(ready, event):
    ready.set()
    event.wait()


def wait_level2(ready, event):
    wait_level3(ready, event)


def wait_level1(ready):
    wait_level2(ready, threading.Event())


def sleep_inner(ready):
    ready.set()
    time.sleep(1000)


def sleep_outer(ready):
    sleep_inner(ready)


def do_crash():
    _common.write_side_file(extra={"extra_code": _common.extra_code(ctypes.string_at)})
    time.sleep(0.2)
    ctypes.string_at(0)


class Worker:
    def step(self):
        return self._fault()

    def _fault(self):
        return do_crash()


def run_job(expect):
    _common.wait_blocked(expect)
    return Worker().step()


def main():
    t1, r1 = _common.start_worker("event-waiter", wait_level1)
    t2, r2 = _common.start_worker("sleeper", sleep_outer)
    run_job([(t1, r1, "wait"), (t2, r2, "sleep_inner")])


if __name__ == "__main__":
    main()
