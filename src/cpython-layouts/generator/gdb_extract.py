# gdb_extract.py -- runs INSIDE gdb (gdb's embedded Python), never standalone.
#
# Extracts CPython struct layouts, bitfields and enums from the DWARF of the
# objfile gdb was started on and writes them as JSON to the path given in the
# environment variable PYCORE_LAYOUT_OUT (stdout if unset).
#
#   PYCORE_LAYOUT_OUT=/tmp/x.json gdb -batch -nx -x gdb_extract.py LIBPYTHON
#
# Driven by generate.py, which turns the JSON into src/cpython-layouts/generated/*.ts.
# Rules (see generated/types.ts):
#   * offsets are byte offsets from the start of the struct;
#   * embedded (non-pointer) struct/union members are flattened as dotted paths,
#     anonymous struct/union members contribute their members at the same level;
#   * arrays: only the start offset, plus "<path>.__elem_size" for ELEM_SIZE paths;
#   * bitfields go to "bitfields" as "<StructKey>.<path>" (never into "fields");
#   * a member/struct/enum that does not exist is simply absent (reported in "missing").

import json
import os

import gdb  # type: ignore  # provided by gdb

STRUCT_CODES = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION)

# (key, candidate C type names, mode, arg)
#   mode "all":   every member, flattened, paths of at most `arg` components
#   mode "paths": only the listed dotted paths (giant state structs)
OBJECT_DEPTH = 3
SPEC = [
    ("_PyRuntimeState", ["_PyRuntimeState", "struct pyruntimestate"], "paths", [
        "interpreters.head", "interpreters.main",
        "gilstate.tstate_current", "gilstate.autoTSSkey", "autoTSSkey",
        "ceval.gil", "ceval.gil.last_holder", "ceval.gil.locked", "ceval.gil.switch_number",
        "_main_interpreter", "finalizing", "initialized", "main_thread",
        "gc", "debug_offsets", "obmalloc", "tracemalloc",
        # extras (not in the original list, cheap and useful): the finalizing
        # tstate moved to "_finalizing" (atomic) in 3.9+, main_tstate in 3.13.
        "_finalizing", "_finalizing_id", "main_tstate",
    ]),
    ("PyInterpreterState", ["PyInterpreterState", "struct _is"], "paths", [
        "next", "tstate_head", "threads.head", "id", "modules", "sysdict", "builtins",
        "gc", "ceval.gil", "_gil", "_gil.last_holder", "_gil.locked", "obmalloc",
        "runtime", "finalizing", "threads.main", "imports.modules", "cached_objects",
        "types",
        # extras: atomic finalizing tstate (3.13+)
        "_finalizing", "_finalizing_id",
    ]),
    ("PyThreadState", ["PyThreadState", "struct _ts"], "all", OBJECT_DEPTH),
    ("_PyThreadStateImpl", ["_PyThreadStateImpl"], "all", OBJECT_DEPTH),
    ("_PyCFrame", ["_PyCFrame", "struct _PyCFrame"], "all", OBJECT_DEPTH),
    ("CFrame", ["CFrame", "struct _cframe"], "all", OBJECT_DEPTH),  # 3.10 predecessor of _PyCFrame
    ("PyFrameObject", ["PyFrameObject", "struct _frame"], "all", OBJECT_DEPTH),
    ("_PyInterpreterFrame", ["_PyInterpreterFrame", "struct _PyInterpreterFrame"], "all", OBJECT_DEPTH),
    ("_PyErr_StackItem", ["_PyErr_StackItem", "struct _err_stackitem"], "all", OBJECT_DEPTH),
    ("_PyStackChunk", ["_PyStackChunk", "struct _PyStackChunk"], "all", OBJECT_DEPTH),
    ("PyCodeObject", ["PyCodeObject", "struct PyCodeObject"], "all", OBJECT_DEPTH),
    ("PyObject", ["PyObject", "struct _object"], "all", OBJECT_DEPTH),
    ("PyVarObject", ["PyVarObject"], "all", OBJECT_DEPTH),
    ("PyTypeObject", ["PyTypeObject", "struct _typeobject"], "all", OBJECT_DEPTH),
    ("PyHeapTypeObject", ["PyHeapTypeObject", "struct _heaptypeobject"], "all", 1),
    ("PyASCIIObject", ["PyASCIIObject"], "all", OBJECT_DEPTH),
    ("PyCompactUnicodeObject", ["PyCompactUnicodeObject"], "all", OBJECT_DEPTH),
    ("PyUnicodeObject", ["PyUnicodeObject"], "all", OBJECT_DEPTH),
    ("PyBytesObject", ["PyBytesObject"], "all", OBJECT_DEPTH),
    ("PyByteArrayObject", ["PyByteArrayObject"], "all", OBJECT_DEPTH),
    ("PyTupleObject", ["PyTupleObject"], "all", OBJECT_DEPTH),
    ("PyListObject", ["PyListObject"], "all", OBJECT_DEPTH),
    ("PyLongObject", ["PyLongObject", "struct _longobject"], "all", OBJECT_DEPTH),
    ("PyFloatObject", ["PyFloatObject"], "all", OBJECT_DEPTH),
    ("PyComplexObject", ["PyComplexObject"], "all", OBJECT_DEPTH),
    ("PyDictObject", ["PyDictObject"], "all", OBJECT_DEPTH),
    ("PyDictKeysObject", ["PyDictKeysObject", "struct _dictkeysobject"], "all", OBJECT_DEPTH),
    ("PyDictKeyEntry", ["PyDictKeyEntry"], "all", OBJECT_DEPTH),
    ("PyDictUnicodeEntry", ["PyDictUnicodeEntry"], "all", OBJECT_DEPTH),
    ("PyDictValues", ["PyDictValues", "struct _dictvalues"], "all", OBJECT_DEPTH),
    ("PySetObject", ["PySetObject"], "all", OBJECT_DEPTH),
    ("setentry", ["setentry"], "all", OBJECT_DEPTH),
    ("PyFunctionObject", ["PyFunctionObject"], "all", OBJECT_DEPTH),
    ("PyMethodObject", ["PyMethodObject"], "all", OBJECT_DEPTH),
    ("PyCFunctionObject", ["PyCFunctionObject"], "all", OBJECT_DEPTH),
    ("PyMethodDef", ["PyMethodDef", "struct PyMethodDef"], "all", OBJECT_DEPTH),
    ("PyMemberDef", ["PyMemberDef", "struct PyMemberDef"], "all", OBJECT_DEPTH),
    ("PyGetSetDef", ["PyGetSetDef", "struct PyGetSetDef"], "all", OBJECT_DEPTH),
    ("PyModuleObject", ["PyModuleObject"], "all", OBJECT_DEPTH),
    ("PyCellObject", ["PyCellObject"], "all", OBJECT_DEPTH),
    ("PyGenObject", ["PyGenObject"], "all", OBJECT_DEPTH),
    ("PyCoroObject", ["PyCoroObject"], "all", OBJECT_DEPTH),
    ("PyBaseExceptionObject", ["PyBaseExceptionObject"], "all", OBJECT_DEPTH),
    ("PyGC_Head", ["PyGC_Head"], "all", OBJECT_DEPTH),
    ("PySliceObject", ["PySliceObject"], "all", OBJECT_DEPTH),
    ("rangeobject", ["rangeobject"], "all", OBJECT_DEPTH),
    ("_Py_DebugOffsets", ["_Py_DebugOffsets", "struct _Py_DebugOffsets"], "all", 8),
    ("_gc_runtime_state", ["struct _gc_runtime_state"], "all", OBJECT_DEPTH),
    ("gc_generation", ["struct gc_generation"], "all", OBJECT_DEPTH),
    ("pool_header", ["struct pool_header"], "all", OBJECT_DEPTH),
    ("arena_object", ["struct arena_object"], "all", OBJECT_DEPTH),
    ("_gil_runtime_state", ["struct _gil_runtime_state"], "all", OBJECT_DEPTH),
]

