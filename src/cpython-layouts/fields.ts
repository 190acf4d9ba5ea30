// The struct fields pycore's decoders read, by logical name, with the C member paths that hold
// them across versions (first one present wins). Renames between versions are data here, not
// branches in decoders.
export const fieldSources = {
  'runtime.interpreters_head': ['_PyRuntimeState', 'interpreters.head'],
  'runtime.interpreters_main': ['_PyRuntimeState', 'interpreters.main'],
  'runtime.tstate_current': ['_PyRuntimeState', 'gilstate.tstate_current'],
  'runtime.gil_last_holder': ['_PyRuntimeState', 'ceval.gil.last_holder'],
  'runtime.gil_locked': ['_PyRuntimeState', 'ceval.gil.locked'],
  'runtime.finalizing': ['_PyRuntimeState', 'finalizing', '_finalizing'],
  'interp.next': ['PyInterpreterState', 'next'],
  'interp.threads_head': ['PyInterpreterState', 'threads.head', 'tstate_head'],
  'interp.id': ['PyInterpreterState', 'id'],
  'interp.sysdict': ['PyInterpreterState', 'sysdict'],
  'interp.modules': ['PyInterpreterState', 'imports.modules', 'modules'],
  'interp.gil_ptr': ['PyInterpreterState', 'ceval.gil'],
  'gil.last_holder': ['_gil_runtime_state', 'last_holder'],
  'gil.locked': ['_gil_runtime_state', 'locked'],
  'tstate.next': ['PyThreadState', 'next'],
  'tstate.interp': ['PyThreadState', 'interp'],
  'tstate.frame': ['PyThreadState', 'frame'],
  'tstate.cframe': ['PyThreadState', 'cframe'],
  'tstate.current_frame': ['PyThreadState', 'current_frame'],
  'tstate.thread_id': ['PyThreadState', 'thread_id'],
  'tstate.native_thread_id': ['PyThreadState', 'native_thread_id'],
  'cframe.current_frame': ['_PyCFrame', 'current_frame'],
  'frame.f_back': ['PyFrameObject', 'f_back'],
  'frame.f_code': ['PyFrameObject', 'f_code'],
  'frame.f_lasti': ['PyFrameObject', 'f_lasti'],
  'frame.f_lineno': ['PyFrameObject', 'f_lineno'],
  'frame.f_trace': ['PyFrameObject', 'f_trace'],
  'iframe.code': ['_PyInterpreterFrame', 'f_executable', 'f_code'],
  'iframe.previous': ['_PyInterpreterFrame', 'previous'],
  'iframe.instr': ['_PyInterpreterFrame', 'instr_ptr', 'prev_instr'],
  'iframe.owner': ['_PyInterpreterFrame', 'owner'],
  'code.filename': ['PyCodeObject', 'co_filename'],
  'code.name': ['PyCodeObject', 'co_name'],
  'code.qualname': ['PyCodeObject', 'co_qualname'],
  'code.firstlineno': ['PyCodeObject', 'co_firstlineno'],
  'code.linetable': ['PyCodeObject', 'co_linetable', 'co_lnotab'],
  'code.code_adaptive': ['PyCodeObject', 'co_code_adaptive'],
  'object.refcnt': ['PyObject', 'ob_refcnt'],
  'object.type': ['PyObject', 'ob_type'],
  'var.size': ['PyVarObject', 'ob_size'],
  'type.name': ['PyTypeObject', 'tp_name'],
  'type.flags': ['PyTypeObject', 'tp_flags'],
  'unicode.length': ['PyASCIIObject', 'length'],
  'unicode.state': ['PyASCIIObject', 'state'],
  'unicode.data': ['PyUnicodeObject', 'data'],
  'bytes.size': ['PyVarObject', 'ob_size'],
  'bytes.sval': ['PyBytesObject', 'ob_sval'],
} as const satisfies Record<string, readonly [string, ...string[]]>;

export type FieldName = keyof typeof fieldSources;

export const structSizes = ['PyASCIIObject', 'PyCompactUnicodeObject', 'PyThreadState', 'PyFrameObject', '_PyInterpreterFrame', 'PyCodeObject'] as const;
export type SizedStruct = (typeof structSizes)[number];

export const bitfieldSources = {
  'unicode.kind': 'PyASCIIObject.state.kind',
  'unicode.compact': 'PyASCIIObject.state.compact',
  'unicode.ascii': 'PyASCIIObject.state.ascii',
} as const;
export type BitfieldName = keyof typeof bitfieldSources;
