"""abort for 2.7 (no faulthandler): os.abort() in a nested call, on the line that writes the
side file (os.abort is C: the recorded stack is the stack at the crash), while "event-waiter"
is blocked in Event().wait() two calls deep."""
import os
import threading

import _common


def wait_inner(ready, event):
    ready.set()
    event.wait()


def wait_outer(ready):
    wait_inner(ready, threading.Event())


def abort_now():
    _common.write_side_file(extra={"extra_code": []}); os.abort()  # noqa: E702 (one line: the record is the crash's line)


class Job:
    def run(self):
        return abort_now()


def main():
    t1, r1 = _common.start_worker("event-waiter", wait_outer)
    _common.wait_blocked([(t1, r1, "wait")])
    Job().run()


if __name__ == "__main__":
    main()
