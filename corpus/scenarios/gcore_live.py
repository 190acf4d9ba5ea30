"""gcore-live: a live process, snapshotted with gcore (no signal).
Three workers block at different depths of nested Python calls:
  - "event-waiter": 2 x descend() then Event().wait()
  - "sleeper":      5 x descend() then time.sleep()
  - "lock-waiter":  8 x descend() then Lock.acquire() on a held lock
The main thread, once they are provably blocked, spins forever in a one-line
pure-Python loop (holding the GIL).  In the loop's first iteration it records
the side file (the loop line comes from the spin frame's f_lineno), a
faulthandler dump of all threads, and then creates the ready file."""
import sys
import threading
import time

import _common


class Blocker:
    def on_event(self, ready):
        event = threading.Event()
        ready.set()
        event.wait()

    def on_sleep(self, ready):
        ready.set()
        time.sleep(1000)

    def on_lock(self, ready):
        lock = threading.Lock()
        lock.acquire()
        ready.set()
        lock.acquire()


def event_worker(ready):
    _common.descend(2, Blocker().on_event, ready)


def sleep_worker(ready):
    _common.descend(5, Blocker().on_sleep, ready)


def lock_worker(ready):
    _common.descend(8, Blocker().on_lock, ready)


class Spinner:
    def spin(self):
        done = False
        while True: done = done or _common.at_spin(sys._getframe())  # noqa: E701


def main():
    t1, r1 = _common.start_worker("event-waiter", event_worker)
    t2, r2 = _common.start_worker("sleeper", sleep_worker)
    t3, r3 = _common.start_worker("lock-waiter", lock_worker)
    _common.wait_blocked([(t1, r1, "wait"), (t2, r2, "on_sleep"), (t3, r3, "on_lock")])
    Spinner().spin()


if __name__ == "__main__":
    main()
