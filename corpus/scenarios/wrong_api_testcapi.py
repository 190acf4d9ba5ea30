"""wrong-api-testcapi: the wrong-API free as CPython's own test suite makes it,
_testcapi.pymem_api_misuse() under PYTHONMALLOC=debug: a 16-byte PyMem_Malloc block, never
written, freed with PyMem_RawFree from C. CPython dumps it and dies with "bad ID: Allocated using
API 'm', verified using API 'r'" (SIGABRT). Unlike wrong_api.py the free is called by an
extension's C function (whose unwind tables the corpus sysroot does not have), and the block is
all CLEANBYTE. Its address is only in CPython's dump on stderr."""
import _testcapi

import _common


def main():
    _common.write_side_file(extra={"wrong_api": {"via": "_testcapi.pymem_api_misuse"}})
    _testcapi.pymem_api_misuse()
    print("not reached")


if __name__ == "__main__":
    main()
