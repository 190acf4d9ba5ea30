/* A tiny C extension for the corpus: `call(f)` calls back into Python, `crash()` writes
 * through a NULL pointer. Built per interpreter by corpus/generate.py. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *crashext_crash(PyObject *self, PyObject *unused) {
    volatile int *p = NULL;
    *p = 42;
    Py_RETURN_NONE;
}

static PyObject *crashext_call(PyObject *self, PyObject *callable) {
    return PyObject_CallObject(callable, NULL);
}

static PyMethodDef crashext_methods[] = {
    {"crash", crashext_crash, METH_NOARGS, "Dereference NULL."},
    {"call", crashext_call, METH_O, "Call a Python callable."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef crashext_module = {PyModuleDef_HEAD_INIT, "crashext", NULL, -1, crashext_methods};

PyMODINIT_FUNC PyInit_crashext(void) { return PyModule_Create(&crashext_module); }
