// What pycore can decode, per minor version and build flavour, and what the corpus verifies:
// the data behind `pycore --versions`. Update it when corpus cores are added.
export interface VersionSupport {
  version: string;
  /** Builds whose corpus cores give exactly CPython's own output. */
  verified: string[];
  /** Decoded, but no corpus core proves it. */
  unverified: string[];
  /** Refused with a message. */
  unsupported: string[];
  /** The corpus labels whose cores (corpus/cores/<label>-<scenario>) verify builds of this version, and which build each is. */
  corpus?: { label: string; build: string }[];
}

export const versionSupport: VersionSupport[] = [
  {
    version: '2.7',
    verified: [
      "release: tracebacks (pyenv 2.7.18; corpus cores 2.7-segv-threads, -abort, -gcore-live, -locals vs sys._current_frames() recorded on the crash's own line or the spin loop's)",
      'release: locals and show (2.7-locals vs repr() and sys.getsizeof(); int, long, str, unicode, float, list, tuple, dict, new- and old-style classes and instances, functions)',
      'release: heap census, referrers, refs, path (2.7-census vs gc.get_objects() counts and sys.getsizeof() sums of dict, list, tuple, set and new- and old-style classes, old-style instances per class; its str, unicode, int, long and float objects; gc.get_referrers()/get_referents() of an old-style instance); the memory check (use-after-free only: a release build has no debug allocator)',
    ],
    unverified: [
      'UCS2 builds (unicode read as UTF-16 when libpython exports PyUnicodeUCS2_*)',
      'int and float totals: 2.7 keeps them in malloc\'d PyIntBlock/PyFloatBlock arrays, outside pymalloc and the GC lists, so only those some walked object refers to are counted',
    ],
    unsupported: ['no binary at all', 'debug', 'Py_TRACE_REFS'],
    corpus: [{ label: '2.7', build: 'release' }],
  },
  {
    version: '3.6',
    verified: ['release (pyenv 3.6.15; corpus cores 3.6-segv-threads, -abort, -locals, -heap, -gcore-live vs faulthandler, repr() and gc.get_objects())', 'the memory check under PYTHONMALLOC=debug (3.6-debugmalloc, -debugmalloc-trace vs the block dumps CPython printed)'],
    unverified: ['debug'],
    unsupported: ['no binary at all (its runtime roots are static variables found by symbol only)', 'Py_TRACE_REFS'],
    corpus: [{ label: '3.6', build: 'release' }],
  },
  {
    version: '3.7',
    verified: ['release (pyenv 3.7.16; corpus cores 3.7-segv-threads, -abort, -locals, -heap, -gcore-live vs faulthandler, repr() and gc.get_objects())', 'the memory check under PYTHONMALLOC=debug (3.7-debugmalloc, -debugmalloc-trace vs the block dumps CPython printed; 3.7.0-3.7.3, with the older fill bytes, unchecked)', 'no binary at all (found by an interpreter-state scan)'],
    unverified: ['debug'],
    unsupported: ['Py_TRACE_REFS'],
    corpus: [{ label: '3.7', build: 'release' }],
  },
  { version: '3.8', verified: ['release (pyenv 3.8.18)', 'no binary at all (found by an interpreter-state scan)'], unverified: ['debug', 'Py_TRACE_REFS (with its debug info)'], unsupported: [], corpus: [{ label: '3.8', build: 'release' }] },
  { version: '3.9', verified: ['release (pyenv 3.9.18)', 'no binary at all (found by an interpreter-state scan)'], unverified: ['debug', 'Py_TRACE_REFS (with its debug info)'], unsupported: [], corpus: [{ label: '3.9', build: 'release' }] },
  { version: '3.10', verified: ['release (pyenv 3.10.13)', 'no binary at all (found by an interpreter-state scan)'], unverified: ['debug', 'Py_TRACE_REFS (with its debug info)'], unsupported: [], corpus: [{ label: '3.10', build: 'release' }] },
  {
    version: '3.11',
    verified: ['release (pyenv 3.11.7)', "Debian's stripped /usr/bin/python3.11 (3.11.2)", "Debian arm64's python3.11 (3.11.2, aarch64 cores written by qemu-user: tracebacks, locals; native frames equal to gdb-multiarch's, which stops at qemu-user's signal frames)", "Debian's debug build python3.11d (3.11.2)", 'no binary at all (found by an interpreter-state scan)'],
    unverified: ['Py_TRACE_REFS (with its debug info)'],
    unsupported: [],
    corpus: [{ label: '3.11', build: 'release' }, { label: 'debian-3.11', build: 'release' }, { label: 'debian-3.11d', build: 'debug' }, { label: 'debian-3.11-arm64', build: 'release' }],
  },
  {
    version: '3.12',
    verified: ['release (pyenv 3.12.1)', 'Py_TRACE_REFS debug build (3.12.1 --with-trace-refs --with-pydebug; refchain census)', 'no binary at all (found by an interpreter-state scan)'],
    unverified: ['debug'],
    unsupported: [],
    corpus: [{ label: '3.12', build: 'release' }, { label: '3.12-tracerefs', build: 'trace-refs' }],
  },
  {
    version: '3.13',
    verified: [
      'release (pyenv 3.13.0)',
      'no binary at all (found via _Py_DebugOffsets)',
      'free-threaded 3.13t (3.13.0rc2 --disable-gil: tracebacks, locals, show; heap census over mimalloc heaps exact vs gc.get_objects())',
    ],
    unverified: ['debug', 'Py_TRACE_REFS (refchain hashtable not read)', 'free-threaded heap with no binary (mimalloc offsets are pinned to the 3.13.0rc2 build)'],
    unsupported: [],
    corpus: [{ label: '3.13', build: 'release' }, { label: '3.13t', build: 'free-threaded' }],
  },
  {
    version: '3.14',
    verified: [],
    unverified: [
      'release, UNVERIFIED: layout table derived from the 3.14 headers, used with the _Py_DebugOffsets of the core (no 3.14 core in the corpus yet)',
      'unverified fields (from the headers; _Py_DebugOffsets does not publish them): _PyInterpreterFrame f_funcobj, f_globals, f_builtins, f_locals, frame_obj; PyGenObject gi_qualname, gi_exc_state; PyCodeObject members other than filename, name, qualname, linetable, firstlineno, argcount, localsplusnames, localspluskinds, co_code_adaptive; PyTypeObject tp_basicsize, tp_itemsize, tp_members, tp_base, tp_dict, tp_dictoffset, tp_bases, tp_mro; PyTupleObject ob_hash; PyListObject allocated; PyCompactUnicodeObject utf8, utf8_length; PyUnicodeObject data; the str state bitfields',
    ],
    unsupported: ['free-threaded (3.14t)', 'Py_TRACE_REFS'],
  },
  {
    version: '3.15',
    verified: [],
    unverified: [
      'release 3.15.0b4 and later, UNVERIFIED: layout table derived from 3.15 development headers, used with the _Py_DebugOffsets of the core (no 3.15 core in the corpus yet)',
      '_Py_DebugOffsets member order: from two 3.15 forks\' pycore_debug_offsets.h (methane/cpython a93425f62b6b, taegyunkim/cpython 8543f762a91e), no python/cpython copy; _PyInterpreterFrame, PyGenObject and the frame owners from python/cpython 111e70cb2364 (another 3.15-era branch, b871fbb38b36 in the same mirror, numbers the owners as bit flags: not followed); _framestate (renumbered from 0) from a python/cpython mirror at 73664c7cb623',
      'unverified fields (_Py_DebugOffsets does not publish them): from the 3.15 header above, _PyInterpreterFrame f_funcobj, f_globals, f_builtins, f_locals, frame_obj; PyGenObject gi_qualname, gi_exc_state; carried over from 3.14 with no 3.15 header, PyCodeObject members other than filename, name, qualname, linetable, firstlineno, argcount, localsplusnames, localspluskinds, co_code_adaptive; PyTypeObject tp_itemsize, tp_members, tp_base, tp_dict, tp_bases, tp_mro; PyTupleObject ob_hash; PyListObject allocated; PyCompactUnicodeObject utf8, utf8_length; PyUnicodeObject data; the str state bitfields',
    ],
    unsupported: ['3.15 prereleases before 3.15.0b4 without debug info (their _Py_DebugOffsets has another shape)', 'free-threaded (3.15t)', 'Py_TRACE_REFS'],
  },
];
