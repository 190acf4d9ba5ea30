# Benchmark workload for bench/run.mjs: a CPython process holding about TARGET bytes of Python
# objects (lists of ints, lists of strs, lists of small dicts), three threads blocked in Python
# functions at different depths, and the main thread sleeping in a loop. Once everything is in
# place it writes READY_FILE (JSON, written atomically) and waits to be core-dumped and killed.
#
#   python3.12 workload.py TARGET_BYTES READY_FILE
#
# It exits by itself when its parent goes away or after MAX_LIFETIME seconds, so a crashed
# benchmark never leaves a 2 GiB process behind.
import json
import os
import sys
import threading
import time

MAX_LIFETIME = 30 * 60
EXPECTED_DEPTHS = {'bench-waiter': 5, 'bench-locker': 40, 'bench-sleeper': 150}

target = int(sys.argv[1])
ready_file = sys.argv[2]
parent = os.getppid()
started = time.monotonic()
PAGE = os.sysconf('SC_PAGE_SIZE')


def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * PAGE


HEAP = []
COUNTS = {'int_lists': 0, 'str_lists': 0, 'dict_lists': 0}
CHUNK = 200_000  # elements per list: a few MB each, so the small target is hit closely too


def fill_heap(target_bytes):
    i = 0
    while rss() < target_bytes:
        kind = i % 3
        base = i * CHUNK
        if kind == 0:
            HEAP.append(list(range(base + 1000, base + 1000 + CHUNK)))  # ints > 256: one object each
            COUNTS['int_lists'] += 1
        elif kind == 1:
            HEAP.append([f'bench-string-{j}-{i}' for j in range(CHUNK // 2)])
            COUNTS['str_lists'] += 1
        else:
            HEAP.append([{'id': base + j, 'name': f'item{j}', 'ok': True} for j in range(CHUNK // 8)])
            COUNTS['dict_lists'] += 1
        i += 1


arrived = threading.Barrier(len(EXPECTED_DEPTHS) + 1)
never = threading.Event()
held = threading.Lock()
held.acquire()


def waiter_leaf():
    arrived.wait()
    never.wait()


def locker_leaf():
    arrived.wait()
    held.acquire()


def sleeper_leaf():
    arrived.wait()
    while True:
        time.sleep(3600)


def descend(depth, leaf):
    # `depth` Python frames of `descend`, then the leaf function.
    if depth <= 1:
        return leaf()
    return descend(depth - 1, leaf)


def start_threads():
    leaves = {'bench-waiter': waiter_leaf, 'bench-locker': locker_leaf, 'bench-sleeper': sleeper_leaf}
    for name, depth in EXPECTED_DEPTHS.items():
        threading.Thread(target=descend, args=(depth, leaves[name]), name=name, daemon=True).start()
    arrived.wait()
    time.sleep(0.2)  # let every thread get from the barrier into its blocking call


def write_ready():
    info = {
        'pid': os.getpid(),
        'rss': rss(),
        'target': target,
        'counts': COUNTS,
        'thread_depths': EXPECTED_DEPTHS,
        'fill_seconds': round(time.monotonic() - started, 2),
    }
    tmp = ready_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(info, f)
    os.rename(tmp, ready_file)


def main_sleep_loop():
    while True:
        time.sleep(0.05)
        if os.getppid() != parent or time.monotonic() - started > MAX_LIFETIME:
            os._exit(0)


def main():
    fill_heap(target)
    start_threads()
    write_ready()
    main_sleep_loop()


if __name__ == '__main__':
    main()
