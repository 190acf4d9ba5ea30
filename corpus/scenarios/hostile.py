"""hostile: strings that would rewrite an analyst's terminal, in places a core carries them:
a function name (co_name), a file name (co_filename) and a local variable, plus a non-ASCII
function name. The crash (ctypes.string_at(0)) happens inside that function; faulthandler
prints the names escaped, and so must pycore."""
import ctypes

import _common

EVIL = "\x1b]0;pwned\x07\x1b[2J"

SRC = """
def target(payload):
    evil_local = payload
    callback(payload)
"""


def callback(payload):
    _common.write_side_file(extra={"evil": payload})
    ctypes.string_at(0)


def main():
    ns = {"callback": callback}
    exec(compile(SRC, "\x1b[31mred\x1b[0m/evil\u00e9.py", "exec"), ns)
    fn = ns["target"]
    fn.__code__ = fn.__code__.replace(co_name="tgt" + EVIL + "\u00fcml")
    fn(EVIL)


if __name__ == "__main__":
    main()
