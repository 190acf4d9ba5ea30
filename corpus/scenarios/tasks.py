"""tasks: an asyncio event loop with suspended tasks, for `pycore analyze --tasks`.

Tasks (named explicitly):
  * "sleeper":  top_sleep -> mid_sleep -> leaf_sleep -> asyncio.sleep (3 coroutines + sleep)
  * "eventer":  waiter_top -> wait_event -> Event.wait
  * "gatherer": gatherer awaiting asyncio.gather() of two child tasks
  * "crasher":  the running task; it records the truth and crashes with ctypes.string_at(0)
plus the two child tasks gather() wraps.

With PYCORE_TASKS_PURE=1 (the "tasks-py" scenario) the _asyncio accelerator is blocked, so
tasks and futures are asyncio's pure-Python classes (Task keeps its coroutine in __dict__).

Just before crashing it records, from CPython itself, for every task in asyncio.all_tasks():
its name, and its coroutine's await chain (following cr_await): per coroutine its
__qualname__ and cr_frame.f_lineno (gi_frame for a generator), and the type name of the
first awaited object that is not a coroutine (a future iterator, a future, ...).
"""
import ctypes
import os
import sys

if os.environ.get("PYCORE_TASKS_PURE") == "1":
    sys.modules["_asyncio"] = None  # import _asyncio fails: asyncio uses its Python classes
import asyncio  # noqa: E402

import _common  # noqa: E402


async def leaf_sleep():
    await asyncio.sleep(3600)


async def mid_sleep():
    await leaf_sleep()


async def top_sleep():
    await mid_sleep()


async def wait_event(ev):
    await ev.wait()


async def waiter_top(ev):
    await wait_event(ev)


async def child(n):
    await asyncio.sleep(3600 + n)


async def gatherer():
    await asyncio.gather(child(1), child(2))


def await_chain(coro):
    out = []
    end = None
    seen = 0
    while coro is not None and seen < 20:
        seen += 1
        frame = coro.cr_frame if hasattr(coro, "cr_frame") else getattr(coro, "gi_frame", None)
        if not hasattr(coro, "cr_await") and not hasattr(coro, "gi_yieldfrom"):
            end = type(coro).__name__
            break
        out.append({
            "qualname": coro.__qualname__,
            "line": frame.f_lineno if frame is not None else None,
            "id": "0x%x" % id(coro),
        })
        coro = getattr(coro, "cr_await", None) if hasattr(coro, "cr_await") else coro.gi_yieldfrom
    return {"coroutines": out, "awaits": end}


async def crasher():
    for _ in range(5):
        await asyncio.sleep(0)
    tasks = []
    for t in asyncio.all_tasks():
        tasks.append({
            "name": t.get_name(),
            "id": "0x%x" % id(t),
            "type": type(t).__name__,
            "current": t is asyncio.current_task(),
            "chain": await_chain(t.get_coro()),
        })
    tasks.sort(key=lambda x: x["name"])
    _common.write_side_file(extra={"tasks": tasks, "crash_task": "crasher"})
    ctypes.string_at(0)


async def main():
    ev = asyncio.Event()
    loop = asyncio.get_running_loop()
    keep = [
        loop.create_task(top_sleep(), name="sleeper"),
        loop.create_task(waiter_top(ev), name="eventer"),
        loop.create_task(gatherer(), name="gatherer"),
    ]
    await loop.create_task(crasher(), name="crasher")
    del keep


if __name__ == "__main__":
    asyncio.run(main())
