"""abort: SIGABRT via os.abort() in a nested call while one other thread
("event-waiter") is blocked in Event().wait() two calls deep."""
import os
import threading
import time

import _common


def wait_inner(ready, event):
    ready.set()
    event.wait()


def wait_outer(ready):
    wait_inner(ready, threading.Event())


def abort_now():
    _common.write_side_file(extra={"extra_code": []})
    time.sleep(0.2)
    os.abort()


class Job:
    def run(self):
        return abort_now()


def main():
    t1, r1 = _common.start_worker("event-waiter", wait_outer)
    _common.wait_blocked([(t1, r1, "wait")])
    Job().run()


if __name__ == "__main__":
    main()