# Arrays whose element size is recorded as "<path>.__elem_size".
ELEM_SIZE = {
    "PyTupleObject": ["ob_item"],
    "PyLongObject": ["ob_digit", "long_value.ob_digit"],
    "PyBytesObject": ["ob_sval"],
    "PyDictKeysObject": ["dk_indices"],
    "PyFrameObject": ["f_localsplus"],
    "_PyInterpreterFrame": ["localsplus"],
    "PyCodeObject": ["co_code_adaptive"],
}

# (key, candidate C type names); key is the tag/typedef name without "enum ".
ENUMS = [
    ("_frameowner", ["enum _frameowner"]),
    ("_framestate", ["enum _framestate", "PyFrameState"]),
    ("PyUnicode_Kind", ["enum PyUnicode_Kind"]),
    ("DictKeysKind", ["DictKeysKind"]),
    ("PyGILState_STATE", ["PyGILState_STATE"]),
    ("_PyCodeLocationInfoKind", ["enum _PyCodeLocationInfoKind"]),
    ("PyLockStatus", ["enum PyLockStatus"]),
    ("_PyLockFlags", ["enum _PyLockFlags"]),
]


def lookup(names):
    """First candidate that resolves to a complete type; (name, type) or (None, None)."""
    for n in names:
        try:
            t = gdb.lookup_type(n)
        except gdb.error:
            continue
        s = t.strip_typedefs()
        if s.code in STRUCT_CODES and not s.fields():
            continue  # opaque declaration only
        return n, t
    return None, None


