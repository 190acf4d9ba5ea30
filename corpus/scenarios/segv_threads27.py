"""segv-threads for 2.7 (no faulthandler): the shape of segv_threads.py, but the side file is
written on the crash's own line and the crash is os.kill(SIGSEGV), a C function, so that the
recorded stack (sys._current_frames()) is exactly the stack at the crash:
  - "event-waiter": Event().wait() three calls deep (plus threading.py frames)
  - "sleeper":      time.sleep() two calls deep"""
import os
import signal
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
    _common.write_side_file(extra={"extra_code": []}); os.kill(os.getpid(), signal.SIGSEGV)  # noqa: E702 (one line: the record is the crash's line)


class Worker(object):
    def step(self):
        return self._fault()

    def _fault(self):
        return do_crash()


class OldStyle:
    """An old-style class (2.7): its instances' frames run like any other."""
    def run(self, expect):
        _common.wait_blocked(expect)
        return Worker().step()


def run_job(expect):
    return OldStyle().run(expect)


def main():
    t1, r1 = _common.start_worker("event-waiter", wait_level1)
    t2, r2 = _common.start_worker("sleeper", sleep_outer)
    run_job([(t1, r1, "wait"), (t2, r2, "sleep_inner")])


if __name__ == "__main__":
    main()