def is_anon(f):
    return f.name is None or f.name == ""


class Walker:
    def __init__(self, key, elem_paths):
        self.key = key
        self.elem_paths = set(elem_paths)
        self.fields = {}
        self.bitfields = {}

    def bitfield(self, path, bitpos, bitsize):
        self.bitfields[self.key + "." + path] = {
            "byteOffset": bitpos // 8,
            "bitOffset": bitpos % 8,
            "bitSize": bitsize,
        }

    def walk(self, t, base_bits, prefix, depth, maxdepth):
        """Record members of struct/union `t` (at bit `base_bits`).  Members are at
        path depth `depth` (1 = top level).  Past `maxdepth` only bitfields are
        recorded, so every bitfield of an emitted struct is reachable."""
        t = t.strip_typedefs()
        for f in t.fields():
            if f.is_base_class:
                continue
            ft = f.type.strip_typedefs()
            bitpos = base_bits + f.bitpos
            if is_anon(f):
                if ft.code in STRUCT_CODES:
                    self.walk(ft, bitpos, prefix, depth, maxdepth)
                continue  # unnamed padding bitfield
            path = prefix + f.name
            if f.bitsize:
                self.bitfield(path, bitpos, f.bitsize)
                continue
            if depth <= maxdepth:
                if bitpos % 8:
                    raise gdb.GdbError("%s.%s not byte aligned" % (self.key, path))
                self.fields[path] = bitpos // 8
                if ft.code == gdb.TYPE_CODE_ARRAY and path in self.elem_paths:
                    self.fields[path + ".__elem_size"] = ft.target().sizeof
            if ft.code in STRUCT_CODES:
                self.walk(ft, bitpos, path + ".", depth + 1, maxdepth)


def find_member(t, name):
    """Member `name` of struct/union t, looking through anonymous members: (bitpos, field)."""
    t = t.strip_typedefs()
    for f in t.fields():
        if f.name == name:
            return f.bitpos, f
        if is_anon(f) and f.type.strip_typedefs().code in STRUCT_CODES:
            r = find_member(f.type, name)
            if r is not None:
                return f.bitpos + r[0], r[1]
    return None


def resolve_path(t, path):
    bits = 0
    cur = t
    field = None
    for comp in path.split("."):
        s = cur.strip_typedefs()
        if s.code not in STRUCT_CODES:
            return None  # e.g. a pointer in newer versions: the sub-path does not exist
        r = find_member(s, comp)
        if r is None:
            return None
        bits += r[0]
        field = r[1]
        cur = field.type
    return bits, field


def main():
    out = {"structs": {}, "bitfields": {}, "enums": {},
           "missing": {"structs": [], "paths": {}, "enums": []}}
    for key, names, mode, arg in SPEC:
        cname, t = lookup(names)
        if t is None:
            out["missing"]["structs"].append(key)
            continue
        w = Walker(key, ELEM_SIZE.get(key, []))
        if mode == "all":
            w.walk(t, 0, "", 1, arg)
            for p in ELEM_SIZE.get(key, []):
                if p + ".__elem_size" not in w.fields:
                    out["missing"]["paths"].setdefault(key, []).append(p + ".__elem_size")
        else:
            for p in arg:
                r = resolve_path(t, p)
                if r is None:
                    out["missing"]["paths"].setdefault(key, []).append(p)
                    continue
                bits, f = r
                if f.bitsize:
                    w.bitfield(p, bits, f.bitsize)
                else:
                    w.fields[p] = bits // 8
        out["structs"][key] = {"cname": cname, "size": t.strip_typedefs().sizeof, "fields": w.fields}
        out["bitfields"].update(w.bitfields)
    for key, names in ENUMS:
        t = None
        for n in names:
            try:
                cand = gdb.lookup_type(n).strip_typedefs()
            except gdb.error:
                continue
            if cand.code == gdb.TYPE_CODE_ENUM:
                t = cand
                break
        if t is None:
            out["missing"]["enums"].append(key)
            continue
        out["enums"][key] = {f.name: int(f.enumval) for f in t.fields()}
    text = json.dumps(out, sort_keys=True, indent=1)
    dest = os.environ.get("PYCORE_LAYOUT_OUT")
    if dest:
        with open(dest, "w") as fh:
            fh.write(text)
    else:
        print(text)


main()
